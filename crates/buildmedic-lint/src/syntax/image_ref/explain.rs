//! Why an image reference is invalid, and where.
//!
//! distribution answers "invalid reference format" for almost everything. People need to know
//! which character is wrong, so this module re-walks a rejected reference part by part (digest,
//! tag, registry, repository path) and reports the first offending byte range with a sentence
//! that names the rule. It is only consulted after [`super::grammar`] rejected the input; the
//! verdict never comes from here.

use std::ops::Range;

use super::grammar::{self, DigestAlgorithms, NAME_TOTAL_LENGTH_MAX, ReferenceError};

/// One explained problem: a byte range of the reference and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Byte range within the reference text.
    pub range: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

fn problem(range: Range<usize>, message: impl Into<String>, help: Option<&str>) -> Problem {
    Problem {
        range,
        message: message.into(),
        help: help.map(str::to_string),
    }
}

/// Explain why `reference` fails `ParseNormalizedNamed` (what `docker pull` uses).
/// Returns `None` when the reference is valid.
pub fn explain(reference: &str) -> Option<Problem> {
    let error = grammar::parse_normalized_named(reference).err()?;
    Some(locate(reference).unwrap_or_else(|| {
        problem(
            0..reference.len(),
            format!("invalid image reference: {error}"),
            Some("the form is `[registry[:port]/]repository[:tag][@sha256:<64 hex>]`"),
        )
    }))
}

fn char_range(s: &str, at: usize) -> Range<usize> {
    let len = s[at..].chars().next().map_or(1, char::len_utf8);
    at..(at + len).min(s.len())
}

fn locate(s: &str) -> Option<Problem> {
    if s.is_empty() {
        return Some(problem(0..0, "image reference is empty", None));
    }
    if let Some(at) = s.find(char::is_whitespace) {
        return Some(problem(
            char_range(s, at),
            "image reference contains whitespace",
            Some("remove the space; a reference is a single word"),
        ));
    }
    if let Some(at) = s.find("://") {
        return Some(problem(
            0..at + 3,
            "image references have no URL scheme",
            Some("drop the scheme: write `registry.example.com/repo:tag`"),
        ));
    }
    if grammar::ANCHORED_IDENTIFIER.is_match(s) {
        return Some(problem(
            0..s.len(),
            "a 64-character hexadecimal string is an image ID, not a repository name",
            Some("name the image by repository and tag, or pin with `repo@sha256:<id>`"),
        ));
    }
    let (before_digest, digest_at) = match s.find('@') {
        Some(at) => (&s[..at], Some(at)),
        None => (s, None),
    };
    if let Some(at) = digest_at
        && let Some(p) = digest_problem(s, at + 1)
    {
        return Some(p);
    }
    let last_slash = before_digest.rfind('/');
    let tag_at = before_digest
        .rfind(':')
        .filter(|&colon| last_slash.is_none_or(|slash| colon > slash));
    let name_end = tag_at.unwrap_or(before_digest.len());
    if let Some(colon) = tag_at
        && let Some(p) = tag_problem(s, colon + 1, before_digest.len())
    {
        return Some(p);
    }
    name_problem(s, name_end)
}

fn digest_problem(s: &str, start: usize) -> Option<Problem> {
    let digest = &s[start..];
    let whole = start - 1..s.len();
    if let Some(extra) = digest.find('@') {
        return Some(problem(
            char_range(s, start + extra),
            "a reference has at most one `@digest`",
            None,
        ));
    }
    let Some(colon) = digest.find(':') else {
        return Some(problem(
            whole,
            "a digest has the form `sha256:<64 hex characters>`",
            None,
        ));
    };
    let algorithm = &digest[..colon];
    let hex = &digest[colon + 1..];
    let hex_start = start + colon + 1;
    let expected = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            return Some(problem(
                start..start + colon,
                format!("unsupported digest algorithm `{algorithm}`"),
                Some("registries address content by `sha256:`"),
            ));
        }
    };
    if let Some(bad) = hex.find(|c: char| !c.is_ascii_digit() && !('a'..='f').contains(&c)) {
        let c = hex[bad..].chars().next().unwrap_or('?');
        let message = if c.is_ascii_hexdigit() {
            "digest hex characters must be lowercase".to_string()
        } else {
            format!("`{c}` is not a hexadecimal digit")
        };
        return Some(problem(char_range(s, hex_start + bad), message, None));
    }
    if hex.len() != expected {
        return Some(problem(
            hex_start..s.len(),
            format!(
                "a {algorithm} digest has {expected} hex characters, this one has {}",
                hex.len()
            ),
            Some("copy the full digest, e.g. from `docker buildx imagetools inspect`"),
        ));
    }
    None
}

fn tag_problem(s: &str, start: usize, end: usize) -> Option<Problem> {
    let tag = &s[start..end];
    if tag.is_empty() {
        return Some(problem(
            start - 1..start,
            "empty tag after `:`",
            Some("write a tag after the colon or remove the colon"),
        ));
    }
    if grammar::is_valid_tag(tag) {
        return None;
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if let Some(bad) = tag.find(|c: char| !allowed(c)) {
        let c = tag[bad..].chars().next().unwrap_or('?');
        return Some(problem(
            char_range(s, start + bad),
            format!("`{c}` is not allowed in a tag"),
            Some("tags use letters, digits, `_`, `.` and `-`"),
        ));
    }
    if tag.starts_with(['.', '-']) {
        return Some(problem(
            start..start + 1,
            "a tag must start with a letter, digit or `_`",
            None,
        ));
    }
    Some(problem(
        start..end,
        format!(
            "a tag has at most 128 characters, this one has {}",
            tag.len()
        ),
        None,
    ))
}

fn name_problem(s: &str, name_end: usize) -> Option<Problem> {
    let name = &s[..name_end];
    if name.is_empty() {
        return Some(problem(
            0..1,
            "the repository name is missing",
            Some("write the repository before `:tag` or `@digest`"),
        ));
    }
    // Same rule as splitDockerDomain: the first component is a registry when it looks like one.
    let (domain_len, path_start) = match name.split_once('/') {
        Some((first, _))
            if first == "localhost"
                || first.contains(['.', ':'])
                || first.to_lowercase() != first =>
        {
            (first.len(), first.len() + 1)
        }
        _ => (0, 0),
    };
    if domain_len > 0 {
        let domain = &name[..domain_len];
        if !grammar::DOMAIN_AND_PORT.is_match(domain) {
            return Some(domain_problem(s, domain));
        }
    }
    let path = &name[path_start..];
    if let Some(p) = path_problem(s, path_start, path) {
        return Some(p);
    }
    if path.len() > NAME_TOTAL_LENGTH_MAX {
        return Some(problem(
            path_start..name_end,
            format!(
                "repository path has {} characters, the limit is {NAME_TOTAL_LENGTH_MAX}",
                path.len()
            ),
            None,
        ));
    }
    None
}

fn domain_problem(s: &str, domain: &str) -> Problem {
    let whole = 0..domain.len();
    if let Some(pct) = domain.find('%') {
        return problem(
            char_range(s, pct),
            "IPv6 zone identifiers are not allowed in a registry address",
            None,
        );
    }
    if domain.starts_with('[') || domain.contains("::") {
        return problem(
            whole,
            "invalid IPv6 registry address",
            Some("IPv6 addresses go in brackets: `[fd00::1]:5000/repo`"),
        );
    }
    let (host, port) = match domain.rsplit_once(':') {
        Some((h, p)) => (h, Some((h.len() + 1, p))),
        None => (domain, None),
    };
    if let Some((port_at, port)) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return problem(
            port_at..domain.len(),
            format!("registry port `{port}` is not a number"),
            None,
        );
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.');
    if let Some(bad) = host.find(|c: char| !allowed(c)) {
        let c = host[bad..].chars().next().unwrap_or('?');
        return problem(
            char_range(s, bad),
            format!("`{c}` is not allowed in a registry host name"),
            None,
        );
    }
    problem(
        0..host.len(),
        "registry host name labels must start and end with a letter or digit",
        None,
    )
}

fn path_problem(s: &str, path_start: usize, path: &str) -> Option<Problem> {
    if let Some(upper) = path.find(|c: char| c.is_ascii_uppercase()) {
        return Some(problem(
            char_range(s, path_start + upper),
            "repository name must be lowercase",
            Some("registries store repositories in lowercase; tags may be mixed case"),
        ));
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c);
    if let Some(bad) = path.find(|c: char| !allowed(c)) {
        let c = path[bad..].chars().next().unwrap_or('?');
        return Some(problem(
            char_range(s, path_start + bad),
            format!("`{c}` is not allowed in a repository name"),
            Some(
                "repository names use lowercase letters, digits and the separators `.` `_` `__` `-`",
            ),
        ));
    }
    let mut offset = path_start;
    for component in path.split('/') {
        if let Some(p) = component_problem(s, offset, component) {
            return Some(p);
        }
        offset += component.len() + 1;
    }
    None
}

fn component_problem(s: &str, start: usize, component: &str) -> Option<Problem> {
    if component.is_empty() {
        let at = start.min(s.len().saturating_sub(1));
        return Some(problem(
            at.saturating_sub(1)..at.max(1),
            "empty path component (`//` or a trailing `/`)",
            None,
        ));
    }
    let is_sep = |b: u8| matches!(b, b'.' | b'_' | b'-');
    let bytes = component.as_bytes();
    if is_sep(bytes[0]) || is_sep(bytes[bytes.len() - 1]) {
        return Some(problem(
            start..start + component.len(),
            format!("path component `{component}` must start and end with a letter or digit"),
            None,
        ));
    }
    // Separators between alphanumeric runs: one `.`, one `_`, `__`, or any number of `-`.
    let mut i = 0;
    while i < bytes.len() {
        if !is_sep(bytes[i]) {
            i += 1;
            continue;
        }
        let run_start = i;
        while i < bytes.len() && is_sep(bytes[i]) {
            i += 1;
        }
        let run = &component[run_start..i];
        let ok = run == "." || run == "_" || run == "__" || run.bytes().all(|b| b == b'-');
        if !ok {
            return Some(problem(
                start + run_start..start + i,
                format!("`{run}` is not a valid separator in a repository name"),
                Some("use one `.`, one `_`, `__`, or dashes between letters and digits"),
            ));
        }
    }
    None
}

/// The verdict plus location in one call, for callers that want both.
pub fn check(reference: &str) -> Result<grammar::Reference, (ReferenceError, Problem)> {
    match grammar::parse_normalized_named_with(reference, DigestAlgorithms::default()) {
        Ok(r) => Ok(r),
        Err(e) => {
            let p = explain(reference)
                .unwrap_or_else(|| problem(0..reference.len(), e.to_string(), None));
            Err((e, p))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> (String, String) {
        let p = explain(s).expect("invalid");
        (s[p.range.clone()].to_string(), p.message)
    }

    #[test]
    fn valid_references_have_no_problem() {
        assert_eq!(explain("ubuntu:22.04"), None);
        assert_eq!(
            explain("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04"),
            None
        );
        assert!(explain("localhost:5000/a/b@sha256:").is_some());
    }

    #[test]
    fn points_at_the_offending_part() {
        assert_eq!(
            explain("MyOrg/app:1"),
            None,
            "an uppercase first component is a registry host"
        );
        assert_eq!(at("Ubuntu:22.04").0, "U");
        assert_eq!(at("myorg/App:1").0, "A");
        assert_eq!(at("ubuntu:22.04!").0, "!");
        assert_eq!(at("ubuntu:-x").0, "-");
        assert_eq!(at("repo@sha256:abcd").0, "abcd");
        assert!(at("repo@sha256:abcd").1.contains("64 hex"));
        assert_eq!(at("repo@md5:abcd").0, "md5");
        assert_eq!(at("https://example.com/x").0, "https://");
        assert_eq!(at("example.com:http/x").0, "http");
        assert_eq!(
            at("a//b").1,
            "empty path component (`//` or a trailing `/`)"
        );
        assert_eq!(at("my..image").0, "..");
        assert_eq!(at("my image").0, " ");
        assert_eq!(at("").1, "image reference is empty");
        assert!(at(&"a".repeat(300)).1.contains("limit is 255"));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "@", ":", "/", "a/", "/a", "@@", "a:@", "é", "[", "[::1]", "a:b:c", "x/é:é",
        ] {
            let _ = explain(s);
        }
    }
}
