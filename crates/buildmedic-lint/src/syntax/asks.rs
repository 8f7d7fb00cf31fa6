//! What a definition asks for: the images it builds on, the conda specs and pip
//! requirements it installs, and its Dockerfile instructions, each with its [`Location`].
//!
//! This is the model `buildmedic preflight` (does it exist?) and `diagnose --env` (which
//! line asked for it?) read, and it is built by the same parsers lint's checks read: the
//! image grammar ([`crate::syntax::image_ref`]), rattler's MatchSpec via
//! [`crate::syntax::conda`], uv-pep508 via [`crate::syntax::requirements`], the Dockerfile
//! lexer and stages, and `buildmedic-shell` for `RUN` commands. Lint's image checks take
//! [`Image`] itself.
//!
//! Everything is kept as written *and* as parsed: a value that does not parse is still
//! listed (with the parse error), so a consumer can say "skipped: invalid spec" instead of
//! silently missing it. Builders here read one file; linking files (a conda file's python
//! for the requirements file it includes) is done by [`crate::definition`].

use std::path::PathBuf;

use rattler_conda_types::MatchSpec;

use crate::syntax::Span;
use crate::syntax::azureml;
use crate::syntax::conda::{self, CondaEnv};
use crate::syntax::dockerfile::{self, Dockerfile, Keyword, script, stages};
use crate::syntax::image_ref::{Reference, ReferenceError, parse_normalized_named};
use crate::syntax::requirements::{self, Logical, ReqLine};
use crate::syntax::source::{FileKind, SourceFile};
use crate::syntax::yaml::Node;

/// Where something is written: the file (as shown and on disk) and its span as 1-based
/// line and column (columns count characters) and as a byte range.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file as shown to the user (`envs/env.yml`, `env.json#docker.baseDockerfile` for
    /// an inline Dockerfile, `<--image>` for a command-line argument).
    pub file: String,
    /// The file on disk (for inline sources: the file that holds them).
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    /// Column just after the last character.
    pub end_column: usize,
    /// Byte range in the file's text.
    pub span: Span,
}

impl Location {
    /// The location of `span` in `file` (clamped to the text).
    pub fn new(file: &SourceFile, span: Span) -> Location {
        let start = span.start.min(file.text.len());
        let end = span.end.clamp(start, file.text.len());
        let (line, column) = file.line_col(start);
        let (end_line, end_column) = file.line_col(end);
        Location {
            file: file.display.clone(),
            path: file.path.clone(),
            line,
            column,
            end_line,
            end_column,
            span: start..end,
        }
    }
}

/// Where an image reference comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageSource {
    /// A Dockerfile `FROM` (the base of a stage).
    DockerfileFrom,
    /// A Dockerfile `COPY --from=<image>` / `ADD --from=<image>` that is not a stage.
    CopyFrom,
    /// A Dockerfile `RUN --mount=...,from=<image>` that is not a stage.
    MountFrom,
    /// Azure ML v2 `image:`.
    AzureMlImage,
    /// Azure ML v1 `docker.baseImage`.
    AzureMlBaseImage,
    /// `buildmedic lint --image REF`.
    CommandLine,
}

impl ImageSource {
    /// Whether the reference is written in a Dockerfile.
    pub fn is_dockerfile(self) -> bool {
        matches!(
            self,
            ImageSource::DockerfileFrom | ImageSource::CopyFrom | ImageSource::MountFrom
        )
    }
}

/// An image reference a definition builds on or copies from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub location: Location,
    /// The reference as written (`${BASE}:${TAG}` before substitution).
    pub written: String,
    /// The reference after substituting `ARG` defaults (equal to `written` when there was
    /// nothing to substitute).
    pub reference: String,
    /// Whether `ARG` substitution changed the text (offsets inside `reference` then do not
    /// map onto the file).
    pub substituted: bool,
    /// `reference` read with Docker's grammar and normalised (`ubuntu` →
    /// `docker.io/library/ubuntu`).
    pub parsed: Result<Reference, ReferenceError>,
    pub source: ImageSource,
}

impl Image {
    fn new(
        file: &SourceFile,
        span: Span,
        reference: &str,
        substituted: bool,
        source: ImageSource,
    ) -> Image {
        Image {
            written: file.slice(&span).to_string(),
            location: Location::new(file, span),
            reference: reference.to_string(),
            substituted,
            parsed: parse_normalized_named(reference),
            source,
        }
    }

    /// An image given on the command line: `file` is the virtual source holding it.
    pub fn command_line(file: &SourceFile) -> Image {
        Image::new(
            file,
            0..file.text.len(),
            &file.text,
            false,
            ImageSource::CommandLine,
        )
    }
}

/// One conda environment a definition creates: a conda file, an inline specification of an
/// Azure ML definition, or a `conda install|create` in a `RUN` step.
#[derive(Debug, Clone)]
pub struct CondaEnvironment {
    /// The whole specification (the mapping, or the `RUN` command).
    pub location: Location,
    /// `name:` (or `-n NAME` / `-p PREFIX`).
    pub name: Option<String>,
    /// `channels:` (or `-c` options), in order; empty means conda's defaults.
    pub channels: Vec<String>,
    /// The `python` entry as written (`python=3.10`), when there is one.
    pub python: Option<String>,
    /// Every conda entry (`python` included), in order.
    pub specs: Vec<CondaSpec>,
}

/// One conda dependency.
#[derive(Debug, Clone)]
pub struct CondaSpec {
    pub location: Location,
    /// As written.
    pub text: String,
    /// Lower-cased package name, also when the spec does not parse.
    pub name: Option<String>,
    /// rattler's strict MatchSpec (conda's `name=version=build` export form accepted), or
    /// why it is rejected.
    pub spec: Result<MatchSpec, String>,
}

/// Where a pip requirement is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PipOrigin {
    /// A requirements file (given, found in a directory, or included with `-r`).
    RequirementsFile,
    /// The `pip:` list of a conda specification.
    CondaPipSection,
    /// The arguments of `pip install` in a Dockerfile `RUN`.
    DockerfileRun,
}

/// What a requirement string is.
#[derive(Debug, Clone)]
pub enum PipParsed {
    /// A PEP 508 requirement (`name[extras] specifiers ; markers`, `name @ url`).
    Requirement(Box<uv_pep508::Requirement>),
    /// A URL, VCS reference or local path (`git+https://...`, `./pkg`, `x.whl`).
    Direct,
    /// Holds a variable (`${VERSION}`) that is only known when pip runs.
    Templated,
    /// Not a valid requirement: uv-pep508's message.
    Invalid(String),
}

/// The package indexes in effect for a pip invocation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexOptions {
    /// `--index-url` / `-i` (the last one wins, as in pip).
    pub index_url: Option<String>,
    /// `--extra-index-url`, in order.
    pub extra_index_urls: Vec<String>,
    /// `--find-links` / `-f`, in order.
    pub find_links: Vec<String>,
    /// `--no-index`.
    pub no_index: bool,
}

impl IndexOptions {
    /// Adds the options of `other` (a file read in the same pip invocation).
    pub fn merge(&mut self, other: &IndexOptions) {
        if other.index_url.is_some() {
            self.index_url.clone_from(&other.index_url);
        }
        for u in &other.extra_index_urls {
            if !self.extra_index_urls.contains(u) {
                self.extra_index_urls.push(u.clone());
            }
        }
        for u in &other.find_links {
            if !self.find_links.contains(u) {
                self.find_links.push(u.clone());
            }
        }
        self.no_index |= other.no_index;
    }
}

/// One pip requirement.
#[derive(Debug, Clone)]
pub struct PipRequirement {
    pub location: Location,
    /// As written.
    pub text: String,
    pub parsed: PipParsed,
    /// Given with `-e`/`--editable`.
    pub editable: bool,
    pub origin: PipOrigin,
    /// The indexes pip uses for it.
    pub index: IndexOptions,
    /// The environment's `python` spec when known (a conda `python` entry, for its `pip:`
    /// list and the requirements files that list includes).
    pub python: Option<String>,
}

impl PipRequirement {
    /// The PEP 508 requirement, when the text is one.
    pub fn requirement(&self) -> Option<&uv_pep508::Requirement> {
        match &self.parsed {
            PipParsed::Requirement(r) => Some(r),
            _ => None,
        }
    }
}

/// A Dockerfile instruction.
#[derive(Debug, Clone)]
pub struct DockerInstruction {
    /// From the keyword to the end of its last line (heredocs included).
    pub location: Location,
    /// The keyword as written (`run`, `COPY`, `RUNN`).
    pub keyword: String,
    /// `None` for words that are not instructions.
    pub kind: Option<Keyword>,
    /// `--name[=value]` flags.
    pub flags: Vec<(String, Option<String>)>,
    /// The arguments after keyword and flags, continuation lines joined.
    pub args: String,
    /// Index of the build stage (the `FROM` it follows); `None` before the first `FROM`.
    pub stage: Option<usize>,
    /// For `COPY`/`ADD`: the sources, as Docker reads them.
    pub copy_sources: Vec<(String, Location)>,
}

/// Everything one file asks for.
#[derive(Debug, Clone, Default)]
pub struct Asks {
    pub images: Vec<Image>,
    pub conda: Vec<CondaEnvironment>,
    pub pip: Vec<PipRequirement>,
    pub instructions: Vec<DockerInstruction>,
}

/// What `file` asks for; `root` is its YAML/JSON tree for the YAML kinds.
pub fn of_file(file: &SourceFile, root: Option<&Node>) -> Asks {
    of_file_with_index(file, root).0
}

/// [`of_file`], and the pip index options the file's requirement lines set (also when it
/// lists no requirement: a file of options and `-r` includes), for linking the files of one
/// pip invocation.
pub(crate) fn of_file_with_index(file: &SourceFile, root: Option<&Node>) -> (Asks, IndexOptions) {
    let mut asks = Asks::default();
    let mut index = IndexOptions::default();
    match (file.kind, root) {
        (FileKind::AzureMlYaml, Some(root)) if root.as_map().is_some() => {
            if let Some(image) = root.get("image") {
                asks.images
                    .extend(definition_image(image, file, ImageSource::AzureMlImage));
            }
            if let Some(spec) = azureml::v2_inline_conda(root) {
                index = conda_environment(spec, file, &mut asks);
            }
        }
        (FileKind::AzureMlJson, Some(root)) if root.as_map().is_some() => {
            if let Some(image) = azureml::v1_docker(root).and_then(|d| d.get("baseImage")) {
                asks.images
                    .extend(definition_image(image, file, ImageSource::AzureMlBaseImage));
            }
            if let Some(spec) = azureml::v1_python(root).and_then(azureml::v1_conda_dependencies) {
                index = conda_environment(spec, file, &mut asks);
            }
        }
        (FileKind::Conda, Some(root)) => index = conda_environment(root, file, &mut asks),
        (FileKind::Requirements, _) => {
            let lines = requirements::logical_lines(&file.text);
            (asks.pip, index) = requirement_lines(&lines, file, PipOrigin::RequirementsFile, None);
        }
        (FileKind::Dockerfile, _) if !dockerfile::unreadable(&file.text) => {
            let df = dockerfile::parse(&file.text);
            asks.images = dockerfile_images(&df, file);
            asks.instructions = dockerfile_instructions(&df, file);
            run_installs(&df, file, &mut asks);
        }
        _ => {}
    }
    (asks, index)
}

/// The image an Azure ML definition names at `node` (v2 `image:`, v1 `docker.baseImage`);
/// `None` when it is empty or a template.
pub fn definition_image(node: &Node, file: &SourceFile, source: ImageSource) -> Option<Image> {
    let (reference, span) = azureml::image_reference(node, &file.text)?;
    Some(Image::new(file, span, reference, false, source))
}

/// The images of a Dockerfile: every `FROM` that names an image (after `ARG` substitution;
/// stages, `scratch` and unresolvable references are not images), then `COPY --from` and
/// `RUN --mount=from=` references that are not stages.
pub fn dockerfile_images(df: &Dockerfile, file: &SourceFile) -> Vec<Image> {
    let all = stages::stages(df);
    let mut out = Vec::new();
    for stage in &all {
        if let stages::Base::Image {
            reference,
            span,
            substituted,
        } = &stage.base
        {
            out.push(Image::new(
                file,
                span.clone(),
                reference,
                *substituted,
                ImageSource::DockerfileFrom,
            ));
        }
    }
    let args = stages::meta_args(df);
    let is_stage = |value: &str| {
        value.parse::<usize>().is_ok()
            || all
                .iter()
                .any(|s| s.name.as_deref() == Some(value.to_ascii_lowercase().as_str()))
    };
    let mut push = |value: &str, span: Span, source: ImageSource| {
        let (reference, substituted) = if value.contains('$') {
            match stages::substitute(value, &args) {
                Some(r) => (r, true),
                None => return,
            }
        } else {
            (value.to_string(), false)
        };
        if reference.is_empty() || is_stage(&reference) {
            return;
        }
        out.push(Image::new(file, span, &reference, substituted, source));
    };
    for ins in &df.instructions {
        match ins.kind {
            Some(Keyword::Copy | Keyword::Add) => {
                if let Some(flag) = ins
                    .flags
                    .iter()
                    .find(|f| f.name.eq_ignore_ascii_case("from"))
                    && let Some(value) = &flag.value
                {
                    let written = flag.span.len() == "--from=".len() + value.len();
                    let span = if written {
                        flag.span.end - value.len()..flag.span.end
                    } else {
                        flag.span.clone()
                    };
                    push(value, span, ImageSource::CopyFrom);
                }
            }
            Some(Keyword::Run) => {
                for (value, span) in dockerfile::mount_froms(ins) {
                    push(&value, span, ImageSource::MountFrom);
                }
            }
            _ => {}
        }
    }
    out
}

/// Every instruction of a Dockerfile with its stage and `COPY`/`ADD` sources.
pub fn dockerfile_instructions(df: &Dockerfile, file: &SourceFile) -> Vec<DockerInstruction> {
    let all = stages::stages(df);
    df.instructions
        .iter()
        .enumerate()
        .map(|(index, ins)| {
            let stage = all.iter().rposition(|s| s.from <= index);
            let copy_sources = dockerfile::copy_sources(ins, df.escape)
                .0
                .into_iter()
                .map(|s| (s.value, Location::new(file, s.span)))
                .collect();
            DockerInstruction {
                location: Location::new(file, ins.span.clone()),
                keyword: ins.keyword.clone(),
                kind: ins.kind,
                flags: ins
                    .flags
                    .iter()
                    .map(|f| (f.name.clone(), f.value.clone()))
                    .collect(),
                args: ins.args.clone(),
                stage,
                copy_sources,
            }
        })
        .collect()
}

/// The conda environment specified by the mapping `root` (a conda file, or an inline
/// specification) and its `pip:` requirements; returns the `pip:` list's index options.
fn conda_environment(root: &Node, file: &SourceFile, asks: &mut Asks) -> IndexOptions {
    if root.as_map().is_none() {
        return IndexOptions::default();
    }
    let env = CondaEnv::read(root);
    let python = env
        .named("python")
        .next()
        .map(|d| d.text.trim().to_string());
    let specs = env
        .deps
        .iter()
        .map(|d| CondaSpec {
            location: Location::new(file, d.node.span.clone()),
            text: d.text.to_string(),
            name: d.name.clone(),
            spec: d.spec.clone(),
        })
        .collect();
    let (pip, index) = requirement_lines(
        &env.pip_lines(&file.text),
        file,
        PipOrigin::CondaPipSection,
        python.as_deref(),
    );
    asks.pip.extend(pip);
    asks.conda.push(CondaEnvironment {
        location: Location::new(file, root.span.clone()),
        name: env.name().map(str::to_string),
        channels: env.channel_names(),
        python,
        specs,
    });
    index
}

/// What a requirement string is, read the way lint reads it.
pub fn classify_requirement(text: &str, direct: bool) -> PipParsed {
    if text.contains("${") {
        PipParsed::Templated
    } else if direct {
        PipParsed::Direct
    } else {
        match requirements::parse_pep508(text) {
            Ok(r) => PipParsed::Requirement(Box::new(r)),
            Err(e) => PipParsed::Invalid(e.message),
        }
    }
}

/// The requirements of requirements lines read in one pip invocation, each with the index
/// options of all the lines (pip applies them to the whole invocation), and those options.
pub fn requirement_lines(
    lines: &[Logical],
    file: &SourceFile,
    origin: PipOrigin,
    python: Option<&str>,
) -> (Vec<PipRequirement>, IndexOptions) {
    let mut index = IndexOptions::default();
    let mut out = Vec::new();
    for l in lines {
        let Some(line) = ReqLine::parse(l) else {
            continue;
        };
        index.merge(&line_index_options(&line));
        if let Some(req) = &line.requirement {
            out.push(PipRequirement {
                location: Location::new(file, l.span(req.range.clone())),
                text: req.text.to_string(),
                parsed: classify_requirement(req.text, req.direct),
                editable: line.editable,
                origin,
                index: IndexOptions::default(),
                python: python.map(str::to_string),
            });
        }
    }
    for r in &mut out {
        r.index = index.clone();
    }
    (out, index)
}

/// The index options one requirements line sets.
pub fn line_index_options(line: &ReqLine<'_>) -> IndexOptions {
    let mut index = IndexOptions::default();
    for opt in &line.options {
        let value = opt.value.as_ref().map(|v| v.text.to_string());
        match (opt.name.as_str(), value) {
            ("index-url", Some(v)) => index.index_url = Some(v),
            ("extra-index-url", Some(v)) => index.extra_index_urls.push(v),
            ("find-links", Some(v)) => index.find_links.push(v),
            ("no-index", _) => index.no_index = true,
            _ => {}
        }
    }
    index
}

/// pip and conda installs in `RUN` steps.
fn run_installs(df: &Dockerfile, file: &SourceFile, asks: &mut Asks) {
    for ins in &df.instructions {
        for script in script::run_scripts(ins) {
            for install in buildmedic_shell::installs(script.text) {
                match install.manager {
                    buildmedic_shell::Manager::Pip => {
                        pip_install(&install, &script, file, &mut asks.pip)
                    }
                    buildmedic_shell::Manager::Conda => {
                        conda_install(&install, &script, file, &mut asks.conda)
                    }
                    _ => {}
                }
            }
        }
    }
}

fn pip_install(
    install: &buildmedic_shell::Install,
    script: &script::Script<'_>,
    file: &SourceFile,
    out: &mut Vec<PipRequirement>,
) {
    let index = IndexOptions {
        index_url: install.index_urls.last().map(|t| t.value.clone()),
        extra_index_urls: install
            .extra_index_urls
            .iter()
            .map(|t| t.value.clone())
            .collect(),
        find_links: install.find_links.iter().map(|t| t.value.clone()).collect(),
        no_index: install.no_index,
    };
    let editables = install.editables.iter().map(|t| (t, true));
    for (target, editable) in install.packages.iter().map(|t| (t, false)).chain(editables) {
        let text = target.value.as_str();
        let parsed = if target.has_expansion() {
            PipParsed::Templated
        } else {
            classify_requirement(text, editable || requirements::is_direct_reference(text))
        };
        out.push(PipRequirement {
            location: Location::new(file, script.span(target.range.clone())),
            text: text.to_string(),
            parsed,
            editable,
            origin: PipOrigin::DockerfileRun,
            index: index.clone(),
            python: None,
        });
    }
}

fn conda_install(
    install: &buildmedic_shell::Install,
    script: &script::Script<'_>,
    file: &SourceFile,
    out: &mut Vec<CondaEnvironment>,
) {
    if install.packages.is_empty() {
        return;
    }
    let specs: Vec<CondaSpec> = install
        .packages
        .iter()
        .map(|t| {
            let parsed = conda::parse_spec(&t.value);
            CondaSpec {
                location: Location::new(file, script.span(t.range.clone())),
                text: t.value.clone(),
                name: parsed.name,
                spec: if t.has_expansion() {
                    Err(format!(
                        "`{}` is only known when the shell expands it",
                        t.value
                    ))
                } else {
                    parsed.spec
                },
            }
        })
        .collect();
    let python = specs
        .iter()
        .find(|s| s.name.as_deref() == Some("python"))
        .map(|s| s.text.clone());
    out.push(CondaEnvironment {
        location: Location::new(file, script.span(install.range.clone())),
        name: install.environment.as_ref().map(|t| t.value.clone()),
        channels: install.channels.iter().map(|t| t.value.clone()).collect(),
        python,
        specs,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::yaml;

    fn file(kind: FileKind, text: &str) -> SourceFile {
        SourceFile::new("/d/f", "f", kind, text)
    }

    #[test]
    fn dockerfile_images_and_their_sources() {
        let text = "ARG TAG=3.11\nFROM python:${TAG} AS build\nFROM build\nCOPY --from=build /a /b\nCOPY --from=nginx:1.25 /etc/nginx /etc/nginx\nRUN --mount=type=bind,from=busybox:1.36,target=/bb ls\nFROM scratch\n";
        let f = file(FileKind::Dockerfile, text);
        let asks = of_file(&f, None);
        let got: Vec<(&str, ImageSource, bool, &str)> = asks
            .images
            .iter()
            .map(|i| {
                (
                    i.reference.as_str(),
                    i.source,
                    i.substituted,
                    &text[i.location.span.clone()],
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "python:3.11",
                    ImageSource::DockerfileFrom,
                    true,
                    "python:${TAG}"
                ),
                ("nginx:1.25", ImageSource::CopyFrom, false, "nginx:1.25"),
                (
                    "busybox:1.36",
                    ImageSource::MountFrom,
                    false,
                    "busybox:1.36"
                ),
            ]
        );
        assert_eq!(asks.images[0].location.line, 2);
        assert_eq!(asks.images[0].written, "python:${TAG}");
        assert!(asks.images.iter().all(|i| i.parsed.is_ok()));
        let stages: Vec<Option<usize>> = asks.instructions.iter().map(|i| i.stage).collect();
        assert_eq!(
            stages,
            [None, Some(0), Some(1), Some(1), Some(1), Some(1), Some(2)]
        );
        assert_eq!(asks.instructions[4].copy_sources[0].0, "/etc/nginx");
    }

    #[test]
    fn run_installs_become_requirements_and_specs() {
        let text = "FROM python:3.11\nRUN pip install --no-cache-dir -i https://idx/simple 'numpy<2' ./pkg \\\n    && conda install -y -c conda-forge scipy=1.11 python=3.11\n";
        let f = file(FileKind::Dockerfile, text);
        let asks = of_file(&f, None);
        let pip: Vec<(&str, &str, usize)> = asks
            .pip
            .iter()
            .map(|p| {
                (
                    p.text.as_str(),
                    &text[p.location.span.clone()],
                    p.location.line,
                )
            })
            .collect();
        assert_eq!(pip, [("numpy<2", "'numpy<2'", 2), ("./pkg", "./pkg", 2)]);
        assert!(asks.pip[0].requirement().is_some());
        assert!(matches!(asks.pip[1].parsed, PipParsed::Direct));
        assert_eq!(
            asks.pip[0].index.index_url.as_deref(),
            Some("https://idx/simple")
        );
        let env = &asks.conda[0];
        assert_eq!(env.channels, ["conda-forge"]);
        assert_eq!(env.python.as_deref(), Some("python=3.11"));
        assert_eq!(env.specs[0].location.line, 3);
        assert!(env.specs.iter().all(|s| s.spec.is_ok()));
    }

    #[test]
    fn conda_file_with_pip_section() {
        let text = "name: demo\nchannels:\n  - conda-forge\n  - defaults\ndependencies:\n  - python=3.10\n  - numpy>=1.26\n  - bad spec ===\n  - pip:\n    - --extra-index-url https://x/simple\n    - requests==2.32.3\n    - -e ./lib\n";
        let f = file(FileKind::Conda, text);
        let root = yaml::parse(text).unwrap();
        let asks = of_file(&f, Some(&root));
        let env = &asks.conda[0];
        assert_eq!(env.name.as_deref(), Some("demo"));
        assert_eq!(env.channels, ["conda-forge", "defaults"]);
        assert_eq!(env.python.as_deref(), Some("python=3.10"));
        assert_eq!(env.specs.len(), 3);
        assert!(env.specs[2].spec.is_err());
        assert_eq!(env.specs[1].location.line, 7);
        assert_eq!(env.specs[1].location.column, 5);
        let pip: Vec<(&str, bool)> = asks
            .pip
            .iter()
            .map(|p| (p.text.as_str(), p.editable))
            .collect();
        assert_eq!(pip, [("requests==2.32.3", false), ("./lib", true)]);
        assert_eq!(asks.pip[0].python.as_deref(), Some("python=3.10"));
        assert_eq!(asks.pip[0].index.extra_index_urls, ["https://x/simple"]);
        assert_eq!(&text[asks.pip[0].location.span.clone()], "requests==2.32.3");
    }

    #[test]
    fn azureml_definitions() {
        let text = "name: e\nimage: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest\nconda_file:\n  channels: [conda-forge]\n  dependencies:\n    - python=3.11\n";
        let f = file(FileKind::AzureMlYaml, text);
        let root = yaml::parse(text).unwrap();
        let asks = of_file(&f, Some(&root));
        assert_eq!(asks.images[0].source, ImageSource::AzureMlImage);
        assert_eq!(asks.images[0].location.line, 2);
        assert_eq!(asks.conda[0].channels, ["conda-forge"]);
        let json = r#"{"docker": {"baseImage": "ubuntu:22.04"}, "python": {"userManagedDependencies": false, "condaDependencies": {"dependencies": ["python=3.9", {"pip": ["azureml-defaults"]}]}}}"#;
        let f = file(FileKind::AzureMlJson, json);
        let root = yaml::parse(json).unwrap();
        let asks = of_file(&f, Some(&root));
        assert_eq!(asks.images[0].reference, "ubuntu:22.04");
        assert_eq!(asks.images[0].source, ImageSource::AzureMlBaseImage);
        assert_eq!(asks.pip[0].text, "azureml-defaults");
        assert_eq!(asks.pip[0].python.as_deref(), Some("python=3.9"));
    }

    #[test]
    fn requirements_file_options_apply_to_every_line() {
        let text = "numpy==1.26.4\n--index-url https://a/simple\n-f ./wheels\ngit+https://h/r.git@v1\npkg==${V}\nbad (>=1\n";
        let f = file(FileKind::Requirements, text);
        let asks = of_file(&f, None);
        let kinds: Vec<&str> = asks
            .pip
            .iter()
            .map(|p| match p.parsed {
                PipParsed::Requirement(_) => "req",
                PipParsed::Direct => "direct",
                PipParsed::Templated => "templated",
                PipParsed::Invalid(_) => "invalid",
            })
            .collect();
        assert_eq!(kinds, ["req", "direct", "templated", "invalid"]);
        for p in &asks.pip {
            assert_eq!(p.index.index_url.as_deref(), Some("https://a/simple"));
            assert_eq!(p.index.find_links, ["./wheels"]);
        }
    }
}
