"""Safety-engine evaluation: hand-written cases (cases.jsonl) scored per finding kind.

    python -m tcm.evals.safety                 # table + failing cases
    python -m tcm.evals.safety --json out.json # also write the figures
    python -m tcm.evals.safety --strict --min 0.98   # exit 1 if any kind is below
    python -m tcm.evals.safety --class lactation     # one class of cases

A case says which findings must appear (``expect``: kind + items, matched as a set) and which
kinds must not (``forbid``). Per kind: TP = expected finding present; FN = expected finding
missing; FP = a finding of a forbidden kind, or, in a case that lists expectations of that kind,
a finding of that kind it does not list. Kinds a case neither expects nor forbids are not scored.

Patient state: ``pregnant`` and ``breastfeeding`` (flags), or nothing, when the state is to be read
from ``text``. ``units: "han"`` reads classical units by the Han-dynasty conversion. ``recognised``
lists herbs (name_zh) that must come out of the parse (nothing silently dropped); they are scored
on their own line. ``class`` groups cases by what they test (``--class`` / ``--exclude-class``).
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from pathlib import Path

from tcm.resources import resource_dir

KINDS = ("incompatibility_18", "antagonism_19", "pregnancy", "lactation", "dose", "toxicity", "herb_drug", "red_flag")
CASES = resource_dir("evals") / "safety" / "cases.jsonl"  # evals/safety/cases.jsonl, shipped in the wheel


def load_cases(path: Path = CASES) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _key(kind: str, items) -> tuple[str, frozenset[str]]:
    return kind, frozenset(items)


def select(cases: list[dict], only: set[str] | None = None, exclude: set[str] | None = None) -> list[dict]:
    """Cases whose ``class`` (or its prefix before '/') is in ``only`` and not in ``exclude``."""
    def names(c: dict) -> set[str]:
        cls = c.get("class", "")
        return {cls, cls.split("/")[0]} if cls else set()
    return [c for c in cases if (not only or names(c) & only) and not (exclude and names(c) & exclude)]


def _run(engine, case: dict):
    """One case through the engine; (result, error) where error says why it could not run."""
    from tcm.types import PatientFlags

    flags = PatientFlags(pregnant=case.get("pregnant", False), breastfeeding=case.get("breastfeeding", False))
    extra = {}
    if "units" in case:
        if "units" not in inspect.signature(engine.check).parameters:
            return None, "the engine takes no units option"
        extra["units"] = case["units"]
    return engine.check(case.get("herbs"), case.get("drugs"), flags, case.get("text"), **extra), None


def evaluate(cases: list[dict], engine=None) -> dict:
    """Run every case through the engine; figures per kind, overall, and the failing cases."""
    from tcm.safety import default_engine

    engine = engine or default_engine()
    counts = {k: {"tp": 0, "fp": 0, "fn": 0, "pos_cases": 0, "neg_cases": 0} for k in KINDS}
    seen = {"tp": 0, "fn": 0}
    failures = []
    for case in cases:
        result, error = _run(engine, case)
        if error:
            expected = {_key(e["kind"], e["items"]) for e in case.get("expect", [])}
            for kind, _ in expected:
                counts[kind]["fn"] += 1
            seen["fn"] += len(case.get("recognised", []))
            failures.append({"id": case["id"], "missing": _fmt(expected), "unexpected": [], "found": [],
                             "note": f"{error} ({case.get('note', '')})", "class": case.get("class", "")})
            continue
        names = {h.name_zh for h in result.herbs}
        dropped = [n for n in case.get("recognised", []) if n not in names]
        seen["tp"] += len(case.get("recognised", [])) - len(dropped)
        seen["fn"] += len(dropped)
        found = {_key(f.kind, f.items) for f in result.findings}
        expected = {_key(e["kind"], e["items"]) for e in case.get("expect", [])}
        forbidden = {f["kind"] for f in case.get("forbid", [])}
        missing, extra = expected - found, set()
        for kind in KINDS:
            exp_k = {e for e in expected if e[0] == kind}
            got_k = {f for f in found if f[0] == kind}
            c = counts[kind]
            c["tp"] += len(exp_k & got_k)
            c["fn"] += len(exp_k - got_k)
            if kind in forbidden:
                extra |= got_k
                c["neg_cases"] += 1
            elif exp_k:
                extra |= got_k - exp_k
            c["pos_cases"] += bool(exp_k)
        for kind, _ in extra:
            counts[kind]["fp"] += 1
        missing |= {("recognised", frozenset([n])) for n in dropped}
        if missing or extra:
            failures.append({"id": case["id"], "missing": _fmt(missing), "unexpected": _fmt(extra),
                             "found": _fmt(found), "note": case.get("note", ""), "class": case.get("class", "")})
    kinds = {k: {**c, **_scores(c)} for k, c in counts.items()}
    total = {x: sum(c[x] for c in counts.values()) for x in ("tp", "fp", "fn", "pos_cases", "neg_cases")}
    recognised = {**seen, "fp": 0, **_scores({**seen, "fp": 0})}
    return {"cases": len(cases), "kinds": kinds, "overall": {**total, **_scores(total)}, "recognised": recognised,
            "failures": failures}


def _scores(c: dict) -> dict:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
    return {"precision": round(p, 4), "recall": round(r, 4)}


def _fmt(keys) -> list[str]:
    return sorted(f"{kind}:{'+'.join(sorted(items))}" for kind, items in keys)


def print_report(res: dict) -> None:
    print(f"{res['cases']} cases\n")
    print(f"{'kind':<20}{'cases+':>7}{'cases-':>7}{'TP':>6}{'FP':>6}{'FN':>6}{'precision':>11}{'recall':>8}")
    rows = [*res["kinds"].items(), ("overall", res["overall"])]
    for kind, c in rows:
        print(f"{kind:<20}{c['pos_cases']:>7}{c['neg_cases']:>7}{c['tp']:>6}{c['fp']:>6}{c['fn']:>6}"
              f"{c['precision']:>11.3f}{c['recall']:>8.3f}")
    seen = res["recognised"]
    if seen["tp"] + seen["fn"]:
        print(f"\nherbs that must be recognised (nothing dropped): {seen['tp']} of {seen['tp'] + seen['fn']}")
    if res["failures"]:
        print(f"\n{len(res['failures'])} failing case(s):")
    for f in res["failures"]:
        cls = f" [{f['class']}]" if f.get("class") else ""
        print(f"- {f['id']}{cls}: missing {f['missing'] or '-'}; unexpected {f['unexpected'] or '-'}")
        print(f"    found: {f['found'] or '-'}   ({f['note']})")


def below(res: dict, minimum: float) -> list[str]:
    """Kinds whose precision or recall is under ``minimum``."""
    return [k for k, c in res["kinds"].items() if min(c["precision"], c["recall"]) < minimum]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=Path, default=CASES)
    ap.add_argument("--json", type=Path, help="write the figures (and failures) to this file")
    ap.add_argument("--strict", action="store_true", help="exit 1 if any kind is below --min")
    ap.add_argument("--min", type=float, default=0.98)
    ap.add_argument("--class", dest="only", action="append", help="only cases of this class (repeatable)")
    ap.add_argument("--exclude-class", dest="exclude", action="append", help="leave out this class (repeatable)")
    args = ap.parse_args(argv)
    res = evaluate(select(load_cases(args.cases), set(args.only or ()), set(args.exclude or ())))
    print_report(res)
    if args.json:
        args.json.write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
    bad = below(res, args.min)
    if bad:
        print(f"\nbelow {args.min}: {', '.join(bad)}")
    return 1 if args.strict and bad else 0


if __name__ == "__main__":
    sys.exit(main())
