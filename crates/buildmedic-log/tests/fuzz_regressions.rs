//! Inputs found by `fuzz/` (cargo-fuzz), minimised, kept so they stay fixed.

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
