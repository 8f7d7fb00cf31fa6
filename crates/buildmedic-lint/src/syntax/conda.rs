//! conda environment specifications: files, v1 inline `condaDependencies`, v2 inline
//! `conda_file` mappings. conda's grammar (`syntax::conda_spec`) decides validity; entries are
//! parsed with rattler's MatchSpec for their structure (strict, accepting
//! `conda env export`'s `name=version=build` form).

use rattler_conda_types::{MatchSpec, ParseMatchSpecOptions};

use crate::syntax::requirements::Logical;
use crate::syntax::yaml::Node;

/// The top-level keys of a conda environment file.
pub const TOP_LEVEL_KEYS: &[&str] = &["name", "channels", "dependencies", "prefix", "variables"];

/// One string entry of `dependencies`.
pub struct CondaDep<'a> {
    pub node: &'a Node,
    pub text: &'a str,
    /// Lower-cased package name (without channel), when one could be read.
    pub name: Option<String>,
    /// Strict parse result (after accepting conda's `name=version=build` export form).
    pub spec: Result<MatchSpec, String>,
    /// Whether rattler's lenient parser accepts the entry.
    pub lenient_ok: bool,
    /// rattler's lenient parse, when the strict one failed and the lenient one did not.
    pub lenient: Option<MatchSpec>,
    /// Whether conda itself accepts the entry ([`crate::syntax::conda_spec`]): conda, not
    /// rattler, decides what is an error.
    pub conda: Result<(), String>,
}

impl CondaDep<'_> {
    /// Whether the entry constrains the version (or pins a build, file or URL).
    pub fn is_pinned(&self) -> bool {
        match &self.spec {
            Ok(m) => {
                m.version.is_some() || m.build.is_some() || m.url.is_some() || m.file_name.is_some()
            }
            // Unparsable entries are reported by conda-bad-spec; don't pile on.
            Err(_) => true,
        }
    }
}

/// A `- pip: [...]` item of `dependencies`.
pub struct PipSection<'a> {
    pub key: &'a Node,
    pub list: &'a Node,
}

/// A conda spec as the checks see it.
pub struct CondaEnv<'a> {
    pub root: &'a Node,
    pub channels: Option<(&'a Node, &'a Node)>,
    pub dependencies: Option<(&'a Node, &'a Node)>,
    pub deps: Vec<CondaDep<'a>>,
    pub pip_sections: Vec<PipSection<'a>>,
}

impl<'a> CondaEnv<'a> {
    pub fn read(root: &'a Node) -> CondaEnv<'a> {
        let channels = root.entry("channels");
        let dependencies = root.entry("dependencies");
        let mut deps = Vec::new();
        let mut pip_sections = Vec::new();
        if let Some(items) = dependencies.and_then(|(_, v)| v.as_seq()) {
            for item in items {
                if let Some(text) = item.as_str() {
                    deps.push(parse_dep(item, text));
                } else if let Some((key, list)) = item.entry("pip") {
                    pip_sections.push(PipSection { key, list });
                }
            }
        }
        CondaEnv {
            root,
            channels,
            dependencies,
            deps,
            pip_sections,
        }
    }

    /// The conda entries named `name`.
    pub fn named(&self, name: &str) -> impl Iterator<Item = &CondaDep<'a>> {
        self.deps
            .iter()
            .filter(move |d| d.name.as_deref() == Some(name))
    }

    /// Every string item of every `pip:` list.
    pub fn pip_entries(&self) -> impl Iterator<Item = &'a Node> + '_ {
        self.pip_sections
            .iter()
            .filter_map(|s| s.list.as_seq())
            .flatten()
            .filter(|n| n.as_str().is_some())
    }

    /// Every `pip:` item as a requirements line, mapped back to `source` (the file text):
    /// conda hands the list to pip as a requirements file.
    pub fn pip_lines(&self, source: &str) -> Vec<Logical> {
        self.pip_entries()
            .map(|entry| {
                let text = entry.as_str().unwrap_or_default();
                match entry.content_offset(source) {
                    Some(off) => Logical::verbatim(text, off),
                    None => Logical::opaque(text, entry.span.clone()),
                }
            })
            .collect()
    }

    /// The `channels` that are strings, in order.
    pub fn channel_names(&self) -> Vec<String> {
        self.channels
            .and_then(|(_, v)| v.as_seq())
            .map(|items| {
                items
                    .iter()
                    .filter_map(Node::as_str)
                    .map(|s| s.trim().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The environment's `name`, when it is a string.
    pub fn name(&self) -> Option<&'a str> {
        self.root.get("name").and_then(Node::as_str)
    }
}

fn parse_dep<'a>(node: &'a Node, text: &'a str) -> CondaDep<'a> {
    let parsed = parse_spec(text);
    CondaDep {
        node,
        text,
        name: parsed.name,
        spec: parsed.spec,
        lenient_ok: parsed.lenient_ok,
        lenient: parsed.lenient,
        conda: parsed.conda,
    }
}

/// A conda spec string read the way conda reads it.
#[derive(Debug, Clone)]
pub struct ParsedSpec {
    /// Lower-cased package name (without channel), when one could be read.
    pub name: Option<String>,
    /// Strict parse result (after accepting conda's `name=version=build` export form).
    pub spec: Result<MatchSpec, String>,
    /// Whether rattler's lenient parser accepts the entry.
    pub lenient_ok: bool,
    /// rattler's lenient parse, when the strict one failed and the lenient one did not.
    pub lenient: Option<MatchSpec>,
    /// Whether conda itself accepts the entry.
    pub conda: Result<(), String>,
}

/// Parses one conda spec (`numpy=1.26`, `conda-forge::numpy >=1.26,<2`, `bzip2=1.0.8=h4bc722e_7`).
pub fn parse_spec(text: &str) -> ParsedSpec {
    let trimmed = text.trim();
    let strict = MatchSpec::from_str(trimmed, ParseMatchSpecOptions::strict());
    let lenient = if strict.is_ok() {
        None
    } else {
        MatchSpec::from_str(trimmed, ParseMatchSpecOptions::lenient()).ok()
    };
    let lenient_ok = strict.is_ok() || lenient.is_some();
    let conda = crate::syntax::conda_spec::check_match_spec(trimmed);
    let spec = match strict {
        Ok(m) => Ok(m),
        Err(e) => match export_form(trimmed) {
            // `name=1.0=build` is what `conda env export` writes; rattler's strict mode
            // rejects it, conda accepts it. Validate it in its spaced form instead.
            Some(spaced) => MatchSpec::from_str(&spaced, ParseMatchSpecOptions::strict())
                .map_err(|_| e.to_string()),
            None => Err(e.to_string()),
        },
    };
    let name = match spec.as_ref().ok().or(lenient.as_ref()) {
        Some(m) => m
            .name
            .as_exact()
            .map(|n| n.as_normalized().to_ascii_lowercase()),
        None => fallback_name(trimmed),
    };
    ParsedSpec {
        name,
        spec,
        lenient_ok,
        lenient,
        conda,
    }
}

/// `name=version=build` → `name ==version build`.
fn export_form(s: &str) -> Option<String> {
    let mut parts = s.split('=');
    let (name, version, build) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || name.is_empty() || version.is_empty() || build.is_empty() {
        return None;
    }
    let ok = |p: &str| {
        p.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-+:!*".contains(c))
    };
    let op = if version.contains('*') { "" } else { "==" };
    (ok(name)
        && ok(version)
        && build
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '*'))
    .then(|| format!("{name} {op}{version} {build}"))
}

/// Best-effort package name of an entry the parser rejected.
pub fn fallback_name(s: &str) -> Option<String> {
    let s = s.rsplit("::").next().unwrap_or(s).trim();
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .unwrap_or(s.len());
    let name = &s[..end];
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_form_is_accepted() {
        let node = Node {
            value: crate::syntax::yaml::Yaml::Str("bzip2=1.0.8=h4bc722e_7".into()),
            span: 0..0,
        };
        let d = parse_dep(&node, "bzip2=1.0.8=h4bc722e_7");
        assert!(d.spec.is_ok(), "{:?}", d.spec.err());
        assert_eq!(d.name.as_deref(), Some("bzip2"));
    }

    #[test]
    fn names_of_bad_specs() {
        assert_eq!(
            fallback_name("conda-forge::Python=>3.9").as_deref(),
            Some("python")
        );
        assert_eq!(fallback_name("=2.7"), None);
    }

    proptest::proptest! {
        #[test]
        fn specs_never_panic(spec in "\\PC{0,40}") {
            let node = Node { value: crate::syntax::yaml::Yaml::Str(spec.clone()), span: 0..0 };
            let dep = parse_dep(&node, &spec);
            let _ = dep.is_pinned();
        }
    }
}
