use crate::framework::context::FileCx;
use crate::syntax::yaml::Node;

crate::declare_check! {
    /// ## What it does
    /// Flags an environment name longer than Azure ML's limit (255 characters).
    ///
    /// ## Why it matters
    /// Registration of the environment is rejected, so no job that uses it can start.
    ///
    /// ## Example
    /// ```yaml
    /// name: my-environment-with-a-name-that-goes-on-for-more-than-255-characters-...
    /// ```
    ///
    /// ## Fix
    /// Shorten the name to at most 255 characters; put details in `description` or `tags`.
    id: "env-name-too-long", severity: Error, fixable: false, catalog: "D02"
}

pub(crate) fn check(name: &Node, cx: &mut FileCx<'_>) {
    let Some(value) = name.as_str() else { return };
    let max = cx.facts().names.max_length;
    let len = value.chars().count();
    if len > max {
        cx.report(
            &CHECK,
            name.span.clone(),
            format!("environment name is {len} characters long; the limit is {max}"),
        )
        .help(format!("shorten the name to at most {max} characters"));
    }
}
