#!/usr/bin/env bash
# Load bench of `buildmedic serve`: wrk posting a ~50 KB failing build log on loopback, with
# the SQLite store and then the PostgreSQL store. Prints throughput, p50/p99 latency and
# errors for each (wrk's own figures: socket errors and non-2xx answers).
#
#   bench/serve_bench.sh [SECONDS] [CONNECTIONS]      (defaults: 20 s, 32 connections)
#
# Needs wrk (Debian package `wrk`; installed when missing and apt-get is usable) and, for
# the PostgreSQL run, scripts/services/postgres.sh. Builds the release binary first.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-20}
CONNS=${2:-32}
THREADS=${WRK_THREADS:-2}

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get install -y -q wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q wrk >/dev/null 2>&1; }) || true
  fi
  command -v wrk >/dev/null || { echo "serve_bench: wrk not found" >&2; exit 1; }
fi

cargo build --release --locked -q -p buildmedic
BM=$PWD/target/release/buildmedic
WORK=$(mktemp -d)
# Only a server still running is killed: `kill 0` (an empty pid) would signal the whole
# process group, the calling CI script included.
trap 'if [ -n "${SERVER_PID:-}" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT

# The log: the Azure ML example with ~46 KB of pip download output inside the failing step,
# so the evidence sits at the end of a 50 KB step as in a real build.
python3 - "$WORK/build.log" <<'PY'
import sys
src = open("examples/azureml-build.log", encoding="utf-8").read().splitlines(keepends=True)
cut = next(i for i, l in enumerate(src) if l.startswith("Looking in indexes"))
noise, n = [], 0
while sum(map(len, noise)) < 46_000:
    n += 1
    noise.append(f"Collecting dependency-{n}==1.{n % 17}.{n % 5}\n")
    noise.append(f"  Downloading dependency_{n}-1.{n % 17}.{n % 5}-py3-none-any.whl ({40 + n % 900} kB)\n")
open(sys.argv[1], "w", encoding="utf-8").write("".join(src[:cut] + noise + src[cut:]))
PY
SIZE=$(wc -c <"$WORK/build.log")
"$BM" diagnose --no-config --exit-zero "$WORK/build.log" | head -1

cat >"$WORK/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("BENCH_LOG"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "text/plain"
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d seconds=%.2f rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f errors_connect=%d errors_read=%d errors_write=%d errors_timeout=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout, summary.errors.status))
end
LUA

# utime + stime of a process, in clock ticks (1/100 s).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() {
  local name=$1 db=$2
  "$BM" serve --no-config --listen 127.0.0.1:0 --db "$db" --retention-days 0 2>"$WORK/server-$name.log" &
  SERVER_PID=$!
  local addr=""
  for _ in $(seq 1 200); do
    addr=$(grep -o 'listening on http://[0-9.:]*' "$WORK/server-$name.log" | sed 's|listening on http://||' || true)
    [ -n "$addr" ] && break
    sleep 0.05
  done
  [ -n "$addr" ] || { cat "$WORK/server-$name.log" >&2; exit 1; }
  # Warm up, then measure.
  BENCH_LOG="$WORK/build.log" wrk -t1 -c4 -d2s -s "$WORK/post.lua" "http://$addr/api/v1/diagnoses" >/dev/null
  echo "== $name: wrk -t$THREADS -c$CONNS -d${SECS}s, $SIZE-byte log (load average before: $(cut -d' ' -f1 /proc/loadavg))"
  local cpu0
  cpu0=$(cpu_ticks "$SERVER_PID")
  BENCH_LOG="$WORK/build.log" wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -s "$WORK/post.lua" \
    "http://$addr/api/v1/diagnoses" | tee "$WORK/wrk-$name.txt" | grep -E "RESULT|Requests/sec|Non-2xx|Socket errors" || true
  local cpu1 requests
  cpu1=$(cpu_ticks "$SERVER_PID")
  requests=$(sed -n 's/.*RESULT requests=\([0-9]*\).*/\1/p' "$WORK/wrk-$name.txt")
  # Server CPU (user + system, all threads) per diagnosis: independent of what else runs on
  # the machine; 2 cores / that = what the server alone could sustain on 2 cores.
  python3 -c 'import sys; t=(int(sys.argv[2])-int(sys.argv[1]))/100; n=int(sys.argv[3]); print(f"'"$name"': server CPU {t:.1f} s for {n} diagnoses = {1000*t/n:.3f} ms each; 2 cores / that = {2*n/t:.0f} diagnoses/s")' "$cpu0" "$cpu1" "$requests"
  local stored
  stored=$(python3 -c 'import sys, urllib.request; print(sum(float(l.split()[-1]) for l in urllib.request.urlopen(sys.argv[1]).read().decode().splitlines() if l.startswith("buildmedic_diagnoses_total")))' "http://$addr/metrics")
  echo "$name: stored diagnoses (metrics): $stored"
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" || true
  SERVER_PID=
}

run sqlite "sqlite://$WORK/history.db"
if eval "$(scripts/services/postgres.sh start)"; then
  DB=bench_$$
  psql -q "$BUILDMEDIC_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  run postgres "${BUILDMEDIC_TEST_PG_URL%/*}/$DB"
  psql -q "$BUILDMEDIC_TEST_PG_URL" -c "DROP DATABASE $DB WITH (FORCE)"
  scripts/services/postgres.sh stop >/dev/null || true
else
  echo "postgres: skipped (no server)"
fi
