//! GitHub Actions workflow commands: `::error file=..,line=..,col=..,title=..::message`.

use crate::github_command::{escape_data, escape_property};
use buildmedic_lint::{LintReport, Severity};

/// One annotation per diagnostic (and per input error).
pub fn render(report: &LintReport) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&d.file),
            d.line,
            d.column,
            d.end_line,
            d.end_column,
            escape_property(&format!("buildmedic {}", d.check)),
            escape_data(&message),
        ));
    }
    for e in &report.errors {
        out.push_str(&format!(
            "::error file={},title=buildmedic lint::{}\n",
            escape_property(&e.path),
            escape_data(&e.message)
        ));
    }
    out
}
