//! The diagnosis does not depend on how the log is cut into batches nor on how many threads
//! scan them: tiny buffers put batch boundaries inside steps, windows, tails and multi-line
//! captures; `threads > 1` scans batches out of order and merges them in order.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use buildmedic_engine::{DiagnoseOptions, Engine};
use proptest::prelude::*;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builtin().expect("the built-in knowledge base loads"))
}

fn json(log: &[u8], threads: usize, buffer_size: usize) -> String {
    let d = engine()
        .diagnose_with(
            log,
            "batches.log",
            &DiagnoseOptions {
                threads,
                buffer_size,
            },
        )
        .expect("in-memory reads do not fail");
    serde_json::to_string(&d).expect("a diagnosis serializes")
}

/// Every way of reading `log` gives what one thread with one big buffer gives.
fn assert_same_everywhere(log: &[u8]) {
    let reference = json(log, 1, 1 << 20);
    for buffer_size in [256, 1000, 4096] {
        for threads in [1, 2, 3] {
            assert_eq!(
                json(log, threads, buffer_size),
                reference,
                "threads {threads}, buffer {buffer_size}"
            );
        }
    }
}

/// A BuildKit step with `n` lines of ordinary output.
fn busy_step(id: u32, index: u32, n: usize) -> String {
    let mut s = format!("#{id} [{index}/9] RUN pip install -r requirements-{index}.txt\n");
    for i in 0..n {
        s.push_str(&format!(
            "#{id} {}.{:03} Collecting package-{i}==1.{i} (from -r requirements.txt (line {i}))\n",
            i / 10,
            i % 1000
        ));
    }
    s.push_str(&format!("#{id} DONE 1.0s\n"));
    s
}

#[test]
fn a_package_list_that_crosses_batches_and_threads() {
    let mut log = String::from("#0 building with \"default\" instance using docker driver\n");
    for i in 1..6 {
        log.push_str(&busy_step(i, i, 40));
        // Red herrings in succeeded steps, pruned at their step's end.
        log.push_str(&format!(
            "#{i} 9.9 ERROR: pip's dependency resolver does not currently take into account all the packages that are installed.\n"
        ));
    }
    log.push_str("#7 [7/9] RUN conda env create -f environment.yml\n");
    log.push_str("#7 3.1 Collecting package metadata (repodata.json): ...working... done\n");
    log.push_str("#7 9.8 Solving environment: ...working... failed\n");
    log.push_str(
        "#7 9.9 PackagesNotFoundError: The following packages are not available from current channels:\n#7 9.9\n",
    );
    for p in [
        "tensorflow=9.99",
        "numpy=0.0.1",
        "scipy=99",
        "widget-lib=3.3",
    ] {
        log.push_str(&format!("#7 9.9   - {p}\n"));
    }
    log.push_str("#7 9.9\n#7 9.9 Current channels:\n#7 9.9\n#7 9.9   - https://conda.anaconda.org/conda-forge/linux-64\n");
    log.push_str("#7 ERROR: process \"/bin/sh -c conda env create -f environment.yml\" did not complete successfully: exit code: 1\n");
    log.push_str("ERROR: failed to solve: process \"/bin/sh -c conda env create -f environment.yml\" did not complete successfully: exit code: 1\n");
    assert_same_everywhere(log.as_bytes());
    let d = json(log.as_bytes(), 2, 256);
    assert!(d.contains("widget-lib"), "{d}");
}

#[test]
fn a_legacy_build_whose_tail_is_the_evidence() {
    let mut log = String::new();
    for i in 1..5 {
        log.push_str(&format!(
            "Step {i}/5 : RUN apt-get install -y tool-{i}\n ---> Running in 0123456789a{i}\n"
        ));
        for k in 0..30 {
            log.push_str(&format!("Setting up tool-{i}-part-{k} (1.{k}) ...\n"));
        }
        log.push_str(&format!(" ---> 0123456789a{i}\n"));
    }
    log.push_str("Step 5/5 : RUN conda env create -f env.yml\n ---> Running in 00000000000f\n");
    log.push_str("Collecting package metadata (repodata.json): ...working... done\n");
    log.push_str("Solving environment: ...working... \n");
    // A log that stops while solving: the `tail` signatures match its last line.
    assert_same_everywhere(log.as_bytes());
}

/// Pieces that make steps, windows, prunings and tails.
const PIECES: &[&str] = &[
    "#3 [2/5] RUN pip install widgetlib==7.7.7\n",
    "#3 0.5 Collecting widgetlib==7.7.7\n",
    "#3 0.6 ERROR: Could not find a version that satisfies the requirement widgetlib==7.7.7 (from versions: none)\n",
    "#3 0.6 ERROR: No matching distribution found for widgetlib==7.7.7\n",
    "#3 DONE 0.7s\n",
    "#3 ERROR: process \"/bin/sh -c pip install widgetlib==7.7.7\" did not complete successfully: exit code: 1\n",
    "#4 [3/5] RUN conda install -y tensorflow=9.99\n",
    "#4 1.0 PackagesNotFoundError: The following packages are not available from current channels:\n",
    "#4 1.0   - tensorflow=9.99\n",
    "#4 1.0   - numpy=0.0.1\n",
    "#4 1.0 \n",
    "#4 2.0 Solving environment: ...working... failed with initial frozen solve. Retrying with flexible solve.\n",
    "#4 3.0 Killed\n",
    "#4 DONE 3.1s\n",
    "Step 2/3 : RUN apt-get install -y libwidget-dev\n",
    " ---> Running in 3c4d5e6f7081\n",
    "E: Unable to locate package libwidget-dev\n",
    " ---> 3c4d5e6f7081\n",
    "The command '/bin/sh -c apt-get install -y libwidget-dev' returned a non-zero code: 100\n",
    "+ pip install -r requirements.txt\n",
    "ERROR: pip's dependency resolver does not currently take into account all the packages that are installed.\n",
    "------\n",
    " > [2/5] RUN pip install widgetlib==7.7.7:\n",
    "12.34 ERROR: No matching distribution found for widgetlib==7.7.7\n",
    "Collecting package metadata (repodata.json): ...working... done\n",
    "Solving environment: ...working... \n",
    "filler line with nothing in it\n",
    "\n",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_cut_and_any_threads_give_the_same_diagnosis(
        picks in proptest::collection::vec(proptest::sample::select(PIECES), 0..80),
    ) {
        let log = picks.concat();
        let reference = json(log.as_bytes(), 1, 1 << 20);
        for (threads, buffer_size) in [(1, 256), (2, 256), (3, 512), (2, 1 << 20)] {
            prop_assert_eq!(&json(log.as_bytes(), threads, buffer_size), &reference);
        }
    }
}
