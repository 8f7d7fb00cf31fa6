//! The web page in a real headless Chromium (Debian `chromium` + `chromium-driver`, driven
//! over WebDriver by fantoccini): paste a failing build log, see the kind, the failing step
//! and the highlighted evidence, open the history, filter it, see the chart and a kind page.
//! Screenshots go to `target/test-output/serve/`. Nothing is downloaded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use serve_support::*;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| PathBuf::from(d).join(name))
        .find(|p| p.is_file())
}

fn out_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is target/tmp.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("test-output/serve");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

async fn wait_for(c: &fantoccini::Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
}

async fn count_at_least(c: &fantoccini::Client, css: &str, n: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = c
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0);
        if found >= n {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "{css}: {found} elements, wanted {n}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn screenshot(c: &fantoccini::Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(out_dir().join(name), png).expect("write screenshot");
}

#[test]
fn web_page_in_headless_chromium() {
    let driver_path = std::env::var_os("BUILDMEDIC_CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| which("chromedriver"));
    let chromium = std::env::var_os("BUILDMEDIC_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| which("chromium"));
    let (Some(driver_path), Some(chromium)) = (driver_path, chromium) else {
        missing(
            "web_page_in_headless_chromium",
            "chromium or chromedriver not found (scripts/services/chromium.sh)",
        );
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let server = serve(
        &format!("sqlite://{}", dir.path().join("h.db").display()),
        &[],
    );

    let port = TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let driver = Driver(
        Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let profile = tempfile::tempdir().expect("profile dir");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        let c = loop {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("WebDriver session: {e}"),
            }
        };

        // Diagnose: paste a log, submit, read the result.
        c.goto(&format!("{}/", server.base)).await.expect("open page");
        let textarea = wait_for(&c, "#log").await;
        c.execute(
            "document.querySelector('#log').value = arguments[0];",
            vec![serde_json::Value::from(AZUREML_LOG)],
        )
        .await
        .expect("paste log");
        let _ = textarea;
        c.find(Locator::Css("#source")).await.expect("source").send_keys("nightly-image").await.expect("type");
        c.find(Locator::Css("#submit")).await.expect("button").click().await.expect("click");
        let badge = wait_for(&c, "#diagnosis .kind").await;
        assert_eq!(badge.text().await.expect("text"), "incompatible-python");
        let step = wait_for(&c, "#failing-step").await.text().await.expect("step");
        assert!(step.contains("Step 8/19"), "{step}");
        let evidence = c.find_all(Locator::Css("#context .line.evidence")).await.expect("evidence");
        assert_eq!(evidence.len(), 3);
        assert!(evidence[1].text().await.expect("text").contains("contoso-featurizer==0.2.0"));
        // Context lines around the evidence are shown too, and the password is not.
        assert!(count_at_least(&c, "#context .line", 6).await > 3);
        assert!(!c.find_all(Locator::Css("#advice li")).await.expect("advice").is_empty());
        let html = c.source().await.expect("source");
        assert!(!html.contains("hunter2"), "password shown");
        screenshot(&c, "diagnose.png").await;

        // Two more builds through the API, so history and chart have several kinds.
        let a = agent();
        for log in [DISK_FULL_LOG, IMAGE_LOG] {
            assert_eq!(post(&a, &format!("{}/api/v1/diagnoses?source=api", server.base), log.as_bytes()).map(|r| r.0), Some(201));
        }

        // History, then a filter.
        c.find(Locator::Css("#nav-history")).await.expect("nav").click().await.expect("click");
        assert_eq!(count_at_least(&c, "#history-table tbody tr[data-id]", 3).await, 3);
        let first_kind = c.find(Locator::Css("#history-table tbody tr[data-id] .kind")).await.expect("row").text().await.expect("text");
        assert_eq!(first_kind, "image-not-found", "newest first");
        screenshot(&c, "history.png").await;
        c.find(Locator::Css("#filter-kind")).await.expect("select").select_by_value("incompatible-python").await.expect("select");
        c.find(Locator::Css("#history-filters button")).await.expect("apply").click().await.expect("click");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let rows = c.find_all(Locator::Css("#history-table tbody tr[data-id]")).await.expect("rows");
            if rows.len() == 1 {
                assert!(rows[0].text().await.expect("text").contains("nightly-image"));
                break;
            }
            assert!(Instant::now() < deadline, "filter not applied: {} rows", rows.len());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        // The chart: bars for three kinds today, and the top kinds.
        c.find(Locator::Css("#nav-stats")).await.expect("nav").click().await.expect("click");
        assert!(count_at_least(&c, "#chart-svg rect[data-kind]", 3).await >= 3);
        assert_eq!(count_at_least(&c, "#top-kinds .bar-row", 3).await, 3);
        let summary = c.find(Locator::Css("#stats-summary")).await.expect("summary").text().await.expect("text");
        assert!(summary.starts_with("3 failed"), "{summary}");
        screenshot(&c, "stats.png").await;

        // A kind page, reached from the top kinds.
        c.find(Locator::Css("#top-kinds a[href='#/kinds/disk-full']")).await.expect("link").click().await.expect("click");
        let h1 = wait_for(&c, "#view-kind h1").await.text().await.expect("title");
        assert!(h1.contains("disk-full"), "{h1}");
        assert_eq!(count_at_least(&c, "#kind-history tbody tr", 1).await, 1);
        screenshot(&c, "kind.png").await;

        c.close().await.expect("close session");
    });
    drop(driver);
    eprintln!("screenshots in {}", out_dir().display());
}
