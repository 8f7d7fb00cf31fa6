//! Fuzz the whole diagnosis: reader, matcher, ranking and the JSON contract.
//!
//! Run: `cargo +nightly fuzz run diagnose fuzz/seeds/diagnose -- -max_len=65536`.

#![no_main]

use std::sync::OnceLock;

use buildmedic_engine::{Engine, Status};
use libfuzzer_sys::fuzz_target;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builtin().expect("the built-in knowledge base loads"))
}

fuzz_target!(|data: &[u8]| {
    let d = engine().diagnose_bytes(data, "fuzz.log");
    let primaries = d.findings.iter().filter(|f| f.primary).count();
    if d.status == Status::Failed {
        assert_eq!(
            primaries, 1,
            "a failed build has {primaries} primary findings"
        );
    } else {
        assert!(primaries <= 1, "{primaries} primary findings");
    }
    for f in &d.findings {
        assert_eq!(
            f.lines.len(),
            f.evidence.len(),
            "{}: {} lines for {} evidence strings",
            f.kind,
            f.lines.len(),
            f.evidence.len()
        );
        for e in &f.evidence {
            let again = buildmedic_redact::redact(e);
            assert_eq!(
                again,
                e.as_str(),
                "{}: evidence still holds a secret",
                f.kind
            );
        }
        assert!(
            f.lines.iter().all(|&l| l >= 1 && l <= d.stats.lines),
            "{}: evidence line outside 1..={}: {:?}",
            f.kind,
            d.stats.lines,
            f.lines
        );
    }
    assert_eq!(d.stats.bytes, data.len() as u64);
    if let Err(e) = serde_json::to_string(&d) {
        panic!("diagnosis does not serialise: {e}");
    }
});
