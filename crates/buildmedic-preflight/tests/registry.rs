//! Image checks against real CNCF distribution registries (open, htpasswd, token auth, TLS),
//! an nginx rate limiter and deny rule in front of one, and unreachable endpoints. Every
//! registry case also runs `skopeo inspect`, which must agree.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use buildmedic_preflight::{Check, ImageTarget, Options, Preflight, Specific, Status, Targets};
use common::{Services, Skopeo, services, skopeo};

fn run(opts: Options, reference: &str) -> Check {
    let p = Preflight::new(opts).unwrap();
    p.check_image(&ImageTarget::new(reference))
}

fn image(c: &Check) -> &buildmedic_preflight::ImageDetails {
    match &c.details.specific {
        Specific::Image(i) => i,
        other => panic!("not image details: {other:?}"),
    }
}

fn plain(svc: &Services) -> Vec<String> {
    let _ = svc;
    vec!["--tls-verify=false".to_string()]
}

/// Our verdict, skopeo's verdict, for the statuses skopeo can tell.
fn agree(ours: &Check, theirs: Skopeo, skopeo_err: &str) {
    let expected = match ours.status {
        Status::Ok => Skopeo::Exists,
        Status::NotFound => Skopeo::NotFound,
        Status::Unauthorized => Skopeo::Unauthorized,
        _ => Skopeo::Other,
    };
    assert_eq!(
        theirs, expected,
        "skopeo disagrees on {}: ours {:?} ({}), skopeo: {skopeo_err}",
        ours.target, ours.status, ours.message
    );
}

#[test]
fn open_registry_images_tags_repositories_digests() {
    let Some(svc) = services("open_registry_images_tags_repositories_digests") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let reg = svc.get("BM_REG_OPEN");
    let args = plain(&svc);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    for (name, media) in [
        ("demo/app:1.0", "application/vnd.oci.image.manifest.v1+json"),
        ("demo/multi:1.0", "application/vnd.oci.image.index.v1+json"),
        (
            "demo/docker:1.0",
            "application/vnd.docker.distribution.manifest.v2+json",
        ),
        (
            "demo/dockermulti:1.0",
            "application/vnd.docker.distribution.manifest.list.v2+json",
        ),
    ] {
        let r = format!("{reg}/{name}");
        let c = run(svc.options(dir.path()), &r);
        assert_eq!(c.status, Status::Ok, "{r}: {}", c.message);
        assert_eq!(c.kind, None);
        assert_eq!(image(&c).media_type.as_deref(), Some(media), "{r}");
        assert!(
            image(&c)
                .digest
                .as_deref()
                .is_some_and(|d| d.starts_with("sha256:"))
        );
        let (v, err) = skopeo(&args, &r);
        agree(&c, v, &err);
    }

    // A missing tag lists the tags that exist, closest first.
    let r = format!("{reg}/demo/app:1.2");
    let c = run(svc.options(dir.path()), &r);
    assert_eq!(c.status, Status::NotFound, "{}", c.message);
    assert_eq!(c.kind, Some("image-not-found"));
    assert_eq!(c.details.reason.as_deref(), Some("tag"));
    assert_eq!(image(&c).tags, ["1.1", "1.0", "latest"]);
    assert!(
        c.message.contains("`1.2`") && c.message.contains("1.1"),
        "{}",
        c.message
    );
    let (v, err) = skopeo(&args, &r);
    agree(&c, v, &err);

    // A missing repository.
    let r = format!("{reg}/demo/nope:1.0");
    let c = run(svc.options(dir.path()), &r);
    assert_eq!(c.status, Status::NotFound);
    assert_eq!(
        c.details.reason.as_deref(),
        Some("repository"),
        "{}",
        c.message
    );
    assert!(image(&c).tags.is_empty());
    let (v, err) = skopeo(&args, &r);
    agree(&c, v, &err);

    // Digests: the one the tag resolves to exists; another does not.
    let ok = run(svc.options(dir.path()), &format!("{reg}/demo/app:1.0"));
    let digest = image(&ok).digest.clone().unwrap();
    let r = format!("{reg}/demo/app@{digest}");
    let c = run(svc.options(dir.path()), &r);
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    let (v, err) = skopeo(&args, &r);
    agree(&c, v, &err);
    let r = format!("{reg}/demo/app@sha256:{}", "0".repeat(64));
    let c = run(svc.options(dir.path()), &r);
    assert_eq!(c.status, Status::NotFound, "{}", c.message);
    assert_eq!(c.details.reason.as_deref(), Some("manifest"));
    let (v, err) = skopeo(&args, &r);
    agree(&c, v, &err);
}

#[test]
fn index_platforms() {
    let Some(svc) = services("index_platforms") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let reg = svc.get("BM_REG_OPEN");
    for repo in ["demo/multi:1.0", "demo/dockermulti:1.0"] {
        let r = format!("{reg}/{repo}");
        let mut o = svc.options(dir.path());
        o.platform = "linux/arm64".parse().unwrap();
        let c = run(o, &r);
        assert_eq!(c.status, Status::Ok, "{}", c.message);
        assert_eq!(image(&c).platforms, ["linux/amd64", "linux/arm64/v8"]);
        let (v, err) = skopeo(&["--tls-verify=false", "--override-arch", "arm64"], &r);
        agree(&c, v, &err);

        let mut o = svc.options(dir.path());
        o.platform = "linux/s390x".parse().unwrap();
        let c = run(o, &r);
        assert_eq!(c.status, Status::NotFound, "{}", c.message);
        assert_eq!(c.kind, Some("image-not-found"));
        assert_eq!(c.details.reason.as_deref(), Some("platform-missing"));
        assert!(c.message.contains("linux/s390x"));
        let (v, err) = skopeo(&["--tls-verify=false", "--override-arch", "s390x"], &r);
        assert_eq!(v, Skopeo::Other, "{err}");
        assert!(err.contains("no image found"), "skopeo: {err}");
    }
}

#[test]
fn basic_auth_registry() {
    let Some(svc) = services("basic_auth_registry") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let r = format!("{}/private/app:1.0", svc.get("BM_REG_BASIC"));

    let c = run(svc.options(dir.path()), &r);
    assert_eq!(c.status, Status::Unauthorized, "{}", c.message);
    assert_eq!(c.kind, Some("registry-auth"));
    assert_eq!(c.details.reason.as_deref(), Some("no-credentials"));
    let (v, err) = skopeo(&["--tls-verify=false", "--no-creds"], &r);
    agree(&c, v, &err);

    let mut o = svc.options(dir.path());
    o.credentials
        .push(svc.creds("BM_REG_BASIC", "BM_BASIC_USER", "BM_BASIC_PASS"));
    let c = run(o, &r);
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    assert_eq!(image(&c).credentials.as_deref(), Some("--creds"));
    let creds = format!("{}:{}", svc.get("BM_BASIC_USER"), svc.get("BM_BASIC_PASS"));
    let (v, err) = skopeo(&["--tls-verify=false", "--creds", &creds], &r);
    agree(&c, v, &err);

    let mut o = svc.options(dir.path());
    o.credentials.push(
        buildmedic_preflight::ScopedCredential::parse(
            &format!("{}=basicuser:not-the-password", svc.get("BM_REG_BASIC")),
            None,
        )
        .unwrap(),
    );
    let c = run(o, &r);
    assert_eq!(c.status, Status::Unauthorized, "{}", c.message);
    assert_eq!(c.details.reason.as_deref(), Some("rejected"));
    let (v, err) = skopeo(
        &[
            "--tls-verify=false",
            "--creds",
            "basicuser:not-the-password",
        ],
        &r,
    );
    agree(&c, v, &err);
}

#[test]
fn token_auth_registry() {
    let Some(svc) = services("token_auth_registry") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let reg = svc.get("BM_REG_TOKEN");
    let public = format!("{reg}/public/app:1.0");
    let private = format!("{reg}/private/app:1.0");

    // Anonymous tokens pull public/*, not private/*.
    let c = run(svc.options(dir.path()), &public);
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    let (v, err) = skopeo(&["--tls-verify=false", "--no-creds"], &public);
    agree(&c, v, &err);
    let c = run(svc.options(dir.path()), &private);
    assert_eq!(c.status, Status::Unauthorized, "{}", c.message);
    assert_eq!(c.details.reason.as_deref(), Some("no-credentials"));
    let (v, err) = skopeo(&["--tls-verify=false", "--no-creds"], &private);
    agree(&c, v, &err);

    // alice may pull everything.
    let mut o = svc.options(dir.path());
    o.credentials
        .push(svc.creds("BM_REG_TOKEN", "BM_TOKEN_USER", "BM_TOKEN_PASS"));
    let c = run(o, &private);
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    let creds = format!("{}:{}", svc.get("BM_TOKEN_USER"), svc.get("BM_TOKEN_PASS"));
    let (v, err) = skopeo(&["--tls-verify=false", "--creds", &creds], &private);
    agree(&c, v, &err);

    // bob logs in, but has no pull scope on private/*.
    let mut o = svc.options(dir.path());
    o.credentials.push(svc.creds(
        "BM_REG_TOKEN",
        "BM_TOKEN_NOSCOPE_USER",
        "BM_TOKEN_NOSCOPE_PASS",
    ));
    let c = run(o, &private);
    assert_eq!(c.status, Status::Unauthorized, "{}", c.message);
    assert_eq!(c.details.reason.as_deref(), Some("no-pull-scope"));
    let creds = format!(
        "{}:{}",
        svc.get("BM_TOKEN_NOSCOPE_USER"),
        svc.get("BM_TOKEN_NOSCOPE_PASS")
    );
    let (v, err) = skopeo(&["--tls-verify=false", "--creds", &creds], &private);
    agree(&c, v, &err);

    // A wrong password: the token server refuses.
    let mut o = svc.options(dir.path());
    o.credentials.push(
        buildmedic_preflight::ScopedCredential::parse(&format!("{reg}=alice:wrong-password"), None)
            .unwrap(),
    );
    let c = run(o, &private);
    assert_eq!(c.status, Status::Unauthorized, "{}", c.message);
    assert_eq!(c.details.reason.as_deref(), Some("rejected"));
    assert!(c.message.contains("token server"), "{}", c.message);
    let (v, err) = skopeo(
        &["--tls-verify=false", "--creds", "alice:wrong-password"],
        &private,
    );
    agree(&c, v, &err);
}

/// Credentials reach only the registry they are for (and the realm it names): the token
/// server's log names the account of every token request.
#[test]
fn credentials_go_only_to_their_registry() {
    let Some(svc) = services("credentials_go_only_to_their_registry") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log = svc.get("BM_REG_TOKEN_LOG");
    let before = std::fs::read_to_string(&log).unwrap_or_default().len();
    // Credentials for the Basic registry only; the token registry must see no account.
    let mut o = svc.options(dir.path());
    o.credentials
        .push(svc.creds("BM_REG_BASIC", "BM_BASIC_USER", "BM_BASIC_PASS"));
    let c = run(o, &format!("{}/public/app:1.0", svc.get("BM_REG_TOKEN")));
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    let text = std::fs::read_to_string(&log).unwrap();
    let new: Vec<&str> = text[before..]
        .lines()
        .filter(|l| l.contains("account=") && l.contains("public/app"))
        .collect();
    assert!(
        !new.is_empty(),
        "no token request logged: {}",
        &text[before..]
    );
    assert!(new.iter().all(|l| l.contains("account=-")), "{new:?}");
}

#[test]
fn docker_config_credentials() {
    let Some(svc) = services("docker_config_credentials") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("docker");
    std::fs::create_dir_all(&cfg).unwrap();
    use base64::Engine;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        svc.get("BM_BASIC_USER"),
        svc.get("BM_BASIC_PASS")
    ));
    std::fs::write(
        cfg.join("config.json"),
        format!(
            r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#,
            svc.get("BM_REG_BASIC")
        ),
    )
    .unwrap();
    let mut o = svc.options(dir.path());
    o.docker_config_dir = Some(cfg.clone());
    let c = run(o, &format!("{}/private/app:1.0", svc.get("BM_REG_BASIC")));
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    assert!(
        image(&c)
            .credentials
            .as_deref()
            .is_some_and(|s| s.starts_with("docker config")),
        "{:?}",
        image(&c).credentials
    );

    // A broken config.json is a note, and the pull is anonymous.
    std::fs::write(cfg.join("config.json"), "{broken").unwrap();
    let mut o = svc.options(dir.path());
    o.docker_config_dir = Some(cfg);
    let p = Preflight::new(o).unwrap();
    let c = p.check_image(&ImageTarget::new(format!(
        "{}/private/app:1.0",
        svc.get("BM_REG_BASIC")
    )));
    assert_eq!(c.status, Status::Unauthorized);
    assert!(
        p.notes()
            .iter()
            .any(|n| n.contains("not a valid docker configuration")),
        "{:?}",
        p.notes()
    );
}

#[test]
fn forbidden_and_rate_limited() {
    let Some(svc) = services("forbidden_and_rate_limited") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let r = format!("{}/blocked/app:1.0", svc.get("BM_REG_GUARDED"));
    let c = run(svc.options(dir.path()), &r);
    assert_eq!(c.status, Status::Forbidden, "{}", c.message);
    assert_eq!(c.kind, Some("registry-auth"));
    assert_eq!(c.details.http_status, Some(403));
    let (v, err) = skopeo(&["--tls-verify=false"], &r);
    assert_eq!(v, Skopeo::Other, "{err}");
    assert!(err.contains("403"), "skopeo: {err}");
    // The same registry through the proxy serves other repositories.
    let c = run(
        svc.options(dir.path()),
        &format!("{}/demo/app:1.0", svc.get("BM_REG_GUARDED")),
    );
    assert_eq!(c.status, Status::Ok, "{}", c.message);

    // One request a minute: the first ones of this test use it up, then 429 after retries.
    let limited = svc.get("BM_REG_LIMITED");
    let mut last = None;
    for tag in ["1.0", "1.1", "latest"] {
        let c = run(
            svc.options(dir.path()),
            &format!("{limited}/demo/app:{tag}"),
        );
        last = Some(c);
    }
    let c = last.unwrap();
    assert_eq!(c.status, Status::RateLimited, "{}", c.message);
    assert_eq!(c.kind, Some("registry-auth"));
    // One retry (after a backoff) before giving up.
    assert!(c.message.contains("after 2 attempts"), "{}", c.message);
    assert_eq!(c.details.http_status, Some(429));
}

/// A registry behind a gateway that answers 502: retried with backoff, then an error.
#[test]
fn server_errors_are_retried_then_reported() {
    let Some(svc) = services("server_errors_are_retried_then_reported") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let r = format!("{}/demo/app:1.0", svc.get("BM_REG_GATEWAY"));
    let mut o = svc.options(dir.path());
    o.retries = 2;
    let c = run(o, &r);
    assert_eq!(c.status, Status::Error, "{}", c.message);
    assert_eq!(c.kind, Some("registry-unreachable"));
    assert_eq!(c.details.http_status, Some(502));
    assert!(c.message.contains("after 3 attempts"), "{}", c.message);
    let (v, err) = skopeo(&["--tls-verify=false"], &r);
    assert_eq!(v, Skopeo::Other, "{err}");
    assert!(err.contains("502"), "skopeo: {err}");
}

#[test]
fn unreachable_registries_say_why() {
    let Some(svc) = services("unreachable_registries_say_why") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            format!("127.0.0.1:{}/demo/app:1.0", svc.get("BM_CLOSED_PORT")),
            "connect",
            "connection refused",
        ),
        (
            format!("{}/demo/app:1.0", svc.get("BM_UNRESOLVABLE")),
            "dns",
            "no such host",
        ),
        (
            format!("{}/demo/app:1.0", svc.get("BM_REG_TLS")),
            "tls",
            "x509",
        ),
    ];
    for (r, reason, skopeo_says) in cases {
        let c = run(svc.options(dir.path()), &r);
        assert_eq!(c.status, Status::Unreachable, "{r}: {}", c.message);
        assert_eq!(c.kind, Some("registry-unreachable"));
        assert_eq!(
            c.details.reason.as_deref(),
            Some(reason),
            "{r}: {}",
            c.message
        );
        let (v, err) = skopeo(&[], &r);
        assert_eq!(v, Skopeo::Other, "{err}");
        assert!(err.contains(skopeo_says), "skopeo on {r}: {err}");
    }
    // Trusting the self-signed certificate makes the TLS registry work, for both.
    let mut o = svc.options(dir.path());
    o.ca_certs.push(svc.get("BM_REG_TLS_CA").into());
    let r = format!("{}/demo/app:1.0", svc.get("BM_REG_TLS"));
    let c = run(o, &r);
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    let certs = std::path::Path::new(&svc.get("BM_REG_TLS_CA"))
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("certs.d");
    let (v, err) = skopeo(&["--cert-dir", certs.to_str().unwrap()], &r);
    agree(&c, v, &err);
}

#[test]
fn invalid_references_and_offline() {
    let Some(svc) = services("invalid_references_and_offline") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let c = run(svc.options(dir.path()), "Demo/App:1.0");
    assert_eq!(c.status, Status::Invalid);
    assert_eq!(c.kind, Some("image-not-found"));

    let r = format!("{}/demo/app:1.0", svc.get("BM_REG_OPEN"));
    let mut o = svc.options(dir.path());
    o.offline = true;
    let c = run(o.clone(), &r);
    assert_eq!(c.status, Status::Error, "{}", c.message);
    assert_eq!(c.details.reason.as_deref(), Some("offline"));
    let online = run(svc.options(dir.path()), &r);
    assert_eq!(online.status, Status::Ok);
    let c = run(o, &r);
    assert_eq!(c.status, Status::Ok, "{}", c.message);
    assert_eq!(c.details.cache.as_deref(), Some("offline"));
    assert_eq!(image(&c).digest, image(&online).digest);
}

/// No secret of any service appears in any check of a run that used them all.
#[test]
fn credentials_never_appear_in_reports() {
    let Some(svc) = services("credentials_never_appear_in_reports") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut o = svc.options(dir.path());
    o.credentials
        .push(svc.creds("BM_REG_BASIC", "BM_BASIC_USER", "BM_BASIC_PASS"));
    o.credentials.push(svc.creds(
        "BM_REG_TOKEN",
        "BM_TOKEN_NOSCOPE_USER",
        "BM_TOKEN_NOSCOPE_PASS",
    ));
    let p = Preflight::new(o).unwrap();
    let mut targets = Targets::default();
    for r in [
        format!("{}/private/app:1.0", svc.get("BM_REG_BASIC")),
        format!("{}/private/app:9.9", svc.get("BM_REG_BASIC")),
        format!("{}/private/app:1.0", svc.get("BM_REG_TOKEN")),
        format!("{}/public/app:1.0", svc.get("BM_REG_TOKEN")),
    ] {
        targets.images.push(ImageTarget::new(r));
    }
    let report = p.run(&targets);
    assert_eq!(report.checks.len(), 4);
    let json = serde_json::to_string(&report.checks).unwrap();
    let debug = format!("{report:?}");
    for secret in svc.secrets() {
        assert!(
            !json.contains(&secret),
            "a secret leaked into the report: {json}"
        );
        assert!(
            !debug.contains(&secret),
            "a secret leaked into Debug output"
        );
    }
}
