//! SQLite: one writer connection, a few reader connections (WAL lets them read while the
//! writer commits), all calls on tokio's blocking pool. `synchronous=FULL`: a committed
//! batch is on disk before it is acknowledged.

use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params, params_from_iter};

use super::sql::{self, Param};
use super::{NewRecord, StatsQuery, StatsRows, StoreError, StoredLog, Summary, format_ms};

const READERS: usize = 4;

pub struct SqliteStore {
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next: std::sync::atomic::AtomicUsize,
}

fn connect(path: &str) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute(sql::CREATE_SCHEMA_TABLE, [])?;
    let current: i64 = tx.query_row(sql::SCHEMA_VERSION, [], |r| r.get(0))?;
    let known = sql::MIGRATIONS.len() as i64;
    if current > known {
        return Err(StoreError::TooNew {
            found: current,
            known,
        });
    }
    for (i, statements) in sql::MIGRATIONS.iter().enumerate().skip(current as usize) {
        for s in *statements {
            tx.execute(s, [])?;
        }
        tx.execute(sql::RECORD_VERSION, params![i as i64 + 1, super::now_ms()])?;
    }
    tx.commit()?;
    Ok(())
}

fn to_value(p: Param) -> rusqlite::types::Value {
    match p {
        Param::Int(i) => rusqlite::types::Value::Integer(i),
        Param::Text(s) => rusqlite::types::Value::Text(s),
    }
}

impl SqliteStore {
    pub async fn open(path: &str) -> Result<SqliteStore, StoreError> {
        let path = path.to_string();
        blocking(move || {
            let mut writer = connect(&path)?;
            migrate(&mut writer)?;
            let mut readers = Vec::with_capacity(READERS);
            for _ in 0..READERS {
                readers.push(Mutex::new(connect(&path)?));
            }
            Ok(SqliteStore {
                writer: Arc::new(Mutex::new(writer)),
                readers: Arc::new(readers),
                next: Default::default(),
            })
        })
        .await
    }

    /// Runs `f` on a reader connection on the blocking pool.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> Result<T, StoreError> {
        let readers = Arc::clone(&self.readers);
        let start = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        blocking(move || {
            // Take a free connection if there is one, else wait for the one in turn.
            let n = readers.len();
            let guard = (0..n)
                .find_map(|k| readers[(start + k) % n].try_lock().ok())
                .map_or_else(|| readers[start % n].lock(), Ok)
                .map_err(|_| StoreError::Task("reader connection poisoned".into()))?;
            Ok(f(&guard)?)
        })
        .await
    }

    pub async fn insert_batch(&self, records: Vec<NewRecord>) -> Result<(), StoreError> {
        let writer = Arc::clone(&self.writer);
        blocking(move || {
            let mut conn = writer
                .lock()
                .map_err(|_| StoreError::Task("writer connection poisoned".into()))?;
            let tx = conn.transaction()?;
            {
                let mut ins = tx.prepare_cached(sql::INSERT_DIAGNOSIS)?;
                let mut ent = tx.prepare_cached(sql::INSERT_ENTITY)?;
                for r in &records {
                    ins.execute(params![
                        r.id,
                        r.received_at,
                        r.source,
                        r.status,
                        r.kind,
                        r.title,
                        r.confidence,
                        r.diagnosis,
                        r.log_gz,
                        r.log_bytes,
                        r.log_first_line,
                        r.log_truncated,
                    ])?;
                    if let Some(kind) = &r.kind {
                        for (name, value) in &r.entities {
                            ent.execute(params![r.id, r.received_at, kind, name, value])?;
                        }
                    }
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub async fn get(&self, id: &str) -> Result<Option<String>, StoreError> {
        let id = id.to_string();
        self.read(move |c| {
            c.prepare_cached(sql::GET_DIAGNOSIS)?
                .query_row([id], |r| r.get(0))
                .optional()
        })
        .await
    }

    pub async fn get_log(&self, id: &str) -> Result<Option<StoredLog>, StoreError> {
        let id = id.to_string();
        self.read(move |c| {
            c.prepare_cached(sql::GET_LOG)?
                .query_row([id], |r| {
                    Ok(StoredLog {
                        gz: r.get(0)?,
                        bytes: r.get(1)?,
                        first_line: r.get(2)?,
                        truncated: r.get(3)?,
                    })
                })
                .optional()
        })
        .await
    }

    pub async fn list(
        &self,
        query: String,
        params: Vec<Param>,
    ) -> Result<Vec<Summary>, StoreError> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&query)?;
            let rows = stmt.query_map(params_from_iter(params.into_iter().map(to_value)), |r| {
                let ms: i64 = r.get(1)?;
                Ok(Summary {
                    id: r.get(0)?,
                    received_ms: ms,
                    received_at: format_ms(ms),
                    source: r.get(2)?,
                    status: r.get(3)?,
                    kind: r.get(4)?,
                    title: r.get(5)?,
                    confidence: r.get(6)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    pub async fn stats(&self, q: StatsQuery) -> Result<StatsRows, StoreError> {
        self.read(move |c| {
            let mut out = StatsRows::default();
            let mut s = c.prepare_cached(sql::STATS_BUCKETS)?;
            out.buckets = s
                .query_map(params![q.offset, q.width, q.since, q.until], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect::<Result<_, _>>()?;
            let mut s = c.prepare_cached(sql::STATS_STATUS)?;
            out.status = s
                .query_map(params![q.since, q.until], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            let mut s = c.prepare_cached(sql::STATS_KINDS)?;
            out.kinds = s
                .query_map(params![q.since, q.until], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            let mut s = c.prepare_cached(sql::STATS_ENTITIES)?;
            out.entities = s
                .query_map(params![q.since, q.until], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect::<Result<_, _>>()?;
            Ok(out)
        })
        .await
    }

    pub async fn purge(&self, before: i64) -> Result<u64, StoreError> {
        let writer = Arc::clone(&self.writer);
        blocking(move || {
            let mut conn = writer
                .lock()
                .map_err(|_| StoreError::Task("writer connection poisoned".into()))?;
            let tx = conn.transaction()?;
            tx.execute(sql::PURGE_ENTITIES, [before])?;
            let n = tx.execute(sql::PURGE_DIAGNOSES, [before])?;
            tx.commit()?;
            Ok(n as u64)
        })
        .await
    }

    pub async fn count(&self) -> Result<i64, StoreError> {
        self.read(|c| c.query_row(sql::COUNT, [], |r| r.get(0)))
            .await
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
}
