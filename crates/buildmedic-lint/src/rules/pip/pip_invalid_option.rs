use crate::framework::context::FileCx;
use crate::syntax::requirements::{Logical, option_problems};

crate::declare_check! {
    /// ## What it does
    /// Reads the options of each requirements line the way pip's requirements-file parser
    /// does (`shlex` split, then optparse with the options pip allows in a requirements file)
    /// and flags what pip stops at: unknown options (`--bogus`), ambiguous abbreviations, a
    /// missing value (`--index-url` at the end of the line), a value given to a flag
    /// (`--pre=1`), an unclosed quote, `--hash` without a `sha256:`/`sha384:`/`sha512:`
    /// algorithm, `--config-settings` without `KEY=VAL`.
    ///
    /// ## Why it matters
    /// pip aborts the whole install with `RequirementsFileParseError` (or `Invalid --hash`),
    /// which fails the image build before anything is installed.
    ///
    /// ## Example
    /// ```text
    /// --bogus
    /// pkg==1.0.0 --hash=somehash
    /// --index-url 'https://example.com/simple
    /// ```
    ///
    /// ## Fix
    /// Use an option pip supports in requirements files (`pip help install`), give each
    /// option its value, close quotes, and write hashes as `--hash=sha256:<digest>`.
    id: "pip-invalid-option", severity: Error, fixable: false, catalog: ""
}

pub(crate) fn check(l: &Logical, cx: &mut FileCx<'_>) {
    for p in option_problems(&l.text) {
        cx.report(
            &CHECK,
            l.span(p.range.clone()),
            format!("pip cannot read this requirements line: {}", p.message),
        )
        .help("write only options pip supports in requirements files, each with its value");
    }
}
