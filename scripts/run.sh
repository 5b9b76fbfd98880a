#!/usr/bin/env bash
# The main job on a fresh machine: set up .venv (with the app extra), build the graph from corpora/
# into the embedded store (no server needed), then start the web app in the foreground on
# http://127.0.0.1:7860/ (Ctrl+C stops it). Extra arguments go to `tcm app` (--host, --port, --auth).
# The terminal demo of what the graph answers is still there: .venv/bin/tcm demo
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh" app,retrieval
"$root/.venv/bin/tcm" build
exec "$root/.venv/bin/tcm" app "$@"
