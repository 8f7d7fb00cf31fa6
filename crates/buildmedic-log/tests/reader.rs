//! The reader on small logs of every framing, and on hostile bytes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use buildmedic_log::{
    Batch, BuildVerdict, Builder, LineFlags, LogSummary, ReaderOptions, Sink, Step, StepOrigin,
    StepStatus, Wrapper, read_log, read_log_with,
};

#[derive(Default)]
struct Collect {
    lines: Vec<(u64, String, Option<u32>, LineFlags)>,
}

impl Sink for Collect {
    fn batch(&mut self, batch: &Batch<'_>, _: &[Step]) {
        for l in batch.lines {
            self.lines.push((
                l.number,
                String::from_utf8_lossy(batch.text(l)).into_owned(),
                l.step.map(|s| s.index() as u32),
                l.flags,
            ));
        }
    }
}

fn read(log: &[u8]) -> (LogSummary, Collect) {
    let mut sink = Collect::default();
    let summary = read_log(log, &mut sink).expect("in-memory reads do not fail");
    (summary, sink)
}

fn read_in(log: &[u8], buffer_size: usize) -> (LogSummary, Collect) {
    let mut sink = Collect::default();
    let options = ReaderOptions {
        buffer_size,
        ..ReaderOptions::default()
    };
    let summary = read_log_with(log, &mut sink, &options).expect("in-memory reads do not fail");
    (summary, sink)
}

/// The cleaned text of line `n`.
fn text_of(c: &Collect, n: u64) -> &str {
    &c.lines
        .iter()
        .find(|l| l.0 == n)
        .expect("the line exists")
        .1
}

fn failing(summary: &LogSummary) -> &Step {
    summary
        .failing_step
        .and_then(|id| summary.step(id))
        .expect("a failing step")
}

#[test]
fn legacy_builder_failure() {
    let log = b"Sending build context to Docker daemon  74.24kB\n\
Step 1/3 : FROM python:3.10\n ---> 1a2b3c4d5e6f\n\
Step 2/3 : RUN apt-get update\n ---> Using cache\n ---> 2b3c4d5e6f7a\n\
Step 3/3 : RUN apt-get install -y libfoo\n ---> Running in 0123456789ab\n\
Reading package lists...\nE: Unable to locate package libfoo\n\
The command '/bin/sh -c apt-get install -y libfoo' returned a non-zero code: 100\n";
    let (s, c) = read(log);
    assert_eq!(s.builder, Builder::Legacy);
    assert_eq!(s.verdict, BuildVerdict::Failed);
    assert_eq!(s.steps.len(), 3);
    assert_eq!(s.steps[0].status, StepStatus::Done);
    assert_eq!(s.steps[1].status, StepStatus::Cached);
    let f = failing(&s);
    assert_eq!(f.index, Some(3));
    assert_eq!(f.instruction.as_deref(), Some("RUN"));
    assert_eq!(f.command, "apt-get install -y libfoo");
    assert_eq!(f.exit_code, Some(100));
    assert_eq!((f.first_line, f.last_line), (7, 11));
    // The apt error line belongs to step 3 and keeps its line number.
    let e = c
        .lines
        .iter()
        .find(|l| l.1.starts_with("E: Unable"))
        .unwrap();
    assert_eq!((e.0, e.2), (10, Some(2)));
}

/// docker-compose 1.x wraps the legacy verdict (`ERROR: Service 'web' failed to build: …`);
/// CI pages indent it. Either way it fails the running step and names its command.
#[test]
fn legacy_verdict_wrapped_by_compose_or_indented() {
    for verdict in [
        "ERROR: Service 'worker' failed to build: The command '/bin/sh -c pip install -r ./svc/requirements.txt' returned a non-zero code: 1",
        "  The command '/bin/sh -c pip install -r ./svc/requirements.txt' returned a non-zero code: 1",
    ] {
        let log = format!(
            "Building worker\nStep 1/2 : FROM python:3.11-slim\n ---> 1a2b3c4d5e6f\n\
Step 2/2 : RUN pip install -r ./svc/requirements.txt\n ---> Running in 0123456789ab\n\
ERROR: Could not find a version that satisfies the requirement nosuchpkg==0.0.1\n\
{verdict}\n"
        );
        let (s, _) = read(log.as_bytes());
        assert_eq!(s.verdict, BuildVerdict::Failed, "{verdict}");
        let f = failing(&s);
        assert_eq!(f.index, Some(2), "{verdict}");
        assert_eq!(
            f.command, "pip install -r ./svc/requirements.txt",
            "{verdict}"
        );
        assert_eq!(f.exit_code, Some(1), "{verdict}");
    }
    // A service name alone is no verdict.
    let (s, _) = read(b"ERROR: Service 'worker' failed to build: something else\n");
    assert_ne!(s.verdict, BuildVerdict::Failed);
}

/// A pasted log may wrap the legacy step header and the verdict's quoted command over lines
/// (a command holding newlines does too): the verdict ends on the line that says
/// `returned a non-zero code`, fails the step with its code, and its command completes the
/// header that the paste cut.
#[test]
fn legacy_verdict_spanning_lines() {
    let log = b"Step 1/2 : FROM ubuntu:22.04\n ---> 1a2b3c4d5e6f\n\
Step 2/2 : RUN mkdir -p /opt/x && \n\
wget -q https://example.org/bmfx-installer.sh -O /opt/x/i.sh &&\n\
   sh /opt/x/i.sh\n ---> Running in 0123456789ab\n\
The command '/bin/sh -c mkdir -p /opt/x && \n\
wget -q https://example.org/bmfx-installer.sh -O /opt/x/i.sh &&\n\
     \n\
   sh /opt/x/i.sh' returned a non-zero code: 4\n";
    let (s, c) = read(log);
    assert_eq!(s.verdict, BuildVerdict::Failed);
    let f = failing(&s);
    assert_eq!(f.index, Some(2));
    assert_eq!(f.exit_code, Some(4));
    assert_eq!(
        f.command,
        "mkdir -p /opt/x && wget -q https://example.org/bmfx-installer.sh -O /opt/x/i.sh && sh /opt/x/i.sh"
    );
    let last = c.lines.last().unwrap();
    assert!(last.3.contains(LineFlags::VERDICT));
    // A start that never ends is no verdict, and a step header ends the wait.
    let log = b"Step 1/2 : FROM ubuntu:22.04\n ---> 1a2b3c4d5e6f\n\
Step 2/2 : RUN true\n ---> Running in 0123456789ab\n\
The command 'is quoted\nStep 3/3 : RUN false\n ---> Running in 1123456789ab\n\
returned a non-zero code: 1 later\n\
Successfully built 1a2b3c4d5e6f\n";
    let (s, _) = read(log);
    assert_ne!(s.verdict, BuildVerdict::Failed);
    // A tool's sentence that starts like a verdict does not swallow the real one.
    let log = b"Step 1/1 : RUN ./build.sh\n ---> Running in 0123456789ab\n\
The command 'legacy-mode' is deprecated\n\
The command '/bin/sh -c ./build.sh' returned a non-zero code: 2\n";
    let (s, _) = read(log);
    assert_eq!(s.failures.len(), 1);
    assert_eq!(s.failures[0].command.as_deref(), Some("./build.sh"));
    assert_eq!(failing(&s).exit_code, Some(2));
}

/// A BuildKit step's `#8 ERROR: process "…" did not complete successfully` copied without
/// its `#8 ` is still the build's failure verdict, with the command it names.
#[test]
fn buildkit_process_verdict_without_step_id() {
    let log = b"ERROR: Cannot uninstall 'blinker'.\n\
ERROR: process \"/bin/sh -c pip3 install -r r.txt\" did not complete successfully: exit code: 1\n";
    let (s, _) = read(log);
    assert_eq!(s.verdict, BuildVerdict::Failed);
    assert_eq!(s.failures.len(), 1);
    assert_eq!(
        s.failures[0].command.as_deref(),
        Some("pip3 install -r r.txt")
    );
    assert_eq!(s.failures[0].exit_code, Some(1));
    // BuildKit's `failed to process "x"` names a Dockerfile word, not a command.
    let (s, _) = read(b"ERROR: process \"x\" was fine\n");
    assert!(s.failures.is_empty());
}

/// docker/build-push-action rethrows buildx's verdict as `buildx failed with: ...`, after
/// `Error: ` or as a GitHub annotation: still the verdict, with its command and exit code.
#[test]
fn build_push_action_rethrown_verdict() {
    for prefix in ["Error: ", "##[error]"] {
        let log = format!(
            "{prefix}buildx failed with: ERROR: failed to solve: process \"/bin/bash -c npm ci && npm run build\" did not complete successfully: exit code: 2\n"
        );
        let (s, _) = read(log.as_bytes());
        assert_eq!(s.verdict, BuildVerdict::Failed, "{prefix}");
        assert_eq!(
            s.failures[0].command.as_deref(),
            Some("npm ci && npm run build")
        );
        assert_eq!(s.failures[0].exit_code, Some(2));
    }
    // The words alone are not a verdict.
    let (s, _) = read(b"buildx failed with: a cache miss, retrying\n");
    assert!(s.failures.is_empty());
}

/// BuildKit's code frame (`Dockerfile:23`, dashed rules, ` 23 | >>> RUN ...`) marks the
/// failed instruction: its marked lines, continuations joined, are the framed instruction;
/// unmarked context lines and later frames are not.
#[test]
fn code_frame_marks_the_failed_instruction() {
    let log = concat!(
        "4.12 ERROR: boom\n------\n",
        "Dockerfile:9\n--------------------\n",
        "   8 |     WORKDIR /app\n",
        "   9 | >>> RUN --mount=type=cache,target=/root/.cache \\\n",
        "  10 | >>>     pip install -r req.txt \\\n",
        "  11 | >>>     # a comment the parser drops\n",
        "  12 | >>>     && make\n",
        "  13 |     COPY . .\n--------------------\n",
        "Dockerfile:2\n--------------------\n   2 | >>> FROM other\n--------------------\n",
        "ERROR: failed to solve: process did not complete\n",
    )
    .as_bytes();
    let (s, _) = read(log);
    let f = s.code_frame.expect("a framed instruction");
    assert_eq!(f.line, 3);
    assert_eq!(f.instruction, "RUN");
    assert_eq!(
        f.args,
        "--mount=type=cache,target=/root/.cache pip install -r req.txt && make"
    );
    let (s, _) =
        read(b"Dockerfile:3\n--------------------\n   3 |     RUN x\n--------------------\n");
    assert!(s.code_frame.is_none());
}

/// A CI page copied with its line numbers (`40 Collecting pip`): consecutive numbers are the
/// viewer's, not the log's; a single numbered line is output.
#[test]
fn viewer_line_numbers() {
    let log = b"Step 1/2 : FROM python:3.9\n\
11  ---> 1a2b3c4d5e6f\n\
12 Step 2/2 : RUN pip3 install \"bmfx~=3\"\n\
13  ---> Running in 0123456789ab\n\
14 ERROR: Invalid requirement: 'bmfx~=3'\n\
15 The command '/bin/sh -c pip3 install \"bmfx~=3\"' returned a non-zero code: 1\n";
    let (s, c) = read(log);
    assert_eq!(s.verdict, BuildVerdict::Failed);
    let f = failing(&s);
    assert_eq!(f.index, Some(2));
    assert_eq!(f.command, "pip3 install \"bmfx~=3\"");
    assert!(
        c.lines
            .iter()
            .any(|l| l.1 == "ERROR: Invalid requirement: 'bmfx~=3'")
    );
    let (_, c) = read(b"Reading package lists...\n0 upgraded, 0 newly installed\n2 not upgraded\n");
    assert!(
        c.lines
            .iter()
            .any(|l| l.1 == "0 upgraded, 0 newly installed")
    );
    assert!(c.lines.iter().any(|l| l.1 == "2 not upgraded"));
}

#[test]
fn buildkit_plain_interleaved_steps() {
    let log = b"#0 building with \"default\" instance using docker driver\n\n\
#5 [2/4] RUN pip install -r requirements.txt\n\
#6 [3/4] RUN apt-get update\n\
#5 0.512 Collecting torch==9.9\n\
#6 0.600 Get:1 http://deb.debian.org bookworm InRelease\n\
#5 1.204 ERROR: No matching distribution found for torch==9.9\n\
#6 CANCELED\n\
#5 ERROR: process \"/bin/sh -c pip install -r requirements.txt\" did not complete successfully: exit code: 1\n\
------\n > [2/4] RUN pip install -r requirements.txt:\n\
#5 1.204 ERROR: No matching distribution found for torch==9.9\n------\n\
Dockerfile:5\n--------------------\n   5 | >>> RUN pip install -r requirements.txt\n--------------------\n\
ERROR: failed to solve: process \"/bin/sh -c pip install -r requirements.txt\" did not complete successfully: exit code: 1\n";
    let (s, c) = read(log);
    assert_eq!(s.builder, Builder::Buildkit);
    assert_eq!(s.verdict, BuildVerdict::Failed);
    let f = failing(&s);
    assert_eq!(f.label.as_deref(), Some("[2/4]"));
    assert_eq!(f.command, "pip install -r requirements.txt");
    assert_eq!(f.exit_code, Some(1));
    assert_eq!(f.origin, StepOrigin::Buildkit);
    let canceled = s
        .steps
        .iter()
        .find(|st| st.command == "apt-get update")
        .unwrap();
    assert_eq!(canceled.status, StepStatus::Canceled);
    // `#5 0.512 Collecting` is grouped under #5 with the prefix and time stripped.
    let l = c.lines.iter().find(|l| l.0 == 5).unwrap();
    assert_eq!(l.1, "Collecting torch==9.9");
    let pip = c.lines.iter().find(|l| l.0 == 7).unwrap();
    assert_eq!(pip.2, l.2);
    // The summary repeat and the code frame are attributed to the failed step.
    let frame_line = c.lines.iter().find(|l| l.1.contains(">>> RUN")).unwrap();
    assert_eq!(frame_line.2, l.2);
    let repeat = c.lines.iter().find(|l| l.0 == 12).unwrap();
    assert!(repeat.3.contains(LineFlags::SUMMARY));
}

#[test]
fn buildkit_tty_error_summary() {
    let log = b"[+] Building 12.3s (7/9)\n\
 => [internal] load build definition from Dockerfile          0.0s\n\
 => CACHED [2/5] WORKDIR /app                                  0.0s\n\
 => ERROR [3/5] RUN conda env create -f environment.yml       10.2s\n\
------\n > [3/5] RUN conda env create -f environment.yml:\n\
9.871 PackagesNotFoundError: The following packages are not available from current channels:\n\
9.872   - tensorflow=9.99\n------\n\
executor failed running [/bin/sh -c conda env create -f environment.yml]: exit code: 1\n";
    let (s, c) = read(log);
    assert_eq!(s.builder, Builder::Buildkit);
    let f = failing(&s);
    assert_eq!(f.label.as_deref(), Some("[3/5]"));
    assert_eq!(f.command, "conda env create -f environment.yml");
    assert_eq!(f.exit_code, Some(1));
    let pkg = c.lines.iter().find(|l| l.1.contains("tensorflow")).unwrap();
    assert_eq!(pkg.1, "  - tensorflow=9.99");
    assert_eq!(pkg.2.map(|i| i as usize), s.failing_step.map(|i| i.index()));
    // tty steps keep their command (the redraws mark steps done before they fail).
    let cached = s
        .steps
        .iter()
        .find(|st| st.label.as_deref() == Some("[2/5]"))
        .unwrap();
    assert_eq!(cached.status, StepStatus::Cached);
    assert_eq!(cached.command, "/app");
}

#[test]
fn podman_build_steps_and_verdict() {
    let log = b"STEP 1/4: FROM registry.example.com/ubi9/python-311:1-52\n\
Trying to pull registry.example.com/ubi9/python-311:1-52...\n\
STEP 2/4: WORKDIR /app\n--> 5e7a9c1b3d2f\n\
[2/2] STEP 3/4: RUN pip install --no-cache-dir bmfx==9.9\n\
ERROR: No matching distribution found for bmfx==9.9\n\
Error: building at STEP \"RUN pip install --no-cache-dir bmfx==9.9\": while running runtime: exit status 1\n";
    let (s, c) = read(log);
    assert_eq!(s.builder, Builder::Buildah);
    let f = failing(&s);
    assert_eq!(f.label.as_deref(), Some("[2/2] STEP 3/4"));
    assert_eq!(f.instruction.as_deref(), Some("RUN"));
    assert_eq!(f.command, "pip install --no-cache-dir bmfx==9.9");
    assert_eq!(f.exit_code, Some(1));
    let workdir = s
        .steps
        .iter()
        .find(|st| st.label.as_deref() == Some("STEP 2/4"))
        .unwrap();
    assert_eq!(workdir.status, StepStatus::Done);
    let err = c
        .lines
        .iter()
        .find(|l| l.1.starts_with("ERROR: No matching"))
        .unwrap();
    assert_eq!(err.2.map(|i| i as usize), s.failing_step.map(|i| i.index()));
    // Lines that only look alike are not steps.
    let (s, _) = read(b"STEP one: warm up\n[1/2] loading\n--> not a commit\n");
    assert!(s.steps.is_empty());
    assert_eq!(s.builder, Builder::Plain);
}

#[test]
fn tty_command_cut_at_the_terminal_width_is_completed_by_the_summary() {
    let log = b" => ERROR [4/9] RUN echo '  - bmfx' >> /tmp/environment.  14.1s\n\
------\n > [4/9] RUN echo '  - bmfx' >> /tmp/environment.yml && conda env create -f /tmp/environment.yml:\n\
12.96 ResolvePackageNotFound:\n12.96   - bmfx=1.5\n------\n";
    let (s, _) = read(log);
    assert_eq!(
        failing(&s).command,
        "echo '  - bmfx' >> /tmp/environment.yml && conda env create -f /tmp/environment.yml"
    );
    // Only a cut command is completed: a summary that says something else keeps the step's.
    let log =
        b" => ERROR [4/9] RUN make all  3.0s\n------\n > [4/9] RUN ninja -C out:\n3.0 x\n------\n";
    let (s, _) = read(log);
    assert_eq!(failing(&s).command, "make all");
}

#[test]
fn acr_task_wrapping_legacy_build() {
    let log = b"2020/05/24 04:28:30 Downloading source code...\n\
2020/05/24 04:28:32 Executing step ID: acb_step_0. Timeout(sec): 5400, Working directory: '', Network: 'acb_default_network'\n\
Step 1/2 : FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04\n ---> abcdefabcdef\n\
Step 2/2 : RUN conda env create -p /azureml-envs/x -f conda.yml\n ---> Running in 0123456789ab\n\
Killed\n\
The command '/bin/sh -c conda env create -p /azureml-envs/x -f conda.yml' returned a non-zero code: 137\n\
2020/05/24 04:40:00 Container failed during run: acb_step_0. No retries remaining.\n\
failed to run step ID: acb_step_0: exit status 1\n\
Run ID: cj2 failed after 11m33s. Error: failed during run, err: exit status 1\n";
    let (s, _) = read(log);
    assert_eq!(s.format_name(), "acr");
    assert_eq!(s.builder, Builder::Legacy);
    assert!(s.wrappers.contains(&Wrapper::Acr));
    let f = failing(&s);
    assert_eq!(f.exit_code, Some(137));
    assert_eq!(f.index, Some(2));
}

#[test]
fn github_actions_and_codebuild_prefixes() {
    let log = b"2024-01-01T10:00:00.0000000Z ##[group]Run docker build .\n\
2024-01-01T10:00:01.0000000Z #7 [3/3] RUN make\n\
2024-01-01T10:00:02.0000000Z #7 0.101 make: *** No targets specified and no makefile found.  Stop.\n\
2024-01-01T10:00:02.0000000Z #7 ERROR: process \"/bin/sh -c make\" did not complete successfully: exit code: 2\n\
2024-01-01T10:00:03.0000000Z ##[error]Process completed with exit code 1.\n";
    let (s, c) = read(log);
    assert!(s.wrappers.contains(&Wrapper::GithubActions));
    assert_eq!(s.builder, Builder::Buildkit);
    assert_eq!(failing(&s).exit_code, Some(2));
    assert!(
        c.lines
            .iter()
            .any(|l| l.1 == "make: *** No targets specified and no makefile found.  Stop.")
    );

    let log = b"[Container] 2024/01/01 10:00:00.123456 Running command docker build -t app .\n\
Step 1/1 : FROM nosuch/image:1\n\
manifest for nosuch/image:1 not found: manifest unknown: manifest unknown\n\
[Container] 2024/01/01 10:00:05.000000 Command did not exit successfully docker build -t app . exit status 1\n\
[Container] 2024/01/01 10:00:05.100000 Phase complete: BUILD State: FAILED\n";
    let (s, _) = read(log);
    assert!(s.wrappers.contains(&Wrapper::Codebuild));
    assert_eq!(s.verdict, BuildVerdict::Failed);
    assert_eq!(
        s.last_running_step
            .and_then(|i| s.step(i))
            .map(|st| st.index),
        Some(Some(1))
    );
}

#[test]
fn cloud_build_prefix() {
    let log = b"Step #0: Step 1/2 : FROM python:3.11\n\
Step #0:  ---> abcdefabcdef\n\
Step #0: Step 2/2 : RUN pip install nope==0\n\
Step #0: ERROR: No matching distribution found for nope==0\n\
Step #0: The command '/bin/sh -c pip install nope==0' returned a non-zero code: 1\n\
ERROR: build step 0 \"gcr.io/cloud-builders/docker\" failed: step exited with non-zero status: 1\n";
    let (s, _) = read(log);
    assert!(s.wrappers.contains(&Wrapper::CloudBuild));
    assert_eq!(failing(&s).command, "pip install nope==0");
}

#[test]
fn snippet_with_only_a_failure_line_reconstructs_the_step() {
    let log = b"/bin/sh: 1: conda: not found\n\
The command '/bin/sh -c conda install -y numpy' returned a non-zero code: 127\n";
    let (s, _) = read(log);
    let f = failing(&s);
    assert_eq!(f.origin, StepOrigin::FailureLine);
    assert_eq!(f.command, "conda install -y numpy");
    assert_eq!(f.exit_code, Some(127));
}

#[test]
fn successful_build() {
    let log = b"Step 1/2 : FROM python:3.11\n ---> abcdefabcdef\nStep 2/2 : COPY . /app\n ---> 7d8d6cc4c39a\nSuccessfully built 7d8d6cc4c39a\n";
    let (s, _) = read(log);
    assert_eq!(s.verdict, BuildVerdict::Succeeded);
    assert!(s.failing_step.is_none());
    assert!(s.steps.iter().all(|st| st.status == StepStatus::Done));
}

#[test]
fn plain_tool_output_has_no_steps() {
    let (s, c) = read(b"Collecting package metadata: done\r\nSolving environment: failed\r\n");
    assert_eq!(s.builder, Builder::Plain);
    assert_eq!(s.verdict, BuildVerdict::Unknown);
    assert!(s.steps.is_empty());
    assert_eq!(c.lines[1].1, "Solving environment: failed");
}

#[test]
fn progress_bars_ansi_and_crlf() {
    let log = b"#3 [1/1] RUN pip install torch\n\
#3 1.0 \r\x1b[2K  \x1b[31m10%\x1b[0m\r\x1b[2K  100% 12.0/12.0 MB\r\n\
#3 2.0 \x1b[1;31mERROR\x1b[0m: boom\r\n";
    let (_, c) = read(log);
    assert_eq!(c.lines[1].1, "  100% 12.0/12.0 MB");
    assert_eq!(c.lines[2].1, "ERROR: boom");
    assert!(c.lines[1].2.is_some());
}

#[test]
fn last_line_without_newline_and_empty_input() {
    let (s, c) = read(b"a\nb");
    assert_eq!(s.lines, 2);
    assert_eq!(c.lines[1].1, "b");
    let (s, c) = read(b"");
    assert_eq!(s.lines, 0);
    assert!(c.lines.is_empty());
}

#[test]
fn huge_line_without_newline_is_kept_in_segments() {
    let mut log = b"first\n".to_vec();
    log.extend(std::iter::repeat_n(b'x', 3 << 20));
    log.extend(b" TAIL\nlast\n");
    let (s, c) = read(&log);
    assert_eq!(s.lines, 3);
    let segs: Vec<_> = c.lines.iter().filter(|l| l.0 == 2).collect();
    assert!(segs.len() >= 3, "long line is split into segments");
    assert!(segs[1..].iter().all(|l| l.3.contains(LineFlags::CONTINUED)));
    assert!(segs.last().unwrap().1.ends_with(" TAIL"));
    let total: usize = segs.iter().map(|l| l.1.len()).sum();
    assert_eq!(total, (3 << 20) + 5);
    assert_eq!(c.lines.last().unwrap().0, 3);
}

#[test]
fn huge_progress_bar_keeps_its_final_state_and_prefix() {
    let mut log = b"#4 [1/1] RUN pip install x\n#4 0.1 ".to_vec();
    for i in 0..200_000 {
        log.extend(format!("\rprogress {i:>8}").as_bytes());
    }
    log.extend(b"\rdone installing\n#4 DONE 1.0s\n");
    let (s, c) = read(&log);
    assert_eq!(s.lines, 3);
    let bar: Vec<_> = c.lines.iter().filter(|l| l.0 == 2).collect();
    assert_eq!(bar.len(), 1);
    assert_eq!(bar[0].1, "done installing");
    assert_eq!(bar[0].2, Some(0));
}

#[test]
fn logrus_lines_show_their_message() {
    let log = br#"Getting image source signatures
time="2024-03-01T10:00:00Z" level=fatal msg="Error: initializing source docker://nosuch/image:1: reading manifest 1 in docker.io/nosuch/image: manifest unknown"
time="2024-03-01T10:00:01Z" level=error msg="Handler for POST /v1.41/build returned error: \"unauthorized: authentication required\"" error="exit status 1"
level=info msg=done
"#;
    let (_, c) = read(log);
    assert_eq!(
        text_of(&c, 2),
        "Error: initializing source docker://nosuch/image:1: reading manifest 1 in docker.io/nosuch/image: manifest unknown"
    );
    assert_eq!(
        text_of(&c, 3),
        r#"Handler for POST /v1.41/build returned error: "unauthorized: authentication required" error="exit status 1""#
    );
    assert_eq!(text_of(&c, 4), "done");
    assert_eq!(c.lines.len(), 4);
}

#[test]
fn fatal_log_levels_mark_their_line() {
    let log = br#"time="2024-03-01T10:00:00Z" level=fatal msg="creds and username cannot be specified at the same time"
time="2024-03-01T10:00:01Z" level=error msg="not fatal"
level=panic msg="runtime error"
FATA[0002] kaniko could not find the context
ERRO[0003] not fatal either
INFO[0004] level=fatal msg= is a message here, not a prefix
"#;
    let (_, c) = read(log);
    let fatal: Vec<u64> = c
        .lines
        .iter()
        .filter(|l| l.3.contains(LineFlags::FATAL))
        .map(|l| l.0)
        .collect();
    assert_eq!(fatal, vec![1, 3, 4]);
    assert_eq!(
        text_of(&c, 1),
        "creds and username cannot be specified at the same time"
    );
}

#[test]
fn kaniko_levels_are_stripped() {
    let log = b"INFO[0000] Retrieving image manifest python:3.11\n\
ERRO[0003] error building image: error building stage: failed to execute command: waiting for process to exit: exit status 1\n";
    let (_, c) = read(log);
    assert_eq!(text_of(&c, 1), "Retrieving image manifest python:3.11");
    assert!(text_of(&c, 2).starts_with("error building image: error building stage"));
}

#[test]
fn bare_buildkit_times_in_the_summary_block() {
    let log = b"#8 [3/7] RUN pip install -r requirements.txt\n\
#8 0.512 Collecting widgetlib==7.7.7\n\
#8 ERROR: process \"/bin/sh -c pip install -r requirements.txt\" did not complete successfully: exit code: 1\n\
------\n > [3/7] RUN pip install -r requirements.txt:\n\
0.512 Collecting widgetlib==7.7.7\n\
12.34 ERROR: No matching distribution found for widgetlib==7.7.7\n\
------\n";
    let (s, c) = read(log);
    let e = c.lines.iter().find(|l| l.0 == 7).unwrap();
    assert_eq!(
        e.1,
        "ERROR: No matching distribution found for widgetlib==7.7.7"
    );
    assert_eq!(e.2.map(|i| i as usize), s.failing_step.map(|i| i.index()));
    assert!(e.3.contains(LineFlags::SUMMARY));
}

#[test]
fn pasted_markdown_is_unwrapped() {
    let log = b"> ERROR: No matching distribution found for widgetlib==7.7.7\n\
> > E: Unable to locate package libwidget-dev\n\
**ERROR:** Could not find a version that satisfies the requirement widgetlib\n\
`PackagesNotFoundError: The following packages are not available from current channels:`\n\
> [2/4] RUN pip install x:\n\
**kwargs are fine\n";
    let (s, c) = read(log);
    assert_eq!(
        text_of(&c, 1),
        "ERROR: No matching distribution found for widgetlib==7.7.7"
    );
    assert_eq!(text_of(&c, 2), "E: Unable to locate package libwidget-dev");
    assert_eq!(
        text_of(&c, 3),
        "ERROR: Could not find a version that satisfies the requirement widgetlib"
    );
    assert_eq!(
        text_of(&c, 4),
        "PackagesNotFoundError: The following packages are not available from current channels:"
    );
    // BuildKit's summary header at column 0 is framing, not a quote.
    assert_eq!(c.lines[4].3, LineFlags::FRAMING | LineFlags::SUMMARY);
    assert!(s.steps.iter().any(|st| st.command == "pip install x"));
    assert_eq!(text_of(&c, 6), "**kwargs are fine");
}

#[test]
fn ci_timestamps_and_annotations() {
    let log = b"2024-01-01T10:00:00.0000000Z ##[error]No space left on device\n\
2024-01-01T10:00:01.1234567Z ##[section]Starting: Build\n\
::error file=Dockerfile,line=3::unknown instruction: RUNN\n\
2024-01-15T10:00:00.123456Z 00O $ docker build -t app .\n\
2024-01-15T10:00:01.123456Z 01E+ manifest unknown\n\
2024-01-01T10:00:03.0000000Z ##[error]Process completed with exit code 1.\n";
    let (s, c) = read(log);
    assert_eq!(text_of(&c, 1), "No space left on device");
    assert_eq!(text_of(&c, 2), "##[section]Starting: Build");
    assert_eq!(text_of(&c, 3), "unknown instruction: RUNN");
    assert_eq!(text_of(&c, 4), "$ docker build -t app .");
    assert!(c.lines[3].3.contains(LineFlags::PROMPT));
    assert_eq!(text_of(&c, 5), "manifest unknown");
    assert!(s.wrappers.contains(&Wrapper::Gitlab));
    assert!(s.wrappers.contains(&Wrapper::GithubActions));
    assert_eq!(s.verdict, BuildVerdict::Failed);
    assert_eq!(s.failures.len(), 1);
    assert_eq!(s.failures[0].line, 6);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    type Seen = (Vec<(u64, String, Option<u32>, LineFlags)>, String);

    /// What a reader sink sees of a log, comparable across buffer sizes.
    fn seen(log: &[u8], buffer_size: usize) -> Seen {
        let (s, c) = read_in(log, buffer_size);
        let framing = format!(
            "{:?}",
            (s.steps, s.failing_step, s.verdict, s.builder, s.failures)
        );
        (c.lines, framing)
    }

    /// Lines shorter than the smallest buffer: batch boundaries fall between lines.
    const SHORT_PIECES: &[&str] = &[
        "Step 3/9 : RUN x\n",
        " ---> 0123456789ab\n",
        "#5 [2/4] RUN y\n",
        "#5 1.2 out\n",
        "#5 DONE 0.1s\n",
        "#5 ERROR: exit code: 1\n",
        "#6 CACHED\n",
        " => ERROR [2/4] RUN y\n",
        "------\n",
        " > [2/4] RUN y:\n",
        "12.34 ERROR: boom\n",
        "Dockerfile:12\n",
        "--------------------\n",
        "> quoted\n",
        "ERRO[0001] kaniko\n",
        "level=error msg=\"m\"\n",
        "\r\x1b[2Kbar 50%\r\n",
        "Successfully built 0123456789ab\n",
        "\n",
    ];

    fn lines_of(bytes: &[u8]) -> u64 {
        let n = bytes.iter().filter(|b| **b == b'\n').count() as u64;
        n + u64::from(!bytes.is_empty() && !bytes.ends_with(b"\n"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_bytes_no_panic_and_line_numbers_preserved(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let (s, c) = read(&bytes);
            prop_assert_eq!(s.lines, lines_of(&bytes));
            prop_assert_eq!(s.bytes, bytes.len() as u64);
            let numbers: Vec<u64> = c.lines.iter().map(|l| l.0).collect();
            let expected: Vec<u64> = (1..=s.lines).collect();
            prop_assert_eq!(numbers, expected);
        }

        #[test]
        fn tiny_buffers_change_nothing(parts in proptest::collection::vec(proptest::sample::select(SHORT_PIECES), 0..80)) {
            let log = parts.concat();
            let reference = seen(log.as_bytes(), 1 << 20);
            for size in [32, 64, 100] {
                prop_assert_eq!(&seen(log.as_bytes(), size), &reference);
            }
        }

        #[test]
        fn any_bytes_with_tiny_buffers_keep_line_numbers(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let (s, c) = read_in(&bytes, 64);
            prop_assert_eq!(s.lines, lines_of(&bytes));
            prop_assert_eq!(s.bytes, bytes.len() as u64);
            let mut last = 0;
            for l in &c.lines {
                if l.3.contains(LineFlags::CONTINUED) {
                    prop_assert_eq!(l.0, last);
                } else {
                    prop_assert_eq!(l.0, last + 1);
                }
                last = l.0;
            }
        }

        #[test]
        fn framing_soup_no_panic(parts in proptest::collection::vec(prop_oneof![
            Just("Step 3/12 : RUN x\n".to_string()),
            Just("#5 [2/4] RUN y\n".to_string()),
            Just("#5 1.2 out\n".to_string()),
            Just("#5 ERROR: process \"/bin/sh -c y\" did not complete successfully: exit code: 1\n".to_string()),
            Just(" => ERROR [2/4] RUN y  1.0s\n".to_string()),
            Just("------\n".to_string()),
            Just(" > [2/4] RUN y:\n".to_string()),
            Just("The command '/bin/sh -c x' returned a non-zero code: 2\n".to_string()),
            Just("Successfully built abc\n".to_string()),
            Just("2020/05/24 04:28:30 Run ID: a failed after 1s\n".to_string()),
            Just("\r\x1b[2K\n".to_string()),
            "[ -~]{0,40}\n",
        ], 0..60)) {
            let log = parts.concat();
            let (s, c) = read(log.as_bytes());
            prop_assert_eq!(c.lines.len() as u64, s.lines);
            if let Some(id) = s.failing_step {
                prop_assert!(s.step(id).is_some());
            }
            for st in &s.steps {
                prop_assert!(st.first_line <= st.last_line);
            }
        }
    }
}

#[test]
fn reused_buildkit_ids_start_new_steps() {
    let log = b"#11 [3/5] RUN echo ok\n#11 DONE 0.1s\n\
#11 11.70 ERROR: ResolutionImpossible: for help visit x\n\
#11 ERROR: process \"/bin/sh -c pip install -r r.txt\" did not complete successfully: exit code: 1\n";
    let (s, c) = read(log);
    assert_eq!(s.steps.len(), 2);
    assert_eq!(s.steps[0].status, StepStatus::Done);
    let f = failing(&s);
    assert_eq!(f.command, "pip install -r r.txt");
    assert_eq!(f.exit_code, Some(1));
    assert_eq!(c.lines[2].2, Some(1));
}

#[test]
fn pip_success_line_is_not_a_build_verdict() {
    let (s, _) = read(b"Successfully built numpy\nERROR: boom\n");
    assert_eq!(s.verdict, BuildVerdict::Unknown);
    let (s, _) = read(b"Successfully built 0123456789ab\n");
    assert_eq!(s.verdict, BuildVerdict::Succeeded);
}

#[test]
fn jenkins_console() {
    let log = b"11:43:58 + docker build -t app .\n11:43:59 Step 1/2 : FROM python:3.11\n\
11:44:03 unknown blob\nBuild step 'Execute shell' marked build as failure\nFinished: FAILURE\n";
    let (s, c) = read(log);
    assert_eq!(s.verdict, BuildVerdict::Failed);
    assert!(s.wrappers.contains(&Wrapper::Timestamps));
    assert_eq!(c.lines[2].1, "unknown blob");
    assert!(c.lines[0].3.contains(LineFlags::PROMPT));
    assert!(!c.lines[2].3.contains(LineFlags::PROMPT));
}

#[test]
fn internal_tty_steps_are_told_apart() {
    let log = b" => [internal] load build definition from Dockerfile       0.0s\n\
 => ERROR [internal] load metadata for docker.io/nvidia/cuda:11.7.0-cudnn8-runtime-  1.1s\n";
    let (s, _) = read(log);
    assert_eq!(s.steps.len(), 2);
    assert!(
        failing(&s)
            .command
            .starts_with("load metadata for docker.io/nvidia/cuda")
    );
}

#[test]
fn legacy_step_ends_at_success_and_acr_steps() {
    let log = b"Step 1/1 : FROM x\n ---> 0123456789ab\nSuccessfully built 0123456789ab\n\
Successfully tagged x:1\n2020/05/24 04:28:30 Executing step ID: push. Timeout(sec): 3600\ntag does not exist: x:1\n";
    let (_, c) = read(log);
    assert_eq!(c.lines[5].2, None);
}

#[test]
fn padded_tty_summary_header() {
    let log = b" > [ 9/11] RUN mamba install -y python=3.9 bowtie:            \n\
16.47 error    libmamba Could not solve for environment specs\n";
    let (s, c) = read(log);
    let f = failing(&s);
    assert_eq!(f.index, Some(9));
    assert_eq!(f.command, "mamba install -y python=3.9 bowtie");
    assert_eq!(
        c.lines[1].1,
        "error    libmamba Could not solve for environment specs"
    );
}

#[test]
fn succeeded_plain_steps_drop_their_command_but_failing_and_from_steps_keep_it() {
    let log = b"#1 [1/3] FROM docker.io/library/python:3.11\n#1 DONE 0.1s\n\
#2 [2/3] RUN pip install numpy\n#2 DONE 3.0s\n\
#3 [3/3] RUN pip install nope==0\n#3 ERROR: process \"/bin/sh -c pip install nope==0\" did not complete successfully: exit code: 1\n";
    let (s, _) = read(log);
    assert_eq!(s.steps[0].command, "docker.io/library/python:3.11");
    assert!(
        s.steps[1].command.is_empty(),
        "memory stays flat on long builds"
    );
    assert_eq!(failing(&s).command, "pip install nope==0");
}

#[test]
fn pull_progress_records_the_announced_images() {
    let log = b"$ docker pull --platform linux/arm64 acme/tools\nUsing default tag: latest\nlatest: Pulling from acme/tools\n4f1e2d3c5b6a: Pulling fs layer\n4f1e2d3c5b6a: Download complete\nno matching manifest for linux/arm64/v8 in the manifest list entries\n";
    let (summary, _) = read(log);
    assert_eq!(
        summary.announced_images,
        vec![(3, "acme/tools:latest".to_string())]
    );
}
