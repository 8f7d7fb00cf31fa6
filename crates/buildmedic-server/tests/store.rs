//! The same store tests against SQLite and a real PostgreSQL (skipped with a message when
//! `BUILDMEDIC_TEST_PG_URL` is not set; a failure under `BUILDMEDIC_REQUIRE_SERVICES=1`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use buildmedic_server::store::{Filter, NewRecord, StatsQuery, Store, StoreError};

const DAY: i64 = 86_400_000;
/// 2026-03-02 00:00 UTC, a Monday.
const MONDAY: i64 = 1_772_409_600_000;

fn record(id: &str, at: i64, kind: Option<&str>) -> NewRecord {
    NewRecord {
        id: id.to_string(),
        received_at: at,
        source: format!("src-{id}"),
        status: if kind.is_some() {
            "failed"
        } else {
            "succeeded"
        }
        .to_string(),
        kind: kind.map(str::to_string),
        title: kind.map(|k| format!("title of {k}")),
        confidence: kind.map(|_| 0.75),
        diagnosis: format!("{{\"id\":\"{id}\"}}"),
        log_gz: Some(common::gzip(format!("log of {id}\n").as_bytes())),
        log_bytes: 10,
        log_first_line: 3,
        log_truncated: true,
        entities: vec![
            ("package".to_string(), "numpy".to_string()),
            ("image".to_string(), format!("img-{id}")),
        ],
    }
}

fn id(n: u32) -> String {
    format!("0190a000-0000-7000-8000-{n:012}")
}

fn suite(url: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Store::open(url).await.expect("open");
        // Opening again (a second replica, a restart) does not migrate twice.
        let again = Store::open(url).await.expect("reopen");
        assert_eq!(again.count().await.unwrap(), 0);

        let mut batch = Vec::new();
        for day in 0..10 {
            let kind = match day % 3 {
                0 => Some("disk-full"),
                1 => Some("network-io"),
                _ => None,
            };
            batch.push(record(&id(day), MONDAY + i64::from(day) * DAY + 1000, kind));
        }
        // Two records in the same millisecond: ordered by id.
        batch.push(record(&id(100), MONDAY + 1000, Some("disk-full")));
        store.insert_batch(batch).await.expect("insert");
        assert_eq!(store.count().await.unwrap(), 11);
        // A duplicate id fails the whole batch and writes nothing of it.
        let dup = vec![record(&id(200), MONDAY, None), record(&id(1), MONDAY, None)];
        assert!(store.insert_batch(dup).await.is_err());
        assert_eq!(store.count().await.unwrap(), 11);
        assert!(store.get(&id(200)).await.unwrap().is_none());

        assert_eq!(
            store.get(&id(3)).await.unwrap().as_deref(),
            Some(format!("{{\"id\":\"{}\"}}", id(3)).as_str())
        );
        assert!(store.get(&id(999)).await.unwrap().is_none());
        let log = store.get_log(&id(3)).await.unwrap().unwrap();
        assert_eq!((log.bytes, log.first_line, log.truncated), (10, 3, true));
        assert!(log.gz.is_some());

        // Newest first, paging with the cursor, no record twice.
        let mut seen = Vec::new();
        let mut filter = Filter {
            limit: 4,
            ..Filter::default()
        };
        loop {
            let page = store.list(&filter).await.unwrap();
            let more = page.len() > 4;
            let page: Vec<_> = page.into_iter().take(4).collect();
            seen.extend(page.iter().map(|s| (s.received_ms, s.id.clone())));
            if !more {
                break;
            }
            let last = page.last().unwrap();
            filter.cursor = Some((last.received_ms, last.id.clone()));
        }
        let mut expected = seen.clone();
        expected.sort();
        expected.reverse();
        assert_eq!(seen, expected);
        assert_eq!(seen.len(), 11);
        assert_eq!(seen.last().unwrap().1, id(0));
        assert_eq!(seen[seen.len() - 2].1, id(100));

        let disk = store
            .list(&Filter {
                kind: Some("disk-full".into()),
                limit: 50,
                ..Filter::default()
            })
            .await
            .unwrap();
        assert_eq!(disk.len(), 5);
        assert!(disk.iter().all(|s| s.kind.as_deref() == Some("disk-full")
            && s.title.as_deref() == Some("title of disk-full")));
        assert_eq!(disk[0].confidence, Some(0.75));
        let ok = store
            .list(&Filter {
                status: Some("succeeded".into()),
                limit: 50,
                ..Filter::default()
            })
            .await
            .unwrap();
        assert_eq!(ok.len(), 3);
        assert!(ok.iter().all(|s| s.kind.is_none()));
        let range = store
            .list(&Filter {
                since: Some(MONDAY + 2 * DAY),
                until: Some(MONDAY + 5 * DAY),
                limit: 50,
                ..Filter::default()
            })
            .await
            .unwrap();
        assert_eq!(
            range.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
            [id(4), id(3), id(2)]
        );

        // Day buckets: failures only, per kind.
        let q = StatsQuery {
            since: MONDAY,
            until: MONDAY + 10 * DAY,
            offset: 0,
            width: DAY,
        };
        let st = store.stats(q).await.unwrap();
        let first = MONDAY / DAY;
        assert!(st.buckets.contains(&(first, "disk-full".to_string(), 2)));
        assert!(
            st.buckets
                .contains(&(first + 1, "network-io".to_string(), 1))
        );
        assert!(!st.buckets.iter().any(|(b, _, _)| *b == first + 2));
        assert_eq!(
            st.status,
            [("failed".to_string(), 8), ("succeeded".to_string(), 3)]
        );
        assert_eq!(
            st.kinds,
            [("disk-full".to_string(), 5), ("network-io".to_string(), 3)]
        );
        assert_eq!(
            st.entities[0],
            ("package".to_string(), "numpy".to_string(), 8)
        );
        // Week buckets start on Monday: the ten days are one full week and three days.
        let w = store
            .stats(StatsQuery {
                offset: 3 * DAY,
                width: 7 * DAY,
                ..q
            })
            .await
            .unwrap();
        let weeks: Vec<(i64, i64)> = {
            let mut m = std::collections::BTreeMap::new();
            for (b, _, n) in &w.buckets {
                *m.entry(*b).or_insert(0) += n;
            }
            m.into_iter().collect()
        };
        assert_eq!(weeks.len(), 2);
        assert_eq!(weeks[0].0 * 7 * DAY - 3 * DAY, MONDAY);
        assert_eq!(weeks[0].1 + weeks[1].1, 8);

        // Retention deletes records and their entities.
        let purged = store.purge(MONDAY + 5 * DAY).await.unwrap();
        assert_eq!(purged, 6);
        assert_eq!(store.count().await.unwrap(), 5);
        let st = store.stats(q).await.unwrap();
        assert_eq!(
            st.entities.iter().find(|e| e.0 == "package").map(|e| e.2),
            Some(3)
        );
    });
}

fn refuses_a_newer_schema(url: &str, bump: impl FnOnce()) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async { Store::open(url).await.expect("open") });
    bump();
    let err = rt
        .block_on(Store::open(url))
        .expect_err("newer schema refused");
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
}

#[test]
fn sqlite_store() {
    let dir = tempfile::tempdir().unwrap();
    suite(&format!("sqlite://{}", dir.path().join("h.db").display()));
}

#[test]
fn sqlite_refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    refuses_a_newer_schema(&format!("sqlite://{}", path.display()), || {
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute(
                "INSERT INTO buildmedic_schema (version, applied_at) VALUES (99, 0)",
                [],
            )
            .unwrap();
    });
}

#[test]
fn sqlite_uses_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        Store::open(&format!("sqlite://{}", path.display()))
            .await
            .unwrap()
    });
    let mode: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn postgres_store() {
    let Some(db) = common::pg_database("postgres_store") else {
        return;
    };
    suite(&db.url);
}

#[test]
fn postgres_refuses_a_newer_schema() {
    let Some(db) = common::pg_database("postgres_refuses_a_newer_schema") else {
        return;
    };
    let url = db.url.clone();
    refuses_a_newer_schema(&db.url, || {
        common::pg_exec(
            &url,
            "INSERT INTO buildmedic_schema (version, applied_at) VALUES (99, 0)",
        );
    });
}

#[test]
fn bad_urls_are_refused() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for url in ["mysql://x", "sqlite://", "buildmedic.db"] {
        assert!(
            matches!(rt.block_on(Store::open(url)), Err(StoreError::BadUrl)),
            "{url}"
        );
    }
}
