//! Reading and validating entry files.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::entry::{Entry, Expect, Fixture, Near, Origin, Scope, Severity, SignatureDef, Window};
use crate::lazy::LazyRegex;
use crate::literals::{IndexEntry, IndexSignature};
use crate::{ENTITY_NAMES, literals};

/// A knowledge-base file that cannot be used, with the place and the reason. With the
/// `fancy` miette handler (the CLI's) it is drawn as a code frame of the file.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum KbError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Box<InvalidFile>),
    #[error("{}: {source}", path.display())]
    #[diagnostic(code(buildmedic::knowledge::io))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The place and reason of an invalid knowledge-base file.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{}:{line}:{column}: {message}", path.display())]
#[diagnostic(code(buildmedic::knowledge))]
pub struct InvalidFile {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    #[source_code]
    source_code: Option<miette::NamedSource<String>>,
    #[label("here")]
    span: Option<miette::SourceSpan>,
}

impl KbError {
    /// A problem at `line` (column 1) of `path`, without the file's text.
    pub(crate) fn at(path: &Path, line: usize, message: String) -> Self {
        Self::invalid(path, None, line, 1, message)
    }

    /// A problem at `line`:`column` of `path`; with the file's `text`, the error carries a
    /// code frame pointing at the rest of that line.
    pub(crate) fn invalid(
        path: &Path,
        text: Option<&str>,
        line: usize,
        column: usize,
        message: String,
    ) -> Self {
        let (source_code, span) = match text {
            Some(text) => {
                let start = offset_of(text, line, column);
                let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
                (
                    Some(miette::NamedSource::new(
                        path.display().to_string(),
                        text.to_string(),
                    )),
                    Some(miette::SourceSpan::from(start..end.max(start))),
                )
            }
            None => (None, None),
        };
        KbError::Invalid(Box::new(InvalidFile {
            path: path.to_path_buf(),
            line,
            column,
            message,
            source_code,
            span,
        }))
    }

    pub fn path(&self) -> &Path {
        match self {
            KbError::Invalid(e) => &e.path,
            KbError::Io { path, .. } => path,
        }
    }
}

/// Byte offset of 1-based `line`:`column` in `text` (clamped to the text, on a char boundary).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(n) => start += n + 1,
            None => return text.len(),
        }
    }
    let mut at = (start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Windows look at most this many lines after their anchor.
const MAX_WINDOW: u32 = 200;
/// ... and at most this many before it (the scanner keeps that many lines of context).
pub const MAX_BEFORE: u32 = 32;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    kind: Spanned<String>,
    title: String,
    summary: String,
    #[serde(default)]
    causes: Vec<String>,
    #[serde(default)]
    affected: Vec<String>,
    #[serde(default)]
    fix: Vec<String>,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    catalog: Vec<String>,
    #[serde(default)]
    explains: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    placeholders: BTreeMap<String, String>,
    #[serde(default)]
    benign: Vec<String>,
    #[serde(default)]
    signature: Vec<Spanned<RawSignature>>,
    #[serde(default)]
    fixture: Vec<Spanned<RawFixture>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignature {
    id: String,
    pattern: String,
    #[serde(default)]
    trigger: Option<OneOrMany>,
    weight: f32,
    #[serde(default)]
    unless: Option<String>,
    #[serde(default)]
    tools: Vec<String>,
    #[serde(default)]
    exit_codes: Vec<i32>,
    #[serde(default)]
    near: Option<RawNear>,
    #[serde(default)]
    window: Option<RawWindow>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    case_insensitive: bool,
    #[serde(default)]
    tail: bool,
    /// The tool that prints the message (`knowledge/emitters.txt` for built-ins); defaults
    /// to the signature file's `emitter`, else its name.
    #[serde(default)]
    emitter: Option<String>,
    /// Where the message is defined: `owner/repo:path@version` (one or several).
    #[serde(default)]
    source: Option<OneOrMany>,
    /// Cleaned lines the pattern must match.
    #[serde(default)]
    examples: Vec<String>,
    /// Lines that look alike and must not match.
    #[serde(default)]
    not_examples: Vec<String>,
    /// Whether a match is evidence that the build failed (default true; false for notices
    /// such as retries, warnings and progress that precede both success and failure).
    #[serde(default)]
    fatal: Option<bool>,
    /// `error` (default) or `warning`: a latent problem reported on a build that may have
    /// succeeded (never fatal).
    #[serde(default)]
    severity: Option<String>,
}

/// `knowledge/<kind>/signatures/<emitter>.toml`: more signatures of an entry, one file per
/// emitting tool.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignatureFile {
    /// Defaults to the file name.
    #[serde(default)]
    emitter: Option<String>,
    /// Applies to the file's signatures that give none.
    #[serde(default)]
    source: Option<OneOrMany>,
    #[serde(default)]
    signature: Vec<Spanned<RawSignature>>,
    /// Fixtures of the entry that exercise this file's signatures (paths relative to the
    /// kind folder, as in `kind.toml`).
    #[serde(default)]
    fixture: Vec<Spanned<RawFixture>>,
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNear {
    signature: String,
    within: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    #[serde(default)]
    after: u32,
    #[serde(default)]
    before: u32,
    capture: String,
    #[serde(default)]
    stop: Option<String>,
    #[serde(default)]
    skip_blank: bool,
    #[serde(default)]
    require: bool,
    #[serde(default)]
    listed: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFixture {
    file: String,
    expect: String,
    #[serde(default)]
    entities: BTreeMap<String, Vec<String>>,
}

/// Where the lines of a text start, for the line numbers of many offsets in it (each
/// signature and fixture of a file records its line).
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn new(text: &str) -> Self {
        LineStarts(memchr::memchr_iter(b'\n', text.as_bytes()).collect())
    }

    /// The 1-based line of byte offset `at` (as [`line_col`]).
    fn line(&self, at: usize) -> usize {
        self.0.partition_point(|&nl| nl < at) + 1
    }
}

/// 1-based line and column of byte offset `at` in `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = &text.as_bytes()[..at];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = at
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    (line, col)
}

/// A TOML file's text with the place of a parse error.
fn parse_toml<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T, KbError> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        KbError::invalid(path, Some(text), line, column, e.message().to_string())
    })
}

/// One file of signatures being read: its path and text (for error places), and the
/// defaults its signatures inherit.
struct SignatureSource<'a> {
    path: &'a Path,
    text: &'a str,
    lines: &'a LineStarts,
    emitter: Option<String>,
    sources: Vec<String>,
}

/// Parses an entry: `text` is its `kind.toml` at `path`, `signature_files` its
/// `signatures/*.toml` (path, text), `fixture_files` its fixture logs by relative name.
///
/// With `trusted` (the index `build.rs` made of this built-in entry) the patterns are
/// neither parsed nor checked and the triggers are the index's: the entry was checked by
/// the tests and `rules test`, and parsing its patterns would cost a short run more than
/// diagnosing its log.
pub(crate) fn parse_entry(
    text: &str,
    path: &Path,
    origin: Origin,
    signature_files: &[(PathBuf, &str)],
    fixture_files: Vec<(String, Cow<'static, [u8]>)>,
    trusted: Option<&IndexEntry>,
) -> Result<Entry, KbError> {
    // The index lists the signatures in parse order; one it does not list is checked.
    let trusted_at = |n: usize| trusted.and_then(|t| t.signatures.get(n));
    let raw: RawEntry = parse_toml(text, path)?;
    let text_lines = LineStarts::new(text);
    let line_of = |span: std::ops::Range<usize>| text_lines.line(span.start);
    let err = |line: usize, message: String| KbError::invalid(path, Some(text), line, 1, message);

    let kind = raw.kind.get_ref().clone();
    let kind_line = line_of(raw.kind.span());
    if !is_kebab(&kind) {
        return Err(err(
            kind_line,
            format!("kind `{kind}` must be a kebab-case id"),
        ));
    }
    if origin == Origin::Builtin && !crate::BUILTIN_KINDS.contains(&kind.as_str()) {
        return Err(err(
            kind_line,
            format!("built-in kind `{kind}` is not listed in knowledge/kinds.txt"),
        ));
    }
    if let Some(dir) = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        && path.file_name().is_some_and(|f| f == "kind.toml")
        && dir != kind
    {
        return Err(err(
            kind_line,
            format!(
                "kind `{kind}` lives in folder `{dir}`: the folder must be named after the kind"
            ),
        ));
    }
    for name in raw.placeholders.keys() {
        if !ENTITY_NAMES.contains(&name.as_str()) {
            return Err(err(
                1,
                format!(
                    "placeholder `{name}` is not an entity name ({})",
                    ENTITY_NAMES.join(", ")
                ),
            ));
        }
    }

    let mut ids = HashSet::new();
    let mut signatures = Vec::with_capacity(raw.signature.len());
    let own = SignatureSource {
        path,
        text,
        lines: &text_lines,
        emitter: None,
        sources: Vec::new(),
    };
    for spanned in &raw.signature {
        let t = trusted_at(signatures.len());
        signatures.push(parse_signature(&own, spanned, &origin, &mut ids, t)?);
    }
    let mut fixture_specs: Vec<(&Path, &str, &LineStarts, &[Spanned<RawFixture>])> =
        vec![(path, text, &text_lines, raw.fixture.as_slice())];
    let mut parsed_files = Vec::with_capacity(signature_files.len());
    for (sig_path, sig_text) in signature_files {
        let file: RawSignatureFile = parse_toml(sig_text, sig_path)?;
        parsed_files.push((
            sig_path.as_path(),
            *sig_text,
            LineStarts::new(sig_text),
            file,
        ));
    }
    for (sig_path, sig_text, sig_lines, file) in &parsed_files {
        let (sig_path, sig_text) = (*sig_path, *sig_text);
        let stem = sig_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned());
        let source = SignatureSource {
            path: sig_path,
            text: sig_text,
            lines: sig_lines,
            emitter: file.emitter.clone().or(stem),
            sources: file
                .source
                .as_ref()
                .map(OneOrMany::to_vec)
                .unwrap_or_default(),
        };
        for spanned in &file.signature {
            let t = trusted_at(signatures.len());
            signatures.push(parse_signature(&source, spanned, &origin, &mut ids, t)?);
        }
        fixture_specs.push((sig_path, sig_text, sig_lines, file.fixture.as_slice()));
    }
    if let Some(b) = raw.benign.iter().find(|b| b.len() < literals::MIN_TRIGGER) {
        return Err(err(
            kind_line,
            format!(
                "benign literal `{b}` is shorter than {} bytes",
                literals::MIN_TRIGGER
            ),
        ));
    }
    if signatures.is_empty() && kind != crate::UNKNOWN {
        return Err(err(
            kind_line,
            format!("kind `{kind}` has no [[signature]]"),
        ));
    }

    let mut files: BTreeMap<String, Cow<'static, [u8]>> = fixture_files.into_iter().collect();
    let mut fixtures = Vec::new();
    for (spec_path, spec_text, spec_lines, specs) in fixture_specs {
        for spanned in specs {
            let line = spec_lines.line(spanned.span().start);
            let ferr = |m: String| KbError::invalid(spec_path, Some(spec_text), line, 1, m);
            let f = spanned.get_ref();
            let expect = match f.expect.as_str() {
                "primary" => Expect::Primary,
                "not-primary" => Expect::NotPrimary,
                "absent" => Expect::Absent,
                "succeeded" => Expect::Succeeded,
                "warning" => Expect::Warning,
                other => {
                    return Err(ferr(format!(
                        "fixture `{}`: expect `{other}` is not one of primary, not-primary, \
                         absent, succeeded, warning",
                        f.file
                    )));
                }
            };
            let bytes = files.remove(&f.file).ok_or_else(|| {
                let listed = fixtures.iter().any(|x: &Fixture| x.file == f.file);
                ferr(if listed {
                    format!("fixture file `{}` is listed twice", f.file)
                } else {
                    format!("fixture file `{}` does not exist", f.file)
                })
            })?;
            fixtures.push(Fixture {
                file: f.file.clone(),
                bytes,
                expect,
                entities: f.entities.clone(),
            });
        }
    }
    if let Some(orphan) = files.keys().next() {
        return Err(err(
            1,
            format!("fixture file `{orphan}` has no [[fixture]] entry saying what it must produce"),
        ));
    }

    let (explains, explains_line) = match &raw.explains {
        Some(e) => (e.get_ref().clone(), line_of(e.span())),
        None => (Vec::new(), kind_line),
    };
    if explains.contains(&kind) {
        return Err(err(explains_line, "an entry cannot explain itself".into()));
    }
    Ok(Entry {
        kind,
        title: raw.title,
        summary: raw.summary,
        causes: raw.causes,
        affected: raw.affected,
        fix: raw.fix,
        references: raw.references,
        catalog: raw.catalog,
        explains,
        explains_line,
        placeholders: raw.placeholders,
        benign: raw.benign,
        signatures,
        fixtures,
        origin,
        path: path.to_path_buf(),
    })
}

fn parse_signature(
    file: &SignatureSource<'_>,
    spanned: &Spanned<RawSignature>,
    origin: &Origin,
    ids: &mut HashSet<String>,
    trusted: Option<&IndexSignature>,
) -> Result<SignatureDef, KbError> {
    let line = file.lines.line(spanned.span().start);
    let s = spanned.get_ref();
    let serr = |m: String| {
        KbError::invalid(
            file.path,
            Some(file.text),
            line,
            1,
            format!("signature `{}`: {m}", s.id),
        )
    };
    if !ids.insert(s.id.clone()) {
        return Err(serr("duplicate signature id".into()));
    }
    if !(0.0..=1.0).contains(&s.weight) {
        return Err(serr(format!("weight {} is outside 0..=1", s.weight)));
    }
    let trusted = trusted.filter(|t| t.id == s.id);
    let compile = |pattern: &str, ci: bool| match trusted {
        Some(_) => Ok(LazyRegex::trusted(pattern, ci)),
        None => LazyRegex::new(pattern, ci),
    };
    let (regex, triggers) = match trusted {
        Some(t) => (
            LazyRegex::trusted(&s.pattern, s.case_insensitive),
            t.triggers.iter().map(|(t, _)| t.to_vec()).collect(),
        ),
        None => checked_pattern(s, &serr)?,
    };
    let unless = s
        .unless
        .as_deref()
        .map(|u| compile(u, s.case_insensitive).map_err(|m| serr(format!("unless: {m}"))))
        .transpose()?;
    let window = match &s.window {
        None => None,
        Some(w) => {
            if w.after > MAX_WINDOW || w.before > MAX_BEFORE || (w.after == 0 && w.before == 0) {
                return Err(serr(format!(
                    "window needs `after` (1..={MAX_WINDOW}) and/or `before` (1..={MAX_BEFORE}) lines"
                )));
            }
            let capture =
                compile(&w.capture, false).map_err(|m| serr(format!("window.capture: {m}")))?;
            // (A trusted pattern's names are known only once it is compiled.)
            let names = trusted.is_none().then(|| capture.capture_names());
            for name in names.into_iter().flatten() {
                if !ENTITY_NAMES.contains(&name) {
                    return Err(serr(format!(
                        "window capture group `{name}` is not an entity name"
                    )));
                }
            }
            if let Some(listed) = &w.listed {
                let in_capture = trusted.is_some() || capture.capture_names().any(|n| n == listed);
                if !in_capture {
                    return Err(serr(format!(
                        "window.listed `{listed}` is not a capture group of window.capture"
                    )));
                }
            }
            let stop = w
                .stop
                .as_deref()
                .map(|p| compile(p, false).map_err(|m| serr(format!("window.stop: {m}"))))
                .transpose()?;
            Some(Window {
                require: w.require,
                listed: w.listed.clone(),
                after: w.after,
                before: w.before,
                capture,
                stop,
                skip_blank: w.skip_blank,
            })
        }
    };
    let scope = match s.scope.as_deref() {
        None | Some("anywhere") => Scope::Anywhere,
        Some("failing-step") => Scope::FailingStep,
        Some(other) => {
            return Err(serr(format!(
                "scope `{other}` is not `anywhere` or `failing-step`"
            )));
        }
    };
    let emitter = s.emitter.clone().or_else(|| file.emitter.clone());
    if let Some(t) = &emitter {
        let known = crate::BUILTIN_EMITTERS.iter().any(|(id, _)| id == t);
        if *origin == Origin::Builtin && !known {
            return Err(serr(format!(
                "emitter `{t}` is not listed in knowledge/emitters.txt"
            )));
        }
        if !is_kebab(t) {
            return Err(serr(format!("emitter `{t}` must be a kebab-case id")));
        }
    }
    let severity = match s.severity.as_deref() {
        None | Some("error") => Severity::Error,
        Some("warning") => Severity::Warning,
        Some(other) => {
            return Err(serr(format!(
                "severity `{other}` is not `error` or `warning`"
            )));
        }
    };
    if severity == Severity::Warning && s.fatal == Some(true) {
        return Err(serr("a `warning` signature cannot be `fatal`".into()));
    }
    let fatal = s.fatal.unwrap_or(severity == Severity::Error);
    let sources = match &s.source {
        Some(src) => src.to_vec(),
        None => file.sources.clone(),
    };
    if let Some(empty) = sources.iter().find(|x| x.trim().is_empty()) {
        return Err(serr(format!("source `{empty}` is empty")));
    }
    if let Some(blank) = s
        .examples
        .iter()
        .chain(&s.not_examples)
        .find(|e| e.contains('\n'))
    {
        return Err(serr(format!(
            "example `{blank}` spans several lines: examples are single cleaned lines"
        )));
    }
    Ok(SignatureDef {
        id: s.id.clone(),
        pattern: s.pattern.clone(),
        regex,
        triggers,
        weight: s.weight,
        unless,
        tools: s.tools.clone(),
        exit_codes: s.exit_codes.clone(),
        near: s.near.as_ref().map(|n| Near {
            signature: n.signature.clone(),
            within: n.within,
        }),
        window,
        scope,
        tail: s.tail,
        emitter,
        fatal,
        severity,
        sources,
        examples: s.examples.clone(),
        not_examples: s.not_examples.clone(),
        file: file.path.to_path_buf(),
        line,
    })
}

/// Parses a signature's pattern, checks its capture names and derives its triggers.
fn checked_pattern(
    s: &RawSignature,
    serr: &dyn Fn(String) -> KbError,
) -> Result<(LazyRegex, Vec<Vec<u8>>), KbError> {
    let (regex, hir) = LazyRegex::parse(&s.pattern, s.case_insensitive)
        .map_err(|m| serr(format!("pattern: {m}")))?;
    for name in regex.capture_names() {
        if !ENTITY_NAMES.contains(&name) {
            return Err(serr(format!(
                "capture group `{name}` is not an entity name ({})",
                ENTITY_NAMES.join(", ")
            )));
        }
    }
    let triggers: Vec<Vec<u8>> = match &s.trigger {
        Some(t) => t.to_vec().into_iter().map(String::into_bytes).collect(),
        None if s.case_insensitive => {
            return Err(serr("case-insensitive patterns need `trigger = [...]` with the case variants to look for".into()));
        }
        None => literals::required_literals_of(&hir).ok_or_else(|| {
            serr(format!(
                "cannot derive a trigger literal of at least {} bytes from the pattern; add `trigger = \"...\"` with a literal every match contains",
                literals::MIN_TRIGGER
            ))
        })?,
    };
    if triggers.is_empty() || triggers.iter().any(|t| t.len() < literals::MIN_TRIGGER) {
        return Err(serr(format!(
            "every trigger needs at least {} bytes",
            literals::MIN_TRIGGER
        )));
    }
    Ok((regex, triggers))
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn read_text(path: &Path) -> Result<String, KbError> {
    let bytes = std::fs::read(path).map_err(|source| KbError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_col(
            &String::from_utf8_lossy(e.as_bytes()),
            e.utf8_error().valid_up_to(),
        );
        KbError::invalid(
            path,
            None,
            line,
            column,
            "the file is not valid UTF-8".into(),
        )
    })
}

fn read_bytes(path: &Path) -> Result<Cow<'static, [u8]>, KbError> {
    std::fs::read(path)
        .map(Cow::Owned)
        .map_err(|source| KbError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// The fixture files a flat entry names (`[[fixture]] file = ...`, relative to `dir`); files
/// that do not exist are left out, so the entry's validation reports them by name.
fn flat_fixtures(text: &str, dir: &Path) -> Vec<(String, Cow<'static, [u8]>)> {
    #[derive(Deserialize)]
    struct Named {
        #[serde(default)]
        fixture: Vec<NamedFile>,
    }
    #[derive(Deserialize)]
    struct NamedFile {
        file: String,
    }
    let named: Named = toml::from_str(text).unwrap_or(Named {
        fixture: Vec::new(),
    });
    named
        .fixture
        .into_iter()
        .filter_map(|f| {
            let bytes = std::fs::read(dir.join(&f.file)).ok()?;
            Some((f.file, Cow::Owned(bytes)))
        })
        .collect()
}

pub(crate) fn load_dir(dir: &Path) -> Result<Vec<Entry>, KbError> {
    let meta = std::fs::metadata(dir).map_err(|source| KbError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(KbError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a directory"),
        });
    }
    let layout = crate::layout::read(dir).map_err(|source| KbError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut entries = Vec::new();
    for folder in &layout.folders {
        let text = read_text(&folder.entry)?;
        let mut signature_files = Vec::new();
        for p in &folder.signature_files {
            signature_files.push((p.clone(), read_text(p)?));
        }
        let signature_files: Vec<(PathBuf, &str)> = signature_files
            .iter()
            .map(|(p, t)| (p.clone(), t.as_str()))
            .collect();
        let mut fixtures = Vec::new();
        for (name, p) in &folder.fixtures {
            fixtures.push((name.clone(), read_bytes(p)?));
        }
        entries.push(parse_entry(
            &text,
            &folder.entry,
            Origin::File(folder.entry.clone()),
            &signature_files,
            fixtures,
            None,
        )?);
    }
    for path in &layout.flat {
        let text = read_text(path)?;
        let fixtures = flat_fixtures(&text, dir);
        entries.push(parse_entry(
            &text,
            path,
            Origin::File(path.clone()),
            &[],
            fixtures,
            None,
        )?);
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
kind = "custom-proxy"
title = "The corporate proxy blocked a download"
summary = "s"
fix = ["Allow {host} through the proxy"]

[[signature]]
id = "blocked"
pattern = 'Blocked by proxy: (?P<host>\S+)'
weight = 0.9
"#;

    fn parse(text: &str) -> Result<Entry, KbError> {
        parse_entry(
            text,
            Path::new("rules/custom.toml"),
            Origin::File("rules/custom.toml".into()),
            &[],
            vec![],
            None,
        )
    }

    #[test]
    fn a_good_entry_loads_with_derived_triggers() {
        let e = parse(GOOD).unwrap();
        assert_eq!(e.kind, "custom-proxy");
        assert_eq!(
            e.signatures[0].triggers,
            vec![b"Blocked by proxy: ".to_vec()]
        );
        let mut ents = BTreeMap::new();
        ents.insert("host".to_string(), vec!["pypi.org".to_string()]);
        assert_eq!(
            e.render_fix(&ents),
            vec!["Allow `pypi.org` through the proxy"]
        );
        assert_eq!(
            e.render_fix(&BTreeMap::new()),
            vec!["Allow the host through the proxy"]
        );
    }

    fn message(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_file_line_and_problem() {
        let bad_regex = GOOD.replace(r"(?P<host>\S+)", r"(?P<host>\S+");
        let m = message(&bad_regex);
        assert!(
            m.starts_with("rules/custom.toml:7:1: signature `blocked`: pattern:"),
            "{m}"
        );

        let bad_group = GOOD.replace("?P<host>", "?P<hostname>");
        assert!(message(&bad_group).contains("capture group `hostname` is not an entity name"));

        let bad_toml = GOOD.replace("weight = 0.9", "weight = ");
        let m = message(&bad_toml);
        assert!(m.starts_with("rules/custom.toml:10:"), "{m}");

        let unknown_key = GOOD.replace("weight = 0.9", "weight = 0.9\npriority = 3");
        assert!(message(&unknown_key).contains("unknown field `priority`"));

        let no_trigger = GOOD.replace(r"Blocked by proxy: (?P<host>\S+)", r"\d+");
        assert!(message(&no_trigger).contains("cannot derive a trigger literal"));

        let bad_listed = GOOD.replace(
            "weight = 0.9",
            "weight = 0.9\nwindow = { after = 2, capture = '(?P<package>\\S+)', listed = \"version\" }",
        );
        assert!(
            message(&bad_listed).contains("window.listed `version` is not a capture group"),
            "{}",
            message(&bad_listed)
        );

        let heavy = GOOD.replace("0.9", "1.5");
        assert!(message(&heavy).contains("weight 1.5 is outside"));

        let missing_fixture =
            format!("{GOOD}\n[[fixture]]\nfile = \"fixtures/x.log\"\nexpect = \"primary\"\n");
        assert!(message(&missing_fixture).contains("fixture file `fixtures/x.log` does not exist"));
    }

    #[test]
    fn builtin_ids_are_checked() {
        let e = parse_entry(
            GOOD,
            Path::new("knowledge/custom-proxy/kind.toml"),
            Origin::Builtin,
            &[],
            vec![],
            None,
        );
        assert!(
            e.unwrap_err()
                .to_string()
                .contains("not listed in knowledge/kinds.txt")
        );
    }

    #[test]
    fn signature_files_add_signatures_with_their_emitter_and_source() {
        let sigs = r#"
source = "acme/proxy:src/errors.go@v2"

[[signature]]
id = "denied"
pattern = 'proxy denied (?P<host>\S+)'
weight = 0.8
examples = ["proxy denied pypi.org"]
not_examples = ["proxy allowed pypi.org"]

[[signature]]
id = "reset"
emitter = "other-tool"
source = ["acme/other:a.c@1", "acme/other:b.c@2"]
pattern = 'proxy reset'
weight = 0.5
"#;
        let files = vec![(
            PathBuf::from("rules/custom/signatures/acme-proxy.toml"),
            sigs,
        )];
        let e = parse_entry(
            GOOD,
            Path::new("rules/custom/kind.toml"),
            Origin::File("rules/custom/kind.toml".into()),
            &files,
            vec![],
            None,
        );
        // The folder is named `custom`, the kind `custom-proxy`.
        assert!(
            e.unwrap_err()
                .to_string()
                .contains("must be named after the kind")
        );
        let e = parse_entry(
            GOOD,
            Path::new("rules/custom-proxy/kind.toml"),
            Origin::File("rules/custom-proxy/kind.toml".into()),
            &files,
            vec![],
            None,
        )
        .unwrap();
        let ids: Vec<&str> = e.signatures.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["blocked", "denied", "reset"]);
        let denied = &e.signatures[1];
        assert_eq!(denied.emitter.as_deref(), Some("acme-proxy"));
        assert_eq!(denied.sources, ["acme/proxy:src/errors.go@v2"]);
        assert_eq!(
            denied.file,
            Path::new("rules/custom/signatures/acme-proxy.toml")
        );
        assert_eq!(denied.line, 4);
        assert!(
            denied.check_examples().is_empty(),
            "{:?}",
            denied.check_examples()
        );
        let reset = &e.signatures[2];
        assert_eq!(reset.emitter.as_deref(), Some("other-tool"));
        assert_eq!(reset.sources.len(), 2);
        assert_eq!(e.signatures[0].emitter, None);
    }

    #[test]
    fn errors_in_signature_files_name_that_file() {
        let sigs = "[[signature]]\nid = \"x\"\npattern = '(unclosed'\nweight = 0.5\n";
        let files = vec![(PathBuf::from("r/custom-proxy/signatures/t.toml"), sigs)];
        let m = parse_entry(
            GOOD,
            Path::new("r/custom-proxy/kind.toml"),
            Origin::File("r/custom-proxy/kind.toml".into()),
            &files,
            vec![],
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            m.starts_with("r/custom-proxy/signatures/t.toml:1:1: signature `x`: pattern:"),
            "{m}"
        );
        let dup =
            "[[signature]]\nid = \"blocked\"\npattern = 'b'\ntrigger = \"bbb\"\nweight = 0.5\n";
        let files = vec![(PathBuf::from("r/custom-proxy/signatures/t.toml"), dup)];
        let m = parse_entry(
            GOOD,
            Path::new("r/custom-proxy/kind.toml"),
            Origin::File("r/custom-proxy/kind.toml".into()),
            &files,
            vec![],
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(m.contains("duplicate signature id"), "{m}");
    }

    #[test]
    fn examples_are_checked_against_triggers_pattern_and_unless() {
        let text = format!(
            "{GOOD}unless = 'by proxy: localhost'\nexamples = [\"Blocked by proxy: pypi.org\", \"Blocked by proxy: localhost\", \"blocked by proxy: x\"]\nnot_examples = [\"Blocked by proxy: files.pythonhosted.org\"]\n"
        );
        let e = parse(&text).unwrap();
        let problems = e.signatures[0].check_examples();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("localhost") && problems[0].contains("`unless`"));
        assert!(problems[1].contains("none of the triggers"));
        assert!(problems[2].starts_with("not_example"));
    }

    #[test]
    fn builtin_emitters_are_checked() {
        let text = GOOD.replace("weight = 0.9", "weight = 0.9\nemitter = \"no-such-tool\"");
        let mut path = PathBuf::from("knowledge");
        path.push(crate::BUILTIN_KINDS[0]);
        path.push("kind.toml");
        let text = text.replace("custom-proxy", crate::BUILTIN_KINDS[0]);
        let m = parse_entry(&text, &path, Origin::Builtin, &[], vec![], None)
            .unwrap_err()
            .to_string();
        assert!(m.contains("not listed in knowledge/emitters.txt"), "{m}");
    }

    #[test]
    fn errors_carry_a_code_frame() {
        use miette::Diagnostic;
        let bad = GOOD.replace("weight = 0.9", "weight = 1.5");
        let e = parse(&bad).unwrap_err();
        assert!(e.source_code().is_some());
        let labels: Vec<_> = e.labels().into_iter().flatten().collect();
        assert_eq!(labels.len(), 1);
        let at = labels[0].offset();
        assert!(bad[at..].starts_with("[[signature]]"), "{}", &bad[at..]);
    }

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }

    #[test]
    fn line_starts_agree_with_line_col() {
        let text = "a\n\nbc\nd\n";
        let lines = LineStarts::new(text);
        for at in 0..=text.len() {
            assert_eq!(lines.line(at), line_col(text, at).0, "offset {at}");
        }
    }
}
