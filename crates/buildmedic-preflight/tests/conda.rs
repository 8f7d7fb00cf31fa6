//! conda checks against channels served as static files by nginx (ETag, Last-Modified,
//! 304), with repodata.json and its .zst / .bz2 variants written by the test setup.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use buildmedic_preflight::{Check, CondaTarget, Options, Preflight, Specific, Status};
use common::services;

fn conda(c: &Check) -> &buildmedic_preflight::CondaDetails {
    match &c.details.specific {
        Specific::Conda(d) => d,
        other => panic!("not conda details: {other:?}"),
    }
}

fn check(opts: Options, spec: &str, channels: &[String], python: Option<&str>) -> Check {
    let p = Preflight::new(opts).unwrap();
    let mut t = CondaTarget::new(spec, channels.to_vec());
    t.python = python.map(str::to_string);
    p.check_conda(&t)
}

#[test]
fn specs_against_a_channel() {
    let Some(svc) = services("specs_against_a_channel") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = svc.get("BM_CONDA_URL");
    let main = vec![format!("{url}/main")];
    let opts = || {
        let mut o = svc.options(dir.path());
        o.conda.well_known = vec![format!("{url}/other")];
        o
    };

    let c = check(opts(), "demo-lib=1.0", &main, Some("3.11"));
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    assert_eq!(c.kind, None);
    assert!(
        conda(&c)
            .found
            .as_deref()
            .is_some_and(|f| f.ends_with("linux-64::demo-lib-1.0.0-py311_0")),
        "{:?}",
        conda(&c).found
    );
    assert_eq!(conda(&c).subdirs, ["linux-64", "noarch"]);

    // Found, but built for Python 3.9 only.
    let c = check(opts(), "demo-lib=1.1", &main, Some("3.11"));
    assert_eq!(c.status, Status::NotFound, "{}", c.message);
    assert_eq!(c.kind, Some("incompatible-python"));
    assert_eq!(conda(&c).python_versions, ["3.9"]);
    // ... which is fine for a 3.9 environment.
    let c = check(opts(), "demo-lib=1.1", &main, Some("3.9"));
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    // A build pinned for another Python.
    let c = check(opts(), "demo-lib=1.0=py310_0", &main, Some("3.11"));
    assert_eq!(c.kind, Some("incompatible-python"), "{}", c.message);

    // No such version: the closest ones.
    let c = check(opts(), "demo-lib>=2", &main, Some("3.11"));
    assert_eq!(c.status, Status::NotFound);
    assert_eq!(c.kind, Some("conda-package-not-found"));
    assert_eq!(c.details.reason.as_deref(), Some("version"));
    assert_eq!(conda(&c).closest_versions, ["1.1.0", "1.0.0"]);
    let c = check(opts(), "demo-lib=1.0.5", &main, Some("3.11"));
    assert_eq!(
        conda(&c).closest_versions.first().map(String::as_str),
        Some("1.0.0"),
        "{}",
        c.message
    );

    // noarch and packages without Python.
    let c = check(opts(), "noarch-tool>=0.3", &main, Some("3.12"));
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    assert!(
        conda(&c)
            .found
            .as_deref()
            .is_some_and(|f| f.contains("/noarch::"))
    );
    let c = check(opts(), "cpp-lib 2.1.*", &main, Some("3.11"));
    assert_eq!(c.status, Status::Ok, "{}", c.message);

    // Not in the listed channels, but in a well-known one.
    let c = check(opts(), "other-only", &main, Some("3.11"));
    assert_eq!(c.status, Status::NotFound, "{}", c.message);
    assert_eq!(c.kind, Some("conda-package-not-found"));
    assert_eq!(conda(&c).carried_by, [format!("{url}/other")]);
    // Nowhere at all; a similar name is suggested.
    let c = check(opts(), "demo-lb", &main, None);
    assert_eq!(c.status, Status::NotFound);
    assert!(conda(&c).carried_by.is_empty());
    assert!(
        c.details
            .help
            .as_deref()
            .is_some_and(|h| h.contains("demo-lib")),
        "{:?}",
        c.details.help
    );

    // A bad spec.
    let c = check(opts(), "demo-lib===>1", &main, None);
    assert_eq!(c.status, Status::Invalid, "{}", c.message);
    assert_eq!(c.kind, Some("conda-bad-spec"));
}

#[test]
fn channel_names_defaults_and_spec_channels() {
    let Some(svc) = services("channel_names_defaults_and_spec_channels") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = svc.get("BM_CONDA_URL");
    let opts = || {
        let mut o = svc.options(dir.path());
        o.conda.channel_alias = url.clone();
        o.conda.default_channels = vec![format!("{url}/main")];
        o
    };
    // `defaults` (and no channels at all) expand to default_channels.
    for channels in [vec![], vec!["defaults".to_string()]] {
        let c = check(opts(), "demo-lib=1.0", &channels, Some("3.11"));
        assert_eq!(c.status, Status::Ok, "{channels:?}: {}", c.message);
        assert_eq!(conda(&c).channels, [format!("{url}/main")]);
    }
    // Names go through the channel alias; `channel::name` restricts the search.
    let c = check(
        opts(),
        "other-only",
        &["main".to_string(), "other".to_string()],
        Some("3.11"),
    );
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    let c = check(
        opts(),
        "other::other-only",
        &["main".to_string()],
        Some("3.11"),
    );
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    let c = check(
        opts(),
        "main::other-only",
        &["other".to_string()],
        Some("3.11"),
    );
    assert_eq!(c.status, Status::NotFound, "{}", c.message);
}

#[test]
fn broken_channels_are_conda_http() {
    let Some(svc) = services("broken_channels_are_conda_http") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = svc.get("BM_CONDA_URL");
    let c = check(
        svc.options(dir.path()),
        "demo-lib",
        &[format!("{url}/main"), format!("{url}/gone")],
        None,
    );
    assert_eq!(c.status, Status::NotFound, "{}", c.message);
    assert_eq!(c.kind, Some("conda-http"));
    assert_eq!(c.details.reason.as_deref(), Some("channel"));

    let closed = format!("http://127.0.0.1:{}/main", svc.get("BM_CLOSED_PORT"));
    let c = check(svc.options(dir.path()), "demo-lib", &[closed], None);
    assert_eq!(c.status, Status::Unreachable, "{}", c.message);
    assert_eq!(c.kind, Some("conda-http"));
    assert_eq!(c.details.reason.as_deref(), Some("connect"));

    let c = check(
        svc.options(dir.path()),
        "demo-lib",
        &[format!("https://{}/ch", svc.get("BM_UNRESOLVABLE"))],
        None,
    );
    assert_eq!(c.status, Status::Unreachable);
    assert_eq!(c.details.reason.as_deref(), Some("dns"));
}

/// The zstd variant is used where offered, repodata.json elsewhere; the cache revalidates
/// with the validators nginx sent (304), picks up a changed file, and serves --offline.
#[test]
fn variants_cache_and_offline() {
    let Some(svc) = services("variants_cache_and_offline") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = svc.get("BM_CONDA_URL");
    let log = svc.get("BM_CONDA_ACCESS_LOG");
    let before = std::fs::read_to_string(&log).unwrap_or_default().len();
    let c = check(
        svc.options(dir.path()),
        "demo-lib=1.0",
        &[format!("{url}/main")],
        Some("3.11"),
    );
    assert_eq!(c.status, Status::Ok);
    let c = check(
        svc.options(dir.path()),
        "other-only",
        &[format!("{url}/other")],
        Some("3.11"),
    );
    assert_eq!(c.status, Status::Ok);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text[before..].lines().collect();
    let has = |path: &str, status: &str| {
        lines
            .iter()
            .any(|l| l.contains(&format!("GET {path} ")) && l.contains(&format!("\" {status} ")))
    };
    assert!(has("/main/linux-64/repodata.json.zst", "200"), "{lines:#?}");
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("GET /main/linux-64/repodata.json ")),
        "{lines:#?}"
    );
    assert!(
        has("/other/linux-64/repodata.json.zst", "404"),
        "{lines:#?}"
    );
    assert!(
        has("/other/linux-64/repodata.json.bz2", "404"),
        "{lines:#?}"
    );
    assert!(has("/other/linux-64/repodata.json", "200"), "{lines:#?}");

    // A channel of this test's own, to change it.
    let chan =
        std::path::Path::new(&svc.get("BM_CONDA_DIR")).join(format!("own-{}", std::process::id()));
    let write = |version: &str| {
        for sd in ["linux-64", "noarch"] {
            std::fs::create_dir_all(chan.join(sd)).unwrap();
            let pkgs = if sd == "linux-64" {
                format!(
                    r#"{{"mine-{version}-0.conda":{{"name":"mine","version":"{version}","build":"0","build_number":0,"depends":[],"subdir":"linux-64"}}}}"#
                )
            } else {
                "{}".to_string()
            };
            std::fs::write(
                chan.join(sd).join("repodata.json"),
                format!(
                    r#"{{"info":{{"subdir":"{sd}"}},"packages":{{}},"packages.conda":{pkgs}}}"#
                ),
            )
            .unwrap();
        }
    };
    write("1.0");
    let own = vec![format!(
        "{url}/{}",
        chan.file_name().unwrap().to_str().unwrap()
    )];
    let c = check(svc.options(dir.path()), "mine=1.0", &own, None);
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    assert_eq!(c.details.cache, None);
    let c = check(svc.options(dir.path()), "mine=1.0", &own, None);
    assert_eq!(c.status, Status::Ok);
    assert_eq!(c.details.cache.as_deref(), Some("revalidated"));
    // A new version: the ETag changes, the new repodata is fetched (and the unchanged
    // noarch one revalidated). nginx's ETag is mtime-size; the size differs.
    write("1.10");
    let c = check(svc.options(dir.path()), "mine=1.10", &own, None);
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    // Offline: from the cache only.
    let mut o = svc.options(dir.path());
    o.offline = true;
    let c = check(o.clone(), "mine=1.10", &own, None);
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    assert_eq!(c.details.cache.as_deref(), Some("offline"));
    let empty = tempfile::tempdir().unwrap();
    let mut o2 = svc.options(empty.path());
    o2.offline = true;
    let c = check(o2, "mine=1.10", &own, None);
    assert_eq!(c.status, Status::Error, "{}", c.message);
    assert_eq!(c.details.reason.as_deref(), Some("offline"));
    let _ = std::fs::remove_dir_all(&chan);
}
