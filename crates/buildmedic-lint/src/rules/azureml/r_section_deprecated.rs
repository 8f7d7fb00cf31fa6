use crate::framework::context::FileCx;
use crate::syntax::yaml::Node;

crate::declare_check! {
    /// ## What it does
    /// Flags a v1 environment with an `r` section.
    ///
    /// ## Why it matters
    /// The Azure ML R SDK was retired at the end of 2021; definitions with an R section are
    /// rejected.
    ///
    /// ## Example
    /// ```json
    /// "r": {"rVersion": "4.0", "cranPackages": [...]}
    /// ```
    ///
    /// ## Fix
    /// Remove the section (`"r": null`) and train R models with the Azure ML CLI v2.
    id: "r-section-deprecated", severity: Error, fixable: false, catalog: "D32"
}

pub(crate) fn check(root: &Node, cx: &mut FileCx<'_>) {
    if let Some((k, v)) = root.entry("r")
        && !v.is_null()
    {
        cx.report(&CHECK, k.span.clone(), "the `r` section is deprecated")
            .help("remove it (`\"r\": null`); use the Azure ML CLI v2 for R workloads");
    }
}
