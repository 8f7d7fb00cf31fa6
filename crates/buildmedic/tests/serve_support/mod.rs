//! Helpers for the tests that run `buildmedic serve` as a process: start it, find its
//! port, talk HTTP, and get a fresh PostgreSQL database when a server is available.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub const AZUREML_LOG: &str = include_str!("../../../../examples/azureml-build.log");
pub const DISK_FULL_LOG: &str =
    include_str!("../../../../knowledge/disk-full/fixtures/pos-buildkit-pip-errno28.log");
pub const IMAGE_LOG: &str =
    include_str!("../../../../knowledge/image-not-found/fixtures/pos-buildkit-not-found.log");
pub const LOGS: [&str; 3] = [AZUREML_LOG, DISK_FULL_LOG, IMAGE_LOG];

/// Whether services are required (`BUILDMEDIC_REQUIRE_SERVICES=1`, as CI sets it).
pub fn required() -> bool {
    std::env::var("BUILDMEDIC_REQUIRE_SERVICES").as_deref() == Ok("1")
}

/// Skips (with a message) or, when services are required, fails.
pub fn missing(test: &str, what: &str) {
    if required() {
        panic!("{test}: BUILDMEDIC_REQUIRE_SERVICES=1 but {what}");
    }
    eprintln!("{test}: skipped: {what}");
}

pub struct Serve {
    child: Child,
    pub base: String,
    pub stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

/// Starts `buildmedic serve --db DB` on a free loopback port and waits until it listens.
pub fn serve(db: &str, extra: &[&str]) -> Serve {
    let mut child = Command::new(env!("CARGO_BIN_EXE_buildmedic"))
        .args([
            "serve",
            "--no-config",
            "--listen",
            "127.0.0.1:0",
            "--db",
            db,
        ])
        .args(extra)
        .env_remove("BUILDMEDIC_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn buildmedic serve");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    let captured = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = captured.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let addr = rest.split_whitespace().next().unwrap_or("").to_string();
                let _ = tx.send(addr);
            }
            if let Ok(mut s) = sink.lock() {
                s.push_str(&line);
                s.push('\n');
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("server did not start: {}", captured.lock().unwrap()));
    Serve {
        child,
        base: format!("http://{addr}"),
        stderr: captured,
    }
}

impl Serve {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait for the exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let ok = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(ok.success());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "server did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// `(status, body)`, or `None` when the connection failed.
pub fn post(agent: &ureq::Agent, url: &str, body: &[u8]) -> Option<(u16, String)> {
    let mut r = agent
        .post(url)
        .header("Content-Type", "text/plain")
        .send(body)
        .ok()?;
    let status = r.status().as_u16();
    let body = r.body_mut().read_to_string().ok()?;
    Some((status, body))
}

pub fn get(agent: &ureq::Agent, url: &str) -> (u16, String) {
    let mut r = agent.get(url).call().expect("GET");
    let status = r.status().as_u16();
    let body = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .expect("body");
    (status, body)
}

/// Every id of the history, following the cursor.
pub fn history_ids(base: &str) -> Vec<String> {
    let a = agent();
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{base}/api/v1/diagnoses?limit=500&cursor={c}"),
            None => format!("{base}/api/v1/diagnoses?limit=500"),
        };
        let (status, body) = get(&a, &url);
        assert_eq!(status, 200, "{body}");
        let page: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        for item in page["items"].as_array().expect("items") {
            ids.push(item["id"].as_str().expect("id").to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return ids,
        }
    }
}

pub fn id_of(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).expect("JSON");
    v["id"].as_str().expect("id").to_string()
}

/// A database created for one test on the server of `BUILDMEDIC_TEST_PG_URL`, dropped after.
pub struct PgDatabase {
    admin: String,
    name: String,
    pub url: String,
}

pub fn pg_database(test: &str) -> Option<PgDatabase> {
    let Ok(admin) = std::env::var("BUILDMEDIC_TEST_PG_URL") else {
        missing(
            test,
            "no PostgreSQL (BUILDMEDIC_TEST_PG_URL; see scripts/services/postgres.sh)",
        );
        return None;
    };
    let name = format!("bm_{}", uuid::Uuid::now_v7().simple());
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    let url = format!("{base}/{name}");
    pg_exec(&admin, &format!("CREATE DATABASE {name}"));
    Some(PgDatabase { admin, name, url })
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        pg_exec(
            &self.admin,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

fn pg_exec(url: &str, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"));
        let task = tokio::spawn(conn);
        client
            .batch_execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        drop(client);
        let _ = task.await;
    });
}
