use crate::framework::context::FileCx;
use crate::framework::diagnostic::Span;

crate::declare_check! {
    /// ## What it does
    /// Flags a build-context environment whose context location is missing: v2 `build`
    /// without `path`, v1 `buildContext` without `location`, or a local `build.path` that
    /// does not exist.
    ///
    /// ## Why it matters
    /// Without the context directory there is nothing to build; registration fails.
    ///
    /// ## Example
    /// ```yaml
    /// build:
    ///   dockerfile_path: Dockerfile
    /// ```
    ///
    /// ## Fix
    /// Set `build.path` to the directory holding the Dockerfile (relative to the YAML file).
    id: "build-context-path-missing", severity: Error, fixable: false, catalog: "D11"
}

pub(crate) fn report(span: Span, message: &str, cx: &mut FileCx<'_>) {
    cx.report(&CHECK, span, message)
        .help("set the build context path to the directory that holds the Dockerfile");
}
