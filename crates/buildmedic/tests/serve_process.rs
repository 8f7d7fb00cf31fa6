//! `buildmedic serve` as a process: SIGKILL during a load run loses no acknowledged record,
//! SIGTERM drains and exits 0, and two replicas on one PostgreSQL share the whole history
//! without duplicates or losses.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serve_support::*;

/// Clients posting until `stop` or until the server is gone; returns the acknowledged ids.
fn load(
    bases: Vec<String>,
    clients: usize,
    stop: Arc<AtomicBool>,
    max_each: usize,
) -> Vec<std::thread::JoinHandle<Vec<String>>> {
    (0..clients)
        .map(|i| {
            let bases = bases.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let a = agent();
                let mut acked = Vec::new();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) && n < max_each {
                    let base = &bases[(i + n) % bases.len()];
                    let log = LOGS[(i + n) % LOGS.len()];
                    match post(
                        &a,
                        &format!("{base}/api/v1/diagnoses?source=client-{i}-{n}"),
                        log.as_bytes(),
                    ) {
                        Some((201, body)) => acked.push(id_of(&body)),
                        Some((503, _)) => std::thread::sleep(Duration::from_millis(5)),
                        Some((status, body)) => panic!("unexpected {status}: {body}"),
                        // The server was killed: what was acknowledged so far counts.
                        None => break,
                    }
                    n += 1;
                }
                acked
            })
        })
        .collect()
}

fn kill9_loses_nothing(db: &str) {
    let mut server = serve(db, &["--workers", "2"]);
    let stop = Arc::new(AtomicBool::new(false));
    let threads = load(vec![server.base.clone()], 8, stop.clone(), usize::MAX);
    std::thread::sleep(Duration::from_millis(1500));
    server.kill9();
    stop.store(true, Ordering::Relaxed);
    let acked: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("client"))
        .collect();
    assert!(
        acked.len() >= 20,
        "too few acknowledged before the kill: {}",
        acked.len()
    );
    let restarted = serve(db, &[]);
    let a = agent();
    for id in &acked {
        let (status, body) = get(&a, &format!("{}/api/v1/diagnoses/{id}", restarted.base));
        assert_eq!(status, 200, "acknowledged {id} lost after SIGKILL");
        assert_eq!(id_of(&body), *id);
    }
    let history: HashSet<String> = history_ids(&restarted.base).into_iter().collect();
    assert!(acked.iter().all(|id| history.contains(id)));
    eprintln!(
        "kill -9: {} acknowledged, {} stored, none lost",
        acked.len(),
        history.len()
    );
}

#[test]
fn sigkill_during_load_loses_no_acknowledged_record_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    kill9_loses_nothing(&format!("sqlite://{}", dir.path().join("h.db").display()));
}

#[test]
fn sigkill_during_load_loses_no_acknowledged_record_postgres() {
    let Some(db) = pg_database("sigkill_postgres") else {
        return;
    };
    kill9_loses_nothing(&db.url);
}

#[test]
fn sigterm_finishes_requests_and_exits_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("h.db").display());
    let mut server = serve(&db, &[]);
    let stop = Arc::new(AtomicBool::new(false));
    let threads = load(vec![server.base.clone()], 4, stop.clone(), usize::MAX);
    std::thread::sleep(Duration::from_millis(800));
    let status = server.terminate();
    stop.store(true, Ordering::Relaxed);
    assert!(
        status.success(),
        "exit status {status:?}: {}",
        server.stderr.lock().unwrap()
    );
    assert!(server.stderr.lock().unwrap().contains("shutting down"));
    let acked: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("client"))
        .collect();
    assert!(!acked.is_empty());
    let restarted = serve(&db, &[]);
    let history: HashSet<String> = history_ids(&restarted.base).into_iter().collect();
    for id in &acked {
        assert!(history.contains(id), "acknowledged {id} lost after SIGTERM");
    }
}

#[test]
fn two_replicas_share_one_postgres_history() {
    let Some(db) = pg_database("two_replicas") else {
        return;
    };
    // Both start at once: the migration runs once under the advisory lock.
    let (r1, r2) = std::thread::scope(|s| {
        let a = s.spawn(|| serve(&db.url, &[]));
        let b = s.spawn(|| serve(&db.url, &[]));
        (a.join().expect("replica 1"), b.join().expect("replica 2"))
    });
    let stop = Arc::new(AtomicBool::new(false));
    let threads = load(vec![r1.base.clone(), r2.base.clone()], 8, stop, 40);
    let acked: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("client"))
        .collect();
    assert_eq!(acked.len(), 8 * 40, "every request is acknowledged");
    let expected: HashSet<&String> = acked.iter().collect();
    assert_eq!(expected.len(), acked.len(), "ids are unique");
    for replica in [&r1, &r2] {
        let ids = history_ids(&replica.base);
        let set: HashSet<&String> = ids.iter().collect();
        assert_eq!(ids.len(), set.len(), "a record listed twice");
        assert_eq!(set, expected, "history differs from what was acknowledged");
    }
    // Each replica serves the records the other one wrote.
    let a = agent();
    for (i, id) in acked.iter().enumerate().step_by(7) {
        let base = if i % 2 == 0 { &r1.base } else { &r2.base };
        assert_eq!(get(&a, &format!("{base}/api/v1/diagnoses/{id}")).0, 200);
    }
}
