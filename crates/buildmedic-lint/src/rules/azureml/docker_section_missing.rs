use crate::framework::context::FileCx;
use crate::syntax::yaml::Node;

crate::declare_check! {
    /// ## What it does
    /// Flags a v1 environment JSON whose `docker` section is missing or null.
    ///
    /// ## Why it matters
    /// Without a Docker section nothing says which image to build from, and registration
    /// fails.
    ///
    /// ## Example
    /// ```json
    /// {"name": "myenv", "python": {"userManagedDependencies": false}, "docker": null}
    /// ```
    ///
    /// ## Fix
    /// Add a `docker` section that sets exactly one of `baseImage`, `baseDockerfile` or
    /// `buildContext`.
    id: "docker-section-missing", severity: Error, fixable: false, catalog: "D03"
}

/// Returns the docker section when present.
pub(crate) fn check<'a>(root: &'a Node, cx: &mut FileCx<'_>) -> Option<&'a Node> {
    match root.entry("docker") {
        Some((_, v)) if v.as_map().is_some() => Some(v),
        Some((k, _)) => {
            cx.report(&CHECK, k.span.clone(), "the `docker` section is empty")
                .help("set `docker.baseImage` (or `baseDockerfile` / `buildContext`)");
            None
        }
        None => {
            let span = root.missing_key_span();
            cx.report(&CHECK, span, "environment has no `docker` section")
                .help("add `\"docker\": {\"baseImage\": \"<image>:<tag>\"}`");
            None
        }
    }
}
