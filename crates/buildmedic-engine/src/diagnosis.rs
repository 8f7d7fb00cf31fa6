//! The diagnosis: what buildmedic concluded about one log. This is the JSON contract
//! `buildmedic.diagnosis/v1`; outside tools depend on it, so fields are only ever added.

use std::collections::BTreeMap;

use serde::Serialize;

pub use buildmedic_kb::Severity;

pub const SCHEMA: &str = "buildmedic.diagnosis/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Failed,
    Succeeded,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    pub schema: &'static str,
    /// The path given on the command line, or `-` for stdin.
    pub source: String,
    pub status: Status,
    /// `legacy`, `buildkit`, `acr` or `plain`.
    pub format: &'static str,
    /// Capturing systems seen in line prefixes (`github-actions`, `timestamps`, ...).
    pub wrappers: Vec<&'static str>,
    pub failing_step: Option<FailingStep>,
    /// The primary finding first, then secondary findings by decreasing confidence.
    pub findings: Vec<Finding>,
    /// Findings explained away by the root cause.
    pub suppressed: Vec<Suppressed>,
    pub stats: Stats,
}

impl Diagnosis {
    pub fn primary(&self) -> Option<&Finding> {
        self.findings.iter().find(|f| f.primary)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FailingStep {
    /// `N` of `Step N/M` or `[N/M]`, when the log gives it.
    pub index: Option<u32>,
    /// The builder's label: `Step 7/12`, `[3/7]`, `[builder 3/7]`, `#8`.
    pub label: Option<String>,
    pub instruction: Option<String>,
    pub command: String,
    pub exit_code: Option<i32>,
    /// First and last line of the step.
    pub lines: [u64; 2],
    /// What the exit code usually means (`137` → killed, usually out of memory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_meaning: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub kind: String,
    pub primary: bool,
    /// `error` for failures; `warning` for a latent problem (a finding of a build that may
    /// have succeeded, or a secondary finding that did not make it fail).
    pub severity: Severity,
    pub title: String,
    /// The strongest match's score plus the agreement bonus (see [`Finding::score`]).
    pub confidence: f32,
    /// The strongest match's score, taken apart: `weight × location × context`.
    pub score: Score,
    /// Line numbers of the evidence, one per `evidence` entry.
    pub lines: Vec<u64>,
    /// The evidence lines, cleaned and redacted.
    pub evidence: Vec<String>,
    pub entities: BTreeMap<String, Vec<String>>,
    pub causes: Vec<String>,
    pub affected: Vec<String>,
    /// Fix steps, with the log's own names filled in.
    pub steps: Vec<String>,
    pub references: Vec<String>,
    /// The signatures that matched (`kind/id`), strongest first.
    pub signatures: Vec<String>,
    /// Where the evidence is: in the failing step, outside any step, or in a step that
    /// succeeded.
    pub location: Location,
    /// The definition line that asked for what failed (`diagnose --env`); absent when no
    /// definition was given or none of its lines matches the finding's entities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<DefinitionLine>,
    /// A suggested edit of that definition (`diagnose --env`), when one is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edit: Option<DefinitionEdit>,
}

/// Where in an environment definition a finding's cause is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefinitionLine {
    /// The definition file as given (`envs/environment.yml`).
    pub file: String,
    /// 1-based line and column (columns count characters); the end column is just after
    /// the last character.
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// What is written there that the log blames (`conda spec tensorflow=9.99`).
    pub what: String,
    /// The definition's lines around it (redacted), for a code frame.
    pub frame: Vec<FrameLine>,
    /// Lint findings on those lines.
    pub lint: Vec<LintNote>,
}

/// One numbered line of a definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrameLine {
    pub line: usize,
    pub text: String,
}

/// A lint finding on the definition line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintNote {
    pub check: String,
    pub line: usize,
    pub message: String,
}

/// A suggested edit of a definition file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefinitionEdit {
    pub file: String,
    /// A unified diff (`--- a/FILE` / `+++ b/FILE`), redacted.
    pub diff: String,
    /// One sentence saying what the edit does and why.
    pub description: String,
    /// `verified` (preflight found what the edit asks for), `from-log` (the log lists it),
    /// `build-context` (the file is in the build context), `lint` (lint's own fix, which
    /// removes lint's finding) or `not-verified` (`--offline`, or preflight could not tell).
    pub verification: &'static str,
    /// What preflight said, when it was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preflight: Option<String>,
}

/// A match's score, taken apart (see `RankPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Score {
    /// The signature's weight: how specific the message is (0..=1).
    pub weight: f32,
    /// Where the match is: the failing step 1.0, a step that succeeded 0.15, ...
    pub location: f32,
    /// 1.0, or less when the step's command does not run the signature's tools.
    pub context: f32,
}

impl Score {
    pub fn value(&self) -> f32 {
        self.weight * self.location * self.context
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Location {
    FailingStep,
    NoStep,
    OtherFailedStep,
    UnfinishedStep,
    SucceededStep,
}

#[derive(Debug, Clone, Serialize)]
pub struct Suppressed {
    pub kind: String,
    pub reason: String,
    pub lines: Vec<u64>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Stats {
    pub lines: u64,
    pub bytes: u64,
    pub steps: usize,
}

/// What an exit code usually means in a build.
pub fn exit_meaning(code: i32) -> Option<&'static str> {
    Some(match code {
        2 => "misuse of a shell builtin, or make's failure code",
        100 => "apt-get failed",
        126 => "command found but not executable",
        127 => "command not found",
        130 => "interrupted (SIGINT)",
        137 => "killed (SIGKILL), usually by the out-of-memory killer",
        139 => "segmentation fault",
        143 => "terminated (SIGTERM), often a timeout or cancellation",
        247 => "conda exited abnormally, seen on memory-starved builds",
        -15 => "terminated (SIGTERM)",
        _ => return None,
    })
}
