use crate::framework::context::FileCx;
use crate::framework::diagnostic::Severity;

crate::declare_check! {
    /// ## What it does
    /// Flags a Dockerfile larger than Azure ML accepts. "100 KB" is ambiguous, so files above
    /// 100,000 bytes get a warning and files above 102,400 bytes an error (both limits live in
    /// `data/facts.toml`).
    ///
    /// ## Why it matters
    /// Azure ML refuses to register the environment ("Dockerfile length over limit").
    ///
    /// ## Example
    /// A Dockerfile that inlines a long setup script in `RUN` lines or heredocs.
    ///
    /// ## Fix
    /// Move scripts and data into files in the build context and `COPY` them, and merge
    /// repetitive `RUN` lines.
    id: "dockerfile-too-large", severity: Error, fixable: false, catalog: "D10"
}

pub(crate) fn check(cx: &mut FileCx<'_>) {
    let size = cx.file.text.len();
    let limits = &cx.facts().limits;
    let (warn, error) = (limits.dockerfile_warn_bytes, limits.dockerfile_error_bytes);
    if size <= warn {
        return;
    }
    let limit = if size > error { error } else { warn };
    // Point at the line where the limit is crossed.
    let at = crate::syntax::source::floor_char_boundary(&cx.file.text, limit);
    let line = cx.file.line_index(at);
    let span = cx.file.line_span(line);
    let d = cx.report(
        &CHECK,
        span,
        format!("the Dockerfile is {size} bytes; Azure ML accepts at most 100 KB ({warn} to {error} bytes)"),
    );
    d.help("move long scripts into files in the build context and COPY them; merge repetitive RUN lines");
    if size <= error {
        d.severity(Severity::Warning);
    }
}
