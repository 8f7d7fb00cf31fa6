//! The shape of an entry once loaded and validated.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::lazy::LazyRegex;

/// Where an entry came from: shipped with buildmedic or a user file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Builtin,
    File(PathBuf),
}

/// One kind of build failure: the knowledge a human expert would bring.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The kind id (`spec/kinds.md` for built-ins; any kebab-case id for user kinds).
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub causes: Vec<String>,
    pub affected: Vec<String>,
    /// Fix steps; `{package}`-style placeholders are filled from the log's entities.
    pub fix: Vec<String>,
    pub references: Vec<String>,
    /// Catalog id(s) this entry covers (`B11`), for documentation.
    pub catalog: Vec<String>,
    /// Kinds whose findings are symptoms of this one: when both are found, they are
    /// suppressed with the reason "explained by <this kind>".
    pub explains: Vec<String>,
    /// Words used for a placeholder when the log gave no value (`package = "the package"`).
    pub placeholders: BTreeMap<String, String>,
    /// Literal text of lines that look like errors but are not (pip's resolver notice, git's
    /// version probe): such lines are never candidate error lines.
    pub benign: Vec<String>,
    pub signatures: Vec<SignatureDef>,
    pub fixtures: Vec<Fixture>,
    pub origin: Origin,
    /// File the entry was read from (`knowledge/<kind>/kind.toml` for built-ins).
    pub path: PathBuf,
    pub(crate) explains_line: usize,
}

/// Where a signature counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Anywhere; matches in the failing step weigh more than matches elsewhere.
    Anywhere,
    /// Only inside the failing step (or anywhere when the log shows no steps).
    FailingStep,
}

/// A real tool message that identifies a kind.
#[derive(Debug, Clone)]
pub struct SignatureDef {
    /// Unique within the entry.
    pub id: String,
    /// Source of [`SignatureDef::regex`], for documentation.
    pub pattern: String,
    /// Matched against one cleaned line. Named groups capture entities.
    pub regex: LazyRegex,
    /// Literals one of which every match contains: the prefilter looks for these.
    pub triggers: Vec<Vec<u8>>,
    /// How specific the message is, 0..=1: ~0.95 a unique tool error, ~0.5 a generic error,
    /// ~0.2 a wrapper that only says something failed.
    pub weight: f32,
    /// The line must not also match this (near misses on the same line).
    pub unless: Option<LazyRegex>,
    /// The failing step's command must mention one of these tools (when a command is known).
    pub tools: Vec<String>,
    /// The failing step's exit code must be one of these.
    pub exit_codes: Vec<i32>,
    /// Another signature must match within some lines.
    pub near: Option<Near>,
    /// Lines after the match to capture more entities from (a package list).
    pub window: Option<Window>,
    pub scope: Scope,
    /// Matched only against the last line of a step at the end of the log ("the log stops
    /// while ..."), never during the scan: no trigger needed, no cost per line.
    pub tail: bool,
    /// Line of the `[[signature]]` table in its file, for error messages.
    pub line: usize,
}

impl SignatureDef {
    /// Named capture groups that are entity names.
    pub fn entity_groups(&self) -> impl Iterator<Item = &str> {
        self.regex.capture_names()
    }
}

/// `near = { signature = "other-id", within = 20 }`; `kind/id` names another entry's
/// signature.
#[derive(Debug, Clone)]
pub struct Near {
    pub signature: String,
    pub within: u32,
}

impl Near {
    /// `(kind, signature id)`, resolving a bare id against the owning entry's kind.
    pub fn target<'a>(&'a self, own_kind: &'a str) -> (&'a str, &'a str) {
        match self.signature.split_once('/') {
            Some((k, id)) => (k, id),
            None => (own_kind, self.signature.as_str()),
        }
    }
}

/// Multi-line capture around an anchor: up to `after` lines after it and `before` lines
/// before it (same step), each matched against `capture`, stopping at the first line that
/// matches `stop`. Linear: every line is looked at once.
#[derive(Debug, Clone)]
pub struct Window {
    pub after: u32,
    pub before: u32,
    pub capture: LazyRegex,
    pub stop: Option<LazyRegex>,
    /// Blank lines end the window unless this is set (conda prints blank lines around lists).
    pub skip_blank: bool,
    /// The match only counts if the window captured at least one line.
    pub require: bool,
}

/// What a fixture log must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The entry's kind is the primary finding.
    Primary,
    /// The entry's kind is not the primary finding (a near miss).
    NotPrimary,
    /// The entry's kind appears nowhere in the diagnosis.
    Absent,
    /// The build is reported as succeeded.
    Succeeded,
}

#[derive(Debug, Clone)]
pub struct Fixture {
    /// Path relative to the entry's folder (`fixtures/pos-legacy.log`).
    pub file: String,
    /// Embedded in the binary for built-ins (not copied), read from disk for user rules.
    pub bytes: Cow<'static, [u8]>,
    pub expect: Expect,
    /// Entities the diagnosis must contain (each listed value among the found ones).
    pub entities: BTreeMap<String, Vec<String>>,
}

impl Entry {
    /// Fix steps with placeholders filled from `entities` (at most three values each), or
    /// from the entry's placeholder words when the log gave none.
    pub fn render_fix(&self, entities: &BTreeMap<String, Vec<String>>) -> Vec<String> {
        self.fix
            .iter()
            .map(|step| {
                fill(step, |name, in_code| {
                    match entities.get(name).filter(|v| !v.is_empty()) {
                        Some(values) if in_code => {
                            Some(values.iter().take(3).cloned().collect::<Vec<_>>().join(" "))
                        }
                        Some(values) => Some(join_values(values)),
                        None => self
                            .placeholders
                            .get(name)
                            .cloned()
                            .or_else(|| default_placeholder(name)),
                    }
                })
            })
            .collect()
    }
}

fn join_values(values: &[String]) -> String {
    let shown: Vec<String> = values.iter().take(3).map(|v| format!("`{v}`")).collect();
    let mut s = shown.join(", ");
    if values.len() > 3 {
        s.push_str(&format!(" (and {} more)", values.len() - 3));
    }
    s
}

fn default_placeholder(name: &str) -> Option<String> {
    Some(
        match name {
            "package" => "the package",
            "version" => "the version",
            "channel" => "the channel",
            "image" => "the base image",
            "registry" => "the registry",
            "command" => "the command",
            "file" => "the file",
            "python_version" => "the environment's Python",
            "module" => "the module",
            "url" => "the URL",
            "host" => "the host",
            "line" => "the line",
            "stage" => "the stage",
            _ => return None,
        }
        .to_string(),
    )
}

/// Replaces `{name}` by `lookup(name, inside_code_span)`; unknown names are left as
/// written. Inside a Markdown code span values are inserted bare (no nested backticks).
pub(crate) fn fill(template: &str, lookup: impl Fn(&str, bool) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let in_code = out.matches('`').count() % 2 == 1;
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if is_name(&after[..close]) => {
                let name = &after[..close];
                match lookup(name, in_code) {
                    Some(v) => out.push_str(&v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_known_names_only() {
        let f = |n: &str, _: bool| (n == "package").then(|| "`numpy`".to_string());
        assert_eq!(fill("install {package} now", f), "install `numpy` now");
        assert_eq!(fill("{unknown} {package}", f), "{unknown} `numpy`");
        assert_eq!(fill("json {\"a\": 1} {", f), "json {\"a\": 1} {");
    }

    #[test]
    fn values_are_capped() {
        let v: Vec<String> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(join_values(&v), "`a`, `b`, `c` (and 2 more)");
    }
}
