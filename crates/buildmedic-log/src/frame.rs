//! Recognising the framing that builders and CI systems wrap around tool output.
//!
//! Two layers are peeled off every line:
//!
//! 1. **Wrappers** — prefixes added by whatever captured the log: ISO or ACR timestamps,
//!    GitHub Actions timestamps, AWS CodeBuild's `[Container] <time>`, Cloud Build's
//!    `Step #2: `, BuildKit's `#8 ` step id and `1.234 ` elapsed time.
//! 2. **Builder framing** — the lines the builder itself prints around steps: legacy
//!    `Step 3/12 : RUN …`, BuildKit `#8 [3/7] RUN …`, `#8 DONE`, `#8 ERROR: …`, the tty
//!    ` => ERROR [3/7] …` and ` > [3/7] RUN …:` blocks, and the build-level verdict lines
//!    (`returned a non-zero code: N`, `failed to solve: …`, `Run ID: … failed after …`).
//!
//! Everything here is a pure function over bytes so it can be tested in isolation and
//! fuzzed; the reader owns the state (current step, open error block).

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

fn digits(s: &[u8], at: usize, min: usize, max: usize) -> Option<usize> {
    let n = s
        .get(at..)?
        .iter()
        .take(max)
        .take_while(|b| b.is_ascii_digit())
        .count();
    (n >= min).then_some(at + n)
}

fn byte(s: &[u8], at: usize, b: u8) -> Option<usize> {
    (s.get(at) == Some(&b)).then_some(at + 1)
}

fn skip_spaces(s: &[u8], mut at: usize) -> usize {
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

/// Where the command starts on a line that shows a shell prompt or a CI system echoing the
/// command it runs: `$ cmd`, `# cmd`, `+ cmd` (set -x), `user@host:~/dir$ cmd`,
/// `(base) $ cmd`, `PS C:\dir> cmd`, `C:\dir>cmd`, `[command]cmd` (GitHub Actions),
/// `Running command cmd` (CodeBuild). `None` for other lines.
pub fn prompt_command(s: &[u8]) -> Option<usize> {
    let mut at = 0;
    // A conda environment marker before the prompt: `(base) $ conda install ...`.
    if s.first() == Some(&b'(') {
        let close = memchr::memchr(b')', &s[..s.len().min(64)])?;
        at = close + 1;
        if s.get(at) != Some(&b' ') {
            return None;
        }
        at += 1;
    }
    let rest = &s[at..];
    let cmd = if rest.starts_with(b"[command]") {
        at + 9
    } else if rest.starts_with(b"Running command ") {
        at + 16
    } else if (rest.starts_with(b"PS ") && rest.get(4) == Some(&b':'))
        || (rest.len() > 3 && rest[0].is_ascii_alphabetic() && rest[1] == b':' && rest[2] == b'\\')
    {
        // PowerShell `PS C:\dir> cmd` and cmd.exe `C:\dir>cmd`.
        at + memchr::memchr(b'>', &rest[..rest.len().min(256)])? + 1
    } else if matches!(rest.first(), Some(b'$' | b'+' | b'#' | b'%'))
        && rest.get(1) == Some(&b' ')
        // Commands start in lower case or with a path; `# To activate this environment`
        // (conda) and `% Total` (curl's progress header) do not.
        && rest.get(2).is_some_and(|b| b.is_ascii_lowercase() || matches!(b, b'/' | b'.'))
    {
        at + 2
    } else if rest.starts_with("❯ ".as_bytes()) || rest.starts_with("➜ ".as_bytes()) {
        // zsh/starship prompts.
        at + rest.iter().position(|b| *b == b' ')? + 1
    } else {
        // `user@host:~/dir$ cmd` / `root@abc:/app# cmd` / `alpine:~/nginx# cmd`
        let sp = memchr::memchr(b' ', &rest[..rest.len().min(128)])?;
        let token = &rest[..sp];
        if token.len() < 3
            || !matches!(token.last(), Some(b'$' | b'#'))
            || !token.iter().any(|b| matches!(b, b'@' | b':' | b'~'))
        {
            return None;
        }
        at + sp + 1
    };
    let cmd = skip_spaces(s, cmd);
    // The command must start like one: a letter, a path or `./`; not more prompt noise.
    match s.get(cmd) {
        Some(b) if b.is_ascii_alphabetic() || *b == b'/' || *b == b'.' || *b == b'_' => Some(cmd),
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
    let end = digits(s, 1, 1, 9)?;
    let id = parse_u32(&s[1..end])?;
    match s.get(end) {
        Some(b' ') => Some((id, end + 1)),
        None => Some((id, end)),
        _ => None,
    }
}

/// BuildKit's elapsed-seconds column: `1.234 ` (plain mode after `#N`, and alone in the
/// tty error summary). Returns the content start. Keeps the output's own indentation.
pub fn strip_elapsed(s: &[u8]) -> Option<usize> {
    let i = digits(s, 0, 1, 6)?;
    let i = byte(s, i, b'.')?;
    let i = digits(s, i, 1, 3)?;
    match s.get(i) {
        Some(b' ') => Some(i + 1),
        None => Some(i),
        _ => None,
    }
}

fn parse_u32(s: &[u8]) -> Option<u32> {
    let mut v: u32 = 0;
    for &b in s {
        v = v
            .checked_mul(10)?
            .checked_add(u32::from(b.wrapping_sub(b'0')))?;
    }
    Some(v)
}

fn parse_i32_at(s: &[u8], at: usize) -> Option<i32> {
    let neg = s.get(at) == Some(&b'-');
    let start = at + usize::from(neg);
    let end = digits(s, start, 1, 9)?;
    if s.get(end).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let v = i32::try_from(parse_u32(&s[start..end])?).ok()?;
    Some(if neg { -v } else { v })
}

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

/// A step header: what the builder says it is about to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `[3/7]`, `[builder 3/7]`, `[internal]`, or `Step 3/12`.
    pub label: Option<(usize, usize)>,
    /// `RUN`, `COPY`, `FROM`, ... when the header names a Dockerfile instruction.
    pub instruction: Option<(usize, usize)>,
    /// The rest: the command or the step's description.
    pub command: (usize, usize),
    /// Position `N` of `N/M` when given.
    pub index: Option<u32>,
}

fn is_instruction(word: &[u8]) -> bool {
    const KNOWN: [&[u8]; 18] = [
        b"FROM",
        b"RUN",
        b"CMD",
        b"LABEL",
        b"MAINTAINER",
        b"EXPOSE",
        b"ENV",
        b"ADD",
        b"COPY",
        b"ENTRYPOINT",
        b"VOLUME",
        b"USER",
        b"WORKDIR",
        b"ARG",
        b"ONBUILD",
        b"STOPSIGNAL",
        b"HEALTHCHECK",
        b"SHELL",
    ];
    KNOWN.iter().any(|k| k.eq_ignore_ascii_case(word))
}

fn split_instruction(s: &[u8], at: usize) -> (Option<(usize, usize)>, (usize, usize)) {
    let at = skip_spaces(s, at);
    let word_end = s[at..]
        .iter()
        .position(|b| *b == b' ')
        .map_or(s.len(), |p| at + p);
    if is_instruction(&s[at..word_end]) {
        let cmd = skip_spaces(s, word_end);
        (Some((at, word_end)), (cmd, trim_end(s, cmd, s.len())))
    } else {
        (None, (at, trim_end(s, at, s.len())))
    }
}

fn trim_end(s: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && s[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    end
}

/// `[stage 3/7] RUN cmd`, `[3/7] RUN cmd`, `[internal] load …`.
pub fn bracket_header(s: &[u8], at: usize) -> Option<Header> {
    if s.get(at) != Some(&b'[') {
        return None;
    }
    let close = at + memchr::memchr(b']', &s[at..])?;
    let inside = &s[at + 1..close];
    let index = inside
        .iter()
        .rposition(|b| *b == b' ')
        .map_or(inside, |p| &inside[p + 1..])
        .split(|b| *b == b'/')
        .next()
        .and_then(|n| (!n.is_empty() && n.iter().all(u8::is_ascii_digit)).then_some(n))
        .and_then(parse_u32);
    let (instruction, command) = split_instruction(s, close + 1);
    Some(Header {
        label: Some((at, close + 1)),
        instruction,
        command,
        index,
    })
}

/// Legacy builder: `Step 3/12 : RUN cmd` (or `Step 3 : RUN cmd` from old dockers).
pub fn legacy_step(s: &[u8]) -> Option<Header> {
    let rest = s.strip_prefix(b"Step ")?;
    let at = s.len() - rest.len();
    let n_end = digits(s, at, 1, 6)?;
    let index = parse_u32(&s[at..n_end]);
    let mut i = n_end;
    if s.get(i) == Some(&b'/') {
        i = digits(s, i + 1, 1, 6)?;
    }
    let label_end = i;
    i = skip_spaces(s, i);
    i = byte(s, i, b':')?;
    let (instruction, command) = split_instruction(s, i);
    Some(Header {
        label: Some((0, label_end)),
        instruction,
        command,
        index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str, r: (usize, usize)) -> &str {
        &s[r.0..r.1]
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
    fn prompts() {
        let cmd = |s: &str| prompt_command(s.as_bytes()).map(|i| s[i..].to_string());
        assert_eq!(
            cmd("$ docker build -t x ."),
            Some("docker build -t x .".into())
        );
        assert_eq!(
            cmd("+ pip install -r requirements.txt"),
            Some("pip install -r requirements.txt".into())
        );
        assert_eq!(cmd("# pip install numpy"), Some("pip install numpy".into()));
        assert_eq!(
            cmd("(base) PS C:\\work> conda install -c menpo dlib"),
            Some("conda install -c menpo dlib".into())
        );
        assert_eq!(
            cmd("C:\\Users\\me>docker build ."),
            Some("docker build .".into())
        );
        assert_eq!(cmd("root@4f2a:/app# make"), Some("make".into()));
        assert_eq!(
            cmd("alpine:~/nginx# docker build -t web ."),
            Some("docker build -t web .".into())
        );
        assert_eq!(
            cmd("❯ make -f Makefile.am docker"),
            Some("make -f Makefile.am docker".into())
        );
        assert_eq!(cmd("% conda env create"), Some("conda env create".into()));
        assert_eq!(
            cmd("user@host:~/src$ ./build.sh"),
            Some("./build.sh".into())
        );
        assert_eq!(
            cmd("[command]/usr/bin/docker build ."),
            Some("/usr/bin/docker build .".into())
        );
        assert_eq!(
            cmd("Running command docker build -t app ."),
            Some("docker build -t app .".into())
        );
        assert_eq!(cmd("# 1 is the answer"), None);
        assert_eq!(cmd("# To activate this environment, use"), None);
        assert_eq!(cmd("% Total    % Received % Xferd"), None);
        assert_eq!(cmd("$ "), None);
        assert_eq!(cmd("Collecting numpy"), None);
        assert_eq!(cmd("email me@host.com# now"), None);
        assert_eq!(cmd("(unclosed $ x"), None);
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

    #[test]
    fn headers() {
        let s = "[builder 3/7] RUN pip install x";
        let h = bracket_header(s.as_bytes(), 0).unwrap();
        assert_eq!(at(s, h.label.unwrap()), "[builder 3/7]");
        assert_eq!(at(s, h.instruction.unwrap()), "RUN");
        assert_eq!(at(s, h.command), "pip install x");
        assert_eq!(h.index, Some(3));

        let s = "[internal] load metadata for docker.io/library/python:3.9";
        let h = bracket_header(s.as_bytes(), 0).unwrap();
        assert_eq!(h.instruction, None);
        assert_eq!(
            at(s, h.command),
            "load metadata for docker.io/library/python:3.9"
        );
        assert_eq!(h.index, None);

        let s = "Step 3/12 : RUN apt-get update";
        let h = legacy_step(s.as_bytes()).unwrap();
        assert_eq!(at(s, h.label.unwrap()), "Step 3/12");
        assert_eq!(at(s, h.instruction.unwrap()), "RUN");
        assert_eq!(at(s, h.command), "apt-get update");
        let s = "Step 0 : FROM ubuntu:14.04";
        let h = legacy_step(s.as_bytes()).unwrap();
        assert_eq!(h.index, Some(0));
        assert_eq!(at(s, h.command), "ubuntu:14.04");
        assert!(legacy_step(b"Step one: install").is_none());
    }
}
