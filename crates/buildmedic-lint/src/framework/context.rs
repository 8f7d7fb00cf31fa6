//! Per-file reporting context handed to every check.

use crate::framework::check::CheckInfo;
use crate::framework::config::LintConfig;
use crate::framework::diagnostic::{Diagnostic, Span};
use crate::framework::facts::Facts;
use crate::syntax::source::SourceFile;

/// What a check sees: the run's configuration and facts, the file, and a place to report.
pub struct FileCx<'a> {
    pub config: &'a LintConfig,
    pub file: &'a SourceFile,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> FileCx<'a> {
    pub fn new(config: &'a LintConfig, file: &'a SourceFile) -> FileCx<'a> {
        FileCx {
            config,
            file,
            diagnostics: Vec::new(),
        }
    }

    /// Facts of this run (EOL table, deprecated images, limits).
    pub fn facts(&self) -> &'a Facts {
        &self.config.facts
    }

    /// Whether `check` is enabled; use it to skip expensive work.
    pub fn enabled(&self, check: &CheckInfo) -> bool {
        self.config.is_enabled(check)
    }

    /// Reports a finding of `check` at `span` of the current file. The message is redacted.
    /// Chain `.help(..)`, `.fix(..)`, `.severity(..)` on the result.
    pub fn report(
        &mut self,
        check: &'static CheckInfo,
        span: Span,
        message: impl AsRef<str>,
    ) -> &mut Diagnostic {
        let text = &self.file.text;
        let start = span.start.min(text.len());
        let end = span.end.clamp(start, text.len());
        let (line, column) = self.file.line_col(start);
        let (end_line, end_column) = self.file.line_col(end);
        self.diagnostics.push(Diagnostic {
            check: check.id,
            severity: check.default_severity,
            file: self.file.display.clone(),
            line,
            column,
            end_line,
            end_column,
            message: buildmedic_redact::redact(message.as_ref()).into_owned(),
            help: None,
            fixable: false,
            span: start..end,
            fix: None,
        });
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    /// The findings, without configuration or suppressions applied (for tests and tools
    /// that drive checks directly).
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }

    /// Findings so far (for checks that depend on other checks' results in the same file).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}
