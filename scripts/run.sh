#!/usr/bin/env bash
# The main job on a fresh machine: set up .venv (the app and retrieval extras: no torch), build the graph
# and the search index from the corpus into the data directory (embedded store, no server needed), import the
# core classical books when they are found (../shared/datasets/classics beside the project, or TCM_CLASSICS: a
# clone of github.com/xiaopangxia/TCM-Ancient-Books), then start the web app in the foreground on
# http://127.0.0.1:7860/ (Ctrl+C stops it). Extra arguments go to `tcm app` (--host, --port, --auth).
# The classics are imported for lexical search (about a minute, skipped when unchanged); TCM_CLASSICS_DENSE=1
# also embeds them (about 9 minutes on 2 cores, resumable). The terminal demo: .venv/bin/tcm demo
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
t0=$SECONDS
"$root/scripts/setup.sh" app,retrieval
t=$SECONDS
echo "build: graph and search index (tcm build)" >&2
"$root/.venv/bin/tcm" build
classics="${TCM_CLASSICS:-$root/../shared/datasets/classics}"
if [ -e "$classics" ]; then
  dense=(--no-dense)
  [ "${TCM_CLASSICS_DENSE:-0}" = "1" ] && dense=()
  "$root/.venv/bin/tcm" classics import "$classics" --books core "${dense[@]}" \
    || echo "classical library: import failed (see above); the app starts without it" >&2
else
  echo "classical library not found: clone github.com/xiaopangxia/TCM-Ancient-Books, then" \
       "TCM_CLASSICS=<clone> .venv/bin/tcm classics import --books core" >&2
fi
echo "build: done in $(( SECONDS - t )) s; starting the app ($(( SECONDS - t0 )) s since the start)" >&2
exec "$root/.venv/bin/tcm" app "$@"
