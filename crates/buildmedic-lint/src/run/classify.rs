//! Which definition format a file is: by its name, then by its keys.

use std::path::Path;

use crate::syntax::source::FileKind;
use crate::syntax::yaml::Node;

pub(crate) fn is_yaml_or_json(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("yml" | "yaml" | "json")
    )
}

/// Kind decided by the file name alone (None: decide by content, or not a definition).
pub(crate) fn kind_from_name(path: &Path, explicit: bool) -> Option<FileKind> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    // `Dockerfile.gpu` is a Dockerfile; `dockerfile.rs` (a parser's source) is not.
    const NOT_DOCKERFILE: &[&str] = &[
        "rs", "py", "go", "js", "ts", "md", "json", "yml", "yaml", "toml", "sh", "txt", "snap",
        "orig", "rej", "swp", "lock", "html", "c", "h", "java", "rb", "bak",
    ];
    let ext_of_name = name.rsplit_once('.').map(|(_, e)| e);
    if name == "dockerfile"
        || name.ends_with(".dockerfile")
        || name == "containerfile"
        || (name.starts_with("dockerfile.")
            && !ext_of_name.is_some_and(|e| NOT_DOCKERFILE.contains(&e))
            || explicit && name.starts_with("dockerfile."))
    {
        return Some(FileKind::Dockerfile);
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("txt" | "in") if explicit => Some(FileKind::Requirements),
        Some("txt" | "in") if name.contains("requirements") || name.contains("constraints") => {
            Some(FileKind::Requirements)
        }
        _ => None,
    }
}

/// Kind of a YAML/JSON document by its keys. Files found while walking a directory must
/// look like conda files more strictly (Helm's `Chart.yaml` and `pubspec.yaml` also have
/// `dependencies`).
pub(crate) fn classify(root: &Node, path: &Path, explicit: bool) -> Option<FileKind> {
    let map = root.as_map()?;
    let has = |k: &str| map.iter().any(|(key, _)| key.as_str() == Some(k));
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if let Some(schema) = root.get("$schema").and_then(Node::as_str) {
        return schema
            .to_ascii_lowercase()
            .contains("environment")
            .then_some(FileKind::AzureMlYaml);
    }
    if [
        "image",
        "build",
        "conda_file",
        "inference_config",
        "os_type",
    ]
    .iter()
    .any(|k| has(k))
    {
        return Some(FileKind::AzureMlYaml);
    }
    if ["python", "docker", "environmentVariables"]
        .iter()
        .any(|k| has(k))
        && (is_json || has("python"))
    {
        return Some(FileKind::AzureMlJson);
    }
    if has("dependencies") || has("channels") {
        const CONDA_KEYS: &[&str] = &["name", "channels", "dependencies", "prefix", "variables"];
        let only_conda_keys = map.iter().all(|(k, _)| {
            k.as_str()
                .is_some_and(|k| CONDA_KEYS.contains(&k.to_ascii_lowercase().as_str()))
        });
        let string_deps = root
            .get("dependencies")
            .and_then(Node::as_seq)
            .is_some_and(|items| {
                items
                    .iter()
                    .any(|i| i.as_str().is_some() || i.get("pip").is_some())
            });
        if explicit || only_conda_keys || string_deps {
            return Some(FileKind::Conda);
        }
    }
    None
}

pub(crate) fn looks_like_definition(text: &str) -> bool {
    text.contains("dependencies:") || text.contains("channels:") || text.contains("conda_file")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::yaml;

    #[test]
    fn other_yaml_with_dependencies_is_not_conda() {
        let chart = yaml::parse(
            "apiVersion: v2\nname: app\ndependencies:\n  - name: redis\n    version: 1.0.0\n",
        )
        .unwrap();
        assert_eq!(classify(&chart, Path::new("Chart.yaml"), false), None);
        let conda = yaml::parse("name: x\ndependencies:\n  - numpy\n").unwrap();
        assert_eq!(
            classify(&conda, Path::new("environment.yml"), false),
            Some(FileKind::Conda)
        );
    }
}
