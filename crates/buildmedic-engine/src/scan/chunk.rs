//! Scanning one batch on its own: triggers over the whole buffer, regexes on the lines that
//! hold one, windows, candidate error lines, the last lines of each step.

use std::collections::HashMap;

use buildmedic_log::{Batch, LineFlags, StepId};

use super::window::{self, OpenWindow, Update};
use super::{
    Candidate, MATCHES_PER_SIGNATURE, Match, PROMPTS, StepMatches, TAIL, captures_of, evidence_text,
};
use crate::matcher::{Hit, Matcher, SHORT};

/// Stale bytes (cleaned progress bars) longer than this are not searched.
const GAP: usize = 64;

/// What one step's lines in a batch gave, split at the step's success events.
#[derive(Debug, Default)]
pub(crate) struct StepPart {
    pub step: Option<StepId>,
    /// Lines before the step's first success event in this batch (all of them if none): what
    /// continues the step's earlier batches.
    pub first: StepMatches,
    /// Matches between two success events: already pruned.
    pub pruned: Vec<Match>,
    /// Lines after the last success event, if there was one.
    pub last: Option<StepMatches>,
    /// Success events of the step in this batch.
    pub events: u32,
    /// Index of the line of the last one.
    pub last_event: u32,
}

impl StepPart {
    fn current(&mut self) -> &mut StepMatches {
        if self.events == 0 {
            &mut self.first
        } else {
            self.last.get_or_insert_with(StepMatches::default)
        }
    }

    /// The step succeeded at line `line`: what came before is done.
    fn succeed(&mut self, line: u32) {
        if self.events > 0
            && let Some(seg) = self.last.take()
        {
            self.pruned.extend(seg.matches);
        }
        self.events += 1;
        self.last_event = line;
    }
}

/// A batch's contribution, for [`super::merge::Merger`].
#[derive(Debug, Default)]
pub(crate) struct ChunkPart {
    pub steps: Vec<StepPart>,
    /// Windows still open at the end of the batch, on the current segment of their step.
    pub open: Vec<OpenWindow>,
}

struct Parts {
    steps: Vec<StepPart>,
    index: HashMap<Option<StepId>, usize>,
    last: Option<(Option<StepId>, usize)>,
}

impl Parts {
    fn get(&mut self, step: Option<StepId>) -> &mut StepPart {
        let i = match self.last {
            Some((s, i)) if s == step => i,
            _ => {
                let n = self.steps.len();
                let i = *self.index.entry(step).or_insert(n);
                if i == n {
                    self.steps.push(StepPart {
                        step,
                        ..StepPart::default()
                    });
                }
                self.last = Some((step, i));
                i
            }
        };
        &mut self.steps[i]
    }
}

/// Scans `batch` knowing nothing of the batches before it.
pub(crate) fn scan(matcher: &Matcher, batch: &Batch<'_>) -> ChunkPart {
    let lines = batch.lines;
    // Triggers over the buffer, skipping long stale runs; then which lines hold them.
    let mut hits: Vec<Hit> = Vec::new();
    let mut run_start = None;
    for (i, rec) in lines.iter().enumerate() {
        let start = *run_start.get_or_insert(rec.start as usize);
        let next_start = lines.get(i + 1).map(|n| n.start as usize);
        if next_start.is_none_or(|n| n > rec.end as usize + GAP) {
            matcher.find(batch.buf, start, rec.end as usize, &mut hits);
            run_start = None;
        }
    }
    hits.sort_unstable();
    // (line index, range of `literals`, a short trigger may be on it)
    let mut flagged: Vec<(usize, usize, usize, bool)> = Vec::new();
    let mut literals: Vec<u32> = Vec::new();
    let mut hint = 0;
    for h in &hits {
        let Some(i) = batch.line_at(h.pos as usize, matcher.hit_len(h), hint) else {
            continue;
        };
        hint = i;
        if flagged.last().is_none_or(|f| f.0 != i) {
            flagged.push((i, literals.len(), literals.len(), false));
        }
        if let Some(f) = flagged.last_mut() {
            if h.literal == SHORT {
                f.3 = true;
            } else {
                literals.push(h.literal);
                f.2 = literals.len();
            }
        }
    }
    // Lines their tool logged as fatal are candidate error lines whatever their words, so
    // they are walked even without a literal hit (rare: merged in line order).
    let mut fatal = lines
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is(LineFlags::FATAL))
        .map(|(i, _)| i)
        .peekable();
    if fatal.peek().is_some() {
        let mut merged = Vec::with_capacity(flagged.len() + 1);
        let mut old = flagged.into_iter().peekable();
        loop {
            let take_fatal = match (fatal.peek(), old.peek()) {
                (Some(&a), Some(b)) => a < b.0,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if take_fatal {
                if let Some(a) = fatal.next() {
                    merged.push((a, 0, 0, false));
                }
            } else if let Some(b) = old.next() {
                if fatal.peek() == Some(&b.0) {
                    fatal.next();
                }
                merged.push(b);
            }
        }
        flagged = merged;
    }

    let mut parts = Parts {
        steps: Vec::new(),
        index: HashMap::new(),
        last: None,
    };
    let mut windows: Vec<OpenWindow> = Vec::new();
    let mut updates: Vec<Update> = Vec::new();
    let mut sigs: Vec<u32> = Vec::new();
    let mut seen = vec![false; matcher.signatures.len()];
    let mut events = batch.events.iter().peekable();
    // Walk flagged lines only, except while a window is open: windows need every line of
    // their step until they close.
    let (mut f, mut i) = (0usize, 0usize);
    while i < lines.len() {
        if windows.is_empty() {
            match flagged.get(f) {
                Some(next) => i = next.0,
                None => break,
            }
        }
        // Success events of earlier lines end their step's segment.
        while let Some(ev) = events.next_if(|e| (e.line as usize) < i) {
            window::close(&mut windows, Some(ev.step));
            parts.get(Some(ev.step)).succeed(ev.line);
        }
        let rec = &lines[i];
        let text = batch.text(rec);
        if !windows.is_empty() {
            window::feed(&mut windows, matcher, rec, text, &mut updates);
            for u in updates.drain(..) {
                let seg = parts.get(u.step).current();
                if let Some(m) = seg.matches.get_mut(u.match_index) {
                    u.apply(m);
                }
            }
        }
        if let Some(&(_, a, b, short)) = flagged.get(f).filter(|fl| fl.0 == i) {
            f += 1;
            sigs.clear();
            let mut lits: Vec<u32> = literals[a..b].to_vec();
            if short {
                matcher.short_triggers(text, &mut lits);
            }
            for l in lits {
                for &s in matcher.signatures_of(l) {
                    if !seen[s as usize] {
                        seen[s as usize] = true;
                        sigs.push(s);
                    }
                }
            }
            for &s in &sigs {
                seen[s as usize] = false;
            }
            // Signatures run in knowledge-base order so results do not depend on literal order.
            sigs.sort_unstable();
            let seg = parts.get(rec.step).current();
            for &si in &sigs {
                let sig = &matcher.signatures[si as usize].def;
                // A match past the cap would be dropped: do not even run the regex.
                if seg.kept(si) >= MATCHES_PER_SIGNATURE {
                    continue;
                }
                let Some(captures) = captures_of(&sig.regex, text) else {
                    continue;
                };
                if sig.unless.as_ref().is_some_and(|u| u.is_match(text)) {
                    continue;
                }
                let mut m = Match {
                    signature: si,
                    line: rec.number,
                    step: rec.step,
                    text: evidence_text(text),
                    captures,
                    window: Vec::new(),
                    window_hits: 0,
                };
                if let Some(w) = &sig.window {
                    if w.before > 0 {
                        window::look_back(matcher, batch, i, &mut m);
                    }
                    if w.after > 0 {
                        windows.push(OpenWindow {
                            step: rec.step,
                            match_index: seg.matches.len(),
                            signature: si,
                            remaining: w.after,
                        });
                    }
                }
                seg.matches.push(m);
            }
            // The line is a candidate error line if it looks like one.
            // A line the tool logged as fatal is a clear error whatever its words.
            let rank = if rec.is(LineFlags::FATAL) {
                crate::matcher::FATAL_RANK
            } else {
                matcher.error_rank(text)
            };
            if rank > 0 {
                seg.push_candidate(Candidate {
                    line: rec.number,
                    rank: if rec.is(LineFlags::FRAMING) { 1 } else { rank },
                    text: evidence_text(text),
                });
            }
        }
        i += 1;
    }
    for ev in events {
        window::close(&mut windows, Some(ev.step));
        parts.get(Some(ev.step)).succeed(ev.line);
    }
    record_tails(batch, &mut parts);
    ChunkPart {
        steps: parts.steps,
        open: windows,
    }
}

/// Keeps the last few non-empty lines and prompt commands of every step seen in this batch
/// (of its last segment: what came before a success event is pruned anyway).
fn record_tails(batch: &Batch<'_>, parts: &mut Parts) {
    struct Seen {
        step: Option<StepId>,
        /// Lines at or before this index belong to a pruned segment.
        after: Option<u32>,
        tail: Vec<(u64, String)>,
        prompts: Vec<(u64, String)>,
    }
    // Walk backwards; consecutive lines mostly share a step, so a linear list of the steps
    // seen in this batch with a last-hit shortcut beats hashing every line.
    let mut seen: Vec<Seen> = Vec::new();
    let mut last = usize::MAX;
    for (i, rec) in batch.lines.iter().enumerate().rev() {
        let slot = if last < seen.len() && seen[last].step == rec.step {
            last
        } else {
            match seen.iter().position(|s| s.step == rec.step) {
                Some(p) => p,
                None => {
                    let after = parts
                        .steps
                        .iter()
                        .find(|p| p.step == rec.step && p.events > 0)
                        .map(|p| p.last_event);
                    seen.push(Seen {
                        step: rec.step,
                        after,
                        tail: Vec::new(),
                        prompts: Vec::new(),
                    });
                    seen.len() - 1
                }
            }
        };
        last = slot;
        let s = &mut seen[slot];
        if s.after.is_some_and(|a| i as u32 <= a) {
            continue;
        }
        if rec.is(LineFlags::PROMPT) && s.prompts.len() < PROMPTS {
            let text = batch.text(rec);
            if let Some((at, end)) = buildmedic_log::prompt::prompt_span(text) {
                s.prompts.push((rec.number, evidence_text(&text[at..end])));
            }
        }
        if s.tail.len() >= TAIL || rec.is(LineFlags::FRAMING) {
            continue;
        }
        let text = batch.text(rec);
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        s.tail.push((rec.number, evidence_text(text)));
    }
    for s in seen {
        if s.tail.is_empty() && s.prompts.is_empty() {
            continue;
        }
        let seg = parts.get(s.step).current();
        seg.tail = s.tail.into_iter().rev().collect();
        seg.prompts = s.prompts.into_iter().rev().collect();
    }
}
