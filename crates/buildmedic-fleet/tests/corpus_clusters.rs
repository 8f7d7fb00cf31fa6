//! Unknown failures → clusters → rule suggestions, on the real logs of `../shared/corpus`:
//! with the knowledge-base entries of two kinds removed, the logs of those kinds fall to
//! `unknown`; clustering their evidence groups each kind's logs together, and the rule
//! skeletons suggested for those clusters, once given the kind ids, classify the logs again
//! without claiming any other log. Skips, with a message, when `../shared` is absent
//! (`BUILDMEDIC_SHARED=/path/to/shared` points elsewhere).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use buildmedic_engine::Engine;
use buildmedic_fleet::suggest::{suggest, write_checked};
use buildmedic_fleet::{LogOutcome, StatsReport};
use buildmedic_kb::KnowledgeBase;

/// Kinds whose entries the test removes: their logs share messages a rule can learn.
const REMOVED: [&str; 2] = ["apt-get-failed", "pip-cannot-uninstall"];

fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("BUILDMEDIC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    dir.join("corpus/manifest.jsonl").is_file().then_some(dir)
}

struct Log {
    file: String,
    label: String,
    accept: Vec<String>,
    bytes: Vec<u8>,
}

fn corpus(dir: &Path) -> Vec<Log> {
    let manifest = std::fs::read_to_string(dir.join("corpus/manifest.jsonl")).unwrap();
    manifest
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let label = v
                .get("relabel")
                .and_then(|x| x.as_str())
                .or_else(|| v["category"].as_str())
                .unwrap()
                .to_string();
            let file = v["file"].as_str().unwrap().to_string();
            let accept = v["accept"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            let bytes = std::fs::read(dir.join("corpus").join(&file)).unwrap();
            Log {
                file,
                label,
                accept,
                bytes,
            }
        })
        .collect()
}

fn without_removed() -> KnowledgeBase {
    let mut kb = KnowledgeBase::builtin().unwrap();
    for k in REMOVED {
        assert!(kb.remove(k).is_some(), "{k} is a built-in kind");
    }
    kb
}

fn primaries(engine: &Engine, logs: &[Log]) -> BTreeMap<String, String> {
    logs.iter()
        .map(|l| {
            let d = engine.diagnose_bytes(&l.bytes, &l.file);
            let kind = d
                .primary()
                .map_or("succeeded".to_string(), |p| p.kind.clone());
            (l.file.clone(), kind)
        })
        .collect()
}

#[test]
fn clusters_of_removed_kinds_become_rules_that_classify_them_again() {
    let Some(dir) = shared() else {
        eprintln!("skipping: ../shared/corpus not found (shared/ is not part of the repository)");
        return;
    };
    let logs = corpus(&dir);
    let label: BTreeMap<&str, &str> = logs
        .iter()
        .map(|l| (l.file.as_str(), l.label.as_str()))
        .collect();

    let engine = Engine::new(without_removed()).expect("the knowledge base compiles");
    let mut report = StatsReport::default();
    for l in &logs {
        let d = engine.diagnose_bytes(&l.bytes, &l.file);
        report.add(&LogOutcome {
            diagnosis: &d,
            micros: 0,
            day: None,
        });
    }
    report.finish();
    let before = primaries(&engine, &logs);

    // Each removed kind's logs are grouped: one cluster holds at least three of them and
    // nothing else.
    let mut best: BTreeMap<&str, usize> = BTreeMap::new();
    for kind in REMOVED {
        let (index, cluster) = report
            .clusters
            .iter()
            .enumerate()
            .filter(|(_, c)| c.examples.iter().all(|e| label[e.source.as_str()] == kind))
            .max_by_key(|(_, c)| (c.examples.len(), std::cmp::Reverse(c.template.clone())))
            .unwrap_or_else(|| panic!("no cluster of {kind} logs: {:#?}", report.clusters));
        assert!(
            cluster.examples.len() >= 3 && cluster.logs as usize == cluster.examples.len(),
            "{kind}: its largest pure cluster has {} logs: {cluster:#?}",
            cluster.examples.len()
        );
        best.insert(kind, index);
    }

    // Suggested skeletons pass their own fixtures, as `rules test DIR` would check.
    let tmp = tempfile::tempdir().unwrap();
    let (made, _skipped) = suggest(&report.clusters, 50, 2);
    let (written, rejected) = write_checked(tmp.path(), made, without_removed()).unwrap();
    assert!(rejected.is_empty(), "{rejected:#?}");

    // Give the kind ids to the skeletons of the removed kinds' clusters; drop the others.
    let rules = tempfile::tempdir().unwrap();
    let mut reclassified: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (kind, index) in &best {
        let s = written
            .iter()
            .find(|s| s.cluster == index + 1)
            .unwrap_or_else(|| panic!("{kind}: no skeleton for cluster {}", index + 1));
        let from = tmp.path().join(&s.kind);
        let to = rules.path().join(kind);
        std::fs::rename(&from, &to).unwrap();
        let toml = std::fs::read_to_string(to.join("kind.toml")).unwrap();
        let toml = toml.replace(
            &format!("kind = \"{}\"", s.kind),
            &format!("kind = \"{kind}\""),
        );
        std::fs::write(to.join("kind.toml"), toml).unwrap();
        reclassified.insert(kind, s.examples.iter().map(|e| e.source.clone()).collect());
    }
    let mut kb = without_removed();
    let loaded = kb.load_dir(rules.path()).unwrap();
    assert_eq!(loaded.len(), 2);
    let fixtures = buildmedic_engine::fixtures::run_fixtures(
        &Engine::new(kb.clone()).expect("the knowledge base compiles"),
        loaded.iter().filter_map(|k| kb.get(k)),
    );
    assert!(
        fixtures.iter().all(|r| r.failure.is_none()),
        "{fixtures:#?}"
    );

    let after = primaries(
        &Engine::new(kb).expect("the knowledge base compiles"),
        &logs,
    );
    for (kind, files) in &reclassified {
        for f in files {
            assert_eq!(
                before[f], "unknown",
                "{f} was unknown without the {kind} entry"
            );
            assert_eq!(after[f], *kind, "{f} is classified as {kind} again");
        }
    }
    // The learned rules claim no log of another kind that was classified differently before.
    for l in &logs {
        let now = after[&l.file].as_str();
        if REMOVED.contains(&now) && before[&l.file] != now {
            assert!(
                l.label == now || l.accept.iter().any(|a| a == now),
                "{} (labelled {}) is now {now}",
                l.file,
                l.label
            );
        }
    }
}
