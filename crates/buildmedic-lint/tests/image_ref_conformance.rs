//! distribution/reference's own test tables (transcribed to `shared/conformance/image-refs.jsonl`),
//! each case checked against the API it names. Skips with a message when the file is absent
//! (a fresh clone has no `shared/`).
//!
//! The Go test binary links only sha256, so cases run with [`DigestAlgorithms::Sha256Only`];
//! the linter itself accepts sha384/sha512 like Docker does.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use buildmedic_lint::syntax::image_ref::grammar::{
    self, ANCHORED_IDENTIFIER, ANCHORED_NAME, AnyReference, DOMAIN_AND_PORT, DigestAlgorithms,
    REFERENCE, Reference,
};
use serde_json::Value;

const CONFORMANCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/conformance/image-refs.jsonl"
);
const GO: DigestAlgorithms = DigestAlgorithms::Sha256Only;

fn field<'a>(case: &'a Value, key: &str) -> Option<&'a str> {
    case.get(key).and_then(Value::as_str)
}

/// Compare an optional expected field with the actual value (absent expected = not asserted,
/// except for tag/digest where absence means "none" when `strict`).
fn expect_eq(case: &Value, key: &str, actual: Option<&str>, strict: bool) -> Result<(), String> {
    match (field(case, key), actual) {
        (Some(e), Some(a)) if e == a => Ok(()),
        (None, None) => Ok(()),
        (None, Some(_)) if !strict => Ok(()),
        (e, a) => Err(format!("{key}: expected {e:?}, got {a:?}")),
    }
}

fn check_named(case: &Value, r: &Reference, strict_suffixes: bool) -> Result<(), String> {
    let name = r.name();
    expect_eq(case, "domain", Some(&r.domain), false)?;
    expect_eq(case, "path", Some(&r.path), false)?;
    expect_eq(case, "name", Some(&name), false)?;
    expect_eq(case, "tag", r.tag.as_deref(), strict_suffixes)?;
    expect_eq(case, "digest", r.digest.as_deref(), strict_suffixes)?;
    if let Some(n) = field(case, "normalized") {
        let got = r.to_string();
        if got != n {
            return Err(format!("normalized: expected {n}, got {got}"));
        }
    }
    if let Some(f) = field(case, "familiar") {
        let got = r.familiar_string();
        if got != f {
            return Err(format!("familiar: expected {f}, got {got}"));
        }
    }
    Ok(())
}

fn outcome<T>(
    case: &Value,
    result: Result<T, grammar::ReferenceError>,
    on_ok: impl FnOnce(T) -> Result<(), String>,
) -> Result<(), String> {
    let valid = case.get("valid").and_then(Value::as_bool).unwrap_or(false);
    match (valid, result) {
        (true, Ok(v)) => on_ok(v),
        (true, Err(e)) => Err(format!("rejected: {e}")),
        (false, Ok(_)) => Err("accepted, expected rejection".into()),
        (false, Err(e)) => match field(case, "error") {
            Some(expected) if !e.to_string().contains(expected) => {
                Err(format!("error: expected {expected:?}, got {e:?} ({e})"))
            }
            _ => Ok(()),
        },
    }
}

fn regex_verdict(case: &Value, matched: bool) -> Result<(), String> {
    let valid = case.get("valid").and_then(Value::as_bool).unwrap_or(false);
    if matched == valid {
        Ok(())
    } else {
        Err(format!("regexp matched={matched}, expected {valid}"))
    }
}

fn run_case(case: &Value) -> Result<(), String> {
    let input = field(case, "input").ok_or("no input")?;
    let api = field(case, "api").ok_or("no api")?;
    let from_normalize_test = field(case, "source").is_some_and(|s| s.starts_with("normalize"));
    match api {
        "Parse" => outcome(case, grammar::parse_with(input, GO), |r| {
            check_named(case, &r, true)
        }),
        "ParseNormalizedNamed" => {
            outcome(case, grammar::parse_normalized_named_with(input, GO), |r| {
                check_named(case, &r, false)
            })
        }
        "ParseNamed" => outcome(case, grammar::parse_named(input), |r| {
            check_named(case, &r, false)
        }),
        "ParseDockerRef" => outcome(case, grammar::parse_docker_ref(input), |r| {
            check_named(case, &r, false)
        }),
        "ParseAnyReference" => {
            outcome(
                case,
                grammar::parse_any_reference_with(input, GO),
                |r| match &r {
                    AnyReference::Named(n) => check_named(case, n, false),
                    AnyReference::Digest(d) => {
                        expect_eq(case, "digest", Some(d), false)?;
                        expect_eq(case, "normalized", Some(&r.to_string()), false)
                    }
                },
            )
        }
        "WithName" => outcome(case, grammar::with_name(input), |r| {
            check_named(case, &r, false)
        }),
        "WithTag" | "WithDigest" => {
            let base = if from_normalize_test {
                grammar::parse_normalized_named(input)
            } else {
                grammar::with_name(input)
            }
            .map_err(|e| format!("base name rejected: {e}"))?;
            // Go's tests apply the *other* component first, then the API under test.
            let result = if api == "WithTag" {
                let base = match field(case, "digest") {
                    Some(d) => grammar::with_digest(&base, d).map_err(|e| e.to_string())?,
                    None => base,
                };
                grammar::with_tag(&base, field(case, "tag").unwrap_or(""))
            } else {
                let base = match field(case, "tag") {
                    Some(t) => grammar::with_tag(&base, t).map_err(|e| e.to_string())?,
                    None => base,
                };
                grammar::with_digest(&base, field(case, "digest").unwrap_or(""))
            };
            outcome(case, result, |r| {
                expect_eq(case, "combined", Some(&r.to_string()), false)
            })
        }
        "FamiliarMatch" => {
            let reference =
                grammar::parse_any_reference(input).map_err(|e| format!("reference: {e}"))?;
            let pattern = field(case, "pattern").ok_or("no pattern")?;
            let result = grammar::familiar_match(pattern, &reference);
            let wants_error = case.get("pattern_error").and_then(Value::as_bool) == Some(true);
            match (result, wants_error) {
                (Err(_), true) => Ok(()),
                (Ok(m), false) => {
                    let expected = case.get("match").and_then(Value::as_bool);
                    if Some(m) == expected {
                        Ok(())
                    } else {
                        Err(format!("match={m}, expected {expected:?}"))
                    }
                }
                (r, _) => Err(format!(
                    "pattern result {r:?}, expected error={wants_error}"
                )),
            }
        }
        "regexp:^domainAndPort$" => regex_verdict(case, DOMAIN_AND_PORT.is_match(input)),
        "regexp:anchoredIdentifier" => regex_verdict(case, ANCHORED_IDENTIFIER.is_match(input)),
        "regexp:anchoredName" => {
            let caps = ANCHORED_NAME.captures(input);
            regex_verdict(case, caps.is_some())?;
            if let Some(c) = caps {
                let domain = c.get(1).map_or("", |m| m.as_str());
                let path = c.get(2).map_or("", |m| m.as_str());
                expect_eq(case, "domain", Some(domain), false)?;
                expect_eq(case, "path", Some(path), false)?;
            }
            Ok(())
        }
        "regexp:reference" => {
            let caps = REFERENCE.captures(input);
            regex_verdict(case, caps.is_some())?;
            if let Some(c) = caps {
                expect_eq(case, "name", c.get(1).map(|m| m.as_str()), false)?;
                expect_eq(case, "tag", c.get(2).map(|m| m.as_str()), true)?;
                expect_eq(case, "digest", c.get(3).map(|m| m.as_str()), true)?;
            }
            Ok(())
        }
        other => Err(format!("unknown api {other}")),
    }
}

#[test]
fn distribution_reference_conformance() {
    let path = Path::new(CONFORMANCE);
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!(
            "skipping: {} not found (shared/ is not part of the repository)",
            path.display()
        );
        return;
    };
    let mut total = 0;
    let mut failures = Vec::new();
    for (line_no, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        total += 1;
        let case: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("line {}: bad JSON: {e}", line_no + 1));
                continue;
            }
        };
        if let Err(why) = run_case(&case) {
            let input: String = field(&case, "input")
                .unwrap_or("")
                .chars()
                .take(80)
                .collect();
            let api = field(&case, "api").unwrap_or("?");
            failures.push(format!("line {} [{api}] {input:?}: {why}", line_no + 1));
        }
    }
    eprintln!(
        "image-refs conformance: {}/{total} passed",
        total - failures.len()
    );
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}
