//! `.dockerignore` files, read and matched the way Docker does.
//!
//! Follows `moby/patternmatcher` and its `ignorefile.ReadAll`: a `#` in the first column starts a
//! comment, lines are trimmed, `!` re-includes, patterns are `filepath.Clean`ed and a leading
//! `/` is dropped (patterns are always relative to the context root). A pattern is turned into
//! an anchored regex: `*` and `?` stop at `/`, `**` spans directories (`**/` may match nothing),
//! and a pattern that matches a directory also excludes everything below it. The last matching
//! pattern wins.
//!
//! Owns: parsing and matching. Must not: walk directories or decide severity (the
//! `copy-file-not-found` check does that).

use std::path::{Path, PathBuf};

use regex::Regex;

/// One pattern line of a `.dockerignore`.
#[derive(Debug, Clone)]
pub struct IgnorePattern {
    /// The pattern after cleaning (without the `!`).
    pub pattern: String,
    /// `!pattern`: re-include what earlier patterns excluded.
    pub exclusion: bool,
    /// 1-based line number in the file.
    pub line: usize,
    matcher: Matcher,
}

#[derive(Debug, Clone)]
enum Matcher {
    Exact,
    Prefix(String),
    Suffix(String),
    Regex(Regex),
}

/// A pattern Docker would refuse (the build fails with "syntax error in pattern").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreError {
    pub line: usize,
    pub pattern: String,
    pub message: String,
}

/// A parsed `.dockerignore`.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    pub patterns: Vec<IgnorePattern>,
    pub errors: Vec<IgnoreError>,
}

/// Go's `path.Clean` (forward slashes only).
pub fn clean_path(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

impl DockerIgnore {
    /// Parse the text of a `.dockerignore`. Bad patterns are collected in `errors`.
    pub fn parse(text: &str) -> DockerIgnore {
        let mut out = DockerIgnore::default();
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        for (index, raw) in text.split('\n').enumerate() {
            let line = index + 1;
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if raw.starts_with('#') {
                continue;
            }
            let mut pattern = raw.trim();
            if pattern.is_empty() {
                continue;
            }
            let exclusion = pattern.starts_with('!');
            if exclusion {
                pattern = pattern[1..].trim();
            }
            if pattern.is_empty() {
                out.errors.push(IgnoreError {
                    line,
                    pattern: raw.trim().to_string(),
                    message: "illegal exclusion pattern: \"!\"".to_string(),
                });
                continue;
            }
            let mut cleaned = clean_path(pattern);
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
            // patternmatcher checks syntax with filepath.Match(p, ".").
            if crate::syntax::image_ref::path_match::path_match(&cleaned, ".").is_err() {
                out.errors.push(IgnoreError {
                    line,
                    pattern: raw.trim().to_string(),
                    message: "syntax error in pattern".to_string(),
                });
                continue;
            }
            match compile(&cleaned) {
                Ok(matcher) => out.patterns.push(IgnorePattern {
                    pattern: cleaned,
                    exclusion,
                    line,
                    matcher,
                }),
                Err(message) => out.errors.push(IgnoreError {
                    line,
                    pattern: raw.trim().to_string(),
                    message,
                }),
            }
        }
        out
    }

    /// Read the ignore file Docker would use for this build: `<Dockerfile>.dockerignore` next to
    /// the Dockerfile wins over `<context>/.dockerignore`. Returns the path read, if any.
    pub fn load(context_dir: &Path, dockerfile: Option<&Path>) -> Option<(PathBuf, DockerIgnore)> {
        let specific = dockerfile.and_then(|d| {
            let name = d.file_name()?.to_str()?;
            Some(d.with_file_name(format!("{name}.dockerignore")))
        });
        let candidates = specific
            .into_iter()
            .chain(std::iter::once(context_dir.join(".dockerignore")));
        for path in candidates {
            if let Ok(bytes) = std::fs::read(&path) {
                let text = String::from_utf8_lossy(&bytes);
                return Some((path, DockerIgnore::parse(&text)));
            }
        }
        None
    }

    /// The pattern that decides `path` is excluded, if it is (`MatchesOrParentMatches`).
    /// `path` is relative to the context root, with `/` separators.
    pub fn excluded_by(&self, path: &str) -> Option<&IgnorePattern> {
        let file = clean_path(path);
        let parent = match file.rfind('/') {
            Some(i) => &file[..i],
            None => ".",
        };
        let parent_dirs: Vec<&str> = parent.split('/').collect();
        let mut decided: Option<&IgnorePattern> = None;
        for pattern in &self.patterns {
            let matched = decided.is_some();
            if pattern.exclusion != matched {
                continue;
            }
            let mut hit = pattern.matches(&file);
            if !hit && parent != "." {
                for i in 0..parent_dirs.len() {
                    if pattern.matches(&parent_dirs[..=i].join("/")) {
                        hit = true;
                        break;
                    }
                }
            }
            if hit {
                decided = if pattern.exclusion {
                    None
                } else {
                    Some(pattern)
                };
            }
        }
        decided
    }

    /// Is `path` (relative to the context root) left out of the build context?
    pub fn is_excluded(&self, path: &str) -> bool {
        self.excluded_by(path).is_some()
    }
}

impl IgnorePattern {
    fn matches(&self, path: &str) -> bool {
        match &self.matcher {
            Matcher::Exact => path == self.pattern,
            Matcher::Prefix(prefix) => path.starts_with(prefix.as_str()),
            Matcher::Suffix(suffix) => {
                path.ends_with(suffix.as_str())
                    || suffix.strip_prefix('/').is_some_and(|rest| path == rest)
            }
            Matcher::Regex(re) => re.is_match(path),
        }
    }
}

#[derive(PartialEq, Clone, Copy)]
enum MatchType {
    Exact,
    Prefix,
    Suffix,
    Regexp,
}

/// patternmatcher's `Pattern.compile`, including its fast paths.
fn compile(pattern: &str) -> Result<Matcher, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut re = String::from("^");
    let mut kind = MatchType::Exact;
    let mut i = 0;
    let mut first = true;
    while i < chars.len() {
        let ch = chars[i];
        i += 1;
        match ch {
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                if i >= chars.len() {
                    if kind == MatchType::Exact {
                        kind = MatchType::Prefix;
                    } else {
                        re.push_str(".*");
                        kind = MatchType::Regexp;
                    }
                } else {
                    re.push_str("(.*/)?");
                    kind = MatchType::Regexp;
                }
                if first {
                    kind = MatchType::Suffix;
                }
            }
            '*' => {
                re.push_str("[^/]*");
                kind = MatchType::Regexp;
            }
            '?' => {
                re.push_str("[^/]");
                kind = MatchType::Regexp;
            }
            '.' | '+' | '(' | ')' | '|' | '{' | '}' | '$' => {
                re.push('\\');
                re.push(ch);
            }
            '\\' => match chars.get(i) {
                Some(&next) => {
                    i += 1;
                    re.push('\\');
                    re.push(next);
                    kind = MatchType::Regexp;
                }
                None => re.push_str("\\\\"),
            },
            '[' | ']' => {
                re.push(ch);
                kind = MatchType::Regexp;
            }
            _ => re.push(ch),
        }
        first = false;
    }
    match kind {
        MatchType::Exact => Ok(Matcher::Exact),
        MatchType::Prefix => Ok(Matcher::Prefix(
            pattern.strip_suffix("**").unwrap_or(pattern).to_string(),
        )),
        MatchType::Suffix => Ok(Matcher::Suffix(
            pattern.strip_prefix("**").unwrap_or(pattern).to_string(),
        )),
        MatchType::Regexp => {
            re.push('$');
            Regex::new(&re)
                .map(Matcher::Regex)
                .map_err(|_| "syntax error in pattern".to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(text: &str) -> DockerIgnore {
        let d = DockerIgnore::parse(text);
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        d
    }

    #[test]
    fn clean_matches_go() {
        for (input, want) in [
            ("", "."),
            ("a/b/", "a/b"),
            ("a//b", "a/b"),
            ("./a", "a"),
            ("a/../b", "b"),
            ("../a", "../a"),
            ("/../a", "/a"),
            ("/", "/"),
            ("a/..", "."),
        ] {
            assert_eq!(clean_path(input), want, "{input}");
        }
    }

    #[test]
    fn comments_blank_lines_and_leading_slash() {
        let d = ignore("# comment\n\n  /data  \r\n #not-a-comment\n");
        assert_eq!(d.patterns.len(), 2);
        assert!(d.is_excluded("data"));
        assert!(
            d.is_excluded("data/x.csv"),
            "a directory pattern excludes its contents"
        );
        assert!(!d.is_excluded("sub/data"));
        assert!(d.is_excluded("#not-a-comment"));
    }

    #[test]
    fn star_stays_within_a_directory() {
        let d = ignore("*.md\n");
        assert!(d.is_excluded("README.md"));
        assert!(!d.is_excluded("docs/guide.md"));
    }

    #[test]
    fn double_star_spans_directories() {
        let d = ignore("**/*.pyc\n");
        assert!(d.is_excluded("a.pyc"));
        assert!(d.is_excluded("pkg/sub/a.pyc"));
        assert!(!d.is_excluded("a.py"));
        let d = ignore("data/**\n");
        assert!(d.is_excluded("data/x"));
        assert!(d.is_excluded("data/x/y"));
        let d = ignore("**\n");
        assert!(d.is_excluded("anything/at/all"));
    }

    #[test]
    fn exceptions_re_include_and_last_match_wins() {
        let d = ignore("*\n!requirements.txt\n!src\n");
        assert!(d.is_excluded("Dockerfile.bak"));
        assert!(!d.is_excluded("requirements.txt"));
        assert!(!d.is_excluded("src/app.py"));
        let d = ignore("!keep.txt\n*.txt\n");
        assert!(
            d.is_excluded("keep.txt"),
            "a later pattern overrides an earlier exception"
        );
        let by = d.excluded_by("keep.txt").unwrap();
        assert_eq!((by.line, by.pattern.as_str()), (2, "*.txt"));
    }

    #[test]
    fn question_mark_and_classes() {
        let d = ignore("file?.txt\nlog[0-9]\n");
        assert!(d.is_excluded("file1.txt"));
        assert!(!d.is_excluded("file10.txt"));
        assert!(d.is_excluded("log7"));
        assert!(!d.is_excluded("logx"));
    }

    #[test]
    fn regex_metacharacters_are_literal() {
        let d = ignore("a+b(c).txt\n");
        assert!(d.is_excluded("a+b(c).txt"));
        assert!(!d.is_excluded("aab(c)xtxt"));
    }

    #[test]
    fn bad_patterns_are_reported_not_fatal() {
        let d = DockerIgnore::parse("[\n!\nok\n");
        assert_eq!(d.errors.len(), 2);
        assert_eq!(d.errors[0].line, 1);
        assert_eq!(d.patterns.len(), 1);
    }

    #[test]
    fn bom_is_ignored() {
        let d = ignore("\u{FEFF}secret.env\n");
        assert!(d.is_excluded("secret.env"));
    }
}
