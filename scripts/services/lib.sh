# Shared helpers of the service scripts (sourced, not run).
#
# State lives in $BUILDMEDIC_SERVICES_DIR/preflight (BUILDMEDIC_SERVICES_DIR defaults to
# ${TMPDIR:-/tmp}/buildmedic-services, as for postgres.sh): pid files, logs, generated data, and `env`,
# the file the tests read (KEY=VALUE lines). Every service listens on 127.0.0.1 only, on a
# port the kernel picked as free.
set -euo pipefail

SERVICES_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE=${BUILDMEDIC_SERVICES_DIR:-${TMPDIR:-/tmp}/buildmedic-services}/preflight
VENV=${BUILDMEDIC_SERVICES_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/buildmedic/services-venv}
ENV_FILE=$STATE/env
mkdir -p "$STATE/logs" "$STATE/run"

say() { echo "services: $*" >&2; }

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# env_get KEY: a value written by env_set (empty when absent).
env_get() {
  [ -f "$ENV_FILE" ] || return 0
  sed -n "s/^$1=//p" "$ENV_FILE" | tail -n 1
}

# env_set KEY VALUE: records one variable for the tests (replacing an older value).
env_set() {
  touch "$ENV_FILE"
  grep -v "^$1=" "$ENV_FILE" >"$ENV_FILE.tmp" || true
  echo "$1=$2" >>"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

# running NAME: whether the process recorded under NAME is alive.
running() {
  local pidfile=$STATE/run/$1.pid
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# spawn NAME CMD...: starts CMD in the background, logging to logs/NAME.log.
spawn() {
  local name=$1
  shift
  nohup "$@" >"$STATE/logs/$name.log" 2>&1 &
  echo $! >"$STATE/run/$name.pid"
}

# stop_one NAME: ends the process recorded under NAME (and only that one).
stop_one() {
  local pidfile=$STATE/run/$1.pid
  if [ -f "$pidfile" ]; then
    local pid
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  fi
}

# wait_http NAME URL [CURL_ARGS...]: waits up to 20 s until URL answers at all (any HTTP
# status); on failure prints the service's log and returns 1.
wait_http() {
  local name=$1 url=$2
  shift 2
  for _ in $(seq 200); do
    if python3 - "$url" <<'PY' 2>/dev/null; then return 0; fi
import ssl, sys, urllib.request, urllib.error
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
try:
    urllib.request.urlopen(sys.argv[1], timeout=1, context=ctx)
except urllib.error.HTTPError:
    pass
PY
    if ! running "$name"; then break; fi
    sleep 0.1
  done
  say "$name did not come up at $url; its log:"
  sed 's/^/  | /' "$STATE/logs/$name.log" >&2 || true
  return 1
}

# need_cmd CMD...: fails with a message naming the missing commands.
need_cmd() {
  local missing=()
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "missing: ${missing[*]} (run scripts/services/install.sh)"
    return 1
  fi
}
