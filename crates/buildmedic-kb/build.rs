//! Embeds `knowledge/<kind>/` (entry + fixtures) into the binary.
//!
//! Generates `$OUT_DIR/embedded.rs` with one `EmbeddedEntry` per kind folder. Adding a kind
//! is adding a folder; nothing in the code lists kinds by hand.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("../../knowledge");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut out = String::from("pub(crate) static EMBEDDED: &[EmbeddedEntry] = &[\n");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    dirs.sort();
    for dir in dirs.iter().filter(|d| d.join("kind.toml").is_file()) {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("kind folders have UTF-8 names");
        let entry = dir.join("kind.toml");
        println!("cargo:rerun-if-changed={}", entry.display());
        let _ = write!(
            out,
            "    EmbeddedEntry {{ dir: {name:?}, toml: include_str!({:?}), fixtures: &[",
            abs(&entry)
        );
        let mut fixtures: Vec<PathBuf> = std::fs::read_dir(dir.join("fixtures"))
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        fixtures.sort();
        for f in fixtures.iter().filter(|f| f.is_file()) {
            let file = f
                .file_name()
                .and_then(|n| n.to_str())
                .expect("fixture names are UTF-8");
            let _ = write!(
                out,
                "({:?}, include_bytes!({:?})), ",
                format!("fixtures/{file}"),
                abs(f)
            );
        }
        out.push_str("] },\n");
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("embedded.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn abs(p: &Path) -> String {
    p.canonicalize()
        .unwrap_or_else(|_| p.to_path_buf())
        .to_string_lossy()
        .into_owned()
}
