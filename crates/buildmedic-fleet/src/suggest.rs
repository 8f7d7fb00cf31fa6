//! Rule skeletons from clusters of `unknown` evidence, in the knowledge-base format
//! (`DIR/<kind>/kind.toml` + `fixtures/`), ready for `buildmedic rules test DIR`.
//!
//! The signature is the cluster's template turned into a regex: literal text escaped,
//! masked parts and `<*>` positions matched as one word, quoted names as the inside of the
//! quotes. A masked part becomes a named capture when it is an entity — from its kind (a URL
//! is `url`, a path `file`, a version `version`) or from the words before it (`package
//! <*>`, `No module named '<STR>'`, `image <PATH>`). The cluster's example lines are the
//! positive fixtures, and only examples the regex matches are kept, so the skeleton passes
//! its own fixtures. What a machine cannot know is left for a person: the kind id (a
//! placeholder `suggested-NN` until set), the title, the summary, causes, fix steps, and a
//! near miss.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cluster::{Cluster, Example};
use crate::mask::{Part, Slot, Template, Token};

/// Weight of a suggested signature: "a specific error that usually means this kind".
pub const WEIGHT: f32 = 0.6;
/// Fixtures written per suggestion.
const FIXTURES: usize = 3;
/// A template needs this many bytes of literal text to make a rule that does not fire on
/// everything.
const MIN_LITERAL: usize = 10;

/// What the words of a template match: the masker's word bytes.
const WORD: &str = r"[\w.+/\\~%-]+";
const URL: &str = r#"[A-Za-z][A-Za-z0-9+.-]*://[^\s"'`<>]*"#;

/// A rule skeleton for one cluster.
#[derive(Debug, Clone)]
pub struct Suggestion {
    /// Placeholder kind id and folder name (`suggested-01`).
    pub kind: String,
    /// 1-based rank of the cluster.
    pub cluster: usize,
    pub template: String,
    pub pattern: String,
    /// Entity names the pattern captures.
    pub captures: Vec<String>,
    /// The example lines the pattern matches (the fixtures).
    pub examples: Vec<Example>,
    pub lines: u64,
    pub logs: u64,
}

/// A cluster no skeleton was made for, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub cluster: usize,
    pub template: String,
    pub reason: String,
}

/// Skeletons for the first `limit` clusters (those with at least `min_logs` logs).
pub fn suggest(
    clusters: &[Cluster],
    limit: usize,
    min_logs: u64,
) -> (Vec<Suggestion>, Vec<Skipped>) {
    let mut made = Vec::new();
    let mut skipped = Vec::new();
    for (i, c) in clusters.iter().enumerate() {
        if made.len() >= limit || c.logs < min_logs {
            break;
        }
        let rank = i + 1;
        let skip = |reason: String| Skipped {
            cluster: rank,
            template: c.template.clone(),
            reason,
        };
        let template = Template::parse(&c.template);
        let literal: usize = template
            .tokens
            .iter()
            .flat_map(|t| &t.parts)
            .map(|p| match p {
                Part::Lit(s) => s.trim_matches(|ch: char| !ch.is_alphanumeric()).len(),
                Part::Slot(_) => 0,
            })
            .sum();
        if literal < MIN_LITERAL {
            skipped.push(skip(format!(
                "too little fixed text ({literal} letters) for a rule that fires only on this message"
            )));
            continue;
        }
        let (pattern, captures) = pattern_of(&template);
        let regex = match regex::bytes::Regex::new(&pattern) {
            Ok(r) => r,
            Err(e) => {
                skipped.push(skip(format!("pattern does not compile: {e}")));
                continue;
            }
        };
        let examples: Vec<Example> = c
            .examples
            .iter()
            .filter(|e| regex.is_match(e.text.as_bytes()))
            .take(FIXTURES)
            .cloned()
            .collect();
        if examples.is_empty() {
            skipped.push(skip("the pattern matches none of the example lines".into()));
            continue;
        }
        made.push(Suggestion {
            kind: format!("suggested-{:02}", made.len() + 1),
            cluster: rank,
            template: c.template.clone(),
            pattern,
            captures,
            examples,
            lines: c.lines,
            logs: c.logs,
        });
    }
    (made, skipped)
}

/// The regex of a template and the entity names it captures.
pub fn pattern_of(template: &Template) -> (String, Vec<String>) {
    let mut used: BTreeSet<&'static str> = BTreeSet::new();
    let mut captures = Vec::new();
    let mut out = String::new();
    for (ti, tok) in template.tokens.iter().enumerate() {
        if ti > 0 {
            out.push(' ');
        }
        if tok.is_wildcard() {
            let name = entity_for(&template.tokens[..ti], Slot::Any);
            push_group(&mut out, name, r"\S+", &mut used, &mut captures);
            continue;
        }
        let mut prev_lit: Option<&str> = None;
        for (pi, part) in tok.parts.iter().enumerate() {
            match part {
                Part::Lit(s) => {
                    out.push_str(&regex::escape(s));
                    prev_lit = Some(s);
                }
                Part::Slot(slot) => {
                    let name = if pi == 0 {
                        entity_for(&template.tokens[..ti], *slot)
                    } else {
                        own_entity(*slot)
                    };
                    let class = match slot {
                        Slot::Url => URL.to_string(),
                        Slot::Str => match prev_lit.and_then(|l| l.chars().last()) {
                            Some(q @ ('\'' | '"' | '`')) => format!("[^{q}]+"),
                            _ => ".+?".to_string(),
                        },
                        _ => WORD.to_string(),
                    };
                    let name = match slot {
                        // A quoted name's entity comes from the words before the token.
                        Slot::Str => entity_for(&template.tokens[..ti], Slot::Str),
                        _ => name,
                    };
                    push_group(&mut out, name, &class, &mut used, &mut captures);
                    prev_lit = None;
                }
            }
        }
    }
    (out, captures)
}

fn push_group(
    out: &mut String,
    name: Option<&'static str>,
    class: &str,
    used: &mut BTreeSet<&'static str>,
    captures: &mut Vec<String>,
) {
    match name {
        Some(n) if used.insert(n) => {
            captures.push(n.to_string());
            out.push_str(&format!("(?P<{n}>{class})"));
        }
        _ => out.push_str(class),
    }
}

/// The entity a placeholder is by its kind alone.
fn own_entity(slot: Slot) -> Option<&'static str> {
    match slot {
        Slot::Url => Some("url"),
        Slot::Path => Some("file"),
        Slot::Ver => Some("version"),
        Slot::Num | Slot::Hex | Slot::Str | Slot::Any => None,
    }
}

/// The entity a placeholder at the start of a token is, from the (up to three) words
/// before it, else from its kind.
fn entity_for(before: &[Token], slot: Slot) -> Option<&'static str> {
    if matches!(slot, Slot::Num | Slot::Hex) {
        return None;
    }
    for tok in before.iter().rev().take(3) {
        if !tok.is_literal() {
            continue;
        }
        let word = tok.text().to_ascii_lowercase();
        let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        let cue = match word {
            "package" | "packages" | "requirement" | "distribution" | "dependency" | "wheel"
            | "wheels" | "project" => Some("package"),
            "module" => Some("module"),
            "image" | "manifest" => Some("image"),
            "command" | "executable" | "program" => Some("command"),
            "file" | "directory" | "stat" | "open" | "path" => Some("file"),
            "channel" => Some("channel"),
            "host" | "resolve" | "lookup" => Some("host"),
            "registry" => Some("registry"),
            "version" => Some("version"),
            _ => None,
        };
        if cue.is_some() {
            return cue;
        }
    }
    own_entity(slot)
}

#[derive(Serialize)]
struct EntryFile<'a> {
    kind: &'a str,
    title: String,
    summary: String,
    causes: Vec<String>,
    fix: Vec<String>,
    signature: Vec<SignatureFile<'a>>,
    fixture: Vec<FixtureFile>,
}

#[derive(Serialize)]
struct SignatureFile<'a> {
    id: String,
    pattern: &'a str,
    weight: f32,
    /// Lines the signature must fire on (`rules test` checks them).
    examples: Vec<&'a str>,
}

#[derive(Serialize)]
struct FixtureFile {
    file: String,
    expect: &'static str,
}

impl Suggestion {
    /// Fixture file names and contents.
    pub fn fixtures(&self) -> Vec<(String, String)> {
        self.examples
            .iter()
            .enumerate()
            .map(|(i, e)| {
                (
                    format!("fixtures/pos-{}.log", i + 1),
                    format!("{}\n", e.text),
                )
            })
            .collect()
    }

    /// The `kind.toml` of the skeleton.
    pub fn kind_toml(&self) -> String {
        let entry = EntryFile {
            kind: &self.kind,
            title: format!("TODO: what failed ({})", self.template),
            summary: format!(
                "TODO: what happened. Suggested from {} evidence line(s) in {} log(s) that buildmedic could not classify.",
                self.lines, self.logs
            ),
            causes: Vec::new(),
            fix: Vec::new(),
            signature: vec![SignatureFile {
                id: format!("cluster-{:02}", self.cluster),
                pattern: &self.pattern,
                weight: WEIGHT,
                examples: self.examples.iter().map(|e| e.text.as_str()).collect(),
            }],
            fixture: self
                .fixtures()
                .into_iter()
                .map(|(file, _)| FixtureFile {
                    file,
                    expect: "primary",
                })
                .collect(),
        };
        let body = toml::to_string(&entry).unwrap_or_else(|e| {
            // Serialising plain strings and numbers cannot fail; keep the reason visible
            // in the file rather than panicking.
            format!("# could not write the entry: {e}\n")
        });
        let sources: Vec<String> = self
            .examples
            .iter()
            .map(|e| format!("#   {}:{}", e.source, e.line))
            .collect();
        format!(
            "# Suggested by `buildmedic stats --suggest-rules` from cluster {} of unknown failures.\n\
             #   template: {}\n\
             #   {} evidence line(s) in {} log(s), for example:\n{}\n\
             # To adopt: set `kind` to the failure kind id and rename this folder to match, write\n\
             # the title, summary, causes and fix steps, check the weight, add a near miss\n\
             # (fixtures/neg-*.log with expect = \"not-primary\"), then run\n\
             # `buildmedic rules test DIR`.\n\n{body}",
            self.cluster,
            self.template,
            self.lines,
            self.logs,
            sources.join("\n"),
        )
    }

    /// Writes `DIR/<kind>/kind.toml` and its fixtures; returns the folder.
    pub fn write(&self, dir: &Path) -> io::Result<PathBuf> {
        let folder = dir.join(&self.kind);
        std::fs::create_dir_all(folder.join("fixtures"))?;
        std::fs::write(folder.join("kind.toml"), self.kind_toml())?;
        for (name, text) in self.fixtures() {
            std::fs::write(folder.join(name), text)?;
        }
        Ok(folder)
    }
}

/// Rule skeletons that could not be written or checked.
#[derive(Debug, thiserror::Error)]
pub enum SuggestError {
    #[error("{}: cannot write rule skeletons: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the written skeletons do not load: {0}")]
    Load(#[from] buildmedic_kb::KbError),
}

/// Writes the skeletons into `dir` (replacing folders of the same names), then runs their
/// fixtures against `kb` plus `dir`, as `buildmedic rules test DIR` does with the built-in
/// knowledge base. A skeleton whose fixtures fail (another kind claims its lines) is removed
/// again and returned as skipped.
pub fn write_checked(
    dir: &Path,
    made: Vec<Suggestion>,
    mut kb: buildmedic_kb::KnowledgeBase,
) -> Result<(Vec<Suggestion>, Vec<Skipped>), SuggestError> {
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SuggestError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    for s in &made {
        let folder = dir.join(&s.kind);
        if folder.exists() {
            std::fs::remove_dir_all(&folder).map_err(io_err(&folder))?;
        }
        s.write(dir).map_err(io_err(&folder))?;
    }
    kb.load_dir(dir)?;
    let engine = buildmedic_engine::Engine::new(kb);
    let mut written = Vec::new();
    let mut rejected = Vec::new();
    for s in made {
        let entry = engine.knowledge_base().get(&s.kind);
        let bad_example = entry
            .iter()
            .flat_map(|e| &e.signatures)
            .flat_map(|sig| sig.check_examples())
            .next();
        let failure = bad_example.or_else(|| {
            buildmedic_engine::fixtures::run_fixtures(&engine, entry)
                .into_iter()
                .find_map(|r| r.failure.map(|f| format!("{}: {f}", r.file)))
        });
        match failure {
            None => written.push(s),
            Some(why) => {
                let folder = dir.join(&s.kind);
                std::fs::remove_dir_all(&folder).map_err(io_err(&folder))?;
                rejected.push(Skipped {
                    cluster: s.cluster,
                    template: s.template,
                    reason: format!("its fixtures or examples do not pass ({why})"),
                });
            }
        }
    }
    Ok((written, rejected))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(t: &str) -> (String, Vec<String>) {
        pattern_of(&Template::parse(t))
    }

    #[test]
    fn templates_become_regexes_with_entity_captures() {
        let (p, c) = pat("E: Unable to locate package <*>");
        assert_eq!(p, r"E: Unable to locate package (?P<package>\S+)");
        assert_eq!(c, ["package"]);
        let (p, c) = pat("ModuleNotFoundError: No module named '<STR>'");
        assert_eq!(
            p,
            r"ModuleNotFoundError: No module named '(?P<module>[^']+)'"
        );
        assert_eq!(c, ["module"]);
        let (p, _) = pat("Downloading <URL> (<NUM> MB) torch==<VER>");
        let re = regex::Regex::new(&p).unwrap();
        let caps = re
            .captures("Downloading https://x.org/a.whl (12 MB) torch==2.0.1")
            .unwrap();
        assert_eq!(&caps["url"], "https://x.org/a.whl");
        assert_eq!(&caps["version"], "2.0.1");
    }

    #[test]
    fn each_entity_is_captured_once() {
        let (p, c) = pat("cp <PATH> <PATH>: failed");
        assert_eq!(c, ["file"]);
        assert!(regex::Regex::new(&p).is_ok());
    }

    #[test]
    fn generic_templates_are_skipped() {
        let cluster = |template: &str| Cluster {
            template: template.into(),
            lines: 3,
            logs: 3,
            templates: 1,
            members: vec![],
            examples: vec![Example {
                source: "a.log".into(),
                line: 1,
                text: "Error: 12".into(),
            }],
        };
        let (made, skipped) = suggest(&[cluster("Error: <NUM>")], 10, 1);
        assert!(made.is_empty());
        assert!(skipped[0].reason.contains("too little fixed text"));
    }
}
