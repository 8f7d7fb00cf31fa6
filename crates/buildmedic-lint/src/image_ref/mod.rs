//! Image references: the distribution/reference grammar and the checks on one reference.
//!
//! Owns: parsing and normalising `[registry[:port]/]path[:tag][@digest]` exactly like Docker
//! ([`grammar`]), locating the offending part of a rejected reference ([`explain`]), and the
//! checks `image-reference-invalid`, `base-image-unpinned` and `base-image-deprecated`.
//! Must not: talk to registries (existence and auth are build-time questions).

pub mod base_image_deprecated;
pub mod base_image_unpinned;
pub mod explain;
pub mod grammar;
pub mod image_reference_invalid;
pub mod path_match;

pub use grammar::{
    AnyReference, DigestAlgorithms, Reference, ReferenceError, parse, parse_any_reference,
    parse_docker_ref, parse_named, parse_normalized_named, with_digest, with_name, with_tag,
};

use crate::CheckInfo;
use crate::context::FileCx;
use crate::diagnostic::Span;
use crate::hooks::{ImageRefChecks, ImageRefOrigin};

/// The checks of this module.
pub static CHECKS: [&CheckInfo; 3] = [
    &image_reference_invalid::CHECK,
    &base_image_unpinned::CHECK,
    &base_image_deprecated::CHECK,
];

/// Checks one image reference found at `span` of `cx.file`: grammar first; a valid reference
/// is then checked for pinning and deprecation.
pub fn check_image_reference(
    cx: &mut FileCx<'_>,
    reference: &str,
    span: Span,
    origin: ImageRefOrigin,
) {
    if !image_reference_invalid::check(reference, span.clone(), cx) {
        return;
    }
    let Ok(parsed) = grammar::parse_normalized_named(reference) else {
        return;
    };
    base_image_unpinned::check(&parsed, span.clone(), origin, cx);
    base_image_deprecated::check(&parsed, span, cx);
}

/// The framework hook ([`crate::hooks::ImageRefChecks`]).
pub struct ImageRefLinter;

impl ImageRefChecks for ImageRefLinter {
    fn checks(&self) -> &'static [&'static CheckInfo] {
        &CHECKS
    }

    fn check_image_reference(
        &self,
        reference: &str,
        span: Span,
        origin: ImageRefOrigin,
        cx: &mut FileCx<'_>,
    ) {
        check_image_reference(cx, reference, span, origin);
    }
}
