use crate::framework::context::FileCx;
use crate::syntax::yaml::Node;

crate::declare_check! {
    /// ## What it does
    /// Flags a v1 environment with a `docker.buildContext` that also sets environment
    /// variables, `python.condaDependencies`, an `r` section or Spark packages.
    ///
    /// ## Why it matters
    /// With a build context Azure ML builds your Dockerfile as is and will not add these
    /// layers; the definition is rejected.
    ///
    /// ## Example
    /// ```json
    /// "docker": {"buildContext": {"location": "..."}},
    /// "python": {"condaDependencies": {"dependencies": ["python=3.11"]}}
    /// ```
    ///
    /// ## Fix
    /// Remove those properties; install conda packages from the Dockerfile with a conda file
    /// placed in the build context.
    id: "build-context-disallowed-attribute", severity: Error, fixable: false, catalog: "D13"
}

pub(crate) fn check(root: &Node, cx: &mut FileCx<'_>) {
    let mut found: Vec<(&Node, &str)> = Vec::new();
    if let Some((k, v)) = root.entry("environmentVariables")
        && !v.is_empty()
        && !crate::syntax::azureml::is_env_var_placeholder(v)
    {
        found.push((k, "environmentVariables"));
    }
    if let Some(python) = root.get("python")
        && let Some((k, v)) = python.entry("condaDependencies")
        && !v.is_empty()
    {
        found.push((k, "python.condaDependencies"));
    }
    if let Some((k, v)) = root.entry("r")
        && !v.is_null()
    {
        found.push((k, "r"));
    }
    if let Some((k, spark)) = root.entry("spark")
        && ["packages", "repositories"]
            .iter()
            .any(|p| spark.get(p).is_some_and(|v| !v.is_empty()))
    {
        found.push((k, "spark"));
    }
    for (key, what) in found {
        cx.report(
            &CHECK,
            key.span.clone(),
            format!("`{what}` cannot be used together with `docker.buildContext`"),
        )
        .help("remove it; with a build context, install everything from the Dockerfile");
    }
}
