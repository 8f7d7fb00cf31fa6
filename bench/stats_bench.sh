#!/usr/bin/env bash
# Throughput of `buildmedic stats` over many small logs, on one thread and on every core.
#
#   bench/stats_bench.sh [N] [DIR]     (default 10000 logs in /tmp/buildmedic-stats-bench;
#                                       needs ../shared/bench/gen_log.py, hyperfine, python3)
#
# 1. Generates N logs with ../shared/bench/gen_log.py outside the repository: seeds 0..N-1,
#    failures cycling conda, pip, apt, none, body, sizes 0.01-0.1 MB, --herrings on odd
#    seeds (one Python process writes them all).
# 2. Checks that the counts of `stats` equal those of `diagnose` on every log.
# 3. Times `stats -j1` against `stats` on all cores with hyperfine and prints logs/s and
#    MB/s of each.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
DIR=${2:-/tmp/buildmedic-stats-bench/$N}
SHARED=${SHARED:-../shared}
for tool in hyperfine python3; do
  command -v "$tool" >/dev/null || { echo "stats_bench: $tool is required" >&2; exit 2; }
done
[ -f "$SHARED/bench/gen_log.py" ] || { echo "stats_bench: $SHARED/bench/gen_log.py not found" >&2; exit 2; }

cargo build --release -q -p buildmedic
BM=target/release/buildmedic

if [ ! -f "$DIR/.complete" ]; then
  rm -rf "$DIR" && mkdir -p "$DIR"
  python3 - "$SHARED/bench" "$DIR" "$N" <<'PY'
import contextlib, io, sys
sys.path.insert(0, sys.argv[1])
import gen_log
out, n = sys.argv[2], int(sys.argv[3])
failures = ["conda", "pip", "apt", "none", "body"]
for i in range(n):
    failure = failures[i % len(failures)]
    size = 0.01 + (i * 7919 % 10) * 0.01
    sys.argv = ["gen_log.py", f"{size:.2f}", "--seed", str(i), "--failure", failure]
    if i % 2:
        sys.argv.append("--herrings")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        gen_log.main()
    with open(f"{out}/{i // 1000:02}-{i:05}-{failure}.log", "w") as f:
        f.write(buf.getvalue())
PY
  touch "$DIR/.complete"
fi
BYTES=$(du -sb --exclude=.complete "$DIR" | cut -f1)
echo "$N logs, $((BYTES / 1000000)) MB in $DIR"

# Counts: stats against diagnose of each log.
"$BM" stats --no-config --format json "$DIR" > /tmp/buildmedic-stats-bench.json
find "$DIR" -name '*.log' -print0 | xargs -0 "$BM" diagnose --no-config --format json --exit-zero > /tmp/buildmedic-diagnose-bench.jsonl
python3 - /tmp/buildmedic-stats-bench.json /tmp/buildmedic-diagnose-bench.jsonl <<'PY'
import collections, json, sys
stats = json.load(open(sys.argv[1]))
kinds, failed, ok = collections.Counter(), 0, 0
for line in open(sys.argv[2]):
    d = json.loads(line)
    if d["status"] == "failed":
        failed += 1
        kinds[d["findings"][0]["kind"]] += 1
    else:
        ok += 1
same = stats["failed"] == failed and stats["succeeded"] == ok and stats["by_kind"] == dict(kinds)
print(f"stats: {stats['logs']} logs, {stats['failed']} failed, by kind {stats['by_kind']}")
print("counts equal diagnose on each log" if same else f"MISMATCH: diagnose {failed} failed, {ok} succeeded, {dict(kinds)}")
sys.exit(0 if same else 1)
PY

JOBS=$(nproc)
hyperfine --warmup 1 --runs "${RUNS:-5}" --export-json /tmp/buildmedic-stats-hyperfine.json \
  -n "stats -j1" "$BM stats --no-config --no-progress -j1 --format json $DIR" \
  -n "stats -j$JOBS" "$BM stats --no-config --no-progress -j$JOBS --format json $DIR"
python3 - /tmp/buildmedic-stats-hyperfine.json "$N" "$BYTES" <<'PY'
import json, statistics, sys
runs = json.load(open(sys.argv[1]))["results"]
n, size = int(sys.argv[2]), int(sys.argv[3])
for r in runs:
    t = statistics.median(r["times"])
    print(f"{r['command']}: median {t:.2f} s, {n / t:,.0f} logs/s, {size / 1e6 / t:,.0f} MB/s, "
          f"cpu {r['user'] + r['system']:.2f} s (mean)")
PY
