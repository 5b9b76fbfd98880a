"""Dense vectors in FAISS, the index kind chosen by size and device, and the manifest that guards a saved index.

Kinds (``VectorIndex(dim, kind)``; ``auto`` applies :func:`choose_kind`):

- ``flat``: exact inner product (``IndexFlatIP``), 4 bytes × dim per vector.
- ``ivf``: inverted lists of full vectors (``IndexIVFFlat``), about 4·√n lists, ``nprobe`` probed.
- ``ivf-sq8``: the same lists with each dimension stored in 8 bits (1 byte × dim: 4M × 512 is 2 GB).
- ``hnsw``: a graph (``IndexHNSWFlat``), the fastest single query, but slow to build on few cores and
  unable to remove (removed ids are tombstones filtered at search time until the next rebuild).

Where search runs (:func:`search_device`, ``TCM_DEVICE=cpu`` forces the CPU):

- ``faiss-gpu`` when faiss sees a GPU: flat and IVF indexes are cloned to it;
- ``torch`` when only torch sees a CUDA device: exact search of every kind's vectors in half precision
  with fp32 rescoring, certified exact (:mod:`tcm.retrieval.torch_search`);
- ``cpu`` otherwise. torch is imported only when a GPU device node exists, so a CPU machine never pays
  for it. Vectors carry int64 ids; ``remove(ids)`` and ``remove_range(start, stop)`` delete them (a
  book given the id block ``[book << 32, (book + 1) << 32)`` is deleted in one call). A saved index has a
  manifest (embedder, dimensions, corpus hash, index kind); loading against another embedder or corpus
  raises a one-line error instead of returning wrong results. Large saved indexes are memory-mapped.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from tcm.errors import TCMError

IndexKind = Literal["auto", "flat", "hnsw", "ivf", "ivf-sq8"]
KINDS = ("flat", "hnsw", "ivf", "ivf-sq8")
FLAT_MAX = 50_000  # CPU: exact search up to here (a single query scans 100 MB in a few ms)
IVF_FLOAT_MAX = 2_000_000  # CPU: full vectors in the lists up to here (4 GB at 512 dims); 8-bit codes above
SMALL_BATCH = 16  # fewer queries than this search on one thread
MMAP_MIN_BYTES = 256 * 2**20  # saved indexes at least this big are memory-mapped when loaded
FORMAT = 1


class RetrievalError(TCMError):
    """The retrieval index is missing, or does not match the configured corpus or embedder."""


def faiss_module():
    """faiss, or a one-line error naming the extra to install."""
    from tcm.optional import need

    return need("faiss", "retrieval", "dense search", "faiss-cpu")


def _forced_device() -> str:
    """``TCM_DEVICE``: 'cpu' keeps search on the CPU, 'cuda' looks for a GPU even without a device node."""
    value = os.environ.get("TCM_DEVICE", "auto").strip().lower() or "auto"
    if value not in ("auto", "cpu", "cuda", "gpu"):
        raise TCMError(f"TCM_DEVICE must be auto, cpu or cuda, not {value!r}")
    return "cuda" if value == "gpu" else value


@lru_cache(maxsize=1)
def _cuda_node() -> bool:
    """Whether an NVIDIA device node exists: checked before importing torch (2 s) on a CPU machine."""
    return any(os.path.exists(p) for p in ("/dev/nvidiactl", "/dev/nvidia0", "/proc/driver/nvidia"))


def _torch_cuda():
    """torch when it sees a CUDA device, else None (never an error: torch is optional)."""
    forced = _forced_device()
    if forced == "cpu" or (forced == "auto" and not _cuda_node()):
        return None
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


def _faiss_gpus(faiss) -> int:
    if _forced_device() == "cpu":
        return 0
    get = getattr(faiss, "get_num_gpus", None)
    return int(get()) if get else 0


def search_device() -> str:
    """Where an index built now would be searched: 'faiss-gpu', 'torch' (a CUDA device) or 'cpu'."""
    try:
        import faiss
    except ImportError:
        faiss = None
    if faiss is not None and _faiss_gpus(faiss) > 0:
        return "faiss-gpu"
    return "torch" if _torch_cuda() is not None else "cpu"


def choose_kind(expected: int, device: str | None = None) -> str:
    """The index kind for ``expected`` vectors searched on ``device`` (default: this machine's).

    With a GPU, exact search (``flat``) at every size that fits it: 1M × 512 is 1 GB in fp16 and
    a batch of 256 queries takes milliseconds. On the CPU, exact up to ``FLAT_MAX``, IVF over full
    vectors up to ``IVF_FLOAT_MAX`` and IVF over 8-bit codes above, each measured at recall ≥ 0.95
    against exact search (evals/perf/vector_bench.py). HNSW is there on request: it builds ~10×
    slower than IVF on two cores and cannot remove a book.
    """
    device = device or search_device()
    if device != "cpu" or expected <= FLAT_MAX:
        return "flat"
    return "ivf" if expected <= IVF_FLOAT_MAX else "ivf-sq8"


def default_nprobe(nlist: int) -> int:
    """Lists probed per query: 1/16 of them, at least 16 (recall ≥ 0.95 at 100k–4M in vector_bench)."""
    return int(min(nlist, max(16, nlist // 16)))


class VectorIndex:
    """Normalised vectors with int64 ids, searched by inner product (cosine)."""

    def __init__(self, dim: int, kind: IndexKind = "auto", expected: int = 0) -> None:
        self.dim = dim
        self.kind: str = kind if kind != "auto" else choose_kind(expected)
        faiss_module()  # a missing faiss fails here, with the extra to install
        self._pending: tuple[Path, bool] | None = None
        self._index = self._new()
        self._init_state(set())

    def _init_state(self, removed: set[int], mmapped: bool = False, path: Path | None = None) -> None:
        self._removed: set[int] = removed  # HNSW tombstones
        self._gpu = None  # the GPU copy of a flat/IVF index, or a TorchExact for exact search
        self._gpu_ids: np.ndarray | None = None
        self._dirty = True
        self._mmapped, self._path = mmapped, path
        self.torch_device = "cuda"
        self.nprobe: int | None = None  # IVF: lists probed per query (None: default_nprobe)

    @property
    def _faiss(self):
        return faiss_module()

    # A loaded index is read from its file on first use: most searches are answered by the name links and
    # BM25 and never touch it, and reading faiss and 27 MB costs every cold `tcm search` ~0.2 s.
    @property
    def _index(self):
        if self._pending is not None:
            (path, mmap), self._pending = self._pending, None
            f = self._faiss
            # IVF lists map with IO_FLAG_MMAP; flat storage (flat, HNSW) with IO_FLAG_MMAP_IFC (faiss ≥ 1.9)
            flag = f.IO_FLAG_MMAP if self.kind in ("ivf", "ivf-sq8") else getattr(f, "IO_FLAG_MMAP_IFC", 0)
            flags = flag if mmap else 0
            index = f.read_index(str(path), flags) if flags else f.read_index(str(path))
            if index.d != self.dim:
                raise RetrievalError(f"{path} holds {index.d}-dimensional vectors, the manifest says {self.dim}; "
                                     "run `tcm build`")
            self._loaded, self._mmapped = index, bool(flags)
        return self._loaded

    @_index.setter
    def _index(self, value) -> None:
        self._pending, self._loaded = None, value

    # ------------------------------------------------------------ construction
    def _new(self):
        f = self._faiss
        if self.kind == "flat":
            return f.IndexIDMap2(f.IndexFlatIP(self.dim))
        if self.kind == "hnsw":
            inner = f.IndexHNSWFlat(self.dim, 32, f.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = 80
            inner.hnsw.efSearch = 96
            return f.IndexIDMap2(inner)
        if self.kind in ("ivf", "ivf-sq8"):
            return None  # created on first add, when there is data to train on
        raise TCMError(f"unknown index type {self.kind!r}: flat, hnsw, ivf, ivf-sq8 or auto")

    def train(self, sample: np.ndarray, expected: int | None = None) -> None:
        """Train an IVF index on a sample before adding (streamed builds); ``expected`` sizes the lists."""
        if self.kind in ("ivf", "ivf-sq8") and self._index is None:
            self._train_ivf(np.ascontiguousarray(sample, dtype=np.float32), expected)

    def _train_ivf(self, vectors: np.ndarray, expected: int | None = None) -> None:
        f = self._faiss
        n = max(expected or 0, len(vectors))
        # ~2·sqrt(n) lists (2,000 at 1M), at least 39 training points each (FAISS warns below that);
        # k-means on 40 points a list, 12 iterations: ~30 s at 1M × 512 on 2 cores
        nlist = int(max(1, min(16384, 2 * np.sqrt(n), len(vectors) // 39)))
        quantizer = f.IndexFlatIP(self.dim)
        if self.kind == "ivf-sq8":
            inner = f.IndexIVFScalarQuantizer(quantizer, self.dim, nlist, f.ScalarQuantizer.QT_8bit,
                                              f.METRIC_INNER_PRODUCT)
            inner.by_residual = False  # codes decode without their list: the GPU path reads them directly
        else:
            inner = f.IndexIVFFlat(quantizer, self.dim, nlist, f.METRIC_INNER_PRODUCT)
        inner.cp.niter = 12
        sample = vectors if len(vectors) <= 40 * nlist else vectors[np.random.default_rng(0).choice(
            len(vectors), 40 * nlist, replace=False)]
        inner.train(sample)
        inner.nprobe = default_nprobe(nlist)
        inner.own_fields = True
        quantizer.this.disown()
        # IVF keeps ids itself and removes them correctly; wrapped in IndexIDMap its ids drift after a removal
        self._index = inner

    @property
    def ntotal(self) -> int:
        return 0 if self._index is None else int(self._index.ntotal) - len(self._removed)

    def _writable(self) -> None:
        """A memory-mapped index is read-only: read it into memory before the first change."""
        if self._pending is not None:  # not opened yet: open it in memory rather than mapped
            self._pending = (self._pending[0], False)
        elif self._mmapped and self._path is not None:
            self._index = self._faiss.read_index(str(self._path))
            self._mmapped = False

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise RetrievalError(f"vectors have shape {vectors.shape}, the index takes (n, {self.dim})")
        if len(ids) != len(vectors):
            raise RetrievalError(f"{len(vectors)} vectors but {len(ids)} ids")
        if not len(ids):
            return
        self._writable()
        if self._index is None:
            self._train_ivf(vectors)
        if self._removed and self._removed & set(ids.tolist()):
            self._compact()  # HNSW: the tombstoned vectors of a re-added id must go before it comes back
        self._index.add_with_ids(vectors, ids)
        self._dirty = True

    def _compact(self) -> None:
        """Rebuild an HNSW graph without its tombstoned vectors (HNSW cannot remove in place)."""
        ids, x = self.vectors()
        self._index, self._removed = self._new(), set()
        if len(ids):
            self._index.add_with_ids(x, ids)

    def remove(self, ids: list[int] | np.ndarray) -> None:
        """Delete vectors by id (ids not in the index are ignored)."""
        ids = np.asarray(ids, dtype=np.int64)
        if self._index is None or not len(ids):
            return
        self._writable()
        if self.kind == "hnsw":
            self._removed |= set(ids[np.isin(ids, self._ids())].tolist())
        else:
            self._index.remove_ids(ids)
        self._dirty = True

    def remove_range(self, start: int, stop: int) -> int:
        """Delete every id in ``[start, stop)`` (a book's id block); returns how many were removed."""
        if self._index is None or stop <= start:
            return 0
        self._writable()
        if self.kind == "hnsw":
            ids = self._ids()
            hit = ids[(ids >= start) & (ids < stop)]
            before = len(self._removed)
            self._removed |= set(hit.tolist())
            n = len(self._removed) - before
        else:
            n = int(self._index.remove_ids(self._faiss.IDSelectorRange(int(start), int(stop))))
        self._dirty = True
        return n

    # ------------------------------------------------------------ search
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids), each (len(queries), k); missing slots have id -1."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if queries.ndim == 1:
            queries = queries[None, :]
        if self._index is None or self._index.ntotal == 0:
            return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
        device = self._device()
        if device == "torch":  # tombstones are left out of the device matrix
            return self._gpu.search(queries, k)
        fetch = min(int(self._index.ntotal), k + len(self._removed))
        if device == "faiss-gpu":
            scores, ids = self._gpu.search(queries, fetch)
        else:
            scores, ids = self._cpu_search(queries, fetch)
        if self._removed:
            keep = ~np.isin(ids, np.fromiter(self._removed, dtype=np.int64))
            scores = np.where(keep, scores, -np.inf)
            order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
            scores = np.take_along_axis(scores, order, 1)
            ids = np.where(np.isfinite(scores), np.take_along_axis(ids, order, 1), -1)
        return scores[:, :k], ids[:, :k]

    def search_batch(self, queries: np.ndarray, k: int, batch_size: int = 1024) -> tuple[np.ndarray, np.ndarray]:
        """Many queries at once, in chunks of ``batch_size`` (every thread, or one GPU pass per chunk);
        rows come back in the order given. Same results as :meth:`search`."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if batch_size < 1:
            raise TCMError("batch_size must be at least 1")
        if len(queries) <= batch_size:
            return self.search(queries, k)
        parts = [self.search(queries[s : s + batch_size], k) for s in range(0, len(queries), batch_size)]
        width = min(p[0].shape[1] for p in parts)
        return (np.concatenate([p[0][:, :width] for p in parts]), np.concatenate([p[1][:, :width] for p in parts]))

    def _cpu_search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """One OpenMP thread for a handful of queries: on 2 cores FAISS's threads spun for 35 ms
        per single query against 1.1 ms with one (measured); batches keep every thread."""
        if self.kind in ("ivf", "ivf-sq8"):
            self._faiss.extract_index_ivf(self._index).nprobe = self.nprobe or default_nprobe(self._index.nlist)
        if len(queries) >= SMALL_BATCH:
            return self._index.search(queries, k)
        before = self._faiss.omp_get_max_threads()
        self._faiss.omp_set_num_threads(1)
        try:
            return self._index.search(queries, k)
        finally:
            self._faiss.omp_set_num_threads(before)

    @property
    def device(self) -> str:
        """Where the next search runs: 'faiss-gpu', 'torch' or 'cpu'."""
        return self._device() if self._index is not None else "cpu"

    def _device(self) -> str:
        """Where search runs: 'faiss-gpu' (flat, IVF), 'torch' (exact, on a CUDA device) or 'cpu'."""
        if self.kind != "hnsw" and _faiss_gpus(self._faiss) > 0:
            if self._dirty or self._gpu is None:
                self._gpu = self._faiss.index_cpu_to_all_gpus(self._index)
                self._dirty = False
            return "faiss-gpu"
        torch = _torch_cuda()
        if torch is not None:
            if self._dirty or self._gpu is None:
                from tcm.retrieval.torch_search import TorchExact

                self._gpu = None  # free the old copy before making the new one
                ids, vectors = self.vectors()
                self._gpu = TorchExact(ids, vectors, device=self.torch_device)
                self._gpu_ids = ids
                self._dirty = False
            return "torch"
        return "cpu"

    def vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, float32 vectors) of everything searchable (8-bit codes decoded), in storage order."""
        f = self._faiss
        if self._index is None or self._index.ntotal == 0:
            return np.zeros(0, np.int64), np.zeros((0, self.dim), np.float32)
        if self.kind in ("flat", "hnsw"):
            inner = f.downcast_index(self._index.index)
            ids = f.vector_to_array(self._index.id_map).astype(np.int64)
            x = inner.reconstruct_n(0, inner.ntotal)
        else:
            ivf = f.downcast_index(f.extract_index_ivf(self._index))
            lists = ivf.invlists
            id_parts, x_parts = [], []
            for i in range(lists.nlist):
                size = lists.list_size(i)
                if not size:
                    continue
                id_parts.append(np.array(f.rev_swig_ptr(lists.get_ids(i), size), dtype=np.int64))
                codes = np.array(f.rev_swig_ptr(lists.get_codes(i), size * lists.code_size), dtype=np.uint8)
                codes = codes.reshape(size, lists.code_size)
                x_parts.append(ivf.sq.decode(codes) if self.kind == "ivf-sq8" else codes.view(np.float32))
            ids, x = np.concatenate(id_parts), np.concatenate(x_parts)
        if self._removed:
            keep = ~np.isin(ids, np.fromiter(self._removed, dtype=np.int64))
            ids, x = ids[keep], x[keep]
        return ids, np.ascontiguousarray(x, dtype=np.float32)

    def _ids(self) -> np.ndarray:
        f = self._faiss
        if self.kind in ("flat", "hnsw"):
            return f.vector_to_array(self._index.id_map).astype(np.int64)
        lists = f.extract_index_ivf(self._index).invlists
        parts = [np.array(f.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)), dtype=np.int64)
                 for i in range(lists.nlist) if lists.list_size(i)]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def all_ids(self) -> np.ndarray:
        if self._index is None:
            return np.zeros(0, np.int64)
        ids = self._ids()
        return ids[~np.isin(ids, np.fromiter(self._removed, dtype=np.int64))] if self._removed else ids

    # ------------------------------------------------------------ persistence
    def save(self, path: Path) -> None:
        if self._index is None:
            raise RetrievalError("nothing to save: the index is empty")
        tmp = path.with_suffix(".tmp")
        self._faiss.write_index(self._index, str(tmp))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, dim: int, kind: str, removed: list[int] | None = None,
             mmap: bool | None = None) -> VectorIndex:
        """Open a saved index. ``mmap`` (default: files of ``MMAP_MIN_BYTES`` or more, or ``TCM_INDEX_MMAP=1``)
        maps the vectors instead of reading them: a 1M-vector index opens in milliseconds and pages in
        as it is searched; the first add or remove reads it into memory."""
        self = cls.__new__(cls)
        self.dim, self.kind = dim, kind
        path = Path(path)
        if not path.is_file():
            raise RetrievalError(f"no vector index at {path}: run `tcm build`")
        if mmap is None:
            env = os.environ.get("TCM_INDEX_MMAP", "").strip()
            mmap = env == "1" if env in ("0", "1") else path.stat().st_size >= MMAP_MIN_BYTES
        self._init_state(set(removed or []), path=path)
        self._pending, self._loaded = (path, mmap), None  # read on first use (the ``_index`` property)
        return self


def load_or_build(path: Path, fingerprint: str, vectors: Callable[[], tuple[np.ndarray, np.ndarray]],
                  kind: IndexKind = "auto") -> VectorIndex:
    """The index saved at ``path`` if it was built from ``fingerprint`` (e.g. the embedder and the books
    embedded), else one built from ``vectors()`` -> (ids, vectors) and saved there. Why: training IVF at
    1M vectors takes about a minute on two cores; a process that opens a saved one (memory-mapped) starts
    in milliseconds. ``path.with_suffix('.json')`` records the fingerprint, kind and dimension."""
    path = Path(path)
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except ValueError:
            meta = {}
        if meta.get("fingerprint") == fingerprint and meta.get("format") == FORMAT:
            return VectorIndex.load(path, int(meta["dim"]), str(meta["kind"]))
    ids, x = vectors()
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim != 2 or not len(x):
        raise RetrievalError("no vectors to index")
    index = VectorIndex(x.shape[1], kind, expected=len(x))
    index.add(x, ids)
    path.parent.mkdir(parents=True, exist_ok=True)
    index.save(path)
    tmp = meta_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"fingerprint": fingerprint, "kind": index.kind, "dim": index.dim, "format": FORMAT,
                               "vectors": index.ntotal}), encoding="utf-8")
    tmp.replace(meta_path)
    return index


@dataclass
class Manifest:
    """What a saved index was built from; checked on every load."""

    embedder_spec: str
    embedder: str
    dim: int
    corpus_hash: str
    index_type: str
    passages: int = 0
    vectors: int = 0
    built_at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S"))
    format: int = FORMAT
    removed_vectors: list[int] = field(default_factory=list)
    next_pid: int = 0

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Manifest:
        if not path.exists():
            raise RetrievalError(f"no retrieval index at {path.parent}: run `tcm build`")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise RetrievalError(f"{path} is index format {data.get('format')}, this version reads "
                                     f"{FORMAT}: run `tcm build`")
            return cls(**data)
        except (ValueError, TypeError) as e:
            raise RetrievalError(f"{path} is unreadable ({e}): run `tcm build`") from None

    def check(self, corpus_hash: str | None, embedder_spec: str | None) -> None:
        """Refuse an index built from another corpus or with another embedder (before loading any model)."""
        if embedder_spec is not None and embedder_spec != self.embedder_spec:
            raise RetrievalError(
                f"the retrieval index was built with embedder {self.embedder_spec!r} ({self.dim} dims) but "
                f"{embedder_spec!r} is configured: run `tcm build` to rebuild, "
                f"or set TCM_EMBEDDER={self.embedder_spec}")
        if corpus_hash is not None and corpus_hash != self.corpus_hash:
            raise RetrievalError(
                f"the retrieval index was built from another version of the corpus (hash {self.corpus_hash}, "
                f"now {corpus_hash}): run `tcm build` to rebuild it")

    def check_model(self, name: str, dim: int) -> None:
        if name != self.embedder or dim != self.dim:
            raise RetrievalError(
                f"the retrieval index was built with {self.embedder!r} ({self.dim} dims) but the loaded model is "
                f"{name!r} ({dim} dims): run `tcm build` to rebuild it")
