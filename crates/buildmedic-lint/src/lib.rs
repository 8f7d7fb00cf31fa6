//! buildmedic-lint: static checks of environment definitions — Azure ML v1 JSON and v2 YAML,
//! conda environment files, pip requirements, Dockerfiles and image references — run before
//! anything is built, and the definition model other commands read.
//!
//! This crate decides; it never prints. [`lint_paths`] returns a [`LintReport`] and
//! `buildmedic-render` turns it into text, JSON, SARIF or GitHub annotations.
//! [`definition::discover`] reads the same files into what they ask for (images, conda specs,
//! pip requirements, Dockerfile instructions, with locations) for `preflight` and
//! `diagnose --env`.
//!
//! # Layers
//!
//! A module may only use the layers above it (`tests/layering.rs` enforces it):
//!
//! ```text
//! syntax/     models of the formats, and what a definition asks for      (no check)
//! framework/  check declaration, FileCx, diagnostics, fixes, config       (names no check)
//! rules/      one file per check                     (uses syntax + framework only)
//! run/        the list of checks, dispatch per format, discovery, the run
//! definition  the public definition model (syntax::asks + run::discover)
//! ```
//!
//! # How to add a check
//!
//! 1. Create `src/rules/<area>/<check_id_in_snake_case>.rs`. Open it with
//!    [`declare_check!`]: a doc comment with the sections `## What it does`,
//!    `## Why it matters`, `## Example`, `## Fix`, then
//!    `id: "kebab-id", severity: Error|Warning|Info, fixable: bool, catalog: "D01"|""`.
//!    The id is the catalog's kebab id (definition problems) or the failure kind id
//!    (`knowledge/<kind>/`, predicted build failures). The macro defines `pub static CHECK`.
//! 2. Write one function that looks at the model it needs (from `syntax`) and reports
//!    through the [`FileCx`]: `cx.report(&CHECK, span, "message").help("what to do")`,
//!    optionally `.fix(Fix::replace(..))` for a safe mechanical fix and `.severity(..)` to
//!    deviate from the default. Spans are byte ranges in `cx.file.text`; messages are
//!    redacted for you. Never print, never panic on input.
//! 3. Register it: one line in `run::registry::ALL`, and a call from the dispatcher of its
//!    format (`src/run/<format>.rs`).
//! 4. Add fixtures `tests/fixtures/<check-id>/positive*` and `negative*` (files, or
//!    directories for checks that need a build context); `cargo insta test` records the
//!    snapshot of the positive findings. `tests/fixtures.rs` fails for a check without both.
//! 5. Refresh the list of checks in `docs/lint.md`:
//!    `UPDATE_DOCS=1 cargo test -p buildmedic --test lint_docs` (the test fails while the
//!    document is out of date).
//!
//! Files that are not UTF-8 are reported as `utf8-decode` (for every kind, Dockerfiles
//! included) and then handed on lossily decoded. `forbidden-blob` (expired SAS tokens) scans
//! every file's text. Facts such as the deprecated image list and the Dockerfile size limits
//! are in [`Facts`] (`cx.facts()`).

pub mod definition;
pub mod framework;
pub mod rules;
pub mod run;
pub mod syntax;

pub use framework::check::CheckInfo;
pub use framework::config::{ConfigError, LintConfig};
pub use framework::context::FileCx;
pub use framework::diagnostic::{Diagnostic, Edit, Fix, Severity, Span};
pub use framework::facts::Facts;
pub use framework::fix::{AppliedFix, apply_fixes};
pub use framework::report::{InputError, LintReport};
pub use run::linter::{lint_image, lint_paths};
pub use run::registry::{checks_markdown, find_check, is_known_check, registry};
pub use syntax::source::{FileKind, SourceFile};

/// Version of the JSON report schema.
pub const JSON_SCHEMA: &str = "buildmedic.lint/v1";
