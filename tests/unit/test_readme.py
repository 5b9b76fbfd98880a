"""The README's counts, CLI help and quoted figures are generated (scripts/readme.py) and must not drift."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _readme_tool():
    spec = importlib.util.spec_from_file_location("readme_tool", REPO / "scripts" / "readme.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generated_blocks_match_their_sources():
    tool = _readme_tool()
    text = (REPO / "README.md").read_text(encoding="utf-8")
    sources = [m["src"] for m in tool.BLOCK.finditer(text)]
    assert {"tcm corpora stats --markdown", "tcm --help", "file evals/perf/results/install.md",
            "file evals/perf/results/cli_bench.md"} <= set(sources)
    _, drifted = tool.update(text)
    assert not drifted, f"README blocks out of date, run `python scripts/readme.py`: {drifted}"


def test_a_stale_count_is_caught():
    tool = _readme_tool()
    text = (REPO / "README.md").read_text(encoding="utf-8")
    herbs = next(line for line in text.splitlines() if line.startswith("| herbs |"))
    stale = text.replace(herbs, "| herbs | 553 |")
    assert stale != text
    fixed, drifted = tool.update(stale)
    assert drifted == ["tcm corpora stats --markdown"] and fixed == text
