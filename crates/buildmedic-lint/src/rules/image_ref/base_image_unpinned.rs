use crate::framework::context::FileCx;
use crate::framework::diagnostic::Severity;
use crate::syntax::asks::Image;

crate::declare_check! {
    /// ## What it does
    /// Flags a base image reference with neither a tag nor a digest (an error in an
    /// environment definition, a warning in a Dockerfile `FROM`), and notes the moving
    /// `:latest` tag.
    ///
    /// ## Why it matters
    /// Without a tag Docker pulls `:latest`, which points at a different image whenever the
    /// publisher pushes one. Azure ML's definition analysis rejects such images ("No tag or
    /// digest"), and in a Dockerfile the same definition can build today and break tomorrow.
    ///
    /// ## Example
    /// ```yaml
    /// image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04
    /// ```
    ///
    /// ## Fix
    /// Add a version tag (`:20250101.v1`) or, for an immutable build, a digest
    /// (`@sha256:<64 hex>`; `docker buildx imagetools inspect IMAGE` prints it).
    id: "base-image-unpinned", severity: Error, fixable: false, catalog: "D17"
}

/// Reports a valid `reference` that is not pinned.
pub(crate) fn check(image: &Image, cx: &mut FileCx<'_>) {
    let Ok(reference) = &image.parsed else { return };
    let span = image.location.span.clone();
    let shown = reference.familiar_string();
    match (&reference.tag, &reference.digest) {
        (None, None) => {
            let d = cx.report(
                &CHECK,
                span,
                format!("base image `{shown}` has no tag or digest, so Docker pulls whatever `:latest` is today"),
            );
            d.help("add a version tag (`image:1.2.3`) or pin a digest (`image@sha256:<64 hex>`)");
            if image.source.is_dockerfile() {
                d.severity(Severity::Warning);
            }
        }
        (Some(tag), None) if tag == "latest" => {
            cx.report(
                &CHECK,
                span,
                format!("base image `{shown}` uses the moving `latest` tag; rebuilds may get a different image"),
            )
            .help("pin a version tag or a digest for reproducible builds")
            .severity(Severity::Info);
        }
        _ => {}
    }
}
