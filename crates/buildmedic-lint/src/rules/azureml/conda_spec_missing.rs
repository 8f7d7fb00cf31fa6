use crate::framework::context::FileCx;
use crate::framework::diagnostic::Span;

crate::declare_check! {
    /// ## What it does
    /// Flags an environment in which Azure ML must manage Python but has no conda spec: v1
    /// `userManagedDependencies: false` without `condaDependencies`, or a v2 `conda_file`
    /// that does not exist or is empty.
    ///
    /// ## Why it matters
    /// Azure ML has nothing to create the Python environment from; registration fails.
    ///
    /// ## Example
    /// ```yaml
    /// image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest
    /// conda_file: conda.yml      # no such file
    /// ```
    ///
    /// ## Fix
    /// Point `conda_file` at an existing conda YAML (relative to the environment YAML), or,
    /// in v1, fill `condaDependencies` or set `userManagedDependencies: true`.
    id: "conda-spec-missing", severity: Error, fixable: false, catalog: "D25"
}

pub(crate) fn report(span: Span, message: &str, help: &str, cx: &mut FileCx<'_>) {
    cx.report(&CHECK, span, message).help(help);
}
