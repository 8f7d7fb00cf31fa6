//! Whether conda accepts a MatchSpec string: a port of the checks of conda's classic
//! parser (`conda.models.match_spec._parse_spec_str`, `MatchSpec` field validation,
//! `conda.models.version.VersionSpec`, `VersionOrder` and `BuildNumberMatch`).
//!
//! rattler's strict parser (used for the structure other checks read) rejects things conda
//! accepts (name globs, regex versions, `numpy=`, `name=` bracket keys, space-separated
//! bracket pairs) and its lenient parser accepts things conda refuses (`4.2.2<6.0.0`,
//! `3.5&1`, `1.5)`, `~=3.3.2.*`); conda decides what is an error. Checked against conda's
//! test suite by `tests/grammar_conformance.rs`.

use std::sync::LazyLock;

use regex::Regex;

/// conda's `MatchSpec.FIELD_NAMES`: the keys a bracket may set.
const FIELD_NAMES: &[&str] = &[
    "channel",
    "subdir",
    "name",
    "version",
    "build",
    "build_number",
    "track_features",
    "features",
    "url",
    "md5",
    "sha256",
    "license",
    "license_family",
    "fn",
    "when",
    "extras",
    "flags",
];

/// Whether conda's `MatchSpec(spec)` accepts `spec`; `Err` says why not.
pub fn check_match_spec(spec: &str) -> Result<(), String> {
    if spec.ends_with('@') {
        return Ok(()); // a legacy feature (`mkl@`)
    }
    let mut s = match spec.find('#') {
        Some(i) => &spec[..i],
        None => spec,
    }
    .to_string();
    if let Some((head, _)) = s.split_once(" if ") {
        s = head.to_string();
    }
    let lower = s.trim().to_ascii_lowercase();
    if lower.ends_with(".conda") || lower.ends_with(".tar.bz2") {
        return Ok(()); // a package file or URL
    }
    // Step 3: the brackets (the last `[` with a `]` after it, to the last `]`).
    if let Some((start, end)) = last_group(&s, '[', ']') {
        let group = s[start..=end].to_string();
        s = s.replace(&group, "");
        let inner = &group[1..group.len() - 1];
        for (key, value) in key_values(inner) {
            if key.is_empty() || value.is_empty() {
                return Err("key-value mismatch in brackets".into());
            }
            if !FIELD_NAMES.contains(&key.as_str()) {
                return Err(format!("unknown bracket key `{key}`"));
            }
            match key.as_str() {
                "version" => version_spec(&sanitize_version(&value, None))?,
                "build_number" => build_number(&value)?,
                _ => {}
            }
        }
    }
    // Step 4: the parens (`(target=..., optional)`) are dropped.
    if let Some((start, end)) = last_group(&s, '(', ')') {
        let group = s[start..=end].to_string();
        s = s.replace(&group, "");
    }
    // Step 5: `channel:namespace:spec`.
    let spec_part = s.rsplit(':').next().unwrap_or("").to_string();
    // Step 6: name and version.
    let name_end = spec_part
        .find(|c: char| " =<>!~".contains(c))
        .unwrap_or(spec_part.len());
    let name = &spec_part[..name_end];
    if name.is_empty() {
        return Err("no package name found".into());
    }
    package_name(name)?;
    let rest = &spec_part[name_end..];
    let version_part = (rest.chars().count() >= 2).then_some(rest);
    let Some(rest) = version_part.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(());
    };
    if rest.contains('[') {
        return Err("multiple brackets sections not allowed".into());
    }
    let (version, build) = version_plus_build(rest);
    version_spec(&sanitize_version(&version, build.as_deref()))
}

/// A swapped operator (`=>`, `=<`) outside the brackets, and the operator meant: conda
/// reads `name=>1.2` as `>1.2*` (it strips the `=`), which is valid but not what is meant.
pub fn swapped_operator(spec: &str) -> Option<(std::ops::Range<usize>, &'static str)> {
    let head = spec.split('[').next().unwrap_or(spec);
    if let Some(i) = head.find("=>") {
        return Some((i..i + 2, ">="));
    }
    head.find("=<").map(|i| (i..i + 2, "<="))
}

/// How conda reads the swapped operator that stands for `meant` (`>=` or `<=`, as
/// [`swapped_operator`] gives it): `` conda reads `=>` as `>` with a glob, not `>=` ``.
pub fn swapped_reading(meant: &str) -> String {
    let (swapped, strict) = if meant == ">=" {
        ("=>", ">")
    } else {
        ("=<", "<")
    };
    format!("conda reads `{swapped}` as `{strict}` with a glob, not `{meant}`")
}

/// The span of the regex `.*(\[.*\])`'s group: the last `open` with a `close` after it, to
/// the last `close`.
fn last_group(s: &str, open: char, close: char) -> Option<(usize, usize)> {
    let end = s.rfind(close)?;
    let start = s[..end].rfind(open)?;
    Some((start, end))
}

/// `_BRACKETS_KV_RE.finditer`: `key=value`, `key='value'`, `key="value"`, each followed by
/// `,`, a space or the end.
fn key_values(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < s.len() {
        match key_value_at(s, start) {
            Some((key, value, next)) => {
                out.push((key, value));
                start = next;
            }
            None => start += 1,
        }
    }
    out
}

/// One `key=value` starting at byte `start`, and where the scan goes on.
fn key_value_at(s: &str, start: usize) -> Option<(String, String, usize)> {
    let bytes = s.as_bytes();
    let is_key = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let mut eq = start;
    while eq < bytes.len() && is_key(bytes[eq]) {
        eq += 1;
    }
    if eq == start || eq >= bytes.len() || bytes[eq] != b'=' {
        return None;
    }
    let key = s[start..eq].to_string();
    let after = eq + 1;
    let delimited = |at: usize| at >= bytes.len() || bytes[at] == b',' || bytes[at] == b' ';
    // With a quote: the value runs to the same quote, then a delimiter.
    if after < bytes.len() && (bytes[after] == b'\'' || bytes[after] == b'"') {
        let q = bytes[after];
        if let Some(close) = bytes[after + 1..]
            .iter()
            .position(|&b| b == b'\'' || b == b'"')
        {
            let close = after + 1 + close;
            if bytes[close] == q && delimited(close + 1) {
                let value = s[after + 1..close].to_string();
                return Some((key, value, close + 2));
            }
        }
    }
    // Without: the shortest value without quotes followed by a delimiter.
    let mut end = after;
    loop {
        if delimited(end) {
            return Some((key, s[after..end].to_string(), end + 1));
        }
        if bytes[end] == b'\'' || bytes[end] == b'"' {
            return None;
        }
        end += 1;
    }
}

/// `_validate_package_name`: CEP-26 names (globs are not checked).
fn package_name(name: &str) -> Result<(), String> {
    if name.contains('*') {
        return Ok(());
    }
    let n = name.to_lowercase();
    let bad: String = n
        .chars()
        .filter(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(*c)))
        .collect();
    if !bad.is_empty() {
        return Err(format!("package name contains invalid characters ({bad})"));
    }
    let b = n.as_bytes();
    let sep = |c: u8| c == b'.' || c == b'_' || c == b'-';
    // `__virtual`, or `(alnum | _ not followed by _) [._-]? runs`.
    let rest = if let Some(v) = n.strip_prefix("__") {
        match v.as_bytes().first() {
            Some(c) if c.is_ascii_alphanumeric() => &v[1..],
            _ => return Err("invalid package name".into()),
        }
    } else {
        match b.first() {
            Some(c) if c.is_ascii_alphanumeric() => &n[1..],
            Some(b'_') if b.get(1) != Some(&b'_') => &n[1..],
            _ => return Err("invalid package name".into()),
        }
    };
    let rest = rest.strip_prefix(['.', '_', '-']).unwrap_or(rest);
    // Alphanumeric runs, each followed by one separator or the end.
    let mut prev_sep = true;
    for &c in rest.as_bytes() {
        if sep(c) {
            if prev_sep {
                return Err("invalid package name".into());
            }
            prev_sep = true;
        } else {
            prev_sep = false;
        }
    }
    Ok(())
}

/// `_parse_version_plus_build`: the shortest version after which comes ` build` or
/// `=build` (not after an operator).
fn version_plus_build(s: &str) -> (String, Option<String>) {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    for k in 1..chars.len() {
        let (at, c) = chars[k];
        let prev = chars[k - 1].1;
        if (c == ' ' || c == '=') && !"=!|,<>~".contains(prev) {
            let build = &s[at + 1..];
            if !build.is_empty() && !build.chars().any(|b| "-=,|<>~".contains(b)) {
                return (s[..at].replace(' ', ""), Some(build.trim().to_string()));
            }
        }
    }
    (s.replace(' ', ""), None)
}

/// `_sanitize_version_str`.
fn sanitize_version(version: &str, build: Option<&str>) -> String {
    if version == "==" || version == "=" || !version.starts_with('=') {
        return version.to_string();
    }
    let bare = version.trim_start_matches('=');
    if version.starts_with("==") && build.is_none() {
        return bare.to_string();
    }
    if !bare.contains(['=', ',', '|']) {
        if build.is_none() && !bare.ends_with('*') {
            return format!("{bare}*");
        }
        return bare.to_string();
    }
    version.to_string()
}

static VSPEC_TOKENS: LazyLock<Regex> = LazyLock::new(|| {
    // A constant pattern.
    #[allow(clippy::expect_used)]
    Regex::new(r"\s*\^[^$]*[$]|\s*[()|,]|[^()|,]+").expect("valid built-in regex")
});

/// `VersionSpec(spec)`.
pub fn version_spec(spec: &str) -> Result<(), String> {
    if spec.contains(['(', ')', '|', ',', '^', '$']) {
        return match treeify(spec)? {
            Tree::Leaf(leaf) => version_leaf(&leaf),
            Tree::Op(children) => children.iter().try_for_each(tree_ok),
        };
    }
    version_leaf(spec)
}

fn tree_ok(t: &Tree) -> Result<(), String> {
    match t {
        Tree::Leaf(l) => version_spec(l),
        Tree::Op(children) => children.iter().try_for_each(tree_ok),
    }
}

enum Tree {
    Leaf(String),
    Op(Vec<Tree>),
}

/// conda's `treeify`: `,` binds tighter than `|`, parentheses group.
fn treeify(spec: &str) -> Result<Tree, String> {
    let wrapped = format!("({spec})");
    let mut output: Vec<Tree> = Vec::new();
    let mut stack: Vec<char> = Vec::new();
    fn apply(output: &mut Vec<Tree>, stack: &mut Vec<char>, stop: &str) -> Result<(), String> {
        while let Some(&top) = stack.last() {
            if stop.contains(top) {
                break;
            }
            if output.len() < 2 {
                return Err("cannot join single expression".into());
            }
            stack.pop();
            let right = output.pop();
            let left = output.pop();
            if let (Some(l), Some(r)) = (left, right) {
                output.push(Tree::Op(vec![l, r]));
            }
        }
        Ok(())
    }
    for m in VSPEC_TOKENS.find_iter(&wrapped) {
        let item = m.as_str().trim();
        match item {
            "|" => {
                apply(&mut output, &mut stack, "(")?;
                stack.push('|');
            }
            "," => {
                apply(&mut output, &mut stack, "|(")?;
                stack.push(',');
            }
            "(" => stack.push('('),
            ")" => {
                apply(&mut output, &mut stack, "(")?;
                if stack.last() != Some(&'(') {
                    return Err("expression must start with '('".into());
                }
                stack.pop();
            }
            _ => output.push(Tree::Leaf(item.to_string())),
        }
    }
    if !stack.is_empty() {
        return Err("unable to convert to expression tree".into());
    }
    output
        .into_iter()
        .next()
        .ok_or_else(|| "unable to determine version from spec".into())
}

const OPERATORS: &[&str] = &["=", "==", "!=", "<=", ">=", "<", ">", "~="];

/// `version_relation_re`: `^(=|==|!=|<=|>=|<|>|~=)(?![=<>!~])(\S+)$`.
fn relation(s: &str) -> Option<(&'static str, &str)> {
    OPERATORS.iter().find_map(|op| {
        let rest = s.strip_prefix(op)?;
        let first = rest.chars().next()?;
        (!"=<>!~".contains(first) && !rest.chars().any(char::is_whitespace)).then_some((*op, rest))
    })
}

/// One term of a VersionSpec (no `|`, `,` or parentheses).
fn version_leaf(spec: &str) -> Result<(), String> {
    let s = spec.trim();
    let Some(first) = s.chars().next() else {
        return Err("empty version spec".into());
    };
    if first == '^' || s.ends_with('$') {
        if first != '^' || !s.ends_with('$') {
            return Err("regex specs must start with '^' and end with '$'".into());
        }
        return Ok(());
    }
    if "=<>!~".contains(first) {
        let Some((op, mut version)) = relation(s) else {
            return Err(format!("invalid operator in `{s}`"));
        };
        if let Some(stripped) = version.strip_suffix(".*") {
            if op == "~=" {
                return Err("invalid operator with '.*'".into());
            }
            version = stripped;
        }
        return version_order(version);
    }
    if s == "*" {
        return Ok(());
    }
    if s.trim_end_matches('*').contains('*') {
        return Ok(()); // a glob, matched as a regex
    }
    if s.ends_with('*') {
        return version_order(s.trim_end_matches('*').trim_end_matches('.'));
    }
    if !s.contains('@') {
        return version_order(s);
    }
    Ok(())
}

/// `VersionOrder(version)`.
pub fn version_order(vstr: &str) -> Result<(), String> {
    let mut v = vstr.trim().to_lowercase();
    if v.is_empty() {
        return Err("empty version string".into());
    }
    let ok = |v: &str| {
        v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "*.+!_".contains(c))
    };
    if !ok(&v) && v.contains('-') && !v.contains('_') {
        v = v.replace('-', "_");
    }
    if !ok(&v) {
        return Err(format!("invalid character(s) in version `{vstr}`"));
    }
    let parts: Vec<&str> = v.split('!').collect();
    let release = match parts.as_slice() {
        [r] => *r,
        [epoch, r] => {
            if epoch.is_empty() || !epoch.chars().all(|c| c.is_ascii_digit()) {
                return Err(format!("epoch must be an integer in `{vstr}`"));
            }
            *r
        }
        _ => return Err(format!("duplicated epoch separator '!' in `{vstr}`")),
    };
    let pieces: Vec<&str> = release.split('+').collect();
    let (main, local) = match pieces.as_slice() {
        [m] => (*m, None),
        [m, l] => (*m, Some(*l)),
        _ => {
            return Err(format!(
                "duplicated local version separator '+' in `{vstr}`"
            ));
        }
    };
    if main.is_empty() {
        return Err(format!(
            "missing version before local version separator '+' in `{vstr}`"
        ));
    }
    let main = main.strip_suffix('_').unwrap_or(main).replace('_', ".");
    let local = local.map(|l| l.replace('_', "."));
    let components = main
        .split('.')
        .chain(local.as_deref().map(|l| l.split('.')).into_iter().flatten());
    for c in components {
        if c.is_empty() {
            return Err(format!("empty version component in `{vstr}`"));
        }
    }
    Ok(())
}

/// `BuildNumberMatch(value)`.
fn build_number(value: &str) -> Result<(), String> {
    let s = value.trim();
    if s.parse::<i64>().is_ok() || s == "*" {
        return Ok(());
    }
    if s.starts_with(['=', '<', '>', '!']) {
        let Some((_, number)) = relation(s) else {
            return Err(format!("invalid build number operator in `{s}`"));
        };
        return version_order(number);
    }
    if (s.starts_with('^') || s.ends_with('$')) && !(s.starts_with('^') && s.ends_with('$')) {
        return Err("regex specs must start with '^' and end with '$'".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conda_accepts() {
        for ok in [
            "numpy",
            "numpy=",
            "python 2.7.4",
            "python=2.6*",
            "python=*",
            "python[version=3.9]",
            "* 2.7.4",
            "mkl@",
            "numpy >=1.0.1*.vc11",
            "numpy[version=1.10 build=py38_0]",
            "numpy[track_features='mkl,debug' build=py3*_2]",
            "tensorflow[name=pytorch]",
            "conda-forge::foo[build=3](target=blarg,optional)",
            "pkg ^1.7.1$",
            "pkg 1.*.1",
            "foo=1.3.0=3",
            "_openmp_mutex",
            "__glibc",
            "defaults::numpy=1.8=py27_0 [channel='anaconda',version=\">=1.8,<2|1.9\", build='3']",
            "pkg ==1.0.1post.a",
            "python[build_number='>=3']",
            // MatchSpec strips leading `=` before VersionSpec reads it.
            "pkg ===3.3.2",
        ] {
            assert_eq!(check_match_spec(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn conda_refuses() {
        for bad in [
            "pkg 4.2.2<6.0.0",
            "pkg 3.5&1",
            "pkg a!1.0",
            "pkg 1.5)",
            "pkg (1.5",
            "pkg 1.5||1.6",
            "pkg ~=3.3.2.*",
            "numpy==",
            "blas [optional",
            "blas [test=]",
            "blas[invalid=\"1\"]",
            "!xyz 1.3",
            "pkg..name",
            "-pkg",
            "'package'",
            "pkg 1.2.",
            "pkg ^1.5",
        ] {
            assert!(check_match_spec(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = check_match_spec(&s);
        }
    }
}
