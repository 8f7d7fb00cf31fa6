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

use std::borrow::Cow;

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use buildmedic_kb::{GramModel, KnowledgeBase, PrefilterEntry, SignatureDef};

pub use grams::Hit;

/// The rank of a line its tool logged at the fatal level ([`buildmedic_log::LineFlags::FATAL`]):
/// the highest [`error_line::error_rank`] gives.
pub const FATAL_RANK: u8 = 5;

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
    pub def: SigDef,
    /// Matched only against the last line of a step (no trigger search).
    pub tail: bool,
    /// Its window looks back (`before`): the reader keeps earlier lines.
    pub looks_back: bool,
}

impl CompiledSignature {
    /// A signature from a parsed definition.
    pub fn loaded(kind: usize, def: SignatureDef) -> Self {
        Self::shared(kind, SigDef::Owned(Box::new(def)))
    }

    fn shared(kind: usize, def: SigDef) -> Self {
        CompiledSignature {
            kind,
            tail: def.tail,
            looks_back: def.window.as_ref().is_some_and(|w| w.before > 0),
            def,
        }
    }
}

/// A signature's definition: a built-in one is parsed the first time it is needed (a trigger
/// of it occurs in the log, or it is ranked), so start-up does not parse the knowledge base.
pub enum SigDef {
    Builtin {
        entry: usize,
        signature: usize,
    },
    /// Signature `.1` of a user entry the knowledge base holds.
    Loaded(std::sync::Arc<buildmedic_kb::Entry>, usize),
    Owned(Box<SignatureDef>),
}

impl std::ops::Deref for SigDef {
    type Target = SignatureDef;

    fn deref(&self) -> &SignatureDef {
        match self {
            SigDef::Builtin { entry, signature } => {
                buildmedic_kb::builtin_signature(*entry, *signature)
            }
            SigDef::Loaded(entry, i) => &entry.signatures[*i],
            SigDef::Owned(def) => def,
        }
    }
}

/// The triggers of one signature, each with its prefilter window (see
/// [`GramModel::window`]).
type Triggers = Vec<(Cow<'static, [u8]>, Option<usize>)>;

/// The literal and prefilter tables of a matcher.
struct Tables {
    literals: Vec<Cow<'static, [u8]>>,
    windows: Vec<Option<usize>>,
    starts: Vec<u32>,
    literal_signatures: Vec<u32>,
    grams: grams::GramFilter,
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
    /// The `tail` signatures (matched on last lines only, not scanned for) with their
    /// triggers, see [`Matcher::tail_candidates`].
    tails: Vec<(u32, Vec<Cow<'static, [u8]>>)>,
    /// Distinct trigger literals, in byte order.
    literals: Vec<Cow<'static, [u8]>>,
    /// `literal_signatures[starts[l]..starts[l + 1]]`: the signatures of literal `l`.
    starts: Vec<u32>,
    literal_signatures: Vec<u32>,
    grams: grams::GramFilter,
    /// The window each long literal is found by (for `rules test --verbose`).
    windows: Vec<Option<usize>>,
    short: Option<ShortTriggers>,
    /// Literals of benign lines that look like errors (from the entries' `benign`), and
    /// their automaton, built the first time a line looks like an error.
    benign: Vec<Box<str>>,
    benign_automaton: OnceLock<Option<AhoCorasick>>,
}

impl Matcher {
    /// The matcher of `kb`: from the tables compiled into the binary when `kb` is the
    /// built-in knowledge base, else built now.
    pub fn new(kb: &KnowledgeBase) -> Result<Self, MatcherError> {
        Self::with_tables(kb, kb.builtin_prefilter())
    }

    /// The matcher of `kb` with its tables built now, whatever `kb` is (the test that the
    /// compiled tables are the ones building gives compares the two).
    pub fn built(kb: &KnowledgeBase) -> Result<Self, MatcherError> {
        Self::with_tables(kb, None)
    }

    fn with_tables(
        kb: &KnowledgeBase,
        compiled: Option<&'static buildmedic_kb::prefilter::StaticPrefilter>,
    ) -> Result<Self, MatcherError> {
        let mut kinds = Vec::new();
        let mut signatures = Vec::new();
        let mut triggers: Vec<Triggers> = Vec::new();
        let mut tails = Vec::new();
        let mut benign: Vec<&str> = Vec::new();
        let mut model = None;
        for (builtin, entry) in kb.prefilter_entries() {
            let kind = kinds.len();
            match entry {
                PrefilterEntry::Builtin(index) => {
                    kinds.push(index.kind.to_string());
                    benign.extend(index.benign);
                    for (j, s) in index.signatures.iter().enumerate() {
                        if compiled.is_some() && s.tail {
                            let ts = s.triggers.iter().map(|(t, _)| Cow::Borrowed(*t));
                            tails.push((signatures.len() as u32, ts.collect()));
                        }
                        signatures.push(CompiledSignature {
                            kind,
                            def: SigDef::Builtin {
                                entry: builtin.unwrap_or_default(),
                                signature: j,
                            },
                            tail: s.tail,
                            looks_back: s.looks_back,
                        });
                        // The compiled tables already hold the triggers.
                        if compiled.is_none() {
                            triggers.push(
                                s.triggers
                                    .iter()
                                    .map(|(t, w)| (Cow::Borrowed(*t), w.map(usize::from)))
                                    .collect(),
                            );
                        }
                    }
                }
                PrefilterEntry::Loaded(e) => {
                    kinds.push(e.kind.clone());
                    benign.extend(e.benign.iter().map(String::as_str));
                    let model = model.get_or_insert_with(GramModel::new);
                    for (i, def) in e.signatures.iter().enumerate() {
                        triggers.push(loaded_triggers(def, model));
                        signatures.push(CompiledSignature::shared(
                            kind,
                            SigDef::Loaded(std::sync::Arc::clone(e), i),
                        ));
                    }
                }
            }
        }
        let mut m = match compiled {
            Some(p) => Self::compiled(kinds, signatures, tails, p)?,
            None => Self::build(kinds, signatures, &triggers)?,
        };
        m.benign = benign.into_iter().map(Box::from).collect();
        Ok(m)
    }

    /// The matcher of the built-in knowledge base from the tables `build.rs` compiled in:
    /// nothing is sorted, hashed or copied at start-up.
    fn compiled(
        kinds: Vec<String>,
        signatures: Vec<CompiledSignature>,
        tails: Vec<(u32, Vec<Cow<'static, [u8]>>)>,
        p: &'static buildmedic_kb::prefilter::StaticPrefilter,
    ) -> Result<Self, MatcherError> {
        let literals = p.literals.iter().map(|l| Cow::Borrowed(*l)).collect();
        let windows = p.windows.iter().map(|w| w.map(usize::from)).collect();
        Self::assemble(
            kinds,
            signatures,
            tails,
            Tables {
                literals,
                windows,
                starts: p.starts.to_vec(),
                literal_signatures: p.literal_signatures.to_vec(),
                grams: grams::GramFilter::from_static(p),
            },
        )
    }

    /// A matcher over parsed signatures (user rules, tests).
    pub fn from_signatures(
        kinds: Vec<String>,
        signatures: Vec<CompiledSignature>,
    ) -> Result<Self, MatcherError> {
        let model = GramModel::new();
        let triggers: Vec<Triggers> = signatures
            .iter()
            .map(|s| loaded_triggers(&s.def, &model))
            .collect();
        Self::build(kinds, signatures, &triggers)
    }

    fn build(
        kinds: Vec<String>,
        signatures: Vec<CompiledSignature>,
        triggers: &[Triggers],
    ) -> Result<Self, MatcherError> {
        // Distinct literals and, for each, its signatures (in knowledge-base order), by the
        // function build.rs computes the built-in tables with.
        let mut tails = Vec::new();
        let mut views: Vec<buildmedic_kb::prefilter::TriggerView<'_>> =
            Vec::with_capacity(triggers.len());
        for (i, (s, ts)) in signatures.iter().zip(triggers).enumerate() {
            if s.tail {
                tails.push((i as u32, ts.iter().map(|(t, _)| t.clone()).collect()));
                views.push(None);
            } else {
                views.push(Some(ts.iter().map(|(t, w)| (t.as_ref(), *w)).collect()));
            }
        }
        let lits = buildmedic_kb::prefilter::distinct_literals(&views);
        let grams = grams::GramFilter::new(&lits.literals, &lits.windows);
        let tables = Tables {
            literals: lits.literals.into_iter().map(Cow::Owned).collect(),
            windows: lits.windows,
            starts: lits.starts,
            literal_signatures: lits.literal_signatures,
            grams,
        };
        Self::assemble(kinds, signatures, tails, tables)
    }

    fn assemble(
        kinds: Vec<String>,
        signatures: Vec<CompiledSignature>,
        tails: Vec<(u32, Vec<Cow<'static, [u8]>>)>,
        t: Tables,
    ) -> Result<Self, MatcherError> {
        let Tables {
            literals,
            windows,
            starts,
            literal_signatures,
            grams,
        } = t;
        let short_ids: Vec<u32> = (0..literals.len() as u32)
            .filter(|&l| windows[l as usize].is_none())
            .collect();
        let short = if short_ids.is_empty() {
            None
        } else {
            let pats: Vec<&[u8]> = short_ids
                .iter()
                .map(|&l| literals[l as usize].as_ref())
                .collect();
            Some(ShortTriggers {
                // Teddy finds the candidates; the automaton behind it (quick to build) confirms.
                search: AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .build(&pats)?,
                // One line at a time: a prefilter's setup costs more than it saves there.
                confirm: AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .prefilter(false)
                    .build(&pats)?,
                literals: short_ids,
            })
        };
        Ok(Matcher {
            kinds,
            signatures,
            tails,
            literals,
            starts,
            literal_signatures,
            grams,
            windows,
            short,
            benign: Vec::new(),
            benign_automaton: OnceLock::new(),
        })
    }

    /// Whether this matcher's literal and gram tables equal `other`'s (the compiled built-in
    /// tables against the same signatures' tables built at run time).
    pub fn same_tables(&self, other: &Matcher) -> bool {
        self.literals == other.literals
            && self.windows == other.windows
            && self.starts == other.starts
            && self.literal_signatures == other.literal_signatures
            && self.tails == other.tails
            && self.grams.same_tables(&other.grams)
    }

    /// The `tail` signatures that may match `line`: those whose triggers it holds one of
    /// (or that have none). The others cannot match, and their entries are not parsed.
    pub fn tail_candidates<'a>(&'a self, line: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
        self.tails
            .iter()
            .filter(move |(_, triggers)| {
                triggers.is_empty()
                    || triggers
                        .iter()
                        .any(|t| memchr::memmem::find(line, t).is_some())
            })
            .map(|(i, _)| *i as usize)
    }

    /// Every `tail` signature, by index.
    pub fn tail_signatures(&self) -> impl Iterator<Item = usize> + '_ {
        self.tails.iter().map(|(i, _)| *i as usize)
    }

    /// How much `line` looks like an error, 0 for the entries' benign lines; see
    /// [`error_line::error_rank`].
    pub fn error_rank(&self, line: &[u8]) -> u8 {
        let rank = error_line::error_rank(line);
        if rank > 0 && self.benign().is_some_and(|b| b.is_match(line)) {
            return 0;
        }
        rank
    }

    /// The benign automaton: quick to build, and only needed once a line looks like an
    /// error, so a log without one never pays for it. Literals that cannot make an
    /// automaton (none can: they are plain strings) would mark nothing benign.
    fn benign(&self) -> Option<&AhoCorasick> {
        if self.benign.is_empty() {
            return None;
        }
        self.benign_automaton
            .get_or_init(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .build(self.benign.iter().map(|b| b.as_bytes()))
                    .ok()
            })
            .as_ref()
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
                None => l.to_vec(),
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

/// The triggers of a parsed signature with their prefilter windows.
fn loaded_triggers(def: &SignatureDef, model: &GramModel) -> Triggers {
    def.triggers
        .iter()
        .map(|t| (Cow::Owned(t.clone()), model.window(t)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(id: &str, pattern: &str, triggers: &[&str]) -> CompiledSignature {
        let (regex, _) = buildmedic_kb::LazyRegex::parse(pattern, false).unwrap();
        CompiledSignature::loaded(
            0,
            SignatureDef {
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
                emitter: None,
                fatal: true,
                severity: buildmedic_kb::Severity::Error,
                sources: vec![],
                examples: vec![],
                not_examples: vec![],
                file: std::path::PathBuf::new(),
                line: 1,
            },
        )
    }

    #[test]
    fn compiled_tables_are_the_ones_building_gives() {
        let kb = KnowledgeBase::builtin().unwrap();
        assert!(kb.builtin_prefilter().is_some());
        let compiled = Matcher::new(&kb).unwrap();
        let built = Matcher::built(&kb).unwrap();
        assert!(compiled.same_tables(&built));
        assert!(compiled.literal_count() > 500);
        // A knowledge base with a user entry has no compiled tables.
        let mut kb = KnowledgeBase::builtin().unwrap();
        let dir = std::env::temp_dir().join(format!("bm-compiled-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("extra.toml"),
            "kind = \"extra-kind\"\ntitle = \"x\"\nsummary = \"x\"\ncauses = [\"x\"]\naffected = [\"x\"]\nfix = [\"x\"]\n\n[[signature]]\nid = \"a\"\npattern = \"bmfx extra failure\"\nweight = 0.9\nexamples = [\"bmfx extra failure\"]\n",
        )
        .unwrap();
        let loaded = kb.load_dir(&dir);
        std::fs::remove_dir_all(&dir).ok();
        loaded.unwrap();
        assert!(kb.builtin_prefilter().is_none());
        let with_user = Matcher::new(&kb).unwrap();
        assert_eq!(with_user.literal_count(), built.literal_count() + 1);
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
