//! Dockerfiles: a BuildKit-faithful lexer with byte spans, the shell scripts `RUN` executes,
//! and build stages.
//!
//! Owns: reading Dockerfile syntax ([`ast`], [`lexer`]), the scripts of `RUN` lines with a way
//! back to file spans ([`script`]), build stages and `ARG` substitution ([`stages`]), and the
//! sources of `COPY`/`ADD` ([`copy_sources`]). Shell commands inside `RUN` are read by
//! `buildmedic-shell`. Must not: know any check, read other files or print.
//!
//! Comments are exposed as [`Dockerfile::comments`] with spans, so suppression comments
//! (`# buildmedic: ignore[...]`) are visible to the framework; a suppression placed before a
//! continued instruction covers all of its lines ([`instruction_line_ranges`]).

pub mod ast;
pub mod lexer;
pub mod script;
pub mod stages;

pub use ast::{
    Comment, Directive, Dockerfile, Flag, Heredoc, Instruction, IssueKind, JsonForm, Keyword,
    LogicalLine, ParseIssue, Span, parse_json_form,
};
pub use lexer::parse;

/// The 0-based (first, last) physical lines of every instruction, for line-based suppression.
pub fn instruction_line_ranges(text: &str) -> Vec<(usize, usize)> {
    parse(text)
        .instructions
        .iter()
        .map(|i| (i.first_line, i.last_line))
        .collect()
}

/// Whether the text is too damaged to parse (e.g. UTF-16 decoded as UTF-8): more than one
/// character in ten is a replacement character.
pub fn unreadable(text: &str) -> bool {
    let bad = text.chars().filter(|&c| c == '\u{FFFD}').count();
    bad > 0 && bad * 10 > text.chars().count()
}

/// A source of a `COPY`/`ADD` (every argument but the destination).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySource {
    /// The path as Docker reads it (quotes removed; with `# escape=`` ` `` backslashes are
    /// path separators).
    pub value: String,
    /// Where it is written (the whole argument list for the exec form).
    pub span: Span,
}

/// The sources of a `COPY`/`ADD` instruction, and the span of a trailing `# ...` that Docker
/// would read as more sources (shell form only). Empty for other instructions.
pub fn copy_sources(ins: &Instruction, escape: char) -> (Vec<CopySource>, Option<Span>) {
    if !matches!(ins.kind, Some(Keyword::Copy | Keyword::Add)) {
        return (Vec::new(), None);
    }
    if let JsonForm::Strings(items) = parse_json_form(&ins.args) {
        let span = ins.all_args_span();
        let mut all: Vec<CopySource> = items
            .into_iter()
            .map(|value| CopySource {
                value,
                span: span.clone(),
            })
            .collect();
        all.pop();
        return (all, None);
    }
    let words = buildmedic_shell::raw_words(&ins.args);
    let comment_at = words
        .iter()
        .position(|w| ins.args[w.clone()].starts_with('#'));
    let comment_span = comment_at.map(|i| ins.args_span(words[i].start..ins.args.len()));
    let usable = &words[..comment_at.unwrap_or(words.len())];
    let mut all: Vec<CopySource> = usable
        .iter()
        .map(|w| CopySource {
            value: if escape == '\\' {
                buildmedic_shell::unquote(&ins.args[w.clone()])
            } else {
                // With `# escape=`` ` `` a backslash is a path separator (Windows), not an escape.
                ins.args[w.clone()]
                    .replace(['"', '\''], "")
                    .replace('\\', "/")
            },
            span: ins.args_span(w.clone()),
        })
        .collect();
    all.pop();
    (all, comment_span)
}

/// The `from=` of each `RUN --mount=...` flag, with the span of the value when it is written
/// verbatim (else of the whole flag).
pub fn mount_froms(ins: &Instruction) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    for flag in ins
        .flags
        .iter()
        .filter(|f| f.name.eq_ignore_ascii_case("mount"))
    {
        let Some(value) = &flag.value else { continue };
        let mut offset = 0;
        for field in value.split(',') {
            let here = offset;
            offset += field.len() + 1;
            let Some(from) = field
                .strip_prefix("from=")
                .or_else(|| field.strip_prefix("source-image="))
            else {
                continue;
            };
            if from.is_empty() {
                continue;
            }
            // `--mount=` + value is written verbatim when the flag's text says so.
            let written = flag.span.len() == "--mount=".len() + value.len();
            let span = if written {
                let start = flag.span.start + "--mount=".len() + here + (field.len() - from.len());
                start..start + from.len()
            } else {
                flag.span.clone()
            };
            out.push((from.to_string(), span));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_sources_in_both_forms() {
        let text =
            "COPY a.txt \"b c.txt\" /dst/\nCOPY [\"x\", \"y\", \"/d\"]\nADD s d # note\nRUN x\n";
        let df = parse(text);
        let (s, c) = copy_sources(&df.instructions[0], '\\');
        let values: Vec<&str> = s.iter().map(|s| s.value.as_str()).collect();
        assert_eq!(values, ["a.txt", "b c.txt"]);
        assert_eq!(&text[s[1].span.clone()], "\"b c.txt\"");
        assert!(c.is_none());
        let (s, _) = copy_sources(&df.instructions[1], '\\');
        assert_eq!(s.len(), 2);
        let (s, c) = copy_sources(&df.instructions[2], '\\');
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(&text[c.unwrap_or(0..0)], "# note");
        assert!(copy_sources(&df.instructions[3], '\\').0.is_empty());
    }

    #[test]
    fn mount_from_values() {
        let text = "RUN --mount=type=bind,from=builder:1.0,source=/x,target=/y --mount=type=cache,target=/c make\n";
        let df = parse(text);
        let froms = mount_froms(&df.instructions[0]);
        assert_eq!(froms.len(), 1);
        assert_eq!(froms[0].0, "builder:1.0");
        assert_eq!(&text[froms[0].1.clone()], "builder:1.0");
    }
}
