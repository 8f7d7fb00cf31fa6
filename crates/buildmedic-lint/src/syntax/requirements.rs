//! pip requirements: files (`-r`/`-c` includes, options, `\` continuations, comments) and
//! the items of a conda `pip:` list, which conda hands to pip as a requirements file.

use std::ops::Range;

use crate::syntax::Span;

/// Where a requirement line came from (changes a few messages and how includes resolve).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReqOrigin {
    RequirementsFile,
    CondaPipSection,
}

/// One logical line (continuations joined, comment removed) and how its bytes map back to
/// the file.
#[derive(Debug, Clone)]
pub struct Logical {
    pub text: String,
    /// (start in `text`, offset in the file) for each joined physical piece.
    segments: Vec<(usize, usize)>,
    /// Set when the text is not written verbatim in the file (escaped YAML strings):
    /// every sub-span maps to this.
    opaque: Option<Span>,
}

impl Logical {
    pub fn verbatim(text: &str, offset: usize) -> Logical {
        Logical {
            text: text.to_string(),
            segments: vec![(0, offset)],
            opaque: None,
        }
    }

    pub fn opaque(text: &str, span: Span) -> Logical {
        Logical {
            text: text.to_string(),
            segments: vec![(0, span.start)],
            opaque: Some(span),
        }
    }

    fn offset(&self, at: usize) -> usize {
        let seg = self
            .segments
            .iter()
            .rev()
            .find(|(start, _)| *start <= at)
            .copied()
            .unwrap_or((0, 0));
        seg.1 + (at - seg.0)
    }

    /// File span of a byte range of `text`.
    pub fn span(&self, range: Range<usize>) -> Span {
        if let Some(s) = &self.opaque {
            return s.clone();
        }
        let start = self.offset(range.start);
        let end = if range.end > range.start {
            self.offset(range.end - 1) + 1
        } else {
            start
        };
        start..end.max(start)
    }
}

/// Splits a requirements file into logical lines the way pip does: join `\` continuations
/// (a comment line ends a continuation), then drop comments (`#` at the start or after
/// whitespace) and blank lines.
pub fn logical_lines(text: &str) -> Vec<Logical> {
    let mut out = Vec::new();
    let mut current: Option<Logical> = None;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let is_comment = line.trim_start().starts_with('#');
        let continues = line.ends_with('\\') && !is_comment;
        let piece = if continues {
            &line[..line.len() - 1]
        } else {
            line
        };
        let logical = current.get_or_insert_with(|| Logical {
            text: String::new(),
            segments: Vec::new(),
            opaque: None,
        });
        if !is_comment {
            logical.segments.push((logical.text.len(), line_start));
            logical.text.push_str(piece);
        }
        if !continues && let Some(done) = current.take() {
            push_logical(&mut out, done);
        }
    }
    if let Some(done) = current.take() {
        push_logical(&mut out, done);
    }
    out
}

fn push_logical(out: &mut Vec<Logical>, mut l: Logical) {
    // pip's COMMENT_RE: `(^|\s+)#.*$`
    let bytes = l.text.as_bytes();
    let cut = (0..bytes.len())
        .find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()));
    if let Some(cut) = cut {
        l.text.truncate(cut);
    }
    if !l.text.trim().is_empty() {
        out.push(l);
    }
}

/// A whitespace-separated token of a logical line.
#[derive(Debug, Clone)]
pub struct Token<'t> {
    pub text: &'t str,
    pub range: Range<usize>,
}

pub fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push(Token {
                    text: &text[s..i],
                    range: s..i,
                });
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(Token {
            text: &text[s..],
            range: s..text.len(),
        });
    }
    out
}

/// A requirements option with its value.
#[derive(Debug, Clone)]
pub struct ReqOption<'t> {
    /// Long name without dashes (`index-url`, `requirement`, ...); short forms are mapped.
    pub name: String,
    /// Range of the option as written (name and value).
    pub range: Range<usize>,
    pub value: Option<Token<'t>>,
}

/// Options of `pip install`'s command line (not of a requirements file) that take a value:
/// the rest come from [`PIP_OPTIONS`].
const COMMAND_LINE_VALUES: &[&str] = &[
    "platform",
    "python-version",
    "implementation",
    "abi",
    "progress-bar",
];

fn takes_value(name: &str) -> bool {
    PIP_OPTIONS.iter().any(|o| o.0 == name && o.2) || COMMAND_LINE_VALUES.contains(&name)
}

/// The long name of the one-letter option `short` (`r` → `requirement`).
fn long_name(short: &str) -> Option<&'static str> {
    let mut chars = short.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return None;
    };
    PIP_OPTIONS.iter().find(|o| o.1 == Some(c)).map(|o| o.0)
}

/// Parses options starting at token `i`; returns the options.
pub fn parse_options<'t>(toks: &[Token<'t>], mut i: usize) -> Vec<ReqOption<'t>> {
    let mut out = Vec::new();
    while i < toks.len() {
        let t = &toks[i];
        i += 1;
        let (name, inline_value) = if let Some(long) = t.text.strip_prefix("--") {
            match long.split_once('=') {
                Some((n, v)) => (n.to_string(), Some((v, t.range.start + 2 + n.len() + 1))),
                None => (long.to_string(), None),
            }
        } else if let Some(short) = t.text.strip_prefix('-') {
            let flag_len = short.chars().next().map_or(0, char::len_utf8);
            let (flag, rest) = short.split_at(flag_len);
            let name = long_name(flag)
                .map(str::to_string)
                .unwrap_or_else(|| flag.to_string());
            let rest = rest.strip_prefix('=').unwrap_or(rest);
            let inline = (!rest.is_empty()).then(|| (rest, t.range.end - rest.len()));
            (name, inline)
        } else {
            continue;
        };
        let value = match inline_value {
            Some((v, start)) => Some(Token {
                text: v,
                range: start..start + v.len(),
            }),
            None if takes_value(&name) && i < toks.len() => {
                i += 1;
                Some(toks[i - 1].clone())
            }
            None => None,
        };
        let end = value
            .as_ref()
            .map_or(t.range.end, |v| v.range.end.max(t.range.end));
        out.push(ReqOption {
            name,
            range: t.range.start..end,
            value,
        });
    }
    out
}

/// The options pip reads in a requirements file (`SUPPORTED_OPTIONS` and
/// `SUPPORTED_OPTIONS_REQ` of pip's `req_file.py`): long name, short name, takes a value.
/// `--global-option` and `--install-option` were removed by pip 23.3 but are still read by
/// the older pips of many base images, so they are accepted too.
const PIP_OPTIONS: &[(&str, Option<char>, bool)] = &[
    ("index-url", Some('i'), true),
    ("pypi-url", None, true),
    ("extra-index-url", None, true),
    ("no-index", None, false),
    ("constraint", Some('c'), true),
    ("requirement", Some('r'), true),
    ("editable", Some('e'), true),
    ("find-links", Some('f'), true),
    ("no-binary", None, true),
    ("only-binary", None, true),
    ("prefer-binary", None, false),
    ("require-hashes", None, false),
    ("no-require-hashes", None, false),
    ("pre", None, false),
    ("all-releases", None, true),
    ("only-final", None, true),
    ("trusted-host", None, true),
    ("use-feature", None, true),
    ("hash", None, true),
    ("config-settings", Some('C'), true),
    ("global-option", None, true),
    ("install-option", None, true),
];

/// The hash algorithms pip's `--hash` accepts (`STRONG_HASHES`).
pub const STRONG_HASHES: &[&str] = &["sha256", "sha384", "sha512"];

/// An options problem pip stops at (`RequirementsFileParseError`), with its byte range in
/// the logical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionProblem {
    pub message: String,
    pub range: Range<usize>,
}

/// A word of `shlex.split` with the range it came from.
struct Word {
    text: String,
    range: Range<usize>,
}

/// `shlex.split` (POSIX mode) of `s`; `Err` holds the range of an unclosed quote or a
/// trailing backslash.
fn shlex_split(s: &str) -> Result<Vec<Word>, (Range<usize>, &'static str)> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    let mut current: Option<(String, usize)> = None;
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            if let Some((text, start)) = current.take() {
                out.push(Word {
                    text,
                    range: start..i,
                });
            }
            continue;
        }
        let word = current.get_or_insert_with(|| (String::new(), i));
        match c {
            '\\' => match chars.next() {
                Some((_, e)) => word.0.push(e),
                None => return Err((i..s.len(), "no escaped character")),
            },
            '\'' => loop {
                match chars.next() {
                    Some((_, '\'')) => break,
                    Some((_, q)) => word.0.push(q),
                    None => return Err((i..s.len(), "no closing quotation")),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some((_, '"')) => break,
                    Some((_, '\\')) => match chars.peek().copied() {
                        Some((_, e)) if e == '"' || e == '\\' => {
                            word.0.push(e);
                            chars.next();
                        }
                        _ => word.0.push('\\'),
                    },
                    Some((_, q)) => word.0.push(q),
                    None => return Err((i..s.len(), "no closing quotation")),
                }
            },
            _ => word.0.push(c),
        }
    }
    if let Some((text, start)) = current.take() {
        out.push(Word {
            text,
            range: start..s.len(),
        });
    }
    Ok(out)
}

/// The long option `name` stands for: exact, or optparse's unique abbreviation.
fn match_long(name: &str) -> Result<&'static (&'static str, Option<char>, bool), String> {
    if let Some(o) = PIP_OPTIONS.iter().find(|o| o.0 == name) {
        return Ok(o);
    }
    let candidates: Vec<&'static (&'static str, Option<char>, bool)> = PIP_OPTIONS
        .iter()
        .filter(|o| !name.is_empty() && o.0.starts_with(name))
        .collect();
    match candidates.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!("no such option: --{name}")),
        many => Err(format!(
            "ambiguous option: --{name} ({})",
            many.iter()
                .map(|o| format!("--{}", o.0))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Checks the value of an option the way pip's option callbacks do.
fn value_problem(long: &str, value: &str) -> Option<String> {
    match long {
        "hash" => match value.split_once(':') {
            None => Some(format!(
                "arguments to --hash must be a hash name followed by a value, like --hash=sha256:abcde... (got `{value}`)"
            )),
            Some((algo, _)) if !STRONG_HASHES.contains(&algo) => Some(format!(
                "allowed hash algorithms for --hash are {} (got `{algo}`)",
                STRONG_HASHES.join(", ")
            )),
            _ => None,
        },
        "config-settings" if !value.contains('=') => Some(format!(
            "arguments to --config-settings must be of the form KEY=VAL (got `{value}`)"
        )),
        "no-binary" | "only-binary" if value.starts_with('-') => {
            Some(format!("--{long} requires an argument"))
        }
        _ => None,
    }
}

/// What pip's requirements-file parser (`break_args_options`, `shlex.split`, optparse and
/// the option callbacks) rejects in the options of one logical line: unknown or ambiguous
/// options, a missing or unexpected value, an unclosed quote, a `--hash` without an
/// algorithm. Empty when pip reads the options.
pub fn option_problems(text: &str) -> Vec<OptionProblem> {
    // break_args_options: the options start at the first space-separated token that
    // starts with '-'.
    let mut at = 0;
    let mut start = None;
    for token in text.split(' ') {
        if token.starts_with('-') {
            start = Some(at);
            break;
        }
        at += token.len() + 1;
    }
    let Some(start) = start else {
        return Vec::new();
    };
    let options = &text[start..];
    let words = match shlex_split(options) {
        Ok(w) => w,
        Err((range, why)) => {
            return vec![OptionProblem {
                message: format!("could not split the options: {why}"),
                range: start + range.start..start + range.end,
            }];
        }
    };
    let mut out = Vec::new();
    let mut problem = |message: String, range: &Range<usize>| {
        out.push(OptionProblem {
            message,
            range: start + range.start..start + range.end,
        });
    };
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        if w.text == "--" {
            break;
        }
        if let Some(long) = w.text.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let opt = match match_long(name) {
                Ok(o) => o,
                Err(message) => {
                    problem(message, &w.range);
                    continue;
                }
            };
            let value = match (opt.2, inline) {
                (true, Some(v)) => v,
                (true, None) => match words.get(i) {
                    Some(v) => {
                        i += 1;
                        v.text.clone()
                    }
                    None => {
                        problem(format!("--{} option requires 1 argument", opt.0), &w.range);
                        continue;
                    }
                },
                (false, Some(_)) => {
                    problem(
                        format!("--{} option does not take a value", opt.0),
                        &w.range,
                    );
                    continue;
                }
                (false, None) => continue,
            };
            if let Some(message) = value_problem(opt.0, &value) {
                problem(message, &w.range);
            }
        } else if w.text.len() > 1
            && let Some(short) = w.text.strip_prefix('-')
        {
            let mut flags = short.char_indices();
            while let Some((at, flag)) = flags.next() {
                let Some(opt) = PIP_OPTIONS.iter().find(|o| o.1 == Some(flag)) else {
                    problem(format!("no such option: -{flag}"), &w.range);
                    break;
                };
                if !opt.2 {
                    continue;
                }
                let rest = &short[at + flag.len_utf8()..];
                let value = if !rest.is_empty() {
                    rest.to_string()
                } else if let Some(v) = words.get(i) {
                    i += 1;
                    v.text.clone()
                } else {
                    problem(format!("-{flag} option requires 1 argument"), &w.range);
                    break;
                };
                if let Some(message) = value_problem(opt.0, &value) {
                    problem(message, &w.range);
                }
                let _ = flags.by_ref().count();
            }
        }
    }
    out
}

/// What a requirement line asks pip to install.
#[derive(Debug, Clone)]
pub struct ReqText<'t> {
    /// The requirement as written (name/specifier/markers, or a URL/path).
    pub text: &'t str,
    pub range: Range<usize>,
    /// True for URLs, VCS references and local paths (not PEP 508 `name ...`).
    pub direct: bool,
}

/// Whether a requirement string is a URL/VCS/path reference rather than `name [spec]`.
pub fn is_direct_reference(text: &str) -> bool {
    let t = text.trim();
    if t.starts_with('.') || t.starts_with('/') || t.starts_with('~') || t.starts_with('\\') {
        return true;
    }
    let lower = t.to_ascii_lowercase();
    if ["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return true;
    }
    // `name @ url` is PEP 508; a bare URL is a direct reference.
    if let Some(scheme_end) = t.find("://") {
        let before = &t[..scheme_end];
        return !before.contains('@') && !before.contains(' ');
    }
    let first = t.split([' ', ';']).next().unwrap_or("");
    let first_lower = first.to_ascii_lowercase();
    (first.contains('/') || first.contains('\\'))
        || [".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz"]
            .iter()
            .any(|e| first_lower.ends_with(e))
}

/// One logical line read the way pip reads it: a requirement and/or options.
#[derive(Debug, Clone)]
pub struct ReqLine<'t> {
    /// The requirement: the text before the first option (pip's `break_args_options`), or
    /// the value of `-e`/`--editable` on an options line.
    pub requirement: Option<ReqText<'t>>,
    /// The options, in order.
    pub options: Vec<ReqOption<'t>>,
    /// Whether the options follow a requirement on the same line (pip then applies only
    /// the per-requirement ones, such as `--hash`).
    pub trailing_options: bool,
    /// Whether the requirement is the value of `-e`/`--editable`.
    pub editable: bool,
}

impl ReqLine<'_> {
    /// Reads one logical line; `None` for a line without words.
    pub fn parse(l: &Logical) -> Option<ReqLine<'_>> {
        let toks = tokens(&l.text);
        let first = toks.first()?;
        if first.text.starts_with('-') {
            let options = parse_options(&toks, 0);
            let requirement = options
                .iter()
                .find(|o| o.name == "editable")
                .and_then(|o| o.value.as_ref())
                .map(|v| ReqText {
                    text: v.text,
                    range: v.range.clone(),
                    direct: is_direct_reference(v.text),
                });
            return Some(ReqLine {
                editable: requirement.is_some(),
                requirement,
                options,
                trailing_options: false,
            });
        }
        // pip's break_args_options: the requirement is everything before the first token
        // that starts with '-'.
        let opt_start = toks
            .iter()
            .position(|t| t.text.starts_with('-'))
            .unwrap_or(toks.len());
        let last = &toks[opt_start.max(1) - 1];
        let range = first.range.start..last.range.end;
        let text = &l.text[range.clone()];
        Some(ReqLine {
            requirement: Some(ReqText {
                text,
                range,
                direct: is_direct_reference(text),
            }),
            options: parse_options(&toks, opt_start),
            trailing_options: true,
            editable: false,
        })
    }
}

/// A PEP 508 parse failure with a byte range inside the requirement.
#[derive(Debug, Clone)]
pub struct Pep508Failure {
    pub message: String,
    pub range: Range<usize>,
}

/// Parses a PEP 508 requirement. Validity is decided the way pip decides it
/// ([`crate::syntax::pep508`], a port of `packaging`'s grammar); the structure comes from
/// uv-pep508, given the requirement re-spelled where uv-pep508 is stricter than packaging
/// (`and(`, `===arbitrary`, `===` in markers). Names uv-pep508 rejects (`numpy_`: pip
/// accepts it, then finds no such project) stay errors.
pub fn parse_pep508(text: &str) -> Result<uv_pep508::Requirement, Pep508Failure> {
    let uv = uv_parse(text);
    let parsed = match crate::syntax::pep508::parse_requirement(text) {
        Ok(p) => p,
        // Both refuse it: uv-pep508's message is usually the more precise one.
        Err(e) => {
            return Err(match uv {
                Err(uv_err) => uv_err,
                Ok(_) => Pep508Failure {
                    message: e.message,
                    range: e.range,
                },
            });
        }
    };
    let first = match uv {
        Ok(r) => return Ok(r),
        Err(e) => e,
    };
    let canonical = parsed.canonical();
    if let Ok(r) = uv_parse(&canonical) {
        return Ok(r);
    }
    let without_marker = crate::syntax::pep508::Parsed {
        marker: None,
        ..parsed.clone()
    };
    if let Ok(r) = uv_parse(&without_marker.canonical()) {
        return Ok(r);
    }
    let bare = crate::syntax::pep508::Parsed {
        name: parsed.name.clone(),
        extras: parsed.extras.clone(),
        ..Default::default()
    };
    uv_parse(&bare.canonical()).map_err(|_| first)
}

/// uv-pep508's parse (guarded: user input never panics us).
fn uv_parse(text: &str) -> Result<uv_pep508::Requirement, Pep508Failure> {
    let owned = text.to_string();
    match std::panic::catch_unwind(move || owned.parse::<uv_pep508::Requirement>()) {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => {
            let start = e.start.min(text.len());
            let end = (e.start + e.len).min(text.len()).max(start);
            Err(Pep508Failure {
                message: e.message.to_string(),
                range: start..end,
            })
        }
        Err(_) => Err(Pep508Failure {
            message: "the requirement parser failed on this line".into(),
            range: 0..text.len(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuations_and_comments_like_pip() {
        let text = "numpy==1.2 \\\n  --hash=sha256:abc  # comment\n# full comment\nscipy#notacomment\n\nx \\\n# c\ny\n";
        let lines = logical_lines(text);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.trim()).collect();
        assert_eq!(
            texts,
            vec![
                "numpy==1.2   --hash=sha256:abc",
                "scipy#notacomment",
                "x",
                "y"
            ]
        );
        // The hash token maps back into the second physical line.
        let l = &lines[0];
        let at = l.text.find("--hash").unwrap();
        assert_eq!(&text[l.span(at..at + 6)], "--hash");
    }

    #[test]
    fn options_are_parsed_in_all_forms() {
        let t = tokens("-rfoo.txt --index-url=https://x -i https://y --pre -e .");
        let o = parse_options(&t, 0);
        let names: Vec<(&str, Option<&str>)> = o
            .iter()
            .map(|o| (o.name.as_str(), o.value.as_ref().map(|v| v.text)))
            .collect();
        assert_eq!(
            names,
            vec![
                ("requirement", Some("foo.txt")),
                ("index-url", Some("https://x")),
                ("index-url", Some("https://y")),
                ("pre", None),
                ("editable", Some(".")),
            ]
        );
    }

    #[test]
    fn direct_references() {
        assert!(is_direct_reference("git+https://github.com/a/b.git"));
        assert!(is_direct_reference(".[ci]"));
        assert!(is_direct_reference("https://x/y-1.0-py3-none-any.whl"));
        assert!(is_direct_reference("dist/pkg-1.0-py3-none-any.whl"));
        assert!(!is_direct_reference(
            "einops @ git+https://github.com/x/einops.git"
        ));
        assert!(!is_direct_reference("numpy>=1.2; python_version<'3.9'"));
    }

    proptest::proptest! {
        #[test]
        fn lines_never_panic(s in "\\PC{0,200}") {
            for l in logical_lines(&s) {
                let t = tokens(&l.text);
                let _ = parse_options(&t, 0);
                let _ = l.span(0..l.text.len());
                let _ = parse_pep508(&l.text);
                let _ = ReqLine::parse(&l);
            }
        }
    }
}
