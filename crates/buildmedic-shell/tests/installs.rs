//! Table tests: what each install command line installs, and which commands are not installs.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use buildmedic_shell::{Install, Manager, commands, install, installs};

/// (manager, subcommand, packages, requirement files, constraint files, editables,
/// index urls, extra index urls, find links, channels, environment)
struct Expect {
    manager: Manager,
    subcommand: &'static str,
    packages: &'static [&'static str],
    requirement_files: &'static [&'static str],
    constraint_files: &'static [&'static str],
    editables: &'static [&'static str],
    index_urls: &'static [&'static str],
    extra_index_urls: &'static [&'static str],
    find_links: &'static [&'static str],
    channels: &'static [&'static str],
    environment: Option<&'static str>,
}

const NONE: Expect = Expect {
    manager: Manager::Pip,
    subcommand: "install",
    packages: &[],
    requirement_files: &[],
    constraint_files: &[],
    editables: &[],
    index_urls: &[],
    extra_index_urls: &[],
    find_links: &[],
    channels: &[],
    environment: None,
};

fn values(t: &[buildmedic_shell::Target]) -> Vec<&str> {
    t.iter().map(|t| t.value.as_str()).collect()
}

fn check(line: &str, e: &Expect) {
    let found = installs(line);
    assert_eq!(found.len(), 1, "{line}: {found:#?}");
    let i: &Install = &found[0];
    assert_eq!(i.manager, e.manager, "{line}");
    assert_eq!(i.subcommand, e.subcommand, "{line}");
    assert_eq!(values(&i.packages), e.packages, "{line}: packages");
    assert_eq!(
        values(&i.requirement_files),
        e.requirement_files,
        "{line}: -r"
    );
    assert_eq!(
        values(&i.constraint_files),
        e.constraint_files,
        "{line}: -c"
    );
    assert_eq!(values(&i.editables), e.editables, "{line}: -e");
    assert_eq!(values(&i.index_urls), e.index_urls, "{line}: index");
    assert_eq!(
        values(&i.extra_index_urls),
        e.extra_index_urls,
        "{line}: extra index"
    );
    assert_eq!(values(&i.find_links), e.find_links, "{line}: find links");
    assert_eq!(values(&i.channels), e.channels, "{line}: channels");
    assert_eq!(
        i.environment.as_ref().map(|t| t.value.as_str()),
        e.environment,
        "{line}: environment"
    );
    // Every range lies in the line, and an unquoted value's range is exactly its text.
    for t in i
        .packages
        .iter()
        .chain(&i.requirement_files)
        .chain(&i.index_urls)
        .chain(&i.channels)
    {
        assert!(t.range.end <= line.len(), "{line}: {t:?}");
    }
}

#[test]
fn pip_commands() {
    let table: &[(&str, Expect)] = &[
        (
            "pip install numpy==1.26.4 'pandas>=2,<3' \"scipy<2\"",
            Expect {
                packages: &["numpy==1.26.4", "pandas>=2,<3", "scipy<2"],
                ..NONE
            },
        ),
        (
            "pip3 install --no-cache-dir -r requirements.txt -c constraints.txt",
            Expect {
                requirement_files: &["requirements.txt"],
                constraint_files: &["constraints.txt"],
                ..NONE
            },
        ),
        (
            "python3 -m pip install -U pip setuptools wheel",
            Expect {
                packages: &["pip", "setuptools", "wheel"],
                ..NONE
            },
        ),
        (
            "/opt/conda/bin/python -m pip install -rreq.txt --requirement=dev.txt",
            Expect {
                requirement_files: &["req.txt", "dev.txt"],
                ..NONE
            },
        ),
        (
            "pip3.11 --disable-pip-version-check --proxy http://proxy:3128 install torch \
             --index-url https://download.pytorch.org/whl/cu121 \
             --extra-index-url=https://pypi.org/simple -f ./wheels",
            Expect {
                packages: &["torch"],
                index_urls: &["https://download.pytorch.org/whl/cu121"],
                extra_index_urls: &["https://pypi.org/simple"],
                find_links: &["./wheels"],
                ..NONE
            },
        ),
        (
            "pip install -e . -e git+https://github.com/org/lib.git#egg=lib --target /opt/x pkg",
            Expect {
                packages: &["pkg"],
                editables: &[".", "git+https://github.com/org/lib.git#egg=lib"],
                ..NONE
            },
        ),
        (
            "uv pip install --system 'fastapi[standard]>=0.110' -i https://idx/simple",
            Expect {
                packages: &["fastapi[standard]>=0.110"],
                index_urls: &["https://idx/simple"],
                ..NONE
            },
        ),
        (
            "sudo -H pip install ./dist/pkg-1.0-py3-none-any.whl > /tmp/log 2>&1",
            Expect {
                packages: &["./dist/pkg-1.0-py3-none-any.whl"],
                ..NONE
            },
        ),
        (
            "PIP_NO_CACHE_DIR=1 pip install -- -weird-name",
            Expect {
                packages: &["-weird-name"],
                ..NONE
            },
        ),
        (
            "pip install --no-index --find-links=/wheels numpy",
            Expect {
                packages: &["numpy"],
                find_links: &["/wheels"],
                ..NONE
            },
        ),
    ];
    for (line, e) in table {
        check(line, e);
    }
    let i = &installs("pip install --no-index x")[0];
    assert!(i.no_index);
}

#[test]
fn conda_commands() {
    let conda = Expect {
        manager: Manager::Conda,
        ..NONE
    };
    let table: &[(&str, Expect)] = &[
        (
            "conda install -y -c conda-forge -c bioconda numpy=1.26 'scipy>=1.11' conda-forge::pandas",
            Expect {
                packages: &["numpy=1.26", "scipy>=1.11", "conda-forge::pandas"],
                channels: &["conda-forge", "bioconda"],
                ..conda
            },
        ),
        (
            "mamba create -n py311 --override-channels -cconda-forge python=3.11 pip",
            Expect {
                subcommand: "create",
                packages: &["python=3.11", "pip"],
                channels: &["conda-forge"],
                environment: Some("py311"),
                ..conda
            },
        ),
        (
            "micromamba install -y -n base -f /tmp/env.yaml",
            Expect {
                requirement_files: &["/tmp/env.yaml"],
                environment: Some("base"),
                ..conda
            },
        ),
        (
            "conda env create -f environment.yml -p /opt/env",
            Expect {
                subcommand: "env create",
                requirement_files: &["environment.yml"],
                environment: Some("/opt/env"),
                ..conda
            },
        ),
        (
            "/opt/conda/bin/conda install --file requirements.txt --channel=pytorch pytorch",
            Expect {
                packages: &["pytorch"],
                requirement_files: &["requirements.txt"],
                channels: &["pytorch"],
                ..conda
            },
        ),
        (
            "conda update -n base conda",
            Expect {
                subcommand: "update",
                packages: &["conda"],
                environment: Some("base"),
                ..conda
            },
        ),
    ];
    for (line, e) in table {
        check(line, e);
    }
}

#[test]
fn system_package_managers() {
    let table: &[(&str, Expect)] = &[
        (
            "DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=3 install -y --no-install-recommends curl git=1:2.39.* ./local.deb",
            Expect {
                manager: Manager::Apt,
                packages: &["curl", "git=1:2.39.*", "./local.deb"],
                ..NONE
            },
        ),
        (
            "apt -t bookworm-backports reinstall -y ca-certificates",
            Expect {
                manager: Manager::Apt,
                subcommand: "reinstall",
                packages: &["ca-certificates"],
                ..NONE
            },
        ),
        (
            "apk add --no-cache --virtual .build-deps -X https://dl-cdn.alpinelinux.org/alpine/edge/testing gcc musl-dev",
            Expect {
                manager: Manager::Apk,
                subcommand: "add",
                packages: &["gcc", "musl-dev"],
                index_urls: &["https://dl-cdn.alpinelinux.org/alpine/edge/testing"],
                ..NONE
            },
        ),
        (
            "yum install -y --setopt=tsflags=nodocs --enablerepo epel gcc-c++ make",
            Expect {
                manager: Manager::Yum,
                packages: &["gcc-c++", "make"],
                ..NONE
            },
        ),
        (
            "dnf -y --releasever 9 install python3.11",
            Expect {
                manager: Manager::Yum,
                packages: &["python3.11"],
                ..NONE
            },
        ),
    ];
    for (line, e) in table {
        check(line, e);
    }
}

#[test]
fn not_installs() {
    for line in [
        "apt-get update",
        "apt-get -y upgrade",
        "pip download numpy",
        "pip list",
        "conda list",
        "conda env export",
        "python setup.py install",
        "python -c 'import pip'",
        "echo pip install numpy",
        "uv sync",
        "make install",
        "pipx install black",
        "apk update",
        "pip",
        "",
    ] {
        assert!(installs(line).is_empty(), "{line}: {:?}", installs(line));
    }
}

#[test]
fn several_commands_in_one_step() {
    let step = "apt-get update && apt-get install -y gcc; \\\n  pip install a b || true\n\
                conda install -y c | tee log && echo 'pip install not-this'";
    let found = installs(step);
    let summary: Vec<(Manager, Vec<&str>)> = found
        .iter()
        .map(|i| (i.manager, values(&i.packages)))
        .collect();
    assert_eq!(
        summary,
        [
            (Manager::Apt, vec!["gcc"]),
            (Manager::Pip, vec!["a", "b"]),
            (Manager::Conda, vec!["c"]),
        ]
    );
}

#[test]
fn ranges_point_at_the_written_text() {
    let line = "pip install --index-url=https://x/simple -rreq.txt 'numpy<2' pandas";
    let i = &installs(line)[0];
    assert_eq!(&line[i.index_urls[0].range.clone()], "https://x/simple");
    assert_eq!(&line[i.requirement_files[0].range.clone()], "req.txt");
    // Quoted: the range covers the word as written.
    assert_eq!(&line[i.packages[0].range.clone()], "'numpy<2'");
    assert_eq!(&line[i.packages[1].range.clone()], "pandas");
    assert_eq!(&line[i.range.clone()], line);
    // Indexes into the command's words.
    let cmd = &commands(line)[0];
    assert_eq!(cmd.words[i.subcommand_index].value, "install");
    assert_eq!(cmd.words[i.program_index].value, "pip");
    assert_eq!(install(cmd).as_ref(), Some(i));
}

#[test]
fn targets_and_their_kinds() {
    let i = &installs("pip install numpy ./pkg git+https://h/r.git -r r.txt -e .")[0];
    let all: Vec<&str> = i.targets().map(|t| t.value.as_str()).collect();
    assert_eq!(all, ["numpy", "./pkg", "git+https://h/r.git", "r.txt", "."]);
    let paths: Vec<bool> = i.packages.iter().map(|t| t.is_path_or_url()).collect();
    assert_eq!(paths, [false, true, true]);
    let i = &installs("pip install \"$PKG\" numpy==${V}")[0];
    assert!(i.packages.iter().all(|t| t.has_expansion()));
    let i = &installs("conda install conda-forge::numpy pytorch/label/nightly::torch")[0];
    assert!(!i.packages[0].is_path_or_url());
}

#[test]
fn scripts_run_by_a_shell() {
    // The legacy builder prints `RUN` steps as `/bin/sh -c <script>`, unquoted.
    let line = "/bin/sh -c pip install --no-cache-dir numpy==1.26.4 && apt-get install -y gcc";
    let found = installs(line);
    let got: Vec<(Manager, &str)> = found
        .iter()
        .map(|i| (i.manager, &line[i.packages[0].range.clone()]))
        .collect();
    assert_eq!(
        got,
        [(Manager::Pip, "numpy==1.26.4"), (Manager::Apt, "gcc")]
    );

    // micromamba-docker's SHELL wrapper in place of `/bin/sh -c`.
    let line = "/usr/local/bin/_dockerfile_shell.sh micromamba install -y -n base -f /tmp/env.yaml && micromamba clean --all --yes";
    let i = &installs(line)[0];
    assert_eq!(i.manager, Manager::Conda);
    assert_eq!(&line[i.requirement_files[0].range.clone()], "/tmp/env.yaml");

    let line = "bash -lc 'apt-get update && apt-get install -y curl'";
    let i = &installs(line)[0];
    assert_eq!(&line[i.packages[0].range.clone()], "curl");
    assert_eq!(&line[i.range.clone()], "apt-get install -y curl");

    // Escapes inside the script: ranges fall back to the whole `-c` argument.
    let line = r#"sh -ec "pip install \"scipy<2\"""#;
    let i = &installs(line)[0];
    assert_eq!(i.packages[0].value, "scipy<2");
    assert_eq!(
        &line[i.packages[0].range.clone()],
        r#""pip install \"scipy<2\"""#
    );

    assert!(installs("sh -c 'echo pip install x'").is_empty());
    assert!(installs("sh script.sh").is_empty());
}
