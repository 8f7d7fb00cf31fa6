//! Every example line of a fatal signature is, on its own, an excerpt a user might paste: the
//! engine must diagnose it as a failure of the signature's kind. This is what makes a short
//! paste of a known tool's fatal message a failure by itself, with or without build framing.
//!
//! Signatures whose match depends on more than the line (`near`, a `require`d window, `tools`,
//! `exit_codes`, `tail`, `scope = "failing-step"`) and non-fatal or warning signatures are not
//! checked alone. Known exceptions are listed in a baseline that may only shrink.

use std::collections::BTreeSet;

use buildmedic_engine::{Engine, Status};
use buildmedic_kb::{KnowledgeBase, Scope, Severity};

const BASELINE: &str = "tests/examples_as_excerpts.baseline";

#[test]
fn a_fatal_example_alone_is_a_failure_of_its_kind() {
    let kb = KnowledgeBase::builtin().expect("the built-in knowledge base loads");
    let engine = Engine::new(kb);
    let kb = engine.knowledge_base();
    let mut wrong: Vec<(String, String)> = Vec::new();
    let mut checked = BTreeSet::new();
    for entry in kb.entries() {
        for sig in &entry.signatures {
            let standalone = sig.fatal
                && sig.severity == Severity::Error
                && sig.near.is_none()
                && !sig.window.as_ref().is_some_and(|w| w.require)
                && sig.tools.is_empty()
                && sig.exit_codes.is_empty()
                && !sig.tail
                && sig.scope == Scope::Anywhere;
            if !standalone {
                continue;
            }
            for ex in &sig.examples {
                let id = format!("{}/{}", entry.kind, sig.id);
                checked.insert(id.clone());
                let d = engine.diagnose_bytes(format!("{ex}\n").as_bytes(), "example");
                let primary = d.primary().map(|p| p.kind.as_str());
                if d.status != Status::Failed || primary != Some(entry.kind.as_str()) {
                    let got = match (d.status, primary) {
                        (Status::Succeeded, _) => "succeeded".to_string(),
                        (_, Some(k)) => k.to_string(),
                        (_, None) => "no primary".to_string(),
                    };
                    wrong.push((id, format!("{ex:?} -> {got}")));
                }
            }
        }
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(BASELINE);
    let wrong_ids: BTreeSet<&str> = wrong.iter().map(|(id, _)| id.as_str()).collect();
    if std::env::var_os("UPDATE_BASELINE").is_some() {
        let mut text = String::from(
            "# kind/signature ids whose example alone is not diagnosed as the kind; may only shrink\n",
        );
        for id in &wrong_ids {
            text.push_str(id);
            text.push('\n');
        }
        std::fs::write(&path, text).expect("baseline is writable");
        return;
    }
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let baseline: BTreeSet<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let new: Vec<String> = wrong
        .iter()
        .filter(|(id, _)| !baseline.contains(id.as_str()))
        .map(|(id, why)| format!("  {id}: {why}"))
        .collect();
    assert!(
        new.is_empty(),
        "examples that alone are not diagnosed as their kind:\n{}",
        new.join("\n")
    );
    let stale: Vec<&str> = baseline
        .iter()
        .copied()
        .filter(|id| !wrong_ids.contains(id))
        .collect();
    assert!(
        stale.is_empty(),
        "now diagnosed right (or gone): remove from {BASELINE}:\n  {}",
        stale.join("\n  ")
    );
}
