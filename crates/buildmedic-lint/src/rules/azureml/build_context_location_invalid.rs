use crate::framework::context::FileCx;
use crate::syntax::yaml::Node;

crate::declare_check! {
    /// ## What it does
    /// Flags a v1 storage-account build context whose `location` is not an
    /// `https://<account>.blob.core.windows.net/<container>/<path>` URL.
    ///
    /// ## Why it matters
    /// Azure ML cannot fetch the context and rejects the definition (`Invalid location`).
    ///
    /// ## Example
    /// ```json
    /// "buildContext": {"locationType": "storageAccount", "location": "myaccount/container"}
    /// ```
    ///
    /// ## Fix
    /// Use the full blob URL including a container and a path.
    id: "build-context-location-invalid", severity: Error, fixable: false, catalog: "D15"
}

pub(crate) fn check(context: &Node, cx: &mut FileCx<'_>) {
    if context
        .get("locationType")
        .and_then(Node::as_str)
        .is_some_and(|t| t != "storageAccount")
    {
        return;
    }
    let Some(loc) = context.get("location") else {
        return;
    };
    let Some(url) = loc.as_str().filter(|s| !s.trim().is_empty()) else {
        return;
    };
    let problem = match valid_blob_location(url, &cx.facts().azure.blob_host_suffixes) {
        Ok(()) => return,
        Err(p) => p,
    };
    cx.report(
        &CHECK,
        loc.span.clone(),
        format!("invalid build context location: {problem}"),
    )
    .help("use https://<storage-account>.blob.core.windows.net/<container>/<path>");
}

fn valid_blob_location(url: &str, suffixes: &[String]) -> Result<(), &'static str> {
    let rest = url
        .strip_prefix("https://")
        .ok_or("the URL must start with https://")?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.to_ascii_lowercase();
    let Some(account) = suffixes.iter().find_map(|s| host.strip_suffix(s.as_str())) else {
        return Err("the host is not a blob storage endpoint");
    };
    if account.len() < 3
        || account.len() > 24
        || !account
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Err("the storage account name must be 3-24 lowercase letters and digits");
    }
    let path = path.split(['?', '#']).next().unwrap_or("");
    if path.split('/').filter(|s| !s.is_empty()).count() < 2 {
        return Err("the URL needs a container and a path");
    }
    Ok(())
}
