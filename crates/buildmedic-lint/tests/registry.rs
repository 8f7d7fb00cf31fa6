//! The list of checks: every id appears once, is kebab-case, and can be found.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use buildmedic_lint::run::registry::ALL;

#[test]
fn check_ids_are_unique() {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for c in ALL {
        *seen.entry(c.id).or_default() += 1;
    }
    let twice: Vec<&str> = seen
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| *id)
        .collect();
    assert!(
        twice.is_empty(),
        "check ids listed more than once: {twice:?}"
    );
    assert_eq!(buildmedic_lint::registry().len(), ALL.len());
}

#[test]
fn ids_are_kebab_case_and_found() {
    for c in ALL {
        assert!(
            !c.id.is_empty()
                && c.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !c.id.starts_with('-')
                && !c.id.ends_with('-'),
            "`{}` is not kebab-case",
            c.id
        );
        assert!(buildmedic_lint::is_known_check(c.id));
        assert!(std::ptr::eq(buildmedic_lint::find_check(c.id).unwrap(), *c));
    }
    assert!(!buildmedic_lint::is_known_check("no-such-check"));
}
