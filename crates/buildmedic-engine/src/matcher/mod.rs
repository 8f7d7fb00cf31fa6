//! All signatures in one pass: a literal prefilter at memory speed, then regexes on the few
//! lines that can match.
//!
//! # Why this shape
//!
//! Every signature has trigger literals, one of which every match contains. The matcher
//! finds every occurrence of every trigger in a whole buffer at once, and only the
//! signatures of the triggers found on a line run their regex on that line.
//!
//! - Triggers of at least [`grams::WINDOW`] bytes (nearly all) are found by a sampled 4-gram
//!   filter ([`grams`]): one probe per 4 bytes of text whatever the number of triggers,
//!   checked exactly, so its cost does not grow with the knowledge base (a thousand
//!   signatures with their own words cost about what thirty do).
//! - Shorter triggers (`E: `, `EOF`) are few; one Teddy search (SIMD, inside
//!   `aho-corasick`) flags the lines that may hold one, and an automaton over just those
//!   triggers confirms which on the line.
//!
//! Past 64 short triggers the Teddy search falls back to an automaton: slower, never wrong
//! ([`Matcher::is_single_stage`]).

pub mod error_line;
pub mod grams;
pub mod model;

use aho_corasick::{AhoCorasick, MatchKind};
use buildmedic_kb::{KnowledgeBase, SignatureDef};

pub use grams::Hit;

/// Literals Teddy searches for at once.
const TEDDY_LIMIT: usize = 64;

/// The `literal` of a [`Hit`] that says "a short trigger is here": which one (and whether
/// others overlap it) is settled on the line by [`Matcher::short_triggers`]. A short match
/// gives two such hits, at its first and last byte, so that a trigger it hides (the search
/// reports matches that do not overlap) is looked for on both lines it touches.
pub const SHORT: u32 = u32::MAX;

/// A set of signatures that cannot be compiled for matching.
#[derive(Debug, thiserror::Error)]
pub enum MatcherError {
    #[error("the trigger literals cannot be compiled into a searcher: {0}")]
    Triggers(#[from] aho_corasick::BuildError),
}

/// A signature as the scanner uses it: the definition plus where it came from.
pub struct CompiledSignature {
    /// Index of the entry's kind in [`Matcher::kinds`].
    pub kind: usize,
    pub def: SignatureDef,
}

struct ShortTriggers {
    /// Over the whole buffer: where a short trigger may start (leftmost-first).
    search: AhoCorasick,
    /// On one line: every short trigger, overlapping.
    confirm: AhoCorasick,
    /// Literal id of each short trigger.
    literals: Vec<u32>,
}

pub struct Matcher {
    /// Kind ids, in knowledge-base order.
    pub kinds: Vec<String>,
    pub signatures: Vec<CompiledSignature>,
    /// Distinct trigger literals.
    literals: Vec<Vec<u8>>,
    /// `literal_signatures[starts[l]..starts[l + 1]]`: the signatures of literal `l`.
    starts: Vec<u32>,
    literal_signatures: Vec<u32>,
    grams: grams::GramFilter,
    /// The window each long literal is found by (for `rules test --verbose`).
    windows: Vec<Option<usize>>,
    short: Option<ShortTriggers>,
    /// Literals of benign lines that look like errors (from the entries' `benign`).
    benign: Option<AhoCorasick>,
}

impl Matcher {
    pub fn new(kb: &KnowledgeBase) -> Result<Self, MatcherError> {
        let mut kinds = Vec::new();
        let mut signatures = Vec::new();
        let mut benign = Vec::new();
        for entry in kb.entries() {
            benign.extend(entry.benign.iter().cloned());
            let kind = kinds.len();
            kinds.push(entry.kind.clone());
            for def in &entry.signatures {
                signatures.push(CompiledSignature {
                    kind,
                    def: def.clone(),
                });
            }
        }
        let mut m = Self::from_signatures(kinds, signatures)?;
        if !benign.is_empty() {
            m.benign = Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(&benign)?,
            );
        }
        Ok(m)
    }

    pub fn from_signatures(
        kinds: Vec<String>,
        signatures: Vec<CompiledSignature>,
    ) -> Result<Self, MatcherError> {
        // Distinct literals and, for each, its signatures (in knowledge-base order).
        let mut pairs: Vec<(&[u8], u32)> = Vec::new();
        for (i, s) in signatures.iter().enumerate() {
            if s.def.tail {
                continue;
            }
            for t in &s.def.triggers {
                pairs.push((t.as_slice(), i as u32));
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut starts = Vec::new();
        let mut literal_signatures = Vec::with_capacity(pairs.len());
        for (lit, sig) in pairs {
            if literals.last().map(Vec::as_slice) != Some(lit) {
                starts.push(literal_signatures.len() as u32);
                literals.push(lit.to_vec());
            }
            literal_signatures.push(sig);
        }
        starts.push(literal_signatures.len() as u32);

        let model = model::Model::new();
        let windows: Vec<Option<usize>> = literals.iter().map(|l| model.window(l)).collect();
        let grams = grams::GramFilter::new(&literals, &windows);
        let short_ids: Vec<u32> = (0..literals.len() as u32)
            .filter(|&l| windows[l as usize].is_none())
            .collect();
        let short = if short_ids.is_empty() {
            None
        } else {
            let pats: Vec<&[u8]> = short_ids
                .iter()
                .map(|&l| literals[l as usize].as_slice())
                .collect();
            Some(ShortTriggers {
                search: AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(&pats)?,
                // One line at a time: a prefilter's setup costs more than it saves there.
                confirm: AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .prefilter(false)
                    .build(&pats)?,
                literals: short_ids,
            })
        };
        Ok(Matcher {
            kinds,
            signatures,
            literals,
            starts,
            literal_signatures,
            grams,
            windows,
            short,
            benign: None,
        })
    }

    /// How much `line` looks like an error, 0 for the entries' benign lines; see
    /// [`error_line::error_rank`].
    pub fn error_rank(&self, line: &[u8]) -> u8 {
        let rank = error_line::error_rank(line);
        if rank > 0 && self.benign.as_ref().is_some_and(|b| b.is_match(line)) {
            return 0;
        }
        rank
    }

    /// True when there are too many short triggers for the SIMD search, which then runs as
    /// an automaton (slower, never wrong).
    pub fn is_single_stage(&self) -> bool {
        self.short
            .as_ref()
            .is_some_and(|s| s.literals.len() > TEDDY_LIMIT)
    }

    /// What the prefilter looks for: the window of each long trigger and the short
    /// triggers, for `rules test --verbose` and benchmarks.
    pub fn anchor_literals(&self) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = self
            .literals
            .iter()
            .zip(&self.windows)
            .map(|(l, w)| match w {
                Some(w) => l[*w..*w + grams::WINDOW].to_vec(),
                None => l.clone(),
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Searches over each buffer: the gram filter, and one for short triggers if any.
    pub fn passes(&self) -> usize {
        1 + usize::from(self.short.is_some())
    }

    /// Number of distinct trigger literals.
    pub fn literal_count(&self) -> usize {
        self.literals.len()
    }

    pub fn literal(&self, l: u32) -> &[u8] {
        &self.literals[l as usize]
    }

    /// Signatures (indices into [`Matcher::signatures`]) that trigger `l`, in order.
    pub fn signatures_of(&self, l: u32) -> &[u32] {
        let (a, b) = (self.starts[l as usize], self.starts[l as usize + 1]);
        &self.literal_signatures[a as usize..b as usize]
    }

    /// Appends the trigger occurrences in `buf[from..to]`: every occurrence of a long
    /// trigger (exact), and [`SHORT`] hits where a short one may start. Not sorted.
    pub fn find(&self, buf: &[u8], from: usize, to: usize, hits: &mut Vec<Hit>) {
        self.find_long(buf, from, to, hits);
        self.find_short(buf, from, to, hits);
    }

    /// The long-trigger half of [`Matcher::find`] (the gram filter).
    pub fn find_long(&self, buf: &[u8], from: usize, to: usize, hits: &mut Vec<Hit>) {
        self.grams.find(buf, from, to, hits);
    }

    /// The short-trigger half of [`Matcher::find`].
    pub fn find_short(&self, buf: &[u8], from: usize, to: usize, hits: &mut Vec<Hit>) {
        if let Some(short) = &self.short {
            for m in short.search.find_iter(&buf[from..to]) {
                for pos in [m.start(), m.end() - 1] {
                    hits.push(Hit {
                        pos: (from + pos) as u32,
                        literal: SHORT,
                    });
                }
            }
        }
    }

    /// Length of the text a hit covers (1 for short hits).
    pub fn hit_len(&self, hit: &Hit) -> usize {
        match hit.literal {
            SHORT => 1,
            l => self.literals[l as usize].len(),
        }
    }

    /// Appends every short trigger in `line` (overlapping ones too).
    pub fn short_triggers(&self, line: &[u8], out: &mut Vec<u32>) {
        if let Some(short) = &self.short {
            for m in short.confirm.find_overlapping_iter(line) {
                out.push(short.literals[m.pattern().as_usize()]);
            }
        }
    }

    /// The signatures whose trigger occurs in `line`, in knowledge-base order, by a search
    /// of the line alone (for tail lines and tests; scanning uses [`Matcher::find`]).
    pub fn candidates(&self, line: &[u8], out: &mut Vec<u32>) {
        let mut hits = Vec::new();
        self.grams.find(line, 0, line.len(), &mut hits);
        let mut lits: Vec<u32> = hits.iter().map(|h| h.literal).collect();
        self.short_triggers(line, &mut lits);
        out.clear();
        for l in lits {
            out.extend_from_slice(self.signatures_of(l));
        }
        out.sort_unstable();
        out.dedup();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(id: &str, pattern: &str, triggers: &[&str]) -> CompiledSignature {
        let (regex, _) = buildmedic_kb::LazyRegex::parse(pattern, false).unwrap();
        CompiledSignature {
            kind: 0,
            def: SignatureDef {
                id: id.into(),
                pattern: pattern.into(),
                regex,
                triggers: triggers.iter().map(|t| t.as_bytes().to_vec()).collect(),
                weight: 0.9,
                unless: None,
                tools: vec![],
                exit_codes: vec![],
                near: None,
                window: None,
                scope: buildmedic_kb::Scope::Anywhere,
                tail: false,
                line: 1,
            },
        }
    }

    #[test]
    fn long_and_short_triggers_name_their_signatures() {
        let m = Matcher::from_signatures(
            vec!["k".into()],
            vec![
                sig("a", "PackagesNotFoundError", &["PackagesNotFoundError"]),
                sig("b", "^E: ", &["E: "]),
                sig("c", "Killed", &["Killed", " Killed"]),
                sig("d", "PackagesNotFound", &["PackagesNotFoundError"]),
            ],
        )
        .unwrap();
        let mut out = Vec::new();
        m.candidates(b"x PackagesNotFoundError: y", &mut out);
        assert_eq!(out, [0, 3]);
        m.candidates(b"E: Unable to locate package x", &mut out);
        assert_eq!(out, [1]);
        m.candidates(b"12 Killed python", &mut out);
        assert_eq!(out, [2]);
        m.candidates(b"nothing here", &mut out);
        assert!(out.is_empty());
        assert_eq!(m.passes(), 2);
        assert!(!m.is_single_stage());
    }
}
