use crate::framework::context::FileCx;
use crate::framework::diagnostic::Span;
use crate::syntax::requirements::ReqOrigin;

crate::declare_check! {
    /// ## What it does
    /// Flags `-r FILE` / `-c FILE` includes (in requirements files and in a conda `pip:`
    /// list) whose file does not exist relative to the including file. Absolute paths are
    /// not checked: they name a file in the image being built (a Dockerfile may `COPY` it
    /// there), not on this machine.
    ///
    /// ## Why it matters
    /// pip stops with `Could not open requirements file` and the build fails. conda runs pip
    /// from the conda file's directory, so includes in a `pip:` list are relative to it.
    ///
    /// ## Example
    /// ```yaml
    ///   - pip:
    ///     - -r requirements.txt     # not next to the conda file
    /// ```
    ///
    /// ## Fix
    /// Fix the path, or copy the file next to the file that includes it.
    id: "pip-requirements-file-missing", severity: Error, fixable: false, catalog: "B22"
}

pub(crate) fn report(
    span: Span,
    display: &str,
    is_dir: bool,
    origin: ReqOrigin,
    cx: &mut FileCx<'_>,
) {
    let what = if is_dir {
        "is a directory, not a file"
    } else {
        "does not exist"
    };
    let help = match origin {
        ReqOrigin::CondaPipSection => "the path is relative to the conda file's directory",
        ReqOrigin::RequirementsFile => "the path is relative to the including file's directory",
    };
    cx.report(
        &CHECK,
        span,
        format!("included requirements file `{display}` {what}"),
    )
    .help(help);
}
