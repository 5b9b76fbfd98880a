"""Retrieval evaluation: recall@1, recall@5 and MRR per query kind, lexical vs dense vs hybrid.

The queries (queries.jsonl, written by the project) name the graph ids a practitioner would
accept as the right answer. Every third query of each kind is in the ``dev`` split (used to
tune fusion weights and choose the embedder); the rest are ``test``.

    python -m tcm.evals.retrieval                    # default embedder, all modes, all queries
    python -m tcm.evals.retrieval --embedder e5 --split test --failures
    python -m tcm.evals.retrieval --embedder st:/path/to/model --modes dense
    python -m tcm.evals.retrieval --fusers rrf,sum --markdown

The index is built in memory from corpora/ (vectors cached under <data dir>/retrieval/, keyed by model).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from tcm.config import settings
from tcm.corpora.io import load_corpus
from tcm.resources import resource_dir
from tcm.retrieval import Retriever, index_dir
from tcm.retrieval.embedders import get_embedder

KINDS = ["zh_name", "traditional", "pinyin", "latin", "en_name", "en_desc", "zh_desc", "misspelling"]


def load_queries(split: str) -> list[dict]:
    path = resource_dir("evals") / "retrieval" / "queries.jsonl"
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [q for q in rows if split == "all" or q["split"] == split]


def evaluate(r: Retriever, queries: list[dict], mode: str) -> dict:
    """Per kind and overall: n, recall@1, recall@5, MRR (rank of the first acceptable id, within 10)."""
    per: dict[str, list[tuple[int | None, dict]]] = defaultdict(list)
    times = []
    for q in queries:
        types = None if q.get("type", "any") == "any" else frozenset([q["type"]])
        t = time.perf_counter()
        ranked = [i for i, _ in r.rank(q["query"], 60, types, mode)[:10]]
        times.append(time.perf_counter() - t)
        rank = next((n for n, i in enumerate(ranked, 1) if i in q["expected"]), None)
        per[q["kind"]].append((rank, {"query": q["query"], "expected": q["expected"], "got": ranked[:3]}))
    out = {}
    for kind in [*KINDS, "all"]:
        rows = [x for k, v in per.items() for x in v] if kind == "all" else per.get(kind, [])
        if not rows:
            continue
        ranks = [x[0] for x in rows]
        out[kind] = {
            "n": len(ranks),
            "r1": sum(1 for x in ranks if x == 1) / len(ranks),
            "r5": sum(1 for x in ranks if x and x <= 5) / len(ranks),
            "mrr": sum(1 / x for x in ranks if x) / len(ranks),
            "failures": [x[1] for x in rows if x[0] != 1],
        }
    out["all"]["p50_ms"] = statistics.median(times) * 1000
    return out


def suite(modes: tuple[str, ...] = ("lexical", "dense", "hybrid")) -> dict:
    """For `tcm eval`: every query in each mode with the default embedder, failures counted rather than listed."""
    emb, cfg = get_embedder(None), settings()
    r = Retriever.build(load_corpus(cfg.corpora_dir), cfg.corpora_dir, emb, cache_dir=index_dir(cfg.data_dir))
    r.links("warm up")
    queries = load_queries("all")
    out: dict = {"embedder": emb.name, "queries": len(queries)}
    for mode in modes:
        res = evaluate(r, queries, mode)
        out[mode] = {k: {f: (len(x) if f == "failures" else round(x, 4)) for f, x in v.items()} for k, v in res.items()}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--embedder", default=None, help="use (default), e5, st:<model or path>, hash")
    ap.add_argument("--split", default="all", choices=["all", "dev", "test"])
    ap.add_argument("--modes", default="lexical,dense,hybrid")
    ap.add_argument("--fusers", default="rrf", help="comma list of rrf,sum (hybrid only)")
    ap.add_argument("--failures", action="store_true", help="print the queries whose first hit is wrong")
    ap.add_argument("--markdown", action="store_true", help="print tables for the README")
    ap.add_argument("--json", type=Path, help="write all figures here")
    args = ap.parse_args()

    cfg = settings()
    corpus = load_corpus(cfg.corpora_dir)
    emb = get_embedder(args.embedder)
    t = time.perf_counter()
    r = Retriever.build(corpus, cfg.corpora_dir, emb, cache_dir=index_dir(cfg.data_dir))
    build_s = time.perf_counter() - t
    r.links("warm up")  # the resolver's entity index is built on first use
    queries = load_queries(args.split)
    print(f"embedder {emb.name} ({emb.dim} dims); {len(r.passages)} passages, {r.index.ntotal} vectors, "
          f"built in {build_s:.1f} s; {len(queries)} queries ({args.split})", file=sys.stderr)
    results: dict[str, dict] = {}
    for mode in args.modes.split(","):
        for fuser in args.fusers.split(",") if mode == "hybrid" else [""]:
            if fuser:
                r.fuser = fuser
            name = f"{mode}+{fuser}" if fuser and len(args.fusers.split(",")) > 1 else mode
            results[name] = evaluate(r, queries, mode)
    if args.json:
        args.json.write_text(json.dumps({"embedder": emb.name, "split": args.split, "results": results},
                                        ensure_ascii=False, indent=1), encoding="utf-8")
    show(results, args.markdown)
    if args.failures:
        for name, res in results.items():
            print(f"\n## first hit wrong ({name})")
            for kind in KINDS:
                for f in res.get(kind, {}).get("failures", []):
                    print(f"  [{kind}] {f['query']!r}: expected {f['expected']}, got {f['got']}")


def show(results: dict[str, dict], markdown: bool) -> None:
    names = list(results)
    kinds = [k for k in [*KINDS, "all"] if k in results[names[0]]]
    if markdown:
        print("| query kind | n | " + " | ".join(f"{m} R@1 / R@5 / MRR" for m in names) + " |")
        print("|---|---|" + "---|" * len(names))
        for k in kinds:
            cells = [f"{results[m][k]['r1']:.2f} / {results[m][k]['r5']:.2f} / {results[m][k]['mrr']:.2f}"
                     for m in names]
            label = f"**{k}**" if k == "all" else k
            print(f"| {label} | {results[names[0]][k]['n']} | " + " | ".join(cells) + " |")
        return
    print(f"{'kind':12} {'n':>4}  " + "  ".join(f"{m:>22}" for m in names))
    for k in kinds:
        cells = [f"{results[m][k]['r1']:.2f} {results[m][k]['r5']:.2f} {results[m][k]['mrr']:.2f}" for m in names]
        print(f"{k:12} {results[names[0]][k]['n']:>4}  " + "  ".join(f"{c:>22}" for c in cells))
    print("(each cell: recall@1 recall@5 MRR)  p50 ms: " +
          ", ".join(f"{m} {results[m]['all']['p50_ms']:.1f}" for m in names))


if __name__ == "__main__":
    main()
