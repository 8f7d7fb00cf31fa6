//! buildmedic-preflight: checks facts about the outside world before a build — the image
//! exists in its registry and the credentials pull it, the conda packages are in the listed
//! channels for the environment's Python, the pip requirements have a file for the
//! environment's Python and platform — and tells the failures apart (not found,
//! unauthorized, forbidden, unreachable by DNS / connect / TLS, rate limited).
//!
//! This crate decides; it never prints. [`Preflight::run`] returns a [`PreflightReport`];
//! `buildmedic-render` turns it into text, JSON, Markdown or GitHub annotations.
//!
//! ```no_run
//! use buildmedic_preflight::{Options, Preflight, Targets, ImageTarget};
//! let preflight = Preflight::new(Options::default())?;
//! let report = preflight.run(&Targets {
//!     images: vec![ImageTarget::new("python:3.11-slim")],
//!     ..Targets::default()
//! });
//! # Ok::<(), buildmedic_preflight::SetupError>(())
//! ```
//!
//! One-off checks ([`Preflight::check_image`], [`Preflight::check_conda`],
//! [`Preflight::check_pip`]) return one [`Check`] whose details list what does exist
//! (tags, closest versions, channels that carry a package): what a caller needs to suggest
//! an edit and verify it.
//!
//! Each run owns a tokio runtime; checks run concurrently, with at most
//! [`Options::concurrency`] requests in flight. Answers that are shared (a registry's
//! ping and tokens, a channel's repodata, an index's project page) are fetched once per run.

pub mod cache;
pub mod conda;
pub mod creds;
pub mod definition;
pub(crate) mod fetch;
pub mod http;
pub mod pip;
pub mod platform;
pub mod registry;
pub mod report;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use creds::{Credential, ScopedCredential};
pub use http::SetupError;
pub use platform::TargetPlatform;
pub use report::{
    Check, CheckType, CondaDetails, Details, ImageDetails, JSON_SCHEMA, PipDetails,
    PreflightReport, Source, Specific, Status,
};

/// What one run checks.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    pub images: Vec<ImageTarget>,
    pub conda: Vec<CondaTarget>,
    pub pip: Vec<PipTarget>,
}

impl Targets {
    pub fn len(&self) -> usize {
        self.images.len() + self.conda.len() + self.pip.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An image reference to check (`python:3.11`, `myacr.azurecr.io/base@sha256:...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageTarget {
    pub reference: String,
    pub source: Option<Source>,
    /// Credentials the definition itself names for this image's registry.
    pub credential: Option<Credential>,
}

impl ImageTarget {
    pub fn new(reference: impl Into<String>) -> ImageTarget {
        ImageTarget {
            reference: reference.into(),
            source: None,
            credential: None,
        }
    }
}

/// A conda MatchSpec with the channels and Python of its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CondaTarget {
    /// The spec as written (`numpy>=1.26`, `conda-forge::pandas=2.1`).
    pub spec: String,
    /// The environment's `channels:` (names or URLs, `defaults` allowed), in order. Empty
    /// means `defaults`, as conda does.
    pub channels: Vec<String>,
    /// The environment's Python spec (`3.11`, `>=3.10`), when it pins one.
    pub python: Option<String>,
    pub source: Option<Source>,
}

impl CondaTarget {
    pub fn new(spec: impl Into<String>, channels: Vec<String>) -> CondaTarget {
        CondaTarget {
            spec: spec.into(),
            channels,
            python: None,
            source: None,
        }
    }
}

/// A pip requirement with the index options and Python of its environment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PipTarget {
    /// The requirement as written (`requests>=2.31`, `torch==2.1.0; python_version>"3.8"`).
    pub requirement: String,
    /// `--index-url` given by the definition (requirements file, conda `pip:` section).
    pub index_url: Option<String>,
    /// `--extra-index-url`s given by the definition.
    pub extra_index_urls: Vec<String>,
    /// The environment's Python (`3.11`), when known.
    pub python: Option<String>,
    pub source: Option<Source>,
}

impl PipTarget {
    pub fn new(requirement: impl Into<String>) -> PipTarget {
        PipTarget {
            requirement: requirement.into(),
            ..PipTarget::default()
        }
    }
}

/// Progress of a run, for a progress line. Called from the runtime's threads.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// One progress event.
#[derive(Debug, Clone)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    /// The target that just finished (redacted).
    pub target: String,
}

/// How a run behaves. `Options::default()` is what the CLI uses without flags.
#[derive(Clone)]
pub struct Options {
    /// The platform the build targets (`linux/amd64`): the manifest-list entry to look for,
    /// the conda subdir (`linux-64`), the wheel platform tags.
    pub platform: TargetPlatform,
    /// Python used when a target names none (`3.11`); `None`: no Python check then.
    pub python: Option<String>,
    /// The glibc of the image, for manylinux wheel tags.
    pub glibc: (u16, u16),
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Per-request timeout (connect + answer).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Retries on 429, 5xx and timeouts.
    pub retries: u32,
    /// First backoff; doubled on each retry (capped at 8 s), unless `Retry-After` says.
    pub backoff: Duration,
    /// Answer from the on-disk cache only.
    pub offline: bool,
    /// On-disk cache; `None`: `$BUILDMEDIC_CACHE_DIR`, else `$XDG_CACHE_HOME/buildmedic`,
    /// else `~/.cache/buildmedic`.
    pub cache_dir: Option<PathBuf>,
    /// Registries (`host[:port]`) that may be reached over plain HTTP or unverified TLS.
    pub insecure_registries: Vec<String>,
    /// Extra PEM CA certificates to trust (besides the system store).
    pub ca_certs: Vec<PathBuf>,
    /// Credentials given on the command line (`--creds`), each for one registry.
    pub credentials: Vec<ScopedCredential>,
    /// The docker client configuration directory; `None`: `$DOCKER_CONFIG`, else
    /// `~/.docker`.
    pub docker_config_dir: Option<PathBuf>,
    /// Read credentials from the environment (`BUILDMEDIC_CREDS`, `REGISTRY_AUTH_FILE`) and
    /// the docker configuration.
    pub use_credential_stores: bool,
    pub conda: conda::CondaOptions,
    pub pip: pip::PipOptions,
    pub progress: Option<ProgressFn>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            platform: TargetPlatform::default(),
            python: None,
            glibc: (2, 31),
            concurrency: 16,
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(10),
            retries: 2,
            backoff: Duration::from_millis(500),
            offline: false,
            cache_dir: None,
            insecure_registries: Vec::new(),
            ca_certs: Vec::new(),
            credentials: Vec::new(),
            docker_config_dir: None,
            use_credential_stores: true,
            conda: conda::CondaOptions::default(),
            pip: pip::PipOptions::default(),
            progress: None,
        }
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("platform", &self.platform)
            .field("python", &self.python)
            .field("concurrency", &self.concurrency)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("offline", &self.offline)
            .field("insecure_registries", &self.insecure_registries)
            .field("credentials", &self.credentials.len())
            .finish_non_exhaustive()
    }
}

/// A configured preflight: the HTTP client, the cache, the credential sources and the
/// answers shared between checks of one run.
pub struct Preflight {
    runtime: tokio::runtime::Runtime,
    shared: Arc<Shared>,
}

/// What the checks of a run share.
pub(crate) struct Shared {
    pub opts: Options,
    pub net: http::Net,
    pub cache: cache::Cache,
    pub creds: creds::CredentialStore,
    pub registries: registry::Registries,
    pub channels: conda::Channels,
    pub indexes: pip::Indexes,
    pub notes: std::sync::Mutex<Vec<String>>,
}

impl Shared {
    pub fn note(&self, note: String) {
        if let Ok(mut notes) = self.notes.lock()
            && !notes.contains(&note)
        {
            notes.push(note);
        }
    }
}

impl Preflight {
    pub fn new(opts: Options) -> Result<Preflight, SetupError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| SetupError::Client(format!("cannot start the runtime: {e}")))?;
        let net = http::Net::new(&opts)?;
        let cache = cache::Cache::new(opts.cache_dir.clone());
        let creds = creds::CredentialStore::new(&opts);
        let channels = conda::Channels::new(&opts.conda);
        let indexes = pip::Indexes::new(&opts.pip);
        Ok(Preflight {
            runtime,
            shared: Arc::new(Shared {
                opts,
                net,
                cache,
                creds,
                registries: registry::Registries::default(),
                channels,
                indexes,
                notes: std::sync::Mutex::new(Vec::new()),
            }),
        })
    }

    /// Checks every target concurrently; the report lists the checks in input order
    /// (images, then conda specs, then pip requirements).
    pub fn run(&self, targets: &Targets) -> PreflightReport {
        let shared = self.shared.clone();
        let targets = targets.clone();
        let checks = self.runtime.block_on(async move {
            let total = targets.len();
            let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let mut set = tokio::task::JoinSet::new();
            let mut index = 0usize;
            let spawn =
                |set: &mut tokio::task::JoinSet<(usize, Check)>,
                 i: usize,
                 fut: std::pin::Pin<Box<dyn Future<Output = Check> + Send>>| {
                    let shared = shared.clone();
                    let done = done.clone();
                    set.spawn(async move {
                        let check = fut.await;
                        let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                        if let Some(progress) = &shared.opts.progress {
                            progress(Progress {
                                done: n,
                                total,
                                target: check.target.clone(),
                            });
                        }
                        (i, check)
                    });
                };
            for t in targets.images {
                let s = shared.clone();
                spawn(
                    &mut set,
                    index,
                    Box::pin(async move { registry::check_image(&s, &t).await }),
                );
                index += 1;
            }
            for t in targets.conda {
                let s = shared.clone();
                spawn(
                    &mut set,
                    index,
                    Box::pin(async move { conda::check_conda(&s, &t).await }),
                );
                index += 1;
            }
            for t in targets.pip {
                let s = shared.clone();
                spawn(
                    &mut set,
                    index,
                    Box::pin(async move { pip::check_pip(&s, &t).await }),
                );
                index += 1;
            }
            let mut out: Vec<Option<Check>> = vec![None; index];
            while let Some(joined) = set.join_next().await {
                if let Ok((i, check)) = joined {
                    out[i] = Some(check);
                }
            }
            out.into_iter().flatten().collect::<Vec<_>>()
        });
        let notes = self
            .shared
            .notes
            .lock()
            .map(|n| n.clone())
            .unwrap_or_default();
        PreflightReport {
            checks,
            errors: Vec::new(),
            notes,
        }
    }

    /// Checks one image reference.
    pub fn check_image(&self, target: &ImageTarget) -> Check {
        let shared = self.shared.clone();
        let target = target.clone();
        self.runtime
            .block_on(async move { registry::check_image(&shared, &target).await })
    }

    /// Checks one conda MatchSpec in its channels.
    pub fn check_conda(&self, target: &CondaTarget) -> Check {
        let shared = self.shared.clone();
        let target = target.clone();
        self.runtime
            .block_on(async move { conda::check_conda(&shared, &target).await })
    }

    /// Checks one pip requirement on its indexes.
    pub fn check_pip(&self, target: &PipTarget) -> Check {
        let shared = self.shared.clone();
        let target = target.clone();
        self.runtime
            .block_on(async move { pip::check_pip(&shared, &target).await })
    }

    /// Notes gathered so far (credential helpers that failed, unreadable configuration).
    pub fn notes(&self) -> Vec<String> {
        self.shared
            .notes
            .lock()
            .map(|n| n.clone())
            .unwrap_or_default()
    }
}

/// Answers shared by the checks of a run, each computed once (`cell(key).get_or_init`).
pub(crate) struct OnceMap<T>(
    std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::OnceCell<T>>>>,
);

impl<T> Default for OnceMap<T> {
    fn default() -> OnceMap<T> {
        OnceMap(std::sync::Mutex::new(std::collections::HashMap::new()))
    }
}

impl<T> OnceMap<T> {
    /// The cell of `key` (a poisoned lock only loses the sharing, never the answer).
    pub fn cell(&self, key: String) -> Arc<tokio::sync::OnceCell<T>> {
        match self.0.lock() {
            Ok(mut map) => map.entry(key).or_default().clone(),
            Err(_) => Arc::new(tokio::sync::OnceCell::new()),
        }
    }
}

/// A check with the common fields filled in.
pub(crate) fn check(
    check: CheckType,
    target: &str,
    status: Status,
    kind: Option<&'static str>,
    message: String,
    source: Option<Source>,
    specific: Specific,
) -> Check {
    Check {
        target: buildmedic_redact::redact(target).into_owned(),
        check,
        status,
        kind,
        message: buildmedic_redact::redact(&message).into_owned(),
        details: Details {
            source,
            specific,
            ..Details::default()
        },
    }
}
