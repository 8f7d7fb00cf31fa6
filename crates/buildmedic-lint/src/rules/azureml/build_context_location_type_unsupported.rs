use crate::framework::context::FileCx;
use crate::framework::diagnostic::Severity;
use crate::syntax::yaml::Node;

crate::declare_check! {
    /// ## What it does
    /// Flags a v1 `buildContext.locationType` other than `storageAccount` (error) and `git`
    /// (warning: accepted, but Azure ML cannot build from it yet).
    ///
    /// ## Why it matters
    /// Azure ML only builds contexts it can fetch from a storage account.
    ///
    /// ## Example
    /// ```json
    /// "buildContext": {"locationType": "ftp", "location": "ftp://example.com/ctx"}
    /// ```
    ///
    /// ## Fix
    /// Upload the context to a storage account and use `"locationType": "storageAccount"`.
    id: "build-context-location-type-unsupported", severity: Error, fixable: false, catalog: "D14"
}

pub(crate) fn check(context: &Node, cx: &mut FileCx<'_>) {
    let Some((key, value)) = context.entry("locationType") else {
        return;
    };
    let Some(t) = value.as_str() else {
        if !value.is_null() {
            cx.report(&CHECK, key.span.clone(), "`locationType` is not a string");
        }
        return;
    };
    match t {
        "storageAccount" => {}
        "git" => {
            cx.report(
                &CHECK,
                value.span.clone(),
                "git build contexts are accepted but cannot be built yet",
            )
            .severity(Severity::Warning)
            .help("upload the context to a storage account and use `storageAccount`");
        }
        other => {
            cx.report(
                &CHECK,
                value.span.clone(),
                format!("unknown build context location type `{other}`"),
            )
            .help("use `storageAccount` (or `git`)");
        }
    }
}
