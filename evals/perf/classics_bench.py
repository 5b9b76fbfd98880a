"""Benchmark of the classical library: import time and size, embedding throughput, query latency, and an
estimate for the whole library (684 books, 81 M characters) from the measured rates.

1. Imports the chosen books (default: the core set) into a temporary data directory with
   ``--no-dense`` (read from the .tar.xz, parse, normalise, tokenise, link to the graph, write SQLite),
   timing it and measuring the library's size on disk and the peak resident memory.
2. Embeds a sample of those passages (default 2,000) with the project's default embedder, in the
   importer's chunks, with 1 and 2 BLAS threads, and reports passages per second.
3. Runs the classical evaluation queries against the imported books (lexical + links; and with dense
   vectors when ``--embed-all`` embedded them all) and reports p50 / p99 latency.
4. Extrapolates to the whole library from MANIFEST.tsv's character counts: passages (at the measured
   passages per character), import time, embedding time on 2 cores, library size.

Run by hand (not a test): .venv/bin/python evals/perf/classics_bench.py [--books core|ALL|伤寒论 ...]
    [--sample 2000] [--embed-all] [--source ../shared/datasets/classics]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def manifest_chars(source: Path) -> tuple[int, int]:
    """(books, characters) of the whole library, from MANIFEST.tsv."""
    rows = [r.split("\t") for r in (source / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:] if r]
    return len(rows), sum(int(r[1]) for r in rows)


def main() -> None:
    from tcm.classics.importer import CORE, EMBED_CHUNK, default_source, import_library
    from tcm.classics.parse import EMBED_CHARS, normalise
    from tcm.evaluation import machine

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--books", nargs="*", default=["core"], help="core (default), ALL, or titles")
    ap.add_argument("--source", type=Path, default=default_source())
    ap.add_argument("--sample", type=int, default=2000, help="passages to embed for the throughput figure")
    ap.add_argument("--embed-all", action="store_true", help="embed every imported passage (slow: ~100/s)")
    args = ap.parse_args()
    books = None if args.books == ["ALL"] else [b for x in args.books for b in (CORE if x == "core" else [x])]
    print(f"machine: {machine()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    n_all, chars_all = manifest_chars(args.source)

    data = Path(tempfile.mkdtemp(prefix="classics-bench-"))
    os.environ["TCM_DATA_DIR"] = str(data)
    t0 = time.perf_counter()
    rep = import_library(args.source, books, dense=False, data_dir=data)
    t_import = time.perf_counter() - t0
    c = rep["counts"]
    size = rep["bytes"]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"import (--no-dense) of {c['books']} books, {c['chars']:,} characters → {c['passages']:,} passages, "
          f"{c['links']:,} graph links: {t_import:.1f} s ({c['chars'] / t_import:,.0f} chars/s, including reading "
          f"the .tar.xz), {size / 1e6:.1f} MB on disk, peak RSS {rss:.0f} MB")

    from tcm.classics.store import Library, library_dir
    from tcm.retrieval.embedders import USEEmbedder

    lib = Library(library_dir(data))
    pids = [p for (p,) in lib.db.execute("SELECT pid FROM passages ORDER BY pid")]
    sample = sorted(random.Random(0).sample(pids, min(args.sample, len(pids))))  # every book, as imported
    texts = [normalise(r["text"])[:EMBED_CHARS] for r in lib.passages(sample).values()]
    rates: dict = {}
    for threads in (1, 2):
        emb = USEEmbedder(threads=threads)
        emb.embed_passages(texts[:32])  # warm-up
        t = time.perf_counter()
        for i in range(0, len(texts), EMBED_CHUNK):
            emb.embed_passages(texts[i : i + EMBED_CHUNK])
        rates[threads] = len(texts) / (time.perf_counter() - t)
        print(f"embedding ({emb.name}, 1 process, {threads} BLAS thread(s)): {rates[threads]:.0f} passages/s "
              f"on {len(texts)} passages of ≤ {EMBED_CHARS} chars (mean {statistics.mean(map(len, texts)):.0f})")
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from tcm.classics.importer import _embed_chunk, _init_worker

    out = Path(tempfile.mkdtemp(prefix="classics-bench-chunks-"))
    step = 250
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn"), initializer=_init_worker,
                             initargs=("use",)) as pool:
        list(pool.map(_embed_chunk, [texts[:16]] * 2, [str(out / "w0.npy"), str(out / "w1.npy")]))  # warm-up
        t = time.perf_counter()
        list(pool.map(_embed_chunk, [texts[i : i + step] for i in range(0, len(texts), step)],
                      [str(out / f"c{i}.npy") for i in range(0, len(texts), step)]))
        rates["2 processes"] = len(texts) / (time.perf_counter() - t)
    print(f"embedding with 2 worker processes (tcm classics import --workers 2): {rates['2 processes']:.0f} passages/s")
    if args.embed_all:
        from tcm.classics.importer import embed_pending

        t = time.perf_counter()
        n = embed_pending(lib, workers=2)
        dt = time.perf_counter() - t
        print(f"embedded all {n:,} passages in {dt:.0f} s ({n / dt:.0f}/s); library now "
              f"{lib.size_bytes() / 1e6:.1f} MB")

    from tcm.classics.search import ClassicsSearcher
    from tcm.evals.classics import load_queries, quote_of, targets

    s = ClassicsSearcher(library_dir(data))
    lat = []
    for item in load_queries():
        want = targets(s.lib, item)
        if not want:
            continue
        q = item.get("query") or quote_of(s.lib, want[0])
        t = time.perf_counter()
        s.search(q, k=5)
        lat.append(1000 * (time.perf_counter() - t))
    if lat:
        lat.sort()
        print(f"query latency over {len(lat)} evaluation queries ({'hybrid' if args.embed_all else 'lexical + links'}"
              f"): p50 {lat[len(lat) // 2]:.0f} ms, p99 {lat[min(len(lat) - 1, int(len(lat) * 0.99))]:.0f} ms")

    per_char = c["passages"] / c["chars"]
    est_passages = chars_all * per_char
    best = max(rates.values())
    print(f"estimate for the whole library ({n_all} books, {chars_all:,} characters) at these rates: "
          f"~{est_passages / 1e6:.2f} M passages; import (--no-dense) ~{chars_all / (c['chars'] / t_import) / 60:.0f} "
          f"min; embedding ~{est_passages / best / 3600:.1f} h on this machine; "
          f"SQLite ~{size / c['chars'] * chars_all / 1e9:.1f} GB + float16 vectors {est_passages * 1024 / 1e9:.1f} GB")


if __name__ == "__main__":
    main()
