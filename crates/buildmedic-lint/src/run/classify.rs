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
    // `Dockerfile.gpu`, `Dockerfile-cuda`, `Dockerfile_dev` and `app.Dockerfile` are
    // Dockerfiles (hadolint's and `docker build -f`'s conventions); `dockerfile.rs` or
    // `dockerfile_test.py` (a parser's source) or `Dockerfile-linux.template` (docker-library's
    // jq templates) are not, unless named explicitly (and not YAML or JSON).
    const NOT_DOCKERFILE: &[&str] = &[
        "rs", "py", "go", "js", "ts", "md", "json", "yml", "yaml", "toml", "sh", "txt", "snap",
        "orig", "rej", "swp", "lock", "html", "c", "h", "java", "rb", "bak", "template", "tpl",
        "tmpl", "j2", "jinja", "jinja2", "mustache", "erb",
    ];
    let ext_of_name = name.rsplit_once('.').map(|(_, e)| e);
    let suffix = |seps: &[char]| {
        ["dockerfile", "containerfile"].iter().any(|base| {
            name.strip_prefix(base)
                .is_some_and(|rest| rest.len() > 1 && rest.starts_with(seps))
        })
    };
    if name == "dockerfile"
        || name.ends_with(".dockerfile")
        || name == "containerfile"
        || name.ends_with(".containerfile")
        || (suffix(&['.', '-', '_']) && !ext_of_name.is_some_and(|e| NOT_DOCKERFILE.contains(&e)))
        || (explicit && suffix(&['.']))
        || (explicit
            && suffix(&['-', '_'])
            && !ext_of_name.is_some_and(|e| ["yml", "yaml", "json"].contains(&e)))
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

/// Top-level keys of an Azure ML v2 environment.
const V2_KEYS: &[&str] = &[
    "$schema",
    "name",
    "version",
    "description",
    "tags",
    "properties",
    "image",
    "build",
    "conda_file",
    "inference_config",
    "os_type",
    "datastore",
    "intellectual_property",
    "stage",
    "registry",
];
/// Keys of the v1 SDK's `python` section.
const V1_PYTHON_KEYS: &[&str] = &[
    "userManagedDependencies",
    "interpreterPath",
    "condaDependencies",
    "condaDependenciesFile",
    "baseCondaEnvironment",
];
/// Keys of the v1 SDK's `docker` section.
const V1_DOCKER_KEYS: &[&str] = &[
    "enabled",
    "baseImage",
    "baseDockerfile",
    "baseImageRegistry",
    "buildContext",
    "sharedVolumes",
    "shmSize",
    "arguments",
    "platform",
    "gpuSupport",
];

fn has_any_key(node: Option<&Node>, keys: &[&str]) -> bool {
    node.and_then(Node::as_map).is_some_and(|m| {
        m.iter()
            .any(|(k, _)| k.as_str().is_some_and(|k| keys.contains(&k)))
    })
}

/// Azure ML v2: a key only an environment has, with the shape it has there. `image` and
/// `os_type` are common words (GitLab CI has a top-level `image`), so they count only when
/// every other key is an environment key too.
fn is_v2_environment(root: &Node) -> bool {
    let map = root.as_map().unwrap_or_default();
    let only_v2_keys = map
        .iter()
        .all(|(k, _)| k.as_str().is_some_and(|k| V2_KEYS.contains(&k)));
    let conda_file = root
        .get("conda_file")
        .is_some_and(|v| v.as_str().is_some() || v.as_map().is_some());
    // Read the Docs and conda-build recipes have a `build:` mapping too, without `path`.
    let build = root.get("build").is_some_and(|b| {
        b.as_str().is_some() || has_any_key(Some(b), &["path", "dockerfile_path"])
    });
    let inference = has_any_key(
        root.get("inference_config"),
        &["liveness_route", "readiness_route", "scoring_route"],
    );
    let image = root.get("image").is_some_and(|v| v.as_str().is_some());
    let os_type = root
        .get("os_type")
        .and_then(Node::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case("linux") || v.eq_ignore_ascii_case("windows"));
    conda_file || build || inference || (only_v2_keys && (image || os_type))
}

/// Azure ML v1 (the SDK's `Environment` JSON): a `python` or `docker` mapping with the SDK's
/// keys (a vocabulary file has `"python": 1234`).
fn is_v1_environment(root: &Node) -> bool {
    has_any_key(root.get("python"), V1_PYTHON_KEYS)
        || has_any_key(root.get("docker"), V1_DOCKER_KEYS)
}

/// Conda: `dependencies` is a list of match specs (strings) and `pip:` mappings, named or
/// found in a directory alike. Helm's `Chart.yaml` has a list of `name:` mappings,
/// `pubspec.yaml` and rapids-dependency-file-generator's `dependencies.yaml` a mapping,
/// GitHub labeler files a list of `changed-files` mappings.
fn is_conda(root: &Node) -> bool {
    let map = root.as_map().unwrap_or_default();
    let only_conda_keys = map.iter().all(|(k, _)| {
        k.as_str().is_some_and(|k| {
            crate::syntax::conda::TOP_LEVEL_KEYS.contains(&k.to_ascii_lowercase().as_str())
        })
    });
    // MLflow's `python_env.yaml` lists pip requirements under `dependencies`, next to
    // `python` and `build_dependencies` (keys a conda environment does not have).
    if root.get("python").is_some() || root.get("build_dependencies").is_some() {
        return false;
    }
    match root.get("dependencies") {
        Some(deps) if !deps.is_empty() => deps.as_seq().is_some_and(|items| {
            items
                .iter()
                .any(|i| i.as_str().is_some() || i.get("pip").is_some())
        }),
        // No (or empty) dependencies: a file with nothing but conda's keys, `dependencies`
        // or a `channels` list among them (`{}` or `name: x` alone is no evidence).
        _ => {
            only_conda_keys
                && (root.get("dependencies").is_some()
                    || root.get("channels").is_some_and(|c| c.as_seq().is_some()))
        }
    }
}

/// Kind of a YAML/JSON document by its keys; `None` when nothing in it is evidence of an
/// environment definition.
pub(crate) fn classify(root: &Node) -> Option<FileKind> {
    root.as_map()?;
    if let Some(schema) = root.get("$schema").and_then(Node::as_str) {
        return schema
            .to_ascii_lowercase()
            .contains("environment")
            .then_some(FileKind::AzureMlYaml);
    }
    if is_v2_environment(root) {
        return Some(FileKind::AzureMlYaml);
    }
    if is_v1_environment(root) {
        return Some(FileKind::AzureMlJson);
    }
    is_conda(root).then_some(FileKind::Conda)
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
        assert_eq!(classify(&chart), None);
        let conda = yaml::parse("name: x\ndependencies:\n  - numpy\n").unwrap();
        assert_eq!(classify(&conda), Some(FileKind::Conda));
    }

    #[test]
    fn dockerfile_names() {
        for name in [
            "Dockerfile",
            "Dockerfile.gpu",
            "Dockerfile-cuda12",
            "Dockerfile_dev",
            "app.Dockerfile",
            "Containerfile.base",
            "Dockerfile-py3.11",
        ] {
            assert_eq!(
                kind_from_name(Path::new(name), false),
                Some(FileKind::Dockerfile),
                "{name}"
            );
        }
        for name in [
            "dockerfile.rs",
            "dockerfile_test.py",
            "Dockerfile-",
            "dockerfiles.md",
        ] {
            assert_eq!(kind_from_name(Path::new(name), false), None, "{name}");
        }
        assert_eq!(
            kind_from_name(Path::new("Dockerfile.sh"), true),
            Some(FileKind::Dockerfile)
        );
        assert_eq!(kind_from_name(Path::new("dockerfile_lint.yml"), true), None);
        assert_eq!(
            kind_from_name(Path::new("Dockerfile-linux.template"), true),
            Some(FileKind::Dockerfile)
        );
    }

    #[test]
    fn foreign_files_are_not_definitions() {
        for text in [
            // .readthedocs.yaml
            "version: 2\nbuild:\n  os: ubuntu-22.04\n  tools:\n    python: \"3.11\"\n",
            // conda-build meta.yaml, rattler-build recipe.yaml
            "package:\n  name: x\nbuild:\n  number: 0\n",
            // MLflow python_env.yaml
            "python: 3.11.5\nbuild_dependencies:\n  - pip\ndependencies:\n  - -r requirements.txt\n",
            // a tokenizer vocabulary
            r#"{"python": 1, "docker": 2, "build": 3, "password": 4, "image": 5}"#,
            // GitHub labeler
            "Automation:\n  - changed-files: x\ndependencies:\n  - changed-files: y\n",
            // rapids-dependency-file-generator
            "files: {}\nchannels:\n  - rapidsai\ndependencies:\n  build:\n    common: []\n",
            // GitLab CI
            "image: python:3.11\ntest:\n  script: pytest\n",
            // settings, expected outputs
            "{}",
            "name: x\n",
        ] {
            let root = yaml::parse(text).unwrap();
            assert_eq!(classify(&root), None, "{text}");
        }
    }

    #[test]
    fn environment_shapes_are_recognized() {
        for (text, kind) in [
            ("name: x\nimage: python:3.11\n", FileKind::AzureMlYaml),
            ("build:\n  path: .\n", FileKind::AzureMlYaml),
            (
                "name: x\nconda_file: env.yml\nextra: 1\n",
                FileKind::AzureMlYaml,
            ),
            (
                r#"{"python": {"userManagedDependencies": true}}"#,
                FileKind::AzureMlJson,
            ),
            (r#"{"docker": {"baseImage": "x"}}"#, FileKind::AzureMlJson),
            (
                "name: x\ndependencies:\n  - numpy\n  - pip:\n    - a\n",
                FileKind::Conda,
            ),
            ("name: x\nchannels:\n  - conda-forge\n", FileKind::Conda),
        ] {
            let root = yaml::parse(text).unwrap();
            assert_eq!(classify(&root), Some(kind), "{text}");
        }
    }
}
