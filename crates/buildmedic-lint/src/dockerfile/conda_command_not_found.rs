use crate::context::FileCx;
use crate::image_ref::grammar::parse_normalized_named;

use super::parser::{Dockerfile, Keyword};
use super::script::run_scripts;
use super::shell;
use super::stages::{self, Base};

crate::declare_check! {
    /// ## What it does
    /// Flags `RUN` steps that call `conda` or `mamba` (or `micromamba`) in a stage whose base
    /// image is known to ship without it (`python:*`, `ubuntu:*`, `debian:*`, `nvidia/cuda:*`,
    /// ...) when no earlier step installs it (a Miniconda/Miniforge installer, micromamba, or a
    /// `COPY --from` of a conda directory). Stages built `FROM` another stage inherit what that
    /// stage installed. Custom images the linter cannot know about are not flagged.
    ///
    /// ## Why it matters
    /// The step fails with `/bin/sh: 1: conda: not found` (exit code 127), which Azure ML
    /// reports as "Conda command not found".
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.11-slim
    /// RUN conda install -y numpy
    /// ```
    ///
    /// ## Fix
    /// Start from an image with conda (`mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04`,
    /// `condaforge/miniforge3`), or install Miniforge first and put it on `PATH`:
    /// `ENV PATH=/opt/conda/bin:$PATH`.
    id: "conda-command-not-found", severity: Warning, fixable: false, catalog: "B18"
}

/// What a base image is known to provide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Provides {
    Conda,
    MicromambaOnly,
    Nothing,
    Unknown,
}

fn classify(reference: &str) -> Provides {
    let Ok(r) = parse_normalized_named(reference) else {
        return Provides::Unknown;
    };
    let name = r.familiar_name();
    let last = name.rsplit('/').next().unwrap_or(&name);
    if ["miniconda", "miniforge", "mambaforge", "anaconda"]
        .iter()
        .any(|k| last.contains(k))
        || name.starts_with("condaforge/")
        || name.starts_with("continuumio/")
        || name.starts_with("rapidsai/")
        || name.starts_with("jupyter/")
        || name.starts_with("quay.io/jupyter/")
        || name == "pytorch/pytorch"
        || (r.domain == "mcr.microsoft.com" && r.path.starts_with("azureml/"))
    {
        return Provides::Conda;
    }
    if last == "micromamba" {
        return Provides::MicromambaOnly;
    }
    const PLAIN: &[&str] = &[
        "python",
        "ubuntu",
        "debian",
        "alpine",
        "centos",
        "rockylinux",
        "almalinux",
        "fedora",
        "amazonlinux",
        "buildpack-deps",
        "node",
        "golang",
        "r-base",
        "nvidia/cuda",
        "nvcr.io/nvidia/cuda",
        "mcr.microsoft.com/mirror/docker/library/ubuntu",
        "mcr.microsoft.com/mirror/docker/library/python",
    ];
    if PLAIN.contains(&name.as_str()) {
        return Provides::Nothing;
    }
    Provides::Unknown
}

fn mentions_installer(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "miniconda",
        "miniforge",
        "mambaforge",
        "anaconda3",
        "micromamba",
        "micro.mamba.pm",
    ]
    .iter()
    .any(|k| lower.contains(k))
}

#[derive(Clone, Copy)]
struct State {
    provides: Provides,
    installed: bool,
}

pub(crate) fn check(df: &Dockerfile, cx: &mut FileCx<'_>) {
    let stages = stages::stages(df);
    let mut finals: Vec<State> = Vec::new();
    for stage in &stages {
        let mut state = match &stage.base {
            Base::Stage(parent) => finals.get(*parent).copied().unwrap_or(State {
                provides: Provides::Unknown,
                installed: false,
            }),
            Base::Image { reference, .. } => State {
                provides: classify(reference),
                installed: false,
            },
            Base::Scratch => State {
                provides: Provides::Nothing,
                installed: false,
            },
            Base::Unresolved | Base::Missing => State {
                provides: Provides::Unknown,
                installed: false,
            },
        };
        let base_name = match stages::root_image(&stages, finals.len()) {
            Base::Image { reference, .. } => reference.clone(),
            Base::Scratch => "scratch".to_string(),
            _ => String::new(),
        };
        for ins in &df.instructions[stage.body.clone()] {
            if matches!(ins.kind, Some(Keyword::Copy | Keyword::Add))
                && ins.flag("from").is_some()
                && (ins.args.contains("conda") || mentions_installer(&ins.args))
            {
                state.installed = true;
            }
            for script in run_scripts(ins) {
                for cmd in shell::commands(script.text) {
                    let text: Vec<&str> = cmd.words.iter().map(|w| w.value.as_str()).collect();
                    if mentions_installer(&text.join(" ")) {
                        state.installed = true;
                    }
                    let Some(inv) = shell::invocation(&cmd) else {
                        continue;
                    };
                    let program = inv.program.as_str();
                    if !matches!(program, "conda" | "mamba" | "micromamba") || state.installed {
                        continue;
                    }
                    let missing = match state.provides {
                        Provides::Nothing => true,
                        Provides::MicromambaOnly => program != "micromamba",
                        Provides::Conda | Provides::Unknown => false,
                    };
                    if !missing {
                        continue;
                    }
                    let span = script.span(cmd.words[inv.index].range.clone());
                    cx.report(
                        &CHECK,
                        span,
                        format!("`{program}` is not installed in this stage: the base image `{base_name}` does not ship it and no earlier step installs it (`/bin/sh: 1: {program}: not found`)"),
                    )
                    .help("start from a conda image (e.g. `condaforge/miniforge3` or an Azure ML image), or install Miniforge in an earlier RUN and add `ENV PATH=/opt/conda/bin:$PATH`");
                    // One report per stage is enough: later calls fail for the same reason.
                    state.installed = true;
                }
            }
        }
        finals.push(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_classification() {
        assert_eq!(classify("python:3.11-slim"), Provides::Nothing);
        assert_eq!(
            classify("docker.io/library/ubuntu:22.04"),
            Provides::Nothing
        );
        assert_eq!(
            classify("nvidia/cuda:12.2.0-runtime-ubuntu22.04"),
            Provides::Nothing
        );
        assert_eq!(classify("continuumio/miniconda3:24.1.2-0"), Provides::Conda);
        assert_eq!(classify("condaforge/miniforge3"), Provides::Conda);
        assert_eq!(
            classify("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04"),
            Provides::Conda
        );
        assert_eq!(
            classify("mambaorg/micromamba:1.5"),
            Provides::MicromambaOnly
        );
        assert_eq!(classify("myregistry.azurecr.io/base:1"), Provides::Unknown);
    }
}
