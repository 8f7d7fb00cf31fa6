use crate::framework::context::FileCx;
use crate::framework::diagnostic::Severity;
use crate::syntax::conda::CondaEnv;
use crate::syntax::conda_spec::{swapped_operator, swapped_reading};

crate::declare_check! {
    /// ## What it does
    /// Reads every conda dependency the way conda does (a port of conda's MatchSpec and
    /// VersionSpec checks) and flags those conda refuses: leading operators (`=2.7`), stray
    /// quotes, invalid versions (`1.2.`, `3.5&1`, `4.2.2<6.0.0`), unbalanced parentheses
    /// (`1.5)`), unknown bracket keys, and swapped operators (`numpy=>1.26`, which conda
    /// reads as `>1.26*`, not `>=1.26`). Entries conda accepts but
    /// rattler's strict parser (mamba, pixi) refuses are warnings. `python` entries are
    /// checked by `python-version-invalid`.
    ///
    /// ## Why it matters
    /// conda stops the build with `InvalidMatchSpec` / `InvalidVersionSpecError` after the
    /// image has been pulled, minutes into the build.
    ///
    /// ## Example
    /// ```yaml
    /// dependencies:
    ///   - numpy=>1.26
    ///   - "'gemmi>=0.6.4'"
    /// ```
    ///
    /// ## Fix
    /// Write `name`, `name=1.26`, `name>=1.26,<2`, `name 1.26 build` or
    /// `channel::name=1.26`, without quotes inside the value.
    id: "conda-bad-spec", severity: Error, fixable: false, catalog: "B05"
}

pub(crate) fn check(env: &CondaEnv<'_>, cx: &mut FileCx<'_>) {
    for dep in &env.deps {
        if dep.name.as_deref() == Some("python") {
            continue;
        }
        if dep.text.trim().is_empty() {
            cx.report(&CHECK, dep.node.span.clone(), "empty conda dependency")
                .help("remove the empty item");
            continue;
        }
        match (&dep.conda, &dep.spec, swapped_operator(dep.text)) {
            (Err(why), _, _) => {
                cx.report(
                    &CHECK,
                    dep.node.span.clone(),
                    format!("invalid conda spec `{}`: {why}", dep.text),
                )
                .help("use a conda MatchSpec: `name`, `name=1.2`, `name>=1.2,<2`, `channel::name=1.2`");
            }
            (Ok(()), _, Some((_, meant))) => {
                cx.report(
                    &CHECK,
                    dep.node.span.clone(),
                    format!("`{}`: {}", dep.text, swapped_reading(meant)),
                )
                .help(format!("write `{meant}`"));
            }
            (Ok(()), Err(err), None) => {
                cx.report(
                    &CHECK,
                    dep.node.span.clone(),
                    format!(
                        "conda accepts `{}`, but rattler's strict parser (mamba, pixi) does not: {err}",
                        dep.text
                    ),
                )
                .severity(Severity::Warning)
                .help("write the spec unambiguously (e.g. `name=1.2` or `name ==1.2 build`) so every conda tool reads it the same");
            }
            (Ok(()), Ok(_), None) => {}
        }
    }
}
