//! Every signature of every built-in entry is exercised: its regex matches at least one
//! cleaned line of one of the entry's fixtures (for `tail` signatures: the last non-empty line
//! of a fixture), or it has `examples` (which `buildmedic-kb`'s tests check fire). A signature
//! nothing reaches is a pattern nobody has seen match, and a typo in it would go unnoticed.
//! Every signature file (`signatures/<emitter>.toml`) also lists at least one fixture, so each
//! emitter's messages are seen in the context of a whole log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use buildmedic_kb::{KnowledgeBase, SignatureDef};
use buildmedic_log::{Batch, Sink, Step, read_log};

/// Collects the cleaned text of every line, the way the engine sees it.
#[derive(Default)]
struct Lines(Vec<Vec<u8>>);

impl Sink for Lines {
    fn batch(&mut self, batch: &Batch<'_>, _: &[Step]) {
        for line in batch.lines {
            self.0.push(batch.text(line).to_vec());
        }
    }
}

fn cleaned_lines(log: &[u8]) -> Vec<Vec<u8>> {
    let mut sink = Lines::default();
    read_log(log, &mut sink).expect("in-memory reads do not fail");
    sink.0
}

fn is_covered(sig: &SignatureDef, fixtures: &[Vec<Vec<u8>>]) -> bool {
    let Some(re) = sig.regex.get() else {
        return false;
    };
    fixtures.iter().any(|lines| {
        if sig.tail {
            lines
                .iter()
                .rev()
                .find(|l| l.iter().any(|b| !b.is_ascii_whitespace()))
                .is_some_and(|l| re.is_match(l))
        } else {
            lines.iter().any(|l| re.is_match(l))
        }
    })
}

/// Signatures written from documented tool messages before a fixture exercised them. The
/// list may only shrink: a signature missing from it must be covered, and a listed signature
/// that became covered (or no longer exists) must be removed (`UPDATE_BASELINE=1` rewrites
/// the file).
const BASELINE: &str = "tests/signature_coverage.baseline";

#[test]
fn every_signature_matches_a_fixture_of_its_entry() {
    let kb = KnowledgeBase::builtin().expect("the built-in knowledge base loads");
    let mut uncovered: Vec<(String, String)> = Vec::new();
    let mut all = std::collections::BTreeSet::new();
    for entry in kb.entries() {
        let fixtures: Vec<Vec<Vec<u8>>> = entry
            .fixtures
            .iter()
            .map(|fx| cleaned_lines(&fx.bytes))
            .collect();
        for sig in &entry.signatures {
            let id = format!("{}/{}", entry.kind, sig.id);
            all.insert(id.clone());
            if sig.examples.is_empty() && !is_covered(sig, &fixtures) {
                let what = if sig.tail {
                    "the last line of no fixture matches"
                } else {
                    "no fixture line matches"
                };
                uncovered.push((id, format!("({what}): {}", sig.pattern)));
            }
        }
    }
    assert!(!all.is_empty(), "the built-in entries have no signatures");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(BASELINE);
    if std::env::var_os("UPDATE_BASELINE").is_some() {
        let mut text =
            String::from("# kind/signature ids not yet exercised by a fixture; may only shrink\n");
        for (id, _) in &uncovered {
            text.push_str(id);
            text.push('\n');
        }
        std::fs::write(&path, text).expect("baseline is writable");
        return;
    }
    let baseline_text = std::fs::read_to_string(&path).unwrap_or_default();
    let baseline: std::collections::BTreeSet<&str> = baseline_text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let new: Vec<String> = uncovered
        .iter()
        .filter(|(id, _)| !baseline.contains(id.as_str()))
        .map(|(id, why)| format!("  {id} {why}"))
        .collect();
    let uncovered_ids: std::collections::BTreeSet<&str> =
        uncovered.iter().map(|(id, _)| id.as_str()).collect();
    let stale: Vec<&str> = baseline
        .iter()
        .copied()
        .filter(|id| !uncovered_ids.contains(id) || !all.contains(*id))
        .collect();
    assert!(
        new.is_empty(),
        "{} signatures match no fixture of their entry (add a fixture):\n{}",
        new.len(),
        new.join("\n")
    );
    assert!(
        stale.is_empty(),
        "covered or removed signatures are still listed in {BASELINE} (remove them, or run with UPDATE_BASELINE=1):\n  {}",
        stale.join("\n  ")
    );
}

#[test]
fn every_signature_file_lists_a_fixture() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../knowledge");
    let layout = buildmedic_kb::layout::read(&root).expect("knowledge/ is readable");
    let mut missing = Vec::new();
    for folder in &layout.folders {
        for file in &folder.signature_files {
            let text = std::fs::read_to_string(file).expect("readable");
            let value: toml::Value = toml::from_str(&text).expect("valid TOML (the KB loaded)");
            let has = value
                .get("fixture")
                .and_then(|f| f.as_array())
                .is_some_and(|a| !a.is_empty());
            if !has {
                missing.push(file.display().to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "signature files without a [[fixture]] (add a fixture log exercising the emitter's messages):\n  {}",
        missing.join("\n  ")
    );
}
