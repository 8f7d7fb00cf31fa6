//! Source files: text plus a line index for byte → line/column conversion.

use std::path::{Path, PathBuf};

use crate::syntax::Span;

/// What kind of definition a file is; decides which checks run on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// Azure ML v2 environment YAML (`$schema`, `image`, `build`, `conda_file`, ...).
    AzureMlYaml,
    /// Azure ML v1 environment JSON (`python`, `docker`, `environmentVariables`, ...).
    AzureMlJson,
    /// conda environment file (`name`, `channels`, `dependencies`).
    Conda,
    /// pip requirements file.
    Requirements,
    /// Dockerfile.
    Dockerfile,
    /// Not a file on disk: an inline Dockerfile string, an `--image` argument.
    Virtual,
}

/// A file being linted. Columns are 1-based and counted in characters; spans are bytes.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Where the file is on disk (for virtual sources: the file that contained it).
    pub path: PathBuf,
    /// The name shown to the user.
    pub display: String,
    pub kind: FileKind,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(
        path: impl Into<PathBuf>,
        display: impl Into<String>,
        kind: FileKind,
        text: impl Into<String>,
    ) -> SourceFile {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(memchr_newlines(&text));
        SourceFile {
            path: path.into(),
            display: display.into(),
            kind,
            text,
            line_starts,
        }
    }

    /// The directory relative references in this file are resolved against.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// Number of lines (a trailing newline does not start a new line).
    pub fn line_count(&self) -> usize {
        let n = self.line_starts.len();
        if n > 1 && self.line_starts[n - 1] == self.text.len() {
            n - 1
        } else {
            n
        }
    }

    /// 0-based line index containing byte `offset` (clamped to the text).
    pub fn line_index(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// 1-based (line, column) of byte `offset`; the column counts characters.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let line = self.line_index(offset);
        let start = self.line_starts[line];
        let col = self.text[start..offset].chars().count() + 1;
        (line + 1, col)
    }

    /// Byte range of 0-based line `index`, without its line terminator.
    pub fn line_span(&self, index: usize) -> Span {
        let start = self
            .line_starts
            .get(index)
            .copied()
            .unwrap_or(self.text.len());
        let mut end = self
            .line_starts
            .get(index + 1)
            .copied()
            .unwrap_or(self.text.len());
        let bytes = self.text.as_bytes();
        while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        start..end
    }

    /// Text of 0-based line `index`, without its terminator.
    pub fn line_text(&self, index: usize) -> &str {
        let span = self.line_span(index);
        &self.text[span]
    }

    /// Byte offset of the start of 0-based line `index`.
    pub fn line_start(&self, index: usize) -> usize {
        self.line_starts
            .get(index)
            .copied()
            .unwrap_or(self.text.len())
    }

    /// The text under `span`, or "" when the span is out of range.
    pub fn slice(&self, span: &Span) -> &str {
        self.text.get(span.clone()).unwrap_or("")
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i + 1)
}

/// Where the first byte that is not UTF-8 is, and what it looks like. Files are read
/// lossily (invalid bytes become U+FFFD), so the problem is kept beside the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utf8Problem {
    /// Byte offset of the first invalid byte in the original bytes.
    pub offset: usize,
    /// What was found (`a UTF-16 byte order mark`, `a NUL byte (UTF-16 text?)`, ...).
    pub what: &'static str,
    /// The byte itself, when there is one.
    pub byte: Option<u8>,
}

/// Largest char boundary `<= i`.
pub fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_chars_not_bytes() {
        let f = SourceFile::new("x", "x", FileKind::Conda, "a: é\nb: ü=1\n");
        let off = f.text.find("=1").unwrap();
        assert_eq!(f.line_col(off), (2, 5));
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_text(1), "b: ü=1");
        assert_eq!(f.line_count(), 2);
        // Offsets inside a multi-byte char and past the end do not panic.
        assert_eq!(f.line_col(4), (1, 4));
        assert_eq!(f.line_col(10_000).0, 3);
    }

    #[test]
    fn crlf_lines() {
        let f = SourceFile::new("x", "x", FileKind::Requirements, "a\r\nb");
        assert_eq!(f.line_text(0), "a");
        assert_eq!(f.line_text(1), "b");
    }
}
