//! All signatures in one pass: a two-stage literal prefilter, then regexes on the few lines
//! that can match.
//!
//! # Why two stages
//!
//! Teddy, the SIMD multi-literal searcher inside `aho-corasick`, scans at several GB/s but
//! only for up to 64 literals and only with leftmost semantics. Past 64 literals the search
//! falls back to a byte-at-a-time automaton that runs at about 0.7 GB/s here, whatever the
//! number of literals. The knowledge base has a few hundred trigger literals and users add
//! more, so:
//!
//! 1. **Anchors** (≤ 64 literals, Teddy): a fixed vocabulary of words that error messages
//!    are made of (`rror`, `failed`, `not found`, `denied`, ...), plus any trigger that
//!    contains none of them. Every trigger contains an anchor, so every line that can match
//!    a signature contains an anchor. This pass runs over the whole buffer at memory speed
//!    and flags the few lines worth a closer look.
//! 2. **Triggers** (any number, automaton, overlapping): run only on flagged lines, it names
//!    the signatures whose trigger occurs. Only their regexes run.
//!
//! Cost is one memory-speed pass plus work proportional to the flagged lines, not to the
//! number of rules: ten times the rules leaves stage 1 unchanged (their triggers contain the
//! same anchors) and stage 2 is an automaton whose speed does not depend on its size.
//! If user rules push the anchors past 64, the matcher runs stage 2 over everything: slower,
//! never wrong ([`Matcher::is_single_stage`]).

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use buildmedic_kb::{KnowledgeBase, SignatureDef};

/// Words that mark a line as a candidate error line for the `unknown` fallback. Always
/// anchors.
const CANDIDATE_ANCHORS: &[&str] = &[
    "rror", "ERROR", "fail", "FAIL", "Fail", "atal", "ATAL", "xception", "Traceback", "E: ",
    "Killed", "not found", "denied", "annot ", "ould not", "nable to", "No such",
];

/// Words error messages are built from. One becomes an anchor only if it covers a trigger
/// that the candidate anchors do not.
const COVER_VOCABULARY: &[&str] = &[
    "Not Found", "NOT FOUND", "Denied", "W: ", "killed", "nvalid", "INVALID", "imeout",
    "timed out", "refused", "reset by", "EOF", "No space", "non-zero", "exit code",
    "exit status", "nauthorized", "atisfiable", "onflict", "No module", "equires", "nknown",
    "No matching", "orbidden", "FORBIDDEN", "xpired", "NO_PUBKEY", "Release", "anifest",
    "User for", "issing", "does not", "Stop.", "bort", "No rule", "not a valid",
    "not supported", "no installation", "ncompatible", "Permission", "CONNECTION",
    "onnection", "Retrying", "HTTP", "NotFound", "hannel", "provides",
];

/// The most literals Teddy takes; past this stage 1 would lose its speed.
const MAX_ANCHORS: usize = 64;

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
    anchors: AhoCorasick,
    anchor_count: usize,
    triggers: AhoCorasick,
    /// For each trigger literal, the signatures it belongs to.
    trigger_signatures: Vec<Vec<u32>>,
    single_stage: bool,
}

impl Matcher {
    pub fn new(kb: &KnowledgeBase) -> Self {
        let mut kinds = Vec::new();
        let mut signatures = Vec::new();
        for entry in kb.entries() {
            let kind = kinds.len();
            kinds.push(entry.kind.clone());
            for def in &entry.signatures {
                signatures.push(CompiledSignature {
                    kind,
                    def: def.clone(),
                });
            }
        }
        Self::from_signatures(kinds, signatures)
    }

    pub fn from_signatures(kinds: Vec<String>, signatures: Vec<CompiledSignature>) -> Self {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut trigger_signatures: Vec<Vec<u32>> = Vec::new();
        for (i, s) in signatures.iter().enumerate() {
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
        let contains = |t: &[u8], a: &[u8]| memchr::memmem::find(t, a).is_some();
        let mut anchors: Vec<Vec<u8>> = CANDIDATE_ANCHORS.iter().map(|a| a.as_bytes().to_vec()).collect();
        for word in COVER_VOCABULARY {
            let covers = literals
                .iter()
                .any(|t| contains(t, word.as_bytes()) && !anchors.iter().any(|a| contains(t, a)));
            if covers {
                anchors.push(word.as_bytes().to_vec());
            }
        }
        for t in &literals {
            if !anchors.iter().any(|a| contains(t, a)) {
                anchors.push(t.clone());
            }
        }
        let single_stage = anchors.len() > MAX_ANCHORS;
        if single_stage {
            anchors = literals.clone();
        }
        let anchor_count = anchors.len();
        let anchors = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&anchors)
            .expect("literal sets always build");
        // Stage 2 runs on single lines: a prefilter's setup costs more than it saves there.
        let triggers = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .prefilter(false)
            .build(&literals)
            .or_else(|_| AhoCorasick::builder().match_kind(MatchKind::Standard).build(&literals))
            .expect("literal sets always build");
        Matcher {
            kinds,
            signatures,
            anchors,
            anchor_count,
            triggers,
            trigger_signatures,
            single_stage,
        }
    }

    /// True when user rules added so many distinct triggers that stage 1 is skipped.
    pub fn is_single_stage(&self) -> bool {
        self.single_stage
    }

    pub fn anchor_count(&self) -> usize {
        self.anchor_count
    }

    /// Stage 1: start offsets of anchor occurrences in `buf`, in order.
    pub fn anchor_hits<'a>(&'a self, buf: &'a [u8]) -> impl Iterator<Item = (usize, usize)> + 'a {
        self.anchors.find_iter(buf).map(|m| (m.start(), m.len()))
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
    let t = trim_ascii_start(line);
    const STARTS: [&[u8]; 7] = [b"ERROR", b"error:", b"Error:", b"E: ", b"FATAL", b"fatal:", b"Fatal"];
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
        && name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'_')
}

fn trim_ascii_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_fits_teddy() {
        assert!(CANDIDATE_ANCHORS.len() + COVER_VOCABULARY.len() <= MAX_ANCHORS);
    }

    #[test]
    fn error_ranks() {
        assert_eq!(error_rank(b"ERROR: Could not find a version"), 5);
        assert_eq!(error_rank(b"E: Unable to locate package x"), 5);
        assert_eq!(error_rank(b"  ModuleNotFoundError: No module named 'x'"), 5);
        assert_eq!(error_rank(b"gcc: error: unrecognized option"), 4);
        assert_eq!(error_rank(b"Building wheel for x: finished with status 'failed'"), 3);
        assert_eq!(error_rank(b"warning: unused variable 'error_count'"), 0);
        assert_eq!(error_rank(b"test_error_handling ... ok"), 0);
    }
}
