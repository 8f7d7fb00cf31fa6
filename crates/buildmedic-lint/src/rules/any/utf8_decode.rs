use crate::framework::context::FileCx;
use crate::syntax::source::Utf8Problem;

crate::declare_check! {
    /// ## What it does
    /// Flags definition files (conda YAML, requirements, Azure ML YAML/JSON, Dockerfiles)
    /// that are not valid UTF-8: UTF-16 files (byte order mark `FF FE`, NUL bytes) and
    /// Latin-1/CP-1252 characters. The rest of the file is still checked as far as possible.
    ///
    /// ## Why it matters
    /// conda and pip read these files as UTF-8 and stop with `UnicodeDecodeError: 'utf-8'
    /// codec can't decode byte 0xff in position 0`.
    ///
    /// ## Example
    /// An `environment.yml` saved by a Windows editor as "Unicode" (UTF-16 LE).
    ///
    /// ## Fix
    /// Re-save the file as UTF-8 (without BOM), e.g. `iconv -f UTF-16 -t UTF-8`.
    id: "utf8-decode", severity: Error, fixable: false, catalog: "B21"
}

pub(crate) fn report(cx: &mut FileCx<'_>, problem: &Utf8Problem) {
    let byte = problem
        .byte
        .map(|b| format!(" (0x{b:02x})"))
        .unwrap_or_default();
    // The text was decoded lossily; point at the same place in it.
    let at = crate::syntax::source::floor_char_boundary(&cx.file.text, problem.offset);
    let end = cx.file.text[at..]
        .chars()
        .next()
        .map_or(at, |c| at + c.len_utf8());
    cx.report(
        &CHECK,
        at..end,
        format!(
            "file is not valid UTF-8: {}{byte} at byte {}",
            problem.what, problem.offset
        ),
    )
    .help("re-save the file as UTF-8 without a byte order mark");
}
