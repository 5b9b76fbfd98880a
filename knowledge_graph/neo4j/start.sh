#!/usr/bin/env bash
# Start the embedded Neo4j Community 5.26 launcher in the background (tests/local use).
#
# Env knobs:
#   NEO4J_PORT           Bolt port on 127.0.0.1 (default 7687)
#   NEO4J_DATA_DIR       Neo4j home: data/ and logs/ go below it (default <this dir>/run/data)
#   NEO4J_PASSWORD       if set: auth on, user "neo4j" gets this password; unset: auth off
#   NEO4J_START_TIMEOUT  seconds to wait for Bolt (default 180)
#   NEO4J_JAVA           java binary (default $JAVA_HOME/bin/java, else java; needs 17 or 21)
#   NEO4J_JAVA_OPTS      JVM flags (default: small heap, see below)
#   NEO4J_TX_TIMEOUT_S   db.transaction.timeout in seconds (default 120)
#   NEO4J_TX_TOTAL_MEMORY_MB  dbms.memory.transaction.total.max in MB (default 768, of the 1 GB heap)
#   NEO4J_TX_MEMORY_MB   db.memory.transaction.max in MB (default 0: off; the build is one transaction,
#                        and a rebuild of today's corpus needs more than 384 MB)
# LOAD CSV from file URLs is always off (dbms.security.allow_csv_import_from_file_urls=false).
#
# Progress goes to stderr; stdout is only `export ...` lines, so `eval "$(start.sh)"` works.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN_DIR="$HERE/run"
LOG="$RUN_DIR/neo4j.log"
PID_FILE="$RUN_DIR/neo4j.pid"
PORT="${NEO4J_PORT:-7687}"
DATA_DIR="${NEO4J_DATA_DIR:-$RUN_DIR/data}"
TIMEOUT="${NEO4J_START_TIMEOUT:-180}"
if [[ -n "${NEO4J_JAVA:-}" ]]; then JAVA="$NEO4J_JAVA"
elif [[ -n "${JAVA_HOME:-}" ]]; then JAVA="$JAVA_HOME/bin/java"
else JAVA=java; fi
JAVA_OPTS="${NEO4J_JAVA_OPTS:--Xms256m -Xmx1g -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
--add-opens=java.base/sun.nio.ch=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true}"

log() { echo "[neo4j/start] $*" >&2; }
alive() { [[ -r "/proc/$1/stat" ]] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"; }
ours() { alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q 'org.tcm.neo4j.Launcher'; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
print_env() {
  echo "export NEO4J_URI=${1:-bolt://127.0.0.1:$PORT}"
  echo "export NEO4J_USER=neo4j"
  if [[ -n "${NEO4J_PASSWORD:-}" ]]; then
    echo "# auth on: password is the NEO4J_PASSWORD you started with"
  else
    echo "# auth off: connect with auth=None (any credentials are accepted)"
  fi
}

mkdir -p "$RUN_DIR"
if [[ -f "$PID_FILE" ]]; then
  pid="$(cat "$PID_FILE")"
  if ours "$pid"; then
    log "already running (pid $pid); stop it with $HERE/stop.sh"
    print_env "$(grep -m1 '^NEO4J READY' "$LOG" | cut -d' ' -f3)"
    exit 0
  fi
  log "removing stale pid file (pid $pid is gone)"
  rm -f "$PID_FILE"
fi
if port_open; then
  log "ERROR: something already listens on 127.0.0.1:$PORT (set NEO4J_PORT to another port)"
  exit 1
fi

CLASS="$HERE/target/classes/org/tcm/neo4j/Launcher.class"
SRC="$HERE/src/main/java/org/tcm/neo4j/Launcher.java"
if [[ ! -f "$CLASS" || ! -d "$HERE/target/dependency" || "$SRC" -nt "$CLASS" || "$HERE/pom.xml" -nt "$CLASS" ]]; then
  log "building launcher (mvn package; first run downloads ~125 MB of jars from Maven Central)"
  mvn -B -q -f "$HERE/pom.xml" package >&2
fi

mkdir -p "$DATA_DIR"
DATA_DIR="$(cd "$DATA_DIR" && pwd)"
if [[ -n "${NEO4J_PASSWORD:-}" ]]; then export NEO4J_PASSWORD; fi  # via env, never argv
log "starting on 127.0.0.1:$PORT, home $DATA_DIR, log $LOG"
# shellcheck disable=SC2086  # JAVA_OPTS is a list of flags
nohup "$JAVA" $JAVA_OPTS -cp "$HERE/target/classes:$HERE/target/dependency/*" \
  org.tcm.neo4j.Launcher "$DATA_DIR" "$PORT" >"$LOG" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$PID_FILE"

start=$SECONDS
while true; do
  if ! alive "$pid"; then
    log "ERROR: launcher exited during start-up; last log lines:"
    tail -n 60 "$LOG" >&2 || true
    rm -f "$PID_FILE"
    exit 1
  fi
  if grep -q '^NEO4J READY' "$LOG" && port_open; then
    break
  fi
  if (( SECONDS - start >= TIMEOUT )); then
    log "ERROR: Bolt not ready after ${TIMEOUT}s; last log lines:"
    tail -n 60 "$LOG" >&2 || true
    "$HERE/stop.sh" >&2 || true
    exit 1
  fi
  sleep 0.5
done
log "ready after $((SECONDS - start))s (pid $pid): $(grep -m1 '^NEO4J READY' "$LOG")"
print_env
