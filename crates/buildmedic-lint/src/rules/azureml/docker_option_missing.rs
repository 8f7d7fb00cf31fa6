use crate::framework::context::FileCx;
use crate::framework::diagnostic::Span;

crate::declare_check! {
    /// ## What it does
    /// Flags a definition with no image source: v2 without `image` and `build`, or v1
    /// without `baseImage`, `baseDockerfile` and `buildContext`.
    ///
    /// ## Why it matters
    /// Registration fails (`Docker image or Dockerfile is required for environments`). A v2
    /// `conda_file` alone is not enough: it is installed on top of an `image`.
    ///
    /// ## Example
    /// ```yaml
    /// name: my-env
    /// conda_file: conda.yml
    /// ```
    ///
    /// ## Fix
    /// Add a base image, e.g. `image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest`,
    /// or a `build:` context.
    id: "docker-option-missing", severity: Error, fixable: false, catalog: "D05"
}

pub(crate) fn report(span: Span, v1: bool, cx: &mut FileCx<'_>) {
    let (msg, help) = if v1 {
        (
            "the `docker` section sets no image source",
            "set one of `baseImage`, `baseDockerfile` or `buildContext`",
        )
    } else {
        (
            "environment has neither `image` nor `build`",
            "add `image: <registry>/<repository>:<tag>` or a `build:` context with a Dockerfile",
        )
    };
    cx.report(&CHECK, span, msg).help(help);
}
