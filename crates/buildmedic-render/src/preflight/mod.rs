//! Renderers of preflight reports: `text` (one block per failing check, a line per passing
//! one, a summary), `json` (`buildmedic.preflight/v1`), `markdown` (a table for job
//! summaries) and `github` (workflow annotations).
//!
//! Messages arrive redacted from buildmedic-preflight; renderers only arrange them.

mod github;
mod json;
mod markdown;
mod text;

pub use github::render as github;
pub use json::render as json;
pub use markdown::render as markdown;
pub use text::{TextOptions, render as text};

use buildmedic_preflight::{Check, PreflightReport, Status};

/// Output formats of `buildmedic preflight`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreflightFormat {
    Text,
    Json,
    Markdown,
    Github,
}

/// Renders `report` in `format` (text options: no colour).
pub fn render(report: &PreflightReport, format: PreflightFormat) -> String {
    match format {
        PreflightFormat::Text => text(report, &TextOptions::default()),
        PreflightFormat::Json => json(report),
        PreflightFormat::Markdown => markdown(report),
        PreflightFormat::Github => github(report),
    }
}

/// `error`, `warning` or `ok`.
fn severity(c: &Check) -> &'static str {
    if c.fails() {
        "error"
    } else if c.is_warning() {
        "warning"
    } else {
        "ok"
    }
}

/// `12 checks: 9 ok, 1 warning, 2 failed (1 not-found, 1 unauthorized)`.
fn summary(report: &PreflightReport) -> String {
    let n = report.checks.len();
    let failed: Vec<&Check> = report.checks.iter().filter(|c| c.fails()).collect();
    let warnings = report.checks.iter().filter(|c| c.is_warning()).count();
    let ok = n - failed.len() - warnings;
    let mut s = format!("{n} check{}: {ok} ok", if n == 1 { "" } else { "s" });
    if warnings > 0 {
        s.push_str(&format!(
            ", {warnings} warning{}",
            if warnings == 1 { "" } else { "s" }
        ));
    }
    if !failed.is_empty() {
        let order = [
            Status::NotFound,
            Status::Unauthorized,
            Status::Forbidden,
            Status::Unreachable,
            Status::RateLimited,
            Status::Invalid,
            Status::Error,
        ];
        let parts: Vec<String> = order
            .iter()
            .filter_map(|st| {
                let k = failed.iter().filter(|c| c.status == *st).count();
                (k > 0).then(|| format!("{k} {}", st.as_str()))
            })
            .collect();
        s.push_str(&format!(", {} failed ({})", failed.len(), parts.join(", ")));
    }
    s
}

#[cfg(test)]
mod tests;
