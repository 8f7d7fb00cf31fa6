//! End-to-end tests of `buildmedic lint`: exit codes, formats, configuration, suppression,
//! `--fix`, `--image`, and bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

const GOOD_CONDA: &str = "name: good\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.12\n  - pip>=24.0\n  - numpy=1.26.4\n  - pip:\n    - requests==2.32.3\n";
const BAD_CONDA: &str = "name: bad\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.12\n  - pip:\n    - numpy=1.26.4\n";
const WARN_CONDA: &str = "name: warn\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.12\n  - pip>=24.0\n  - numpy\n";

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// `buildmedic lint` in `dir`, with a fixed date and no colours.
fn lint(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("buildmedic").unwrap();
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .args(["lint", "--today", "2026-11-26"]);
    cmd
}

#[test]
fn exit_codes_follow_severity() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.yml", GOOD_CONDA);
    write(dir.path(), "bad.yml", BAD_CONDA);
    write(dir.path(), "warn.yml", WARN_CONDA);
    lint(dir.path())
        .arg("good.yml")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No problems found in 1 file."));
    lint(dir.path())
        .arg("bad.yml")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[pip-invalid-operator]"));
    lint(dir.path())
        .arg("warn.yml")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warning[conda-deps-unpinned]"));
    lint(dir.path())
        .args(["--strict", "warn.yml"])
        .assert()
        .code(1);
}

#[test]
fn text_output_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.yml", BAD_CONDA);
    let out = lint(dir.path()).arg("bad.yml").output().unwrap();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn json_output_follows_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.yml", BAD_CONDA);
    let out = lint(dir.path())
        .args(["--format", "json", "bad.yml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema"], "buildmedic.lint/v1");
    assert_eq!(v["files"][0], "bad.yml");
    insta::assert_json_snapshot!(v);
}

#[test]
fn sarif_and_github_formats() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.yml", BAD_CONDA);
    let out = lint(dir.path())
        .args(["--format", "sarif", "bad.yml"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(v["runs"][0]["results"][0]["ruleId"], "pip-not-specified");
    lint(dir.path())
        .args(["--format", "github", "bad.yml"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "::error file=bad.yml,line=7,col=12",
        ));
}

#[test]
fn bad_inputs_exit_2_and_the_rest_is_still_linted() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.yml", BAD_CONDA);
    write(dir.path(), "broken.yml", "name: x\ndependencies: [\n");
    let out = lint(dir.path())
        .args(["--format", "json", "missing.yml", "broken.yml", "bad.yml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("missing.yml: no such file or directory"),
        "{stderr}"
    );
    assert!(stderr.contains("broken.yml: invalid YAML"), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["check"] == "pip-invalid-operator")
    );
    assert_eq!(v["errors"].as_array().unwrap().len(), 2);
}

#[test]
fn directories_are_searched_and_references_followed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "env/environment.yml",
        "$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: AzureML-mine\nimage: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20250601.v1\nconda_file: conda.yml\n",
    );
    write(dir.path(), "env/conda.yml", BAD_CONDA);
    write(dir.path(), "env/.github/workflow.yml", "on: push\n");
    let out = lint(dir.path())
        .args(["--format", "json", "env"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let checks: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["check"].as_str())
        .collect();
    assert!(checks.contains(&"env-name-reserved-prefix"), "{checks:?}");
    assert!(checks.contains(&"pip-invalid-operator"), "{checks:?}");
    assert_eq!(v["files"].as_array().unwrap().len(), 2, "{v}");
}

#[test]
fn config_select_ignore_and_severity() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "warn.yml", WARN_CONDA);
    write(
        dir.path(),
        "buildmedic.toml",
        "[lint.severity]\nconda-deps-unpinned = \"error\"\n",
    );
    lint(dir.path())
        .arg("warn.yml")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[conda-deps-unpinned]"));
    lint(dir.path())
        .args(["--ignore", "conda-deps-unpinned", "warn.yml"])
        .assert()
        .code(0);
    write(
        dir.path(),
        "buildmedic.toml",
        "[lint]\nignore = [\"no-such-check\"]\n",
    );
    lint(dir.path())
        .arg("warn.yml")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-check"));
    lint(dir.path())
        .args(["--select", "nope", "--config", "/dev/null", "warn.yml"])
        .assert()
        .code(2);
}

#[test]
fn inline_suppression() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "env.yml",
        "name: s\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.12\n  - pip>=24.0\n  - numpy  # buildmedic: ignore[conda-deps-unpinned]\n",
    );
    write(
        dir.path(),
        "requirements.txt",
        "# buildmedic: ignore[pip-invalid-operator]\nnumpy=1.26.4\n",
    );
    lint(dir.path())
        .args(["--strict", "env.yml", "requirements.txt"])
        .assert()
        .code(0);
}

#[test]
fn fix_applies_safe_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad.yml", BAD_CONDA);
    lint(dir.path())
        .args(["--fix", "bad.yml"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "fixed bad.yml:7 [pip-invalid-operator]",
        ))
        .stderr(predicate::str::contains("2 fixes applied"));
    let fixed = std::fs::read_to_string(path).unwrap();
    assert!(fixed.contains("  - pip>=24.0\n  - pip:\n"), "{fixed}");
    assert!(fixed.contains("numpy==1.26.4"), "{fixed}");
}

#[test]
fn today_moves_python_end_of_life() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "py.yml",
        "name: p\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.10\n  - pip>=24.0\n",
    );
    let run = |today: &str| {
        let out = Command::cargo_bin("buildmedic")
            .unwrap()
            .current_dir(dir.path())
            .args(["lint", "--format", "json", "--today", today, "py.yml"])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["check"].as_str().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(run("2025-01-01"), Vec::<String>::new());
    assert_eq!(run("2026-07-02"), vec!["python-version-not-recommended"]);
    assert_eq!(run("2026-11-26"), vec!["python-version-unsupported"]);
}

#[test]
fn image_flag() {
    let dir = tempfile::tempdir().unwrap();
    lint(dir.path())
        .args(["--image", "ubuntu"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("base-image-unpinned"));
    lint(dir.path())
        .args(["--image", "ubuntu:22.04"])
        .assert()
        .code(0);
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("buildmedic")
        .unwrap()
        .current_dir(dir.path())
        .arg("lint")
        .assert()
        .code(2);
    lint(dir.path())
        .args(["--today", "yesterday", "x.yml"])
        .assert()
        .code(2);
}

#[test]
fn secrets_are_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "requirements.txt",
        "--extra-index-url https://alice:hunter2secret@pkgs.dev.azure.com/org/_packaging/f/pypi/simple/\nhttps://acct.blob.core.windows.net/w/pkg-1.0-py3-none-any.whl?sv=2022-11-02&se=2024-01-01&sp=r&sig=SIGNATURE0123\nnumpy=1\n",
    );
    for format in ["text", "json", "sarif", "github"] {
        let out = lint(dir.path())
            .args(["--format", format, "requirements.txt"])
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(all.contains("forbidden-blob"), "{format}: {all}");
        assert!(
            !all.contains("hunter2secret") && !all.contains("SIGNATURE0123"),
            "{format} leaks: {all}"
        );
    }
}

#[test]
fn inline_base_dockerfile_findings_point_at_the_json_string() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "azureml_environment.json",
        "{\n  \"name\": \"env\",\n  \"python\": {\"userManagedDependencies\": true},\n  \"docker\": {\"baseDockerfile\": \"FROM ubuntu:22.04\\nRUNN echo hi\\n\"}\n}\n",
    );
    let out = lint(dir.path())
        .args(["--format", "json", "azureml_environment.json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["check"] == "unknown-docker-instruction")
        .expect("the inline Dockerfile is linted");
    assert_eq!(d["file"], "azureml_environment.json");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(4), Some(32))
    );
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("docker.baseDockerfile line 2: "),
        "{d}"
    );
}
