//! Snapshots of every `buildmedic stats` format and of `buildmedic diff`, on a report built
//! from logs written for the test: a known failure in two builds (with a GitHub Actions
//! timestamp), a success, and one unknown failure seen twice with different values.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use buildmedic_engine::Engine;
use buildmedic_fleet::{Baseline, DiffOptions, LogOutcome, StatsReport, diff};
use buildmedic_render::stats::{Format, diff_json, diff_text, render};

fn apt(package: &str) -> String {
    format!(
        "2024-05-0{n}T10:00:00.0000000Z Step 1/2 : FROM ubuntu:22.04\n2024-05-0{n}T10:00:01.0000000Z Step 2/2 : RUN apt-get install -y {package}\n2024-05-0{n}T10:00:02.0000000Z E: Unable to locate package {package}\n2024-05-0{n}T10:00:03.0000000Z The command '/bin/sh -c apt-get install -y {package}' returned a non-zero code: 100\n",
        n = package.len() % 9 + 1
    )
}

const SUCCESS: &str =
    "Step 1/1 : FROM python:3.11-slim\n ---> 1a2b3c4d5e6f\nSuccessfully built 1a2b3c4d5e6f\n";

fn widget(host: u32, profile: &str) -> String {
    format!(
        "Step 1/2 : FROM python:3.11\nStep 2/2 : RUN widgetctl sync\nerror: license server lic-{host:02}.example.net refused seat 4 for profile '{profile}'\nThe command '/bin/sh -c widgetctl sync' returned a non-zero code: 3\n"
    )
}

fn report() -> StatsReport {
    let engine = Engine::builtin().unwrap();
    let logs = [
        ("ci/build-1.log", apt("libwidget-dev")),
        ("ci/build-2.log", apt("libgadget0")),
        ("ci/build-3.log", SUCCESS.to_string()),
        ("ci/build-4.log", widget(7, "prod")),
        ("ci/build-5.log", widget(12, "staging")),
    ];
    let mut r = StatsReport::default();
    for (i, (source, text)) in logs.iter().enumerate() {
        let d = engine.diagnose_bytes(text.as_bytes(), source);
        let day = buildmedic_fleet::timestamp::first_day(text.as_bytes());
        r.add(&LogOutcome {
            diagnosis: &d,
            micros: 100 * (i as u64 + 1),
            day,
        });
    }
    r.add_error("ci/missing.log", "No such file or directory (os error 2)");
    r.run.shards = 1;
    r.run.jobs = 2;
    r.finish();
    r
}

#[test]
fn text() {
    insta::assert_snapshot!(render(&report(), Format::Text));
}

#[test]
fn json() {
    insta::assert_snapshot!(render(&report(), Format::Json));
}

#[test]
fn csv() {
    insta::assert_snapshot!(render(&report(), Format::Csv));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(render(&report(), Format::Markdown));
}

#[test]
fn html() {
    insta::assert_snapshot!(render(&report(), Format::Html));
}

fn diff_report() -> buildmedic_fleet::DiffReport {
    let mut b = Baseline::new();
    b.add(
        "Step 1/2 : FROM node:20\nStep 2/2 : RUN npm run build\n> vite build\ntransforming (12) src/a.tsx\n✓ built in 4.1s\n".as_bytes(),
        "ok.log",
    )
    .unwrap();
    diff(
        "Step 1/2 : FROM node:20\nStep 2/2 : RUN npm run build\n> vite build\ntransforming (19) src/a.tsx\nerror during build:\nRollupError: \"x\" is not exported by \"src/u.ts\"\nThe command '/bin/sh -c npm run build' returned a non-zero code: 1\n".as_bytes(),
        "failed.log",
        &b,
        DiffOptions { context: 1, max_lines: 100 },
    )
    .unwrap()
}

#[test]
fn diff_text_format() {
    insta::assert_snapshot!(diff_text(&diff_report()));
}

#[test]
fn diff_json_format() {
    insta::assert_snapshot!(diff_json(&diff_report()));
}
