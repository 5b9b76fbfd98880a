"""Bilingual retrieval: entity linking, BM25 over jieba tokens, dense vectors in FAISS, fused.

Python API::

    from tcm.retrieval import search
    search("Astragalus root").hits[0].id        # 'herb:黄芪'
    search("四肢厥逆 脉微", k=5, type="formula")

:func:`search` opens the index that ``tcm build`` wrote under ``<data dir>/retrieval/`` (once per
process) and refuses it with a one-line error when the corpus or the embedder has changed
since. :class:`Retriever` builds, saves, loads, adds and deletes (by id or by source).
"""

from __future__ import annotations

from pathlib import Path

from tcm.retrieval.index import RetrievalError
from tcm.retrieval.passages import Passage, build_passages
from tcm.retrieval.retriever import Retriever, check_query
from tcm.types import SearchResult

__all__ = ["Passage", "RetrievalError", "Retriever", "build_index", "build_passages", "default_retriever",
           "index_dir", "search"]


def index_dir(data_dir: Path | None = None) -> Path:
    """Where ``tcm build`` puts the retrieval index: ``<data dir>/retrieval``."""
    from tcm.config import settings

    return (data_dir or settings().data_dir) / "retrieval"


def build_index(progress=None, embedder: str | None = None, kind: str = "auto") -> dict[str, object]:
    """Build the index from the configured corpus and save it; returns what was built."""
    from tcm.config import settings
    from tcm.context import default_context

    cfg = settings()
    ctx = default_context()
    corpus = ctx.corpus
    target = index_dir(cfg.data_dir)
    r = Retriever.build(corpus, cfg.corpora_dir, embedder, kind=kind, progress=progress,  # type: ignore[arg-type]
                        cache_dir=target, resolver=ctx.resolver)
    r.save(target)
    if hasattr(r.embedder, "save_snapshot"):
        r.embedder.save_snapshot()  # the next process loads the embedder from it (tcm/snapshot.py)
    from tcm.context import default_context

    default_context().forget_retriever()
    m = r.manifest
    return {"passages": m.passages, "vectors": m.vectors, "index_type": m.index_type, "embedder": m.embedder,
            "dim": m.dim, "corpus_hash": m.corpus_hash, "path": str(target)}


def default_retriever() -> Retriever:
    """The saved index for the configured corpus and embedder, opened once per process (:mod:`tcm.context`)."""
    from tcm.context import default_context

    return default_context().retriever


def search(query: str, k: int = 10, type: str = "any") -> SearchResult:
    """Search herbs, formulas, syndromes (and diseases) in any language or name form; best first."""
    check_query(query, k, type)  # bad input fails before the index is opened
    return default_retriever().search(query, k=k, type=type)
