//! knowledge/README.md's ranking table is generated from `RankPolicy::default()`; this test
//! fails when it is stale (`UPDATE_DOCS=1` rewrites it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use buildmedic_engine::RankPolicy;

const START: &str = "<!-- policy:start -->\n";
const END: &str = "<!-- policy:end -->";

#[test]
fn ranking_table_matches_the_policy() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../knowledge/README.md");
    let text = std::fs::read_to_string(&path).expect("knowledge/README.md");
    let (Some(a), Some(b)) = (text.find(START), text.find(END)) else {
        panic!("knowledge/README.md lacks the policy markers");
    };
    let table = RankPolicy::default().markdown();
    let current = &text[a + START.len()..b];
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let updated = format!("{}{table}{}", &text[..a + START.len()], &text[b..]);
        std::fs::write(&path, updated).expect("writable");
        return;
    }
    assert_eq!(
        current, table,
        "stale: run `UPDATE_DOCS=1 cargo test -p buildmedic-engine --test policy_doc`"
    );
}

#[test]
fn location_factors_follow_the_policy() {
    use buildmedic_engine::Location;
    let mut p = RankPolicy::default();
    p.location.succeeded_step = 0.3;
    assert_eq!(p.location_factor(Location::SucceededStep, true), 0.3);
    assert_eq!(
        p.location_factor(Location::NoStep, true),
        p.location.no_step_with_failing
    );
    assert_eq!(
        p.location_factor(Location::NoStep, false),
        p.location.no_step_without_failing
    );
}
