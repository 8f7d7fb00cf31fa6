//! The `buildmedic.lint/v1` JSON contract.

use buildmedic_lint::{Diagnostic, InputError, LintReport};
use serde::Serialize;

#[derive(Serialize)]
struct JsonReport<'a> {
    schema: &'static str,
    files: Vec<&'a str>,
    diagnostics: &'a [Diagnostic],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [InputError],
}

/// One JSON document (pretty-printed, trailing newline).
pub fn render(report: &LintReport) -> String {
    let doc = JsonReport {
        schema: buildmedic_lint::JSON_SCHEMA,
        files: report.file_names(),
        diagnostics: &report.diagnostics,
        errors: &report.errors,
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
