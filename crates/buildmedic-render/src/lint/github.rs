//! GitHub Actions workflow commands: `::error file=..,line=..,col=..,title=..::message`.

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

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
