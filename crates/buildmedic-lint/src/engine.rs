//! The lint run: find files, read them, hand each to the analyzers for its kind, follow
//! references, apply configuration and suppressions, and collect a [`LintReport`].

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use crate::config::LintConfig;
use crate::context::{FileCx, FollowUp};
use crate::diagnostic::{Diagnostic, Severity};
use crate::hooks::{DockerfileInput, Hooks, ImageRefOrigin};
use crate::source::{FileKind, SourceFile};
use crate::suppress::Suppressions;
use crate::yaml::{self, Node};
use crate::{analyze, checks};

/// A path that could not be linted (exit code 2). Other inputs are still linted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{path}: {message}")]
pub struct InputError {
    pub path: String,
    pub message: String,
}

/// Everything one run found.
#[derive(Debug, Default)]
pub struct LintReport {
    /// Every file linted, in the order they were linted (virtual sources included).
    pub files: Vec<SourceFile>,
    /// Findings, ordered by file, then position.
    pub diagnostics: Vec<Diagnostic>,
    /// Inputs that could not be read or parsed.
    pub errors: Vec<InputError>,
    /// Explicit inputs that were not environment definitions (and so were not linted).
    pub skipped: Vec<String>,
}

impl LintReport {
    /// The linted file shown as `display`.
    pub fn source(&self, display: &str) -> Option<&SourceFile> {
        self.files.iter().find(|f| f.display == display)
    }

    /// Number of findings of each severity: (errors, warnings, infos).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for d in &self.diagnostics {
            match d.severity {
                Severity::Error => c.0 += 1,
                Severity::Warning => c.1 += 1,
                Severity::Info => c.2 += 1,
            }
        }
        c
    }

    /// Whether the run fails: errors, or warnings too with `strict`.
    pub fn fails(&self, strict: bool) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error || (strict && d.severity == Severity::Warning))
    }

    /// Display names of the files linted from disk (the JSON `files` list).
    pub fn file_names(&self) -> Vec<&str> {
        self.files.iter().map(|f| f.display.as_str()).collect()
    }
}

/// Lints files and directories (directories are searched for environment definitions).
pub fn lint_paths(paths: &[PathBuf], config: &LintConfig) -> LintReport {
    Linter::new(config, Hooks::builtin()).run(paths)
}

/// Runs every image check on one reference (`buildmedic lint --image REF`).
pub fn lint_image(reference: &str, config: &LintConfig) -> LintReport {
    lint_image_with(reference, config, Hooks::builtin())
}

/// [`lint_image`] with explicit hooks.
pub fn lint_image_with(reference: &str, config: &LintConfig, hooks: Hooks) -> LintReport {
    let file = SourceFile::new("<--image>", "<--image>", FileKind::Virtual, reference);
    let mut cx = FileCx::new(config, &file);
    hooks.image_ref.check_image_reference(
        reference,
        0..reference.len(),
        ImageRefOrigin::CommandLine,
        &mut cx,
    );
    let mut diagnostics = finish(config, &file, cx.diagnostics);
    diagnostics.sort_by_key(|d| (d.line, d.column));
    LintReport {
        files: vec![file],
        diagnostics,
        errors: Vec::new(),
        skipped: Vec::new(),
    }
}

/// One lint run. Use [`lint_paths`] unless you need custom hooks (tests of hook modules).
pub struct Linter<'c> {
    config: &'c LintConfig,
    hooks: Hooks,
    seen: HashSet<PathBuf>,
    report: LintReport,
}

struct Pending {
    path: PathBuf,
    display: String,
    kind: Option<FileKind>,
    context_dir: Option<PathBuf>,
    explicit: bool,
}

impl<'c> Linter<'c> {
    pub fn new(config: &'c LintConfig, hooks: Hooks) -> Linter<'c> {
        Linter {
            config,
            hooks,
            seen: HashSet::new(),
            report: LintReport::default(),
        }
    }

    pub fn run(mut self, paths: &[PathBuf]) -> LintReport {
        for path in paths {
            let display = display_path(path);
            match std::fs::metadata(path) {
                Err(e) => self.error(&display, io_message(&e)),
                Ok(meta) if meta.is_dir() => {
                    let mut found = Vec::new();
                    walk(path, &mut found, 0);
                    found.sort();
                    for file in found {
                        let kind = kind_from_name(&file, false);
                        if kind.is_none() && !is_yaml_or_json(&file) {
                            continue;
                        }
                        let context_dir = (kind == Some(FileKind::Dockerfile))
                            .then(|| file.parent().map(Path::to_path_buf))
                            .flatten();
                        self.lint_one(Pending {
                            display: display_path(&file),
                            path: file,
                            kind,
                            context_dir,
                            explicit: false,
                        });
                    }
                }
                Ok(_) => {
                    let kind = kind_from_name(path, true);
                    let context_dir = (kind == Some(FileKind::Dockerfile))
                        .then(|| path.parent().map(Path::to_path_buf))
                        .flatten();
                    self.lint_one(Pending {
                        path: path.clone(),
                        display,
                        kind,
                        context_dir,
                        explicit: true,
                    });
                }
            }
        }
        let order: Vec<String> = self
            .report
            .files
            .iter()
            .map(|f| f.display.clone())
            .collect();
        self.report.diagnostics.sort_by_key(|d| {
            (
                order
                    .iter()
                    .position(|f| *f == d.file)
                    .unwrap_or(usize::MAX),
                d.line,
                d.column,
                d.check,
            )
        });
        self.report
    }

    fn error(&mut self, path: &str, message: impl Into<String>) {
        self.report.errors.push(InputError {
            path: path.to_string(),
            message: buildmedic_redact::redact(&message.into()).into_owned(),
        });
    }

    fn lint_one(&mut self, pending: Pending) {
        let key = std::fs::canonicalize(&pending.path).unwrap_or_else(|_| pending.path.clone());
        if !self.seen.insert(key) {
            return;
        }
        let bytes = match std::fs::read(&pending.path) {
            Ok(b) => b,
            Err(e) => {
                if pending.path.is_dir() {
                    self.error(&pending.display, "is a directory, expected a file");
                } else {
                    self.error(&pending.display, io_message(&e));
                }
                return;
            }
        };
        let (text, utf8_problem) = decode(&bytes);
        let mut kind = pending.kind;
        let mut root: Option<Node> = None;
        if kind.is_none()
            || matches!(
                kind,
                Some(FileKind::Conda | FileKind::AzureMlYaml | FileKind::AzureMlJson)
            )
        {
            match yaml::parse(&text) {
                Ok(node) => {
                    if kind.is_none() {
                        kind = classify(&node, &pending.path, pending.explicit);
                    }
                    root = Some(node);
                }
                Err(e) => {
                    // A file we only guessed at (by extension, while walking a directory) is
                    // not worth an error unless it looks like an environment definition.
                    if pending.explicit || kind.is_some() || looks_like_definition(&text) {
                        if utf8_problem.is_some() {
                            kind = kind.or(Some(FileKind::Conda));
                        } else {
                            self.error(&pending.display, format!("invalid YAML: {e}"));
                            return;
                        }
                    } else {
                        return;
                    }
                }
            }
        }
        let Some(kind) = kind else {
            if pending.explicit {
                self.report.skipped.push(pending.display);
            }
            return;
        };
        let file = SourceFile::new(pending.path.clone(), pending.display.clone(), kind, text);
        let mut cx = FileCx::new(self.config, &file);
        if let Some(problem) = utf8_problem {
            checks::utf8_decode::report(&mut cx, &problem);
        }
        match kind {
            FileKind::AzureMlYaml => {
                if let Some(root) = &root {
                    analyze::azureml_v2::lint(root, &mut cx, self.hooks);
                }
            }
            FileKind::AzureMlJson => {
                if let Some(root) = &root {
                    analyze::azureml_v1::lint(root, &mut cx, self.hooks);
                }
            }
            FileKind::Conda => {
                if let Some(root) = &root {
                    analyze::conda::lint_file(root, &mut cx);
                }
            }
            FileKind::Requirements => analyze::requirements::lint_file(&mut cx),
            FileKind::Dockerfile => {
                let input = DockerfileInput {
                    context_dir: pending.context_dir.as_deref(),
                };
                self.hooks.dockerfile.lint_dockerfile(&input, &mut cx);
            }
            FileKind::Virtual => {}
        }
        checks::forbidden_blob::scan(&mut cx);
        let follow_ups = std::mem::take(&mut cx.follow_ups);
        let diagnostics = finish(self.config, &file, cx.diagnostics);
        self.report.diagnostics.extend(diagnostics);
        self.report.files.push(file);
        for follow in follow_ups {
            self.follow(follow);
        }
    }

    fn follow(&mut self, follow: FollowUp) {
        match follow {
            FollowUp::File {
                path,
                display,
                kind,
                context_dir,
            } => self.lint_one(Pending {
                path,
                display,
                kind: Some(kind),
                context_dir,
                explicit: false,
            }),
            FollowUp::InlineDockerfile {
                dockerfile,
                span,
                field,
            } => {
                let mut cx = FileCx::new(self.config, &dockerfile);
                self.hooks
                    .dockerfile
                    .lint_dockerfile(&DockerfileInput { context_dir: None }, &mut cx);
                checks::forbidden_blob::scan(&mut cx);
                let diagnostics = finish(self.config, &dockerfile, cx.diagnostics);
                // Report at the string in the including file: JSON escapes make positions
                // inside the string unmappable, so the Dockerfile line goes in the message.
                let Some(parent) = self
                    .report
                    .files
                    .iter()
                    .rev()
                    .find(|f| f.path == dockerfile.path)
                else {
                    return;
                };
                let (line, column) = parent.line_col(span.start);
                let (end_line, end_column) = parent.line_col(span.end);
                let parent_display = parent.display.clone();
                for mut d in diagnostics {
                    d.message = format!("{field} line {}: {}", d.line, d.message);
                    d.file = parent_display.clone();
                    (d.line, d.column, d.end_line, d.end_column) =
                        (line, column, end_line, end_column);
                    d.span = span.clone();
                    d.fix = None;
                    d.fixable = false;
                    self.report.diagnostics.push(d);
                }
            }
        }
    }
}

/// Applies configuration (enabled checks, severity overrides) and inline suppressions.
fn finish(config: &LintConfig, file: &SourceFile, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let suppressions = Suppressions::parse(file);
    diagnostics
        .into_iter()
        .filter(|d| {
            crate::registry::find_check(d.check).is_none_or(|c| config.is_enabled(c))
                && (suppressions.is_empty() || !suppressions.suppresses(d))
        })
        .map(|mut d| {
            if let Some(sev) = config.severity_override(d.check) {
                d.severity = sev;
            }
            d
        })
        .collect()
}

/// Where the first invalid UTF-8 byte is, and what it looks like.
#[derive(Debug, Clone)]
pub(crate) struct Utf8Problem {
    /// Byte offset of the first invalid byte in the original bytes.
    pub offset: usize,
    pub what: &'static str,
    pub byte: Option<u8>,
}

/// Decodes bytes as UTF-8 (dropping a UTF-8 BOM); invalid bytes become U+FFFD.
fn decode(bytes: &[u8]) -> (String, Option<Utf8Problem>) {
    // UTF-16 with a byte order mark: report it, but read the content so the other checks
    // still see the definition.
    let utf16 = match bytes {
        [0xFF, 0xFE, rest @ ..] => Some((rest, u16::from_le_bytes as fn([u8; 2]) -> u16)),
        [0xFE, 0xFF, rest @ ..] => Some((rest, u16::from_be_bytes as fn([u8; 2]) -> u16)),
        _ => None,
    };
    if let Some((rest, read)) = utf16 {
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| read([c[0], c[1]])).collect();
        let text = String::from_utf16_lossy(&units).replace('\0', "\u{FFFD}");
        return (
            text,
            Some(Utf8Problem {
                offset: 0,
                what: "a UTF-16 byte order mark",
                byte: bytes.first().copied(),
            }),
        );
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) if !s.contains('\0') => (s.to_string(), None),
        Ok(s) => {
            let offset = s.find('\0').unwrap_or(0);
            (
                s.replace('\0', "\u{FFFD}"),
                Some(Utf8Problem {
                    offset,
                    what: "a NUL byte (UTF-16 text?)",
                    byte: Some(0),
                }),
            )
        }
        Err(e) => {
            let what = if body.starts_with(b"\xFF\xFE") || body.starts_with(b"\xFE\xFF") {
                "a UTF-16 byte order mark"
            } else {
                "a byte that is not valid UTF-8"
            };
            let offset = e.valid_up_to();
            let text = String::from_utf8_lossy(body).replace('\0', "\u{FFFD}");
            (
                text,
                Some(Utf8Problem {
                    offset,
                    what,
                    byte: body.get(offset).copied(),
                }),
            )
        }
    }
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => format!("cannot read: {e}"),
    }
}

const SKIP_DIRS: &[&str] = &[
    "node_modules",
    "target",
    "__pycache__",
    "venv",
    ".venv",
    "site-packages",
];

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            if name.starts_with('.') || SKIP_DIRS.contains(&name.as_ref()) {
                continue;
            }
            walk(&entry.path(), out, depth + 1);
        } else if ft.is_file() {
            out.push(entry.path());
        }
    }
}

fn is_yaml_or_json(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("yml" | "yaml" | "json")
    )
}

/// Kind decided by the file name alone (None: decide by content, or not a definition).
fn kind_from_name(path: &Path, explicit: bool) -> Option<FileKind> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    // `Dockerfile.gpu` is a Dockerfile; `dockerfile.rs` (a parser's source) is not.
    const NOT_DOCKERFILE: &[&str] = &[
        "rs", "py", "go", "js", "ts", "md", "json", "yml", "yaml", "toml", "sh", "txt", "snap",
        "orig", "rej", "swp", "lock", "html", "c", "h", "java", "rb", "bak",
    ];
    let ext_of_name = name.rsplit_once('.').map(|(_, e)| e);
    if name == "dockerfile"
        || name.ends_with(".dockerfile")
        || name == "containerfile"
        || (name.starts_with("dockerfile.")
            && !ext_of_name.is_some_and(|e| NOT_DOCKERFILE.contains(&e))
            || explicit && name.starts_with("dockerfile."))
    {
        return Some(FileKind::Dockerfile);
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("txt" | "in") if explicit => Some(FileKind::Requirements),
        Some("txt" | "in") if name.contains("requirements") || name.contains("constraints") => {
            Some(FileKind::Requirements)
        }
        _ => None,
    }
}

/// Kind of a YAML/JSON document by its keys. Files found while walking a directory must
/// look like conda files more strictly (Helm's `Chart.yaml` and `pubspec.yaml` also have
/// `dependencies`).
fn classify(root: &Node, path: &Path, explicit: bool) -> Option<FileKind> {
    let map = root.as_map()?;
    let has = |k: &str| map.iter().any(|(key, _)| key.as_str() == Some(k));
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if let Some(schema) = root.get("$schema").and_then(Node::as_str) {
        return schema
            .to_ascii_lowercase()
            .contains("environment")
            .then_some(FileKind::AzureMlYaml);
    }
    if [
        "image",
        "build",
        "conda_file",
        "inference_config",
        "os_type",
    ]
    .iter()
    .any(|k| has(k))
    {
        return Some(FileKind::AzureMlYaml);
    }
    if ["python", "docker", "environmentVariables"]
        .iter()
        .any(|k| has(k))
        && (is_json || has("python"))
    {
        return Some(FileKind::AzureMlJson);
    }
    if has("dependencies") || has("channels") {
        const CONDA_KEYS: &[&str] = &["name", "channels", "dependencies", "prefix", "variables"];
        let only_conda_keys = map.iter().all(|(k, _)| {
            k.as_str()
                .is_some_and(|k| CONDA_KEYS.contains(&k.to_ascii_lowercase().as_str()))
        });
        let string_deps = root
            .get("dependencies")
            .and_then(Node::as_seq)
            .is_some_and(|items| {
                items
                    .iter()
                    .any(|i| i.as_str().is_some() || i.get("pip").is_some())
            });
        if explicit || only_conda_keys || string_deps {
            return Some(FileKind::Conda);
        }
    }
    None
}

fn looks_like_definition(text: &str) -> bool {
    text.contains("dependencies:") || text.contains("channels:") || text.contains("conda_file")
}

/// Path as shown to the user: as given, without `./` noise.
pub(crate) fn display_path(path: &Path) -> String {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        ".".to_string()
    } else {
        out.to_string_lossy().into_owned()
    }
}

/// Resolves `reference` (relative to the directory of `file`) for a follow-up.
pub(crate) fn resolve(file: &SourceFile, reference: &str) -> (PathBuf, String) {
    let rel = Path::new(reference);
    let path = if rel.is_absolute() {
        rel.to_path_buf()
    } else {
        file.dir().join(rel)
    };
    let display = display_path(&path);
    (path, display)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_yaml_with_dependencies_is_not_conda() {
        let chart = yaml::parse(
            "apiVersion: v2\nname: app\ndependencies:\n  - name: redis\n    version: 1.0.0\n",
        )
        .unwrap();
        assert_eq!(classify(&chart, Path::new("Chart.yaml"), false), None);
        let conda = yaml::parse("name: x\ndependencies:\n  - numpy\n").unwrap();
        assert_eq!(
            classify(&conda, Path::new("environment.yml"), false),
            Some(FileKind::Conda)
        );
    }

    #[test]
    fn display_paths_are_tidy() {
        assert_eq!(display_path(Path::new("./a/./b/../c.yml")), "a/c.yml");
        assert_eq!(display_path(Path::new("../x")), "../x");
    }

    #[test]
    fn decode_reports_first_bad_byte() {
        let (_, p) = decode(b"name: x\n\xff\xfe");
        assert_eq!(p.unwrap().offset, 8);
        let (t, p) = decode(b"\xEF\xBB\xBFname: x");
        assert!(p.is_none());
        assert_eq!(t, "name: x");
        let (t, p) = decode(b"\xff\xfen\0a\0");
        assert_eq!(p.unwrap().what, "a UTF-16 byte order mark");
        assert_eq!(t, "na");
    }
}
