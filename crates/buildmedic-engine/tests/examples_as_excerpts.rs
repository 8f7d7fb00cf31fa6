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
use buildmedic_kb::{KnowledgeBase, Scope, Severity, SignatureDef};

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
            if !standalone(sig) {
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
                    let why = format!("  {id}: {ex:?} -> {got}");
                    wrong.push((id, why));
                }
            }
        }
    }
    assert!(
        checked.len() > 300,
        "only {} signatures' examples checked",
        checked.len()
    );
    check_baseline(
        BASELINE,
        "# kind/signature ids whose example alone is not diagnosed as the kind; may only shrink",
        "examples that alone are not diagnosed as their kind",
        "now diagnosed right (or gone)",
        &wrong,
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
    let mut detail: Vec<(String, String)> = Vec::new();
    let mut checked = 0usize;
    for entry in kb.entries() {
        for sig in &entry.signatures {
            if !standalone(sig) {
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
                        let why = format!("  {id}: {:?} -> {:?}", wrap(ex), got);
                        detail.push((id, why));
                    }
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} prefixed examples checked");
    check_baseline(
        PREFIX_BASELINE,
        "# kind/signature style: examples whose kind changes under a prefix style; may only shrink",
        "examples whose kind changes under a prefix",
        "now right in that style (or gone)",
        &detail,
    );
}

/// Whether a signature's match depends on its line alone, so its examples are excerpts.
fn standalone(sig: &SignatureDef) -> bool {
    sig.fatal
        && sig.severity == Severity::Error
        && sig.near.is_none()
        && !sig.window.as_ref().is_some_and(|w| w.require)
        && sig.tools.is_empty()
        && sig.exit_codes.is_empty()
        && !sig.tail
        && sig.scope == Scope::Anywhere
}

/// Compares the failures (`(id, detail line)`) with the baseline file, which may only
/// shrink: a new id fails, and so does a listed id that no longer fails. With
/// `UPDATE_BASELINE` set the file is rewritten instead.
fn check_baseline(
    file: &str,
    header: &str,
    new_msg: &str,
    stale_msg: &str,
    failures: &[(String, String)],
) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let ids: BTreeSet<&str> = failures.iter().map(|(id, _)| id.as_str()).collect();
    if std::env::var_os("UPDATE_BASELINE").is_some() {
        let mut text = format!("{header}\n");
        for id in &ids {
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
    let new: Vec<&str> = failures
        .iter()
        .filter(|(id, _)| !baseline.contains(id.as_str()))
        .map(|(_, detail)| detail.as_str())
        .collect();
    assert!(new.is_empty(), "{new_msg}:\n{}", new.join("\n"));
    let stale: Vec<&str> = baseline
        .iter()
        .copied()
        .filter(|id| !ids.contains(id))
        .collect();
    assert!(
        stale.is_empty(),
        "{stale_msg}: remove from {file}:\n  {}",
        stale.join("\n  ")
    );
}
