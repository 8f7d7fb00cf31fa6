//! Prefixes that whatever captured a log puts in front of the tool's text.
//!
//! ISO or ACR timestamps, GitHub Actions timestamps, AWS CodeBuild's `[Container] <time>`,
//! Cloud Build's `Step #2: `, Jenkins' time of day, and BuildKit's `#8 ` vertex id and
//! `1.234 ` elapsed time. Every function here is pure: it returns where the content starts
//! (and who captured the log), so it can be tested and fuzzed alone; the framer owns the
//! state.

/// Who captured the log, as told by line prefixes. A bit set in [`crate::LogSummary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Wrapper {
    /// Generic `2024-09-05T15:26:38` / `2024-09-05 15:26:38,123` timestamps.
    Timestamps,
    /// GitHub Actions: `2024-01-01T10:00:00.0000000Z `, `##[error]`, `##[group]`.
    GithubActions,
    /// Azure Container Registry tasks: `2020/05/24 04:28:30 `, `acb_step_0`, `Run ID:`.
    Acr,
    /// AWS CodeBuild: `[Container] 2024/01/01 10:00:00.123456 `.
    Codebuild,
    /// Google Cloud Build: `Step #2: `, `Step #2 - "build": `.
    CloudBuild,
}

impl Wrapper {
    pub const ALL: [Wrapper; 5] = [
        Wrapper::Timestamps,
        Wrapper::GithubActions,
        Wrapper::Acr,
        Wrapper::Codebuild,
        Wrapper::CloudBuild,
    ];

    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Wrapper::Timestamps => "timestamps",
            Wrapper::GithubActions => "github-actions",
            Wrapper::Acr => "acr",
            Wrapper::Codebuild => "codebuild",
            Wrapper::CloudBuild => "cloud-build",
        }
    }
}

pub(crate) fn digits(s: &[u8], at: usize, min: usize, max: usize) -> Option<usize> {
    let n = s
        .get(at..)?
        .iter()
        .take(max)
        .take_while(|b| b.is_ascii_digit())
        .count();
    (n >= min).then_some(at + n)
}

pub(crate) fn byte(s: &[u8], at: usize, b: u8) -> Option<usize> {
    (s.get(at) == Some(&b)).then_some(at + 1)
}

pub(crate) fn skip_spaces(s: &[u8], mut at: usize) -> usize {
    while matches!(s.get(at), Some(b' ' | b'\t')) {
        at += 1;
    }
    at
}

/// A timestamp prefix and what it tells about the capturer.
///
/// Accepts `[`? `YYYY-MM-DD` or `YYYY/MM/DD`, `T` or space, `HH:MM:SS`, optional fraction,
/// optional `Z` or `±HH:MM`, `]`? `:`?, then at least one space. Returns the content start.
pub fn strip_timestamp(s: &[u8]) -> Option<(usize, Wrapper)> {
    let bracket = s.first() == Some(&b'[');
    let mut i = usize::from(bracket);
    i = digits(s, i, 4, 4)?;
    let sep = *s.get(i)?;
    if sep != b'-' && sep != b'/' {
        return None;
    }
    i = digits(s, i + 1, 2, 2)?;
    i = byte(s, i, sep)?;
    i = digits(s, i, 2, 2)?;
    let t = *s.get(i)?;
    if t != b'T' && t != b' ' {
        return None;
    }
    i = digits(s, i + 1, 2, 2)?;
    i = byte(s, i, b':')?;
    i = digits(s, i, 2, 2)?;
    i = byte(s, i, b':')?;
    i = digits(s, i, 2, 2)?;
    let mut frac = 0;
    if matches!(s.get(i), Some(b'.' | b',')) {
        let end = digits(s, i + 1, 1, 9)?;
        frac = end - i - 1;
        i = end;
    }
    let mut zulu = false;
    match s.get(i) {
        Some(b'Z') => {
            zulu = true;
            i += 1;
        }
        Some(b'+' | b'-') => {
            i = digits(s, i + 1, 2, 2)?;
            if s.get(i) == Some(&b':') {
                i += 1;
            }
            i = digits(s, i, 2, 2)?;
        }
        _ => {}
    }
    if bracket {
        i = byte(s, i, b']')?;
    }
    if s.get(i) == Some(&b':') {
        i += 1;
    }
    // A timestamp alone on a line is still a prefix (of an empty line).
    if i < s.len() && s[i] != b' ' && s[i] != b'\t' {
        return None;
    }
    let wrapper = if t == b'T' && zulu && frac == 7 {
        Wrapper::GithubActions
    } else if sep == b'/' && t == b' ' && !bracket {
        Wrapper::Acr
    } else {
        Wrapper::Timestamps
    };
    // GitHub Actions puts exactly one space after the timestamp; keep indentation after it.
    let content = if i < s.len() { i + 1 } else { i };
    let content = if wrapper == Wrapper::GithubActions {
        content
    } else {
        skip_spaces(s, content)
    };
    Some((content, wrapper))
}

/// Jenkins' timestamper plugin: `HH:MM:SS ` or `[HH:MM:SS] ` (optionally with fractions).
pub fn strip_time_of_day(s: &[u8]) -> Option<usize> {
    let bracket = s.first() == Some(&b'[');
    let mut i = usize::from(bracket);
    i = digits(s, i, 2, 2)?;
    i = byte(s, i, b':')?;
    i = digits(s, i, 2, 2)?;
    i = byte(s, i, b':')?;
    i = digits(s, i, 2, 2)?;
    if matches!(s.get(i), Some(b'.' | b',')) {
        i = digits(s, i + 1, 1, 9)?;
    }
    if bracket {
        i = byte(s, i, b']')?;
    }
    match s.get(i) {
        Some(b' ') => Some(skip_spaces(s, i)),
        None => Some(i),
        _ => None,
    }
}

/// AWS CodeBuild: `[Container] 2024/01/01 10:00:00.123456 text`.
pub fn strip_codebuild(s: &[u8]) -> Option<usize> {
    let rest = s.strip_prefix(b"[Container] ")?;
    let off = s.len() - rest.len();
    match strip_timestamp(rest) {
        Some((n, _)) => Some(off + n),
        None => Some(off),
    }
}

/// Cloud Build: `Step #2: text` or `Step #2 - "build": text`.
pub fn strip_cloud_build(s: &[u8]) -> Option<usize> {
    let rest = s.strip_prefix(b"Step #")?;
    let mut i = digits(s, s.len() - rest.len(), 1, 4)?;
    if s[i..].starts_with(b" - \"") {
        let close = memchr::memchr(b'"', &s[i + 4..])?;
        i = i + 4 + close + 1;
    }
    i = byte(s, i, b':')?;
    Some(if s.get(i) == Some(&b' ') { i + 1 } else { i })
}

/// BuildKit plain progress: `#12 ` followed by the step's text. Returns (id, rest start).
pub fn strip_buildkit_id(s: &[u8]) -> Option<(u32, usize)> {
    if s.first() != Some(&b'#') {
        return None;
    }
    // At most 9 digits: the id fits a u32 without overflow checks.
    let mut id: u32 = 0;
    let mut i = 1;
    while i < s.len() && i <= 9 && s[i].is_ascii_digit() {
        id = id * 10 + u32::from(s[i] - b'0');
        i += 1;
    }
    if i == 1 {
        return None;
    }
    match s.get(i) {
        Some(b' ') => Some((id, i + 1)),
        None => Some((id, i)),
        _ => None,
    }
}

/// BuildKit's elapsed-seconds column: `1.234 ` (plain mode after `#N`, and alone in the
/// tty error summary). Returns the content start. Keeps the output's own indentation.
pub fn strip_elapsed(s: &[u8]) -> Option<usize> {
    let digits_from = |from: usize, max: usize| {
        let mut i = from;
        while i < s.len() && i - from < max && s[i].is_ascii_digit() {
            i += 1;
        }
        (i > from).then_some(i)
    };
    let i = digits_from(0, 6)?;
    if s.get(i) != Some(&b'.') {
        return None;
    }
    let i = digits_from(i + 1, 3)?;
    match s.get(i) {
        Some(b' ') => Some(i + 1),
        None => Some(i),
        _ => None,
    }
}

pub(crate) fn parse_u32(s: &[u8]) -> Option<u32> {
    let mut v: u32 = 0;
    for &b in s {
        v = v
            .checked_mul(10)?
            .checked_add(u32::from(b.wrapping_sub(b'0')))?;
    }
    Some(v)
}

pub(crate) fn parse_i32_at(s: &[u8], at: usize) -> Option<i32> {
    let neg = s.get(at) == Some(&b'-');
    let start = at + usize::from(neg);
    let end = digits(s, start, 1, 9)?;
    if s.get(end).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let v = i32::try_from(parse_u32(&s[start..end])?).ok()?;
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let s = b"2024-09-05T15:26:38: Step 1/3 : FROM x";
        let (n, w) = strip_timestamp(s).unwrap();
        assert_eq!(&s[n..], b"Step 1/3 : FROM x");
        assert_eq!(w, Wrapper::Timestamps);

        let s = b"2024-01-01T10:00:00.0000000Z   indented";
        let (n, w) = strip_timestamp(s).unwrap();
        assert_eq!(&s[n..], b"  indented");
        assert_eq!(w, Wrapper::GithubActions);

        let s = b"2020/05/24 04:28:30 Executing step ID: acb_step_0";
        let (n, w) = strip_timestamp(s).unwrap();
        assert_eq!(&s[n..], b"Executing step ID: acb_step_0");
        assert_eq!(w, Wrapper::Acr);

        let s = b"[2024-09-05 15:26:38,123] conda";
        assert_eq!(&s[strip_timestamp(s).unwrap().0..], b"conda");
        let s = b"2024-09-05T15:26:38+02:00 x";
        assert_eq!(&s[strip_timestamp(s).unwrap().0..], b"x");

        assert!(strip_timestamp(b"2024 is a year").is_none());
        assert!(strip_timestamp(b"2024-09-05T15:26:38x").is_none());
        assert!(strip_timestamp(b"1.234 text").is_none());
    }

    #[test]
    fn jenkins_time_of_day() {
        let s = b"11:43:59 unknown blob";
        assert_eq!(&s[strip_time_of_day(s).unwrap()..], b"unknown blob");
        let s = b"[11:43:59.123] x";
        assert_eq!(&s[strip_time_of_day(s).unwrap()..], b"x");
        assert!(strip_time_of_day(b"11:43 x").is_none());
        assert!(strip_time_of_day(b"12:34:56:78 x").is_none());
    }

    #[test]
    fn ci_prefixes() {
        let s = b"[Container] 2024/01/01 10:00:00.123456 Running command docker build .";
        assert_eq!(
            &s[strip_codebuild(s).unwrap()..],
            b"Running command docker build ."
        );
        let s = b"Step #2: Step 1/3 : FROM x";
        assert_eq!(&s[strip_cloud_build(s).unwrap()..], b"Step 1/3 : FROM x");
        let s = b"Step #0 - \"build\": #5 [2/3] RUN x";
        assert_eq!(&s[strip_cloud_build(s).unwrap()..], b"#5 [2/3] RUN x");
        assert!(strip_cloud_build(b"Step 1/3 : FROM x").is_none());
    }

    #[test]
    fn buildkit_prefixes() {
        assert_eq!(strip_buildkit_id(b"#12 1.234 text"), Some((12, 4)));
        assert_eq!(strip_buildkit_id(b"#3"), Some((3, 2)));
        assert_eq!(strip_buildkit_id(b"# comment"), None);
        assert_eq!(strip_buildkit_id(b"#12abc"), None);
        assert_eq!(strip_buildkit_id(b"#99999999999 x"), None);
        assert_eq!(strip_elapsed(b"42.34   note: x"), Some(6));
        assert_eq!(strip_elapsed(b"1.5 GB"), Some(4));
        assert_eq!(strip_elapsed(b"3.8.10 x"), None);
        assert_eq!(strip_elapsed(b"12 x"), None);
    }
}
