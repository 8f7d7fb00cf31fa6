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

// Trigger derivation and the prefilter's window choice, shared with the library: the
// index built here must say what parsing the entry at run time would say.
#[path = "src/literals.rs"]
#[allow(dead_code)]
mod literals;

// The prefilter's tables, computed here for the built-in entries by the function the engine
// uses at run time for other signature sets.
#[path = "src/prefilter.rs"]
#[allow(dead_code)]
mod prefilter;

/// Prefilter view of one signature: `None` for a `tail` one, else its triggers and windows.
type SignatureTriggers = Option<Vec<(Vec<u8>, Option<usize>)>>;

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
    out.push_str(&index(&layout));
    let dest =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("embedded.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

/// `INDEX`: for each embedded entry (same order), what the prefilter needs: the kind, the
/// benign literals, and per signature its id, triggers (given or derived from the pattern,
/// as `load.rs` does) with their prefilter windows, `tail`, whether its window looks back,
/// and `near`. Start-up then parses no TOML and no regex.
fn index(layout: &layout::Layout) -> String {
    let model = literals::GramModel::new();
    let mut all: Vec<SignatureTriggers> = Vec::new();
    let mut out = String::from("pub(crate) static INDEX: &[crate::literals::IndexEntry] = &[\n");
    for f in &layout.folders {
        let entry = table(&f.entry);
        let kind = entry
            .get("kind")
            .and_then(|v| v.as_str())
            .unwrap_or(&f.name);
        let benign: Vec<&str> = entry
            .get("benign")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    crate::literals::IndexEntry {{ kind: {kind:?}, benign: &{benign:?}, signatures: &["
        );
        let files: Vec<(PathBuf, toml::Table)> = std::iter::once((f.entry.clone(), entry.clone()))
            .chain(f.signature_files.iter().map(|p| (p.clone(), table(p))))
            .collect();
        for (path, t) in &files {
            for sig in t
                .get("signature")
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
            {
                let (text, triggers) = index_signature(path, sig, &model);
                out.push_str(&text);
                all.push(triggers);
            }
        }
        out.push_str("    ] },\n");
    }
    out.push_str("];\n");
    let views: Vec<prefilter::TriggerView<'_>> = all
        .iter()
        .map(|t| {
            t.as_ref()
                .map(|ts| ts.iter().map(|(l, w)| (l.as_slice(), *w)).collect())
        })
        .collect();
    let lits = prefilter::distinct_literals(&views);
    let grams = prefilter::gram_tables(&lits.literals, &lits.windows);
    out.push_str(&prefilter::static_source("PREFILTER", &lits, &grams));
    out
}

fn index_signature(
    path: &Path,
    sig: &toml::Value,
    model: &literals::GramModel,
) -> (String, SignatureTriggers) {
    let str_of = |k: &str| sig.get(k).and_then(|v| v.as_str());
    let bool_of = |k: &str| sig.get(k).and_then(|v| v.as_bool()).unwrap_or(false);
    let id = str_of("id").unwrap_or_default();
    let place = || format!("{}: signature `{id}`", path.display());
    let pattern = str_of("pattern").unwrap_or_default();
    let case_insensitive = bool_of("case_insensitive");
    let triggers: Vec<Vec<u8>> = match sig.get("trigger") {
        Some(toml::Value::String(t)) => vec![t.as_bytes().to_vec()],
        Some(toml::Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str())
            .map(|t| t.as_bytes().to_vec())
            .collect(),
        _ => {
            let hir = regex_syntax::ParserBuilder::new()
                .utf8(false)
                .case_insensitive(case_insensitive)
                .build()
                .parse(pattern)
                .unwrap_or_else(|e| panic!("{}: pattern: {e}", place()));
            literals::required_literals_of(&hir).unwrap_or_else(|| {
                panic!(
                    "{}: cannot derive a trigger literal; add `trigger`",
                    place()
                )
            })
        }
    };
    let looks_back = sig
        .get("window")
        .and_then(|w| w.get("before"))
        .and_then(|b| b.as_integer())
        .is_some_and(|b| b > 0);
    let near = sig
        .get("near")
        .and_then(|n| n.get("signature"))
        .and_then(|s| s.as_str());
    let mut s = format!("        crate::literals::IndexSignature {{ id: {id:?}, triggers: &[");
    let mut view = Vec::new();
    for t in &triggers {
        let window = model.window(t).and_then(|w| u16::try_from(w).ok());
        let _ = write!(s, "(&{t:?}, {window:?}), ");
        view.push((t.clone(), window.map(usize::from)));
    }
    let tail = bool_of("tail");
    let _ = writeln!(
        s,
        "], tail: {tail}, looks_back: {looks_back}, near: {near:?} }},"
    );
    (s, (!tail).then_some(view))
}

fn table(path: &Path) -> toml::Table {
    let text = read(path);
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
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
