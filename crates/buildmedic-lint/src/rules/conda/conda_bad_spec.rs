use crate::framework::context::FileCx;
use crate::framework::diagnostic::Severity;
use crate::syntax::conda::CondaEnv;

crate::declare_check! {
    /// ## What it does
    /// Parses every conda dependency as a conda MatchSpec in strict mode (rattler) and flags
    /// those that do not parse: leading operators (`=2.7`), stray quotes, invalid versions
    /// (`1.2.`), unknown operators (`=>`). Entries that conda's lenient parser would still
    /// guess at are warnings. `python` entries are checked by `python-version-invalid`.
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
        let Err(err) = &dep.spec else { continue };
        if dep.text.trim().is_empty() {
            cx.report(&CHECK, dep.node.span.clone(), "empty conda dependency")
                .help("remove the empty item");
            continue;
        }
        if dep.lenient_ok {
            cx.report(&CHECK, dep.node.span.clone(), format!("ambiguous conda spec `{}`: {err}", dep.text))
                .severity(Severity::Warning)
                .help("conda may guess what is meant; write the spec unambiguously (e.g. `name=1.2` or `name ==1.2 build`)");
        } else {
            cx.report(
                &CHECK,
                dep.node.span.clone(),
                format!("invalid conda spec `{}`: {err}", dep.text),
            )
            .help("use a conda MatchSpec: `name`, `name=1.2`, `name>=1.2,<2`, `channel::name=1.2`");
        }
    }
}
