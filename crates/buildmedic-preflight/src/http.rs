//! The HTTP layer every check uses: one client (rustls with ring, TLS verification on),
//! a bound on requests in flight, per-request timeouts, retries with exponential backoff on
//! 429 / 5xx / timeouts, and errors classified as DNS, connect, TLS or timeout.

use std::error::Error as StdError;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use tokio::sync::Semaphore;

use crate::Options;

/// Why a request got no HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetError {
    /// The host name does not resolve.
    Dns { host: String, detail: String },
    /// TCP connect failed (refused, unreachable, reset during connect).
    Connect { detail: String },
    /// The TLS handshake failed (certificate not trusted, wrong name, protocol).
    Tls { detail: String },
    /// No answer within the timeout.
    Timeout,
    /// Anything else (the connection broke mid-answer, a body that is not what it says).
    Other { detail: String },
}

impl NetError {
    /// `dns`, `connect`, `tls`, `timeout` or `network`.
    pub fn stage(&self) -> &'static str {
        match self {
            NetError::Dns { .. } => "dns",
            NetError::Connect { .. } => "connect",
            NetError::Tls { .. } => "tls",
            NetError::Timeout => "timeout",
            NetError::Other { .. } => "network",
        }
    }

    /// A sentence naming the stage and the host, redacted.
    pub fn describe(&self, host: &str) -> String {
        let text = match self {
            NetError::Dns { host, detail } => {
                format!("the name `{host}` does not resolve (DNS: {detail})")
            }
            NetError::Connect { detail } => format!("cannot connect to {host}: {detail}"),
            NetError::Tls { detail } => format!("the TLS handshake with {host} failed: {detail}"),
            NetError::Timeout => format!("{host} did not answer in time"),
            NetError::Other { detail } => format!("the exchange with {host} failed: {detail}"),
        };
        buildmedic_redact::redact(&text).into_owned()
    }

    fn retryable(&self) -> bool {
        matches!(self, NetError::Timeout | NetError::Other { .. })
    }
}

/// The error a resolver returns, so that classification can tell DNS failures apart.
#[derive(Debug)]
struct DnsFailure {
    host: String,
    source: std::io::Error,
}

impl std::fmt::Display for DnsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.host, self.source)
    }
}

impl StdError for DnsFailure {}

/// getaddrinfo through tokio, with failures marked as [`DnsFailure`].
struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await;
            match found {
                Ok(addrs) => {
                    let addrs: Vec<SocketAddr> = addrs.collect();
                    let iter: Addrs = Box::new(addrs.into_iter());
                    Ok(iter)
                }
                Err(source) => Err(Box::new(DnsFailure {
                    host: host.clone(),
                    source,
                }) as Box<dyn StdError + Send + Sync>),
            }
        })
    }
}

/// Maps a reqwest error to [`NetError`] by walking its sources (and the errors wrapped
/// inside `io::Error`s, which `source()` skips).
fn classify(err: &reqwest::Error) -> NetError {
    let mut stack: Vec<&(dyn StdError + 'static)> = vec![err];
    let mut io_detail = None;
    let mut seen = 0;
    while let Some(e) = stack.pop() {
        seen += 1;
        if seen > 32 {
            break;
        }
        if let Some(dns) = e.downcast_ref::<DnsFailure>() {
            return NetError::Dns {
                host: dns.host.clone(),
                detail: dns_detail(&dns.source),
            };
        }
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return NetError::Tls {
                detail: tls.to_string(),
            };
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io_detail.is_none() && io.get_ref().is_none() {
                io_detail = Some(io_error_text(io));
            }
            if let Some(inner) = io.get_ref() {
                let inner: &(dyn StdError + 'static) = inner;
                stack.push(inner);
                continue;
            }
        }
        if let Some(next) = e.source() {
            stack.push(next);
        }
    }
    if err.is_timeout() {
        return NetError::Timeout;
    }
    if err.is_connect() {
        return NetError::Connect {
            detail: io_detail.unwrap_or_else(|| "connection failed".to_string()),
        };
    }
    NetError::Other {
        detail: io_detail.unwrap_or_else(|| err.without_url_text()),
    }
}

trait WithoutUrlText {
    fn without_url_text(&self) -> String;
}

impl WithoutUrlText for reqwest::Error {
    /// The error text without the URL (which may carry credentials).
    fn without_url_text(&self) -> String {
        let mut text = String::new();
        let mut cur: Option<&(dyn StdError + 'static)> = self.source();
        while let Some(e) = cur {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&e.to_string());
            cur = e.source();
        }
        if text.is_empty() {
            text = "request failed".to_string();
        }
        buildmedic_redact::redact(&text).into_owned()
    }
}

fn io_error_text(io: &std::io::Error) -> String {
    match io.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
        std::io::ErrorKind::ConnectionReset => "connection reset".to_string(),
        std::io::ErrorKind::TimedOut => "connection timed out".to_string(),
        _ => io.to_string(),
    }
}

fn dns_detail(io: &std::io::Error) -> String {
    // getaddrinfo's messages ("failed to lookup address information: Name or service not
    // known") are what people search for; keep them.
    let text = io.to_string();
    text.strip_prefix("failed to lookup address information: ")
        .unwrap_or(&text)
        .to_string()
}

/// An HTTP answer, body read.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The URL after redirects.
    pub url: url::Url,
    /// How many attempts it took.
    pub attempts: u32,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// One request to send (rebuilt for every attempt).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub url: url::Url,
    pub headers: HeaderMap,
    /// `application/x-www-form-urlencoded` body for POST.
    pub form: Option<Vec<(String, String)>>,
    /// Skip TLS verification (only for `--insecure-registry` hosts).
    pub insecure: bool,
    /// Read at most this many bytes of the body (larger bodies are an error).
    pub max_body: usize,
}

impl Request {
    pub fn get(url: url::Url) -> Request {
        Request {
            method: Method::GET,
            url,
            headers: HeaderMap::new(),
            form: None,
            insecure: false,
            max_body: 16 << 20,
        }
    }

    pub fn head(url: url::Url) -> Request {
        Request {
            method: Method::HEAD,
            ..Request::get(url)
        }
    }

    pub fn header(mut self, name: reqwest::header::HeaderName, value: &str) -> Request {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.insert(name, v);
        }
        self
    }

    /// A header whose value is a secret (never logged; marked sensitive for hyper).
    pub fn secret_header(mut self, name: reqwest::header::HeaderName, value: &str) -> Request {
        if let Ok(mut v) = HeaderValue::from_str(value) {
            v.set_sensitive(true);
            self.headers.insert(name, v);
        }
        self
    }
}

/// The shared HTTP machinery of one preflight run.
pub struct Net {
    client: reqwest::Client,
    insecure_client: reqwest::Client,
    limit: Arc<Semaphore>,
    retries: u32,
    backoff: Duration,
    max_backoff: Duration,
}

/// Why the HTTP layer could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("cannot read the CA certificate {path}: {detail}")]
    CaCert { path: String, detail: String },
    #[error("cannot create the HTTP client: {0}")]
    Client(String),
}

impl Net {
    pub fn new(opts: &Options) -> Result<Net, SetupError> {
        // reqwest is built without a default crypto provider: install ring once.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut certs = Vec::new();
        for path in &opts.ca_certs {
            let pem = std::fs::read(path).map_err(|e| SetupError::CaCert {
                path: path.display().to_string(),
                detail: e.to_string(),
            })?;
            let found =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| SetupError::CaCert {
                    path: path.display().to_string(),
                    detail: e.to_string(),
                })?;
            if found.is_empty() {
                return Err(SetupError::CaCert {
                    path: path.display().to_string(),
                    detail: "no PEM certificate in the file".to_string(),
                });
            }
            certs.extend(found);
        }
        let build = |insecure: bool| {
            let mut b = reqwest::Client::builder()
                .user_agent(concat!("buildmedic-preflight/", env!("CARGO_PKG_VERSION")))
                .timeout(opts.timeout)
                .connect_timeout(opts.connect_timeout.min(opts.timeout))
                .dns_resolver(Arc::new(SystemResolver))
                .redirect(reqwest::redirect::Policy::limited(10));
            for c in &certs {
                b = b.add_root_certificate(c.clone());
            }
            if insecure {
                b = b.danger_accept_invalid_certs(true);
            }
            b.build().map_err(|e| SetupError::Client(e.to_string()))
        };
        Ok(Net {
            client: build(false)?,
            insecure_client: build(true)?,
            limit: Arc::new(Semaphore::new(opts.concurrency.max(1))),
            retries: opts.retries,
            backoff: opts.backoff,
            max_backoff: Duration::from_secs(8).max(opts.backoff),
        })
    }

    /// Sends `req`, retrying 429, 5xx and timeouts with exponential backoff (honouring
    /// `Retry-After` up to a cap). Other statuses are returned as answers.
    pub async fn send(&self, req: &Request) -> Result<Answer, NetError> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let result = self.send_once(req).await;
            let last = attempt > self.retries;
            match result {
                Ok(mut answer) => {
                    let retry = answer.status == StatusCode::TOO_MANY_REQUESTS
                        || matches!(answer.status.as_u16(), 500 | 502 | 503 | 504);
                    if !retry || last {
                        answer.attempts = attempt;
                        return Ok(answer);
                    }
                    let wait = retry_after(&answer.headers)
                        .unwrap_or_else(|| self.backoff_for(attempt))
                        .min(self.max_backoff);
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    if !e.retryable() || last {
                        return Err(e);
                    }
                    tokio::time::sleep(self.backoff_for(attempt)).await;
                }
            }
        }
    }

    fn backoff_for(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(6);
        (self.backoff * factor).min(self.max_backoff)
    }

    async fn send_once(&self, req: &Request) -> Result<Answer, NetError> {
        let _permit = self.limit.acquire().await.map_err(|_| NetError::Other {
            detail: "the run was cancelled".to_string(),
        })?;
        let client = if req.insecure {
            &self.insecure_client
        } else {
            &self.client
        };
        let mut builder = client
            .request(req.method.clone(), req.url.clone())
            .headers(req.headers.clone());
        if let Some(form) = &req.form {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form.iter())
                .finish();
            builder = builder
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(body);
        }
        let mut resp = builder.send().await.map_err(|e| classify(&e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let final_url = resp.url().clone();
        let mut body = Vec::new();
        if req.method != Method::HEAD {
            while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&e))? {
                if body.len() + chunk.len() > req.max_body {
                    return Err(NetError::Other {
                        detail: format!("the answer is larger than {} bytes", req.max_body),
                    });
                }
                body.extend_from_slice(&chunk);
            }
        }
        Ok(Answer {
            status,
            headers,
            body,
            url: final_url,
            attempts: 1,
        })
    }
}

/// `Retry-After` in seconds (the HTTP-date form is rare on registries; ignored).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// A URL for output: credentials removed, query dropped, then redacted.
pub fn display_url(url: &url::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    buildmedic_redact::redact(u.as_str()).into_owned()
}

/// `host[:port]` of a URL.
pub fn host_port(url: &url::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}
