//! buildmedic-lint: static checks of environment definitions — Azure ML v1 JSON and v2 YAML,
//! conda environment files, pip requirements, Dockerfiles and image references — run before
//! anything is built.
//!
//! This crate decides; it never prints. [`lint_paths`] returns a [`LintReport`] and
//! `buildmedic-render` turns it into text, JSON, SARIF or GitHub annotations.
//!
//! # How to add a check
//!
//! 1. Create `src/checks/<check_id_in_snake_case>.rs` (Dockerfile checks: under
//!    `src/dockerfile/`, image checks: under `src/image_ref/`). Open it with
//!    [`declare_check!`]: a doc comment with the sections `## What it does`,
//!    `## Why it matters`, `## Example`, `## Fix`, then
//!    `id: "kebab-id", severity: Error|Warning|Info, fixable: bool, catalog: "D01"|""`.
//!    The id is the catalog's kebab id (definition problems) or the kind id of
//!    `spec/kinds.md` (predicted build failures). The macro defines `pub static CHECK`.
//! 2. Write one function that looks at the model it needs and reports through the
//!    [`FileCx`]: `cx.report(&CHECK, span, "message").help("what to do")`, optionally
//!    `.fix(Fix::replace(..))` for a safe mechanical fix and `.severity(..)` to deviate from
//!    the default. Spans are byte ranges in `cx.file.text`; messages are redacted for you.
//!    Never print, never panic on input.
//! 3. Register it: add it to [`checks::ALL`] (or to the `checks()` list your hook returns)
//!    and call it from the analyzer of its format (`src/analyze/*.rs`).
//! 4. Add fixtures `tests/fixtures/<check-id>/positive*` and `negative*` (files, or
//!    directories for checks that need a build context); `cargo insta test` records the
//!    snapshot of the positive findings. `tests/fixtures.rs` fails for a check without both.
//! 5. Refresh the list of checks in `docs/lint.md`:
//!    `UPDATE_DOCS=1 cargo test -p buildmedic --test lint_docs` (the test fails while the
//!    document is out of date).
//!
//! # Hooks for Dockerfiles and image references
//!
//! The framework finds Dockerfiles (directory walks, v2 `build.path` contexts, v1
//! `docker.baseDockerfile` strings) and image references (v2 `image`, v1
//! `docker.baseImage`, `--image`) and calls [`hooks::DockerfileChecks`] and
//! [`hooks::ImageRefChecks`]; [`hooks::Hooks::builtin`] plugs the implementations in.
//! Files that are not UTF-8 are reported as `utf8-decode` by the framework (for every kind,
//! Dockerfiles included) and then handed on lossily decoded. `forbidden-blob` (expired SAS
//! tokens) scans every file's text, Dockerfiles included. Facts such as the deprecated
//! image list and the Dockerfile size limits are in [`facts::Facts`] (`cx.facts()`).

pub(crate) mod analyze;
pub mod checks;
pub mod config;
pub mod context;
pub mod diagnostic;
pub mod dockerfile;
pub mod dockerignore;
pub mod engine;
pub mod facts;
pub mod fix;
pub mod hooks;
pub mod image_ref;
pub mod registry;
pub mod source;
mod suppress;
pub mod yaml;

pub use config::{ConfigError, LintConfig};
pub use context::FileCx;
pub use diagnostic::{Diagnostic, Edit, Fix, Severity, Span};
pub use engine::{InputError, LintReport, Linter, lint_image, lint_paths};
pub use facts::Facts;
pub use registry::{CheckInfo, checks_markdown, find_check, registry};
pub use source::{FileKind, SourceFile};

/// Version of the JSON report schema.
pub const JSON_SCHEMA: &str = "buildmedic.lint/v1";
