//! Azure ML v2 environment YAML (`az ml environment create --file`).

use std::path::{Component, Path};

use crate::analyze::{conda, is_templated, is_url};
use crate::checks;
use crate::context::{FileCx, FollowUp};
use crate::engine::{display_path, resolve};
use crate::hooks::Hooks;
use crate::source::FileKind;
use crate::yaml::Node;

pub(crate) fn lint(root: &Node, cx: &mut FileCx<'_>, hooks: Hooks) {
    if root.as_map().is_none() {
        return;
    }
    lint_name(root, cx);
    checks::env_name_missing::check(root, cx);

    let mut sources: Vec<(&Node, &Node)> = ["image", "build"]
        .iter()
        .filter_map(|k| root.entry(k))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    sources.sort_by_key(|(k, _)| k.span.start);
    checks::docker_options_conflict::check(&sources, cx);
    if sources.is_empty() {
        let span = root
            .entry("conda_file")
            .or_else(|| root.entry("name"))
            .map(|(k, _)| k.span.clone())
            .unwrap_or(0..0);
        checks::docker_option_missing::report(span, false, cx);
    }

    if let Some(image) = root.get("image") {
        crate::analyze::check_definition_image(image, &hooks, cx);
    }
    if let Some((key, build)) = root.entry("build") {
        lint_build(key, build, cx);
    }
    if let Some((key, conda_file)) = root.entry("conda_file") {
        lint_conda_file(key, conda_file, cx);
    }
    checks::registry_credentials_inline::check_tree(root, cx);
}

pub(crate) fn lint_name(root: &Node, cx: &mut FileCx<'_>) {
    if let Some(name) = root.get("name")
        && name.as_str().is_some_and(|s| !is_templated(s))
    {
        checks::env_name_reserved_prefix::check(name, cx);
        checks::env_name_too_long::check(name, cx);
    }
}

fn lint_build(key: &Node, build: &Node, cx: &mut FileCx<'_>) {
    let (path_node, dockerfile_node) = match build.as_str() {
        Some(_) => (Some(build), None),
        None => (build.get("path"), build.get_non_null("dockerfile_path")),
    };
    let Some(path_node) = path_node.filter(|p| !p.is_empty()) else {
        checks::build_context_path_missing::report(
            key.span.clone(),
            "`build` has no `path` to the build context",
            cx,
        );
        return;
    };
    let Some(path) = path_node.as_str() else {
        return;
    };
    let dockerfile = dockerfile_node.and_then(Node::as_str);
    if is_templated(path) || dockerfile.is_some_and(is_templated) {
        return;
    }
    if let (Some(node), Some(df)) = (dockerfile_node, dockerfile)
        && let Some(problem) = escapes_context(df)
    {
        checks::dockerfile_path_missing::report(
            node.span.clone(),
            &format!("`dockerfile_path` {problem}"),
            "give the Dockerfile's path relative to the build context root",
            cx,
        );
        return;
    }
    if is_url(path) {
        return;
    }
    let (context, context_display) = resolve(cx.file, path);
    if !context.is_dir() {
        let what = if context.exists() {
            "is not a directory"
        } else {
            "does not exist"
        };
        checks::build_context_path_missing::report(
            path_node.span.clone(),
            &format!("build context `{context_display}` {what}"),
            cx,
        );
        return;
    }
    let rel = dockerfile.unwrap_or("Dockerfile");
    let file = context.join(rel);
    if file.is_file() {
        cx.follow(FollowUp::File {
            display: display_path(&file),
            path: file,
            kind: FileKind::Dockerfile,
            context_dir: Some(context),
        });
        return;
    }
    let span = dockerfile_node.unwrap_or(path_node).span.clone();
    let candidates = dockerfile_candidates(&context);
    let help = match candidates.first() {
        Some(c) => {
            format!("the context has `{c}`; set `build.dockerfile_path: {c}` (or rename the file)")
        }
        None => "add a Dockerfile to the context or set `build.dockerfile_path`".to_string(),
    };
    checks::dockerfile_path_missing::report(
        span,
        &format!(
            "Dockerfile `{}` does not exist in the build context",
            display_path(&file)
        ),
        &help,
        cx,
    );
}

/// Why a Dockerfile path is not inside the context, if it is not.
pub(crate) fn escapes_context(path: &str) -> Option<&'static str> {
    let p = Path::new(path);
    if p.is_absolute() || path.starts_with('/') || path.starts_with('\\') {
        return Some("is absolute; it must be relative to the build context");
    }
    let mut depth: i32 = 0;
    for c in p.components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
        if depth < 0 {
            return Some("points outside the build context");
        }
    }
    None
}

fn dockerfile_candidates(context: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(context) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.to_ascii_lowercase().contains("dockerfile"))
        .collect();
    out.sort();
    out
}

fn lint_conda_file(key: &Node, value: &Node, cx: &mut FileCx<'_>) {
    if value.as_map().is_some() {
        conda::lint_spec(value, cx);
        return;
    }
    let Some(path) = value.as_str().filter(|s| !s.trim().is_empty()) else {
        checks::conda_spec_missing::report(
            key.span.clone(),
            "`conda_file` is empty",
            "point `conda_file` at a conda YAML file",
            cx,
        );
        return;
    };
    if is_templated(path) || is_url(path) {
        return;
    }
    let (file, display) = resolve(cx.file, path);
    if !file.is_file() {
        let what = if file.is_dir() {
            "is a directory, not a file"
        } else {
            "does not exist"
        };
        checks::conda_spec_missing::report(
            value.span.clone(),
            &format!("conda file `{display}` {what}"),
            "`conda_file` is relative to the directory of the environment YAML",
            cx,
        );
        return;
    }
    if std::fs::metadata(&file).is_ok_and(|m| m.len() == 0) {
        checks::conda_spec_missing::report(
            value.span.clone(),
            &format!("conda file `{display}` is empty"),
            "list `channels` and `dependencies` in it",
            cx,
        );
        return;
    }
    cx.follow(FollowUp::File {
        path: file,
        display,
        kind: FileKind::Conda,
        context_dir: None,
    });
}
