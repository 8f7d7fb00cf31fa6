//! Every number ranking uses, in one documented place.
//!
//! A match scores `weight × location × context` ([`crate::Score`]): the signature's weight
//! (how specific the message is), where the match is (the location factors below), and
//! whether the step's command fits the signature's tools. The defaults were tuned on the
//! fixtures of `knowledge/` and the labelled corpus; `knowledge/README.md`'s "Ranking" table is
//! generated from [`RankPolicy::default`] ([`RankPolicy::markdown`]), so the prose cannot drift.

use serde::Serialize;

use crate::diagnosis::Location;

/// Location factors: how much a match counts where it is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LocationFactors {
    /// In the step the framing says failed (or, without one, the last step still running).
    pub failing_step: f32,
    /// Outside any step (snippets, summaries) when the log frames a failing step.
    pub no_step_with_failing: f32,
    /// Outside any step when the log frames no failing step (an excerpt, plain tool output).
    pub no_step_without_failing: f32,
    /// In another step that failed.
    pub other_failed_step: f32,
    /// In a step that never finished, when another step is the failing one.
    pub unfinished_with_failing: f32,
    /// In a step that never finished (not the last), when the log frames no failing step.
    pub unfinished_without_failing: f32,
    /// In a step that succeeded: red herrings live there.
    pub succeeded_step: f32,
}

/// The ranking policy. [`RankPolicy::default`] is what buildmedic uses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankPolicy {
    pub location: LocationFactors,
    /// Context factor of a signature whose `tools` the step's known, explicit command does not
    /// mention (a pip message in a step that runs apt-get).
    pub tool_mismatch: f32,
    /// Kinds scoring below this are noise, not findings.
    pub min_finding: f32,
    /// A fatal match this strong, not followed by a success verdict, makes the build failed.
    pub min_fatal: f32,
    /// Error-line rank (see `Matcher::error_rank`) that makes an unframed log without any
    /// finding a failure (`unknown`).
    pub min_unknown_rank: u8,
    /// Below this the primary is `unknown`, with the best candidate error lines.
    pub min_primary: f32,
    /// Kinds whose scores differ by at most this are tied; the earliest line wins.
    pub tie: f32,
    /// A kind suppresses one it `explains` when it scores at least this share of the other.
    pub explain_ratio: f32,
    /// Confidence bonus per further signature of the same kind that agrees (at most
    /// `agreement_max` signatures count).
    pub agreement_bonus: f32,
    pub agreement_max: usize,
    /// Confidence is clamped to this range.
    pub confidence_min: f32,
    pub confidence_max: f32,
    /// Evidence comes from a kind's strongest matches: at most this many ...
    pub evidence_matches: usize,
    /// ... scoring at least this share of the kind's best ...
    pub evidence_share: f32,
    /// ... and at most this many lines in all.
    pub max_evidence: usize,
    /// Confidence of an `unknown` finding.
    pub unknown_confidence: f32,
    /// Candidate lines of an `unknown` finding: at least this error rank when any has it ...
    pub unknown_min_rank: u8,
    /// ... at most this many ...
    pub unknown_max_lines: usize,
    /// ... or else the step's last lines, this many.
    pub unknown_tail_lines: usize,
    /// Values kept per entity in a finding.
    pub max_entity_values: usize,
    /// Values kept per context entity (commands, images, packages of install commands).
    pub max_context_values: usize,
}

impl Default for RankPolicy {
    fn default() -> Self {
        RankPolicy {
            location: LocationFactors {
                failing_step: 1.0,
                no_step_with_failing: 0.85,
                no_step_without_failing: 1.0,
                other_failed_step: 0.8,
                unfinished_with_failing: 0.5,
                unfinished_without_failing: 0.7,
                succeeded_step: 0.15,
            },
            tool_mismatch: 0.4,
            min_finding: 0.2,
            min_fatal: 0.2,
            min_unknown_rank: 4,
            min_primary: 0.25,
            tie: 0.05,
            explain_ratio: 0.5,
            agreement_bonus: 0.03,
            agreement_max: 3,
            confidence_min: 0.05,
            confidence_max: 0.99,
            evidence_matches: 4,
            evidence_share: 0.5,
            max_evidence: 12,
            unknown_confidence: 0.2,
            unknown_min_rank: 3,
            unknown_max_lines: 6,
            unknown_tail_lines: 4,
            max_entity_values: 16,
            max_context_values: 4,
        }
    }
}

impl RankPolicy {
    /// The factor of a location; `has_failing` says whether the log frames a failing step.
    pub fn location_factor(&self, location: Location, has_failing: bool) -> f32 {
        let l = &self.location;
        match location {
            Location::FailingStep => l.failing_step,
            Location::NoStep if has_failing => l.no_step_with_failing,
            Location::NoStep => l.no_step_without_failing,
            Location::OtherFailedStep => l.other_failed_step,
            Location::UnfinishedStep if has_failing => l.unfinished_with_failing,
            Location::UnfinishedStep => l.unfinished_without_failing,
            Location::SucceededStep => l.succeeded_step,
        }
    }

    /// The policy as the Markdown table of `knowledge/README.md`'s "Ranking" section.
    pub fn markdown(&self) -> String {
        let l = &self.location;
        let f = |x: f32| format!("{x:?}");
        let rows: Vec<(&str, String)> = vec![
            ("location: in the failing step", f(l.failing_step)),
            (
                "location: outside any step, the log frames a failing step",
                f(l.no_step_with_failing),
            ),
            (
                "location: outside any step, no failing step framed (excerpts, plain output)",
                f(l.no_step_without_failing),
            ),
            (
                "location: in another step that failed",
                f(l.other_failed_step),
            ),
            (
                "location: in an unfinished step, another step failed",
                f(l.unfinished_with_failing),
            ),
            (
                "location: in an unfinished step, no failing step framed (the last running step counts as failing)",
                f(l.unfinished_without_failing),
            ),
            (
                "location: in a step that succeeded (red herrings)",
                f(l.succeeded_step),
            ),
            (
                "context: the step's command does not mention the signature's `tools`",
                f(self.tool_mismatch),
            ),
            ("a kind scoring less is not a finding", f(self.min_finding)),
            (
                "a fatal match scoring at least this, not followed by a success verdict, makes the build failed",
                f(self.min_fatal),
            ),
            (
                "a primary scoring less gives way to `unknown`",
                f(self.min_primary),
            ),
            (
                "scores this close are a tie, won by the earliest line",
                f(self.tie),
            ),
            (
                "an `explains` kind suppresses the other at this share of its score",
                f(self.explain_ratio),
            ),
            (
                "confidence bonus per further agreeing signature of the same kind",
                format!(
                    "{} (at most {} signatures count)",
                    f(self.agreement_bonus),
                    self.agreement_max
                ),
            ),
            (
                "evidence: strongest matches of a kind, scoring at least this share of its best",
                format!(
                    "{} (at most {})",
                    f(self.evidence_share),
                    self.evidence_matches
                ),
            ),
            (
                "confidence of an `unknown` finding",
                f(self.unknown_confidence),
            ),
        ];
        let mut out = String::from("| what | value |\n|---|---|\n");
        for (what, value) in rows {
            out.push_str(&format!("| {what} | {value} |\n"));
        }
        out
    }
}
