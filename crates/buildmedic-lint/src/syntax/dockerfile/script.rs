//! The shell scripts a `RUN` instruction executes, with a way back to file spans.

use std::ops::Range;

use super::ast::{Instruction, JsonForm, Keyword, LogicalLine, Span, parse_json_form};

/// A piece of shell text run by a `RUN` (its shell-form arguments, or a heredoc body that the
/// shell executes).
pub struct Script<'a> {
    pub text: &'a str,
    line: Option<&'a LogicalLine>,
    offset: usize,
}

impl Script<'_> {
    /// File span of a range of the script (may cover joined continuation lines).
    pub fn span(&self, r: Range<usize>) -> Span {
        match self.line {
            Some(line) => line.source_span(self.offset + r.start..self.offset + r.end),
            None => self.offset + r.start..self.offset + r.end,
        }
    }

    /// File span of a range only when it is one contiguous piece of the file.
    pub fn exact_span(&self, r: Range<usize>) -> Option<Span> {
        match self.line {
            Some(line) => line.exact_span(self.offset + r.start..self.offset + r.end),
            None => Some(self.offset + r.start..self.offset + r.end),
        }
    }
}

/// The shell scripts of a `RUN` in shell form (empty for exec form and other instructions).
pub fn run_scripts(ins: &Instruction) -> Vec<Script<'_>> {
    if ins.kind != Some(Keyword::Run)
        || !matches!(
            parse_json_form(&ins.args),
            JsonForm::NotJson | JsonForm::Invalid
        )
    {
        return Vec::new();
    }
    let mut out = vec![Script {
        text: &ins.args,
        line: Some(&ins.line),
        offset: ins.args_start,
    }];
    if ins.heredocs.is_empty() {
        return out;
    }
    // A heredoc body is a script when the RUN line is only heredoc markers (BuildKit runs the
    // body with the shell) or when it is fed to a shell.
    let words: Vec<String> = buildmedic_shell::raw_words(&ins.args)
        .into_iter()
        .map(|r| ins.args[r].to_string())
        .collect();
    let only_markers = words.iter().all(|w| {
        w.trim_start_matches(|c: char| c.is_ascii_digit())
            .starts_with("<<")
    });
    let fed_to_shell = words
        .first()
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .is_some_and(|p| matches!(p, "sh" | "bash" | "dash" | "zsh"));
    if only_markers || fed_to_shell {
        for h in &ins.heredocs {
            out.push(Script {
                text: &h.body,
                line: None,
                offset: h.body_span.start,
            });
        }
    }
    out
}
