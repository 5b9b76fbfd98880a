"""Retrieval performance: end-to-end query latency on the real corpus, and FAISS at 100k / 1M passages.

    .venv/bin/python evals/perf/retrieval_bench.py latency            # p50/p99 of tcm.retrieval searches
    .venv/bin/python evals/perf/retrieval_bench.py faiss --n 100000   # one size, every index type
    .venv/bin/python evals/perf/retrieval_bench.py all                # both sizes (1M needs ~6 GB and time)

Latency: the index is built (vectors cached under data/retrieval/) and warmed, then every query of
evals/retrieval/queries.jsonl is searched `--passes` times; model loading is excluded, query
embedding included. FAISS: synthetic passages are the real passage vectors plus Gaussian noise
(so they cluster like real embeddings, unlike uniform noise), queries are the real eval queries'
vectors plus noise. Each index type runs in its own process so its peak memory (max RSS) is its
own; recall@10 is measured against exact search. In the same run the exact search is repeated
with plain numpy (matrix product + argpartition) and with sentence_transformers.util.semantic_search
(torch), and reported as time ratios to FAISS Flat.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
CACHE = REPO / "data" / "retrieval"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


# ------------------------------------------------------------------ end-to-end latency


def latency(passes: int, embedder: str | None) -> dict:
    from tcm.corpora.io import load_corpus
    from tcm.retrieval import Retriever

    corpus = load_corpus(REPO / "corpora")
    t = time.perf_counter()
    r = Retriever.build(corpus, REPO / "corpora", embedder, cache_dir=CACHE)
    build_s = time.perf_counter() - t
    queries = [json.loads(x)["query"] for x in (REPO / "evals/retrieval/queries.jsonl").read_text().splitlines() if x]
    for q in queries[:20]:  # warm: the resolver's entity index, BM25 postings, BLAS
        r.search(q)
    times: list[float] = []
    stages: dict[str, list[float]] = {"embed": [], "dense": [], "lexical": [], "links": []}
    for _ in range(passes):
        for q in queries:
            t0 = time.perf_counter()
            r.search(q, k=10)
            times.append(time.perf_counter() - t0)
    for q in queries:  # one pass timed per stage
        t0 = time.perf_counter()
        v = r.embedder.embed_queries([q])
        t1 = time.perf_counter()
        r.dense(q, 60, None, vector=v)
        t2 = time.perf_counter()
        r.lexical(q, 60)
        t3 = time.perf_counter()
        r.links(q)
        t4 = time.perf_counter()
        for k, a, b in (("embed", t0, t1), ("dense", t1, t2), ("lexical", t2, t3), ("links", t3, t4)):
            stages[k].append(b - a)
    ms = [x * 1000 for x in times]
    return {
        "embedder": r.embedder.name, "passages": len(r.passages), "vectors": r.index.ntotal,
        "index_type": r.index.kind, "build_s_cached_vectors": round(build_s, 2), "queries": len(times),
        "p50_ms": round(statistics.median(ms), 2), "p99_ms": round(pct(ms, 99), 2),
        "mean_ms": round(statistics.mean(ms), 2),
        "stage_p50_ms": {k: round(statistics.median(v) * 1000, 3) for k, v in stages.items()},
        "peak_rss_mb": round(rss_mb()),
    }


# ------------------------------------------------------------------ FAISS at scale


def synthetic(n: int, nq: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n passage vectors and nq query vectors shaped like the real ones (real vector + noise, normalised)."""
    from tcm.retrieval.embedders import get_embedder

    rng = np.random.default_rng(seed)
    emb_name = get_embedder("use").name
    import hashlib

    path = CACHE / f"embeddings-{hashlib.sha1(emb_name.encode()).hexdigest()[:12]}.npz"
    if path.exists():
        with np.load(path) as z:
            base = np.asarray(z["vectors"], dtype=np.float32)
    else:  # no cache yet: clustered Gaussian mixture of the same dimension
        base = rng.standard_normal((4096, 512)).astype(np.float32)
    d = base.shape[1]
    out = np.empty((n, d), dtype=np.float32)
    step = 100_000
    for i in range(0, n, step):
        m = min(step, n - i)
        out[i : i + m] = base[rng.integers(0, len(base), m)] + rng.standard_normal((m, d)).astype(np.float32) * 0.035
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    q = base[rng.integers(0, len(base), nq)] + rng.standard_normal((nq, d)).astype(np.float32) * 0.05
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    return out, q.astype(np.float32)


def one_kind(kind: str, n: int, nq: int) -> dict:
    """Build one index type over n synthetic vectors; time build and search; recall@10 vs exact."""
    import faiss

    from tcm.retrieval.index import VectorIndex

    x, q = synthetic(n, nq)
    base_rss = rss_mb()
    t = time.perf_counter()
    vi = VectorIndex(x.shape[1], kind)  # type: ignore[arg-type]
    vi.add(x, np.arange(n, dtype=np.int64))
    build_s = time.perf_counter() - t
    res = {"kind": kind, "n": n, "dim": x.shape[1], "build_s": round(build_s, 2)}
    t = time.perf_counter()
    _, got = vi.search(q, 10)  # batched: every thread
    batch_s = time.perf_counter() - t
    single = []
    for i in range(min(nq, 50)):  # one query at a time, as the hot path runs
        t = time.perf_counter()
        vi.search(q[i : i + 1], 10)
        single.append(time.perf_counter() - t)
    res.update(batch_qps=round(nq / batch_s, 1), single_p50_ms=round(statistics.median(single) * 1000, 3))
    truth_path = Path(f"/tmp/tcm_bench_truth_{n}_{nq}.npy")
    if kind == "flat":
        np.save(truth_path, got)
        res["recall@10"] = 1.0
        # the same exact search with numpy and with sentence-transformers (torch), as ratios to FAISS Flat
        t = time.perf_counter()
        for i in range(0, nq, 64):
            s = q[i : i + 64] @ x.T
            top = np.argpartition(-s, 10, axis=1)[:, :10]
            np.take_along_axis(s, top, 1)
        res["numpy_batch_s"] = round(time.perf_counter() - t, 3)
        res["numpy_vs_faiss"] = round(res["numpy_batch_s"] / batch_s, 2)
        try:
            import torch
            from sentence_transformers import util

            xt, qt = torch.from_numpy(x), torch.from_numpy(q)
            t = time.perf_counter()
            util.semantic_search(qt, xt, top_k=10)
            res["st_semantic_search_s"] = round(time.perf_counter() - t, 3)
            res["st_vs_faiss"] = round(res["st_semantic_search_s"] / batch_s, 2)
        except ImportError:
            res["st_semantic_search_s"] = None
        res["faiss_batch_s"] = round(batch_s, 3)
    elif truth_path.exists():
        truth = np.load(truth_path)
        res["recall@10"] = round(float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, truth, strict=True)])),
                                 4)
    res["threads"] = faiss.omp_get_max_threads()
    res["peak_rss_mb"] = round(rss_mb())  # the whole process: synthetic data, index, queries
    res["index_mb"] = round(len(faiss.serialize_index(vi._index)) / 2**20)
    del base_rss
    return res


def faiss_bench(n: int, nq: int, kinds: list[str], timeout: int) -> list[dict]:
    out = []
    for kind in kinds:  # flat first: it writes the exact answers the others are scored against
        p = subprocess.run([sys.executable, __file__, "_one", kind, str(n), str(nq)], capture_output=True, text=True,
                           timeout=timeout, env={**os.environ})
        if p.returncode != 0:
            out.append({"kind": kind, "n": n, "error": p.stderr.strip().splitlines()[-1:]})
        else:
            out.append(json.loads(p.stdout.strip().splitlines()[-1]))
        print(json.dumps(out[-1]), file=sys.stderr)
    return out


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_one":
        print(json.dumps(one_kind(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["latency", "faiss", "all"])
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--embedder", default=None)
    ap.add_argument("--n", type=int, action="append", help="synthetic sizes (default 100000 and 1000000)")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--kinds", default="flat,ivf,hnsw")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per index type")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    result: dict = {}
    if args.what in ("latency", "all"):
        result["latency"] = latency(args.passes, args.embedder)
        print(json.dumps(result["latency"], ensure_ascii=False, indent=1))
    if args.what in ("faiss", "all"):
        result["faiss"] = []
        for n in args.n or [100_000, 1_000_000]:
            result["faiss"] += faiss_bench(n, args.queries, args.kinds.split(","), args.timeout)
        for row in result["faiss"]:
            print(json.dumps(row))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
