use crate::framework::context::FileCx;
use crate::syntax::azureml::is_set;
use crate::syntax::yaml::{Node, Yaml};

crate::declare_check! {
    /// ## What it does
    /// Flags registry credentials written into the environment definition: v1
    /// `baseImageRegistry.username`, `.password` or `.registryIdentity`, and credential-like
    /// keys (`password`, `username`, `registry_identity`, ...) in a v2 YAML.
    ///
    /// ## Why it matters
    /// Azure ML no longer accepts secrets inside environment definitions, and a secret in a
    /// file ends up in source control. The message never repeats the value.
    ///
    /// ## Example
    /// ```json
    /// "baseImageRegistry": {"address": "myacr.azurecr.io", "username": "me", "password": "hunter2"}
    /// ```
    ///
    /// ## Fix
    /// Delete the credentials and create a workspace connection for the registry
    /// (`az ml connection create --file connection.yml`); rotate the leaked secret.
    id: "registry-credentials-inline", severity: Error, fixable: false, catalog: "D08"
}

const CREDENTIAL_KEYS: &[&str] = &[
    "username",
    "password",
    "registryIdentity",
    "registry_identity",
    "client_secret",
    "clientSecret",
];

/// v1: the `baseImageRegistry` mapping.
pub(crate) fn check_registry(registry: &Node, cx: &mut FileCx<'_>) {
    let Some(map) = registry.as_map() else { return };
    for (k, v) in map {
        if k.as_str().is_some_and(|k| CREDENTIAL_KEYS.contains(&k)) && is_set(v) {
            report(k, cx);
        }
    }
}

/// v2: credential-like keys anywhere in the document.
pub(crate) fn check_tree(node: &Node, cx: &mut FileCx<'_>) {
    match &node.value {
        Yaml::Map(m) => {
            for (k, v) in m {
                if k.as_str().is_some_and(|k| CREDENTIAL_KEYS.contains(&k)) && is_set(v) {
                    report(k, cx);
                } else {
                    check_tree(v, cx);
                }
            }
        }
        Yaml::Seq(items) => items.iter().for_each(|i| check_tree(i, cx)),
        _ => {}
    }
}

fn report(key: &Node, cx: &mut FileCx<'_>) {
    let name = key.as_str().unwrap_or("credential");
    cx.report(
        &CHECK,
        key.span.clone(),
        format!("`{name}` puts a registry credential inside the environment definition"),
    )
    .help("remove it and authenticate through a workspace connection (az ml connection create)");
}
