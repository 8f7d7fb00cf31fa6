//! Deriving prefilter literals from a signature's regex.
//!
//! The engine only runs a signature's regex on lines that contain one of its trigger
//! literals. When an entry does not name triggers, they are derived here: a set of literals
//! such that every match of the regex contains at least one of them. A set that is too weak
//! (a literal shorter than [`MIN_TRIGGER`] bytes) is refused, and the entry must say
//! `trigger = [...]` itself.
//!
//! The analysis tracks, for every node of the regex, the finite sets of strings it matches
//! exactly, starts with and ends with (when small), so that adjacent parts combine:
//! `(?:conda|mamba): (?:not found|command not found)` yields `conda: not found`, ... rather
//! than the common `not found`. Longer, more specific triggers keep the prefilter quiet on
//! ordinary lines.
//!
//! It also chooses, for each trigger, the part the engine's prefilter looks for
//! ([`prefilter_window`]), and holds the shape of the prefilter index that `build.rs`
//! computes for the built-in entries ([`IndexEntry`]), so that starting buildmedic parses
//! no TOML and no regex.

use std::collections::HashMap;

use regex_syntax::hir::{Class, Hir, HirKind};

/// Shorter literals would make the prefilter fire on most lines.
pub const MIN_TRIGGER: usize = 3;
/// Sets larger than this are not worth tracking.
const MAX_SET: usize = 16;
/// Literals are cut at this length (longer adds nothing to selectivity).
const MAX_LEN: usize = 48;

type Set = Vec<Vec<u8>>;

/// Literals one of which appears in every match of `pattern`, if they can be found.
/// Bytes the engine's prefilter reads per probe (a 4-byte gram every [`PREFILTER_STRIDE`]
/// bytes of text).
pub const PREFILTER_STRIDE: usize = 4;
/// A trigger is found through a window of this many bytes of it: wherever the trigger
/// occurs, one probe falls on one of the window's grams. Shorter triggers are searched for
/// whole, by a different (slower) searcher.
pub const PREFILTER_WINDOW: usize = 4 + PREFILTER_STRIDE - 1;

/// Typical lines of successful builds: what the prefilter should not fire on.
pub const BENIGN_SAMPLE: &str = include_str!("../data/benign-sample.txt");

/// How common 4-byte grams are in ordinary build output, from [`BENIGN_SAMPLE`]: counts
/// where the sample has the gram, plus the product of byte frequencies (smoothed), so that
/// rare-looking text wins even where the sample is silent.
pub struct GramModel {
    grams: HashMap<u32, u32, std::hash::BuildHasherDefault<GramHasher>>,
    bytes: [f64; 256],
}

/// Grams are already well-mixed `u32`s: one multiply is hash enough.
#[derive(Default)]
struct GramHasher(u64);

impl std::hash::Hasher for GramHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, g: u32) {
        self.0 = u64::from(g).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

fn gram_key(g: &[u8]) -> u32 {
    u32::from_le_bytes([g[0], g[1], g[2], g[3]])
}

impl Default for GramModel {
    fn default() -> Self {
        Self::new()
    }
}

impl GramModel {
    pub fn new() -> Self {
        let sample = BENIGN_SAMPLE.as_bytes();
        let mut grams: HashMap<u32, u32, _> = HashMap::default();
        for w in sample.windows(4) {
            *grams.entry(gram_key(w)).or_insert(0) += 1;
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
        GramModel { grams, bytes }
    }

    /// Expected occurrences of the gram `g[..4]` per byte of ordinary text (lower is rarer).
    pub fn commonness(&self, g: &[u8]) -> f64 {
        let seen = f64::from(self.grams.get(&gram_key(g)).copied().unwrap_or(0));
        let independent: f64 = g[..4].iter().map(|b| self.bytes[*b as usize]).product();
        // A gram the sample contains fires on ordinary lines whatever its bytes look like.
        seen / BENIGN_SAMPLE.len() as f64 + independent
    }

    /// Start of the [`PREFILTER_WINDOW`] bytes of `literal` whose grams ordinary text least
    /// often contains; `None` for literals shorter than a window. Ties go to the earliest.
    pub fn window(&self, literal: &[u8]) -> Option<usize> {
        if literal.len() < PREFILTER_WINDOW {
            return None;
        }
        let grams: Vec<f64> = literal.windows(4).map(|g| self.commonness(g)).collect();
        let mut best = (f64::INFINITY, 0);
        for w in 0..=literal.len() - PREFILTER_WINDOW {
            let c: f64 = grams[w..w + PREFILTER_STRIDE].iter().sum();
            if c < best.0 {
                best = (c, w);
            }
        }
        Some(best.1)
    }
}

/// What the engine's prefilter needs of a built-in entry, computed by `build.rs` so that
/// nothing is parsed at start-up (the entry itself is parsed when a match needs it).
#[derive(Debug)]
pub struct IndexEntry {
    pub kind: &'static str,
    /// The entry's `benign` literals.
    pub benign: &'static [&'static str],
    /// In the order of the parsed entry's signatures.
    pub signatures: &'static [IndexSignature],
}

#[derive(Debug)]
pub struct IndexSignature {
    pub id: &'static str,
    /// (trigger, start of its prefilter window; `None` for short triggers).
    pub triggers: &'static [(&'static [u8], Option<u16>)],
    pub tail: bool,
    /// The signature has a window that looks back (`before`).
    pub looks_back: bool,
    /// `near` as written (`id` or `kind/id`).
    pub near: Option<&'static str>,
}

#[cfg(test)]
pub fn required_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()?;
    required_literals_of(&hir)
}

/// [`required_literals`] of an already parsed pattern.
pub fn required_literals_of(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let set = analyse(hir).best?;
    set.iter().all(|l| l.len() >= MIN_TRIGGER).then_some(set)
}

#[derive(Clone, Default)]
struct Lits {
    /// Every match is exactly one of these.
    exact: Option<Set>,
    /// Every match starts with one of these.
    prefix: Option<Set>,
    /// Every match ends with one of these.
    suffix: Option<Set>,
    /// The best set found inside: every match contains one of these.
    best: Option<Set>,
}

/// The prefilter is as weak as its shortest literal; many alternatives cost more than few.
fn score(set: &Set) -> (usize, std::cmp::Reverse<usize>) {
    (
        set.iter().map(Vec::len).min().unwrap_or(0).min(16),
        std::cmp::Reverse(set.len()),
    )
}

fn better(a: Option<Set>, b: Option<Set>) -> Option<Set> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if score(&b) > score(&a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

fn normalise(mut set: Set) -> Option<Set> {
    set.sort();
    set.dedup();
    (set.len() <= MAX_SET).then_some(set)
}

fn cross(a: &Set, b: &Set) -> Option<Set> {
    if a.len() * b.len() > MAX_SET {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut s = x.clone();
            s.extend_from_slice(y);
            s.truncate(MAX_LEN);
            out.push(s);
        }
    }
    normalise(out)
}

fn union(sets: impl Iterator<Item = Option<Set>>) -> Option<Set> {
    let mut all = Vec::new();
    for s in sets {
        all.extend(s?);
    }
    normalise(all)
}

/// A usable required set: no empty strings (they say nothing).
fn useful(set: Option<Set>) -> Option<Set> {
    set.filter(|s| !s.is_empty() && s.iter().all(|l| !l.is_empty()))
}

fn analyse(hir: &Hir) -> Lits {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {
            let e = Some(vec![Vec::new()]);
            Lits {
                exact: e.clone(),
                prefix: e.clone(),
                suffix: e,
                best: None,
            }
        }
        HirKind::Literal(lit) => {
            let s = Some(vec![lit.0.to_vec()]);
            Lits {
                exact: s.clone(),
                prefix: s.clone(),
                suffix: s.clone(),
                best: s,
            }
        }
        HirKind::Class(class) => {
            let chars = small_class(class);
            Lits {
                exact: chars.clone(),
                prefix: chars.clone(),
                suffix: chars,
                best: None,
            }
        }
        HirKind::Capture(cap) => analyse(&cap.sub),
        HirKind::Repetition(rep) => {
            if rep.min == 0 {
                return Lits::default();
            }
            let sub = analyse(&rep.sub);
            Lits {
                exact: if rep.max == Some(1) { sub.exact } else { None },
                prefix: sub.prefix,
                suffix: sub.suffix,
                best: sub.best,
            }
        }
        HirKind::Alternation(alts) => {
            let parts: Vec<Lits> = alts.iter().map(analyse).collect();
            Lits {
                exact: union(parts.iter().map(|p| p.exact.clone())),
                prefix: union(parts.iter().map(|p| p.prefix.clone())),
                suffix: union(parts.iter().map(|p| p.suffix.clone())),
                best: useful(union(
                    parts
                        .iter()
                        .map(|p| better(useful(p.best.clone()), useful(p.exact.clone()))),
                )),
            }
        }
        HirKind::Concat(parts) => {
            let parts: Vec<Lits> = parts.iter().map(analyse).collect();
            let exact = parts
                .iter()
                .try_fold(vec![Vec::new()], |acc, p| cross(&acc, p.exact.as_ref()?));
            // An unknown prefix or suffix is the empty string: what is known so far still holds.
            let empty: Set = vec![Vec::new()];
            let mut prefix = Some(empty.clone());
            for p in &parts {
                match &p.exact {
                    Some(e) => prefix = prefix.and_then(|acc| cross(&acc, e)),
                    None => {
                        prefix =
                            prefix.and_then(|acc| cross(&acc, p.prefix.as_ref().unwrap_or(&empty)));
                        break;
                    }
                }
            }
            let mut suffix = Some(empty.clone());
            for p in parts.iter().rev() {
                match &p.exact {
                    Some(e) => suffix = suffix.and_then(|acc| cross(e, &acc)),
                    None => {
                        suffix =
                            suffix.and_then(|acc| cross(p.suffix.as_ref().unwrap_or(&empty), &acc));
                        break;
                    }
                }
            }
            // Walk left to right with the set of strings the text consumed so far ends with.
            let mut best: Option<Set> = None;
            let mut run: Option<Set> = Some(empty.clone());
            for p in &parts {
                best = better(best, useful(p.best.clone()));
                match &p.exact {
                    Some(e) => {
                        run = run.and_then(|r| cross(&r, e));
                        best = better(best, useful(run.clone()));
                    }
                    None => {
                        let joined = run
                            .as_ref()
                            .and_then(|r| cross(r, p.prefix.as_ref().unwrap_or(&empty)));
                        best = better(best, useful(joined));
                        run = Some(p.suffix.clone().unwrap_or_else(|| empty.clone()));
                    }
                }
            }
            Lits {
                exact,
                prefix,
                suffix,
                best,
            }
        }
    }
}

/// A class of at most four characters (`[Cc]`, `[sS]`) as its strings.
fn small_class(class: &Class) -> Option<Set> {
    let mut out = Vec::new();
    match class {
        Class::Unicode(c) => {
            for r in c.ranges() {
                for ch in r.start()..=r.end() {
                    if out.len() >= 4 {
                        return None;
                    }
                    let mut buf = [0u8; 4];
                    out.push(ch.encode_utf8(&mut buf).as_bytes().to_vec());
                }
            }
        }
        Class::Bytes(c) => {
            for r in c.ranges() {
                for b in r.start()..=r.end() {
                    if out.len() >= 4 {
                        return None;
                    }
                    out.push(vec![b]);
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(p: &str) -> Option<Vec<String>> {
        required_literals(p).map(|v| {
            v.into_iter()
                .map(|l| String::from_utf8(l).unwrap())
                .collect()
        })
    }

    #[test]
    fn longest_literal_of_a_concatenation() {
        assert_eq!(
            lits(r"ERROR: No matching distribution found for (?P<package>\S+)"),
            Some(vec!["ERROR: No matching distribution found for ".into()])
        );
        assert_eq!(
            lits(r"manifest for (?P<image>\S+) not found: manifest unknown"),
            Some(vec![" not found: manifest unknown".into()])
        );
    }

    #[test]
    fn adjacent_parts_combine() {
        assert_eq!(
            lits(
                r"(?:ba|da)?sh: (?P<command>(?:\S*/)?(?:conda|mamba)): (?:not found|command not found)"
            ),
            Some(vec![
                "conda: command not found".into(),
                "conda: not found".into(),
                "mamba: command not found".into(),
                "mamba: not found".into(),
            ])
        );
        assert_eq!(
            lits(r"(?:OSError|Exception): (?P<command>[a-z_]+[_-]config) not found"),
            Some(vec!["-config not found".into(), "_config not found".into()])
        );
        assert_eq!(
            lits(r"[Nn]o space left on device"),
            Some(vec!["o space left on device".into()])
        );
        assert_eq!(
            lits(r"[Nn]o space"),
            Some(vec!["No space".into(), "no space".into()])
        );
    }

    #[test]
    fn alternations_give_sets() {
        assert_eq!(
            lits(r"(PackagesNotFoundError|ResolvePackageNotFound)"),
            Some(vec![
                "PackagesNotFoundError".into(),
                "ResolvePackageNotFound".into()
            ])
        );
    }

    #[test]
    fn windows_avoid_text_ordinary_builds_print() {
        let m = GramModel::new();
        assert_eq!(m.window(b"short"), None);
        assert_eq!(m.window(b"exactly"), Some(0));
        let lit = b"Solving environment: failed with repodata";
        let w = m.window(lit).unwrap();
        let window = &lit[w..w + PREFILTER_WINDOW];
        // The chosen window is at least as rare as any other.
        let cost = |w: &[u8]| (0..4).map(|k| m.commonness(&w[k..])).sum::<f64>();
        for other in lit.windows(PREFILTER_WINDOW) {
            assert!(cost(window) <= cost(other));
        }
        assert!(m.commonness(b"ing ") > m.commonness(b"Q#zq"));
    }

    /// The index `build.rs` computed says what parsing the built-in entries says.
    #[test]
    fn the_builtin_index_agrees_with_the_parsed_entries() {
        crate::KnowledgeBase::check_builtin().unwrap();
        let kb = crate::KnowledgeBase::builtin().unwrap();
        let model = GramModel::new();
        let mut n = 0;
        for (i, p) in kb.prefilter_entries() {
            let crate::PrefilterEntry::Builtin(index) = p else {
                panic!("built-in knowledge base with a loaded entry");
            };
            let entry = kb.get(index.kind).unwrap();
            // The entry in use was parsed trusting this index; a checked parse derives the
            // triggers and capture names itself, and must agree with both.
            let checked = crate::parse_builtin(i.unwrap(), false).unwrap();
            assert_eq!(checked.signatures.len(), entry.signatures.len());
            for (used, full) in entry.signatures.iter().zip(&checked.signatures) {
                assert_eq!(used.triggers, full.triggers, "{}/{}", index.kind, full.id);
                assert!(
                    used.regex.capture_names().eq(full.regex.capture_names()),
                    "{}/{}",
                    index.kind,
                    full.id
                );
            }
            assert_eq!(checked.benign, index.benign, "{}", index.kind);
            assert_eq!(
                entry.signatures.len(),
                index.signatures.len(),
                "{}",
                index.kind
            );
            for (j, (def, s)) in entry.signatures.iter().zip(index.signatures).enumerate() {
                assert_eq!(def.id, s.id);
                assert!(std::ptr::eq(def, crate::builtin_signature(i.unwrap(), j)));
                let triggers: Vec<&[u8]> = s.triggers.iter().map(|t| t.0).collect();
                assert_eq!(def.triggers, triggers, "{}/{}", index.kind, s.id);
                for (t, w) in s.triggers {
                    assert_eq!(model.window(t).map(|w| w as u16), *w);
                }
                assert_eq!(def.tail, s.tail);
                assert_eq!(
                    def.window.as_ref().is_some_and(|w| w.before > 0),
                    s.looks_back
                );
                assert_eq!(def.near.as_ref().map(|n| n.signature.as_str()), s.near);
                n += 1;
            }
        }
        assert!(n > 100, "{n} signatures");
    }

    #[test]
    fn weak_or_missing_literals_are_refused() {
        assert_eq!(lits(r"(?i)ki"), None);
        assert_eq!(lits(r"\d+ M"), None);
        assert_eq!(lits(r"x|yy"), None);
        assert_eq!(lits(r"(unbalanced"), None);
        assert_eq!(lits(r"a?"), None);
    }
}
