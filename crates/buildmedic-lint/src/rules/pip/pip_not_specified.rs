use crate::framework::context::FileCx;
use crate::framework::diagnostic::Fix;
use crate::syntax::conda::CondaEnv;

crate::declare_check! {
    /// ## What it does
    /// Flags a conda spec that has a `pip:` list but no `pip` conda dependency.
    ///
    /// ## Why it matters
    /// conda then uses whatever pip the base image or Python happens to bring (or none),
    /// so pip packages install differently from build to build; Azure ML flags it.
    ///
    /// ## Example
    /// ```yaml
    /// dependencies:
    ///   - python=3.12
    ///   - pip:
    ///     - requests==2.32.3
    /// ```
    ///
    /// ## Fix
    /// Add `- pip>=24.0` before the `pip:` list (`--fix` does this).
    id: "pip-not-specified", severity: Warning, fixable: true, catalog: "D30"
}

pub(crate) fn check(env: &CondaEnv<'_>, cx: &mut FileCx<'_>) {
    let Some(section) = env.pip_sections.first() else {
        return;
    };
    if env.named("pip").next().is_some() {
        return;
    }
    let spec = cx.facts().pip.recommended_pip_spec.clone();
    let fix = insertion(cx, section.key.span.start, &spec);
    let d = cx.report(
        &CHECK,
        section.key.span.clone(),
        "the `pip:` list is used but `pip` is not a conda dependency",
    );
    d.help(format!(
        "add `- {spec}` to `dependencies` before the `pip:` list"
    ));
    if let Some(fix) = fix {
        d.fix(fix);
    }
}

/// Inserts `- <spec>` as a sibling list item before the item whose mapping key starts at
/// `key_start`, when the item is a block-style `- pip:` line.
fn insertion(cx: &FileCx<'_>, key_start: usize, spec: &str) -> Option<Fix> {
    let file = cx.file;
    let line = file.line_index(key_start);
    let line_start = file.line_start(line);
    let prefix = &file.text[line_start..key_start];
    // Block style: `<indent>- pip:`; anything else (flow style, JSON) is left alone.
    let indent_len = prefix.len() - prefix.trim_start().len();
    if prefix.trim() != "-" {
        return None;
    }
    let indent = &prefix[..indent_len];
    let dash_gap = &prefix[indent_len + 1..];
    let text = format!("{indent}-{dash_gap}{spec}\n");
    Some(Fix::insert(format!("add `- {spec}`"), line_start, text))
}
