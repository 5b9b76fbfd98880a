"""`tcm diagnose` speed in process: build once, then p50/p99 of one differentiation (target p50 ≤ 50 ms).

    HF_HUB_OFFLINE=1 .venv/bin/python evals/perf/diagnose_bench.py [--runs 200]

Texts: the project's clinical-note cases (evals/reasoning/cases.jsonl), Chinese and English, cycled.
Measures the engine (parse, score syndromes and formulas, compose the output) and, separately, the
full `tcm.reasoning.diagnose` call with the top formula's safety check.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

CASES = Path(__file__).resolve().parents[1] / "reasoning" / "cases.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    from tcm.evaluation import machine
    from tcm.reasoning import diagnose
    from tcm.reasoning.engine import default_reasoner

    texts = [json.loads(line)["text"] for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    t = time.perf_counter()
    r = default_reasoner()
    diagnose(texts[0])  # warm the safety engine too
    build = time.perf_counter() - t
    for label, fn in (("engine", lambda x: r.diagnose(x)), ("diagnose+safety", lambda x: diagnose(x))):
        times = []
        for i in range(args.runs):
            t = time.perf_counter()
            fn(texts[i % len(texts)])
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(f"{label}: p50 {statistics.median(times):.1f} ms, p99 {p99:.1f} ms over {args.runs} runs")
    print(f"build (corpus load + index + safety engine): {build:.2f} s; {machine()}")


if __name__ == "__main__":
    main()
