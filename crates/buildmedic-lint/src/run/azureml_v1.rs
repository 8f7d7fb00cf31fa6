//! Azure ML v1 environment JSON (`azureml_environment.json`, REST bodies).

use crate::framework::context::FileCx;
use crate::rules::azureml::{
    build_context_disallowed_attribute, build_context_location_invalid,
    build_context_location_type_unsupported, build_context_path_missing, conda_base_env_used,
    conda_spec_missing, docker_attribute_deprecated, docker_option_missing,
    docker_options_conflict, docker_section_missing, dockerfile_path_missing,
    python_section_missing, r_section_deprecated, runtime_env_vars_in_definition,
};
use crate::rules::registry::{
    registry_credentials_incomplete, registry_credentials_inline, registry_credentials_multiple,
};
use crate::syntax::asks::{self, ImageSource};
use crate::syntax::azureml::{escapes_context, v1_conda_dependencies};
use crate::syntax::yaml::Node;

use super::azureml_v2::lint_name;

pub(crate) fn lint(root: &Node, cx: &mut FileCx<'_>) {
    if root.as_map().is_none() {
        return;
    }
    lint_name(root, cx);
    let mut has_build_context = false;
    if let Some(docker) = docker_section_missing::check(root, cx) {
        let sources: Vec<(&Node, &Node)> = ["baseImage", "baseDockerfile", "buildContext"]
            .iter()
            .filter_map(|k| docker.entry(k))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        docker_options_conflict::check(&sources, cx);
        if sources.is_empty() {
            let span = root
                .entry("docker")
                .map(|(k, _)| k.span.clone())
                .unwrap_or(0..0);
            docker_option_missing::report(span, true, cx);
        }
        if let Some(image) = docker
            .get("baseImage")
            .and_then(|node| asks::definition_image(node, cx.file, ImageSource::AzureMlBaseImage))
        {
            super::image_ref::check(&image, cx);
        }
        if let Some(registry) = docker.get_non_null("baseImageRegistry") {
            registry_credentials_incomplete::check(registry, cx);
            registry_credentials_multiple::check(registry, cx);
            registry_credentials_inline::check_registry(registry, cx);
        }
        docker_attribute_deprecated::check(docker, cx);
        // An inline `baseDockerfile` is linted by the linter (discovery hands it over).
        if let Some((key, context)) = docker.entry("buildContext")
            && !context.is_null()
        {
            has_build_context = true;
            lint_build_context(key, context, cx);
            build_context_disallowed_attribute::check(root, cx);
        }
    }
    runtime_env_vars_in_definition::check(root, cx);
    r_section_deprecated::check(root, cx);
    if let Some(python) = python_section_missing::check(root, cx) {
        conda_base_env_used::check(python, cx);
        if !crate::syntax::azureml::v1_user_managed(python) {
            match v1_conda_dependencies(python) {
                Some(deps) => super::conda::lint(deps, cx),
                _ if has_build_context => {}
                _ if python.get_non_null("condaDependenciesFile").is_some() => {}
                // Linted in turn: discovery follows it.
                _ if super::discover::v1_sibling_conda(cx.file, root).is_some() => {}
                _ => {
                    let span = python
                        .entry("condaDependencies")
                        .or_else(|| root.entry("python"))
                        .map(|(k, _)| k.span.clone())
                        .unwrap_or(0..0);
                    conda_spec_missing::report(
                        span,
                        "Azure ML manages the Python environment (`userManagedDependencies: false`) but there are no conda dependencies",
                        "fill `python.condaDependencies`, or set `userManagedDependencies: true` if the image has everything",
                        cx,
                    );
                }
            }
        }
    }
}

fn lint_build_context(key: &Node, context: &Node, cx: &mut FileCx<'_>) {
    match context.get("location") {
        Some(loc) if !loc.is_empty() => {}
        _ => build_context_path_missing::report(
            key.span.clone(),
            "`buildContext` has no `location`",
            cx,
        ),
    }
    build_context_location_type_unsupported::check(context, cx);
    build_context_location_invalid::check(context, cx);
    if let Some(node) = context.get_non_null("dockerfilePath")
        && let Some(path) = node.as_str()
        && let Some(problem) = escapes_context(path)
    {
        dockerfile_path_missing::report(
            node.span.clone(),
            &format!("`dockerfilePath` {problem}"),
            "give the Dockerfile's path relative to the build context root",
            cx,
        );
    }
}
