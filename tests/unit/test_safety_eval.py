"""The safety evaluation set (evals/safety/cases.jsonl) scores >= 0.98 precision and recall on every finding kind.
"""

from __future__ import annotations

from tcm.safety import SafetyEngine

MIN = 0.98


def _runner():
    from tcm.evals import safety

    return safety


def _assert_scores(res: dict) -> None:
    low = {k: (c["precision"], c["recall"]) for k, c in res["kinds"].items() if min(c["precision"], c["recall"]) < MIN}
    failing = [f"{f['id']}: missing {f['missing']} unexpected {f['unexpected']}" for f in res["failures"]]
    assert not low and not failing, f"kinds below {MIN} (precision, recall): {low}\n" + "\n".join(failing)


def test_safety_eval_precision_and_recall(corpus):
    run = _runner()
    cases = run.load_cases()
    assert len(cases) >= 550
    _assert_scores(run.evaluate(cases, SafetyEngine(corpus)))


def test_every_kind_is_covered():
    run = _runner()
    cases = run.load_cases()
    assert len(cases) >= 500
    for kind in run.KINDS:
        assert sum(1 for c in cases for e in c.get("expect", []) if e["kind"] == kind) >= 10, kind
        assert sum(1 for c in cases for f in c.get("forbid", []) if f["kind"] == kind) >= 5, kind



def test_every_issue_12_case_has_a_class():
    """Cases after the first 345 are filed by class, so `--class` selects all of them."""
    cases = _runner().load_cases()
    unfiled = [c["id"] for c in cases[345:] if not c.get("class")]
    assert not unfiled, unfiled
    assert {c["class"].split("/")[0] for c in cases[345:]} == {"lactation", "state", "emergency", "names"}
