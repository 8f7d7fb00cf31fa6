//! Renderers of build-log diagnoses. Each takes a finished [`Diagnosis`] and writes it; none
//! looks at the log again.

mod github;
mod json;
mod markdown;
mod text;

pub use github::github;
pub use json::json;
pub use markdown::markdown;
pub use text::text;

use buildmedic_engine::Diagnosis;

/// Output formats of `buildmedic diagnose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Github,
}

/// Renders one diagnosis in `format`. Text uses colours only when `color` is set.
pub fn render(d: &Diagnosis, format: Format, color: bool) -> String {
    match format {
        Format::Text => text(d, color),
        Format::Json => json(d),
        Format::Markdown => markdown(d),
        Format::Github => github(d),
    }
}

/// `[3/7] RUN pip install x` / `Step 7/12 RUN ...` — how a step is named in prose.
pub(crate) fn step_title(step: &buildmedic_engine::FailingStep) -> String {
    let mut parts = Vec::new();
    if let Some(l) = &step.label {
        parts.push(l.clone());
    }
    if let Some(i) = &step.instruction {
        parts.push(i.clone());
    }
    parts.push(shorten(&step.command, 160));
    parts.join(" ")
}

pub(crate) fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
