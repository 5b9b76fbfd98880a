#!/usr/bin/env bash
# Stop the launcher started by start.sh: SIGTERM (clean DBMS shutdown via the JVM
# shutdown hook), wait up to NEO4J_STOP_TIMEOUT seconds (default 30), then SIGKILL.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PID_FILE="$HERE/run/neo4j.pid"
TIMEOUT="${NEO4J_STOP_TIMEOUT:-30}"

log() { echo "[neo4j/stop] $*" >&2; }
alive() { [[ -r "/proc/$1/stat" ]] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"; }
ours() { alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q 'org.tcm.neo4j.Launcher'; }

if [[ ! -f "$PID_FILE" ]]; then
  log "not running (no $PID_FILE)"
  exit 0
fi
pid="$(cat "$PID_FILE")"
if [[ ! "$pid" =~ ^[0-9]+$ ]] || ! ours "$pid"; then
  log "not running (stale pid file for pid $pid); removing it"
  rm -f "$PID_FILE"
  exit 0
fi

log "stopping pid $pid (SIGTERM, up to ${TIMEOUT}s)"
kill -TERM "$pid" 2>/dev/null || true
start=$SECONDS
while alive "$pid" && (( SECONDS - start < TIMEOUT )); do sleep 0.5; done
if alive "$pid"; then
  log "still alive after ${TIMEOUT}s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  while alive "$pid"; do sleep 0.2; done
fi
rm -f "$PID_FILE"
log "stopped after $((SECONDS - start))s"
