//! A Dockerfile lexer that follows BuildKit's parser (`frontend/dockerfile/parser`) line for
//! line, and keeps byte spans of everything it reads.
//!
//! The rules, in BuildKit's order:
//! - A UTF-8 byte-order mark before the first line is skipped.
//! - Parser directives (`# syntax=`, `# escape=`, `# check=`) are recognised only until the
//!   first line that is not a directive: an empty line, a plain comment or an instruction ends
//!   the directive block. `escape` may be `\` or `` ` `` and changes the continuation character.
//! - A logical line is a physical line plus the following ones while a line ends with the
//!   escape character (trailing spaces and tabs allowed). Inside a continuation, whole-line
//!   comments and empty lines are skipped (empty ones draw BuildKit's "empty continuation line"
//!   warning). A continuation may run into the end of the file.
//! - The first word of a logical line is the instruction, matched case-insensitively; unknown
//!   words are kept (BuildKit reports them only later, as "unknown instruction").
//! - Leading `--name[=value]` words are flags.
//! - `RUN`, `COPY` and `ADD` in shell form (and under `ONBUILD`) may carry heredocs: every
//!   shell word of the form `[n]<<[-]WORD` opens one, in order, and the body runs until a line
//!   equal to `WORD` (tabs stripped for `<<-`).
//!
//! The lexer never fails: problems BuildKit would reject or warn about become
//! [`ParseIssue`]s, and every offset it hands out lies on a char boundary of the input.

use std::ops::Range;

use super::ast::{
    Comment, Directive, Dockerfile, Flag, Heredoc, Instruction, IssueKind, Keyword, LogicalLine,
    ParseIssue, Span,
};

struct PhysicalLine {
    /// Start of the line (after a BOM on the first line).
    start: usize,
    /// End of the content (terminator excluded).
    end: usize,
    /// Start of the next line.
    next: usize,
}

fn physical_lines(text: &str) -> Vec<PhysicalLine> {
    let mut lines = Vec::new();
    let mut start = if text.starts_with('\u{FEFF}') { 3 } else { 0 };
    let bytes = text.as_bytes();
    while start < text.len() {
        let nl = memchr_nl(&bytes[start..]).map(|i| start + i);
        let next = nl.map_or(text.len(), |i| i + 1);
        let mut end = nl.unwrap_or(text.len());
        // trimNewline: strip trailing "\r" and "\n".
        while end > start && matches!(bytes[end - 1], b'\r' | b'\n') {
            end -= 1;
        }
        lines.push(PhysicalLine { start, end, next });
        start = next;
    }
    lines
}

fn memchr_nl(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

/// Go's `unicode.IsSpace` for the characters a Dockerfile can hold.
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

fn trim_left(s: &str) -> (&str, usize) {
    let trimmed = s.trim_start_matches(is_space);
    (trimmed, s.len() - trimmed.len())
}

fn is_comment(s: &str) -> bool {
    trim_left(s).0.starts_with('#')
}

/// `escape[ \t]*$`: returns the text without the continuation character, if there is one.
fn strip_continuation(s: &str, escape: char) -> Option<&str> {
    let trimmed = s.trim_end_matches([' ', '\t']);
    trimmed.strip_suffix(escape)
}

/// BuildKit's directive parser state.
struct DirectiveParser {
    done: bool,
}

impl DirectiveParser {
    /// `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`
    fn parse_line(&mut self, line: &str, line_start: usize) -> Option<(String, String, Span)> {
        if self.done {
            return None;
        }
        let parsed = (|| {
            let rest = line.strip_prefix('#')?;
            let rest = rest.trim_start();
            let name_len = rest
                .char_indices()
                .find(|&(i, c)| !(c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
                .map_or(rest.len(), |(i, _)| i);
            if name_len == 0 {
                return None;
            }
            let name = &rest[..name_len];
            let after = rest[name_len..].trim_start().strip_prefix('=')?;
            let value = after.trim();
            if value.is_empty() {
                return None;
            }
            Some((name.to_ascii_lowercase(), value.to_string()))
        })();
        match parsed {
            Some((name, value)) if matches!(name.as_str(), "syntax" | "escape" | "check") => {
                Some((name, value, line_start..line_start + line.len()))
            }
            _ => {
                self.done = true;
                None
            }
        }
    }
}

/// Parse a Dockerfile. Never fails and never panics.
pub fn parse(text: &str) -> Dockerfile {
    let lines = physical_lines(text);
    let mut out = Dockerfile {
        escape: '\\',
        has_bom: text.starts_with('\u{FEFF}'),
        directives: Vec::new(),
        comments: Vec::new(),
        instructions: Vec::new(),
        issues: Vec::new(),
    };
    let mut directives = DirectiveParser { done: false };
    let mut i = 0;
    while i < lines.len() {
        let pl = &lines[i];
        let raw = &text[pl.start..pl.end];
        let (content, indent) = trim_left(raw);
        let content_start = pl.start + indent;
        let first_line = i;
        i += 1;

        if let Some((name, value, span)) = directives.parse_line(content, content_start) {
            if out.directives.iter().any(|d| d.name == name) {
                out.issues.push(ParseIssue {
                    kind: IssueKind::DuplicateDirective { name: name.clone() },
                    span: span.clone(),
                });
            } else if name == "escape" {
                match value.as_str() {
                    "\\" => out.escape = '\\',
                    "`" => out.escape = '`',
                    _ => out.issues.push(ParseIssue {
                        kind: IssueKind::InvalidEscape {
                            value: value.clone(),
                        },
                        span: span.clone(),
                    }),
                }
            }
            out.directives.push(Directive { name, value, span });
            continue;
        }
        if content.starts_with('#') {
            out.comments
                .push(comment(content, content_start, first_line, false));
            continue;
        }
        let (first_piece, mut continued) = match strip_continuation(content, out.escape) {
            Some(stripped) => (stripped, true),
            None => (content, false),
        };
        if !continued && first_piece.is_empty() {
            continue;
        }
        let mut line = LogicalLine::default();
        line.push(content_start, first_piece);
        let mut last_line = first_line;
        while continued && i < lines.len() {
            let pl = &lines[i];
            let raw = &text[pl.start..pl.end];
            i += 1;
            last_line = i - 1;
            if is_comment(raw) {
                let (c, indent) = trim_left(raw);
                out.comments
                    .push(comment(c, pl.start + indent, i - 1, true));
                continue;
            }
            if trim_left(raw).0.is_empty() {
                out.issues.push(ParseIssue {
                    kind: IssueKind::EmptyContinuationLine,
                    span: pl.start..pl.end,
                });
                continue;
            }
            match strip_continuation(raw, out.escape) {
                Some(stripped) => line.push(pl.start, stripped),
                None => {
                    line.push(pl.start, raw);
                    continued = false;
                }
            }
        }
        if continued {
            let end = lines[last_line].end;
            out.issues.push(ParseIssue {
                kind: IssueKind::ContinuationAtEof,
                span: end.saturating_sub(1).max(lines[last_line].start)..end,
            });
        }
        let mut instruction = split_instruction(line, first_line, last_line, lines[last_line].end);
        let heredoc_kind = match instruction.kind {
            Some(Keyword::Onbuild) => instruction.onbuild_inner().and_then(|(_, k, _)| k),
            k => k,
        };
        if heredoc_kind.is_some_and(Keyword::allows_heredoc)
            && instruction.line.text.contains("<<")
            && instruction.json_args().is_none()
        {
            for marker in heredoc_markers(&instruction.line.text) {
                let body_start = lines.get(i).map_or(text.len(), |l| l.start);
                let mut body_end = body_start;
                let mut terminated = false;
                while i < lines.len() {
                    let pl = &lines[i];
                    i += 1;
                    let mut candidate = &text[pl.start..pl.end];
                    if marker.chomp {
                        candidate = candidate.trim_start_matches('\t');
                    }
                    if candidate == marker.name {
                        terminated = true;
                        instruction.last_line = i - 1;
                        instruction.span.end = pl.end;
                        break;
                    }
                    body_end = pl.next;
                    instruction.last_line = i - 1;
                    instruction.span.end = pl.end;
                }
                if !terminated {
                    out.issues.push(ParseIssue {
                        kind: IssueKind::UnterminatedHeredoc {
                            name: marker.name.clone(),
                        },
                        span: marker_span(&instruction, &marker),
                    });
                }
                instruction.heredocs.push(Heredoc {
                    name: marker.name,
                    chomp: marker.chomp,
                    expand: marker.expand,
                    fd: marker.fd,
                    body: text[body_start..body_end].to_string(),
                    body_span: body_start..body_end,
                    terminated,
                });
            }
        }
        out.instructions.push(instruction);
    }
    out
}

fn comment(content: &str, start: usize, line: usize, inside_instruction: bool) -> Comment {
    Comment {
        text: content[1..].trim().to_string(),
        span: start..start + content.len(),
        line,
        inside_instruction,
    }
}

fn marker_span(instruction: &Instruction, marker: &HeredocMarker) -> Span {
    instruction.line.source_span(marker.range.clone())
}

/// Split a logical line into keyword, flags and arguments (BuildKit's `splitCommand` and
/// `extractBuilderFlags`).
fn split_instruction(
    line: LogicalLine,
    first_line: usize,
    last_line: usize,
    end: usize,
) -> Instruction {
    let text = &line.text;
    let lead = text.len() - text.trim_start_matches(is_space).len();
    let keyword_end = text[lead..]
        .find(['\t', '\u{0B}', '\u{0C}', '\r', ' '])
        .map_or(text.len(), |i| lead + i);
    let keyword = text[lead..keyword_end].to_string();
    let (flags, args_start) = extract_flags(text, keyword_end);
    let args_start = text.len() - text[args_start..].trim_start_matches(is_space).len();
    let args_end = text.trim_end_matches(is_space).len().max(args_start);
    let flags = flags
        .into_iter()
        .map(|(name, value, range)| Flag {
            name,
            value,
            span: line.source_span(range),
        })
        .collect();
    let keyword_span = line.source_span(lead..keyword_end);
    let start = keyword_span.start;
    Instruction {
        kind: Keyword::parse(&keyword),
        keyword,
        keyword_span,
        flags,
        args: text[args_start..args_end].to_string(),
        args_start,
        heredocs: Vec::new(),
        span: start..end.max(start),
        first_line,
        last_line,
        line,
    }
}

type RawFlag = (String, Option<String>, Range<usize>);

/// Leading `--flag[=value]` words; returns them and where the arguments start.
fn extract_flags(text: &str, from: usize) -> (Vec<RawFlag>, usize) {
    let mut flags = Vec::new();
    let mut pos = from;
    loop {
        let word_start = pos + text[pos..].len() - text[pos..].trim_start_matches(is_space).len();
        if !text[word_start..].starts_with("--") {
            return (flags, word_start);
        }
        // A flag word runs to the next unquoted whitespace.
        let mut end = word_start;
        let mut quote: Option<char> = None;
        let mut value = String::new();
        let mut chars = text[word_start..].char_indices().peekable();
        while let Some((off, c)) = chars.next() {
            end = word_start + off + c.len_utf8();
            match (quote, c) {
                (None, c) if is_space(c) => {
                    end = word_start + off;
                    break;
                }
                (None, '\'' | '"') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (_, '\\') => {
                    if let Some((off2, next)) = chars.next() {
                        end = word_start + off2 + next.len_utf8();
                        value.push(next);
                    }
                }
                (_, c) => value.push(c),
            }
        }
        if value == "--" {
            return (flags, end);
        }
        let body = value.strip_prefix("--").unwrap_or(&value);
        let (name, val) = match body.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (body.to_string(), None),
        };
        flags.push((name, val, word_start..end));
        pos = end;
    }
}

#[derive(Debug)]
struct HeredocMarker {
    name: String,
    chomp: bool,
    expand: bool,
    fd: Option<u32>,
    /// Range of the `<<WORD` word in the logical line.
    range: Range<usize>,
}

/// BuildKit's `heredocsFromLine`: every shell word matching `^(\d*)<<(-?)([^<]*)$`.
fn heredoc_markers(line: &str) -> Vec<HeredocMarker> {
    let mut out = Vec::new();
    for word in buildmedic_shell::raw_words(line) {
        let raw = &line[word.clone()];
        let digits = raw.bytes().take_while(u8::is_ascii_digit).count();
        let Some(rest) = raw[digits..].strip_prefix("<<") else {
            continue;
        };
        let (chomp, rest) = match rest.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        if rest.is_empty() || rest.contains('<') {
            continue;
        }
        let unquoted = buildmedic_shell::unquote(rest);
        if unquoted.is_empty() || unquoted.chars().any(char::is_whitespace) {
            continue;
        }
        let quoted = rest.contains(['\'', '"']);
        out.push(HeredocMarker {
            name: unquoted,
            chomp,
            expand: !quoted,
            fd: raw[..digits].parse().ok(),
            range: word,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::dockerfile::ast::{JsonForm, parse_json_form};

    fn kinds(df: &Dockerfile) -> Vec<String> {
        df.instructions.iter().map(|i| i.keyword.clone()).collect()
    }

    #[test]
    fn instructions_flags_and_args_with_spans() {
        let text = "FROM python:3.11 AS base\ncopy --from=base --chown=1:1 a b\n";
        let df = parse(text);
        assert_eq!(kinds(&df), ["FROM", "copy"]);
        let copy = &df.instructions[1];
        assert_eq!(copy.kind, Some(Keyword::Copy));
        assert_eq!(copy.flag("from"), Some("base"));
        assert_eq!(copy.flag("chown"), Some("1:1"));
        assert_eq!(copy.args, "a b");
        assert_eq!(&text[copy.all_args_span()], "a b");
        assert_eq!(&text[copy.flags[0].span.clone()], "--from=base");
        assert_eq!(&text[copy.keyword_span.clone()], "copy");
    }

    #[test]
    fn continuations_skip_comments_and_empty_lines() {
        let text = "RUN apt-get update && \\\n  # a comment\n\n  apt-get install -y curl\nCMD x\n";
        let df = parse(text);
        assert_eq!(kinds(&df), ["RUN", "CMD"]);
        let run = &df.instructions[0];
        assert_eq!(run.args, "apt-get update &&   apt-get install -y curl");
        assert_eq!((run.first_line, run.last_line), (0, 3));
        let pos = run.args.find("curl").unwrap();
        assert_eq!(&text[run.args_span(pos..pos + 4)], "curl");
        assert_eq!(df.comments.len(), 1);
        assert!(df.comments[0].inside_instruction);
        assert_eq!(df.issues[0].kind, IssueKind::EmptyContinuationLine);
    }

    #[test]
    fn escape_directive_switches_to_backtick() {
        let text = "# escape=`\nFROM windows\nRUN dir c:\\ `\n  && echo hi\n";
        let df = parse(text);
        assert_eq!(df.escape, '`');
        assert_eq!(df.directives[0].name, "escape");
        assert_eq!(df.instructions[1].args, "dir c:\\   && echo hi");
    }

    #[test]
    fn directives_only_at_the_top() {
        let df = parse("# syntax=docker/dockerfile:1\n# CHECK=skip=all\n\n# escape=`\nFROM a\n");
        let names: Vec<_> = df.directives.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["syntax", "check"]);
        assert_eq!(df.escape, '\\');
        assert_eq!(df.comments.len(), 1);
        let df = parse("FROM a\n# escape=`\n");
        assert!(df.directives.is_empty());
    }

    #[test]
    fn bad_and_duplicate_directives_are_issues() {
        let df = parse("# escape=x\n# escape=`\nFROM a\n");
        assert!(matches!(df.issues[0].kind, IssueKind::InvalidEscape { .. }));
        assert!(matches!(
            df.issues[1].kind,
            IssueKind::DuplicateDirective { .. }
        ));
    }

    #[test]
    fn heredocs_several_per_line_quoted_and_chomped() {
        let text = "FROM a\nRUN <<EOF1 <<-\"EOF2\" bash\necho 1\nEOF1\n\techo $2\n\tEOF2\nCMD x\n";
        let df = parse(text);
        assert_eq!(kinds(&df), ["FROM", "RUN", "CMD"]);
        let run = &df.instructions[1];
        assert_eq!(run.heredocs.len(), 2);
        assert_eq!(run.heredocs[0].name, "EOF1");
        assert_eq!(run.heredocs[0].body, "echo 1\n");
        assert!(run.heredocs[0].expand);
        assert_eq!(run.heredocs[1].name, "EOF2");
        assert!(run.heredocs[1].chomp && !run.heredocs[1].expand);
        assert_eq!(&text[run.heredocs[1].body_span.clone()], "\techo $2\n");
        assert_eq!(run.last_line, 5);
    }

    #[test]
    fn heredoc_needs_its_own_word_and_shell_form() {
        let df = parse("RUN cat<<EOF\nEOF\n");
        assert_eq!(kinds(&df), ["RUN", "EOF"]);
        let df = parse("RUN [\"sh\", \"<<EOF\"]\nEOF\n");
        assert_eq!(kinds(&df), ["RUN", "EOF"]);
        let df = parse("COPY <<EOF /app/x\nhello\nEOF\n");
        assert_eq!(df.instructions[0].heredocs[0].body, "hello\n");
    }

    #[test]
    fn unterminated_heredoc_and_trailing_continuation() {
        let df = parse("RUN <<EOF\necho\n");
        assert!(matches!(
            df.issues[0].kind,
            IssueKind::UnterminatedHeredoc { .. }
        ));
        assert!(!df.instructions[0].heredocs[0].terminated);
        let df = parse("RUN echo \\");
        assert_eq!(df.issues[0].kind, IssueKind::ContinuationAtEof);
        assert_eq!(df.instructions[0].args, "echo");
    }

    #[test]
    fn bom_crlf_and_lowercase() {
        let text = "\u{FEFF}from alpine\r\nrun echo hi\r\n";
        let df = parse(text);
        assert!(df.has_bom);
        assert_eq!(kinds(&df), ["from", "run"]);
        assert_eq!(df.instructions[0].kind, Some(Keyword::From));
        assert_eq!(&text[df.instructions[0].keyword_span.clone()], "from");
        assert_eq!(df.instructions[1].args, "echo hi");
    }

    #[test]
    fn json_forms() {
        assert_eq!(
            parse_json_form(r#"["a", "b"]"#),
            JsonForm::Strings(vec!["a".into(), "b".into()])
        );
        assert_eq!(parse_json_form("['a']"), JsonForm::Invalid);
        assert_eq!(parse_json_form("[1]"), JsonForm::NotStrings);
        assert_eq!(parse_json_form("echo"), JsonForm::NotJson);
    }

    #[test]
    fn onbuild_inner_instruction() {
        let df = parse("ONBUILD RUN <<EOF\nx\nEOF\n");
        let i = &df.instructions[0];
        assert_eq!(
            i.onbuild_inner().map(|(_, k, _)| k),
            Some(Some(Keyword::Run))
        );
        assert_eq!(i.heredocs.len(), 1);
    }

    #[test]
    fn flags_with_quotes_and_double_dash() {
        let df = parse("RUN --mount=type=cache,target=\"/root/.cache\" -- pip install x\n");
        let i = &df.instructions[0];
        assert_eq!(i.flags[0].name, "mount");
        assert_eq!(
            i.flags[0].value.as_deref(),
            Some("type=cache,target=/root/.cache")
        );
        assert_eq!(i.args, "pip install x");
    }
}
