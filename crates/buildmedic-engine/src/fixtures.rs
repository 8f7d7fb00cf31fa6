//! Running the fixtures of knowledge-base entries (`buildmedic rules test`).

use std::collections::BTreeMap;

use buildmedic_kb::{Entry, Expect, Severity};

use crate::{Diagnosis, Engine, Status};

/// The outcome of one fixture.
#[derive(Debug, Clone)]
pub struct FixtureResult {
    pub kind: String,
    pub file: String,
    pub expect: Expect,
    /// `None` when the fixture passed, else what went wrong.
    pub failure: Option<String>,
    pub primary: Option<String>,
}

/// Runs every fixture of `entries` through `engine`.
pub fn run_fixtures<'a>(
    engine: &Engine,
    entries: impl IntoIterator<Item = &'a Entry>,
) -> Vec<FixtureResult> {
    let mut out = Vec::new();
    for entry in entries {
        for fx in &entry.fixtures {
            let d = engine.diagnose_bytes(&fx.bytes, &fx.file);
            let failure = check(entry, fx, &d);
            out.push(FixtureResult {
                kind: entry.kind.clone(),
                file: fx.file.clone(),
                expect: fx.expect,
                failure,
                primary: d.primary().map(|p| p.kind.clone()),
            });
        }
    }
    out
}

fn check(entry: &Entry, fx: &buildmedic_kb::Fixture, d: &Diagnosis) -> Option<String> {
    let primary = d.primary().map(|p| p.kind.as_str());
    let describe = || match (d.status, primary) {
        (Status::Succeeded, _) => "status succeeded".to_string(),
        (_, Some(k)) => format!("primary `{k}`"),
        (_, None) => "no primary finding".to_string(),
    };
    match fx.expect {
        Expect::Primary => {
            if d.status != Status::Failed || primary != Some(entry.kind.as_str()) {
                return Some(format!(
                    "expected primary `{}`, got {}",
                    entry.kind,
                    describe()
                ));
            }
            missing_entity(fx, d.primary().map(|p| &p.entities))
        }
        Expect::Warning => {
            if d.status != Status::Succeeded {
                return Some(format!(
                    "expected status succeeded with a `{}` warning, got {}",
                    entry.kind,
                    describe()
                ));
            }
            let Some(finding) = d.findings.iter().find(|f| f.kind == entry.kind) else {
                return Some(format!("expected a `{}` warning, found none", entry.kind));
            };
            if finding.severity != Severity::Warning {
                return Some(format!(
                    "the `{}` finding has severity {:?}, expected warning",
                    entry.kind, finding.severity
                ));
            }
            missing_entity(fx, Some(&finding.entities))
        }
        Expect::NotPrimary => (primary == Some(entry.kind.as_str()))
            .then(|| format!("`{}` must not be the primary finding", entry.kind)),
        Expect::Absent => {
            let anywhere = d.findings.iter().any(|f| f.kind == entry.kind)
                || d.suppressed.iter().any(|s| s.kind == entry.kind);
            anywhere.then(|| format!("`{}` must not appear in the diagnosis", entry.kind))
        }
        Expect::Succeeded => (d.status != Status::Succeeded)
            .then(|| format!("expected status succeeded, got {}", describe())),
    }
}

/// The first of the fixture's entities that `found` lacks, as a failure message.
fn missing_entity(
    fx: &buildmedic_kb::Fixture,
    found: Option<&BTreeMap<String, Vec<String>>>,
) -> Option<String> {
    for (name, values) in &fx.entities {
        for v in values {
            let have = found.and_then(|e| e.get(name));
            if !have.is_some_and(|vs| vs.iter().any(|x| x == v)) {
                return Some(format!(
                    "expected entity {name} = `{v}`, found {:?}",
                    have.cloned().unwrap_or_default()
                ));
            }
        }
    }
    None
}
