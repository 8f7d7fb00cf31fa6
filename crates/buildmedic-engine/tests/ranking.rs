//! The ranking rules, pinned on small hand-written logs: specific errors beat wrappers,
//! `explains` suppresses symptoms, red herrings in succeeded steps stay quiet, the first
//! real error wins a near-tie, and the diagnosis keeps its contract (one primary, evidence
//! that is the log's own cleaned lines, entities from the log, no secrets).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use buildmedic_engine::{Diagnosis, Engine, Finding, Location, Status};
use buildmedic_log::{Batch, Sink, Step, read_log};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builtin().expect("the built-in knowledge base loads"))
}

/// Diagnoses `log` and checks the invariants every diagnosis must keep.
fn diagnose(log: &str) -> Diagnosis {
    let d = engine().diagnose_bytes(log.as_bytes(), "test.log");
    check_contract(log.as_bytes(), &d);
    d
}

fn primary(d: &Diagnosis) -> &Finding {
    d.primary()
        .unwrap_or_else(|| panic!("no primary finding in {}", pretty(d)))
}

fn kinds(d: &Diagnosis) -> Vec<&str> {
    d.findings.iter().map(|f| f.kind.as_str()).collect()
}

fn pretty(d: &Diagnosis) -> String {
    serde_json::to_string_pretty(d).unwrap_or_default()
}

/// The cleaned text of every line of `log`, by line number (1-based), as the engine sees it.
fn cleaned_lines(log: &[u8]) -> BTreeMap<u64, String> {
    #[derive(Default)]
    struct Collect(BTreeMap<u64, String>);
    impl Sink for Collect {
        fn batch(&mut self, batch: &Batch<'_>, _: &[Step]) {
            for l in batch.lines {
                // Later segments of an over-long line share its number; keep the first.
                self.0
                    .entry(l.number)
                    .or_insert_with(|| String::from_utf8_lossy(batch.text(l)).into_owned());
            }
        }
    }
    let mut sink = Collect::default();
    read_log(log, &mut sink).expect("in-memory reads do not fail");
    sink.0
}

/// One primary finding when failed, none when succeeded; `lines` and `evidence` pair up and
/// each evidence entry is the (redacted) cleaned text of its line.
fn check_contract(log: &[u8], d: &Diagnosis) {
    let primaries = d.findings.iter().filter(|f| f.primary).count();
    match d.status {
        Status::Failed => assert_eq!(primaries, 1, "one primary expected: {}", pretty(d)),
        Status::Succeeded => {
            assert!(d.findings.is_empty(), "findings on success: {}", pretty(d));
            assert!(d.failing_step.is_none(), "failing step on success");
        }
    }
    if let Some(first) = d.findings.first() {
        assert!(first.primary, "the primary finding comes first");
    }
    let cleaned = cleaned_lines(log);
    for f in &d.findings {
        assert_eq!(
            f.lines.len(),
            f.evidence.len(),
            "{}: lines and evidence differ in length",
            f.kind
        );
        for (line, text) in f.lines.iter().zip(&f.evidence) {
            assert!(
                (1..=d.stats.lines).contains(line),
                "{}: evidence line {line} outside 1..={}",
                f.kind,
                d.stats.lines
            );
            let source = cleaned
                .get(line)
                .unwrap_or_else(|| panic!("{}: no input line {line}", f.kind));
            assert_eq!(
                text,
                &buildmedic_redact::redact(source),
                "{}: evidence for line {line} is not that line",
                f.kind
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Specific errors, wrappers and `explains`
// ---------------------------------------------------------------------------------------

/// conda's `CondaEnvException: Pip failed` wraps pip's real error.
const CONDA_PIP_WRAPPER: &str = "\
Step 1/4 : FROM continuumio/miniconda3:23.5.2-0
 ---> 1a2b3c4d5e6f
Step 2/4 : COPY environment.yml /tmp/environment.yml
 ---> 2b3c4d5e6f70
Step 3/4 : RUN conda env create -f /tmp/environment.yml
 ---> Running in 3c4d5e6f7081
Collecting package metadata (repodata.json): ...working... done
Solving environment: ...working... done
Preparing transaction: ...working... done
Verifying transaction: ...working... done
Executing transaction: ...working... done
Installing pip dependencies: ...working... Ran pip subprocess with arguments:
['/opt/conda/envs/app/bin/python', '-m', 'pip', 'install', '-U', '-r', '/tmp/condaenv.abc123.requirements.txt']
Pip subprocess output:
Collecting requests==2.31.0
  Downloading requests-2.31.0-py3-none-any.whl (62 kB)

Pip subprocess error:
ERROR: Could not find a version that satisfies the requirement torchvisionx==0.99.1 (from versions: none)
ERROR: No matching distribution found for torchvisionx==0.99.1

failed

CondaEnvException: Pip failed

The command '/bin/sh -c conda env create -f /tmp/environment.yml' returned a non-zero code: 1
";

#[test]
fn specific_error_beats_its_wrapper() {
    let d = diagnose(CONDA_PIP_WRAPPER);
    assert_eq!(d.status, Status::Failed);
    let p = primary(&d);
    assert_eq!(p.kind, "pip-no-matching-distribution", "{}", pretty(&d));
    assert_eq!(p.lines, [19, 20]);
    assert_eq!(p.location, Location::FailingStep);
    assert!(
        !kinds(&d).contains(&"pip-install-failed"),
        "the wrapper must not be a finding: {:?}",
        kinds(&d)
    );
}

#[test]
fn explains_suppresses_the_symptom_with_a_reason() {
    let d = diagnose(CONDA_PIP_WRAPPER);
    let s = d
        .suppressed
        .iter()
        .find(|s| s.kind == "pip-install-failed")
        .unwrap_or_else(|| panic!("wrapper not suppressed: {}", pretty(&d)));
    assert_eq!(s.reason, "explained by pip-no-matching-distribution");
    // Line 24 is `CondaEnvException: Pip failed`.
    assert!(s.lines.contains(&24), "{:?}", s.lines);
}

/// A network failure explains pip finding nothing, although pip's message is the stronger
/// signature.
const PIP_OFFLINE: &str = "\
Step 1/2 : FROM python:3.11-slim
 ---> 1a2b3c4d5e6f
Step 2/2 : RUN pip install widgetlib==7.7.7
 ---> Running in 3c4d5e6f7081
WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f1c2d3e4f50>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/widgetlib/
ERROR: Could not find a version that satisfies the requirement widgetlib==7.7.7 (from versions: none)
ERROR: No matching distribution found for widgetlib==7.7.7
The command '/bin/sh -c pip install widgetlib==7.7.7' returned a non-zero code: 1
";

#[test]
fn explaining_cause_wins_over_a_stronger_symptom() {
    let d = diagnose(PIP_OFFLINE);
    assert_eq!(primary(&d).kind, "network-io", "{}", pretty(&d));
    assert_eq!(primary(&d).lines, [5]);
    let s = d
        .suppressed
        .iter()
        .find(|s| s.kind == "pip-no-matching-distribution")
        .unwrap_or_else(|| panic!("symptom not suppressed: {}", pretty(&d)));
    assert_eq!(s.reason, "explained by network-io");
    assert_eq!(s.lines, [6, 7]);
    assert!(!kinds(&d).contains(&"pip-no-matching-distribution"));
}

// ---------------------------------------------------------------------------------------
// Red herrings in steps that succeeded
// ---------------------------------------------------------------------------------------

/// BuildKit steps #4, #5 and #6 succeed (`DONE`) but print lines that look like errors:
/// debconf and git noise, conda's frozen-solve retry, pip's resolver notice, and real pip
/// and network errors of an optional install (`|| true`).
const RED_HERRING_STEPS: &str = "\
#0 building with \"default\" instance using docker driver

#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 412B done
#1 DONE 0.0s

#2 [internal] load metadata for docker.io/library/python:3.11-slim
#2 DONE 1.2s

#3 [1/5] FROM docker.io/library/python:3.11-slim
#3 CACHED

#4 [2/5] RUN apt-get update && apt-get install -y --no-install-recommends git
#4 0.512 Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]
#4 3.001 debconf: unable to initialize frontend: Dialog
#4 3.002 debconf: (TERM is not set, so the dialog frontend is not usable.)
#4 3.003 debconf: falling back to frontend: Readline
#4 3.120 fatal: not a git repository (or any of the parent directories): .git
#4 DONE 4.1s

#5 [3/5] RUN conda env update -n base -f environment.yml
#5 2.100 Collecting package metadata (repodata.json): ...working... done
#5 9.800 Solving environment: ...working... failed with initial frozen solve. Retrying with flexible solve.
#5 15.20 Solving environment: ...working... done
#5 30.00 ERROR: pip's dependency resolver does not currently take into account all the packages that are installed. This behaviour is the source of the following dependency conflicts.
#5 30.01 awscli 1.29.0 requires botocore==1.31.0, but you have botocore 1.31.5 which is incompatible.
#5 DONE 31.0s

#6 [4/5] RUN pip install gpu-extras==2.0 || true
#6 0.800 WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f1c2d3e4f50>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/gpu-extras/
#6 1.234 ERROR: Could not find a version that satisfies the requirement gpu-extras==2.0 (from versions: none)
#6 1.235 ERROR: No matching distribution found for gpu-extras==2.0
#6 DONE 1.3s

";

/// The lines of the succeeded steps #4 to #6.
fn herring_lines() -> std::ops::RangeInclusive<u64> {
    13..=RED_HERRING_STEPS.lines().count() as u64
}

const RED_HERRING_SUCCESS_END: &str = "\
#7 [5/5] RUN echo done
#7 0.100 done
#7 DONE 0.2s

#8 exporting to image
#8 exporting layers 0.5s done
#8 writing image sha256:1111111111111111111111111111111111111111111111111111111111111111 done
#8 naming to docker.io/library/app:latest done
#8 DONE 0.6s
";

const RED_HERRING_UNKNOWN_END: &str = "\
#7 [5/5] RUN ./configure-widgets --strict
#7 0.301 checking widget frobnication... no
#7 0.302 error: widget frobnication unavailable, giving up
#7 ERROR: process \"/bin/sh -c ./configure-widgets --strict\" did not complete successfully: exit code: 3
------
 > [5/5] RUN ./configure-widgets --strict:
0.301 checking widget frobnication... no
0.302 error: widget frobnication unavailable, giving up
------
ERROR: failed to solve: process \"/bin/sh -c ./configure-widgets --strict\" did not complete successfully: exit code: 3
";

const RED_HERRING_APT_END: &str = "\
#7 [5/5] RUN apt-get install -y libwidget-dev
#7 0.402 Reading package lists...
#7 0.913 E: Unable to locate package libwidget-dev
#7 ERROR: process \"/bin/sh -c apt-get install -y libwidget-dev\" did not complete successfully: exit code: 100
------
 > [5/5] RUN apt-get install -y libwidget-dev:
0.913 E: Unable to locate package libwidget-dev
------
ERROR: failed to solve: process \"/bin/sh -c apt-get install -y libwidget-dev\" did not complete successfully: exit code: 100
";

/// Kinds the red herrings resemble.
const HERRING_KINDS: &[&str] = &[
    "pip-resolution-impossible",
    "pip-install-failed",
    "conda-unsatisfiable",
    "conda-solver-timeout",
    "missing-command",
    "apt-get-failed",
    "pip-no-matching-distribution",
    "network-io",
];

fn assert_no_herring(d: &Diagnosis) {
    for f in &d.findings {
        assert_ne!(
            f.location,
            Location::SucceededStep,
            "{} found in a succeeded step: {}",
            f.kind,
            pretty(d)
        );
        assert!(
            !f.lines.iter().any(|l| herring_lines().contains(l)),
            "{} cites a red herring: {:?}",
            f.kind,
            f.lines
        );
    }
}

#[test]
fn red_herrings_in_a_successful_build_are_not_a_failure() {
    let d = diagnose(&format!("{RED_HERRING_STEPS}{RED_HERRING_SUCCESS_END}"));
    assert_eq!(d.status, Status::Succeeded, "{}", pretty(&d));
    assert!(d.findings.is_empty());
    assert!(d.suppressed.is_empty());
}

#[test]
fn red_herrings_do_not_become_the_failure() {
    let d = diagnose(&format!("{RED_HERRING_STEPS}{RED_HERRING_APT_END}"));
    assert_eq!(d.status, Status::Failed);
    let p = primary(&d);
    assert_eq!(p.kind, "apt-get-failed", "{}", pretty(&d));
    let steps_end = RED_HERRING_STEPS.lines().count() as u64;
    assert_eq!(p.lines, [steps_end + 3]);
    assert_no_herring(&d);
}

/// The same pip and network lines count when their step is the one that failed: the steps
/// above are quiet because they succeeded, not because the lines match nothing.
#[test]
fn herring_lines_count_in_the_failing_step() {
    let d = diagnose(
        "\
#6 [4/5] RUN pip install gpu-extras==2.0
#6 0.800 WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f1c2d3e4f50>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/gpu-extras/
#6 1.234 ERROR: Could not find a version that satisfies the requirement gpu-extras==2.0 (from versions: none)
#6 1.235 ERROR: No matching distribution found for gpu-extras==2.0
#6 ERROR: process \"/bin/sh -c pip install gpu-extras==2.0\" did not complete successfully: exit code: 1
",
    );
    assert_eq!(primary(&d).kind, "network-io", "{}", pretty(&d));
    assert_eq!(primary(&d).lines, [2]);
    assert!(
        d.suppressed
            .iter()
            .any(|s| s.kind == "pip-no-matching-distribution")
    );
}

/// Benign lines (pip's resolver notice, git's probe, debconf) are never candidate error
/// lines, even in the failing step.
#[test]
fn benign_lines_are_not_unknown_evidence() {
    let d = diagnose(
        "\
#7 [5/5] RUN ./configure-widgets --strict
#7 0.100 debconf: unable to initialize frontend: Dialog
#7 0.200 fatal: not a git repository (or any of the parent directories): .git
#7 0.250 ERROR: pip's dependency resolver does not currently take into account all the packages that are installed. This behaviour is the source of the following dependency conflicts.
#7 0.302 error: widget frobnication unavailable, giving up
#7 ERROR: process \"/bin/sh -c ./configure-widgets --strict\" did not complete successfully: exit code: 3
",
    );
    let p = primary(&d);
    assert_eq!(p.kind, "unknown", "{}", pretty(&d));
    assert!(p.lines.contains(&5), "{}", pretty(&d));
    assert!(
        !p.lines.iter().any(|l| (2..=4).contains(l)),
        "a benign line is evidence: {}",
        pretty(&d)
    );
}

#[test]
fn red_herrings_do_not_replace_an_unknown_failure() {
    let d = diagnose(&format!("{RED_HERRING_STEPS}{RED_HERRING_UNKNOWN_END}"));
    assert_eq!(d.status, Status::Failed);
    let p = primary(&d);
    assert_eq!(p.kind, "unknown", "{}", pretty(&d));
    assert!(
        d.findings
            .iter()
            .all(|f| !HERRING_KINDS.contains(&f.kind.as_str())),
        "{:?}",
        kinds(&d)
    );
    assert_no_herring(&d);
    assert!(
        p.evidence
            .iter()
            .any(|e| e == "error: widget frobnication unavailable, giving up"),
        "{:?}",
        p.evidence
    );
}

// ---------------------------------------------------------------------------------------
// Near-ties: the first real error beats its cascade
// ---------------------------------------------------------------------------------------

const APT_THEN_CONDA: &str = "\
Step 1/2 : FROM ubuntu:22.04
 ---> 1a2b3c4d5e6f
Step 2/2 : RUN apt-get install -y libwidget-dev && conda install -y numpy
 ---> Running in 3c4d5e6f7081
Reading package lists...
E: Unable to locate package libwidget-dev
/bin/sh: 1: conda: not found
The command '/bin/sh -c apt-get install -y libwidget-dev && conda install -y numpy' returned a non-zero code: 127
";

const CONDA_THEN_APT: &str = "\
Step 1/2 : FROM ubuntu:22.04
 ---> 1a2b3c4d5e6f
Step 2/2 : RUN conda install -y numpy; apt-get install -y libwidget-dev
 ---> Running in 3c4d5e6f7081
/bin/sh: 1: conda: not found
Reading package lists...
E: Unable to locate package libwidget-dev
The command '/bin/sh -c conda install -y numpy; apt-get install -y libwidget-dev' returned a non-zero code: 100
";

#[test]
fn first_error_wins_a_near_tie() {
    let d = diagnose(APT_THEN_CONDA);
    assert_eq!(kinds(&d), ["apt-get-failed", "conda-command-not-found"]);
    assert_eq!(primary(&d).lines, [6]);
    let later = &d.findings[1];
    assert!(!later.primary);
    assert!(
        (later.confidence - primary(&d).confidence).abs() <= 0.05,
        "not a near-tie any more: {} vs {}",
        primary(&d).confidence,
        later.confidence
    );

    let d = diagnose(CONDA_THEN_APT);
    assert_eq!(kinds(&d), ["conda-command-not-found", "apt-get-failed"]);
    assert_eq!(primary(&d).lines, [5]);
    // The later error scores a little higher and still loses.
    assert!(d.findings[1].confidence >= primary(&d).confidence);
}

// ---------------------------------------------------------------------------------------
// Out of memory while solving
// ---------------------------------------------------------------------------------------

const SOLVE_STALLED: &str = "\
Collecting package metadata (repodata.json): done
Solving environment: \\ 
";

#[test]
fn killed_while_solving_is_out_of_memory() {
    // The solve that never ends alone is a solver timeout...
    let d = diagnose(SOLVE_STALLED);
    assert_eq!(primary(&d).kind, "conda-solver-timeout", "{}", pretty(&d));

    // ... but a kill while solving is memory.
    let d = diagnose(&format!("{SOLVE_STALLED}Killed\n"));
    assert_eq!(d.status, Status::Failed);
    assert_eq!(primary(&d).kind, "out-of-memory", "{}", pretty(&d));
    assert_eq!(primary(&d).lines, [3]);
    assert!(!kinds(&d).contains(&"conda-solver-timeout"));

    let d = diagnose(
        "\
#7 [3/3] RUN conda env create -f environment.yml
#7 2.1 Collecting package metadata (repodata.json): ...working... done
#7 9.8 Solving environment: ...working...
#7 612.3 Killed
#7 ERROR: process \"/bin/sh -c conda env create -f environment.yml\" did not complete successfully: exit code: 137
------
 > [3/3] RUN conda env create -f environment.yml:
9.8 Solving environment: ...working...
612.3 Killed
------
ERROR: failed to solve: process \"/bin/sh -c conda env create -f environment.yml\" did not complete successfully: exit code: 137
",
    );
    assert_eq!(primary(&d).kind, "out-of-memory", "{}", pretty(&d));
    assert_eq!(primary(&d).lines, [4]);
    assert!(!kinds(&d).contains(&"conda-solver-timeout"));
    let step = d.failing_step.as_ref().expect("a failing step");
    assert_eq!(step.exit_code, Some(137));
    assert!(
        step.exit_meaning
            .is_some_and(|m| m.contains("out-of-memory"))
    );
}

// ---------------------------------------------------------------------------------------
// Success, and failures nothing explains
// ---------------------------------------------------------------------------------------

#[test]
fn successful_logs_have_no_findings() {
    let legacy = "\
Sending build context to Docker daemon  3.072kB
Step 1/3 : FROM python:3.11-slim
 ---> 1a2b3c4d5e6f
Step 2/3 : RUN pip install requests==2.31.0
 ---> Running in 3c4d5e6f7081
Collecting requests==2.31.0
ERROR: pip's dependency resolver does not currently take into account all the packages that are installed. This behaviour is the source of the following dependency conflicts.
Successfully installed requests-2.31.0
Removing intermediate container 3c4d5e6f7081
 ---> 4d5e6f708192
Step 3/3 : CMD [\"python\"]
 ---> Running in 5e6f708192a3
Removing intermediate container 5e6f708192a3
 ---> 6f708192a3b4
Successfully built 6f708192a3b4
Successfully tagged app:latest
";
    let buildkit = format!("{RED_HERRING_STEPS}{RED_HERRING_SUCCESS_END}");
    let acr = "\
2024/05/14 09:12:01 Downloading source code...
2024/05/14 09:12:02 Finished downloading source code
2024/05/14 09:12:04 Executing step ID: acb_step_0. Timeout(sec): 5400, Working directory: '', Network: 'acb_default_network'
2024/05/14 09:12:05 Launching container with name: acb_step_0
Sending build context to Docker daemon  12.29kB
Step 1/2 : FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest
 ---> 61b7e3c2a4d5
Step 2/2 : RUN echo ready
 ---> Running in 5e6f708192a3
ready
Removing intermediate container 5e6f708192a3
 ---> 7c8d9e0f1a2b
Successfully built 7c8d9e0f1a2b
Successfully tagged exampleacr.azurecr.io/app:1
2024/05/14 09:13:01 Successfully executed container: acb_step_0
2024/05/14 09:13:01 Step ID: acb_step_0 marked as successful (elapsed time in seconds: 56.2)
Run ID: ca2 was successful after 1m0s
";
    for (name, log) in [("legacy", legacy), ("buildkit", &buildkit), ("acr", acr)] {
        let d = diagnose(log);
        assert_eq!(d.status, Status::Succeeded, "{name}: {}", pretty(&d));
        assert!(d.findings.is_empty(), "{name}");
        assert!(d.suppressed.is_empty(), "{name}");
        assert!(d.failing_step.is_none(), "{name}");
    }
}

const UNKNOWN_FAILURE: &str = "\
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

#[test]
fn unknown_failure_cites_candidate_error_lines() {
    let d = diagnose(UNKNOWN_FAILURE);
    assert_eq!(d.status, Status::Failed);
    assert_eq!(d.findings.len(), 1, "{}", pretty(&d));
    let p = primary(&d);
    assert_eq!(p.kind, "unknown");
    assert!(p.confidence < 0.25);
    assert_eq!(p.location, Location::FailingStep);
    assert!(p.signatures.is_empty());
    assert!(
        p.lines.contains(&9)
            && p.evidence
                .contains(&"ERROR: frobnicator calibration drifted by 42 units".to_string()),
        "{}",
        pretty(&d)
    );
    let step = d.failing_step.as_ref().expect("a failing step");
    assert_eq!(step.command, "/build.sh --target widgets");
    assert_eq!(step.exit_code, Some(3));
}

// ---------------------------------------------------------------------------------------
// Entities and fix steps
// ---------------------------------------------------------------------------------------

#[test]
fn entities_come_from_the_log_and_fill_the_fix_steps() {
    let d = diagnose(PIP_NO_MATCH_LEGACY);
    let p = primary(&d);
    assert_eq!(p.kind, "pip-no-matching-distribution");
    let entity = |name: &str| p.entities.get(name).cloned().unwrap_or_default();
    assert!(
        entity("package").contains(&"widgetlib".to_string()),
        "{:?}",
        p.entities
    );
    assert!(entity("version").contains(&"7.7.7".to_string()));
    assert!(entity("image").contains(&"python:3.11-slim".to_string()));
    assert!(
        entity("command").contains(&"pip install --no-cache-dir widgetlib==7.7.7".to_string()),
        "{:?}",
        p.entities
    );
    assert!(
        p.steps.iter().any(|s| s.contains("`widgetlib`")),
        "no fix step names the package: {:#?}",
        p.steps
    );
    assert!(
        p.steps.iter().any(|s| s.contains("`7.7.7`")),
        "no fix step names the version: {:#?}",
        p.steps
    );
    assert!(
        p.steps
            .iter()
            .any(|s| s.contains("`pip install --no-cache-dir widgetlib==7.7.7`")),
        "no fix step names the command: {:#?}",
        p.steps
    );
    assert!(
        p.steps.iter().all(|s| !s.contains('{')),
        "unfilled placeholder: {:#?}",
        p.steps
    );

    let d = diagnose(&format!("{RED_HERRING_STEPS}{RED_HERRING_APT_END}"));
    let p = primary(&d);
    assert_eq!(p.entities["package"][0], "libwidget-dev");
    assert!(
        p.entities["image"].contains(&"docker.io/library/python:3.11-slim".to_string()),
        "{:?}",
        p.entities
    );
    assert!(p.steps.iter().any(|s| s.contains("libwidget-dev")));
}

// ---------------------------------------------------------------------------------------
// The failing step in every framing
// ---------------------------------------------------------------------------------------

const PIP_NO_MATCH_LEGACY: &str = "\
Sending build context to Docker daemon  3.072kB
Step 1/3 : FROM python:3.11-slim
 ---> 1a2b3c4d5e6f
Step 2/3 : WORKDIR /app
 ---> Using cache
 ---> 2b3c4d5e6f70
Step 3/3 : RUN pip install --no-cache-dir widgetlib==7.7.7
 ---> Running in 3c4d5e6f7081
ERROR: Could not find a version that satisfies the requirement widgetlib==7.7.7 (from versions: none)
ERROR: No matching distribution found for widgetlib==7.7.7
The command '/bin/sh -c pip install --no-cache-dir widgetlib==7.7.7' returned a non-zero code: 1
";

const PIP_NO_MATCH_BUILDKIT_PLAIN: &str = "\
#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 212B done
#1 DONE 0.0s

#2 [internal] load metadata for docker.io/library/python:3.11-slim
#2 DONE 1.2s

#3 [1/2] FROM docker.io/library/python:3.11-slim
#3 CACHED

#4 [2/2] RUN pip install --no-cache-dir widgetlib==7.7.7
#4 1.234 ERROR: Could not find a version that satisfies the requirement widgetlib==7.7.7 (from versions: none)
#4 1.235 ERROR: No matching distribution found for widgetlib==7.7.7
#4 ERROR: process \"/bin/sh -c pip install --no-cache-dir widgetlib==7.7.7\" did not complete successfully: exit code: 1
------
 > [2/2] RUN pip install --no-cache-dir widgetlib==7.7.7:
1.234 ERROR: Could not find a version that satisfies the requirement widgetlib==7.7.7 (from versions: none)
1.235 ERROR: No matching distribution found for widgetlib==7.7.7
------
ERROR: failed to solve: process \"/bin/sh -c pip install --no-cache-dir widgetlib==7.7.7\" did not complete successfully: exit code: 1
";

const PIP_NO_MATCH_BUILDKIT_TTY: &str = "\
[+] Building 12.4s (7/8)                                                 docker:default
 => [internal] load build definition from Dockerfile                               0.0s
 => => transferring dockerfile: 286B                                               0.0s
 => [internal] load metadata for docker.io/library/python:3.12-slim                0.9s
 => [1/4] FROM docker.io/library/python:3.12-slim                                  0.0s
 => CACHED [2/4] WORKDIR /app                                                      0.0s
 => [3/4] COPY requirements.txt .                                                  0.0s
 => ERROR [4/4] RUN pip install -r requirements.txt                                11.2s
------
 > [4/4] RUN pip install -r requirements.txt:
1.021 Collecting numpy==1.26.4 (from -r requirements.txt (line 1))
1.544 ERROR: Could not find a version that satisfies the requirement widgetlib==7.7.7 (from versions: none)
1.545 ERROR: No matching distribution found for widgetlib==7.7.7
------
Dockerfile:5
--------------------
   3 |     COPY requirements.txt .
   4 | >>> RUN pip install -r requirements.txt
--------------------
ERROR: failed to solve: process \"/bin/sh -c pip install -r requirements.txt\" did not complete successfully: exit code: 1
";

const CONDA_NOT_FOUND_ACR: &str = "\
2024/05/14 09:12:01 Downloading source code...
2024/05/14 09:12:02 Finished downloading source code
2024/05/14 09:12:04 Executing step ID: acb_step_0. Timeout(sec): 5400, Working directory: '', Network: 'acb_default_network'
2024/05/14 09:12:05 Launching container with name: acb_step_0
Sending build context to Docker daemon  12.29kB
Step 1/3 : FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest
 ---> 61b7e3c2a4d5
Step 2/3 : COPY conda.yml /tmp/conda.yml
 ---> 7c8d9e0f1a2b
Step 3/3 : RUN conda env create -p /azureml-envs/app -f /tmp/conda.yml
 ---> Running in 5e6f708192a3
Collecting package metadata (repodata.json): ...working... done
Solving environment: ...working... failed

PackagesNotFoundError: The following packages are not available from current channels:

  - widgetlib=7.7.7

Current channels:

  - https://conda.anaconda.org/conda-forge/linux-64
  - https://conda.anaconda.org/conda-forge/noarch

The command '/bin/sh -c conda env create -p /azureml-envs/app -f /tmp/conda.yml' returned a non-zero code: 1
2024/05/14 09:13:41 Container failed during run: acb_step_0. No retries remaining.
failed to run step ID: acb_step_0: exit status 1

Run ID: ca1 failed after 1m40s. Error: failed during run, err: exit status 1
";

#[test]
fn failing_step_legacy() {
    let d = diagnose(PIP_NO_MATCH_LEGACY);
    assert_eq!(d.format, "legacy");
    let s = d.failing_step.as_ref().expect("a failing step");
    assert_eq!(s.index, Some(3));
    assert_eq!(s.label.as_deref(), Some("Step 3/3"));
    assert_eq!(s.instruction.as_deref(), Some("RUN"));
    assert_eq!(s.command, "pip install --no-cache-dir widgetlib==7.7.7");
    assert_eq!(s.exit_code, Some(1));
    assert_eq!(s.lines, [7, 11]);
    assert_eq!(primary(&d).kind, "pip-no-matching-distribution");
    assert_eq!(primary(&d).lines, [9, 10]);
}

#[test]
fn failing_step_buildkit_plain() {
    let d = diagnose(PIP_NO_MATCH_BUILDKIT_PLAIN);
    assert_eq!(d.format, "buildkit");
    let s = d.failing_step.as_ref().expect("a failing step");
    assert_eq!(s.index, Some(2));
    assert_eq!(s.label.as_deref(), Some("[2/2]"));
    assert_eq!(s.instruction.as_deref(), Some("RUN"));
    assert_eq!(s.command, "pip install --no-cache-dir widgetlib==7.7.7");
    assert_eq!(s.exit_code, Some(1));
    assert_eq!(s.lines[0], 11);
    assert!(
        s.lines[1] >= 14 && s.lines[1] <= d.stats.lines,
        "{:?}",
        s.lines
    );
    let p = primary(&d);
    assert_eq!(p.kind, "pip-no-matching-distribution");
    // The error summary repeats the step's tail; evidence cites the step's own lines.
    assert_eq!(p.lines, [12, 13]);
}

#[test]
fn failing_step_buildkit_tty() {
    let d = diagnose(PIP_NO_MATCH_BUILDKIT_TTY);
    assert_eq!(d.format, "buildkit");
    let s = d.failing_step.as_ref().expect("a failing step");
    assert_eq!(s.index, Some(4));
    assert_eq!(s.label.as_deref(), Some("[4/4]"));
    assert_eq!(s.instruction.as_deref(), Some("RUN"));
    assert_eq!(s.command, "pip install -r requirements.txt");
    assert_eq!(s.exit_code, Some(1));
    assert_eq!(s.lines[0], 8);
    assert!(
        s.lines[1] >= 13 && s.lines[1] <= d.stats.lines,
        "{:?}",
        s.lines
    );
    let p = primary(&d);
    assert_eq!(p.kind, "pip-no-matching-distribution");
    assert_eq!(p.lines, [12, 13]);
    assert_eq!(p.entities["package"], ["widgetlib"]);
}

#[test]
fn failing_step_acr() {
    let d = diagnose(CONDA_NOT_FOUND_ACR);
    assert_eq!(d.format, "acr");
    assert!(d.wrappers.contains(&"acr"), "{:?}", d.wrappers);
    let s = d.failing_step.as_ref().expect("a failing step");
    assert_eq!(s.index, Some(3));
    assert_eq!(s.label.as_deref(), Some("Step 3/3"));
    assert_eq!(s.instruction.as_deref(), Some("RUN"));
    assert_eq!(
        s.command,
        "conda env create -p /azureml-envs/app -f /tmp/conda.yml"
    );
    assert_eq!(s.exit_code, Some(1));
    assert_eq!(s.lines[0], 10);
    assert!(
        s.lines[1] >= 23 && s.lines[1] <= d.stats.lines,
        "{:?}",
        s.lines
    );
    let p = primary(&d);
    assert_eq!(p.kind, "conda-package-not-found");
    assert_eq!(p.lines[0], 15);
    assert!(p.entities["package"].contains(&"widgetlib".to_string()));
}

// ---------------------------------------------------------------------------------------
// A long successful build before a short failure (the 20 MB log in miniature)
// ---------------------------------------------------------------------------------------

/// The failing end of a BuildKit build: conda's pip section fails.
const FAILING_SNIPPET: &str = "\
#90 [40/40] RUN conda env update -n base -f environment.yml
#90 2.100 Collecting package metadata (repodata.json): ...working... done
#90 9.800 Solving environment: ...working... done
#90 20.10 Installing pip dependencies: ...working... Ran pip subprocess with arguments:
#90 20.10 Pip subprocess error:
#90 20.11 ERROR: Could not find a version that satisfies the requirement widgetlib==7.7.7 (from versions: none)
#90 20.11 ERROR: No matching distribution found for widgetlib==7.7.7
#90 20.11
#90 20.11 failed
#90 20.12
#90 20.12 CondaEnvException: Pip failed
#90 20.12
#90 ERROR: process \"/bin/sh -c conda env update -n base -f environment.yml\" did not complete successfully: exit code: 1
------
 > [40/40] RUN conda env update -n base -f environment.yml:
20.11 ERROR: No matching distribution found for widgetlib==7.7.7
20.12 CondaEnvException: Pip failed
------
ERROR: failed to solve: process \"/bin/sh -c conda env update -n base -f environment.yml\" did not complete successfully: exit code: 1
";

/// 39 successful steps of a few hundred lines each, red herrings included (~2.5 MB).
fn long_successful_prefix() -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for step in 1..=39u32 {
        let id = step + 10;
        let _ = writeln!(
            s,
            "#{id} [{step}/40] RUN pip install -r requirements-{step}.txt"
        );
        for i in 0..700u32 {
            let t = f64::from(i) * 0.013;
            match i % 175 {
                17 => {
                    let _ = writeln!(
                        s,
                        "#{id} {t:.3} ERROR: pip's dependency resolver does not currently take into account all the packages that are installed. This behaviour is the source of the following dependency conflicts."
                    );
                }
                50 => {
                    let _ = writeln!(
                        s,
                        "#{id} {t:.3} fatal: not a git repository (or any of the parent directories): .git"
                    );
                }
                90 => {
                    let _ = writeln!(
                        s,
                        "#{id} {t:.3} debconf: unable to initialize frontend: Dialog"
                    );
                }
                120 => {
                    let _ = writeln!(
                        s,
                        "#{id} {t:.3} Solving environment: ...working... failed with initial frozen solve. Retrying with flexible solve."
                    );
                }
                _ => {
                    let _ = writeln!(
                        s,
                        "#{id} {t:.3} Requirement already satisfied: package-{step}-{i} in /opt/conda/lib/python3.11/site-packages (from -r requirements-{step}.txt (line {i})) (1.{i}.0)"
                    );
                }
            }
        }
        let _ = writeln!(s, "#{id} DONE 9.1s\n");
    }
    s
}

#[test]
fn long_successful_prefix_does_not_change_the_answer() {
    let alone = diagnose(FAILING_SNIPPET);
    let prefix = long_successful_prefix();
    assert!(prefix.len() > 2 << 20, "the prefix spans several batches");
    let offset = prefix.lines().count() as u64;
    let long = diagnose(&format!("{prefix}{FAILING_SNIPPET}"));

    let (a, b) = (primary(&alone), primary(&long));
    assert_eq!(a.kind, "pip-no-matching-distribution", "{}", pretty(&alone));
    assert_eq!(b.kind, a.kind, "{}", pretty(&long));
    assert_eq!(b.confidence, a.confidence);
    assert_eq!(b.evidence, a.evidence);
    let shifted: Vec<u64> = a.lines.iter().map(|l| l + offset).collect();
    assert_eq!(b.lines, shifted);
    assert_eq!(b.entities, a.entities);
    assert_eq!(b.steps, a.steps);
    assert_eq!(kinds(&long), kinds(&alone));
    let suppressed = |d: &Diagnosis| -> Vec<(String, String)> {
        d.suppressed
            .iter()
            .map(|s| (s.kind.clone(), s.reason.clone()))
            .collect()
    };
    assert_eq!(suppressed(&long), suppressed(&alone));
    assert!(
        suppressed(&alone).contains(&(
            "pip-install-failed".to_string(),
            "explained by pip-no-matching-distribution".to_string()
        )),
        "{}",
        pretty(&alone)
    );

    let (sa, sb) = (
        alone.failing_step.as_ref().expect("a failing step"),
        long.failing_step.as_ref().expect("a failing step"),
    );
    assert_eq!(sb.label, sa.label);
    assert_eq!(sb.command, sa.command);
    assert_eq!(sb.exit_code, sa.exit_code);
    assert_eq!(sb.lines, [sa.lines[0] + offset, sa.lines[1] + offset]);
    assert_eq!(long.stats.lines, alone.stats.lines + offset);
    assert_eq!(long.stats.steps, alone.stats.steps + 39);
}

// ---------------------------------------------------------------------------------------
// Secrets never reach the output
// ---------------------------------------------------------------------------------------

const SECRETS: &[&str] = &[
    "S3cretPassw0rd",
    "AbCdEfSasSignature1234567890",
    "eyJhbGciOiJIUzI1NiJ9",
    "c2VjcmV0dG9rZW4",
    "Hunter2Secret",
    "TopSecretPw1",
];

const SECRET_PIP: &str = "\
$ docker login -p Hunter2Secret -u builder exampleacr.azurecr.io
Login Succeeded
Step 1/2 : FROM exampleacr.azurecr.io/base:1.0
 ---> 61b7e3c2a4d5
Step 2/2 : RUN pip install --index-url https://builder:S3cretPassw0rd@pkgs.example.com/simple widgetlib==7.7.7 && curl -H \"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0dG9rZW4.abcdefSIGNATURE\" https://files.example.com/x && ./fetch --password TopSecretPw1 \"https://acct.blob.core.windows.net/c/f.whl?sv=2022-11-02&sig=AbCdEfSasSignature1234567890%3D\"
 ---> Running in 5e6f708192a3
Looking in indexes: https://builder:S3cretPassw0rd@pkgs.example.com/simple
ERROR: Could not find a version that satisfies the requirement widgetlib==7.7.7 (from versions: none)
ERROR: No matching distribution found for widgetlib==7.7.7 from https://builder:S3cretPassw0rd@pkgs.example.com/simple
The command '/bin/sh -c pip install --index-url https://builder:S3cretPassw0rd@pkgs.example.com/simple widgetlib==7.7.7' returned a non-zero code: 1
";

const SECRET_UNKNOWN: &str = "\
Step 1/2 : FROM debian:bookworm-slim
 ---> 61b7e3c2a4d5
Step 2/2 : RUN ./fetch --password TopSecretPw1 https://builder:S3cretPassw0rd@pkgs.example.com/blob
 ---> Running in 5e6f708192a3
error: download failed: https://acct.blob.core.windows.net/c/f.whl?sv=2022-11-02&sig=AbCdEfSasSignature1234567890%3D
error: request with Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0dG9rZW4.abcdefSIGNATURE rejected by pkgs.example.com
error: docker login -p Hunter2Secret failed; retry with --password TopSecretPw1
error: fetching https://builder:S3cretPassw0rd@pkgs.example.com/blob failed
The command '/bin/sh -c ./fetch --password TopSecretPw1 https://builder:S3cretPassw0rd@pkgs.example.com/blob' returned a non-zero code: 1
";

#[test]
fn secrets_never_reach_the_json() {
    for (name, log) in [("pip", SECRET_PIP), ("unknown", SECRET_UNKNOWN)] {
        let d = diagnose(log);
        assert_eq!(d.status, Status::Failed, "{name}");
        let json = serde_json::to_string(&d).expect("a diagnosis serialises");
        for secret in SECRETS {
            assert!(
                !json.contains(secret),
                "{name}: `{secret}` leaked: {}",
                pretty(&d)
            );
        }
        // The lines that carried them are in the output, masked.
        assert!(json.contains("pkgs.example.com"), "{name}: {}", pretty(&d));
        assert!(json.contains("***"), "{name}: nothing was masked");
    }
    let d = diagnose(SECRET_UNKNOWN);
    assert_eq!(primary(&d).kind, "unknown");
    assert!(
        primary(&d).evidence.len() >= 3,
        "the secret-bearing error lines are the evidence: {}",
        pretty(&d)
    );
}
