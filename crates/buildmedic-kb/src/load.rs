//! Reading and validating entry files.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::entry::{Entry, Expect, Fixture, Near, Origin, Scope, SignatureDef, Window};
use crate::lazy::LazyRegex;
use crate::{ENTITY_NAMES, literals};

/// A knowledge-base file that cannot be used, with the place and the reason.
#[derive(Debug, thiserror::Error)]
pub enum KbError {
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl KbError {
    pub(crate) fn at(path: &Path, line: usize, message: String) -> Self {
        KbError::Invalid {
            path: path.to_path_buf(),
            line,
            column: 1,
            message,
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            KbError::Invalid { path, .. } | KbError::Io { path, .. } => path,
        }
    }
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
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFixture {
    file: String,
    expect: String,
    #[serde(default)]
    entities: BTreeMap<String, Vec<String>>,
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

pub(crate) fn parse_entry(
    text: &str,
    path: &Path,
    origin: Origin,
    fixture_files: Vec<(String, Cow<'static, [u8]>)>,
) -> Result<Entry, KbError> {
    let raw: RawEntry = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        KbError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().to_string(),
        }
    })?;
    let line_of = |span: std::ops::Range<usize>| line_col(text, span.start).0;
    let err = |line: usize, message: String| KbError::at(path, line, message);

    let kind = raw.kind.get_ref().clone();
    let kind_line = line_of(raw.kind.span());
    if !is_kebab(&kind) {
        return Err(err(
            kind_line,
            format!("kind `{kind}` must be a kebab-case id"),
        ));
    }
    if origin == Origin::Builtin && !crate::KIND_IDS.contains(&kind.as_str()) {
        return Err(err(
            kind_line,
            format!("built-in kind `{kind}` is not in spec/kinds.md"),
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
    for spanned in &raw.signature {
        let line = line_of(spanned.span());
        let s = spanned.get_ref();
        let serr = |m: String| err(line, format!("signature `{}`: {m}", s.id));
        if !ids.insert(s.id.clone()) {
            return Err(serr("duplicate signature id".into()));
        }
        if !(0.0..=1.0).contains(&s.weight) {
            return Err(serr(format!("weight {} is outside 0..=1", s.weight)));
        }
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
            Some(OneOrMany::One(t)) => vec![t.as_bytes().to_vec()],
            Some(OneOrMany::Many(ts)) => ts.iter().map(|t| t.as_bytes().to_vec()).collect(),
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
        let unless = s
            .unless
            .as_deref()
            .map(|u| compile(u, s.case_insensitive).map_err(|m| serr(format!("unless: {m}"))))
            .transpose()?;
        let window = match &s.window {
            None => None,
            Some(w) => {
                if w.after > MAX_WINDOW || w.before > MAX_BEFORE || (w.after == 0 && w.before == 0)
                {
                    return Err(serr(format!(
                        "window needs `after` (1..={MAX_WINDOW}) and/or `before` (1..={MAX_BEFORE}) lines"
                    )));
                }
                let capture =
                    compile(&w.capture, false).map_err(|m| serr(format!("window.capture: {m}")))?;
                for name in capture.capture_names() {
                    if !ENTITY_NAMES.contains(&name) {
                        return Err(serr(format!(
                            "window capture group `{name}` is not an entity name"
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
        signatures.push(SignatureDef {
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
            line,
        });
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
    for spanned in &raw.fixture {
        let line = line_of(spanned.span());
        let f = spanned.get_ref();
        let expect = match f.expect.as_str() {
            "primary" => Expect::Primary,
            "not-primary" => Expect::NotPrimary,
            "absent" => Expect::Absent,
            "succeeded" => Expect::Succeeded,
            other => {
                return Err(err(
                    line,
                    format!(
                        "fixture `{}`: expect `{other}` is not one of primary, not-primary, absent, succeeded",
                        f.file
                    ),
                ));
            }
        };
        let bytes = files
            .remove(&f.file)
            .ok_or_else(|| err(line, format!("fixture file `{}` does not exist", f.file)))?;
        fixtures.push(Fixture {
            file: f.file.clone(),
            bytes,
            expect,
            entities: f.entities.clone(),
        });
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

fn compile(pattern: &str, case_insensitive: bool) -> Result<LazyRegex, String> {
    LazyRegex::new(pattern, case_insensitive)
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

pub(crate) fn load_dir(dir: &Path) -> Result<Vec<Entry>, KbError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| KbError::Io { path, source }
    };
    let meta = std::fs::metadata(dir).map_err(io(dir))?;
    if !meta.is_dir() {
        return Err(KbError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a directory"),
        });
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    let mut entries = Vec::new();
    for p in paths {
        let (toml_path, fixture_dir) = if p.is_dir() {
            let t = p.join("kind.toml");
            if !t.is_file() {
                continue;
            }
            (t, Some(p.join("fixtures")))
        } else if p.extension().is_some_and(|e| e == "toml") {
            (p.clone(), None)
        } else {
            continue;
        };
        let bytes = std::fs::read(&toml_path).map_err(io(&toml_path))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let (line, column) = line_col(
                &String::from_utf8_lossy(e.as_bytes()),
                e.utf8_error().valid_up_to(),
            );
            KbError::Invalid {
                path: toml_path.clone(),
                line,
                column,
                message: "the file is not valid UTF-8".into(),
            }
        })?;
        let mut fixtures = Vec::new();
        if let Some(fd) = fixture_dir.filter(|d| d.is_dir()) {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&fd)
                .map_err(io(&fd))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for f in files {
                let name = format!(
                    "fixtures/{}",
                    f.file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default()
                );
                fixtures.push((name, Cow::Owned(std::fs::read(&f).map_err(io(&f))?)));
            }
        } else if toml_path.parent() == Some(dir) {
            // Flat layout: fixtures named in the file are relative to the directory.
            let raw: toml::Value =
                toml::from_str(&text).unwrap_or(toml::Value::Table(Default::default()));
            for f in raw
                .get("fixture")
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
            {
                if let Some(file) = f.get("file").and_then(|v| v.as_str()) {
                    let fp = dir.join(file);
                    if let Ok(bytes) = std::fs::read(&fp) {
                        fixtures.push((file.to_string(), Cow::Owned(bytes)));
                    }
                }
            }
        }
        entries.push(parse_entry(
            &text,
            &toml_path,
            Origin::File(toml_path.clone()),
            fixtures,
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
            vec![],
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
            vec![],
        );
        assert!(e.unwrap_err().to_string().contains("not in spec/kinds.md"));
    }

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
