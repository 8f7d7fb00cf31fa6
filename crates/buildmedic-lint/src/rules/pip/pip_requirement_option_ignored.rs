use crate::framework::context::FileCx;
use crate::syntax::requirements::{Logical, ReqOption};

crate::declare_check! {
    /// ## What it does
    /// Flags global pip options written after a requirement on the same line, e.g.
    /// `torch==2.1 --index-url https://download.pytorch.org/whl/cu121`. Only `--hash`,
    /// `--config-settings`, `--global-option` and `--install-option` apply per requirement.
    ///
    /// ## Why it matters
    /// pip does not apply such options to that requirement, so the package silently comes
    /// from the default index (e.g. a CPU build of torch instead of the CUDA one).
    ///
    /// ## Example
    /// ```text
    /// torch==2.1.0 --index-url https://download.pytorch.org/whl/cu121
    /// ```
    ///
    /// ## Fix
    /// Put the option on its own line (it then applies to the whole file), or install the
    /// package in a separate step.
    id: "pip-requirement-option-ignored", severity: Warning, fixable: false, catalog: ""
}

const PER_REQUIREMENT: &[&str] = &["hash", "config-settings", "global-option", "install-option"];

pub(crate) fn check(l: &Logical, opt: &ReqOption<'_>, cx: &mut FileCx<'_>) {
    if PER_REQUIREMENT.contains(&opt.name.as_str()) {
        return;
    }
    cx.report(
        &CHECK,
        l.span(opt.range.clone()),
        format!(
            "`--{}` after a requirement is not applied to that requirement",
            opt.name
        ),
    )
    .help("move the option to a line of its own");
}
