//! conda: is there a record matching each MatchSpec in the environment's channels, for the
//! target subdirs and the environment's Python?
//!
//! Channels are expanded as conda does (`defaults` → the default channels, names → the
//! channel alias, `custom_channels` from `.condarc`), `repodata.json` is fetched per channel
//! and subdir (the `.zst`, then `.bz2` variant first, falling back when the channel does
//! not offer it) through the revalidating cache, and parsed lazily: records are indexed by
//! name and only the records of the names asked for are deserialized into rattler's
//! `PackageRecord`. Matching is rattler's `MatchSpec` matching.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use rattler_conda_types::{
    MatchSpec, Matches, PackageRecord, ParseMatchSpecOptions, Version, VersionSpec,
};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::fetch::{CacheState, FetchError, get_cached};
use crate::http::{NetError, Request, display_url, host_port};
use crate::report::{Check, CheckType, CondaDetails, Specific, Status};
use crate::{CondaTarget, Shared};

/// Channel configuration (what `.condarc` sets).
#[derive(Debug, Clone)]
pub struct CondaOptions {
    /// Prefix for channel names (`conda-forge` → `https://conda.anaconda.org/conda-forge`).
    pub channel_alias: String,
    /// What `defaults` expands to.
    pub default_channels: Vec<String>,
    /// Channel names served from another base URL (`.condarc` `custom_channels`).
    pub custom_channels: HashMap<String, String>,
    /// Channels looked at when a package is not in the listed ones, to say who carries it.
    pub well_known: Vec<String>,
    /// Subdirs to check; `None`: the target platform's subdir and `noarch`.
    pub subdirs: Option<Vec<String>>,
}

impl Default for CondaOptions {
    fn default() -> CondaOptions {
        CondaOptions {
            channel_alias: "https://conda.anaconda.org".to_string(),
            // conda's defaults on Linux and macOS (Windows adds msys2).
            default_channels: vec![
                "https://repo.anaconda.com/pkgs/main".to_string(),
                "https://repo.anaconda.com/pkgs/r".to_string(),
            ],
            custom_channels: HashMap::new(),
            well_known: vec![
                "conda-forge".to_string(),
                "defaults".to_string(),
                "bioconda".to_string(),
                "pytorch".to_string(),
                "nvidia".to_string(),
            ],
            subdirs: None,
        }
    }
}

/// The parts of a `.condarc` that change where channels are.
#[derive(Debug, Default, Deserialize)]
struct Condarc {
    channel_alias: Option<String>,
    default_channels: Option<Vec<String>>,
    custom_channels: Option<HashMap<String, String>>,
}

impl CondaOptions {
    /// Applies the `.condarc` files conda reads (`~/.condarc`, `~/.conda/.condarc`,
    /// `$XDG_CONFIG_HOME/conda/.condarc`, then `$CONDARC`; later files win). Returns the
    /// files that could not be read, with the reason.
    pub fn apply_condarc(&mut self, files: Option<Vec<PathBuf>>) -> Vec<String> {
        let files = files.unwrap_or_else(default_condarc_files);
        let mut problems = Vec::new();
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            match serde_saphyr::from_str::<Option<Condarc>>(&text) {
                Ok(Some(rc)) => {
                    if let Some(a) = rc.channel_alias {
                        self.channel_alias = a;
                    }
                    if let Some(d) = rc.default_channels {
                        self.default_channels = d;
                    }
                    if let Some(c) = rc.custom_channels {
                        self.custom_channels.extend(c);
                    }
                }
                Ok(None) => {}
                Err(e) => problems.push(format!(
                    "{}: not a valid .condarc ({}); ignored",
                    path.display(),
                    e.to_string().lines().next().unwrap_or("")
                )),
            }
        }
        problems
    }

    /// Expands the channels of an environment (`defaults` included) into base URLs.
    pub fn expand(&self, channels: &[String]) -> Vec<ChannelRef> {
        let listed: Vec<String> = if channels.is_empty() {
            vec!["defaults".to_string()]
        } else {
            channels.to_vec()
        };
        let mut out: Vec<ChannelRef> = Vec::new();
        for c in listed {
            let c = c.trim();
            if c == "defaults" {
                for d in &self.default_channels {
                    let mut r = self.channel(d);
                    r.via_defaults = true;
                    if !out.iter().any(|o| o.url == r.url) {
                        out.push(r);
                    }
                }
            } else if !c.is_empty() {
                let r = self.channel(c);
                if !out.iter().any(|o| o.url == r.url) {
                    out.push(r);
                }
            }
        }
        out
    }

    /// One channel name or URL.
    pub fn channel(&self, name_or_url: &str) -> ChannelRef {
        let s = name_or_url.trim().trim_end_matches('/');
        if s.contains("://") {
            return ChannelRef {
                name: channel_display(s),
                url: s.to_string(),
                via_defaults: false,
            };
        }
        let first = s.split('/').next().unwrap_or(s);
        let base = match self.custom_channels.get(first) {
            Some(b) => b.trim_end_matches('/').to_string(),
            None => self.channel_alias.trim_end_matches('/').to_string(),
        };
        ChannelRef {
            name: s.to_string(),
            url: format!("{base}/{s}"),
            via_defaults: false,
        }
    }
}

fn default_condarc_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    files.push(PathBuf::from("/etc/conda/.condarc"));
    files.push(PathBuf::from("/etc/conda/condarc"));
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        let xdg = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".config"));
        files.push(xdg.join("conda").join(".condarc"));
        files.push(home.join(".conda").join(".condarc"));
        files.push(home.join(".condarc"));
    }
    if let Some(rc) = std::env::var_os("CONDARC") {
        files.push(PathBuf::from(rc));
    }
    files
}

/// A channel as a base URL and the name to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRef {
    pub name: String,
    pub url: String,
    /// Came from expanding `defaults`.
    pub via_defaults: bool,
}

/// A URL for output: credentials and conda tokens (`/t/TOKEN/`) removed.
fn channel_display(url: &str) -> String {
    let text = match url::Url::parse(url) {
        Ok(u) => display_url(&u),
        Err(_) => url.to_string(),
    };
    strip_conda_token(&text)
}

fn strip_conda_token(s: &str) -> String {
    if let Some(i) = s.find("/t/") {
        let rest = &s[i + 3..];
        let after = rest.find('/').map_or("", |j| &rest[j..]);
        return format!("{}/t/***{after}", &s[..i]);
    }
    s.to_string()
}

/// The repodata of one channel subdir, indexed by package name (raw JSON per record).
pub struct SubdirIndex {
    by_name: HashMap<String, Vec<Box<RawValue>>>,
    pub cache: CacheState,
}

impl SubdirIndex {
    /// Every record of `name`.
    pub fn records(&self, name: &str) -> Vec<PackageRecord> {
        self.by_name
            .get(name)
            .map(|raws| {
                raws.iter()
                    .filter_map(|r| serde_json::from_str::<PackageRecord>(r.get()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn has(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }
}

/// Why a channel subdir could not be read.
#[derive(Debug, Clone)]
pub struct ChannelFailure {
    pub status: Status,
    pub message: String,
    pub help: String,
    pub reason: Option<String>,
    pub http_status: Option<u16>,
}

type SubdirResult = Result<Arc<SubdirIndex>, ChannelFailure>;

/// The channel subdirs of one run, each fetched once.
pub struct Channels {
    pub opts: CondaOptions,
    subdirs: crate::OnceMap<SubdirResult>,
}

impl Channels {
    pub fn new(opts: &CondaOptions) -> Channels {
        Channels {
            opts: opts.clone(),
            subdirs: crate::OnceMap::default(),
        }
    }
}

async fn subdir(s: &Shared, channel: &ChannelRef, subdir: &str) -> SubdirResult {
    let key = format!("{}/{subdir}", channel.url);
    s.channels
        .subdirs
        .cell(key)
        .get_or_init(|| fetch_subdir(s, channel, subdir))
        .await
        .clone()
}

/// The variants conda may find, best first.
const VARIANTS: [(&str, &str); 3] = [
    ("zst", "repodata.json.zst"),
    ("bz2", "repodata.json.bz2"),
    ("json", "repodata.json"),
];

async fn fetch_subdir(s: &Shared, channel: &ChannelRef, subdir: &str) -> SubdirResult {
    let base = format!("{}/{subdir}/", channel.url);
    let Ok(base_url) = url::Url::parse(&base) else {
        return Err(ChannelFailure {
            status: Status::Invalid,
            message: format!("`{}` is not a valid channel URL", channel.name),
            help: "Write the channel as a name (`conda-forge`) or a full URL.".to_string(),
            reason: None,
            http_status: None,
        });
    };
    // The variant that worked last time goes first (its entry is in the cache).
    let mut order: Vec<(&str, &str)> = VARIANTS.to_vec();
    if let Some(known) = known_variant(s, &base_url) {
        order.sort_by_key(|(v, _)| *v != known);
    }
    let host = host_port(&base_url);
    let mut last_404 = None;
    for (variant, file) in order {
        let Ok(url) = base_url.join(file) else {
            continue;
        };
        let mut req = Request::get(url.clone());
        req.max_body = 1 << 31;
        let auth = url_basic_auth(&url);
        let mut req_url = url.clone();
        let _ = req_url.set_username("");
        let _ = req_url.set_password(None);
        req.url = req_url;
        if let Some(h) = auth {
            req = req.secret_header(reqwest::header::AUTHORIZATION, &h);
        }
        match get_cached(s, "repodata", req).await {
            Ok(f) if f.status == StatusCode::OK => {
                let cache = f.cache;
                let body = f.body;
                let parsed = tokio::task::spawn_blocking(move || index_repodata(&body, variant))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r);
                return match parsed {
                    Ok(by_name) => Ok(Arc::new(SubdirIndex { by_name, cache })),
                    Err(e) => Err(ChannelFailure {
                        status: Status::Error,
                        message: format!(
                            "{}/{subdir}/{file} of channel `{}` cannot be read: {e}",
                            channel.name, channel.name
                        ),
                        help: "The channel serves a broken repodata file: retry later or report it to the channel's maintainers.".to_string(),
                        reason: Some("repodata".to_string()),
                        http_status: Some(200),
                    }),
                };
            }
            Ok(f) if f.status == StatusCode::NOT_FOUND => {
                last_404 = Some(f.status);
                continue;
            }
            Ok(f) => return Err(http_failure(channel, subdir, f.status, f.attempts)),
            Err(FetchError::NotCached) => {
                continue;
            }
            Err(FetchError::Net(e)) => return Err(net_failure(channel, &host, &e)),
        }
    }
    if s.opts.offline {
        return Err(ChannelFailure {
            status: Status::Error,
            message: format!(
                "offline: no cached repodata for channel `{}` ({subdir})",
                channel.name
            ),
            help: "Run preflight once online to fill the cache, or drop --offline.".to_string(),
            reason: Some("offline".to_string()),
            http_status: None,
        });
    }
    Err(ChannelFailure {
        status: Status::NotFound,
        message: format!(
            "channel `{}` has no {subdir}/repodata.json (404 Not Found): it does not exist or is not a conda channel",
            channel.name
        ),
        help: format!(
            "Check the channel name or URL `{}` (conda fails with UnavailableInvalidChannel for it); remove it from `channels:` if it is gone.",
            channel.name
        ),
        reason: Some("channel".to_string()),
        http_status: last_404.map(|s| s.as_u16()),
    })
}

/// The repodata variant stored in the cache for this subdir, if any.
fn known_variant(s: &Shared, base: &url::Url) -> Option<&'static str> {
    for (variant, file) in VARIANTS {
        let url = base.join(file).ok()?;
        if s.cache.get_body("repodata", &display_url(&url)).is_some() {
            return Some(variant);
        }
    }
    None
}

/// `Basic …` from credentials in a channel URL.
fn url_basic_auth(url: &url::Url) -> Option<String> {
    use base64::Engine;
    if url.username().is_empty() {
        return None;
    }
    let user = percent_decode(url.username());
    let pass = url.password().map(percent_decode).unwrap_or_default();
    Some(format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    ))
}

pub(crate) fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

fn http_failure(
    channel: &ChannelRef,
    subdir: &str,
    status: StatusCode,
    attempts: u32,
) -> ChannelFailure {
    let (st, help) = match status.as_u16() {
        401 => (
            Status::Unauthorized,
            format!(
                "Channel `{}` requires credentials: add a token (`conda config --set channel_settings …`, `/t/TOKEN/` in the URL) or log in (`anaconda login`).",
                channel.name
            ),
        ),
        403 => (
            Status::Forbidden,
            format!(
                "Channel `{}` refused access (403): the token lacks access, or the channel's Terms of Service were not accepted (`conda tos accept`), or a proxy blocks it.",
                channel.name
            ),
        ),
        429 => (
            Status::RateLimited,
            format!(
                "Channel `{}` rate-limits: retry later or use a mirror.",
                channel.name
            ),
        ),
        _ => (
            Status::Error,
            format!(
                "Channel `{}` is failing ({status}): retry later or use a mirror.",
                channel.name
            ),
        ),
    };
    ChannelFailure {
        status: st,
        message: format!(
            "channel `{}` answered {status} for {subdir}/repodata.json (after {attempts} attempt{})",
            channel.name,
            if attempts == 1 { "" } else { "s" }
        ),
        help,
        reason: None,
        http_status: Some(status.as_u16()),
    }
}

fn net_failure(channel: &ChannelRef, host: &str, e: &NetError) -> ChannelFailure {
    ChannelFailure {
        status: Status::Unreachable,
        message: format!("channel `{}`: {}", channel.name, e.describe(host)),
        help: match e {
            NetError::Tls { .. } => format!(
                "Trust the CA of {host} (`--ca-cert FILE`; conda: `ssl_verify: /path/ca.pem` in .condarc)."
            ),
            NetError::Dns { .. } => format!(
                "Check the channel URL's host `{host}`; in a private network, use the mirror the build can reach (`channel_alias` / `custom_channels`)."
            ),
            _ => {
                format!("Check that the build can reach {host} (proxy, firewall), or use a mirror.")
            }
        },
        reason: Some(e.stage().to_string()),
        http_status: None,
    }
}

/// Decompresses a repodata body and indexes its records by name.
fn index_repodata(
    body: &[u8],
    variant: &str,
) -> Result<HashMap<String, Vec<Box<RawValue>>>, String> {
    let json: Vec<u8> = match variant {
        "zst" => {
            let mut out = Vec::new();
            let mut dec =
                ruzstd::decoding::StreamingDecoder::new(body).map_err(|e| format!("zstd: {e}"))?;
            dec.read_to_end(&mut out)
                .map_err(|e| format!("zstd: {e}"))?;
            out
        }
        "bz2" => {
            let mut out = Vec::new();
            bzip2::read::BzDecoder::new(body)
                .read_to_end(&mut out)
                .map_err(|e| format!("bzip2: {e}"))?;
            out
        }
        _ => body.to_vec(),
    };
    #[derive(Deserialize)]
    struct Raw {
        #[serde(default)]
        packages: HashMap<String, Box<RawValue>>,
        #[serde(default, rename = "packages.conda")]
        conda: HashMap<String, Box<RawValue>>,
    }
    #[derive(Deserialize)]
    struct NameOnly {
        name: String,
    }
    let raw: Raw = serde_json::from_slice(&json).map_err(|e| format!("JSON: {e}"))?;
    let mut by_name: HashMap<String, Vec<Box<RawValue>>> = HashMap::new();
    for (file, rec) in raw.conda.into_iter().chain(raw.packages) {
        let name = name_from_filename(&file).or_else(|| {
            serde_json::from_str::<NameOnly>(rec.get())
                .ok()
                .map(|n| n.name)
        });
        if let Some(name) = name {
            by_name
                .entry(name.to_ascii_lowercase())
                .or_default()
                .push(rec);
        }
    }
    Ok(by_name)
}

/// `name-version-build.conda` → `name`.
fn name_from_filename(file: &str) -> Option<String> {
    let stem = file
        .strip_suffix(".conda")
        .or_else(|| file.strip_suffix(".tar.bz2"))?;
    let mut parts = stem.rsplitn(3, '-');
    let _build = parts.next()?;
    let _version = parts.next()?;
    parts.next().map(str::to_string)
}

/// The Python an environment pins, as the versions to try (`3.11` → 3.11.0 … 3.11.30).
pub(crate) fn python_candidates(spec: &str) -> Option<Vec<Version>> {
    let spec = spec.trim().trim_start_matches("python").trim();
    let spec = spec.trim_start_matches('=').trim();
    if spec.is_empty() {
        return None;
    }
    // A bare version (`3.11`, `3.11.4`) means that version and its patches, as conda's
    // `python=3.11` does.
    let vs = if spec
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '*')
    {
        let base = spec.trim_end_matches(".*").trim_end_matches('*');
        VersionSpec::from_str(
            &format!("{base}.*"),
            rattler_conda_types::ParseStrictness::Lenient,
        )
        .ok()?
    } else {
        VersionSpec::from_str(spec, rattler_conda_types::ParseStrictness::Lenient).ok()?
    };
    let mut out = Vec::new();
    for minor in 6..=15 {
        for patch in 0..=30 {
            if let Ok(v) = Version::from_str(&format!("3.{minor}.{patch}"))
                && vs.matches(&v)
            {
                out.push(v);
            }
        }
        if let Ok(v) = Version::from_str(&format!("3.{minor}"))
            && vs.matches(&v)
            && !out
                .iter()
                .any(|o| o.to_string().starts_with(&format!("3.{minor}.")))
        {
            out.push(v);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The `python` / `python_abi` dependencies of a record, as MatchSpecs.
fn python_deps(record: &PackageRecord) -> Vec<MatchSpec> {
    record
        .depends
        .iter()
        .filter_map(|d| {
            let name = d.split([' ', '=', '<', '>', '!']).next().unwrap_or("");
            (name == "python" || name == "python_abi")
                .then(|| MatchSpec::from_str(d, ParseMatchSpecOptions::lenient()).ok())
                .flatten()
        })
        .collect()
}

/// Whether `record` installs with one of the `pythons`.
fn fits_python(record: &PackageRecord, pythons: &[Version]) -> bool {
    let deps = python_deps(record);
    if deps.is_empty() {
        return true;
    }
    pythons.iter().any(|py| python_ok(&deps, py))
}

fn python_ok(deps: &[MatchSpec], py: &Version) -> bool {
    let minor = py
        .to_string()
        .split('.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".");
    let abi = Version::from_str(&minor).ok();
    deps.iter().all(|d| {
        let is_abi = matches!(&d.name, rattler_conda_types::PackageNameMatcher::Exact(n) if n.as_normalized() == "python_abi");
        let v = if is_abi { abi.as_ref() } else { Some(py) };
        match (&d.version, v) {
            (Some(spec), Some(v)) => spec.matches(v),
            _ => true,
        }
    })
}

/// The Python minors (`3.9`) the records support.
fn supported_pythons(records: &[&PackageRecord]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for minor in 6..=15u32 {
        let Ok(v) = Version::from_str(&format!("3.{minor}")) else {
            continue;
        };
        let patches: Vec<Version> = (0..=30)
            .filter_map(|p| Version::from_str(&format!("3.{minor}.{p}")).ok())
            .collect();
        if records.iter().any(|r| {
            let deps = python_deps(r);
            !deps.is_empty()
                && (python_ok(&deps, &v) || patches.iter().any(|p| python_ok(&deps, p)))
        }) {
            out.insert(minor);
        }
    }
    out.into_iter().map(|m| format!("3.{m}")).collect()
}

/// Versions closest to what the spec asks for first.
fn closest_versions(versions: &[Version], spec: &MatchSpec) -> Vec<String> {
    let wanted: Option<Version> = spec.version.as_ref().and_then(|v| {
        let text = v.to_string();
        let token: String = text
            .trim_start_matches(['=', '>', '<', '!', '~', ' '])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '_')
            .collect();
        Version::from_str(token.trim_end_matches('.')).ok()
    });
    let mut vs: Vec<&Version> = versions.iter().collect();
    vs.sort();
    vs.dedup();
    vs.reverse();
    if let Some(w) = wanted {
        let w_parts: Vec<String> = w.to_string().split('.').map(str::to_string).collect();
        let shared = |v: &Version| {
            v.to_string()
                .split('.')
                .zip(w_parts.iter())
                .take_while(|(a, b)| a == b)
                .count()
        };
        vs.sort_by(|a, b| shared(b).cmp(&shared(a)).then(b.cmp(a)));
    }
    vs.into_iter().take(8).map(|v| v.to_string()).collect()
}

/// Checks one MatchSpec.
pub(crate) async fn check_conda(s: &Shared, t: &CondaTarget) -> Check {
    let mk =
        |status: Status, kind: Option<&'static str>, message: String, details: CondaDetails| {
            crate::check(
                CheckType::Conda,
                &t.spec,
                status,
                kind,
                message,
                t.source.clone(),
                Specific::Conda(details),
            )
        };
    let spec = match MatchSpec::from_str(t.spec.trim(), ParseMatchSpecOptions::lenient()) {
        Ok(m) => m,
        Err(e) => {
            let mut c = mk(
                Status::Invalid,
                Some("conda-bad-spec"),
                format!("`{}` is not a valid conda spec: {e}", t.spec.trim()),
                CondaDetails::default(),
            );
            c.details.help = Some("Write it as `name`, `name=version`, `name>=1.2,<2` or `channel::name=version=build` (`buildmedic lint` points at the problem).".to_string());
            return c;
        }
    };
    let name = match &spec.name {
        rattler_conda_types::PackageNameMatcher::Exact(n) => n.as_normalized().to_string(),
        other => {
            return mk(
                Status::Ok,
                None,
                format!(
                    "`{}` matches names by pattern ({other}); not checked",
                    t.spec.trim()
                ),
                CondaDetails::default(),
            );
        }
    };
    let opts = &s.channels.opts;
    // `channel::name`: that channel only, resolved with this run's alias (rattler resolves
    // names against its default alias).
    let channels: Vec<ChannelRef> = match (&spec.channel, t.spec.split_once("::")) {
        (Some(_), Some((raw, _))) => {
            let raw = raw.trim();
            let raw = match &spec.subdir {
                Some(sd) => raw.strip_suffix(&format!("/{sd}")).unwrap_or(raw),
                None => raw,
            };
            opts.expand(&[raw.to_string()])
        }
        (Some(c), None) => vec![opts.channel(c.base_url.as_str())],
        (None, _) => opts.expand(&t.channels),
    };
    let subdirs: Vec<String> = match (&spec.subdir, &opts.subdirs) {
        (Some(sd), _) => vec![sd.clone()],
        (None, Some(list)) => list.clone(),
        (None, None) => {
            let mut v = Vec::new();
            if let Some(sd) = s.opts.platform.conda_subdir() {
                v.push(sd.to_string());
            }
            v.push("noarch".to_string());
            v
        }
    };
    let python = t.python.clone().or_else(|| s.opts.python.clone());
    let mut details = CondaDetails {
        package: name.clone(),
        channels: channels.iter().map(|c| channel_display(&c.url)).collect(),
        subdirs: subdirs.clone(),
        python: python.clone(),
        ..CondaDetails::default()
    };

    // Every channel × subdir, concurrently.
    let mut futs = Vec::new();
    for c in &channels {
        for sd in &subdirs {
            futs.push(async move { (c, sd, subdir(s, c, sd).await) });
        }
    }
    let results = join_all(futs).await;
    let mut cache_state = None;
    let mut indexes: Vec<(&ChannelRef, &String, Arc<SubdirIndex>)> = Vec::new();
    for (c, sd, r) in results {
        match r {
            Ok(idx) => {
                if let Some(st) = idx.cache.as_str() {
                    cache_state = Some(st);
                }
                indexes.push((c, sd, idx));
            }
            Err(f) => {
                // conda stops on any channel it cannot read, whatever the package.
                let mut check = mk(
                    f.status,
                    Some("conda-http"),
                    format!("cannot check `{}`: {}", t.spec.trim(), f.message),
                    details,
                );
                check.details.help = Some(f.help);
                check.details.reason = f.reason;
                check.details.http_status = f.http_status;
                return check;
            }
        }
    }

    let mut with_name: Vec<(&ChannelRef, &String, PackageRecord)> = Vec::new();
    for (c, sd, idx) in &indexes {
        for r in idx.records(&name) {
            with_name.push((c, sd, r));
        }
    }
    let finish = |mut c: Check| {
        c.details.cache = cache_state.map(str::to_string);
        c
    };

    if with_name.is_empty() {
        // Who else carries it?
        let listed: Vec<&str> = channels.iter().map(|c| c.url.as_str()).collect();
        let mut carried = Vec::new();
        for wk in &opts.well_known {
            for c in opts.expand(std::slice::from_ref(wk)) {
                if listed.contains(&c.url.as_str()) || carried.contains(&c.name) {
                    continue;
                }
                let mut has = false;
                for sd in &subdirs {
                    if let Ok(idx) = subdir(s, &c, sd).await
                        && idx.has(&name)
                    {
                        has = true;
                    }
                }
                if has {
                    carried.push(if c.via_defaults {
                        "defaults".to_string()
                    } else {
                        c.name.clone()
                    });
                }
            }
        }
        carried.dedup();
        let similar = similar_names(&indexes, &name);
        details.carried_by = carried.clone();
        let where_ = channels
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
            .join(", ");
        let mut help = if carried.is_empty() {
            format!("Check the package name `{name}`")
        } else {
            format!(
                "`{name}` is in {}: add {} to `channels:` (or write `{}::{name}`)",
                carried.join(", "),
                if carried.len() == 1 {
                    "it"
                } else {
                    "one of them"
                },
                carried[0]
            )
        };
        if !similar.is_empty() {
            help.push_str(&format!(
                "; similar names in the listed channels: {}",
                similar.join(", ")
            ));
        }
        help.push('.');
        let mut c = mk(
            Status::NotFound,
            Some("conda-package-not-found"),
            format!(
                "`{name}` is not in the channels {where_} ({})",
                subdirs.join(", ")
            ),
            details,
        );
        c.details.help = Some(help);
        c.details.reason = Some("package".to_string());
        return finish(c);
    }

    let matching: Vec<&(&ChannelRef, &String, PackageRecord)> = with_name
        .iter()
        .filter(|(_, _, r)| spec.matches(r))
        .collect();
    if matching.is_empty() {
        let versions: Vec<Version> = with_name
            .iter()
            .map(|(_, _, r)| r.version.version().clone())
            .collect();
        details.closest_versions = closest_versions(&versions, &spec);
        let shown = details
            .closest_versions
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let help = format!(
            "Pin a version that exists, e.g. `{name}={}`, or add a channel that has the version you need.",
            details
                .closest_versions
                .first()
                .cloned()
                .unwrap_or_default()
        );
        let where_ = channels
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
            .join(", ");
        let mut c = mk(
            Status::NotFound,
            Some("conda-package-not-found"),
            format!(
                "no `{name}` matches `{}` in {where_} ({}); closest versions: {shown}",
                t.spec.trim(),
                subdirs.join(", ")
            ),
            details,
        );
        c.details.help = Some(help);
        c.details.reason = Some("version".to_string());
        return finish(c);
    }

    let best = |items: &[&(&ChannelRef, &String, PackageRecord)]| {
        items
            .iter()
            .max_by(|a, b| {
                a.2.version
                    .cmp(&b.2.version)
                    .then(a.2.build_number.cmp(&b.2.build_number))
            })
            .map(|(c, sd, r)| {
                format!(
                    "{}/{sd}::{}-{}-{}",
                    c.name,
                    r.name.as_normalized(),
                    r.version,
                    r.build
                )
            })
    };
    if let Some(py) = &python
        && let Some(pythons) = python_candidates(py)
    {
        let fitting: Vec<&(&ChannelRef, &String, PackageRecord)> = matching
            .iter()
            .copied()
            .filter(|(_, _, r)| fits_python(r, &pythons))
            .collect();
        if fitting.is_empty() {
            let recs: Vec<&PackageRecord> = matching.iter().map(|(_, _, r)| r).collect();
            details.python_versions = supported_pythons(&recs);
            let supported = details.python_versions.join(", ");
            let mut c = mk(
                Status::NotFound,
                Some("incompatible-python"),
                format!(
                    "`{}` has builds only for Python {supported}, not for the environment's Python {py}",
                    t.spec.trim()
                ),
                details,
            );
            c.details.help = Some(format!(
                "Use a Python the builds support ({supported}), or a version of `{name}` built for Python {py} (drop or relax the pin)."
            ));
            c.details.reason = Some("python".to_string());
            return finish(c);
        }
        details.found = best(&fitting);
    } else {
        details.found = best(&matching);
    }
    let found = details.found.clone().unwrap_or_default();
    finish(mk(
        Status::Ok,
        None,
        format!("`{}` is available ({found})", t.spec.trim()),
        details,
    ))
}

fn similar_names(indexes: &[(&ChannelRef, &String, Arc<SubdirIndex>)], name: &str) -> Vec<String> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for (_, _, idx) in indexes {
        for n in idx.names() {
            let d = crate::registry::levenshtein(n, name);
            let close = d <= 2
                || (n.contains(name) && n.len() <= name.len() + 6)
                || (name.contains(n) && n.len() >= 3);
            if close && n != name && !out.iter().any(|(_, o)| o == n) {
                out.push((d, n.to_string()));
            }
        }
    }
    out.sort();
    out.into_iter().take(5).map(|(_, n)| n).collect()
}

/// Awaits futures concurrently (tokio has no join_all; the futures borrow, so no spawn).
pub(crate) async fn join_all<F: Future>(futs: Vec<F>) -> Vec<F::Output> {
    let mut futs: Vec<std::pin::Pin<Box<F>>> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = (0..futs.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in futs.iter_mut().enumerate() {
            if out[i].is_some() {
                continue;
            }
            match f.as_mut().poll(cx) {
                std::task::Poll::Ready(v) => out[i] = Some(v),
                std::task::Poll::Pending => pending = true,
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_defaults_and_names() {
        let o = CondaOptions::default();
        let e = o.expand(&["conda-forge".to_string(), "defaults".to_string()]);
        let urls: Vec<&str> = e.iter().map(|c| c.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://conda.anaconda.org/conda-forge",
                "https://repo.anaconda.com/pkgs/main",
                "https://repo.anaconda.com/pkgs/r"
            ]
        );
        assert_eq!(o.expand(&[]).len(), 2);
        let mut o = CondaOptions::default();
        o.custom_channels
            .insert("internal".into(), "https://mirror.example/conda".into());
        assert_eq!(
            o.channel("internal").url,
            "https://mirror.example/conda/internal"
        );
        assert_eq!(
            o.channel("https://x.example/ch/").url,
            "https://x.example/ch"
        );
    }

    #[test]
    fn tokens_are_hidden() {
        assert_eq!(
            channel_display("https://conda.anaconda.org/t/abc-123/private"),
            "https://conda.anaconda.org/t/***/private"
        );
        assert!(!channel_display("https://u:secretpw@h.example/ch").contains("secretpw"));
    }

    #[test]
    fn filenames() {
        assert_eq!(
            name_from_filename("python-dateutil-2.8.2-pyhd8ed1ab_0.conda").as_deref(),
            Some("python-dateutil")
        );
        assert_eq!(
            name_from_filename("numpy-1.26.4-py311h64a7726_0.tar.bz2").as_deref(),
            Some("numpy")
        );
        assert_eq!(name_from_filename("weird"), None);
    }

    #[test]
    fn python_pins() {
        let c = python_candidates("3.11").unwrap();
        assert!(c.iter().all(|v| v.to_string().starts_with("3.11")));
        let c = python_candidates(">=3.10,<3.12").unwrap();
        assert!(c.iter().any(|v| v.to_string().starts_with("3.10")));
        assert!(c.iter().any(|v| v.to_string().starts_with("3.11")));
        assert!(!c.iter().any(|v| v.to_string().starts_with("3.12")));
        assert!(python_candidates("").is_none());
    }

    #[test]
    fn record_python_fit() {
        let rec: PackageRecord = serde_json::from_str(
            r#"{"name":"demo","version":"1.0","build":"py39_0","build_number":0,"depends":["python >=3.9,<3.10.0a0","python_abi 3.9.* *_cp39"],"subdir":"linux-64"}"#,
        )
        .unwrap();
        assert!(fits_python(&rec, &python_candidates("3.9").unwrap()));
        assert!(!fits_python(&rec, &python_candidates("3.11").unwrap()));
        assert_eq!(supported_pythons(&[&rec]), ["3.9"]);
        let noarch: PackageRecord = serde_json::from_str(
            r#"{"name":"tool","version":"1.0","build":"pyhd_0","build_number":0,"depends":["python >=3.8"],"subdir":"noarch"}"#,
        )
        .unwrap();
        assert!(fits_python(&noarch, &python_candidates("3.12").unwrap()));
    }

    #[test]
    fn repodata_variants() {
        let json = br#"{"packages":{"a-1.0-0.tar.bz2":{"name":"a","version":"1.0","build":"0","build_number":0,"depends":[]}},"packages.conda":{"b-2.0-h1_0.conda":{"name":"b","version":"2.0","build":"h1_0","build_number":0,"depends":[]}}}"#;
        let idx = index_repodata(json, "json").unwrap();
        assert!(idx.contains_key("a") && idx.contains_key("b"));
        let mut bz = Vec::new();
        {
            use std::io::Write;
            let mut enc = bzip2::write::BzEncoder::new(&mut bz, bzip2::Compression::fast());
            enc.write_all(json).unwrap();
            enc.finish().unwrap();
        }
        assert!(index_repodata(&bz, "bz2").unwrap().contains_key("b"));
        assert!(index_repodata(b"not zstd", "zst").is_err());
        assert!(index_repodata(b"{", "json").is_err());
    }
}
