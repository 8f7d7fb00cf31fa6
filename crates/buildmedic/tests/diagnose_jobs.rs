//! `diagnose -j N`: one large log read by several threads gives the same JSON, byte for
//! byte, as `-j 1`, from a file, from stdin and from gzip.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;

use assert_cmd::Command;
use tempfile::TempDir;

/// A BuildKit log of several MiB: many successful steps with red herrings, then a conda
/// failure whose package list is captured by a window.
fn big_log() -> Vec<u8> {
    let mut log = String::from("#0 building with \"default\" instance using docker driver\n");
    for step in 1..=800u32 {
        log.push_str(&format!(
            "#{step} [{step}/801] RUN pip install -r req-{step}.txt\n"
        ));
        for i in 0..120 {
            log.push_str(&format!(
                "#{step} {}.{:03} Collecting package-{i}==1.{i} (from -r req-{step}.txt (line {i}))\n",
                i / 10,
                i
            ));
        }
        log.push_str(&format!(
            "#{step} 9.9 ERROR: pip's dependency resolver does not currently take into account all the packages that are installed.\n#{step} DONE 10.0s\n"
        ));
    }
    log.push_str("#802 [801/801] RUN conda env create -f environment.yml\n");
    log.push_str("#802 9.9 PackagesNotFoundError: The following packages are not available from current channels:\n#802 9.9\n");
    for p in ["tensorflow=9.99", "widget-lib=3.3"] {
        log.push_str(&format!("#802 9.9   - {p}\n"));
    }
    log.push_str("#802 9.9\n#802 9.9 Current channels:\n");
    log.push_str("#802 ERROR: process \"/bin/sh -c conda env create -f environment.yml\" did not complete successfully: exit code: 1\n");
    log.into_bytes()
}

fn diagnose(args: &[&str], stdin: Option<Vec<u8>>) -> Vec<u8> {
    let mut cmd = Command::cargo_bin("buildmedic").expect("the binary is built");
    cmd.args(["diagnose", "--no-config", "--exit-zero", "--format", "json"])
        .args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().expect("buildmedic runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn any_number_of_jobs_gives_the_same_json() {
    let dir = TempDir::new().expect("a temporary directory");
    let log = big_log();
    assert!(log.len() > 5 << 20, "the log spans several batches");
    let plain = dir.path().join("build.log");
    std::fs::write(&plain, &log).expect("writable");
    let gz = dir.path().join("build.log.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&log).expect("in memory");
    std::fs::write(&gz, enc.finish().expect("in memory")).expect("writable");
    let plain = plain.to_string_lossy().into_owned();
    let gz_path = gz.to_string_lossy().into_owned();

    let reference = diagnose(&["-j", "1", &plain], None);
    let text = String::from_utf8_lossy(&reference);
    assert!(text.contains("conda-package-not-found"), "{text}");
    assert!(text.contains("widget-lib"), "{text}");
    for jobs in ["2", "3", "8"] {
        assert_eq!(
            diagnose(&["-j", jobs, &plain], None),
            reference,
            "-j {jobs}"
        );
    }
    // The source name differs between inputs; everything else is the same.
    let from = |out: Vec<u8>, name: &str| {
        String::from_utf8(out)
            .expect("JSON is UTF-8")
            .replace(&format!("\"source\":\"{name}\""), "\"source\":\"x\"")
    };
    let reference = from(reference, &plain);
    for jobs in ["1", "2", "4"] {
        assert_eq!(
            from(diagnose(&["-j", jobs, "-"], Some(log.clone())), "-"),
            reference,
            "stdin, -j {jobs}"
        );
        assert_eq!(
            from(diagnose(&["-j", jobs, &gz_path], None), &gz_path),
            reference,
            "gzip, -j {jobs}"
        );
    }
}

#[test]
fn zero_jobs_is_a_usage_error() {
    let out = Command::cargo_bin("buildmedic")
        .expect("the binary is built")
        .args(["diagnose", "-j", "0", "-"])
        .write_stdin("x\n")
        .output()
        .expect("buildmedic runs");
    assert_eq!(out.status.code(), Some(2));
}
