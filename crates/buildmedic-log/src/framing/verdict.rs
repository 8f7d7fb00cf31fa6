//! Build-level verdict lines: the exit code and the failed command they name.

use crate::prefix::parse_i32_at;

pub(crate) fn find(h: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(h, needle)
}

/// The exit code a framing line reports: `exit code: N`, `non-zero code: N`,
/// `exit status N`, `exit status: N`, `non-zero status: N`, `exit code N`.
pub fn exit_code(s: &[u8]) -> Option<i32> {
    const KEYS: [&[u8]; 6] = [
        b"exit code: ",
        b"non-zero code: ",
        b"exit status: ",
        b"exit status ",
        b"non-zero status: ",
        b"exit code ",
    ];
    KEYS.iter().find_map(|k| {
        let at = memchr::memmem::rfind(s, k)?;
        parse_i32_at(s, at + k.len())
    })
}

/// The shell command named by a build-level failure line, as a byte range of `s`.
///
/// `process "/bin/sh -c CMD" did not complete`, `The command '/bin/sh -c CMD' returned`,
/// `executor failed running [/bin/sh -c CMD]:`.
pub fn failed_command(s: &[u8]) -> Option<(usize, usize)> {
    // `process "X" did not complete` names a command; BuildKit's `failed to process "X":`
    // (a Dockerfile word it could not expand) does not.
    let (start, end) = if let Some(p) =
        find(s, b"process \"").filter(|_| find(s, b"\" did not complete").is_some())
    {
        let start = p + 9;
        let end = memchr::memmem::rfind(&s[start..], b"\" did not complete")?;
        (start, start + end)
    } else if let Some(p) = find(s, b"The command '") {
        let start = p + 13;
        let end = memchr::memmem::rfind(&s[start..], b"' returned")?;
        (start, start + end)
    } else if let Some(p) = find(s, b"executor failed running [") {
        let start = p + 25;
        let end = memchr::memmem::rfind(&s[start..], b"]:")
            .or_else(|| memchr::memrchr(b']', &s[start..]))?;
        (start, start + end)
    } else {
        return None;
    };
    Some(strip_shell(s, start, end))
}

/// Drops the `/bin/sh -c ` (or `/bin/bash -c `, `cmd /S /C `) that builders put in front of
/// shell-form commands.
pub fn strip_shell(s: &[u8], start: usize, end: usize) -> (usize, usize) {
    for shell in [
        &b"/bin/sh -c "[..],
        b"/bin/bash -c ",
        b"/bin/bash -o pipefail -c ",
        b"/bin/sh -o pipefail -c ",
        b"bash -c ",
        b"sh -c ",
        b"cmd /S /C ",
    ] {
        if s[start..end].starts_with(shell) {
            return (start + shell.len(), end);
        }
    }
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str, r: (usize, usize)) -> &str {
        &s[r.0..r.1]
    }

    #[test]
    fn exit_codes() {
        assert_eq!(
            exit_code(b"The command '/bin/sh -c x' returned a non-zero code: 127"),
            Some(127)
        );
        assert_eq!(
            exit_code(
                b"ERROR: process \"/bin/sh -c x\" did not complete successfully: exit code: 137"
            ),
            Some(137)
        );
        assert_eq!(
            exit_code(
                b"Run ID: cj2 failed after 3m33s. Error: failed during run, err: exit status 1"
            ),
            Some(1)
        );
        assert_eq!(exit_code(b"exit code: -15"), Some(-15));
        assert_eq!(exit_code(b"exit code: lots"), None);
        assert_eq!(exit_code(b"exit code: 99999999999"), None);
    }

    #[test]
    fn failed_commands() {
        let s = "ERROR: failed to solve: process \"/bin/sh -c pip install -r r.txt\" did not complete successfully: exit code: 1";
        assert_eq!(
            at(s, failed_command(s.as_bytes()).unwrap()),
            "pip install -r r.txt"
        );
        let s = "The command '/bin/sh -c apt-get install -y foo' returned a non-zero code: 100";
        assert_eq!(
            at(s, failed_command(s.as_bytes()).unwrap()),
            "apt-get install -y foo"
        );
        let s = "executor failed running [/bin/sh -c conda env create -f e.yml]: exit code: 137";
        assert_eq!(
            at(s, failed_command(s.as_bytes()).unwrap()),
            "conda env create -f e.yml"
        );
        assert!(failed_command(b"nothing here").is_none());
        assert!(failed_command(b"process \"unterminated").is_none());
        assert!(
            failed_command(
                b"failed to solve: failed to process \"'https://x\": unexpected end of statement"
            )
            .is_none()
        );
    }
}
