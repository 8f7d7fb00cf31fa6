//! Lint against the authorities' own test suites: the cases of `tests/conformance/*.jsonl`
//! (transcribed from pypa/packaging, pypa/pip, conda/conda and conda/rattler; see
//! `docs/lint-conformance.md`), each linted the way a real file is:
//!
//! - `kind: "requirement"` (the default for `pep*`/`pip*` files): the input is the text of a
//!   `requirements.txt` (one line, or several for continuations); `files` are written next
//!   to it (for `-r` includes).
//! - `kind: "conda"` (the default for `conda*` files): the input is one dependency of an
//!   `environment.yml`.
//!
//! A case agrees when `valid` and the lint found no error-severity diagnostic, or `!valid`
//! and it found at least one. A case may be `"deliberate": "why"`: a disagreement we chose
//! (counted apart, and it must still disagree, so stale notes are caught). The test fails on
//! any other disagreement, when a file's agreement on the cases not declared deliberate is
//! below 99.5 %, when more than 3 % of a file's cases are declared deliberate, or when a file
//! has fewer cases than its floor.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use buildmedic_lint::{LintConfig, Severity, lint_paths};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/conformance");

/// Fewest cases each file must have, so the test cannot pass on a truncated file.
const FLOORS: &[(&str, usize)] = &[
    ("pep508-requirements.jsonl", 5000),
    ("pep508-markers.jsonl", 2000),
    ("pep440-specifiers.jsonl", 400),
    ("pip-req-file.jsonl", 60),
    ("conda-matchspec.jsonl", 300),
    ("conda-version.jsonl", 300),
];

/// Agreement required on the cases not declared deliberate.
const MIN_AGREEMENT: f64 = 99.5;
/// At most this share of a file's cases may be declared deliberate differences.
const MAX_DELIBERATE: f64 = 3.0;

struct Outcome {
    errors: Vec<String>,
}

/// Checks of policy, not grammar, are off: `python-version-unsupported` (an end-of-life
/// Python is a valid spec) and `pip-requirements-file-missing` is kept on (cases that
/// include files bring them along).
const POLICY_CHECKS: &[&str] = &["python-version-unsupported"];

fn config() -> LintConfig {
    let mut config = LintConfig::default()
        .with_today_str("2026-11-26")
        .expect("valid date");
    config
        .ignore(
            POLICY_CHECKS.iter().map(|s| s.to_string()).collect(),
            buildmedic_lint::is_known_check,
        )
        .expect("known check ids");
    config
}

fn lint_requirement(dir: &Path, case: &Value, input: &str, config: &LintConfig) -> Outcome {
    if let Some(files) = case.get("files").and_then(Value::as_object) {
        for (name, text) in files {
            std::fs::write(dir.join(name), text.as_str().unwrap_or("")).unwrap();
        }
    }
    let path = dir.join("requirements.txt");
    std::fs::write(&path, format!("{input}\n")).unwrap();
    outcome(&path, config)
}

fn lint_conda(dir: &Path, input: &str, config: &LintConfig) -> Outcome {
    let path = dir.join("environment.yml");
    // A JSON string is a YAML double-quoted scalar.
    let quoted = serde_json::to_string(input).unwrap();
    std::fs::write(
        &path,
        format!("name: conformance\nchannels:\n  - conda-forge\ndependencies:\n  - {quoted}\n"),
    )
    .unwrap();
    outcome(&path, config)
}

fn outcome(path: &Path, config: &LintConfig) -> Outcome {
    let report = lint_paths(&[path.to_path_buf()], config);
    let mut errors: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}: {}", d.check, d.message))
        .collect();
    errors.extend(report.errors.iter().map(|e| format!("input error: {e:?}")));
    Outcome { errors }
}

struct Tally {
    file: String,
    cases: usize,
    agree: usize,
    deliberate: usize,
    failures: Vec<String>,
}

fn run_file(path: &Path, config: &LintConfig) -> Tally {
    let file = path.file_name().unwrap().to_string_lossy().to_string();
    let default_kind = if file.starts_with("conda") {
        "conda"
    } else {
        "requirement"
    };
    let text = std::fs::read_to_string(path).unwrap();
    let mut tally = Tally {
        file: file.clone(),
        cases: 0,
        agree: 0,
        deliberate: 0,
        failures: Vec::new(),
    };
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        tally.cases += 1;
        let case: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                tally
                    .failures
                    .push(format!("{file}:{}: bad JSON: {e}", n + 1));
                continue;
            }
        };
        let (Some(input), Some(valid)) = (
            case.get("input").and_then(Value::as_str),
            case.get("valid").and_then(Value::as_bool),
        ) else {
            tally
                .failures
                .push(format!("{file}:{}: needs `input` and `valid`", n + 1));
            continue;
        };
        if case.get("source").and_then(Value::as_str).is_none() {
            tally
                .failures
                .push(format!("{file}:{}: needs a `source`", n + 1));
        }
        let dir = tempfile::tempdir().unwrap();
        let kind = case
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or(default_kind);
        let got = match kind {
            "conda" => lint_conda(dir.path(), input, config),
            _ => lint_requirement(dir.path(), &case, input, config),
        };
        let lint_valid = got.errors.is_empty();
        let deliberate = case.get("deliberate").and_then(Value::as_str);
        match (lint_valid == valid, deliberate) {
            (true, None) => tally.agree += 1,
            (false, Some(_)) => tally.deliberate += 1,
            (true, Some(why)) => tally.failures.push(format!(
                "{file}:{}: {input:?} is marked deliberate ({why}) but lint agrees now: remove the note",
                n + 1
            )),
            (false, None) => tally.failures.push(format!(
                "{file}:{}: {input:?}: expected {}, lint says {}",
                n + 1,
                if valid { "valid" } else { "invalid" },
                if lint_valid {
                    "valid".to_string()
                } else {
                    format!("invalid ({})", got.errors.join("; "))
                }
            )),
        }
    }
    tally
}

#[test]
fn lint_agrees_with_packaging_pip_and_conda() {
    let config = config();
    let mut paths: Vec<_> = std::fs::read_dir(DIR)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    paths.sort();
    let mut failures = Vec::new();
    for (name, _) in FLOORS {
        if !paths.iter().any(|p| p.ends_with(name)) {
            failures.push(format!("{name}: missing"));
        }
    }
    for path in &paths {
        let t = run_file(path, &config);
        let judged = t.cases - t.deliberate;
        let share = |n: usize, of: usize| {
            if of == 0 {
                0.0
            } else {
                100.0 * n as f64 / of as f64
            }
        };
        let all = share(t.agree, t.cases);
        let pct = share(t.agree, judged);
        let deliberate = share(t.deliberate, t.cases);
        eprintln!(
            "{}: {} cases, {} agree ({all:.2} % of all, {pct:.2} % of the {judged} not declared deliberate), {} deliberate differences, {} undeclared disagreements",
            t.file,
            t.cases,
            t.agree,
            t.deliberate,
            t.cases - t.agree - t.deliberate,
        );
        let floor = FLOORS
            .iter()
            .find(|(n, _)| *n == t.file)
            .map_or(1, |(_, f)| *f);
        if t.cases < floor {
            failures.push(format!("{}: {} cases, floor {floor}", t.file, t.cases));
        }
        if deliberate > MAX_DELIBERATE {
            failures.push(format!(
                "{}: {deliberate:.2} % of the cases are declared deliberate (at most {MAX_DELIBERATE} %)",
                t.file
            ));
        }
        if pct < MIN_AGREEMENT {
            failures.push(format!(
                "{}: agreement {pct:.2} % < {MIN_AGREEMENT} %",
                t.file
            ));
        }
        failures.extend(t.failures);
    }
    let shown: Vec<&String> = failures.iter().take(200).collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
