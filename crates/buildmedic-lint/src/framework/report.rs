//! What a lint run hands back: the files it read, the findings, and the inputs it could not
//! read. Renderers turn a [`LintReport`] into text, JSON, SARIF or annotations.

use serde::Serialize;

use crate::framework::diagnostic::{Diagnostic, Severity};
use crate::syntax::source::SourceFile;

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
