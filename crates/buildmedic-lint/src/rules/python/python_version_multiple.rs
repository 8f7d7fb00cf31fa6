use crate::framework::context::FileCx;
use crate::syntax::conda::CondaEnv;

crate::declare_check! {
    /// ## What it does
    /// Flags a conda spec that lists `python` more than once (outside the `pip:` list).
    ///
    /// ## Why it matters
    /// Azure ML rejects the definition; even where conda accepts it, the entries conflict or
    /// one silently wins.
    ///
    /// ## Example
    /// ```yaml
    /// dependencies:
    ///   - python=3.11
    ///   - numpy
    ///   - python=3.12
    /// ```
    ///
    /// ## Fix
    /// Keep exactly one `python` entry.
    id: "python-version-multiple", severity: Error, fixable: false, catalog: "D21"
}

pub(crate) fn check(env: &CondaEnv<'_>, cx: &mut FileCx<'_>) {
    let pythons: Vec<_> = env.named("python").collect();
    if pythons.len() < 2 {
        return;
    }
    let first = pythons[0].text.to_string();
    for dep in &pythons[1..] {
        cx.report(
            &CHECK,
            dep.node.span.clone(),
            format!(
                "`python` is listed again (`{}`; first: `{first}`)",
                dep.text
            ),
        )
        .help("keep a single python entry");
    }
}
