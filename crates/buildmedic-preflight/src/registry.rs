//! Images: the OCI distribution API, step by step, so each failure can be told apart.
//!
//! 1. `GET /v2/` (the ping): is there a registry, does it want auth (`WWW-Authenticate`:
//!    `Bearer realm=…,service=…` or `Basic realm=…`)?
//! 2. Bearer: a token from the realm for `repository:NAME:pull` (Basic credentials, or a
//!    refresh token by OAuth2 POST); Basic: the credentials on each request. Credentials
//!    go only to this registry and to the realm it names, never elsewhere (reqwest drops
//!    `Authorization` on redirects to another host).
//! 3. `HEAD /v2/NAME/manifests/REF` with the Accept headers of docker (OCI index, Docker
//!    manifest list, OCI and Docker manifests). A 401 carrying a new challenge (scope) is
//!    answered once.
//! 4. An index / manifest list is fetched (`GET`) to see whether the target platform is in
//!    it. A missing tag lists the tags that exist (`GET /v2/NAME/tags/list`).

// `Failure` is the payload of a failed check, built once per check: its size does not matter.
#![allow(clippy::result_large_err)]

use base64::Engine;
use buildmedic_lint::syntax::image_ref::grammar;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, WWW_AUTHENTICATE};
use serde::{Deserialize, Serialize};

use crate::creds::{Credential, Found, normalize_registry};
use crate::http::{Answer, NetError, Request, host_port};
use crate::report::{Check, CheckType, ImageDetails, Specific, Status};
use crate::{ImageTarget, Shared};

const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";
/// What docker sends, most preferred first.
const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.v1+prettyjws;q=0.5";

/// How many existing tags a not-found check lists.
const TAGS_SHOWN: usize = 10;

/// The answers of one run shared by the checks: each registry is pinged once, each token
/// fetched once.
#[derive(Default)]
pub struct Registries {
    endpoints: crate::OnceMap<Result<Endpoint, Failure>>,
    tokens: crate::OnceMap<Result<String, Failure>>,
}

/// A registry that answered the ping.
#[derive(Debug, Clone)]
struct Endpoint {
    /// `https://host:port` or `http://host:port`.
    base: url::Url,
    insecure: bool,
    challenge: Challenge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Challenge {
    None,
    Basic,
    Bearer {
        realm: url::Url,
        service: Option<String>,
        scope: Option<String>,
        error: Option<String>,
    },
    /// A scheme we do not speak (Digest, Negotiate...).
    Unsupported(String),
}

/// Why a check stops: everything the report needs.
#[derive(Debug, Clone)]
struct Failure {
    status: Status,
    kind: Option<&'static str>,
    message: String,
    help: Option<String>,
    reason: Option<String>,
    http_status: Option<u16>,
    errors: Vec<String>,
    /// Existing tags, closest first (not found).
    tags: Vec<String>,
}

impl Failure {
    fn new(status: Status, message: String) -> Failure {
        let kind = match status {
            Status::Ok => None,
            Status::NotFound | Status::Invalid => Some("image-not-found"),
            Status::Unauthorized | Status::Forbidden | Status::RateLimited => Some("registry-auth"),
            Status::Unreachable | Status::Error => Some("registry-unreachable"),
        };
        Failure {
            status,
            kind,
            message,
            help: None,
            reason: None,
            http_status: None,
            errors: Vec::new(),
            tags: Vec::new(),
        }
    }

    fn help(mut self, help: String) -> Failure {
        self.help = Some(help);
        self
    }

    fn reason(mut self, reason: &str) -> Failure {
        self.reason = Some(reason.to_string());
        self
    }

    fn http(mut self, answer: &Answer) -> Failure {
        self.http_status = Some(answer.status.as_u16());
        self.errors = registry_errors(&answer.body)
            .into_iter()
            .map(|e| e.code)
            .collect();
        self
    }

    fn net(err: &NetError, host: &str) -> Failure {
        let help = match err {
            NetError::Dns { .. } => format!(
                "Check the registry name `{host}` for typos; from inside a private network, check that its DNS zone (private endpoint) is linked."
            ),
            NetError::Connect { .. } => format!(
                "Check that {host} is up and that a firewall, proxy or network rule lets the build reach it (port {}).",
                host.rsplit_once(':').map_or("443", |(_, p)| p)
            ),
            NetError::Tls { .. } => format!(
                "Trust the registry's CA (`--ca-cert FILE` here; the system store or /etc/docker/certs.d/{host}/ca.crt for docker), or, for a registry without TLS, `--insecure-registry {host}` (docker: \"insecure-registries\")."
            ),
            NetError::Timeout => format!(
                "{host} accepted no request in time: check the network path (proxy, firewall dropping packets) or raise --timeout."
            ),
            NetError::Other { .. } => {
                format!("Retry; if it persists, check the network path to {host}.")
            }
        };
        Failure::new(Status::Unreachable, err.describe(host))
            .help(help)
            .reason(err.stage())
    }
}

/// One registry error of a JSON error body (`{"errors":[{"code":…,"message":…}]}`).
#[derive(Debug, Clone, Deserialize)]
struct RegistryError {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<RegistryError>,
}

fn registry_errors(body: &[u8]) -> Vec<RegistryError> {
    serde_json::from_slice::<ErrorBody>(body)
        .map(|b| b.errors)
        .unwrap_or_default()
}

fn parse_challenge(header: &str) -> Challenge {
    let Ok(challenges) = http_auth::parse_challenges(header) else {
        return Challenge::Unsupported(header.chars().take(40).collect());
    };
    let mut first_other = None;
    for c in &challenges {
        let param = |name: &str| {
            c.params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.to_unescaped())
        };
        if c.scheme.eq_ignore_ascii_case("bearer") {
            if let Some(realm) = param("realm").and_then(|r| url::Url::parse(&r).ok()) {
                return Challenge::Bearer {
                    realm,
                    service: param("service"),
                    scope: param("scope"),
                    error: param("error"),
                };
            }
        } else if c.scheme.eq_ignore_ascii_case("basic") {
            return Challenge::Basic;
        } else if first_other.is_none() {
            first_other = Some(c.scheme.to_string());
        }
    }
    Challenge::Unsupported(first_other.unwrap_or_else(|| "unknown".to_string()))
}

/// What the reference names.
struct Image {
    /// Registry as users write it (`docker.io`, `myreg:5000`).
    registry: String,
    /// The host the API lives on (`registry-1.docker.io` for Docker Hub).
    api_host: String,
    repository: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl Image {
    fn reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// `myreg:5000/app:1.0` / `docker.io/library/python:3.11`.
    fn full(&self) -> String {
        let mut s = format!("{}/{}", self.registry, self.repository);
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }
}

fn parse_image(reference: &str) -> Result<Image, String> {
    let parsed = grammar::parse_docker_ref(reference.trim()).map_err(|e| e.to_string())?;
    let registry = normalize_registry(&parsed.domain);
    let api_host = if registry == "docker.io" {
        "registry-1.docker.io".to_string()
    } else {
        parsed.domain.clone()
    };
    Ok(Image {
        registry,
        api_host,
        repository: parsed.path.clone(),
        tag: parsed.tag.clone(),
        digest: parsed.digest.clone(),
    })
}

/// What the disk cache keeps of a successful image check (for `--offline`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedImage {
    digest: Option<String>,
    media_type: Option<String>,
    platforms: Vec<String>,
    platform_found: bool,
}

/// Checks one image reference.
pub(crate) async fn check_image(s: &Shared, t: &ImageTarget) -> Check {
    let platform = s.opts.platform.to_string();
    let image = match parse_image(&t.reference) {
        Ok(i) => i,
        Err(e) => {
            let mut c = crate::check(
                CheckType::Image,
                &t.reference,
                Status::Invalid,
                Some("image-not-found"),
                format!("`{}` is not a valid image reference: {e}", t.reference),
                t.source.clone(),
                Specific::Image(ImageDetails {
                    platform,
                    ..ImageDetails::default()
                }),
            );
            c.details.help = Some(
                "Write the reference as [registry[:port]/]repository[:tag][@digest], all lowercase (`buildmedic lint --image REF` points at the offending part)."
                    .to_string(),
            );
            return c;
        }
    };
    let mut details = ImageDetails {
        registry: image.registry.clone(),
        repository: image.repository.clone(),
        tag: image.tag.clone(),
        digest: image.digest.clone(),
        platform: platform.clone(),
        ..ImageDetails::default()
    };
    let (found, note) = s.creds.lookup(&image.registry, t.credential.as_ref()).await;
    if let Some(note) = note {
        s.note(note);
    }
    details.credentials = Some(
        found
            .as_ref()
            .map_or_else(|| "anonymous".to_string(), |f| f.source.clone()),
    );
    let secrets: Vec<String> = found
        .as_ref()
        .map(|f| {
            f.credential
                .secrets()
                .iter()
                .map(|s| s.to_string())
                .collect()
        })
        .unwrap_or_default();
    let cache_key = format!("image\n{}\n{}", image.full(), platform);

    let (outcome, cache_state) = if s.opts.offline {
        match s.cache.get_json::<CachedImage>("images", &cache_key) {
            Some(c) => (Ok(c), Some("offline")),
            None => (
                Err(Failure::new(
                    Status::Error,
                    format!("offline: no cached answer for `{}`", image.full()),
                )
                .help("Run preflight once online to fill the cache, or drop --offline.".to_string())
                .reason("offline")),
                None,
            ),
        }
    } else {
        let r = resolve(s, &image, found.as_ref()).await;
        if let Ok(c) = &r {
            s.cache.put_json("images", &cache_key, c);
        }
        (r, None)
    };

    let scrub = |text: String| -> String {
        let mut text = text;
        for secret in &secrets {
            if !secret.is_empty() {
                text = text.replace(secret.as_str(), "***");
            }
        }
        text
    };
    let mut check = match outcome {
        Ok(c) => {
            details.digest = c.digest.clone().or(details.digest);
            details.media_type = c.media_type.clone();
            details.platforms = c.platforms.clone();
            let kind_name = c.media_type.as_deref().map_or("manifest", media_type_name);
            if c.platform_found {
                let what = if c.platforms.is_empty() {
                    kind_name.to_string()
                } else {
                    format!("{kind_name} with {}", c.platforms.join(", "))
                };
                let digest = c
                    .digest
                    .as_deref()
                    .map(|d| format!(" {}", short_digest(d)))
                    .unwrap_or_default();
                crate::check(
                    CheckType::Image,
                    &t.reference,
                    Status::Ok,
                    None,
                    format!("`{}` exists ({what}{digest})", image.full()),
                    t.source.clone(),
                    Specific::None,
                )
            } else {
                let mut check = crate::check(
                    CheckType::Image,
                    &t.reference,
                    Status::NotFound,
                    Some("image-not-found"),
                    format!(
                        "`{}` has no {platform} image: its {kind_name} has {}",
                        image.full(),
                        c.platforms.join(", ")
                    ),
                    t.source.clone(),
                    Specific::None,
                );
                check.details.reason = Some("platform-missing".to_string());
                check.details.help = Some(format!(
                    "Pick a tag that is built for {platform}, build on one of the platforms it has (`--platform` of docker build), or use an image published for {platform}."
                ));
                check
            }
        }
        Err(f) => {
            details.tags = f.tags.clone();
            let mut check = crate::check(
                CheckType::Image,
                &t.reference,
                f.status,
                f.kind,
                scrub(f.message.clone()),
                t.source.clone(),
                Specific::None,
            );
            check.details.help = f.help.clone().map(scrub);
            check.details.reason = f.reason.clone();
            check.details.http_status = f.http_status;
            details.errors = f.errors.clone();
            check
        }
    };
    check.details.cache = cache_state.map(str::to_string);
    if let Some(help) = &check.details.help {
        check.details.help = Some(buildmedic_redact::redact(help).into_owned());
    }
    check.details.specific = Specific::Image(details);
    check
}

fn short_digest(d: &str) -> String {
    match d.split_once(':') {
        Some((alg, hex)) if hex.len() > 12 => format!("{alg}:{}", &hex[..12]),
        _ => d.to_string(),
    }
}

fn media_type_name(m: &str) -> &'static str {
    match m {
        OCI_INDEX => "OCI image index",
        DOCKER_LIST => "Docker manifest list",
        OCI_MANIFEST => "OCI image manifest",
        DOCKER_MANIFEST => "Docker image manifest",
        DOCKER_SCHEMA1 => "Docker schema 1 manifest",
        _ => "manifest",
    }
}

/// The steps 1–4.
async fn resolve(s: &Shared, image: &Image, found: Option<&Found>) -> Result<CachedImage, Failure> {
    let endpoint = endpoint(s, &image.api_host).await?;
    let scope = format!("repository:{}:pull", image.repository);
    let mut auth = Auth::new(found);
    let manifest_url = endpoint
        .base
        .join(&format!(
            "/v2/{}/manifests/{}",
            image.repository,
            image.reference()
        ))
        .map_err(|e| {
            Failure::new(
                Status::Invalid,
                format!("cannot build the manifest URL: {e}"),
            )
        })?;

    let mut challenge = endpoint.challenge.clone();
    if let Challenge::Bearer { scope: s_, .. } = &mut challenge {
        *s_ = Some(scope.clone());
    }
    let mut answered_challenge = false;
    let answer = loop {
        let header = auth.header_for(s, &endpoint, &challenge, &scope).await?;
        let mut req = Request::head(manifest_url.clone()).header(ACCEPT, MANIFEST_ACCEPT);
        req.insecure = endpoint.insecure;
        if let Some(h) = &header {
            req = req.secret_header(AUTHORIZATION, h);
        }
        let mut answer = s
            .net
            .send(&req)
            .await
            .map_err(|e| Failure::net(&e, &image.api_host))?;
        // Some registries and proxies do not implement HEAD on manifests.
        if matches!(
            answer.status,
            StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_IMPLEMENTED
        ) {
            req.method = reqwest::Method::GET;
            answer = s
                .net
                .send(&req)
                .await
                .map_err(|e| Failure::net(&e, &image.api_host))?;
        }
        if answer.status == StatusCode::UNAUTHORIZED && !answered_challenge {
            let new = answer
                .header(WWW_AUTHENTICATE.as_str())
                .map(parse_challenge)
                .unwrap_or(Challenge::None);
            let worth_retrying = match (&new, &challenge) {
                (Challenge::Bearer { .. }, Challenge::None | Challenge::Basic) => true,
                (Challenge::Basic, Challenge::None) => true,
                (
                    Challenge::Bearer { realm, service, .. },
                    Challenge::Bearer {
                        realm: r0,
                        service: s0,
                        ..
                    },
                ) => realm != r0 || service != s0,
                _ => false,
            };
            if worth_retrying {
                answered_challenge = true;
                challenge = new;
                if let Challenge::Bearer { scope: s_, .. } = &mut challenge
                    && s_.is_none()
                {
                    *s_ = Some(scope.clone());
                }
                continue;
            }
            if let Challenge::Bearer { error, .. } = &new {
                auth.insufficient_scope = error.as_deref() == Some("insufficient_scope");
            }
        }
        break answer;
    };

    match answer.status {
        StatusCode::OK => {}
        StatusCode::NOT_FOUND => return Err(not_found(s, image, &endpoint, &auth, &answer).await),
        StatusCode::UNAUTHORIZED => return Err(auth.unauthorized(image, &answer)),
        StatusCode::FORBIDDEN => {
            return Err(Failure::new(
                Status::Forbidden,
                format!(
                    "{} refused to serve `{}` (403 Forbidden){}",
                    image.registry,
                    image.repository,
                    error_suffix(&answer.body)
                ),
            )
            .help(format!(
                "The registry (or a proxy or firewall in front of it) knows who is asking and refuses: grant the identity ({}) pull access to `{}`, or allow the build's network (IP rules, private endpoint).",
                auth.source(), image.repository
            ))
            .http(&answer));
        }
        StatusCode::TOO_MANY_REQUESTS => return Err(rate_limited(image, &answer, &auth)),
        st => return Err(unexpected(image, &answer, st)),
    }

    let media_type = answer
        .header("content-type")
        .map(|m| m.split(';').next().unwrap_or(m).trim().to_string());
    let digest = answer
        .header("docker-content-digest")
        .map(str::to_string)
        .or_else(|| image.digest.clone());
    let is_index = matches!(media_type.as_deref(), Some(OCI_INDEX | DOCKER_LIST));
    if !is_index {
        return Ok(CachedImage {
            digest,
            media_type,
            platforms: Vec::new(),
            platform_found: true,
        });
    }
    // The index body: which platforms it has.
    let header = auth.header_for(s, &endpoint, &challenge, &scope).await?;
    let mut req = Request::get(manifest_url).header(ACCEPT, MANIFEST_ACCEPT);
    req.insecure = endpoint.insecure;
    if let Some(h) = &header {
        req = req.secret_header(AUTHORIZATION, h);
    }
    let body = s
        .net
        .send(&req)
        .await
        .map_err(|e| Failure::net(&e, &image.api_host))?;
    if body.status != StatusCode::OK {
        return Err(unexpected(image, &body, body.status));
    }
    let index: Index = serde_json::from_slice(&body.body).map_err(|e| {
        Failure::new(
            Status::Error,
            format!("the index of `{}` is not valid JSON: {e}", image.full()),
        )
    })?;
    let mut platforms = Vec::new();
    let mut platform_found = false;
    for m in &index.manifests {
        let Some(p) = &m.platform else { continue };
        // Attestation manifests (buildx) are `unknown/unknown`: not a platform.
        if p.os == "unknown" {
            continue;
        }
        let mut name = format!("{}/{}", p.os, p.architecture);
        if let Some(v) = &p.variant {
            name.push('/');
            name.push_str(v);
        }
        if !platforms.contains(&name) {
            platforms.push(name);
        }
        if s.opts
            .platform
            .matches(&p.os, &p.architecture, p.variant.as_deref())
        {
            platform_found = true;
        }
    }
    Ok(CachedImage {
        digest,
        media_type,
        platforms,
        platform_found,
    })
}

#[derive(Deserialize)]
struct Index {
    #[serde(default)]
    manifests: Vec<IndexEntry>,
}

#[derive(Deserialize)]
struct IndexEntry {
    platform: Option<IndexPlatform>,
}

#[derive(Deserialize)]
struct IndexPlatform {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    variant: Option<String>,
}

fn error_suffix(body: &[u8]) -> String {
    let errs = registry_errors(body);
    if errs.is_empty() {
        return String::new();
    }
    let text: Vec<String> = errs
        .iter()
        .map(|e| {
            if e.message.is_empty() {
                e.code.to_ascii_lowercase()
            } else {
                format!("{}: {}", e.code.to_ascii_lowercase(), e.message)
            }
        })
        .collect();
    format!(": {}", text.join("; "))
}

fn rate_limited(image: &Image, answer: &Answer, auth: &Auth) -> Failure {
    let retry = answer
        .header("retry-after")
        .map(|r| format!(" (Retry-After: {r})"))
        .unwrap_or_default();
    let anonymous = auth.found.is_none();
    let help = if image.registry == "docker.io" && anonymous {
        "Docker Hub limits anonymous pulls per IP: log in (`docker login`, or credentials in the build's registry settings), use a mirror or pull-through cache, or retry later.".to_string()
    } else {
        format!(
            "{} limits the request rate: retry later, authenticate to get a higher limit, or use a mirror / pull-through cache.",
            image.registry
        )
    };
    Failure::new(
        Status::RateLimited,
        format!(
            "{} rate-limited the request for `{}` (429 Too Many Requests after {} attempts){retry}",
            image.registry,
            image.full(),
            answer.attempts
        ),
    )
    .help(help)
    .http(answer)
}

fn unexpected(image: &Image, answer: &Answer, st: StatusCode) -> Failure {
    let mut f = Failure::new(
        Status::Error,
        format!(
            "{} answered {} for `{}`{}",
            image.registry,
            st,
            image.full(),
            error_suffix(&answer.body)
        ),
    )
    .http(answer);
    if st.is_server_error() {
        f = f.help(format!(
            "The registry is failing ({st}) after {} attempts: retry later or check its status page.",
            answer.attempts
        ));
    }
    f
}

/// 404 on the manifest: is the tag missing or the whole repository? The tags list tells.
async fn not_found(
    s: &Shared,
    image: &Image,
    endpoint: &Endpoint,
    auth: &Auth,
    answer: &Answer,
) -> Failure {
    let errors = registry_errors(&answer.body);
    let name_unknown = errors.iter().any(|e| e.code == "NAME_UNKNOWN");
    let mut tags = None;
    if !name_unknown
        && let Ok(url) = endpoint
            .base
            .join(&format!("/v2/{}/tags/list?n=1000", image.repository))
    {
        let mut req = Request::get(url);
        req.insecure = endpoint.insecure;
        if let Some(h) = &auth.last_header {
            req = req.secret_header(AUTHORIZATION, h);
        }
        if let Ok(a) = s.net.send(&req).await {
            if a.status == StatusCode::OK {
                #[derive(Deserialize)]
                struct Tags {
                    tags: Option<Vec<String>>,
                }
                if let Ok(t) = serde_json::from_slice::<Tags>(&a.body) {
                    tags = Some(t.tags.unwrap_or_default());
                }
            } else if a.status == StatusCode::NOT_FOUND {
                tags = Some(Vec::new());
            }
        }
    }
    let mut f = match (&image.digest, tags) {
        (_, Some(t)) if t.is_empty() => Failure::new(
            Status::NotFound,
            format!(
                "the repository `{}` does not exist on {}",
                image.repository, image.registry
            ),
        )
        .help(repo_help(image))
        .reason("repository"),
        (Some(d), Some(t)) => Failure::new(
            Status::NotFound,
            format!(
                "`{}` has no manifest {d} (the repository has {} tag{})",
                image.repository,
                t.len(),
                if t.len() == 1 { "" } else { "s" }
            ),
        )
        .help(format!(
            "The digest is not in `{}` (deleted, or from another repository): pin a digest that `{}` has, or a tag.",
            image.repository, image.repository
        ))
        .reason("manifest")
        .with_tags(&t),
        (None, Some(t)) => {
            let wanted = image.tag.as_deref().unwrap_or("latest");
            let ranked = rank_tags(&t, wanted);
            let shown: Vec<&str> = ranked.iter().take(5).map(String::as_str).collect();
            Failure::new(
                Status::NotFound,
                format!(
                    "the tag `{wanted}` of `{}` does not exist on {} (it has {} tag{}: {}{})",
                    image.repository,
                    image.registry,
                    t.len(),
                    if t.len() == 1 { "" } else { "s" },
                    shown.join(", "),
                    if t.len() > shown.len() { ", …" } else { "" }
                ),
            )
            .help(format!(
                "Use a tag that exists, e.g. `{}:{}`.",
                familiar(image),
                ranked.first().map_or("latest", String::as_str)
            ))
            .reason("tag")
            .with_tags(&ranked)
        }
        (_, None) if name_unknown => Failure::new(
            Status::NotFound,
            format!(
                "the repository `{}` does not exist on {}",
                image.repository, image.registry
            ),
        )
        .help(repo_help(image))
        .reason("repository"),
        (_, None) => Failure::new(
            Status::NotFound,
            format!(
                "`{}` does not exist on {} (manifest unknown; the registry does not list tags)",
                image.full(),
                image.registry
            ),
        )
        .help(format!(
            "Check the repository name and the tag of `{}` (a registry UI or `skopeo list-tags docker://{}/{}` shows what exists).",
            familiar(image), image.registry, image.repository
        ))
        .reason("manifest"),
    };
    f.http_status = Some(answer.status.as_u16());
    f.errors = errors.into_iter().map(|e| e.code).collect();
    f
}

impl Failure {
    /// Keeps the closest tags for the details.
    fn with_tags(mut self, ranked: &[String]) -> Failure {
        self.tags = ranked.iter().take(TAGS_SHOWN).cloned().collect();
        self
    }
}

fn repo_help(image: &Image) -> String {
    if image.registry == "docker.io" && !image.repository.contains('/') {
        return format!(
            "Check the spelling of `{}`; official images are `library/NAME`, others `OWNER/NAME`.",
            image.repository
        );
    }
    format!(
        "Check the registry and repository name `{}/{}` (a typo, a wrong organisation, or the repository was deleted or never pushed).",
        image.registry, image.repository
    )
}

fn familiar(image: &Image) -> String {
    if image.registry == "docker.io" {
        image
            .repository
            .strip_prefix("library/")
            .unwrap_or(&image.repository)
            .to_string()
    } else {
        format!("{}/{}", image.registry, image.repository)
    }
}

/// Tags closest to `wanted` first: longest common prefix, then the smallest edit
/// distance, then newest-looking (reverse lexical).
pub fn rank_tags(tags: &[String], wanted: &str) -> Vec<String> {
    let mut scored: Vec<(usize, usize, &String)> = tags
        .iter()
        .map(|t| {
            let prefix = t
                .chars()
                .zip(wanted.chars())
                .take_while(|(a, b)| a == b)
                .count();
            (prefix, levenshtein(t, wanted), t)
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(b.2.cmp(a.2)));
    scored.into_iter().map(|(_, _, t)| t.clone()).collect()
}

pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The ping, once per registry and run.
async fn endpoint(s: &Shared, host: &str) -> Result<Endpoint, Failure> {
    let cell = s.registries.endpoints.cell(host.to_string());
    cell.get_or_init(|| ping(s, host)).await.clone()
}

fn is_insecure(s: &Shared, host: &str) -> bool {
    s.opts
        .insecure_registries
        .iter()
        .any(|h| normalize_registry(h) == normalize_registry(host))
}

async fn ping(s: &Shared, host: &str) -> Result<Endpoint, Failure> {
    let insecure = is_insecure(s, host);
    // docker: HTTPS first; for an insecure registry, unverified HTTPS, then plain HTTP.
    let schemes: &[&str] = if insecure {
        &["https", "http"]
    } else {
        &["https"]
    };
    let mut last_err = None;
    for scheme in schemes {
        let Ok(base) = url::Url::parse(&format!("{scheme}://{host}/")) else {
            return Err(Failure::new(
                Status::Invalid,
                format!("`{host}` is not a valid registry host"),
            ));
        };
        let Ok(url) = base.join("/v2/") else {
            continue;
        };
        let mut req = Request::get(url);
        req.insecure = insecure;
        req.max_body = 1 << 20;
        match s.net.send(&req).await {
            Ok(a) => return classify_ping(host, base, insecure, &a),
            Err(e) => {
                // Plain HTTP is only worth trying when TLS itself failed.
                let tls_or_proto = matches!(e, NetError::Tls { .. } | NetError::Other { .. });
                last_err = Some(e);
                if !tls_or_proto {
                    break;
                }
            }
        }
    }
    let err = last_err.unwrap_or(NetError::Other {
        detail: "no endpoint to try".to_string(),
    });
    Err(Failure::net(&err, host))
}

fn classify_ping(
    host: &str,
    base: url::Url,
    insecure: bool,
    a: &Answer,
) -> Result<Endpoint, Failure> {
    let challenge = match a.status {
        StatusCode::OK => Challenge::None,
        StatusCode::UNAUTHORIZED => a
            .header(WWW_AUTHENTICATE.as_str())
            .map(parse_challenge)
            .unwrap_or(Challenge::Basic),
        StatusCode::FORBIDDEN => {
            return Err(Failure::new(
                Status::Forbidden,
                format!("{host} refused the connection's requests (403 Forbidden on /v2/){}", error_suffix(&a.body)),
            )
            .help(format!(
                "A registry firewall or network rule blocks this client: allow the build's network (IP rules, private endpoint, VNet) on {host}."
            ))
            .http(a));
        }
        StatusCode::TOO_MANY_REQUESTS => {
            return Err(Failure::new(
                Status::RateLimited,
                format!(
                    "{host} rate-limited the request (429 Too Many Requests after {} attempts)",
                    a.attempts
                ),
            )
            .help(format!(
                "{host} limits the request rate: retry later, authenticate, or use a mirror."
            ))
            .http(a));
        }
        StatusCode::NOT_FOUND => {
            return Err(Failure::new(
                Status::Unreachable,
                format!("{host} answers HTTP but has no registry API (404 on /v2/)"),
            )
            .help(format!("Check that `{host}` is a container registry (not its web UI or another service on that port)."))
            .reason("not-a-registry")
            .http(a));
        }
        st => {
            let mut f = Failure::new(
                Status::Error,
                format!("{host} answered {st} on /v2/ after {} attempts", a.attempts),
            )
            .http(a);
            if st.is_server_error() {
                f.status = Status::Error;
                f = f.help(format!(
                    "The registry is failing ({st}): retry later or check its status page."
                ));
            }
            return Err(f);
        }
    };
    Ok(Endpoint {
        base,
        insecure,
        challenge,
    })
}

/// The credentials of one check and what happened with them.
struct Auth {
    found: Option<Found>,
    /// The Authorization header last sent (for the tags list).
    last_header: Option<String>,
    /// The token server accepted the credentials (a token came back for them).
    token_granted: bool,
    insufficient_scope: bool,
    scheme: Option<&'static str>,
}

impl Auth {
    fn new(found: Option<&Found>) -> Auth {
        Auth {
            found: found.cloned(),
            last_header: None,
            token_granted: false,
            insufficient_scope: false,
            scheme: None,
        }
    }

    fn source(&self) -> String {
        self.found
            .as_ref()
            .map_or_else(|| "anonymous".to_string(), |f| f.source.clone())
    }

    /// The Authorization header for `challenge` (None: send nothing).
    async fn header_for(
        &mut self,
        s: &Shared,
        endpoint: &Endpoint,
        challenge: &Challenge,
        scope: &str,
    ) -> Result<Option<String>, Failure> {
        let header = match challenge {
            Challenge::None => None,
            Challenge::Unsupported(scheme) => {
                return Err(Failure::new(
                    Status::Error,
                    format!(
                        "{} asks for `{scheme}` authentication, which registry clients do not speak",
                        host_port(&endpoint.base)
                    ),
                ));
            }
            Challenge::Basic => {
                self.scheme = Some("basic");
                match self.found.as_ref().map(|f| &f.credential) {
                    Some(Credential::Basic { username, password }) => Some(format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD
                            .encode(format!("{username}:{password}"))
                    )),
                    // A refresh token is only good for a token server.
                    Some(Credential::IdentityToken(_)) | None => None,
                }
            }
            Challenge::Bearer {
                realm,
                service,
                scope: challenge_scope,
                ..
            } => {
                self.scheme = Some("bearer");
                let scope = challenge_scope.as_deref().unwrap_or(scope);
                let token = token(s, realm, service.as_deref(), scope, self.found.as_ref()).await?;
                if self.found.is_some() {
                    self.token_granted = true;
                }
                Some(format!("Bearer {token}"))
            }
        };
        self.last_header = header.clone();
        Ok(header)
    }

    /// A 401 on the manifest after authenticating as well as we could.
    fn unauthorized(&self, image: &Image, answer: &Answer) -> Failure {
        let registry = &image.registry;
        let repo = &image.repository;
        let base = match (&self.found, self.scheme) {
            (None, _) => Failure::new(
                Status::Unauthorized,
                format!(
                    "{registry} requires credentials to pull `{repo}` and none are configured for it (401 Unauthorized)"
                ),
            )
            .help(format!(
                "Log in (`docker login {registry}`) or pass `--creds {registry}=USER:PASSWORD` (for the build: the environment's registry credentials). Registries also answer 401 for repositories that do not exist: check the name `{repo}` too."
            ))
            .reason("no-credentials"),
            (Some(f), Some("bearer")) if self.token_granted => Failure::new(
                Status::Unauthorized,
                format!(
                    "the credentials from {} are valid but grant no pull access to `{repo}` on {registry}",
                    f.source
                ),
            )
            .help(format!(
                "Give that identity pull access to `{repo}` (a pull role / repository permission), or use credentials that have it. Registries also answer this for repositories that do not exist: check the name `{repo}`."
            ))
            .reason("no-pull-scope"),
            (Some(f), _) => Failure::new(
                Status::Unauthorized,
                format!(
                    "{registry} rejected the credentials from {} (401 Unauthorized)",
                    f.source
                ),
            )
            .help(format!(
                "Renew the password or token (expired, regenerated or revoked keys) and log in again: `docker login {registry}`."
            ))
            .reason("rejected"),
        };
        base.http(answer)
    }
}

/// A token from the realm, once per (realm, service, scope, credential) and run.
async fn token(
    s: &Shared,
    realm: &url::Url,
    service: Option<&str>,
    scope: &str,
    found: Option<&Found>,
) -> Result<String, Failure> {
    let who = found.map_or("anonymous".to_string(), |f| f.source.clone());
    let key = format!("{realm}\n{}\n{scope}\n{who}", service.unwrap_or(""));
    let cell = s.registries.tokens.cell(key);
    cell.get_or_init(|| fetch_token(s, realm, service, scope, found))
        .await
        .clone()
}

async fn fetch_token(
    s: &Shared,
    realm: &url::Url,
    service: Option<&str>,
    scope: &str,
    found: Option<&Found>,
) -> Result<String, Failure> {
    let realm_host = host_port(realm);
    let insecure = is_insecure(s, &realm_host);
    let mut req = match found.map(|f| &f.credential) {
        Some(Credential::IdentityToken(refresh)) => {
            // OAuth2 refresh-token grant, as docker does with an identity token.
            let mut req = Request::get(realm.clone());
            req.method = reqwest::Method::POST;
            let mut form = vec![
                ("grant_type".to_string(), "refresh_token".to_string()),
                ("refresh_token".to_string(), refresh.clone()),
                ("client_id".to_string(), "buildmedic".to_string()),
                ("scope".to_string(), scope.to_string()),
            ];
            if let Some(svc) = service {
                form.push(("service".to_string(), svc.to_string()));
            }
            req.form = Some(form);
            req
        }
        other => {
            let mut url = realm.clone();
            {
                let mut q = url.query_pairs_mut();
                if let Some(svc) = service {
                    q.append_pair("service", svc);
                }
                q.append_pair("scope", scope);
            }
            let mut req = Request::get(url);
            if let Some(Credential::Basic { username, password }) = other {
                req = req.secret_header(
                    AUTHORIZATION,
                    &format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD
                            .encode(format!("{username}:{password}"))
                    ),
                );
            }
            req
        }
    };
    req.insecure = insecure;
    req.max_body = 1 << 20;
    let answer = s.net.send(&req).await.map_err(|e| {
        let mut f = Failure::net(&e, &realm_host);
        f.message = format!("token server: {}", f.message);
        f
    })?;
    match answer.status {
        StatusCode::OK => {
            #[derive(Deserialize)]
            struct TokenBody {
                token: Option<String>,
                access_token: Option<String>,
            }
            let body: TokenBody = serde_json::from_slice(&answer.body).map_err(|e| {
                Failure::new(
                    Status::Error,
                    format!("the token server {realm_host} sent an answer that is not a token: {e}"),
                )
            })?;
            body.token
                .or(body.access_token)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    Failure::new(
                        Status::Error,
                        format!("the token server {realm_host} sent no token"),
                    )
                })
        }
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN if found.is_some() => {
            let f = found.map(|f| f.source.clone()).unwrap_or_default();
            Err(Failure::new(
                Status::Unauthorized,
                format!(
                    "the token server {realm_host} rejected the credentials from {f} ({}){}",
                    answer.status,
                    token_error_suffix(&answer.body)
                ),
            )
            .help("Renew the password or token (expired, regenerated or revoked) and log in again (`docker login`).".to_string())
            .reason("rejected")
            .http(&answer))
        }
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(Failure::new(
            Status::Unauthorized,
            format!(
                "the token server {realm_host} gives no anonymous tokens ({})",
                answer.status
            ),
        )
        .help("The registry requires a login for every pull: configure credentials (`docker login`, `--creds REGISTRY=USER:PASSWORD`).".to_string())
        .reason("no-credentials")
        .http(&answer)),
        StatusCode::TOO_MANY_REQUESTS => Err(Failure::new(
            Status::RateLimited,
            format!(
                "the token server {realm_host} rate-limited the request (429 after {} attempts)",
                answer.attempts
            ),
        )
        .help("Retry later, or authenticate to get a higher limit.".to_string())
        .http(&answer)),
        st => Err(Failure::new(
            Status::Error,
            format!("the token server {realm_host} answered {st}"),
        )
        .http(&answer)),
    }
}

/// `: details` of a token server's JSON error (`{"details": "..."}` / `{"error": …}`).
fn token_error_suffix(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return String::new();
    };
    for key in ["details", "error_description", "error", "message"] {
        if let Some(t) = v.get(key).and_then(|t| t.as_str()) {
            let t: String = t.chars().take(200).collect();
            return format!(": {t}");
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        let c = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/python:pull""#,
        );
        match c {
            Challenge::Bearer {
                realm,
                service,
                scope,
                error,
            } => {
                assert_eq!(realm.as_str(), "https://auth.docker.io/token");
                assert_eq!(service.as_deref(), Some("registry.docker.io"));
                assert_eq!(scope.as_deref(), Some("repository:library/python:pull"));
                assert_eq!(error, None);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse_challenge(r#"Basic realm="Registry Realm""#),
            Challenge::Basic
        );
        assert!(matches!(
            parse_challenge(r#"Negotiate abc, Basic realm="x""#),
            Challenge::Basic | Challenge::Unsupported(_)
        ));
        assert!(matches!(
            parse_challenge("Digest realm=\"x\", nonce=\"y\""),
            Challenge::Unsupported(_)
        ));
        match parse_challenge(
            r#"Bearer realm="http://127.0.0.1:1/token",service="s",error="insufficient_scope""#,
        ) {
            Challenge::Bearer { error, .. } => {
                assert_eq!(error.as_deref(), Some("insufficient_scope"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn references() {
        let i = parse_image("python:3.11").unwrap();
        assert_eq!(i.registry, "docker.io");
        assert_eq!(i.api_host, "registry-1.docker.io");
        assert_eq!(i.repository, "library/python");
        assert_eq!(i.reference(), "3.11");
        let i = parse_image("127.0.0.1:5000/demo/app").unwrap();
        assert_eq!(i.registry, "127.0.0.1:5000");
        assert_eq!(i.reference(), "latest");
        assert!(parse_image("Python:3").is_err());
        assert!(parse_image("a b").is_err());
    }

    #[test]
    fn tag_ranking() {
        let tags: Vec<String> = ["latest", "3.10", "3.11-slim", "3.11", "2.7"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let r = rank_tags(&tags, "3.11-slm");
        assert_eq!(r[0], "3.11-slim");
        let r = rank_tags(&tags, "3.12");
        assert!(r[0] == "3.11" || r[0] == "3.10", "{r:?}");
    }

    #[test]
    fn error_bodies() {
        let body = br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"2.0"}}]}"#;
        assert_eq!(error_suffix(body), ": manifest_unknown: manifest unknown");
        assert_eq!(error_suffix(b"<html>"), "");
    }
}
