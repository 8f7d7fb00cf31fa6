//! Snapshots of every `buildmedic diagnose` output format on three logs written for the
//! test: a legacy apt failure, a BuildKit pip failure whose conda wrapper is explained
//! away, and a failure no kind knows.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use buildmedic_engine::{Diagnosis, Engine};
use buildmedic_render::diagnosis::{Format, render};

const LEGACY_APT: &str = "\
Sending build context to Docker daemon  3.072kB
Step 1/3 : FROM ubuntu:22.04
 ---> 1a2b3c4d5e6f
Step 2/3 : ENV DEBIAN_FRONTEND=noninteractive
 ---> Using cache
 ---> 2b3c4d5e6f70
Step 3/3 : RUN apt-get update && apt-get install -y --no-install-recommends libwidget-dev
 ---> Running in 3c4d5e6f7081
Get:1 http://archive.ubuntu.com/ubuntu jammy InRelease [270 kB]
Reading package lists...
Building dependency tree...
Reading state information...
E: Unable to locate package libwidget-dev
The command '/bin/sh -c apt-get update && apt-get install -y --no-install-recommends libwidget-dev' returned a non-zero code: 100
";

const BUILDKIT_CONDA_PIP: &str = "\
#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 318B done
#1 DONE 0.0s

#2 [internal] load metadata for docker.io/continuumio/miniconda3:23.5.2-0
#2 DONE 0.9s

#3 [1/3] FROM docker.io/continuumio/miniconda3:23.5.2-0
#3 CACHED

#4 [2/3] COPY environment.yml environment.yml
#4 DONE 0.1s

#5 [3/3] RUN conda env create -f environment.yml
#5 2.100 Collecting package metadata (repodata.json): ...working... done
#5 9.800 Solving environment: ...working... done
#5 20.10 Installing pip dependencies: ...working... Ran pip subprocess with arguments:
#5 20.10 Pip subprocess error:
#5 20.11 ERROR: Could not find a version that satisfies the requirement widgetlib==7.7.7 (from versions: none)
#5 20.11 ERROR: No matching distribution found for widgetlib==7.7.7
#5 20.11
#5 20.11 failed
#5 20.12
#5 20.12 CondaEnvException: Pip failed
#5 20.12
#5 ERROR: process \"/bin/sh -c conda env create -f environment.yml\" did not complete successfully: exit code: 1
------
 > [3/3] RUN conda env create -f environment.yml:
20.11 ERROR: No matching distribution found for widgetlib==7.7.7
20.12 CondaEnvException: Pip failed
------
Dockerfile:3
--------------------
   1 |     FROM continuumio/miniconda3:23.5.2-0
   2 |     COPY environment.yml environment.yml
   3 | >>> RUN conda env create -f environment.yml
--------------------
ERROR: failed to solve: process \"/bin/sh -c conda env create -f environment.yml\" did not complete successfully: exit code: 1
";

const UNKNOWN: &str = "\
Sending build context to Docker daemon  3.072kB
Step 1/3 : FROM debian:bookworm-slim
 ---> 1a2b3c4d5e6f
Step 2/3 : COPY build.sh /build.sh
 ---> 2b3c4d5e6f70
Step 3/3 : RUN /build.sh --target widgets
 ---> Running in 3c4d5e6f7081
building widgets for target x86_64
ERROR: frobnicator calibration drifted by 42 units
giving up after 3 attempts
The command '/bin/sh -c /build.sh --target widgets' returned a non-zero code: 3
";

const SUCCESS: &str = "\
Step 1/2 : FROM python:3.11-slim
 ---> 1a2b3c4d5e6f
Step 2/2 : RUN pip install requests==2.31.0
 ---> Running in 3c4d5e6f7081
Successfully installed requests-2.31.0
Removing intermediate container 3c4d5e6f7081
 ---> 4d5e6f708192
Successfully built 4d5e6f708192
";

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builtin().expect("the built-in knowledge base loads"))
}

fn diagnose(log: &str, source: &str) -> Diagnosis {
    engine().diagnose_bytes(log.as_bytes(), source)
}

const LOGS: &[(&str, &str, &str)] = &[
    ("legacy_apt", "legacy-apt.log", LEGACY_APT),
    (
        "buildkit_conda_pip",
        "buildkit-conda-pip.log",
        BUILDKIT_CONDA_PIP,
    ),
    ("unknown", "unknown.log", UNKNOWN),
];

#[test]
fn the_logs_diagnose_as_intended() {
    let kind = |log, source| {
        diagnose(log, source)
            .primary()
            .map(|p| p.kind.clone())
            .unwrap_or_default()
    };
    assert_eq!(kind(LEGACY_APT, "a"), "apt-get-failed");
    assert_eq!(
        kind(BUILDKIT_CONDA_PIP, "b"),
        "pip-no-matching-distribution"
    );
    assert_eq!(kind(UNKNOWN, "c"), "unknown");
    let d = diagnose(BUILDKIT_CONDA_PIP, "b");
    assert_eq!(d.suppressed.len(), 1);
    assert_eq!(d.suppressed[0].kind, "pip-install-failed");
}

#[test]
fn text_without_colour() {
    for (name, source, log) in LOGS {
        let out = render(&diagnose(log, source), Format::Text, false);
        assert!(
            !out.contains('\u{1b}'),
            "{name}: colour codes without colour"
        );
        insta::assert_snapshot!(format!("text_{name}"), out);
    }
    let ok = render(&diagnose(SUCCESS, "ok.log"), Format::Text, false);
    assert_eq!(
        ok, "ok: ok.log: the build succeeded (8 lines, 2 steps)\n",
        "the success line"
    );
}

#[test]
fn text_with_colour_only_adds_escape_codes() {
    for (name, source, log) in LOGS {
        let d = diagnose(log, source);
        let plain = render(&d, Format::Text, false);
        let coloured = render(&d, Format::Text, true);
        assert!(coloured.contains("\u{1b}["), "{name}: no colour");
        assert_eq!(strip_ansi(&coloured), plain, "{name}");
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters final-byte
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn json_one_line_pretty_snapshot() {
    for (name, source, log) in LOGS {
        let out = render(&diagnose(log, source), Format::Json, false);
        assert_eq!(out.matches('\n').count(), 1, "{name}: one line");
        assert!(out.ends_with('\n'));
        let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(v["schema"], "buildmedic.diagnosis/v1");
        insta::assert_json_snapshot!(format!("json_{name}"), v);
    }
}

#[test]
fn markdown() {
    for (name, source, log) in LOGS {
        let out = render(&diagnose(log, source), Format::Markdown, false);
        insta::assert_snapshot!(format!("markdown_{name}"), out);
    }
    let ok = render(&diagnose(SUCCESS, "ok.log"), Format::Markdown, false);
    assert!(ok.contains("the build succeeded"), "{ok}");
}

#[test]
fn github() {
    for (name, source, log) in LOGS {
        let out = render(&diagnose(log, source), Format::Github, false);
        for line in out.lines() {
            assert!(
                line.starts_with("::error ") || line.starts_with("::warning "),
                "{name}: not a workflow command: {line}"
            );
        }
        insta::assert_snapshot!(format!("github_{name}"), out);
    }
    let ok = render(&diagnose(SUCCESS, "ok.log"), Format::Github, false);
    assert!(ok.starts_with("::notice file=ok.log,"), "{ok}");
}
