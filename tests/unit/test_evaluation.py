"""`tcm eval` reads the public sets correctly and reports every suite it ran."""

from __future__ import annotations

import json

from tcm.evaluation import _options, best4sdt_items, run_eval, tcmbench_items
from tcm.generation import GroundedGenerator


def test_option_parsing():
    stem, opts = _options("九味羌活汤的功用是（  ）。\nA．散风除湿\nB．疏风通络\nC．发汗祛湿，兼清里热\nD．x\nE．y")
    assert stem.startswith("九味羌活汤") and opts["C"] == "发汗祛湿，兼清里热" and list(opts) == list("ABCDE")


def test_public_sets_are_read(shared_datasets):
    items = list(tcmbench_items(5))
    assert len(items) >= 40 and all(len(o) >= 2 and a in o for _, _, o, a in items)
    assert {name for name, *_ in items} >= {"CBF", "KHC", "SDT"}  # A1/A2, B1 shared options, A3/A4 cases
    b = list(best4sdt_items(5))
    assert len(b) == 15 and all(a in o for _, _, o, a in b)


def test_run_eval_writes_both_reports(tmp_path, embedded_store, monkeypatch):
    monkeypatch.setenv("TCM_DATA_DIR", str(embedded_store.path.parent))
    report = run_eval(["safety", "injection"], [GroundedGenerator()], 5, tmp_path, log=lambda _m: None)
    assert report["suites"]["injection"] == {"cases": 32, "bypasses": 0}
    assert all(v["precision"] >= 0.95 and v["recall"] >= 0.95 for v in report["suites"]["safety"]["by_kind"].values())
    assert json.loads((tmp_path / "report.json").read_text())["suites"].keys() == {"safety", "injection"}
    assert (tmp_path / "report.md").read_text().startswith("# Evaluation report")
