//! Markdown for job summaries: a table of every check, then the advice for the failing and
//! risky ones.

use buildmedic_preflight::PreflightReport;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn render(report: &PreflightReport) -> String {
    let mut out = String::from("## buildmedic preflight\n\n");
    out.push_str(&format!("{}\n\n", super::summary(report)));
    if report.checks.is_empty() {
        return out;
    }
    out.push_str("| | check | target | status | kind | message |\n|---|---|---|---|---|---|\n");
    for c in &report.checks {
        let icon = match super::severity(c) {
            "error" => "❌",
            "warning" => "⚠️",
            _ => "✅",
        };
        out.push_str(&format!(
            "| {icon} | {} | `{}` | {} | {} | {} |\n",
            c.check.as_str(),
            cell(&c.target),
            c.status.as_str(),
            c.kind.map(|k| format!("`{k}`")).unwrap_or_default(),
            cell(&c.message)
        ));
    }
    let advised: Vec<_> = report
        .checks
        .iter()
        .filter(|c| (c.fails() || c.is_warning()) && c.details.help.is_some())
        .collect();
    if !advised.is_empty() {
        out.push_str("\n### What to do\n\n");
        for c in advised {
            let at = c
                .details
                .source
                .as_ref()
                .map(|s| format!(" ({}:{})", s.file, s.line))
                .unwrap_or_default();
            out.push_str(&format!(
                "- `{}`{at}: {}\n",
                cell(&c.target),
                cell(c.details.help.as_deref().unwrap_or(""))
            ));
        }
    }
    out
}
