//! The schema and every query, shared word for word by the SQLite and PostgreSQL stores.
//!
//! Both backends take `$N` placeholders (SQLite numbers `$N` parameters in the order they
//! first appear, so every statement here introduces them in ascending order), integer
//! division on `BIGINT`, row-value comparisons and `BYTEA`/`BOOLEAN` columns (SQLite gives
//! them NUMERIC affinity and stores blobs and 0/1 as they are). Times are milliseconds since
//! the Unix epoch in `BIGINT` columns, so bucketing is arithmetic, not a dialect's date
//! functions.

/// Schema versions, in order. A version is applied in one transaction and recorded in
/// `buildmedic_schema`; a database with a newer version than this list is refused.
pub const MIGRATIONS: &[&[&str]] = &[&[
    "CREATE TABLE diagnoses (
        id TEXT NOT NULL PRIMARY KEY,
        received_at BIGINT NOT NULL,
        source TEXT NOT NULL,
        status TEXT NOT NULL,
        kind TEXT,
        title TEXT,
        confidence DOUBLE PRECISION,
        diagnosis TEXT NOT NULL,
        log_gz BYTEA,
        log_bytes BIGINT NOT NULL,
        log_first_line BIGINT NOT NULL,
        log_truncated BOOLEAN NOT NULL
    )",
    "CREATE INDEX diagnoses_by_time ON diagnoses (received_at, id)",
    "CREATE INDEX diagnoses_by_kind ON diagnoses (kind, received_at, id)",
    "CREATE TABLE diagnosis_entities (
        diagnosis_id TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL
    )",
    "CREATE INDEX diagnosis_entities_by_time ON diagnosis_entities (received_at)",
    "CREATE INDEX diagnosis_entities_by_id ON diagnosis_entities (diagnosis_id)",
]];

pub const CREATE_SCHEMA_TABLE: &str = "CREATE TABLE IF NOT EXISTS buildmedic_schema (
    version BIGINT NOT NULL PRIMARY KEY,
    applied_at BIGINT NOT NULL
)";
pub const SCHEMA_VERSION: &str = "SELECT COALESCE(MAX(version), 0) FROM buildmedic_schema";
pub const RECORD_VERSION: &str =
    "INSERT INTO buildmedic_schema (version, applied_at) VALUES ($1, $2)";

pub const INSERT_DIAGNOSIS: &str = "INSERT INTO diagnoses (id, received_at, source, status, kind, \
    title, confidence, diagnosis, log_gz, log_bytes, log_first_line, log_truncated) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
pub const INSERT_ENTITY: &str = "INSERT INTO diagnosis_entities (diagnosis_id, received_at, kind, \
    name, value) VALUES ($1, $2, $3, $4, $5)";

pub const GET_DIAGNOSIS: &str = "SELECT diagnosis FROM diagnoses WHERE id = $1";
pub const GET_LOG: &str =
    "SELECT log_gz, log_bytes, log_first_line, log_truncated FROM diagnoses WHERE id = $1";
pub const COUNT: &str = "SELECT COUNT(*) FROM diagnoses";

/// Failed diagnoses per bucket and kind: `$1` shifts the epoch to the bucket origin (weeks
/// start on Monday: 1970-01-01 was a Thursday), `$2` is the bucket width.
pub const STATS_BUCKETS: &str = "SELECT (received_at + $1) / $2 AS bucket, kind, COUNT(*) \
    FROM diagnoses WHERE received_at >= $3 AND received_at < $4 AND status = 'failed' \
    GROUP BY bucket, kind ORDER BY bucket, kind";
pub const STATS_STATUS: &str = "SELECT status, COUNT(*) FROM diagnoses \
    WHERE received_at >= $1 AND received_at < $2 GROUP BY status ORDER BY status";
pub const STATS_KINDS: &str = "SELECT kind, COUNT(*) AS n FROM diagnoses \
    WHERE received_at >= $1 AND received_at < $2 AND status = 'failed' \
    GROUP BY kind ORDER BY n DESC, kind LIMIT 20";
pub const STATS_ENTITIES: &str = "SELECT name, value, COUNT(*) AS n FROM diagnosis_entities \
    WHERE received_at >= $1 AND received_at < $2 \
    GROUP BY name, value ORDER BY n DESC, name, value LIMIT 500";

pub const PURGE_ENTITIES: &str = "DELETE FROM diagnosis_entities WHERE received_at < $1";
pub const PURGE_DIAGNOSES: &str = "DELETE FROM diagnoses WHERE received_at < $1";

/// A bound value of a query built at run time.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Int(i64),
    Text(String),
}

/// The history page: filters become `AND` clauses with numbered placeholders, the cursor is
/// a row-value comparison on the `(received_at, id)` order, newest first.
pub fn list_query(f: &super::Filter) -> (String, Vec<Param>) {
    let mut sql = String::from(
        "SELECT id, received_at, source, status, kind, title, confidence FROM diagnoses WHERE 1 = 1",
    );
    let mut params = Vec::new();
    let mut push = |sql: &mut String, clause: &str, p: Param| {
        params.push(p);
        sql.push_str(&clause.replace('#', &format!("${}", params.len())));
    };
    if let Some(kind) = &f.kind {
        push(&mut sql, " AND kind = #", Param::Text(kind.clone()));
    }
    if let Some(status) = &f.status {
        push(&mut sql, " AND status = #", Param::Text(status.clone()));
    }
    if let Some(since) = f.since {
        push(&mut sql, " AND received_at >= #", Param::Int(since));
    }
    if let Some(until) = f.until {
        push(&mut sql, " AND received_at < #", Param::Int(until));
    }
    if let Some((at, id)) = &f.cursor {
        push(&mut sql, " AND (received_at, id) < (#", Param::Int(*at));
        push(&mut sql, ", #)", Param::Text(id.clone()));
    }
    push(
        &mut sql,
        " ORDER BY received_at DESC, id DESC LIMIT #",
        Param::Int(i64::from(f.limit) + 1),
    );
    (sql, params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_query_numbers_placeholders_in_order() {
        let f = super::super::Filter {
            kind: Some("disk-full".into()),
            status: None,
            since: Some(5),
            until: None,
            cursor: Some((9, "b".into())),
            limit: 10,
        };
        let (sql, params) = list_query(&f);
        assert!(sql.contains("kind = $1"), "{sql}");
        assert!(sql.contains("received_at >= $2"), "{sql}");
        assert!(sql.contains("(received_at, id) < ($3, $4)"), "{sql}");
        assert!(sql.ends_with("LIMIT $5"), "{sql}");
        assert_eq!(params.last(), Some(&Param::Int(11)));
    }
}
