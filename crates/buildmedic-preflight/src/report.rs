//! The report model: one [`Check`] per image, conda spec or pip requirement. This is the
//! `buildmedic.preflight/v1` JSON contract; renderers print it, nothing here prints.

use serde::Serialize;

/// Version of the JSON report schema.
pub const JSON_SCHEMA: &str = "buildmedic.preflight/v1";

/// What was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckType {
    Image,
    Conda,
    Pip,
}

impl CheckType {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckType::Image => "image",
            CheckType::Conda => "conda",
            CheckType::Pip => "pip",
        }
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The image, package or requirement is there (a [`Check::kind`] on an `ok` check is a
    /// risk worth a warning, e.g. a requirement that only has an sdist).
    Ok,
    /// The registry, channel or index answered that it does not have it.
    NotFound,
    /// Credentials are missing, rejected, or do not grant pull access.
    Unauthorized,
    /// The server understood who we are and refused (HTTP 403).
    Forbidden,
    /// DNS, connection or TLS failure: the server was never reached.
    Unreachable,
    /// The server answered 429 Too Many Requests (after the retries).
    RateLimited,
    /// The reference, spec or requirement cannot be parsed.
    Invalid,
    /// Anything else (a server error, an unexpected answer, offline without a cache entry).
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::NotFound => "not-found",
            Status::Unauthorized => "unauthorized",
            Status::Forbidden => "forbidden",
            Status::Unreachable => "unreachable",
            Status::RateLimited => "rate-limited",
            Status::Invalid => "invalid",
            Status::Error => "error",
        }
    }

    pub fn is_ok(self) -> bool {
        self == Status::Ok
    }
}

/// Where a target was found in the definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub file: String,
    /// 1-based line.
    pub line: usize,
}

/// One checked target.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked, as the definition wrote it (an image reference, a MatchSpec, a
    /// requirement), redacted.
    pub target: String,
    pub check: CheckType,
    pub status: Status,
    /// The failure kind (spec/kinds.md) the build would fail with; `None` when ok.
    pub kind: Option<&'static str>,
    /// One sentence with the real names.
    pub message: String,
    pub details: Details,
}

impl Check {
    /// An `ok` check that still names a kind: a risk, not a failure.
    pub fn is_warning(&self) -> bool {
        self.status.is_ok() && self.kind.is_some()
    }

    /// Whether this check makes preflight fail (exit code 1).
    pub fn fails(&self) -> bool {
        !self.status.is_ok()
    }
}

/// What a check found: the common fields and those of its type.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Details {
    /// What to do about it, with the real names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Where the target is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Where the failure happened for `unreachable` (`dns`, `connect`, `tls`, `timeout`) and
    /// for auth problems (`no-credentials`, `rejected`, `no-pull-scope`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The HTTP status of the deciding answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Whether the answer came from the on-disk cache (`fresh`, `revalidated`, `offline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<String>,
    #[serde(flatten)]
    pub specific: Specific,
}

/// The fields of one check type.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(untagged)]
pub enum Specific {
    #[default]
    None,
    Image(ImageDetails),
    Conda(CondaDetails),
    Pip(PipDetails),
}

/// What the registry said about an image.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImageDetails {
    /// Registry host (`docker.io` for Docker Hub).
    pub registry: String,
    pub repository: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// The digest the reference resolves to (or pins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The platform asked for (`linux/amd64`).
    pub platform: String,
    /// The platforms of an index / manifest list.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    /// Tags that do exist, closest to the requested one first (when the registry lists them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Where the credentials came from (`--creds`, `docker config (credsStore: pass)`, ...),
    /// `anonymous` when none were used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<String>,
    /// Registry error codes of the answer (`MANIFEST_UNKNOWN`, `NAME_UNKNOWN`, `DENIED`...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// What the channels said about a conda spec.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CondaDetails {
    pub package: String,
    /// Channel URLs searched, in order.
    pub channels: Vec<String>,
    pub subdirs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub python: Option<String>,
    /// `channel/subdir::name-version-build` of the best matching record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    /// Versions of the package in the channels, closest to the spec first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub closest_versions: Vec<String>,
    /// Well-known channels (not listed by the spec) that carry the package.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub carried_by: Vec<String>,
    /// Python versions the matching builds support (for `incompatible-python`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub python_versions: Vec<String>,
}

/// What the indexes said about a pip requirement.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PipDetails {
    pub package: String,
    /// Index URLs searched (redacted).
    pub indexes: Vec<String>,
    pub python: String,
    pub platform: String,
    /// Every version the indexes have (newest first).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Versions that match the requirement's specifier (newest first).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matching_versions: Vec<String>,
    /// The file pip would pick.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Requires-Python of the matching versions that exclude this Python.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requires_python: Vec<String>,
}

/// The result of a preflight run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PreflightReport {
    pub checks: Vec<Check>,
    /// Problems reading the definitions or the configuration, reported but not checks.
    #[serde(skip)]
    pub errors: Vec<String>,
    /// Warnings about the run itself (an unreadable docker config, a credential helper that
    /// failed), already redacted.
    #[serde(skip)]
    pub notes: Vec<String>,
}

impl PreflightReport {
    /// Whether any check failed.
    pub fn fails(&self) -> bool {
        self.checks.iter().any(Check::fails)
    }

    pub fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }
}
