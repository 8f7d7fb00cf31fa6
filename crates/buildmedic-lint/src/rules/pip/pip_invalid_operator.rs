use crate::framework::context::FileCx;
use crate::framework::diagnostic::Fix;
use crate::syntax::requirements::{Logical, ReqText};

crate::declare_check! {
    /// ## What it does
    /// Flags pip requirements that use a comparison operator pip does not know, above all
    /// the conda-style single `=` (`numpy=1.26`) and the swapped `=>` / `=<`.
    ///
    /// ## Why it matters
    /// pip stops with `Invalid requirement ... Hint: = is not a valid operator. Did you mean
    /// == ?`, failing the image build after conda has already solved.
    ///
    /// ## Example
    /// ```yaml
    ///   - pip:
    ///     - numpy=1.26
    /// ```
    ///
    /// ## Fix
    /// Use a PEP 440 operator: `==`, `!=`, `<=`, `>=`, `<`, `>`, `~=`, `===`. `--fix`
    /// rewrites `=` to `==` and `=>`/`=<` to `>=`/`<=` when the rest is a plain version.
    id: "pip-invalid-operator", severity: Error, fixable: true, catalog: "B24"
}

/// Returns true when it reported (so the generic PEP 508 error is not reported twice).
pub(crate) fn check(l: &Logical, req: &ReqText<'_>, cx: &mut FileCx<'_>) -> bool {
    let text = req.text;
    // Name (and extras), then the operator.
    let name_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(text.len());
    if name_end == 0 {
        return false;
    }
    let mut i = name_end;
    let rest = &text[i..];
    if rest.starts_with('[') {
        match rest.find(']') {
            Some(close) => i += close + 1,
            None => return false,
        }
    }
    let after = &text[i..];
    let ws = after.len() - after.trim_start().len();
    i += ws;
    let op_rest = &text[i..];
    let (bad, good) = if op_rest.starts_with("=>") {
        ("=>", ">=")
    } else if op_rest.starts_with("=<") {
        ("=<", "<=")
    } else if op_rest.starts_with('=') && !op_rest.starts_with("==") {
        ("=", "==")
    } else {
        return false;
    };
    let op_range = i..i + bad.len();
    let version = op_rest[bad.len()..].trim();
    let plain_version = !version.is_empty()
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '*' | '+' | '!' | '_' | '-'))
        && version.starts_with(|c: char| c.is_ascii_digit());
    let hint = if bad == "=" && version.contains('=') {
        " (this looks like a line of `conda list --export`, not a pip requirement)"
    } else {
        ""
    };
    let span = l.span(req.range.start + op_range.start..req.range.start + op_range.end);
    let d = cx.report(
        &CHECK,
        span.clone(),
        format!("`{bad}` is not a valid pip operator in `{text}`{hint}"),
    );
    d.help(format!(
        "use `{good}`; pip accepts ==, !=, <=, >=, <, >, ~= and ==="
    ));
    if plain_version && !version.contains('=') && span.len() == bad.len() {
        d.fix(Fix::replace(
            format!("replace `{bad}` with `{good}`"),
            span,
            good,
        ));
    }
    true
}
