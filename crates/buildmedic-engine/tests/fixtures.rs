//! The built-in knowledge base against its own fixtures (what `buildmedic rules test` runs),
//! and the coverage every kind must have: two positives, one near miss.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use buildmedic_engine::Engine;
use buildmedic_engine::fixtures::run_fixtures;
use buildmedic_kb::{BUILTIN_KINDS, Expect, KnowledgeBase, UNKNOWN};

#[test]
fn every_builtin_fixture_passes() {
    let engine = Engine::builtin().expect("the built-in knowledge base loads");
    let results = run_fixtures(&engine, engine.knowledge_base().entries());
    assert!(!results.is_empty(), "the built-in entries have no fixtures");
    let failures: Vec<String> = results
        .iter()
        .filter_map(|r| {
            r.failure.as_ref().map(|why| {
                format!(
                    "  {}/{} (expect {:?}, primary {:?}): {why}",
                    r.kind, r.file, r.expect, r.primary
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures fail:\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
}

#[test]
fn every_kind_has_positive_and_negative_fixtures() {
    let kb = KnowledgeBase::builtin().expect("the built-in knowledge base loads");
    let mut problems = Vec::new();
    for kind in BUILTIN_KINDS.iter().filter(|k| **k != UNKNOWN) {
        let Some(entry) = kb.get(kind) else {
            problems.push(format!("  {kind}: no entry"));
            continue;
        };
        let total = entry.fixtures.len();
        let positives = entry
            .fixtures
            .iter()
            .filter(|f| f.expect == Expect::Primary)
            .count();
        let negatives = total - positives;
        if total < 3 || positives < 2 || negatives < 1 {
            problems.push(format!(
                "  {kind}: {total} fixtures, {positives} positive, {negatives} negative \
                 (need >= 3, >= 2, >= 1)"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "kinds without enough fixtures:\n{}",
        problems.join("\n")
    );
}

#[test]
fn builtin_entries_are_exactly_the_kind_ids() {
    let kb = KnowledgeBase::builtin().expect("the built-in knowledge base loads");
    let kinds: Vec<&str> = kb.entries().map(|e| e.kind.as_str()).collect();
    let mut expected: Vec<&str> = BUILTIN_KINDS.to_vec();
    expected.sort_unstable();
    assert_eq!(kinds, expected);
}

#[test]
fn every_builtin_regex_compiles() {
    let kb = KnowledgeBase::builtin().expect("the built-in knowledge base loads");
    if let Err(e) = kb.compile_all() {
        panic!("a built-in pattern does not compile: {e}");
    }
}
