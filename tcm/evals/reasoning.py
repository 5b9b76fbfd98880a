"""The differentiation evaluation (`tcm eval --suite reasoning`): the project's clinical-note cases
(evals/reasoning/cases.jsonl, split by formula) and the public sets that apply (TCM-BEST4SDT's 300
differentiation cases, TCMEval-SDT's annotated records), scored as syndrome and formula top-1/top-3.

Name matching (written down because the figures depend on it): a name is normalised by removing
证/证型/证候, 之, spaces and punctuation; a predicted and a gold name match when the normalised forms
are equal, or one contains the other and the shorter has at least three characters. A case with
several gold syndromes (TCMEval "热伤阳络;血热妄行") is a hit when any of them matches.
Two rankings are scored on the public sets: open (the engine's own top-k among all 2,050 GB/T terms)
and options (the case's ten options ranked by the best engine score of a GB/T term each option matches;
an option no term matches scores 0, ties keep the options' order).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from tcm.config import datasets_dir
from tcm.resources import resource_dir

CASES = resource_dir("evals") / "reasoning" / "cases.jsonl"  # evals/reasoning/, shipped in the wheel
SHARED = datasets_dir() / "eval"  # the public sets: TCM_DATASETS_DIR or ../shared/datasets
_NORM = re.compile(r"证型|证候|证|之|[\s，,、；;。：:（）()]")


def norm(name: str) -> str:
    return _NORM.sub("", name or "")


def same(a: str, b: str) -> bool:
    x, y = norm(a), norm(b)
    if not x or not y:
        return False
    return x == y or (min(len(x), len(y)) >= 3 and (x in y or y in x))


def own_cases(reasoner, path: Path = CASES) -> dict:
    """Formula top-1/top-3 per split (strict, and counting the formula's family as right), and abstention."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out: dict = {}
    for split in ("tune", "heldout"):
        cases = [c for c in rows if c["split"] == split and not c["abstain"]]
        t1 = t3 = f3 = abst = 0
        for c in cases:
            d = reasoner.diagnose(c["text"], k=3)
            names = [f.name_zh for f in d.formulas[:3]]
            family = {c["formula"], *reasoner.families.get(c["formula"], [])}
            t1 += bool(names) and names[0] == c["formula"]
            t3 += c["formula"] in names
            f3 += any(n in family for n in names)
            abst += d.insufficient
        n = len(cases) or 1
        out[split] = {"cases": len(cases), "formula_top1": round(t1 / n, 3), "formula_top3": round(t3 / n, 3),
                      "formula_family_top3": round(f3 / n, 3), "abstained": round(abst / n, 3),
                      "zh": sum(c["lang"] == "zh" for c in cases), "en": sum(c["lang"] == "en" for c in cases)}
    should = [c for c in rows if c["abstain"]]
    said = [c for c in rows if reasoner.diagnose(c["text"], k=1).insufficient]
    right = sum(1 for c in said if c["abstain"])
    out["abstention"] = {"cases_that_should": len(should), "answers_abstained": len(said),
                         "share_abstained": round(len(said) / max(len(rows), 1), 3),
                         "right_to_abstain": round(right / max(len(said), 1), 3),
                         "recall": round(right / max(len(should), 1), 3)}
    return out


def _options(text: str) -> list[tuple[str, str]]:
    return [tuple(o.split(":", 1)) for o in re.split(r"[;；]", text) if ":" in o]  # type: ignore[misc]


def _rank_options(scores: list[tuple[str, float]], options: list[tuple[str, str]]) -> list[str]:
    def best(opt: str) -> float:
        return max((s for n, s in scores if same(n, opt)), default=0.0)
    ranked = sorted(enumerate(options), key=lambda t: (-best(t[1][1]), t[0]))
    return [o for _, (_, o) in ranked]


def _score_public(reasoner, items: list[tuple[str, list[str], list[tuple[str, str]]]]) -> dict:
    o1 = o3 = p1 = p3 = 0
    for text, gold, options in items:
        scores = reasoner.syndrome_scores(text)
        top = [n for n, _ in scores[:3]]
        o1 += any(same(top[0], g) for g in gold) if top else 0
        o3 += any(same(t, g) for t in top for g in gold)
        if options:
            ranked = _rank_options(scores, options)
            p1 += any(same(ranked[0], g) for g in gold)
            p3 += any(same(r, g) for r in ranked[:3] for g in gold)
    n = len(items) or 1
    return {"cases": len(items), "open_top1": round(o1 / n, 3), "open_top3": round(o3 / n, 3),
            "options_top1": round(p1 / n, 3), "options_top3": round(p3 / n, 3),
            "options_chance_top3": round(3 / max(len(items[0][2]) if items else 10, 1), 3)}


def best4sdt(reasoner, root: Path = SHARED) -> dict:
    path = root / "best4sdt" / "TCM_SDT.json"
    if not path.exists():
        return {"skipped": f"{path} not found"}
    items = []
    for rec in json.loads(path.read_text(encoding="utf-8")):
        fields = dict(x.split("：", 1) for x in rec["output"] if "：" in x)
        gold = fields.get("证型", "")
        items.append((rec["instruction"], [gold], _options(fields.get("证型选项", ""))))
    return _score_public(reasoner, items)


def tcmeval_sdt(reasoner, root: Path = SHARED) -> dict:
    items = []
    for name in ("Train_TCM_Data_v1.json", "Validation_TCM_Data_v1.json"):
        path = root / "tcmeval_sdt" / name
        if not path.exists():
            continue
        for rec in json.loads(path.read_text(encoding="utf-8")):
            gold = [g for g in re.split(r"[;；]", rec.get("TCM Syndrome") or "") if g]
            if gold:
                items.append((rec["Clinical Data"], gold, _options(rec.get("Options of TCM Syndrome") or "")))
    return _score_public(reasoner, items) if items else {"skipped": "no annotated TCMEval-SDT records found"}


_SYNDROME_Q = re.compile(r"辨证|证型|证候")
_FORMULA_Q = re.compile(r"方剂|首选方|选方|主方|何方")


def tcmbench_sdt(reasoner, root: Path = SHARED) -> dict:
    """TCMBench's differentiation sets (SDT, SDT_reverse, SDT_shuffle): a case, then single-answer questions;
    those asking the syndrome (其辨证是) or the formula (首选的方剂是) are scored by ranking their options with
    the engine (a formula option matches a corpus formula by the same name rule)."""
    from tcm.evaluation import _options as split_options

    out: dict = {}
    for name in ("SDT", "SDT_reverse", "SDT_shuffle"):
        path = root / "tcmbench" / f"{name}.json"
        if not path.exists():
            continue
        rows = {"syndrome": [0, 0, 0, 0], "formula": [0, 0, 0, 0]}  # n, top-1, top-3, options the corpus knows
        for item in json.loads(path.read_text(encoding="utf-8"))["example"]:
            case = item.get("share_content", "")
            for sub in item.get("question") or []:
                if not isinstance(sub, dict) or len(sub.get("answer") or []) != 1:
                    continue
                stem, opts = split_options(sub["sub_question"])
                kind = "syndrome" if _SYNDROME_Q.search(stem) else "formula" if _FORMULA_Q.search(stem) else None
                if kind is None or not opts:
                    continue
                scores = reasoner.syndrome_scores(case) if kind == "syndrome" else reasoner.formula_scores(case)
                ranked = _rank_options(scores, list(opts.items()))
                gold = opts.get(sub["answer"][0], "")
                r = rows[kind]
                r[0] += 1
                r[1] += same(ranked[0], gold)
                r[2] += any(same(x, gold) for x in ranked[:3])
                r[3] += any(same(n, gold) for n, _ in scores) if kind == "formula" else 0
        out[name] = {k: {"questions": n, "top1": round(a / n, 3) if n else None,
                         "top3": round(b / n, 3) if n else None} for k, (n, a, b, _) in rows.items()}
        out[name]["formula"]["gold_in_corpus"] = rows["formula"][3]
    if not out:
        return {"skipped": f"{root / 'tcmbench'} not found"}
    out["chance"] = {"top1": 0.2, "top3": 0.6}
    return out


def suite() -> dict:
    from tcm.reasoning.engine import default_reasoner

    r = default_reasoner()
    t = time.perf_counter()
    out = {"own": own_cases(r), "best4sdt": best4sdt(r), "tcmeval_sdt": tcmeval_sdt(r), "tcmbench_sdt": tcmbench_sdt(r)}
    out["seconds"] = round(time.perf_counter() - t, 1)
    out["matching"] = ("normalised names (证/证型/证候/之/punctuation removed); equal, or one contains the other "
                       "with at least 3 characters")
    return out


if __name__ == "__main__":
    print(json.dumps(suite(), ensure_ascii=False, indent=1))
