use crate::framework::context::FileCx;
use crate::framework::diagnostic::Fix;
use crate::syntax::conda::CondaEnv;
use crate::syntax::conda_spec::{swapped_operator, swapped_reading};
use crate::syntax::python::{PythonPin, python_pin};

crate::declare_check! {
    /// ## What it does
    /// Flags a `python` conda entry whose version conda cannot parse (`python 3.11.`,
    /// `python==`, `python 3.5&1`), that names no version (`python=three`), or that swaps an
    /// operator (`python=>3.9`, which conda reads as `>3.9*`). Specs conda accepts
    /// (`python 2.7.4`, `python=2.6*`, `python=*`, `python[version=3.9]`) are not flagged.
    ///
    /// ## Why it matters
    /// Azure ML fails to validate the Python version and rejects the environment; conda
    /// would stop with `InvalidMatchSpec`.
    ///
    /// ## Example
    /// ```yaml
    /// dependencies:
    ///   - python=>3.10
    /// ```
    ///
    /// ## Fix
    /// Use conda pinning syntax: `python=3.12`. `--fix` rewrites `=>`/`=<` to `>=`/`<=`.
    id: "python-version-invalid", severity: Error, fixable: true, catalog: "D24"
}

pub(crate) fn check(env: &CondaEnv<'_>, cx: &mut FileCx<'_>) {
    let source = cx.file.text.clone();
    for dep in env.named("python") {
        let reason = match python_pin(dep) {
            PythonPin::Invalid(reason) => reason,
            // conda reads `python=>3.11` as `>3.11*` (it strips the `=`): valid conda, but
            // not the `>=` meant, and Azure ML's version check refuses it.
            _ => match swapped_operator(dep.text) {
                Some((_, op)) => swapped_reading(op),
                None => continue,
            },
        };
        let fix = swapped_operator(dep.text).and_then(|(range, op)| {
            dep.node.content_offset(&source).map(|off| {
                Fix::replace(
                    format!("write `{op}`"),
                    off + range.start..off + range.end,
                    op,
                )
            })
        });
        let d = cx.report(
            &CHECK,
            dep.node.span.clone(),
            format!("invalid Python version in `{}`: {reason}", dep.text),
        );
        d.help("write the version in conda syntax, e.g. `python=3.12` or `python>=3.11,<3.13`");
        if let Some(fix) = fix {
            d.fix(fix);
        }
    }
}
