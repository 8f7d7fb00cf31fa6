//! Steps of a build: what ran, where in the log, and how it ended.

use std::num::NonZeroU32;

use serde::Serialize;

/// Index of a step in [`crate::LogSummary::steps`]. Lines outside any step have no step:
/// `Option<StepId>` is the one way to say so (it is as small as a `u32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StepId(NonZeroU32);

impl StepId {
    /// The id of `steps[index]`; `None` past `u32::MAX - 1` steps.
    pub fn from_index(index: usize) -> Option<StepId> {
        u32::try_from(index)
            .ok()
            .and_then(|i| i.checked_add(1))
            .and_then(NonZeroU32::new)
            .map(StepId)
    }

    /// Position in [`crate::LogSummary::steps`].
    pub fn index(self) -> usize {
        (self.0.get() - 1) as usize
    }
}

impl Serialize for StepId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.index() as u64)
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
    /// `STEP 3/7: …` (podman build, buildah).
    Buildah,
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

/// A command or label as stored in a [`Step`].
pub(crate) fn step_text(bytes: &[u8]) -> String {
    crate::clean::lossy_text(bytes, MAX_COMMAND, crate::clean::Cut::Silent)
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
        let t = step_text(s.as_bytes());
        assert!(t.len() <= MAX_COMMAND);
        assert!(!t.ends_with('\u{fffd}'));
    }

    #[test]
    fn step_ids_round_trip_and_fit_a_u32() {
        assert_eq!(StepId::from_index(0).map(StepId::index), Some(0));
        assert_eq!(StepId::from_index(41).map(StepId::index), Some(41));
        assert!(StepId::from_index(u32::MAX as usize).is_none());
        assert_eq!(std::mem::size_of::<Option<StepId>>(), 4);
    }
}
