//! The scanner: the [`Sink`] that turns batches of lines into signature matches and
//! candidate error lines, per step, in bounded memory.
//!
//! Matches are kept per step because which step failed is only known at the end of the
//! log. Steps that finish successfully are pruned as soon as the reader says so: their
//! matches (often red herrings such as pip's resolver notice) shrink to a few per
//! signature, so a gigabyte of successful steps does not grow memory.

use std::collections::HashMap;

use buildmedic_log::clean::{Cut, lossy_text};
use buildmedic_log::{Batch, LineFlags, LineRec, Sink, Step, StepId};

use crate::matcher::Matcher;

/// Matches kept per signature per step; later ones are only counted.
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
const MAX_TEXT: usize = 1024;

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

#[derive(Debug, Default)]
pub struct Bucket {
    pub matches: Vec<Match>,
    /// Matches per signature, including those not kept.
    pub counts: HashMap<u32, u64>,
    pub candidates: Vec<Candidate>,
    pub tail: Vec<(u64, String)>,
    /// Commands seen at shell prompts or CI echoes, latest last: (line, command).
    pub prompts: Vec<(u64, String)>,
}

/// Lines of the previous batch kept for windows that look back across a batch boundary.
const CARRY: usize = buildmedic_kb::MAX_BEFORE as usize;

struct OpenWindow {
    step: Option<StepId>,
    /// Index into the step bucket's `matches`.
    match_index: usize,
    signature: u32,
    remaining: u32,
}

pub struct Scanner<'m> {
    matcher: &'m Matcher,
    /// Buckets of live steps by step index (steps that succeeded are pruned); `none` for
    /// lines outside steps. A map, not a vector: a log may have hundreds of thousands of steps.
    pub buckets: std::collections::BTreeMap<StepId, Bucket>,
    pub none: Bucket,
    /// Matches from steps that succeeded, a few per signature.
    pub succeeded: Vec<Match>,
    windows: Vec<OpenWindow>,
    /// The last lines of the previous batch: (step, line, text, flags).
    carry: Vec<(Option<StepId>, u64, String, LineFlags)>,
    scratch: Vec<u32>,
    seen: Vec<bool>,
    flagged: Vec<usize>,
}

impl<'m> Scanner<'m> {
    pub fn new(matcher: &'m Matcher) -> Self {
        Scanner {
            matcher,
            buckets: std::collections::BTreeMap::new(),
            none: Bucket::default(),
            succeeded: Vec::new(),
            windows: Vec::new(),
            carry: Vec::new(),
            scratch: Vec::new(),
            seen: vec![false; matcher.signatures.len()],
            flagged: Vec::new(),
        }
    }

    pub fn bucket(&self, step: Option<StepId>) -> Option<&Bucket> {
        match step {
            None => Some(&self.none),
            Some(id) => self.buckets.get(&id),
        }
    }

    fn bucket_mut(&mut self, step: Option<StepId>) -> &mut Bucket {
        match step {
            None => &mut self.none,
            Some(id) => self.buckets.entry(id).or_default(),
        }
    }

    fn on_line(&mut self, batch: &Batch<'_>, index: usize) {
        let rec = &batch.lines[index];
        let text = batch.text(rec);
        // A copy of the reference: signatures borrow from the matcher, not from `self`.
        let matcher = self.matcher;
        matcher.candidates(text, &mut self.scratch, &mut self.seen);
        let mut sigs = std::mem::take(&mut self.scratch);
        for &si in &sigs {
            let sig = &matcher.signatures[si as usize].def;
            let Some(caps) = sig.regex.get().and_then(|r| r.captures(text)) else {
                continue;
            };
            if sig.unless.as_ref().is_some_and(|u| u.is_match(text)) {
                continue;
            }
            let mut captures = Vec::new();
            for name in sig.regex.capture_names() {
                if let Some(m) = caps.name(name) {
                    push_capture(&mut captures, name, m.as_bytes());
                }
            }
            let bucket = self.bucket_mut(rec.step);
            let count = bucket.counts.entry(si).or_insert(0);
            *count += 1;
            if *count as usize > MATCHES_PER_SIGNATURE {
                continue;
            }
            bucket.matches.push(Match {
                signature: si,
                line: rec.number,
                step: rec.step,
                text: lossy(text),
                captures,
                window: Vec::new(),
                window_hits: 0,
            });
            let match_index = bucket.matches.len() - 1;
            if let Some(w) = &sig.window {
                if w.before > 0 {
                    self.look_back(batch, index, si, match_index);
                }
                if w.after > 0 {
                    self.windows.push(OpenWindow {
                        step: rec.step,
                        match_index,
                        signature: si,
                        remaining: w.after,
                    });
                }
            }
        }
        sigs.clear();
        self.scratch = sigs;
    }

    /// Keeps the line as a candidate error line if it looks like one.
    fn rank_line(&mut self, batch: &Batch<'_>, rec: &LineRec) {
        let text = batch.text(rec);
        let rank = self.matcher.error_rank(text);
        if rank > 0 {
            let rank = if rec.is(LineFlags::FRAMING) { 1 } else { rank };
            let cands = &mut self.bucket_mut(rec.step).candidates;
            push_candidate(cands, rec.number, rank, text);
        }
    }

    /// Captures from up to `before` earlier lines of the match's step (this batch, then the
    /// carried end of the previous one), nearest first.
    fn look_back(&mut self, batch: &Batch<'_>, index: usize, signature: u32, match_index: usize) {
        let Some(def) = self.matcher.signatures[signature as usize]
            .def
            .window
            .as_ref()
        else {
            return;
        };
        let step = batch.lines[index].step;
        let earlier = batch.lines[..index]
            .iter()
            .rev()
            .filter(|r| r.step == step)
            .map(|r| (r.number, batch.text(r), r.flags));
        let carried = self
            .carry
            .iter()
            .rev()
            .filter(|c| c.0 == step)
            .map(|c| (c.1, c.2.as_bytes(), c.3));
        let mut captured = Vec::new();
        let mut evidence = Vec::new();
        for (number, text, flags) in earlier.chain(carried).take(def.before as usize) {
            let blank = text.iter().all(u8::is_ascii_whitespace);
            if flags.contains(LineFlags::FRAMING)
                || (blank && !def.skip_blank)
                || def.stop.as_ref().is_some_and(|s| s.is_match(text))
            {
                break;
            }
            if let Some(caps) = def.capture.get().and_then(|r| r.captures(text)) {
                for name in def.capture.capture_names() {
                    if let Some(m) = caps.name(name) {
                        push_capture(&mut captured, name, m.as_bytes());
                    }
                }
                evidence.push((number, lossy(text)));
            }
        }
        let bucket = self.bucket_mut(step);
        if let Some(m) = bucket.matches.get_mut(match_index) {
            for c in captured {
                if !m.captures.contains(&c) {
                    m.captures.push(c);
                }
            }
            m.window_hits += evidence.len() as u32;
            m.window
                .extend(evidence.into_iter().rev().take(WINDOW_EVIDENCE));
        }
    }

    /// Feeds one line to the open windows of its step.
    fn feed_windows(&mut self, batch: &Batch<'_>, rec: &LineRec) {
        let text = batch.text(rec);
        let mut i = 0;
        while i < self.windows.len() {
            let w = &self.windows[i];
            if w.step != rec.step {
                i += 1;
                continue;
            }
            let def = self.matcher.signatures[w.signature as usize]
                .def
                .window
                .as_ref();
            let Some(def) = def else {
                self.windows.swap_remove(i);
                continue;
            };
            let blank = text.iter().all(u8::is_ascii_whitespace);
            // A window never crosses the builder's framing (a step end, a verdict).
            let stop = rec.is(LineFlags::FRAMING)
                || (blank && !def.skip_blank)
                || def.stop.as_ref().is_some_and(|s| s.is_match(text));
            if stop {
                self.windows.swap_remove(i);
                continue;
            }
            let (match_index, step) = (w.match_index, w.step);
            let mut captured = Vec::new();
            let mut relevant = false;
            if let Some(caps) = def.capture.get().and_then(|r| r.captures(text)) {
                relevant = true;
                for name in def.capture.capture_names() {
                    if let Some(m) = caps.name(name) {
                        push_capture(&mut captured, name, m.as_bytes());
                    }
                }
            }
            let number = rec.number;
            let bucket = self.bucket_mut(step);
            if let Some(m) = bucket.matches.get_mut(match_index) {
                if relevant {
                    m.window_hits += 1;
                    if m.window.len() < WINDOW_EVIDENCE {
                        m.window.push((number, lossy(text)));
                    }
                }
                for c in captured {
                    if !m.captures.contains(&c) {
                        m.captures.push(c);
                    }
                }
            }
            let w = &mut self.windows[i];
            w.remaining -= 1;
            if w.remaining == 0 {
                self.windows.swap_remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// Keeps the last few non-empty lines and prompt commands of every step seen in this
    /// batch.
    fn record_tails(&mut self, batch: &Batch<'_>) {
        struct Seen {
            step: Option<StepId>,
            tail: Vec<(u64, String)>,
            prompts: Vec<(u64, String)>,
        }
        // Walk backwards; consecutive lines mostly share a step, so a linear list of the
        // steps seen in this batch with a last-hit shortcut beats hashing every line.
        let mut seen: Vec<Seen> = Vec::new();
        let mut last = usize::MAX;
        for rec in batch.lines.iter().rev() {
            let slot = if last < seen.len() && seen[last].step == rec.step {
                last
            } else {
                match seen.iter().position(|s| s.step == rec.step) {
                    Some(p) => p,
                    None => {
                        seen.push(Seen {
                            step: rec.step,
                            tail: Vec::new(),
                            prompts: Vec::new(),
                        });
                        seen.len() - 1
                    }
                }
            };
            last = slot;
            let s = &mut seen[slot];
            if rec.is(LineFlags::PROMPT) && s.prompts.len() < PROMPTS {
                let text = batch.text(rec);
                if let Some(at) = buildmedic_log::prompt::prompt_command(text) {
                    s.prompts.push((rec.number, lossy(&text[at..])));
                }
            }
            if s.tail.len() >= TAIL || rec.is(LineFlags::FRAMING) {
                continue;
            }
            let text = batch.text(rec);
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            s.tail.push((rec.number, lossy(text)));
        }
        for s in seen {
            let bucket = self.bucket_mut(s.step);
            for (kept, new, cap) in [
                (&mut bucket.tail, s.tail, TAIL),
                (&mut bucket.prompts, s.prompts, PROMPTS),
            ] {
                if new.is_empty() {
                    continue;
                }
                kept.extend(new.into_iter().rev());
                let excess = kept.len().saturating_sub(cap);
                kept.drain(..excess);
            }
        }
    }

    /// Moves what succeeded steps collected into the small `succeeded` pool.
    fn prune(&mut self, steps: &[Step]) {
        let done: Vec<StepId> = self
            .buckets
            .keys()
            .copied()
            .filter(|&i| steps.get(i.index()).is_some_and(|s| s.status.succeeded()))
            .filter(|&i| !self.windows.iter().any(|w| w.step == Some(i)))
            .collect();
        for i in done {
            let Some(bucket) = self.buckets.remove(&i) else {
                continue;
            };
            for m in bucket.matches {
                let kept = self
                    .succeeded
                    .iter()
                    .filter(|k| k.signature == m.signature)
                    .count();
                if kept < SUCCEEDED_PER_SIGNATURE {
                    self.succeeded.push(m);
                }
            }
        }
    }
}

impl Sink for Scanner<'_> {
    fn batch(&mut self, batch: &Batch<'_>, steps: &[Step]) {
        // Stage 1 over the whole buffer: which lines contain an anchor.
        // Stage 1: lines with an anchor; each is matched (stage 2) and ranked as an error line.
        self.flagged.clear();
        for pass in 0..self.matcher.passes() {
            let mut hint = 0usize;
            for (pos, len) in self.matcher.anchor_hits(pass, batch.buf) {
                if let Some(i) = batch.line_at(pos, len, hint) {
                    hint = i;
                    if self.flagged.last() != Some(&i) {
                        self.flagged.push(i);
                    }
                }
            }
        }
        if self.matcher.passes() > 1 {
            self.flagged.sort_unstable();
            self.flagged.dedup();
        }
        let flagged = std::mem::take(&mut self.flagged);
        // Walk flagged lines only, except while a window is open: windows need every line
        // of their step until they close.
        let (mut f, mut i) = (0usize, 0usize);
        while i < batch.lines.len() {
            if self.windows.is_empty() {
                match flagged.get(f) {
                    Some(&next) => i = next,
                    None => break,
                }
            }
            let rec = &batch.lines[i];
            if !self.windows.is_empty() {
                self.feed_windows(batch, rec);
            }
            if flagged.get(f) == Some(&i) {
                f += 1;
                self.on_line(batch, i);
                self.rank_line(batch, rec);
            }
            i += 1;
        }
        self.flagged = flagged;
        self.record_tails(batch);
        self.carry.clear();
        let from = batch.lines.len().saturating_sub(CARRY);
        self.carry.extend(
            batch.lines[from..]
                .iter()
                .map(|r| (r.step, r.number, lossy(batch.text(r)), r.flags)),
        );
        self.prune(steps);
    }
}

fn push_candidate(cands: &mut Vec<Candidate>, line: u64, rank: u8, text: &[u8]) {
    let make = || Candidate {
        line,
        rank,
        text: lossy(text),
    };
    if cands.len() < CANDIDATES_PER_STEP {
        cands.push(make());
        return;
    }
    // Keep the best: higher rank, then earlier line (the first error beats its cascade).
    if let Some((worst, _)) = cands
        .iter()
        .enumerate()
        .min_by_key(|(_, k)| (k.rank, std::cmp::Reverse(k.line)))
        && rank > cands[worst].rank
    {
        cands[worst] = make();
    }
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

fn lossy(text: &[u8]) -> String {
    lossy_text(text, MAX_TEXT, Cut::Ellipsis)
}
