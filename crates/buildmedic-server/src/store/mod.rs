//! The history store: SQLite (default, one file, WAL) or PostgreSQL (several replicas share
//! one history). Both run the same schema and the same queries ([`sql`]); only connection
//! handling and the migration lock differ.
//!
//! Writes go through [`Writer`]: records are grouped into one transaction per batch and each
//! request is acknowledged only after its batch committed, so an acknowledged record
//! survives a crash of the server.

mod pg;
pub mod sql;
mod sqlite;
mod writer;

use std::fmt;

pub use writer::Writer;

/// A diagnosis as stored.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub id: String,
    /// Milliseconds since the Unix epoch.
    pub received_at: i64,
    pub source: String,
    pub status: String,
    /// The primary finding's kind (`None` for a succeeded build).
    pub kind: Option<String>,
    pub title: Option<String>,
    pub confidence: Option<f64>,
    /// The response body: the diagnosis JSON with `id` and `received_at`.
    pub diagnosis: String,
    /// The redacted log (its tail when longer than the cap), gzip-compressed.
    pub log_gz: Option<Vec<u8>>,
    /// Size of the decoded log.
    pub log_bytes: i64,
    /// Input line number of the first stored line.
    pub log_first_line: i64,
    /// Whether the start of the log was dropped because of the cap.
    pub log_truncated: bool,
    /// `(name, value)` entities of the primary finding.
    pub entities: Vec<(String, String)>,
}

/// One row of the history.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Summary {
    pub id: String,
    #[serde(skip)]
    pub received_ms: i64,
    pub received_at: String,
    pub source: String,
    pub status: String,
    pub kind: Option<String>,
    pub title: Option<String>,
    pub confidence: Option<f64>,
}

/// History filters. Times are milliseconds since the epoch; `until` is exclusive.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Continue after this `(received_at, id)`.
    pub cursor: Option<(i64, String)>,
    pub limit: u32,
}

/// The stored log of a diagnosis.
#[derive(Debug, Clone)]
pub struct StoredLog {
    pub gz: Option<Vec<u8>>,
    pub bytes: i64,
    pub first_line: i64,
    pub truncated: bool,
}

/// Raw aggregate rows for `/api/v1/stats`.
#[derive(Debug, Clone, Default)]
pub struct StatsRows {
    /// `(bucket index, kind, count)`.
    pub buckets: Vec<(i64, String, i64)>,
    /// `(status, count)`.
    pub status: Vec<(String, i64)>,
    /// `(kind, count)`, most frequent first.
    pub kinds: Vec<(String, i64)>,
    /// `(entity name, value, count)`, most frequent first.
    pub entities: Vec<(String, String, i64)>,
}

/// Time range and bucketing of a stats query (milliseconds).
#[derive(Debug, Clone, Copy)]
pub struct StatsQuery {
    pub since: i64,
    pub until: i64,
    pub offset: i64,
    pub width: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL (use sqlite://PATH or postgres://...)")]
    BadUrl,
    #[error("database schema version {found} is newer than this buildmedic (knows {known})")]
    TooNew { found: i64, known: i64 },
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("store task failed: {0}")]
    Task(String),
}

/// An open store.
pub enum Store {
    Sqlite(sqlite::SqliteStore),
    Postgres(Box<pg::PgStore>),
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.backend())
    }
}

impl Store {
    /// Opens (and migrates) `sqlite://PATH` or `postgres://…` / `postgresql://…`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(StoreError::BadUrl);
            }
            Ok(Store::Sqlite(sqlite::SqliteStore::open(path).await?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Store::Postgres(Box::new(pg::PgStore::open(url).await?)))
        } else {
            Err(StoreError::BadUrl)
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Inserts the records in one transaction.
    pub async fn insert_batch(&self, records: Vec<NewRecord>) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.insert_batch(records).await,
            Store::Postgres(s) => s.insert_batch(records).await,
        }
    }

    /// The stored response JSON of a diagnosis.
    pub async fn get(&self, id: &str) -> Result<Option<String>, StoreError> {
        match self {
            Store::Sqlite(s) => s.get(id).await,
            Store::Postgres(s) => s.get(id).await,
        }
    }

    pub async fn get_log(&self, id: &str) -> Result<Option<StoredLog>, StoreError> {
        match self {
            Store::Sqlite(s) => s.get_log(id).await,
            Store::Postgres(s) => s.get_log(id).await,
        }
    }

    /// A page of the history, newest first; one row more than `limit` when there is a next
    /// page.
    pub async fn list(&self, filter: &Filter) -> Result<Vec<Summary>, StoreError> {
        let (sql, params) = sql::list_query(filter);
        match self {
            Store::Sqlite(s) => s.list(sql, params).await,
            Store::Postgres(s) => s.list(&sql, &params).await,
        }
    }

    pub async fn stats(&self, q: StatsQuery) -> Result<StatsRows, StoreError> {
        match self {
            Store::Sqlite(s) => s.stats(q).await,
            Store::Postgres(s) => s.stats(q).await,
        }
    }

    /// Deletes the records received before `before` (retention); returns how many.
    pub async fn purge(&self, before: i64) -> Result<u64, StoreError> {
        match self {
            Store::Sqlite(s) => s.purge(before).await,
            Store::Postgres(s) => s.purge(before).await,
        }
    }

    pub async fn count(&self) -> Result<i64, StoreError> {
        match self {
            Store::Sqlite(s) => s.count().await,
            Store::Postgres(s) => s.count().await,
        }
    }
}

/// Formats milliseconds since the epoch as RFC 3339 (UTC, millisecond precision).
pub fn format_ms(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => format!("{t:.3}"),
        Err(_) => ms.to_string(),
    }
}

pub(crate) fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}
