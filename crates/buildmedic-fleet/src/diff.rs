//! Baseline diff: the lines of a failed log that no successful log of the same build has.
//!
//! This is LogJuicer's idea, done with hashes: every line of the baselines is masked
//! ([`crate::mask`]: numbers, hashes, versions, paths, URLs, quoted names) and the hash of its
//! template goes into a set. A line of the failed log is *novel* when its template's hash is
//! in no baseline and was not already seen earlier in the failed log. One pass over each
//! input, a set lookup per line — no pairwise comparison, no edit distance — so the cost is
//! that of reading the logs, and memory is one `u64` per distinct baseline template.
//!
//! Lines are the reader's cleaned lines (ANSI codes, progress bars and capture prefixes
//! such as `#8 12.3 ` and CI timestamps already removed), numbered as in the input.

use std::collections::VecDeque;
use std::io::{self, Read};

use buildmedic_engine::matcher::error_rank;
use buildmedic_engine::{Diagnosis, Finding};
use buildmedic_log::{Batch, LineRec, Sink, Step};
use rustc_hash::FxHashSet;
use serde::Serialize;

use crate::mask::template_hash;

pub const SCHEMA: &str = "buildmedic.diff/v1";
/// Line text kept per line, in bytes.
const MAX_TEXT: usize = 1024;
/// Error-looking novel lines kept for choosing candidates.
const CANDIDATES: usize = 12;
/// Last novel lines kept when none looks like an error.
const TAIL: usize = 4;

/// The templates of the successful logs.
#[derive(Debug, Default)]
pub struct Baseline {
    seen: FxHashSet<u64>,
    pub sources: Vec<String>,
    pub lines: u64,
}

impl Baseline {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds every line of a successful log.
    pub fn add<R: Read>(&mut self, input: R, source: &str) -> io::Result<()> {
        struct Collect<'a> {
            seen: &'a mut FxHashSet<u64>,
            scratch: Vec<u8>,
            lines: u64,
        }
        impl Sink for Collect<'_> {
            fn batch(&mut self, batch: &Batch<'_>, _: &[Step]) {
                for line in batch.lines {
                    self.lines += 1;
                    self.seen
                        .insert(template_hash(batch.text(line), &mut self.scratch));
                }
            }
        }
        let mut sink = Collect {
            seen: &mut self.seen,
            scratch: Vec::new(),
            lines: 0,
        };
        buildmedic_log::read_log(input, &mut sink)?;
        self.lines += sink.lines;
        self.sources
            .push(buildmedic_redact::redact(source).into_owned());
        Ok(())
    }

    /// Distinct templates.
    pub fn templates(&self) -> usize {
        self.seen.len()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct DiffOptions {
    /// Lines of context before and after each novel line.
    pub context: usize,
    /// Novel lines shown at most; later ones are only counted.
    pub max_lines: usize,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            context: 2,
            max_lines: 2000,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub schema: &'static str,
    pub source: String,
    pub baselines: Vec<String>,
    /// Lines of the failed log.
    pub lines: u64,
    /// Novel lines (shown, or only counted past `max_lines`).
    pub kept: u64,
    /// Lines whose template is in a baseline.
    pub in_baseline: u64,
    /// Novel templates seen again later in the failed log.
    pub repeated: u64,
    /// Empty lines (never novel).
    pub blank: u64,
    /// `1 - kept / lines`.
    pub removed_share: f64,
    /// Runs of consecutive shown lines: novel lines with their context.
    pub hunks: Vec<Hunk>,
    /// More novel lines than `max_lines`: hunks stop there.
    pub truncated: bool,
    /// Error-looking novel lines, strongest first, then earliest (at most 12).
    pub candidates: Vec<DiffLine>,
    /// The last novel lines (at most 4).
    pub tail: Vec<DiffLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hunk {
    pub lines: Vec<DiffLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DiffLine {
    pub line: u64,
    pub text: String,
    /// Novel (`true`) or context (`false`).
    pub novel: bool,
    /// How much the line looks like an error (0 not at all, 5 `ERROR:`-style); 0 for the
    /// builder's framing (step headers, verdicts, summary blocks).
    pub rank: u8,
}

struct DiffSink<'b> {
    baseline: &'b FxHashSet<u64>,
    novel_seen: FxHashSet<u64>,
    scratch: Vec<u8>,
    opts: DiffOptions,
    /// Lines since the last shown one, at most `context`, buffers reused.
    before: VecDeque<(u64, Vec<u8>)>,
    spare: Vec<Vec<u8>>,
    after_left: usize,
    shown: usize,
    hunks: Vec<Hunk>,
    truncated: bool,
    lines: u64,
    kept: u64,
    in_baseline: u64,
    repeated: u64,
    blank: u64,
    candidates: Vec<DiffLine>,
    tail: VecDeque<DiffLine>,
}

fn text_of(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(MAX_TEXT)];
    let lossy = String::from_utf8_lossy(cut);
    buildmedic_redact::redact(lossy.trim_end()).into_owned()
}

impl DiffSink<'_> {
    fn show(&mut self, line: u64, text: String, novel: bool, rank: u8) {
        let contiguous = self
            .hunks
            .last()
            .and_then(|h| h.lines.last())
            .is_some_and(|l| l.line + 1 >= line);
        if !contiguous {
            self.hunks.push(Hunk { lines: Vec::new() });
        }
        if let Some(h) = self.hunks.last_mut() {
            h.lines.push(DiffLine {
                line,
                text,
                novel,
                rank,
            });
        }
    }

    fn remember(&mut self, line: u64, bytes: &[u8]) {
        if self.opts.context == 0 {
            return;
        }
        let mut buf = if self.before.len() >= self.opts.context {
            self.before.pop_front().map(|(_, b)| b).unwrap_or_default()
        } else {
            self.spare.pop().unwrap_or_default()
        };
        buf.clear();
        buf.extend_from_slice(&bytes[..bytes.len().min(MAX_TEXT)]);
        self.before.push_back((line, buf));
    }

    fn note_candidate(&mut self, l: DiffLine) {
        if l.rank > 0 {
            let pos = self.candidates.partition_point(|c| {
                (c.rank, std::cmp::Reverse(c.line)) >= (l.rank, std::cmp::Reverse(l.line))
            });
            if pos < CANDIDATES {
                self.candidates.insert(pos, l.clone());
                self.candidates.truncate(CANDIDATES);
            }
        }
        if self.tail.len() == TAIL {
            self.tail.pop_front();
        }
        self.tail.push_back(l);
    }
}

impl Sink for DiffSink<'_> {
    fn batch(&mut self, batch: &Batch<'_>, _: &[Step]) {
        for rec in batch.lines {
            let bytes = batch.text(rec);
            let n = rec.number;
            self.lines += 1;
            let novel = if bytes.trim_ascii().is_empty() {
                self.blank += 1;
                false
            } else {
                let h = template_hash(bytes, &mut self.scratch);
                if self.baseline.contains(&h) {
                    self.in_baseline += 1;
                    false
                } else if !self.novel_seen.insert(h) {
                    self.repeated += 1;
                    false
                } else {
                    true
                }
            };
            if novel {
                self.kept += 1;
                // The builder's own framing (step headers, `ERROR: process ... did not
                // complete`, the summary block repeating the step) is shown but never a
                // candidate: it says that something failed, not what.
                let framing =
                    rec.flags & (LineRec::FRAMING | LineRec::VERDICT | LineRec::SUMMARY) != 0;
                let rank = if framing { 0 } else { error_rank(bytes) };
                let line = DiffLine {
                    line: n,
                    text: text_of(bytes),
                    novel: true,
                    rank,
                };
                self.note_candidate(line.clone());
                if self.shown >= self.opts.max_lines {
                    self.truncated = true;
                    continue;
                }
                while let Some((ln, buf)) = self.before.pop_front() {
                    self.show(ln, text_of(&buf), false, 0);
                    self.spare.push(buf);
                }
                self.show(n, line.text, true, rank);
                self.shown += 1;
                self.after_left = self.opts.context;
            } else if self.after_left > 0 && !self.truncated {
                self.after_left -= 1;
                self.show(n, text_of(bytes), false, 0);
            } else {
                self.remember(n, bytes);
            }
        }
    }
}

/// The novel lines of `input` against `baseline`.
pub fn diff<R: Read>(
    input: R,
    source: &str,
    baseline: &Baseline,
    opts: DiffOptions,
) -> io::Result<DiffReport> {
    let mut sink = DiffSink {
        baseline: &baseline.seen,
        novel_seen: FxHashSet::default(),
        scratch: Vec::new(),
        opts,
        before: VecDeque::new(),
        spare: Vec::new(),
        after_left: 0,
        shown: 0,
        hunks: Vec::new(),
        truncated: false,
        lines: 0,
        kept: 0,
        in_baseline: 0,
        repeated: 0,
        blank: 0,
        candidates: Vec::new(),
        tail: VecDeque::new(),
    };
    buildmedic_log::read_log(input, &mut sink)?;
    let removed_share = if sink.lines == 0 {
        0.0
    } else {
        1.0 - sink.kept as f64 / sink.lines as f64
    };
    Ok(DiffReport {
        schema: SCHEMA,
        source: buildmedic_redact::redact(source).into_owned(),
        baselines: baseline.sources.clone(),
        lines: sink.lines,
        kept: sink.kept,
        in_baseline: sink.in_baseline,
        repeated: sink.repeated,
        blank: sink.blank,
        removed_share,
        hunks: sink.hunks,
        truncated: sink.truncated,
        candidates: sink.candidates,
        tail: sink.tail.into_iter().collect(),
    })
}

/// Candidate lines to show when no rule matched: the strongest error-looking novel lines
/// (at most 6, in log order), else the last novel lines.
pub fn candidate_lines(diff: &DiffReport) -> Vec<(u64, String)> {
    let best = diff.candidates.first().map_or(0, |c| c.rank);
    // Wrapper-strength lines only when nothing stronger is novel.
    let floor = if best >= 3 { 3 } else { 1 };
    let mut picked: Vec<(u64, String)> = diff
        .candidates
        .iter()
        .filter(|c| c.rank >= floor)
        .take(6)
        .map(|c| (c.line, c.text.clone()))
        .collect();
    if picked.is_empty() {
        picked = diff.tail.iter().map(|c| (c.line, c.text.clone())).collect();
    }
    picked.sort_by_key(|(l, _)| *l);
    picked
}

/// When the primary finding is `unknown`, replaces its evidence by the diff's candidate
/// lines (what the failed build printed that the successful ones did not). Returns whether
/// the diagnosis changed.
pub fn refine_unknown(d: &mut Diagnosis, diff: &DiffReport) -> bool {
    let Some(f): Option<&mut Finding> = d
        .findings
        .iter_mut()
        .find(|f| f.primary && f.kind == buildmedic_kb::UNKNOWN)
    else {
        return false;
    };
    let picked = candidate_lines(diff);
    if picked.is_empty() {
        return false;
    }
    f.lines = picked.iter().map(|(l, _)| *l).collect();
    f.evidence = picked.into_iter().map(|(_, t)| t).collect();
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline(text: &str) -> Baseline {
        let mut b = Baseline::new();
        b.add(text.as_bytes(), "ok.log").unwrap();
        b
    }

    #[test]
    fn keeps_novel_lines_with_context_in_order() {
        let b = baseline("start 1\nstep 1 of 5 took 3s\nstep 2 of 5 took 4s\ndone in 12s\n");
        let failed = "start 2\nstep 1 of 5 took 9s\nboom: disk on fire\nstep 2 of 5 took 1s\nstep 3 of 5 took 1s\nstep 4 of 5 took 2s\nsecond novelty\n";
        let r = diff(
            failed.as_bytes(),
            "failed.log",
            &b,
            DiffOptions {
                context: 1,
                max_lines: 100,
            },
        )
        .unwrap();
        assert_eq!(r.lines, 7);
        assert_eq!(r.kept, 2);
        assert_eq!(r.in_baseline, 5);
        let shown: Vec<(u64, bool)> = r
            .hunks
            .iter()
            .flat_map(|h| h.lines.iter().map(|l| (l.line, l.novel)))
            .collect();
        assert_eq!(
            shown,
            [(2, false), (3, true), (4, false), (6, false), (7, true)]
        );
        assert_eq!(r.hunks.len(), 2);
    }

    #[test]
    fn repeated_novel_lines_are_shown_once() {
        let b = baseline("ok\n");
        let r = diff(
            "retry 1 failed\nretry 2 failed\nretry 3 failed\n".as_bytes(),
            "f",
            &b,
            DiffOptions {
                context: 0,
                max_lines: 10,
            },
        )
        .unwrap();
        assert_eq!((r.kept, r.repeated), (1, 2));
    }

    #[test]
    fn truncation_counts_what_it_does_not_show() {
        let b = baseline("");
        let text: String = (0..50)
            .map(|i| format!("word{}\n", "x".repeat(i)))
            .collect();
        let r = diff(
            text.as_bytes(),
            "f",
            &b,
            DiffOptions {
                context: 0,
                max_lines: 10,
            },
        )
        .unwrap();
        assert_eq!(r.kept, 50);
        assert!(r.truncated);
        assert_eq!(r.hunks.iter().map(|h| h.lines.len()).sum::<usize>(), 10);
    }

    #[test]
    fn candidates_prefer_error_lines() {
        let b = baseline("compiling a\n");
        let r = diff("compiling b\nnote: something\nerror: it broke\ngcc: fatal error: x.h: No such file\ntrailing\n".as_bytes(), "f", &b, DiffOptions::default()).unwrap();
        let c = candidate_lines(&r);
        assert_eq!(c.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [3, 4]);
    }

    #[test]
    fn secrets_never_reach_the_report() {
        let b = baseline("");
        let r = diff(
            "pip install --index-url https://user:hunter2@pkgs.example.com/simple x\n".as_bytes(),
            "f",
            &b,
            DiffOptions::default(),
        )
        .unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("hunter2"), "{json}");
    }
}
