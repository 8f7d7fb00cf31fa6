//! Shared test helpers: an in-process server on a loopback port, a small HTTP client, and a
//! fresh PostgreSQL database per test when a server is available.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use buildmedic_engine::Engine;
use buildmedic_server::{Config, Server};

pub const AZUREML_LOG: &str = include_str!("../../../../examples/azureml-build.log");
pub const DISK_FULL_LOG: &str =
    include_str!("../../../../knowledge/disk-full/fixtures/pos-buildkit-pip-errno28.log");
pub const IMAGE_LOG: &str =
    include_str!("../../../../knowledge/image-not-found/fixtures/pos-buildkit-not-found.log");

pub fn engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    Arc::clone(ENGINE.get_or_init(|| Arc::new(Engine::builtin().expect("built-in knowledge base"))))
}

pub struct Resp {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    pub base: String,
    pub token: Option<String>,
}

fn collect(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Resp {
    let mut r = r.unwrap_or_else(|e| panic!("request failed: {e}"));
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let status = r.status().as_u16();
    let body = r
        .body_mut()
        .with_config()
        .limit(256 << 20)
        .read_to_vec()
        .unwrap_or_default();
    Resp {
        status,
        headers,
        body,
    }
}

impl Client {
    pub fn new(base: &str) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Client {
            agent,
            base: base.to_string(),
            token: None,
        }
    }

    pub fn with_token(&self, token: &str) -> Client {
        Client {
            token: Some(token.to_string()),
            ..self.clone()
        }
    }

    fn auth<B>(&self, req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.token {
            Some(t) => req.header("Authorization", format!("Bearer {t}")),
            None => req,
        }
    }

    pub fn get(&self, path: &str) -> Resp {
        self.get_with(path, &[])
    }

    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = self.auth(self.agent.get(format!("{}{path}", self.base)));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        collect(req.call())
    }

    pub fn post(&self, path: &str, body: &[u8]) -> Resp {
        self.post_with(path, &[("Content-Type", "text/plain")], body)
    }

    pub fn post_with(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let mut req = self.auth(self.agent.post(format!("{}{path}", self.base)));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        collect(req.send(body))
    }

    /// `None` when the connection failed (server gone).
    pub fn try_post(&self, path: &str, body: &[u8]) -> Option<Resp> {
        let r = self
            .auth(self.agent.post(format!("{}{path}", self.base)))
            .header("Content-Type", "text/plain")
            .send(body);
        r.is_ok().then(|| collect(r))
    }

    pub fn post_form(&self, path: &str, form: ureq::unversioned::multipart::Form<'_>) -> Resp {
        collect(
            self.auth(self.agent.post(format!("{}{path}", self.base)))
                .send(form),
        )
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        collect(self.agent.run(req.body(()).expect("request")))
    }
}

/// A POST over a raw connection that reads the answer even when the server answers before
/// taking the whole body (401, 413, 503 come early and the server then closes: an ordinary
/// client may only see a broken pipe). Returns `(status, headers+body text)`.
pub fn raw_post(base: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream =
        std::net::TcpStream::connect(base.trim_start_matches("http://")).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut writer = stream.try_clone().expect("clone");
    let body = body.to_vec();
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(head.as_bytes());
        let _ = writer.write_all(&body);
    });
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    let _ = sender.join();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    (status, text)
}

/// A server in this process, on its own runtime; shut down on drop.
pub struct TestServer {
    rt: Option<tokio::runtime::Runtime>,
    server: Option<Server>,
    pub base: String,
    pub db: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// Stops the server; returns the directory of its SQLite file (kept while it lives).
    pub fn shutdown(mut self) -> Option<tempfile::TempDir> {
        self.stop();
        self._dir.take()
    }

    fn stop(&mut self) {
        if let (Some(rt), Some(server)) = (self.rt.as_ref(), self.server.take()) {
            rt.block_on(server.shutdown()).expect("clean shutdown");
        }
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(std::time::Duration::from_secs(5));
        }
    }

    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        self.rt.as_ref().expect("running")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts a server with `config` (its `listen` is replaced by a free loopback port; an empty
/// `db` becomes a fresh SQLite file).
pub fn start(mut config: Config) -> TestServer {
    let mut dir = None;
    if config.db.is_empty() {
        let d = tempfile::tempdir().expect("temp dir");
        config.db = format!("sqlite://{}", d.path().join("history.db").display());
        dir = Some(d);
    }
    config.listen = "127.0.0.1:0".parse().expect("addr");
    let db = config.db.clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = rt
        .block_on(buildmedic_server::start(config, engine()))
        .expect("server starts");
    let base = format!("http://{}", server.addr());
    TestServer {
        rt: Some(rt),
        server: Some(server),
        base,
        db,
        _dir: dir,
    }
}

pub fn sqlite_config() -> Config {
    Config {
        db: String::new(),
        workers: 2,
        ..Config::default()
    }
}

/// `BUILDMEDIC_TEST_PG_URL` (set by scripts/services/postgres.sh), or a skip message; with
/// `BUILDMEDIC_REQUIRE_SERVICES=1` a missing server fails the test.
pub fn pg_admin_url(test: &str) -> Option<String> {
    match std::env::var("BUILDMEDIC_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var("BUILDMEDIC_REQUIRE_SERVICES").as_deref() == Ok("1") {
                panic!(
                    "{test}: BUILDMEDIC_REQUIRE_SERVICES=1 but BUILDMEDIC_TEST_PG_URL is not set (run scripts/services/postgres.sh)"
                );
            }
            eprintln!(
                "{test}: skipped: no PostgreSQL (set BUILDMEDIC_TEST_PG_URL, see scripts/services/postgres.sh)"
            );
            None
        }
    }
}

/// A database created for one test and dropped afterwards.
pub struct PgDatabase {
    admin: String,
    name: String,
    pub url: String,
}

pub fn pg_database(test: &str) -> Option<PgDatabase> {
    let admin = pg_admin_url(test)?;
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

pub fn pg_exec(url: &str, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("connect to {url}: {e}"));
        let task = tokio::spawn(conn);
        client
            .batch_execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        drop(client);
        let _ = task.await;
    });
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip")
}
