//! `diagnose --env`: connect a finding to the definition line that asked for what failed,
//! and suggest an edit of that line.
//!
//! The definition is read once, by lint's definition model
//! ([`buildmedic_lint::definition::discover`]), and linted with lint's own checks; the
//! finding's entities (package, version, image, file, command) pick the line. Edits are
//! built from what is known without guessing: the versions the log lists (`from versions:`),
//! lint's own fixes, lint's facts (deprecated images and their successor), the files of the
//! build context, and — when the network is allowed — what preflight finds in the channels,
//! indexes and registries. Every proposed version, channel or image is checked with preflight
//! before it is proposed, unless `offline` is set; the edit says whether it was.

use std::path::{Path, PathBuf};

use buildmedic_engine::{DefinitionEdit, DefinitionLine, Diagnosis, Finding, FrameLine, LintNote};
use buildmedic_lint::definition::{self, DefinitionFile, Definitions, Location, PipParsed};
use buildmedic_lint::{Facts, FileKind, LintConfig, LintReport};
use buildmedic_preflight::report::{Check, Specific};
use buildmedic_preflight::{CondaTarget, ImageTarget, PipTarget, Preflight};
use buildmedic_redact::redact;

/// How to link.
#[derive(Default)]
pub struct LinkOptions {
    /// No network: edits are proposed from the log, lint and the build context only, and
    /// marked `not-verified` when they name a version, channel or image.
    pub offline: bool,
    /// Preflight options when online (`None`: preflight's defaults).
    pub preflight: Option<buildmedic_preflight::Options>,
}

/// The definitions of one `--env`, read and linted once for every log.
pub struct Env {
    defs: Definitions,
    report: LintReport,
    preflight: Option<Preflight>,
    /// Why preflight is not used (set up failed), reported once in edits.
    preflight_error: Option<String>,
}

/// An edit ready to be written by [`apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEdit {
    /// As shown (`envs/environment.yml`).
    pub file: String,
    pub path: PathBuf,
    /// The file's text when it was read.
    pub original: String,
    /// The text with the edit applied.
    pub updated: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("{0}")]
    Discover(String),
    #[error("--env: no environment definition found in {0}")]
    Empty(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(
        "{file}: changed since it was read; the suggested edit no longer applies (nothing written)"
    )]
    Stale { file: String },
    #[error("{file}: cannot write the edit: {message}")]
    Write { file: String, message: String },
}

impl Env {
    /// Reads `paths` as `buildmedic lint` does.
    pub fn open(paths: &[PathBuf], opts: LinkOptions) -> Result<Env, LinkError> {
        let defs = definition::discover(paths)
            .map_err(|e| LinkError::Discover(redact(&e.to_string()).into_owned()))?;
        if defs.files.is_empty() {
            let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            return Err(LinkError::Empty(redact(&shown.join(", ")).into_owned()));
        }
        let report = buildmedic_lint::lint_paths(paths, &LintConfig::default());
        let (preflight, preflight_error) = if opts.offline {
            (None, None)
        } else {
            match Preflight::new(opts.preflight.unwrap_or_default()) {
                Ok(p) => (Some(p), None),
                Err(e) => (None, Some(redact(&e.to_string()).into_owned())),
            }
        };
        Ok(Env {
            defs,
            report,
            preflight,
            preflight_error,
        })
    }

    /// Fills `definition` and `edit` of each finding of `d` (failures and latent problems)
    /// that a definition line explains; returns the edits, in finding order, for `--fix`.
    pub fn link(&self, d: &mut Diagnosis) -> Vec<PendingEdit> {
        let mut pending = Vec::new();
        for f in d.findings.iter_mut() {
            let Some(target) = self.locate(f) else {
                continue;
            };
            let Some(file) = self.defs.files.get(target.file) else {
                continue;
            };
            f.definition = Some(self.definition_line(file, &target));
            if let Some((edit, pend)) = target.proposal.and_then(|p| render_edit(file, p)) {
                f.edit = Some(edit);
                pending.push(pend);
            }
        }
        pending
    }

    fn definition_line(&self, file: &DefinitionFile, t: &Target) -> DefinitionLine {
        let loc = &t.location;
        let lines: Vec<&str> = file.source.text.lines().collect();
        let first = loc.line.saturating_sub(1).max(1);
        let last = (loc.end_line + 1).min(lines.len()).max(loc.line);
        let frame = (first..=last)
            .filter_map(|n| {
                lines.get(n.wrapping_sub(1)).map(|text| FrameLine {
                    line: n,
                    text: redact(text).into_owned(),
                })
            })
            .collect();
        let lint = self
            .report
            .diagnostics
            .iter()
            .filter(|d| d.file == loc.file && d.line >= loc.line && d.line <= loc.end_line)
            .map(|d| LintNote {
                check: d.check.to_string(),
                line: d.line,
                message: redact(&d.message).into_owned(),
            })
            .collect();
        DefinitionLine {
            file: redact(&loc.file).into_owned(),
            line: loc.line,
            column: loc.column,
            end_line: loc.end_line,
            end_column: loc.end_column,
            what: redact(&t.what).into_owned(),
            frame,
            lint,
        }
    }

    fn locate(&self, f: &Finding) -> Option<Target> {
        let kind = f.kind.as_str();
        let found = match kind {
            "conda-package-not-found" | "conda-unsatisfiable" => {
                self.conda_package(f).or_else(|| self.pip_package(f, kind))
            }
            "pip-no-matching-distribution"
            | "pip-resolution-impossible"
            | "pip-install-failed"
            | "pip-cannot-uninstall"
            | "wheel-build-failed"
            | "mpi4py-build-failed"
            | "horovod-build-failed" => self.pip_package(f, kind).or_else(|| self.conda_package(f)),
            "copy-file-not-found" => self.copy_source(f),
            "image-not-found" | "registry-auth" | "registry-unreachable" => self.image(f),
            "incompatible-python" => self
                .pip_package(f, kind)
                .or_else(|| self.conda_package(f))
                .or_else(|| self.python_line(f)),
            "missing-command" | "apt-get-failed" | "make-no-targets" => {
                self.lint_line(f, true).or_else(|| self.run_with(f))
            }
            _ => None,
        };
        found.or_else(|| self.lint_line(f, false))
    }

    /// A conda spec naming the finding's package.
    fn conda_package(&self, f: &Finding) -> Option<Target> {
        // The entities are strongest first: the first one a spec names wins.
        for wanted in names(f, "package") {
            for (i, file) in self.defs.files.iter().enumerate() {
                for env in &file.asks.conda {
                    for spec in &env.specs {
                        let Some(name) = spec.name.as_deref() else {
                            continue;
                        };
                        if normalize(name) != wanted {
                            continue;
                        }
                        let proposal = if f.kind == "conda-package-not-found" {
                            self.conda_proposal(file, env, spec, f)
                        } else {
                            None
                        };
                        return Some(Target {
                            file: i,
                            location: spec.location.clone(),
                            what: format!("conda spec `{}`", spec.text),
                            proposal,
                        });
                    }
                }
            }
        }
        None
    }

    fn conda_proposal(
        &self,
        file: &DefinitionFile,
        env: &definition::CondaEnvironment,
        spec: &definition::CondaSpec,
        f: &Finding,
    ) -> Option<Proposal> {
        let name = spec_name(&spec.text);
        let pinned = spec.text.len() > name.len();
        match &self.preflight {
            Some(pf) => {
                let mut target = CondaTarget::new(spec.text.clone(), env.channels.clone());
                target.python = env.python.as_deref().map(python_of);
                let check = pf.check_conda(&target);
                let Specific::Conda(details) = &check.details.specific else {
                    return None;
                };
                let mut channels = env.channels.clone();
                let mut added_channel = None;
                if details.closest_versions.is_empty() {
                    let chan = details.carried_by.first()?;
                    channels.push(chan.clone());
                    added_channel = Some(chan.clone());
                }
                let mut t2 = CondaTarget::new(name.to_string(), channels.clone());
                t2.python = target.python.clone();
                let newest = pf.check_conda(&t2);
                let version = match &newest.details.specific {
                    Specific::Conda(d2) => d2
                        .found
                        .as_deref()
                        .and_then(version_of_record)
                        .or_else(|| details.closest_versions.first().cloned()),
                    _ => None,
                }?;
                let new_spec = format!("{name}={version}");
                let mut t3 = CondaTarget::new(new_spec.clone(), channels);
                t3.python = target.python.clone();
                let verify = pf.check_conda(&t3);
                let mut edits = vec![(spec.location.span.clone(), new_spec.clone())];
                let mut description = format!(
                    "`{}` does not exist; pin `{new_spec}`, the newest version the channels have",
                    spec.text
                );
                if let Some(chan) = &added_channel {
                    edits.push(add_channel(file, env, chan)?);
                    description.push_str(&format!(", and add channel `{chan}`, which carries it"));
                }
                Some(Proposal {
                    edits,
                    description,
                    verification: verdict(&verify),
                    preflight: Some(verify.message.clone()),
                })
            }
            None if pinned => {
                let version = f
                    .entities
                    .get("version")
                    .and_then(|v| v.first())
                    .map(|v| v.trim().to_string());
                let what = version.map_or_else(String::new, |v| format!(" {v}"));
                Some(Proposal {
                    edits: vec![(spec.location.span.clone(), name.to_string())],
                    description: format!(
                        "the channels have no `{name}`{what}; drop the pin so the solver picks a version that exists (run `buildmedic preflight` to pick one)"
                    ),
                    verification: "not-verified",
                    preflight: self.preflight_error.clone(),
                })
            }
            None => None,
        }
    }

    /// A pip requirement naming the finding's package.
    fn pip_package(&self, f: &Finding, kind: &str) -> Option<Target> {
        for wanted in names(f, "package") {
            for (i, file) in self.defs.files.iter().enumerate() {
                for req in &file.asks.pip {
                    let name = match &req.parsed {
                        PipParsed::Requirement(r) => r.name.to_string(),
                        _ => continue,
                    };
                    if normalize(&name) != wanted {
                        continue;
                    }
                    let proposal =
                        if matches!(kind, "pip-no-matching-distribution" | "incompatible-python") {
                            self.pip_proposal(req, &name, f)
                        } else {
                            None
                        };
                    return Some(Target {
                        file: i,
                        location: req.location.clone(),
                        what: format!("pip requirement `{}`", req.text),
                        proposal,
                    });
                }
            }
        }
        None
    }

    fn pip_proposal(
        &self,
        req: &definition::PipRequirement,
        name: &str,
        f: &Finding,
    ) -> Option<Proposal> {
        let listed = finals_newest_first(&listed_versions(&f.evidence));
        let from_log = !listed.is_empty();
        let source = if from_log {
            "the newest release the index lists in the log"
        } else {
            "the newest release on the index"
        };
        // pip lists in `from versions:` only what this Python can install: for a release
        // that needs another Python, the newest of those is the pin that installs.
        let why = if f.kind == "incompatible-python" {
            let range = f
                .entities
                .get("python_version")
                .and_then(|v| v.first())
                .map(|r| format!(" (`{r}`)"))
                .unwrap_or_default();
            format!("needs another Python{range}")
        } else {
            "has no distribution".to_string()
        };
        let proposal = |version: &str, verification: &'static str, said: Option<String>| {
            let new_req = format!("{name}=={version}");
            Proposal {
                edits: vec![(req.location.span.clone(), new_req.clone())],
                description: format!("`{}` {why}; pin `{new_req}`, {source}", req.text),
                verification,
                preflight: said,
            }
        };
        let Some(pf) = &self.preflight else {
            let v = listed.first()?;
            return Some(proposal(v, "from-log", self.preflight_error.clone()));
        };
        let candidates = if from_log {
            listed
        } else {
            let check = pf.check_pip(&pip_target(req, name.to_string()));
            let Specific::Pip(d) = &check.details.specific else {
                return None;
            };
            finals_newest_first(&d.versions)
        };
        // The newest candidate this Python and platform can install; a release the index
        // has only for another Python is skipped.
        for v in candidates.iter().take(MAX_CANDIDATES) {
            let check = pf.check_pip(&pip_target(req, format!("{name}=={v}")));
            if check.status.is_ok() {
                return Some(proposal(v, "verified", Some(check.message.clone())));
            }
            if matches!(
                check.status,
                buildmedic_preflight::report::Status::Unreachable
                    | buildmedic_preflight::report::Status::RateLimited
            ) {
                // The index cannot tell: propose what the log lists, unverified.
                let v = candidates.first()?;
                return from_log.then(|| proposal(v, "not-verified", Some(check.message.clone())));
            }
        }
        None
    }

    /// The `COPY`/`ADD` source naming the finding's file.
    fn copy_source(&self, f: &Finding) -> Option<Target> {
        let files = f.entities.get("file").cloned().unwrap_or_default();
        for (i, file) in self.defs.files.iter().enumerate() {
            for ins in &file.asks.instructions {
                if ins.flags.iter().any(|(n, _)| n == "from") {
                    continue;
                }
                for (src, loc) in &ins.copy_sources {
                    let s = trim_path(src);
                    if s.is_empty() {
                        continue;
                    }
                    let names_it = files.iter().any(|e| {
                        let e = trim_path(e);
                        e == s || e.ends_with(&format!("/{s}")) || s.ends_with(&format!("/{e}"))
                    });
                    if !names_it {
                        continue;
                    }
                    let proposal = file
                        .context_dir
                        .as_deref()
                        .and_then(|ctx| existing_instead(ctx, s))
                        .map(|found| Proposal {
                            edits: vec![(loc.span.clone(), found.clone())],
                            description: format!(
                                "`{src}` is not in the build context; `{found}` is"
                            ),
                            verification: "build-context",
                            preflight: None,
                        });
                    return Some(Target {
                        file: i,
                        location: loc.clone(),
                        what: format!("{} source `{src}`", ins.keyword.to_uppercase()),
                        proposal,
                    });
                }
            }
        }
        None
    }

    /// The image reference the finding names.
    fn image(&self, f: &Finding) -> Option<Target> {
        let wanted = f.entities.get("image").cloned().unwrap_or_default();
        let wanted_norm: Vec<String> = wanted.iter().map(|w| normalize_image(w)).collect();
        for (i, file) in self.defs.files.iter().enumerate() {
            for image in &file.asks.images {
                let Ok(parsed) = &image.parsed else { continue };
                let full = parsed.to_string();
                if !wanted_norm
                    .iter()
                    .any(|w| *w == full || *w == image.reference)
                {
                    continue;
                }
                let proposal = if f.kind == "image-not-found" && !image.substituted {
                    self.image_proposal(image, parsed)
                } else {
                    None
                };
                return Some(Target {
                    file: i,
                    location: image.location.clone(),
                    what: format!("image `{}`", image.written),
                    proposal,
                });
            }
        }
        None
    }

    fn image_proposal(
        &self,
        image: &definition::Image,
        parsed: &buildmedic_lint::syntax::image_ref::grammar::Reference,
    ) -> Option<Proposal> {
        let facts = Facts::builtin();
        let (replacement, description) = if matches!(
            parsed.domain.as_str(),
            "mcr.microsoft.com" | "docker.io"
        ) && facts.is_deprecated_image(&parsed.path)
        {
            let r = facts.images.replacement.clone();
            let d = format!(
                "`{}` is a deprecated image that is no longer published; use its successor `{r}`",
                image.written
            );
            (r, d)
        } else {
            let pf = self.preflight.as_ref()?;
            let check = pf.check_image(&ImageTarget::new(image.reference.clone()));
            let Specific::Image(d) = &check.details.specific else {
                return None;
            };
            let tag = d.tags.first()?;
            let r = format!("{}:{tag}", parsed.name());
            let desc = format!(
                "`{}` does not exist; `{tag}` is the closest tag the registry has",
                image.written
            );
            (r, desc)
        };
        let (verification, said) = match &self.preflight {
            Some(pf) => {
                let check = pf.check_image(&ImageTarget::new(replacement.clone()));
                (verdict(&check), Some(check.message.clone()))
            }
            None => ("not-verified", self.preflight_error.clone()),
        };
        Some(Proposal {
            edits: vec![(image.location.span.clone(), replacement)],
            description,
            verification,
            preflight: said,
        })
    }

    /// The python entry of the environment.
    fn python_line(&self, _f: &Finding) -> Option<Target> {
        for (i, file) in self.defs.files.iter().enumerate() {
            for env in &file.asks.conda {
                if let Some(spec) = env
                    .specs
                    .iter()
                    .find(|s| s.name.as_deref() == Some("python"))
                {
                    return Some(Target {
                        file: i,
                        location: spec.location.clone(),
                        what: format!("python `{}`", spec.text),
                        proposal: None,
                    });
                }
            }
        }
        None
    }

    /// A `RUN` instruction that names the finding's command or package (`apt-get install
    /// -y libwidget-dev` for a package apt cannot locate).
    fn run_with(&self, f: &Finding) -> Option<Target> {
        let wanted: Vec<&str> = ["command", "package"]
            .iter()
            .filter_map(|e| f.entities.get(*e))
            .flatten()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        for (i, file) in self.defs.files.iter().enumerate() {
            for ins in &file.asks.instructions {
                if !ins.keyword.eq_ignore_ascii_case("run") {
                    continue;
                }
                if wanted.iter().any(|w| names_word(&ins.args, w)) {
                    return Some(Target {
                        file: i,
                        location: ins.location.clone(),
                        what: format!("RUN {}", ins.args.trim()),
                        proposal: None,
                    });
                }
            }
        }
        None
    }

    /// A lint finding of the same id as the failure kind (lint's checks named after the
    /// failure they prevent), preferring one whose line holds an entity (only such a one
    /// with `naming_an_entity`); its fix, if any, is the edit.
    fn lint_line(&self, f: &Finding, naming_an_entity: bool) -> Option<Target> {
        let same: Vec<&buildmedic_lint::Diagnostic> = self
            .report
            .diagnostics
            .iter()
            .filter(|d| d.check == f.kind)
            .collect();
        let values: Vec<&String> = f.entities.values().flatten().collect();
        let best = same
            .iter()
            .find(|d| {
                self.report.source(&d.file).is_some_and(|s| {
                    let text = s
                        .text
                        .get(line_bounds(&s.text, d.span.clone()))
                        .unwrap_or_default();
                    values
                        .iter()
                        .any(|v| !v.is_empty() && text.contains(v.as_str()))
                })
            })
            .or_else(|| if naming_an_entity { None } else { same.first() })?;
        let i = self
            .defs
            .files
            .iter()
            .position(|file| file.source.display == best.file)?;
        let file = self.defs.files.get(i)?;
        let location = Location::new(&file.source, best.span.clone());
        let proposal = best.fix.as_ref().map(|fix| Proposal {
            edits: fix
                .edits
                .iter()
                .map(|e| (e.range.clone(), e.replacement.clone()))
                .collect(),
            description: fix.description.clone(),
            verification: "lint",
            preflight: None,
        });
        let text = &file.source.text;
        let first = best.span.start..best.span.start;
        let line = text
            .get(line_bounds(text, first))
            .unwrap_or_default()
            .trim();
        Some(Target {
            file: i,
            location,
            what: format!("`{line}`"),
            proposal,
        })
    }
}

struct Target {
    file: usize,
    location: Location,
    what: String,
    proposal: Option<Proposal>,
}

struct Proposal {
    /// Byte ranges of the file's text and their replacements.
    edits: Vec<(std::ops::Range<usize>, String)>,
    description: String,
    verification: &'static str,
    preflight: Option<String>,
}

fn verdict(check: &Check) -> &'static str {
    if check.status.is_ok() {
        "verified"
    } else {
        "not-verified"
    }
}

fn render_edit(file: &DefinitionFile, p: Proposal) -> Option<(DefinitionEdit, PendingEdit)> {
    if file.source.kind == FileKind::Virtual || file.inline_field.is_some() {
        return None;
    }
    let text = &file.source.text;
    let mut edits = p.edits;
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut updated = text.clone();
    let mut last_start = usize::MAX;
    for (range, replacement) in edits {
        if range.end > last_start
            || range.end > updated.len()
            || !updated.is_char_boundary(range.start)
            || !updated.is_char_boundary(range.end)
        {
            return None;
        }
        last_start = range.start;
        updated.replace_range(range, &replacement);
    }
    if updated == *text {
        return None;
    }
    let shown = &file.source.display;
    let diff = unified_diff(shown, text, &updated);
    Some((
        DefinitionEdit {
            file: redact(shown).into_owned(),
            diff: redact(&diff).into_owned(),
            description: redact(&p.description).into_owned(),
            verification: p.verification,
            preflight: p.preflight.map(|s| redact(&s).into_owned()),
        },
        PendingEdit {
            file: shown.clone(),
            path: file.source.path.clone(),
            original: text.clone(),
            updated,
        },
    ))
}

/// A unified diff of `old` → `new` with `a/FILE` and `b/FILE` headers (`patch -p1`), or the
/// path itself on both when it is absolute.
pub fn unified_diff(file: &str, old: &str, new: &str) -> String {
    let (old_name, new_name) = if file.starts_with('/') {
        (file.to_string(), file.to_string())
    } else {
        (format!("a/{file}"), format!("b/{file}"))
    };
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header(&old_name, &new_name)
        .to_string()
}

/// Writes an edit: refuses when the file changed since it was read, writes a temporary
/// file next to it and renames it over the original (keeping its permissions).
pub fn apply(edit: &PendingEdit) -> Result<(), ApplyError> {
    let write_err = |e: std::io::Error| ApplyError::Write {
        file: redact(&edit.file).into_owned(),
        message: e.to_string(),
    };
    let now = std::fs::read(&edit.path).map_err(write_err)?;
    if now != edit.original.as_bytes() {
        return Err(ApplyError::Stale {
            file: redact(&edit.file).into_owned(),
        });
    }
    let name = edit
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = edit
        .path
        .with_file_name(format!(".{name}.buildmedic-{}", std::process::id()));
    std::fs::write(&tmp, &edit.updated).map_err(write_err)?;
    if let Ok(meta) = std::fs::metadata(&edit.path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, &edit.path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        write_err(e)
    })
}

/// The normalized names of an entity, strongest first, each once.
fn names(f: &Finding, entity: &str) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    f.entities
        .get(entity)
        .into_iter()
        .flatten()
        .map(|p| normalize(spec_name(p)))
        .filter(|n| !n.is_empty() && seen.insert(n.clone()))
        .collect()
}

/// PEP 503 / conda name comparison: lower case, `_` and `.` as `-`.
fn normalize(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace(['_', '.'], "-")
}

/// The package name at the start of a spec (`tensorflow=9.99` → `tensorflow`).
fn spec_name(spec: &str) -> &str {
    let s = spec.trim();
    let s = s.rsplit("::").next().unwrap_or(s);
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(s.len());
    s.get(..end).unwrap_or(s)
}

/// `python=3.10` / `python>=3.9` → `3.10` / `>=3.9` (preflight's python spec).
fn python_of(entry: &str) -> String {
    entry
        .trim()
        .trim_start_matches("python")
        .trim_start_matches('=')
        .trim()
        .to_string()
}

/// `conda-forge/linux-64::tensorflow-2.15.0-cpu_py311h` → `2.15.0`.
fn version_of_record(found: &str) -> Option<String> {
    let rec = found.rsplit("::").next()?;
    let mut parts = rec.rsplitn(3, '-');
    let _build = parts.next()?;
    let version = parts.next()?;
    parts.next()?;
    Some(version.to_string())
}

fn pip_target(req: &definition::PipRequirement, requirement: String) -> PipTarget {
    PipTarget {
        requirement,
        index_url: req.index.index_url.clone(),
        extra_index_urls: req.index.extra_index_urls.clone(),
        python: req.python.as_deref().map(python_of),
        source: None,
    }
}

/// The versions of pip's `(from versions: 1.0, 1.1)` in the evidence.
fn listed_versions(evidence: &[String]) -> Vec<String> {
    for e in evidence {
        if let Some(start) = e.find("(from versions:") {
            let rest = e.get(start + "(from versions:".len()..).unwrap_or_default();
            let inner = rest.split(')').next().unwrap_or_default();
            return inner
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty() && *v != "none")
                .map(str::to_string)
                .collect();
        }
    }
    Vec::new()
}

/// How many versions are tried with preflight before giving up on an edit.
const MAX_CANDIDATES: usize = 6;

/// The final releases (no `a`/`b`/`rc`/`dev`), newest first by numeric comparison.
fn finals_newest_first(versions: &[String]) -> Vec<String> {
    let key = |v: &String| -> Vec<u64> {
        v.split('.')
            .map(|p| p.parse::<u64>().unwrap_or(0))
            .collect()
    };
    let mut finals: Vec<String> = versions
        .iter()
        .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
        .cloned()
        .collect();
    finals.sort_by_key(|v| std::cmp::Reverse(key(v)));
    finals.dedup();
    finals
}

/// The byte range of the whole lines `span` touches.
fn line_bounds(text: &str, span: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let start = text
        .get(..span.start)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let end = text
        .get(span.end..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| span.end + i);
    start..end
}

/// Whether `text` holds `word` (a command line or a name) not as part of a longer word.
fn names_word(text: &str, word: &str) -> bool {
    let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || "-_.".contains(c)));
    text.match_indices(word).any(|(at, _)| {
        boundary(text.get(..at).and_then(|t| t.chars().next_back()))
            && boundary(text.get(at + word.len()..).and_then(|t| t.chars().next()))
    })
}

fn trim_path(p: &str) -> &str {
    let p = p.trim().trim_matches('"');
    let p = p.strip_prefix("./").unwrap_or(p);
    p.trim_start_matches('/').trim_end_matches('/')
}

fn normalize_image(w: &str) -> String {
    buildmedic_lint::syntax::image_ref::grammar::parse_normalized_named(w)
        .map_or_else(|_| w.to_string(), |r| r.to_string())
}

/// A file of the build context that is `missing` under another case or directory: the same
/// path case-insensitively, else the one file with the same name (case-insensitively).
fn existing_instead(ctx: &Path, missing: &str) -> Option<String> {
    if missing.contains(['*', '?', '[', '$']) || ctx.join(missing).exists() {
        return None;
    }
    let want = missing.to_ascii_lowercase();
    let base = want.rsplit('/').next().unwrap_or(&want).to_string();
    let mut same_path = Vec::new();
    let mut same_name = Vec::new();
    let mut stack = vec![(ctx.to_path_buf(), 0usize)];
    let mut seen = 0usize;
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > 20_000 {
                return None;
            }
            let path = entry.path();
            let Ok(rel) = path.strip_prefix(ctx) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
            if name.starts_with('.') && name != base {
                continue;
            }
            if rel.to_ascii_lowercase() == want {
                same_path.push(rel.clone());
            } else if name == base {
                same_name.push(rel.clone());
            }
            if entry.file_type().is_ok_and(|t| t.is_dir()) && depth < 8 {
                stack.push((path, depth + 1));
            }
        }
    }
    match (same_path.as_slice(), same_name.as_slice()) {
        ([one], _) => Some(one.clone()),
        ([], [one]) => Some(one.clone()),
        _ => None,
    }
}

/// Inserts `- chan` as the last item of the environment's `channels:` list (a conda file's
/// block list), keeping its indentation.
fn add_channel(
    file: &DefinitionFile,
    env: &definition::CondaEnvironment,
    chan: &str,
) -> Option<(std::ops::Range<usize>, String)> {
    let text = &file.source.text;
    let region = text.get(env.location.span.clone())?;
    let mut offset = env.location.span.start;
    let mut in_channels = false;
    let mut item_indent: Option<String> = None;
    let mut insert_at = None;
    for line in region.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.get(..line.len() - trimmed.len()).unwrap_or_default();
        if trimmed.starts_with("channels:") {
            in_channels = true;
            insert_at = Some(offset + line.len());
        } else if in_channels {
            if trimmed.starts_with("- ") {
                item_indent = Some(indent.to_string());
                insert_at = Some(offset + line.len());
            } else if !trimmed.trim().is_empty() && !trimmed.starts_with('#') {
                break;
            }
        }
        offset += line.len();
    }
    let at = insert_at?;
    let indent = item_indent.unwrap_or_else(|| "  ".to_string());
    let newline = if text.get(..at).is_some_and(|t| t.ends_with('\n')) {
        ""
    } else {
        "\n"
    };
    Some((at..at, format!("{newline}{indent}- {chan}\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_pip_message() {
        let ev = vec![
            "ERROR: Could not find a version that satisfies the requirement x==9 (from versions: 0.1, 1.10.0, 1.9.2, 2.0rc1)".to_string(),
        ];
        let v = listed_versions(&ev);
        assert_eq!(v.len(), 4);
        assert_eq!(finals_newest_first(&v), ["1.10.0", "1.9.2", "0.1"]);
        assert!(listed_versions(&["(from versions: none)".to_string()]).is_empty());
    }

    #[test]
    fn names_and_records() {
        assert_eq!(spec_name("conda-forge::numpy>=1.2"), "numpy");
        assert_eq!(normalize("Tensorflow_Addons"), "tensorflow-addons");
        assert_eq!(
            version_of_record("https://c/conda-forge/linux-64::tensorflow-2.15.0-cpu_py311h0")
                .as_deref(),
            Some("2.15.0")
        );
        assert_eq!(python_of("python=3.10"), "3.10");
    }
}
