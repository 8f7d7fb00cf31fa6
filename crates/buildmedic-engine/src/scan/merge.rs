//! Folding the parts of consecutive batches into the scan of the whole log.

use std::collections::BTreeMap;

use buildmedic_log::{Batch, LogSummary, StepId};

use super::chunk::{ChunkPart, StepPart};
use super::window::{self, OpenWindow, Update};
use super::{
    CANDIDATES_PER_STEP, MATCHES_PER_SIGNATURE, Match, PROMPTS, SUCCEEDED_PER_SIGNATURE, Scan,
    StepMatches, TAIL, captures_of,
};
use crate::matcher::Matcher;

pub(crate) struct Merger<'m> {
    matcher: &'m Matcher,
    buckets: BTreeMap<StepId, StepMatches>,
    none: StepMatches,
    /// Matches of pruned steps: the earliest few per signature, by line.
    pool: BTreeMap<u32, Vec<Match>>,
    /// Windows on matches of `buckets`/`none` still open after the last batch.
    windows: Vec<OpenWindow>,
    tail_matches: Vec<Match>,
}

impl<'m> Merger<'m> {
    pub fn new(matcher: &'m Matcher) -> Self {
        Merger {
            matcher,
            buckets: BTreeMap::new(),
            none: StepMatches::default(),
            pool: BTreeMap::new(),
            windows: Vec::new(),
            tail_matches: Vec::new(),
        }
    }

    fn bucket_mut(&mut self, step: Option<StepId>) -> &mut StepMatches {
        match step {
            None => &mut self.none,
            Some(id) => self.buckets.entry(id).or_default(),
        }
    }

    fn pool_matches(&mut self, matches: impl IntoIterator<Item = Match>) {
        for m in matches {
            let kept = self.pool.entry(m.signature).or_default();
            let at = kept.partition_point(|k| k.line <= m.line);
            if at < SUCCEEDED_PER_SIGNATURE {
                kept.insert(at, m);
                kept.truncate(SUCCEEDED_PER_SIGNATURE);
            }
        }
    }

    /// Adds the part of the batch `batch`, the one after the last one merged.
    pub fn merge(&mut self, batch: &Batch<'_>, part: ChunkPart) {
        self.continue_windows(batch);
        let ChunkPart { steps, open } = part;
        // Where each step's current segment starts in the merged bucket, for the windows
        // still open on it.
        let mut remap: Vec<(Option<StepId>, Vec<Option<usize>>)> = Vec::new();
        for sp in steps {
            let StepPart {
                step,
                first,
                pruned,
                last,
                events,
                ..
            } = sp;
            let map = append(self.bucket_mut(step), first);
            if events == 0 {
                remap.push((step, map));
                continue;
            }
            // The step succeeded in this batch: everything before its last success is done.
            let done = match step {
                None => std::mem::take(&mut self.none),
                Some(id) => self.buckets.remove(&id).unwrap_or_default(),
            };
            self.pool_matches(done.matches);
            self.pool_matches(pruned);
            if let Some(last) = last {
                let n = last.matches.len();
                if !last.is_empty() {
                    *self.bucket_mut(step) = last;
                }
                remap.push((step, (0..n).map(Some).collect()));
            }
        }
        for w in open {
            let Some((_, map)) = remap.iter().find(|(s, _)| *s == w.step) else {
                continue;
            };
            if let Some(Some(i)) = map.get(w.match_index) {
                self.windows.push(OpenWindow {
                    match_index: *i,
                    ..w
                });
            }
        }
    }

    /// Feeds the batch to the windows earlier batches left open, in line order, ending those
    /// whose step succeeds.
    fn continue_windows(&mut self, batch: &Batch<'_>) {
        let mut updates: Vec<Update> = Vec::new();
        let mut events = batch.events.iter().peekable();
        for (i, rec) in batch.lines.iter().enumerate() {
            if self.windows.is_empty() {
                break;
            }
            while let Some(ev) = events.next_if(|e| (e.line as usize) < i) {
                window::close(&mut self.windows, Some(ev.step));
            }
            window::feed(
                &mut self.windows,
                self.matcher,
                rec,
                batch.text(rec),
                &mut updates,
            );
            for u in updates.drain(..) {
                let bucket = self.bucket_mut(u.step);
                if let Some(m) = bucket.matches.get_mut(u.match_index) {
                    u.apply(m);
                }
            }
        }
        for ev in events {
            window::close(&mut self.windows, Some(ev.step));
        }
    }

    /// The log has ended: steps that succeeded are pruned, `tail` signatures are matched.
    pub fn finish(&mut self, summary: &LogSummary) {
        let done: Vec<StepId> = self
            .buckets
            .keys()
            .copied()
            .filter(|&id| summary.step(id).is_some_and(|s| s.status.succeeded()))
            .filter(|&id| !self.windows.iter().any(|w| w.step == Some(id)))
            .collect();
        for id in done {
            if let Some(b) = self.buckets.remove(&id) {
                self.pool_matches(b.matches);
            }
        }
        self.tail_matches = self.tails(summary);
    }

    /// Matches of `tail` signatures: the last non-empty line of the steps where a log that
    /// stops early would stop (the failing step, the last unfinished one, and lines outside
    /// steps).
    fn tails(&self, summary: &LogSummary) -> Vec<Match> {
        let mut out = Vec::new();
        if self.matcher.tail_signatures().next().is_none() {
            return out;
        }
        let mut steps = vec![None];
        steps.extend(summary.failing_step.map(Some));
        steps.extend(summary.last_running_step.map(Some));
        steps.dedup();
        for step in steps {
            let bucket = match step {
                None => Some(&self.none),
                Some(id) => self.buckets.get(&id),
            };
            let Some((line, text)) = bucket.and_then(|b| b.tail.last()) else {
                continue;
            };
            for i in self.matcher.tail_candidates(text.as_bytes()) {
                let def = &self.matcher.signatures[i].def;
                let Some(captures) = captures_of(&def.regex, text.as_bytes()) else {
                    continue;
                };
                out.push(Match {
                    signature: i as u32,
                    line: *line,
                    step,
                    text: text.clone(),
                    captures,
                    window: Vec::new(),
                    window_hits: 0,
                });
            }
        }
        out
    }

    pub fn into_scan(self) -> Scan {
        let mut succeeded: Vec<Match> = self.pool.into_values().flatten().collect();
        succeeded.sort_by_key(|m| (m.line, m.signature));
        Scan {
            buckets: self.buckets,
            none: self.none,
            succeeded,
            tail_matches: self.tail_matches,
        }
    }
}

/// Appends a batch's segment of a step to what earlier batches found for it; returns where
/// each of the segment's matches went (`None`: over the cap).
fn append(into: &mut StepMatches, seg: StepMatches) -> Vec<Option<usize>> {
    let StepMatches {
        matches,
        candidates,
        tail,
        prompts,
    } = seg;
    let mut map = Vec::with_capacity(matches.len());
    for m in matches {
        if into.kept(m.signature) < MATCHES_PER_SIGNATURE {
            map.push(Some(into.matches.len()));
            into.matches.push(m);
        } else {
            map.push(None);
        }
    }
    if into.candidates.is_empty() && candidates.len() <= CANDIDATES_PER_STEP {
        into.candidates = candidates;
    } else {
        let mut candidates = candidates;
        candidates.sort_by_key(|c| c.line);
        for c in candidates {
            into.push_candidate(c);
        }
    }
    for (kept, new, cap) in [
        (&mut into.tail, tail, TAIL),
        (&mut into.prompts, prompts, PROMPTS),
    ] {
        if new.is_empty() {
            continue;
        }
        kept.extend(new);
        let excess = kept.len().saturating_sub(cap);
        kept.drain(..excess);
    }
    map
}
