use std::str::FromStr;

use crate::framework::context::FileCx;
use crate::syntax::requirements::{Logical, ReqText};

crate::declare_check! {
    /// ## What it does
    /// Checks the file name of every wheel a requirement points at (local path or URL,
    /// also `name @ https://.../x.whl`) against the wheel naming convention
    /// `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`: five or six dash-separated
    /// parts, a PEP 440 version, a build tag starting with a digit.
    ///
    /// ## Why it matters
    /// pip refuses the file (`X.whl is not a valid wheel filename`, `Invalid wheel filename
    /// (wrong number of parts)`), typically after a rename such as `mypkg-latest.whl`.
    ///
    /// ## Example
    /// ```text
    /// ./wheels/mypkg-latest.whl
    /// https://example.com/dist/tool-1.0-py3-any.whl
    /// ```
    ///
    /// ## Fix
    /// Keep the name the wheel was built with, e.g. `mypkg-1.2.0-py3-none-any.whl`.
    id: "pip-invalid-wheel-filename", severity: Error, fixable: false, catalog: "B26"
}

pub(crate) fn check_direct(l: &Logical, req: &ReqText<'_>, cx: &mut FileCx<'_>) {
    let first = req.text.split([' ', ';']).next().unwrap_or(req.text);
    check_location(l, req.range.start, first, cx);
}

pub(crate) fn check_named(
    l: &Logical,
    req: &ReqText<'_>,
    parsed: &uv_pep508::Requirement,
    cx: &mut FileCx<'_>,
) {
    if !matches!(parsed.version_or_url, Some(uv_pep508::VersionOrUrl::Url(_))) {
        return;
    }
    let Some(at) = req.text.find('@') else { return };
    let url_start = at + 1 + (req.text[at + 1..].len() - req.text[at + 1..].trim_start().len());
    let url = req.text[url_start..].split([' ', ';']).next().unwrap_or("");
    check_location(l, req.range.start + url_start, url, cx);
}

fn check_location(l: &Logical, start: usize, location: &str, cx: &mut FileCx<'_>) {
    let path = location.split(['#', '?']).next().unwrap_or(location);
    let base_start = path.rfind(['/', '\\']).map_or(0, |i| i + 1);
    let base = &path[base_start..];
    if !base.to_ascii_lowercase().ends_with(".whl") {
        return;
    }
    let decoded = percent_decode(base);
    if let Err(problem) = validate(&decoded) {
        let span = l.span(start + base_start..start + base_start + base.len());
        cx.report(
            &CHECK,
            span,
            format!("`{decoded}` is not a valid wheel file name: {problem}"),
        )
        .help(
            "wheel names are {name}-{version}(-{build})?-{python tag}-{abi tag}-{platform tag}.whl",
        );
    }
}

/// Validates a wheel file name (PEP 427 / 491).
pub(crate) fn validate(name: &str) -> Result<(), String> {
    let stem = &name[..name.len() - 4];
    let parts: Vec<&str> = stem.split('-').collect();
    if parts.len() != 5 && parts.len() != 6 {
        return Err(format!(
            "wrong number of parts ({}, expected 5 or 6)",
            parts.len()
        ));
    }
    if parts
        .iter()
        .any(|p| p.is_empty() || p.chars().any(char::is_whitespace))
    {
        return Err("empty part or whitespace".into());
    }
    if !parts[0]
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'))
    {
        return Err(format!("invalid distribution name `{}`", parts[0]));
    }
    if uv_pep508::uv_pep440::Version::from_str(parts[1]).is_err() {
        return Err(format!("invalid version `{}`", parts[1]));
    }
    if parts.len() == 6 && !parts[2].starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("build tag `{}` must start with a digit", parts[2]));
    }
    Ok(())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(v) = u8::from_str_radix(
                std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                16,
            )
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_names() {
        assert!(
            validate("numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
                .is_ok()
        );
        assert!(validate("torch-2.0.1+cu118-cp310-cp310-linux_x86_64.whl").is_ok());
        assert!(validate("pkg-1.0-1build-py3-none-any.whl").is_ok());
        assert!(validate("mypkg-latest.whl").is_err());
        assert!(validate("tool-1.0-py3-any.whl").is_err());
        assert!(validate("pkg-1.0-build-py3-none-any.whl").is_err());
        assert!(validate("pkg-one-py3-none-any.whl").is_err());
        assert_eq!(percent_decode("torch-2.0.1%2Bcu118"), "torch-2.0.1+cu118");
        assert_eq!(percent_decode("a%"), "a%");
    }
}
