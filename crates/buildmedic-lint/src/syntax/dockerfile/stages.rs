//! Build stages: which instructions belong to which `FROM`, what each stage builds on, and
//! the `ARG` values a `FROM` line can see. Shared by the checks that need more than one line.

use std::collections::HashMap;

use super::ast::{Dockerfile, Instruction, Keyword, Span};

/// What a stage starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// `FROM scratch`.
    Scratch,
    /// An earlier stage, by index.
    Stage(usize),
    /// An image reference (after `ARG` substitution).
    Image {
        reference: String,
        /// Span of the reference as written in the `FROM` line.
        span: Span,
        /// Whether `ARG` substitution changed the text (spans inside it are then unreliable).
        substituted: bool,
    },
    /// Uses an `ARG` without a default, or other syntax this linter cannot resolve.
    Unresolved,
    /// `FROM` without an argument.
    Missing,
}

/// One `FROM` and the instructions up to the next one.
#[derive(Debug, Clone)]
pub struct Stage {
    /// Index of the `FROM` instruction.
    pub from: usize,
    /// Indices of the instructions in the stage (after `FROM`).
    pub body: std::ops::Range<usize>,
    /// Lowercase stage name (`AS name`).
    pub name: Option<String>,
    pub base: Base,
}

/// The value of a meta `ARG` as far as this linter can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgValue {
    /// Declared without a default.
    Unset,
    /// The default, with earlier `ARG`s expanded in it.
    Value(String),
    /// The default uses a variable this linter cannot resolve: any value is possible.
    Unknown,
}

/// `ARG` declarations before the first `FROM` with their defaults. As BuildKit does, each
/// default is expanded with the `ARG`s declared before it (in order of declaration).
pub fn meta_args(df: &Dockerfile) -> HashMap<String, ArgValue> {
    let mut args = HashMap::new();
    for ins in &df.instructions {
        match ins.kind {
            Some(Keyword::From) => break,
            Some(Keyword::Arg) => {
                for word in buildmedic_shell::raw_words(&ins.args) {
                    let word = buildmedic_shell::unquote(&ins.args[word]);
                    let (name, value) = match word.split_once('=') {
                        Some((name, value)) if value.contains('$') => (
                            name.to_string(),
                            substitute(value, &args).map_or(ArgValue::Unknown, ArgValue::Value),
                        ),
                        Some((name, value)) => {
                            (name.to_string(), ArgValue::Value(value.to_string()))
                        }
                        None => (word, ArgValue::Unset),
                    };
                    args.insert(name, value);
                }
            }
            _ => {}
        }
    }
    args
}

/// Expand `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR-default}` with `args`.
/// `None` when a variable has no value, its value is unknown, or the syntax is something else.
pub fn substitute(text: &str, args: &HashMap<String, ArgValue>) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let (name, default, consumed) = if let Some(braced) = after.strip_prefix('{') {
            let close = braced.find('}')?;
            let inner = &braced[..close];
            let (name, default) = match inner.find([':', '-']) {
                Some(i) => {
                    let op_rest = &inner[i..];
                    let default = op_rest
                        .strip_prefix(":-")
                        .or_else(|| op_rest.strip_prefix('-'))?;
                    (&inner[..i], Some(default))
                }
                None => (inner, None),
            };
            (name, default, close + 2)
        } else {
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..len], None, len)
        };
        if name.is_empty() {
            return None;
        }
        let value = match args.get(name) {
            Some(ArgValue::Value(v)) if !v.is_empty() => v.clone(),
            Some(ArgValue::Unknown) => return None,
            // A default may itself name an `ARG` (`${A:-$B}`).
            _ => match default? {
                d if d.contains('$') => substitute(d, args)?,
                d => d.to_string(),
            },
        };
        out.push_str(&value);
        rest = &after[consumed..];
    }
    out.push_str(rest);
    Some(out)
}

/// Split the instructions into stages.
pub fn stages(df: &Dockerfile) -> Vec<Stage> {
    let args = meta_args(df);
    let mut stages: Vec<Stage> = Vec::new();
    let froms: Vec<usize> = df
        .instructions
        .iter()
        .enumerate()
        .filter(|(_, i)| i.kind == Some(Keyword::From))
        .map(|(n, _)| n)
        .collect();
    for (k, &from) in froms.iter().enumerate() {
        let end = froms.get(k + 1).copied().unwrap_or(df.instructions.len());
        let ins = &df.instructions[from];
        let words = from_words(ins);
        let name = match words.as_slice() {
            [_, (as_kw, _), (name, _)] if as_kw.eq_ignore_ascii_case("as") => {
                Some(name.to_ascii_lowercase())
            }
            _ => None,
        };
        let base = match words.first() {
            None => Base::Missing,
            Some((image, range)) => {
                resolve_base(image, ins.args_span(range.clone()), &stages, &args)
            }
        };
        stages.push(Stage {
            from,
            body: from + 1..end,
            name,
            base,
        });
    }
    stages
}

/// Whitespace-separated arguments of a `FROM` with their ranges in `args`.
pub fn from_words(ins: &Instruction) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in ins.args.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((ins.args[s..i].to_string(), s..i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((ins.args[s..].to_string(), s..ins.args.len()));
    }
    out
}

fn resolve_base(
    image: &str,
    span: Span,
    stages: &[Stage],
    args: &HashMap<String, ArgValue>,
) -> Base {
    let (reference, substituted) = if image.contains('$') {
        match substitute(image, args) {
            Some(r) => (r, true),
            None => return Base::Unresolved,
        }
    } else {
        (image.to_string(), false)
    };
    if reference.eq_ignore_ascii_case("scratch") {
        return Base::Scratch;
    }
    let lower = reference.to_ascii_lowercase();
    if let Some(index) = stages
        .iter()
        .rposition(|s| s.name.as_deref() == Some(lower.as_str()))
    {
        return Base::Stage(index);
    }
    Base::Image {
        reference,
        span,
        substituted,
    }
}

/// The image a stage finally builds on, following `FROM <stage>` links.
pub fn root_image(stages: &[Stage], mut index: usize) -> &Base {
    for _ in 0..stages.len() {
        match &stages[index].base {
            Base::Stage(parent) if *parent < index => index = *parent,
            _ => break,
        }
    }
    &stages[index].base
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::dockerfile::parse;

    #[test]
    fn arg_defaults_resolve_in_from() {
        let df = parse(
            "ARG BASE=python\nARG TAG\nFROM ${BASE}:${TAG:-3.11} AS build\nFROM build\nFROM $NOPE\nFROM scratch\n",
        );
        let s = stages(&df);
        assert_eq!(s.len(), 4);
        match &s[0].base {
            Base::Image {
                reference,
                substituted,
                ..
            } => {
                assert_eq!(reference, "python:3.11");
                assert!(substituted);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s[0].name.as_deref(), Some("build"));
        assert_eq!(s[1].base, Base::Stage(0));
        assert_eq!(s[2].base, Base::Unresolved);
        assert_eq!(s[3].base, Base::Scratch);
        assert!(matches!(root_image(&s, 1), Base::Image { .. }));
    }

    #[test]
    fn arg_defaults_expand_earlier_args() {
        let df = parse(
            "ARG REGISTRY=quay.io\nARG BASE=$REGISTRY/jupyter/base-notebook:2024-01-01\nARG T\nARG OTHER=${T:-py}:${NOPE}\nFROM $BASE\nFROM ${OTHER}\n",
        );
        let args = meta_args(&df);
        assert_eq!(
            args.get("BASE"),
            Some(&ArgValue::Value(
                "quay.io/jupyter/base-notebook:2024-01-01".to_string()
            ))
        );
        assert_eq!(args.get("OTHER"), Some(&ArgValue::Unknown));
        let s = stages(&df);
        assert!(
            matches!(&s[0].base, Base::Image { reference, .. } if reference == "quay.io/jupyter/base-notebook:2024-01-01")
        );
        assert_eq!(s[1].base, Base::Unresolved);
    }

    #[test]
    fn substitute_forms() {
        let args: HashMap<String, ArgValue> = [
            ("A".to_string(), ArgValue::Value("x".to_string())),
            ("E".to_string(), ArgValue::Unset),
            ("U".to_string(), ArgValue::Unknown),
        ]
        .into();
        assert_eq!(substitute("${U:-d}", &args), None);
        assert_eq!(substitute("${E:-$A}", &args).as_deref(), Some("x"));
        assert_eq!(substitute("$A-${A}", &args).as_deref(), Some("x-x"));
        assert_eq!(substitute("${E:-d}", &args).as_deref(), Some("d"));
        assert_eq!(substitute("${E}", &args), None);
        assert_eq!(substitute("${A", &args), None);
        assert_eq!(substitute("$", &args), None);
    }
}
