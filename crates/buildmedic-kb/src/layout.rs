//! The layout of a knowledge-base directory, in one place: `build.rs` embeds the built-in
//! `knowledge/` with it and [`crate::KnowledgeBase::load_dir`] reads users' rule directories
//! with it, so the two can never disagree about which files belong to an entry.
//!
//! ```text
//! <root>/kinds.txt                 the built-in kind ids, one per line (built-ins only)
//! <root>/emitters.txt              the tools signatures may name as `emitter` (built-ins only)
//! <root>/<kind>/kind.toml          the entry (documentation, ranking knowledge, signatures)
//! <root>/<kind>/signatures/*.toml  more signatures, one file per emitting tool
//! <root>/<kind>/fixtures/*         fixture logs
//! <root>/*.toml                    flat layout (user directories): one entry per file
//! ```
//!
//! This file is also compiled into `build.rs` (`#[path]`), so it uses `std` only.

use std::io;
use std::path::{Path, PathBuf};

/// The files of one kind folder.
#[derive(Debug, Clone)]
pub struct KindFolder {
    /// The folder name, which must be the kind id.
    pub name: String,
    pub entry: PathBuf,
    /// `signatures/*.toml`, sorted.
    pub signature_files: Vec<PathBuf>,
    /// Files under `fixtures/`, sorted, with their path relative to the folder
    /// (`fixtures/pos-legacy.log`).
    pub fixtures: Vec<(String, PathBuf)>,
}

/// What a rule directory holds: kind folders, and flat entry files.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub folders: Vec<KindFolder>,
    /// `<root>/*.toml`.
    pub flat: Vec<PathBuf>,
}

pub const ENTRY_FILE: &str = "kind.toml";
pub const SIGNATURES_DIR: &str = "signatures";
pub const FIXTURES_DIR: &str = "fixtures";
pub const KINDS_LIST: &str = "kinds.txt";
pub const EMITTERS_LIST: &str = "emitters.txt";

fn sorted_entries(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for e in std::fs::read_dir(dir)? {
        paths.push(e?.path());
    }
    paths.sort();
    Ok(paths)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads the layout of `root`. A folder without `kind.toml` is not an entry (and is left
/// alone); a file that cannot be listed is an error.
pub fn read(root: &Path) -> io::Result<Layout> {
    let mut layout = Layout::default();
    for p in sorted_entries(root)? {
        if p.is_dir() {
            let entry = p.join(ENTRY_FILE);
            if entry.is_file() {
                layout.folders.push(folder(&p, entry)?);
            }
        } else if p.extension().is_some_and(|e| e == "toml") {
            layout.flat.push(p);
        }
    }
    Ok(layout)
}

fn folder(dir: &Path, entry: PathBuf) -> io::Result<KindFolder> {
    let mut signature_files = Vec::new();
    let sigs = dir.join(SIGNATURES_DIR);
    if sigs.is_dir() {
        for p in sorted_entries(&sigs)? {
            if p.is_file() && p.extension().is_some_and(|e| e == "toml") {
                signature_files.push(p);
            }
        }
    }
    let mut fixtures = Vec::new();
    let fx = dir.join(FIXTURES_DIR);
    if fx.is_dir() {
        for p in sorted_entries(&fx)? {
            if p.is_file() {
                fixtures.push((format!("{FIXTURES_DIR}/{}", file_name(&p)), p));
            }
        }
    }
    Ok(KindFolder {
        name: file_name(dir),
        entry,
        signature_files,
        fixtures,
    })
}

/// The rows of a list file (`kinds.txt`, `emitters.txt`): one per line, the id first, then an
/// optional description; `#` starts a comment.
pub fn list_rows(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((id, rest)) => (id, rest.trim()),
            None => (l, ""),
        })
        .collect()
}
