//! End-to-end tests of `buildmedic stats`, `stats merge`, `diff` and `diagnose --baseline`,
//! driving the real binary: report contents and formats, sharding and merging, rule
//! suggestions that `rules test` accepts, input errors, exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

fn bm(home: &Path) -> Command {
    let mut c = Command::cargo_bin("buildmedic").unwrap();
    c.current_dir(home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("HOME", home)
        .env("NO_COLOR", "1");
    c
}

fn knowledge() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../knowledge")
}

fn diff_fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../buildmedic-fleet/tests/fixtures/diff")
        .join(name)
}

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

/// A report without what depends on timing.
fn timeless(mut v: Value) -> Value {
    let o = v.as_object_mut().unwrap();
    o.remove("slowest");
    o.remove("run");
    for l in o["largest"].as_array_mut().unwrap() {
        l.as_object_mut().unwrap().remove("micros");
    }
    v
}

/// A failure no built-in kind knows, with what varies between builds.
fn widget_log(host: u32, seat: u32, profile: &str) -> String {
    format!(
        "Step 1/2 : FROM python:3.11\n ---> 1a2b3c4d5e6f\nStep 2/2 : RUN widgetctl sync --profile {profile}\n ---> Running in 3c4d5e6f7081\nwidgetctl: fetching profile {profile}\nerror: license server lic-{host:02}.example.net refused seat {seat} for profile '{profile}'\nThe command '/bin/sh -c widgetctl sync --profile {profile}' returned a non-zero code: 3\n"
    )
}

#[test]
fn stats_json_report_has_the_contract_fields() {
    let home = TempDir::new().unwrap();
    let out = bm(home.path())
        .args(["stats", "--format", "json"])
        .arg(knowledge())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["schema"], "buildmedic.stats/v1");
    let logs = v["logs"].as_u64().unwrap();
    assert!(logs > 250);
    assert_eq!(
        logs,
        v["failed"].as_u64().unwrap() + v["succeeded"].as_u64().unwrap()
    );
    let by_kind: u64 = v["by_kind"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(by_kind, v["failed"].as_u64().unwrap());
    assert!(
        v["top_entities"]["apt-get-failed"]["package"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
    assert!(v["clusters"].as_array().is_some_and(|c| !c.is_empty()));
    for key in [
        "unknown_share",
        "largest",
        "slowest",
        "errors",
        "state",
        "over_time",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
}

#[test]
fn merging_the_reports_of_a_split_directory_equals_the_report_of_the_whole() {
    let home = TempDir::new().unwrap();
    let (a, b) = (home.path().join("a"), home.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let mut n = 0;
    for entry in std::fs::read_dir(knowledge()).unwrap() {
        let fixtures = entry.unwrap().path().join("fixtures");
        let Ok(files) = std::fs::read_dir(&fixtures) else {
            continue;
        };
        for f in files {
            let f = f.unwrap().path();
            let name = format!(
                "{}-{}",
                fixtures
                    .parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_string_lossy(),
                f.file_name().unwrap().to_string_lossy()
            );
            let shard = if n % 3 == 0 { &a } else { &b };
            std::fs::copy(&f, shard.join(name)).unwrap();
            n += 1;
        }
    }
    let run = |paths: &[&Path], cwd: &Path| {
        bm(cwd)
            .args(["stats", "--format", "json", "-j", "2"])
            .args(paths)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    // Sources are named relative to the working directory: run each shard from where the
    // whole run is, as a job array over a shared volume would.
    let whole = run(&[Path::new("a"), Path::new("b")], home.path());
    std::fs::write(
        home.path().join("a.json"),
        run(&[Path::new("a")], home.path()),
    )
    .unwrap();
    std::fs::write(
        home.path().join("b.json"),
        run(&[Path::new("b")], home.path()),
    )
    .unwrap();
    let merged = bm(home.path())
        .args(["stats", "merge", "--format", "json", "a.json", "b.json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let (whole, merged) = (json_of(&whole), json_of(&merged));
    assert_eq!(merged["run"]["shards"], 2);
    assert_eq!(timeless(merged.clone()), timeless(whole));
    // The shards' output concatenated (a Spark `pipe`'s part files) on stdin.
    let mut both = std::fs::read(home.path().join("b.json")).unwrap();
    both.extend(std::fs::read(home.path().join("a.json")).unwrap());
    let streamed = bm(home.path())
        .args(["stats", "merge", "--format", "json", "-"])
        .write_stdin(both)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(json_of(&streamed), merged);
}

#[test]
fn suggested_rules_pass_rules_test_and_classify_once_named() {
    let home = TempDir::new().unwrap();
    let logs = home.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    for (i, (host, seat, profile)) in [(7, 12, "prod"), (11, 3, "staging"), (2, 40, "nightly")]
        .into_iter()
        .enumerate()
    {
        std::fs::write(
            logs.join(format!("build-{i}.log")),
            widget_log(host, seat, profile),
        )
        .unwrap();
    }
    let out = bm(home.path())
        .args(["stats", "logs", "--suggest-rules", "suggested"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "wrote suggested/suggested-01: cluster 1 (3 logs)",
        ))
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("3 logs: 3 failed, 0 succeeded"), "{text}");
    assert!(text.contains("unknown: 100.0 % of failed logs"), "{text}");
    assert!(
        text.contains(
            "3 logs, 3 lines: error: license server <*> refused seat <NUM> for profile '<STR>'"
        ),
        "{text}"
    );
    bm(home.path())
        .args(["rules", "test", "suggested"])
        .assert()
        .success()
        .stdout(predicate::str::contains("3 fixtures, 3 passed, 0 failed"));

    // Name the kind: set the id and the folder.
    let dir = home.path().join("suggested");
    std::fs::rename(dir.join("suggested-01"), dir.join("widget-license")).unwrap();
    let toml_path = dir.join("widget-license/kind.toml");
    let toml = std::fs::read_to_string(&toml_path).unwrap();
    std::fs::write(
        &toml_path,
        toml.replace("kind = \"suggested-01\"", "kind = \"widget-license\""),
    )
    .unwrap();
    bm(home.path())
        .args(["rules", "test", "suggested"])
        .assert()
        .success();
    std::fs::write(home.path().join("new.log"), widget_log(99, 1, "canary")).unwrap();
    bm(home.path())
        .args(["diagnose", "--rules", "suggested", "new.log"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("error[widget-license]"));
}

#[test]
fn unreadable_inputs_exit_2_and_the_report_covers_the_rest() {
    let home = TempDir::new().unwrap();
    std::fs::write(home.path().join("a.log"), widget_log(1, 1, "x")).unwrap();
    let out = bm(home.path())
        .args([
            "stats",
            "--format",
            "json",
            "a.log",
            "missing.log",
            "*.nomatch",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("buildmedic: missing.log:"))
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["logs"], 1);
    assert_eq!(v["input_errors"], 2);
    assert_eq!(v["errors"][0]["path"], "*.nomatch");
}

#[test]
fn files_from_reads_a_list_and_gzip_is_read() {
    let home = TempDir::new().unwrap();
    let gz = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(widget_log(3, 3, "gz").as_bytes()).unwrap();
        e.finish().unwrap()
    };
    std::fs::write(home.path().join("b.log.gz"), gz).unwrap();
    std::fs::write(home.path().join("list.txt"), "b.log.gz\n\n").unwrap();
    let out = bm(home.path())
        .args(["stats", "--format", "json", "--files-from", "-"])
        .write_stdin("b.log.gz\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(json_of(&out)["by_kind"]["unknown"], 1);
    bm(home.path())
        .args(["stats", "--files-from", "list.txt"])
        .assert()
        .success();
    bm(home.path())
        .args(["stats"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no logs given"));
}

#[test]
fn merge_refuses_files_that_are_not_stats_reports() {
    let home = TempDir::new().unwrap();
    std::fs::write(
        home.path().join("d.json"),
        "{\"schema\":\"buildmedic.diagnosis/v1\"}",
    )
    .unwrap();
    bm(home.path())
        .args(["stats", "merge", "d.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "d.json: schema `buildmedic.diagnosis/v1` is not `buildmedic.stats/v1`",
        ));
    bm(home.path())
        .args(["stats", "merge", "nope.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope.json"));
}

#[test]
fn every_format_renders() {
    let home = TempDir::new().unwrap();
    let run = |format: &str| {
        let out = bm(home.path())
            .args(["stats", "--format", format])
            .arg(knowledge())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    };
    let text = run("text");
    assert!(
        text.contains("kind ") && text.contains("largest logs"),
        "{text}"
    );
    let md = run("markdown");
    assert!(md.starts_with("## buildmedic stats") && md.contains("| kind | logs | share |"));
    let csv = run("csv");
    assert!(csv.starts_with("section,kind,key,value,count,share\n"));
    assert!(csv.lines().any(|l| l.starts_with("kind,apt-get-failed,,,")));
    let html = run("html");
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(
        html.matches("<svg").count() >= 3,
        "kinds, entities, over time"
    );
    for external in ["<script", " src=", " href=", "<link", "@import"] {
        assert!(
            !html.contains(external),
            "the HTML report is offline: {external}"
        );
    }
}

#[test]
fn diff_exit_codes_and_json() {
    let home = TempDir::new().unwrap();
    bm(home.path())
        .arg("diff")
        .arg(diff_fixture("buildkit-failed.log"))
        .arg("--baseline")
        .arg(diff_fixture("buildkit-ok.log"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("+ 154 | store.StoreConfigError: model store manifest /mnt/models/manifest.json is empty"))
        .stdout(predicate::str::contains("11 of 160 lines are new"));
    bm(home.path())
        .arg("diff")
        .arg(diff_fixture("buildkit-ok.log"))
        .arg("--baseline")
        .arg(diff_fixture("buildkit-ok.log"))
        .assert()
        .success()
        .stdout(predicate::str::contains("0 of 156 lines are new"));
    let out = bm(home.path())
        .args(["diff", "--format", "json", "-C", "0"])
        .arg(diff_fixture("legacy-failed.log"))
        .arg("--baseline")
        .arg(diff_fixture("legacy-ok.log"))
        .arg(diff_fixture("legacy-ok2.log"))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["schema"], "buildmedic.diff/v1");
    assert_eq!(v["baselines"].as_array().unwrap().len(), 2);
    assert!(
        v["hunks"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|h| h["lines"].as_array().unwrap())
            .all(|l| l["novel"] == true)
    );
    bm(home.path())
        .args(["diff", "x.log", "--baseline", "missing-ok.log"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing-ok.log"));
}

#[test]
fn diagnose_baseline_picks_the_lines_successful_builds_do_not_have() {
    let home = TempDir::new().unwrap();
    let failed = diff_fixture("herring-failed.log");
    let ok = diff_fixture("herring-ok.log");
    // Without a baseline the unknown fallback shows the error-looking line that every
    // successful build prints too.
    bm(home.path())
        .arg("diagnose")
        .arg(&failed)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error: libfast not found"));
    let with = bm(home.path())
        .arg("diagnose")
        .arg(&failed)
        .arg("--baseline")
        .arg(&ok)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let with = String::from_utf8(with).unwrap();
    assert!(with.contains("Segmentation fault (core dumped)"), "{with}");
    assert!(!with.contains("libfast"), "{with}");
    // From stdin too.
    bm(home.path())
        .args(["diagnose", "-", "--baseline"])
        .arg(&ok)
        .pipe_stdin(&failed)
        .unwrap()
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Segmentation fault (core dumped)"));
    // A recognised failure is not touched.
    bm(home.path())
        .arg("diagnose")
        .arg(diff_fixture("buildkit-failed.log"))
        .arg("--baseline")
        .arg(diff_fixture("buildkit-ok.log"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("154 | store.StoreConfigError"));
}

fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("BUILDMEDIC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    dir.join("bench/gen_log.py").is_file().then_some(dir)
}

/// `stats` over generated logs counts what `diagnose` says of each one.
#[test]
fn stats_counts_match_diagnose_on_generated_logs() {
    let Some(shared) = shared() else {
        eprintln!(
            "skipping: ../shared/bench/gen_log.py not found (shared/ is not part of the repository)"
        );
        return;
    };
    let home = TempDir::new().unwrap();
    let dir = home.path().join("gen");
    std::fs::create_dir_all(&dir).unwrap();
    let failures = ["conda", "pip", "apt", "none", "body"];
    let mut files = Vec::new();
    for seed in 0..30u32 {
        let failure = failures[seed as usize % failures.len()];
        let mut args = vec![
            shared
                .join("bench/gen_log.py")
                .to_string_lossy()
                .into_owned(),
            "0.02".into(),
            "--seed".into(),
            seed.to_string(),
            "--failure".into(),
            failure.into(),
        ];
        if seed % 2 == 0 {
            args.push("--herrings".into());
        }
        let Ok(out) = std::process::Command::new("python3").args(&args).output() else {
            eprintln!("skipping: python3 not found");
            return;
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = dir.join(format!("{seed:03}-{failure}.log"));
        std::fs::write(&path, out.stdout).unwrap();
        files.push(path);
    }
    let stats = json_of(
        &bm(home.path())
            .args(["stats", "--format", "json", "-j", "2"])
            .arg(&dir)
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    let out = bm(home.path())
        .args(["diagnose", "--format", "json", "--exit-zero"])
        .args(&files)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let mut by_kind = serde_json::Map::new();
    let (mut failed, mut succeeded) = (0u64, 0u64);
    for line in String::from_utf8(out).unwrap().lines() {
        let d: Value = serde_json::from_str(line).unwrap();
        if d["status"] == "failed" {
            failed += 1;
            let kind = d["findings"][0]["kind"].as_str().unwrap().to_string();
            let n = by_kind.get(&kind).and_then(Value::as_u64).unwrap_or(0);
            by_kind.insert(kind, (n + 1).into());
        } else {
            succeeded += 1;
        }
    }
    assert_eq!(stats["logs"], 30);
    assert_eq!(stats["failed"], failed);
    assert_eq!(stats["succeeded"], succeeded);
    assert_eq!(stats["by_kind"], Value::Object(by_kind));
}
