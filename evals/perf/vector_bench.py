"""Vector search at 100k, 1M and 4M vectors: every CPU index kind and every GPU path, with recall.

    .venv/bin/python evals/perf/vector_bench.py                       # 100k (a few minutes on 2 cores)
    .venv/bin/python evals/perf/vector_bench.py --sizes 100k,1M --json evals/perf/vector_bench_cpu.json
    evals/perf/gpu_run.sh                                              # on a GPU machine (100k, 1M, 4M)

Vectors (dimension 512 by default) are generated in chunks of 100k from a seed, never held whole
unless a kind needs them: ``clustered`` (default; topics like real embeddings: each vector is one
of n/250 random centres plus noise of norm ``--noise``: 1.2 by default, cosine ~0.64 to its centre;
1.6 (cosine ~0.53) puts more of the true neighbours in other topics) or ``random`` (uniform on the sphere,
the worst case for IVF and HNSW). Queries are new members of the same topics. For each size:

- ``exact``: the true top 10 of every query (numpy, streamed) is the reference;
- each CPU kind of :class:`tcm.retrieval.index.VectorIndex` (flat, ivf, ivf-sq8, hnsw): build time,
  memory it added, single-query p50/p99 and q/s, batched q/s (batches of ``--batch``), recall@10;
  IVF kinds also sweep ``nprobe``;
- ``raw-faiss-flat``: ``faiss.IndexFlatIP`` without the wrapper, and ``st-semantic_search``:
  ``sentence_transformers.util.semantic_search`` (torch) on the same vectors; every path's recall is
  given against exact search, raw FAISS and semantic_search;
- GPU paths when torch sees CUDA: ``torch-fp16`` (the VectorIndex torch path: fp16 scan, fp32
  rescoring, certified exact; its fallbacks counted), ``torch-fp32`` and ``faiss-gpu-flat`` when
  faiss has GPUs. ``--fake-gpu`` runs the torch path on the CPU (a correctness check, not a timing).

A kind whose memory estimate exceeds ``--ram-gb`` is skipped and the need is printed.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
CHUNK = 100_000
K = 10


def project_module(name: str):
    """tcm/retrieval/<name>.py loaded by path: the GPU machine has torch and numpy but not the project's
    other dependencies, which ``import tcm.retrieval`` would pull in (these two modules need none)."""
    import importlib.util

    key = f"_bench_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, REPO / "tcm" / "retrieval" / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[key] = mod
        spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return sys.modules[key]


# ------------------------------------------------------------------ data


def parse_size(s: str) -> int:
    s = s.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(s[-1], 1)
    return int(float(s[:-1] if s[-1] in "km" else s) * mult)


class Data:
    """n vectors in deterministic chunks, and queries from the same distribution."""

    def __init__(self, n: int, dim: int, kind: str, seed: int = 0, noise: float = 1.2) -> None:
        self.n, self.dim, self.kind, self.seed, self.noise = n, dim, kind, seed, noise
        rng = np.random.default_rng(seed)
        self.centres = self._norm(rng.standard_normal((max(64, n // 250), dim)).astype(np.float32))

    @staticmethod
    def _norm(x: np.ndarray) -> np.ndarray:
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)

    def _make(self, rng: np.random.Generator, m: int) -> np.ndarray:
        g = rng.standard_normal((m, self.dim), dtype=np.float32)
        if self.kind == "random":
            return self._norm(g)
        c = self.centres[rng.integers(0, len(self.centres), m)]
        return self._norm(c + g * np.float32(self.noise / np.sqrt(self.dim)))

    def chunks(self):
        for i, start in enumerate(range(0, self.n, CHUNK)):
            m = min(CHUNK, self.n - start)
            yield np.arange(start, start + m, dtype=np.int64), self._make(np.random.default_rng([self.seed, 1, i]), m)

    def all(self) -> np.ndarray:
        return np.concatenate([x for _, x in self.chunks()])

    def queries(self, m: int) -> np.ndarray:
        return self._make(np.random.default_rng([self.seed, 2]), m)


def exact_topk(data: Data, q: np.ndarray, k: int = K) -> np.ndarray:
    """The true top k ids of each query, streamed over the chunks (numpy, fp32)."""
    best_s = np.full((len(q), k), -np.inf, np.float32)
    best_i = np.full((len(q), k), -1, np.int64)
    for ids, x in data.chunks():
        s = q @ x.T
        top = np.argpartition(-s, k, axis=1)[:, :k]
        cs, ci = np.concatenate([best_s, np.take_along_axis(s, top, 1)], 1), np.concatenate([best_i, ids[top]], 1)
        order = np.argsort(-cs, axis=1, kind="stable")[:, :k]
        best_s, best_i = np.take_along_axis(cs, order, 1), np.take_along_axis(ci, order, 1)
    return best_i


def recall(got: np.ndarray, truth: np.ndarray) -> float:
    return round(float(np.mean([len(set(a[:K]) & set(b[:K])) / K for a, b in zip(got, truth, strict=True)])), 4)


def rss_gb() -> float:
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30
    except OSError:
        return 0.0


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def timing(search, qs: np.ndarray, qb: np.ndarray, batch: int) -> dict:
    """Single-query p50/p99 (ms) and q/s over ``qs``; batched q/s over ``qb`` in batches of ``batch``."""
    search(qs[:2])  # warm
    single = []
    for i in range(len(qs)):
        t = time.perf_counter()
        search(qs[i : i + 1])
        single.append(time.perf_counter() - t)
    t = time.perf_counter()
    for s in range(0, len(qb), batch):
        search(qb[s : s + batch])
    batch_s = time.perf_counter() - t
    return {"single_p50_ms": round(statistics.median(single) * 1000, 3),
            "single_p99_ms": round(pct(single, 99) * 1000, 3), "single_qps": round(len(single) / sum(single), 1),
            "batch_qps": round(len(qb) / batch_s, 1)}


def exact_sets(qs: np.ndarray, qb: np.ndarray, args) -> tuple[np.ndarray, np.ndarray]:
    """Fewer timed queries for brute-force CPU search (a second a query at 1M on a shared 2-core machine);
    recall is still scored on every query."""
    return qs[: args.exact_single], qb[: args.exact_batch]


def recalls(got: np.ndarray, refs: dict[str, np.ndarray]) -> dict:
    return {f"recall@10_vs_{name}": recall(got, ref) for name, ref in refs.items()}


# ------------------------------------------------------------------ the paths


MEM_PER_VECTOR = {"flat": 4.0, "ivf": 4.0, "ivf-sq8": 1.0, "hnsw": 4.6}  # bytes per dimension, roughly


def cpu_kind(kind: str, data: Data, qs, qb, refs, args) -> dict:
    index = project_module("index")
    VectorIndex, default_nprobe = index.VectorIndex, index.default_nprobe
    need = data.n * data.dim * MEM_PER_VECTOR[kind] / 2**30
    row: dict = {"path": f"cpu-{kind}", "n": data.n, "mem_need_gb": round(need, 2)}
    if need > args.ram_gb:
        return {**row, "skipped": f"needs ~{need:.1f} GB > --ram-gb {args.ram_gb}"}
    if kind == "flat" and data.n > args.cpu_exact_max:
        return {**row, "skipped": f"exact CPU search above --cpu-exact-max {args.cpu_exact_max} takes seconds a query"}
    if kind == "hnsw" and data.n > args.hnsw_max:
        return {**row, "skipped": f"HNSW build above --hnsw-max {args.hnsw_max} takes too long on this machine"}
    gc.collect()
    before = rss_gb()
    t = time.perf_counter()
    vi = VectorIndex(data.dim, kind)  # type: ignore[arg-type]
    want = int(80 * np.sqrt(data.n))  # IVF training sample: 40 points a list, as IndexBuilder.build draws
    sample: list[np.ndarray] = []
    for ids, x in data.chunks():
        if vi._index is None and kind in ("ivf", "ivf-sq8"):
            sample.append(x)
            if sum(map(len, sample)) < min(want, data.n):
                continue
            vi.train(np.concatenate(sample)[:want], expected=data.n)
            for s_ids, s_x in zip(range(len(sample)), sample, strict=True):
                start = s_ids * CHUNK
                vi.add(s_x, np.arange(start, start + len(s_x), dtype=np.int64))
            sample = []
            continue
        vi.add(x, ids)
    row["build_s"] = round(time.perf_counter() - t, 1)
    row["mem_gb"] = round(rss_gb() - before, 2)
    assert vi.device == "cpu" or args.allow_gpu_index, vi.device

    def search(q):
        return vi.search_batch(q, K, batch_size=args.batch)

    row.update(timing(search, *(exact_sets(qs, qb, args) if kind == "flat" else (qs, qb)), args.batch))
    row.update(recalls(search(qs)[1], refs))
    if kind in ("ivf", "ivf-sq8"):
        nlist = vi._index.nlist
        row["nlist"], row["nprobe"] = nlist, default_nprobe(nlist)
        sweep = {}
        for nprobe in sorted({4, 8, 16, 32, 64, 128, default_nprobe(nlist)}):
            if nprobe > nlist:
                continue
            vi.nprobe = nprobe
            t = [time.perf_counter()]
            got = np.concatenate([vi.search(qs[i : i + 1], K)[1] for i in range(min(len(qs), 100))])
            ms = (time.perf_counter() - t[0]) / min(len(qs), 100) * 1000
            sweep[nprobe] = {"recall@10": recall(got, refs["exact"][: len(got)]), "single_mean_ms": round(ms, 2)}
        row["nprobe_sweep"] = sweep
        vi.nprobe = None
    vi = None
    gc.collect()
    return row


def raw_faiss_flat(x: np.ndarray, qs, qb, refs, args) -> tuple[dict, np.ndarray]:
    import faiss

    idx = faiss.IndexFlatIP(x.shape[1])
    idx.add(x)

    def search(q):
        if len(q) < 16:  # as the wrapper does: one thread for a single query on few cores
            before = faiss.omp_get_max_threads()
            faiss.omp_set_num_threads(1)
            try:
                return idx.search(q, K)
            finally:
                faiss.omp_set_num_threads(before)
        return idx.search(q, K)

    row = {"path": "raw-faiss-flat", "n": len(x), **timing(search, *exact_sets(qs, qb, args), args.batch)}
    got = search(qs)[1]
    return {**row, **recalls(got, refs)}, got


def st_search(x: np.ndarray, qs, qb, refs, args, device: str) -> tuple[dict, np.ndarray]:
    import torch
    from sentence_transformers import util

    xt = torch.from_numpy(x).to(device)

    def search(q):
        hits = util.semantic_search(torch.from_numpy(q).to(device), xt, top_k=K, query_chunk_size=args.batch,
                                    corpus_chunk_size=500_000)
        return np.array([[h["corpus_id"] for h in row] for row in hits], dtype=np.int64)

    if device.startswith("cuda"):
        search(qs[:2])
        torch.cuda.synchronize()
    sets = (qs, qb) if device.startswith("cuda") else exact_sets(qs, qb, args)
    row = {"path": f"st-semantic_search-{device}", "n": len(x), **timing(search, *sets, args.batch)}
    got = search(qs)
    xt = None
    return {**row, **recalls(got, refs)}, got


def torch_path(data: Data, x: np.ndarray | None, qs, qb, refs, args, device: str, half: bool) -> dict:
    """The VectorIndex GPU path (TorchExact) on ``device``; x is loaded once and uploaded."""
    import torch

    TorchExact = project_module("torch_search").TorchExact
    name = f"torch-{'fp16' if half else 'fp32'}-{device}"
    t = time.perf_counter()
    ex = TorchExact(np.arange(data.n, dtype=np.int64), x if x is not None else data.all(), device=device, half=half)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    row = {"path": name, "n": data.n, "upload_s": round(time.perf_counter() - t, 2),
           "device_gb": round(ex.nbytes / 2**30, 2)}

    def search(q):
        return ex.search(q, K)

    row.update(timing(search, qs, qb, args.batch))
    row.update(recalls(search(qs)[1], refs))
    row["certificate_fallbacks"] = f"{ex.fallbacks}/{ex.searched}"
    ex = None
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    return row


def faiss_gpu_flat(x: np.ndarray, qs, qb, refs, args) -> dict:
    import faiss

    idx = faiss.index_cpu_to_all_gpus(faiss.IndexFlatIP(x.shape[1]))
    idx.add(x)
    row = {"path": "faiss-gpu-flat", "n": len(x), **timing(lambda q: idx.search(q, K), qs, qb, args.batch)}
    return {**row, **recalls(idx.search(qs, K)[1], refs)}


# ------------------------------------------------------------------ main


def machine() -> str:
    try:
        from tcm.evaluation import machine as m

        line = m()
    except Exception:  # noqa: BLE001 - the GPU machine may lack the project's dependencies
        line = f"{platform.machine()}, {os.cpu_count()} logical cores, Python {platform.python_version()}"
    try:
        import torch

        if torch.cuda.is_available():
            line += f", GPU {torch.cuda.get_device_name(0)}, torch {torch.__version__}"
    except ImportError:
        pass
    return line


def have(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def cuda() -> bool:
    if not have("torch"):
        return False
    import torch

    return torch.cuda.is_available()


def run_size(n: int, args) -> list[dict]:
    data = Data(n, args.dim, args.data, noise=args.noise)
    qs = data.queries(args.queries + args.batch_queries)
    qs, qb = qs[: args.queries], qs[args.queries :]
    t = time.perf_counter()
    refs = {"exact": exact_topk(data, qs)}
    rows: list[dict] = [{"path": "exact-numpy-streamed", "n": n, "truth_s": round(time.perf_counter() - t, 1)}]
    emit(rows[-1])
    full_gb = n * args.dim * 4 / 2**30
    x = data.all() if full_gb <= args.ram_gb / 2 else None  # raw FAISS, semantic_search and torch need it whole
    if x is None:
        rows.append({"path": "raw-faiss-flat / st-semantic_search", "n": n,
                     "skipped": f"need the {full_gb:.1f} GB matrix in memory twice; --ram-gb {args.ram_gb}"})
        emit(rows[-1])
    else:
        if have("faiss") and n <= args.cpu_exact_max:
            row, refs["raw_faiss"] = raw_faiss_flat(x, qs, qb, refs, args)
            rows.append(row)
            emit(row)
        if have("sentence_transformers") and have("torch") and (cuda() or n <= args.cpu_exact_max):
            row, refs["st_semantic_search"] = st_search(x, qs, qb, refs, args, "cpu" if not cuda() else "cuda")
            rows.append(row)
            emit(row)
    if have("faiss"):
        for kind in args.kinds.split(","):
            rows.append(cpu_kind(kind, data, qs, qb, refs, args))
            emit(rows[-1])
    if cuda() and args.gpu != "off":
        gpu_x = x if x is not None else data.all()
        for half in (True, False):
            rows.append(torch_path(data, gpu_x, qs, qb, refs, args, "cuda", half))
            emit(rows[-1])
        if have("faiss"):
            import faiss

            if faiss.get_num_gpus() > 0:
                rows.append(faiss_gpu_flat(gpu_x, qs, qb, refs, args))
                emit(rows[-1])
        del gpu_x
    elif args.fake_gpu and have("torch") and x is not None:
        rows.append(torch_path(data, x, qs, qb[: args.batch], refs, args, "cpu", True))
        rows[-1]["note"] = "torch path on the CPU: correctness, not a GPU timing"
        emit(rows[-1])
    del x
    gc.collect()
    return rows


def emit(row: dict) -> None:
    print(json.dumps(row, ensure_ascii=False), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100k", help="comma-separated: 100k,1M,4M")
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--noise", type=float, default=1.2, help="clustered data: the noise's norm around each centre")
    ap.add_argument("--data", choices=["clustered", "random"], default="clustered")
    ap.add_argument("--queries", type=int, default=200, help="single queries timed (p50/p99) and scored")
    ap.add_argument("--batch-queries", type=int, default=1024, help="queries for the batched q/s")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--exact-single", type=int, default=50, help="single queries timed for brute-force CPU paths")
    ap.add_argument("--exact-batch", type=int, default=256, help="batched queries timed for brute-force CPU paths")
    ap.add_argument("--kinds", default="flat,ivf,ivf-sq8,hnsw")
    ap.add_argument("--hnsw-max", type=int, default=200_000)
    ap.add_argument("--cpu-exact-max", type=int, default=2_000_000, help="no exact CPU search (flat, raw FAISS, "
                    "semantic_search on the CPU) above this size")
    ap.add_argument("--ram-gb", type=float, default=6.0, help="skip kinds whose memory estimate exceeds this")
    ap.add_argument("--gpu", choices=["auto", "off"], default="auto")
    ap.add_argument("--fake-gpu", action="store_true", help="no CUDA: run the torch path on the CPU (correctness)")
    ap.add_argument("--allow-gpu-index", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    os.environ.setdefault("TCM_DEVICE", "cpu")  # the CPU kinds stay on the CPU; GPU paths are measured apart
    try:
        sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        sys.exit(f"error: --sizes takes sizes like 100k,1M,4M, not {args.sizes!r}")
    head = {"machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "dim": args.dim,
            "data": args.data,
            "noise": args.noise if args.data == "clustered" else None, "queries": args.queries, "batch": args.batch,
            "load_avg": os.getloadavg()[0]}
    emit(head)
    rows = []
    for n in sizes:
        rows += run_size(n, args)
    if args.json:
        args.json.write_text(json.dumps({**head, "rows": rows}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
