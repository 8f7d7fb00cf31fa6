//! Embeds `knowledge/` into the binary: every kind folder (entry, signature files, fixtures),
//! the kind list `knowledge/kinds.txt` and the emitter list `knowledge/emitters.txt`.
//!
//! Generates `$OUT_DIR/embedded.rs`. The folder layout is read by `src/layout.rs`, the same
//! module `KnowledgeBase::load_dir` uses for users' rule directories. Adding a kind is a
//! folder plus one line in `kinds.txt`; the build fails, naming both, when they disagree.

// A build script reports a broken knowledge/ layout by failing the build with a message.
#![allow(clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "src/layout.rs"]
#[allow(dead_code)]
mod layout;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("../../knowledge");
    // Cargo scans a directory given here recursively: any added, removed or edited file
    // under knowledge/ reruns this script.
    println!("cargo:rerun-if-changed={}", root.display());
    let layout = layout::read(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display()));

    let kinds_path = root.join(layout::KINDS_LIST);
    let emitters_path = root.join(layout::EMITTERS_LIST);
    let kinds_text = read(&kinds_path);
    let emitters_text = read(&emitters_path);
    let kinds: Vec<&str> = layout::list_rows(&kinds_text)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let emitters = layout::list_rows(&emitters_text);

    let mut problems = Vec::new();
    for f in &layout.folders {
        if !kinds.contains(&f.name.as_str()) {
            problems.push(format!(
                "knowledge/{}/ is not listed in knowledge/{}: add the line `{}`",
                f.name,
                layout::KINDS_LIST,
                f.name
            ));
        }
    }
    for k in &kinds {
        if !layout.folders.iter().any(|f| f.name == *k) {
            problems.push(format!(
                "knowledge/{} lists `{k}` but knowledge/{k}/{} does not exist",
                layout::KINDS_LIST,
                layout::ENTRY_FILE
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    let mut out = String::new();
    out.push_str("/// The built-in kind ids, in the order of `knowledge/kinds.txt`.\n");
    out.push_str("pub const BUILTIN_KINDS: &[&str] = &[");
    for k in &kinds {
        let _ = write!(out, "{k:?}, ");
    }
    out.push_str("];\n");
    out.push_str("/// The emitters built-in signatures may name: `(id, description)` from `knowledge/emitters.txt`.\n");
    out.push_str("pub const BUILTIN_EMITTERS: &[(&str, &str)] = &[");
    for (id, what) in &emitters {
        let _ = write!(out, "({id:?}, {what:?}), ");
    }
    out.push_str("];\n");

    out.push_str("pub(crate) static EMBEDDED: &[EmbeddedEntry] = &[\n");
    for f in &layout.folders {
        let _ = write!(
            out,
            "    EmbeddedEntry {{ dir: {:?}, toml: include_str!({:?}), signature_files: &[",
            f.name,
            abs(&f.entry)
        );
        for s in &f.signature_files {
            let name = s
                .file_name()
                .and_then(|n| n.to_str())
                .expect("signature file names are UTF-8");
            let _ = write!(
                out,
                "({:?}, include_str!({:?})), ",
                format!("{}/{name}", layout::SIGNATURES_DIR),
                abs(s)
            );
        }
        out.push_str("], fixtures: &[");
        for (name, path) in &f.fixtures {
            let _ = write!(out, "({name:?}, include_bytes!({:?})), ", abs(path));
        }
        out.push_str("] },\n");
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("embedded.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn abs(p: &Path) -> String {
    p.canonicalize()
        .unwrap_or_else(|_| p.to_path_buf())
        .to_string_lossy()
        .into_owned()
}
