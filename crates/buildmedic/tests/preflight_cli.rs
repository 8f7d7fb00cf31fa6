//! End-to-end tests of `buildmedic preflight` against the test services: exit codes, every
//! format, docker credential helpers, and that no credential reaches any output.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../buildmedic-preflight/tests/common/mod.rs"]
mod common;

use std::path::Path;

use assert_cmd::Command;
use common::{Services, services};

/// `buildmedic preflight` with the machine's credentials and caches kept out.
fn preflight(svc: &Services, home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("buildmedic").unwrap();
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env("BUILDMEDIC_CACHE_DIR", home.join("cache"))
        .args([
            "preflight",
            "--no-progress",
            "--retries",
            "1",
            "--backoff",
            "0.05",
        ]);
    for key in ["BM_REG_OPEN", "BM_REG_BASIC", "BM_REG_TOKEN"] {
        cmd.args(["--insecure-registry", &svc.get(key)]);
    }
    let realm = svc.get("BM_TOKEN_REALM");
    cmd.args([
        "--insecure-registry",
        realm
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or(""),
    ]);
    cmd
}

fn output(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn exit_codes_and_formats() {
    let Some(svc) = services("exit_codes_and_formats") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let open = svc.get("BM_REG_OPEN");
    let (code, out, err) =
        output(preflight(&svc, home.path()).args(["--image", &format!("{open}/demo/app:1.0")]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("ok image"), "{out}");
    assert!(out.ends_with("preflight: 1 check: 1 ok\n"), "{out}");

    let missing = format!("{open}/demo/app:9.9");
    let (code, out, _) = output(preflight(&svc, home.path()).args(["--image", &missing]));
    assert_eq!(code, 1);
    assert!(
        out.starts_with("error[image-not-found]: the tag `9.9`"),
        "{out}"
    );
    assert!(out.contains("help: Use a tag that exists"), "{out}");

    let (code, out, _) = output(preflight(&svc, home.path()).args([
        "--format",
        "json",
        "--image",
        &missing,
        "--image",
        &format!("{open}/demo/multi:1.0"),
    ]));
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "buildmedic.preflight/v1");
    assert!(
        out.starts_with("{\"schema\":\"buildmedic.preflight/v1\",\"checks\":["),
        "{out}"
    );
    let checks = v["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[0]["check"], "image");
    assert_eq!(checks[0]["status"], "not-found");
    assert_eq!(checks[0]["kind"], "image-not-found");
    let tags: Vec<&str> = checks[0]["details"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert_eq!(tags.len(), 3, "{tags:?}");
    assert!(tags.contains(&"1.0") && tags.contains(&"latest"));
    assert_eq!(checks[1]["status"], "ok");
    assert!(checks[1]["kind"].is_null());
    assert_eq!(checks[1]["details"]["platforms"][1], "linux/arm64/v8");

    let (code, out, _) =
        output(preflight(&svc, home.path()).args(["--format", "github", "--image", &missing]));
    assert_eq!(code, 1);
    assert!(
        out.starts_with("::error title=buildmedic preflight image-not-found::image "),
        "{out}"
    );
    let (code, out, _) =
        output(preflight(&svc, home.path()).args(["--format", "markdown", "--image", &missing]));
    assert_eq!(code, 1);
    assert!(out.contains("| ❌ | image |"), "{out}");
}

#[test]
fn usage_errors_exit_2() {
    let Some(svc) = services("usage_errors_exit_2") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    for args in [
        vec!["--platform", "linux"],
        vec![
            "--creds",
            "user:pw",
            "--image",
            "a.example/x:1",
            "--image",
            "b.example/y:1",
        ],
        vec!["--timeout", "0", "--image", "x:1"],
        vec!["--glibc", "two", "--image", "x:1"],
        vec!["--ca-cert", "/nonexistent/ca.pem", "--image", "x:1"],
    ] {
        let (code, out, err) = output(preflight(&svc, home.path()).args(&args));
        assert_eq!(code, 2, "{args:?}: {out}{err}");
    }
    let (code, _, _) = output(&mut {
        let mut c = Command::cargo_bin("buildmedic").unwrap();
        c.arg("preflight");
        c
    });
    assert_eq!(code, 2);
}

/// credHelpers and credsStore through a real docker-credential-* program on PATH.
#[test]
fn docker_credential_helpers() {
    let Some(svc) = services("docker_credential_helpers") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let basic = svc.get("BM_REG_BASIC");
    // The docker-credential protocol: `get`, the server on stdin, JSON on stdout.
    let helper = format!(
        "#!/bin/sh\nread server\nif [ \"$1\" = get ] && [ \"$server\" = \"{basic}\" ]; then\n  printf '{{\"ServerURL\":\"%s\",\"Username\":\"{}\",\"Secret\":\"{}\"}}' \"$server\"\n  exit 0\nfi\necho 'credentials not found in native keychain'\nexit 1\n",
        svc.get("BM_BASIC_USER"),
        svc.get("BM_BASIC_PASS")
    );
    let path = bin.join("docker-credential-bmtest");
    std::fs::write(&path, helper).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let docker = home.path().join(".docker");
    std::fs::create_dir_all(&docker).unwrap();
    let search = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let image = format!("{basic}/private/app:1.0");
    for (config, route) in [
        (
            format!(r#"{{"credHelpers":{{"{basic}":"bmtest"}}}}"#),
            "credHelpers: bmtest",
        ),
        (
            r#"{"credsStore":"bmtest"}"#.to_string(),
            "credsStore: bmtest",
        ),
    ] {
        std::fs::write(docker.join("config.json"), &config).unwrap();
        let (code, out, err) = output(
            preflight(&svc, home.path())
                .env("PATH", &search)
                .args(["--format", "json", "--image", &image]),
        );
        assert_eq!(code, 0, "{config}: {out}{err}");
        assert!(out.contains(route), "{out}");
        assert!(
            !out.contains(&svc.get("BM_BASIC_PASS")) && !err.contains(&svc.get("BM_BASIC_PASS"))
        );
    }
    // The helper has nothing for the token registry: anonymous, with a note.
    let (code, out, err) = output(preflight(&svc, home.path()).env("PATH", &search).args([
        "--image",
        &format!("{}/private/app:1.0", svc.get("BM_REG_TOKEN")),
    ]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("reason: no-credentials"), "{out}");
    assert!(
        out.contains("note: the credential helper docker-credential-bmtest found no credentials"),
        "{out}"
    );
}

/// Every secret handed to preflight (flags, environment, URLs) stays out of every format,
/// on success and on failure.
#[test]
fn no_secret_in_any_output() {
    let Some(svc) = services("no_secret_in_any_output") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let basic = svc.get("BM_REG_BASIC");
    let token = svc.get("BM_REG_TOKEN");
    let good = format!(
        "{basic}={}:{}",
        svc.get("BM_BASIC_USER"),
        svc.get("BM_BASIC_PASS")
    );
    let wrong_token = format!("{token}=alice:{}-but-wrong", svc.get("BM_TOKEN_PASS"));
    let env_creds = format!(
        "{token}={}:{}",
        svc.get("BM_TOKEN_NOSCOPE_USER"),
        svc.get("BM_TOKEN_NOSCOPE_PASS")
    );
    let index = svc.get("BM_PYPI_AUTH_URL").replacen(
        "http://",
        &format!(
            "http://{}:{}@",
            svc.get("BM_PYPI_USER"),
            svc.get("BM_PYPI_PASS")
        ),
        1,
    );
    for format in ["text", "json", "markdown", "github"] {
        for creds in [&good, &wrong_token] {
            let (_, out, err) = output(
                preflight(&svc, home.path())
                    .env("BUILDMEDIC_CREDS", &env_creds)
                    .args(["--format", format, "--creds", creds, "--index-url", &index])
                    .args(["--image", &format!("{basic}/private/app:1.0")])
                    .args(["--image", &format!("{basic}/private/app:0.0")])
                    .args(["--image", &format!("{token}/private/app:1.0")]),
            );
            for secret in svc.secrets() {
                assert!(!out.contains(&secret), "{format}: secret in stdout: {out}");
                assert!(!err.contains(&secret), "{format}: secret in stderr: {err}");
            }
        }
    }
}

/// A project directory: the Dockerfile's bases, the conda file's specs and its pip list,
/// the requirements file with its own index; every check says where it is written.
#[test]
fn definitions_are_checked_where_written() {
    let Some(svc) = services("definitions_are_checked_where_written") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let proj = home.path().join("proj");
    std::fs::create_dir_all(&proj).unwrap();
    let open = svc.get("BM_REG_OPEN");
    let conda = svc.get("BM_CONDA_URL");
    let pypi = svc.get("BM_PYPI_URL");
    std::fs::write(
        proj.join("Dockerfile"),
        format!("ARG TAG=1.0\nFROM {open}/demo/app:${{TAG}} AS base\nRUN true\nFROM {open}/demo/app:7.7\nCOPY --from=base /a /b\n"),
    )
    .unwrap();
    std::fs::write(
        proj.join("environment.yml"),
        format!("name: e\nchannels:\n  - {conda}/main\ndependencies:\n  - python=3.11\n  - demo-lib=1.0\n  - demo-lib=1.1\n  - pip:\n    - --index-url {pypi}\n    - demo-pkg\n"),
    )
    .unwrap();
    std::fs::write(
        proj.join("requirements.txt"),
        format!("--index-url {pypi}\nnative-pkg==1.2\nsdist-only\n"),
    )
    .unwrap();
    let (code, out, err) = output(preflight(&svc, home.path()).current_dir(home.path()).args([
        "--python",
        "3.11",
        "--suggest-channels",
        "",
        "--format",
        "json",
        "proj",
    ]));
    assert_eq!(code, 1, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let checks = v["checks"].as_array().unwrap();
    let find = |target: &str| {
        checks
            .iter()
            .find(|c| c["target"] == target)
            .unwrap_or_else(|| panic!("no check of {target}: {out}"))
    };
    let ok = find(&format!("{open}/demo/app:1.0"));
    assert_eq!(ok["status"], "ok");
    assert_eq!(ok["details"]["source"]["line"], 2);
    assert!(
        ok["details"]["source"]["file"]
            .as_str()
            .unwrap()
            .ends_with("Dockerfile")
    );
    let missing = find(&format!("{open}/demo/app:7.7"));
    assert_eq!(missing["kind"], "image-not-found");
    assert_eq!(missing["details"]["source"]["line"], 4);
    assert_eq!(find("demo-lib=1.0")["status"], "ok");
    let py = find("demo-lib=1.1");
    assert_eq!(py["kind"], "incompatible-python");
    assert_eq!(py["details"]["source"]["line"], 7);
    let pkg = find("demo-pkg");
    assert_eq!(pkg["status"], "ok", "{pkg}");
    assert_eq!(pkg["details"]["indexes"][0], format!("{pypi}/"));
    assert_eq!(
        find("native-pkg==1.2")["kind"],
        "pip-no-matching-distribution"
    );
    assert_eq!(find("sdist-only")["kind"], "wheel-build-failed");
    assert_eq!(find("sdist-only")["status"], "ok");

    // The text format points at the lines.
    let (_, text, _) = output(
        preflight(&svc, home.path())
            .current_dir(home.path())
            .args(["--python", "3.11", "proj"]),
    );
    assert!(text.contains("--> proj/environment.yml:7"), "{text}");
    assert!(text.contains("--> proj/Dockerfile:4"), "{text}");
}

/// On a terminal a progress line is drawn on stderr and cleared at the end; not otherwise.
#[test]
fn progress_line_only_on_a_terminal() {
    let Some(svc) = services("progress_line_only_on_a_terminal") else {
        return;
    };
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "progress_line_only_on_a_terminal: skipped: no `script` (util-linux) to give a terminal"
        );
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("buildmedic");
    let image = format!("{}/demo/app:1.0", svc.get("BM_REG_OPEN"));
    let cmd = format!(
        "{} preflight --insecure-registry {} --cache-dir {} --suggest-channels= --image {image} --color never",
        bin.display(),
        svc.get("BM_REG_OPEN"),
        home.path().join("cache").display()
    );
    // `script` runs the command on a pseudo-terminal and copies what it wrote.
    let out = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("HOME", home.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\r\x1b[2Kpreflight [1/1] "), "{text:?}");
    assert!(text.contains("ok image"), "{text:?}");
    // Without a terminal (and without --no-progress): no progress line.
    let (_, stdout, stderr) = output(
        Command::cargo_bin("buildmedic")
            .unwrap()
            .env("HOME", home.path())
            .args([
                "preflight",
                "--suggest-channels=",
                "--insecure-registry",
                &svc.get("BM_REG_OPEN"),
            ])
            .args(["--cache-dir", home.path().join("cache").to_str().unwrap()])
            .args(["--image", &image]),
    );
    assert!(
        !stderr.contains("preflight [") && !stdout.contains("\x1b"),
        "{stderr:?}"
    );
}
