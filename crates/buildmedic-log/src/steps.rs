//! Steps of a build: what ran, where in the log, and how it ended.

use serde::Serialize;

/// Index of a step in [`crate::LogSummary::steps`]; [`StepId::NONE`] for lines outside steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct StepId(pub u32);

impl StepId {
    pub const NONE: StepId = StepId(u32::MAX);

    pub fn get(self) -> Option<usize> {
        (self != Self::NONE).then_some(self.0 as usize)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    /// Started; the log shows no end (the last step of a failed legacy build, a truncated log).
    Running,
    /// Served from the layer cache.
    Cached,
    /// Finished successfully.
    Done,
    /// Reported as failed by the builder.
    Failed,
    /// Cancelled because another step failed.
    Canceled,
}

impl StepStatus {
    pub fn succeeded(self) -> bool {
        matches!(self, StepStatus::Done | StepStatus::Cached)
    }
}

/// Which kind of framing produced a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepOrigin {
    /// `Step 3/12 : …` (docker legacy builder, ACR tasks, Azure ML VM builds).
    Legacy,
    /// `#8 [3/7] …` (BuildKit plain progress).
    Buildkit,
    /// ` => [3/7] …` / ` > [3/7] …:` (BuildKit tty progress and error summary).
    BuildkitTty,
    /// Not framed in the log; reconstructed from a failure line such as
    /// `The command '/bin/sh -c …' returned a non-zero code: 1`.
    FailureLine,
}

/// One step of the build as the log frames it.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub origin: StepOrigin,
    /// `N` of `[N/M]` or `Step N/M`.
    pub index: Option<u32>,
    /// `[3/7]`, `[builder 3/7]`, `Step 3/12`, `#8`.
    pub label: Option<String>,
    /// The Dockerfile instruction (`RUN`, `COPY`, ...), upper-cased.
    pub instruction: Option<String>,
    /// The instruction's arguments or the step's description, at most [`MAX_COMMAND`] bytes.
    pub command: String,
    /// First and last line (1-based) attributed to the step.
    pub first_line: u64,
    pub last_line: u64,
    pub status: StepStatus,
    pub exit_code: Option<i32>,
    /// Line of the builder's failure report for this step.
    pub failed_at: Option<u64>,
    /// BuildKit vertex id (`#8`).
    #[serde(skip)]
    pub buildkit_id: Option<u32>,
}

/// Commands longer than this are cut (at a character boundary) when stored.
pub const MAX_COMMAND: usize = 4096;

pub(crate) fn lossy_truncated(bytes: &[u8]) -> String {
    crate::clean::lossy_prefix(bytes, MAX_COMMAND).0
}

/// Normalises a command for comparison between a step header and a failure line:
/// whitespace runs collapse, surrounding whitespace goes.
pub(crate) fn same_command(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let (a, b) = (norm(a), norm(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    // Builders abbreviate long commands differently; a long common prefix is the same step.
    // Compared as bytes: byte 40 may fall inside a character.
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a == b || (a.len().min(b.len()) >= 40 && a[..40] == b[..40])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_comparison() {
        assert!(same_command("pip  install x", "pip install x "));
        assert!(!same_command("pip install x", "pip install y"));
        assert!(!same_command("", ""));
        let long = "conda env create -f environment.yml && conda clean -afy && rm -rf /tmp/*";
        assert!(same_command(long, &long[..45]));
    }

    #[test]
    fn truncation_keeps_char_boundaries() {
        let s = "é".repeat(MAX_COMMAND);
        let t = lossy_truncated(s.as_bytes());
        assert!(t.len() <= MAX_COMMAND);
        assert!(!t.ends_with('\u{fffd}'));
    }
}
