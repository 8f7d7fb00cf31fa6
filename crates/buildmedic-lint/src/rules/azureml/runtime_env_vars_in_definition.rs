use crate::framework::context::FileCx;
use crate::framework::diagnostic::Severity;
use crate::syntax::yaml::Node;

crate::declare_check! {
    /// ## What it does
    /// Flags a v1 environment with `environmentVariables`. The placeholder that azureml-core
    /// writes by default (`{"EXAMPLE_ENV_VAR": "EXAMPLE_VALUE"}`) is reported as info.
    ///
    /// ## Why it matters
    /// Run-time variables belong on the run configuration; Azure ML rejects them in the
    /// environment definition.
    ///
    /// ## Example
    /// ```json
    /// "environmentVariables": {"OMP_NUM_THREADS": "4"}
    /// ```
    ///
    /// ## Fix
    /// Move them to `RunConfiguration.environment_variables` and remove them here.
    id: "runtime-env-vars-in-definition", severity: Warning, fixable: false, catalog: "D18"
}

/// azureml-core's default serialization.
pub(crate) fn is_placeholder(v: &Node) -> bool {
    v.as_map().is_some_and(|m| {
        m.len() == 1
            && m[0].0.as_str() == Some("EXAMPLE_ENV_VAR")
            && m[0].1.as_str() == Some("EXAMPLE_VALUE")
    })
}

pub(crate) fn check(root: &Node, cx: &mut FileCx<'_>) {
    let Some((key, value)) = root.entry("environmentVariables") else {
        return;
    };
    if value.is_empty() {
        return;
    }
    if is_placeholder(value) {
        cx.report(
            &CHECK,
            key.span.clone(),
            "`environmentVariables` holds azureml-core's placeholder",
        )
        .severity(Severity::Info)
        .help("remove the placeholder; set run-time variables on the run configuration");
    } else {
        cx.report(
            &CHECK,
            key.span.clone(),
            "run-time environment variables are set in the environment definition",
        )
        .help("move them to RunConfiguration.environment_variables");
    }
}
