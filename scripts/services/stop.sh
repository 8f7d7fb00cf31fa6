#!/usr/bin/env bash
# Ends every service start.sh started (by the pids it recorded) and removes the state
# directory; with --keep the directory (logs, generated data, ports) stays.
source "$(dirname "$0")/lib.sh"
for pidfile in "$STATE"/run/*.pid; do
  [ -e "$pidfile" ] || continue
  name=$(basename "$pidfile" .pid)
  [ "$name" = nginx-master ] && continue
  stop_one "$name"
done
rm -f "$STATE/run/nginx-master.pid"
if [ "${1:-}" != --keep ]; then
  rm -rf "$STATE"
fi
say "stopped"
