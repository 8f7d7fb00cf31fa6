#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: formatting, lints, unit, property,
# snapshot and end-to-end tests. Needs only a Rust toolchain (cargo fetches the crates).
# Tests that read ../shared (corpus, realdefs, conformance) skip themselves when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
export NO_COLOR=1
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
echo "all tests passed"
