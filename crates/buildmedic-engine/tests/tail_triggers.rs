//! `tail` signatures are tried on last lines only when the line holds one of their triggers
//! (so a log's end does not make their entries parse): every example of a tail signature
//! must therefore hold one, and a last line without any must not match.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use buildmedic_engine::Engine;
use buildmedic_kb::KnowledgeBase;

#[test]
fn every_tail_signature_example_holds_a_trigger() {
    let kb = KnowledgeBase::builtin().expect("the built-in knowledge base loads");
    let engine = Engine::new(kb).expect("the built-in signatures compile");
    let matcher = engine.matcher();
    let tails: Vec<usize> = matcher.tail_signatures().collect();
    assert!(!tails.is_empty(), "the built-ins have tail signatures");
    for i in tails {
        let def = &matcher.signatures[i].def;
        assert!(def.tail);
        assert!(!def.examples.is_empty(), "`{}` has examples", def.id);
        for ex in &def.examples {
            assert!(
                matcher.tail_candidates(ex.as_bytes()).any(|c| c == i),
                "`{}`: example {ex:?} holds none of its triggers",
                def.id
            );
        }
    }
}

/// A pip log that stops while pip backtracks is diagnosed from its last line; the same log
/// ending on a line without the tail signature's words is not.
#[test]
fn a_last_line_decides_only_with_its_trigger() {
    let kb = KnowledgeBase::builtin().expect("the built-in knowledge base loads");
    let engine = Engine::new(kb).expect("the built-in signatures compile");
    let kinds = |log: &str| -> Vec<String> {
        let d = engine.diagnose_bytes(log.as_bytes(), "t.log");
        d.findings.iter().map(|f| f.kind.clone()).collect()
    };
    let stops = "INFO: pip is looking at multiple versions of bmfx-alpha to determine which version is compatible with other requirements. This could take a while.\n  Downloading bmfx_alpha-0.9-py3-none-any.whl (3.1 kB)\n";
    assert!(
        kinds(stops)
            .iter()
            .any(|k| k == "pip-resolution-impossible"),
        "{:?}",
        kinds(stops)
    );
    let done = "INFO: pip is looking at multiple versions of bmfx-alpha to determine which version is compatible with other requirements. This could take a while.\nSuccessfully installed bmfx-alpha-0.9\n";
    assert!(
        !kinds(done).iter().any(|k| k == "pip-resolution-impossible"),
        "{:?}",
        kinds(done)
    );
}
