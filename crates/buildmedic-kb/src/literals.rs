//! Deriving prefilter literals from a signature's regex.
//!
//! The engine only runs a signature's regex on lines that contain one of its trigger
//! literals. When an entry does not name triggers, they are derived here: a set of literals
//! such that every match of the regex contains at least one of them. A set that is too weak
//! (a literal shorter than [`MIN_TRIGGER`] bytes) is refused, and the entry must say
//! `trigger = [...]` itself.

use regex_syntax::hir::{Hir, HirKind};

/// Shorter literals would make the prefilter fire on most lines.
pub const MIN_TRIGGER: usize = 3;

/// Literals one of which appears in every match of `pattern`, if they can be found.
pub fn required_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()?;
    let set = required(&hir)?;
    set.iter().all(|l| l.len() >= MIN_TRIGGER).then_some(set)
}

/// Score of a literal set: the prefilter is as weak as its shortest literal, and many
/// alternatives cost more than few.
fn score(set: &[Vec<u8>]) -> (usize, std::cmp::Reverse<usize>) {
    (
        set.iter().map(Vec::len).min().unwrap_or(0).min(16),
        std::cmp::Reverse(set.len()),
    )
}

fn required(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Literal(lit) => Some(vec![lit.0.to_vec()]),
        HirKind::Capture(cap) => required(&cap.sub),
        HirKind::Repetition(rep) if rep.min >= 1 => required(&rep.sub),
        HirKind::Concat(parts) => {
            // Adjacent literals are already merged by the parser; the best single part wins.
            parts.iter().filter_map(required).max_by_key(|s| score(s))
        }
        HirKind::Alternation(alts) => {
            let mut all = Vec::new();
            for alt in alts {
                all.extend(required(alt)?);
            }
            all.sort();
            all.dedup();
            (all.len() <= 16).then_some(all)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(p: &str) -> Option<Vec<String>> {
        required_literals(p).map(|v| v.into_iter().map(|l| String::from_utf8(l).unwrap()).collect())
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
    fn alternations_give_sets() {
        assert_eq!(
            lits(r"(?:bash|/bin/sh): (?:line \d+: )?conda: (?:command )?not found"),
            Some(vec!["not found".into()])
        );
        assert_eq!(
            lits(r"(PackagesNotFoundError|ResolvePackageNotFound)"),
            Some(vec!["PackagesNotFoundError".into(), "ResolvePackageNotFound".into()])
        );
    }

    #[test]
    fn weak_or_missing_literals_are_refused() {
        assert_eq!(lits(r"(?i)killed"), None);
        assert_eq!(lits(r"\d+ M"), None);
        assert_eq!(lits(r"x|yy"), None);
        assert_eq!(lits(r"(unbalanced"), None);
    }
}
