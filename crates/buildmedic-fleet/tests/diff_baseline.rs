//! `diff` on pairs of builds of the same Dockerfile (fixtures written by
//! `fixtures/diff/generate.py`): a failed run against a successful one keeps the error lines
//! and drops at least 90 % of the rest.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use buildmedic_fleet::{Baseline, DiffOptions, DiffReport, diff};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/diff")
        .join(name)
}

fn run(failed: &str, baselines: &[&str]) -> DiffReport {
    let mut b = Baseline::new();
    for name in baselines {
        let bytes = std::fs::read(fixture(name)).unwrap();
        b.add(&bytes[..], name).unwrap();
    }
    let bytes = std::fs::read(fixture(failed)).unwrap();
    diff(&bytes[..], failed, &b, DiffOptions::default()).unwrap()
}

fn novel(r: &DiffReport) -> Vec<String> {
    r.hunks
        .iter()
        .flat_map(|h| &h.lines)
        .filter(|l| l.novel)
        .map(|l| l.text.clone())
        .collect()
}

/// Keeps every error line and at most 10 % of the other lines.
fn check(failed: &str, baselines: &[&str], error_lines: &[&str]) {
    let r = run(failed, baselines);
    let kept = novel(&r);
    for e in error_lines {
        assert!(
            kept.iter().any(|k| k == e),
            "{failed}: error line not kept: {e}\nkept: {kept:#?}"
        );
    }
    let other_lines = r.lines - error_lines.len() as u64;
    let other_kept = kept.len() as u64 - error_lines.len() as u64;
    let dropped = 1.0 - other_kept as f64 / other_lines as f64;
    assert!(
        dropped >= 0.9,
        "{failed}: only {:.1} % of the other lines dropped; kept: {kept:#?}",
        dropped * 100.0
    );
    assert_eq!(r.kept, kept.len() as u64, "nothing truncated");
    assert_eq!(r.lines, r.kept + r.in_baseline + r.repeated + r.blank);
}

const BUILDKIT_ERRORS: &[&str] = &[
    "Traceback (most recent call last):",
    "store.StoreConfigError: model store manifest /mnt/models/manifest.json is empty",
    "ERROR: failed to solve: process \"/bin/sh -c python -m compileall -q /app && python /app/check_env.py\" did not complete successfully: exit code: 1",
];

const LEGACY_ERRORS: &[&str] = &[
    "error during build:",
    "RollupError: src/pages/Report.tsx (14:9): \"formatBytes\" is not exported by \"src/lib/units.ts\", imported by \"src/pages/Report.tsx\".",
    "The command '/bin/sh -c npm run build' returned a non-zero code: 1",
];

#[test]
fn buildkit_failed_run_against_a_successful_one() {
    check("buildkit-failed.log", &["buildkit-ok.log"], BUILDKIT_ERRORS);
}

#[test]
fn legacy_failed_run_against_a_successful_one() {
    check("legacy-failed.log", &["legacy-ok.log"], LEGACY_ERRORS);
}

#[test]
fn two_baselines_remove_at_least_as_much_as_one() {
    let one = run("buildkit-failed.log", &["buildkit-ok.log"]);
    let two = run(
        "buildkit-failed.log",
        &["buildkit-ok.log", "buildkit-ok2.log"],
    );
    assert!(two.kept <= one.kept);
    check(
        "buildkit-failed.log",
        &["buildkit-ok.log", "buildkit-ok2.log"],
        BUILDKIT_ERRORS,
    );
}

#[test]
fn a_successful_run_against_another_is_all_removed() {
    let r = run("buildkit-ok2.log", &["buildkit-ok.log"]);
    assert!(r.kept <= 2, "{:#?}", novel(&r));
    let r = run("legacy-ok2.log", &["legacy-ok.log"]);
    assert!(r.kept <= 2, "{:#?}", novel(&r));
}

#[test]
fn without_masking_most_lines_would_look_new() {
    // The same comparison on raw text: what the masker buys.
    let set = |name: &str| -> std::collections::HashSet<String> {
        std::fs::read_to_string(fixture(name))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    };
    let ok = set("buildkit-ok.log");
    let failed = std::fs::read_to_string(fixture("buildkit-failed.log")).unwrap();
    let raw_new = failed.lines().filter(|l| !ok.contains(*l)).count();
    let masked_new = run("buildkit-failed.log", &["buildkit-ok.log"]).kept as usize;
    assert!(
        raw_new > 5 * masked_new,
        "raw {raw_new} vs masked {masked_new}"
    );
}

#[test]
fn context_lines_surround_novel_lines_in_order() {
    let r = run("legacy-failed.log", &["legacy-ok.log"]);
    let numbers: Vec<u64> = r
        .hunks
        .iter()
        .flat_map(|h| &h.lines)
        .map(|l| l.line)
        .collect();
    let mut sorted = numbers.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(numbers, sorted, "in order, each line once");
    let first = &r.hunks[0].lines;
    assert!(
        !first[0].novel && first[0].line + 2 == first[2].line,
        "two lines of context before"
    );
}
