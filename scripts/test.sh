#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: formatting, lints, unit, property,
# snapshot and end-to-end tests. Needs only a Rust toolchain (cargo fetches the crates).
# Tests that read ../shared (corpus, realdefs, conformance) skip themselves when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
export NO_COLOR=1
# Services the tests use, installed (apt-get and pip, as root) and started here on loopback
# (scripts/services/): PostgreSQL and headless Chromium for serve; registries, conda
# channels and package indexes for preflight. Without them those tests skip with a message,
# or fail when BUILDMEDIC_REQUIRE_SERVICES=1 (CI). BUILDMEDIC_SERVICES=0 starts none;
# BUILDMEDIC_KEEP_SERVICES=1 leaves them running afterwards.
cleanup=()
on_exit() { local c; for c in "${cleanup[@]}"; do eval "$c" || true; done; }
trap on_exit EXIT
if [ "${BUILDMEDIC_SERVICES:-1}" = 1 ]; then
  if pg_env=$(scripts/services/postgres.sh start); then
    eval "$pg_env"
    [ "${BUILDMEDIC_KEEP_SERVICES:-}" = 1 ] || cleanup+=('scripts/services/postgres.sh stop')
  else
    echo "PostgreSQL unavailable: its tests will skip" >&2
  fi
  if chromium_env=$(scripts/services/chromium.sh); then
    eval "$chromium_env"
  else
    echo "Chromium unavailable: the web page test will skip" >&2
  fi
  if [ -z "${BUILDMEDIC_PREFLIGHT_SERVICES:-}" ]; then
    if services_env=$(scripts/services/start.sh | tail -n 1) && [ -f "$services_env" ]; then
      export BUILDMEDIC_PREFLIGHT_SERVICES=$services_env
      [ "${BUILDMEDIC_KEEP_SERVICES:-}" = 1 ] || cleanup+=('scripts/services/stop.sh')
    elif [ "${BUILDMEDIC_REQUIRE_SERVICES:-}" = 1 ]; then
      scripts/services/stop.sh --keep || true
      echo "error: the preflight test services could not be started (BUILDMEDIC_REQUIRE_SERVICES=1)" >&2
      exit 1
    else
      scripts/services/stop.sh || true
      echo "note: the preflight test services could not be started: their tests will skip" >&2
    fi
  fi
fi
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

cargo test --workspace --locked
# serve: schemathesis against the OpenAPI document of a real server (PyPI, in a venv).
st=0
scripts/services/schemathesis.sh target/debug/buildmedic || st=$?
if [ "$st" = 3 ]; then
  [ "${BUILDMEDIC_REQUIRE_SERVICES:-0}" = 1 ] && { echo "schemathesis required but unavailable" >&2; exit 1; }
  echo "schemathesis unavailable: API property test skipped" >&2
elif [ "$st" != 0 ]; then
  exit "$st"
fi
echo "all tests passed"
