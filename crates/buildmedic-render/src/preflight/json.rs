//! `{"schema":"buildmedic.preflight/v1","checks":[...]}`, one line.

use buildmedic_preflight::{Check, JSON_SCHEMA, PreflightReport};

#[derive(serde::Serialize)]
struct Doc<'a> {
    schema: &'a str,
    checks: &'a [Check],
}

pub fn render(report: &PreflightReport) -> String {
    let doc = Doc {
        schema: JSON_SCHEMA,
        checks: &report.checks,
    };
    let mut s = serde_json::to_string(&doc).unwrap_or_else(|e| {
        format!("{{\"schema\":\"{JSON_SCHEMA}\",\"checks\":[],\"error\":\"{e}\"}}")
    });
    s.push('\n');
    s
}
