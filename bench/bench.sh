#!/usr/bin/env bash
# Throughput and memory of `buildmedic diagnose` against `cat` and ripgrep, in one run.
#
#   bench/bench.sh [SIZE_MB]        (default 200; needs ../shared/bench, hyperfine, rg)
#
# 1. Generates a SIZE_MB BuildKit log with ../shared/bench/gen_log.py (--herrings: real
#    non-fatal lines that look like errors).
# 2. Times, on one thread and the same file: `cat`, `rg -c -f signatures.txt` (the 67
#    signatures baseline), the reader alone (reading + cleaning + step splitting, the
#    `read` example) and `buildmedic diagnose` with the full knowledge base, then with ten
#    times the rules (synthetic rules with their own trigger literals). Prints ratios.
# 3. Peak RSS of each on SIZE_MB, and of `buildmedic diagnose` on a 1 GB log streamed
#    through stdin.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-200}
SHARED=${SHARED:-../shared}
OUT=bench/out
mkdir -p "$OUT"
for tool in hyperfine rg python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }
done
[ -f "$SHARED/bench/gen_log.py" ] || { echo "bench: $SHARED/bench/gen_log.py not found" >&2; exit 2; }

cargo build --release -q -p buildmedic -p buildmedic-log --bin buildmedic --example read
BM=target/release/buildmedic
READ=target/release/examples/read
LOG="$OUT/gen-$SIZE.log"
[ -s "$LOG" ] || python3 "$SHARED/bench/gen_log.py" "$SIZE" --seed 7 --herrings > "$LOG"
SIGS="$SHARED/bench/signatures.txt"

# Ten times the rules: for every built-in signature, nine synthetic ones with distinct
# triggers that contain the original trigger (so they look like real, more specific
# messages) and never match.
RULES10="$OUT/rules-x10"
rm -rf "$RULES10" && mkdir -p "$RULES10"
"$BM" kinds --no-config --format json > "$OUT/kinds.json"
python3 - "$RULES10" "$OUT/kinds.json" <<'PY'
import json, re, sys
out = sys.argv[1]
kinds = json.load(open(sys.argv[2]))
n = 0
def q(s): return "'" + s.replace("'", "") + "'"
for k in kinds:
    for v in range(1, 10):
        sigs = []
        for s in k["signatures"]:
            trig = s["triggers"][0]
            if "'" in trig:
                continue
            t = f"{trig} variant {v}"
            pattern = q(re.escape(t) + " (?P<package>" + chr(92) + "S+)")
            sigs.append(f"[[signature]]\nid = {q(s['id'])}\npattern = {pattern}\ntrigger = {q(t)}\nweight = 0.9\n")
            n += 1
        if not sigs:
            continue
        with open(f"{out}/synthetic-{k['kind']}-{v}.toml", "w") as f:
            f.write(f'kind = "synthetic-{k["kind"]}-{v}"\ntitle = "synthetic"\nsummary = "synthetic"\n\n' + "\n".join(sigs))
print(f"synthetic signatures: {n}", file=sys.stderr)
PY
BASE_SIGS=$(python3 -c 'import json,sys; print(sum(len(k["signatures"]) for k in json.load(open(sys.argv[1]))))' "$OUT/kinds.json")
echo "built-in signatures: $BASE_SIGS"

hyperfine -N -w 1 -r "${RUNS:-5}" --export-json "$OUT/hyperfine.json" \
  -n cat "cat $LOG" \
  -n ripgrep "rg -j1 -c -f $SIGS $LOG" \
  -n reader "$READ $LOG" \
  -n diagnose "$BM diagnose --no-config $LOG" \
  -n diagnose-x10-rules "$BM diagnose --no-config --rules $RULES10 $LOG" \
  -i >/dev/null

python3 - "$OUT/hyperfine.json" "$SIZE" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
size = float(sys.argv[2])
t = {k: v["median"] for k, v in res.items()}
print(f"\n{'command':<22} {'median':>9} {'MB/s':>8}")
for k in ["cat", "ripgrep", "reader", "diagnose", "diagnose-x10-rules"]:
    print(f"{k:<22} {t[k]*1000:8.1f}ms {size*1.048576/t[k]:8.0f}")
print()
print(f"reader vs cat:                  {t['reader']/t['cat']:.2f}x the time of cat")
print(f"diagnose vs ripgrep:            {t['ripgrep']/t['diagnose']:.2f}x faster than rg -c -f signatures.txt")
print(f"reader throughput:              {size*1.048576/t['reader']/1000:.2f} GB/s")
print(f"10x rules / 1x rules:           {t['diagnose-x10-rules']/t['diagnose']:.2f}x the time")
PY

rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1 || true; }
echo
echo "peak RSS on $SIZE MB (KiB): rg $(rss rg -j1 -c -f "$SIGS" "$LOG")," \
     "reader $(rss "$READ" "$LOG"), diagnose $(rss "$BM" diagnose --no-config --exit-zero "$LOG")"
GB_RSS=$( { python3 "$SHARED/bench/gen_log.py" 1024 --seed 11 --herrings | /usr/bin/time -f '%M' "$BM" diagnose --no-config --exit-zero - >/dev/null; } 2>&1 | tail -1)
echo "peak RSS of diagnose on a 1 GB log through stdin: $GB_RSS KiB"
