//! Entities the framing knows, beside what signatures capture: the failing step's command,
//! the packages its install commands name, the command at the last prompt before the
//! evidence, and the base images.

use std::collections::BTreeMap;

use buildmedic_log::{LogSummary, Step, StepId};
use buildmedic_redact::redact;

use crate::scan::Scan;

/// What the framing knows, as entities: the command typed at the last prompt before the
/// evidence, the failing step's command (for `RUN` steps) or, when no step frames the
/// failure, the command the builder's verdict names (`process "/bin/sh -c X" did not
/// complete`, an excerpt without its steps), and the base images.
pub(crate) fn context_entities(
    step: Option<&Step>,
    first: Option<(Option<StepId>, u64)>,
    scanner: &Scan,
    summary: &LogSummary,
    images: &[String],
    max: usize,
) -> BTreeMap<String, Vec<String>> {
    let mut ctx: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut push = |name: &str, value: &str| {
        let v = redact(value.trim()).into_owned();
        let list = ctx.entry(name.to_string()).or_default();
        if !v.is_empty() && !list.contains(&v) && list.len() < max {
            list.push(v);
        }
    };
    // The last command echoed before the evidence (`+ pip install ...` under `set -x`).
    let prompt_before = |bucket: Option<StepId>| {
        let (_, line) = first?;
        scanner
            .bucket(bucket)?
            .prompts
            .iter()
            .filter(|(l, _)| *l <= line)
            .max_by_key(|(l, _)| *l)
            .map(|(_, c)| c.clone())
    };
    // Only a RUN step's arguments are a command (not `[internal] load metadata ...`).
    let run_step =
        step.filter(|s| s.instruction.as_deref() == Some("RUN") && !s.command.is_empty());
    if let Some((in_step @ Some(_), _)) = first
        && let Some(cmd) = prompt_before(in_step)
    {
        push("command", &cmd);
    }
    if let Some(s) = run_step {
        push("command", &s.command);
        for (name, value) in install_context(&s.command) {
            push(name, &value);
        }
    } else {
        // No build step frames the failure: what was typed at the prompt is the command, and
        // so is what the builder's failure verdict quotes.
        let verdict = summary.failures.iter().find_map(|f| f.command.clone());
        // Else the RUN instruction BuildKit's code frame marks (an error summary pasted
        // without its steps).
        let framed = summary
            .code_frame
            .as_ref()
            .filter(|_| verdict.is_none())
            .filter(|f| f.instruction == "RUN")
            .map(|f| instruction_operands(&f.args).to_string());
        for cmd in [prompt_before(None), verdict, framed].into_iter().flatten() {
            push("command", &cmd);
            for (name, value) in install_context(&cmd) {
                push(name, &value);
            }
        }
    }
    // A COPY/ADD step's sources are the files it could not find, read or copy.
    if let Some(s) = step.filter(|s| matches!(s.instruction.as_deref(), Some("COPY" | "ADD"))) {
        for file in copy_sources(&s.command) {
            push("file", &file);
        }
    }
    for image in images {
        push("image", image);
    }
    // The image whose pull progress (`latest: Pulling from library/mysql`) came last before
    // the evidence: the pull the error interrupted (a missing platform, a full disk, a reset).
    let evidence_line = first.map(|(_, l)| l).unwrap_or(u64::MAX);
    if let Some((_, image)) = summary
        .announced_images
        .iter()
        .rev()
        .find(|(l, _)| *l <= evidence_line)
    {
        push("image", image);
    }
    ctx
}

/// A Dockerfile instruction's arguments after its options (`RUN --mount=... cmd`,
/// `COPY --chown=a:b src dst`, `FROM --platform=x image`): the operands.
fn instruction_operands(args: &str) -> &str {
    let mut rest = args.trim_start();
    while rest.starts_with("--") {
        rest = rest
            .split_once(char::is_whitespace)
            .map_or("", |(_, r)| r)
            .trim_start();
    }
    rest
}

/// The sources of a `COPY`/`ADD` instruction's arguments (shell or JSON form): every
/// operand but the last (the destination), options (`--from=x`, `--chown=a:b`) skipped.
/// URLs (`ADD https://...`), expansions and heredocs are no files of the context.
pub(crate) fn copy_sources(args: &str) -> Vec<String> {
    let rest = instruction_operands(args).trim_end();
    let operands: Vec<String> = if rest.starts_with('[') {
        serde_json::from_str::<Vec<String>>(rest).unwrap_or_default()
    } else {
        rest.split_whitespace().map(str::to_string).collect()
    };
    let Some((_, sources)) = operands.split_last() else {
        return Vec::new();
    };
    sources
        .iter()
        .filter(|s| {
            !s.is_empty()
                && !s.starts_with("--")
                && !s.starts_with("<<")
                && !s.contains("://")
                && !s.contains('$')
        })
        .cloned()
        .collect()
}

/// What a shell command asks package managers for, as entities, read by
/// `buildmedic-shell` (quotes, `sh -c '...'`, flags and their values): the packages
/// (`package`), requirement files (`file`), conda channels (`channel`) and the hosts of
/// package indexes (`registry`), and the images a container CLI pushes or pulls (`image`).
/// Values the shell would expand, paths and URLs are not packages.
pub(crate) fn install_context(command: &str) -> Vec<(&'static str, String)> {
    const MAX_PACKAGES: usize = 8;
    let mut out: Vec<(&'static str, String)> = image_operands(command)
        .into_iter()
        .map(|i| ("image", i))
        .collect();
    let mut packages = 0;
    for install in buildmedic_shell::installs(command) {
        for t in &install.packages {
            if packages < MAX_PACKAGES && !t.has_expansion() && !t.is_path_or_url() {
                out.push(("package", t.value.clone()));
                packages += 1;
            }
        }
        for t in &install.requirement_files {
            if !t.has_expansion() {
                out.push(("file", t.value.clone()));
            }
        }
        // `conda env create` / `conda env update` without `-f` read `environment.yml` of the
        // working directory (conda's conda_env/cli/main_create.py default for --file).
        if install.manager == buildmedic_shell::Manager::Conda
            && install.subcommand.starts_with("env ")
            && install.requirement_files.is_empty()
        {
            out.push(("file", "environment.yml".to_string()));
        }
        for t in &install.channels {
            if !t.has_expansion() {
                out.push(("channel", t.value.clone()));
            }
        }
        for t in install.index_urls.iter().chain(&install.extra_index_urls) {
            if let Some(host) = url_host(&t.value) {
                out.push(("registry", host.to_string()));
            }
        }
    }
    out
}

/// The images of `docker push IMAGE` / `docker pull IMAGE` / `docker run [OPTIONS] IMAGE`
/// (also podman, nerdctl, buildah, `docker image push` and `docker container run`): the
/// first operand after the subcommand and its options.
fn image_operands(command: &str) -> Vec<String> {
    // Options of push/pull that take a value.
    const VALUED: [&str; 4] = ["--platform", "--authfile", "--creds", "--cert-dir"];
    // Options of run/create that take none (every other one does, unless written `--x=v`).
    const RUN_FLAGS: [&str; 14] = [
        "--rm",
        "--privileged",
        "--init",
        "--tty",
        "--interactive",
        "--detach",
        "--read-only",
        "--publish-all",
        "--no-healthcheck",
        "--oom-kill-disable",
        "--quiet",
        "--replace",
        "--sig-proxy",
        "--disable-content-trust",
    ];
    let run_flag = |w: &str| {
        RUN_FLAGS.contains(&w)
            || w.contains('=')
            || (w.len() > 1
                && !w.starts_with("--")
                && w[1..].bytes().all(|b| b"itdPq".contains(&b)))
    };
    let mut out = Vec::new();
    for words in container_cli_calls(command) {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let mut i = 0;
        if matches!(words.first(), Some(&"image" | &"container")) {
            i = 1;
        }
        let run = match words.get(i) {
            Some(&"push" | &"pull") => false,
            Some(&"run" | &"create") => true,
            _ => continue,
        };
        i += 1;
        while let Some(w) = words.get(i) {
            if run && w.starts_with('-') {
                i += if run_flag(w) { 1 } else { 2 };
            } else if VALUED.contains(w) {
                i += 2;
            } else if w.starts_with('-') {
                i += 1;
            } else {
                if !w.contains('$') && !w.is_empty() {
                    out.push((*w).to_string());
                }
                break;
            }
        }
    }
    out
}

/// The words after the program of each container CLI call (docker, podman, nerdctl,
/// buildah) in `command`.
fn container_cli_calls(command: &str) -> impl Iterator<Item = Vec<String>> {
    buildmedic_shell::commands(command)
        .into_iter()
        .filter_map(|c| {
            let inv = buildmedic_shell::invocation(&c)?;
            matches!(
                inv.program.as_str(),
                "docker" | "podman" | "nerdctl" | "buildah"
            )
            .then(|| {
                c.words[inv.index + 1..]
                    .iter()
                    .map(|w| w.value.clone())
                    .collect()
            })
        })
}

/// The `-f FILE` / `--file FILE` / `--file=FILE` of a `docker build` (also `docker buildx
/// build`, `docker image build`, podman, buildah `bud`/`build`, nerdctl) in `command`.
pub(crate) fn build_file_option(command: &str) -> Option<String> {
    for words in container_cli_calls(command) {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let Some(at) = words
            .iter()
            .position(|w| matches!(*w, "build" | "bud"))
            .filter(|&i| i <= 2)
        else {
            continue;
        };
        let mut rest = words[at + 1..].iter();
        while let Some(w) = rest.next() {
            if *w == "-f" || *w == "--file" {
                return rest.next().map(|v| (*v).to_string());
            }
            if let Some(v) = w.strip_prefix("--file=") {
                return Some(v.to_string());
            }
        }
    }
    None
}

/// The packages of [`install_context`] alone.
#[cfg(test)]
pub(crate) fn install_targets(command: &str) -> Vec<String> {
    install_context(command)
        .into_iter()
        .filter(|(name, _)| *name == "package")
        .map(|(_, v)| v)
        .collect()
}

/// The host (with its port) of an `http(s)://` URL, without user information.
pub(crate) fn url_host(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = host.trim_end_matches(['"', '\'', '`', ')', ',', '.', ':']);
    (!host.is_empty() && host.contains('.') || host.starts_with("localhost")).then_some(host)
}

/// The registry host of an image reference, when it names one (`ghcr.io/x/y:1`,
/// `localhost:5000/x`, `10.0.0.1:5000/x`); Docker Hub short names (`ubuntu:22.04`,
/// `library/x`, `user/x`) name none.
pub(crate) fn image_registry(image: &str) -> Option<&str> {
    let (first, rest) = image.split_once('/')?;
    let is_host = first.contains('.') || first.contains(':') || first == "localhost";
    (is_host && !rest.is_empty()).then_some(first)
}

/// Registries the evidence and the image entities name: the registry part of every image
/// reference, and the hosts of the URLs in the evidence lines.
pub(crate) fn registry_context(
    entities: &BTreeMap<String, Vec<String>>,
    evidence: &[String],
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |h: &str| {
        if !out.iter().any(|o| o == h) {
            out.push(h.to_string());
        }
    };
    for image in entities.get("image").into_iter().flatten() {
        if let Some(r) = image_registry(image) {
            push(r);
        }
    }
    for line in evidence {
        for (at, _) in line.match_indices("http") {
            if let Some(h) = url_host(&line[at..]) {
                push(h);
            }
        }
    }
    out
}

/// `captured` plus the context. With `all`, context values are appended after the captured
/// ones (the JSON entities); without, only names the signatures captured nothing for are
/// filled (the fix steps, so "install `gcc`" does not become "install `gcc`, `pip install ...`").
pub(crate) fn with_context(
    captured: &BTreeMap<String, Vec<String>>,
    context: &BTreeMap<String, Vec<String>>,
    all: bool,
) -> BTreeMap<String, Vec<String>> {
    let mut out = captured.clone();
    for (name, values) in context {
        let list = out.entry(name.clone()).or_default();
        if !all && !list.is_empty() {
            continue;
        }
        for v in values {
            if !list.iter().any(|have| same_value(name, have, v)) {
                list.push(v.clone());
            }
        }
    }
    out
}

/// Whether two values of entity `name` name the same thing: a file BuildKit prints from the
/// context root (`/src/app.py`) is the `src/app.py` of the COPY line.
fn same_value(name: &str, a: &str, b: &str) -> bool {
    if name != "file" {
        return a == b;
    }
    let bare = |p: &str| -> String {
        let p = p.strip_prefix("./").unwrap_or(p);
        p.trim_start_matches('/').to_string()
    };
    a == b || bare(a) == bare(b)
}

/// Base images named by `FROM` steps or BuildKit's metadata loads.
/// A `FROM ${NAME}` (or `$NAME`) takes the default of the last `ARG NAME=default` before it.
pub(crate) fn base_images(summary: &LogSummary) -> Vec<String> {
    let mut out = Vec::new();
    let mut args: Vec<(&str, &str)> = Vec::new();
    for s in &summary.steps {
        let image = match s.instruction.as_deref() {
            Some("ARG") => {
                for a in s.command.split_whitespace() {
                    if let Some((name, value)) = a.split_once('=') {
                        let value = value.trim_matches(|c| c == '"' || c == '\'');
                        args.retain(|(n, _)| *n != name);
                        args.push((name, value));
                    }
                }
                None
            }
            Some("FROM") => instruction_operands(&s.command)
                .split_whitespace()
                .next()
                .map(|i| expand_arg(i, &args)),
            _ => s
                .command
                .strip_prefix("load metadata for ")
                .map(|i| i.split_whitespace().next().unwrap_or(i).to_string()),
        };
        if let Some(i) = image {
            let i = redact(&i).into_owned();
            if !i.is_empty() && !i.starts_with('$') && i != "scratch" && !out.contains(&i) {
                out.push(i);
            }
        }
    }
    out
}

/// `$NAME` / `${NAME}` (the whole reference or its start, `${BASE}:3.11`) replaced by an
/// `ARG` default; unchanged when no default is known.
fn expand_arg(image: &str, args: &[(&str, &str)]) -> String {
    let Some(rest) = image.strip_prefix('$') else {
        return image.to_string();
    };
    let (name, tail) = match rest.strip_prefix('{') {
        Some(r) => match r.split_once('}') {
            Some(x) => x,
            None => return image.to_string(),
        },
        None => {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            rest.split_at(end)
        }
    };
    match args.iter().rev().find(|(n, _)| *n == name) {
        Some((_, value)) if !value.is_empty() && !value.contains('$') => format!("{value}{tail}"),
        _ => image.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    #[test]
    fn from_expands_arg_defaults() {
        let args = [("BASE", "debian:buster-slim"), ("PY", "python")];
        assert_eq!(super::expand_arg("${BASE}", &args), "debian:buster-slim");
        assert_eq!(
            super::expand_arg("$PY:3.11-slim", &args),
            "python:3.11-slim"
        );
        assert_eq!(super::expand_arg("${PY}:3.12", &args), "python:3.12");
        assert_eq!(super::expand_arg("${OTHER}", &args), "${OTHER}");
        assert_eq!(super::expand_arg("ubuntu:22.04", &args), "ubuntu:22.04");
    }

    use super::{
        copy_sources, image_registry, install_context, install_targets, registry_context,
        same_value, url_host, with_context,
    };

    #[test]
    fn build_file_option_of_build_commands() {
        let f = |c: &str| super::build_file_option(c);
        assert_eq!(
            f("docker build -f docker/Dockerfile.gpu -t acme/app .").as_deref(),
            Some("docker/Dockerfile.gpu")
        );
        assert_eq!(
            f("docker buildx build --file=ci.Dockerfile --push .").as_deref(),
            Some("ci.Dockerfile")
        );
        assert_eq!(
            f("podman build --file Containerfile .").as_deref(),
            Some("Containerfile")
        );
        assert_eq!(f("docker build -t acme/app ."), None);
        assert_eq!(f("docker run -f x acme/app"), None);
        assert_eq!(f("make build -f x"), None);
    }

    #[test]
    fn conda_env_create_reads_environment_yml_by_default() {
        let files = |c: &str| -> Vec<String> {
            install_context(c)
                .into_iter()
                .filter(|(n, _)| *n == "file")
                .map(|(_, v)| v)
                .collect()
        };
        assert_eq!(
            files("conda env create --copy -p /opt/env"),
            vec!["environment.yml"]
        );
        assert_eq!(
            files("conda env create -f env/gpu.yml"),
            vec!["env/gpu.yml"]
        );
        assert!(files("conda create -n x python=3.11").is_empty());
    }

    #[test]
    fn run_options_are_no_command() {
        assert_eq!(
            super::instruction_operands("--mount=type=cache,target=/root/.cache pip install x"),
            "pip install x"
        );
        assert_eq!(super::instruction_operands("make all"), "make all");
    }

    #[test]
    fn copy_sources_of_shell_and_json_forms() {
        assert_eq!(
            copy_sources("target/api*.jar api.jar"),
            vec!["target/api*.jar".to_string()]
        );
        assert_eq!(
            copy_sources("--chown=app:app --from=build /out/a /out/b /usr/bin/"),
            vec!["/out/a".to_string(), "/out/b".to_string()]
        );
        assert_eq!(
            copy_sources(r#"["conf/app settings.yml", "/etc/app/"]"#),
            vec!["conf/app settings.yml".to_string()]
        );
        assert_eq!(
            copy_sources(r#"--chmod=644 ["a.txt", "/srv/"]"#),
            vec!["a.txt".to_string()]
        );
        assert!(copy_sources("https://example.com/x.tgz /opt/").is_empty());
        assert!(copy_sources("${SRC} /app/").is_empty());
        assert!(copy_sources("only-one").is_empty());
        assert!(copy_sources("").is_empty());
    }

    #[test]
    fn install_operands() {
        assert_eq!(
            install_targets(
                "apt-get update && apt-get install -y --no-install-recommends libfoo curl"
            ),
            ["libfoo", "curl"]
        );
        assert_eq!(
            install_targets("pip install -i \"https://x/simple/\" acme_models"),
            ["acme_models"]
        );
        assert_eq!(
            install_targets("python -m pip install -r requirements.txt torch==2.1"),
            ["torch==2.1"]
        );
        assert_eq!(
            install_targets("conda install -c conda-forge -y numpy=1.26"),
            ["numpy=1.26"]
        );
        assert!(install_targets("make install").is_empty());
        assert!(install_targets("echo hi").is_empty());
    }

    #[test]
    fn images_of_push_and_pull_commands() {
        let images = |c: &str| {
            install_context(c)
                .into_iter()
                .filter(|(k, _)| *k == "image")
                .map(|(_, v)| v)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            images("sudo docker push bmfx/client:builder"),
            ["bmfx/client:builder"]
        );
        assert_eq!(
            images("docker pull --platform linux/amd64 -q ghcr.io/bmfx/base:1 && make"),
            ["ghcr.io/bmfx/base:1"]
        );
        assert_eq!(
            images("podman image push localhost/bmfx:2"),
            ["localhost/bmfx:2"]
        );
        assert_eq!(
            images(
                "docker run --rm -it -v /a:/b --name=x -e K=V --gpus all nvidia/cuda:12.2 nvidia-smi"
            ),
            ["nvidia/cuda:12.2"]
        );
        assert_eq!(
            images("docker container run -d hello-world"),
            ["hello-world"]
        );
        assert!(images("docker run --rm $IMAGE make").is_empty());
        assert!(images("docker push $IMAGE").is_empty());
        assert!(images("docker build -t bmfx/client .").is_empty());
        assert!(images("echo docker push x").is_empty());
    }

    #[test]
    fn install_context_reads_channels_files_and_index_hosts() {
        let ctx = install_context(
            "pip install --index-url https://user:pw@pkgs.example.com/simple -r req.txt 'numpy<2' \\
             && conda install -c conda-forge -y scipy && sh -c 'pip3 install torch'",
        );
        let of = |n: &str| -> Vec<&str> {
            ctx.iter()
                .filter(|(k, _)| *k == n)
                .map(|(_, v)| v.as_str())
                .collect()
        };
        assert_eq!(of("package"), ["numpy<2", "scipy", "torch"]);
        assert_eq!(of("file"), ["req.txt"]);
        assert_eq!(of("channel"), ["conda-forge"]);
        assert_eq!(of("registry"), ["pkgs.example.com"]);
        assert!(install_targets("pip install $PKGS ./local.whl").is_empty());
    }

    #[test]
    fn registries_from_images_and_urls() {
        assert_eq!(image_registry("ghcr.io/acme/app:1"), Some("ghcr.io"));
        assert_eq!(image_registry("localhost:5000/app"), Some("localhost:5000"));
        assert_eq!(image_registry("10.0.0.7:5000/app"), Some("10.0.0.7:5000"));
        assert_eq!(image_registry("acme/app:1"), None);
        assert_eq!(image_registry("ubuntu:22.04"), None);
        assert_eq!(
            url_host("https://registry-1.docker.io/v2/"),
            Some("registry-1.docker.io")
        );
        assert_eq!(
            url_host("http://u:p@10.1.2.3:5000/v2/x"),
            Some("10.1.2.3:5000")
        );
        assert_eq!(url_host("https:///x"), None);
        let mut entities = std::collections::BTreeMap::new();
        entities.insert(
            "image".to_string(),
            vec!["123456789012.dkr.ecr.us-east-1.amazonaws.com/train:2".to_string()],
        );
        let evidence =
            vec!["Get \"https://auth.docker.io/token?scope=repository\": EOF".to_string()];
        assert_eq!(
            registry_context(&entities, &evidence),
            [
                "123456789012.dkr.ecr.us-east-1.amazonaws.com",
                "auth.docker.io"
            ]
        );
    }

    #[test]
    fn a_context_root_path_and_its_copy_source_are_one_file() {
        let mut captured = BTreeMap::new();
        captured.insert(
            "file".to_string(),
            vec!["/src/requirements.txt".to_string()],
        );
        let mut context = BTreeMap::new();
        context.insert(
            "file".to_string(),
            vec!["src/requirements.txt".to_string(), "setup.py".to_string()],
        );
        context.insert("command".to_string(), vec!["/x".to_string()]);
        let out = with_context(&captured, &context, true);
        assert_eq!(out["file"], ["/src/requirements.txt", "setup.py"]);
        assert!(same_value("command", "x", "x") && !same_value("command", "/x", "x"));
    }
}
