use crate::framework::context::FileCx;
use crate::syntax::requirements::{Logical, Pep508Failure, ReqText};

crate::declare_check! {
    /// ## What it does
    /// Reads each pip requirement the way pip does (a port of `packaging`'s PEP 508 grammar,
    /// checked against packaging's test suite) and flags those pip would reject: versions
    /// that are not PEP 440 (`=={{version}}`), unbalanced brackets, broken markers, `name @`
    /// without a URL. Names uv-pep508 refuses (`numpy_`, which pip reads and then finds no
    /// project for) are flagged too. Operator mistakes are reported by `pip-invalid-operator`,
    /// option mistakes by `pip-invalid-option`.
    ///
    /// ## Why it matters
    /// pip aborts the whole install with `Invalid requirement`, which fails the image build
    /// (reported as `pip-install-failed` by `buildmedic diagnose`).
    ///
    /// ## Example
    /// ```text
    /// azureml-core=={{latest-pypi-version}}
    /// numpy_ >=1.26
    /// ```
    ///
    /// ## Fix
    /// Write `name[extras] <specifiers> ; <markers>` or `name @ <url>`; render templates
    /// before building.
    id: "pip-invalid-requirement", severity: Error, fixable: false, catalog: "B22"
}

pub(crate) fn report(l: &Logical, req: &ReqText<'_>, err: &Pep508Failure, cx: &mut FileCx<'_>) {
    let range = if err.range.is_empty() {
        0..req.text.len()
    } else {
        err.range.clone()
    };
    let span = l.span(req.range.start + range.start..req.range.start + range.end);
    let help = if crate::syntax::is_templated(req.text) {
        "this is a template placeholder: render it before the environment is built"
    } else {
        "write the requirement as `name[extras] <specifiers> ; <markers>` or `name @ <url>`"
    };
    cx.report(
        &CHECK,
        span,
        format!("invalid pip requirement `{}`: {}", req.text, err.message),
    )
    .help(help);
}
