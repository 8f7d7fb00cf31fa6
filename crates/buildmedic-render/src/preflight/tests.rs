//! Snapshots of every format on one report with each kind of outcome.

use buildmedic_preflight::{
    Check, CheckType, CondaDetails, Details, ImageDetails, PipDetails, PreflightReport, Source,
    Specific, Status,
};

fn report() -> PreflightReport {
    let image_ok = Check {
        target: "127.0.0.1:5000/demo/app:1.0".into(),
        check: CheckType::Image,
        status: Status::Ok,
        kind: None,
        message: "`127.0.0.1:5000/demo/app:1.0` exists (OCI image manifest sha256:63e5bffd1764)"
            .into(),
        details: Details {
            specific: Specific::Image(ImageDetails {
                registry: "127.0.0.1:5000".into(),
                repository: "demo/app".into(),
                tag: Some("1.0".into()),
                digest: Some(
                    "sha256:63e5bffd1764955c6bdfac51e1ade5bbb88d5ac54c666dbe42a945551d504d63"
                        .into(),
                ),
                media_type: Some("application/vnd.oci.image.manifest.v1+json".into()),
                platform: "linux/amd64".into(),
                credentials: Some("anonymous".into()),
                ..ImageDetails::default()
            }),
            ..Details::default()
        },
    };
    let image_missing = Check {
        target: "127.0.0.1:5000/demo/app:2.0".into(),
        check: CheckType::Image,
        status: Status::NotFound,
        kind: Some("image-not-found"),
        message: "the tag `2.0` of `demo/app` does not exist on 127.0.0.1:5000 (it has 3 tags: 1.0, 1.1, latest)".into(),
        details: Details {
            help: Some("Use a tag that exists, e.g. `127.0.0.1:5000/demo/app:1.0`.".into()),
            source: Some(Source { file: "env/Dockerfile".into(), line: 1 }),
            reason: Some("tag".into()),
            http_status: Some(404),
            specific: Specific::Image(ImageDetails {
                registry: "127.0.0.1:5000".into(),
                repository: "demo/app".into(),
                tag: Some("2.0".into()),
                platform: "linux/amd64".into(),
                tags: vec!["1.0".into(), "1.1".into(), "latest".into()],
                credentials: Some("anonymous".into()),
                errors: vec!["MANIFEST_UNKNOWN".into()],
                ..ImageDetails::default()
            }),
            ..Details::default()
        },
    };
    let conda = Check {
        target: "demo-lib=1.1".into(),
        check: CheckType::Conda,
        status: Status::NotFound,
        kind: Some("incompatible-python"),
        message: "`demo-lib=1.1` has builds only for Python 3.9, not for the environment's Python 3.11".into(),
        details: Details {
            help: Some("Use a Python the builds support (3.9), or a version of `demo-lib` built for Python 3.11 (drop or relax the pin).".into()),
            source: Some(Source { file: "env/conda.yml".into(), line: 6 }),
            reason: Some("python".into()),
            specific: Specific::Conda(CondaDetails {
                package: "demo-lib".into(),
                channels: vec!["http://127.0.0.1:8000/main".into()],
                subdirs: vec!["linux-64".into(), "noarch".into()],
                python: Some("3.11".into()),
                python_versions: vec!["3.9".into()],
                ..CondaDetails::default()
            }),
            ..Details::default()
        },
    };
    let pip = Check {
        target: "sdist-only==0.5".into(),
        check: CheckType::Pip,
        status: Status::Ok,
        kind: Some("wheel-build-failed"),
        message: "`sdist-only` 0.5 has no wheel for Python 3.11 on linux/amd64: pip will build it from the sdist sdist_only-0.5.tar.gz (needs a compiler and the package's build dependencies)".into(),
        details: Details {
            help: Some("Make sure the image has what building `sdist-only` needs (gcc, headers), or pin a version that has a wheel for cp311 on linux/amd64.".into()),
            reason: Some("sdist-only".into()),
            specific: Specific::Pip(PipDetails {
                package: "sdist-only".into(),
                indexes: vec!["http://127.0.0.1:8001/simple/".into()],
                python: "3.11".into(),
                platform: "linux/amd64 (glibc 2.31)".into(),
                versions: vec!["0.5".into()],
                matching_versions: vec!["0.5".into()],
                file: Some("sdist_only-0.5.tar.gz".into()),
                ..PipDetails::default()
            }),
            ..Details::default()
        },
    };
    let unreachable = Check {
        target: "registry.example.invalid/app:1".into(),
        check: CheckType::Image,
        status: Status::Unreachable,
        kind: Some("registry-unreachable"),
        message:
            "the name `registry.example.invalid` does not resolve (DNS: Name or service not known)"
                .into(),
        details: Details {
            help: Some("Check the registry name `registry.example.invalid` for typos.".into()),
            reason: Some("dns".into()),
            ..Details::default()
        },
    };
    PreflightReport {
        checks: vec![image_ok, image_missing, conda, pip, unreachable],
        errors: Vec::new(),
        notes: vec!["the credential helper docker-credential-pass found no credentials for 127.0.0.1:5000 (pulling anonymously)".into()],
    }
}

#[test]
fn text() {
    insta::assert_snapshot!(super::text(&report(), &super::TextOptions::default()));
}

#[test]
fn json() {
    let out = super::json(&report());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "buildmedic.preflight/v1");
    for c in v["checks"].as_array().unwrap() {
        for key in ["target", "check", "status", "kind", "message", "details"] {
            assert!(c.get(key).is_some(), "{key} missing in {c}");
        }
        assert!(["image", "conda", "pip"].contains(&c["check"].as_str().unwrap()));
        assert!(c["kind"].is_null() || c["kind"].is_string());
    }
    insta::assert_snapshot!(out);
}

#[test]
fn markdown() {
    insta::assert_snapshot!(super::markdown(&report()));
}

#[test]
fn github() {
    let out = super::github(&report());
    // Passing checks make no annotation.
    assert_eq!(out.lines().count(), 4);
    insta::assert_snapshot!(out);
}

#[test]
fn empty_report() {
    let r = PreflightReport::default();
    assert_eq!(
        super::text(&r, &super::TextOptions::default()),
        "preflight: 0 checks: 0 ok\n"
    );
    assert_eq!(
        super::json(&r),
        "{\"schema\":\"buildmedic.preflight/v1\",\"checks\":[]}\n"
    );
}
