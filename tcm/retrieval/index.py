"""Dense vectors in FAISS, the index type chosen by size, and the manifest that guards a saved index.

- under ``FLAT_MAX`` vectors: exact inner-product search (``IndexFlatIP``), which at this corpus's
  size (~12k vectors) is also the fastest; above it HNSW (default) or IVF, both approximate.
- a GPU is used when ``faiss.get_num_gpus() > 0`` (flat and IVF move to it); when only torch sees
  a GPU, search is an exact matrix product on it. Neither path is taken on a CPU-only machine.
- vectors carry int64 ids; delete removes them from Flat/IVF, and from HNSW (which cannot remove)
  by a tombstone set filtered at search time until the next rebuild.
- a saved index has a manifest (embedder, dimensions, corpus hash, index type); loading against
  another embedder or corpus raises a one-line error instead of returning wrong results.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from tcm.errors import TCMError

IndexKind = Literal["auto", "flat", "hnsw", "ivf"]
FLAT_MAX = 50_000
SMALL_BATCH = 16  # fewer queries than this search on one thread
FORMAT = 1


class RetrievalError(TCMError):
    """The retrieval index is missing, or does not match the configured corpus or embedder."""


def faiss_module():
    """faiss, or a one-line error naming the extra to install."""
    from tcm.optional import need

    return need("faiss", "retrieval", "dense search", "faiss-cpu")


def _torch_cuda():
    """torch when this process has already loaded it (a sentence-transformers embedder, a model) and it
    sees a CUDA device, else None. Never imported here: importing torch costs ~4 s and 800 MB, which a
    1 ms search on the CPU must not pay (`tcm search` would start in 9 s instead of under 1)."""
    import sys

    torch = sys.modules.get("torch")
    return torch if torch is not None and torch.cuda.is_available() else None


class VectorIndex:
    """Normalised vectors with int64 ids, searched by inner product (cosine)."""

    def __init__(self, dim: int, kind: IndexKind = "auto", expected: int = 0) -> None:
        self.dim = dim
        self.kind: str = kind if kind != "auto" else ("flat" if expected <= FLAT_MAX else "hnsw")
        faiss_module()  # a missing faiss fails here, with the extra to install
        self._path: Path | None = None
        self._index = self._new()
        self._removed: set[int] = set()  # HNSW tombstones
        self._gpu = None  # the GPU copy of a flat/IVF index, or a torch tensor for exact search
        self._gpu_ids: np.ndarray | None = None
        self._dirty = True
        self.torch_device = "cuda"

    @property
    def _faiss(self):
        return faiss_module()

    # A loaded index is read from its file on first use: most searches are answered by the name links and
    # BM25 and never touch it, and reading faiss and 27 MB costs every cold `tcm search` ~0.2 s.
    @property
    def _index(self):
        if self._path is not None:
            path, self._path = self._path, None
            index = self._faiss.read_index(str(path))
            if index.d != self.dim:
                raise RetrievalError(f"{path} holds {index.d}-dimensional vectors, the manifest says {self.dim}; "
                                     "run `tcm build`")
            self._loaded = index
        return self._loaded

    @_index.setter
    def _index(self, value) -> None:
        self._path, self._loaded = None, value

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
        if self.kind == "ivf":
            return None  # created on first add, when there is data to train on
        raise TCMError(f"unknown index type {self.kind!r}: flat, hnsw, ivf or auto")

    def _train_ivf(self, vectors: np.ndarray) -> None:
        f = self._faiss
        # ~4·sqrt(n) lists, at least 39 training points each (FAISS warns below that)
        nlist = int(max(1, min(16384, 4 * np.sqrt(len(vectors)), len(vectors) // 39)))
        quantizer = f.IndexFlatIP(self.dim)
        inner = f.IndexIVFFlat(quantizer, self.dim, nlist, f.METRIC_INNER_PRODUCT)
        sample = vectors if len(vectors) <= 64 * nlist else vectors[np.random.default_rng(0).choice(
            len(vectors), 64 * nlist, replace=False)]
        inner.train(sample)
        inner.nprobe = min(nlist, max(8, nlist // 32))
        inner.own_fields = True
        quantizer.this.disown()
        # IVF keeps ids itself and removes them correctly; wrapped in IndexIDMap its ids drift after a removal
        self._index = inner

    @property
    def ntotal(self) -> int:
        return 0 if self._index is None else int(self._index.ntotal) - len(self._removed)

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if vectors.shape[1] != self.dim:
            raise RetrievalError(f"vectors have {vectors.shape[1]} dimensions, the index {self.dim}")
        if self._index is None:
            self._train_ivf(vectors)
        self._removed -= set(ids.tolist())
        self._index.add_with_ids(vectors, ids)
        self._dirty = True

    def remove(self, ids: list[int] | np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        if self._index is None or not len(ids):
            return
        if self.kind == "hnsw":
            self._removed |= set(ids.tolist())
        else:
            self._index.remove_ids(ids)
        self._dirty = True

    # ------------------------------------------------------------ search
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids), each (len(queries), k); missing slots have id -1."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if self._index is None or self._index.ntotal == 0:
            return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
        fetch = min(int(self._index.ntotal), k + len(self._removed))
        device = self._device()
        if device == "torch":
            scores, ids = self._torch_search(queries, fetch)
        elif device == "faiss-gpu":
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

    def _cpu_search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """One OpenMP thread for a handful of queries: on 2 cores FAISS's threads spun for 35 ms
        per single query against 1.1 ms with one (measured); batches keep every thread."""
        if len(queries) >= SMALL_BATCH:
            return self._index.search(queries, k)
        before = self._faiss.omp_get_max_threads()
        self._faiss.omp_set_num_threads(1)
        try:
            return self._index.search(queries, k)
        finally:
            self._faiss.omp_set_num_threads(before)

    def _device(self) -> str:
        """Where search runs: 'faiss-gpu', 'torch' (exact, on a CUDA device) or 'cpu'."""
        if self.kind == "hnsw":
            return "cpu"  # faiss has no GPU HNSW
        if self._faiss.get_num_gpus() > 0:
            if self._dirty or self._gpu is None:
                self._gpu = self._faiss.index_cpu_to_all_gpus(self._index)
                self._dirty = False
            return "faiss-gpu"
        torch = _torch_cuda() if self.kind == "flat" else None
        if torch is not None:
            if self._dirty or self._gpu is None:
                inner = self._faiss.downcast_index(self._index.index)
                mat = self._faiss.rev_swig_ptr(inner.get_xb(), inner.ntotal * self.dim)
                self._gpu = torch.from_numpy(np.array(mat).reshape(inner.ntotal, self.dim)).to(self.torch_device)
                self._gpu_ids = self._ids()
                self._dirty = False
            return "torch"
        return "cpu"

    def _torch_search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        import torch

        q = torch.from_numpy(queries).to(self._gpu.device)
        scores, rows = torch.topk(q @ self._gpu.T, k, dim=1)
        return scores.cpu().numpy(), self._gpu_ids[rows.cpu().numpy()]

    def _ids(self) -> np.ndarray:
        f = self._faiss
        if self.kind != "ivf":
            return f.vector_to_array(self._index.id_map).astype(np.int64)
        lists = self._index.invlists
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
    def load(cls, path: Path, dim: int, kind: str, removed: list[int] | None = None) -> VectorIndex:
        self = cls.__new__(cls)
        self.dim, self.kind = dim, kind
        if not path.is_file():
            raise RetrievalError(f"{path} is missing: run `tcm build`")
        self._path, self._loaded = path, None  # read on first use (the ``_index`` property)
        self._removed = set(removed or [])
        self._gpu, self._gpu_ids, self._dirty = None, None, True
        self.torch_device = "cuda"
        return self


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
