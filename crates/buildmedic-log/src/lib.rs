//! Reading container image build logs: bytes in, cleaned lines and steps out.
//!
//! This crate owns everything about the *shape* of a log and nothing about what went wrong
//! in it. It reads any bytes (gzip, huge lines, invalid UTF-8, ANSI codes, carriage-return
//! progress bars) in bounded memory, peels off the prefixes of the system that captured the
//! log (timestamps, GitHub Actions, ACR, CodeBuild, Cloud Build), recognises the builder's
//! framing (docker legacy builder, BuildKit plain and tty), splits the log into steps and
//! says which step failed as far as the framing tells.
//!
//! ```text
//! Read ──► reader (buffer, lines) ──► framing: prefix (wrappers) ──► clean (CR, ANSI)
//!          ──► legacy / buildkit / ci (steps, verdicts; step_table) ──► Sink
//!          ... end of input ──► resolve (failing step, builder, verdict) ──► LogSummary
//! ```
//!
//! Consumers implement [`Sink`] and get [`Batch`]es of lines; see `reader` for why.

pub mod clean;
pub mod framing;
pub mod input;
mod parallel;
pub mod prefix;
pub mod prompt;
mod reader;
mod resolve;
mod step_table;
pub mod steps;

use serde::Serialize;

pub use input::{InputError, open_input, open_input_with};
pub use parallel::{POOL_LIMIT, ParallelSink, read_log_parallel};
pub use prefix::Wrapper;
pub use reader::{
    Batch, CarriedLines, LineFlags, LineRec, NullSink, ReaderOptions, Sink, read_log, read_log_with,
};
pub use step_table::{MAX_STEPS, StepEvent};
pub use steps::{Step, StepId, StepOrigin, StepStatus};

/// The builder whose framing the log shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Builder {
    /// `Step 3/12 : …` — docker's legacy builder (also inside ACR tasks and Azure ML builds).
    Legacy,
    /// `#8 [3/7] …`, ` => [3/7] …`, `failed to solve` — BuildKit / buildx.
    Buildkit,
    /// `STEP 3/7: …`, `building at STEP "…"` — podman build / buildah.
    Buildah,
    /// No builder framing: raw terminal output of conda, pip, apt-get, make, ...
    Plain,
}

impl Builder {
    pub fn as_str(self) -> &'static str {
        match self {
            Builder::Legacy => "legacy",
            Builder::Buildah => "buildah",
            Builder::Buildkit => "buildkit",
            Builder::Plain => "plain",
        }
    }
}

/// What the framing says about the build as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BuildVerdict {
    /// A failure verdict (`returned a non-zero code`, `failed to solve`, a failed step...).
    Failed,
    /// The last verdict is a success (`Successfully built`, `Run ID … was successful`).
    Succeeded,
    /// The log shows no verdict (a snippet, a truncated log, plain tool output).
    Unknown,
}

/// A builder or CI line that gives a verdict on the build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerdictLine {
    pub line: u64,
    pub exit_code: Option<i32>,
    /// The failed shell command, when the line names it.
    pub command: Option<String>,
}

/// The instruction a BuildKit code frame marks (`  23 | >>> RUN set -x \`, moby/buildkit
/// `solver/errdefs/source.go` `Source.Print`): its marked lines joined, continuations undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FramedInstruction {
    /// The line of the frame's `Dockerfile:N` header.
    pub line: u64,
    /// `RUN`, `COPY`, ... upper-cased.
    pub instruction: String,
    /// The instruction's arguments, options (`--mount=...`) included.
    pub args: String,
}

/// What reading a whole log established.
#[derive(Debug, Clone, Serialize)]
pub struct LogSummary {
    pub builder: Builder,
    /// Capturing systems seen in line prefixes, in a fixed order.
    pub wrappers: Vec<Wrapper>,
    pub steps: Vec<Step>,
    /// Steps beyond the recording limit (their lines are attributed to no step).
    pub steps_dropped: u64,
    /// The step the framing says failed.
    pub failing_step: Option<StepId>,
    /// The last step that started and never ended: the failing step of a log that shows an
    /// error but no verdict (a legacy build cut after `E: Unable to locate package`).
    pub last_running_step: Option<StepId>,
    pub verdict: BuildVerdict,
    pub failures: Vec<VerdictLine>,
    pub successes: Vec<VerdictLine>,
    /// The instruction the first complete code frame marks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_frame: Option<FramedInstruction>,
    /// Images the daemon's pull progress names (`latest: Pulling from library/mysql` gives
    /// `mysql:latest`), with their lines, in line order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub announced_images: Vec<(u64, String)>,
    /// Number of lines and bytes read (bytes after gzip decoding).
    pub lines: u64,
    pub bytes: u64,
}

impl LogSummary {
    pub fn step(&self, id: StepId) -> Option<&Step> {
        self.steps.get(id.index())
    }

    /// The format name used in output: the capturing system when it frames the build itself
    /// (ACR tasks), else the builder.
    pub fn format_name(&self) -> &'static str {
        if self.wrappers.contains(&Wrapper::Acr) {
            "acr"
        } else {
            self.builder.as_str()
        }
    }
}
