//! Finding and reading definitions: walk directories, read and decode each file, decide its
//! kind, and follow the files it references (an Azure ML definition's `conda_file` and build
//! context Dockerfile, `-r`/`-c` includes, v1 inline Dockerfiles), depth first, each file
//! once.
//!
//! Both the linter ([`super::linter`]) and the public definition model
//! ([`crate::definition::discover`]) read definitions through [`discover`], and the
//! dispatchers report unusable references through the same resolvers ([`build_context`],
//! [`conda_file`], [`include`]) that decide what is followed.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::framework::report::InputError;
use crate::syntax::Span;
use crate::syntax::azureml;
use crate::syntax::conda::CondaEnv;
use crate::syntax::requirements::{self, Logical, ReqLine};
use crate::syntax::source::{FileKind, SourceFile, Utf8Problem};
use crate::syntax::yaml::{self, Node};
use crate::syntax::{is_templated, is_url};

use super::classify::{classify, is_yaml_or_json, kind_from_name, looks_like_definition};
use super::decode::{decode, io_message};
use super::paths::{display_path, resolve};

/// One file discovery read.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub file: SourceFile,
    /// The YAML/JSON tree of YAML kinds (None when it did not parse but the file is still
    /// linted for its encoding problem).
    pub root: Option<Node>,
    /// The first encoding problem, when the file is not clean UTF-8.
    pub utf8: Option<Utf8Problem>,
    /// Build context root of a Dockerfile (its directory, or the definition's `build.path`).
    pub context_dir: Option<PathBuf>,
    /// Index in [`Discovered::files`] of the file that references this one.
    pub parent: Option<usize>,
    /// For an inline Dockerfile: the span of the string in the parent, and its field.
    pub inline: Option<(Span, &'static str)>,
}

/// Everything discovery found, in the order it read it.
#[derive(Debug, Default)]
pub(crate) struct Discovered {
    pub files: Vec<Loaded>,
    /// Inputs that could not be read or parsed (redacted).
    pub errors: Vec<InputError>,
    /// Explicit inputs that are not environment definitions.
    pub skipped: Vec<String>,
}

/// Reads `paths` (files, or directories searched for definitions) and what they reference.
pub(crate) fn discover(paths: &[PathBuf]) -> Discovered {
    let mut d = Discovery {
        seen: HashSet::new(),
        out: Discovered::default(),
    };
    for path in paths {
        let display = display_path(path);
        match std::fs::metadata(path) {
            Err(e) => d.error(&display, io_message(&e)),
            Ok(meta) if meta.is_dir() => {
                let mut found = Vec::new();
                walk(path, &mut found, 0);
                found.sort();
                for file in found {
                    let kind = kind_from_name(&file, false);
                    if kind.is_none() && !is_yaml_or_json(&file) {
                        continue;
                    }
                    d.load(Pending {
                        context_dir: dockerfile_context(kind, &file),
                        display: display_path(&file),
                        path: file,
                        kind,
                        explicit: false,
                        parent: None,
                    });
                }
            }
            Ok(_) => {
                let kind = kind_from_name(path, true);
                d.load(Pending {
                    context_dir: dockerfile_context(kind, path),
                    path: path.clone(),
                    display,
                    kind,
                    explicit: true,
                    parent: None,
                });
            }
        }
    }
    d.out
}

fn dockerfile_context(kind: Option<FileKind>, path: &Path) -> Option<PathBuf> {
    (kind == Some(FileKind::Dockerfile))
        .then(|| path.parent().map(Path::to_path_buf))
        .flatten()
}

struct Pending {
    path: PathBuf,
    display: String,
    kind: Option<FileKind>,
    context_dir: Option<PathBuf>,
    explicit: bool,
    parent: Option<usize>,
}

/// A reference to follow.
enum Follow {
    File {
        path: PathBuf,
        display: String,
        kind: FileKind,
        context_dir: Option<PathBuf>,
    },
    Inline {
        dockerfile: SourceFile,
        span: Span,
        field: &'static str,
    },
}

struct Discovery {
    seen: HashSet<PathBuf>,
    out: Discovered,
}

impl Discovery {
    fn error(&mut self, path: &str, message: impl Into<String>) {
        self.out.errors.push(InputError {
            path: path.to_string(),
            message: buildmedic_redact::redact(&message.into()).into_owned(),
        });
    }

    fn load(&mut self, pending: Pending) {
        let key = std::fs::canonicalize(&pending.path).unwrap_or_else(|_| pending.path.clone());
        if !self.seen.insert(key) {
            return;
        }
        let bytes = match std::fs::read(&pending.path) {
            Ok(b) => b,
            Err(e) => {
                if pending.path.is_dir() {
                    self.error(&pending.display, "is a directory, expected a file");
                } else {
                    self.error(&pending.display, io_message(&e));
                }
                return;
            }
        };
        let (text, utf8) = decode(&bytes);
        let mut kind = pending.kind;
        let mut root: Option<Node> = None;
        if kind.is_none()
            || matches!(
                kind,
                Some(FileKind::Conda | FileKind::AzureMlYaml | FileKind::AzureMlJson)
            )
        {
            match yaml::parse(&text) {
                Ok(node) => {
                    if kind.is_none() {
                        kind = classify(&node);
                    }
                    root = Some(node);
                }
                Err(e) => {
                    // A file we only guessed at (by extension, while walking a directory) is
                    // not worth an error unless it looks like an environment definition.
                    if pending.explicit || kind.is_some() || looks_like_definition(&text) {
                        if utf8.is_some() {
                            kind = kind.or(Some(FileKind::Conda));
                        } else {
                            self.error(&pending.display, format!("invalid YAML: {e}"));
                            return;
                        }
                    } else {
                        return;
                    }
                }
            }
        }
        let Some(kind) = kind else {
            if pending.explicit {
                self.out.skipped.push(pending.display);
            }
            return;
        };
        let file = SourceFile::new(pending.path, pending.display, kind, text);
        let loaded = Loaded {
            file,
            root,
            utf8,
            context_dir: pending.context_dir,
            parent: pending.parent,
            inline: None,
        };
        let follows = references(&loaded);
        let index = self.out.files.len();
        self.out.files.push(loaded);
        for follow in follows {
            match follow {
                Follow::File {
                    path,
                    display,
                    kind,
                    context_dir,
                } => self.load(Pending {
                    path,
                    display,
                    kind: Some(kind),
                    context_dir,
                    explicit: false,
                    parent: Some(index),
                }),
                Follow::Inline {
                    dockerfile,
                    span,
                    field,
                } => self.out.files.push(Loaded {
                    file: dockerfile,
                    root: None,
                    utf8: None,
                    context_dir: None,
                    parent: Some(index),
                    inline: Some((span, field)),
                }),
            }
        }
    }
}

/// The files `l` references that exist, in the order the definition names them.
fn references(l: &Loaded) -> Vec<Follow> {
    let file = &l.file;
    let mut out = Vec::new();
    let root = l.root.as_ref().filter(|r| r.as_map().is_some());
    match (file.kind, root) {
        (FileKind::AzureMlYaml, Some(root)) => {
            if let Some(build) = root.get("build")
                && let BuildContext::Dockerfile {
                    path,
                    display,
                    context,
                } = build_context(file, build)
            {
                out.push(Follow::File {
                    path,
                    display,
                    kind: FileKind::Dockerfile,
                    context_dir: Some(context),
                });
            }
            if let Some(value) = root.get("conda_file") {
                match conda_file(file, value) {
                    CondaFile::Inline(spec) => {
                        includes(file, &CondaEnv::read(spec).pip_lines(&file.text), &mut out)
                    }
                    CondaFile::File { path, display } => out.push(Follow::File {
                        path,
                        display,
                        kind: FileKind::Conda,
                        context_dir: None,
                    }),
                    _ => {}
                }
            }
        }
        (FileKind::AzureMlJson, Some(root)) => {
            if let Some((node, text)) =
                azureml::v1_docker(root).and_then(azureml::v1_inline_dockerfile)
            {
                out.push(Follow::Inline {
                    dockerfile: SourceFile::new(
                        file.path.clone(),
                        format!("{}#docker.baseDockerfile", file.display),
                        FileKind::Dockerfile,
                        text,
                    ),
                    span: node.span.clone(),
                    field: "docker.baseDockerfile",
                });
            }
            if let Some(spec) = azureml::v1_python(root)
                .and_then(azureml::v1_conda_dependencies)
                .filter(|s| s.as_map().is_some())
            {
                includes(file, &CondaEnv::read(spec).pip_lines(&file.text), &mut out);
            } else if let Some(path) = v1_sibling_conda(file, root) {
                out.push(Follow::File {
                    display: display_path(&path),
                    path,
                    kind: FileKind::Conda,
                    context_dir: None,
                });
            }
        }
        (FileKind::Conda, Some(root)) => {
            includes(file, &CondaEnv::read(root).pip_lines(&file.text), &mut out);
        }
        (FileKind::Requirements, _) => {
            includes(file, &requirements::logical_lines(&file.text), &mut out);
        }
        _ => {}
    }
    out
}

fn includes(file: &SourceFile, lines: &[Logical], out: &mut Vec<Follow>) {
    for l in lines {
        let Some(line) = ReqLine::parse(l) else {
            continue;
        };
        for opt in &line.options {
            if !matches!(opt.name.as_str(), "requirement" | "constraint") {
                continue;
            }
            if let Some(value) = &opt.value
                && let Include::File { path, display } = include(file, value.text)
            {
                out.push(Follow::File {
                    path,
                    display,
                    kind: FileKind::Requirements,
                    context_dir: None,
                });
            }
        }
    }
}

/// The v1 SDK's `Environment.save_to_directory` layout: `azureml_environment.json` without
/// inline conda dependencies next to a `conda_dependencies.yml`, which
/// `Environment.load_from_directory` reads into `python.condaDependencies`.
pub(crate) fn v1_sibling_conda(file: &SourceFile, root: &Node) -> Option<PathBuf> {
    const ENVIRONMENT_FILE: &str = "azureml_environment.json";
    const CONDA_FILE: &str = "conda_dependencies.yml";
    let python = azureml::v1_python(root)?;
    if azureml::v1_user_managed(python) || azureml::v1_conda_dependencies(python).is_some() {
        return None;
    }
    let named = file
        .path
        .file_name()
        .is_some_and(|n| n.eq_ignore_ascii_case(ENVIRONMENT_FILE));
    let path = file.dir().join(CONDA_FILE);
    (named && path.is_file()).then_some(path)
}

/// What a `-r`/`-c` include refers to.
pub(crate) enum Include {
    /// A URL or a template: not followed, not checked.
    Skipped,
    File {
        path: PathBuf,
        display: String,
    },
    Missing {
        display: String,
        is_dir: bool,
    },
}

/// Resolves an include relative to the directory of `file`. An absolute path names a file
/// of the filesystem pip runs in (the image being built, e.g. one a Dockerfile `COPY`s to
/// `/pip_constraints.txt`), not of this host: not followed, not checked.
pub(crate) fn include(file: &SourceFile, target: &str) -> Include {
    if is_url(target) || is_templated(target) || target.starts_with('/') {
        return Include::Skipped;
    }
    let (path, display) = resolve(file, target);
    if path.is_file() {
        Include::File { path, display }
    } else {
        Include::Missing {
            is_dir: path.is_dir(),
            display,
        }
    }
}

/// What an Azure ML v2 `build:` section points at.
pub(crate) enum BuildContext<'a> {
    /// No `path` (or an empty one).
    NoPath,
    /// A value that cannot be checked here (not a string, a template, a URL).
    Skipped,
    /// `dockerfile_path` is absolute or leaves the context.
    DockerfileEscapes {
        node: &'a Node,
        problem: &'static str,
    },
    /// The context directory is missing (or a file).
    ContextMissing {
        node: &'a Node,
        display: String,
        what: &'static str,
    },
    /// The Dockerfile in an existing context.
    Dockerfile {
        path: PathBuf,
        display: String,
        context: PathBuf,
    },
    /// The context exists but has no such Dockerfile; `candidates` are the files in it that
    /// look like Dockerfiles.
    DockerfileMissing {
        node: &'a Node,
        display: String,
        candidates: Vec<String>,
    },
}

/// Resolves v2 `build` (a string path, or `{path, dockerfile_path}`) against `file`'s
/// directory.
pub(crate) fn build_context<'a>(file: &SourceFile, build: &'a Node) -> BuildContext<'a> {
    let (path_node, dockerfile_node) = match build.as_str() {
        Some(_) => (Some(build), None),
        None => (build.get("path"), build.get_non_null("dockerfile_path")),
    };
    let Some(path_node) = path_node.filter(|p| !p.is_empty()) else {
        return BuildContext::NoPath;
    };
    let Some(path) = path_node.as_str() else {
        return BuildContext::Skipped;
    };
    let dockerfile = dockerfile_node.and_then(Node::as_str);
    if is_templated(path) || dockerfile.is_some_and(is_templated) {
        return BuildContext::Skipped;
    }
    if let (Some(node), Some(df)) = (dockerfile_node, dockerfile)
        && let Some(problem) = azureml::escapes_context(df)
    {
        return BuildContext::DockerfileEscapes { node, problem };
    }
    if is_url(path) {
        return BuildContext::Skipped;
    }
    let (context, context_display) = resolve(file, path);
    if !context.is_dir() {
        let what = if context.exists() {
            "is not a directory"
        } else {
            "does not exist"
        };
        return BuildContext::ContextMissing {
            node: path_node,
            display: context_display,
            what,
        };
    }
    let target = context.join(dockerfile.unwrap_or("Dockerfile"));
    if target.is_file() {
        return BuildContext::Dockerfile {
            display: display_path(&target),
            path: target,
            context,
        };
    }
    BuildContext::DockerfileMissing {
        node: dockerfile_node.unwrap_or(path_node),
        display: display_path(&target),
        candidates: dockerfile_candidates(&context),
    }
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

/// What an Azure ML v2 `conda_file:` refers to.
pub(crate) enum CondaFile<'a> {
    /// An inline mapping.
    Inline(&'a Node),
    /// Empty (or not a string).
    Empty,
    /// A template or a URL.
    Skipped,
    Missing {
        display: String,
        what: &'static str,
    },
    EmptyFile {
        display: String,
    },
    File {
        path: PathBuf,
        display: String,
    },
}

/// Resolves v2 `conda_file` against `file`'s directory.
pub(crate) fn conda_file<'a>(file: &SourceFile, value: &'a Node) -> CondaFile<'a> {
    if value.as_map().is_some() {
        return CondaFile::Inline(value);
    }
    let Some(path) = value.as_str().filter(|s| !s.trim().is_empty()) else {
        return CondaFile::Empty;
    };
    if is_templated(path) || is_url(path) {
        return CondaFile::Skipped;
    }
    let (target, display) = resolve(file, path);
    if !target.is_file() {
        let what = if target.is_dir() {
            "is a directory, not a file"
        } else {
            "does not exist"
        };
        return CondaFile::Missing { display, what };
    }
    if std::fs::metadata(&target).is_ok_and(|m| m.len() == 0) {
        return CondaFile::EmptyFile { display };
    }
    CondaFile::File {
        path: target,
        display,
    }
}

const SKIP_DIRS: &[&str] = &[
    "node_modules",
    "target",
    "__pycache__",
    "venv",
    ".venv",
    "site-packages",
];

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            if name.starts_with('.') || SKIP_DIRS.contains(&name.as_ref()) {
                continue;
            }
            walk(&entry.path(), out, depth + 1);
        } else if ft.is_file() {
            out.push(entry.path());
        }
    }
}
