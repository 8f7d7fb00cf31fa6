//! Every signature of every built-in entry is exercised by a fixture of its own entry: its
//! regex matches at least one cleaned line of one of the entry's fixtures (for `tail`
//! signatures: the last non-empty line of a fixture). A signature no fixture reaches is a
//! pattern nobody has seen match, and a typo in it would go unnoticed.

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

#[test]
fn every_signature_matches_a_fixture_of_its_entry() {
    let kb = KnowledgeBase::builtin().expect("the built-in knowledge base loads");
    let mut uncovered = Vec::new();
    let mut total = 0;
    for entry in kb.entries() {
        let fixtures: Vec<Vec<Vec<u8>>> = entry
            .fixtures
            .iter()
            .map(|fx| cleaned_lines(&fx.bytes))
            .collect();
        for sig in &entry.signatures {
            total += 1;
            if !is_covered(sig, &fixtures) {
                let what = if sig.tail {
                    "the last line of no fixture matches"
                } else {
                    "no fixture line matches"
                };
                uncovered.push(format!(
                    "  {}/{} ({what}): {}",
                    entry.kind, sig.id, sig.pattern
                ));
            }
        }
    }
    assert!(total > 0, "the built-in entries have no signatures");
    assert!(
        uncovered.is_empty(),
        "{} of {total} signatures match no fixture of their entry:\n{}",
        uncovered.len(),
        uncovered.join("\n")
    );
}
