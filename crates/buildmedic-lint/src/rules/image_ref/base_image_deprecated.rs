use crate::framework::context::FileCx;
use crate::syntax::asks::Image;

crate::declare_check! {
    /// ## What it does
    /// Flags base images Azure ML has deprecated (the list in `data/facts.toml`, from the
    /// Azure ML troubleshooting guide), including the legacy `azureml/base:<variant>` layout.
    ///
    /// ## Why it matters
    /// Deprecated images get no security patches, and Azure ML does not help troubleshoot
    /// builds that use them; new definitions on them are rejected.
    ///
    /// ## Example
    /// ```yaml
    /// image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest
    /// ```
    ///
    /// ## Fix
    /// Move to a maintained image from the AzureML-Containers catalogue, e.g.
    /// `mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04`, and rebuild.
    id: "base-image-deprecated", severity: Error, fixable: false, catalog: "D16"
}

/// Reports `reference` when its repository is on the deprecated list.
pub(crate) fn check(image: &Image, cx: &mut FileCx<'_>) {
    let Ok(reference) = &image.parsed else { return };
    let span = image.location.span.clone();
    if !matches!(reference.domain.as_str(), "mcr.microsoft.com" | "docker.io") {
        return;
    }
    let facts = cx.facts();
    if !facts.is_deprecated_image(&reference.path) {
        return;
    }
    let replacement = facts.images.replacement.clone();
    cx.report(
        &CHECK,
        span,
        format!(
            "`{}/{}` is a deprecated Azure ML base image",
            reference.domain, reference.path
        ),
    )
    .help(format!(
        "move to a maintained image such as `{replacement}`; deprecated images receive no security fixes"
    ));
}
