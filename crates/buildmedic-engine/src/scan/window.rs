//! Windows: entities captured from the lines around a match (a package list after
//! `PackagesNotFoundError`, the solve running just before `Killed`).
//!
//! A window never crosses the builder's framing (a step end, a verdict), a blank line
//! (unless `skip_blank`) or its `stop` pattern, and sees only lines of the match's step.

use buildmedic_log::{Batch, LineFlags, LineRec, StepId};

use super::{LOOK_BACK, Match, WINDOW_EVIDENCE, captures_of, evidence_text};
use crate::matcher::Matcher;

/// A window still taking lines after its match.
#[derive(Debug, Clone)]
pub(crate) struct OpenWindow {
    pub step: Option<StepId>,
    /// Index of the match in its step's matches.
    pub match_index: usize,
    pub signature: u32,
    pub remaining: u32,
}

/// What a line adds to the match of a window.
pub(super) struct Update {
    pub step: Option<StepId>,
    pub match_index: usize,
    pub evidence: Option<(u64, String)>,
    pub captures: Vec<(&'static str, String)>,
}

impl Update {
    pub fn apply(self, m: &mut Match) {
        if let Some(e) = self.evidence {
            m.window_hits += 1;
            if m.window.len() < WINDOW_EVIDENCE {
                m.window.push(e);
            }
        }
        for c in self.captures {
            if !m.captures.contains(&c) {
                m.captures.push(c);
            }
        }
    }
}

/// Feeds one line to the open windows of its step; what it adds to their matches goes to
/// `out`. Windows that end are removed.
pub(super) fn feed(
    windows: &mut Vec<OpenWindow>,
    matcher: &Matcher,
    rec: &LineRec,
    text: &[u8],
    out: &mut Vec<Update>,
) {
    let mut i = 0;
    while i < windows.len() {
        let w = &windows[i];
        if w.step != rec.step {
            i += 1;
            continue;
        }
        let Some(def) = matcher.signatures[w.signature as usize].def.window.as_ref() else {
            windows.swap_remove(i);
            continue;
        };
        let blank = text.iter().all(u8::is_ascii_whitespace);
        let stop = rec.is(LineFlags::FRAMING)
            || (blank && !def.skip_blank)
            || def.stop.as_ref().is_some_and(|s| s.is_match(text));
        if stop {
            windows.swap_remove(i);
            continue;
        }
        let captured = captures_of(&def.capture, text);
        out.push(Update {
            step: w.step,
            match_index: w.match_index,
            evidence: captured
                .is_some()
                .then(|| (rec.number, evidence_text(text))),
            captures: captured.unwrap_or_default(),
        });
        let w = &mut windows[i];
        w.remaining -= 1;
        if w.remaining == 0 {
            windows.swap_remove(i);
        } else {
            i += 1;
        }
    }
}

/// Closes the windows of `step` (it succeeded: its lines are over).
pub(super) fn close(windows: &mut Vec<OpenWindow>, step: Option<StepId>) {
    windows.retain(|w| w.step != step);
}

/// Captures from up to `before` earlier lines of the match's step among the [`LOOK_BACK`]
/// lines before it (this batch, then the lines the reader carried), nearest first; applied to
/// the new match `m`.
pub(super) fn look_back(matcher: &Matcher, batch: &Batch<'_>, index: usize, m: &mut Match) {
    let Some(def) = matcher.signatures[m.signature as usize].def.window.as_ref() else {
        return;
    };
    let step = batch.lines[index].step;
    let earlier = batch.lines[index.saturating_sub(LOOK_BACK)..index]
        .iter()
        .rev()
        .map(|r| (r, batch.text(r)));
    let carried_lines = batch.before.lines();
    let carried = carried_lines[carried_lines
        .len()
        .saturating_sub(LOOK_BACK.saturating_sub(index))..]
        .iter()
        .rev()
        .map(|r| (r, batch.before.text(r)));
    let mut evidence = Vec::new();
    for (rec, text) in earlier
        .chain(carried)
        .filter(|(r, _)| r.step == step)
        .take(def.before as usize)
    {
        let blank = text.iter().all(u8::is_ascii_whitespace);
        if rec.is(LineFlags::FRAMING)
            || (blank && !def.skip_blank)
            || def.stop.as_ref().is_some_and(|s| s.is_match(text))
        {
            break;
        }
        if let Some(captured) = captures_of(&def.capture, text) {
            for c in captured {
                if !m.captures.contains(&c) {
                    m.captures.push(c);
                }
            }
            evidence.push((rec.number, evidence_text(text)));
        }
    }
    m.window_hits += evidence.len() as u32;
    m.window
        .extend(evidence.into_iter().rev().take(WINDOW_EVIDENCE));
}
