"""The safety evaluation set (evals/safety/cases.jsonl) scores >= 0.95 precision and recall on every finding kind."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tcm.safety import SafetyEngine

RUNNER = Path(__file__).resolve().parents[2] / "evals" / "safety" / "run.py"
MIN = 0.95


def _runner():
    spec = importlib.util.spec_from_file_location("safety_eval_run", RUNNER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_safety_eval_precision_and_recall(corpus):
    run = _runner()
    res = run.evaluate(run.load_cases(), SafetyEngine(corpus))
    low = {k: (c["precision"], c["recall"]) for k, c in res["kinds"].items() if min(c["precision"], c["recall"]) < MIN}
    failing = [f"{f['id']}: missing {f['missing']} unexpected {f['unexpected']}" for f in res["failures"]]
    assert not low, f"kinds below {MIN} (precision, recall): {low}\n" + "\n".join(failing)
