#!/usr/bin/env bash
# Speed and memory of `buildmedic diagnose`, against ripgrep, cat and itself, in one run.
#
#   bench/bench.sh [SIZE_MB]     (default 200; needs ../shared/bench, rg, python3, gzip)
#
# Every comparison runs the two commands alternating (bench/alternate.py) and reports the
# median time of each and the median of the per-pair ratios:
# 1. One core: `diagnose -j1 --format json` against `rg -j1 -c -f signatures.txt` (the
#    ripgrep baseline of ../shared/bench) on a generated BuildKit log, clean and with
#    --herrings (real non-fatal lines that look like errors).
# 2. All cores: `diagnose` (default -j) against `diagnose -j1` on the --herrings log.
# 3. Start-up: a 1 KB log end to end, against `cat` of the same file.
# 4. Scaling: the built-in knowledge base plus synthetic signatures with their own literals
#    (bench/gen_rules.py), at 3x, 10x and 30x the built-in count, against 1x.
# 5. gzip input against `gzip -dc` of the same file; peak RSS on SIZE_MB and on 1 GB
#    through stdin.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-200}
RUNS=${RUNS:-5}
SHARED=${SHARED:-../shared}
OUT=bench/out
mkdir -p "$OUT"
for tool in rg python3 gzip; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }
done
[ -f "$SHARED/bench/gen_log.py" ] || { echo "bench: $SHARED/bench/gen_log.py not found" >&2; exit 2; }

cargo build --release -q --locked -p buildmedic
BM=${CARGO_TARGET_DIR:-target}/release/buildmedic
SIGS="$SHARED/bench/signatures.txt"
CLEAN="$OUT/gen-$SIZE.log"
HERR="$OUT/gen-$SIZE-herrings.log"
[ -s "$CLEAN" ] || python3 "$SHARED/bench/gen_log.py" "$SIZE" --seed 11 > "$CLEAN"
[ -s "$HERR" ] || python3 "$SHARED/bench/gen_log.py" "$SIZE" --seed 11 --herrings > "$HERR"
head -c 1024 "$HERR" > "$OUT/small.log"
ALT="python3 bench/alternate.py --runs $RUNS"

report() { # name json size_mb
  python3 - "$1" "$2" "${3:-0}" <<'PY'
import json, sys
name, r, size = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3])
ta, tb, q = r["median_a_s"], r["median_b_s"], r["median_ratio_b_over_a"]
def speed(t):
    return f" ({size * 1.048576 / t / 1000:.2f} GB/s)" if size else ""
print(f"{name}: {r['a']} {ta * 1000:.1f} ms{speed(ta)}, {r['b']} {tb * 1000:.1f} ms{speed(tb)}; "
      f"median of pairs {r['b']}/{r['a']} = {q:.2f}x the time")
PY
}

echo "== one core, $SIZE MB, full knowledge base"
for log in "$CLEAN" "$HERR"; do
  r=$($ALT ripgrep "rg -j1 -c -f $SIGS $log" diagnose "$BM diagnose -j1 --no-config --format json $log")
  report "$(basename "$log")" "$r" "$SIZE"
done

echo "== all cores ($(nproc)) against one, $SIZE MB --herrings"
r=$($ALT j1 "$BM diagnose -j1 --no-config --format json $HERR" jN "$BM diagnose --no-config --format json $HERR")
report "$(basename "$HERR")" "$r" "$SIZE"
cmp <("$BM" diagnose -j1 --no-config --format json --exit-zero "$HERR") \
    <("$BM" diagnose --no-config --format json --exit-zero "$HERR") && echo "JSON of -j1 and -jN identical"

echo "== start-up: a 1 KB log end to end (50 runs per sample)"
r=$(python3 bench/alternate.py --runs "$RUNS" --repeat 50 cat "cat $OUT/small.log" diagnose "$BM diagnose --no-config $OUT/small.log")
report "small.log" "$r"

echo "== scaling: synthetic signatures with their own literals, $SIZE MB --herrings"
BASE=$("$BM" kinds --no-config --format json | python3 -c 'import json,sys; print(sum(len(k["signatures"]) for k in json.load(sys.stdin)))')
echo "built-in signatures: $BASE"
for x in 3 10 30; do
  dir="$OUT/rules-x$x"
  rm -rf "$dir"
  python3 bench/gen_rules.py "$dir" $(( BASE * (x - 1) )) --seed "$x"
  r=$($ALT x1 "$BM diagnose -j1 --no-config --format json $HERR" "x$x" "$BM diagnose -j1 --no-config --rules $dir --format json $HERR")
  report "$x times the signatures ($(( BASE * x )))" "$r" "$SIZE"
done

echo "== gzip input"
GZ="$OUT/gen-$SIZE-herrings.log.gz"
[ -s "$GZ" ] || gzip -6 -c "$HERR" > "$GZ"
r=$($ALT gzip-dc "gzip -dc $GZ" diagnose "$BM diagnose -j1 --no-config --format json $GZ")
report "$(basename "$GZ")" "$r" "$SIZE"

rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1 || true; }
echo "== peak RSS (KiB)"
echo "on $SIZE MB: rg $(rss rg -j1 -c -f "$SIGS" "$HERR"), diagnose -j1 $(rss "$BM" diagnose -j1 --no-config --exit-zero "$HERR"), diagnose $(rss "$BM" diagnose --no-config --exit-zero "$HERR")"
GB_RSS=$( { python3 "$SHARED/bench/gen_log.py" 1024 --seed 11 --herrings | /usr/bin/time -f '%M' "$BM" diagnose --no-config --exit-zero - >/dev/null; } 2>&1 | tail -1)
echo "on a 1 GB log through stdin: diagnose $GB_RSS"
