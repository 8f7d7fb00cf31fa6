use crate::framework::context::FileCx;
use crate::syntax::azureml::is_set;
use crate::syntax::yaml::Node;

crate::declare_check! {
    /// ## What it does
    /// Flags a v1 `docker.baseImageRegistry` that has a user name without a password, or a
    /// password without a user name.
    ///
    /// ## Why it matters
    /// Half a credential cannot log in to the registry; registration fails.
    ///
    /// ## Example
    /// ```json
    /// "baseImageRegistry": {"address": "myacr.azurecr.io", "username": "me", "password": null}
    /// ```
    ///
    /// ## Fix
    /// Remove inline credentials and create a workspace connection for the registry
    /// (`az ml connection create --file connection.yml`), or supply the missing half.
    id: "registry-credentials-incomplete", severity: Error, fixable: false, catalog: "D06"
}

pub(crate) fn check(registry: &Node, cx: &mut FileCx<'_>) {
    let user = registry.entry("username").filter(|(_, v)| is_set(v));
    let pass = registry.entry("password").filter(|(_, v)| is_set(v));
    let (present, missing) = match (user, pass) {
        (Some((k, _)), None) => (k, "password"),
        (None, Some((k, _))) => (k, "username"),
        _ => return,
    };
    cx.report(
        &CHECK,
        present.span.clone(),
        format!("registry credentials have no {missing}"),
    )
    .help("use a workspace connection for the registry instead of inline credentials");
}
