use crate::framework::context::FileCx;
use crate::framework::facts::PythonStatus;
use crate::syntax::conda::CondaEnv;
use crate::syntax::python::{PythonPin, python_pin};

crate::declare_check! {
    /// ## What it does
    /// Flags a `python` pin that reaches end of life within the near-EOL window (12 months by
    /// default, `python.near_eol_months` in `data/facts.toml`), or that is not released yet on
    /// the reference date.
    ///
    /// ## Why it matters
    /// Azure ML discourages such versions and will soon refuse them; pre-releases lack
    /// wheels for many packages.
    ///
    /// ## Example
    /// ```yaml
    /// dependencies:
    ///   - python=3.10
    /// ```
    ///
    /// ## Fix
    /// Move to a supported version that is not close to its end of life.
    id: "python-version-not-recommended", severity: Warning, fixable: false, catalog: "D23"
}

pub(crate) fn check(env: &CondaEnv<'_>, cx: &mut FileCx<'_>) {
    for dep in env.named("python") {
        let PythonPin::Newest(major, minor) = python_pin(dep) else {
            continue;
        };
        let suggestion = cx
            .facts()
            .recommended_python(cx.config.today)
            .unwrap_or_else(|| "a current release".into());
        match cx.facts().python_status(major, minor, cx.config.today) {
            PythonStatus::NearEol { eol } => {
                cx.report(
                    &CHECK,
                    dep.node.span.clone(),
                    format!("Python {major}.{minor} reaches end of life on {eol}"),
                )
                .help(format!("plan a move to Python {suggestion} or newer"));
            }
            PythonStatus::Unreleased { release } => {
                let when = release
                    .map(|d| format!(" (expected {d})"))
                    .unwrap_or_default();
                cx.report(
                    &CHECK,
                    dep.node.span.clone(),
                    format!("Python {major}.{minor} is not released yet{when}"),
                )
                .help(format!(
                    "use a released version such as Python {suggestion}"
                ));
            }
            _ => {}
        }
    }
}
