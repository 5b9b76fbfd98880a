#!/usr/bin/env bash
# The main job on a fresh machine: set up .venv, build the graph from corpora/ into the embedded
# store (no server needed), then show what it answers. Extra arguments go to `tcm demo`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/.venv/bin/tcm" build
"$root/.venv/bin/tcm" demo "$@"
