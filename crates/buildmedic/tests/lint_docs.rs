//! `docs/lint.md` lists every check with the documentation from its source file. This test
//! fails when the list is stale; `UPDATE_DOCS=1` rewrites it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

const START: &str = "<!-- checks:start -->\n";
const END: &str = "<!-- checks:end -->";

#[test]
fn lint_doc_lists_every_check() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/lint.md");
    let doc = std::fs::read_to_string(&path).expect("docs/lint.md exists");
    let (Some(start), Some(end)) = (doc.find(START), doc.find(END)) else {
        panic!("docs/lint.md lacks the checks markers");
    };
    let generated = buildmedic_lint::checks_markdown();
    let current = &doc[start + START.len()..end];
    if current != generated {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            let updated = format!("{}{START}{generated}{}", &doc[..start], &doc[end..]);
            std::fs::write(&path, updated).expect("write docs/lint.md");
        } else {
            panic!(
                "docs/lint.md is out of date: run `UPDATE_DOCS=1 cargo test -p buildmedic --test lint_docs`"
            );
        }
    }
    for check in buildmedic_lint::registry() {
        assert!(
            doc.contains(&format!("### {}", check.id)) || std::env::var_os("UPDATE_DOCS").is_some()
        );
    }
}
