//! Azure ML environment definitions: where things are in a v2 YAML (`az ml environment
//! create --file`) or a v1 JSON (`azureml_environment.json`, REST bodies) document.
//!
//! Both are read into [`Node`] trees (checks need every key as written); these helpers
//! answer the questions both the checks and the definition model ask of them.

use std::path::{Component, Path};

use crate::syntax::is_templated;
use crate::syntax::yaml::{Node, Yaml};

/// v1: the `docker` section, when it is a mapping.
pub fn v1_docker(root: &Node) -> Option<&Node> {
    root.get("docker").filter(|d| d.as_map().is_some())
}

/// v1: the `python` section, when it is a mapping.
pub fn v1_python(root: &Node) -> Option<&Node> {
    root.get("python").filter(|p| p.as_map().is_some())
}

/// v1: whether `python.userManagedDependencies` is `true` (Azure ML then installs nothing).
pub fn v1_user_managed(python: &Node) -> bool {
    python
        .get("userManagedDependencies")
        .is_some_and(|v| v.value == Yaml::Bool(true))
}

/// v1: the inline conda specification Azure ML builds (`python.condaDependencies`), unless
/// the dependencies are user-managed or the value is empty.
pub fn v1_conda_dependencies(python: &Node) -> Option<&Node> {
    if v1_user_managed(python) {
        return None;
    }
    python
        .get_non_null("condaDependencies")
        .filter(|d| !d.is_empty())
}

/// v1: the inline Dockerfile (`docker.baseDockerfile`), when it is a non-empty string.
pub fn v1_inline_dockerfile(docker: &Node) -> Option<(&Node, &str)> {
    let node = docker.get("baseDockerfile")?;
    let text = node.as_str()?;
    (!text.trim().is_empty()).then_some((node, text))
}

/// v2: the inline conda specification (`conda_file:` given as a mapping).
pub fn v2_inline_conda(root: &Node) -> Option<&Node> {
    root.get("conda_file").filter(|c| c.as_map().is_some())
}

/// The image reference an environment definition names (v2 `image:`, v1
/// `docker.baseImage`) and the span of its characters, unless it is empty or a template
/// (`{{...}}`, `${VAR}`) to be rendered later.
pub fn image_reference<'a>(
    image: &'a Node,
    source: &str,
) -> Option<(&'a str, std::ops::Range<usize>)> {
    let reference = image.as_str()?;
    if reference.trim().is_empty() || is_templated(reference) {
        return None;
    }
    let span = image
        .content_offset(source)
        .map(|o| o..o + reference.len())
        .unwrap_or_else(|| image.span.clone());
    Some((reference, span))
}

/// Why a Dockerfile path is not inside the build context, if it is not.
pub fn escapes_context(path: &str) -> Option<&'static str> {
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

/// azureml-core's default `environmentVariables` (`{"EXAMPLE_ENV_VAR": "EXAMPLE_VALUE"}`).
pub fn is_env_var_placeholder(v: &Node) -> bool {
    v.as_map().is_some_and(|m| {
        m.len() == 1
            && m[0].0.as_str() == Some("EXAMPLE_ENV_VAR")
            && m[0].1.as_str() == Some("EXAMPLE_VALUE")
    })
}

/// Whether a credential-like value is set: a non-empty scalar, or a mapping with such a
/// value (booleans are switches, not secrets).
pub fn is_set(v: &Node) -> bool {
    match &v.value {
        Yaml::Map(m) => m.iter().any(|(_, v)| is_set(v)),
        Yaml::Bool(_) => false,
        _ => !v.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::yaml::parse;

    #[test]
    fn dockerfile_paths_inside_the_context() {
        assert_eq!(escapes_context("docker/Dockerfile"), None);
        assert!(escapes_context("../Dockerfile").is_some());
        assert!(escapes_context("/abs/Dockerfile").is_some());
        assert_eq!(escapes_context("a/../Dockerfile"), None);
    }

    #[test]
    fn v1_sections() {
        let root = parse(
            r#"{"python": {"userManagedDependencies": false, "condaDependencies": {"dependencies": ["numpy"]}}, "docker": {"baseDockerfile": "FROM x"}}"#,
        )
        .unwrap();
        let python = v1_python(&root).unwrap();
        assert!(v1_conda_dependencies(python).is_some());
        let docker = v1_docker(&root).unwrap();
        assert_eq!(v1_inline_dockerfile(docker).map(|(_, t)| t), Some("FROM x"));
        let managed = parse(
            r#"{"python": {"userManagedDependencies": true, "condaDependencies": {"a": 1}}}"#,
        )
        .unwrap();
        assert!(v1_conda_dependencies(v1_python(&managed).unwrap()).is_none());
    }

    #[test]
    fn image_references_skip_templates() {
        let src = "image: \"{{img}}\"\n";
        let root = parse(src).unwrap();
        assert!(image_reference(root.get("image").unwrap(), src).is_none());
        let src = "image: 'ubuntu:22.04'\n";
        let root = parse(src).unwrap();
        let (r, span) = image_reference(root.get("image").unwrap(), src).unwrap();
        assert_eq!((r, &src[span]), ("ubuntu:22.04", "ubuntu:22.04"));
    }
}
