#!/usr/bin/env bash
# The main job on a fresh machine: set up .venv (the app and retrieval extras: no torch), build the graph
# and the search index from the corpus into the data directory (embedded store, no server needed), then
# start the web app in the foreground on http://127.0.0.1:7860/ (Ctrl+C stops it). Extra arguments go to
# `tcm app` (--host, --port, --auth). The terminal demo of what the graph answers: .venv/bin/tcm demo
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
t0=$SECONDS
"$root/scripts/setup.sh" app,retrieval
t=$SECONDS
echo "build: graph and search index (tcm build)" >&2
"$root/.venv/bin/tcm" build
echo "build: done in $(( SECONDS - t )) s; starting the app ($(( SECONDS - t0 )) s since the start)" >&2
exec "$root/.venv/bin/tcm" app "$@"
