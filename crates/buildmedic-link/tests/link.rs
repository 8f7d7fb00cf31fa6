//! `diagnose --env` end to end, offline: for every kind a definition line can cause, a log
//! written for the test and its definition; the linked line must be the one that asked for
//! what failed, and the suggested edit, applied, must remove the cause (checked again with
//! lint, or against the definition model). `online.rs` verifies edits with preflight against
//! the test services.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use buildmedic_engine::{Diagnosis, Engine, Finding};
use buildmedic_link::{Env, LinkOptions, PendingEdit, apply};
use buildmedic_lint::LintConfig;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builtin().expect("the built-in knowledge base loads"))
}

/// A build context in a temporary directory.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(files: &[(&str, &str)]) -> Case {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Case { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Diagnoses `log`, links it to `env` (offline) and returns the diagnosis and the edits.
    fn link(&self, log: &str, env: &[&str]) -> (Diagnosis, Vec<PendingEdit>) {
        let mut d = engine().diagnose_bytes(log.as_bytes(), "build.log");
        let paths: Vec<PathBuf> = env.iter().map(|e| self.path(e)).collect();
        let env = Env::open(
            &paths,
            LinkOptions {
                offline: true,
                preflight: None,
            },
        )
        .unwrap();
        let edits = env.link(&mut d);
        (d, edits)
    }

    /// The check ids lint reports on `path` now.
    fn lint_checks(&self, path: &str) -> Vec<&'static str> {
        let report = buildmedic_lint::lint_paths(&[self.path(path)], &LintConfig::default());
        report.diagnostics.iter().map(|d| d.check).collect()
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }
}

fn primary(d: &Diagnosis) -> &Finding {
    d.primary().expect("a primary finding")
}

/// Asserts the primary finding's kind and its definition line `file:line:column`, and
/// returns the finding.
fn expect_line<'a>(
    d: &'a Diagnosis,
    kind: &str,
    file_suffix: &str,
    line: usize,
    column: usize,
) -> &'a Finding {
    let f = primary(d);
    assert_eq!(f.kind, kind, "{d:#?}");
    let def = f
        .definition
        .as_ref()
        .unwrap_or_else(|| panic!("{kind}: no definition line: {f:#?}"));
    assert!(def.file.ends_with(file_suffix), "{def:#?}");
    assert_eq!((def.line, def.column), (line, column), "{def:#?}");
    assert!(
        def.frame.iter().any(|l| l.line == line),
        "the frame shows the line: {def:#?}"
    );
    f
}

fn applied(edits: &[PendingEdit]) {
    assert!(!edits.is_empty(), "an edit is proposed");
    for e in edits {
        apply(e).unwrap();
    }
}

const CONDA_ENV: &str = "\
name: demo
channels:
  - defaults
dependencies:
  - python=3.10
  - numpy=1.26
  - tensorflow=9.99
  - pip
  - pip:
    - requests==2.31.0
";

const CONDA_NOT_FOUND_LOG: &str = "\
Step 3/4 : RUN conda env create -f environment.yml
 ---> Running in 8c0e5c4f3a21
Collecting package metadata (repodata.json): ...working... done
Solving environment: ...working... failed

PackagesNotFoundError: The following packages are not available from current channels:

  - tensorflow=9.99

Current channels:

  - https://repo.anaconda.com/pkgs/main/linux-64
  - https://repo.anaconda.com/pkgs/main/noarch

The command '/bin/sh -c conda env create -f environment.yml' returned a non-zero code: 1
";

#[test]
fn conda_package_not_found_points_at_the_spec_and_drops_the_missing_pin() {
    let c = Case::new(&[("environment.yml", CONDA_ENV)]);
    let (d, edits) = c.link(CONDA_NOT_FOUND_LOG, &["environment.yml"]);
    let f = expect_line(&d, "conda-package-not-found", "environment.yml", 7, 5);
    let def = f.definition.as_ref().unwrap();
    assert_eq!(def.end_column, 20);
    assert!(def.what.contains("tensorflow=9.99"), "{def:#?}");
    let edit = f.edit.as_ref().unwrap();
    assert_eq!(edit.verification, "not-verified");
    assert!(edit.description.contains("9.99"), "{edit:#?}");
    assert!(
        edit.diff
            .contains("-  - tensorflow=9.99\n+  - tensorflow\n"),
        "{}",
        edit.diff
    );
    applied(&edits);
    let after = c.read("environment.yml");
    assert!(
        after.contains("  - tensorflow\n") && !after.contains("9.99"),
        "{after}"
    );
    // Nothing else changed.
    assert_eq!(after.lines().count(), CONDA_ENV.lines().count());
}

#[test]
fn conda_unsatisfiable_points_at_a_conflicting_spec() {
    let env = "\
channels:
  - conda-forge
dependencies:
  - python=3.8
  - pytorch=2.3
";
    let log = "\
Step 2/2 : RUN conda env create -f environment.yml
Collecting package metadata (repodata.json): done
Solving environment: failed

UnsatisfiableError: The following specifications were found
to be incompatible with the existing python installation in your environment:

Specifications:

  - pytorch=2.3 -> python[version='>=3.9,<3.13']

Your python: python=3.8

The command '/bin/sh -c conda env create -f environment.yml' returned a non-zero code: 1
";
    let c = Case::new(&[("environment.yml", env)]);
    let (d, _) = c.link(log, &["environment.yml"]);
    let f = primary(&d);
    let def = f.definition.as_ref().unwrap_or_else(|| panic!("{f:#?}"));
    assert!(
        matches!(def.line, 4 | 5),
        "a spec the solver names: {def:#?}"
    );
}

const PIP_LOG: &str = "\
Step 3/3 : RUN pip install -r requirements.txt
 ---> Running in 1f2e3d4c5b6a
Collecting flask==2.3.2
  Downloading flask-2.3.2-py3-none-any.whl (96 kB)
ERROR: Could not find a version that satisfies the requirement torch==9.9.9 (from versions: 1.13.0, 1.13.1, 2.0.0, 2.0.1, 2.1.0rc1)
ERROR: No matching distribution found for torch==9.9.9
The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 1
";

#[test]
fn pip_no_matching_distribution_pins_the_newest_release_the_log_lists() {
    let c = Case::new(&[("requirements.txt", "flask==2.3.2\ntorch==9.9.9\n")]);
    let (d, edits) = c.link(PIP_LOG, &["requirements.txt"]);
    let f = expect_line(&d, "pip-no-matching-distribution", "requirements.txt", 2, 1);
    let edit = f.edit.as_ref().unwrap();
    assert_eq!(edit.verification, "from-log");
    applied(&edits);
    // 2.0.1 is the newest final release the index listed; 2.1.0rc1 is a pre-release.
    assert_eq!(c.read("requirements.txt"), "flask==2.3.2\ntorch==2.0.1\n");
}

#[test]
fn a_pip_requirement_inside_a_conda_file_is_found_too() {
    let env = "\
dependencies:
  - python=3.11
  - pip
  - pip:
    - flask==2.3.2
    - Torch==9.9.9
";
    let c = Case::new(&[("conda.yml", env)]);
    let (d, edits) = c.link(PIP_LOG, &["conda.yml"]);
    expect_line(&d, "pip-no-matching-distribution", "conda.yml", 6, 7);
    applied(&edits);
    assert!(c.read("conda.yml").contains("    - torch==2.0.1\n"));
}

#[test]
fn copy_file_not_found_points_at_the_source_and_fixes_its_case() {
    let dockerfile = "\
FROM python:3.11-slim
WORKDIR /app
COPY src/requirements.txt /app/requirements.txt
RUN pip install -r /app/requirements.txt
";
    let log = "\
#5 [2/3] COPY src/requirements.txt /app/requirements.txt
#5 ERROR: failed to calculate checksum of ref 4c1a::abc: \"/src/requirements.txt\": not found
------
 > [2/3] COPY src/requirements.txt /app/requirements.txt:
------
ERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref 4c1a::abc: \"/src/requirements.txt\": not found
";
    let c = Case::new(&[
        ("Dockerfile", dockerfile),
        ("src/Requirements.txt", "flask\n"),
    ]);
    assert!(c.lint_checks("Dockerfile").contains(&"copy-file-not-found"));
    let (d, edits) = c.link(log, &["Dockerfile"]);
    let f = expect_line(&d, "copy-file-not-found", "Dockerfile", 3, 6);
    let def = f.definition.as_ref().unwrap();
    assert!(
        def.lint.iter().any(|n| n.check == "copy-file-not-found"),
        "lint's finding on the line is shown: {def:#?}"
    );
    assert_eq!(f.edit.as_ref().unwrap().verification, "build-context");
    applied(&edits);
    assert!(
        c.read("Dockerfile")
            .contains("COPY src/Requirements.txt /app/")
    );
    assert!(!c.lint_checks("Dockerfile").contains(&"copy-file-not-found"));
}

#[test]
fn a_missing_copy_source_without_a_lookalike_gets_the_line_but_no_edit() {
    let c = Case::new(&[("Dockerfile", "FROM alpine:3.20\nCOPY app.py /app/\n")]);
    let log = "\
Step 2/2 : COPY app.py /app/
COPY failed: file not found in build context or excluded by .dockerignore: stat app.py: file does not exist
";
    let (d, edits) = c.link(log, &["Dockerfile"]);
    let f = expect_line(&d, "copy-file-not-found", "Dockerfile", 2, 6);
    assert!(f.edit.is_none() && edits.is_empty(), "{f:#?}");
}

#[test]
fn a_deprecated_image_that_is_gone_is_replaced_by_its_successor() {
    let dockerfile =
        "FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20240101.v1\nRUN echo hi\n";
    let log = "\
Step 1/2 : FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20240101.v1
manifest for mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20240101.v1 not found: manifest unknown: manifest tagged by \"20240101.v1\" is not found
";
    let c = Case::new(&[("Dockerfile", dockerfile)]);
    assert!(
        c.lint_checks("Dockerfile")
            .contains(&"base-image-deprecated")
    );
    let (d, edits) = c.link(log, &["Dockerfile"]);
    let f = expect_line(&d, "image-not-found", "Dockerfile", 1, 6);
    assert!(
        f.edit
            .as_ref()
            .unwrap()
            .diff
            .contains("+FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04")
    );
    applied(&edits);
    assert!(
        !c.lint_checks("Dockerfile")
            .contains(&"base-image-deprecated")
    );
}

#[test]
fn registry_failures_point_at_the_from_line_of_the_image() {
    let dockerfile = "\
FROM python:3.11-slim AS base
FROM myregistry.azurecr.io/team/trainer:1.4 AS train
RUN echo hi
";
    let log = "\
#3 [internal] load metadata for myregistry.azurecr.io/team/trainer:1.4
#3 ERROR: unexpected status from HEAD request to https://myregistry.azurecr.io/v2/team/trainer/manifests/1.4: 401 Unauthorized
------
 > [internal] load metadata for myregistry.azurecr.io/team/trainer:1.4:
------
ERROR: failed to solve: myregistry.azurecr.io/team/trainer:1.4: unexpected status from HEAD request to https://myregistry.azurecr.io/v2/team/trainer/manifests/1.4: 401 Unauthorized
";
    let c = Case::new(&[("Dockerfile", dockerfile)]);
    let (d, edits) = c.link(log, &["Dockerfile"]);
    let f = expect_line(&d, "registry-auth", "Dockerfile", 2, 6);
    assert!(
        f.edit.is_none() && edits.is_empty(),
        "credentials are not an edit"
    );
}

#[test]
fn bare_redirection_in_a_succeeded_build_links_the_warning_and_quotes_the_spec() {
    let dockerfile = "FROM python:3.11-slim\nRUN pip install numpy>=1.20 pandas\n";
    let log = "\
Step 2/2 : RUN pip install numpy>=1.20 pandas
 ---> Running in 1f2e3d4c5b6a
Collecting numpy
Collecting pandas
Successfully installed numpy-1.26.4 pandas-2.2.0
Removing intermediate container 1f2e3d4c5b6a
 ---> 3a4b5c6d7e8f
Successfully built 3a4b5c6d7e8f
";
    let c = Case::new(&[("Dockerfile", dockerfile)]);
    let (d, edits) = c.link(log, &["Dockerfile"]);
    assert_eq!(d.status, buildmedic_engine::Status::Succeeded);
    let f = d
        .findings
        .iter()
        .find(|f| f.kind == "conda-bare-redirection")
        .unwrap_or_else(|| panic!("{d:#?}"));
    let def = f.definition.as_ref().unwrap();
    assert_eq!((def.line, def.column), (2, 17));
    assert_eq!(f.edit.as_ref().unwrap().verification, "lint");
    applied(&edits);
    assert_eq!(
        c.read("Dockerfile"),
        "FROM python:3.11-slim\nRUN pip install \"numpy>=1.20\" pandas\n"
    );
    assert!(
        !c.lint_checks("Dockerfile")
            .contains(&"conda-bare-redirection")
    );
}

#[test]
fn apt_get_without_yes_gets_lints_fix() {
    let dockerfile = "FROM ubuntu:22.04\nRUN apt-get update && apt-get install libgl1\n";
    let log = "\
Step 2/2 : RUN apt-get update && apt-get install libgl1
 ---> Running in 2f2e3d4c5b6a
Reading package lists...
After this operation, 2048 kB of additional disk space will be used.
Do you want to continue? [Y/n] Abort.
The command '/bin/sh -c apt-get update && apt-get install libgl1' returned a non-zero code: 1
";
    let c = Case::new(&[("Dockerfile", dockerfile)]);
    let (d, edits) = c.link(log, &["Dockerfile"]);
    expect_line(&d, "apt-get-failed", "Dockerfile", 2, 23);
    applied(&edits);
    assert!(c.read("Dockerfile").contains("apt-get install -y libgl1"));
    assert!(!c.lint_checks("Dockerfile").contains(&"apt-get-failed"));
}

#[test]
fn apt_get_of_a_missing_package_points_at_the_run_that_asks_for_it() {
    let dockerfile = "\
FROM ubuntu:22.04
RUN apt-get update && apt-get install -y curl
RUN apt-get install -y --no-install-recommends libwidget-dev
";
    let log = "\
Step 3/3 : RUN apt-get install -y --no-install-recommends libwidget-dev
 ---> Running in 3c4d5e6f7081
Reading package lists...
E: Unable to locate package libwidget-dev
The command '/bin/sh -c apt-get install -y --no-install-recommends libwidget-dev' returned a non-zero code: 100
";
    let c = Case::new(&[("Dockerfile", dockerfile)]);
    let (d, _) = c.link(log, &["Dockerfile"]);
    let f = primary(&d);
    assert_eq!(f.kind, "apt-get-failed");
    assert_eq!(f.definition.as_ref().unwrap().line, 3, "{f:#?}");
}

#[test]
fn pip_invalid_operator_gets_lints_fix() {
    let log = "\
Step 2/2 : RUN pip install -r requirements.txt
ERROR: Invalid requirement: 'numpy=1.26.4' (from line 2 of requirements.txt)
Hint: = is not a valid operator. Did you mean == ?
The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 1
";
    let c = Case::new(&[("requirements.txt", "flask==2.3.2\nnumpy=1.26.4\n")]);
    let (d, edits) = c.link(log, &["requirements.txt"]);
    expect_line(&d, "pip-invalid-operator", "requirements.txt", 2, 6);
    applied(&edits);
    assert_eq!(c.read("requirements.txt"), "flask==2.3.2\nnumpy==1.26.4\n");
    assert!(
        !c.lint_checks("requirements.txt")
            .contains(&"pip-invalid-operator")
    );
}

#[test]
fn wheel_build_failures_point_at_the_requirement() {
    let log = "\
Step 2/2 : RUN pip install -r requirements.txt
Collecting psutil==5.9.8
Building wheels for collected packages: psutil
  Building wheel for psutil (pyproject.toml): started
  psutil/_psutil_common.c:9:10: fatal error: Python.h: No such file or directory
      9 | #include <Python.h>
        |          ^~~~~~~~~~
  compilation terminated.
  error: command '/usr/bin/gcc' failed with exit code 1
  ERROR: Failed building wheel for psutil
Failed to build psutil
ERROR: Could not build wheels for psutil, which is required to install pyproject.toml-based projects
The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 1
";
    let c = Case::new(&[("requirements.txt", "requests==2.31.0\npsutil==5.9.8\n")]);
    let (d, edits) = c.link(log, &["requirements.txt"]);
    expect_line(&d, "wheel-build-failed", "requirements.txt", 2, 1);
    assert!(edits.is_empty(), "a compile error has no edit of the pin");
}

#[test]
fn incompatible_python_points_at_the_package() {
    let env = "\
dependencies:
  - python=3.12
  - pip
  - pip:
    - tensorflow==2.10.0
";
    let log = "\
Step 2/2 : RUN conda env create -f environment.yml
Pip subprocess error:
ERROR: Ignored the following versions that require a different python version: 2.10.0 Requires-Python >=3.7,<3.11
ERROR: Could not find a version that satisfies the requirement tensorflow==2.10.0 (from versions: 2.16.1, 2.16.2)
ERROR: No matching distribution found for tensorflow==2.10.0
CondaEnvException: Pip failed
The command '/bin/sh -c conda env create -f environment.yml' returned a non-zero code: 1
";
    let c = Case::new(&[("environment.yml", env)]);
    let (d, edits) = c.link(log, &["environment.yml"]);
    let f = expect_line(&d, "incompatible-python", "environment.yml", 5, 7);
    let edit = f.edit.as_ref().unwrap();
    assert!(
        edit.description.contains("needs another Python"),
        "{edit:#?}"
    );
    applied(&edits);
    // pip offered 2.16.1 and 2.16.2 to this Python: the newest is the pin that installs.
    assert!(
        c.read("environment.yml")
            .contains("    - tensorflow==2.16.2\n")
    );
}

#[test]
fn missing_command_points_at_the_run_line() {
    let dockerfile = "FROM debian:12-slim\nRUN echo start\nRUN wget -q https://example.com/x.tgz\n";
    let log = "\
Step 3/3 : RUN wget -q https://example.com/x.tgz
 ---> Running in 4d5e6f708192
/bin/sh: 1: wget: not found
The command '/bin/sh -c wget -q https://example.com/x.tgz' returned a non-zero code: 127
";
    let c = Case::new(&[("Dockerfile", dockerfile)]);
    let (d, _) = c.link(log, &["Dockerfile"]);
    expect_line(&d, "missing-command", "Dockerfile", 3, 1);
}

#[test]
fn unknown_instruction_points_at_lints_finding() {
    let dockerfile = "FROM python:3.11-slim\nRUNN pip install numpy==1.26.4\n";
    let log = "\
Sending build context to Docker daemon  2.048kB
Error response from daemon: dockerfile parse error line 2: unknown instruction: RUNN
";
    let c = Case::new(&[("Dockerfile", dockerfile)]);
    let (d, _) = c.link(log, &["Dockerfile"]);
    expect_line(&d, "unknown-docker-instruction", "Dockerfile", 2, 1);
}

#[test]
fn a_build_context_directory_is_searched_for_the_definitions() {
    let c = Case::new(&[
        (
            "ctx/Dockerfile",
            "FROM python:3.11-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
        ),
        ("ctx/requirements.txt", "flask==2.3.2\ntorch==9.9.9\n"),
    ]);
    let (d, _) = c.link(PIP_LOG, &["ctx"]);
    expect_line(&d, "pip-no-matching-distribution", "requirements.txt", 2, 1);
}

#[test]
fn nothing_is_linked_when_no_line_names_the_entities() {
    let c = Case::new(&[("requirements.txt", "flask==2.3.2\n")]);
    let (d, edits) = c.link(PIP_LOG, &["requirements.txt"]);
    let f = primary(&d);
    assert!(
        f.definition.is_none() && f.edit.is_none() && edits.is_empty(),
        "{f:#?}"
    );
}

#[test]
fn a_file_changed_since_it_was_read_is_not_overwritten() {
    let c = Case::new(&[("requirements.txt", "flask==2.3.2\ntorch==9.9.9\n")]);
    let (_, edits) = c.link(PIP_LOG, &["requirements.txt"]);
    std::fs::write(c.path("requirements.txt"), "torch==9.9.9\n").unwrap();
    let err = apply(&edits[0]).unwrap_err();
    assert!(
        err.to_string().contains("changed since it was read"),
        "{err}"
    );
    assert_eq!(c.read("requirements.txt"), "torch==9.9.9\n");
}

#[test]
fn secrets_in_the_definition_never_reach_the_output() {
    let secret = "s3cr3tP4ssw0rd";
    let reqs = format!(
        "--index-url https://user:{secret}@pypi.example.com/simple\nflask==2.3.2\ntorch==9.9.9\n"
    );
    let c = Case::new(&[("requirements.txt", &reqs)]);
    let (d, _) = c.link(PIP_LOG, &["requirements.txt"]);
    let f = expect_line(&d, "pip-no-matching-distribution", "requirements.txt", 3, 1);
    let json = serde_json::to_string(&d).unwrap();
    assert!(f.definition.as_ref().unwrap().frame.len() >= 2);
    assert!(!json.contains(secret), "{json}");
}

#[test]
fn an_env_path_that_does_not_exist_is_an_error() {
    let err = Env::open(
        &[Path::new("/nonexistent/buildmedic/env.yml").to_path_buf()],
        LinkOptions {
            offline: true,
            preflight: None,
        },
    )
    .err()
    .expect("an error");
    assert!(
        err.to_string().contains("/nonexistent/buildmedic/env.yml"),
        "{err}"
    );
}

/// Kinds whose definition line is found but whose fix is not one edit: one log and
/// definition each; the linked line must be the one named.
#[test]
fn every_kind_with_a_responsible_line_links_it() {
    struct Row {
        kind: &'static str,
        files: &'static [(&'static str, &'static str)],
        env: &'static str,
        log: &'static str,
        line: usize,
    }
    let rows = [
        Row {
            kind: "conda-bad-spec",
            files: &[(
                "environment.yml",
                "channels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - numpy=>1.26\n",
            )],
            env: "environment.yml",
            log: "Step 2/2 : RUN conda env create -f environment.yml\n\
Collecting package metadata (repodata.json): done\n\
\n\
InvalidVersionSpec: Invalid version '=>1.26': invalid operator\n\
\n\
The command '/bin/sh -c conda env create -f environment.yml' returned a non-zero code: 1\n",
            line: 5,
        },
        Row {
            kind: "conda-command-not-found",
            files: &[(
                "Dockerfile",
                "FROM python:3.11-slim\nRUN pip install build\nRUN conda install -y numpy=1.26\n",
            )],
            env: "Dockerfile",
            log: "Step 3/3 : RUN conda install -y numpy=1.26\n\
 ---> Running in 4d5e6f708192\n\
/bin/sh: 1: conda: not found\n\
The command '/bin/sh -c conda install -y numpy=1.26' returned a non-zero code: 127\n",
            line: 3,
        },
        Row {
            kind: "registry-unreachable",
            files: &[(
                "Dockerfile",
                "FROM registry.internal.example:5000/base/python:3.11\nRUN echo hi\n",
            )],
            env: "Dockerfile",
            log: "Step 1/2 : FROM registry.internal.example:5000/base/python:3.11\n\
Get \"https://registry.internal.example:5000/v2/\": dial tcp: lookup registry.internal.example on 127.0.0.11:53: no such host\n",
            line: 1,
        },
        Row {
            kind: "pip-resolution-impossible",
            files: &[("requirements.txt", "requests==2.31.0\nurllib3==1.20\n")],
            env: "requirements.txt",
            log: "Step 2/2 : RUN pip install -r requirements.txt\n\
ERROR: Cannot install -r requirements.txt (line 1) and urllib3==1.20 because these package versions have conflicting dependencies.\n\
\n\
The conflict is caused by:\n\
    The user requested urllib3==1.20\n\
    requests 2.31.0 depends on urllib3<3 and >=1.21.1\n\
\n\
ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/#dealing-with-dependency-conflicts\n\
The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 1\n",
            line: 2,
        },
        Row {
            kind: "mpi4py-build-failed",
            files: &[("requirements.txt", "numpy==1.26.4\nmpi4py==3.1.5\n")],
            env: "requirements.txt",
            log: "Step 2/2 : RUN pip install -r requirements.txt\n\
Collecting mpi4py==3.1.5\n\
Building wheels for collected packages: mpi4py\n\
  error: Cannot compile MPI programs. Check your configuration!!!\n\
  ERROR: Failed building wheel for mpi4py\n\
ERROR: Could not build wheels for mpi4py, which is required to install pyproject.toml-based projects\n\
The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 1\n",
            line: 2,
        },
        Row {
            kind: "pip-interactive-auth",
            files: &[(
                "requirements.txt",
                "--index-url https://pkgs.dev.azure.com/org/_packaging/feed/pypi/simple/\ncontoso-utils==1.4.0\n",
            )],
            env: "requirements.txt",
            log: "Step 2/2 : RUN pip install -r requirements.txt\n\
Looking in indexes: https://pkgs.dev.azure.com/org/_packaging/feed/pypi/simple/\n\
User for pkgs.dev.azure.com: ERROR: Exception:\n\
Traceback (most recent call last):\n\
EOFError: EOF when reading a line\n\
The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 2\n",
            line: 1,
        },
        Row {
            kind: "dockerfile-malformed",
            files: &[(
                "Dockerfile",
                "FROM python:3.11-slim\nRUN apt-get update && \\\n\nENV A=1\n",
            )],
            env: "Dockerfile",
            log: "Sending build context to Docker daemon  2.048kB\n\
Error response from daemon: failed to parse Dockerfile: Syntax error - can't find = in \"\". Must be of the form: name=value\n",
            // The empty line that ends the continuation.
            line: 3,
        },
        Row {
            kind: "pip-cannot-uninstall",
            files: &[("requirements.txt", "gym==0.21.0\nPyYAML>=5.4\n")],
            env: "requirements.txt",
            log: "Step 5/9 : RUN pip install --upgrade -r requirements.txt\n\
Installing collected packages: gym, PyYAML\n\
  Found existing installation: PyYAML 3.12\n\
ERROR: Cannot uninstall 'PyYAML'. It is a distutils installed project and thus we cannot accurately determine which files belong to it which would lead to only a partial uninstall.\n\
The command '/bin/sh -c pip install --upgrade -r requirements.txt' returned a non-zero code: 1\n",
            line: 2,
        },
        Row {
            kind: "pip-invalid-wheel-filename",
            files: &[(
                "requirements.txt",
                "numpy==1.26.4\n./wheels/mypkg-latest.whl\n",
            )],
            env: "requirements.txt",
            log: "Step 3/3 : RUN pip install -r requirements.txt\n\
ERROR: ./wheels/mypkg-latest.whl is not a valid wheel filename.\n\
The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 1\n",
            line: 2,
        },
        Row {
            kind: "forbidden-blob",
            files: &[(
                "requirements.txt",
                "flask==2.3.2\nhttps://contosodata.blob.core.windows.net/wheels/scorelib-1.0.4-py3-none-any.whl?se=2023-06-30&sp=r&sv=2021-08-06&sr=c&sig=U2lnbmF0dXJlRXhwaXJlZA%3D%3D\n",
            )],
            env: "requirements.txt",
            log: "Step 3/3 : RUN pip install -r requirements.txt\n\
ERROR: HTTP error 403 while getting https://contosodata.blob.core.windows.net/wheels/scorelib-1.0.4-py3-none-any.whl?se=2023-06-30&sp=r&sv=2021-08-06&sr=c&sig=U2lnbmF0dXJlRXhwaXJlZA%3D%3D\n\
ERROR: Could not install requirement scorelib==1.0.4 from https://contosodata.blob.core.windows.net/wheels/scorelib-1.0.4-py3-none-any.whl?se=2023-06-30&sp=r&sv=2021-08-06&sr=c&sig=U2lnbmF0dXJlRXhwaXJlZA%3D%3D because of HTTP error 403 Client Error: Server failed to authenticate the request.\n\
The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 1\n",
            line: 2,
        },
    ];
    let mut failures = Vec::new();
    for r in &rows {
        let c = Case::new(r.files);
        let (d, _) = c.link(r.log, &[r.env]);
        let f = primary(&d);
        let got = f.definition.as_ref().map(|d| d.line);
        let json = serde_json::to_string(&d).unwrap();
        assert!(
            !json.contains("sig=U2ln"),
            "{}: a SAS signature leaked",
            r.kind
        );
        if f.kind != r.kind || got != Some(r.line) {
            failures.push(format!(
                "{}: got kind {} line {got:?}, want line {}",
                r.kind, f.kind, r.line
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn utf8_decode_points_at_the_byte_lint_finds() {
    let c = Case::new(&[]);
    std::fs::write(
        c.path("requirements.txt"),
        b"requests==2.32.3\n# caf\xe9 tools\n",
    )
    .unwrap();
    let log = "\
Step 3/3 : RUN pip install -r requirements.txt
ERROR: Exception:
Traceback (most recent call last):
  File \"/usr/local/lib/python3.11/site-packages/pip/_internal/req/req_file.py\", line 540, in get_file_content
    content = auto_decode(f.read())
UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe9 in position 22: invalid continuation byte
The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 2
";
    let (d, _) = c.link(log, &["requirements.txt"]);
    expect_line(&d, "utf8-decode", "requirements.txt", 2, 6);
}
