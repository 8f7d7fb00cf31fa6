use crate::framework::context::FileCx;
use crate::framework::facts::PythonStatus;
use crate::syntax::conda::CondaEnv;
use crate::syntax::python::{PythonPin, python_pin};

crate::declare_check! {
    /// ## What it does
    /// Flags a `python` pin whose newest allowed version is past its end of life on the
    /// reference date (Python 2.7, 3.5 ... 3.9 in late 2026; the table is in
    /// `data/facts.toml`, the date can be fixed with `--today`). Lower-bound-only specs
    /// (`python>=3.8`) are not flagged: the solver picks a current version.
    ///
    /// ## Why it matters
    /// Azure ML refuses end-of-life Python versions, and they get no security fixes.
    ///
    /// ## Example
    /// ```yaml
    /// dependencies:
    ///   - python=3.8
    /// ```
    ///
    /// ## Fix
    /// Move to a supported version that is not close to its end of life.
    id: "python-version-unsupported", severity: Error, fixable: false, catalog: "D22"
}

pub(crate) fn check(env: &CondaEnv<'_>, cx: &mut FileCx<'_>) {
    for dep in env.named("python") {
        let PythonPin::Newest(major, minor) = python_pin(dep) else {
            continue;
        };
        if let PythonStatus::EndOfLife { eol } =
            cx.facts().python_status(major, minor, cx.config.today)
        {
            let suggestion = cx
                .facts()
                .recommended_python(cx.config.today)
                .unwrap_or_else(|| "a current release".into());
            cx.report(
                &CHECK,
                dep.node.span.clone(),
                format!("Python {major}.{minor} reached end of life on {eol}"),
            )
            .help(format!("use Python {suggestion} or newer"));
        }
    }
}
