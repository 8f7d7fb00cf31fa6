//! The built-in knowledge base: every signature's examples hold, and every signature says
//! what prints it (`emitter`), where the message is defined (`source`) and what it looks like
//! (`examples`). Signatures written before those fields existed are listed in a baseline that
//! may only shrink.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use buildmedic_kb::{BUILTIN_EMITTERS, BUILTIN_KINDS, KnowledgeBase};

#[test]
fn every_example_fires_and_no_not_example_does() {
    let kb = KnowledgeBase::builtin().expect("the built-in knowledge base loads");
    let mut problems = Vec::new();
    for entry in kb.entries() {
        for sig in &entry.signatures {
            for p in sig.check_examples() {
                problems.push(format!(
                    "{}:{}: {}/{}: {p}",
                    sig.file.display(),
                    sig.line,
                    entry.kind,
                    sig.id
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

const BASELINE: &str = "tests/signature_metadata.baseline";

#[test]
fn every_signature_has_emitter_source_and_examples() {
    let kb = KnowledgeBase::builtin().expect("the built-in knowledge base loads");
    let mut incomplete = BTreeSet::new();
    let mut all = BTreeSet::new();
    for entry in kb.entries() {
        for sig in &entry.signatures {
            let id = format!("{}/{}", entry.kind, sig.id);
            if sig.emitter.is_none() || sig.sources.is_empty() || sig.examples.is_empty() {
                incomplete.insert(id.clone());
            }
            all.insert(id);
        }
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(BASELINE);
    if std::env::var_os("UPDATE_BASELINE").is_some() {
        let mut text = String::from(
            "# kind/signature ids still missing `emitter`, `source` or `examples`; may only shrink\n",
        );
        for id in &incomplete {
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
    let new: Vec<&String> = incomplete
        .iter()
        .filter(|id| !baseline.contains(id.as_str()))
        .collect();
    assert!(
        new.is_empty(),
        "signatures without emitter, source or examples (add them):\n  {}",
        new.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  ")
    );
    let stale: Vec<&str> = baseline
        .iter()
        .copied()
        .filter(|id| !incomplete.contains(*id) || !all.contains(*id))
        .collect();
    assert!(
        stale.is_empty(),
        "complete or removed signatures are still listed in {BASELINE} (remove them, or run with UPDATE_BASELINE=1):\n  {}",
        stale.join("\n  ")
    );
}

#[test]
fn the_lists_are_consistent() {
    let kb = KnowledgeBase::builtin().expect("the built-in knowledge base loads");
    let kinds: Vec<&str> = kb.entries().map(|e| e.kind.as_str()).collect();
    let mut listed: Vec<&str> = BUILTIN_KINDS.to_vec();
    listed.sort_unstable();
    assert_eq!(kinds, listed);
    let mut emitters = BTreeSet::new();
    for (id, what) in BUILTIN_EMITTERS {
        assert!(emitters.insert(*id), "emitter `{id}` listed twice");
        assert!(!what.is_empty(), "emitter `{id}` has no description");
    }
}

const FIX_BASELINE: &str = "tests/fix_placeholders.baseline";

/// A fix step never shows a stand-in ("run the command (the command) by hand"): every
/// placeholder of a built-in step sits in an optional part (`[?...{name}...|fallback?]`).
/// Kinds not converted yet are listed in a baseline that may only shrink.
#[test]
fn fix_steps_show_no_stand_in() {
    let kb = KnowledgeBase::builtin().expect("the built-in knowledge base loads");
    let mut unguarded = BTreeSet::new();
    for entry in kb.entries() {
        if entry
            .fix
            .iter()
            .any(|s| !buildmedic_kb::unguarded_placeholders(s).is_empty())
        {
            unguarded.insert(entry.kind.clone());
        }
        // With no entities at all, no step may show a placeholder or a brace.
        if !unguarded.contains(&entry.kind) {
            for step in entry.render_fix(&Default::default()) {
                assert!(
                    !step.contains('{') && !step.contains("[?"),
                    "{}: {step}",
                    entry.kind
                );
            }
        }
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(FIX_BASELINE);
    if std::env::var_os("UPDATE_BASELINE").is_some() {
        let mut text = String::from(
            "# kinds whose fix steps still have a placeholder outside an optional part; may only shrink\n",
        );
        for k in &unguarded {
            text.push_str(k);
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
    let new: Vec<&String> = unguarded
        .iter()
        .filter(|k| !baseline.contains(k.as_str()))
        .collect();
    assert!(
        new.is_empty(),
        "fix steps with unguarded placeholders: {new:?}"
    );
    let stale: Vec<&&str> = baseline
        .iter()
        .filter(|k| !unguarded.contains(**k))
        .collect();
    assert!(stale.is_empty(), "remove from {FIX_BASELINE}: {stale:?}");
}

#[test]
fn every_listed_window_entity_is_a_group_of_its_capture() {
    let kb = KnowledgeBase::builtin().expect("the built-in knowledge base loads");
    let mut checked = 0;
    for entry in kb.entries() {
        for sig in &entry.signatures {
            let Some(w) = &sig.window else { continue };
            let Some(listed) = &w.listed else { continue };
            assert!(
                w.capture.capture_names().any(|n| n == listed),
                "{}/{}: window.listed `{listed}` is not a group of window.capture",
                entry.kind,
                sig.id
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no built-in signature uses window.listed");
}
