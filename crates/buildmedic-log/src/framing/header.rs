//! Step headers: what a builder says it is about to run.

use crate::prefix::{byte, digits, parse_u32, skip_spaces};

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

/// `3/12` or `3` at `at`: the step's number and where the numbers end.
fn step_number(s: &[u8], at: usize) -> Option<(Option<u32>, usize)> {
    let n_end = digits(s, at, 1, 6)?;
    let index = parse_u32(&s[at..n_end]);
    let mut end = n_end;
    if s.get(end) == Some(&b'/') {
        end = digits(s, end + 1, 1, 6)?;
    }
    Some((index, end))
}

/// Legacy builder: `Step 3/12 : RUN cmd` (or `Step 3 : RUN cmd` from old dockers).
pub fn legacy_step(s: &[u8]) -> Option<Header> {
    let rest = s.strip_prefix(b"Step ")?;
    let (index, label_end) = step_number(s, s.len() - rest.len())?;
    let mut i = skip_spaces(s, label_end);
    i = byte(s, i, b':')?;
    let (instruction, command) = split_instruction(s, i);
    Some(Header {
        label: Some((0, label_end)),
        instruction,
        command,
        index,
    })
}

/// `STEP 3/7: RUN x` / `STEP 3: RUN x` (podman build, buildah), also after a stage's
/// `[2/2] ` (kept in the label: `[2/2] STEP 3/7`).
pub fn buildah_step(s: &[u8]) -> Option<Header> {
    let mut at = 0;
    if s.first() == Some(&b'[') {
        let close = memchr::memchr(b']', &s[..s.len().min(16)])?;
        if !s[1..close].iter().all(|b| b.is_ascii_digit() || *b == b'/') {
            return None;
        }
        at = close + 1;
        if s.get(at) != Some(&b' ') {
            return None;
        }
        at += 1;
    }
    let rest = s[at..].strip_prefix(b"STEP ")?;
    let (index, label_end) = step_number(s, s.len() - rest.len())?;
    let i = byte(s, label_end, b':')?;
    let (instruction, command) = split_instruction(s, i);
    instruction?;
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
