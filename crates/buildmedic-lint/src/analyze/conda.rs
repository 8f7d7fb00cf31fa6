//! conda environment specifications: files, v1 inline `condaDependencies`, v2 inline
//! `conda_file` mappings.

use rattler_conda_types::{MatchSpec, ParseMatchSpecOptions};

use crate::analyze::requirements::{self, Logical, ReqOrigin};
use crate::checks;
use crate::context::FileCx;
use crate::yaml::Node;

/// One string entry of `dependencies`.
pub(crate) struct CondaDep<'a> {
    pub node: &'a Node,
    pub text: &'a str,
    /// Lower-cased package name (without channel), when one could be read.
    pub name: Option<String>,
    /// Strict parse result (after accepting conda's `name=version=build` export form).
    pub spec: Result<MatchSpec, String>,
    /// Whether conda's lenient parser accepts the entry.
    pub lenient_ok: bool,
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
pub(crate) struct PipSection<'a> {
    pub key: &'a Node,
    pub list: &'a Node,
}

/// A conda spec as the checks see it.
pub(crate) struct CondaEnv<'a> {
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
}

fn parse_dep<'a>(node: &'a Node, text: &'a str) -> CondaDep<'a> {
    let trimmed = text.trim();
    let strict = MatchSpec::from_str(trimmed, ParseMatchSpecOptions::strict());
    let lenient_ok =
        strict.is_ok() || MatchSpec::from_str(trimmed, ParseMatchSpecOptions::lenient()).is_ok();
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
    let name = match &spec {
        Ok(m) => m
            .name
            .as_exact()
            .map(|n| n.as_normalized().to_ascii_lowercase()),
        Err(_) => fallback_name(trimmed),
    };
    CondaDep {
        node,
        text,
        name,
        spec,
        lenient_ok,
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
pub(crate) fn fallback_name(s: &str) -> Option<String> {
    let s = s.rsplit("::").next().unwrap_or(s).trim();
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .unwrap_or(s.len());
    let name = &s[..end];
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

/// Lints a conda file.
pub(crate) fn lint_file(root: &Node, cx: &mut FileCx<'_>) {
    lint_spec(root, cx);
}

/// Lints a conda spec rooted at `root` (a whole file or an inline mapping).
pub(crate) fn lint_spec(root: &Node, cx: &mut FileCx<'_>) {
    if !checks::conda_spec_invalid::check(root, cx) {
        return;
    }
    let env = CondaEnv::read(root);
    checks::conda_channels_missing::check(&env, cx);
    checks::conda_bad_spec::check(&env, cx);
    checks::python_version_missing::check(&env, cx);
    checks::python_version_multiple::check(&env, cx);
    checks::python_version_invalid::check(&env, cx);
    checks::python_version_unsupported::check(&env, cx);
    checks::python_version_not_recommended::check(&env, cx);
    checks::conda_deps_unpinned::check_conda(&env, cx);
    checks::pip_not_specified::check(&env, cx);
    checks::pip_not_pinned::check(&env, cx);
    let source = cx.file.text.clone();
    for entry in env.pip_entries() {
        let text = entry.as_str().unwrap_or_default();
        let logical = match entry.content_offset(&source) {
            Some(off) => Logical::verbatim(text, off),
            None => Logical::opaque(text, entry.span.clone()),
        };
        requirements::lint_logical(&logical, cx, ReqOrigin::CondaPipSection);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_form_is_accepted() {
        let node = Node {
            value: crate::yaml::Yaml::Str("bzip2=1.0.8=h4bc722e_7".into()),
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
            let node = Node { value: crate::yaml::Yaml::Str(spec.clone()), span: 0..0 };
            let dep = parse_dep(&node, &spec);
            let _ = dep.is_pinned();
            let _ = crate::analyze::python::python_pin(&dep);
        }

        #[test]
        fn conda_documents_never_panic(doc in "(name: [a-z]{1,5}\n)?(channels:\n(  - [a-z:/.-]{0,12}\n){0,2})?dependencies:\n(  - [a-zA-Z0-9=<>!~*.,:|\\[\\]' @/+-]{0,24}\n){0,6}(  - pip:\n(    - [a-zA-Z0-9=<>!~*.,;:'\" @/+\\[\\]-]{0,30}\n){0,4})?") {
            let Ok(root) = crate::yaml::parse(&doc) else { return Ok(()) };
            let config = crate::LintConfig::default();
            let file = crate::SourceFile::new("/nonexistent/env.yml", "env.yml", crate::FileKind::Conda, doc.clone());
            let mut cx = FileCx::new(&config, &file);
            lint_file(&root, &mut cx);
            for d in cx.into_diagnostics() {
                proptest::prop_assert!(d.span.end <= doc.len());
            }
        }
    }
}
