//! How much a line looks like an error, for the `unknown` fallback: a heuristic over
//! keywords and line starts, used only when no signature explains a failure.

use aho_corasick::{AhoCorasick, MatchKind};

/// Keywords of error lines and the rank they give, for [`error_rank`].
const RANKED_KEYWORDS: &[(&str, u8)] = &[
    ("error:", 4),
    (" ERROR ", 4),
    ("Error:", 4),
    ("rror: ", 4),
    ("Exception:", 4),
    ("rror response from daemon", 4),
    ("Execution halted", 4),
    ("Traceback", 3),
    ("failed", 3),
    ("Failed", 3),
    ("FAILED", 3),
    ("not found", 3),
    ("denied", 3),
    ("Killed", 3),
    ("Cannot ", 3),
    ("cannot ", 3),
    ("Could not", 3),
    ("Unable to", 3),
    ("unable to", 3),
    ("No such file", 3),
];

/// Built on first use: a run that finds a known failure never needs it. The keywords are
/// constants, so the build cannot fail (a test builds it).
static RANKED: std::sync::LazyLock<Option<AhoCorasick>> = std::sync::LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostFirst)
        .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
        .build(RANKED_KEYWORDS.iter().map(|(k, _)| k))
        .ok()
});

/// How much a line looks like an error, for the `unknown` fallback: 0 not at all, 5 an
/// explicit error line. Wrapper lines are ranked by the caller.
pub fn error_rank(line: &[u8]) -> u8 {
    let t = line.trim_ascii_start();
    const STARTS: [&[u8]; 12] = [
        b"ERROR",
        b"error:",
        b"Error:",
        b"Error in ",
        b"E: ",
        b"FATAL",
        b"fatal:",
        b"Fatal",
        b"[ERROR]",
        b"[error]",
        b"npm ERR!",
        b"##[error]",
    ];
    if STARTS.iter().any(|p| t.starts_with(p)) || python_exception_line(t) {
        return 5;
    }
    RANKED
        .as_ref()
        .and_then(|ac| {
            ac.find_iter(t)
                .map(|m| RANKED_KEYWORDS[m.pattern().as_usize()].1)
                .max()
        })
        .unwrap_or(0)
}

/// `SomethingError: message` / `pkg.module.SomeException: message` at line start.
fn python_exception_line(t: &[u8]) -> bool {
    let Some(colon) = memchr::memchr(b':', t) else {
        return false;
    };
    let name = &t[..colon];
    (name.ends_with(b"Error") || name.ends_with(b"Exception") || name.ends_with(b"Exit"))
        && name.first().is_some_and(u8::is_ascii_alphabetic)
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'_')
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_build() {
        assert!(RANKED.is_some());
    }

    #[test]
    fn error_ranks() {
        assert_eq!(error_rank(b"ERROR: Could not find a version"), 5);
        assert_eq!(error_rank(b"E: Unable to locate package x"), 5);
        assert_eq!(error_rank(b"  ModuleNotFoundError: No module named 'x'"), 5);
        assert_eq!(error_rank(b"gcc: error: unrecognized option"), 4);
        assert_eq!(
            error_rank(b"Building wheel for x: finished with status 'failed'"),
            3
        );
        assert_eq!(error_rank(b"warning: unused variable 'error_count'"), 0);
        assert_eq!(error_rank(b"test_error_handling ... ok"), 0);
    }
}
