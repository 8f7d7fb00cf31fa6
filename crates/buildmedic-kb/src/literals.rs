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

use regex_syntax::hir::{Class, Hir, HirKind};

/// Shorter literals would make the prefilter fire on most lines.
pub const MIN_TRIGGER: usize = 3;
/// Sets larger than this are not worth tracking.
const MAX_SET: usize = 16;
/// Literals are cut at this length (longer adds nothing to selectivity).
const MAX_LEN: usize = 48;

type Set = Vec<Vec<u8>>;

/// Literals one of which appears in every match of `pattern`, if they can be found.
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
    fn weak_or_missing_literals_are_refused() {
        assert_eq!(lits(r"(?i)ki"), None);
        assert_eq!(lits(r"\d+ M"), None);
        assert_eq!(lits(r"x|yy"), None);
        assert_eq!(lits(r"(unbalanced"), None);
        assert_eq!(lits(r"a?"), None);
    }
}
