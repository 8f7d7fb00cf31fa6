//! Inputs found by `fuzz/` (cargo-fuzz), minimised, kept so they stay fixed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use buildmedic_log::steps::MAX_COMMAND;
use buildmedic_log::{NullSink, read_log};

fn read(log: &[u8]) -> buildmedic_log::LogSummary {
    read_log(log, &mut NullSink).expect("in-memory reads do not fail")
}

/// `same_command` compared 40-byte prefixes of two commands with `str` slicing, which
/// panicked when byte 40 fell inside a character (here a U+FFFD from invalid UTF-8).
#[test]
fn command_prefix_inside_a_character() {
    let log = b"#1 \xff\xff\xff\xff\xff\xff\xff\xff\xff\xffCo\xff\xff\xff\n\
failed to solveprocess \"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x07num\xffd\xffc2\"";
    let s = read(log);
    assert_eq!(s.lines, 2);
    // The same shape in readable text: two long commands whose 40th byte is inside `é`.
    let cmd = format!("{}é tail", "x".repeat(39));
    let log = format!(
        "#5 [2/3] RUN {cmd}\n#5 ERROR: process \"/bin/sh -c {cmd} other\" did not complete \
         successfully: exit code: 1\nERROR: failed to solve: process \"/bin/sh -c {cmd} other\" \
         did not complete successfully: exit code: 1\n"
    );
    let s = read(log.as_bytes());
    assert!(s.failing_step.is_some());
}

/// A step command is stored lossily decoded: each invalid byte of the first
/// `MAX_COMMAND` bytes became a 3-byte U+FFFD, so the command grew past its documented bound.
/// (Fuzz input `\xffR#1 \xff`: that unit repeated into one line longer than the buffer.)
#[test]
fn command_of_invalid_bytes_stays_within_max_command() {
    let mut log = b"#1 ".to_vec();
    log.extend_from_slice(&[0xff; 2000]);
    log.push(b'\n');
    let s = read(&log);
    assert_eq!(s.steps.len(), 1);
    let cmd = &s.steps[0].command;
    assert!(cmd.len() <= MAX_COMMAND, "{}", cmd.len());
    assert!(cmd.len() > MAX_COMMAND - 3, "{}", cmd.len());
}
