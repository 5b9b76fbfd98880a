#!/usr/bin/env bash
# Size of a fresh venv and time of `pip install` for the default install and each extra (run by hand).
# Each install goes into a new venv under ${TMPDIR:-/tmp}; pip's download cache is shared between them,
# so only the first install that needs a package downloads it. Prints a Markdown table.
#   evals/perf/install_bench.sh > evals/perf/results/install.md
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "| install | \`.venv\` size | pip install time | torch |"
echo "|---|---:|---:|---|"
for extras in "" retrieval app "app,retrieval" neo4j llm; do
  v="$work/venv"; rm -rf "$v"
  python3 -m venv "$v" && "$v/bin/pip" install -q --upgrade pip >/dev/null 2>&1
  spec="$root"; [ -n "$extras" ] && spec="$root[$extras]"
  t0=$(date +%s)
  "$v/bin/pip" install -q "$spec" >"$work/log" 2>&1 || { echo "| $extras | failed: $(tail -1 "$work/log") | | |"; continue; }
  t1=$(date +%s)
  torch=$("$v/bin/python" -c 'import torch; print(torch.__version__)' 2>/dev/null || echo "no")
  echo "| \`pip install ${extras:+\"tcm[$extras]\"}${extras:-tcm}\` | $(du -sm "$v" | cut -f1) MB | $((t1 - t0)) s | $torch |"
done
