#!/usr/bin/env bash
# Smoke-fuzz every target for a few seconds from the committed seeds.
#
#   fuzz/smoke.sh [SECONDS]      (default 20 per target)
#
# Fails (exit 1) when the nightly toolchain or cargo-fuzz is missing: a smoke run that
# fuzzes nothing must not pass. `.ci/run` installs them first. Exits non-zero when a target
# fails to build or crashes (the crashing input is left in fuzz/artifacts/<target>/).
set -euo pipefail

seconds="${1:-20}"
case "$seconds" in
    '' | *[!0-9]*)
        echo "usage: $0 [SECONDS]" >&2
        exit 2
        ;;
esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if ! command -v cargo > /dev/null 2>&1 || ! cargo +nightly --version > /dev/null 2>&1; then
    echo "fuzz smoke: FAILED: no nightly toolchain (rustup toolchain install nightly --profile minimal)" >&2
    exit 1
fi
if ! cargo +nightly fuzz --version > /dev/null 2>&1; then
    echo "fuzz smoke: FAILED: cargo-fuzz is missing (cargo install cargo-fuzz --locked)" >&2
    exit 1
fi

targets=(read_log diagnose dockerfile lint_text image_ref shell)
# Same flags for build and run, so the run does not rebuild.
flags=(-O --debug-assertions)

echo "fuzz smoke: building ${#targets[@]} targets"
cargo +nightly fuzz build "${flags[@]}"

# New corpus entries go to a scratch directory; the seeds are only read.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

for t in "${targets[@]}"; do
    max_len=4096
    case "$t" in
        read_log | diagnose) max_len=65536 ;;
    esac
    mkdir -p "$scratch/$t"
    echo "fuzz smoke: $t for ${seconds}s"
    if ! cargo +nightly fuzz run "${flags[@]}" "$t" "$scratch/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -max_len="$max_len" -timeout=30 -rss_limit_mb=4096 \
        -print_final_stats=1 > "$scratch/$t.log" 2>&1; then
        tail -n 60 "$scratch/$t.log"
        echo "fuzz smoke: $t FAILED; reproduce with: cargo +nightly fuzz run ${flags[*]} $t fuzz/artifacts/$t/<file>" >&2
        exit 1
    fi
    grep -E '^stat::number_of_executed_units' "$scratch/$t.log" | sed "s/^/fuzz smoke: $t /" || true
done
echo "fuzz smoke: all ${#targets[@]} targets ran ${seconds}s without a crash"
