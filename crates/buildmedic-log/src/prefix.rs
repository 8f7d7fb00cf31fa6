//! Prefixes that whatever captured a log puts in front of the tool's text.
//!
//! Three layers, outermost first:
//!
//! 1. **Pasting**: markdown quoting (`> `), bold markers around a pasted line (`**ERROR:**`)
//!    and inline code (`` `...` ``), from logs copied into issues and chats.
//! 2. **Capturers**: ISO or ACR timestamps, GitHub Actions / Azure DevOps timestamps and
//!    their annotations (`##[error]`, `::error::`), GitLab's `<time> 00O ` stream prefix,
//!    AWS CodeBuild's `[Container] <time>`, Cloud Build's `Step #2: `, Jenkins' time of day.
//! 3. **Tools' own log formats**: logrus lines (`time="..." level=fatal msg="..."`, printed
//!    by skopeo, buildah, podman, dockerd, kaniko), kaniko's `ERRO[0003] `, and BuildKit's
//!    `#8 ` vertex id and `1.234 ` elapsed time.
//!
//! Every function here is pure: it returns where the content starts (and who captured the
//! log), so it can be tested and fuzzed alone; the framer owns the state and rewrites the
//! few lines whose content is not a suffix (a quoted logrus message, bold markers).

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
    /// GitLab CI job logs with timestamps: `2024-01-01T10:00:00.123456Z 00O `.
    Gitlab,
}

impl Wrapper {
    pub const ALL: [Wrapper; 6] = [
        Wrapper::Timestamps,
        Wrapper::GithubActions,
        Wrapper::Acr,
        Wrapper::Codebuild,
        Wrapper::CloudBuild,
        Wrapper::Gitlab,
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
            Wrapper::Gitlab => "gitlab",
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

/// GitLab's stream prefix after its timestamp: two hex digits (the stream), `O` or `E`
/// (stdout, stderr), `+` for the continuation of a partial line, a space.
pub fn strip_gitlab_stream(s: &[u8]) -> Option<usize> {
    if s.len() < 4 || !s[0].is_ascii_hexdigit() || !s[1].is_ascii_hexdigit() {
        return None;
    }
    if !matches!(s[2], b'O' | b'E') {
        return None;
    }
    let i = if s[3] == b'+' { 4 } else { 3 };
    (s.get(i) == Some(&b' ')).then_some(i + 1)
}

/// Markdown quoting of a pasted line: `> text` (and `>` alone). Not BuildKit's summary
/// header `> [3/7] RUN …:`, which some CI pages print without its indentation.
pub fn strip_markdown_quote(s: &[u8]) -> Option<usize> {
    if s.first() != Some(&b'>') {
        return None;
    }
    match s.get(1) {
        None => Some(1),
        Some(b' ') => {
            let rest = &s[2..];
            let summary = rest.first() == Some(&b'[') && rest.trim_ascii_end().ends_with(b":");
            (!summary).then_some(2)
        }
        _ => None,
    }
}

/// A whole line in inline code: `` `text` `` gives the range of `text`.
pub fn inline_code(s: &[u8]) -> Option<(usize, usize)> {
    let t = s.trim_ascii_end();
    (t.len() >= 3 && t[0] == b'`' && t[t.len() - 1] == b'`' && !t[1..t.len() - 1].contains(&b'`'))
        .then_some((1, t.len() - 1))
}

/// A pasted line that starts in bold, `**ERROR:** text`: the positions of the two markers.
pub fn bold_start(s: &[u8]) -> Option<(usize, usize)> {
    let rest = s.strip_prefix(b"**")?;
    if rest
        .first()
        .is_none_or(|b| b.is_ascii_whitespace() || *b == b'*')
    {
        return None;
    }
    let close = memchr::memmem::find(rest, b"**")?;
    Some((0, 2 + close))
}

/// kaniko's (logrus' terminal format) level prefix: `INFO[0001] `, `ERRO[0003] `,
/// `WARN[2024-01-01T10:00:00Z] `, followed by padding. Returns the content start.
pub fn strip_kaniko_level(s: &[u8]) -> Option<usize> {
    const LEVELS: [&[u8]; 7] = [
        b"INFO", b"ERRO", b"WARN", b"FATA", b"DEBU", b"TRAC", b"PANI",
    ];
    if s.len() < 7 || s[4] != b'[' || !LEVELS.contains(&&s[..4]) {
        return None;
    }
    let close = 5 + memchr::memchr(b']', &s[5..s.len().min(48)])?;
    if close == 5 {
        return None;
    }
    match s.get(close + 1) {
        Some(b' ') => Some(skip_spaces(s, close + 1)),
        None => Some(close + 1),
        _ => None,
    }
}

/// Where a logrus line (`time="..." level=error msg="..." key=value ...`) keeps its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logrus {
    /// The message, still quoted-escaped when `quoted`.
    pub msg: (usize, usize),
    pub quoted: bool,
    /// The fields after the message (` error="..."`), as written.
    pub rest: (usize, usize),
    /// `level=fatal` or `level=panic`: logrus exits (or panics) after printing the line.
    pub fatal: bool,
}

/// A logrus text-format line: `time="…" level=… msg="…"` (also without `time`, and with an
/// unquoted one-word message). `None` for other lines.
pub fn logrus(s: &[u8]) -> Option<Logrus> {
    let mut i = 0;
    if let Some(rest) = s.strip_prefix(b"time=\"") {
        i = 6 + memchr::memchr(b'"', rest)? + 1;
        i = skip_spaces(s, i);
    }
    if !s[i..].starts_with(b"level=") {
        return None;
    }
    i += 6;
    let level_end = i + s[i..].iter().position(|b| *b == b' ')?;
    if level_end == i {
        return None;
    }
    let fatal = matches!(&s[i..level_end], b"fatal" | b"panic");
    i = skip_spaces(s, level_end);
    if !s[i..].starts_with(b"msg=") {
        return None;
    }
    i += 4;
    let (msg, quoted, after) = if s.get(i) == Some(&b'"') {
        // Up to the closing quote that is not escaped.
        let start = i + 1;
        let mut j = start;
        loop {
            match s.get(j)? {
                b'\\' => j += 2,
                b'"' => break,
                _ => j += 1,
            }
        }
        ((start, j), true, j + 1)
    } else {
        let end = s[i..]
            .iter()
            .position(|b| *b == b' ')
            .map_or(s.len(), |p| i + p);
        ((i, end), false, end)
    };
    let rest_start = skip_spaces(s, after.min(s.len()));
    Some(Logrus {
        msg,
        quoted,
        rest: (rest_start, s.len().max(rest_start)),
        fatal,
    })
}

/// Unescapes a Go-quoted string in place (`\"`, `\\`, `\t`; `\n` becomes a space, since a
/// line is matched alone); returns the new length. Other escapes stay as written.
pub fn unquote_in_place(buf: &mut [u8]) -> usize {
    let (mut r, mut w) = (0, 0);
    while r < buf.len() {
        let b = buf[r];
        if b == b'\\' && r + 1 < buf.len() {
            let out = match buf[r + 1] {
                b'"' => Some(b'"'),
                b'\\' => Some(b'\\'),
                b't' => Some(b'\t'),
                b'n' | b'r' => Some(b' '),
                _ => None,
            };
            if let Some(o) = out {
                buf[w] = o;
                w += 1;
                r += 2;
                continue;
            }
        }
        buf[w] = b;
        w += 1;
        r += 1;
    }
    w
}

/// A CI annotation before a message: GitHub Actions / Azure DevOps `##[error]`,
/// `##[warning]`, and workflow commands `::error::`, `::error file=x,line=1::`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Annotation {
    Error,
    Warning,
    Other,
}

/// Content start after an annotation, and which. `##[group]`, `##[section]` and the like
/// are not messages and are left alone.
pub fn strip_annotation(s: &[u8]) -> Option<(usize, Annotation)> {
    if let Some(rest) = s.strip_prefix(b"##[") {
        for (name, kind) in [
            (&b"error]"[..], Annotation::Error),
            (b"warning]", Annotation::Warning),
            (b"debug]", Annotation::Other),
        ] {
            if rest.starts_with(name) {
                return Some((3 + name.len(), kind));
            }
        }
        return None;
    }
    let rest = s.strip_prefix(b"::")?;
    let kind = if rest.starts_with(b"error") {
        Annotation::Error
    } else if rest.starts_with(b"warning") {
        Annotation::Warning
    } else if rest.starts_with(b"notice") {
        Annotation::Other
    } else {
        return None;
    };
    let close = memchr::memmem::find(rest, b"::")?;
    Some((2 + close + 2, kind))
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
    fn pasted_lines() {
        let q = |s: &'static str| strip_markdown_quote(s.as_bytes()).map(|i| &s[i..]);
        assert_eq!(
            q("> ERROR: No matching distribution"),
            Some("ERROR: No matching distribution")
        );
        assert_eq!(q(">"), Some(""));
        assert_eq!(q("> [2/4] RUN pip install x:"), None);
        assert_eq!(q(">>> RUN x"), None);
        assert_eq!(q(" > [2/4] RUN x:"), None);
        assert_eq!(inline_code(b"`ERROR: failed to solve`"), Some((1, 23)));
        assert_eq!(inline_code(b"`a` and `b`"), None);
        assert_eq!(bold_start(b"**ERROR:** No matching"), Some((0, 8)));
        assert_eq!(bold_start(b"** not bold"), None);
        assert_eq!(bold_start(b"**kwargs"), None);
    }

    #[test]
    fn tool_log_formats() {
        let s = b"ERRO[0003] error building image: error building stage: failed";
        assert_eq!(
            &s[strip_kaniko_level(s).unwrap()..],
            b"error building image: error building stage: failed"
        );
        let s = b"INFO[2024-01-01T10:00:00Z] Retrieving image manifest python:3.9";
        assert_eq!(
            &s[strip_kaniko_level(s).unwrap()..],
            b"Retrieving image manifest python:3.9"
        );
        assert_eq!(strip_kaniko_level(b"INFO: done"), None);
        assert_eq!(strip_kaniko_level(b"DONE[1] x"), None);

        let s = br#"time="2024-01-01T10:00:00Z" level=fatal msg="Error: initializing source docker://x:latest: reading manifest latest in docker.io/library/x: manifest unknown""#;
        let l = logrus(s).unwrap();
        assert!(l.quoted);
        assert!(s[l.msg.0..l.msg.1].starts_with(b"Error: initializing source"));
        assert_eq!(l.rest.0, l.rest.1);
        assert!(l.fatal);
        let s = br#"level=error msg="Handler for POST /build returned error: \"x\"" error="exit status 1""#;
        let l = logrus(s).unwrap();
        let mut m = s[l.msg.0..l.msg.1].to_vec();
        let n = unquote_in_place(&mut m);
        assert_eq!(&m[..n], br#"Handler for POST /build returned error: "x""#);
        assert_eq!(&s[l.rest.0..l.rest.1], br#"error="exit status 1""#);
        assert!(!l.fatal, "level=error does not end the tool");
        assert!(logrus(br#"level=panic msg="x""#).is_some_and(|l| l.fatal));
        let s = b"time=\"x\" level=info msg=done";
        assert_eq!(logrus(s).map(|l| l.quoted), Some(false));
        assert_eq!(logrus(b"level=error message"), None);
        assert_eq!(logrus(br#"time="unterminated level=error msg="x""#), None);
        assert_eq!(logrus(br#"level=error msg="unterminated"#), None);
        let mut u = br#"a\nb\\c\td\q"#.to_vec();
        let n = unquote_in_place(&mut u);
        assert_eq!(&u[..n], b"a b\\c\td\\q");
    }

    #[test]
    fn ci_annotations_and_streams() {
        let a = |s: &'static str| strip_annotation(s.as_bytes()).map(|(i, k)| (&s[i..], k));
        assert_eq!(
            a("##[error]No space left on device"),
            Some(("No space left on device", Annotation::Error))
        );
        assert_eq!(a("##[warning]x"), Some(("x", Annotation::Warning)));
        assert_eq!(a("##[group]Run docker build"), None);
        assert_eq!(
            a("::error file=Dockerfile,line=3::unknown instruction: RUNN"),
            Some(("unknown instruction: RUNN", Annotation::Error))
        );
        assert_eq!(a("::set-output name=x::y"), None);
        assert_eq!(strip_gitlab_stream(b"00O $ docker build ."), Some(4));
        assert_eq!(strip_gitlab_stream(b"01E+ tail"), Some(5));
        assert_eq!(strip_gitlab_stream(b"00X x"), None);
        assert_eq!(strip_gitlab_stream(b"1.5 GB"), None);
    }

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
