//! The definition model (`buildmedic_lint::definition`): what a small project asks for, with
//! locations; that discovery is lint's own (same files, same order, same errors, on every
//! fixture of every check); and that lint's image findings sit on the model's images.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use buildmedic_lint::definition::{
    self, Definitions, FileKind, ImageSource, Location, PipParsed, PipRequirement,
};
use buildmedic_lint::{LintConfig, lint_paths};

fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/definitions/project")
}

fn discover_project() -> Definitions {
    let p = project();
    definition::discover(&[p.join("env.yml"), p.join("v1.json")]).expect("readable")
}

/// `file:line:col` with the project prefix removed.
fn at(l: &Location) -> String {
    let base = format!("{}/", project().display());
    format!("{}:{}:{}", l.file.replace(&base, ""), l.line, l.column)
}

#[test]
fn files_and_how_they_are_linked() {
    let defs = discover_project();
    let base = format!("{}/", project().display());
    let files: Vec<(String, FileKind, Option<usize>, Option<&str>)> = defs
        .files
        .iter()
        .map(|f| {
            (
                f.source.display.replace(&base, ""),
                f.source.kind,
                f.included_by,
                f.inline_field,
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            ("env.yml".to_string(), FileKind::AzureMlYaml, None, None),
            (
                "docker/Dockerfile".into(),
                FileKind::Dockerfile,
                Some(0),
                None
            ),
            ("conda.yml".into(), FileKind::Conda, Some(0), None),
            (
                "requirements.txt".into(),
                FileKind::Requirements,
                Some(2),
                None
            ),
            ("v1.json".into(), FileKind::AzureMlJson, None, None),
            (
                "v1.json#docker.baseDockerfile".into(),
                FileKind::Dockerfile,
                Some(4),
                Some("docker.baseDockerfile")
            ),
        ]
    );
    assert_eq!(defs.files[1].context_dir, Some(project().join("docker")));
}

#[test]
fn images_with_their_sources() {
    let defs = discover_project();
    let images: Vec<(String, &str, &str, ImageSource, bool)> = defs
        .images()
        .map(|i| {
            (
                at(&i.location),
                i.written.as_str(),
                i.reference.as_str(),
                i.source,
                i.parsed.is_ok(),
            )
        })
        .collect();
    assert_eq!(
        images,
        [
            (
                "docker/Dockerfile:2:6".to_string(),
                "${BASE}:20240709.v1",
                "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20240709.v1",
                ImageSource::DockerfileFrom,
                true
            ),
            (
                "docker/Dockerfile:3:13".into(),
                "ghcr.io/astral-sh/uv:0.4.0",
                "ghcr.io/astral-sh/uv:0.4.0",
                ImageSource::CopyFrom,
                true
            ),
            (
                "v1.json#docker.baseDockerfile:1:6".into(),
                "ubuntu:22.04",
                "ubuntu:22.04",
                ImageSource::DockerfileFrom,
                true
            ),
        ]
    );
    let first = defs.images().next().unwrap();
    assert!(first.substituted);
    let parsed = first.parsed.as_ref().unwrap();
    assert_eq!(parsed.domain, "mcr.microsoft.com");
    assert_eq!(parsed.tag.as_deref(), Some("20240709.v1"));
}

#[test]
fn conda_environments_channels_and_python() {
    let defs = discover_project();
    type Env<'a> = (String, Vec<&'a str>, Option<&'a str>, Vec<&'a str>);
    let envs: Vec<Env<'_>> = defs
        .conda()
        .map(|e| {
            (
                at(&e.location),
                e.channels.iter().map(String::as_str).collect(),
                e.python.as_deref(),
                e.specs.iter().map(|s| s.text.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        envs,
        [
            (
                "docker/Dockerfile:5:5".to_string(),
                vec!["conda-forge"],
                None,
                vec!["lightgbm=4.3"]
            ),
            (
                "conda.yml:1:1".into(),
                vec!["conda-forge", "defaults"],
                Some("python=3.10"),
                vec!["python=3.10", "numpy>=1.26,<2", "pip"]
            ),
            (
                "v1.json:6:26".into(),
                vec!["conda-forge"],
                Some("python=3.8"),
                vec!["python=3.8"]
            ),
        ]
    );
    let numpy = &defs.conda().nth(1).unwrap().specs[1];
    assert_eq!(at(&numpy.location), "conda.yml:7:5");
    let spec = numpy.spec.as_ref().unwrap();
    assert_eq!(
        spec.name.as_exact().map(|n| n.as_normalized()),
        Some("numpy")
    );
    assert!(spec.version.is_some());
}

/// (where, name, python, index urls, find links)
type PipSummary = (String, String, Option<String>, Vec<String>, Vec<String>);

fn pip_summary(p: &PipRequirement) -> PipSummary {
    let name = match &p.parsed {
        PipParsed::Requirement(r) => r.name.to_string(),
        other => format!("{other:?}"),
    };
    (
        at(&p.location),
        name,
        p.python.clone(),
        p.index
            .index_url
            .iter()
            .chain(&p.index.extra_index_urls)
            .cloned()
            .collect(),
        p.index.find_links.clone(),
    )
}

#[test]
fn pip_requirements_with_the_indexes_and_python_in_effect() {
    let defs = discover_project();
    let pip: Vec<_> = defs.pip().map(pip_summary).collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let py310 = Some("python=3.10".to_string());
    let conda_index = s(&["https://pkgs.example.org/simple"]);
    assert_eq!(
        pip,
        [
            (
                "docker/Dockerfile:4:67".to_string(),
                "scipy".to_string(),
                None,
                s(&["https://pypi.example.org/simple"]),
                vec![]
            ),
            // The conda `pip:` list and the file it includes are one pip invocation: the
            // options of both apply to both, and both get the environment's python.
            (
                "conda.yml:12:7".into(),
                "requests".into(),
                py310.clone(),
                conda_index.clone(),
                s(&["./wheels"])
            ),
            (
                "requirements.txt:2:1".into(),
                "pandas".into(),
                py310.clone(),
                conda_index.clone(),
                s(&["./wheels"])
            ),
            (
                "requirements.txt:3:1".into(),
                "torch".into(),
                py310,
                conda_index,
                s(&["./wheels"])
            ),
            (
                "v1.json:8:48".into(),
                "azureml-defaults".into(),
                Some("python=3.8".into()),
                vec![],
                vec![]
            ),
        ]
    );
    let scipy = defs.pip().next().unwrap();
    let text = std::fs::read_to_string(project().join("docker/Dockerfile")).unwrap();
    assert_eq!(&text[scipy.location.span.clone()], "\"scipy>=1.11\"");
    assert_eq!(scipy.text, "scipy>=1.11");
}

#[test]
fn dockerfile_instructions_and_copy_sources() {
    let defs = discover_project();
    let df = &defs.files[1].asks.instructions;
    let keywords: Vec<(&str, Option<usize>, usize)> = df
        .iter()
        .map(|i| (i.keyword.as_str(), i.stage, i.location.line))
        .collect();
    assert_eq!(
        keywords,
        [
            ("ARG", None, 1),
            ("FROM", Some(0), 2),
            ("COPY", Some(0), 3),
            ("RUN", Some(0), 4),
            ("FROM", Some(1), 6),
            ("COPY", Some(1), 7),
        ]
    );
    assert_eq!(df[3].location.end_line, 5);
    let sources: Vec<(&str, String)> = df[5]
        .copy_sources
        .iter()
        .map(|(s, l)| (s.as_str(), at(l)))
        .collect();
    assert_eq!(sources, [("app", "docker/Dockerfile:7:6".to_string())]);
    assert_eq!(
        df[2].flags[0],
        (
            "from".to_string(),
            Some("ghcr.io/astral-sh/uv:0.4.0".to_string())
        )
    );
}

#[test]
fn unreadable_inputs_are_an_error_with_what_could_be_read() {
    let p = project();
    let err = definition::discover(&[p.join("env.yml"), p.join("missing.yml")]).unwrap_err();
    assert_eq!(err.errors.len(), 1);
    assert!(err.errors[0].path.ends_with("missing.yml"));
    assert_eq!(err.errors[0].message, "no such file or directory");
    assert_eq!(err.partial.files.len(), 4);
    assert!(
        err.to_string()
            .contains("missing.yml: no such file or directory")
    );
}

fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs
}

/// Lint and the model read the same files in the same order, skip the same inputs and fail
/// on the same ones: discovery is one piece of code.
#[test]
fn discovery_is_lints_own() {
    let config = LintConfig::default();
    let mut inputs: Vec<Vec<PathBuf>> = fixture_dirs().into_iter().map(|d| vec![d]).collect();
    inputs.push(vec![project()]);
    inputs.push(vec![project().join("env.yml"), project().join("v1.json")]);
    inputs.push(vec![
        project().join("docker/app/main.py"),
        project().join("nope"),
    ]);
    for paths in inputs {
        let report = lint_paths(&paths, &config);
        let (defs, errors) = match definition::discover(&paths) {
            Ok(d) => (d, Vec::new()),
            Err(e) => (e.partial, e.errors),
        };
        let from_model: Vec<&str> = defs
            .files
            .iter()
            .filter(|f| f.inline_field.is_none())
            .map(|f| f.source.display.as_str())
            .collect();
        assert_eq!(from_model, report.file_names(), "{paths:?}");
        assert_eq!(defs.skipped, report.skipped, "{paths:?}");
        assert_eq!(errors, report.errors, "{paths:?}");
    }
}

/// Every finding of an image check is at an image of the model (the checks read it).
#[test]
fn image_findings_sit_on_model_images() {
    let config = LintConfig::default();
    let mut checked = 0;
    for dir in fixture_dirs() {
        let report = lint_paths(std::slice::from_ref(&dir), &config);
        let Ok(defs) = definition::discover(std::slice::from_ref(&dir)) else {
            continue;
        };
        for d in report.diagnostics.iter().filter(|d| {
            matches!(
                d.check,
                "image-reference-invalid" | "base-image-unpinned" | "base-image-deprecated"
            )
        }) {
            let on_image = defs.images().any(|i| {
                i.location.file == d.file
                    && i.location.span.start <= d.span.start
                    && d.span.end <= i.location.span.end
            });
            assert!(on_image, "{}: {d:?} is not at a model image", dir.display());
            checked += 1;
        }
    }
    assert!(
        checked >= 5,
        "only {checked} image findings in the fixtures"
    );
}

/// The v1 SDK's `save_to_directory` layout: `azureml_environment.json` without inline conda
/// dependencies reads the `conda_dependencies.yml` next to it, which is followed and linted.
#[test]
fn v1_saved_directory_reads_the_sibling_conda_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/conda-spec-missing/negative_v1_saved");
    let defs = definition::discover(&[dir.join("azureml_environment.json")]).expect("readable");
    let kinds: Vec<(FileKind, Option<usize>)> = defs
        .files
        .iter()
        .map(|f| (f.source.kind, f.included_by))
        .collect();
    assert_eq!(
        kinds,
        [(FileKind::AzureMlJson, None), (FileKind::Conda, Some(0))]
    );
    assert!(
        defs.files[1]
            .source
            .display
            .ends_with("conda_dependencies.yml")
    );
    let report = lint_paths(
        &[dir.join("azureml_environment.json")],
        &LintConfig::default(),
    );
    assert!(
        report
            .diagnostics
            .iter()
            .all(|d| d.check != "conda-spec-missing"),
        "{:?}",
        report.diagnostics
    );
    assert_eq!(report.files.len(), 2);
}
