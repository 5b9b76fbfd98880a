#!/usr/bin/env bash
# The whole test suite on a fresh machine: set up .venv with the dev extras, start the project's
# Neo4j (Java 17 + Maven Central jars, Bolt on 127.0.0.1) so the Neo4j tests run, run pytest, stop Neo4j.
# Set NEO4J_URI yourself to test against your own server instead.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh dev
export HF_HUB_OFFLINE=1
# The browser tests drive Debian's chromium (never `playwright install`) and check that Chinese renders with
# real glyphs, which needs a CJK font (fonts-noto-cjk); install what is missing.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${need[*]} (apt-get)" >&2
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
  else
    echo "note: ${need[*]} missing, so browser tests skip or fail (CI fails): sudo apt-get install ${need[*]}" >&2
  fi
fi
if [ -z "${NEO4J_URI:-}" ]; then
  export NEO4J_PORT="${NEO4J_PORT:-17687}"
  export NEO4J_DATA_DIR="${NEO4J_DATA_DIR:-$(mktemp -d)/neo4j}"
  trap 'knowledge_graph/neo4j/stop.sh' EXIT
  eval "$(knowledge_graph/neo4j/start.sh)"   # prints `export NEO4J_URI=...` lines
fi
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
