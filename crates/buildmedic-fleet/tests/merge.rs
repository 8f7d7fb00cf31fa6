//! `stats merge`: the reports of the shards of a directory, written as JSON and read back,
//! merge into exactly the report of one run over the whole directory. The directory is the
//! knowledge base's own fixture logs (every kind, several formats, `unknown` ones included),
//! split by kind; one shard also names a path that does not exist.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use buildmedic_engine::Engine;
use buildmedic_fleet::{StatsReport, expand, run};

fn knowledge() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../knowledge")
}

fn kind_dirs(filter: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(knowledge())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("fixtures").is_dir())
        .filter(|p| filter(&p.file_name().unwrap().to_string_lossy()))
        .map(|p| p.join("fixtures"))
        .collect();
    dirs.sort();
    dirs
}

fn stats(engine: &Engine, paths: &[PathBuf], jobs: usize) -> StatsReport {
    run(engine, &expand(paths), jobs, &|_| {})
}

/// What may differ between runs: timings.
fn timeless(mut r: StatsReport) -> StatsReport {
    for l in &mut r.largest {
        l.micros = 0;
    }
    r.slowest.clear();
    r.run = Default::default();
    r
}

fn through_json(r: &StatsReport) -> StatsReport {
    let text = serde_json::to_string(r).unwrap();
    StatsReport::from_json(&text, "shard.json").unwrap()
}

#[test]
fn merged_shards_equal_the_whole() {
    let engine = Engine::builtin().unwrap();
    let missing = PathBuf::from("no/such/dir/build.log");
    let mut whole_paths = kind_dirs(|_| true);
    whole_paths.push(missing.clone());
    let mut a_paths = kind_dirs(|k| k < "m");
    a_paths.push(missing);
    let b_paths = kind_dirs(|k| k >= "m");
    assert!(a_paths.len() > 10 && b_paths.len() > 10);

    let whole = stats(&engine, &whole_paths, 2);
    assert!(whole.logs > 250, "{} logs", whole.logs);
    assert!(whole.failed > 200 && whole.succeeded > 5);
    assert!(whole.by_kind.len() > 30);
    assert!(
        !whole.clusters.is_empty(),
        "the unknown fixtures give clusters"
    );
    assert_eq!(whole.input_errors, 1);
    assert_eq!(whole.errors[0].path, "no/such/dir/build.log");

    let mut merged = through_json(&stats(&engine, &a_paths, 1));
    merged.merge(through_json(&stats(&engine, &b_paths, 2)));
    merged.finish();
    assert_eq!(merged.run.shards, 2);
    assert_eq!(timeless(merged), timeless(whole));
}

#[test]
fn threads_do_not_change_the_report() {
    let engine = Engine::builtin().unwrap();
    let paths = kind_dirs(|k| k.starts_with('c') || k.starts_with('p') || k == "unknown");
    let one = stats(&engine, &paths, 1);
    let four = stats(&engine, &paths, 4);
    assert_eq!(timeless(one), timeless(four));
}

#[test]
fn counts_match_diagnosing_each_log() {
    let engine = Engine::builtin().unwrap();
    let paths = kind_dirs(|_| true);
    let r = stats(&engine, &paths, 2);
    let files = expand(&paths).files;
    let mut by_kind = std::collections::BTreeMap::<String, u64>::new();
    let (mut failed, mut bytes) = (0u64, 0u64);
    for f in &files {
        let d = engine
            .diagnose(std::fs::File::open(f).unwrap(), &f.to_string_lossy())
            .unwrap();
        bytes += d.stats.bytes;
        if d.status == buildmedic_engine::Status::Failed {
            failed += 1;
            *by_kind
                .entry(d.primary().unwrap().kind.clone())
                .or_default() += 1;
        }
    }
    assert_eq!(r.logs, files.len() as u64);
    assert_eq!((r.failed, r.bytes), (failed, bytes));
    assert_eq!(r.by_kind, by_kind);
}

#[test]
fn merge_rejects_what_is_not_a_stats_report() {
    let e =
        StatsReport::from_json("{\"schema\":\"buildmedic.diagnosis/v1\"}", "d.json").unwrap_err();
    assert!(
        e.to_string()
            .contains("d.json: schema `buildmedic.diagnosis/v1`"),
        "{e}"
    );
    let e = StatsReport::from_json(
        "{\"schema\":\"buildmedic.stats/v1\",\"logs\":\"x\"}",
        "s.json",
    )
    .unwrap_err();
    assert!(
        e.to_string().starts_with("s.json: not a stats report"),
        "{e}"
    );
    assert!(StatsReport::from_json("not json", "n.json").is_err());
    let e = StatsReport::from_json_stream("  \n", "empty.json").unwrap_err();
    assert!(e.to_string().contains("no report"), "{e}");
}

#[test]
fn concatenated_reports_are_read_as_a_stream() {
    let engine = Engine::builtin().unwrap();
    let a = stats(&engine, &kind_dirs(|k| k < "d"), 1);
    let b = stats(&engine, &kind_dirs(|k| ("d".."f").contains(&k)), 1);
    let text = format!(
        "{}\n{}",
        serde_json::to_string_pretty(&a).unwrap(),
        serde_json::to_string_pretty(&b).unwrap()
    );
    let both = StatsReport::from_json_stream(&text, "all.json").unwrap();
    assert_eq!(both, vec![a, b]);
}

#[test]
fn unreadable_inputs_are_counted_and_the_run_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("ok.log"), "Step 1/1 : FROM x\nE: Unable to locate package libfoo\nThe command '/bin/sh -c apt-get install libfoo' returned a non-zero code: 100\n").unwrap();
    // Gzip magic, then garbage: the read fails midway.
    std::fs::write(
        dir.join("broken.log.gz"),
        b"\x1f\x8b\x08\x00garbage that is not deflate",
    )
    .unwrap();
    // A directory loop.
    std::fs::create_dir(dir.join("sub")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir, dir.join("sub/loop")).unwrap();
    let engine = Engine::builtin().unwrap();
    let pattern = PathBuf::from(format!("{}/*.nomatch", dir.display()));
    let r = stats(
        &engine,
        &[
            dir.to_path_buf(),
            pattern,
            Path::new("/nonexistent/x.log").into(),
        ],
        2,
    );
    assert_eq!(r.logs, 1);
    assert_eq!(r.by_kind.get("apt-get-failed"), Some(&1));
    let errors: Vec<String> = r
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.path, e.error))
        .collect();
    assert_eq!(r.input_errors as usize, errors.len());
    assert!(
        errors
            .iter()
            .any(|e| e.contains("broken.log.gz") && e.contains("read failed")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("*.nomatch: no file matches")),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.starts_with("/nonexistent/x.log:")),
        "{errors:#?}"
    );
    #[cfg(unix)]
    assert!(
        errors.iter().any(|e| e.contains("directory loop")),
        "{errors:#?}"
    );
}
