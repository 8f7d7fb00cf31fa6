use crate::framework::context::FileCx;
use crate::syntax::conda::CondaEnv;
use crate::syntax::python::{PythonPin, python_pin};

crate::declare_check! {
    /// ## What it does
    /// Flags a conda spec with no `python` dependency, or a `python` entry without a version.
    /// Entries in the `pip:` list do not count.
    ///
    /// ## Why it matters
    /// Azure ML then picks a default Python (`No Python version provided, defaulting to ...`)
    /// that changes over time, so the same file builds different environments.
    ///
    /// ## Example
    /// ```yaml
    /// dependencies:
    ///   - numpy=1.26
    /// ```
    ///
    /// ## Fix
    /// Add `- python=3.12` (a version that is not near its end of life).
    id: "python-version-missing", severity: Warning, fixable: false, catalog: "D20"
}

pub(crate) fn check(env: &CondaEnv<'_>, cx: &mut FileCx<'_>) {
    let pythons: Vec<_> = env.named("python").collect();
    let suggestion = cx
        .facts()
        .recommended_python(cx.config.today)
        .unwrap_or_else(|| "3.12".into());
    if pythons.is_empty() {
        let span = env
            .dependencies
            .map_or_else(|| env.root.missing_key_span(), |(k, _)| k.span.clone());
        cx.report(&CHECK, span, "no `python` among the conda dependencies")
            .help(format!("add `- python={suggestion}` to `dependencies`"));
        return;
    }
    for dep in pythons {
        if python_pin(dep) == PythonPin::Unversioned {
            cx.report(&CHECK, dep.node.span.clone(), "`python` has no version")
                .help(format!("pin it, e.g. `python={suggestion}`"));
        }
    }
}
