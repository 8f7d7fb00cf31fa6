//! The ranking policy, one threshold at a time, on a small synthetic knowledge base (not the
//! built-ins, so a change of a built-in weight cannot break these): a log on each side of
//! each threshold.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use buildmedic_engine::{Engine, RankPolicy, Severity, Status};
use buildmedic_kb::KnowledgeBase;

const RULES: &[(&str, &str)] = &[
    (
        "alpha.toml",
        r#"kind = "alpha-failed"
title = "alpha failed"
summary = "s"
explains = ["beta-failed"]
[[signature]]
id = "alpha"
pattern = 'ALPHA BROKE'
weight = 0.9
[[signature]]
id = "alpha-weak"
pattern = 'alpha wobbled'
weight = 0.5
"#,
    ),
    (
        "beta.toml",
        r#"kind = "beta-failed"
title = "beta failed"
summary = "s"
[[signature]]
id = "beta"
pattern = 'BETA BROKE'
weight = 0.88
[[signature]]
id = "beta-pip"
pattern = 'BETA PIP BROKE'
weight = 0.9
tools = ["pip"]
"#,
    ),
    (
        "gamma.toml",
        r#"kind = "gamma-notice"
title = "gamma"
summary = "s"
[[signature]]
id = "weak-fatal"
pattern = 'gamma went sideways'
weight = 0.3
[[signature]]
id = "retry"
pattern = 'gamma retrying'
weight = 0.9
fatal = false
[[signature]]
id = "latent"
pattern = 'gamma pin eaten'
weight = 0.8
severity = "warning"
"#,
    ),
];

fn engine(policy: RankPolicy) -> Engine {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in RULES {
        std::fs::write(dir.path().join(name), text).expect("write rule");
    }
    let mut kb = KnowledgeBase::empty();
    kb.load_dir(dir.path()).expect("rules load");
    Engine::new(kb)
        .expect("the knowledge base compiles")
        .with_policy(policy)
}

fn primary(e: &Engine, log: &str) -> Option<String> {
    e.diagnose_bytes(log.as_bytes(), "t")
        .primary()
        .map(|p| p.kind.clone())
}

const LEGACY_OK_THEN_FAIL: &str = "Step 1/2 : RUN ./check.sh\n ---> Running in 0a1b2c3d4e5f\nBETA BROKE\n ---> 1a2b3c4d5e6f\nStep 2/2 : RUN ./build.sh\n ---> Running in 1b2c3d4e5f6a\nalpha wobbled\nThe command '/bin/sh -c ./build.sh' returned a non-zero code: 1\n";

#[test]
fn tie_goes_to_the_earliest_line_only_within_the_tie() {
    // beta 0.88 at line 1, alpha 0.9 at line 2: within 0.05.
    let log = "BETA BROKE\nALPHA BROKE\n";
    // Without explains in the way: use a policy where alpha cannot suppress beta.
    let mut p = RankPolicy {
        explain_ratio: 2.0,
        ..RankPolicy::default()
    };
    assert_eq!(
        primary(&engine(p.clone()), log).as_deref(),
        Some("beta-failed")
    );
    p.tie = 0.0;
    assert_eq!(primary(&engine(p), log).as_deref(), Some("alpha-failed"));
}

#[test]
fn explains_suppresses_at_the_ratio() {
    // alpha-weak 0.5 vs beta 0.88: 0.57 of it.
    let log = "BETA BROKE\nalpha wobbled\n";
    let d = engine(RankPolicy::default()).diagnose_bytes(log.as_bytes(), "t");
    assert_eq!(d.primary().map(|p| p.kind.as_str()), Some("alpha-failed"));
    assert_eq!(
        d.suppressed.first().map(|s| s.kind.as_str()),
        Some("beta-failed")
    );
    let p = RankPolicy {
        explain_ratio: 0.6,
        ..RankPolicy::default()
    };
    let d = engine(p).diagnose_bytes(log.as_bytes(), "t");
    assert_eq!(d.primary().map(|p| p.kind.as_str()), Some("beta-failed"));
    assert!(d.suppressed.is_empty());
}

#[test]
fn matches_in_succeeded_steps_count_little() {
    // beta 0.88 in a step that succeeded counts 0.88 × 0.15; alpha-weak 0.5 in the failing step.
    let d = engine(RankPolicy::default()).diagnose_bytes(LEGACY_OK_THEN_FAIL.as_bytes(), "t");
    assert_eq!(d.primary().map(|p| p.kind.as_str()), Some("alpha-failed"));
    let mut p = RankPolicy {
        explain_ratio: 2.0,
        ..RankPolicy::default()
    };
    p.location.succeeded_step = 1.0;
    let d = engine(p).diagnose_bytes(LEGACY_OK_THEN_FAIL.as_bytes(), "t");
    assert_eq!(d.primary().map(|p| p.kind.as_str()), Some("beta-failed"));
}

#[test]
fn a_fatal_excerpt_fails_above_min_fatal_only() {
    let log = "gamma went sideways\n";
    let p = RankPolicy {
        min_fatal: 0.35,
        ..RankPolicy::default()
    };
    let d = engine(p).diagnose_bytes(log.as_bytes(), "t");
    assert_eq!(d.status, Status::Succeeded, "0.3 < min_fatal");
    let p = RankPolicy {
        min_fatal: 0.25,
        ..RankPolicy::default()
    };
    let d = engine(p).diagnose_bytes(log.as_bytes(), "t");
    assert_eq!(d.status, Status::Failed);
    assert_eq!(d.primary().map(|p| p.kind.as_str()), Some("gamma-notice"));
    // The score is recorded, taken apart.
    let f = d.primary().expect("primary");
    assert_eq!(
        (f.score.weight, f.score.location, f.score.context),
        (0.3, 1.0, 1.0)
    );
}

#[test]
fn a_non_fatal_notice_alone_is_no_failure() {
    let d = engine(RankPolicy::default()).diagnose_bytes(b"gamma retrying\n", "t");
    assert_eq!(d.status, Status::Succeeded);
    // With a real failure beside it, it is still a finding.
    let d = engine(RankPolicy::default()).diagnose_bytes(b"gamma retrying\nALPHA BROKE\n", "t");
    assert_eq!(d.status, Status::Failed);
}

#[test]
fn fatal_evidence_after_the_last_success_verdict_is_a_failure() {
    let before = "ALPHA BROKE\nSuccessfully built 0123456789ab\nSuccessfully tagged acme/app:1\n";
    let after = "Successfully built 0123456789ab\nSuccessfully tagged acme/app:1\nALPHA BROKE\n";
    let e = engine(RankPolicy::default());
    assert_eq!(
        e.diagnose_bytes(before.as_bytes(), "t").status,
        Status::Succeeded
    );
    let d = e.diagnose_bytes(after.as_bytes(), "t");
    assert_eq!(d.status, Status::Failed);
    assert_eq!(d.primary().map(|p| p.kind.as_str()), Some("alpha-failed"));
}

#[test]
fn latent_problems_are_warnings_even_on_success() {
    let e = engine(RankPolicy::default());
    let d = e.diagnose_bytes(b"gamma pin eaten\nSuccessfully built 0123456789ab\n", "t");
    assert_eq!(d.status, Status::Succeeded);
    assert_eq!(d.findings.len(), 1);
    assert_eq!(d.findings[0].severity, Severity::Warning);
    assert!(!d.findings[0].primary);
    // On a failed build the warning is a secondary finding; the primary is an error.
    let d = e.diagnose_bytes(b"gamma pin eaten\nALPHA BROKE\n", "t");
    assert_eq!(d.status, Status::Failed);
    assert_eq!(d.findings[0].kind, "alpha-failed");
    assert_eq!(d.findings[0].severity, Severity::Error);
    assert!(
        d.findings
            .iter()
            .any(|f| f.kind == "gamma-notice" && f.severity == Severity::Warning && !f.primary)
    );
}

#[test]
fn tools_that_the_command_does_not_run_lower_the_context() {
    let log = "Step 1/1 : RUN apt-get install -y foo\n ---> Running in 0a1b2c3d4e5f\nBETA PIP BROKE\nThe command '/bin/sh -c apt-get install -y foo' returned a non-zero code: 1\n";
    let d = engine(RankPolicy::default()).diagnose_bytes(log.as_bytes(), "t");
    let f = d.primary().expect("primary");
    assert_eq!(f.score.context, RankPolicy::default().tool_mismatch);
    let p = RankPolicy {
        tool_mismatch: 1.0,
        ..RankPolicy::default()
    };
    let d = engine(p).diagnose_bytes(log.as_bytes(), "t");
    assert_eq!(d.primary().expect("primary").score.context, 1.0);
}

#[test]
fn trace_says_why() {
    let e = engine(RankPolicy::default());
    let (d, t) = e
        .trace(LEGACY_OK_THEN_FAIL.as_bytes(), "t")
        .expect("in-memory");
    assert_eq!(d.status, Status::Failed);
    assert_eq!(t.matches.len(), 2);
    let beta = t
        .matches
        .iter()
        .find(|m| m.signature == "beta-failed/beta")
        .expect("beta traced");
    assert_eq!(beta.score.location, 0.15);
    assert!(t.status.contains("failure verdict"), "{}", t.status);
    assert!(t.primary.contains("alpha-failed"), "{}", t.primary);
    let outcomes: Vec<(&str, &str)> = t
        .kinds
        .iter()
        .map(|k| (k.kind.as_str(), k.outcome.as_str()))
        .collect();
    assert!(
        outcomes.contains(&("alpha-failed", "primary")),
        "{outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .any(|(k, o)| *k == "beta-failed" && o.starts_with("below min_finding")),
        "{outcomes:?}"
    );
}
