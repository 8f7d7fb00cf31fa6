//! The PEP 508 grammar as pip reads it: a port of the tokenizer and recursive-descent parser
//! of `packaging` (`packaging._tokenizer`, `packaging._parser`, the `Specifier` regex and
//! `SpecifierSet`'s split), the library pip hands every requirement to. It decides whether
//! a requirement is valid and where it is not; the structure other checks read comes from
//! uv-pep508 (see [`crate::syntax::requirements::parse_pep508`]), which is stricter than
//! packaging in a few places (`and(` without a space, `===` with an arbitrary string, `===`
//! as a marker operator).
//!
//! `tests/grammar_conformance.rs` checks this against packaging's own test suite.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

/// Where and why a requirement string is not PEP 508 (as packaging reads it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    /// Byte range in the requirement string.
    pub range: Range<usize>,
}

/// What the grammar read: enough to rebuild a form uv-pep508 accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub name: String,
    pub extras: Vec<String>,
    pub url: Option<String>,
    /// Each specifier, whitespace removed (`>=1.0`, `===foobar`).
    pub specifiers: Vec<String>,
    /// The marker re-written with single spaces between tokens, when there is one.
    pub marker: Option<String>,
    /// Whether the marker compares with `===` (uv-pep508 has no such marker operator).
    pub marker_arbitrary: bool,
}

impl Parsed {
    /// The requirement re-written in the spelling uv-pep508 reads: spaces between marker
    /// tokens, and without what uv-pep508 cannot represent (arbitrary-equality specifiers,
    /// `===` markers, which are read as `==`).
    pub fn canonical(&self) -> String {
        let mut out = self.name.clone();
        if !self.extras.is_empty() {
            out.push('[');
            out.push_str(&self.extras.join(","));
            out.push(']');
        }
        if let Some(url) = &self.url {
            out.push_str(" @ ");
            out.push_str(url);
        } else {
            // An arbitrary `===` token may hold further specifiers after commas.
            let specs: Vec<&str> = self
                .specifiers
                .iter()
                .flat_map(|s| s.split(','))
                .filter(|s| !s.is_empty() && !s.starts_with("==="))
                .collect();
            out.push_str(&specs.join(","));
        }
        if let Some(m) = &self.marker {
            out.push_str(" ; ");
            out.push_str(m);
        }
        out
    }
}

fn rule(pattern: &str) -> Regex {
    // The patterns are constants, tested below.
    #[allow(clippy::expect_used)]
    Regex::new(pattern).expect("valid built-in regex")
}

const SPECIFIER_PATTERN: &str = r"(?xi)
    (?:
        (?: === \s* [^\s;)]* )
      | (?:
            (?:==|!=) \s* v? (?:[0-9]+!)? [0-9]+(?:\.[0-9]+)*
            (?:
                \.\*
              | (?: [-_.]? (?:alpha|beta|preview|pre|a|b|c|rc) [-_.]? [0-9]* )?
                (?: (?:-[0-9]+) | (?: [-_.]? (?:post|rev|r) [-_.]? [0-9]* ) )?
                (?: [-_.]? dev [-_.]? [0-9]* )?
                (?: \+[a-z0-9]+ (?:[-_.][a-z0-9]+)* )?
            )?
        )
      | (?:
            ~= \s* v? (?:[0-9]+!)? [0-9]+(?:\.[0-9]+)+
            (?: [-_.]? (?:alpha|beta|preview|pre|a|b|c|rc) [-_.]? [0-9]* )?
            (?: (?:-[0-9]+) | (?: [-_.]? (?:post|rev|r) [-_.]? [0-9]* ) )?
            (?: [-_.]? dev [-_.]? [0-9]* )?
        )
      | (?:
            (?:<=|>=|<|>) \s* v? (?:[0-9]+!)? [0-9]+(?:\.[0-9]+)*
            (?: [-_.]? (?:alpha|beta|preview|pre|a|b|c|rc) [-_.]? [0-9]* )?
            (?: (?:-[0-9]+) | (?: [-_.]? (?:post|rev|r) [-_.]? [0-9]* ) )?
            (?: [-_.]? dev [-_.]? [0-9]* )?
        )
    )";

static SPECIFIER: LazyLock<Regex> = LazyLock::new(|| rule(SPECIFIER_PATTERN));
static SPECIFIER_FULL: LazyLock<Regex> =
    LazyLock::new(|| rule(&format!(r"^\s*(?:{SPECIFIER_PATTERN})\s*$")));
static QUOTED_STRING: LazyLock<Regex> = LazyLock::new(|| rule(r#"'[^']*'|"[^"]*""#));
static OP: LazyLock<Regex> = LazyLock::new(|| rule(r"===|==|~=|!=|<=|>=|<|>"));
static BOOLOP: LazyLock<Regex> = LazyLock::new(|| rule(r"\b(?:or|and)\b"));
static IN: LazyLock<Regex> = LazyLock::new(|| rule(r"\bin\b"));
static NOT: LazyLock<Regex> = LazyLock::new(|| rule(r"\bnot\b"));
static VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    rule(
        r"\b(?:python_version|python_full_version|os[._]name|sys[._]platform|platform_(?:release|system)|platform[._](?:version|machine|python_implementation)|python_implementation|implementation_(?:name|version)|extras?|dependency_groups)\b",
    )
});
static URL: LazyLock<Regex> = LazyLock::new(|| rule(r"[^ \t]+"));
static IDENTIFIER: LazyLock<Regex> = LazyLock::new(|| rule(r"\b[a-zA-Z0-9][a-zA-Z0-9._-]*\b"));
static VERSION_PREFIX_TRAIL: LazyLock<Regex> = LazyLock::new(|| rule(r"\.\*"));
static VERSION_LOCAL_LABEL_TRAIL: LazyLock<Regex> =
    LazyLock::new(|| rule(r"\+[a-z0-9]+(?:[-_.][a-z0-9]+)*"));
static WS: LazyLock<Regex> = LazyLock::new(|| rule(r"[ \t]+"));

struct Tokenizer<'s> {
    src: &'s str,
    pos: usize,
}

type Res<T> = Result<T, SyntaxError>;

impl<'s> Tokenizer<'s> {
    /// The text `re` matches at the current position (as Python's `pattern.match(s, pos)`:
    /// `\b` sees the character before).
    fn peek(&self, re: &Regex) -> Option<&'s str> {
        if self.pos > self.src.len() {
            return None;
        }
        re.find_at(self.src, self.pos)
            .filter(|m| m.start() == self.pos)
            .map(|m| m.as_str())
    }

    fn peek_char(&self, c: char) -> bool {
        self.src[self.pos..].starts_with(c)
    }

    fn take(&mut self, re: &Regex) -> Option<&'s str> {
        let t = self.peek(re)?;
        self.pos += t.len();
        Some(t)
    }

    fn take_char(&mut self, c: char) -> bool {
        let ok = self.peek_char(c);
        if ok {
            self.pos += c.len_utf8();
        }
        ok
    }

    fn ws(&mut self) {
        let _ = self.take(&WS);
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn error(
        &self,
        message: impl Into<String>,
        start: Option<usize>,
        end: Option<usize>,
    ) -> SyntaxError {
        let start = start.unwrap_or(self.pos).min(self.src.len());
        let end = end.unwrap_or(self.pos).min(self.src.len()).max(start);
        SyntaxError {
            message: message.into(),
            range: start..end,
        }
    }

    fn close(&mut self, open_at: Option<usize>, close: char, what: &str) -> Res<()> {
        let Some(open_at) = open_at else {
            return Ok(());
        };
        if self.take_char(close) {
            return Ok(());
        }
        let (open_name, close_name) = if close == ')' {
            ("LEFT_PARENTHESIS", "RIGHT_PARENTHESIS")
        } else {
            ("LEFT_BRACKET", "RIGHT_BRACKET")
        };
        Err(self.error(
            format!("Expected matching {close_name} for {open_name}, after {what}"),
            Some(open_at),
            None,
        ))
    }
}

/// Parses a requirement the way `packaging.requirements.Requirement` does.
pub fn parse_requirement(src: &str) -> Result<Parsed, SyntaxError> {
    let mut t = Tokenizer { src, pos: 0 };
    let mut out = Parsed::default();
    t.ws();
    let Some(name) = t.take(&IDENTIFIER) else {
        return Err(t.error(
            "Expected package name at the start of dependency specifier",
            None,
            None,
        ));
    };
    out.name = name.to_string();
    t.ws();
    out.extras = extras(&mut t)?;
    t.ws();
    details(&mut t, &mut out)?;
    if !t.at_end() {
        return Err(t.error("Expected end of dependency specifier", None, None));
    }
    specifier_set(&out.specifiers)?;
    Ok(out)
}

fn extras(t: &mut Tokenizer<'_>) -> Res<Vec<String>> {
    let mut out = Vec::new();
    if !t.peek_char('[') {
        return Ok(out);
    }
    let open = t.pos;
    t.pos += 1;
    t.ws();
    if let Some(first) = t.take(&IDENTIFIER) {
        out.push(first.to_string());
        loop {
            t.ws();
            if t.peek(&IDENTIFIER).is_some() {
                return Err(t.error("Expected comma between extra names", None, None));
            }
            if !t.take_char(',') {
                break;
            }
            t.ws();
            match t.take(&IDENTIFIER) {
                Some(e) => out.push(e.to_string()),
                None => return Err(t.error("Expected extra name after comma", None, None)),
            }
        }
    }
    t.ws();
    t.close(Some(open), ']', "extras")?;
    Ok(out)
}

fn details(t: &mut Tokenizer<'_>, out: &mut Parsed) -> Res<()> {
    if t.take_char('@') {
        t.ws();
        let url_start = t.pos;
        let Some(url) = t.take(&URL) else {
            return Err(t.error("Expected URL after @", None, None));
        };
        out.url = Some(url.to_string());
        if t.at_end() {
            return Ok(());
        }
        if t.take(&WS).is_none() {
            return Err(t.error("Expected whitespace after URL", None, None));
        }
        if t.at_end() {
            return Ok(());
        }
        return requirement_marker(t, out, url_start, "semicolon (after URL and whitespace)");
    }
    let spec_start = t.pos;
    let open = t.peek_char('(').then_some(t.pos);
    if open.is_some() {
        t.pos += 1;
    }
    t.ws();
    out.specifiers = version_many(t)?;
    t.ws();
    t.close(open, ')', "version specifier")?;
    t.ws();
    if t.at_end() {
        return Ok(());
    }
    let expected = if out.specifiers.is_empty() {
        "semicolon (after name with no version specifier)"
    } else {
        "comma (within version specifier), semicolon (after version specifier)"
    };
    requirement_marker(t, out, spec_start, expected)
}

fn requirement_marker(
    t: &mut Tokenizer<'_>,
    out: &mut Parsed,
    span_start: usize,
    expected: &str,
) -> Res<()> {
    if !t.take_char(';') {
        return Err(t.error(
            format!("Expected {expected} or end"),
            Some(span_start),
            None,
        ));
    }
    let mut words = Vec::new();
    marker(t, &mut words, &mut out.marker_arbitrary)?;
    t.ws();
    out.marker = Some(words.join(" "));
    Ok(())
}

fn version_many(t: &mut Tokenizer<'_>) -> Res<Vec<String>> {
    let mut out = Vec::new();
    while let Some(spec) = t.peek(&SPECIFIER) {
        let start = t.pos;
        t.pos += spec.len();
        if t.peek(&VERSION_PREFIX_TRAIL).is_some() {
            let message =
                if spec.starts_with("!=") || (spec.starts_with("==") && !spec.starts_with("===")) {
                    ".* suffix cannot be used with pre-release, post-release, dev or local versions"
                } else {
                    ".* suffix can only be used with `==` or `!=` operators"
                };
            return Err(t.error(message, Some(start), Some(t.pos + 1)));
        }
        if t.peek(&VERSION_LOCAL_LABEL_TRAIL).is_some() {
            return Err(t.error(
                "Local version label can only be used with `==` or `!=` operators",
                Some(start),
                None,
            ));
        }
        out.push(spec.chars().filter(|c| !c.is_whitespace()).collect());
        t.ws();
        if !t.take_char(',') {
            break;
        }
        t.ws();
    }
    Ok(out)
}

/// `SpecifierSet(...)`: the specifiers joined with commas, split again, each a whole
/// specifier (an arbitrary `===x,y` token splits into `===x` and the invalid `y`).
fn specifier_set(specs: &[String]) -> Res<()> {
    let joined = specs.join(",");
    for part in joined.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if !SPECIFIER_FULL.is_match(part) {
            return Err(SyntaxError {
                message: format!("Invalid specifier: '{part}'"),
                range: 0..0,
            });
        }
    }
    Ok(())
}

fn marker(t: &mut Tokenizer<'_>, words: &mut Vec<String>, arbitrary: &mut bool) -> Res<()> {
    marker_atom(t, words, arbitrary)?;
    while let Some(op) = t.take(&BOOLOP) {
        words.push(op.to_string());
        marker_atom(t, words, arbitrary)?;
    }
    Ok(())
}

fn marker_atom(t: &mut Tokenizer<'_>, words: &mut Vec<String>, arbitrary: &mut bool) -> Res<()> {
    t.ws();
    if t.peek_char('(') {
        let open = t.pos;
        t.pos += 1;
        words.push("(".into());
        t.ws();
        marker(t, words, arbitrary)?;
        t.ws();
        t.close(Some(open), ')', "marker expression")?;
        words.push(")".into());
    } else {
        marker_item(t, words, arbitrary)?;
    }
    t.ws();
    Ok(())
}

fn marker_item(t: &mut Tokenizer<'_>, words: &mut Vec<String>, arbitrary: &mut bool) -> Res<()> {
    t.ws();
    marker_var(t, words)?;
    t.ws();
    if t.take(&IN).is_some() {
        words.push("in".into());
    } else if t.take(&NOT).is_some() {
        if t.take(&WS).is_none() {
            return Err(t.error("Expected whitespace after 'not'", None, None));
        }
        if t.take(&IN).is_none() {
            return Err(t.error("Expected 'in' after 'not'", None, None));
        }
        words.push("not in".into());
    } else if let Some(op) = t.take(&OP) {
        if op == "===" {
            *arbitrary = true;
            words.push("==".into());
        } else {
            words.push(op.to_string());
        }
    } else {
        return Err(t.error(
            "Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in",
            None,
            None,
        ));
    }
    t.ws();
    marker_var(t, words)?;
    t.ws();
    Ok(())
}

fn marker_var(t: &mut Tokenizer<'_>, words: &mut Vec<String>) -> Res<()> {
    if let Some(var) = t.take(&VARIABLE) {
        words.push(var.to_string());
        return Ok(());
    }
    let start = t.pos;
    if let Some(quoted) = t.take(&QUOTED_STRING) {
        if !python_string_ok(quoted) {
            return Err(t.error("Invalid quoted string", Some(start), None));
        }
        words.push(quoted.to_string());
        return Ok(());
    }
    Err(t.error("Expected a marker variable or quoted string", None, None))
}

/// Whether a quoted string is a Python string literal (`ast.literal_eval`): its escapes are
/// complete (`\x` takes two hex digits, `\u` four, `\U` eight, `\N` a `{name}`) and no
/// backslash escapes the closing quote.
fn python_string_ok(quoted: &str) -> bool {
    let inner = &quoted[1..quoted.len().saturating_sub(1).max(1)];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            continue;
        }
        let Some(e) = chars.next() else {
            return false; // escapes the closing quote
        };
        let hex = match e {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            'N' => {
                if chars.next() != Some('{') {
                    return false;
                }
                let mut closed = false;
                let mut len = 0;
                for n in chars.by_ref() {
                    if n == '}' {
                        closed = true;
                        break;
                    }
                    len += 1;
                }
                if !closed || len == 0 {
                    return false;
                }
                continue;
            }
            _ => continue,
        };
        let mut value: u32 = 0;
        for _ in 0..hex {
            match chars.next().and_then(|h| h.to_digit(16)) {
                Some(d) => value = value * 16 + d,
                None => return false,
            }
        }
        if value > 0x10FFFF {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_packaging_accepts() {
        for ok in [
            "name",
            "name[]",
            "name()",
            "numpy_ >=1.26",
            "pkg===foobar",
            "name ( === arbitrarystring )",
            "name;python_version<\"3\"and(os_name==\"x\")",
            "x;python_version===\"1\"",
            "name @ https://x/y.whl;python_version>\"3\"",
            "requests[security, tests]>=2.8.1,==2.8.*;python_version<\"2.7\"",
            "name==1.0.0-1",
            "name===",
            "name; os_name == \"\\N{DIGIT ONE}\"",
        ] {
            assert!(
                parse_requirement(ok).is_ok(),
                "{ok}: {:?}",
                parse_requirement(ok)
            );
        }
    }

    #[test]
    fn rejects_what_packaging_rejects() {
        for (bad, message) in [
            ("", "Expected package name"),
            ("name[bar baz]", "Expected comma between extra names"),
            ("name (>= 1.0", "Expected matching RIGHT_PARENTHESIS"),
            ("black (>=20.*) ; extra == 'format'", ".* suffix can only"),
            ("name==1.0+abc.*", ".* suffix cannot"),
            ("name >= 1.0+local", "Local version label"),
            (
                "name @ https://example.com/; extra == 'example'",
                "Expected semicolon",
            ),
            ("demo===x,y", "Invalid specifier: 'y'"),
            ("name; os_name == \"C:\\\"", "Invalid quoted string"),
            ("name; os_name == \"\\x\"", "Invalid quoted string"),
            (
                "name; '3.7' notin python_version",
                "Expected marker operator",
            ),
            (
                "name; '3.7' not python_version",
                "Expected 'in' after 'not'",
            ),
            ("name==1.0.org1", "Expected comma"),
            ("name 1.0", "Expected semicolon"),
            ("x (===a b)", "Expected matching RIGHT_PARENTHESIS"),
            ("name~=1", "Expected semicolon"),
        ] {
            let err = parse_requirement(bad).expect_err(bad);
            assert!(err.message.contains(message), "{bad}: {err:?}");
            assert!(err.range.end <= bad.len());
        }
    }

    #[test]
    fn canonical_form_is_what_uv_reads() {
        let p = parse_requirement("pkg[a]===foobar,>=1;python_version<\"3\"and(os_name===\"x\")")
            .expect("valid");
        assert_eq!(
            p.canonical(),
            "pkg[a]>=1 ; python_version < \"3\" and ( os_name == \"x\" )"
        );
        assert!(p.marker_arbitrary);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,80}") {
            if let Err(e) = parse_requirement(&s) {
                proptest::prop_assert!(e.range.end <= s.len());
            }
        }
    }
}
