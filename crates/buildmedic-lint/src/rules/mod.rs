//! The checks: one file per check, grouped by what they read.
//!
//! Each file opens with `declare_check!` (its id, default severity, fixability, catalog
//! entry and documentation: What it does / Why it matters / Example / Fix) and holds the
//! function(s) that look at a model and report through [`crate::FileCx`].
//!
//! Layering: a rule uses only the syntax models and the framework; it never names another
//! rule or the runner (`run/` calls the rules and is the only place that lists them:
//! `run/registry.rs`). `tests/layering.rs` enforces this.

pub mod any;
pub mod azureml;
pub mod conda;
pub mod dockerfile;
pub mod image_ref;
pub mod pip;
pub mod python;
pub mod registry;
