//! The knowledge base: what buildmedic knows about each kind of build failure.
//!
//! One entry per kind, kept as data next to its fixture logs in `knowledge/<kind>/`:
//!
//! ```text
//! knowledge/kinds.txt        the built-in kind ids (a kind is a folder + a line here)
//! knowledge/emitters.txt     the tools signatures name as their `emitter`
//! knowledge/conda-package-not-found/
//!   kind.toml                title, summary, causes, affected areas, fix steps, references,
//!                            the kinds it explains away, signatures, fixture expectations
//!   signatures/<emitter>.toml  more signatures, one file per emitting tool (conda.toml, ...)
//!   fixtures/*.log           positive fixtures (the kind is the root cause) and near misses
//! ```
//!
//! The layout is read in one place, [`layout`], by `build.rs` and by [`KnowledgeBase::load_dir`].
//!
//! The built-in entries are embedded at build time (see `build.rs`). Users add or override
//! entries with rule directories of the same layout ([`KnowledgeBase::load_dir`]), named on the
//! command line or in `buildmedic.toml`. Every load validates: a broken file is an error that
//! names the file, line and problem.
//!
//! This crate owns the schema and validation; it does not match logs (`buildmedic-engine`).

pub mod coverage;
mod entry;
pub mod layout;
mod lazy;
mod literals;
mod load;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use entry::{
    Entry, Expect, Fixture, Near, Origin, Scope, Severity, SignatureDef, Window, placeholder_names,
    unguarded_placeholders,
};
pub use lazy::LazyRegex;
pub use load::{InvalidFile, KbError, MAX_BEFORE};

pub use embedded::{BUILTIN_EMITTERS, BUILTIN_KINDS};

/// The kind reported when the build failed but nothing in the knowledge base fits.
pub const UNKNOWN: &str = "unknown";

/// Entity names a signature may capture (named groups) and fix steps may use (`{name}`).
pub const ENTITY_NAMES: &[&str] = &[
    "package",
    "version",
    "channel",
    "image",
    "registry",
    "command",
    "file",
    "python_version",
    "module",
    "url",
    "host",
    "line",
    "stage",
];

/// The set of entries in effect: built-ins, then user entries that add or replace kinds.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    entries: BTreeMap<String, Entry>,
}

impl KnowledgeBase {
    /// The entries shipped with buildmedic.
    pub fn builtin() -> Result<Self, KbError> {
        let mut kb = KnowledgeBase::default();
        for e in embedded::EMBEDDED {
            let path = PathBuf::from(format!("knowledge/{}/kind.toml", e.dir));
            let signature_files: Vec<(PathBuf, &str)> = e
                .signature_files
                .iter()
                .map(|(name, text)| (PathBuf::from(format!("knowledge/{}/{name}", e.dir)), *text))
                .collect();
            let fixtures = e
                .fixtures
                .iter()
                .map(|(name, bytes)| ((*name).to_string(), std::borrow::Cow::Borrowed(*bytes)))
                .collect();
            let entry =
                load::parse_entry(e.toml, &path, Origin::Builtin, &signature_files, fixtures)?;
            kb.insert(entry);
        }
        kb.validate_links()?;
        Ok(kb)
    }

    /// An empty knowledge base (for `rules test` on a user directory alone).
    pub fn empty() -> Self {
        Self::default()
    }

    /// Adds or replaces entries from a rule directory: `DIR/<kind>/kind.toml` with
    /// `DIR/<kind>/signatures/*.toml` and `DIR/<kind>/fixtures/`, or flat `DIR/*.toml` files
    /// with one entry each.
    pub fn load_dir(&mut self, dir: &std::path::Path) -> Result<Vec<String>, KbError> {
        let entries = load::load_dir(dir)?;
        let kinds = entries.iter().map(|e| e.kind.clone()).collect();
        for e in entries {
            self.insert(e);
        }
        self.validate_links()?;
        Ok(kinds)
    }

    /// Removes the entry of `kind` (to measure what the others cover without it). A `near`
    /// condition of another entry that names one of its signatures then never holds.
    pub fn remove(&mut self, kind: &str) -> Option<Entry> {
        self.entries.remove(kind)
    }

    fn insert(&mut self, entry: Entry) {
        self.entries.insert(entry.kind.clone(), entry);
    }

    /// `explains` and `near` must name kinds and signatures that exist.
    fn validate_links(&self) -> Result<(), KbError> {
        for e in self.entries.values() {
            for k in &e.explains {
                if !self.entries.contains_key(k) && !BUILTIN_KINDS.contains(&k.as_str()) {
                    return Err(KbError::at(
                        &e.path,
                        e.explains_line,
                        format!("`explains` names unknown kind `{k}`"),
                    ));
                }
            }
            for s in &e.signatures {
                if let Some(near) = &s.near {
                    let (kind, id) = near.target(&e.kind);
                    let found = self
                        .entries
                        .get(kind)
                        .is_some_and(|t| t.signatures.iter().any(|t| t.id == id));
                    if !found {
                        return Err(KbError::at(
                            &s.file,
                            s.line,
                            format!(
                                "signature `{}`: `near` names unknown signature `{kind}/{id}`",
                                s.id
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Compiles every regex now (they are otherwise compiled on first use) and reports the
    /// first that cannot be, with its place.
    pub fn compile_all(&self) -> Result<(), KbError> {
        for e in self.entries.values() {
            for s in &e.signatures {
                let window = s
                    .window
                    .iter()
                    .flat_map(|w| std::iter::once(&w.capture).chain(w.stop.as_ref()));
                for r in std::iter::once(&s.regex)
                    .chain(s.unless.as_ref())
                    .chain(window)
                {
                    r.compile().map_err(|m| {
                        KbError::at(
                            &s.file,
                            s.line,
                            format!("signature `{}`: pattern `{}`: {m}", s.id, r.as_str()),
                        )
                    })?;
                }
            }
        }
        Ok(())
    }

    pub fn get(&self, kind: &str) -> Option<&Entry> {
        self.entries.get(kind)
    }

    /// Entries in kind-id order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

mod embedded {
    pub(crate) struct EmbeddedEntry {
        pub dir: &'static str,
        pub toml: &'static str,
        /// `(signatures/<emitter>.toml, text)`.
        pub signature_files: &'static [(&'static str, &'static str)],
        pub fixtures: &'static [(&'static str, &'static [u8])],
    }
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
