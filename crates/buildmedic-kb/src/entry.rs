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
    /// The kind id (`knowledge/kinds.txt` for built-ins; any kebab-case id for user kinds).
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

/// How serious a finding of a signature is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// A failure (the default).
    #[default]
    Error,
    /// A latent problem: the build may have succeeded, but not as written (a version pin
    /// taken by the shell as a redirection, a push that never ran).
    Warning,
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
    /// The tool that prints the message (`knowledge/emitters.txt`).
    pub emitter: Option<String>,
    /// A match is evidence that the build failed (false for notices that also precede a
    /// success: retries, warnings, progress).
    pub fatal: bool,
    /// [`Severity::Warning`] marks a latent problem, reported even on a build that succeeded.
    pub severity: Severity,
    /// Where the message is defined (`owner/repo:path@version`).
    pub sources: Vec<String>,
    /// Cleaned lines the pattern must match ([`SignatureDef::check_examples`]).
    pub examples: Vec<String>,
    /// Look-alike lines the pattern must not match.
    pub not_examples: Vec<String>,
    /// The file the signature is defined in (`kind.toml` or `signatures/<emitter>.toml`).
    pub file: PathBuf,
    /// Line of the `[[signature]]` table in [`SignatureDef::file`], for error messages.
    pub line: usize,
}

impl SignatureDef {
    /// Named capture groups that are entity names.
    pub fn entity_groups(&self) -> impl Iterator<Item = &str> {
        self.regex.capture_names()
    }

    /// Whether the signature fires on one cleaned line, the way the matcher decides it: the
    /// line contains a trigger, the pattern matches and `unless` does not. Compiles the
    /// regexes if needed (an uncompilable one never fires).
    pub fn fires_on(&self, line: &[u8]) -> bool {
        let triggered = self
            .triggers
            .iter()
            .any(|t| memchr::memmem::find(line, t).is_some());
        triggered
            && self.regex.get().is_some_and(|r| r.is_match(line))
            && !self
                .unless
                .as_ref()
                .and_then(LazyRegex::get)
                .is_some_and(|u| u.is_match(line))
    }

    /// Every `examples` line must fire and no `not_examples` line may: the problems, one
    /// per offending line (empty when the examples hold).
    pub fn check_examples(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for ex in &self.examples {
            if !self.fires_on(ex.as_bytes()) {
                let why = if !self
                    .triggers
                    .iter()
                    .any(|t| memchr::memmem::find(ex.as_bytes(), t).is_some())
                {
                    "contains none of the triggers"
                } else if self.regex.get().is_some_and(|r| !r.is_match(ex.as_bytes())) {
                    "does not match the pattern"
                } else {
                    "is excluded by `unless`"
                };
                problems.push(format!("example {ex:?} {why}"));
            }
        }
        for ex in &self.not_examples {
            if self.fires_on(ex.as_bytes()) {
                problems.push(format!("not_example {ex:?} matches"));
            }
        }
        problems
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
    /// An entity of `capture` that must be listed in the anchor line: when the window
    /// captured a value for it and that value is not one of the anchor line's items, the
    /// match does not count (pip's "Ignored the following versions ..." line explains a
    /// failed `X==V` only when it lists `V`).
    pub listed: Option<String>,
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
    /// The build is reported as succeeded and the entry's kind is among its findings with
    /// severity `warning` (a latent problem), carrying the fixture's entities.
    Warning,
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
    /// Fix steps with placeholders filled from `entities` (at most three values each).
    ///
    /// An optional part `[?with {name}?]` is kept only when every placeholder in it has a
    /// value; `[?with {name}|without?]` falls back to the text after `|`. A placeholder
    /// outside such a part that has no value gets the entry's placeholder words (user rules
    /// written before optional parts existed); built-in steps put every placeholder in an
    /// optional part, so no stand-in is ever shown.
    pub fn render_fix(&self, entities: &BTreeMap<String, Vec<String>>) -> Vec<String> {
        let known = |name: &str| entities.get(name).is_some_and(|v| !v.is_empty());
        self.fix
            .iter()
            .map(|step| {
                let step = choose_optional_parts(step, known);
                fill(&step, |name, in_code| {
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

/// Resolves `[?a?]` / `[?a|b?]` parts: `a` when every placeholder in it is known, else `b`
/// (or nothing). Parts do not nest; an unclosed `[?` is left as written.
pub(crate) fn choose_optional_parts(template: &str, known: impl Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("[?") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("?]") else {
            break;
        };
        out.push_str(&rest[..open]);
        let body = &after[..close];
        let (with, without) = body.split_once('|').unwrap_or((body, ""));
        if placeholder_names(with).iter().all(|n| known(n)) {
            out.push_str(with);
        } else {
            out.push_str(without);
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// The `{name}` placeholders of a template, in order.
pub fn placeholder_names(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if is_name(&after[..close]) => {
                names.push(&after[..close]);
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    names
}

/// Placeholders of a fix step that sit outside every optional part (`[?...?]`): a log that
/// lacks those entities would show a stand-in.
pub fn unguarded_placeholders(step: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = step;
    loop {
        let (outside, next) = match rest.find("[?") {
            Some(open) => match rest[open + 2..].find("?]") {
                Some(close) => (&rest[..open], Some(&rest[open + 2 + close + 2..])),
                None => (rest, None),
            },
            None => (rest, None),
        };
        names.extend(placeholder_names(outside));
        match next {
            Some(n) => rest = n,
            None => break,
        }
    }
    names
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
    fn optional_parts_are_kept_only_with_their_entities() {
        let known = |n: &str| n == "package";
        assert_eq!(
            choose_optional_parts(
                "Pin [?`{package}`|the package?] in [?{image}|the image?]",
                known
            ),
            "Pin `{package}` in the image"
        );
        assert_eq!(
            choose_optional_parts("Run the command[? `{command}`?] by hand", known),
            "Run the command by hand"
        );
        assert_eq!(choose_optional_parts("a [?b", known), "a [?b");
        assert_eq!(
            unguarded_placeholders("x {package} [?{image}?] {command} [?{file}|y?]"),
            ["package", "command"]
        );
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
