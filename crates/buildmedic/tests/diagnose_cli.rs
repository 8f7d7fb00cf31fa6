//! End-to-end tests of `buildmedic diagnose`, `rules test`, `kinds` and `explain`: exit
//! codes, inputs (files, stdin, gzip, bad paths), output formats, user rules and
//! configuration, and a closed stdout.
//!
//! Every command runs in a fresh temporary directory with `XDG_CONFIG_HOME` and `HOME`
//! pointing into it, so no configuration of the machine running the tests leaks in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use assert_cmd::Command;
use buildmedic_kb::BUILTIN_KINDS;
use predicates::prelude::*;
use tempfile::TempDir;

const APT_FAILURE: &str = "\
Sending build context to Docker daemon  3.072kB
Step 1/2 : FROM ubuntu:22.04
 ---> 1a2b3c4d5e6f
Step 2/2 : RUN apt-get update && apt-get install -y libwidget-dev
 ---> Running in 3c4d5e6f7081
Reading package lists...
Building dependency tree...
E: Unable to locate package libwidget-dev
The command '/bin/sh -c apt-get update && apt-get install -y libwidget-dev' returned a non-zero code: 100
";

const SUCCESS: &str = "\
Step 1/2 : FROM python:3.11-slim
 ---> 1a2b3c4d5e6f
Step 2/2 : RUN pip install requests==2.31.0
 ---> Running in 3c4d5e6f7081
Successfully installed requests-2.31.0
Removing intermediate container 3c4d5e6f7081
 ---> 4d5e6f708192
Successfully built 4d5e6f708192
Successfully tagged app:latest
";

/// No built-in kind knows this failure; the user rule below does.
const WIDGET_FAILURE: &str = "\
Step 1/2 : FROM debian:bookworm-slim
 ---> 1a2b3c4d5e6f
Step 2/2 : RUN /build.sh --target widgets
 ---> Running in 3c4d5e6f7081
building widgets for target x86_64
ERROR: frobnicator calibration drifted by 42 units
giving up after 3 attempts
The command '/bin/sh -c /build.sh --target widgets' returned a non-zero code: 3
";

const WIDGET_RULE: &str = r#"kind = "widget-calibration"
title = "The widget frobnicator drifted out of calibration"
summary = """The build script checks the frobnicator and stops when it drifted."""
causes = ["The frobnicator was not recalibrated after an upgrade."]
affected = ["builds that run build.sh"]
fix = ["Recalibrate the frobnicator, then run {command} again."]
references = ["https://example.com/widgets"]

[[signature]]
id = "calibration-drifted"
pattern = 'ERROR: frobnicator calibration drifted by \d+ units'
weight = 0.9
emitter = "widget-tools"
source = "example/widget-tools:src/check.sh@v1"
examples = ["ERROR: frobnicator calibration drifted by 12 units"]
not_examples = ["WARNING: frobnicator calibration drifted by 2 units"]

[[fixture]]
file = "fixtures/pos-legacy.log"
expect = "primary"

[[fixture]]
file = "fixtures/neg-success.log"
expect = "succeeded"
"#;

struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir_all(dir.path().join("xdg")).expect("create xdg dir");
        Sandbox { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(&path, contents).expect("write file");
        path
    }

    /// A rule directory `dir` with the widget entry and its fixtures.
    fn widget_rules(&self, dir: &str) {
        self.write(&format!("{dir}/widget-calibration/kind.toml"), WIDGET_RULE);
        self.write(
            &format!("{dir}/widget-calibration/fixtures/pos-legacy.log"),
            WIDGET_FAILURE,
        );
        self.write(
            &format!("{dir}/widget-calibration/fixtures/neg-success.log"),
            SUCCESS,
        );
    }

    /// `buildmedic ARGS...` in the sandbox, without colours or the user's configuration.
    fn cmd(&self) -> Command {
        let mut cmd = Command::new(bin());
        cmd.current_dir(self.path())
            .env("NO_COLOR", "1")
            .env_remove("CLICOLOR_FORCE")
            .env("XDG_CONFIG_HOME", self.path().join("xdg"))
            .env("HOME", self.path());
        cmd
    }
}

fn bin() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("buildmedic")
}

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Each stdout line parsed as one JSON object.
fn json_lines(out: &std::process::Output) -> Vec<serde_json::Value> {
    stdout_of(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("gzip in memory");
    enc.finish().expect("gzip in memory")
}

// ---------------------------------------------------------------------------------------
// Exit codes and inputs
// ---------------------------------------------------------------------------------------

#[test]
fn exit_code_0_when_the_build_succeeded() {
    let sb = Sandbox::new();
    sb.write("ok.log", SUCCESS);
    sb.cmd()
        .args(["diagnose", "--no-config", "ok.log"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("ok: ok.log: the build succeeded"));
}

#[test]
fn exit_code_1_when_a_failure_is_found() {
    let sb = Sandbox::new();
    sb.write("apt.log", APT_FAILURE);
    sb.cmd()
        .args(["diagnose", "--no-config", "apt.log"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("error[apt-get-failed]"))
        .stdout(predicate::str::contains("apt.log:8"))
        .stdout(predicate::str::contains("libwidget-dev"));
    // A failure among successes is still a failure.
    sb.write("ok.log", SUCCESS);
    sb.cmd()
        .args(["diagnose", "--no-config", "ok.log", "apt.log", "ok.log"])
        .assert()
        .code(1);
}

#[test]
fn exit_code_2_for_bad_inputs_and_the_others_are_still_diagnosed() {
    let sb = Sandbox::new();
    sb.write("apt.log", APT_FAILURE);
    sb.write("ok.log", SUCCESS);
    std::fs::create_dir(sb.path().join("logs")).expect("mkdir");
    let out = sb
        .cmd()
        .args([
            "diagnose",
            "--no-config",
            "apt.log",
            "logs",
            "no-such.log",
            "ok.log",
        ])
        .output()
        .expect("run buildmedic");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("logs: is a directory"),
        "the directory is named: {stderr}"
    );
    assert!(
        stderr.contains("no-such.log"),
        "the missing file is named: {stderr}"
    );
    let stdout = stdout_of(&out);
    assert!(stdout.contains("error[apt-get-failed]"), "{stdout}");
    assert!(
        stdout.contains("ok: ok.log: the build succeeded"),
        "{stdout}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    // The same with JSON: one object per readable input.
    let out = sb
        .cmd()
        .args([
            "diagnose",
            "--no-config",
            "--format",
            "json",
            "no-such.log",
            "apt.log",
            "logs",
            "ok.log",
        ])
        .output()
        .expect("run buildmedic");
    assert_eq!(out.status.code(), Some(2));
    let sources: Vec<String> = json_lines(&out)
        .iter()
        .map(|v| v["source"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(sources, ["apt.log", "ok.log"]);
}

#[test]
fn dash_reads_stdin() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args(["diagnose", "--no-config", "--format", "json", "-"])
        .write_stdin(APT_FAILURE)
        .output()
        .expect("run buildmedic");
    assert_eq!(out.status.code(), Some(1));
    let docs = json_lines(&out);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["source"], "-");
    assert_eq!(docs[0]["findings"][0]["kind"], "apt-get-failed");

    sb.cmd()
        .args(["diagnose", "--no-config", "-"])
        .write_stdin(SUCCESS)
        .assert()
        .code(0);
}

#[test]
fn gzip_is_recognised_by_content_whatever_the_name() {
    let sb = Sandbox::new();
    let gz = gzip(APT_FAILURE.as_bytes());
    assert_eq!(&gz[..2], [0x1f, 0x8b]);
    sb.write("build.log", &gz);
    sb.write("build.log.gz", &gz);
    // Not gzip despite the name.
    sb.write("plain.gz", APT_FAILURE);
    let out = sb
        .cmd()
        .args([
            "diagnose",
            "--no-config",
            "--format",
            "json",
            "build.log",
            "build.log.gz",
            "plain.gz",
        ])
        .output()
        .expect("run buildmedic");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let docs = json_lines(&out);
    assert_eq!(docs.len(), 3);
    for d in &docs {
        assert_eq!(d["status"], "failed", "{d}");
        assert_eq!(d["findings"][0]["kind"], "apt-get-failed", "{d}");
        assert_eq!(d["findings"][0]["lines"], serde_json::json!([8]), "{d}");
        assert_eq!(d["stats"]["bytes"], APT_FAILURE.len(), "{d}");
    }

    // Gzip on stdin too.
    let out = sb
        .cmd()
        .args(["diagnose", "--no-config", "--format", "json", "-"])
        .write_stdin(gz)
        .output()
        .expect("run buildmedic");
    assert_eq!(json_lines(&out)[0]["findings"][0]["kind"], "apt-get-failed");
}

// ---------------------------------------------------------------------------------------
// JSON output
// ---------------------------------------------------------------------------------------

#[test]
fn json_is_one_object_per_input_per_line() {
    let sb = Sandbox::new();
    sb.write("apt.log", APT_FAILURE);
    sb.write("ok.log", SUCCESS);
    sb.write("widget.log", WIDGET_FAILURE);
    let out = sb
        .cmd()
        .args([
            "diagnose",
            "--no-config",
            "--format",
            "json",
            "apt.log",
            "ok.log",
            "widget.log",
        ])
        .output()
        .expect("run buildmedic");
    assert_eq!(out.status.code(), Some(1));
    let stdout = stdout_of(&out);
    assert!(stdout.ends_with('\n'));
    let docs = json_lines(&out);
    assert_eq!(docs.len(), 3, "{stdout}");
    for (doc, (source, status, kind)) in docs.iter().zip([
        ("apt.log", "failed", Some("apt-get-failed")),
        ("ok.log", "succeeded", None),
        ("widget.log", "failed", Some("unknown")),
    ]) {
        assert!(doc.is_object());
        assert_eq!(doc["schema"], "buildmedic.diagnosis/v1");
        assert_eq!(doc["source"], source);
        assert_eq!(doc["status"], status);
        assert_eq!(doc["findings"][0]["kind"].as_str(), kind, "{doc}");
        if let Some(findings) = doc["findings"].as_array() {
            let primaries = findings.iter().filter(|f| f["primary"] == true).count();
            assert_eq!(primaries, usize::from(kind.is_some()));
        }
    }
}

// ---------------------------------------------------------------------------------------
// User rules and configuration
// ---------------------------------------------------------------------------------------

#[test]
fn rules_dir_adds_a_kind_that_wins() {
    let sb = Sandbox::new();
    sb.write("widget.log", WIDGET_FAILURE);
    sb.widget_rules("myrules");
    let json = |extra: &[&str]| {
        let out = sb
            .cmd()
            .args(["diagnose", "--no-config", "--format", "json"])
            .args(extra)
            .arg("widget.log")
            .output()
            .expect("run buildmedic");
        assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
        json_lines(&out).remove(0)
    };
    assert_eq!(json(&[])["findings"][0]["kind"], "unknown");
    let d = json(&["--rules", "myrules"]);
    let p = &d["findings"][0];
    assert_eq!(p["kind"], "widget-calibration", "{d}");
    assert_eq!(p["primary"], true);
    assert_eq!(p["lines"], serde_json::json!([6]));
    assert_eq!(
        p["signatures"],
        serde_json::json!(["widget-calibration/calibration-drifted"])
    );
    assert_eq!(
        p["steps"][0],
        "Recalibrate the frobnicator, then run `/build.sh --target widgets` again."
    );

    // `kinds` and `explain` see it too.
    sb.cmd()
        .args(["kinds", "--no-config", "--rules", "myrules"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("widget-calibration"));
    sb.cmd()
        .args([
            "explain",
            "--no-config",
            "--rules",
            "myrules",
            "widget-calibration",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "The widget frobnicator drifted out of calibration",
        ));
}

#[test]
fn config_file_in_the_working_directory_adds_rules() {
    let sb = Sandbox::new();
    sb.write("widget.log", WIDGET_FAILURE);
    sb.widget_rules("myrules");
    sb.write("buildmedic.toml", "[diagnose]\nrules = [\"myrules\"]\n");
    sb.cmd()
        .args(["diagnose", "widget.log"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("error[widget-calibration]"));
    // ... also from a subdirectory (the nearest buildmedic.toml upwards).
    std::fs::create_dir(sb.path().join("sub")).expect("mkdir");
    sb.cmd()
        .current_dir(sb.path().join("sub"))
        .args(["diagnose", "../widget.log"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("error[widget-calibration]"));
    // `--no-config` ignores it.
    sb.cmd()
        .args(["diagnose", "--no-config", "widget.log"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("error[unknown]"));
}

#[test]
fn user_rules_directory_is_picked_up() {
    let sb = Sandbox::new();
    sb.write("widget.log", WIDGET_FAILURE);
    sb.widget_rules("xdg/buildmedic/rules");
    sb.cmd()
        .args(["diagnose", "widget.log"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("error[widget-calibration]"));
    sb.cmd()
        .args(["diagnose", "--no-config", "widget.log"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("error[unknown]"));
}

/// Broken entries: (name, the `[[signature]]` table text from line 9 of the file, the
/// `file:line:col` expected).
fn broken_rules() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        (
            "bad regex",
            "[[signature]]\nid = \"x\"\npattern = 'ERROR: (unclosed'\nweight = 0.9\n",
            r"broken-kind/kind\.toml:(9|11):\d+: signature `x`: pattern",
        ),
        (
            "unknown field",
            "[[signature]]\nid = \"x\"\npattern = 'ERROR: x'\nweight = 0.9\nwieght = 0.3\n",
            r"broken-kind/kind\.toml:13:\d+: unknown field `wieght`",
        ),
        (
            "bad TOML",
            "[[signature]]\nid = \"x\npattern = 'ERROR: x'\n",
            r"broken-kind/kind\.toml:10:\d+: ",
        ),
    ]
}

fn write_broken(sb: &Sandbox, dir: &str, signature: &str) {
    let head = "kind = \"broken-kind\"\ntitle = \"Broken\"\nsummary = \"A broken entry.\"\n\
                causes = []\naffected = []\nfix = []\nreferences = []\n\n";
    sb.write(
        &format!("{dir}/broken-kind/kind.toml"),
        format!("{head}{signature}"),
    );
}

/// stderr with miette's line wrapping undone, so a long path cannot split a message.
fn unwrapped_stderr(out: &std::process::Output) -> String {
    stderr_of(out)
        .split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn broken_user_rule_is_exit_2_with_its_place() {
    for (name, signature, place) in broken_rules() {
        let sb = Sandbox::new();
        sb.write("apt.log", APT_FAILURE);
        write_broken(&sb, "broken", signature);
        let place = predicate::str::is_match(place).expect("a valid regex");
        let out = sb
            .cmd()
            .args(["diagnose", "--no-config", "--rules", "broken", "apt.log"])
            .output()
            .expect("run buildmedic");
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(out.stdout.is_empty(), "{name}: {}", stdout_of(&out));
        let stderr = unwrapped_stderr(&out);
        assert!(place.eval(&stderr), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        // The same through configuration (the path is then absolute).
        sb.write("buildmedic.toml", "[diagnose]\nrules = [\"broken\"]\n");
        let out = sb
            .cmd()
            .args(["diagnose", "apt.log"])
            .output()
            .expect("run buildmedic");
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = unwrapped_stderr(&out);
        assert!(place.eval(&stderr), "{name}: {stderr}");
    }
}

// ---------------------------------------------------------------------------------------
// `rules test`
// ---------------------------------------------------------------------------------------

#[test]
fn rules_test_passes_on_the_builtins() {
    let sb = Sandbox::new();
    sb.cmd()
        .args(["rules", "test"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(" 0 failed;"))
        .stdout(predicate::str::contains("FAIL").not());
}

#[test]
fn rules_test_runs_a_user_directory() {
    let sb = Sandbox::new();
    sb.widget_rules("myrules");
    sb.cmd()
        .args(["rules", "test", "-v", "myrules"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "ok     widget-calibration/fixtures/pos-legacy.log",
        ))
        .stdout(predicate::str::contains(
            "2 fixtures, 2 passed, 0 failed; 2 example lines, 0 failed; 1 entries",
        ));
}

#[test]
fn rules_test_checks_signature_examples() {
    let sb = Sandbox::new();
    sb.widget_rules("myrules");
    let wrong = WIDGET_RULE.replace(
        "examples = [\"ERROR: frobnicator calibration drifted by 12 units\"]",
        "examples = [\"ERROR: frobnicator calibration drifted by many units\"]",
    );
    assert_ne!(wrong, WIDGET_RULE);
    sb.write("myrules/widget-calibration/kind.toml", wrong);
    sb.cmd()
        .args(["rules", "test", "myrules"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "FAIL   widget-calibration/calibration-drifted (myrules/widget-calibration/kind.toml:9): example \"ERROR: frobnicator calibration drifted by many units\" does not match the pattern",
        ))
        .stdout(predicate::str::contains("2 example lines, 1 failed"));
}

#[test]
fn rules_test_reads_signature_files() {
    let sb = Sandbox::new();
    sb.widget_rules("myrules");
    sb.write(
        "myrules/widget-calibration/signatures/widget-cli.toml",
        "source = \"example/widget-cli:main.go@v3\"\n\n[[signature]]\nid = \"cli-drift\"\npattern = 'widget: calibration lost'\nweight = 0.8\nexamples = [\"widget: calibration lost\"]\n",
    );
    sb.cmd()
        .args(["rules", "test", "myrules"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("3 example lines, 0 failed"));
    let out = sb
        .cmd()
        .args([
            "rules", "coverage", "--format", "json", "--rules", "myrules",
        ])
        .output()
        .expect("run buildmedic");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let cli = v["emitters"]
        .as_array()
        .expect("emitters")
        .iter()
        .find(|e| e["id"] == "widget-cli")
        .expect("the user emitter is listed");
    assert_eq!(
        cli["kinds"][0]["signatures"][0]["sources"][0],
        "example/widget-cli:main.go@v3"
    );
    // A broken signature file is reported with its own path and line.
    sb.write(
        "myrules/widget-calibration/signatures/widget-cli.toml",
        "[[signature]]\nid = \"cli-drift\"\npattern = 'widget: (calibration'\nweight = 0.8\n",
    );
    let out = sb
        .cmd()
        .args(["rules", "test", "myrules"])
        .output()
        .expect("run buildmedic");
    assert_eq!(out.status.code(), Some(2));
    let stderr = unwrapped_stderr(&out);
    assert!(
        stderr.contains("widget-cli.toml:1:1: signature") && stderr.contains("unclosed group"),
        "{stderr}"
    );
}

#[test]
fn rules_test_fails_on_a_wrong_expectation() {
    let sb = Sandbox::new();
    sb.widget_rules("myrules");
    // The success log cannot make the widget kind primary.
    let wrong = WIDGET_RULE.replace(
        "file = \"fixtures/neg-success.log\"\nexpect = \"succeeded\"",
        "file = \"fixtures/neg-success.log\"\nexpect = \"primary\"",
    );
    assert_ne!(wrong, WIDGET_RULE);
    sb.write("myrules/widget-calibration/kind.toml", wrong);
    sb.cmd()
        .args(["rules", "test", "myrules"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "FAIL   widget-calibration/fixtures/neg-success.log: expected primary `widget-calibration`, got status succeeded",
        ))
        .stdout(predicate::str::contains("1 failed"));
}

#[test]
fn rules_test_exits_2_on_a_broken_directory() {
    for (name, signature, place) in broken_rules() {
        let sb = Sandbox::new();
        write_broken(&sb, "broken", signature);
        let out = sb
            .cmd()
            .args(["rules", "test", "broken"])
            .output()
            .expect("run buildmedic");
        assert_eq!(out.status.code(), Some(2), "{name}");
        let re = predicate::str::is_match(place).expect("a valid regex");
        let stderr = unwrapped_stderr(&out);
        assert!(re.eval(&stderr), "{name}: {stderr}");
    }
    // A directory without entries is an error too.
    let sb = Sandbox::new();
    std::fs::create_dir(sb.path().join("empty")).expect("mkdir");
    sb.cmd()
        .args(["rules", "test", "empty"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no rule entries"));
}

// ---------------------------------------------------------------------------------------
// `kinds` and `explain`
// ---------------------------------------------------------------------------------------

#[test]
fn kinds_lists_every_kind() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args(["kinds", "--no-config"])
        .output()
        .expect("run buildmedic");
    assert_eq!(out.status.code(), Some(0));
    let listed: Vec<String> = stdout_of(&out)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    let mut expected: Vec<String> = BUILTIN_KINDS.iter().map(|k| (*k).to_string()).collect();
    expected.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(sorted, expected);

    let out = sb
        .cmd()
        .args(["kinds", "--no-config", "--format", "json"])
        .output()
        .expect("run buildmedic");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("kinds JSON");
    assert_eq!(v.as_array().map(Vec::len), Some(expected.len()));

    let out = sb
        .cmd()
        .args(["kinds", "--no-config", "--format", "markdown"])
        .output()
        .expect("run buildmedic");
    let md = stdout_of(&out);
    for k in &expected {
        assert!(md.contains(&format!("| `{k}` |")), "{k} missing: {md}");
    }
}

#[test]
fn explain_prints_the_entry() {
    let sb = Sandbox::new();
    sb.cmd()
        .args(["explain", "--no-config", "conda-package-not-found"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("conda-package-not-found: "))
        .stdout(predicate::str::contains("Potential causes:"))
        .stdout(predicate::str::contains("Fix steps:"))
        .stdout(predicate::str::contains("packages-not-found-error"));
    sb.cmd()
        .args([
            "explain",
            "--no-config",
            "--format",
            "markdown",
            "conda-package-not-found",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "## `conda-package-not-found` — ",
        ))
        .stdout(predicate::str::contains("**Fix steps**"))
        .stdout(predicate::str::contains("| `packages-not-found-error` |"));
}

#[test]
fn explain_of_an_unknown_id_exits_2() {
    let sb = Sandbox::new();
    sb.cmd()
        .args(["explain", "--no-config", "no-such-kind"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("`no-such-kind`"));
}

// ---------------------------------------------------------------------------------------
// A reader that goes away
// ---------------------------------------------------------------------------------------

/// Runs `args` with stdout piped, reads at most one line and closes the pipe; the process
/// must end without panicking.
fn with_closed_stdout(sb: &Sandbox, args: &[&str], read_one_line: bool) {
    let mut child = std::process::Command::new(bin())
        .current_dir(sb.path())
        .env("NO_COLOR", "1")
        .env("XDG_CONFIG_HOME", sb.path().join("xdg"))
        .env("HOME", sb.path())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn buildmedic");
    let stdout = child.stdout.take().expect("piped stdout");
    if read_one_line {
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read one line");
        assert!(!line.is_empty(), "{args:?}: no output at all");
    } else {
        drop(stdout);
    }
    let out = child.wait_with_output().expect("wait for buildmedic");
    let stderr = stderr_of(&out);
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert_ne!(out.status.code(), Some(101), "{args:?}: {stderr}");
    assert!(
        out.status.code().is_some(),
        "{args:?}: killed by a signal ({:?})",
        out.status
    );
}

#[test]
fn closed_stdout_does_not_panic() {
    let sb = Sandbox::new();
    sb.write("apt.log", APT_FAILURE);
    // Far more output than a pipe buffers, so writes happen after the reader left.
    let mut diagnose: Vec<&str> = vec!["diagnose", "--no-config"];
    diagnose.extend(std::iter::repeat_n("apt.log", 300));
    let mut diagnose_json = diagnose.clone();
    diagnose_json.extend(["--format", "json"]);
    for read_one_line in [true, false] {
        with_closed_stdout(&sb, &diagnose, read_one_line);
        with_closed_stdout(&sb, &diagnose_json, read_one_line);
        with_closed_stdout(&sb, &["kinds", "--no-config"], read_one_line);
        with_closed_stdout(
            &sb,
            &["kinds", "--no-config", "--format", "markdown"],
            read_one_line,
        );
        with_closed_stdout(
            &sb,
            &["explain", "--no-config", "conda-package-not-found"],
            read_one_line,
        );
        with_closed_stdout(&sb, &["rules", "test", "-v"], read_one_line);
    }
}

// ---------------------------------------------------------------------------------------
// Snapshots of the documentation commands
// ---------------------------------------------------------------------------------------

#[test]
fn kinds_markdown_snapshot() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args(["kinds", "--no-config", "--format", "markdown"])
        .output()
        .expect("run buildmedic");
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(stdout_of(&out));
}

#[test]
fn explain_text_snapshot() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args([
            "explain",
            "--no-config",
            "--format",
            "text",
            "conda-package-not-found",
        ])
        .output()
        .expect("run buildmedic");
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(stdout_of(&out));
}

#[test]
fn exit_zero_reports_failures_without_failing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("build.log");
    std::fs::write(
        &log,
        "Step 2/2 : RUN apt-get install -y nosuchpkg\nE: Unable to locate package nosuchpkg\n\
The command '/bin/sh -c apt-get install -y nosuchpkg' returned a non-zero code: 100\n",
    )
    .expect("write log");
    let out = assert_cmd::Command::cargo_bin("buildmedic")
        .expect("binary")
        .args(["diagnose", "--no-config", "--exit-zero", "--format", "json"])
        .arg(&log)
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(d["status"], "failed");
    assert_eq!(d["findings"][0]["kind"], "apt-get-failed");
    // Input errors still exit 2.
    let missing = assert_cmd::Command::cargo_bin("buildmedic")
        .expect("binary")
        .args(["diagnose", "--no-config", "--exit-zero"])
        .arg(dir.path().join("missing.log"))
        .output()
        .expect("run");
    assert_eq!(missing.status.code(), Some(2));
}

// ---------------------------------------------------------------------------------------
// `rules trace`
// ---------------------------------------------------------------------------------------

#[test]
fn rules_trace_explains_the_primary() {
    let sb = Sandbox::new();
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/azureml-build.log");
    let out = sb
        .cmd()
        .arg("rules")
        .arg("trace")
        .arg(&example)
        .output()
        .expect("run buildmedic");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("failed (the framing has a failure verdict)"),
        "{text}"
    );
    assert!(text.contains("primary: `incompatible-python`"), "{text}");
    assert!(
        text.contains("suppressed: explained by incompatible-python"),
        "{text}"
    );
    assert!(text.contains("0.90 = 0.9 × 1 × 1"), "{text}");
    // The example's password never reaches the trace.
    assert!(
        !text.contains("hunter2") && !text.contains("s3cr3t"),
        "{text}"
    );
    let out = sb
        .cmd()
        .arg("rules")
        .arg("trace")
        .arg("--format")
        .arg("json")
        .arg(&example)
        .output()
        .expect("run buildmedic");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["schema"], "buildmedic.trace/v1");
    assert_eq!(v["primary"], "incompatible-python");
    let matches = v["trace"]["matches"].as_array().expect("matches");
    assert!(matches.iter().any(
        |m| m["signature"] == "incompatible-python/pip-ignored-versions"
            && m["score"]["weight"].as_f64().is_some()
    ));
    // A missing log is an input error.
    sb.cmd()
        .args(["rules", "trace", "no-such.log"])
        .assert()
        .code(2);
}

const ENV_PIP_LOG: &str = "\
Step 3/3 : RUN pip install -r requirements.txt
ERROR: Could not find a version that satisfies the requirement torch==9.9.9 (from versions: 1.13.1, 2.0.1, 2.1.0rc1)
ERROR: No matching distribution found for torch==9.9.9
The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 1
";

/// `buildmedic diagnose build.log --env requirements.txt --offline EXTRA...` in `sb`.
fn diagnose_env(sb: &Sandbox, extra: &[&str]) -> std::process::Output {
    sb.cmd()
        .args([
            "diagnose",
            "build.log",
            "--env",
            "requirements.txt",
            "--offline",
        ])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn env_links_the_failure_to_the_definition_line_and_fix_writes_the_edit() {
    let sb = Sandbox::new();
    sb.write("build.log", ENV_PIP_LOG);
    sb.write("requirements.txt", "flask==2.3.2\ntorch==9.9.9\n");
    let out = diagnose_env(&sb, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(text.contains("--> requirements.txt:2:1"), "{text}");
    assert!(text.contains("-torch==9.9.9\n+torch==2.0.1\n"), "{text}");
    // Without --fix nothing is written.
    assert_eq!(
        std::fs::read_to_string(sb.path().join("requirements.txt")).unwrap(),
        "flask==2.3.2\ntorch==9.9.9\n"
    );
    let json = diagnose_env(&sb, &["--format", "json"]);
    let v = &json_lines(&json)[0];
    assert_eq!(v["findings"][0]["definition"]["line"], 2);
    assert_eq!(v["findings"][0]["edit"]["verification"], "from-log");
    let fixed = diagnose_env(&sb, &["--fix"]);
    assert_eq!(
        fixed.status.code(),
        Some(1),
        "the log still shows the failure"
    );
    assert!(
        stderr_of(&fixed).contains("fixed: requirements.txt"),
        "{}",
        stderr_of(&fixed)
    );
    assert_eq!(
        std::fs::read_to_string(sb.path().join("requirements.txt")).unwrap(),
        "flask==2.3.2\ntorch==2.0.1\n"
    );
}

#[test]
fn env_errors_are_exit_2_and_fix_needs_env() {
    let sb = Sandbox::new();
    sb.write("build.log", ENV_PIP_LOG);
    let out = sb
        .cmd()
        .args([
            "diagnose",
            "build.log",
            "--env",
            "no-such-dir/environment.yml",
            "--offline",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("no-such-dir/environment.yml"),
        "{}",
        stderr_of(&out)
    );
    let out = sb
        .cmd()
        .args(["diagnose", "build.log", "--fix"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("--env"), "{}", stderr_of(&out));
}
