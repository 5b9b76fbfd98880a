"""`tcm graph query` through the real CLI: limits from options and the environment, `truncated` in the JSON,
refusals and limit errors as one line with exit code 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def tcm(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "TCM_DATA_DIR": str(data_dir), "TCM_BACKEND": "embedded", **env}
    return subprocess.run([sys.executable, "-m", "tcm.cli", "graph", "query", *args], capture_output=True, text=True,
                          env=full, cwd=REPO, timeout=120)


def test_row_cap_and_truncated_flag(embedded_store):
    d = embedded_store.path.parent
    p = tcm(d, "MATCH (a:Herb), (b:Herb) RETURN a.id, b.id", "--max-rows", "7", "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert len(doc["rows"]) == 7 and doc["truncated"] is True
    p = tcm(d, "MATCH (h:Herb {name_zh: '甘草'}) RETURN h.nature", "--json", TCM_QUERY_MAX_ROWS="1")
    assert json.loads(p.stdout) == {"columns": ["h.nature"], "rows": [{"h.nature": "平"}], "truncated": False}
    p = tcm(d, "MATCH (h:Herb) RETURN h.id", TCM_QUERY_MAX_ROWS="3")
    assert p.returncode == 0 and "only the first 3 rows" in p.stderr


def test_limits_end_with_one_line_and_exit_1(embedded_store):
    d = embedded_store.path.parent
    cases = [
        (["MATCH (a), (b), (c) WHERE a.id + b.id + c.id = 'x' RETURN count(*)", "--timeout", "1"], {},
         "error: query stopped after 1 s (the time limit"),
        (["RETURN " + "1 + " * 40 + "1"], {"TCM_QUERY_MAX_LENGTH": "50"},
         "error: query is 168 characters; the limit is 50"),
        (["/**/ LOAD EXTENSION '/tmp/x.so'"], {}, "error: not allowed in a read-only query: LOAD EXTENSION"),
        (["RETURN 1"], {"TCM_QUERY_TIMEOUT": "soon"}, "error: query limit timeout_s (TCM_QUERY_TIMEOUT)"),
        (["RETURN 1", "--memory-mb", "10"], {}, "error: query limit memory_mb"),
    ]
    for args, env, message in cases:
        p = tcm(d, *args, **env)
        assert p.returncode == 1, (args, p.stderr)
        lines = [x for x in p.stderr.splitlines() if x.strip()]
        assert len(lines) == 1 and lines[0].startswith(message), (args, p.stderr)
