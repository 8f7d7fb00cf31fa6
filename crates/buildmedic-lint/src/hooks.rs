//! Hook points between the framework (environment definitions) and the Dockerfile and
//! image-reference checks (`crate::dockerfile`, `crate::image_ref`).
//!
//! The framework finds Dockerfiles (in directories, `build.path` contexts, v1 build contexts
//! and inline `docker.baseDockerfile` strings) and image references (`image:`,
//! `docker.baseImage`, `--image`), and calls the two traits below. The implementations are
//! plugged in by [`Hooks::builtin`]; until they exist, no-op implementations keep the
//! framework usable.

use std::path::Path;

use crate::CheckInfo;
use crate::context::FileCx;
use crate::diagnostic::Span;

/// A Dockerfile to lint, with its build context when one is known.
pub struct DockerfileInput<'a> {
    /// Build context root. `None` for inline Dockerfiles and contexts that are URLs.
    pub context_dir: Option<&'a Path>,
}

/// Implemented by the Dockerfile module.
pub trait DockerfileChecks: Sync {
    /// The checks this module reports (added to the registry).
    fn checks(&self) -> &'static [&'static CheckInfo];
    /// Lints `cx.file` (a Dockerfile; `cx.file.text` is valid UTF-8 — `utf8-decode` is
    /// reported by the framework before this is called). Report with `cx.report(..)`.
    fn lint_dockerfile(&self, input: &DockerfileInput<'_>, cx: &mut FileCx<'_>);
}

/// Where an image reference came from: decides e.g. whether `latest` is worth a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageRefOrigin {
    /// v2 `image:` or v1 `docker.baseImage`.
    EnvironmentDefinition,
    /// `buildmedic lint --image REF`.
    CommandLine,
    /// A Dockerfile `FROM`.
    Dockerfile,
}

/// Implemented by the image-reference module.
pub trait ImageRefChecks: Sync {
    fn checks(&self) -> &'static [&'static CheckInfo];
    /// Checks one reference (grammar, tag/digest pinning, deprecated base images).
    /// `span` is where `reference` sits in `cx.file`.
    fn check_image_reference(
        &self,
        reference: &str,
        span: Span,
        origin: ImageRefOrigin,
        cx: &mut FileCx<'_>,
    );
}

/// The implementations in use.
#[derive(Clone, Copy)]
pub struct Hooks {
    pub dockerfile: &'static dyn DockerfileChecks,
    pub image_ref: &'static dyn ImageRefChecks,
}

struct NoDockerfileChecks;

impl DockerfileChecks for NoDockerfileChecks {
    fn checks(&self) -> &'static [&'static CheckInfo] {
        &[]
    }
    fn lint_dockerfile(&self, _: &DockerfileInput<'_>, _: &mut FileCx<'_>) {}
}

struct NoImageRefChecks;

impl ImageRefChecks for NoImageRefChecks {
    fn checks(&self) -> &'static [&'static CheckInfo] {
        &[]
    }
    fn check_image_reference(&self, _: &str, _: Span, _: ImageRefOrigin, _: &mut FileCx<'_>) {}
}

impl Hooks {
    /// The Dockerfile and image-reference checks compiled into this build.
    pub fn builtin() -> Hooks {
        Hooks {
            dockerfile: &crate::dockerfile::DockerfileLinter,
            image_ref: &crate::image_ref::ImageRefLinter,
        }
    }

    /// Hooks that check nothing (for tests of the framework alone).
    pub fn none() -> Hooks {
        Hooks {
            dockerfile: &NoDockerfileChecks,
            image_ref: &NoImageRefChecks,
        }
    }
}
