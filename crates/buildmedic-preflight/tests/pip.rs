//! pip checks against a real pypiserver (PEP 503 HTML without Requires-Python: read from
//! the wheels by range requests), one with a login, and a static index served by nginx
//! (PEP 691 JSON by content negotiation, PEP 503 HTML with data-requires-python).

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use buildmedic_preflight::{Check, Options, PipTarget, Preflight, Specific, Status};
use common::services;

fn pip(c: &Check) -> &buildmedic_preflight::PipDetails {
    match &c.details.specific {
        Specific::Pip(d) => d,
        other => panic!("not pip details: {other:?}"),
    }
}

fn check(opts: Options, req: &str, index: &str, python: &str) -> Check {
    let p = Preflight::new(opts).unwrap();
    let mut t = PipTarget::new(req);
    t.index_url = Some(index.to_string());
    t.python = Some(python.to_string());
    p.check_pip(&t)
}

/// The same answers from pypiserver (HTML, metadata from the wheels) and the static index
/// (JSON and HTML with Requires-Python in the page).
#[test]
fn requirements_on_every_kind_of_index() {
    let Some(svc) = services("requirements_on_every_kind_of_index") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for index in [svc.get("BM_PYPI_URL"), svc.get("BM_PYPI_STATIC_URL")] {
        let o = || svc.options(dir.path());
        // pip picks the newest version whose Requires-Python admits 3.11.
        let c = check(o(), "demo-pkg", &index, "3.11");
        assert_eq!(c.status, Status::Ok, "{index}: {}", c.message);
        assert_eq!(
            pip(&c).file.as_deref(),
            Some("demo_pkg-1.0.0-py3-none-any.whl"),
            "{index}"
        );
        assert_eq!(pip(&c).versions, ["2.0.0", "1.0.0"]);
        let c = check(o(), "Demo_Pkg>=1", &index, "3.12");
        assert_eq!(
            pip(&c).file.as_deref(),
            Some("demo_pkg-2.0.0-py3-none-any.whl"),
            "{index}: {}",
            c.message
        );

        let c = check(o(), "demo-pkg==2.0.0", &index, "3.11");
        assert_eq!(c.status, Status::NotFound, "{index}: {}", c.message);
        assert_eq!(c.kind, Some("incompatible-python"));
        assert_eq!(
            pip(&c).requires_python,
            ["2.0.0 Requires-Python >=3.12"],
            "{index}"
        );

        let c = check(o(), "demo-pkg==3.0", &index, "3.11");
        assert_eq!(
            c.kind,
            Some("pip-no-matching-distribution"),
            "{index}: {}",
            c.message
        );
        assert!(
            c.message.contains("from versions: 1.0.0, 2.0.0"),
            "{}",
            c.message
        );

        let c = check(o(), "native-pkg==1.0", &index, "3.11");
        assert_eq!(c.status, Status::Ok, "{index}: {}", c.message);
        assert_eq!(
            pip(&c).file.as_deref(),
            Some("native_pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.whl")
        );
        // cp38 wheels only: another Python is needed.
        let c = check(o(), "native-pkg==1.1", &index, "3.11");
        assert_eq!(
            c.kind,
            Some("incompatible-python"),
            "{index}: {}",
            c.message
        );
        // Windows wheels only: nothing for this platform.
        let c = check(o(), "native-pkg==1.2", &index, "3.11");
        assert_eq!(c.status, Status::NotFound);
        assert_eq!(
            c.kind,
            Some("pip-no-matching-distribution"),
            "{index}: {}",
            c.message
        );
        assert_eq!(c.details.reason.as_deref(), Some("platform"));
        // The right Python, the wrong architecture.
        let mut arm = o();
        arm.platform = "linux/arm64".parse().unwrap();
        let c = check(arm, "native-pkg==1.0", &index, "3.11");
        assert_eq!(
            c.kind,
            Some("pip-no-matching-distribution"),
            "{index}: {}",
            c.message
        );
        // An old glibc has no manylinux_2_17 wheels.
        let mut old = o();
        old.glibc = (2, 12);
        let c = check(old, "native-pkg==1.0", &index, "3.11");
        assert_eq!(
            c.kind,
            Some("pip-no-matching-distribution"),
            "{index}: {}",
            c.message
        );

        // Only an sdist: installable, with a compiler.
        let c = check(o(), "sdist-only", &index, "3.11");
        assert_eq!(c.status, Status::Ok, "{index}: {}", c.message);
        assert_eq!(c.kind, Some("wheel-build-failed"));
        assert!(c.is_warning() && !c.fails());

        let c = check(o(), "no-such-project", &index, "3.11");
        assert_eq!(
            c.kind,
            Some("pip-no-matching-distribution"),
            "{index}: {}",
            c.message
        );
        assert!(c.message.contains("from versions: none"));
    }
}

/// --offline answers from the cache: the project pages and the wheel metadata read online.
#[test]
fn offline_uses_pages_and_metadata_from_the_cache() {
    let Some(svc) = services("offline_uses_pages_and_metadata_from_the_cache") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let index = svc.get("BM_PYPI_URL");
    let mut offline = svc.options(dir.path());
    offline.offline = true;
    let c = check(offline.clone(), "demo-pkg==2.0.0", &index, "3.11");
    assert_eq!(c.status, Status::Error, "{}", c.message);
    assert_eq!(c.details.reason.as_deref(), Some("offline"));
    let online = check(svc.options(dir.path()), "demo-pkg==2.0.0", &index, "3.11");
    assert_eq!(
        online.kind,
        Some("incompatible-python"),
        "{}",
        online.message
    );
    let c = check(offline, "demo-pkg==2.0.0", &index, "3.11");
    assert_eq!(c.kind, Some("incompatible-python"), "{}", c.message);
    assert_eq!(c.details.cache.as_deref(), Some("offline"));
}

#[test]
fn requirement_syntax_markers_and_no_python() {
    let Some(svc) = services("requirement_syntax_markers_and_no_python") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let index = svc.get("BM_PYPI_URL");
    let c = check(svc.options(dir.path()), "demo-pkg=1.0", &index, "3.11");
    assert_eq!(c.status, Status::Invalid);
    assert_eq!(c.kind, Some("pip-invalid-operator"));
    let c = check(
        svc.options(dir.path()),
        "demo-pkg==9; python_version < \"3.0\"",
        &index,
        "3.11",
    );
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    assert!(c.message.contains("marker"), "{}", c.message);
    // Without a Python only the versions are checked.
    let p = Preflight::new(svc.options(dir.path())).unwrap();
    let mut t = PipTarget::new("demo-pkg==2.0.0");
    t.index_url = Some(index.clone());
    let c = p.check_pip(&t);
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    assert!(c.details.help.is_some());
}

#[test]
fn private_index_and_extra_indexes() {
    let Some(svc) = services("private_index_and_extra_indexes") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let auth_url = svc.get("BM_PYPI_AUTH_URL");
    let with_creds =
        |user: &str, pass: &str| auth_url.replacen("http://", &format!("http://{user}:{pass}@"), 1);
    let good = with_creds(&svc.get("BM_PYPI_USER"), &svc.get("BM_PYPI_PASS"));

    let c = check(svc.options(dir.path()), "private-pkg", &auth_url, "3.11");
    assert_eq!(c.status, Status::Unauthorized, "{}", c.message);
    assert_eq!(c.kind, Some("pip-interactive-auth"));
    assert_eq!(c.details.reason.as_deref(), Some("no-credentials"));
    let c = check(svc.options(dir.path()), "private-pkg", &good, "3.11");
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    // pypiserver answers 403 to a wrong password.
    let c = check(
        svc.options(dir.path()),
        "private-pkg",
        &with_creds("pipuser", "wrong"),
        "3.11",
    );
    assert_eq!(c.status, Status::Forbidden, "{}", c.message);
    assert_eq!(c.details.reason.as_deref(), Some("rejected"));

    // The private index as an extra index of the public one.
    let p = Preflight::new(svc.options(dir.path())).unwrap();
    let mut t = PipTarget::new("private-pkg==1.0");
    t.index_url = Some(svc.get("BM_PYPI_URL"));
    t.extra_index_urls = vec![good.clone()];
    t.python = Some("3.11".into());
    let c = p.check_pip(&t);
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    assert_eq!(pip(&c).indexes.len(), 2);
    let json = serde_json::to_string(&c).unwrap();
    for secret in svc.secrets() {
        assert!(!json.contains(&secret), "{json}");
    }

    // An index nobody listens on.
    let closed = format!("http://127.0.0.1:{}/simple", svc.get("BM_CLOSED_PORT"));
    let c = check(svc.options(dir.path()), "demo-pkg", &closed, "3.11");
    assert_eq!(c.status, Status::Unreachable, "{}", c.message);
    assert_eq!(c.kind, Some("network-io"));
    assert_eq!(c.details.reason.as_deref(), Some("connect"));
}

#[test]
fn pip_configuration_files() {
    let Some(svc) = services("pip_configuration_files") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("pip.conf");
    std::fs::write(
        &conf,
        format!(
            "[global]\nindex-url = {}\n[install]\nextra-index-url =\n    http://{}:{}@{}\n",
            svc.get("BM_PYPI_URL"),
            svc.get("BM_PYPI_USER"),
            svc.get("BM_PYPI_PASS"),
            svc.get("BM_PYPI_AUTH_URL").trim_start_matches("http://")
        ),
    )
    .unwrap();
    let mut o = svc.options(dir.path());
    o.pip.use_pip_config = true;
    o.pip.config_files = Some(vec![conf]);
    let p = Preflight::new(o).unwrap();
    for req in ["demo-pkg", "private-pkg"] {
        let mut t = PipTarget::new(req);
        t.python = Some("3.11".into());
        let c = p.check_pip(&t);
        assert_eq!(c.status, Status::Ok, "{req}: {}", c.message);
        assert_eq!(pip(&c).indexes.len(), 2);
    }
}
