//! The lint report model: what a check found, where, and how to fix it.
//!
//! Field names follow the `buildmedic.lint/v1` JSON contract; renderers serialize these types
//! directly. Messages and help texts are redacted when the diagnostic is created
//! ([`crate::FileCx::report`]), so nothing here carries a secret.

use serde::Serialize;

/// A byte range in a [`crate::SourceFile`]'s text.
pub use crate::syntax::Span;

/// How bad a finding is. Only `Error` fails `buildmedic lint` (and `Warning` with `--strict`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a run.
    Info,
    /// Likely a problem (reproducibility, deprecation); fails only with `--strict`.
    Warning,
    /// The environment will be rejected or its build will fail.
    Error,
}

impl Severity {
    /// The lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `error`, `warning` (or `warn`) and `info`.
    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "info" | "note" => Some(Severity::Info),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One replacement of a byte range of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// Byte range replaced (empty for an insertion).
    pub range: Span,
    /// New text.
    pub replacement: String,
}

/// A safe, mechanical fix: applying all its edits never changes what the user meant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What the fix does, in the imperative ("quote the spec").
    pub description: String,
    /// Non-overlapping edits in the diagnostic's file.
    pub edits: Vec<Edit>,
}

impl Fix {
    /// A fix made of one replacement.
    pub fn replace(
        description: impl Into<String>,
        range: Span,
        replacement: impl Into<String>,
    ) -> Fix {
        Fix {
            description: description.into(),
            edits: vec![Edit {
                range,
                replacement: replacement.into(),
            }],
        }
    }

    /// A fix that inserts `text` at byte `at`.
    pub fn insert(description: impl Into<String>, at: usize, text: impl Into<String>) -> Fix {
        Fix::replace(description, at..at, text)
    }
}

/// One finding. Serializes to the `diagnostics[]` item of the JSON contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Check id (kebab-case, from the registry).
    pub check: &'static str,
    pub severity: Severity,
    /// Path as shown to the user (as given on the command line, or joined from a reference).
    pub file: String,
    /// 1-based line of the span start.
    pub line: usize,
    /// 1-based column of the span start, counted in characters.
    pub column: usize,
    pub end_line: usize,
    /// 1-based column just after the span end, in characters.
    pub end_column: usize,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// True when `--fix` can repair this finding.
    pub fixable: bool,
    /// Byte span in the file's text (for renderers that draw frames).
    #[serde(skip)]
    pub span: Span,
    #[serde(skip)]
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// Sets the help line (redacted).
    pub fn help(&mut self, help: impl AsRef<str>) -> &mut Self {
        self.help = Some(buildmedic_redact::redact(help.as_ref()).into_owned());
        self
    }

    /// Attaches a safe fix and marks the diagnostic fixable.
    pub fn fix(&mut self, fix: Fix) -> &mut Self {
        self.fixable = true;
        self.fix = Some(fix);
        self
    }

    /// Overrides the check's default severity for this one finding.
    pub fn severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = severity;
        self
    }
}
