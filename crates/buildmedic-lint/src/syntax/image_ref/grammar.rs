//! The distribution/reference grammar, transcribed rule for rule.
//!
//! The patterns below are the ones in `distribution/reference/regexp.go`; the functions mirror
//! `Parse`, `ParseNormalizedNamed`, `ParseNamed`, `ParseAnyReference`, `ParseDockerRef`,
//! `WithName`, `WithTag`, `WithDigest` and `FamiliarMatch` from `reference.go` and
//! `normalize.go`, and digest validation mirrors `opencontainers/go-digest`.
//!
//! Why regexes and not a hand-written parser: the Go package *is* a set of regexes plus a few
//! string rules, and both Go's RE2 and Rust's `regex` pick submatches leftmost-first. Using the
//! same patterns keeps the verdicts identical, including the odd ones (`test.com:5000` is a
//! repository `test.com` with tag `5000`). Explaining *why* a reference is invalid is a separate
//! concern (see `explain.rs`); the verdict always comes from here.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// Longest repository path (the part after the domain) distribution accepts.
pub const NAME_TOTAL_LENGTH_MAX: usize = 255;
/// Registry that names without a domain resolve to.
pub const DEFAULT_DOMAIN: &str = "docker.io";
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
const OFFICIAL_REPO_PREFIX: &str = "library/";
const DEFAULT_TAG: &str = "latest";

const ALPHANUMERIC: &str = "[a-z0-9]+";
const SEPARATOR: &str = "(?:[._]|__|[-]+)";
const DOMAIN_NAME_COMPONENT: &str = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const OPTIONAL_PORT: &str = "(?::[0-9]+)?";
// Go's `\w` is ASCII-only; spelled out so Rust's Unicode `\w` cannot sneak in.
const TAG: &str = "[0-9A-Za-z_][0-9A-Za-z_.-]{0,127}";
const DIGEST: &str = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}";
const IPV6_ADDRESS: &str = r"\[(?:[a-fA-F0-9:]+)\]";
const IDENTIFIER: &str = "[a-f0-9]{64}";

fn domain_and_port() -> String {
    let domain_name = format!(r"{DOMAIN_NAME_COMPONENT}(?:\.{DOMAIN_NAME_COMPONENT})*");
    let host = format!("(?:{domain_name}|{IPV6_ADDRESS})");
    format!("{host}{OPTIONAL_PORT}")
}

fn remote_name() -> String {
    let path_component = format!("{ALPHANUMERIC}(?:{SEPARATOR}{ALPHANUMERIC})*");
    format!("{path_component}(?:/{path_component})*")
}

// The patterns are constants of this module; a failure is a programming error caught by
// every test run (the conformance and grammar tests use each of them), never something input
// can trigger.
#[allow(clippy::expect_used)]
fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("distribution/reference patterns compile")
}

/// `anchored(domainAndPort)`: a registry host with optional port.
pub static DOMAIN_AND_PORT: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!("^{}$", domain_and_port())));
/// `anchoredNameRegexp`: captures (domain, remote name).
pub static ANCHORED_NAME: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        "^(?:({})/)?({})$",
        domain_and_port(),
        remote_name()
    ))
});
/// `ReferenceRegexp`: captures (name, tag, digest).
pub static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    let name = format!("(?:{}/)?{}", domain_and_port(), remote_name());
    compile(&format!("^({name})(?::({TAG}))?(?:@({DIGEST}))?$"))
});
/// `anchoredIdentifierRegexp`: a 64-hex image id.
pub static ANCHORED_IDENTIFIER: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!("^{IDENTIFIER}$")));
static ANCHORED_TAG: LazyLock<Regex> = LazyLock::new(|| compile(&format!("^{TAG}$")));
static ANCHORED_DIGEST: LazyLock<Regex> = LazyLock::new(|| compile(&format!("^{DIGEST}$")));
/// go-digest's `DigestRegexpAnchored`, used to tell "unsupported" from "malformed".
static GO_DIGEST: LazyLock<Regex> =
    LazyLock::new(|| compile("^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$"));

/// Which digest algorithms count as available (go-digest asks the linked hash packages).
///
/// Docker links sha256, sha384 and sha512, so the linter accepts all three. distribution's own
/// test binary links only sha256 and reports sha512 as unsupported; the conformance test uses
/// [`DigestAlgorithms::Sha256Only`] to reproduce that environment exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DigestAlgorithms {
    /// sha256, sha384 and sha512 (what the Docker engine and CLI accept).
    #[default]
    Sha2,
    /// Only sha256 (distribution's test binary).
    Sha256Only,
}

/// Why a reference (or one of its parts) was rejected. Messages are distribution's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceError {
    InvalidFormat,
    TagInvalidFormat,
    DigestInvalidFormat,
    NameContainsUppercase,
    NameEmpty,
    NameTooLong,
    NameNotCanonical,
    /// `ParseNormalizedNamed` on a 64-hex string (looks like an image id).
    HexadecimalName,
    /// `ParseNormalizedNamed` on a name with uppercase letters in the remote part.
    RemoteNotLowercase(String),
    /// A parsed reference without a name (digest-only) where a name was required.
    NoName,
    ChecksumInvalidFormat,
    ChecksumInvalidLength,
    DigestUnsupported,
    BadPattern,
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReferenceError::InvalidFormat => f.write_str("invalid reference format"),
            ReferenceError::TagInvalidFormat => f.write_str("invalid tag format"),
            ReferenceError::DigestInvalidFormat => f.write_str("invalid digest format"),
            ReferenceError::NameContainsUppercase => {
                f.write_str("repository name must be lowercase")
            }
            ReferenceError::NameEmpty => {
                f.write_str("repository name must have at least one component")
            }
            ReferenceError::NameTooLong => write!(
                f,
                "repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
            ),
            ReferenceError::NameNotCanonical => f.write_str("repository name must be canonical"),
            ReferenceError::HexadecimalName => {
                f.write_str("invalid repository name, cannot specify 64-byte hexadecimal strings")
            }
            ReferenceError::RemoteNotLowercase(remote) => write!(
                f,
                "invalid reference format: repository name ({remote}) must be lowercase"
            ),
            ReferenceError::NoName => f.write_str("reference has no name"),
            ReferenceError::ChecksumInvalidFormat => f.write_str("invalid checksum digest format"),
            ReferenceError::ChecksumInvalidLength => f.write_str("invalid checksum digest length"),
            ReferenceError::DigestUnsupported => f.write_str("unsupported digest algorithm"),
            ReferenceError::BadPattern => f.write_str("syntax error in pattern"),
        }
    }
}

impl std::error::Error for ReferenceError {}

/// A named reference: `[domain/]path[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Registry host and port; empty when [`parse`] found none.
    pub domain: String,
    /// Repository path below the domain.
    pub path: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl Reference {
    /// `Name()`: domain and path.
    pub fn name(&self) -> String {
        if self.domain.is_empty() {
            self.path.clone()
        } else {
            format!("{}/{}", self.domain, self.path)
        }
    }

    /// `FamiliarName()`: the short form people type (`ubuntu`, `myorg/app`).
    pub fn familiar_name(&self) -> String {
        if self.domain != DEFAULT_DOMAIN {
            return self.name();
        }
        if let Some(rest) = self.path.strip_prefix(OFFICIAL_REPO_PREFIX)
            && !rest.contains('/')
        {
            return rest.to_string();
        }
        self.path.clone()
    }

    /// `FamiliarString()`: familiar name plus tag and digest.
    pub fn familiar_string(&self) -> String {
        with_suffixes(
            self.familiar_name(),
            self.tag.as_deref(),
            self.digest.as_deref(),
        )
    }
}

fn with_suffixes(mut s: String, tag: Option<&str>, digest: Option<&str>) -> String {
    if let Some(tag) = tag {
        s.push(':');
        s.push_str(tag);
    }
    if let Some(digest) = digest {
        s.push('@');
        s.push_str(digest);
    }
    s
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&with_suffixes(
            self.name(),
            self.tag.as_deref(),
            self.digest.as_deref(),
        ))
    }
}

/// What `ParseAnyReference` returns: a name, or a bare digest (an image id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyReference {
    Named(Reference),
    Digest(String),
}

impl fmt::Display for AnyReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnyReference::Named(r) => r.fmt(f),
            AnyReference::Digest(d) => f.write_str(d),
        }
    }
}

/// go-digest's `Digest.Validate`.
pub fn validate_digest(s: &str, algorithms: DigestAlgorithms) -> Result<(), ReferenceError> {
    let Some(i) = s.find(':') else {
        return Err(ReferenceError::ChecksumInvalidFormat);
    };
    if i == 0 || i + 1 == s.len() {
        return Err(ReferenceError::ChecksumInvalidFormat);
    }
    let (algorithm, encoded) = (&s[..i], &s[i + 1..]);
    let size = match (algorithm, algorithms) {
        ("sha256", _) => 32,
        ("sha384", DigestAlgorithms::Sha2) => 48,
        ("sha512", DigestAlgorithms::Sha2) => 64,
        _ => {
            if !GO_DIGEST.is_match(s) {
                return Err(ReferenceError::ChecksumInvalidFormat);
            }
            return Err(ReferenceError::DigestUnsupported);
        }
    };
    if encoded.len() != size * 2 {
        return Err(ReferenceError::ChecksumInvalidLength);
    }
    if encoded
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(ReferenceError::ChecksumInvalidFormat)
    }
}

/// `reference.Parse`, with the digest algorithms Docker links.
pub fn parse(s: &str) -> Result<Reference, ReferenceError> {
    parse_with(s, DigestAlgorithms::default())
}

/// `reference.Parse` with an explicit set of available digest algorithms.
pub fn parse_with(s: &str, algorithms: DigestAlgorithms) -> Result<Reference, ReferenceError> {
    let Some(caps) = REFERENCE.captures(s) else {
        if s.is_empty() {
            return Err(ReferenceError::NameEmpty);
        }
        if REFERENCE.is_match(&s.to_lowercase()) {
            return Err(ReferenceError::NameContainsUppercase);
        }
        return Err(ReferenceError::InvalidFormat);
    };
    let name = caps.get(1).map_or("", |m| m.as_str());
    let (domain, path) = match ANCHORED_NAME.captures(name) {
        Some(n) => (
            n.get(1).map_or("", |m| m.as_str()).to_string(),
            n.get(2).map_or("", |m| m.as_str()).to_string(),
        ),
        None => (String::new(), name.to_string()),
    };
    if path.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(ReferenceError::NameTooLong);
    }
    let tag = caps.get(2).map(|m| m.as_str().to_string());
    let digest = match caps.get(3) {
        Some(m) => {
            validate_digest(m.as_str(), algorithms)?;
            Some(m.as_str().to_string())
        }
        None => None,
    };
    if name.is_empty() && tag.is_none() && digest.is_none() {
        return Err(ReferenceError::NameEmpty);
    }
    Ok(Reference {
        domain,
        path,
        tag,
        digest,
    })
}

/// `splitDockerDomain`: which part of a familiar name is the registry.
pub fn split_docker_domain(name: &str) -> (String, String) {
    let Some((maybe_domain, maybe_remote)) = name.split_once('/') else {
        return (
            DEFAULT_DOMAIN.to_string(),
            format!("{OFFICIAL_REPO_PREFIX}{name}"),
        );
    };
    let (domain, mut remote) = if maybe_domain == "localhost"
        || maybe_domain.contains(['.', ':'])
        || maybe_domain.to_lowercase() != maybe_domain
    {
        let domain = if maybe_domain == LEGACY_DEFAULT_DOMAIN {
            DEFAULT_DOMAIN
        } else {
            maybe_domain
        };
        (domain.to_string(), maybe_remote.to_string())
    } else {
        (DEFAULT_DOMAIN.to_string(), name.to_string())
    };
    if domain == DEFAULT_DOMAIN && !remote.contains('/') {
        remote = format!("{OFFICIAL_REPO_PREFIX}{remote}");
    }
    (domain, remote)
}

/// `ParseNormalizedNamed`: how `docker pull NAME` reads a name.
pub fn parse_normalized_named(s: &str) -> Result<Reference, ReferenceError> {
    parse_normalized_named_with(s, DigestAlgorithms::default())
}

/// [`parse_normalized_named`] with an explicit set of digest algorithms.
pub fn parse_normalized_named_with(
    s: &str,
    algorithms: DigestAlgorithms,
) -> Result<Reference, ReferenceError> {
    if ANCHORED_IDENTIFIER.is_match(s) {
        return Err(ReferenceError::HexadecimalName);
    }
    let (domain, remainder) = split_docker_domain(s);
    let remote = remainder.split(':').next().unwrap_or("");
    if remote.to_lowercase() != remote {
        return Err(ReferenceError::RemoteNotLowercase(remote.to_string()));
    }
    let reference = parse_with(&format!("{domain}/{remainder}"), algorithms)?;
    if reference.path.is_empty() {
        return Err(ReferenceError::NoName);
    }
    Ok(reference)
}

/// `ParseNamed`: accepts only names already in canonical (fully qualified) form.
pub fn parse_named(s: &str) -> Result<Reference, ReferenceError> {
    let named = parse_normalized_named(s)?;
    if named.to_string() != s {
        return Err(ReferenceError::NameNotCanonical);
    }
    Ok(named)
}

/// `ParseAnyReference`: a name, or an image id / bare digest.
pub fn parse_any_reference(s: &str) -> Result<AnyReference, ReferenceError> {
    parse_any_reference_with(s, DigestAlgorithms::default())
}

/// [`parse_any_reference`] with an explicit set of digest algorithms.
pub fn parse_any_reference_with(
    s: &str,
    algorithms: DigestAlgorithms,
) -> Result<AnyReference, ReferenceError> {
    if ANCHORED_IDENTIFIER.is_match(s) {
        return Ok(AnyReference::Digest(format!("sha256:{s}")));
    }
    if validate_digest(s, algorithms).is_ok() {
        return Ok(AnyReference::Digest(s.to_string()));
    }
    parse_normalized_named_with(s, algorithms).map(AnyReference::Named)
}

/// `ParseDockerRef`: normalized, `:latest` added when there is no tag, and the tag dropped
/// when a digest pins the image (the digest wins when pulling).
pub fn parse_docker_ref(s: &str) -> Result<Reference, ReferenceError> {
    let mut named = parse_normalized_named(s)?;
    if named.digest.is_some() {
        named.tag = None;
    } else if named.tag.is_none() {
        named.tag = Some(DEFAULT_TAG.to_string());
    }
    Ok(named)
}

/// `WithName`: a repository name alone (no tag, no digest).
pub fn with_name(name: &str) -> Result<Reference, ReferenceError> {
    let Some(caps) = ANCHORED_NAME.captures(name) else {
        return Err(ReferenceError::InvalidFormat);
    };
    let path = caps.get(2).map_or("", |m| m.as_str());
    if path.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(ReferenceError::NameTooLong);
    }
    Ok(Reference {
        domain: caps.get(1).map_or("", |m| m.as_str()).to_string(),
        path: path.to_string(),
        tag: None,
        digest: None,
    })
}

/// `WithTag`: replace the tag, keeping any digest.
pub fn with_tag(name: &Reference, tag: &str) -> Result<Reference, ReferenceError> {
    if !ANCHORED_TAG.is_match(tag) {
        return Err(ReferenceError::TagInvalidFormat);
    }
    Ok(Reference {
        tag: Some(tag.to_string()),
        ..name.clone()
    })
}

/// `WithDigest`: replace the digest, keeping any tag. Only the digest *grammar* is checked.
pub fn with_digest(name: &Reference, digest: &str) -> Result<Reference, ReferenceError> {
    if !ANCHORED_DIGEST.is_match(digest) {
        return Err(ReferenceError::DigestInvalidFormat);
    }
    Ok(Reference {
        digest: Some(digest.to_string()),
        ..name.clone()
    })
}

/// Is `tag` a valid tag?
pub fn is_valid_tag(tag: &str) -> bool {
    ANCHORED_TAG.is_match(tag)
}

/// `FamiliarMatch`: Go `path.Match` against the familiar string, then the familiar name.
pub fn familiar_match(pattern: &str, reference: &AnyReference) -> Result<bool, ReferenceError> {
    let familiar = match reference {
        AnyReference::Named(r) => r.familiar_string(),
        AnyReference::Digest(d) => d.clone(),
    };
    let matched = super::path_match::path_match(pattern, &familiar)
        .map_err(|_| ReferenceError::BadPattern)?;
    if matched {
        return Ok(true);
    }
    if let AnyReference::Named(r) = reference {
        return Ok(super::path_match::path_match(pattern, &r.familiar_name()).unwrap_or(false));
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX64: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

    #[test]
    fn port_in_first_component_is_a_domain_only_with_a_slash() {
        let r = parse("test.com:5000").unwrap();
        assert_eq!((r.domain.as_str(), r.path.as_str()), ("", "test.com"));
        assert_eq!(r.tag.as_deref(), Some("5000"));
        let r = parse("myregistry:5000/repo").unwrap();
        assert_eq!(r.domain, "myregistry:5000");
        assert_eq!(r.tag, None);
    }

    #[test]
    fn errors_carry_distribution_messages() {
        assert_eq!(parse(""), Err(ReferenceError::NameEmpty));
        assert_eq!(
            parse("Uppercase:tag"),
            Err(ReferenceError::NameContainsUppercase)
        );
        assert_eq!(
            parse("repo@sha256:abc").unwrap_err().to_string(),
            "invalid reference format"
        );
        assert_eq!(
            parse(&format!("repo@sha256:{}", &HEX64[..40])),
            Err(ReferenceError::ChecksumInvalidLength)
        );
        assert_eq!(
            parse(&format!("repo@md5:{HEX64}")),
            Err(ReferenceError::DigestUnsupported)
        );
    }

    #[test]
    fn sha512_depends_on_linked_algorithms() {
        let s = format!("repo@sha512:{HEX64}{HEX64}");
        assert!(parse(&s).is_ok());
        assert_eq!(
            parse_with(&s, DigestAlgorithms::Sha256Only),
            Err(ReferenceError::DigestUnsupported)
        );
    }

    #[test]
    fn normalization_matches_docker() {
        let r = parse_normalized_named("ubuntu:22.04").unwrap();
        assert_eq!(r.to_string(), "docker.io/library/ubuntu:22.04");
        assert_eq!(r.familiar_string(), "ubuntu:22.04");
        let r = parse_normalized_named("index.docker.io/foo").unwrap();
        assert_eq!(r.name(), "docker.io/library/foo");
        let r = parse_normalized_named("mcr.microsoft.com/azureml/base:latest").unwrap();
        assert_eq!(r.domain, "mcr.microsoft.com");
        assert_eq!(r.path, "azureml/base");
        assert!(parse_normalized_named("docker/Docker").is_err());
        assert!(parse_normalized_named(&HEX64.replace('f', "a")).is_err());
    }

    #[test]
    fn docker_ref_adds_latest_and_drops_tag_under_digest() {
        assert_eq!(
            parse_docker_ref("busybox").unwrap().to_string(),
            "docker.io/library/busybox:latest"
        );
        let pinned = format!("gcr.io/x/y:1@sha256:{HEX64}");
        assert_eq!(
            parse_docker_ref(&pinned).unwrap().to_string(),
            format!("gcr.io/x/y@sha256:{HEX64}")
        );
    }

    #[test]
    fn ipv6_hosts_need_brackets_and_a_path() {
        assert!(parse("[::1]:5000/repo").is_ok());
        assert!(parse("[2001:db8::1]").is_err());
        assert!(parse("[fe80::1%eth0]:5000/repo").is_err());
    }

    #[test]
    fn name_length_counts_the_path_only() {
        let path = "a".repeat(255);
        assert!(parse(&format!("example.com/{path}")).is_ok());
        assert_eq!(
            parse(&format!("example.com/{path}a")),
            Err(ReferenceError::NameTooLong)
        );
    }

    #[test]
    fn with_tag_and_digest_check_grammar_only() {
        let n = with_name("foo").unwrap();
        assert!(with_tag(&n, "-foo").is_err());
        assert_eq!(with_tag(&n, "v1").unwrap().to_string(), "foo:v1");
        assert!(with_digest(&n, "foo").is_err());
        assert!(with_digest(&n, "sha256:0123456789abcdef0123456789abcdef").is_ok());
    }
}
