//! What definitions ask for, as preflight targets, from the same discovery as
//! `buildmedic lint`: the files are the ones [`buildmedic_lint::lint_paths`] reads (directory
//! walk, v2 `conda_file` / `build` contexts, requirements includes), and each is read with
//! lint's parsers (its YAML tree with spans, its Dockerfile parser and stage resolution with
//! `ARG` defaults, rattler's MatchSpec and uv's PEP 508 parser behind them).
//!
//! This module is the one place that knows lint's API: when lint publishes its definition
//! model (`buildmedic_lint::definition`), only this adapter changes.

use std::path::PathBuf;

use buildmedic_lint::dockerfile::stages::{Base, stages};
use buildmedic_lint::yaml::{self, Node};
use buildmedic_lint::{FileKind, LintConfig, SourceFile};

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
    // Lint with every check off: only its discovery and parsing are wanted.
    let mut config = LintConfig::default();
    let _ = config.select(Vec::new());
    let report = buildmedic_lint::lint_paths(paths, &config);
    let mut out = Discovered {
        errors: report
            .errors
            .iter()
            .map(|e| buildmedic_redact::redact(&format!("{}: {}", e.path, e.message)).into_owned())
            .collect(),
        skipped: report.skipped.clone(),
        ..Discovered::default()
    };
    // The python of the conda environments, for the requirements files next to them (the
    // ones their `pip:` lists include).
    let mut env_python: Vec<(PathBuf, String)> = Vec::new();
    for file in &report.files {
        match file.kind {
            FileKind::Dockerfile => dockerfile(file, &mut out.targets),
            FileKind::Conda => {
                if let Some(py) = conda_file(file, &mut out.targets) {
                    env_python.push((file.dir().to_path_buf(), py));
                }
            }
            FileKind::Requirements => {
                let py = env_python
                    .iter()
                    .find(|(dir, _)| dir == file.dir())
                    .map(|(_, py)| py.as_str());
                requirements(file, py, &mut out.targets)
            }
            FileKind::AzureMlYaml => azureml_yaml(file, &mut out.targets),
            FileKind::AzureMlJson => azureml_json(file, &mut out.targets),
            FileKind::Virtual => {}
        }
    }
    dedupe(&mut out.targets);
    out
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

fn source(file: &SourceFile, offset: usize) -> Option<Source> {
    let (line, _) = file.line_col(offset);
    Some(Source {
        file: file.display.clone(),
        line,
    })
}

fn dockerfile(file: &SourceFile, t: &mut Targets) {
    let df = buildmedic_lint::dockerfile::parse(&file.text);
    for stage in stages(&df) {
        if let Base::Image {
            reference, span, ..
        } = &stage.base
        {
            t.images.push(ImageTarget {
                reference: reference.clone(),
                source: source(file, span.start),
                credential: None,
            });
        }
    }
    // `COPY --from=image` (not a stage name or index).
    let names: Vec<String> = stages(&df).iter().filter_map(|s| s.name.clone()).collect();
    for ins in &df.instructions {
        if ins.kind != Some(buildmedic_lint::dockerfile::parser::Keyword::Copy) {
            continue;
        }
        if let Some(from) = ins.flag("from") {
            let lower = from.to_ascii_lowercase();
            if !names.contains(&lower) && from.parse::<usize>().is_err() && !from.contains('$') {
                t.images.push(ImageTarget {
                    reference: from.to_string(),
                    source: source(file, ins.all_args_span().start),
                    credential: None,
                });
            }
        }
    }
}

/// A conda environment (file or inline mapping): its specs, and its python pin.
fn conda_env(file: &SourceFile, root: &Node, t: &mut Targets) -> Option<String> {
    let channels: Vec<String> = root
        .get("channels")
        .and_then(Node::as_seq)
        .map(|s| {
            s.iter()
                .filter_map(|c| c.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let deps = root.get("dependencies").and_then(Node::as_seq)?;
    let python = deps.iter().filter_map(Node::as_str).find_map(|d| {
        let d = d.trim();
        let rest = d.strip_prefix("python")?;
        let rest = rest.trim_start_matches([' ', '=']);
        (!rest.is_empty()
            && (rest.starts_with(|c: char| c.is_ascii_digit())
                || rest.starts_with(['>', '<', '~', '!'])))
        .then(|| rest.to_string())
    });
    for d in deps {
        if let Some(spec) = d.as_str() {
            t.conda.push(CondaTarget {
                spec: spec.trim().to_string(),
                channels: channels.clone(),
                python: python.clone(),
                source: source(file, d.span.start),
            });
        } else if let Some(pip) = d.get("pip").and_then(Node::as_seq) {
            // conda writes the list to a requirements file for pip: options apply to all.
            let lines: Vec<(usize, String)> = pip
                .iter()
                .filter_map(|p| p.as_str().map(|s| (p.span.start, s.to_string())))
                .collect();
            pip_lines(file, &lines, python.as_deref(), t);
        }
    }
    python
}

fn conda_file(file: &SourceFile, t: &mut Targets) -> Option<String> {
    let root = yaml::parse(&file.text).ok()?;
    conda_env(file, &root, t)
}

fn azureml_yaml(file: &SourceFile, t: &mut Targets) {
    let Ok(root) = yaml::parse(&file.text) else {
        return;
    };
    if let Some(image) = root.get("image")
        && let Some(reference) = image.as_str()
    {
        t.images
            .push(ImageTarget::at(reference, source(file, image.span.start)));
    }
    // An inline conda specification.
    if let Some(conda) = root.get("conda_file")
        && conda.as_map().is_some()
    {
        conda_env(file, conda, t);
    }
}

fn azureml_json(file: &SourceFile, t: &mut Targets) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&file.text) else {
        return;
    };
    let at = |needle: &str| {
        file.text
            .find(&format!("\"{needle}\""))
            .and_then(|o| source(file, o))
    };
    if let Some(image) = v.pointer("/docker/baseImage").and_then(|i| i.as_str())
        && !image.trim().is_empty()
    {
        let credential = match (
            v.pointer("/docker/baseImageRegistry/username")
                .and_then(|u| u.as_str()),
            v.pointer("/docker/baseImageRegistry/password")
                .and_then(|p| p.as_str()),
        ) {
            (Some(u), Some(p)) if !u.is_empty() && !p.is_empty() => {
                Some(crate::Credential::Basic {
                    username: u.to_string(),
                    password: p.to_string(),
                })
            }
            _ => None,
        };
        t.images.push(ImageTarget {
            reference: image.to_string(),
            source: at("baseImage"),
            credential,
        });
    }
    if let Some(deps) = v.pointer("/python/condaDependencies")
        && deps.is_object()
        && let Ok(text) = serde_json::to_string(deps)
        && let Ok(root) = yaml::parse(&text)
    {
        // The inline specification, located at its key in the JSON file.
        let line_src = at("condaDependencies");
        let before = t.conda.len();
        let before_pip = t.pip.len();
        let virtual_file = SourceFile::new(
            file.path.clone(),
            file.display.clone(),
            FileKind::Conda,
            text.clone(),
        );
        conda_env(&virtual_file, &root, t);
        for c in &mut t.conda[before..] {
            c.source = line_src.clone();
        }
        for p in &mut t.pip[before_pip..] {
            p.source = line_src.clone();
        }
    }
}

/// A requirements file: pip's options and one requirement per logical line (`\`
/// continuations joined, comments dropped). `-r`/`-c` includes are separate files of the
/// discovery.
fn requirements(file: &SourceFile, python: Option<&str>, t: &mut Targets) {
    let mut logical = String::new();
    let mut start = 0usize;
    let mut offset = 0usize;
    let mut lines: Vec<(usize, String)> = Vec::new();
    for raw in file.text.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        if logical.is_empty() {
            start = offset;
        }
        offset += raw.len();
        if let Some(cont) = line.strip_suffix('\\') {
            logical.push_str(cont);
            continue;
        }
        logical.push_str(line);
        lines.push((start, std::mem::take(&mut logical)));
    }
    if !logical.is_empty() {
        lines.push((start, logical));
    }
    pip_lines(file, &lines, python, t);
}

/// Requirements and options of one pip invocation: options apply to every requirement,
/// wherever they are written (as in pip).
fn pip_lines(file: &SourceFile, lines: &[(usize, String)], python: Option<&str>, t: &mut Targets) {
    let mut index_url = None;
    let mut extra = Vec::new();
    for (_, line) in lines {
        let text = strip_comment(line);
        let mut words = text.split_whitespace();
        match words.next() {
            Some("-i" | "--index-url") => index_url = words.next().map(expand_env),
            Some(w) if w.starts_with("--index-url=") => {
                index_url = Some(expand_env(&w["--index-url=".len()..]))
            }
            Some("--extra-index-url") => extra.extend(words.next().map(expand_env)),
            Some(w) if w.starts_with("--extra-index-url=") => {
                extra.push(expand_env(&w["--extra-index-url=".len()..]))
            }
            _ => {}
        }
    }
    for (start, line) in lines {
        requirement_line(file, line, *start, python, &index_url, &extra, t);
    }
}

fn strip_comment(line: &str) -> &str {
    // pip: a `#` at the start or after whitespace starts a comment.
    let bytes = line.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return line[..i].trim();
        }
    }
    line.trim()
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

fn requirement_line(
    file: &SourceFile,
    line: &str,
    offset: usize,
    python: Option<&str>,
    index_url: &Option<String>,
    extra: &[String],
    t: &mut Targets,
) {
    let text = strip_comment(line);
    if text.is_empty() || text.starts_with('-') {
        // Options (`-r`, `-e`, `--hash` lines...) and editables are not index requirements.
        return;
    }
    // `--hash=...` options after a requirement.
    let text = match text.find(" --") {
        Some(i) => text[..i].trim(),
        None => text,
    };
    // Local paths, archives and VCS URLs are not looked up on an index.
    if text.starts_with(['.', '/']) || text.contains("://") && !text.contains('@') {
        return;
    }
    t.pip.push(PipTarget {
        requirement: text.to_string(),
        index_url: index_url.clone(),
        extra_index_urls: extra.to_vec(),
        python: python.map(str::to_string),
        source: source(file, offset),
    });
}

impl ImageTarget {
    fn at(reference: &str, source: Option<Source>) -> ImageTarget {
        ImageTarget {
            reference: reference.to_string(),
            source,
            credential: None,
        }
    }
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
    fn unreadable_inputs_are_errors() {
        let d = discover(&[PathBuf::from("/nonexistent/buildmedic/env.yml")]);
        assert_eq!(d.errors.len(), 1, "{:?}", d.errors);
        assert!(d.targets.is_empty());
    }
}
