//! Why a diagnosis came out as it did: every match with its score and the gate that dropped
//! it, every kind with its score and outcome, and the reasons for the status and the primary
//! (`buildmedic rules trace LOG`).

use serde::Serialize;

use crate::diagnosis::{Location, Score};

#[derive(Debug, Clone, Default, Serialize)]
pub struct Trace {
    /// Every match the scanner kept, in line order.
    pub matches: Vec<TracedMatch>,
    /// Every kind that had a counted match, strongest first.
    pub kinds: Vec<TracedKind>,
    /// Why the build counts as failed or succeeded.
    pub status: String,
    /// Why the primary won (or why there is none).
    pub primary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TracedMatch {
    /// `kind/id`.
    pub signature: String,
    pub line: u64,
    pub text: String,
    /// The step index, when the line is in a step.
    pub step: Option<u32>,
    pub location: Location,
    pub score: Score,
    pub value: f32,
    /// Why the match does not count, when it does not.
    pub dropped: Option<String>,
    pub fatal: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TracedKind {
    pub kind: String,
    pub score: f32,
    pub first_line: u64,
    /// `primary`, `secondary`, `warning`, `suppressed: explained by X`, `below min_finding`,
    /// `below min_primary`.
    pub outcome: String,
}
