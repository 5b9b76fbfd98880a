"""Graph benchmarks: build time per backend, Neo4j batched vs row-by-row load, query latency.

Run by hand (not a test): prints its figures.

    .venv/bin/python evals/perf/graph_bench.py                 # embedded only
    NEO4J_URI=bolt://127.0.0.1:17687 .venv/bin/python evals/perf/graph_bench.py   # both backends

Start the project's Neo4j with `knowledge_graph/neo4j/start.sh` (NEO4J_PORT=17687 to keep 7687 free).
The embedded graph is built into a temporary folder; Neo4j is rebuilt (the project's labels only).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tcm.config import settings
from tcm.corpora.io import load_corpus
from tcm.evaluation import machine
from tcm.kg.base import GraphStore
from tcm.kg.rows import graph_rows

QUERIES: dict[str, Callable[[GraphStore], object]] = {
    "composition(麻黄汤)": lambda s: s.composition("麻黄汤"),
    "find('gancao')": lambda s: s.find("gancao"),
    "formulas_containing(柴胡, 黄芩)": lambda s: s.formulas_containing(["柴胡", "黄芩"]),
    "herb_formulas(甘草)": lambda s: s.herb_formulas("甘草"),
    "formulas holding a 18反/19畏 pair (Cypher)": lambda s: s.query(
        "MATCH (f:Formula)-[:CONTAINS]->(a:Herb)-[r:INCOMPATIBLE]->(b:Herb)<-[:CONTAINS]-(f) "
        "RETURN f.name_zh, a.name_zh, b.name_zh, r.rule"
    ),
}


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def latency(store: GraphStore, runs: int) -> dict[str, tuple[float, float]]:
    out = {}
    for name, q in QUERIES.items():
        for _ in range(10):  # warm caches and connections
            q(store)
        samples = sorted(timed(lambda q=q: q(store)) * 1000 for _ in range(runs))
        out[name] = (statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=300, help="timed runs per query")
    ap.add_argument("--builds", type=int, default=3, help="timed builds per backend")
    ap.add_argument("--skip-row-by-row", action="store_true")
    args = ap.parse_args()

    t = time.perf_counter()
    corpus = load_corpus(settings().corpora_dir)
    data = graph_rows(corpus)
    prep = time.perf_counter() - t
    print(f"machine: {machine()}")
    print(f"corpus load + validation + graph rows: {prep:.2f} s ({data.total()} rows: nodes and relationships)")

    from tcm.kg.embedded import EmbeddedStore

    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedStore(Path(tmp) / "graph.lbug")
        builds = [timed(lambda: store.build(data)) for _ in range(args.builds)]
        print(f"embedded build: median {statistics.median(builds):.2f} s over {len(builds)} builds")
        results = {"embedded": latency(store, args.runs)}
        store.close()

    uri = os.environ.get("NEO4J_URI")
    if uri:
        from tcm.kg.neo4j_store import Neo4jStore

        neo = Neo4jStore(uri, os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD") or None)
        builds = [timed(lambda: neo.build(data)) for _ in range(args.builds)]
        batched = statistics.median(builds)
        print(f"neo4j build (batched UNWIND, 1000 rows/statement, one transaction): median {batched:.2f} s")
        if not args.skip_row_by_row:
            row = timed(lambda: neo._write(data, None, batch=1))
            print(f"neo4j row-by-row load (one statement per row, same transaction): {row:.2f} s "
                  f"-> batched is {row / batched:.1f}x faster")
            neo.build(data)
        results["neo4j"] = latency(neo, args.runs)
        neo.close()
    else:
        print("neo4j: NEO4J_URI unset, skipped")

    print(f"\nquery latency, warm, {args.runs} runs each (ms)")
    print(f"{'query':<48}" + "".join(f"{b + ' p50':>14}{b + ' p99':>14}" for b in results))
    for name in QUERIES:
        print(f"{name:<48}" + "".join(f"{results[b][name][0]:>14.2f}{results[b][name][1]:>14.2f}" for b in results))


if __name__ == "__main__":
    main()
