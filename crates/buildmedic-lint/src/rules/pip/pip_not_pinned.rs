use crate::framework::context::FileCx;
use crate::syntax::conda::CondaEnv;

crate::declare_check! {
    /// ## What it does
    /// Flags a `pip` conda dependency without a version.
    ///
    /// ## Why it matters
    /// Different pip releases resolve and build packages differently; an unpinned pip makes
    /// the `pip:` part of the environment drift between builds.
    ///
    /// ## Example
    /// ```yaml
    /// dependencies:
    ///   - pip
    /// ```
    ///
    /// ## Fix
    /// Give pip a version, e.g. `pip>=24.0`.
    id: "pip-not-pinned", severity: Warning, fixable: false, catalog: "D31"
}

pub(crate) fn check(env: &CondaEnv<'_>, cx: &mut FileCx<'_>) {
    let spec = cx.facts().pip.recommended_pip_spec.clone();
    for dep in env.named("pip") {
        if dep.spec.is_ok() && !dep.is_pinned() {
            cx.report(&CHECK, dep.node.span.clone(), "`pip` has no version")
                .help(format!("pin it, e.g. `{spec}`"));
        }
    }
}
