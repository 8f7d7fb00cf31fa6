//! The Dockerfile syntax tree: instructions with their flags, arguments, heredocs and byte
//! spans, comments and parser directives. [`super::lexer::parse`] builds it.

use std::ops::Range;

pub use crate::syntax::Span;

/// The Dockerfile instructions (Dockerfile reference; catalog 3.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
}

impl Keyword {
    /// Every instruction with its canonical (uppercase) spelling.
    pub const ALL: [(Keyword, &'static str); 18] = [
        (Keyword::Add, "ADD"),
        (Keyword::Arg, "ARG"),
        (Keyword::Cmd, "CMD"),
        (Keyword::Copy, "COPY"),
        (Keyword::Entrypoint, "ENTRYPOINT"),
        (Keyword::Env, "ENV"),
        (Keyword::Expose, "EXPOSE"),
        (Keyword::From, "FROM"),
        (Keyword::Healthcheck, "HEALTHCHECK"),
        (Keyword::Label, "LABEL"),
        (Keyword::Maintainer, "MAINTAINER"),
        (Keyword::Onbuild, "ONBUILD"),
        (Keyword::Run, "RUN"),
        (Keyword::Shell, "SHELL"),
        (Keyword::Stopsignal, "STOPSIGNAL"),
        (Keyword::User, "USER"),
        (Keyword::Volume, "VOLUME"),
        (Keyword::Workdir, "WORKDIR"),
    ];

    /// Case-insensitive lookup.
    pub fn parse(word: &str) -> Option<Keyword> {
        Keyword::ALL
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(word))
            .map(|(k, _)| *k)
    }

    /// The canonical spelling.
    pub fn name(self) -> &'static str {
        Keyword::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("", |(_, n)| n)
    }

    /// Instructions whose shell form may open heredocs.
    pub fn allows_heredoc(self) -> bool {
        matches!(self, Keyword::Run | Keyword::Copy | Keyword::Add)
    }
}

/// One piece of a logical line taken from one physical line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    logical: usize,
    source: usize,
    len: usize,
}

/// An instruction's text after joining continuation lines, with a map back to the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogicalLine {
    pub text: String,
    segments: Vec<Segment>,
}

impl LogicalLine {
    pub(super) fn push(&mut self, source: usize, piece: &str) {
        if !piece.is_empty() {
            self.segments.push(Segment {
                logical: self.text.len(),
                source,
                len: piece.len(),
            });
            self.text.push_str(piece);
        }
    }

    /// File offset of logical offset `at` (the end of the text maps after its last byte).
    pub fn source_offset(&self, at: usize) -> usize {
        // Segments are sorted by `logical`; binary search keeps long continued lines linear.
        let i = self.segments.partition_point(|s| s.logical + s.len <= at);
        match self.segments.get(i) {
            Some(seg) => seg.source + at.saturating_sub(seg.logical),
            None => self.segments.last().map_or(0, |s| s.source + s.len),
        }
    }

    /// File span covering logical range `range` (may include skipped lines in between).
    pub fn source_span(&self, range: Range<usize>) -> Span {
        let start = self.source_offset(range.start);
        if range.end <= range.start {
            return start..start;
        }
        let end = self.source_offset(range.end - 1) + 1;
        start..end.max(start)
    }

    /// File span of `range` only when it lies on one physical line (safe to replace).
    pub fn exact_span(&self, range: Range<usize>) -> Option<Span> {
        let i = self
            .segments
            .partition_point(|s| s.logical + s.len <= range.start);
        let seg = self
            .segments
            .get(i)
            .filter(|s| range.start >= s.logical && range.end <= s.logical + s.len)?;
        let start = seg.source + (range.start - seg.logical);
        Some(start..start + range.len())
    }
}

/// `--name[=value]` before an instruction's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
    pub span: Span,
}

/// A here-document opened by `<<WORD` on a `RUN`, `COPY` or `ADD` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The terminator word, quotes removed.
    pub name: String,
    /// `<<-`: leading tabs are stripped from body lines and the terminator.
    pub chomp: bool,
    /// False when the word was quoted: the body is not variable-expanded.
    pub expand: bool,
    /// `2<<EOF` redirects file descriptor 2.
    pub fd: Option<u32>,
    /// Body text including line terminators, excluding the terminator line.
    pub body: String,
    /// Where the body is in the file.
    pub body_span: Span,
    /// False when the file ended before the terminator.
    pub terminated: bool,
}

/// A whole-line comment (`#` first on its line, after optional whitespace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Text after `#`, trimmed.
    pub text: String,
    /// From `#` to the end of the line (terminator excluded).
    pub span: Span,
    /// 0-based physical line.
    pub line: usize,
    /// Whether this comment sits inside a continued instruction.
    pub inside_instruction: bool,
}

/// `# name=value` at the top of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Lowercase name: `syntax`, `escape` or `check`.
    pub name: String,
    pub value: String,
    pub span: Span,
}

/// Something BuildKit would reject or warn about while reading lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueKind {
    /// The file ended before the heredoc's terminator.
    UnterminatedHeredoc { name: String },
    /// An empty line inside a continued instruction (BuildKit: "Empty continuation line").
    EmptyContinuationLine,
    /// The last line ends with the escape character.
    ContinuationAtEof,
    /// `# escape=` with something other than `\` or `` ` ``.
    InvalidEscape { value: String },
    /// The same directive twice.
    DuplicateDirective { name: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseIssue {
    pub kind: IssueKind,
    pub span: Span,
}

/// One instruction (a logical line, plus its heredoc bodies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The instruction word as written.
    pub keyword: String,
    /// `None` when the word is not an instruction.
    pub kind: Option<Keyword>,
    pub keyword_span: Span,
    /// The joined text, from the keyword to the end of the last continued line.
    pub line: LogicalLine,
    pub flags: Vec<Flag>,
    /// Arguments after keyword and flags, trimmed.
    pub args: String,
    /// Offset of `args` in `line.text`.
    pub args_start: usize,
    pub heredocs: Vec<Heredoc>,
    /// Keyword start to the end of the instruction's last line (heredoc terminators included).
    pub span: Span,
    /// 0-based physical lines the instruction occupies (inclusive).
    pub first_line: usize,
    pub last_line: usize,
}

impl Instruction {
    /// The arguments as an exec-form (JSON) array, when they are one.
    pub fn json_args(&self) -> Option<Vec<String>> {
        match parse_json_form(&self.args) {
            JsonForm::Strings(v) => Some(v),
            _ => None,
        }
    }

    /// File span of a range of `args`.
    pub fn args_span(&self, range: Range<usize>) -> Span {
        self.line
            .source_span(self.args_start + range.start..self.args_start + range.end)
    }

    /// File span of all arguments (the keyword's span when there are none).
    pub fn all_args_span(&self) -> Span {
        if self.args.is_empty() {
            return self.keyword_span.clone();
        }
        self.args_span(0..self.args.len())
    }

    /// The instruction under `ONBUILD`, parsed like a line of its own.
    pub fn onbuild_inner(&self) -> Option<(String, Option<Keyword>, Span)> {
        if self.kind != Some(Keyword::Onbuild) {
            return None;
        }
        let word_len = self
            .args
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(self.args.len());
        if word_len == 0 {
            return None;
        }
        let word = &self.args[..word_len];
        Some((
            word.to_string(),
            Keyword::parse(word),
            self.args_span(0..word_len),
        ))
    }

    /// The `--name` flag's value (`Some("")` for a bare flag).
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
            .map(|f| f.value.as_deref().unwrap_or(""))
    }
}

/// How the arguments read as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonForm {
    /// Not starting with `[`: shell form.
    NotJson,
    /// A JSON array of strings: exec form.
    Strings(Vec<String>),
    /// Starts with `[` but is not valid JSON: BuildKit silently falls back to shell form.
    Invalid,
    /// Valid JSON array with non-string items: BuildKit rejects the file.
    NotStrings,
}

/// BuildKit's `parseJSON`/`parseMaybeJSON` decision.
pub fn parse_json_form(args: &str) -> JsonForm {
    if !args.starts_with('[') {
        return JsonForm::NotJson;
    }
    match serde_json::from_str::<Vec<serde_json::Value>>(args) {
        Err(_) => JsonForm::Invalid,
        Ok(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    serde_json::Value::String(s) => out.push(s),
                    _ => return JsonForm::NotStrings,
                }
            }
            JsonForm::Strings(out)
        }
    }
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// `\` unless `# escape=` says otherwise.
    pub escape: char,
    pub has_bom: bool,
    pub directives: Vec<Directive>,
    pub comments: Vec<Comment>,
    pub instructions: Vec<Instruction>,
    pub issues: Vec<ParseIssue>,
}
