//! The README's list of failure kinds is generated from the knowledge base. This test fails
//! when it is stale; `UPDATE_README=1 cargo test -p buildmedic --test readme` rewrites it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use buildmedic_kb::KnowledgeBase;

const START: &str = "<!-- kinds:start -->\n";
const END: &str = "<!-- kinds:end -->";

/// `README.md` at the workspace root (two levels above this crate).
fn readme_path() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.ancestors().nth(2).unwrap_or(&manifest);
    root.join("README.md")
}

#[test]
fn readme_kind_list_is_current() {
    let path = readme_path();
    let readme = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: cannot read the README ({e}); it must hold the kind list between \
             `<!-- kinds:start -->` and `<!-- kinds:end -->`",
            path.display()
        )
    });
    let readme = readme.replace("\r\n", "\n");
    let Some(start) = readme.find(START).map(|i| i + START.len()) else {
        panic!(
            "{}: no `<!-- kinds:start -->` line; add the markers around the kind list",
            path.display()
        );
    };
    let Some(end) = readme[start..].find(END).map(|i| start + i) else {
        panic!(
            "{}: no `<!-- kinds:end -->` after `<!-- kinds:start -->`",
            path.display()
        );
    };
    let kb = KnowledgeBase::builtin().expect("the built-in knowledge base loads");
    let expected = buildmedic_render::explain::kinds_markdown(&kb);
    let current = &readme[start..end];
    if current == expected {
        return;
    }
    if std::env::var_os("UPDATE_README").is_some_and(|v| v == "1") {
        let updated = format!("{}{expected}{}", &readme[..start], &readme[end..]);
        std::fs::write(&path, updated)
            .unwrap_or_else(|e| panic!("{}: cannot write: {e}", path.display()));
        eprintln!("{}: kind list updated", path.display());
        return;
    }
    let diff: Vec<String> = diff_lines(current, &expected);
    panic!(
        "{}: the kind list is stale; run `UPDATE_README=1 cargo test -p buildmedic --test readme`\n{}",
        path.display(),
        diff.join("\n")
    );
}

/// Lines only in the README (`-`) or only in the generated list (`+`).
fn diff_lines(current: &str, expected: &str) -> Vec<String> {
    let old: Vec<&str> = current.lines().collect();
    let new: Vec<&str> = expected.lines().collect();
    let removed = old
        .iter()
        .filter(|l| !new.contains(l))
        .map(|l| format!("- {l}"));
    let added = new
        .iter()
        .filter(|l| !old.contains(l))
        .map(|l| format!("+ {l}"));
    removed.chain(added).collect()
}
