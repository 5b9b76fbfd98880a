"""Streamed, resumable embedding into checkpointed shards, and one VectorIndex built from them.

Why: a library of a million passages takes hours to embed on two cores; a build that dies at 80 %
must not start again from zero, and the texts and vectors must never all sit in memory. Rows
``(id, text)`` come from any iterable in a fixed order; every ``shard_size`` rows are embedded and
written as ``shard-NNNNN.ids.npy`` + ``shard-NNNNN.vec.npy`` (float16 by default: half the disk,
cosine error < 1e-3), then ``state.json`` records how many rows are done. Run it again with the same
rows and it skips what is done (checking that the skipped ids are the ones on disk), embeds the
rest, and :meth:`IndexBuilder.build` trains and fills the index shard by shard::

    b = IndexBuilder(data_dir / "classics-shards", "use")
    b.embed(((pid, text) for pid, text in passages()), progress=print, total=n)   # resumable
    index = b.build()           # VectorIndex, kind chosen by size and device
    index.save(data_dir / "classics.faiss")

Memory while embedding: one shard of texts and vectors (plus the model); while building: the index
(1M × 512: 2 GB as ``ivf``, 0.5 GB as ``ivf-sq8``) and one shard.
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from tcm.retrieval.embedders import Embedder, get_embedder
from tcm.retrieval.index import IndexKind, RetrievalError, VectorIndex, choose_kind

Progress = Callable[[str, int, int], None]  # (stage, done, total); total 0 when unknown
STATE = "state.json"


class IndexBuilder:
    """Embeds rows into shards under ``directory`` (resumable) and builds a :class:`VectorIndex` from them."""

    def __init__(self, directory: Path, embedder: Embedder | str | None = None, shard_size: int = 4096,
                 dtype: str = "float16", workers: int | None = None) -> None:
        if shard_size < 1:
            raise RetrievalError("shard_size must be at least 1")
        if dtype not in ("float16", "float32"):
            raise RetrievalError(f"shard dtype must be float16 or float32, not {dtype!r}")
        self.directory = Path(directory)
        self.spec = embedder if isinstance(embedder, str) or embedder is None else None
        self._embedder = None if self.spec is not None or embedder is None else embedder
        self.shard_size, self.dtype = shard_size, dtype
        self.workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
        self.state = self._load_state()

    # ------------------------------------------------------------ state
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.spec)
        return self._embedder

    def _load_state(self) -> dict:
        path = self.directory / STATE
        if not path.exists():
            return {"rows": 0, "shards": [], "embedder": None, "dim": None, "dtype": self.dtype}
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
            state["rows"], state["shards"] = int(state["rows"]), list(state["shards"])
        except (ValueError, KeyError, TypeError) as e:
            raise RetrievalError(f"{path} is unreadable ({e}): delete {self.directory} to start again") from None
        return state

    def _save_state(self) -> None:
        tmp = self.directory / (STATE + ".tmp")
        tmp.write_text(json.dumps(self.state, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(self.directory / STATE)

    @property
    def rows(self) -> int:
        """Rows embedded and checkpointed so far."""
        return int(self.state["rows"])

    def reset(self) -> None:
        """Forget every shard (start again, e.g. with another embedder)."""
        for name in self.state["shards"]:
            for suffix in (".ids.npy", ".vec.npy"):
                (self.directory / f"{name}{suffix}").unlink(missing_ok=True)
        self.state = {"rows": 0, "shards": [], "embedder": None, "dim": None, "dtype": self.dtype}
        if (self.directory / STATE).exists():
            self._save_state()

    # ------------------------------------------------------------ embedding
    def embed(self, rows: Iterable[tuple[int, str]], progress: Progress | None = None, total: int = 0) -> int:
        """Embed every row not yet checkpointed; returns how many were embedded by this call."""
        self.directory.mkdir(parents=True, exist_ok=True)
        name = self.embedder.name
        if self.state["embedder"] not in (None, name):
            raise RetrievalError(f"{self.directory} holds vectors from {self.state['embedder']!r}, not {name!r}: "
                                 f"delete it (or call reset()) to start again")
        self.state.update(embedder=name, dim=int(self.embedder.dim), dtype=self.state.get("dtype") or self.dtype)
        done_ids = self._done_ids()
        it = iter(rows)
        for i, want in enumerate(done_ids):  # skip what is checkpointed, checking it is the same rows
            row = next(it, None)
            if row is None or int(row[0]) != int(want):
                got = "the end of the rows" if row is None else f"id {row[0]}"
                raise RetrievalError(f"row {i} was id {want} when checkpointed, now {got}: the rows changed "
                                     f"since; delete {self.directory} (or call reset()) to start again")
        start = time.monotonic()
        added = 0
        if progress:
            progress("vectors", self.rows, total)
        for ids, vectors in self._embedded(self._batches(it)):
            self._write_shard(ids, vectors)
            added += len(ids)
            if progress:
                progress("vectors", self.rows, total)
        self.state["embed_s"] = round(float(self.state.get("embed_s", 0.0)) + time.monotonic() - start, 1)
        self._save_state()
        return added

    def _done_ids(self) -> np.ndarray:
        parts = [np.load(self.directory / f"{n}.ids.npy") for n in self.state["shards"]]
        ids = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        if len(ids) != self.rows:
            raise RetrievalError(f"{self.directory}: the state counts {self.rows} rows, the shards {len(ids)}: "
                                 "delete it to start again")
        return ids

    def _batches(self, it: Iterator[tuple[int, str]]) -> Iterator[tuple[np.ndarray, list[str]]]:
        ids: list[int] = []
        texts: list[str] = []
        for pid, text in it:
            ids.append(int(pid))
            texts.append(str(text))
            if len(ids) == self.shard_size:
                yield np.array(ids, dtype=np.int64), texts
                ids, texts = [], []
        if ids:
            yield np.array(ids, dtype=np.int64), texts

    def _embedded(self, batches: Iterator[tuple[np.ndarray, list[str]]]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Vectors of each batch, in order; one process per core for the embedders that allow it, with at
        most two batches a worker in flight (the rows are never read ahead further)."""
        from tcm.retrieval.retriever import PARALLEL_SPECS, _worker_embed, _worker_init

        if self.workers < 2 or self.spec not in PARALLEL_SPECS:
            for ids, texts in batches:
                yield ids, np.asarray(self.embedder.embed_passages(texts), dtype=np.float32)
            return
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(self.workers, mp_context=mp.get_context("spawn"), initializer=_worker_init,
                                 initargs=(self.spec,)) as pool:
            pending: deque = deque()
            for ids, texts in batches:
                pending.append((ids, pool.submit(_worker_embed, texts)))
                if len(pending) >= 2 * self.workers:
                    ids0, fut = pending.popleft()
                    yield ids0, fut.result()
            while pending:
                ids0, fut = pending.popleft()
                yield ids0, fut.result()

    def _write_shard(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if vectors.shape != (len(ids), self.state["dim"]):
            raise RetrievalError(f"the embedder returned {vectors.shape} for {len(ids)} texts")
        name = f"shard-{len(self.state['shards']):05d}"
        for suffix, arr in ((".ids.npy", ids), (".vec.npy", vectors.astype(self.state["dtype"]))):
            tmp = self.directory / f"{name}{suffix}.tmp"
            with tmp.open("wb") as f:
                np.save(f, arr)
            tmp.replace(self.directory / f"{name}{suffix}")
        self.state["shards"].append(name)
        self.state["rows"] = self.rows + len(ids)
        self._save_state()  # the checkpoint: a crash after this line loses nothing

    # ------------------------------------------------------------ reading and building
    def shards(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, float32 vectors) of each shard, in order (memory-mapped, one at a time)."""
        for name in self.state["shards"]:
            ids = np.load(self.directory / f"{name}.ids.npy")
            vec = np.load(self.directory / f"{name}.vec.npy", mmap_mode="r")
            yield ids, np.asarray(vec, dtype=np.float32)

    def sample(self, size: int, seed: int = 0) -> np.ndarray:
        """About ``size`` vectors drawn evenly from every shard (IVF training)."""
        rate = min(1.0, size / max(1, self.rows))
        rng = np.random.default_rng(seed)
        parts = []
        for name in self.state["shards"]:
            vec = np.load(self.directory / f"{name}.vec.npy", mmap_mode="r")
            take = np.sort(rng.choice(len(vec), max(1, round(len(vec) * rate)), replace=False))
            parts.append(np.asarray(vec[take], dtype=np.float32))
        return np.concatenate(parts) if parts else np.zeros((0, self.state["dim"] or 0), np.float32)

    def build(self, kind: IndexKind = "auto", progress: Progress | None = None) -> VectorIndex:
        """A VectorIndex over every checkpointed vector, filled shard by shard."""
        if not self.rows:
            raise RetrievalError(f"nothing embedded under {self.directory}: call embed() first")
        n, dim = self.rows, int(self.state["dim"])
        index = VectorIndex(dim, kind if kind != "auto" else choose_kind(n))  # type: ignore[arg-type]
        if index.kind in ("ivf", "ivf-sq8"):
            nlist = int(max(1, min(16384, 2 * np.sqrt(n))))
            index.train(self.sample(40 * nlist), expected=n)
        done = 0
        for ids, vectors in self.shards():
            index.add(vectors, ids)
            done += len(ids)
            if progress:
                progress("index", done, n)
        return index
