//! Fuzz the image reference grammar, its explanations and the image checks.
//!
//! The first line is the reference; the second line, when present, is used as a tag,
//! a digest and a `FamiliarMatch` pattern.
//!
//! Run: `cargo +nightly fuzz run image_ref fuzz/seeds/image_ref`.

#![no_main]

use buildmedic_lint::syntax::image_ref::{explain, grammar, path_match};
use buildmedic_lint::{LintConfig, lint_image};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (reference, extra) = text.split_once('\n').unwrap_or((text, ""));

    // `Parse` keeps the input verbatim: printing a parsed reference gives it back.
    if let Ok(r) = grammar::parse(reference) {
        assert_eq!(r.to_string(), reference, "parse does not round-trip");
    }
    let normalized = grammar::parse_normalized_named(reference);
    // The explanation exists exactly for rejected references and points inside them.
    match (&normalized, explain::explain(reference)) {
        (Ok(_), None) => {}
        (Ok(_), Some(p)) => panic!("valid reference explained as invalid: {p:?}"),
        (Err(e), None) => panic!("invalid reference ({e}) without an explanation"),
        (Err(_), Some(p)) => assert!(
            reference.get(p.range.clone()).is_some(),
            "explanation range {:?} is not a valid range of the reference",
            p.range
        ),
    }
    assert_eq!(
        explain::check(reference).is_ok(),
        normalized.is_ok(),
        "check and parse_normalized_named disagree"
    );
    if let Ok(r) = &normalized {
        // A normalized name is canonical.
        let canonical = r.to_string();
        assert_eq!(
            grammar::parse_named(&canonical).as_ref(),
            Ok(r),
            "{canonical} is not canonical"
        );
        let _ = r.familiar_string();
        let _ = grammar::with_tag(r, extra);
        let _ = grammar::with_digest(r, extra);
    }
    let _ = grammar::parse_docker_ref(reference);
    let _ = grammar::with_name(reference);
    let _ = grammar::is_valid_tag(reference);
    let _ = grammar::validate_digest(reference, grammar::DigestAlgorithms::default());
    let _ = grammar::split_docker_domain(reference);
    if let Ok(any) = grammar::parse_any_reference(reference) {
        let _ = grammar::familiar_match(extra, &any);
    }
    let _ = path_match::path_match(extra, reference);
    let report = lint_image(reference, &LintConfig::default());
    for d in &report.diagnostics {
        assert!(d.span.end <= reference.len());
    }
});
