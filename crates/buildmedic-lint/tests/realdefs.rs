//! Evaluation over `../shared/realdefs` (51 real environment files with a manifest of
//! problems visible by eye). Skips, with a message, when the shared folder is absent.
//!
//! Asserts: no input errors or panics on any file; every manifest problem that a check
//! covers is reported by that check (unpinned-package lists name by name); the full list of
//! findings matches the reviewed snapshot (`docs/lint-realdefs.md` has the verdicts).
//!
//! Run: `cargo test -p buildmedic-lint --test realdefs -- --nocapture`
//! (`BUILDMEDIC_SHARED=/path/to/shared` to point elsewhere).

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use buildmedic_lint::{Diagnostic, LintConfig, lint_paths};

fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("BUILDMEDIC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    dir.join("realdefs/manifest.jsonl").is_file().then_some(dir)
}

/// Which check reports a manifest problem (matched by substring), or None: not covered.
const COVERAGE: &[(&str, Option<&str>)] = &[
    ("image uses :latest tag", Some("base-image-unpinned")),
    ("image without tag", Some("base-image-unpinned")),
    ("Ubuntu 18.04 base image", Some("base-image-deprecated")),
    ("no name field", Some("env-name-missing")),
    ("pip section but pip not listed", Some("pip-not-specified")),
    (
        "no channels (implicit defaults)",
        Some("conda-channels-missing"),
    ),
    (
        "template placeholders in pins",
        Some("pip-invalid-requirement"),
    ),
    ("without ref", Some("conda-deps-unpinned")),
    ("without name or ref", Some("conda-deps-unpinned")),
    ("pinned to branches", Some("conda-deps-unpinned")),
    (
        "'-r requirements.txt' (relative include)",
        Some("pip-requirements-file-missing"),
    ),
    (
        "'-r utils/requirements.txt' include",
        Some("pip-requirements-file-missing"),
    ),
    (
        "nested include '-r ../src",
        Some("pip-requirements-file-missing"),
    ),
    (
        "per-requirement '--index-url",
        Some("pip-requirement-option-ignored"),
    ),
    ("pip unpinned", Some("pip-not-pinned")),
    ("unpinned", Some("conda-deps-unpinned")),
];

fn covering(problem: &str) -> Option<&'static str> {
    if problem.contains("lower bound")
        || problem.contains("lower-bound")
        || problem.contains("upper-bound")
    {
        return None; // any constraint counts as pinned (catalog D29)
    }
    COVERAGE
        .iter()
        .find(|(needle, _)| problem.contains(needle))
        .and_then(|(_, c)| *c)
}

fn norm(s: &str) -> String {
    s.to_ascii_lowercase().replace(['_', '.'], "-")
}

/// Package names of "a, b and c unpinned (pip)" / "unpinned: a, b" problems.
fn unpinned_names(problem: &str) -> Vec<String> {
    if problem.contains("except") || problem.contains("among") || problem.contains("git+") {
        return Vec::new();
    }
    let text = problem.replace("(pip)", "");
    let list = match text.find("unpinned") {
        Some(i) if text[i..].contains(':') => text[i..]
            .split_once(':')
            .map(|(_, l)| l.to_string())
            .unwrap_or_default(),
        Some(i) => text[..i].to_string(),
        None => return Vec::new(),
    };
    let list = list.split(" while ").next().unwrap_or("").to_string();
    list.replace(" and ", ",")
        .split(',')
        .map(|n| n.split('[').next().unwrap_or("").trim().to_string())
        .filter(|n| !n.is_empty() && !n.contains(' '))
        .collect()
}

#[test]
fn realdefs_known_problems_are_reported() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared/realdefs not found (set BUILDMEDIC_SHARED)");
        return;
    };
    let root = shared.join("realdefs");
    let manifest = std::fs::read_to_string(root.join("manifest.jsonl")).expect("manifest");
    let config = LintConfig::default()
        .with_today_str("2026-11-26")
        .expect("date");
    let mut covered = 0;
    let mut not_covered = Vec::new();
    let mut all: Vec<String> = Vec::new();
    for line in manifest.lines().filter(|l| !l.trim().is_empty()) {
        let entry: serde_json::Value = serde_json::from_str(line).expect("manifest line");
        let rel = entry["file"].as_str().expect("file");
        let report = lint_paths(&[root.join(rel)], &config);
        assert!(report.errors.is_empty(), "{rel}: {:?}", report.errors);
        let own: Vec<&Diagnostic> = report
            .diagnostics
            .iter()
            .filter(|d| d.file.ends_with(rel))
            .collect();
        for d in &report.diagnostics {
            let file = d.file.rsplit("realdefs/").next().unwrap_or(&d.file);
            all.push(format!(
                "{file}:{}:{} {} {}",
                d.line, d.column, d.severity, d.check
            ));
        }
        for problem in entry["known_problems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str())
        {
            let Some(check) = covering(problem) else {
                not_covered.push(format!("{rel}: {problem}"));
                continue;
            };
            covered += 1;
            assert!(
                own.iter().any(|d| d.check == check),
                "{rel}: `{problem}` should be reported as {check}"
            );
            if check == "conda-deps-unpinned" {
                let messages = norm(
                    &own.iter()
                        .map(|d| d.message.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                );
                for name in unpinned_names(problem) {
                    let ok = (name == "pip" && own.iter().any(|d| d.check == "pip-not-pinned"))
                        || messages.contains(&format!("`{}`", norm(&name)));
                    assert!(ok, "{rel}: unpinned `{name}` not reported");
                }
            }
        }
    }
    eprintln!(
        "realdefs: {covered} known problems covered by a check and reported; {} not covered by any check",
        not_covered.len()
    );
    all.sort();
    all.dedup();
    insta::assert_snapshot!("realdefs_findings", all.join("\n"));
}
