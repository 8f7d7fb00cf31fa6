use crate::framework::context::FileCx;
use crate::syntax::azureml::is_set;
use crate::syntax::yaml::Node;

crate::declare_check! {
    /// ## What it does
    /// Flags a v1 `docker.baseImageRegistry` that sets both basic credentials
    /// (`username`/`password`) and a `registryIdentity`.
    ///
    /// ## Why it matters
    /// Two credentials for one registry are ambiguous; Azure ML rejects the definition.
    ///
    /// ## Example
    /// ```json
    /// "baseImageRegistry": {"username": "me", "password": "...", "registryIdentity": {"clientId": "..."}}
    /// ```
    ///
    /// ## Fix
    /// Keep one kind of credential (better: a workspace connection) and null the other.
    id: "registry-credentials-multiple", severity: Error, fixable: false, catalog: "D07"
}

pub(crate) fn check(registry: &Node, cx: &mut FileCx<'_>) {
    let basic = ["username", "password"]
        .iter()
        .any(|k| registry.get(k).is_some_and(is_set));
    let Some((key, value)) = registry
        .entry("registryIdentity")
        .or_else(|| registry.entry("registry_identity"))
    else {
        return;
    };
    if basic && is_set(value) {
        cx.report(
            &CHECK,
            key.span.clone(),
            "registry has both username/password and a registry identity",
        )
        .help("keep one credential kind for the registry and remove the other");
    }
}
