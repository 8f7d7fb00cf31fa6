//! GitHub Actions workflow commands: `::error file=..,line=..,title=..::message` for
//! failing checks, `::warning` for risky ones, nothing for passing ones.

use crate::github_command::{escape_data, escape_property};
use buildmedic_preflight::PreflightReport;

pub fn render(report: &PreflightReport) -> String {
    let mut out = String::new();
    for c in &report.checks {
        let command = match super::severity(c) {
            "error" => "error",
            "warning" => "warning",
            _ => continue,
        };
        let mut props = Vec::new();
        if let Some(src) = &c.details.source {
            props.push(format!("file={}", escape_property(&src.file)));
            props.push(format!("line={}", src.line));
        }
        props.push(format!(
            "title={}",
            escape_property(&format!(
                "buildmedic preflight {}",
                c.kind.unwrap_or(c.status.as_str())
            ))
        ));
        let mut message = format!("{} {}: {}", c.check.as_str(), c.target, c.message);
        if let Some(help) = &c.details.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{command} {}::{}\n",
            props.join(","),
            escape_data(&message)
        ));
    }
    out
}
