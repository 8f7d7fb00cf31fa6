//! pip: does each requirement have a file pip would install for the environment's Python and
//! platform?
//!
//! The indexes are those pip would use: the definition's `--index-url` /
//! `--extra-index-url`, then the command line, `PIP_INDEX_URL` / `PIP_EXTRA_INDEX_URL`,
//! and pip's configuration files (`[install]` over `[global]`; `PIP_CONFIG_FILE` over the
//! user and global files). Project pages are read with the simple API: PEP 691 JSON when the
//! index offers it, PEP 503 HTML otherwise. A file is installable when its version matches
//! the specifier (pre-releases and yanked files as pip treats them), its `Requires-Python`
//! admits the Python, and, for a wheel, its tags fit (uv's tag computation). When the
//! index does not publish `Requires-Python`, it is read from the wheel's METADATA: the
//! PEP 658 `.metadata` file when offered, else the zip's central directory and METADATA
//! entry by HTTP range requests.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, RANGE};
use serde::Deserialize;
use uv_distribution_filename::DistFilename;
use uv_normalize::PackageName;
use uv_pep440::{Version, VersionSpecifiers};
use uv_pep508::{MarkerEnvironment, MarkerEnvironmentBuilder, Requirement, VersionOrUrl};
use uv_platform_tags::{IncompatibleTag, TagCompatibility, Tags, TagsOptions};

use crate::fetch::{CacheState, FetchError, get_cached};
use crate::http::{NetError, Request, display_url, host_port};
use crate::report::{Check, CheckType, PipDetails, Specific, Status};
use crate::{PipTarget, Shared};

const PYPI: &str = "https://pypi.org/simple";
const SIMPLE_ACCEPT: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

/// Index configuration beyond what a definition says.
#[derive(Debug, Clone, Default)]
pub struct PipOptions {
    /// `--index-url` of the command line.
    pub index_url: Option<String>,
    /// `--extra-index-url`s of the command line.
    pub extra_index_urls: Vec<String>,
    /// Read `PIP_INDEX_URL`, `PIP_EXTRA_INDEX_URL` and pip's configuration files.
    pub use_pip_config: bool,
    /// The configuration files to read; `None`: pip's own search (`PIP_CONFIG_FILE`,
    /// `~/.config/pip/pip.conf`, `~/.pip/pip.conf`, `/etc/pip.conf`, `/etc/xdg/pip/pip.conf`).
    pub config_files: Option<Vec<PathBuf>>,
}

/// What pip's configuration says about indexes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipConfig {
    pub index_url: Option<String>,
    pub extra_index_urls: Vec<String>,
    /// Where `index_url` came from (`PIP_INDEX_URL`, a file).
    pub index_url_source: Option<String>,
}

/// Reads pip's configuration files and environment variables, as pip does.
pub fn pip_config(files: Option<&[PathBuf]>) -> (PipConfig, Vec<String>) {
    let mut problems = Vec::new();
    let files: Vec<PathBuf> = match files {
        Some(f) => f.to_vec(),
        None => default_pip_config_files(),
    };
    let mut cfg = PipConfig::default();
    // Files in load order; later ones override.
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let mut ini = configparser::ini::Ini::new_cs();
        ini.set_multiline(true);
        let map = match ini.read(text) {
            Ok(m) => m,
            Err(e) => {
                problems.push(format!(
                    "{}: not a valid pip configuration ({e}); ignored",
                    path.display()
                ));
                continue;
            }
        };
        for section in ["global", "install"] {
            let Some(sec) = map.get(section) else {
                continue;
            };
            for (key, value) in sec {
                let key = key.replace('_', "-");
                let Some(value) = value else { continue };
                match key.as_str() {
                    "index-url" | "i" => {
                        cfg.index_url = Some(value.trim().to_string());
                        cfg.index_url_source = Some(path.display().to_string());
                    }
                    "extra-index-url" => {
                        for u in value.split_whitespace() {
                            if !cfg.extra_index_urls.iter().any(|e| e == u) {
                                cfg.extra_index_urls.push(u.to_string());
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    if let Ok(v) = std::env::var("PIP_INDEX_URL")
        && !v.trim().is_empty()
    {
        cfg.index_url = Some(v.trim().to_string());
        cfg.index_url_source = Some("PIP_INDEX_URL".to_string());
    }
    if let Ok(v) = std::env::var("PIP_EXTRA_INDEX_URL") {
        for u in v.split_whitespace() {
            if !cfg.extra_index_urls.iter().any(|e| e == u) {
                cfg.extra_index_urls.push(u.to_string());
            }
        }
    }
    (cfg, problems)
}

fn default_pip_config_files() -> Vec<PathBuf> {
    let env_file = std::env::var_os("PIP_CONFIG_FILE").map(PathBuf::from);
    if env_file.as_deref() == Some(std::path::Path::new("/dev/null")) {
        return Vec::new();
    }
    let mut files = vec![
        PathBuf::from("/etc/xdg/pip/pip.conf"),
        PathBuf::from("/etc/pip.conf"),
    ];
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        files.push(home.join(".pip").join("pip.conf"));
        let xdg = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".config"));
        files.push(xdg.join("pip").join("pip.conf"));
    }
    files.extend(env_file);
    files
}

/// One index as requests see it: the URL without credentials, and the Basic header those
/// credentials make (sent only to this index's host).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Index {
    url: url::Url,
    host: String,
    auth: Option<String>,
    display: String,
}

impl Index {
    fn parse(s: &str) -> Option<Index> {
        let mut url = url::Url::parse(s.trim()).ok()?;
        if !url.path().ends_with('/') {
            let p = format!("{}/", url.path());
            url.set_path(&p);
        }
        let auth = if url.username().is_empty() {
            None
        } else {
            use base64::Engine;
            let user = crate::conda::percent_decode(url.username());
            let pass = url
                .password()
                .map(crate::conda::percent_decode)
                .unwrap_or_default();
            Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
            ))
        };
        let _ = url.set_username("");
        let _ = url.set_password(None);
        Some(Index {
            host: host_port(&url),
            display: display_url(&url),
            url,
            auth,
        })
    }
}

/// One file of a project page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    pub filename: String,
    pub url: url::Url,
    pub requires_python: Option<String>,
    pub yanked: bool,
    /// The index serves the core metadata at `URL.metadata` (PEP 658 / 714).
    pub core_metadata: bool,
}

type PageResult = Result<Option<Arc<(Vec<IndexFile>, CacheState)>>, PageFailure>;

#[derive(Debug, Clone)]
struct PageFailure {
    status: Status,
    kind: &'static str,
    message: String,
    help: String,
    reason: Option<String>,
    http_status: Option<u16>,
}

/// Project pages and wheel metadata of one run, each fetched once.
pub struct Indexes {
    config: PipConfig,
    notes: Vec<String>,
    pages: crate::OnceMap<PageResult>,
    metadata: crate::OnceMap<Option<String>>,
}

impl Indexes {
    pub fn new(opts: &PipOptions) -> Indexes {
        let (config, notes) = if opts.use_pip_config {
            pip_config(opts.config_files.as_deref())
        } else {
            (PipConfig::default(), Vec::new())
        };
        Indexes {
            config,
            notes,
            pages: crate::OnceMap::default(),
            metadata: crate::OnceMap::default(),
        }
    }
}

fn indexes_for(s: &Shared, t: &PipTarget) -> Vec<Index> {
    let cfg = &s.indexes.config;
    let primary = t
        .index_url
        .clone()
        .or_else(|| s.opts.pip.index_url.clone())
        .or_else(|| cfg.index_url.clone())
        .unwrap_or_else(|| PYPI.to_string());
    let mut out: Vec<Index> = Vec::new();
    for u in std::iter::once(&primary)
        .chain(&t.extra_index_urls)
        .chain(&s.opts.pip.extra_index_urls)
        .chain(&cfg.extra_index_urls)
    {
        if let Some(i) = Index::parse(u)
            && !out.iter().any(|o| o.url == i.url)
        {
            out.push(i);
        }
    }
    out
}

/// The project page of `name` on `index`; `Ok(None)` when the index does not have it.
async fn page(s: &Shared, index: &Index, name: &PackageName) -> PageResult {
    let key = format!("{}{name}/", index.url);
    s.indexes
        .pages
        .cell(key)
        .get_or_init(|| fetch_page(s, index, name))
        .await
        .clone()
}

async fn fetch_page(s: &Shared, index: &Index, name: &PackageName) -> PageResult {
    let Ok(url) = index.url.join(&format!("{name}/")) else {
        return Ok(None);
    };
    let mut req = Request::get(url).header(ACCEPT, SIMPLE_ACCEPT);
    req.max_body = 64 << 20;
    if let Some(a) = &index.auth {
        req = req.secret_header(AUTHORIZATION, a);
    }
    let fetched = match get_cached(s, "simple", req).await {
        Ok(f) => f,
        Err(FetchError::NotCached) => {
            return Err(PageFailure {
                status: Status::Error,
                kind: "pip-no-matching-distribution",
                message: format!(
                    "offline: no cached project page for `{name}` on {}",
                    index.display
                ),
                help: "Run preflight once online to fill the cache, or drop --offline.".to_string(),
                reason: Some("offline".to_string()),
                http_status: None,
            });
        }
        Err(FetchError::Net(e)) => return Err(net_failure(index, &e)),
    };
    match fetched.status.as_u16() {
        200 => {}
        404 | 410 => return Ok(None),
        401 => {
            return Err(PageFailure {
                status: Status::Unauthorized,
                kind: "pip-interactive-auth",
                message: format!(
                    "the index {} requires credentials ({}) and the build has none for it",
                    index.display,
                    if index.auth.is_some() {
                        "the ones in the URL were rejected"
                    } else {
                        "401 Unauthorized"
                    }
                ),
                help: format!(
                    "pip would prompt for a user name and password, which a build cannot answer: put credentials for {} in the index URL from a secret (`https://${{USER}}:${{TOKEN}}@{}/...`), a netrc file or a keyring.",
                    index.host, index.host
                ),
                reason: Some(
                    if index.auth.is_some() {
                        "rejected"
                    } else {
                        "no-credentials"
                    }
                    .to_string(),
                ),
                http_status: Some(401),
            });
        }
        403 => {
            // pypiserver and many proxies answer 403 to wrong credentials.
            let with_creds = index.auth.is_some();
            return Err(PageFailure {
                status: Status::Forbidden,
                kind: "pip-install-failed",
                message: if with_creds {
                    format!(
                        "the index {} refused the credentials in its URL for `{name}` (403 Forbidden)",
                        index.display
                    )
                } else {
                    format!(
                        "the index {} refused access to `{name}` (403 Forbidden)",
                        index.display
                    )
                },
                help: format!(
                    "Check that the credentials for {} are current and may read this project (a feed permission, an expired token).",
                    index.host
                ),
                reason: with_creds.then(|| "rejected".to_string()),
                http_status: Some(403),
            });
        }
        429 => {
            return Err(PageFailure {
                status: Status::RateLimited,
                kind: "pip-install-failed",
                message: format!(
                    "the index {} rate-limited the request (429 after {} attempts)",
                    index.display, fetched.attempts
                ),
                help: "Retry later or use a mirror.".to_string(),
                reason: None,
                http_status: Some(429),
            });
        }
        st => {
            return Err(PageFailure {
                status: Status::Error,
                kind: "pip-install-failed",
                message: format!(
                    "the index {} answered {} for `{name}` (after {} attempts)",
                    index.display, fetched.status, fetched.attempts
                ),
                help: "Retry later; if it persists, check the index's status.".to_string(),
                reason: None,
                http_status: Some(st),
            });
        }
    }
    let is_json = fetched
        .content_type
        .as_deref()
        .is_some_and(|c| c.starts_with("application/vnd.pypi.simple.v1+json"));
    let files = if is_json {
        parse_json_page(&fetched.body, &fetched.url)
    } else {
        parse_html_page(&fetched.body, &fetched.url)
    };
    match files {
        Some(f) => Ok(Some(Arc::new((f, fetched.cache)))),
        None => Err(PageFailure {
            status: Status::Error,
            kind: "pip-install-failed",
            message: format!(
                "the project page of `{name}` on {} cannot be read",
                index.display
            ),
            help: "The index serves a page that is neither PEP 691 JSON nor PEP 503 HTML."
                .to_string(),
            reason: None,
            http_status: Some(200),
        }),
    }
}

fn net_failure(index: &Index, e: &NetError) -> PageFailure {
    PageFailure {
        status: Status::Unreachable,
        kind: "network-io",
        message: format!("the index {}: {}", index.display, e.describe(&index.host)),
        help: match e {
            NetError::Tls { .. } => format!(
                "Trust the CA of {} (`--ca-cert FILE`; pip: `--cert` or `PIP_CERT`).",
                index.host
            ),
            NetError::Dns { .. } => format!(
                "Check the index host `{}` (a typo, or a private index the build's network cannot resolve).",
                index.host
            ),
            _ => format!(
                "Check that the build can reach {} (proxy, firewall).",
                index.host
            ),
        },
        reason: Some(e.stage().to_string()),
        http_status: None,
    }
}

/// PEP 691: `{"files": [{"filename", "url", "requires-python", "yanked", "core-metadata"}]}`.
pub fn parse_json_page(body: &[u8], base: &url::Url) -> Option<Vec<IndexFile>> {
    #[derive(Deserialize)]
    struct Page {
        files: Vec<File>,
    }
    #[derive(Deserialize)]
    struct File {
        filename: String,
        url: String,
        #[serde(rename = "requires-python")]
        requires_python: Option<String>,
        #[serde(default)]
        yanked: serde_json::Value,
        #[serde(rename = "core-metadata", default)]
        core_metadata: serde_json::Value,
        #[serde(rename = "dist-info-metadata", default)]
        dist_info_metadata: serde_json::Value,
    }
    let truthy = |v: &serde_json::Value| match v {
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::String(_) | serde_json::Value::Object(_) => true,
        _ => false,
    };
    let page: Page = serde_json::from_slice(body).ok()?;
    Some(
        page.files
            .into_iter()
            .filter_map(|f| {
                Some(IndexFile {
                    url: base.join(&f.url).ok()?,
                    requires_python: f.requires_python.filter(|r| !r.trim().is_empty()),
                    yanked: truthy(&f.yanked),
                    core_metadata: truthy(&f.core_metadata) || truthy(&f.dist_info_metadata),
                    filename: f.filename,
                })
            })
            .collect(),
    )
}

/// PEP 503: the `<a>` elements of the page (text = file name; `data-requires-python`,
/// `data-yanked`, `data-core-metadata` / `data-dist-info-metadata`).
pub fn parse_html_page(body: &[u8], page_url: &url::Url) -> Option<Vec<IndexFile>> {
    use html5gum::{Token, Tokenizer};
    let text = std::str::from_utf8(body).ok()?;
    let mut base = page_url.clone();
    let mut files = Vec::new();
    let mut open: Option<(String, HashMap<String, String>, String)> = None;
    for token in Tokenizer::new(text).flatten() {
        match token {
            Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                let attrs: HashMap<String, String> = tag
                    .attributes
                    .iter()
                    .map(|(k, v)| {
                        (
                            String::from_utf8_lossy(k).to_ascii_lowercase(),
                            String::from_utf8_lossy(&v.value).into_owned(),
                        )
                    })
                    .collect();
                if name == "base" {
                    if let Some(b) = attrs.get("href").and_then(|h| page_url.join(h).ok()) {
                        base = b;
                    }
                } else if name == "a"
                    && let Some(href) = attrs.get("href").cloned()
                {
                    open = Some((href, attrs, String::new()));
                }
            }
            Token::String(s) => {
                if let Some((_, _, t)) = open.as_mut() {
                    t.push_str(&String::from_utf8_lossy(&s));
                }
            }
            Token::EndTag(tag) => {
                if String::from_utf8_lossy(&tag.name).eq_ignore_ascii_case("a")
                    && let Some((href, attrs, text)) = open.take()
                    && let Ok(url) = base.join(&href)
                {
                    let filename = if text.trim().is_empty() {
                        url.path_segments()
                            .and_then(|mut s| s.next_back())
                            .map(crate::conda::percent_decode)
                            .unwrap_or_default()
                    } else {
                        text.trim().to_string()
                    };
                    files.push(IndexFile {
                        filename,
                        url,
                        requires_python: attrs
                            .get("data-requires-python")
                            .filter(|r| !r.trim().is_empty())
                            .cloned(),
                        yanked: attrs.contains_key("data-yanked"),
                        core_metadata: attrs
                            .get("data-core-metadata")
                            .or_else(|| attrs.get("data-dist-info-metadata"))
                            .is_some_and(|v| v != "false"),
                    });
                }
            }
            _ => {}
        }
    }
    Some(files)
}

/// The environment pip would run in.
struct Env {
    /// `3.11` or `3.11.7` as given.
    python: String,
    minor: (u8, u8),
    /// Versions to try for Requires-Python (`3.11` → 3.11.0 … 3.11.30).
    candidates: Vec<Version>,
    tags: Option<Tags>,
    /// Tags of the other CPython 3 versions on this platform (is a misfit a Python one?).
    other_pythons: Vec<Tags>,
    markers: Option<MarkerEnvironment>,
    platform: String,
}

fn env_for(s: &Shared, python: &str) -> Option<Env> {
    let py = python
        .trim()
        .trim_start_matches("python")
        .trim_start_matches(['=', ' ']);
    let parts: Vec<&str> = py.split('.').collect();
    let major: u8 = parts.first()?.parse().ok()?;
    let minor: u8 = parts.get(1)?.trim_end_matches('*').parse().ok()?;
    let patch: Option<u32> = parts.get(2).and_then(|p| p.parse().ok());
    let candidates: Vec<Version> = match patch {
        Some(p) => vec![Version::from_str(&format!("{major}.{minor}.{p}")).ok()?],
        None => (0..=30)
            .filter_map(|p| Version::from_str(&format!("{major}.{minor}.{p}")).ok())
            .collect(),
    };
    let platform = s.opts.platform.wheel_platform(s.opts.glibc);
    let tags_for = |m: u8| {
        platform.clone().and_then(|p| {
            Tags::from_env(
                p,
                (major, m),
                "cpython",
                (major, m),
                TagsOptions {
                    manylinux_compatible: true,
                    ..TagsOptions::default()
                },
            )
            .ok()
        })
    };
    let tags = tags_for(minor);
    let other_pythons: Vec<Tags> = if major == 3 {
        (6..=15)
            .filter(|m| *m != minor)
            .filter_map(tags_for)
            .collect()
    } else {
        Vec::new()
    };
    let (machine, system, sys_platform, os_name) = match (
        s.opts.platform.os.as_str(),
        s.opts.platform.architecture.as_str(),
    ) {
        ("linux", "amd64") => ("x86_64", "Linux", "linux", "posix"),
        ("linux", "arm64") => ("aarch64", "Linux", "linux", "posix"),
        ("linux", a) => (a, "Linux", "linux", "posix"),
        ("windows", _) => ("AMD64", "Windows", "win32", "nt"),
        ("darwin" | "osx", "arm64") => ("arm64", "Darwin", "darwin", "posix"),
        ("darwin" | "osx", _) => ("x86_64", "Darwin", "darwin", "posix"),
        (_, a) => (a, "Linux", "linux", "posix"),
    };
    let full = format!("{major}.{minor}.{}", patch.unwrap_or(0));
    let short = format!("{major}.{minor}");
    let markers = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: &full,
        os_name,
        platform_machine: machine,
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system: system,
        platform_version: "",
        python_full_version: &full,
        python_version: &short,
        sys_platform,
    })
    .ok();
    Some(Env {
        python: py.to_string(),
        minor: (major, minor),
        candidates,
        tags,
        other_pythons,
        markers,
        platform: format!(
            "{}{}",
            s.opts.platform,
            if s.opts.platform.os == "linux" {
                format!(" (glibc {}.{})", s.opts.glibc.0, s.opts.glibc.1)
            } else {
                String::new()
            }
        ),
    })
}

/// Why a file does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Misfit {
    RequiresPython,
    PythonTag,
    PlatformTag,
}

/// Checks one requirement.
pub(crate) async fn check_pip(s: &Shared, t: &PipTarget) -> Check {
    let mut cache = None;
    let mut c = check_requirement(s, t, &mut cache).await;
    c.details.cache = cache.and_then(CacheState::as_str).map(str::to_string);
    c
}

async fn check_requirement(s: &Shared, t: &PipTarget, cache: &mut Option<CacheState>) -> Check {
    for n in &s.indexes.notes {
        s.note(n.clone());
    }
    let python = t.python.clone().or_else(|| s.opts.python.clone());
    let env = python.as_deref().and_then(|p| env_for(s, p));
    let indexes = indexes_for(s, t);
    let mut details = PipDetails {
        indexes: indexes.iter().map(|i| i.display.clone()).collect(),
        python: python.clone().unwrap_or_else(|| "unknown".to_string()),
        platform: env
            .as_ref()
            .map_or_else(|| s.opts.platform.to_string(), |e| e.platform.clone()),
        ..PipDetails::default()
    };
    let mk = |status: Status, kind: Option<&'static str>, message: String, details: PipDetails| {
        crate::check(
            CheckType::Pip,
            &t.requirement,
            status,
            kind,
            message,
            t.source.clone(),
            Specific::Pip(details),
        )
    };
    let req = match Requirement::<uv_pep508::VerbatimUrl>::from_str(t.requirement.trim()) {
        Ok(r) => r,
        Err(e) => {
            let first = e.to_string().lines().next().unwrap_or("").to_string();
            let single_eq = t.requirement.contains('=')
                && !t.requirement.contains("==")
                && !t.requirement.contains(">=")
                && !t.requirement.contains("<=")
                && !t.requirement.contains("~=")
                && !t.requirement.contains("!=");
            let mut c = mk(
                Status::Invalid,
                Some(if single_eq {
                    "pip-invalid-operator"
                } else {
                    "pip-install-failed"
                }),
                format!(
                    "`{}` is not a valid requirement: {first}",
                    t.requirement.trim()
                ),
                details,
            );
            c.details.help = Some("Write it as PEP 508 `name[extras] (op version, ...) ; marker`, e.g. `requests==2.31.0` (`==`, not `=`).".to_string());
            return c;
        }
    };
    details.package = req.name.to_string();
    if let (Some(env), false) = (&env, req.marker.is_true())
        && let Some(m) = &env.markers
        && !req.marker.evaluate(m, &[])
    {
        return mk(
            Status::Ok,
            None,
            format!(
                "`{}` does not apply to Python {} on {} (its marker is false); pip skips it",
                t.requirement.trim(),
                env.python,
                s.opts.platform
            ),
            details,
        );
    }
    let specifiers = match &req.version_or_url {
        None => VersionSpecifiers::empty(),
        Some(VersionOrUrl::VersionSpecifier(v)) => v.clone(),
        Some(VersionOrUrl::Url(_)) => {
            return mk(
                Status::Ok,
                None,
                format!(
                    "`{}` is a direct URL requirement; its index is not consulted (not checked)",
                    req.name
                ),
                details,
            );
        }
    };

    // Every index, concurrently; a file on any of them counts (pip merges them).
    let futs: Vec<_> = indexes.iter().map(|i| page(s, i, &req.name)).collect();
    let pages = crate::conda::join_all(futs).await;
    let mut files: Vec<(IndexFile, &Index)> = Vec::new();
    for (page, index) in pages.into_iter().zip(&indexes) {
        match page {
            Ok(Some(page)) => {
                if page.1 != CacheState::Network {
                    *cache = Some(page.1);
                }
                files.extend(page.0.iter().cloned().map(|f| (f, index)));
            }
            Ok(None) => {}
            Err(f) => {
                let mut c = mk(f.status, Some(f.kind), f.message, details);
                c.details.help = Some(f.help);
                c.details.reason = f.reason;
                c.details.http_status = f.http_status;
                return c;
            }
        }
    }

    // Parse the file names; group by version.
    let mut dists: Vec<(Version, DistFilename, IndexFile, &Index)> = files
        .into_iter()
        .filter_map(|(f, i)| {
            let d = DistFilename::try_from_filename(&f.filename, &req.name)?;
            Some((d.version().clone(), d, f, i))
        })
        .collect();
    dists.sort_by(|a, b| b.0.cmp(&a.0));
    let mut versions: Vec<Version> = dists.iter().map(|d| d.0.clone()).collect();
    versions.dedup();
    details.versions = versions.iter().map(ToString::to_string).collect();
    let where_ = indexes
        .iter()
        .map(|i| i.display.clone())
        .collect::<Vec<_>>()
        .join(", ");
    if versions.is_empty() {
        let mut c = mk(
            Status::NotFound,
            Some("pip-no-matching-distribution"),
            format!("`{}` is not on {where_} (from versions: none)", req.name),
            details,
        );
        c.details.help = Some(format!(
            "Check the name `{}` (pip normalises `_`/`.` to `-`), or add the index that has it (`--extra-index-url`).",
            req.name
        ));
        c.details.reason = Some("project".to_string());
        return c;
    }

    // pip: pre-releases only when the specifier names one or no final release matches;
    // yanked files only for an exact `==` pin.
    let exact_pin = specifiers.iter().any(|s| {
        matches!(
            s.operator(),
            uv_pep440::Operator::Equal | uv_pep440::Operator::ExactEqual
        ) && !s.to_string().contains('*')
    });
    let mentions_pre = specifiers.iter().any(|s| s.version().any_prerelease());
    let mut matching: Vec<&Version> = versions
        .iter()
        .filter(|v| specifiers.contains(v) && (mentions_pre || !v.any_prerelease()))
        .collect();
    if matching.is_empty() && !mentions_pre {
        matching = versions.iter().filter(|v| specifiers.contains(v)).collect();
    }
    matching.retain(|v| exact_pin || dists.iter().any(|(dv, _, f, _)| dv == *v && !f.yanked));
    details.matching_versions = matching.iter().map(|v| v.to_string()).collect();
    if matching.is_empty() {
        let shown: Vec<String> = versions.iter().rev().map(ToString::to_string).collect();
        let mut c = mk(
            Status::NotFound,
            Some("pip-no-matching-distribution"),
            format!(
                "no version of `{}` matches `{}` on {where_} (from versions: {})",
                req.name,
                specifiers,
                shown.join(", ")
            ),
            details,
        );
        c.details.help = Some(format!(
            "Pin a version that exists (the newest is {}), or add the index that has the one you need.",
            versions
                .first()
                .map(ToString::to_string)
                .unwrap_or_default()
        ));
        c.details.reason = Some("version".to_string());
        return c;
    }

    let Some(env) = env else {
        details.file = dists
            .iter()
            .find(|d| &d.0 == matching[0])
            .map(|d| d.2.filename.clone());
        let mut c = mk(
            Status::Ok,
            None,
            format!(
                "`{}` {} is on {where_} (Python not known: wheel tags and Requires-Python not checked)",
                req.name, matching[0]
            ),
            details,
        );
        c.details.help = Some("Give the environment's Python (`--python 3.11`, or a python pin in the definition) to check Requires-Python and wheel tags.".to_string());
        return c;
    };

    // The first matching version (newest) with a file that fits wins, as in pip.
    let mut misfits: Vec<(Misfit, String)> = Vec::new();
    for v in &matching {
        let mut wheel_ok: Option<&IndexFile> = None;
        let mut sdist_ok: Option<&IndexFile> = None;
        for (dv, d, f, index) in dists.iter().filter(|d| &d.0 == *v) {
            if f.yanked && !exact_pin {
                continue;
            }
            if let DistFilename::WheelFilename(w) = d
                && let Some(tags) = &env.tags
            {
                match w.compatibility(tags) {
                    TagCompatibility::Compatible(_) => {}
                    TagCompatibility::Incompatible(why) => {
                        // A Python misfit only if another Python on this platform could
                        // install the wheel.
                        let m = match why {
                            IncompatibleTag::Platform => Misfit::PlatformTag,
                            _ if env.other_pythons.iter().any(|t| w.is_compatible(t)) => {
                                Misfit::PythonTag
                            }
                            _ => Misfit::PlatformTag,
                        };
                        misfits.push((m, f.filename.clone()));
                        continue;
                    }
                }
            }
            let rp = match &f.requires_python {
                Some(r) => Some(r.clone()),
                None if matches!(d, DistFilename::WheelFilename(_)) => {
                    wheel_requires_python(s, f, index).await
                }
                None => None,
            };
            if let Some(rp) = &rp
                && let Ok(spec) = VersionSpecifiers::from_str(rp)
                && !env.candidates.iter().any(|c| spec.contains(c))
            {
                misfits.push((Misfit::RequiresPython, format!("{dv} Requires-Python {rp}")));
                continue;
            }
            match d {
                DistFilename::WheelFilename(_) => {
                    wheel_ok.get_or_insert(f);
                }
                DistFilename::SourceDistFilename(_) => {
                    sdist_ok.get_or_insert(f);
                }
            }
        }
        if let Some(w) = wheel_ok {
            details.file = Some(w.filename.clone());
            return mk(
                Status::Ok,
                None,
                format!(
                    "`{}` {v} has a wheel for Python {} on {} ({})",
                    req.name, env.python, s.opts.platform, w.filename
                ),
                details,
            );
        }
        if let Some(sd) = sdist_ok {
            details.file = Some(sd.filename.clone());
            let mut c = mk(
                Status::Ok,
                Some("wheel-build-failed"),
                format!(
                    "`{}` {v} has no wheel for Python {} on {}: pip will build it from the sdist {} (needs a compiler and the package's build dependencies)",
                    req.name, env.python, s.opts.platform, sd.filename
                ),
                details,
            );
            c.details.help = Some(format!(
                "Make sure the image has what building `{}` needs (gcc, headers), or pin a version that has a wheel for cp{}{} on {}.",
                req.name, env.minor.0, env.minor.1, s.opts.platform
            ));
            c.details.reason = Some("sdist-only".to_string());
            return c;
        }
    }

    let python_misfit = misfits
        .iter()
        .any(|(m, _)| matches!(m, Misfit::RequiresPython | Misfit::PythonTag));
    details.requires_python = misfits
        .iter()
        .filter(|(m, _)| *m == Misfit::RequiresPython)
        .map(|(_, t)| t.clone())
        .collect();
    let examples: Vec<String> = misfits.iter().take(4).map(|(_, f)| f.clone()).collect();
    if python_misfit {
        let mut c = mk(
            Status::NotFound,
            Some("incompatible-python"),
            format!(
                "`{}` has versions matching `{}` ({}), but none for Python {}: {}",
                req.name,
                if specifiers.is_empty() {
                    "any".to_string()
                } else {
                    specifiers.to_string()
                },
                details.matching_versions.join(", "),
                env.python,
                examples.join("; ")
            ),
            details,
        );
        c.details.help = Some(format!(
            "Pin a version of `{}` that supports Python {}, or move the environment to a Python it supports.",
            req.name, env.python
        ));
        c.details.reason = Some("python".to_string());
        return c;
    }
    let mut c = mk(
        Status::NotFound,
        Some("pip-no-matching-distribution"),
        format!(
            "`{}` {} has no file for {} ({}); there are only {}",
            req.name,
            details.matching_versions.join(", "),
            env.platform,
            format_args!("cp{}{}", env.minor.0, env.minor.1),
            examples.join(", ")
        ),
        details,
    );
    c.details.help = Some(format!(
        "Pin a version of `{}` with a wheel (or an sdist) for {}, or build on a platform it publishes wheels for.",
        req.name, s.opts.platform
    ));
    c.details.reason = Some("platform".to_string());
    c
}

/// Requires-Python of a wheel from its METADATA (PEP 658 file, else range requests),
/// once per file and run, and kept in the disk cache (files do not change) for `--offline`.
/// `None` when it has none or it cannot be read.
async fn wheel_requires_python(s: &Shared, f: &IndexFile, index: &Index) -> Option<String> {
    let key = display_url(&f.url);
    s.indexes
        .metadata
        .cell(key.clone())
        .get_or_init(|| async {
            if let Some(cached) = s.cache.get_json::<Option<String>>("metadata", &key) {
                return cached;
            }
            if s.opts.offline {
                return None;
            }
            let metadata = read_wheel_metadata(s, f, index).await?;
            let rp = requires_python_of(&metadata);
            s.cache.put_json("metadata", &key, &rp);
            rp
        })
        .await
        .clone()
}

/// `Requires-Python:` of a core metadata document (RFC 822 headers up to the first blank line).
pub fn requires_python_of(metadata: &str) -> Option<String> {
    for line in metadata.lines() {
        if line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.trim().eq_ignore_ascii_case("requires-python")
        {
            let v = v.trim();
            return (!v.is_empty()).then(|| v.to_string());
        }
    }
    None
}

fn file_request(f_url: &url::Url, index: &Index) -> Request {
    let mut req = Request::get(f_url.clone());
    // Index credentials go to files on the index's own host only.
    if let Some(a) = &index.auth
        && host_port(f_url) == index.host
    {
        req = req.secret_header(AUTHORIZATION, a);
    }
    req
}

async fn read_wheel_metadata(s: &Shared, f: &IndexFile, index: &Index) -> Option<String> {
    let mut url = f.url.clone();
    url.set_fragment(None);
    if f.core_metadata {
        let mut m = url.clone();
        m.set_path(&format!("{}.metadata", url.path()));
        if let Ok(a) = s.net.send(&file_request(&m, index)).await
            && a.status == StatusCode::OK
        {
            return Some(String::from_utf8_lossy(&a.body).into_owned());
        }
    }
    // The zip's tail holds the central directory; dist-info files are written last, so one
    // tail read usually covers METADATA too.
    let mut sparse = Sparse::default();
    let tail = file_request(&url, index).header(RANGE, "bytes=-65536");
    let a = s.net.send(&tail).await.ok()?;
    match a.status {
        StatusCode::PARTIAL_CONTENT => {
            let total = a
                .header("content-range")
                .and_then(|r| r.rsplit('/').next())
                .and_then(|t| t.trim().parse::<u64>().ok())?;
            sparse.len = total;
            sparse.chunks.push((total - a.body.len() as u64, a.body));
        }
        StatusCode::OK => {
            sparse.len = a.body.len() as u64;
            sparse.chunks.push((0, a.body));
        }
        _ => return None,
    }
    for _ in 0..6 {
        match metadata_from_zip(&sparse) {
            Ok(text) => return Some(text),
            Err(ZipNeed::Range(start, len)) => {
                let end = (start + len.max(65536)).min(sparse.len) - 1;
                let req = file_request(&url, index).header(RANGE, &format!("bytes={start}-{end}"));
                let a = s.net.send(&req).await.ok()?;
                if a.status != StatusCode::PARTIAL_CONTENT {
                    return None;
                }
                sparse.chunks.push((start, a.body));
            }
            Err(ZipNeed::Broken) => return None,
        }
    }
    None
}

#[derive(Debug)]
enum ZipNeed {
    Range(u64, u64),
    Broken,
}

fn metadata_from_zip(sparse: &Sparse) -> Result<String, ZipNeed> {
    let missing = std::cell::Cell::new(None);
    let reader = SparseReader {
        sparse,
        pos: 0,
        missing: &missing,
    };
    let need = |missing: &std::cell::Cell<Option<(u64, u64)>>| match missing.get() {
        Some((s, l)) => ZipNeed::Range(s, l),
        None => ZipNeed::Broken,
    };
    let mut archive = zip::ZipArchive::new(reader).map_err(|_| need(&missing))?;
    let name = archive
        .file_names()
        .flatten()
        .find(|n| n.ends_with(".dist-info/METADATA") && n.matches('/').count() == 1)
        .map(|n| n.into_owned())
        .ok_or(ZipNeed::Broken)?;
    let mut file = archive.by_name(&name).map_err(|_| need(&missing))?;
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(|_| need(&missing))?;
    Ok(text)
}

/// Byte ranges of a remote file that were fetched.
#[derive(Default)]
struct Sparse {
    len: u64,
    chunks: Vec<(u64, Vec<u8>)>,
}

/// Read + Seek over a [`Sparse`] file; reading a missing range fails and records it.
struct SparseReader<'a> {
    sparse: &'a Sparse,
    pos: u64,
    missing: &'a std::cell::Cell<Option<(u64, u64)>>,
}

impl Read for SparseReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.sparse.len || buf.is_empty() {
            return Ok(0);
        }
        for (start, data) in &self.sparse.chunks {
            let end = start + data.len() as u64;
            if self.pos >= *start && self.pos < end {
                let off = (self.pos - start) as usize;
                let n = buf.len().min(data.len() - off);
                buf[..n].copy_from_slice(&data[off..off + n]);
                self.pos += n as u64;
                return Ok(n);
            }
        }
        self.missing.set(Some((self.pos, buf.len() as u64)));
        Err(std::io::Error::other("range not fetched"))
    }
}

impl Seek for SparseReader<'_> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        let new = match pos {
            SeekFrom::Start(p) => p as i128,
            SeekFrom::End(d) => self.sparse.len as i128 + d as i128,
            SeekFrom::Current(d) => self.pos as i128 + d as i128,
        };
        if new < 0 {
            return Err(std::io::Error::other("seek before start"));
        }
        self.pos = new as u64;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> url::Url {
        url::Url::parse("https://idx.example/simple/demo/").unwrap()
    }

    #[test]
    fn html_pages() {
        let html = br#"<!DOCTYPE html><html><body>
            <a href="../../packages/demo-1.0-py3-none-any.whl#sha256=ab" data-requires-python="&gt;=3.8">demo-1.0-py3-none-any.whl</a><br>
            <a href="https://files.example/demo-0.9.tar.gz" data-yanked="">demo-0.9.tar.gz</a>
            <a href="demo-1.1-py3-none-any.whl" data-core-metadata="sha256=1"></a>
            </body></html>"#;
        let files = parse_html_page(html, &base()).unwrap();
        assert_eq!(files.len(), 3);
        assert_eq!(files[0].filename, "demo-1.0-py3-none-any.whl");
        assert_eq!(files[0].requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(
            files[0].url.as_str(),
            "https://idx.example/packages/demo-1.0-py3-none-any.whl#sha256=ab"
        );
        assert!(files[1].yanked && !files[0].yanked);
        assert_eq!(files[2].filename, "demo-1.1-py3-none-any.whl");
        assert!(files[2].core_metadata);
    }

    #[test]
    fn json_pages() {
        let json = br#"{"meta":{"api-version":"1.1"},"name":"demo","files":[
            {"filename":"demo-1.0.tar.gz","url":"/files/demo-1.0.tar.gz","hashes":{},"requires-python":">=3.9","yanked":"broken"},
            {"filename":"demo-1.0-py3-none-any.whl","url":"https://f.example/demo-1.0-py3-none-any.whl","hashes":{},"core-metadata":{"sha256":"x"}}]}"#;
        let files = parse_json_page(json, &base()).unwrap();
        assert_eq!(
            files[0].url.as_str(),
            "https://idx.example/files/demo-1.0.tar.gz"
        );
        assert!(files[0].yanked);
        assert_eq!(files[0].requires_python.as_deref(), Some(">=3.9"));
        assert!(files[1].core_metadata && !files[1].yanked);
        assert!(parse_json_page(b"<html>", &base()).is_none());
    }

    #[test]
    fn metadata_headers() {
        let m = "Metadata-Version: 2.1\nName: demo\nRequires-Python: >=3.12\n\nRequires-Python: <1 (body)\n";
        assert_eq!(requires_python_of(m).as_deref(), Some(">=3.12"));
        assert_eq!(requires_python_of("Name: x\n\nRequires-Python: >=3"), None);
    }

    #[test]
    fn index_credentials_are_split_off() {
        let i = Index::parse("https://user:p%40ss@idx.example/simple").unwrap();
        assert_eq!(i.url.as_str(), "https://idx.example/simple/");
        assert!(!i.display.contains("p%40ss") && !i.display.contains("user"));
        use base64::Engine;
        let expected = base64::engine::general_purpose::STANDARD.encode("user:p@ss");
        assert_eq!(
            i.auth.as_deref(),
            Some(format!("Basic {expected}").as_str())
        );
    }

    #[test]
    fn pip_conf_is_read_like_pip() {
        let dir = tempfile::tempdir().unwrap();
        let global = dir.path().join("global.conf");
        let user = dir.path().join("user.conf");
        std::fs::write(&global, "[global]\nindex-url = https://global.example/simple\nextra-index-url =\n    https://a.example/simple\n    https://b.example/simple\n").unwrap();
        std::fs::write(
            &user,
            "[install]\nindex_url = https://user.example/simple\n",
        )
        .unwrap();
        let (cfg, problems) = pip_config(Some(&[global, user.clone()]));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            cfg.index_url.as_deref(),
            Some("https://user.example/simple")
        );
        assert_eq!(
            cfg.extra_index_urls,
            ["https://a.example/simple", "https://b.example/simple"]
        );
        assert_eq!(
            cfg.index_url_source.as_deref(),
            Some(user.display().to_string().as_str())
        );
    }

    #[test]
    fn zip_metadata_from_a_tail() {
        use std::io::Write;
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let o = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            z.start_file("demo/__init__.py", o).unwrap();
            z.write_all(&vec![b'#'; 200_000]).unwrap();
            z.start_file("demo-1.0.dist-info/METADATA", o).unwrap();
            z.write_all(b"Name: demo\nRequires-Python: >=3.10\n")
                .unwrap();
            z.finish().unwrap();
        }
        let bytes = buf.into_inner();
        // As read_wheel_metadata does: a tail, then the ranges the reader asks for.
        let tail_start = bytes.len() - 4096;
        let mut sparse = Sparse {
            len: bytes.len() as u64,
            chunks: vec![(tail_start as u64, bytes[tail_start..].to_vec())],
        };
        let mut rounds = 0;
        let text = loop {
            match metadata_from_zip(&sparse) {
                Ok(text) => break text,
                Err(ZipNeed::Range(start, len)) => {
                    let end = ((start + len.max(65536)) as usize).min(bytes.len());
                    sparse
                        .chunks
                        .push((start, bytes[start as usize..end].to_vec()));
                }
                Err(ZipNeed::Broken) => panic!("broken"),
            }
            rounds += 1;
            assert!(rounds < 4, "too many ranges");
        };
        assert_eq!(requires_python_of(&text).as_deref(), Some(">=3.10"));
        // Only the end of the file was read, not the 200 kB before METADATA.
        let fetched: usize = sparse.chunks.iter().map(|(_, d)| d.len()).sum();
        assert!(fetched < 140_000, "{fetched}");
        // Without the tail, the reader says which range it needs.
        let empty = Sparse {
            len: bytes.len() as u64,
            chunks: vec![],
        };
        assert!(matches!(
            metadata_from_zip(&empty),
            Err(ZipNeed::Range(_, _))
        ));
    }
}
