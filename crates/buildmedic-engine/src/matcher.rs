//! All signatures in one pass: a literal prefilter at memory speed, then regexes on the few
//! lines that can match.
//!
//! # Why this shape
//!
//! Teddy, the SIMD multi-literal searcher inside `aho-corasick`, scans at several GB/s but
//! only for up to 64 literals and only with leftmost semantics. Past 64 literals a search
//! falls back to a byte-at-a-time automaton that runs at about 0.7 GB/s here, whatever the
//! number of literals. The knowledge base has a few hundred trigger literals and users add
//! more, so matching has two stages:
//!
//! 1. **Anchors** (Teddy, at most 64 literals per pass). Every trigger literal contains an
//!    anchor, so every line that can match a signature contains an anchor. Anchors are the
//!    triggers themselves while they fit; past 64, triggers that share a substring are
//!    covered by that substring ([`choose_anchors`], greedy, most-shared first). Teddy's cost
//!    grows with the number of literals and with how often their first bytes occur, so
//!    anchors avoid text that ordinary successful builds print (a built-in sample).
//! 2. **Triggers** (any number, automaton, overlapping): run only on anchored lines, it names
//!    the signatures whose trigger occurs. Only their regexes run.
//!
//! Cost is a few memory-speed passes plus work proportional to the anchored lines, not to the
//! number of rules: rules whose triggers share substrings with existing ones add no anchors,
//! and stage 2 is an automaton whose speed does not depend on its size. Past [`MAX_PASSES`]
//! passes the matcher runs stage 2 over everything instead: slower, never wrong
//! ([`Matcher::is_single_stage`]).

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use buildmedic_kb::{KnowledgeBase, SignatureDef};

/// Literals per stage-1 pass (Teddy's limit).
const TEDDY_SLIM: usize = 64;
/// Stage-1 passes over trigger anchors before falling back to one automaton over everything.
pub const MAX_PASSES: usize = 6;
/// Shared substrings chosen as anchors are at least this long: shorter ones fire everywhere.
const MIN_SHARED: usize = 6;
const MAX_SHARED: usize = 10;

/// Typical lines of successful builds. An anchor that occurs here would flag ordinary lines,
/// so anchors are chosen among substrings that do not (when there are enough of those).
const BENIGN_SAMPLE: &str = include_str!("../data/benign-sample.txt");

/// Anchors covering `literals` (each literal contains one anchor), starting from the
/// `preset` anchors and adding at most `budget` in total when shared substrings allow it.
/// Deterministic.
///
/// Greedy set cover: while over budget, the word-aligned substring (6 to 10 bytes) that is contained in the
/// most uncovered literals (weighted by its length: longer is rarer) and does not occur in
/// [`BENIGN_SAMPLE`] becomes an anchor. A heap with lazy updates keeps this to a few
/// milliseconds for a few hundred literals.
pub fn choose_anchors(literals: &[Vec<u8>], preset: &[&str], budget: usize) -> Vec<Vec<u8>> {
    use std::collections::{BinaryHeap, HashMap};
    let contains = |t: &[u8], a: &[u8]| memchr::memmem::find(t, a).is_some();
    let mut anchors: Vec<Vec<u8>> = preset.iter().map(|p| p.as_bytes().to_vec()).collect();
    // A literal that contains an anchor or another literal is covered by it.
    let mut sorted: Vec<&[u8]> = literals.iter().map(Vec::as_slice).collect();
    sorted.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
    sorted.dedup();
    let mut needing: Vec<&[u8]> = Vec::new();
    for l in sorted {
        if !anchors.iter().any(|a| contains(l, a)) && !needing.iter().any(|n| contains(l, n)) {
            needing.push(l);
        }
    }
    if needing.len() + anchors.len() <= budget {
        let model = HeadModel::new();
        anchors.extend(
            needing
                .into_iter()
                .map(|l| rarest_window(l, &model).to_vec()),
        );
        anchors.sort();
        anchors.dedup();
        return anchors;
    }
    let benign = BENIGN_SAMPLE.as_bytes();
    // Distinct substrings of each literal, and how many uncovered literals hold each one.
    let subs: Vec<Vec<&[u8]>> = needing
        .iter()
        .map(|l| {
            // Word-aligned substrings only: fragments such as `s no ` or `ing se` occur in
            // ordinary prose far more often than whole words do.
            let starts: Vec<usize> = (0..l.len())
                .filter(|&i| {
                    l[i].is_ascii_alphanumeric() && (i == 0 || !l[i - 1].is_ascii_alphanumeric())
                })
                .collect();
            let mut v: Vec<&[u8]> = starts
                .iter()
                .flat_map(|&i| (MIN_SHARED..=MAX_SHARED).filter_map(move |len| l.get(i..i + len)))
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    let mut counts: HashMap<&[u8], usize> = HashMap::new();
    for v in &subs {
        for w in v {
            *counts.entry(w).or_insert(0) += 1;
        }
    }
    // (weight, count, substring): ties go to the higher count, then the smaller substring.
    let key = |w: &[u8], c: usize| (c * w.len(), c, std::cmp::Reverse(w.to_vec()));
    let mut heap: BinaryHeap<(usize, usize, std::cmp::Reverse<Vec<u8>>)> = counts
        .iter()
        .filter(|(_, c)| **c >= 2)
        .map(|(w, c)| key(w, *c))
        .collect();
    let mut covered = vec![false; needing.len()];
    let mut left = needing.len();
    while left + anchors.len() > budget {
        let Some((_, count, std::cmp::Reverse(best))) = heap.pop() else {
            break;
        };
        let current = counts.get(best.as_slice()).copied().unwrap_or(0);
        if current != count {
            // Stale: literals it covered were taken by an earlier anchor.
            if current >= 2 {
                heap.push(key(&best, current));
            }
            continue;
        }
        if memchr::memmem::find(benign, &best).is_some() {
            continue;
        }
        for (i, l) in needing.iter().enumerate() {
            if !covered[i] && contains(l, &best) {
                covered[i] = true;
                left -= 1;
                for w in &subs[i] {
                    if let Some(c) = counts.get_mut(w) {
                        *c -= 1;
                    }
                }
            }
        }
        anchors.push(best);
    }
    anchors.extend(
        needing
            .iter()
            .zip(&covered)
            .filter(|(_, c)| !**c)
            .map(|(l, _)| l.to_vec()),
    );
    // Any substring of an anchor covers what the anchor covers: search for the part whose
    // first bytes are rarest.
    let model = HeadModel::new();
    let mut windows: Vec<Vec<u8>> = anchors
        .iter()
        .map(|a| rarest_window(a, &model).to_vec())
        .collect();
    windows.sort();
    windows.dedup();
    windows
}

/// How common text starting with given bytes is in ordinary build output, from
/// [`BENIGN_SAMPLE`]: trigram counts where the sample has them, else the product of byte
/// frequencies (smoothed), so rare-looking heads win even when the sample is silent.
struct HeadModel {
    trigrams: std::collections::HashMap<[u8; 3], u32>,
    bytes: [f64; 256],
}

impl HeadModel {
    fn new() -> Self {
        let sample = BENIGN_SAMPLE.as_bytes();
        let mut trigrams = std::collections::HashMap::new();
        for w in sample.windows(3) {
            *trigrams.entry([w[0], w[1], w[2]]).or_insert(0) += 1;
        }
        let mut counts = [1.0f64; 256];
        for &b in sample {
            counts[b as usize] += 1.0;
        }
        let total: f64 = counts.iter().sum();
        let mut bytes = [0.0; 256];
        for (p, c) in bytes.iter_mut().zip(counts) {
            *p = c / total;
        }
        HeadModel { trigrams, bytes }
    }

    /// Expected occurrences of `head` per byte of ordinary text (lower is rarer).
    fn commonness(&self, head: [u8; 3]) -> f64 {
        let seen = f64::from(self.trigrams.get(&head).copied().unwrap_or(0));
        let independent = head
            .iter()
            .map(|b| self.bytes[*b as usize])
            .product::<f64>();
        (seen + 1.0) * independent
    }
}

/// The part of `literal` to search for: Teddy finds candidates by the first bytes of each
/// literal, so a window that starts with bytes ordinary text rarely has (`[Y/n] Abort` rather
/// than `Do you want`) keeps its false candidates, and its cost, down. Every window is a
/// substring of the literal, so a line containing the literal contains the window.
fn rarest_window<'a>(literal: &'a [u8], model: &HeadModel) -> &'a [u8] {
    const MIN: usize = 6;
    const MAX: usize = 12;
    if literal.len() <= MIN {
        return literal;
    }
    let mut best: Option<(f64, usize)> = None;
    let mut window = literal;
    for len in (MIN..=MAX.min(literal.len())).rev() {
        for i in 0..=literal.len() - len {
            if literal[i] == b' ' {
                continue;
            }
            let w = &literal[i..i + len];
            // Text ordinary builds print is out whatever its head: it would be a true hit on
            // every such line.
            let mut c = model.commonness([w[0], w[1], w[2]]);
            if memchr::memmem::find(BENIGN_SAMPLE.as_bytes(), w).is_some() {
                c += 1.0;
            }
            // Longer windows are tried first and kept on ties: they have fewer true hits.
            if best.is_none_or(|(b, _)| c < b) {
                best = Some((c, len));
                window = &literal[i..i + len];
            }
        }
    }
    window
}

/// A signature as the scanner uses it: the definition plus where it came from.
pub struct CompiledSignature {
    /// Index of the entry's kind in [`Matcher::kinds`].
    pub kind: usize,
    pub def: SignatureDef,
}

pub struct Matcher {
    /// Kind ids, in knowledge-base order.
    pub kinds: Vec<String>,
    pub signatures: Vec<CompiledSignature>,
    /// Stage-1 searchers, one per 64 trigger anchors.
    anchors: Vec<AhoCorasick>,
    anchor_literals: Vec<Vec<u8>>,
    triggers: AhoCorasick,
    /// For each trigger literal, the signatures it belongs to.
    trigger_signatures: Vec<Vec<u32>>,
    single_stage: bool,
    /// Literals of benign lines that look like errors (from the entries' `benign`).
    benign: Option<AhoCorasick>,
}

impl Matcher {
    pub fn new(kb: &KnowledgeBase) -> Self {
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
        let mut m = Self::from_signatures(kinds, signatures);
        m.benign = (!benign.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(&benign)
                    .ok()
            })
            .flatten();
        m
    }

    /// How much `line` looks like an error, 0 for the entries' benign lines; see [`error_rank`].
    pub fn error_rank(&self, line: &[u8]) -> u8 {
        let rank = error_rank(line);
        if rank > 0 && self.benign.as_ref().is_some_and(|b| b.is_match(line)) {
            return 0;
        }
        rank
    }

    pub fn from_signatures(kinds: Vec<String>, signatures: Vec<CompiledSignature>) -> Self {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut trigger_signatures: Vec<Vec<u32>> = Vec::new();
        for (i, s) in signatures.iter().enumerate() {
            if s.def.tail {
                continue;
            }
            for t in &s.def.triggers {
                match literals.iter().position(|l| l == t) {
                    Some(p) => trigger_signatures[p].push(i as u32),
                    None => {
                        literals.push(t.clone());
                        trigger_signatures.push(vec![i as u32]);
                    }
                }
            }
        }
        let mut anchors = choose_anchors(&literals, &[], TEDDY_SLIM);
        let single_stage = anchors.len() > TEDDY_SLIM * (MAX_PASSES - 1);
        if single_stage {
            anchors = literals.clone();
        }
        let anchor_literals = anchors.clone();
        let anchors: Vec<AhoCorasick> = if single_stage {
            vec![
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&anchors)
                    .or_else(|_| {
                        AhoCorasick::builder()
                            .match_kind(MatchKind::LeftmostFirst)
                            .build(&anchors)
                    })
                    .expect("literal sets always build"),
            ]
        } else {
            // Teddy fingerprints the first (up to four) bytes of each literal; a literal of
            // three bytes forces short fingerprints, and more false candidates, on its whole
            // pass. So the short ones get a pass of their own.
            let (short, long): (Vec<Vec<u8>>, Vec<Vec<u8>>) =
                anchors.iter().cloned().partition(|a| a.len() < 4);
            let mut groups: Vec<Vec<Vec<u8>>> =
                long.chunks(TEDDY_SLIM).map(<[Vec<u8>]>::to_vec).collect();
            if !short.is_empty() {
                groups.push(short);
            }
            groups
                .iter()
                .map(|chunk| {
                    AhoCorasick::builder()
                        .match_kind(MatchKind::LeftmostFirst)
                        .build(chunk)
                        .expect("literal sets always build")
                })
                .collect()
        };
        // Stage 2 runs on single lines: a prefilter's setup costs more than it saves there.
        let triggers = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .prefilter(false)
            .build(&literals)
            .or_else(|_| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(&literals)
            })
            .expect("literal sets always build");
        Matcher {
            kinds,
            signatures,
            anchors,
            anchor_literals,
            triggers,
            trigger_signatures,
            single_stage,
            benign: None,
        }
    }

    /// True when user rules added so many distinct triggers that stage 1 is skipped.
    pub fn is_single_stage(&self) -> bool {
        self.single_stage
    }

    /// The trigger anchors, for `rules test --verbose` and benchmarks.
    pub fn anchor_literals(&self) -> &[Vec<u8>] {
        &self.anchor_literals
    }

    /// Number of stage-1 passes over each buffer.
    pub fn passes(&self) -> usize {
        self.anchors.len()
    }

    /// Stage 1, pass `pass`: (start, length) of anchor occurrences in `buf`, in order.
    pub fn anchor_hits<'a>(
        &'a self,
        pass: usize,
        buf: &'a [u8],
    ) -> impl Iterator<Item = (usize, usize)> + 'a {
        self.anchors[pass]
            .find_iter(buf)
            .map(|m| (m.start(), m.len()))
    }

    /// Stage 2: indices of the signatures whose trigger occurs in `line`, deduplicated into
    /// `out` (cleared first). `seen` is scratch space of `signatures.len()` entries.
    pub fn candidates(&self, line: &[u8], out: &mut Vec<u32>, seen: &mut [bool]) {
        out.clear();
        for m in self.triggers.find_overlapping_iter(line) {
            for &s in &self.trigger_signatures[m.pattern().as_usize()] {
                if !seen[s as usize] {
                    seen[s as usize] = true;
                    out.push(s);
                }
            }
        }
        for &s in out.iter() {
            seen[s as usize] = false;
        }
        // Signatures run in knowledge-base order so results do not depend on literal order.
        out.sort_unstable();
    }
}

/// Keywords of error lines and the rank they give, for [`error_rank`].
const RANKED_KEYWORDS: &[(&str, u8)] = &[
    ("error:", 4),
    (" ERROR ", 4),
    ("Error:", 4),
    ("rror: ", 4),
    ("Exception:", 4),
    ("rror response from daemon", 4),
    ("Execution halted", 4),
    ("Traceback", 3),
    ("failed", 3),
    ("Failed", 3),
    ("FAILED", 3),
    ("not found", 3),
    ("denied", 3),
    ("Killed", 3),
    ("Cannot ", 3),
    ("cannot ", 3),
    ("Could not", 3),
    ("Unable to", 3),
    ("unable to", 3),
    ("No such file", 3),
];

static RANKED: std::sync::LazyLock<AhoCorasick> = std::sync::LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostFirst)
        .build(RANKED_KEYWORDS.iter().map(|(k, _)| k))
        .expect("literal sets always build")
});

/// How much a line looks like an error, for the `unknown` fallback: 0 not at all, 5 an
/// explicit error line. Wrapper lines are ranked by the caller.
pub fn error_rank(line: &[u8]) -> u8 {
    let t = line.trim_ascii_start();
    const STARTS: [&[u8]; 12] = [
        b"ERROR",
        b"error:",
        b"Error:",
        b"Error in ",
        b"E: ",
        b"FATAL",
        b"fatal:",
        b"Fatal",
        b"[ERROR]",
        b"[error]",
        b"npm ERR!",
        b"##[error]",
    ];
    if STARTS.iter().any(|p| t.starts_with(p)) || python_exception_line(t) {
        return 5;
    }
    RANKED
        .find_iter(t)
        .map(|m| RANKED_KEYWORDS[m.pattern().as_usize()].1)
        .max()
        .unwrap_or(0)
}

/// `SomethingError: message` / `pkg.module.SomeException: message` at line start.
fn python_exception_line(t: &[u8]) -> bool {
    let Some(colon) = memchr::memchr(b':', t) else {
        return false;
    };
    let name = &t[..colon];
    (name.ends_with(b"Error") || name.ends_with(b"Exception") || name.ends_with(b"Exit"))
        && name.first().is_some_and(u8::is_ascii_alphabetic)
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'_')
}
#[cfg(test)]
mod tests {
    use super::*;

    fn lits(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn anchors_are_windows_of_the_triggers_while_they_fit() {
        let l = lits(&[
            "PackagesNotFoundError",
            "No matching distribution",
            "PackagesNotFoundError: x",
        ]);
        let a = choose_anchors(&l, &[], 64);
        assert_eq!(a.len(), 2, "{a:?}");
        for t in &l {
            assert!(
                a.iter()
                    .any(|x| t.windows(x.len()).any(|w| w == x.as_slice())),
                "{t:?} uncovered by {a:?}"
            );
        }
    }

    #[test]
    fn windows_start_where_text_is_rare() {
        let model = HeadModel::new();
        let w = rarest_window(b"Do you want to continue? [Y/n] Abort.", &model);
        assert!(
            !w.starts_with(b"Do you") && !w.starts_with(b" "),
            "{:?}",
            String::from_utf8_lossy(w)
        );
        assert_eq!(rarest_window(b"short", &model), b"short");
    }

    #[test]
    fn shared_substrings_cover_triggers_past_the_budget() {
        let l = lits(&[
            "horovod build",
            "horovod wheel",
            "mpi4py build",
            "mpi4py wheel",
            "unique one",
        ]);
        let a = choose_anchors(&l, &[], 3);
        assert!(a.len() <= 3, "{a:?}");
        for t in &l {
            assert!(
                a.iter()
                    .any(|x| t.windows(x.len()).any(|w| w == x.as_slice())),
                "{t:?} uncovered by {a:?}"
            );
        }
    }

    #[test]
    fn error_ranks() {
        assert_eq!(error_rank(b"ERROR: Could not find a version"), 5);
        assert_eq!(error_rank(b"E: Unable to locate package x"), 5);
        assert_eq!(error_rank(b"  ModuleNotFoundError: No module named 'x'"), 5);
        assert_eq!(error_rank(b"gcc: error: unrecognized option"), 4);
        assert_eq!(
            error_rank(b"Building wheel for x: finished with status 'failed'"),
            3
        );
        assert_eq!(error_rank(b"warning: unused variable 'error_count'"), 0);
        assert_eq!(error_rank(b"test_error_handling ... ok"), 0);
    }
}
