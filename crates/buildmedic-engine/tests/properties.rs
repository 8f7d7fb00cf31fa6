//! Properties of `Engine::diagnose_bytes` on arbitrary input: it never panics, a failed
//! diagnosis has exactly one primary finding, and evidence points at lines that exist.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use buildmedic_engine::{Diagnosis, Engine, Status};
use proptest::prelude::*;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builtin().expect("the built-in knowledge base loads"))
}

fn check(d: &Diagnosis) -> Result<(), TestCaseError> {
    let primaries = d.findings.iter().filter(|f| f.primary).count();
    match d.status {
        Status::Failed => prop_assert_eq!(primaries, 1, "failed without exactly one primary"),
        Status::Succeeded => prop_assert!(d.findings.is_empty(), "findings on success"),
    }
    for f in &d.findings {
        prop_assert_eq!(f.lines.len(), f.evidence.len());
        for l in &f.lines {
            prop_assert!(
                (1..=d.stats.lines).contains(l),
                "{}: line {} outside 1..={}",
                f.kind,
                l,
                d.stats.lines
            );
        }
    }
    for s in &d.suppressed {
        for l in &s.lines {
            prop_assert!((1..=d.stats.lines).contains(l));
        }
    }
    if let Some(step) = &d.failing_step {
        prop_assert!(step.lines[0] <= step.lines[1]);
        prop_assert!(step.lines[1] <= d.stats.lines);
    }
    Ok(())
}

/// Pieces of builder framing and tool errors, the shapes the reader and ranking react to.
const SNIPPETS: &[&str] = &[
    "Step 1/3 : FROM python:3.11-slim\n",
    "Step 3/3 : RUN pip install widgetlib==7.7.7\n",
    " ---> Running in 3c4d5e6f7081\n",
    " ---> Using cache\n",
    "Removing intermediate container 3c4d5e6f7081\n",
    "The command '/bin/sh -c pip install widgetlib' returned a non-zero code: 1\n",
    "Successfully built 6f708192a3b4\n",
    "#4 [2/4] RUN apt-get install -y libwidget-dev\n",
    "#4 0.913 E: Unable to locate package libwidget-dev\n",
    "#4 DONE 4.1s\n",
    "#4 CACHED\n",
    "#4 ERROR: process \"/bin/sh -c x\" did not complete successfully: exit code: 137\n",
    "------\n",
    " > [2/4] RUN apt-get install -y libwidget-dev:\n",
    "ERROR: failed to solve: process \"/bin/sh -c x\" did not complete successfully: exit code: 1\n",
    " => ERROR [4/4] RUN pip install -r requirements.txt          11.2s\n",
    " => CACHED [2/4] WORKDIR /app                                  0.0s\n",
    "[+] Building 12.4s (7/8)\n",
    "2024/05/14 09:12:04 Executing step ID: acb_step_0. Timeout(sec): 5400\n",
    "Run ID: ca1 failed after 1m40s. Error: failed during run, err: exit status 1\n",
    "Run ID: ca2 was successful after 1m0s\n",
    "2024-05-14T09:12:04.1234567Z ##[error]Process completed with exit code 1.\n",
    "Step #2: ERROR: No matching distribution found for widgetlib\n",
    "[Container] 2024/05/14 09:12:04 Running command pip install x\n",
    "PackagesNotFoundError: The following packages are not available from current channels:\n",
    "  - widgetlib=7.7.7\n",
    "Current channels:\n",
    "Solving environment: \\ \n",
    "Killed\n",
    "CondaEnvException: Pip failed\n",
    "ERROR: Could not find a version that satisfies the requirement widgetlib==7.7.7 (from versions: none)\n",
    "ERROR: No matching distribution found for widgetlib==7.7.7\n",
    "ERROR: pip's dependency resolver does not currently take into account all the packages\n",
    "$ docker build -t app .\n",
    "+ pip install widgetlib\n",
    "\x1b[31mERROR\x1b[0m: something broke\n",
    "progress 10%\rprogress 50%\rprogress 100%\n",
    "\n",
    "\r\n",
    "\0",
    "\u{fffd}\u{1b}[",
];

/// Arbitrary bytes biased towards what makes readers trip: gzip magic, NUL, ESC, CR,
/// invalid UTF-8 and lines longer than the reader's buffer.
fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => proptest::collection::vec(any::<u8>(), 0..200),
        2 => proptest::sample::select(SNIPPETS).prop_map(|s| s.as_bytes().to_vec()),
        1 => Just(vec![0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]),
        1 => proptest::sample::select(vec![0u8, 0x1b, b'\r', b'\n', 0xff, 0xc3, 0xe2, 0x80])
            .prop_flat_map(|b| (Just(b), 1..64usize))
            .prop_map(|(b, n)| vec![b; n]),
        1 => (1..4usize, any::<u8>()).prop_map(|(mib, b)| {
            // A line longer than the 1 MiB read buffer, sometimes a progress bar.
            let mut v = vec![if b.is_ascii_graphic() { b } else { b'x' }; (mib << 20) + 17];
            if b % 2 == 0 {
                for i in (0..v.len()).step_by(4096) {
                    v[i] = b'\r';
                }
            }
            v
        }),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|ps| ps.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_give_a_consistent_diagnosis(bytes in hostile_bytes()) {
        let d = engine().diagnose_bytes(&bytes, "fuzz.log");
        check(&d)?;
    }

    #[test]
    fn framing_snippets_in_any_order_give_a_consistent_diagnosis(
        picks in proptest::collection::vec(proptest::sample::select(SNIPPETS), 0..60),
    ) {
        let log = picks.concat();
        let d = engine().diagnose_bytes(log.as_bytes(), "snippets.log");
        check(&d)?;
    }
}

/// A gzip header the reader is never asked to decode (`diagnose_bytes` reads raw bytes),
/// followed by a failure: still one primary.
#[test]
fn gzip_looking_header_then_a_failure() {
    let mut bytes = vec![0x1f, 0x8b, 0x08, 0x00, b'\n'];
    bytes.extend_from_slice(
        b"Step 3/3 : RUN pip install widgetlib==7.7.7\n\
          ERROR: No matching distribution found for widgetlib==7.7.7\n\
          The command '/bin/sh -c pip install widgetlib==7.7.7' returned a non-zero code: 1\n",
    );
    let d = engine().diagnose_bytes(&bytes, "gz.log");
    assert_eq!(d.status, Status::Failed);
    assert!(check(&d).is_ok());
    assert_eq!(
        d.primary().map(|p| p.kind.as_str()),
        Some("pip-no-matching-distribution")
    );
}
