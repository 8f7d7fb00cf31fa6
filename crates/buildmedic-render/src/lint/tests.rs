//! Snapshot tests of every lint output format on one small report.

use buildmedic_lint::rules::azureml::runtime_env_vars_in_definition;
use buildmedic_lint::rules::conda::conda_deps_unpinned;
use buildmedic_lint::rules::pip::{pip_interactive_auth, pip_invalid_operator};
use buildmedic_lint::{FileCx, FileKind, Fix, LintConfig, LintReport, Severity, SourceFile};

use super::{TextOptions, github, json, sarif, text};

const CONDA: &str = "name: demo\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.12\n  - pip>=24.0\n  - pip:\n    - numpy=1.26.4\n    - --extra-index-url https://alice:s3cr3t@pkgs.dev.azure.com/org/_packaging/feed/pypi/simple/\n    - pandas\n";

fn report() -> LintReport {
    let config = LintConfig::default()
        .with_today_str("2026-11-26")
        .expect("date");
    let file = SourceFile::new("envs/conda.yml", "envs/conda.yml", FileKind::Conda, CONDA);
    let mut cx = FileCx::new(&config, &file);
    let eq = CONDA.find("=1.26.4").expect("fixture");
    cx.report(
        &pip_invalid_operator::CHECK,
        eq..eq + 1,
        "`=` is not a valid pip operator in `numpy=1.26.4`",
    )
    .help("use `==`")
    .fix(Fix::replace("replace `=` with `==`", eq..eq + 1, "=="));
    let url = CONDA.find("https://alice").expect("fixture");
    let url_end = CONDA[url..].find('\n').map(|e| url + e).expect("fixture");
    cx.report(&pip_interactive_auth::CHECK, url..url_end, "package index `pkgs.dev.azure.com` needs credentials: https://alice:s3cr3t@pkgs.dev.azure.com")
        .help("create a PythonFeed workspace connection");
    let pandas = CONDA.find("pandas").expect("fixture");
    cx.report(
        &conda_deps_unpinned::CHECK,
        pandas..pandas + 6,
        "pip requirement `pandas` has no version",
    )
    .help("pin a version, e.g. `pandas==<version>`");
    let json_file = SourceFile::new(
        "azureml_environment.json",
        "azureml_environment.json",
        FileKind::AzureMlJson,
        "{\"environmentVariables\": {\"EXAMPLE_ENV_VAR\": \"EXAMPLE_VALUE\"}}\n",
    );
    let mut cx2 = FileCx::new(&config, &json_file);
    cx2.report(
        &runtime_env_vars_in_definition::CHECK,
        1..23,
        "`environmentVariables` holds azureml-core's placeholder",
    )
    .severity(Severity::Info);
    let mut diagnostics = cx.into_diagnostics();
    diagnostics.extend(cx2.into_diagnostics());
    LintReport {
        files: vec![file, json_file],
        diagnostics,
        errors: vec![buildmedic_lint::InputError {
            path: "broken.yml".into(),
            message: "invalid YAML: line 1 column 4: unclosed bracket '['".into(),
        }],
        skipped: Vec::new(),
    }
}

#[test]
fn text_frames() {
    let out = text(&report(), &TextOptions { color: false });
    assert!(
        !out.contains("s3cr3t"),
        "secrets must not reach the frame:\n{out}"
    );
    insta::assert_snapshot!(out);
}

#[test]
fn json_contract() {
    let out = json(&report());
    assert!(!out.contains("s3cr3t"));
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["schema"], "buildmedic.lint/v1");
    let d = &v["diagnostics"][0];
    for key in [
        "check",
        "severity",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "help",
        "fixable",
    ] {
        assert!(d.get(key).is_some(), "missing {key}");
    }
    insta::assert_snapshot!(out);
}

#[test]
fn sarif_log() {
    let out = sarif(&report());
    assert!(!out.contains("s3cr3t"));
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(v["runs"][0]["results"].as_array().map(Vec::len), Some(4));
    insta::assert_snapshot!(out.replace(env!("CARGO_PKG_VERSION"), "[version]"));
}

#[test]
fn github_annotations() {
    let out = github(&report());
    assert!(!out.contains("s3cr3t"));
    insta::assert_snapshot!(out);
}

#[test]
fn empty_report_summary() {
    let r = LintReport::default();
    assert_eq!(
        text(&r, &TextOptions::default()),
        "No problems found in 0 files.\n"
    );
}
