"""`tcm eval` reads the public sets correctly and reports every suite it ran."""

from __future__ import annotations

import json

from tcm.evaluation import _options, best4sdt_items, mcq_suite, run_eval, tcmbench_items
from tcm.generation import GroundedGenerator
from tcm.generation.base import Generator
from tcm.types import GeneratorInfo


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
    report = run_eval(["safety", "injection", "analysis", "adapter"], [GroundedGenerator()], 5, tmp_path,
                      log=lambda _m: None)
    assert report["suites"]["injection"] == {"cases": 32, "bypasses": 0}
    assert all(v["precision"] >= 0.95 and v["recall"] >= 0.95 for v in report["suites"]["safety"]["by_kind"].values())
    analysis = report["suites"]["analysis"]
    assert analysis["cases"] >= 100 and analysis["top1"] >= 0.9 and isinstance(analysis["misses"], int)
    assert report["suites"]["adapter"] == {"skipped": "no --adapter given"}
    assert json.loads((tmp_path / "report.json").read_text())["suites"].keys() == {"safety", "injection", "analysis",
                                                                                  "adapter"}
    md = (tmp_path / "report.md").read_text()
    assert md.startswith("# Evaluation report")
    assert "| incompatibility_18 | 1.000 | 1.000 |" in md and f"top-1 formula accuracy **{analysis['top1']:.3f}**" in md
    assert "findings removed in **0**" in md and "Skipped: no --adapter given." in md


class Says(Generator):
    """A stand-in model that always answers the same text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.info = GeneratorInfo(backend="transformers", model="says-test-double")

    def stream(self, prompt):
        yield self.text


def test_model_answers_are_scored_by_their_letter(corpus, embedded_store):
    from tcm.assistant import Assistant
    from tcm.safety import SafetyEngine

    engine = SafetyEngine(corpus)
    a = Assistant(embedded_store, engine.resolver, engine, Says("答：C。"))
    items = [("s", "麻黄汤的君药是", {"A": "桂枝", "B": "甘草", "C": "麻黄"}, "C"),
             ("s", "q2", {"A": "x", "B": "y"}, "A"),  # "C" is no option here: no answer, counted wrong
             ("t", "q3", {"A": "x", "B": "y", "C": "z"}, "B")]
    res = mcq_suite(a, items, use_model=True)
    assert (res["n"], res["answered"], res["accuracy"], res["accuracy_when_answered"]) == (3, 2, 0.3333, 0.5)
    assert res["by_set"]["s"] == {"n": 2, "answered": 1, "accuracy": 0.5, "accuracy_when_answered": 1.0}


class LetterBiased(Generator):
    """A stand-in model with letter scores: it rates "A" far above the rest whatever it reads, and the right
    option (the one whose text is in the question) a little above the others."""

    def __init__(self) -> None:
        self.info = GeneratorInfo(backend="transformers", model="biased-test-double")

    def stream(self, prompt):
        yield "A"

    def letter_scores(self, prompt, letters):
        import re

        q = prompt.question
        scores = {k: -5.0 for k in letters}
        scores["A"] = -0.5  # the bias
        for k in letters:
            m = re.search(rf"^{k}\. (.+)$", q, re.M)
            if m and m.group(1) != "N/A" and m.group(1) in q.split("\n")[0]:
                scores[k] += 2.0  # what the content says
        return scores


def test_calibration_removes_letter_bias(corpus, embedded_store):
    from tcm.assistant import Assistant
    from tcm.safety import SafetyEngine

    engine = SafetyEngine(corpus)
    a = Assistant(embedded_store, engine.resolver, engine, LetterBiased())
    items = [("s", "答案是麻黄", {"A": "桂枝", "B": "甘草", "C": "麻黄"}, "C"),
             ("s", "答案是甘草", {"A": "桂枝", "B": "甘草", "C": "麻黄"}, "B"),
             ("s", "答案是桂枝", {"A": "桂枝", "B": "甘草", "C": "麻黄"}, "A")]
    res = mcq_suite(a, items, use_model=True)
    assert res["accuracy"] == 0.3333 and res["letters"]["raw"] == {"A": 3}  # raw: "A" every time
    assert res["calibrated"]["accuracy"] == 1.0 and res["letters"]["calibrated"] == {"A": 1, "B": 1, "C": 1}
