//! Fixtures of the Dockerfile and image-reference checks: every `positive*` fixture yields
//! findings of its check (snapshotted), every `negative*` fixture none.

use std::path::{Path, PathBuf};

use buildmedic_lint::{LintConfig, LintReport, lint_image, lint_paths};

const CHECKS: &[&str] = &[
    "unknown-docker-instruction",
    "dockerfile-malformed",
    "dockerfile-too-large",
    "copy-file-not-found",
    "conda-bare-redirection",
    "apt-get-failed",
    "conda-command-not-found",
    "image-reference-invalid",
    "base-image-unpinned",
    "base-image-deprecated",
];

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

fn lint(path: &Path) -> LintReport {
    let config = LintConfig::default();
    lint_paths(&[path.to_path_buf()], &config)
}

/// One line per finding, with paths relative to the fixture directory.
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
            let mut line = format!(
                "{file}:{}:{}-{}:{} {} {}: {}",
                d.line, d.column, d.end_line, d.end_column, d.severity, d.check, d.message
            );
            if let Some(help) = &d.help {
                line.push_str(&format!("\n    help: {help}"));
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
    for check in CHECKS {
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
    for check in CHECKS {
        let negatives = fixtures(check, "negative");
        assert!(!negatives.is_empty(), "{check}: no negative fixture");
        for path in &negatives {
            let report = lint(path);
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
fn image_flag_runs_the_image_checks() {
    let config = LintConfig::default();
    let render_image = |r: &str| {
        lint_image(r, &config)
            .diagnostics
            .iter()
            .map(|d| format!("{} {} {}:{}", d.check, d.severity, d.column, d.end_column))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        render_image("Ubuntu:22.04"),
        ["image-reference-invalid error 1:2"]
    );
    assert_eq!(render_image("ubuntu"), ["base-image-unpinned error 1:7"]);
    assert_eq!(
        render_image("ubuntu:latest"),
        ["base-image-unpinned info 1:14"]
    );
    assert!(render_image("ubuntu:22.04").is_empty());
    assert_eq!(
        render_image("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20230509.v1"),
        ["base-image-deprecated error 1:63"]
    );
}
