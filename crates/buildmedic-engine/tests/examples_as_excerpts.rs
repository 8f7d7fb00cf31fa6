//! Every example line of a fatal signature is, on its own, an excerpt a user might paste: the
//! engine must diagnose it as a failure of the signature's kind. This is what makes a short
//! paste of a known tool's fatal message a failure by itself, with or without build framing.
//!
//! Signatures whose match depends on more than the line (`near`, a `require`d window, `tools`,
//! `exit_codes`, `tail`, `scope = "failing-step"`) and non-fatal or warning signatures are not
//! checked alone. Known exceptions are listed in a baseline that may only shrink.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use buildmedic_engine::{Engine, Status};
use buildmedic_kb::{KnowledgeBase, Scope, Severity};

const BASELINE: &str = "tests/examples_as_excerpts.baseline";

#[test]
fn a_fatal_example_alone_is_a_failure_of_its_kind() {
    let kb = KnowledgeBase::builtin().expect("the built-in knowledge base loads");
    let engine = Engine::new(kb).expect("the built-in signatures compile");
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

/// The ways a pasted or captured line is prefixed: the reader strips each, so an example
/// that alone is a failure of its kind stays one in every style.
/// A prefix style: its name and how it wraps a line.
type Style = (&'static str, fn(&str) -> String);

const PREFIX_STYLES: &[Style] = &[
    ("buildkit", |l| format!("#8 12.34 {l}")),
    ("github-actions", |l| {
        format!("2024-05-01T10:20:30.1234567Z {l}")
    }),
    ("iso-timestamp", |l| format!("2024-05-01T10:20:30Z {l}")),
    ("jenkins", |l| format!("[2024-05-01T10:20:30.123Z] {l}")),
    ("logrus", |l| {
        let msg = l.replace('\\', "\\\\").replace('"', "\\\"");
        format!("time=\"2024-05-01T10:20:30Z\" level=error msg=\"{msg}\"")
    }),
    ("markdown-quote", |l| format!("> {l}")),
];

const PREFIX_BASELINE: &str = "tests/examples_in_prefixes.baseline";

#[test]
fn a_fatal_example_keeps_its_kind_in_every_prefix_style() {
    let kb = KnowledgeBase::builtin().expect("the built-in knowledge base loads");
    let engine = Engine::new(kb).expect("the built-in signatures compile");
    let kb = engine.knowledge_base();
    let diagnose = |text: &str| {
        let d = engine.diagnose_bytes(format!("{text}\n").as_bytes(), "example");
        (d.status, d.primary().map(|p| p.kind.clone()))
    };
    let mut wrong: BTreeSet<String> = BTreeSet::new();
    let mut detail: Vec<String> = Vec::new();
    let mut checked = 0usize;
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
                let bare = diagnose(ex);
                // Examples that fail alone are the other test's baseline.
                if bare != (Status::Failed, Some(entry.kind.clone())) {
                    continue;
                }
                for (style, wrap) in PREFIX_STYLES {
                    checked += 1;
                    let got = diagnose(&wrap(ex));
                    if got != bare {
                        let id = format!("{}/{} {style}", entry.kind, sig.id);
                        detail.push(format!("  {id}: {:?} -> {:?}", wrap(ex), got));
                        wrong.insert(id);
                    }
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} prefixed examples checked");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PREFIX_BASELINE);
    if std::env::var_os("UPDATE_BASELINE").is_some() {
        let mut text = String::from(
            "# kind/signature style: examples whose kind changes under a prefix style; may only shrink\n",
        );
        for id in &wrong {
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
    let new: Vec<&String> = detail
        .iter()
        .filter(|d| {
            let id = d.trim().split(": ").next().unwrap_or("");
            !baseline.contains(id)
        })
        .collect();
    assert!(
        new.is_empty(),
        "examples whose kind changes under a prefix:\n{}",
        new.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let stale: Vec<&str> = baseline
        .iter()
        .copied()
        .filter(|id| !wrong.contains(*id))
        .collect();
    assert!(
        stale.is_empty(),
        "now right in that style (or gone): remove from {PREFIX_BASELINE}:\n  {}",
        stale.join("\n  ")
    );
}
