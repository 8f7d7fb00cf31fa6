use crate::framework::context::FileCx;
use crate::syntax::image_ref::parse_normalized_named;

use crate::syntax::dockerfile::script::run_scripts;
use crate::syntax::dockerfile::stages::{self, Base};
use crate::syntax::dockerfile::{Dockerfile, Keyword};
use buildmedic_shell as shell;

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

/// Installers that unpack conda into a prefix whose `bin` is not on `PATH` by default.
fn is_conda_installer(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ["miniconda", "miniforge", "mambaforge", "anaconda3"]
        .iter()
        .any(|k| lower.contains(k))
        && lower.contains(".sh")
}

fn mentions_conda_dir(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ["conda", "miniforge", "mamba"]
        .iter()
        .any(|k| lower.contains(k))
}

#[derive(Clone, Copy)]
struct State {
    provides: Provides,
    /// An earlier step installed conda (or copied it in).
    installed: bool,
    /// 1-based line of a Miniconda/Miniforge installer run in this stage chain.
    installer_line: Option<usize>,
    /// `ENV PATH=...conda...` seen.
    on_path: bool,
    /// Already reported for this stage chain.
    reported: bool,
}

impl State {
    fn new(provides: Provides) -> State {
        State {
            provides,
            installed: false,
            installer_line: None,
            on_path: false,
            reported: false,
        }
    }
}

pub(crate) fn check(df: &Dockerfile, cx: &mut FileCx<'_>) {
    let stages = stages::stages(df);
    let mut finals: Vec<State> = Vec::new();
    for stage in &stages {
        let mut state = match &stage.base {
            Base::Stage(parent) => finals
                .get(*parent)
                .copied()
                .unwrap_or(State::new(Provides::Unknown)),
            Base::Image { reference, .. } => State::new(classify(reference)),
            Base::Scratch => State::new(Provides::Nothing),
            Base::Unresolved | Base::Missing => State::new(Provides::Unknown),
        };
        let base_name = match stages::root_image(&stages, finals.len()) {
            Base::Image { reference, .. } => reference.clone(),
            Base::Scratch => "scratch".to_string(),
            _ => String::new(),
        };
        for ins in &df.instructions[stage.body.clone()] {
            match ins.kind {
                Some(Keyword::Copy | Keyword::Add)
                    if ins.flag("from").is_some()
                        && (ins.args.contains("conda") || mentions_installer(&ins.args)) =>
                {
                    state.installed = true;
                    state.on_path |= ins.args.contains("/usr/local");
                }
                Some(Keyword::Env)
                    if ins.args.contains("PATH") && mentions_conda_dir(&ins.args) =>
                {
                    state.on_path = true;
                }
                _ => {}
            }
            for script in run_scripts(ins) {
                // `export PATH=...`, `source .../conda.sh` or a shell hook fix PATH for the
                // rest of this RUN only.
                let mut path_here = false;
                for cmd in shell::commands(script.text) {
                    let words: Vec<&str> = cmd.words.iter().map(|w| w.value.as_str()).collect();
                    let text = words.join(" ");
                    let Some(inv) = shell::invocation(&cmd) else {
                        continue;
                    };
                    let program = inv.program.as_str();
                    let is_conda_cli = matches!(program, "conda" | "mamba" | "micromamba");
                    if !is_conda_cli && is_conda_installer(&text) && state.installer_line.is_none()
                    {
                        state.installer_line = Some(ins.first_line + 1);
                    }
                    if !is_conda_cli && mentions_installer(&text) {
                        state.installed = true;
                    }
                    if matches!(program, "export" | "source" | "." | "eval")
                        && mentions_conda_dir(&text)
                    {
                        path_here = true;
                        continue;
                    }
                    if !is_conda_cli || state.reported {
                        continue;
                    }
                    let known_without = match state.provides {
                        Provides::Nothing => true,
                        Provides::MicromambaOnly => program != "micromamba",
                        Provides::Conda | Provides::Unknown => false,
                    };
                    if !known_without {
                        continue;
                    }
                    let span = script.span(cmd.words[inv.index].range.clone());
                    let bare = !cmd.words[inv.index].value.contains('/');
                    if !state.installed {
                        cx.report(
                            &CHECK,
                            span,
                            format!("`{program}` is not installed in this stage: the base image `{base_name}` does not ship it and no earlier step installs it (`/bin/sh: 1: {program}: not found`)"),
                        )
                        .help("start from a conda image (e.g. `condaforge/miniforge3` or an Azure ML image), or install Miniforge in an earlier RUN and add `ENV PATH=/opt/conda/bin:$PATH`");
                        state.reported = true;
                    } else if let Some(line) = state.installer_line
                        && bare
                        && program != "micromamba"
                        && !state.on_path
                        && !path_here
                    {
                        cx.report(
                            &CHECK,
                            span,
                            format!("`{program}` is installed on line {line}, but its `bin` directory is not on PATH, so the shell cannot find it"),
                        )
                        .help("add `ENV PATH=/opt/conda/bin:$PATH` (with your install prefix) after the installer, or call it by its full path");
                        state.reported = true;
                    }
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
