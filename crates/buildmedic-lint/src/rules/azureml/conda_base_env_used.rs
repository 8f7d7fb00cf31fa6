use crate::framework::context::FileCx;
use crate::syntax::yaml::Node;

crate::declare_check! {
    /// ## What it does
    /// Flags a v1 `python.baseCondaEnvironment`.
    ///
    /// ## Why it matters
    /// Layering packages onto an existing conda environment invites partial updates and
    /// conflicts, and rebuilds are not reproducible.
    ///
    /// ## Example
    /// ```json
    /// "python": {"baseCondaEnvironment": "base", "condaDependencies": {...}}
    /// ```
    ///
    /// ## Fix
    /// Set it to null and list every package in `condaDependencies`.
    id: "conda-base-env-used", severity: Warning, fixable: false, catalog: "D28"
}

pub(crate) fn check(python: &Node, cx: &mut FileCx<'_>) {
    if let Some((k, v)) = python.entry("baseCondaEnvironment")
        && !v.is_empty()
    {
        cx.report(&CHECK, k.span.clone(), "a base conda environment is used")
            .help(
                "set `baseCondaEnvironment` to null and list every package in `condaDependencies`",
            );
    }
}
