use crate::framework::context::FileCx;
use crate::framework::diagnostic::Span;

crate::declare_check! {
    /// ## What it does
    /// Flags a build context in which the Dockerfile cannot be found: `dockerfile_path`
    /// (default `Dockerfile`) does not exist in the local context directory, is absolute, or
    /// points outside the context.
    ///
    /// ## Why it matters
    /// The build stops at once (`failed to read dockerfile: open Dockerfile: no such file or
    /// directory`). A common cause is a file saved as `Dockerfile.txt`.
    ///
    /// ## Example
    /// ```yaml
    /// build:
    ///   path: ./context        # holds docker/Dockerfile, not Dockerfile
    /// ```
    ///
    /// ## Fix
    /// Set `dockerfile_path` to the Dockerfile's path relative to the context root.
    id: "dockerfile-path-missing", severity: Error, fixable: false, catalog: "D12"
}

pub(crate) fn report(span: Span, message: &str, help: &str, cx: &mut FileCx<'_>) {
    cx.report(&CHECK, span, message).help(help);
}
