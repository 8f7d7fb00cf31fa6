//! Regexes compiled on first use.
//!
//! A knowledge base holds hundreds of patterns, and compiling them all costs more than
//! reading a 20 MB log (~0.1 s). The matcher only runs a pattern on lines containing its
//! trigger, so most patterns of most runs are never needed. Loading therefore only checks
//! the syntax and the capture names (cheap, with `regex-syntax`); the regex is built on
//! first use. [`crate::KnowledgeBase::compile_all`] builds everything, for `rules test`.

use std::sync::OnceLock;

use regex::bytes::RegexBuilder;
use regex_automata::meta;
use regex_automata::util::syntax;

/// The compiled form: `regex::bytes::Regex`'s engine, configured for what the matcher asks
/// of it (see [`LazyRegex::build`]).
pub type Regex = meta::Regex;

/// Regexes are size-limited so a user rule cannot make matching explode.
const SIZE_LIMIT: usize = 1 << 20;
/// Lazy-DFA cache per regex: patterns run on single lines, a small cache is plenty and
/// keeps memory flat with hundreds of patterns.
const DFA_LIMIT: usize = 1 << 18;

#[derive(Debug, Clone)]
pub struct LazyRegex {
    pattern: String,
    case_insensitive: bool,
    /// Capture names: known after [`LazyRegex::parse`], read off the compiled regex for a
    /// [`LazyRegex::trusted`] one.
    names: OnceLock<Vec<String>>,
    compiled: OnceLock<Option<Regex>>,
}

impl LazyRegex {
    /// Checks the syntax and collects the capture group names; does not compile.
    pub fn new(pattern: &str, case_insensitive: bool) -> Result<Self, String> {
        Self::parse(pattern, case_insensitive).map(|(r, _)| r)
    }

    /// [`LazyRegex::new`], also returning the parsed pattern (for deriving triggers).
    pub fn parse(
        pattern: &str,
        case_insensitive: bool,
    ) -> Result<(Self, regex_syntax::hir::Hir), String> {
        let hir = regex_syntax::ParserBuilder::new()
            .utf8(false)
            .case_insensitive(case_insensitive)
            .build()
            .parse(pattern)
            .map_err(|e| last_line(&e))?;
        let mut names = Vec::new();
        collect_names(&hir, &mut names);
        let regex = LazyRegex {
            pattern: pattern.to_string(),
            case_insensitive,
            names: OnceLock::from(names),
            compiled: OnceLock::new(),
        };
        Ok((regex, hir))
    }

    /// A pattern already checked (a built-in signature: the tests and `rules test` parse
    /// every one with [`LazyRegex::parse`]): neither parsed nor compiled until first use.
    pub fn trusted(pattern: &str, case_insensitive: bool) -> Self {
        LazyRegex {
            pattern: pattern.to_string(),
            case_insensitive,
            names: OnceLock::new(),
            compiled: OnceLock::new(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Named capture groups, in order.
    pub fn capture_names(&self) -> impl Iterator<Item = &str> {
        self.names
            .get_or_init(|| {
                self.get().map_or_else(Vec::new, |r| {
                    r.group_info()
                        .pattern_names(regex_automata::PatternID::ZERO)
                        .flatten()
                        .map(str::to_string)
                        .collect()
                })
            })
            .iter()
            .map(String::as_str)
    }

    /// The compiled regex; `None` if it exceeds the size limits (reported by
    /// [`LazyRegex::compile`]).
    pub fn get(&self) -> Option<&Regex> {
        self.compiled.get_or_init(|| self.build().ok()).as_ref()
    }

    /// Compiles now and reports why it cannot be.
    pub fn compile(&self) -> Result<(), String> {
        match self.get() {
            Some(_) => Ok(()),
            None => self.build().map(|_| ()),
        }
    }

    /// What `regex::bytes::RegexBuilder` builds (same syntax and match semantics: bytes,
    /// leftmost-first, empty matches anywhere), less the prefilter: a pattern only runs on a
    /// line that already holds one of its triggers, so a literal prefilter saves nothing
    /// there, and choosing one is a third of the compile time. An error is reported in the
    /// regex crate's words (the same pattern and limits, compiled by it).
    fn build(&self) -> Result<Regex, String> {
        meta::Builder::new()
            .configure(
                meta::Config::new()
                    .match_kind(regex_automata::MatchKind::LeftmostFirst)
                    .utf8_empty(false)
                    .nfa_size_limit(Some(SIZE_LIMIT))
                    .hybrid_cache_capacity(DFA_LIMIT)
                    .auto_prefilter(false)
                    .dfa(false),
            )
            .syntax(
                syntax::Config::new()
                    .utf8(false)
                    .case_insensitive(self.case_insensitive),
            )
            .build(&self.pattern)
            .map_err(|_| self.regex_crate_error())
    }

    fn regex_crate_error(&self) -> String {
        match RegexBuilder::new(&self.pattern)
            .case_insensitive(self.case_insensitive)
            .size_limit(SIZE_LIMIT)
            .dfa_size_limit(DFA_LIMIT)
            .build()
        {
            Err(e) => last_line(&e),
            Ok(_) => "the pattern cannot be compiled".to_string(),
        }
    }

    /// Named captures of the leftmost-first match in `text`: `(name, bytes)` for each group
    /// that took part, in pattern order.
    pub fn captures<'t>(&self, text: &'t [u8]) -> Option<Vec<(&str, &'t [u8])>> {
        let re = self.get()?;
        let mut caps = re.create_captures();
        re.captures(text, &mut caps);
        if !caps.is_match() {
            return None;
        }
        Some(
            self.capture_names()
                .filter_map(|name| {
                    let span = caps.get_group_by_name(name)?;
                    Some((name, &text[span.start..span.end]))
                })
                .collect(),
        )
    }

    pub fn is_match(&self, text: &[u8]) -> bool {
        self.get().is_some_and(|r| r.is_match(text))
    }
}

/// regex errors draw the pattern with a caret over several lines; the last one says what
/// is wrong, which is what the entry's error message needs.
fn last_line(e: &dyn std::fmt::Display) -> String {
    e.to_string()
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn collect_names(hir: &regex_syntax::hir::Hir, out: &mut Vec<String>) {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Capture(c) => {
            if let Some(n) = &c.name {
                out.push(n.to_string());
            }
            collect_names(&c.sub, out);
        }
        HirKind::Concat(v) | HirKind::Alternation(v) => {
            v.iter().for_each(|h| collect_names(h, out))
        }
        HirKind::Repetition(r) => collect_names(&r.sub, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_lazy_compile() {
        let r = LazyRegex::new(r"(?P<package>\S+)==(?P<version>\S+)", false).unwrap();
        assert_eq!(
            r.capture_names().collect::<Vec<_>>(),
            ["package", "version"]
        );
        assert!(r.is_match(b"numpy==1.26"));
        let t = LazyRegex::trusted(r"(?P<package>\S+)==(?P<version>\S+)", false);
        assert_eq!(
            t.capture_names().collect::<Vec<_>>(),
            ["package", "version"]
        );
        assert!(t.is_match(b"numpy==1.26"));
        assert_eq!(
            t.captures(b"pip: numpy==1.26 x").unwrap(),
            [("package", &b"numpy"[..]), ("version", &b"1.26"[..])]
        );
        assert_eq!(t.captures(b"numpy 1.26"), None);
        // A group that takes no part in the match is left out.
        let alt = LazyRegex::trusted(r"(?:(?P<image>\S+) not found|(?P<file>\S+) missing)", false);
        assert_eq!(
            alt.captures(b"a.txt missing").unwrap(),
            [("file", &b"a.txt"[..])]
        );
        // Bytes, not text: invalid UTF-8 next to a match (which Unicode `\S` does not take).
        assert_eq!(
            t.captures(b"\xff\xfenumpy==1.26 ").unwrap(),
            [("package", &b"numpy"[..]), ("version", &b"1.26"[..])]
        );
        assert!(LazyRegex::new(r"(unclosed", false).is_err());
        let huge = LazyRegex::new(r"\w{1000}\w{1000}\w{1000}", false).unwrap();
        let err = huge.compile().unwrap_err();
        assert!(err.contains("size limit"), "{err}");
        assert!(!huge.is_match(b"x"));
    }
}
