use crate::framework::context::FileCx;
use crate::syntax::yaml::Node;

crate::declare_check! {
    /// ## What it does
    /// Flags an Azure ML v2 environment YAML without a `name`.
    ///
    /// ## Why it matters
    /// azure-ai-ml refuses an environment without a name (`Environment name is required`)
    /// unless every caller remembers to pass `--name` on the command line.
    ///
    /// ## Example
    /// ```yaml
    /// $schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json
    /// image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest
    /// ```
    ///
    /// ## Fix
    /// Add `name: my-environment` (and a `version`).
    id: "env-name-missing", severity: Warning, fixable: false, catalog: "D02"
}

pub(crate) fn check(root: &Node, cx: &mut FileCx<'_>) {
    if root.get("name").is_some_and(|n| !n.is_empty()) {
        return;
    }
    let span = root.missing_key_span();
    cx.report(&CHECK, span, "environment has no `name`").help(
        "add `name: <environment-name>`, or always pass `--name` to `az ml environment create`",
    );
}
