//! Every endpoint of `buildmedic serve`, over real HTTP on a loopback port (SQLite store).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use buildmedic_server::Config;
use common::*;
use ureq::unversioned::multipart::{Form, Part};

fn post_log(c: &Client, source: &str, log: &str) -> serde_json::Value {
    let r = c.post(
        &format!("/api/v1/diagnoses?source={source}"),
        log.as_bytes(),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

#[test]
fn post_returns_the_cli_contract_plus_id_and_stores_it() {
    let s = start(sqlite_config());
    let c = s.client();
    let r = c.post(
        "/api/v1/diagnoses?source=azureml.log",
        AZUREML_LOG.as_bytes(),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body = r.json();
    let id = body["id"].as_str().expect("id").to_string();
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/diagnoses/{id}").as_str())
    );
    assert!(body["received_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["findings"][0]["kind"], "incompatible-python");
    assert_eq!(body["source"], "azureml.log");

    // The same JSON as `buildmedic diagnose --format json`, with two fields added.
    let cli: serde_json::Value = serde_json::from_str(&buildmedic_render::diagnosis::json(
        &engine().diagnose_bytes(AZUREML_LOG.as_bytes(), "azureml.log"),
    ))
    .unwrap();
    let mut without = body.clone();
    without.as_object_mut().unwrap().remove("id");
    without.as_object_mut().unwrap().remove("received_at");
    assert_eq!(without, cli);

    // GET returns exactly what POST answered.
    let g = c.get(&format!("/api/v1/diagnoses/{id}"));
    assert_eq!(g.status, 200);
    assert_eq!(g.body, r.body);
}

#[test]
fn gzip_bodies_are_recognised_with_or_without_content_encoding() {
    let s = start(sqlite_config());
    let c = s.client();
    let gz = gzip(DISK_FULL_LOG.as_bytes());
    for headers in [
        vec![("Content-Type", "application/gzip")],
        vec![("Content-Type", "text/plain"), ("Content-Encoding", "gzip")],
    ] {
        let r = c.post_with("/api/v1/diagnoses", &headers, &gz);
        assert_eq!(r.status, 201, "{}", r.text());
        assert_eq!(r.json()["findings"][0]["kind"], "disk-full");
        assert_eq!(r.json()["source"], "-");
    }
    let r = c.post_with(
        "/api/v1/diagnoses",
        &[("Content-Encoding", "br")],
        DISK_FULL_LOG.as_bytes(),
    );
    assert_eq!(r.status, 415);
    assert_eq!(r.json()["error"]["code"], "unsupported-encoding");
}

#[test]
fn size_limit_holds_for_raw_chunked_and_decoded_bodies() {
    let s = start(Config {
        max_body: 1 << 20,
        ..sqlite_config()
    });
    let c = s.client();
    // A gzip bomb: 20 KB on the wire, 64 MB decoded.
    let bomb = gzip(&vec![b'x'; 64 << 20]);
    assert!(bomb.len() < 200_000);
    let (status, text) = raw_post(
        &s.base,
        "/api/v1/diagnoses",
        &[("Content-Type", "application/gzip")],
        &bomb,
    );
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("\"too-large\""), "{text}");
    // Plain body over the limit (Content-Length known).
    let (status, _) = raw_post(
        &s.base,
        "/api/v1/diagnoses",
        &[],
        &vec![b'y'; (1 << 20) + 1],
    );
    assert_eq!(status, 413);
    // Chunked body over the limit (no Content-Length).
    let big = vec![b'z'; 3 << 20];
    let resp = raw_request(
        &s.base,
        "POST /api/v1/diagnoses HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        &chunked(&big),
    );
    assert!(resp.starts_with("HTTP/1.1 413"), "{resp}");
    // Exactly at the limit is accepted.
    let r = c.post("/api/v1/diagnoses", &vec![b'y'; 1 << 20]);
    assert_eq!(r.status, 201, "{}", r.text());
    // Nothing over the limit was stored.
    assert_eq!(
        c.get("/api/v1/diagnoses").json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

fn chunked(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in data.chunks(64 << 10) {
        out.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        out.extend_from_slice(part);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

fn raw_request(base: &str, head: &str, body: &[u8]) -> String {
    let mut stream = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(body);
    let mut out = String::new();
    let _ = stream.read_to_string(&mut out);
    out
}

#[test]
fn stored_logs_are_redacted_and_capped() {
    let s = start(Config {
        log_cap: 1500,
        ..sqlite_config()
    });
    let c = s.client();
    assert!(AZUREML_LOG.contains("hunter2"));
    let d = post_log(&c, "a", AZUREML_LOG);
    let log = c.get(&format!(
        "/api/v1/diagnoses/{}/log",
        d["id"].as_str().unwrap()
    ));
    assert_eq!(log.status, 200);
    let text = log.text();
    assert!(text.len() <= 1500, "{}", text.len());
    assert_eq!(log.header("x-log-truncated"), Some("true"));
    assert_eq!(
        log.header("x-log-bytes"),
        Some(AZUREML_LOG.len().to_string().as_str())
    );
    // The stored tail starts at the line the header names.
    let first: usize = log.header("x-log-first-line").unwrap().parse().unwrap();
    let expected: Vec<&str> = AZUREML_LOG.lines().skip(first - 1).collect();
    assert_eq!(text.lines().collect::<Vec<_>>(), expected);
    assert!(
        AZUREML_LOG.ends_with(expected.last().unwrap())
            || AZUREML_LOG.trim_end().ends_with(expected.last().unwrap())
    );

    // Whole log stored when it fits: every line, the password masked.
    let s2 = start(sqlite_config());
    let c2 = s2.client();
    let d = post_log(&c2, "a", AZUREML_LOG);
    let log = c2.get(&format!(
        "/api/v1/diagnoses/{}/log",
        d["id"].as_str().unwrap()
    ));
    assert_eq!(log.header("x-log-first-line"), Some("1"));
    assert_eq!(log.header("x-log-truncated"), Some("false"));
    let text = log.text();
    assert_eq!(text.lines().count(), AZUREML_LOG.lines().count());
    assert!(!text.contains("hunter2"), "password stored");
    assert!(text.contains("https://build:***@pkgs.contoso.example/simple/"));
    assert!(
        !c2.get(&format!("/api/v1/diagnoses/{}", d["id"].as_str().unwrap()))
            .text()
            .contains("hunter2")
    );

    // --log-cap 0 keeps no log.
    let s3 = start(Config {
        log_cap: 0,
        ..sqlite_config()
    });
    let d = post_log(&s3.client(), "a", AZUREML_LOG);
    let r = s3.client().get(&format!(
        "/api/v1/diagnoses/{}/log",
        d["id"].as_str().unwrap()
    ));
    assert_eq!(r.status, 404);
}

#[test]
fn history_is_newest_first_with_cursor_paging_and_filters() {
    let s = start(sqlite_config());
    let c = s.client();
    let mut ids = Vec::new();
    for (i, log) in [
        AZUREML_LOG,
        DISK_FULL_LOG,
        IMAGE_LOG,
        DISK_FULL_LOG,
        AZUREML_LOG,
    ]
    .iter()
    .enumerate()
    {
        ids.push(
            post_log(&c, &format!("build-{i}"), log)["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let all = c.get("/api/v1/diagnoses").json();
    let listed: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(listed, newest_first);
    assert!(all["next_cursor"].is_null());
    assert_eq!(all["items"][0]["source"], "build-4");
    assert_eq!(all["items"][0]["kind"], "incompatible-python");
    assert!(all["items"][0]["title"].is_string());

    // Paging by two: every record once, in order.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/diagnoses?limit=2&cursor={c}"),
            None => "/api/v1/diagnoses?limit=2".to_string(),
        };
        let page = c.get(&path).json();
        for i in page["items"].as_array().unwrap() {
            paged.push(i["id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(paged, newest_first);

    let disk = c.get("/api/v1/diagnoses?kind=disk-full").json();
    let kinds: Vec<&str> = disk["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["disk-full", "disk-full"]);
    assert_eq!(
        c.get("/api/v1/diagnoses?status=succeeded").json()["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        c.get("/api/v1/diagnoses?status=failed").json()["items"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    assert_eq!(
        c.get("/api/v1/diagnoses?until=2000-01-01").json()["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        c.get("/api/v1/diagnoses?since=2000-01-01T00:00:00Z").json()["items"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    assert_eq!(
        c.get("/api/v1/diagnoses?since=2999-01-01").json()["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    for bad in [
        "limit=0",
        "limit=501",
        "limit=x",
        "cursor=nope",
        "since=yesterday",
        "status=x",
        "kind=a%20b",
    ] {
        let r = c.get(&format!("/api/v1/diagnoses?{bad}"));
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
        assert!(r.json()["error"]["code"].is_string());
    }
}

#[test]
fn unknown_ids_and_bad_sources_are_clear_errors() {
    let s = start(sqlite_config());
    let c = s.client();
    assert_eq!(
        c.get("/api/v1/diagnoses/0190a000-0000-7000-8000-000000000000")
            .status,
        404
    );
    assert_eq!(
        c.get("/api/v1/diagnoses/..%2F..%2Fetc%2Fpasswd").status,
        404
    );
    assert_eq!(c.get("/api/v1/diagnoses/nope/log").status, 404);
    assert_eq!(c.get("/api/v1/nothing-here").status, 404);
    let r = c.post("/api/v1/diagnoses", b"");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "empty");
    let r = c.post("/api/v1/diagnoses?source=a%0Ab", b"x");
    assert_eq!(r.status, 400);
    let long = "s".repeat(2000);
    assert_eq!(
        c.post(&format!("/api/v1/diagnoses?source={long}"), b"x")
            .status,
        400
    );
    // A secret in the source name is masked like everything else.
    let d = post_log(
        &c,
        "https%3A%2F%2Fci%3Atopsecret%40ci.example%2Fjob",
        DISK_FULL_LOG,
    );
    assert_eq!(d["source"], "https://ci:***@ci.example/job");
}

#[test]
fn token_guards_writes_and_history_only() {
    let s = start(Config {
        token: Some("s3cret-token".into()),
        ..sqlite_config()
    });
    let anon = s.client();
    let (status, text) = raw_post(&s.base, "/api/v1/diagnoses", &[], DISK_FULL_LOG.as_bytes());
    assert_eq!(status, 401);
    assert!(
        text.contains("www-authenticate: Bearer realm=\"buildmedic\""),
        "{text}"
    );
    assert_eq!(anon.get("/api/v1/diagnoses").status, 401);
    assert_eq!(anon.get("/api/v1/stats").status, 401);
    assert_eq!(
        anon.with_token("wrong").get("/api/v1/diagnoses").status,
        401
    );
    let (status, _) = raw_post(
        &s.base,
        "/api/v1/lint",
        &[("Content-Type", "multipart/form-data; boundary=x")],
        b"--x--\r\n",
    );
    assert_eq!(status, 401);
    for open in [
        "/healthz",
        "/metrics",
        "/api/v1/kinds",
        "/api/v1/kinds/disk-full",
        "/api/v1/openapi.json",
        "/",
    ] {
        assert_eq!(anon.get(open).status, 200, "{open}");
    }
    let authed = anon.with_token("s3cret-token");
    let d = post_log(&authed, "x", DISK_FULL_LOG);
    let id = d["id"].as_str().unwrap();
    assert_eq!(authed.get(&format!("/api/v1/diagnoses/{id}")).status, 200);
    assert_eq!(anon.get(&format!("/api/v1/diagnoses/{id}")).status, 401);
    assert_eq!(
        authed.get("/api/v1/diagnoses").json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn kinds_come_from_the_knowledge_base() {
    let s = start(sqlite_config());
    let c = s.client();
    let kinds = c.get("/api/v1/kinds").json();
    let list = kinds["kinds"].as_array().unwrap();
    let kb = engine();
    assert_eq!(list.len(), kb.knowledge_base().len());
    assert!(
        list.iter()
            .any(|k| k["kind"] == "disk-full" && k["title"].is_string())
    );
    let k = c.get("/api/v1/kinds/disk-full").json();
    let entry = kb.knowledge_base().get("disk-full").unwrap();
    assert_eq!(k["title"], entry.title.as_str());
    assert_eq!(k["fix"].as_array().unwrap().len(), entry.fix.len());
    assert_eq!(
        k["signatures"].as_array().unwrap().len(),
        entry.signatures.len()
    );
    let r = c.get("/api/v1/kinds/no-such-kind");
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], "not-found");
}

#[test]
fn stats_count_failures_per_kind_and_bucket() {
    let s = start(sqlite_config());
    let c = s.client();
    post_log(&c, "a", AZUREML_LOG);
    post_log(&c, "b", AZUREML_LOG);
    post_log(&c, "c", DISK_FULL_LOG);
    let st = c.get("/api/v1/stats?bucket=day").json();
    assert_eq!(st["bucket"], "day");
    assert_eq!(st["failed"], 3);
    assert_eq!(st["total"], 3);
    let series = st["series"].as_array().unwrap();
    assert!(series.len() >= 30 && series.len() <= 32, "{}", series.len());
    let today = series.last().unwrap();
    assert_eq!(today["failed"], 3);
    assert_eq!(today["counts"]["incompatible-python"], 2);
    assert_eq!(today["counts"]["disk-full"], 1);
    assert!(today["start"].as_str().unwrap().ends_with("T00:00:00.000Z"));
    assert_eq!(st["top_kinds"][0]["kind"], "incompatible-python");
    assert_eq!(st["top_kinds"][0]["count"], 2);
    assert!(
        st["top_entities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "package"
                && e["value"] == "contoso-featurizer"
                && e["count"] == 2)
    );

    let week = c.get("/api/v1/stats?bucket=week&since=2020-01-01").json();
    let weeks = week["series"].as_array().unwrap();
    assert_eq!(weeks.last().unwrap()["failed"], 3);
    // Weeks start on Monday.
    let start = weeks[0]["start"].as_str().unwrap();
    let date: jiff::civil::Date = start[..10].parse().unwrap();
    assert_eq!(date.weekday(), jiff::civil::Weekday::Monday);
    assert_eq!(c.get("/api/v1/stats?until=2000-01-01").json()["failed"], 0);
    for bad in [
        "bucket=month",
        "since=2030-01-01&until=2020-01-01",
        "since=1900-01-01",
        "since=x",
    ] {
        assert_eq!(c.get(&format!("/api/v1/stats?{bad}")).status, 400, "{bad}");
    }
}

#[test]
fn lint_takes_multipart_files_and_keeps_to_them() {
    let s = start(sqlite_config());
    let c = s.client();
    let env = "$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: demo\nimage: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04\nconda_file: conda.yml\n";
    let conda = "name: demo\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.10\n  - pip\n  - pip:\n    - numpy=1.26\n";
    let form = Form::new()
        .part(
            "file",
            Part::bytes(env.as_bytes()).file_name("env/environment.yml"),
        )
        .part(
            "file",
            Part::bytes(conda.as_bytes()).file_name("env/conda.yml"),
        );
    let r = c.post_form("/api/v1/lint?today=2026-01-01", form);
    assert_eq!(r.status, 200, "{}", r.text());
    let report = r.json();
    assert_eq!(report["schema"], "buildmedic.lint/v1");
    let files: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(files, ["env/environment.yml", "env/conda.yml"]);
    // `numpy=1.26` in a pip section is an invalid operator.
    assert!(
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["check"] == "pip-invalid-operator" && d["file"] == "env/conda.yml")
    );
    assert!(
        !r.text().contains("/tmp"),
        "temporary path leaked: {}",
        r.text()
    );

    let bad_name = Form::new().part("file", Part::bytes(b"x").file_name("../../etc/passwd"));
    let r = c.post_form("/api/v1/lint", bad_name);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "bad-file-name");
    let escape = Form::new().part(
        "file",
        Part::bytes(b"name: x\nimage: a/b:1\nconda_file: /etc/passwd\n")
            .file_name("environment.yml"),
    );
    let r = c.post_form("/api/v1/lint", escape);
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "bad-upload");
    let empty = Form::new().text("note", "no files");
    assert_eq!(c.post_form("/api/v1/lint", empty).status, 400);
    let r = c.post("/api/v1/lint", b"not multipart");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "bad-multipart");
}

#[test]
fn healthz_and_metrics() {
    let s = start(sqlite_config());
    let c = s.client();
    let h = c.get("/healthz");
    assert_eq!(h.status, 200);
    assert_eq!(h.json()["status"], "ok");
    assert_eq!(h.json()["store"], "sqlite");
    post_log(&c, "a", AZUREML_LOG);
    let m = c.get("/metrics");
    assert_eq!(m.status, 200);
    assert!(
        m.header("content-type")
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = m.text();
    assert!(
        text.contains(
            "buildmedic_diagnoses_total{kind=\"incompatible-python\",status=\"failed\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("buildmedic_http_requests_total{method=\"POST\",route=\"/api/v1/diagnoses\",status=\"201\"} 1"), "{text}");
    assert!(
        text.contains("buildmedic_http_request_duration_seconds_bucket{le="),
        "{text}"
    );
    assert!(
        text.contains("buildmedic_store_batch_records_count"),
        "{text}"
    );
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        assert!(line.starts_with("buildmedic_"), "{line}");
    }
}

#[test]
fn full_queue_answers_503_and_healthz_stays_up() {
    let s = start(Config {
        workers: 1,
        queue: 0,
        request_timeout: Duration::from_secs(30),
        ..sqlite_config()
    });
    let c = s.client();
    // Hold the only slot: a chunked upload that has not finished. Wait until the server
    // counts it in flight (on a loaded machine another request may win the slot first).
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut slow = loop {
        let mut slow = TcpStream::connect(s.base.trim_start_matches("http://")).unwrap();
        slow.write_all(b"POST /api/v1/diagnoses HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n").unwrap();
        let held = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            c.get("/healthz").json()["in_flight"] == 1
        });
        if held {
            break slow;
        }
        assert!(
            Instant::now() < deadline,
            "the slow upload never held the slot"
        );
    };
    let (status, busy) = raw_post(&s.base, "/api/v1/diagnoses", &[], DISK_FULL_LOG.as_bytes());
    assert_eq!(status, 503, "{busy}");
    assert!(busy.contains("retry-after: 1\r\n"), "{busy}");
    assert!(busy.contains("\"busy\""), "{busy}");
    let t = Instant::now();
    let h = c.get("/healthz");
    assert_eq!(h.status, 200);
    assert_eq!(h.json()["in_flight"], 1);
    assert!(t.elapsed() < Duration::from_secs(2));
    // Finish the held upload: it is diagnosed and the slot is free again.
    slow.write_all(b"0\r\n\r\n").unwrap();
    let mut buf = [0u8; 12];
    slow.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"HTTP/1.1 201");
    let after = c.post("/api/v1/diagnoses", DISK_FULL_LOG.as_bytes());
    assert_eq!(after.status, 201);
    assert!(
        c.get("/metrics")
            .text()
            .contains("buildmedic_rejected_requests_total{reason=\"queue-full\"}")
    );
}

#[test]
fn slow_requests_time_out() {
    let s = start(Config {
        request_timeout: Duration::from_secs(1),
        ..sqlite_config()
    });
    let started = Instant::now();
    let mut slow = TcpStream::connect(s.base.trim_start_matches("http://")).unwrap();
    slow.write_all(b"POST /api/v1/diagnoses HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        .unwrap();
    let mut out = String::new();
    let mut buf = [0u8; 4096];
    let n = slow.read(&mut buf).unwrap();
    out.push_str(&String::from_utf8_lossy(&buf[..n]));
    assert!(out.starts_with("HTTP/1.1 503"), "{out}");
    assert!(out.contains("\"timeout\""), "{out}");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn cors_is_off_unless_configured() {
    let s = start(sqlite_config());
    let r = s
        .client()
        .get_with("/api/v1/kinds", &[("Origin", "http://elsewhere.test")]);
    assert_eq!(r.status, 200);
    assert!(r.header("access-control-allow-origin").is_none());

    let s = start(Config {
        cors_origins: vec!["http://dash.test".into()],
        ..sqlite_config()
    });
    let c = s.client();
    let r = c.get_with("/api/v1/kinds", &[("Origin", "http://dash.test")]);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://dash.test")
    );
    let r = c.get_with("/api/v1/kinds", &[("Origin", "http://other.test")]);
    assert!(r.header("access-control-allow-origin").is_none());
    let pre = c.request(
        "OPTIONS",
        "/api/v1/diagnoses",
        &[
            ("Origin", "http://dash.test"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "authorization"),
        ],
    );
    assert_eq!(pre.status, 200);
    assert!(
        pre.header("access-control-allow-methods")
            .unwrap()
            .contains("POST")
    );
}

#[test]
fn openapi_documents_every_route() {
    let s = start(sqlite_config());
    let doc = s.client().get("/api/v1/openapi.json").json();
    assert_eq!(doc["openapi"], "3.0.3");
    let mut paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/api/v1/diagnoses",
            "/api/v1/diagnoses/{id}",
            "/api/v1/diagnoses/{id}/log",
            "/api/v1/kinds",
            "/api/v1/kinds/{kind}",
            "/api/v1/lint",
            "/api/v1/openapi.json",
            "/api/v1/stats",
            "/healthz",
            "/metrics",
        ]
    );
    // Every documented path answers something other than the fallback's 404.
    let c = s.client();
    assert_eq!(c.get("/api/v1/diagnoses").status, 200);
    assert_eq!(c.get("/api/v1/stats").status, 200);
    // The required fields of a stored diagnosis are in what POST returns.
    let d = post_log(&c, "a", DISK_FULL_LOG);
    for f in doc["components"]["schemas"]["StoredDiagnosis"]["required"]
        .as_array()
        .unwrap()
    {
        assert!(d.get(f.as_str().unwrap()).is_some(), "{f}");
    }
}

#[test]
fn web_page_and_assets_are_served_from_the_binary() {
    let s = start(sqlite_config());
    let c = s.client();
    let page = c.get("/");
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .contains("default-src 'self'")
    );
    let html = page.text();
    assert!(html.contains("/assets/app.js") && html.contains("/assets/app.css"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "outside URL in the page"
    );
    for asset in ["/assets/app.js", "/assets/app.css"] {
        let r = c.get(asset);
        assert_eq!(r.status, 200, "{asset}");
        assert!(!r.text().contains("https://"), "{asset} loads from outside");
    }
}

#[test]
fn graceful_shutdown_keeps_every_acknowledged_record() {
    let s = start(sqlite_config());
    let base = s.base.clone();
    let db = s.db.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let c = Client::new(&base);
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut acked = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let Some(r) = c.try_post("/api/v1/diagnoses", AZUREML_LOG.as_bytes()) else {
                        break;
                    };
                    if r.status == 201 {
                        acked.push(r.json()["id"].as_str().unwrap().to_string());
                    } else {
                        break;
                    }
                }
                acked
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let _dir = s.shutdown();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let acked: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert!(!acked.is_empty());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = rt
        .block_on(buildmedic_server::store::Store::open(&db))
        .unwrap();
    for id in &acked {
        assert!(
            rt.block_on(store.get(id)).unwrap().is_some(),
            "acknowledged {id} lost"
        );
    }
}
