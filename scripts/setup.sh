#!/usr/bin/env bash
# Create .venv at the repository root and install the project into it (idempotent), saying what it
# installs and how long each step took. No torch and no CUDA wheels unless an extra asks for them
# (llm, st, gemma, dev).
# Usage: scripts/setup.sh [EXTRAS]   e.g. scripts/setup.sh app,retrieval   or   scripts/setup.sh dev
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
extras="${1:-}"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "error: Python 3.11 or newer is needed (found: $("$python" --version 2>&1))" >&2
  exit 1
fi
step() { echo "setup: $*" >&2; }
took() { echo "setup:   done in $(( SECONDS - $1 )) s" >&2; }
t0=$SECONDS
if [ ! -x "$root/.venv/bin/python" ]; then
  step "creating $root/.venv ($("$python" --version 2>&1))"
  "$python" -m venv "$root/.venv"
fi
t=$SECONDS
step "upgrading pip"
"$root/.venv/bin/python" -m pip install --quiet --upgrade pip
took "$t"
spec="$root"
[ -n "$extras" ] && spec="$root[$extras]"
t=$SECONDS
step "installing tcm${extras:+ with extras [$extras]} (editable) and its dependencies (log: .venv/pip-install.log)"
log="$root/.venv/pip-install.log"
set +o pipefail
"$root/.venv/bin/python" -m pip install --progress-bar off -e "$spec" 2>&1 | tee "$log" \
  | grep --line-buffered -E '^(Collecting|Installing collected)' | sed -u 's/^/setup:   /' >&2
rc=${PIPESTATUS[0]}
set -o pipefail
if [ "$rc" != 0 ]; then
  tail -20 "$log" >&2
  echo "error: pip install failed (whole log: $log)" >&2
  exit 1
fi
grep -E '^Successfully installed' "$log" | tr ' ' '\n' | tail -n +3 | sort | paste -sd' ' | fold -s -w 110 \
  | sed 's/^/setup:   installed: /' >&2 || step "  nothing new to install"
took "$t"
if "$root/.venv/bin/python" -c 'import torch' 2>/dev/null; then torch=yes; else torch=no; fi
step "ready in $(( SECONDS - t0 )) s: .venv is $(du -sh "$root/.venv" | cut -f1), torch installed: $torch"
