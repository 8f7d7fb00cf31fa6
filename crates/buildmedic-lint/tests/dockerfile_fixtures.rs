//! Dockerfile and image-reference checks beyond their fixtures (which `tests/fixtures.rs`
//! runs for every registered check): realistic files stay clean, fixes apply, secrets stay
//! out of messages, `--image` runs the image checks.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

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

fn lint(path: &Path) -> LintReport {
    let config = LintConfig::default();
    lint_paths(&[path.to_path_buf()], &config)
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

/// Typical real-world Dockerfiles (Azure ML curated style, a slim Python service, CUDA plus
/// Miniforge) must not draw any Dockerfile or image finding.
#[test]
fn realistic_dockerfiles_are_clean() {
    const AZUREML: &str = r#"FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20240709.v1

ENV AZUREML_CONDA_ENVIRONMENT_PATH /azureml-envs/tensorflow-2.16-cuda12
# Create conda environment
RUN conda create -p $AZUREML_CONDA_ENVIRONMENT_PATH \
    python=3.10 pip=23.1 -c conda-forge

# Prepend path to AzureML conda environment
ENV PATH $AZUREML_CONDA_ENVIRONMENT_PATH/bin:$PATH

COPY conda_dependencies.yaml .
RUN conda env update -p $AZUREML_CONDA_ENVIRONMENT_PATH -f conda_dependencies.yaml -q && \
    rm conda_dependencies.yaml && \
    conda run -p $AZUREML_CONDA_ENVIRONMENT_PATH pip cache purge && \
    conda clean -a -y

RUN pip install 'azureml-core>=1.50' \
                "mlflow-skinny==2.11.1"
ENV LD_LIBRARY_PATH $AZUREML_CONDA_ENVIRONMENT_PATH/lib:$LD_LIBRARY_PATH
"#;
    const SERVICE: &str = r#"# syntax=docker/dockerfile:1
FROM python:3.11-slim@sha256:6a0bb5a6bcd7e1ab3e3e2a4dd0d1b3ed14d7a3e0c7d9a4a3e0f6f1a7b2c8d9e0 AS base
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
COPY src/ ./src/
RUN useradd -m app
USER app
EXPOSE 8080
HEALTHCHECK --interval=30s CMD curl -f http://localhost:8080/ || exit 1
ENTRYPOINT ["python", "-m", "src.main"]
"#;
    const CUDA: &str = r#"ARG CUDA=12.2.2
FROM nvidia/cuda:${CUDA}-cudnn8-runtime-ubuntu22.04
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update -qq \
    && apt-get install -qq -y --no-install-recommends wget ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN wget -q "https://github.com/conda-forge/miniforge/releases/latest/download/Miniforge3-Linux-x86_64.sh" -O /tmp/miniforge.sh \
    && bash /tmp/miniforge.sh -b -p /opt/conda && rm /tmp/miniforge.sh
ENV PATH=/opt/conda/bin:$PATH
COPY environment.yml /tmp/
RUN mamba env update -n base -f /tmp/environment.yml && mamba clean -afy
RUN <<EOF
set -euo pipefail
pip install "torch>=2.1" --index-url https://download.pytorch.org/whl/cu121
python -c "import torch; print(torch.__version__)"
EOF
CMD ["python"]
"#;
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, content) in [
        ("conda_dependencies.yaml", "dependencies: [python=3.10]\n"),
        ("requirements.txt", "numpy==1.26.4\n"),
        ("environment.yml", "dependencies: [python=3.11]\n"),
    ] {
        std::fs::write(dir.path().join(name), content).expect("write");
    }
    std::fs::create_dir(dir.path().join("src")).expect("mkdir");
    for (name, text) in [
        ("azureml.dockerfile", AZUREML),
        ("service.dockerfile", SERVICE),
        ("cuda.dockerfile", CUDA),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let report = lint(&path);
        let mine: Vec<String> = report
            .diagnostics
            .iter()
            .filter(|d| CHECKS.contains(&d.check))
            .map(|d| format!("{}:{} {}: {}", d.line, d.column, d.check, d.message))
            .collect();
        assert!(mine.is_empty(), "{name}: {mine:#?}");
    }
}

/// `--fix` on the fixable Dockerfile findings leaves nothing for those checks to report, and
/// the result is what a person would have written.
#[test]
fn fixes_apply_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Dockerfile");
    std::fs::write(
        &path,
        "FROM condaforge/miniforge3:24.3.0-0\n\
         RUN apt-get update && apt-get install curl \\\n    && conda install -y pip<=20.1.1 numpy>1.2 && pip install 'a>1' b>=2\n",
    )
    .expect("write");
    let report = lint(&path);
    let (applied, errors) = buildmedic_lint::apply_fixes(&report);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(applied.len(), 4, "{applied:?}");
    let fixed = std::fs::read_to_string(&path).expect("read");
    assert_eq!(
        fixed,
        "FROM condaforge/miniforge3:24.3.0-0\n\
         RUN apt-get update && apt-get install -y curl \\\n    && conda install -y \"pip<=20.1.1\" \"numpy>1.2\" && pip install 'a>1' \"b>=2\"\n"
    );
    let again = lint(&path);
    let left: Vec<_> = again
        .diagnostics
        .iter()
        .filter(|d| d.check == "conda-bare-redirection" || d.check == "apt-get-failed")
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Credentials typed into a Dockerfile never reach a message or help line.
#[test]
fn secrets_are_not_echoed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Dockerfile");
    std::fs::write(
        &path,
        "FROM https://deploy:S3cretPassw0rd@registry.example.com/team/app:1\n\
         COPY https://bot:S3cretPassw0rd@files.example.com/model.bin /models/\n\
         RUN pip install --index-url https://user:S3cretPassw0rd@pkgs.example.com/simple numpy>1.2\n",
    )
    .expect("write");
    let report = lint(&path);
    assert!(!report.diagnostics.is_empty());
    for d in &report.diagnostics {
        let text = format!("{} {}", d.message, d.help.as_deref().unwrap_or(""));
        assert!(!text.contains("S3cretPassw0rd"), "{text}");
    }
}

/// A UTF-16 Dockerfile is reported once, as `utf8-decode` (by the framework), and not drowned
/// in "unknown instruction" noise from the parser.
#[test]
fn utf16_dockerfile_is_one_finding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Dockerfile");
    let mut bytes = vec![0xFF, 0xFE];
    for unit in "FROM python:3.11\r\nRUN pip install numpy\r\n".encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    std::fs::write(&path, bytes).expect("write");
    let report = lint(&path);
    let checks: Vec<&str> = report.diagnostics.iter().map(|d| d.check).collect();
    assert_eq!(checks, ["utf8-decode"], "{:?}", report.diagnostics);
}

/// `Dockerfile-<suffix>`, `Dockerfile_<suffix>`, `<name>.Dockerfile` and
/// `Containerfile.<suffix>` are Dockerfiles named on the command line too (not YAML, even
/// when they mention conda); the directory fixture covers directory mode.
#[test]
fn dockerfile_name_variants_are_linted_as_dockerfiles() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/unknown-docker-instruction/positive_named");
    for name in [
        "Dockerfile-cuda",
        "Dockerfile_dev",
        "app.Dockerfile",
        "Containerfile.base",
    ] {
        let report = lint(&dir.join(name));
        assert!(report.errors.is_empty(), "{name}: {:?}", report.errors);
        assert!(report.skipped.is_empty(), "{name}: skipped");
        assert!(
            report
                .diagnostics
                .iter()
                .any(|d| d.check == "unknown-docker-instruction"),
            "{name}: {:?}",
            report.diagnostics
        );
    }
}
