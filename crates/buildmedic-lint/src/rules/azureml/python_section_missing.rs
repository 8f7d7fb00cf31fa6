use crate::framework::context::FileCx;
use crate::syntax::yaml::Node;

crate::declare_check! {
    /// ## What it does
    /// Flags a v1 environment JSON whose `python` section is missing or null.
    ///
    /// ## Why it matters
    /// Azure ML needs the Python section to know whether to manage dependencies; the
    /// definition is rejected.
    ///
    /// ## Example
    /// ```json
    /// {"name": "myenv", "docker": {"baseImage": "..."}}
    /// ```
    ///
    /// ## Fix
    /// Add `"python": {"userManagedDependencies": false, "condaDependencies": {...}}` (or
    /// `userManagedDependencies: true` when the image already has everything).
    id: "python-section-missing", severity: Error, fixable: false, catalog: "D19"
}

/// Returns the python section when present.
pub(crate) fn check<'a>(root: &'a Node, cx: &mut FileCx<'_>) -> Option<&'a Node> {
    match root.entry("python") {
        Some((_, v)) if v.as_map().is_some() => Some(v),
        Some((k, _)) => {
            cx.report(&CHECK, k.span.clone(), "the `python` section is empty")
                .help("fill in `python.condaDependencies` or set `userManagedDependencies: true`");
            None
        }
        None => {
            let span = root.missing_key_span();
            cx.report(&CHECK, span, "environment has no `python` section")
                .help("add a `python` section with `condaDependencies`");
            None
        }
    }
}
