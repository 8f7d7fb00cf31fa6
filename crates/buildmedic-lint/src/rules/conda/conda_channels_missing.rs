use crate::framework::context::FileCx;
use crate::syntax::conda::CondaEnv;

crate::declare_check! {
    /// ## What it does
    /// Flags a conda spec with no `channels` (or an empty list). Channel-qualified specs
    /// such as `conda-forge::numpy` do not count.
    ///
    /// ## Why it matters
    /// conda falls back to its configured defaults, which differ between machines and
    /// change over time, so the build is not reproducible.
    ///
    /// ## Example
    /// ```yaml
    /// dependencies:
    ///   - python=3.11
    /// ```
    ///
    /// ## Fix
    /// List channels explicitly, e.g. `channels: [conda-forge]`.
    id: "conda-channels-missing", severity: Warning, fixable: false, catalog: "D27"
}

pub(crate) fn check(env: &CondaEnv<'_>, cx: &mut FileCx<'_>) {
    match env.channels {
        Some((_, v)) if !v.is_empty() => {}
        Some((k, _)) => {
            cx.report(&CHECK, k.span.clone(), "`channels` is empty")
                .help("list the channels explicitly, e.g. `- conda-forge`");
        }
        None => {
            let span = env
                .dependencies
                .map_or_else(|| env.root.missing_key_span(), |(k, _)| k.span.clone());
            cx.report(
                &CHECK,
                span,
                "no `channels` listed; conda will use whatever defaults the build machine has",
            )
            .help("add `channels:` with e.g. `- conda-forge`");
        }
    }
}
