"""One place that wires the parts of tcm together, once per process.

    from tcm.context import default_context
    ctx = default_context()
    ctx.engine.check("甘草6g，甘遂3g")          # corpus loaded once, one resolver, one engine
    ctx.store().composition("麻黄汤")            # the graph, opened on first use
    ctx.retriever.search("Astragalus root")      # the search index, opened on first use
    ctx.assistant()                              # all of the above plus a generator

The CLI, the app and ``tcm eval`` go through it (``tcm.safety.default_engine``,
``tcm.names.default_resolver``, ``tcm.retrieval.default_retriever`` and ``tcm.analysis.default_index``
are views of the default context), so a process never loads the corpus twice or builds a second
resolver. Nothing is loaded before it is asked for: ``tcm check`` never opens the graph, ``tcm graph``
never loads the corpus, ``tcm search`` never opens the graph.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from tcm.config import Settings, settings

if TYPE_CHECKING:
    from tcm.assistant import Assistant
    from tcm.corpora.io import Corpus
    from tcm.kg.base import GraphStore
    from tcm.names import NameResolver
    from tcm.retrieval import Retriever
    from tcm.safety import SafetyEngine


#: Built from the corpus and saved by ``tcm build``; the corpus itself is saved apart, as unpickling it costs
#: 0.5 s that `tcm search` and `tcm check` do not need.
CORE = ("resolver", "engine")


class Context:
    """The corpus, the name resolver and the safety engine (built on first use, then shared); graph stores and
    the retriever (opened on first use); thread-safe, as the app serves several sessions at once."""

    def __init__(self, cfg: Settings | None = None) -> None:
        self.cfg = cfg or settings()
        self._lock = threading.RLock()
        self._parts: dict[str, Any] = {}
        self._stores: dict[str, GraphStore] = {}
        self._snapshot_tried = False
        self._saved_corpus = None  # reads the corpus saved with the snapshot, when one was loaded

    def _part(self, name: str, make):
        with self._lock:
            if name in (*CORE, "corpus") and not self._snapshot_tried:
                self._load_snapshot()
            if name not in self._parts:
                self._parts[name] = make()
            return self._parts[name]

    # ------------------------------------------------------------ start-up snapshot (tcm.snapshot)
    def _snapshot_key(self) -> str:
        import hashlib

        from tcm import snapshot
        from tcm.corpora.io import FILES

        h = hashlib.sha256(str(self.cfg.corpora_dir).encode())
        for rel, _model in FILES.values():
            p = self.cfg.corpora_dir / rel
            h.update(rel.encode() + (p.read_bytes() if p.exists() else b"<missing>"))
        return snapshot.key(h.hexdigest())

    def _load_snapshot(self) -> None:
        """The corpus, resolver and engine as ``tcm build`` saved them, when nothing has changed since."""
        from tcm import snapshot

        self._snapshot_tried = True
        k = self._snapshot_key()
        got = snapshot.load(self.cfg.data_dir, "core", k)
        if isinstance(got, tuple) and len(got) == len(CORE):
            self._parts.update(zip(CORE, got, strict=True))
            data_dir = self.cfg.data_dir
            self._parts["resolver"].index.saved_fuzzy = lambda: snapshot.load(data_dir, "fuzzy", k)
            self._saved_corpus = lambda: snapshot.load(data_dir, "corpus", k)

    @classmethod
    def fresh(cls, cfg: Settings, corpus: Corpus) -> Context:
        """A context over a corpus just loaded and validated (``tcm build``), ignoring any saved snapshot."""
        ctx = cls(cfg)
        ctx._snapshot_tried = True
        ctx._parts["corpus"] = corpus
        return ctx

    def save_snapshot(self) -> None:
        """Save the corpus, resolver and engine for the next process (``tcm build`` calls this)."""
        from tcm import snapshot

        parts = (self.resolver, self.engine)
        self.engine.check("甘草6g，甘遂3g")  # fill the engine's lazy tables before they are saved
        k = self._snapshot_key()
        snapshot.save(self.cfg.data_dir, "core", k, parts)
        snapshot.save(self.cfg.data_dir, "corpus", k, self.corpus)
        # the fuzzy linking tables apart: only a search that finds no exact name loads them
        snapshot.save(self.cfg.data_dir, "fuzzy", k, self.resolver.index.fuzzy)

    @property
    def corpus(self) -> Corpus:
        from tcm.corpora.io import load_corpus

        def load() -> Corpus:
            saved = self._saved_corpus() if self._saved_corpus is not None else None
            return saved if saved is not None else load_corpus(self.cfg.corpora_dir)

        return self._part("corpus", load)

    @property
    def resolver(self) -> NameResolver:
        from tcm.names.resolver import NameResolver

        return self._part("resolver", lambda: NameResolver(self.corpus))

    @property
    def engine(self) -> SafetyEngine:
        from tcm.safety.engine import SafetyEngine

        return self._part("engine", lambda: SafetyEngine(self.corpus, self.resolver))

    @property
    def retriever(self) -> Retriever:
        """The saved search index (``tcm build``), checked against the corpus and the embedder."""
        from tcm.retrieval import index_dir
        from tcm.retrieval.retriever import Retriever

        def load() -> Retriever:
            r = Retriever.load(index_dir(self.cfg.data_dir), self.cfg.corpora_dir)  # checks the manifest first
            r.resolver = self.resolver
            return r

        return self._part("retriever", load)

    def forget_retriever(self) -> None:
        """After ``tcm build`` wrote a new index: the next search opens it."""
        with self._lock:
            self._parts.pop("retriever", None)

    def store(self, backend: str | None = None) -> GraphStore:
        """The graph store for ``backend`` (default: ``TCM_BACKEND``), opened once and kept open."""
        from tcm.kg import open_graph

        key = backend or self.cfg.backend
        with self._lock:
            if key not in self._stores:
                self._stores[key] = open_graph(key, self.cfg)
            return self._stores[key]

    def assistant(self, generator: Any = None, backend: str | None = None) -> Assistant:
        """An assistant over this context's store, resolver and engine; ``generator``: a Generator, a
        GenerationConfig, or None (from the environment)."""
        from tcm.assistant import Assistant
        from tcm.generation import Generator, make_generator

        gen = generator if isinstance(generator, Generator) else make_generator(generator)
        return Assistant(self.store(backend), self.resolver, self.engine, gen)

    def close(self) -> None:
        with self._lock:
            for s in self._stores.values():
                s.close()
            self._stores.clear()


@lru_cache(maxsize=4)
def _context_for(key: tuple) -> Context:
    return Context(settings())


def default_context() -> Context:
    """The context for the current settings (``TCM_CORPORA_DIR``, ``TCM_DATA_DIR``, ``NEO4J_*``), one per process."""
    cfg = settings()
    return _context_for((str(cfg.corpora_dir), str(cfg.data_dir), cfg.backend, cfg.neo4j_uri, cfg.neo4j_database))
