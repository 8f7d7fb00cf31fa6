//! Fixtures of every registered check: every `positive*` fixture (file or directory) yields
//! findings of its check, snapshotted; every `negative*` fixture none.
//! Also: every registered check, whoever owns it, has both kinds of fixture.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use buildmedic_lint::{LintConfig, LintReport, lint_paths};

fn fixture_dir(check: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(check)
}

fn fixtures(check: &str, prefix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(fixture_dir(check))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(prefix))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Fixed reference date so EOL and SAS findings do not drift.
fn config() -> LintConfig {
    LintConfig::default()
        .with_today_str("2026-11-26")
        .expect("valid date")
}

fn lint(path: &Path) -> LintReport {
    lint_paths(&[path.to_path_buf()], &config())
}

fn render(report: &LintReport, check: &str, base: &Path) -> String {
    let base = base.display().to_string();
    report
        .diagnostics
        .iter()
        .filter(|d| d.check == check)
        .map(|d| {
            let file = d
                .file
                .replace(&base, "")
                .trim_start_matches('/')
                .to_string();
            // Messages may name resolved paths: keep snapshots independent of the checkout.
            let message = d.message.replace(&format!("{base}/"), "");
            let mut line = format!(
                "{file}:{}:{}-{}:{} {} {}: {message}",
                d.line, d.column, d.end_line, d.end_column, d.severity, d.check
            );
            if let Some(help) = &d.help {
                line.push_str(&format!(
                    "\n    help: {}",
                    help.replace(&format!("{base}/"), "")
                ));
            }
            if let Some(fix) = &d.fix {
                for edit in &fix.edits {
                    line.push_str(&format!(
                        "\n    fix: {} {:?} -> {:?}",
                        fix.description, edit.range, edit.replacement
                    ));
                }
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn positive_fixtures_report_their_check() {
    for info in buildmedic_lint::registry() {
        let check = info.id;
        let positives = fixtures(check, "positive");
        assert!(!positives.is_empty(), "{check}: no positive fixture");
        let mut out = Vec::new();
        for path in &positives {
            let report = lint(path);
            assert!(
                report.errors.is_empty(),
                "{}: {:?}",
                path.display(),
                report.errors
            );
            let rendered = render(&report, check, &fixture_dir(check));
            assert!(
                !rendered.is_empty(),
                "{}: expected findings of {check}",
                path.display()
            );
            out.push(rendered);
        }
        insta::assert_snapshot!(format!("positive_{check}"), out.join("\n"));
    }
}

#[test]
fn negative_fixtures_are_clean() {
    for info in buildmedic_lint::registry() {
        let check = info.id;
        let negatives = fixtures(check, "negative");
        assert!(!negatives.is_empty(), "{check}: no negative fixture");
        for path in &negatives {
            let report = lint(path);
            assert!(
                report.errors.is_empty(),
                "{}: {:?}",
                path.display(),
                report.errors
            );
            let rendered = render(&report, check, &fixture_dir(check));
            assert!(
                rendered.is_empty(),
                "{}: unexpected findings:\n{rendered}",
                path.display()
            );
        }
    }
}

#[test]
fn every_registered_check_has_fixtures_and_doc() {
    let mut missing = Vec::new();
    for info in buildmedic_lint::registry() {
        if fixtures(info.id, "positive").is_empty() || fixtures(info.id, "negative").is_empty() {
            missing.push(info.id);
        }
        let doc = info.doc_markdown();
        for section in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Fix",
        ] {
            assert!(doc.contains(section), "{}: doc lacks `{section}`", info.id);
        }
    }
    assert!(
        missing.is_empty(),
        "checks without positive+negative fixtures: {missing:?}"
    );
}
