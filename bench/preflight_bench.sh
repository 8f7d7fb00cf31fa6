#!/usr/bin/env bash
# preflight concurrency: one project with 50 targets (20 images on two registries, 15 conda
# specs on two channels, 15 pip requirements on two indexes) against the test services
# behind scripts/services/latency_proxy.py, which adds DELAY_MS each way (a remote service
# at 2 x DELAY_MS round trip). hyperfine compares, alternating:
#   all      the whole project (default concurrency, 16 requests in flight)
#   serial   the same with --concurrency 1 (one request at a time)
#   slowest  the project's slowest single check alone
# With concurrency the whole project should take about as long as `slowest`.
#
#   bench/preflight_bench.sh              # DELAY_MS=50 RUNS=5
set -euo pipefail
cd "$(dirname "$0")/.."
DELAY_MS=${DELAY_MS:-50}
RUNS=${RUNS:-5}
ENV_FILE=$(scripts/services/start.sh | tail -n 1)
# shellcheck disable=SC1090
source "$ENV_FILE"
cargo build --release -q -p buildmedic
BIN=$PWD/target/release/buildmedic
DIR=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
port() { echo "${1##*:}"; }
P_OPEN=$(free_port); P_TOKEN=$(free_port); P_CONDA=$(free_port); P_PYPI=$(free_port); P_STATIC=$(free_port)
python3 scripts/services/latency_proxy.py "$DELAY_MS" \
  "$P_OPEN:$(port "$BM_REG_OPEN")" "$P_TOKEN:$(port "$BM_REG_TOKEN")" \
  "$P_CONDA:$(port "${BM_CONDA_URL}")" "$P_PYPI:$(port "${BM_PYPI_URL%/simple}")" \
  "$P_STATIC:$(port "${BM_PYPI_STATIC_URL%/static-simple}")" >"$DIR/proxy.log" 2>&1 &
PROXY=$!
trap 'kill $PROXY 2>/dev/null; rm -rf "$DIR"' EXIT
sleep 0.5
O=127.0.0.1:$P_OPEN T=127.0.0.1:$P_TOKEN
mkdir -p "$DIR/proj"
{
  for ref in demo/app:1.0 demo/app:1.1 demo/app:latest demo/multi:1.0 demo/docker:1.0 \
    demo/dockermulti:1.0 demo/app:2.0 demo/app:3.0 demo/nope:1 demo/nope:2 blocked/app:1.0 \
    demo/multi:2.0 demo/docker:2.0 demo/other:1 demo/app:0.9; do
    echo "FROM $O/$ref"
  done
  for ref in public/app:1.0 private/app:1.0 public/app:2.0 public/nope:1 private/app:2.0; do
    echo "FROM $T/$ref"
  done
} >"$DIR/proj/Dockerfile"
C=http://127.0.0.1:$P_CONDA
cat >"$DIR/proj/environment.yml" <<YML
name: bench
channels:
  - $C/main
  - $C/other
dependencies:
  - python=3.11
  - demo-lib=1.0
  - demo-lib=1.1
  - demo-lib>=2
  - demo-lib
  - noarch-tool
  - noarch-tool>=1
  - cpp-lib
  - cpp-lib=2.1
  - cpp-lib=3
  - other-only
  - other-only=4.2
  - missing-one
  - missing-two
  - demo-lib=1.0=py311_0
YML
cat >"$DIR/proj/requirements.txt" <<REQ
--index-url http://127.0.0.1:$P_PYPI/simple
--extra-index-url http://127.0.0.1:$P_STATIC/static-simple
demo-pkg
demo-pkg==1.0.0
demo-pkg==2.0.0
demo-pkg>=1,<2
demo-pkg==3.0
native-pkg==1.0
native-pkg==1.1
native-pkg==1.2
native-pkg
sdist-only
sdist-only==0.5
no-such-project
other-missing
demo-pkg!=1.0.0
native-pkg>=1.0
REQ
REALM_HOST=$(echo "${BM_TOKEN_REALM#http://}" | cut -d/ -f1)
COMMON=(--no-progress --python 3.11 --suggest-channels= --retries 0
  --insecure-registry "$O" --insecure-registry "$T" --insecure-registry "$REALM_HOST")
n=$("$BIN" preflight "${COMMON[@]}" --format json --cache-dir "$DIR/c0" "$DIR/proj" |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)["checks"]))' || true)
echo "targets checked: $n"

# Milliseconds one command takes (cold cache: a fresh cache directory).
time_ms() {
  python3 - "$@" <<'PY'
import subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(int((time.monotonic() - t) * 1000))
PY
}
# A one-target project: the first HEADER lines of FILE and LINE.
one() {
  local d
  d=$(mktemp -d -p "$DIR")
  head -n "$2" "$DIR/proj/$1" >"$d/$1"
  echo "$3" >>"$d/$1"
  echo "$d"
}
# The slowest single check: each target alone, once.
slowest=""
slowest_ms=0
consider() { # TARGET_ARGS...
  local ms
  ms=$(time_ms "$BIN" preflight "${COMMON[@]}" --cache-dir "$(mktemp -d -p "$DIR")" "$@")
  if [ "$ms" -gt "$slowest_ms" ]; then slowest_ms=$ms; slowest="$*"; fi
}
while IFS= read -r ref; do consider --image "$ref"; done < <(sed -n 's/^FROM //p' "$DIR/proj/Dockerfile")
while IFS= read -r line; do consider "$(one environment.yml 5 "$line")"; done < <(sed -n '7,$p' "$DIR/proj/environment.yml")
while IFS= read -r line; do consider "$(one requirements.txt 2 "$line")"; done < <(sed -n '3,$p' "$DIR/proj/requirements.txt")
echo "slowest single check (one run): ${slowest_ms} ms: $slowest"

# Cold cache on every run (a fresh cache directory each time): every request goes out.
run() { echo "$BIN preflight ${COMMON[*]} --cache-dir $DIR/run-\$RANDOM $*"; }
hyperfine -N --runs "$RUNS" --style basic -i \
  -n all "bash -c '$(run "$DIR/proj") >/dev/null'" \
  -n serial "bash -c '$(run --concurrency 1 "$DIR/proj") >/dev/null'" \
  -n slowest "bash -c '$(run "$slowest") >/dev/null'"
