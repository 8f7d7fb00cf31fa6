//! A YAML (and JSON) node tree with byte spans, built on serde-saphyr's `Spanned`.
//!
//! Checks need the position of every key and value and must see documents as written
//! (unknown keys, wrong types), so definitions are read into this generic tree rather than
//! into typed structs. JSON is read by the same parser (JSON is YAML 1.2 flow syntax).

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::syntax::Span;

/// A value in the tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A value with its byte span in the source text. Container spans cover their first key or
/// item through the end of their last value.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Yaml,
    pub span: Span,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Yaml::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Yaml::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Yaml::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Where to report a key missing from this mapping: its first key, else the start of the
    /// file.
    pub fn missing_key_span(&self) -> Span {
        self.as_map()
            .and_then(|m| m.first())
            .map(|(k, _)| k.span.clone())
            .unwrap_or(0..0)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Yaml::Null)
    }

    /// Null, empty string, empty list or empty mapping.
    pub fn is_empty(&self) -> bool {
        match &self.value {
            Yaml::Null => true,
            Yaml::Str(s) => s.trim().is_empty(),
            Yaml::Seq(s) => s.is_empty(),
            Yaml::Map(m) => m.is_empty(),
            _ => false,
        }
    }

    /// The (key, value) entry of a mapping whose key is the string `key` (last one wins,
    /// like most YAML loaders).
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Value of `key` when it is present and not null.
    pub fn get_non_null(&self, key: &str) -> Option<&Node> {
        self.get(key).filter(|v| !v.is_null())
    }

    /// A short name of the value's type for messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Yaml::Null => "null",
            Yaml::Bool(_) => "a boolean",
            Yaml::Int(_) => "a number",
            Yaml::Float(_) => "a number",
            Yaml::Str(_) => "a string",
            Yaml::Seq(_) => "a list",
            Yaml::Map(_) => "a mapping",
        }
    }

    /// Scalar rendered as text as it appears in the source (so `2.10` stays `2.10`).
    pub fn scalar_text<'t>(&'t self, source: &'t str) -> Option<&'t str> {
        match &self.value {
            Yaml::Str(s) => Some(s),
            Yaml::Int(_) | Yaml::Float(_) | Yaml::Bool(_) => source.get(self.span.clone()),
            _ => None,
        }
    }

    /// Byte offset in `source` where the string value's characters start, when the value is
    /// written verbatim (plain, or quoted without escapes). Lets checks point inside a value.
    pub fn content_offset(&self, source: &str) -> Option<usize> {
        let value = self.as_str()?;
        let raw = source.get(self.span.clone())?;
        if raw == value {
            return Some(self.span.start);
        }
        let quoted = raw.len() >= 2
            && ((raw.starts_with('"') && raw.ends_with('"'))
                || (raw.starts_with('\'') && raw.ends_with('\'')));
        if quoted && &raw[1..raw.len() - 1] == value {
            return Some(self.span.start + 1);
        }
        None
    }

    /// Span of `sub` (a byte range within the string value) in the source, falling back to
    /// the whole value when the value is not written verbatim.
    pub fn sub_span(&self, source: &str, sub: Span) -> Span {
        match self.content_offset(source) {
            Some(off) => off + sub.start..off + sub.end,
            None => self.span.clone(),
        }
    }
}

/// A parse failure, with a 1-based position when the parser gave one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l} column {c}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// Parses a YAML or JSON document. Empty documents parse to `Null`.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    if text.trim().is_empty() {
        return Ok(Node {
            value: Yaml::Null,
            span: 0..0,
        });
    }
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
    };
    // serde-saphyr is panic-free by design; the guard is belt and braces for user input.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        serde_saphyr::from_str_with_options::<Spanned<Raw>>(text, options)
    }));
    match result {
        Ok(Ok(root)) => Ok(convert(root, text)),
        Ok(Err(e)) => Err(yaml_error(&e.to_string())),
        Err(_) => Err(YamlError {
            message: "the YAML parser failed on this input".into(),
            line: None,
            column: None,
        }),
    }
}

fn yaml_error(display: &str) -> YamlError {
    // serde-saphyr's Display is "error: line L column C: message\n --> <input>..." .
    let first = display.lines().next().unwrap_or(display);
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let re = regex::Regex::new(r"^line (\d+) column (\d+): (.*)$").ok();
    if let Some(c) = re.as_ref().and_then(|re| re.captures(first)) {
        return YamlError {
            message: c[3].to_string(),
            line: c[1].parse().ok(),
            column: c[2].parse().ok(),
        };
    }
    YamlError {
        message: first.to_string(),
        line: None,
        column: None,
    }
}

/// Deserialization target mirroring [`Yaml`] with serde-saphyr spans.
enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        d.deserialize_any(RawVisitor)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(i64::try_from(v)
            .map(Raw::Int)
            .unwrap_or(Raw::Float(v as f64)))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Float(v as f64))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Raw, E> {
        Ok(Raw::Float(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }
    fn visit_char<E>(self, v: char) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<Spanned<Raw>, Spanned<Raw>>()? {
            entries.push(entry);
        }
        Ok(Raw::Map(entries))
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

fn span_of<T>(s: &Spanned<T>, text: &str) -> Span {
    let sp = s.referenced.span();
    let start = sp
        .byte_offset()
        .map(|b| b as usize)
        .unwrap_or_else(|| char_to_byte(text, sp.offset() as usize));
    let len = sp.byte_len().map(|b| b as usize).unwrap_or(0);
    let start = start.min(text.len());
    let mut end = (start + len).min(text.len());
    while end > start && !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut start = start;
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    start..end
}

fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map(|(b, _)| b)
        .unwrap_or(text.len())
}

fn convert(raw: Spanned<Raw>, text: &str) -> Node {
    let span = span_of(&raw, text);
    let value = match raw.value {
        Raw::Null => Yaml::Null,
        Raw::Bool(b) => Yaml::Bool(b),
        Raw::Int(i) => Yaml::Int(i),
        Raw::Float(f) => Yaml::Float(f),
        Raw::Str(s) => Yaml::Str(s),
        Raw::Seq(items) => Yaml::Seq(items.into_iter().map(|i| convert(i, text)).collect()),
        Raw::Map(entries) => Yaml::Map(
            entries
                .into_iter()
                .map(|(k, v)| (convert(k, text), convert(v, text)))
                .collect(),
        ),
    };
    let span = match &value {
        Yaml::Seq(items) => extend(
            span,
            items.first().map(|n| &n.span),
            items.last().map(|n| &n.span),
        ),
        Yaml::Map(entries) => extend(
            span,
            entries.first().map(|(k, _)| &k.span),
            entries.last().map(|(_, v)| &v.span),
        ),
        _ => span,
    };
    Node { value, span }
}

fn extend(own: Span, first: Option<&Span>, last: Option<&Span>) -> Span {
    let start = first.map_or(own.start, |f| f.start.min(own.start));
    let end = last.map_or(own.end, |l| l.end.max(own.end));
    start..end.max(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_bytes_and_values_verbatim() {
        let src = "name: \"héllo\"\ntags:\n  hpcx: 2.10\ndependencies:\n  - python=3.8\n  - pip:\n    - numpy=1.2\n";
        let root = parse(src).unwrap();
        let name = root.get("name").unwrap();
        assert_eq!(&src[name.span.clone()], "\"héllo\"");
        assert_eq!(name.content_offset(src), Some(name.span.start + 1));
        let hpcx = root.get("tags").unwrap().get("hpcx").unwrap();
        assert_eq!(hpcx.scalar_text(src), Some("2.10"));
        let deps = root.get("dependencies").unwrap().as_seq().unwrap();
        assert_eq!(&src[deps[0].span.clone()], "python=3.8");
        let pip = deps[1].get("pip").unwrap().as_seq().unwrap();
        assert_eq!(pip[0].sub_span(src, 5..6), {
            let s = src.find("=1.2").unwrap();
            s..s + 1
        });
    }

    #[test]
    fn json_parses() {
        let src = "{\n  \"python\": {\"userManagedDependencies\": false},\n\t\"r\": null}";
        let root = parse(src).unwrap();
        assert!(root.get("r").unwrap().is_null());
        assert_eq!(
            root.get("python")
                .unwrap()
                .get("userManagedDependencies")
                .unwrap()
                .value,
            Yaml::Bool(false)
        );
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("a: [").unwrap_err();
        assert_eq!((e.line, e.column), (Some(1), Some(4)));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = parse(&text);
        }

        #[test]
        fn never_panics_on_yamlish(s in "[a-z:\\-\\[\\]{}'\" \n#&*!|>0-9.,]{0,120}") {
            let _ = parse(&s);
        }
    }
}
