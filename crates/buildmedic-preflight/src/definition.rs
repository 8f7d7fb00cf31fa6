//! What definitions ask for, as preflight targets, read from lint's definition model
//! ([`buildmedic_lint::definition::discover`]): the same files `buildmedic lint` reads
//! (directory walk, v2 `conda_file` / `build` contexts, v1 inline Dockerfiles, `-r`/`-c`
//! includes) parsed by the same parsers (Docker's reference grammar with `ARG` defaults,
//! rattler's MatchSpec, uv's PEP 508 parser, pip's index options per invocation).
//!
//! This module is the one place that knows lint's API. It keeps what a build pulls from
//! the outside world: `FROM`, `COPY --from` and `RUN --mount=from` images, Azure ML images
//! (with a v1 definition's `baseImageRegistry` credentials), the specs of conda files and
//! inline conda specifications, and the requirements of requirements files and conda `pip:`
//! lists. `conda install` / `pip install` in `RUN` steps are left out: they run inside the
//! image, whose channels and Python the definition does not say.

use std::path::PathBuf;

use buildmedic_lint::definition::{
    self, DefinitionFile, FileKind, ImageSource, IndexOptions, Location, PipOrigin, PipParsed,
};

use crate::{CondaTarget, ImageTarget, PipTarget, Source, Targets};

/// The targets of some definitions, and the problems reading them.
#[derive(Debug, Default)]
pub struct Discovered {
    pub targets: Targets,
    /// Inputs that cannot be read or parsed (exit code 2), redacted.
    pub errors: Vec<String>,
    /// Explicit inputs that are not environment definitions.
    pub skipped: Vec<String>,
}

/// Discovers the definitions under `paths` and what they ask for.
pub fn discover(paths: &[PathBuf]) -> Discovered {
    let (defs, errors) = match definition::discover(paths) {
        Ok(defs) => (defs, Vec::new()),
        Err(e) => (e.partial, e.errors),
    };
    let mut out = Discovered {
        errors: errors
            .iter()
            .map(|e| buildmedic_redact::redact(&format!("{}: {}", e.path, e.message)).into_owned())
            .collect(),
        skipped: defs.skipped.clone(),
        ..Discovered::default()
    };
    // The python of each directory's conda environment, for requirements files beside it
    // that no conda file includes (the model links the included ones itself).
    let env_python: Vec<(PathBuf, String)> = defs
        .files
        .iter()
        .filter(|f| f.source.kind == FileKind::Conda)
        .filter_map(|f| {
            let py = f
                .asks
                .conda
                .first()?
                .python
                .as_deref()
                .and_then(python_pin)?;
            Some((f.source.dir().to_path_buf(), py))
        })
        .collect();
    for file in &defs.files {
        images(file, &mut out.targets);
        if file.source.kind != FileKind::Dockerfile {
            conda(file, &mut out.targets);
            pip(file, &env_python, &mut out.targets);
        }
    }
    dedupe(&mut out.targets);
    out
}

fn source(l: &Location) -> Option<Source> {
    Some(Source {
        file: l.file.clone(),
        line: l.line,
    })
}

fn images(file: &DefinitionFile, t: &mut Targets) {
    for image in &file.asks.images {
        let credential = match image.source {
            ImageSource::AzureMlBaseImage => v1_registry_credential(&file.source.text),
            _ => None,
        };
        t.images.push(ImageTarget {
            reference: image.reference.clone(),
            source: source(&image.location),
            credential,
        });
    }
}

/// A v1 definition's `docker.baseImageRegistry` username and password, when both are set.
fn v1_registry_credential(text: &str) -> Option<crate::Credential> {
    let v = serde_json::from_str::<serde_json::Value>(text).ok()?;
    let field = |name: &str| {
        v.pointer(&format!("/docker/baseImageRegistry/{name}"))
            .and_then(|u| u.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Some(crate::Credential::Basic {
        username: field("username")?,
        password: field("password")?,
    })
}

fn conda(file: &DefinitionFile, t: &mut Targets) {
    for env in &file.asks.conda {
        let python = env.python.as_deref().and_then(python_pin);
        for spec in &env.specs {
            t.conda.push(CondaTarget {
                spec: spec.text.trim().to_string(),
                channels: env.channels.clone(),
                python: python.clone(),
                source: source(&spec.location),
            });
        }
    }
}

fn pip(file: &DefinitionFile, env_python: &[(PathBuf, String)], t: &mut Targets) {
    for req in &file.asks.pip {
        if req.origin == PipOrigin::DockerfileRun || req.editable || !on_an_index(&req.index) {
            continue;
        }
        // Direct references (URLs, paths) and templates are not looked up on an index;
        // `name @ URL` and invalid requirements are kept, for the check to say so.
        if matches!(req.parsed, PipParsed::Direct | PipParsed::Templated) {
            continue;
        }
        let python = match req.python.as_deref() {
            Some(py) => python_pin(py),
            None if req.origin == PipOrigin::RequirementsFile => env_python
                .iter()
                .find(|(dir, _)| dir == file.source.dir())
                .map(|(_, py)| py.clone()),
            None => None,
        };
        t.pip.push(PipTarget {
            requirement: req.text.trim().to_string(),
            index_url: req.index.index_url.as_deref().map(expand_env),
            extra_index_urls: req
                .index
                .extra_index_urls
                .iter()
                .map(|u| expand_env(u))
                .collect(),
            python,
            source: source(&req.location),
        });
    }
}

/// Whether pip looks the requirement up on an index (`--no-index` leaves only
/// `--find-links` directories, which preflight does not read).
fn on_an_index(index: &IndexOptions) -> bool {
    !index.no_index
}

/// The version part of a conda `python` entry (`python=3.11` → `3.11`, `python>=3.10` →
/// `>=3.10`); `None` for a bare `python`.
fn python_pin(entry: &str) -> Option<String> {
    let entry = entry.trim();
    let rest = entry.strip_prefix("python").unwrap_or(entry);
    let rest = rest.trim_start_matches([' ', '=']).trim();
    (!rest.is_empty()
        && (rest.starts_with(|c: char| c.is_ascii_digit())
            || rest.starts_with(['>', '<', '~', '!'])))
    .then(|| rest.to_string())
}

/// The same target written twice (two stages on one base) is checked once, at its first
/// place.
fn dedupe(t: &mut Targets) {
    let mut seen = std::collections::HashSet::new();
    t.images.retain(|i| seen.insert(i.reference.clone()));
    let mut seen = std::collections::HashSet::new();
    t.conda
        .retain(|c| seen.insert((c.spec.clone(), c.channels.clone(), c.python.clone())));
    let mut seen = std::collections::HashSet::new();
    t.pip.retain(|p| {
        seen.insert((
            p.requirement.clone(),
            p.index_url.clone(),
            p.extra_index_urls.clone(),
            p.python.clone(),
        ))
    });
}

/// `${VAR}` as pip expands it in requirements files (unset: left as written).
fn expand_env(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find('}') {
            Some(j) => {
                let name = &after[..j];
                match std::env::var(name) {
                    Ok(v) => out.push_str(&v),
                    Err(_) => out.push_str(&rest[i..i + 3 + j]),
                }
                rest = &after[j + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn finds_what_a_project_asks_for() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "env/Dockerfile",
            "ARG BASE=python:3.11-slim\nFROM ${BASE} AS build\nRUN true\nFROM build\nCOPY --from=build /a /b\nCOPY --from=registry.example/tools:1 /t /t\nFROM scratch\n",
        );
        write(
            dir.path(),
            "env/environment.yml",
            "name: e\nchannels:\n  - conda-forge\n  - defaults\ndependencies:\n  - python=3.11\n  - numpy>=1.26  # pinned\n  - pip\n  - pip:\n    - requests==2.31.0\n",
        );
        write(
            dir.path(),
            "env/requirements.txt",
            "--index-url https://idx.example/simple\n# comment\nflask>=3 \\\n  ; python_version > \"3.8\"\n-e ./local\n./wheel.whl\nhttpx==0.27 --hash=sha256:abc\n",
        );
        let d = discover(&[dir.path().join("env")]);
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        let images: Vec<&str> = d
            .targets
            .images
            .iter()
            .map(|i| i.reference.as_str())
            .collect();
        assert_eq!(images, ["python:3.11-slim", "registry.example/tools:1"]);
        assert_eq!(d.targets.images[0].source.as_ref().unwrap().line, 2);
        let conda: Vec<&str> = d.targets.conda.iter().map(|c| c.spec.as_str()).collect();
        assert_eq!(conda, ["python=3.11", "numpy>=1.26", "pip"]);
        assert_eq!(d.targets.conda[1].channels, ["conda-forge", "defaults"]);
        assert_eq!(d.targets.conda[1].python.as_deref(), Some("3.11"));
        assert_eq!(d.targets.conda[1].source.as_ref().unwrap().line, 7);
        let pip: Vec<(&str, Option<&str>)> = d
            .targets
            .pip
            .iter()
            .map(|p| (p.requirement.as_str(), p.index_url.as_deref()))
            .collect();
        assert!(pip.contains(&("requests==2.31.0", None)), "{pip:?}");
        assert!(
            pip.contains(&(
                "flask>=3   ; python_version > \"3.8\"",
                Some("https://idx.example/simple")
            )),
            "{pip:?}"
        );
        assert!(
            pip.contains(&("httpx==0.27", Some("https://idx.example/simple"))),
            "{pip:?}"
        );
        assert_eq!(pip.len(), 3, "{pip:?}");
        let req = d
            .targets
            .pip
            .iter()
            .find(|p| p.requirement == "requests==2.31.0")
            .unwrap();
        assert_eq!(req.python.as_deref(), Some("3.11"));
    }

    #[test]
    fn azureml_definitions() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "v2/env.yml",
            "$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: e\nimage: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest\nconda_file: conda.yml\n",
        );
        write(
            dir.path(),
            "v2/conda.yml",
            "channels: [conda-forge]\ndependencies:\n  - python=3.10\n  - scipy\n",
        );
        write(
            dir.path(),
            "v1/azureml_environment.json",
            r#"{"name":"e","python":{"condaDependencies":{"channels":["conda-forge"],"dependencies":["python=3.9","pandas"]}},"docker":{"baseImage":"myacr.azurecr.io/base:1","baseImageRegistry":{"address":"myacr.azurecr.io","username":"u","password":"p"}}}"#,
        );
        let d = discover(&[dir.path().to_path_buf()]);
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        let images: Vec<&str> = d
            .targets
            .images
            .iter()
            .map(|i| i.reference.as_str())
            .collect();
        assert!(
            images.contains(&"mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest"),
            "{images:?}"
        );
        let acr = d
            .targets
            .images
            .iter()
            .find(|i| i.reference == "myacr.azurecr.io/base:1")
            .unwrap();
        assert!(acr.credential.is_some());
        let conda: Vec<&str> = d.targets.conda.iter().map(|c| c.spec.as_str()).collect();
        assert!(
            conda.contains(&"scipy") && conda.contains(&"pandas"),
            "{conda:?}"
        );
        let pandas = d.targets.conda.iter().find(|c| c.spec == "pandas").unwrap();
        assert_eq!(pandas.python.as_deref(), Some("3.9"));
    }

    #[test]
    fn leaves_out_what_runs_inside_the_image() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "env/Dockerfile",
            "FROM python:3.9\nRUN pip install requests==2.31.0 && conda install -c conda-forge numpy\n",
        );
        write(
            dir.path(),
            "env/requirements.txt",
            "--no-index\n--find-links ./wheels\nlocal-only==1.0\n",
        );
        write(
            dir.path(),
            "py/environment.yml",
            "channels: [conda-forge]\ndependencies:\n  - python=3.10\n",
        );
        write(
            dir.path(),
            "py/requirements.txt",
            "flask==3.0\ngit+https://example.invalid/x.git\n",
        );
        let d = discover(&[dir.path().to_path_buf()]);
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        let images: Vec<&str> = d
            .targets
            .images
            .iter()
            .map(|i| i.reference.as_str())
            .collect();
        assert_eq!(images, ["python:3.9"]);
        let conda: Vec<&str> = d.targets.conda.iter().map(|c| c.spec.as_str()).collect();
        assert_eq!(conda, ["python=3.10"]);
        // RUN installs, --no-index requirements and VCS references are not index lookups;
        // a requirements file beside a conda file takes its python.
        let pip: Vec<(&str, Option<&str>)> = d
            .targets
            .pip
            .iter()
            .map(|p| (p.requirement.as_str(), p.python.as_deref()))
            .collect();
        assert_eq!(pip, [("flask==3.0", Some("3.10"))]);
    }

    #[test]
    fn python_pins_of_conda_entries() {
        assert_eq!(python_pin("python=3.11").as_deref(), Some("3.11"));
        assert_eq!(python_pin("python >=3.10").as_deref(), Some(">=3.10"));
        assert_eq!(python_pin("python==3.12.1").as_deref(), Some("3.12.1"));
        assert_eq!(python_pin("python"), None);
        assert_eq!(python_pin("python=*"), None);
    }

    #[test]
    fn unreadable_inputs_are_errors() {
        let d = discover(&[PathBuf::from("/nonexistent/buildmedic/env.yml")]);
        assert_eq!(d.errors.len(), 1, "{:?}", d.errors);
        assert!(d.targets.is_empty());
    }
}
