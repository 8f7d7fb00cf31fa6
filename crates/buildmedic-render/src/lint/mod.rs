//! Renderers of lint reports: `text` (code frames), `json` (`buildmedic.lint/v1`), `sarif`
//! (SARIF 2.1.0 for code scanning) and `github` (workflow annotations).
//!
//! Messages arrive redacted from buildmedic-lint; the text renderer also redacts the source
//! lines it quotes, since a frame shows raw file content.

mod github;
mod json;
mod sarif;
mod text;

pub use github::render as github;
pub use json::render as json;
pub use sarif::render as sarif;
pub use text::{TextOptions, render as text};

/// Output formats of `buildmedic lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LintFormat {
    Text,
    Json,
    Sarif,
    Github,
}

/// Renders `report` in `format` (text options: no colour).
pub fn render(report: &buildmedic_lint::LintReport, format: LintFormat) -> String {
    match format {
        LintFormat::Text => text(report, &TextOptions::default()),
        LintFormat::Json => json(report),
        LintFormat::Sarif => sarif(report),
        LintFormat::Github => github(report),
    }
}

#[cfg(test)]
mod tests;
