//! PostgreSQL: a writer connection with its prepared inserts, and a few shared reader
//! connections (tokio-postgres pipelines concurrent queries on one connection). Connections
//! that broke are opened again on next use. Migrations take a transaction-scoped advisory
//! lock so replicas starting together migrate once.
//!
//! Connections are unencrypted (`NoTls`): run the database on the same host or a trusted
//! network.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Mutex;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Statement};

use super::sql::{self, Param};
use super::{NewRecord, StatsQuery, StatsRows, StoreError, StoredLog, Summary, format_ms};

const READERS: usize = 2;
/// Any constant shared by every replica: the key of the migration lock.
const MIGRATION_LOCK: i64 = 0x6275_696c_646d_6564; // "buildmed"

struct WriterConn {
    client: Client,
    insert: Statement,
    entity: Statement,
}

pub struct PgStore {
    config: Config,
    writer: Mutex<Option<WriterConn>>,
    readers: Vec<Mutex<Option<Arc<Client>>>>,
    next: AtomicUsize,
}

async fn connect(config: &Config) -> Result<Client, StoreError> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        // The connection ends when the client is dropped or the server goes away; the
        // next call then reconnects.
        let _ = connection.await;
    });
    Ok(client)
}

async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.execute(sql::CREATE_SCHEMA_TABLE, &[]).await?;
    let current: i64 = tx.query_one(sql::SCHEMA_VERSION, &[]).await?.try_get(0)?;
    let known = sql::MIGRATIONS.len() as i64;
    if current > known {
        return Err(StoreError::TooNew {
            found: current,
            known,
        });
    }
    for (i, statements) in sql::MIGRATIONS.iter().enumerate().skip(current as usize) {
        for s in *statements {
            tx.execute(*s, &[]).await?;
        }
        tx.execute(sql::RECORD_VERSION, &[&(i as i64 + 1), &super::now_ms()])
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

fn summary(r: &tokio_postgres::Row) -> Result<Summary, tokio_postgres::Error> {
    let ms: i64 = r.try_get(1)?;
    Ok(Summary {
        id: r.try_get(0)?,
        received_ms: ms,
        received_at: format_ms(ms),
        source: r.try_get(2)?,
        status: r.try_get(3)?,
        kind: r.try_get(4)?,
        title: r.try_get(5)?,
        confidence: r.try_get(6)?,
    })
}

impl PgStore {
    pub async fn open(url: &str) -> Result<PgStore, StoreError> {
        let config = Config::from_str(url)?;
        let mut client = connect(&config).await?;
        migrate(&mut client).await?;
        drop(client);
        Ok(PgStore {
            config,
            writer: Mutex::new(None),
            readers: (0..READERS).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
        })
    }

    async fn reader(&self) -> Result<Arc<Client>, StoreError> {
        let slot = &self.readers[self.next.fetch_add(1, Ordering::Relaxed) % self.readers.len()];
        let mut guard = slot.lock().await;
        if let Some(c) = guard.as_ref().filter(|c| !c.is_closed()) {
            return Ok(Arc::clone(c));
        }
        let c = Arc::new(connect(&self.config).await?);
        *guard = Some(Arc::clone(&c));
        Ok(c)
    }

    pub async fn insert_batch(&self, records: Vec<NewRecord>) -> Result<(), StoreError> {
        let mut guard = self.writer.lock().await;
        if guard.as_ref().is_none_or(|w| w.client.is_closed()) {
            let client = connect(&self.config).await?;
            let insert = client.prepare(sql::INSERT_DIAGNOSIS).await?;
            let entity = client.prepare(sql::INSERT_ENTITY).await?;
            *guard = Some(WriterConn {
                client,
                insert,
                entity,
            });
        }
        let Some(w) = guard.as_mut() else {
            return Err(StoreError::Task("no writer connection".into()));
        };
        let tx = w.client.transaction().await?;
        // Every insert of the batch is sent before the first answer is awaited (pipelining).
        let mut pending = Vec::new();
        for r in &records {
            let params: Vec<&(dyn ToSql + Sync)> = vec![
                &r.id,
                &r.received_at,
                &r.source,
                &r.status,
                &r.kind,
                &r.title,
                &r.confidence,
                &r.diagnosis,
                &r.log_gz,
                &r.log_bytes,
                &r.log_first_line,
                &r.log_truncated,
            ];
            pending.push(tx.execute_raw(&w.insert, params));
            if let Some(kind) = &r.kind {
                for (name, value) in &r.entities {
                    let params: Vec<&(dyn ToSql + Sync)> =
                        vec![&r.id, &r.received_at, kind, name, value];
                    pending.push(tx.execute_raw(&w.entity, params));
                }
            }
        }
        futures_util::future::try_join_all(pending).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn get(&self, id: &str) -> Result<Option<String>, StoreError> {
        let c = self.reader().await?;
        let row = c.query_opt(sql::GET_DIAGNOSIS, &[&id]).await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    pub async fn get_log(&self, id: &str) -> Result<Option<StoredLog>, StoreError> {
        let c = self.reader().await?;
        let Some(r) = c.query_opt(sql::GET_LOG, &[&id]).await? else {
            return Ok(None);
        };
        Ok(Some(StoredLog {
            gz: r.try_get(0)?,
            bytes: r.try_get(1)?,
            first_line: r.try_get(2)?,
            truncated: r.try_get(3)?,
        }))
    }

    pub async fn list(&self, query: &str, params: &[Param]) -> Result<Vec<Summary>, StoreError> {
        let c = self.reader().await?;
        let bound: Vec<&(dyn ToSql + Sync)> = params
            .iter()
            .map(|p| match p {
                Param::Int(i) => i as &(dyn ToSql + Sync),
                Param::Text(s) => s as &(dyn ToSql + Sync),
            })
            .collect();
        let rows = c.query(query, &bound).await?;
        Ok(rows.iter().map(summary).collect::<Result<_, _>>()?)
    }

    pub async fn stats(&self, q: StatsQuery) -> Result<StatsRows, StoreError> {
        let c = self.reader().await?;
        let range: [&(dyn ToSql + Sync); 2] = [&q.since, &q.until];
        let bucketing: [&(dyn ToSql + Sync); 4] = [&q.offset, &q.width, &q.since, &q.until];
        let (buckets, status, kinds, entities) = tokio::try_join!(
            c.query(sql::STATS_BUCKETS, &bucketing),
            c.query(sql::STATS_STATUS, &range),
            c.query(sql::STATS_KINDS, &range),
            c.query(sql::STATS_ENTITIES, &range),
        )?;
        let mut out = StatsRows::default();
        for r in &buckets {
            out.buckets
                .push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
        for r in &status {
            out.status.push((r.try_get(0)?, r.try_get(1)?));
        }
        for r in &kinds {
            out.kinds.push((r.try_get(0)?, r.try_get(1)?));
        }
        for r in &entities {
            out.entities
                .push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
        Ok(out)
    }

    pub async fn purge(&self, before: i64) -> Result<u64, StoreError> {
        let mut client = connect(&self.config).await?;
        let tx = client.transaction().await?;
        tx.execute(sql::PURGE_ENTITIES, &[&before]).await?;
        let n = tx.execute(sql::PURGE_DIAGNOSES, &[&before]).await?;
        tx.commit().await?;
        Ok(n)
    }

    pub async fn count(&self) -> Result<i64, StoreError> {
        let c = self.reader().await?;
        Ok(c.query_one(sql::COUNT, &[]).await?.try_get(0)?)
    }
}
