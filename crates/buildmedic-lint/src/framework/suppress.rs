//! Inline suppression comments, like hadolint's pragmas:
//!
//! ```text
//! # buildmedic: ignore[conda-deps-unpinned]          (alone on a line: the next line)
//! numpy  # buildmedic: ignore[conda-deps-unpinned]   (trailing: this line)
//! # buildmedic: ignore-file[pip-not-pinned, conda-channels-missing]
//! ```
//!
//! Trailing comments are honoured in YAML and requirements files; Dockerfiles only know
//! whole-line comments, so there the standalone form is the one that works.

use crate::framework::diagnostic::Diagnostic;
use crate::syntax::source::{FileKind, SourceFile};

const MARKER: &str = "buildmedic:";

#[derive(Debug, Default)]
pub(crate) struct Suppressions {
    /// (0-based first and last line, check ids; empty = all checks)
    lines: Vec<(usize, usize, Vec<String>)>,
    file: Vec<String>,
    file_all: bool,
}

impl Suppressions {
    pub(crate) fn parse(file: &SourceFile) -> Suppressions {
        let mut out = Suppressions::default();
        if matches!(file.kind, FileKind::AzureMlJson | FileKind::Virtual)
            || !file.text.contains(MARKER)
        {
            return out;
        }
        let count = file.line_count();
        // In a Dockerfile a pragma before a continued instruction covers all of its lines.
        let ranges = if file.kind == FileKind::Dockerfile {
            crate::syntax::dockerfile::instruction_line_ranges(&file.text)
        } else {
            Vec::new()
        };
        for index in 0..count {
            let line = file.line_text(index);
            let Some(hash) = line.find('#') else { continue };
            let comment = &line[hash + 1..];
            let Some(pos) = comment.find(MARKER) else {
                continue;
            };
            let directive = comment[pos + MARKER.len()..].trim_start();
            let (whole_file, rest) = if let Some(r) = directive.strip_prefix("ignore-file") {
                (true, r)
            } else if let Some(r) = directive.strip_prefix("ignore") {
                (false, r)
            } else {
                continue;
            };
            let ids = parse_ids(rest);
            if whole_file {
                if ids.is_empty() {
                    out.file_all = true;
                }
                out.file.extend(ids);
                continue;
            }
            let standalone = line[..hash].trim().is_empty();
            let target = if standalone {
                // The next line that is not blank and not a comment.
                (index + 1..count).find(|&i| {
                    let t = file.line_text(i).trim_start();
                    !t.is_empty() && !t.starts_with('#')
                })
            } else {
                Some(index)
            };
            if let Some(target) = target {
                let last = ranges
                    .iter()
                    .find(|(first, _)| *first == target)
                    .map_or(target, |(_, last)| *last);
                out.lines.push((target, last, ids));
            }
        }
        out
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.file.is_empty() && !self.file_all
    }

    pub(crate) fn suppresses(&self, d: &Diagnostic) -> bool {
        if self.file_all || self.file.iter().any(|id| id == d.check) {
            return true;
        }
        let line = d.line.saturating_sub(1);
        self.lines.iter().any(|(first, last, ids)| {
            (*first..=*last).contains(&line)
                && (ids.is_empty() || ids.iter().any(|id| id == d.check))
        })
    }
}

/// `[a, b]` or `=a,b` (hadolint style) → ids.
fn parse_ids(rest: &str) -> Vec<String> {
    let rest = rest.trim_start();
    let inner = if let Some(r) = rest.strip_prefix('[') {
        r.split(']').next().unwrap_or("")
    } else if let Some(r) = rest.strip_prefix('=') {
        r.split_whitespace().next().unwrap_or("")
    } else {
        ""
    };
    inner
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(check: &'static str, line: usize) -> Diagnostic {
        Diagnostic {
            check,
            severity: crate::framework::diagnostic::Severity::Warning,
            file: "f".into(),
            line,
            column: 1,
            end_line: line,
            end_column: 1,
            message: String::new(),
            help: None,
            fixable: false,
            span: 0..0,
            fix: None,
        }
    }

    #[test]
    fn standalone_trailing_and_file_forms() {
        let text = "a: 1\n# buildmedic: ignore[x-check]\n\n# other comment\nb: 2\nc: 3  # buildmedic: ignore[y-check, z-check]\n# buildmedic: ignore-file[w-check]\n";
        let f = SourceFile::new("f", "f", FileKind::Conda, text);
        let s = Suppressions::parse(&f);
        assert!(s.suppresses(&diag("x-check", 5)));
        assert!(!s.suppresses(&diag("x-check", 1)));
        assert!(s.suppresses(&diag("z-check", 6)));
        assert!(!s.suppresses(&diag("x-check", 6)));
        assert!(s.suppresses(&diag("w-check", 1)));
    }

    #[test]
    fn hadolint_style_equals() {
        let f = SourceFile::new(
            "f",
            "f",
            FileKind::Dockerfile,
            "# buildmedic: ignore=a-check,b-check\nRUN x\n",
        );
        let s = Suppressions::parse(&f);
        assert!(s.suppresses(&diag("b-check", 2)));
    }

    #[test]
    fn dockerfile_pragma_covers_continuation_lines() {
        let f = SourceFile::new(
            "Dockerfile",
            "Dockerfile",
            FileKind::Dockerfile,
            "FROM ubuntu:22.04\n# buildmedic: ignore[a-check]\nRUN apt-get update && \\\n    apt-get install curl\nRUN x\n",
        );
        let s = Suppressions::parse(&f);
        assert!(s.suppresses(&diag("a-check", 3)));
        assert!(s.suppresses(&diag("a-check", 4)));
        assert!(!s.suppresses(&diag("a-check", 5)));
    }
}
