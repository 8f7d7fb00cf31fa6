//! `buildmedic serve`: the HTTP API, the web page and the history store.
//!
//! ```text
//! request ─► axum (timeout, metrics, auth) ─► handler
//!   POST /api/v1/diagnoses: admission (bounded: workers + queue, else 503 Retry-After)
//!     ─► body chunks ─► blocking pool: gzip sniff ─► decoded-size limit ─► Engine::diagnose
//!     ─► record (redacted, compressed log tail) ─► Writer (group commit) ─► 201 after commit
//! ```
//!
//! The knowledge base is compiled once ([`Engine`] shared by every request); diagnoses and
//! lint runs never run on the async runtime, so `/healthz` answers during a burst of large
//! logs. The CLI (`buildmedic serve`) only parses arguments and calls [`run`].

mod api;
mod error;
mod job;
mod lint;
mod metrics;
pub mod store;
mod web;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use buildmedic_engine::Engine;
use tokio::sync::Semaphore;

use crate::store::{Store, Writer};

/// The OpenAPI 3.0 description served at `/api/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("../assets/openapi.json");

/// Settings of one server.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// `sqlite://PATH` or `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`.
    pub db: String,
    /// Bearer token required for writes and history reads.
    pub token: Option<String>,
    /// Largest body accepted, counted on the decoded (gunzipped) bytes too.
    pub max_body: u64,
    pub request_timeout: Duration,
    /// Diagnoses and lint runs at once (threads of the blocking pool).
    pub workers: usize,
    /// Requests admitted beyond the running ones; more get 503 with `Retry-After`.
    pub queue: usize,
    /// Bytes of (the tail of) each log kept in the store; 0 stores no logs.
    pub log_cap: usize,
    /// Records older than this many days are deleted; 0 keeps everything.
    pub retention_days: u32,
    /// Origins allowed by CORS (`*` for any); empty: no CORS headers.
    pub cors_origins: Vec<String>,
    /// Largest number of records per store transaction.
    pub batch: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: "sqlite://buildmedic.db".to_string(),
            token: None,
            max_body: 64 << 20,
            request_timeout: Duration::from_secs(60),
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            queue: 64,
            log_cap: 1 << 20,
            retention_days: 90,
            cors_origins: Vec::new(),
            batch: 256,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot open the store {url}: {source}")]
    Store {
        url: String,
        #[source]
        source: store::StoreError,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

pub(crate) struct AppState {
    pub config: Config,
    pub engine: Arc<Engine>,
    pub store: Arc<Store>,
    pub writer: Writer,
    pub metrics: metrics::Metrics,
    pub admission: Arc<Semaphore>,
    pub running: Arc<Semaphore>,
    pub kinds_json: String,
    pub kind_json: HashMap<String, String>,
    pub started: Instant,
}

/// A running server (see [`start`]).
pub struct Server {
    addr: SocketAddr,
    shutdown: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<Result<(), ServeError>>,
}

impl Server {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets requests in flight finish, writes what was queued.
    pub async fn shutdown(self) -> Result<(), ServeError> {
        let _ = self.shutdown.send(true);
        self.wait().await
    }

    /// Waits until the server stopped.
    pub async fn wait(self) -> Result<(), ServeError> {
        self.task
            .await
            .map_err(|e| ServeError::Serve(std::io::Error::other(e.to_string())))?
    }
}

/// A database URL with its password masked, for messages.
pub fn redact_url(url: &str) -> String {
    buildmedic_redact::redact(url).into_owned()
}

/// Opens the store, binds and serves on the current tokio runtime until [`Server::shutdown`].
pub async fn start(config: Config, engine: Arc<Engine>) -> Result<Server, ServeError> {
    let store = Arc::new(
        Store::open(&config.db)
            .await
            .map_err(|source| ServeError::Store {
                url: redact_url(&config.db),
                source,
            })?,
    );
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(ServeError::Serve)?;
    let metrics = metrics::Metrics::default();
    let commit_metrics = (
        metrics.batch_records.clone(),
        metrics.commit_seconds.clone(),
    );
    let (writer, writer_task) = Writer::start(Arc::clone(&store), config.batch, move |n, took| {
        commit_metrics.0.observe(n as f64);
        commit_metrics.1.observe(took.as_secs_f64());
    });
    let (kinds_json, kind_json) = web::kinds_documents(engine.knowledge_base());
    let workers = config.workers.max(1);
    let state = Arc::new(AppState {
        admission: Arc::new(Semaphore::new(workers + config.queue)),
        running: Arc::new(Semaphore::new(workers)),
        config,
        engine,
        store: Arc::clone(&store),
        writer,
        metrics,
        kinds_json,
        kind_json,
        started: Instant::now(),
    });
    let retention = tokio::spawn(retention_loop(
        Arc::clone(&store),
        state.config.retention_days,
    ));
    let app = api::router(Arc::clone(&state));
    drop(state);
    let (shutdown, mut rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.wait_for(|stop| *stop).await;
            })
            .await;
        retention.abort();
        // The router (and with it the last `Writer`) is gone: the writer drains its queue
        // and ends.
        let _ = tokio::time::timeout(Duration::from_secs(30), writer_task).await;
        served.map_err(ServeError::Serve)
    });
    Ok(Server {
        addr,
        shutdown,
        task,
    })
}

async fn retention_loop(store: Arc<Store>, days: u32) {
    if days == 0 {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let before = store::now_ms() - i64::from(days) * 86_400_000;
        if let Err(e) = store.purge(before).await {
            eprintln!("buildmedic serve: retention: {e}");
        }
    }
}

/// Runs a server until SIGTERM or Ctrl-C: the entry point of `buildmedic serve`.
pub fn run(config: Config, engine: Engine) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.workers.max(1))
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    runtime.block_on(async move {
        let server = start(config.clone(), Arc::new(engine)).await?;
        eprintln!(
            "buildmedic serve: listening on http://{} (store: {})",
            server.addr(),
            redact_url(&config.db)
        );
        terminated().await;
        eprintln!("buildmedic serve: shutting down");
        server.shutdown().await
    })
}

async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
