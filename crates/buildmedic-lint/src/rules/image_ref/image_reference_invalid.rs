use crate::framework::context::FileCx;
use crate::syntax::asks::Image;

use crate::syntax::image_ref::explain;

crate::declare_check! {
    /// ## What it does
    /// Checks an image reference (`image:`, `docker.baseImage`, a Dockerfile `FROM`,
    /// `--image`) against Docker's reference grammar and points at the offending part:
    /// uppercase letters in the repository, characters a tag cannot hold, a digest that is not
    /// `sha256:` plus 64 lowercase hex characters, a port that is not a number.
    ///
    /// ## Why it matters
    /// Docker refuses the reference before any network access (`invalid reference format`),
    /// so the image build fails at its first step, after the job has waited in the queue.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM MyRegistry.azurecr.io/Team/Base:3.11
    /// ```
    ///
    /// ## Fix
    /// Write the repository in lowercase (registries store it that way; the host and the tag may
    /// be mixed case): `myregistry.azurecr.io/team/base:3.11`. The full form is
    /// `[registry[:port]/]repository[:tag][@sha256:<64 hex>]`.
    id: "image-reference-invalid", severity: Error, fixable: false, catalog: "B03"
}

/// Reports `reference` when Docker would reject it. Returns whether it is valid.
/// Reports `image` when its reference is not valid; returns whether it is.
pub(crate) fn check(image: &Image, cx: &mut FileCx<'_>) -> bool {
    let reference = image.reference.as_str();
    let span = image.location.span.clone();
    let Some(problem) = explain::explain(reference) else {
        return true;
    };
    // Narrow to the offending characters only when the span holds exactly this text.
    let precise = cx.file.slice(&span) == reference;
    let at = if precise && problem.range.end <= reference.len() {
        span.start + problem.range.start..span.start + problem.range.end.max(problem.range.start)
    } else {
        span
    };
    let shown: String = reference.chars().take(120).collect();
    let d = cx.report(
        &CHECK,
        at,
        format!("invalid image reference `{shown}`: {}", problem.message),
    );
    d.help(
        problem
            .help
            .as_deref()
            .unwrap_or("the form is `[registry[:port]/]repository[:tag][@sha256:<64 hex>]`"),
    );
    false
}
