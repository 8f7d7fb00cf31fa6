//! The scanner: batches of lines in, signature matches and candidate error lines out, per
//! step, in bounded memory.
//!
//! Matches are kept per step because which step failed is only known at the end of the
//! log. A step that succeeds is pruned at the line where the reader says so (a
//! [`buildmedic_log::StepEvent`]): its matches (often red herrings such as pip's resolver
//! notice) shrink to a few per signature, so a gigabyte of successful steps does not grow
//! memory.
//!
//! # Chunks and the merge
//!
//! Scanning a batch ([`chunk::scan`]) needs nothing from earlier batches: it produces a
//! [`chunk::ChunkPart`], what the batch holds per step, split at the step's success events.
//! [`merge::Merger`] folds parts in input order into the running state, continuing the
//! windows that were still open at the end of the previous batch. So batches can be scanned
//! on any thread in any order (`diagnose -j`) and give exactly what one thread gives; and
//! since nothing depends on where a batch starts, any buffer size gives the same result
//! too (for lines shorter than the buffer).
//!
//! ```text
//! Batch ──► chunk::scan: triggers (matcher) ─► regexes ─► windows, error lines, tails
//!       ──► ChunkPart ──► merge::Merger (in order) ──► Scan (what ranking reads)
//! ```

pub(crate) mod chunk;
pub(crate) mod merge;
mod window;

use std::collections::BTreeMap;

use buildmedic_log::clean::{Cut, lossy_text};
use buildmedic_log::{Batch, LogSummary, Sink, Step, StepId};

use crate::matcher::Matcher;

/// Matches kept per signature per step.
const MATCHES_PER_SIGNATURE: usize = 8;
/// Matches kept per signature from all succeeded steps together.
const SUCCEEDED_PER_SIGNATURE: usize = 2;
/// Candidate error lines kept per step.
const CANDIDATES_PER_STEP: usize = 12;
/// Last lines kept per step: the `unknown` fallback ranks them as candidate error lines,
/// and `tail` signatures match the last one.
const TAIL: usize = 24;
/// Prompt commands kept per step.
const PROMPTS: usize = 8;
/// Lines a window keeps as evidence.
const WINDOW_EVIDENCE: usize = 24;
/// Evidence text is cut at this many bytes.
pub(crate) const MAX_TEXT: usize = 1024;
/// A window that looks back (`before`) sees the earlier lines of its step among this many
/// lines before the match.
pub const LOOK_BACK: usize = 4 * buildmedic_kb::MAX_BEFORE as usize;

#[derive(Debug, Clone)]
pub struct Match {
    pub signature: u32,
    pub line: u64,
    pub step: Option<StepId>,
    pub text: String,
    /// (entity name, value) in order of appearance, window captures included.
    pub captures: Vec<(&'static str, String)>,
    /// Lines a window added: (line, text).
    pub window: Vec<(u64, String)>,
    /// Lines the window's capture pattern matched (for `require`).
    pub window_hits: u32,
}

#[derive(Debug, Clone)]
pub struct Candidate {
    pub line: u64,
    pub rank: u8,
    pub text: String,
}

/// What the scan found in one step (or outside steps).
#[derive(Debug, Default, Clone)]
pub struct StepMatches {
    /// In line order; at most [`MATCHES_PER_SIGNATURE`] per signature.
    pub matches: Vec<Match>,
    /// The lines that looked most like errors, best first.
    pub candidates: Vec<Candidate>,
    /// The last non-empty lines that are not the builder's framing, oldest first.
    pub tail: Vec<(u64, String)>,
    /// Commands seen at shell prompts or CI echoes, latest last: (line, command).
    pub prompts: Vec<(u64, String)>,
}

impl StepMatches {
    fn kept(&self, signature: u32) -> usize {
        self.matches
            .iter()
            .filter(|m| m.signature == signature)
            .count()
    }

    fn push_candidate(&mut self, c: Candidate) {
        let cands = &mut self.candidates;
        if cands.len() < CANDIDATES_PER_STEP {
            cands.push(c);
        } else if let Some((worst, _)) = cands
            .iter()
            .enumerate()
            .min_by_key(|(_, k)| (k.rank, std::cmp::Reverse(k.line)))
            && c.rank > cands[worst].rank
        {
            // Keep the best: higher rank, then earlier line (the first error beats its
            // cascade).
            cands[worst] = c;
        }
    }

    fn is_empty(&self) -> bool {
        self.matches.is_empty()
            && self.candidates.is_empty()
            && self.tail.is_empty()
            && self.prompts.is_empty()
    }
}

/// What scanning a whole log found: what ranking reads.
#[derive(Debug, Default)]
pub struct Scan {
    /// Steps that did not succeed (or whose success came after their last lines).
    pub buckets: BTreeMap<StepId, StepMatches>,
    /// Lines outside steps.
    pub none: StepMatches,
    /// Matches from steps that succeeded: the earliest few per signature.
    pub succeeded: Vec<Match>,
    /// Matches of `tail` signatures on the last line of the steps where a log that stops
    /// early would stop (outside steps, the failing step, the last unfinished one).
    pub tail_matches: Vec<Match>,
}

impl Scan {
    pub fn bucket(&self, step: Option<StepId>) -> Option<&StepMatches> {
        match step {
            None => Some(&self.none),
            Some(id) => self.buckets.get(&id),
        }
    }
}

/// The scanner for the reader's [`Sink`]: each batch is scanned and merged on this thread.
pub struct Scanner<'m> {
    matcher: &'m Matcher,
    merger: merge::Merger<'m>,
}

impl<'m> Scanner<'m> {
    pub fn new(matcher: &'m Matcher) -> Self {
        Scanner {
            matcher,
            merger: merge::Merger::new(matcher),
        }
    }

    /// The result, once the reader has called [`Sink::finish`].
    pub fn into_scan(self) -> Scan {
        self.merger.into_scan()
    }
}

impl Sink for Scanner<'_> {
    fn batch(&mut self, batch: &Batch<'_>, _steps: &[Step]) {
        let part = chunk::scan(self.matcher, batch);
        self.merger.merge(batch, part);
    }

    fn finish(&mut self, summary: &LogSummary) {
        self.merger.finish(summary);
    }
}

/// The scan of batches on any thread (`diagnose -j`); [`merge::Merger`] folds the parts in
/// order, as [`Scanner`] does on one thread.
pub(crate) struct ChunkScanner<'m>(pub &'m Matcher);

impl buildmedic_log::ParallelSink for ChunkScanner<'_> {
    type Part = chunk::ChunkPart;

    fn scan(&self, batch: &Batch<'_>) -> chunk::ChunkPart {
        chunk::scan(self.0, batch)
    }
}

/// Lines the reader must keep before each batch for this matcher's windows.
pub fn carry_lines(matcher: &Matcher) -> usize {
    let looks_back = matcher.signatures.iter().any(|s| s.looks_back);
    if looks_back { LOOK_BACK } else { 0 }
}

pub(crate) fn push_capture(out: &mut Vec<(&'static str, String)>, name: &str, value: &[u8]) {
    let Some(name) = buildmedic_kb::ENTITY_NAMES.iter().find(|n| **n == name) else {
        return;
    };
    let v = String::from_utf8_lossy(value);
    let v = v
        .trim()
        .trim_matches(|c| matches!(c, '\'' | '"' | '`' | '‘' | '’' | '“' | '”'))
        .trim_end_matches([',', ';', ':'])
        .trim();
    if v.is_empty() {
        return;
    }
    // Build directories name Pythons without the dot (`cpython-311`, `py38`): say `3.11`.
    let v = if *name == "python_version"
        && v.len() >= 2
        && v.len() <= 3
        && v.starts_with('3')
        && v.bytes().all(|b| b.is_ascii_digit())
    {
        format!("3.{}", &v[1..])
    } else {
        v.to_string()
    };
    let entry = (*name, v);
    if !out.contains(&entry) {
        out.push(entry);
    }
}

/// Evidence text: at most [`MAX_TEXT`] bytes, `…` when cut.
fn evidence_text(text: &[u8]) -> String {
    lossy_text(text, MAX_TEXT, Cut::Ellipsis)
}

/// Captures of `regex` in `text`, as entities.
fn captures_of(
    regex: &buildmedic_kb::LazyRegex,
    text: &[u8],
) -> Option<Vec<(&'static str, String)>> {
    let caps = regex.captures(text)?;
    let mut out = Vec::new();
    for (name, value) in caps {
        push_capture(&mut out, name, value);
    }
    Some(out)
}
