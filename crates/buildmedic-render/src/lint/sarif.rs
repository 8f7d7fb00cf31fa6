//! SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`).

use std::collections::BTreeSet;

use buildmedic_lint::{LintReport, Severity, find_check};
use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, Region,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif,
    Tool, ToolComponent,
};

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

/// One SARIF log with one run; rules are the checks that produced results.
pub fn render(report: &LintReport) -> String {
    let used: BTreeSet<&str> = report.diagnostics.iter().map(|d| d.check).collect();
    let rules: Vec<ReportingDescriptor> = used
        .iter()
        .map(|id| {
            let info = find_check(id);
            let summary = info.map(|c| c.summary()).unwrap_or_default();
            let doc = info.map(|c| c.doc_markdown()).unwrap_or_default();
            let severity = info.map_or(Severity::Warning, |c| c.default_severity);
            ReportingDescriptor::builder()
                .id(*id)
                .name(*id)
                .short_description(
                    MultiformatMessageString::builder()
                        .text(summary.clone())
                        .build(),
                )
                .full_description(MultiformatMessageString::builder().text(summary).build())
                .help(
                    MultiformatMessageString::builder()
                        .text(doc.clone())
                        .markdown(doc)
                        .build(),
                )
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(serde_json::json!(level(severity).to_string()))
                        .build(),
                )
                .build()
        })
        .collect();
    let results: Vec<SarifResult> = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            let region = Region::builder()
                .start_line(d.line as i64)
                .start_column(d.column as i64)
                .end_line(d.end_line as i64)
                .end_column(d.end_column.max(d.column) as i64)
                .build();
            let location = Location::builder()
                .physical_location(
                    PhysicalLocation::builder()
                        .artifact_location(ArtifactLocation::builder().uri(uri(&d.file)).build())
                        .region(region)
                        .build(),
                )
                .build();
            SarifResult::builder()
                .rule_id(d.check)
                .rule_index(used.iter().position(|u| *u == d.check).unwrap_or(0) as i64)
                .level(level(d.severity))
                .message(Message::builder().text(text).build())
                .locations(vec![location])
                .build()
        })
        .collect();
    let driver = ToolComponent::builder()
        .name("buildmedic")
        .information_uri("https://github.com/buildmedic/buildmedic")
        .version(env!("CARGO_PKG_VERSION"))
        .rules(rules)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .build();
    let sarif = Sarif::builder()
        .schema(serde_sarif::sarif::SCHEMA_URL)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut s = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    s.push('\n');
    s
}

/// Relative paths stay relative (code scanning resolves them against the checkout); the
/// `#fragment` of virtual sources is dropped.
fn uri(path: &str) -> String {
    let path = path.split('#').next().unwrap_or(path);
    path.replace('\\', "/").replace(' ', "%20")
}
