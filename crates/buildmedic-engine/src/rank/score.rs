//! Where a match is and whether its step's command fits the signature: the location and
//! context parts of a [`Score`](crate::Score).

use buildmedic_log::{LogSummary, StepId, StepStatus};

use crate::diagnosis::Location;

/// Where a match in `step` is, given the step the framing says failed.
pub(crate) fn locate(
    step: Option<StepId>,
    failing: Option<StepId>,
    summary: &LogSummary,
) -> Location {
    if failing.is_some() && failing == step {
        return Location::FailingStep;
    }
    let Some(st) = step.and_then(|s| summary.step(s)) else {
        return Location::NoStep;
    };
    match st.status {
        StepStatus::Failed => Location::OtherFailedStep,
        StepStatus::Done | StepStatus::Cached => Location::SucceededStep,
        // Without a failing step, the last step that never finished is where the log stops.
        StepStatus::Running | StepStatus::Canceled
            if failing.is_none() && summary.last_running_step == step =>
        {
            Location::FailingStep
        }
        StepStatus::Running | StepStatus::Canceled => Location::UnfinishedStep,
    }
}

/// Whether `command` runs one of `tools` (`pip`, `pip3`, `/usr/bin/pip`, `python -m pip`).
pub(crate) fn mentions_tool(command: &str, tools: &[String]) -> bool {
    let lower = command.to_ascii_lowercase();
    tools.iter().any(|t| {
        lower
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .any(|w| w == t || w.starts_with(&format!("{t}3")) || w.ends_with(&format!("/{t}")))
            || lower.contains(&format!("/{t} "))
            || lower.contains(&format!("-m {t}"))
    })
}

/// Commands that run a script hide which tools they use.
pub(crate) fn looks_opaque(command: &str) -> bool {
    let c = command.trim();
    c.contains(".sh")
        || c.starts_with("./")
        || c.starts_with("make")
        || c.contains("bash ")
        || c.is_empty()
}
