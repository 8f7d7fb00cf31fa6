//! Models of the definition formats: what a file says, with byte spans, and nothing about
//! checks.
//!
//! Every module here reads one format into a small model (`yaml` → [`yaml::Node`] trees,
//! `conda` → [`conda::CondaEnv`], `requirements` → [`requirements::ReqLine`], `dockerfile` →
//! [`dockerfile::Dockerfile`], `image_ref` → [`image_ref::Reference`]), and [`asks`] turns
//! those into the definition model: what a definition asks for (images, conda specs, pip
//! requirements, Dockerfile instructions), each with its location.
//!
//! Layering: modules here use only each other (and other crates). They never name the
//! framework (`FileCx`, diagnostics), a rule or the runner; `tests/layering.rs` fails when
//! one does. Shell commands are read by the `buildmedic-shell` crate.

use std::ops::Range;

pub mod asks;
pub mod azureml;
pub mod conda;
pub mod conda_spec;
pub mod dockerfile;
pub mod dockerignore;
pub mod image_ref;
pub mod pep508;
pub mod python;
pub mod requirements;
pub mod source;
pub mod yaml;

/// A byte range of a source text.
pub type Span = Range<usize>;

/// True for values that are templates to be rendered later (`{{asset.name}}`, `${VAR}`):
/// they cannot be checked until rendered.
pub fn is_templated(value: &str) -> bool {
    value.contains("{{") || value.contains("${") || value.contains("<VERSION>")
}

/// True when `value` looks like a URL rather than a local path.
pub fn is_url(value: &str) -> bool {
    let v = value.trim();
    v.contains("://") || v.starts_with("git@") || v.starts_with("azureml:")
}
