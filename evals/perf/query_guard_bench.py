"""What the read-only guard and the worker process cost per researcher query (issue 11).

    python evals/perf/query_guard_bench.py [--graph data/graph.lbug] [--repeat 2000]

Prints, for the legitimate corpus of tests/security/hostile_corpus.py:
* guard overhead: microseconds per query for ``tcm.kg.guard.check`` (lexing, checks, dialect), median and p95;
* worker-process overhead: a small query run in-process on the engine vs. through ``GraphStore.query``
  (guard + round trip to the warm worker), median milliseconds, and the cost of starting a fresh worker.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "security"))

from hostile_corpus import LEGIT  # noqa: E402

from tcm.kg.guard import check  # noqa: E402


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--graph", type=Path, default=ROOT / "data" / "graph.lbug")
    ap.add_argument("--repeat", type=int, default=2000)
    args = ap.parse_args()

    per_query: list[float] = []
    for q in LEGIT:
        t0 = time.perf_counter()
        for _ in range(args.repeat // 10):
            check(q, dialect="embedded")
        per_query.append((time.perf_counter() - t0) / (args.repeat // 10) * 1e6)
    chars = statistics.mean(len(q) for q in LEGIT)
    print(f"guard: {len(LEGIT)} queries (mean {chars:.0f} chars): median {statistics.median(per_query):.1f} µs, "
          f"p95 {_pct(per_query, 0.95):.1f} µs, max {max(per_query):.1f} µs per query")
    long_q = "MATCH (h:Herb) WHERE " + " OR ".join(f"h.name_zh = '药{i}'" for i in range(900))
    long_q = long_q[:19_990] + " RETURN 1"
    t0 = time.perf_counter()
    for _ in range(20):
        try:
            check(long_q)
        except Exception:  # noqa: BLE001 - a cut-off string: timing the lexer is the point
            pass
    print(f"guard: a {len(long_q):,}-character query: {(time.perf_counter() - t0) / 20 * 1e3:.2f} ms")

    if not args.graph.exists():
        print(f"worker: no graph at {args.graph}; run `tcm build` (skipping the worker figures)")
        return
    from tcm.kg.embedded import EmbeddedStore

    store = EmbeddedStore(args.graph)
    q = "MATCH (h:Herb {name_zh: '甘草'}) RETURN h.nature"
    t0 = time.perf_counter()
    store.query(q)
    first = time.perf_counter() - t0
    inproc, worker = [], []
    for _ in range(200):
        t0 = time.perf_counter()
        store._read(q, {})
        inproc.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        store.query(q)
        worker.append(time.perf_counter() - t0)
    big = "MATCH (h:Herb) RETURN h.id, h.name_zh"
    t0 = time.perf_counter()
    n = len(store.query(big).rows)
    big_w = time.perf_counter() - t0
    t0 = time.perf_counter()
    store._read(big, {})
    big_i = time.perf_counter() - t0
    store.close()
    print(f"worker: first query (starts the worker, opens the graph) {first * 1e3:.0f} ms")
    print(f"worker: small query median in-process {statistics.median(inproc) * 1e3:.2f} ms, "
          f"through guard + worker {statistics.median(worker) * 1e3:.2f} ms "
          f"(overhead {(statistics.median(worker) - statistics.median(inproc)) * 1e3:.2f} ms)")
    print(f"worker: {n} rows in-process {big_i * 1e3:.1f} ms, through the worker {big_w * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
