"""The classical library's dense index on its real embeddings: build, open, query latency and recall.

`vector_bench.py` measures the index kinds on generated vectors; this measures the index that
`tcm search --type classic` uses, on the vectors `tcm classics import` wrote (the full library: about
1.18M passages), with the evaluation's questions embedded as queries:

1. reads the library's vectors (float16 on disk) and times it;
2. builds the index through the searcher's own path (``ClassicsSearcher._dense_index``: the kind
   ``choose_kind`` picks for this size and device, saved beside the library) and times it, with the
   resident memory it added; then opens the saved index again, as a later process does;
3. embeds the evaluation's queries (evals/classics/queries.jsonl; a quote query uses the opening words of
   its passage, as the evaluation does) and times single-query search on the opened index (p50/p99),
   with recall@10 against exact search (numpy, float32) over the same vectors, for the default
   ``nprobe`` and a sweep.

Run by hand (not a test), after a full import:

    TCM_DATA_DIR=<dir> .venv/bin/python evals/perf/library_index_bench.py [--nprobe 16,32,64,128]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
K = 10


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def exact_top(vecs: np.ndarray, q: np.ndarray, k: int = K, chunk: int = 200_000) -> np.ndarray:
    """Row positions of the true top ``k`` of each query, streamed over ``vecs``."""
    best_s = np.full((len(q), k), -np.inf, np.float32)
    best_i = np.zeros((len(q), k), np.int64)
    for start in range(0, len(vecs), chunk):
        s = q @ vecs[start : start + chunk].T
        part = np.argpartition(-s, k - 1, axis=1)[:, :k]
        cand_s = np.concatenate([best_s, np.take_along_axis(s, part, 1)], 1)
        cand_i = np.concatenate([best_i, part + start], 1)
        order = np.argsort(-cand_s, axis=1)[:, :k]
        best_s, best_i = np.take_along_axis(cand_s, order, 1), np.take_along_axis(cand_i, order, 1)
    return best_i


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, help="the library folder (default: the data directory's classics/)")
    ap.add_argument("--nprobe", default="8,16,32,64,128", help="IVF lists probed, swept after the default")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    from tcm.classics.search import ClassicsSearcher
    from tcm.classics.store import library_dir
    from tcm.evals.classics import load_queries, quote_of, targets
    from tcm.evaluation import machine

    root = args.root or library_dir()
    saved = root / "dense.faiss"
    for f in (saved, saved.with_suffix(".json")):
        f.unlink(missing_ok=True)  # measure the build, not a saved index
    out: dict = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "library": str(root)}

    s = ClassicsSearcher(root)
    t = time.perf_counter()
    ids, vecs, name = s.lib.load_vectors()
    out.update(vectors=len(ids), dim=int(vecs.shape[1]), embedder=name, read_s=round(time.perf_counter() - t, 1))
    before = rss_mb()
    t = time.perf_counter()
    built = s._dense_index()
    out.update(kind=built.kind, build_s=round(time.perf_counter() - t, 1),
               build_added_mb=round(rss_mb() - before), index_file_mb=round(saved.stat().st_size / 2**20))
    del built
    s2 = ClassicsSearcher(root)
    t = time.perf_counter()
    index = s2._dense_index()
    out["open_ms"] = round(1000 * (time.perf_counter() - t), 1)

    items = [it for it in load_queries() if targets(s.lib, it)]
    texts = [it.get("query") or quote_of(s.lib, targets(s.lib, it)[0]) for it in items]
    q = s2._emb.embed_queries(texts).astype(np.float32)
    t = time.perf_counter()
    truth = ids[exact_top(vecs, q)]
    out.update(queries=len(q), exact_numpy_ms_per_query=round(1000 * (time.perf_counter() - t) / len(q), 1))

    def measure(nprobe: int | None) -> dict:
        index.nprobe = nprobe
        index.search(q[:5], K)  # page in what the first queries touch
        times, found = [], []
        for row in q:
            t0 = time.perf_counter()
            _scores, got = index.search(row[None, :], K)
            times.append(1000 * (time.perf_counter() - t0))
            found.append(got[0])
        recall = float(np.mean([len(set(g) & set(w)) / K for g, w in zip(found, truth, strict=True)]))
        times.sort()
        return {"nprobe": nprobe or "default", "p50_ms": round(statistics.median(times), 2),
                "p99_ms": round(times[min(len(times) - 1, int(0.99 * len(times)))], 2),
                "recall@10": round(recall, 3)}

    out["search"] = [measure(None)]
    if index.kind in ("ivf", "ivf-sq8"):
        out["search"] += [measure(int(n)) for n in args.nprobe.split(",") if n.strip()]
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(out, ensure_ascii=False, indent=1))
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
