//! Azure ML v1 environment JSON (`azureml_environment.json`, REST bodies).

use crate::analyze::azureml_v2::{escapes_context, lint_name};
use crate::analyze::conda;
use crate::checks;
use crate::context::{FileCx, FollowUp};
use crate::hooks::Hooks;
use crate::source::{FileKind, SourceFile};
use crate::yaml::{Node, Yaml};

pub(crate) fn lint(root: &Node, cx: &mut FileCx<'_>, hooks: Hooks) {
    if root.as_map().is_none() {
        return;
    }
    lint_name(root, cx);
    let mut has_build_context = false;
    if let Some(docker) = checks::docker_section_missing::check(root, cx) {
        let sources: Vec<(&Node, &Node)> = ["baseImage", "baseDockerfile", "buildContext"]
            .iter()
            .filter_map(|k| docker.entry(k))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        checks::docker_options_conflict::check(&sources, cx);
        if sources.is_empty() {
            let span = root
                .entry("docker")
                .map(|(k, _)| k.span.clone())
                .unwrap_or(0..0);
            checks::docker_option_missing::report(span, true, cx);
        }
        if let Some(image) = docker.get("baseImage") {
            crate::analyze::check_definition_image(image, &hooks, cx);
        }
        if let Some(registry) = docker.get_non_null("baseImageRegistry") {
            checks::registry_credentials_incomplete::check(registry, cx);
            checks::registry_credentials_multiple::check(registry, cx);
            checks::registry_credentials_inline::check_registry(registry, cx);
        }
        checks::docker_attribute_deprecated::check(docker, cx);
        if let Some(node) = docker.get("baseDockerfile")
            && let Some(dockerfile) = node.as_str()
            && !dockerfile.trim().is_empty()
        {
            let display = format!("{}#docker.baseDockerfile", cx.file.display);
            cx.follow(FollowUp::InlineDockerfile {
                dockerfile: SourceFile::new(
                    cx.file.path.clone(),
                    display,
                    FileKind::Dockerfile,
                    dockerfile,
                ),
                span: node.span.clone(),
                field: "docker.baseDockerfile",
            });
        }
        if let Some((key, context)) = docker.entry("buildContext")
            && !context.is_null()
        {
            has_build_context = true;
            lint_build_context(key, context, cx);
            checks::build_context_disallowed_attribute::check(root, cx);
        }
    }
    checks::runtime_env_vars_in_definition::check(root, cx);
    checks::r_section_deprecated::check(root, cx);
    if let Some(python) = checks::python_section_missing::check(root, cx) {
        checks::conda_base_env_used::check(python, cx);
        let user_managed = python
            .get("userManagedDependencies")
            .is_some_and(|v| v.value == Yaml::Bool(true));
        if !user_managed {
            match python.get_non_null("condaDependencies") {
                Some(deps) if !deps.is_empty() => conda::lint_spec(deps, cx),
                _ if has_build_context => {}
                _ if python.get_non_null("condaDependenciesFile").is_some() => {}
                _ => {
                    let span = python
                        .entry("condaDependencies")
                        .or_else(|| root.entry("python"))
                        .map(|(k, _)| k.span.clone())
                        .unwrap_or(0..0);
                    checks::conda_spec_missing::report(
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
        _ => checks::build_context_path_missing::report(
            key.span.clone(),
            "`buildContext` has no `location`",
            cx,
        ),
    }
    checks::build_context_location_type_unsupported::check(context, cx);
    checks::build_context_location_invalid::check(context, cx);
    if let Some(node) = context.get_non_null("dockerfilePath")
        && let Some(path) = node.as_str()
        && let Some(problem) = escapes_context(path)
    {
        checks::dockerfile_path_missing::report(
            node.span.clone(),
            &format!("`dockerfilePath` {problem}"),
            "give the Dockerfile's path relative to the build context root",
            cx,
        );
    }
}
