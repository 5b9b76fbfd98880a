"""Safety-engine benchmark: build time, one warm check (p50/p99), and a batch of checks.

Run by hand (not a test): prints its figures.

    .venv/bin/python evals/perf/safety_bench.py
    .venv/bin/python evals/perf/safety_bench.py --runs 5000 --batch 100000

The single check is a realistic 8-herb prescription with 2 drugs for a pregnant patient. The batch
cycles through the inputs of the evaluation set (evals/safety/cases.jsonl): prescriptions, drug lists
and free-text questions in every written form.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from tcm.config import settings
from tcm.corpora.io import load_corpus
from tcm.evaluation import machine
from tcm.names import NameResolver
from tcm.resources import resource_dir
from tcm.safety import SafetyEngine
from tcm.types import PatientFlags

PRESCRIPTION = "丹参15g，当归10g，川芎9g，赤芍9g，炙甘草6g，黄芪20g，茯苓12g，附子9g（先煎）"
DRUGS = "华法林 3mg、Lanoxin 0.125mg"
CASES = resource_dir("evals") / "safety" / "cases.jsonl"


def build(builds: int) -> tuple[SafetyEngine, dict[str, float]]:
    times: dict[str, list[float]] = {"corpus load": [], "resolver build": [], "engine build (rules)": []}
    for _ in range(builds):
        t0 = time.perf_counter()
        corpus = load_corpus(settings().corpora_dir)
        t1 = time.perf_counter()
        resolver = NameResolver(corpus)
        t2 = time.perf_counter()
        engine = SafetyEngine(corpus, resolver)
        t3 = time.perf_counter()
        for name, dt in zip(times, (t1 - t0, t2 - t1, t3 - t2), strict=True):
            times[name].append(dt)
    return engine, {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5000, help="timed single checks (warm)")
    ap.add_argument("--batch", type=int, default=100_000, help="checks in the batch")
    ap.add_argument("--builds", type=int, default=3, help="timed builds (median reported)")
    args = ap.parse_args()

    print(f"machine: {machine()}")
    engine, build_s = build(args.builds)
    for name, s in build_s.items():
        print(f"{name:<22}{s * 1000:10.1f} ms  (median of {args.builds})")
    print(f"{'total build':<22}{sum(build_s.values()) * 1000:10.1f} ms")

    flags = PatientFlags(pregnant=True)
    r = engine.check(PRESCRIPTION, DRUGS, flags)
    print(f"\nsingle check: {len(r.herbs)} herbs, {len(r.drugs)} drugs, pregnant -> {len(r.findings)} findings")
    for _ in range(200):
        engine.check(PRESCRIPTION, DRUGS, flags)
    samples = []
    for _ in range(args.runs):
        t = time.perf_counter()
        engine.check(PRESCRIPTION, DRUGS, flags)
        samples.append(time.perf_counter() - t)
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(f"warm, {args.runs} runs: p50 {statistics.median(samples) * 1e6:.0f} µs, p99 {p99 * 1e6:.0f} µs, "
          f"mean {statistics.fmean(samples) * 1e6:.0f} µs")

    inputs = [(c.get("herbs"), c.get("drugs"), PatientFlags(pregnant=c.get("pregnant", False)), c.get("text"))
              for c in map(json.loads, CASES.read_text(encoding="utf-8").splitlines())]
    t = time.perf_counter()
    for i in range(args.batch):
        engine.check(*inputs[i % len(inputs)])
    total = time.perf_counter() - t
    print(f"\nbatch: {args.batch} checks cycling over {len(inputs)} evaluation inputs in one process: "
          f"{total:.2f} s, {args.batch / total:,.0f} checks/s")


if __name__ == "__main__":
    main()
