//! Running the fixtures of knowledge-base entries (`buildmedic rules test`).

use buildmedic_kb::{Entry, Expect};

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
            let found = d.primary().map(|p| &p.entities);
            for (name, values) in &fx.entities {
                for v in values {
                    let ok = found
                        .and_then(|e| e.get(name))
                        .is_some_and(|vs| vs.iter().any(|x| x == v));
                    if !ok {
                        return Some(format!(
                            "expected entity {name} = `{v}`, found {:?}",
                            found.and_then(|e| e.get(name)).cloned().unwrap_or_default()
                        ));
                    }
                }
            }
            None
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
