//! Runs the checks of an Azure ML v2 environment YAML (`az ml environment create --file`).

use crate::framework::context::FileCx;
use crate::rules::azureml::{
    build_context_path_missing, conda_spec_missing, docker_option_missing, docker_options_conflict,
    dockerfile_path_missing, env_name_missing, env_name_reserved_prefix, env_name_too_long,
};
use crate::rules::registry::registry_credentials_inline;
use crate::syntax::asks::{self, ImageSource};
use crate::syntax::is_templated;
use crate::syntax::yaml::Node;

use super::discover::{BuildContext, CondaFile, build_context, conda_file};

pub(crate) fn lint(root: &Node, cx: &mut FileCx<'_>) {
    if root.as_map().is_none() {
        return;
    }
    lint_name(root, cx);
    env_name_missing::check(root, cx);

    let mut sources: Vec<(&Node, &Node)> = ["image", "build"]
        .iter()
        .filter_map(|k| root.entry(k))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    sources.sort_by_key(|(k, _)| k.span.start);
    docker_options_conflict::check(&sources, cx);
    if sources.is_empty() {
        let span = root
            .entry("conda_file")
            .or_else(|| root.entry("name"))
            .map(|(k, _)| k.span.clone())
            .unwrap_or(0..0);
        docker_option_missing::report(span, false, cx);
    }

    if let Some(image) = root
        .get("image")
        .and_then(|node| asks::definition_image(node, cx.file, ImageSource::AzureMlImage))
    {
        super::image_ref::check(&image, cx);
    }
    if let Some((key, build)) = root.entry("build") {
        lint_build(key, build, cx);
    }
    if let Some((key, value)) = root.entry("conda_file") {
        lint_conda_file(key, value, cx);
    }
    registry_credentials_inline::check_tree(root, cx);
}

/// The name checks, shared with v1.
pub(crate) fn lint_name(root: &Node, cx: &mut FileCx<'_>) {
    if let Some(name) = root.get("name")
        && name.as_str().is_some_and(|s| !is_templated(s))
    {
        env_name_reserved_prefix::check(name, cx);
        env_name_too_long::check(name, cx);
    }
}

fn lint_build(key: &Node, build: &Node, cx: &mut FileCx<'_>) {
    match build_context(cx.file, build) {
        BuildContext::NoPath => build_context_path_missing::report(
            key.span.clone(),
            "`build` has no `path` to the build context",
            cx,
        ),
        BuildContext::Skipped | BuildContext::Dockerfile { .. } => {}
        BuildContext::DockerfileEscapes { node, problem } => dockerfile_path_missing::report(
            node.span.clone(),
            &format!("`dockerfile_path` {problem}"),
            "give the Dockerfile's path relative to the build context root",
            cx,
        ),
        BuildContext::ContextMissing {
            node,
            display,
            what,
        } => build_context_path_missing::report(
            node.span.clone(),
            &format!("build context `{display}` {what}"),
            cx,
        ),
        BuildContext::DockerfileMissing {
            node,
            display,
            candidates,
        } => {
            let help = match candidates.first() {
                Some(c) => format!(
                    "the context has `{c}`; set `build.dockerfile_path: {c}` (or rename the file)"
                ),
                None => {
                    "add a Dockerfile to the context or set `build.dockerfile_path`".to_string()
                }
            };
            dockerfile_path_missing::report(
                node.span.clone(),
                &format!("Dockerfile `{display}` does not exist in the build context"),
                &help,
                cx,
            );
        }
    }
}

fn lint_conda_file(key: &Node, value: &Node, cx: &mut FileCx<'_>) {
    match conda_file(cx.file, value) {
        CondaFile::Inline(spec) => super::conda::lint(spec, cx),
        CondaFile::Empty => conda_spec_missing::report(
            key.span.clone(),
            "`conda_file` is empty",
            "point `conda_file` at a conda YAML file",
            cx,
        ),
        CondaFile::Skipped | CondaFile::File { .. } => {}
        CondaFile::Missing { display, what } => conda_spec_missing::report(
            value.span.clone(),
            &format!("conda file `{display}` {what}"),
            "`conda_file` is relative to the directory of the environment YAML",
            cx,
        ),
        CondaFile::EmptyFile { display } => conda_spec_missing::report(
            value.span.clone(),
            &format!("conda file `{display}` is empty"),
            "list `channels` and `dependencies` in it",
            cx,
        ),
    }
}
