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
pub mod prefilter;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use entry::{
    Entry, Expect, Fixture, Near, Origin, Scope, Severity, SignatureDef, Window, placeholder_names,
    unguarded_placeholders,
};
pub use lazy::LazyRegex;
pub use literals::{
    BENIGN_SAMPLE, GramModel, IndexEntry, IndexSignature, PREFILTER_STRIDE, PREFILTER_WINDOW,
};
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
///
/// Built-in entries are parsed on first use ([`KnowledgeBase::get`]): starting buildmedic
/// costs the same whatever the size of the knowledge base, and a diagnosis parses only the
/// kinds it reports. What matching needs of them up front was computed by `build.rs`
/// ([`KnowledgeBase::prefilter_entries`]).
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    entries: BTreeMap<String, Slot>,
}

#[derive(Debug, Clone)]
enum Slot {
    /// `embedded::EMBEDDED[i]`, parsed on first use.
    Builtin(usize),
    Loaded(std::sync::Arc<Entry>),
}

/// An entry as the prefilter sees it: the index `build.rs` computed for a built-in entry, or
/// a user entry (already parsed).
pub enum PrefilterEntry<'a> {
    Builtin(&'static IndexEntry),
    /// Shared, so that the matcher keeps its signatures without copying them.
    Loaded(&'a std::sync::Arc<Entry>),
}

/// Built-in entry `i`, parsed on first use and kept for the life of the process. The
/// built-in entries are checked by the tests and by `rules test`, so this does not fail in
/// practice; if it did, the kind would be left out rather than stop a diagnosis.
fn builtin_entry(i: usize) -> Option<&'static Entry> {
    static PARSED: std::sync::LazyLock<Vec<std::sync::OnceLock<Option<Entry>>>> =
        std::sync::LazyLock::new(|| {
            (0..embedded::EMBEDDED.len())
                .map(|_| std::sync::OnceLock::new())
                .collect()
        });
    PARSED
        .get(i)?
        .get_or_init(|| parse_builtin(i, true).ok())
        .as_ref()
}

/// Parses built-in entry `i`; `trusted` skips what the tests and `rules test` check (see
/// [`load::parse_entry`]).
fn parse_builtin(i: usize, trusted: bool) -> Result<Entry, KbError> {
    let e = &embedded::EMBEDDED[i];
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
    let index = trusted.then(|| &embedded::INDEX[i]);
    load::parse_entry(
        e.toml,
        &path,
        Origin::Builtin,
        &signature_files,
        fixtures,
        index,
    )
}

/// Signature `signature` of built-in entry `entry` (indices of [`PrefilterEntry::Builtin`]'s
/// `IndexEntry` and its `signatures`), parsed on first use; a signature that never matches if
/// the entry could not be parsed.
pub fn builtin_signature(entry: usize, signature: usize) -> &'static SignatureDef {
    static NEVER: std::sync::LazyLock<SignatureDef> = std::sync::LazyLock::new(|| {
        let pattern = r"(?-u:[^\x00-\xFF])";
        SignatureDef {
            id: String::new(),
            pattern: pattern.to_string(),
            regex: LazyRegex::new(pattern, false)
                .unwrap_or_else(|_| unreachable!("a constant pattern")),
            triggers: Vec::new(),
            weight: 0.0,
            unless: None,
            tools: Vec::new(),
            exit_codes: Vec::new(),
            near: None,
            window: None,
            scope: Scope::Anywhere,
            tail: false,
            emitter: None,
            fatal: false,
            severity: Severity::Warning,
            sources: Vec::new(),
            examples: Vec::new(),
            not_examples: Vec::new(),
            file: PathBuf::new(),
            line: 0,
        }
    });
    builtin_entry(entry)
        .and_then(|e| e.signatures.get(signature))
        .unwrap_or(&NEVER)
}

impl KnowledgeBase {
    /// The entries shipped with buildmedic (parsed when first used).
    pub fn builtin() -> Result<Self, KbError> {
        let mut kb = KnowledgeBase::default();
        for (i, e) in embedded::INDEX.iter().enumerate() {
            kb.entries.insert(e.kind.to_string(), Slot::Builtin(i));
        }
        Ok(kb)
    }

    /// What the prefilter needs of every entry, in kind-id order, with the index of each
    /// built-in entry for [`builtin_signature`].
    pub fn prefilter_entries(&self) -> impl Iterator<Item = (Option<usize>, PrefilterEntry<'_>)> {
        self.entries.values().map(|slot| match slot {
            Slot::Builtin(i) => (Some(*i), PrefilterEntry::Builtin(&embedded::INDEX[*i])),
            Slot::Loaded(e) => (None, PrefilterEntry::Loaded(e)),
        })
    }

    /// The prefilter tables of the built-in entries, compiled into the binary, when this
    /// knowledge base is exactly the built-in one (no entry added or replaced); the engine
    /// builds them at run time otherwise.
    pub fn builtin_prefilter(&self) -> Option<&'static prefilter::StaticPrefilter> {
        let builtin_only = self.entries.len() == embedded::INDEX.len()
            && self
                .entries
                .values()
                .enumerate()
                .all(|(i, slot)| matches!(slot, Slot::Builtin(j) if *j == i));
        builtin_only.then_some(&embedded::PREFILTER)
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
        let slot = self.entries.remove(kind)?;
        Self::resolve(&slot).cloned()
    }

    fn insert(&mut self, entry: Entry) {
        self.entries
            .insert(entry.kind.clone(), Slot::Loaded(std::sync::Arc::new(entry)));
    }

    /// Whether kind `kind` has a signature `id`, without parsing a built-in entry.
    fn has_signature(&self, kind: &str, id: &str) -> bool {
        match self.entries.get(kind) {
            Some(Slot::Builtin(i)) => embedded::INDEX[*i].signatures.iter().any(|s| s.id == id),
            Some(Slot::Loaded(e)) => e.signatures.iter().any(|s| s.id == id),
            None => false,
        }
    }

    /// `explains` and `near` must name kinds and signatures that exist. Built-in entries
    /// were checked when built; only their `near` links into replaced kinds are checked here.
    fn validate_links(&self) -> Result<(), KbError> {
        for (i, index) in embedded::INDEX.iter().enumerate() {
            if !matches!(self.entries.get(index.kind), Some(Slot::Builtin(j)) if *j == i) {
                continue;
            }
            for s in index.signatures {
                let Some(near) = s.near else { continue };
                let (kind, id) = near.split_once('/').unwrap_or((index.kind, near));
                if matches!(self.entries.get(kind), Some(Slot::Loaded(_)))
                    && !self.has_signature(kind, id)
                    && let Some(e) = builtin_entry(i)
                    && let Some(def) = e.signatures.iter().find(|d| d.id == s.id)
                {
                    return Err(KbError::at(
                        &def.file,
                        def.line,
                        format!(
                            "signature `{}`: `near` names unknown signature `{kind}/{id}` (its kind was replaced)",
                            s.id
                        ),
                    ));
                }
            }
        }
        for slot in self.entries.values() {
            let Slot::Loaded(e) = slot else { continue };
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
                    if !self.has_signature(kind, id) {
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
        for e in self.entries() {
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
        self.entries.get(kind).and_then(Self::resolve)
    }

    fn resolve(slot: &Slot) -> Option<&Entry> {
        match slot {
            Slot::Builtin(i) => builtin_entry(*i),
            Slot::Loaded(e) => Some(e),
        }
    }

    /// Entries in kind-id order (built-in ones are parsed now if they were not yet).
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values().filter_map(Self::resolve)
    }

    /// The first built-in entry that cannot be parsed, with its error (for tests and
    /// `rules test`; [`KnowledgeBase::get`] leaves such an entry out).
    pub fn check_builtin() -> Result<(), KbError> {
        let mut kb = KnowledgeBase::default();
        for i in 0..embedded::EMBEDDED.len() {
            kb.insert(parse_builtin(i, false)?);
        }
        kb.validate_links()
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
