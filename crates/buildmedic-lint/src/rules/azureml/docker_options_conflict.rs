use crate::framework::context::FileCx;
use crate::syntax::yaml::Node;

crate::declare_check! {
    /// ## What it does
    /// Flags a definition that names more than one image source: v2 `image` together with
    /// `build`, or v1 more than one of `baseImage`, `baseDockerfile`, `buildContext`.
    ///
    /// ## Why it matters
    /// Azure ML cannot tell which source to build from and rejects the environment
    /// (`Docker image or Dockerfile should be provided not both`).
    ///
    /// ## Example
    /// ```yaml
    /// image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest
    /// build:
    ///   path: ./context
    /// ```
    ///
    /// ## Fix
    /// Keep one source and remove the others.
    id: "docker-options-conflict", severity: Error, fixable: false, catalog: "D04"
}

/// `sources` are the (key, value) entries that are set, in file order.
pub(crate) fn check(sources: &[(&Node, &Node)], cx: &mut FileCx<'_>) {
    if sources.len() < 2 {
        return;
    }
    let names: Vec<&str> = sources.iter().filter_map(|(k, _)| k.as_str()).collect();
    let (key, _) = sources[1];
    cx.report(
        &CHECK,
        key.span.clone(),
        format!("more than one image source is set: {}", names.join(", ")),
    )
    .help("keep exactly one image source and remove the others");
}
