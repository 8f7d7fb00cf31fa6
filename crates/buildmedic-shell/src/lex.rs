//! Just enough POSIX shell lexing to reason about `RUN` commands and typed command lines.
//!
//! Splits a script into words and control operators (`&&`, `||`, `;`, `|`, `&`, newlines,
//! parentheses), honouring single and double quotes, backslash escapes, `$(...)` and backticks,
//! and `#` comments. Redirections stay inside words on purpose: `pip<=20.1.1` is one word with
//! an *unquoted* `<` in it, which is exactly what `conda-bare-redirection` looks for, and
//! `2>&1` stays one word instead of being mistaken for a background `&`.
//!
//! This is an approximation for reading commands, not a shell: no expansion, no aliases, no `case` syntax.
//! Offsets are byte offsets into the script and always lie on char boundaries.

use std::ops::Range;

/// A shell word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Byte range of the word as written.
    pub range: Range<usize>,
    /// The word with quotes and escapes removed (no expansion).
    pub value: String,
    /// Offsets (in the script) of `<` and `>` that are neither quoted nor escaped.
    pub unquoted_angles: Vec<usize>,
    /// Whether any part of the word was quoted or escaped.
    pub quoted: bool,
}

/// A word or a control operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Word(Word),
    Operator {
        op: &'static str,
        range: Range<usize>,
    },
}

/// A simple command: the words between two control operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    pub words: Vec<Word>,
    /// The operator before this command (`None` for the first one).
    pub after: Option<&'static str>,
}

/// Shell words with their raw text ranges (quotes kept), split on unquoted whitespace only.
/// This is BuildKit's `ProcessWords` with raw quotes, used to find heredoc markers.
pub fn raw_words(text: &str) -> Vec<Range<usize>> {
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => {
                if let Some(s) = start.take() {
                    words.push(s..i);
                }
                continue;
            }
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (Some('\''), _) => {}
            (_, '\\') => {
                chars.next();
            }
            _ => {}
        }
        start.get_or_insert(i);
    }
    if let Some(s) = start {
        words.push(s..text.len());
    }
    words
}

/// Remove quotes and backslash escapes from one word.
pub fn unquote(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut quote: Option<char> = None;
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => out.push(c),
            (Some(_), '\\') => match chars.next() {
                Some(n @ ('"' | '\\' | '$' | '`')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            (_, c) => out.push(c),
        }
    }
    out
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    tokens: Vec<Token>,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn op(&mut self, op: &'static str) {
        let start = self.pos;
        self.pos += op.len();
        self.tokens.push(Token::Operator {
            op,
            range: start..self.pos,
        });
    }

    /// Skip a balanced `$(...)` or backtick section starting at `self.pos`, appending it to
    /// `value` verbatim.
    fn skip_substitution(&mut self, value: &mut String) {
        let start = self.pos;
        if self.bytes[self.pos] == b'`' {
            self.pos += 1;
            while let Some(b) = self.peek(0) {
                self.pos += 1;
                if b == b'\\' {
                    self.pos = (self.pos + 1).min(self.bytes.len());
                } else if b == b'`' {
                    break;
                }
            }
        } else {
            // `$(`
            self.pos += 2;
            let mut depth = 1;
            let mut quote: Option<u8> = None;
            while let Some(b) = self.peek(0) {
                self.pos += 1;
                match (quote, b) {
                    (None, b'\'' | b'"') => quote = Some(b),
                    (Some(q), b) if b == q => quote = None,
                    (_, b'\\') => self.pos = (self.pos + 1).min(self.bytes.len()),
                    (None, b'(') => depth += 1,
                    (None, b')') => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
        self.pos = floor_boundary(self.text, self.pos);
        value.push_str(&self.text[start..self.pos]);
    }

    fn word(&mut self) {
        let start = self.pos;
        let mut value = String::new();
        let mut angles = Vec::new();
        let mut quoted = false;
        while let Some(b) = self.peek(0) {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' | b';' | b'(' | b')' => break,
                b'&' => {
                    let prev = self.pos.checked_sub(1).map(|p| self.bytes[p]);
                    let glued = matches!(prev, Some(b'>' | b'<')) && self.pos > start
                        || self.peek(1) == Some(b'>');
                    if self.peek(1) == Some(b'&') || !glued {
                        break;
                    }
                    value.push('&');
                    self.pos += 1;
                }
                b'|' => {
                    let prev = self.pos.checked_sub(1).map(|p| self.bytes[p]);
                    if prev == Some(b'>') && self.pos > start {
                        value.push('|');
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                b'<' | b'>' => {
                    angles.push(self.pos);
                    value.push(char::from(b));
                    self.pos += 1;
                }
                b'\\' => {
                    quoted = true;
                    self.pos += 1;
                    if let Some(c) = self.text[self.pos..].chars().next() {
                        if c != '\n' {
                            value.push(c);
                        }
                        self.pos += c.len_utf8();
                    }
                }
                b'\'' => {
                    quoted = true;
                    self.pos += 1;
                    let end = self.text[self.pos..]
                        .find('\'')
                        .map_or(self.text.len(), |i| self.pos + i);
                    value.push_str(&self.text[self.pos..end]);
                    self.pos = (end + 1).min(self.text.len());
                }
                b'"' => {
                    quoted = true;
                    self.pos += 1;
                    while let Some(b) = self.peek(0) {
                        match b {
                            b'"' => {
                                self.pos += 1;
                                break;
                            }
                            b'\\' => {
                                self.pos += 1;
                                if let Some(c) = self.text[self.pos..].chars().next() {
                                    if !matches!(c, '"' | '\\' | '$' | '`' | '\n') {
                                        value.push('\\');
                                    }
                                    if c != '\n' {
                                        value.push(c);
                                    }
                                    self.pos += c.len_utf8();
                                }
                            }
                            b'$' if self.peek(1) == Some(b'(') => {
                                self.skip_substitution(&mut value)
                            }
                            b'`' => self.skip_substitution(&mut value),
                            _ => {
                                let c = self.text[self.pos..].chars().next().unwrap_or(' ');
                                value.push(c);
                                self.pos += c.len_utf8();
                            }
                        }
                    }
                }
                b'$' if self.peek(1) == Some(b'(') => self.skip_substitution(&mut value),
                b'`' => self.skip_substitution(&mut value),
                _ => {
                    let c = self.text[self.pos..].chars().next().unwrap_or(' ');
                    value.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        if self.pos == start {
            // Not a word character after all (a lone `&` handled by the caller); never loop.
            self.pos += 1;
            self.pos = ceil_boundary(self.text, self.pos);
            return;
        }
        self.tokens.push(Token::Word(Word {
            range: start..self.pos,
            value,
            unquoted_angles: angles,
            quoted,
        }));
    }

    fn run(mut self) -> Vec<Token> {
        while let Some(b) = self.peek(0) {
            match b {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\n' => self.op("\n"),
                b'\\' if self.peek(1) == Some(b'\n') => self.pos += 2,
                b'#' => {
                    // A comment runs to the end of the line.
                    let end = self.text[self.pos..]
                        .find('\n')
                        .map_or(self.text.len(), |i| self.pos + i);
                    self.pos = end;
                }
                b'&' if self.peek(1) == Some(b'&') => self.op("&&"),
                b'|' if self.peek(1) == Some(b'|') => self.op("||"),
                b'&' if self.peek(1) != Some(b'>') => self.op("&"),
                b'|' => self.op("|"),
                b';' => self.op(";"),
                b'(' => self.op("("),
                b')' => self.op(")"),
                _ => self.word(),
            }
        }
        self.tokens
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i.min(s.len())
}

/// Split a script into words and operators.
pub fn tokenize(script: &str) -> Vec<Token> {
    Lexer {
        text: script,
        bytes: script.as_bytes(),
        pos: 0,
        tokens: Vec::new(),
    }
    .run()
}

/// Group tokens into simple commands.
pub fn commands(script: &str) -> Vec<SimpleCommand> {
    let mut out = Vec::new();
    let mut current = SimpleCommand {
        words: Vec::new(),
        after: None,
    };
    for token in tokenize(script) {
        match token {
            Token::Word(w) => current.words.push(w),
            Token::Operator { op, .. } => {
                let next = SimpleCommand {
                    words: Vec::new(),
                    after: Some(op),
                };
                let done = std::mem::replace(&mut current, next);
                if !done.words.is_empty() {
                    out.push(done);
                }
            }
        }
    }
    if !current.words.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(cmd: &SimpleCommand) -> Vec<&str> {
        cmd.words.iter().map(|w| w.value.as_str()).collect()
    }

    #[test]
    fn splits_commands_on_operators() {
        let cmds = commands("apt-get update && apt-get install -y curl; echo 'a b' | tee x");
        assert_eq!(cmds.len(), 4);
        assert_eq!(values(&cmds[1]), ["apt-get", "install", "-y", "curl"]);
        assert_eq!(values(&cmds[2]), ["echo", "a b"]);
        assert_eq!(cmds[3].after, Some("|"));
    }

    #[test]
    fn angles_are_recorded_only_when_unquoted() {
        let script = r#"pip install pip<=20.1.1 "numpy>1" 'a<b' c\>d 2>&1 >/dev/null"#;
        let cmds = commands(script);
        assert_eq!(cmds.len(), 1, "{cmds:?}");
        let words = &cmds[0].words;
        assert_eq!(words[2].value, "pip<=20.1.1");
        assert_eq!(words[2].unquoted_angles, vec![script.find('<').unwrap()]);
        assert!(words[3].unquoted_angles.is_empty());
        assert!(words[4].unquoted_angles.is_empty());
        assert!(words[5].unquoted_angles.is_empty());
        assert_eq!(words[6].value, "2>&1");
        assert_eq!(words[7].value, ">/dev/null");
    }

    #[test]
    fn comments_and_substitutions() {
        let cmds = commands("echo $(date +%s) `id -u` # trailing && rm -rf /\nls");
        assert_eq!(values(&cmds[0]), ["echo", "$(date +%s)", "`id -u`"]);
        assert_eq!(values(&cmds[1]), ["ls"]);
    }

    #[test]
    fn raw_words_and_unquote() {
        let text = r#"RUN <<"EOF" cat 'a b'"#;
        let words: Vec<&str> = raw_words(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(words, ["RUN", "<<\"EOF\"", "cat", "'a b'"]);
        assert_eq!(unquote(r#""EOF""#), "EOF");
        assert_eq!(unquote(r"a\ b"), "a b");
    }

    #[test]
    fn never_panics() {
        for s in [
            "\\", "'", "\"", "$(", "`", "&", "é\\", "\"\\", "$(\"", "a>|b", "&>x", ">&",
        ] {
            let _ = commands(s);
            let _ = raw_words(s);
            let _ = unquote(s);
        }
    }
}
