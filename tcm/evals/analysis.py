"""Top-1 formula accuracy of `tcm analyze` on the project's evaluation set (evals/analysis/cases.jsonl).

Prints accuracy overall, per kind and per source (hand-written / derived), top-3 accuracy,
the row statuses, and every miss. Run: python -m tcm.evals.analysis [--json]
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict

from tcm.analysis import analyze_texts
from tcm.resources import resource_dir

HERE = resource_dir("evals") / "analysis"  # evals/analysis/, shipped in the wheel


def evaluate(cases: list[dict]) -> dict:
    records = analyze_texts([c["text"] for c in cases])
    assert len(records) == len(cases)
    hits, hits3 = 0, 0
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for c, r in zip(cases, records, strict=True):
        names = [m["name_zh"] for m in r["matches"]]
        ok = bool(names) and names[0] == c["expected"]
        hits += ok
        hits3 += c["expected"] in names
        for table, key in ((by_kind, c["kind"]), (by_source, c["source"])):
            table[key][0] += ok
            table[key][1] += 1
        if not ok:
            misses.append({"id": c["id"], "text": c["text"], "expected": c["expected"], "got": r["matches"],
                           "unresolved": r["unresolved"]})
    n = len(cases)
    return {
        "cases": n,
        "top1": round(hits / n, 4),
        "top3": round(hits3 / n, 4),
        "by_kind": {k: {"n": v[1], "top1": round(v[0] / v[1], 4)} for k, v in sorted(by_kind.items())},
        "by_source": {k: {"n": v[1], "top1": round(v[0] / v[1], 4)} for k, v in sorted(by_source.items())},
        "status": dict(Counter(r["status"] for r in records)),
        "misses": misses,
    }


def load_cases() -> list[dict]:
    return [json.loads(line) for line in (HERE / "cases.jsonl").read_text(encoding="utf-8").splitlines() if line]


def suite() -> dict:
    """For `tcm eval`: the figures, with the misses counted rather than listed."""
    res = evaluate(load_cases())
    return {**res, "misses": len(res["misses"])}


def main() -> None:
    res = evaluate(load_cases())
    if "--json" in sys.argv:
        print(json.dumps(res, ensure_ascii=False, indent=1))
        return
    print(f"cases: {res['cases']}   top-1 accuracy: {res['top1']:.3f}   top-3: {res['top3']:.3f}   "
          f"status: {res['status']}")
    for title, table in (("kind", res["by_kind"]), ("source", res["by_source"])):
        print(f"by {title}: " + ", ".join(f"{k} {v['top1']:.3f} (n={v['n']})" for k, v in table.items()))
    for m in res["misses"]:
        got = ", ".join(f"{g['name_zh']} {g['score']:.3f}" for g in m["got"]) or "—"
        print(f"  miss {m['id']}: {m['text']}  expected {m['expected']}; got {got}"
              + (f"; unresolved {m['unresolved']}" if m["unresolved"] else ""))


if __name__ == "__main__":
    main()
