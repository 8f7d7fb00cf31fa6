use crate::framework::context::FileCx;
use crate::framework::diagnostic::Severity;
use crate::syntax::yaml::Node;

crate::declare_check! {
    /// ## What it does
    /// Flags an environment whose `name` starts with `AzureML` or `Microsoft`.
    ///
    /// ## Why it matters
    /// Azure ML reserves these prefixes for its curated environments and refuses to register
    /// a user environment that uses them. A different letter case is accepted today but is
    /// confusing next to curated names, so it is a warning.
    ///
    /// ## Example
    /// ```yaml
    /// name: AzureML-sklearn-custom
    /// image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest
    /// ```
    ///
    /// ## Fix
    /// Choose a name without the reserved prefix, e.g. `sklearn-custom`. To adapt a curated
    /// environment, clone it and give the copy a new name.
    id: "env-name-reserved-prefix", severity: Error, fixable: false, catalog: "D01"
}

pub(crate) fn check(name: &Node, cx: &mut FileCx<'_>) {
    let Some(value) = name.as_str() else { return };
    for prefix in &cx.facts().names.reserved_prefixes {
        let head = value.get(..prefix.len());
        if head == Some(prefix.as_str()) {
            cx.report(&CHECK, name.span.clone(), format!("environment name `{value}` starts with the reserved prefix `{prefix}`"))
                .help(format!("rename the environment; names starting with `{prefix}` are reserved for curated environments"));
            return;
        }
        if head.is_some_and(|h| h.eq_ignore_ascii_case(prefix)) {
            cx.report(&CHECK, name.span.clone(), format!("environment name `{value}` starts with `{}`, a different case of the reserved prefix `{prefix}`", head.unwrap_or_default()))
                .severity(Severity::Warning)
                .help("rename the environment so it cannot be mistaken for a curated one");
            return;
        }
    }
}
