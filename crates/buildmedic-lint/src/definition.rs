//! The definition model: what a set of environment definitions asks for, with where each
//! thing is written. Shared by `buildmedic lint`, `buildmedic preflight` (do the images,
//! conda packages and pip requirements exist?) and `diagnose --env` (which line of the
//! definition asked for what failed).
//!
//! ```no_run
//! use buildmedic_lint::definition::{self, PipParsed};
//! # fn main() -> Result<(), definition::DiscoverError> {
//! let defs = definition::discover(&["envs/".into()])?;
//! for image in defs.images() {
//!     let l = &image.location;
//!     println!("{}:{}:{} image {} ({:?})", l.file, l.line, l.column, image.reference, image.source);
//! }
//! for env in defs.conda() {
//!     for spec in env.specs.iter().filter(|s| s.spec.is_ok()) {
//!         println!("conda {} from {:?}", spec.text, env.channels);
//!     }
//! }
//! for req in defs.pip() {
//!     if let PipParsed::Requirement(r) = &req.parsed {
//!         println!("pip {} via {:?} for {:?}", r.name, req.index.index_url, req.python);
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # Discovery
//!
//! [`discover`] reads files and directories exactly as `buildmedic lint` does (it is the same
//! code): directories are walked (skipping hidden directories, `node_modules`, virtualenvs,
//! ...); each file is decoded (UTF-8, UTF-16 with a BOM, lossy otherwise) and classified by
//! name, then by its keys: Azure ML v2 YAML, Azure ML v1 JSON, conda `environment.yml`,
//! pip requirements, Dockerfile. References are followed depth first, each file once: a v2
//! `conda_file` and `build` context Dockerfile (its context is [`DefinitionFile::context_dir`]),
//! a v1 inline `docker.baseDockerfile` (a virtual file shown as `env.json#docker.baseDockerfile`),
//! and `-r`/`-c` includes of requirements files and `pip:` lists.
//!
//! # What a file asks for ([`Asks`])
//!
//! - **images** ([`Image`]): `FROM` bases (after `ARG` defaults are substituted, as lint
//!   does), `COPY --from=<image>` and `RUN --mount=from=<image>` that are not stages, v2
//!   `image:` and v1 `docker.baseImage`; the reference as written and parsed with Docker's
//!   grammar.
//! - **conda** ([`CondaEnvironment`]): each environment's channels in order, its `python`
//!   entry and every spec as rattler's `MatchSpec` — from conda files, inline Azure ML
//!   specifications and `conda|mamba|micromamba install|create` in `RUN` steps.
//! - **pip** ([`PipRequirement`]): each requirement as a uv-pep508 `Requirement` (or a direct
//!   reference, a template, or invalid with uv's message), with the index options in effect
//!   for its pip invocation (`--index-url`, `--extra-index-url`, `--find-links`,
//!   `--no-index`: pip applies them to every file the invocation reads, includes too) and
//!   the environment's `python` when known — from requirements files, conda `pip:` lists
//!   (the files they include inherit the environment's python) and `pip install` in `RUN`.
//! - **instructions** ([`DockerInstruction`]): every Dockerfile instruction with its stage
//!   and `COPY`/`ADD` sources.
//!
//! Every item has a [`Location`]: file, 1-based line and column (in characters), end, and
//! the byte range. Values that do not parse are listed with the error, so a consumer can
//! say what it skipped. Lint's checks read the same parsers (its image checks take
//! [`Image`] itself); lint reports what is malformed, this model says what is asked for.

use std::path::PathBuf;

pub use crate::framework::report::InputError;
pub use crate::syntax::asks::{
    Asks, CondaEnvironment, CondaSpec, DockerInstruction, Image, ImageSource, IndexOptions,
    Location, PipOrigin, PipParsed, PipRequirement,
};
pub use crate::syntax::source::{FileKind, SourceFile};

use crate::run::discover::discover as read_definitions;
use crate::syntax::asks;

/// One definition file and what it asks for.
#[derive(Debug, Clone)]
pub struct DefinitionFile {
    /// Path, display name, kind and text (with line/column helpers).
    pub source: SourceFile,
    /// Index in [`Definitions::files`] of the file that references this one (`None` for
    /// the inputs and the files found in input directories).
    pub included_by: Option<usize>,
    /// A Dockerfile's build context root (its directory, or the definition's `build.path`).
    pub context_dir: Option<PathBuf>,
    /// For an inline Dockerfile: the field of the including file that holds it.
    pub inline_field: Option<&'static str>,
    pub asks: Asks,
}

/// Every definition file discovered, in discovery order.
#[derive(Debug, Clone, Default)]
pub struct Definitions {
    pub files: Vec<DefinitionFile>,
    /// Explicit inputs that are not environment definitions.
    pub skipped: Vec<String>,
}

impl Definitions {
    /// Every image, file by file.
    pub fn images(&self) -> impl Iterator<Item = &Image> {
        self.files.iter().flat_map(|f| &f.asks.images)
    }

    /// Every conda environment, file by file.
    pub fn conda(&self) -> impl Iterator<Item = &CondaEnvironment> {
        self.files.iter().flat_map(|f| &f.asks.conda)
    }

    /// Every pip requirement, file by file.
    pub fn pip(&self) -> impl Iterator<Item = &PipRequirement> {
        self.files.iter().flat_map(|f| &f.asks.pip)
    }

    /// Every Dockerfile instruction, file by file.
    pub fn instructions(&self) -> impl Iterator<Item = &DockerInstruction> {
        self.files.iter().flat_map(|f| &f.asks.instructions)
    }
}

/// Some inputs could not be read or parsed. `partial` holds what could.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct DiscoverError {
    /// One per input that failed (messages are redacted).
    pub errors: Vec<InputError>,
    pub partial: Definitions,
}

/// Reads `paths` (files, or directories searched for definitions) and the files they
/// reference, the way `buildmedic lint` does, into the definition model.
pub fn discover(paths: &[PathBuf]) -> Result<Definitions, DiscoverError> {
    let discovered = read_definitions(paths);
    let mut files: Vec<DefinitionFile> = Vec::with_capacity(discovered.files.len());
    let mut pip_index: Vec<IndexOptions> = Vec::with_capacity(discovered.files.len());
    for loaded in discovered.files {
        let (file_asks, index) = asks::of_file_with_index(&loaded.file, loaded.root.as_ref());
        pip_index.push(index);
        files.push(DefinitionFile {
            source: loaded.file,
            included_by: loaded.parent,
            context_dir: loaded.context_dir,
            inline_field: loaded.inline.map(|(_, field)| field),
            asks: file_asks,
        });
    }
    link_pip_invocations(&mut files, &pip_index);
    let definitions = Definitions {
        files,
        skipped: discovered.skipped,
    };
    if discovered.errors.is_empty() {
        Ok(definitions)
    } else {
        Err(DiscoverError {
            errors: discovered.errors,
            partial: definitions,
        })
    }
}

/// One pip invocation reads a requirements file (or a conda `pip:` list) and every file it
/// includes: the index options of all of them apply to all their requirements, and an
/// included file gets the python of the conda environment that includes it.
fn link_pip_invocations(files: &mut [DefinitionFile], pip_index: &[IndexOptions]) {
    // Files are discovered depth first, so an includer comes before what it includes.
    let mut group: Vec<usize> = Vec::with_capacity(files.len());
    for (i, f) in files.iter().enumerate() {
        let root = match (f.source.kind, f.included_by) {
            (FileKind::Requirements, Some(p)) if p < i => group[p],
            _ => i,
        };
        group.push(root);
    }
    let mut union: Vec<Option<IndexOptions>> = vec![None; files.len()];
    for (i, index) in pip_index.iter().enumerate() {
        union[group[i]]
            .get_or_insert_with(IndexOptions::default)
            .merge(index);
    }
    let python: Vec<Option<String>> = files
        .iter()
        .map(|f| f.asks.conda.first().and_then(|e| e.python.clone()))
        .collect();
    for (i, f) in files.iter_mut().enumerate() {
        let g = group[i];
        for req in &mut f.asks.pip {
            if req.origin == PipOrigin::DockerfileRun {
                continue;
            }
            if let Some(index) = &union[g] {
                req.index = index.clone();
            }
            if req.python.is_none() {
                req.python.clone_from(&python[g]);
            }
        }
    }
}
