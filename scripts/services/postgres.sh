#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests, on a free loopback port with a temporary data
# directory. Idempotent: `start` reuses a server it started before if it still runs.
#
#   eval "$(scripts/services/postgres.sh start)"   # exports BUILDMEDIC_TEST_PG_URL
#   scripts/services/postgres.sh stop               # stops it and removes its directory
#
# Installs the Debian package `postgresql` when no server binaries are found and apt-get is
# usable (root). PostgreSQL refuses to run as root: as root the server runs as the
# `postgres` user the package creates. Authentication is `trust` on 127.0.0.1 only: this is
# a test server. On failure the server log is printed to stderr.
set -euo pipefail
STATE=${BUILDMEDIC_SERVICES_DIR:-${TMPDIR:-/tmp}/buildmedic-services}/postgres
mkdir -p "$(dirname "$STATE")"

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
  local d
  if command -v pg_config >/dev/null 2>&1; then
    d=$(pg_config --bindir 2>/dev/null || true)
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing the Debian package postgresql"
    (apt-get install -y -q postgresql >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q postgresql >/dev/null 2>&1; }) || return 1
    return 0
  fi
  return 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null && return 0
  local p
  for p in $(seq 55432 55532); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local bindir
  bindir=$(find_bindir) || { install && bindir=$(find_bindir); } || {
    log "PostgreSQL server binaries not found and cannot be installed (need root and apt-get)"
    return 1
  }
  if [ -f "$STATE/url" ] && as_owner "$bindir/pg_ctl" -D "$STATE/data" status >/dev/null 2>&1; then
    echo "export BUILDMEDIC_TEST_PG_URL=$(cat "$STATE/url")"
    return 0
  fi
  rm -rf "$STATE"
  mkdir -p "$STATE"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { log "no postgres user (install the postgresql package)"; return 1; }
    chown postgres "$STATE"
  fi
  local port user
  port=$(free_port)
  user=$([ "$(id -u)" = 0 ] && echo postgres || id -un)
  as_owner "$bindir/initdb" -D "$STATE/data" -U postgres --auth=trust -E UTF8 >"$STATE/initdb.log" 2>&1 || {
    log "initdb failed:"; cat "$STATE/initdb.log" >&2; return 1
  }
  if ! as_owner "$bindir/pg_ctl" -D "$STATE/data" -l "$STATE/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $STATE -c max_connections=200 -c fsync=on" start >/dev/null 2>&1; then
    log "the server did not start; its log:"; cat "$STATE/server.log" >&2 || true; return 1
  fi
  echo "postgres://postgres@127.0.0.1:$port/postgres" >"$STATE/url"
  log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') as $user on 127.0.0.1:$port, data in $STATE/data"
  echo "export BUILDMEDIC_TEST_PG_URL=$(cat "$STATE/url")"
}

stop() {
  local bindir
  bindir=$(find_bindir) || return 0
  if [ -d "$STATE/data" ]; then
    as_owner "$bindir/pg_ctl" -D "$STATE/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$STATE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) cat "$STATE/url" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
