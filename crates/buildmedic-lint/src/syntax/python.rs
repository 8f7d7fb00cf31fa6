//! What Python a conda `python` entry asks for.

use crate::syntax::conda::CondaDep;

/// The newest Python `major.minor` a spec allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PythonPin {
    /// No version at all (`python`).
    Unversioned,
    /// Only lower bounds (`python>=3.8`): the solver picks the newest, nothing to judge.
    LowerBoundOnly,
    /// The newest `major.minor` the spec admits.
    Newest(u32, u32),
    /// The entry does not parse or names no numeric version.
    Invalid(String),
}

pub fn python_pin(dep: &CondaDep<'_>) -> PythonPin {
    if let Err(e) = &dep.conda {
        return PythonPin::Invalid(e.clone());
    }
    // conda accepts the entry: read it with rattler (lenient where strict refuses it). Its
    // grammar is fine; it is only invalid when it names no version at all (`python=three`).
    let spec = match (&dep.spec, &dep.lenient) {
        (Ok(s), _) | (Err(_), Some(s)) => s,
        (Err(_), None) => return PythonPin::LowerBoundOnly,
    };
    let names_no_version = spec.version.as_ref().is_some_and(|v| {
        let v = v.to_string();
        !v.bytes().any(|b| b.is_ascii_digit()) && v.bytes().any(|b| b.is_ascii_alphabetic())
    });
    match pin_of(spec) {
        PythonPin::Invalid(reason) if names_no_version => PythonPin::Invalid(reason),
        PythonPin::Invalid(_) => PythonPin::LowerBoundOnly,
        pin => pin,
    }
}

fn pin_of(spec: &rattler_conda_types::MatchSpec) -> PythonPin {
    let Some(version) = &spec.version else {
        return if spec.build.is_some() || spec.url.is_some() {
            PythonPin::LowerBoundOnly
        } else {
            PythonPin::Unversioned
        };
    };
    newest_allowed(&version.to_string())
}

/// Reads a rendered VersionSpec (`3.8.*`, `>=3.8,<3.9`, `3.8.*|3.9.*`, `~=3.10`, `==3.11.4`).
pub fn newest_allowed(spec: &str) -> PythonPin {
    if !spec.bytes().any(|b| b.is_ascii_digit()) {
        return PythonPin::Invalid(format!("`{spec}` is not a version"));
    }
    let mut newest: Option<(u32, u32)> = None;
    for alt in spec.split('|') {
        let mut exact = None;
        let mut upper: Option<(u32, u32)> = None;
        for c in alt.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            let (op, ver) = split_op(c);
            let Some(mm) = major_minor(ver) else {
                if !ver.bytes().any(|b| b.is_ascii_digit()) {
                    return PythonPin::Invalid(format!("`{ver}` is not a version"));
                }
                continue;
            };
            match op {
                "" | "=" | "==" | "~=" | "===" => exact = Some(mm),
                "<=" => upper = Some(upper.map_or(mm, |u| u.min(mm))),
                "<" => {
                    let below = if ver_is_minor_boundary(ver) {
                        (mm.0, mm.1.saturating_sub(1))
                    } else {
                        mm
                    };
                    upper = Some(upper.map_or(below, |u| u.min(below)));
                }
                _ => {}
            }
        }
        let alt_newest = match (exact, upper) {
            (Some(e), _) => e,
            (None, Some(u)) => u,
            (None, None) => return PythonPin::LowerBoundOnly,
        };
        newest = Some(newest.map_or(alt_newest, |n| n.max(alt_newest)));
    }
    match newest {
        Some((a, b)) => PythonPin::Newest(a, b),
        None => PythonPin::LowerBoundOnly,
    }
}

fn split_op(c: &str) -> (&str, &str) {
    let end = c
        .find(|ch: char| !matches!(ch, '<' | '>' | '=' | '!' | '~'))
        .unwrap_or(c.len());
    (&c[..end], c[end..].trim())
}

fn major_minor(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.split(['.', '*']).filter(|p| !p.is_empty());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map(|m| {
        let digits: String = m.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().unwrap_or(0)
    });
    Some((major, minor.unwrap_or(0)))
}

/// `<3.9` and `<3.9.0` exclude all of 3.9; `<3.9.7` does not.
fn ver_is_minor_boundary(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() <= 2
        || parts[2..]
            .iter()
            .all(|p| p.chars().all(|c| c == '0' || c == 'a' || c == '*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_versions() {
        assert_eq!(newest_allowed("3.8.*"), PythonPin::Newest(3, 8));
        assert_eq!(newest_allowed(">=3.8,<3.9"), PythonPin::Newest(3, 8));
        assert_eq!(newest_allowed(">=3.5,<=3.7.6"), PythonPin::Newest(3, 7));
        assert_eq!(newest_allowed(">=3.8"), PythonPin::LowerBoundOnly);
        assert_eq!(newest_allowed("3.8.*|3.9.*"), PythonPin::Newest(3, 9));
        assert_eq!(newest_allowed("==3.10.15"), PythonPin::Newest(3, 10));
        assert_eq!(newest_allowed("<3.10.4"), PythonPin::Newest(3, 10));
        assert!(matches!(newest_allowed("three.*"), PythonPin::Invalid(_)));
    }

    proptest::proptest! {
        #[test]
        fn python_specs_never_panic(spec in "python[ =<>!~*.,|0-9a-z]{0,20}") {
            let root = crate::syntax::yaml::Node {
                value: crate::syntax::yaml::Yaml::Seq(vec![crate::syntax::yaml::Node {
                    value: crate::syntax::yaml::Yaml::Str(spec.clone()),
                    span: 0..0,
                }]),
                span: 0..0,
            };
            let deps = crate::syntax::yaml::Node {
                value: crate::syntax::yaml::Yaml::Map(vec![(
                    crate::syntax::yaml::Node { value: crate::syntax::yaml::Yaml::Str("dependencies".into()), span: 0..0 },
                    root,
                )]),
                span: 0..0,
            };
            let env = crate::syntax::conda::CondaEnv::read(&deps);
            for dep in &env.deps {
                let _ = python_pin(dep);
            }
        }
    }
}
