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

# preflight: its tests talk to real services on loopback (registries, package indexes,
# conda channels, a TLS server), which scripts/services/start.sh installs (Debian and PyPI
# packages) and starts. Where they cannot be installed the service tests skip with a
# message; with BUILDMEDIC_REQUIRE_SERVICES=1 (CI) that is a failure.
if [ -z "${BUILDMEDIC_SERVICES:-}" ]; then
  if services_env=$(scripts/services/start.sh | tail -n 1) && [ -f "$services_env" ]; then
    export BUILDMEDIC_SERVICES=$services_env
    [ "${BUILDMEDIC_KEEP_SERVICES:-}" = 1 ] || trap 'scripts/services/stop.sh' EXIT
  elif [ "${BUILDMEDIC_REQUIRE_SERVICES:-}" = 1 ]; then
    scripts/services/stop.sh --keep || true
    echo "error: the preflight test services could not be started (BUILDMEDIC_REQUIRE_SERVICES=1)" >&2
    exit 1
  else
    scripts/services/stop.sh || true
    echo "note: the preflight test services could not be started: their tests will be skipped" >&2
  fi
fi

cargo test --workspace --locked
echo "all tests passed"
