"""The ``tcm`` objects the app shares between sessions: created once, warmed at start-up, thread-safe to use.

When a backend is unavailable (no graph built, Neo4j unreachable, a model that cannot load) the
app still starts: :meth:`Services.status` says what is wrong, each request tries again, and the
safety engine (which needs only the corpus) keeps checking questions and patients.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from tcm.errors import TCMError
from tcm.types import Answer, CheckResult, GeneratorInfo, Neighbour, PatientFlags

log = logging.getLogger("tcm.app")  # never given chat content: timings and error kinds only

# Questions that make retrieval load what it loads on first use (per language, and the dense model for a
# question that names nothing): seconds each, paid at start-up instead of by the first user.
WARM_QUESTIONS = ("甘草的药性？", "What is licorice used for?", "Is it safe for my patient?", "这个药安全吗？")


class Unavailable(TCMError):
    """A backend the request needs is not available; the message says which and what to do."""


class Services:
    """Lazily created, shared ``tcm`` objects: the assistant (graph store, safety engine, generator)."""

    def __init__(self, backend: str | None = None, generator: Any = None, store: Any = None) -> None:
        """``generator``: a ``tcm.generation.Generator``, a ``GenerationConfig``, or None (from the environment).
        ``store``: an open graph store to use instead of ``open_graph(backend)`` (tests)."""
        self.backend = backend
        self._generator = generator
        self._store = store
        self._lock = threading.RLock()
        self._assistant = None
        self._graph_error: str | None = None
        self._sources: dict[str, dict[str, Any]] | None = None
        self._drug_choices: list[tuple[str, str]] | None = None
        self.warm_seconds: float | None = None

    # ------------------------------------------------------------------ core objects
    def engine(self):
        """The safety engine (needs only the corpus)."""
        from tcm.safety import default_engine

        try:
            return default_engine()
        except TCMError as e:
            raise Unavailable(f"safety engine unavailable: {e}") from None

    def assistant(self):
        """The assistant; raises :class:`Unavailable` (one line, what to do) when the graph cannot be opened."""
        with self._lock:
            if self._assistant is not None:
                return self._assistant
            from tcm.assistant import Assistant
            from tcm.generation import Generator, make_generator

            engine = self.engine()
            store = self._store
            try:
                if store is None:
                    from tcm.kg import open_graph

                    store = open_graph(self.backend)
                store.node("herb:甘草")  # fail now, with the reason, not mid-answer
            except TCMError as e:
                if self._store is None and store is not None:
                    store.close()
                self._graph_error = f"knowledge graph unavailable: {e}"
                raise Unavailable(self._graph_error) from None
            except Exception as e:  # noqa: BLE001 - a driver's own error (e.g. Neo4j unreachable)
                self._graph_error = f"knowledge graph unavailable: {type(e).__name__}: {_one_line(e)}"
                raise Unavailable(self._graph_error) from None
            gen = self._generator
            if not isinstance(gen, Generator):
                gen = make_generator(gen)
            self._graph_error = None
            self._assistant = Assistant(store, engine.resolver, engine, gen)
            return self._assistant

    def store(self):
        return self.assistant().store

    def generator_info(self) -> GeneratorInfo | None:
        return self._assistant.generator.info if self._assistant is not None else None

    # ------------------------------------------------------------------ start-up
    def warm(self, say: Callable[[str], None] | None = None) -> float:
        """Open the graph, build the engine, load the retrieval index and answer one question, once."""
        t0 = time.perf_counter()
        try:
            a = self.assistant()
            for q in WARM_QUESTIONS:
                a.ask(q)
            self.sources()
            a.store.query("RETURN 1")  # start a query worker now, not on the first Cypher query
        except TCMError as e:
            if say:
                say(f"warning: {e}")
        try:
            self.drug_choices()
        except TCMError as e:
            if say:
                say(f"warning: {e}")
        threading.Thread(target=self._warm_analysis, name="warm-analysis", daemon=True).start()
        self.warm_seconds = time.perf_counter() - t0
        return self.warm_seconds

    @staticmethod
    def _warm_analysis() -> None:
        try:
            from tcm.analysis import default_index

            default_index()
        except Exception:  # noqa: BLE001 - the batch tab reports its own errors when used
            pass

    def status(self) -> tuple[bool, str]:
        """(ok, one line) for the page header: the graph backend and the generator, or what is wrong."""
        try:
            a = self.assistant()
        except TCMError as e:
            return False, f"{e} — the safety engine still checks questions and patients"
        from .render import generator_line

        backend = getattr(a.store, "backend", self.backend or "embedded")
        return True, f"Knowledge graph · 知识图谱: {backend} · {generator_line(a.generator.info)}"

    # ------------------------------------------------------------------ chat
    def stream(self, question: str, drugs: str | None, flags: PatientFlags):
        """The assistant's stream; a model that fails mid-answer is replaced by the grounded generator."""
        a = self.assistant()
        try:
            yield from a.stream(question, drugs, flags)
        except TCMError as e:
            if a.generator.info.backend == "grounded":
                raise
            from tcm.assistant import Assistant
            from tcm.generation import GroundedGenerator

            log.warning("generator %s failed (%s); answering with the grounded generator", a.generator.info.backend,
                        type(e).__name__)
            fallback = Assistant(a.store, a.resolver, a.engine,
                                 GroundedGenerator(note=f"{a.generator.info.backend} failed: {e}; grounded fallback"))
            yield "\n\n"
            yield from fallback.stream(question, drugs, flags)

    def diagnose(self, text: str, drugs: str | None, flags: PatientFlags):
        """`tcm diagnose`: (the Diagnosis, the structured reply and the facts it cites)."""
        from tcm.reasoning import diagnose
        from tcm.reasoning.engine import default_reasoner
        from tcm.reasoning.reply import compose

        d = diagnose(text, flags=flags, drugs=drugs)
        r = default_reasoner()
        reply, facts = compose(d, r.formula, r.variants, d.language)
        return d, reply, facts

    def check(self, question: str, answer: str | None, drugs: str | None, flags: PatientFlags) -> CheckResult:
        """The safety check the assistant runs on every answer, run again (patient changed, or no graph)."""
        return self.engine().check(drugs=drugs, flags=flags, text=question, answer=answer)

    def drug_choices(self) -> list[tuple[str, str]]:
        """(label, generic name) for every drug of the dictionary: 'warfarin · 华法林 · Coumadin, Jantoven'."""
        if self._drug_choices is None:
            drugs = self.engine().resolver.drugs.values()
            out = []
            for d in sorted(drugs, key=lambda d: d.name_en):
                label = " · ".join([d.name_en, d.name_zh] + ([", ".join(d.brands)] if d.brands else []))
                out.append((label, d.name_en))
            self._drug_choices = out
        return self._drug_choices

    def resolve_drugs(self, values: list[str]) -> tuple[list[str], list[str]]:
        """(generic names recognised, entries not recognised) for what the picker holds."""
        resolver = self.engine().resolver
        known, unknown = [], []
        for v in values:
            hit = resolver.drug(v)
            (known if hit else unknown).append(hit or v)
        return list(dict.fromkeys(known)), unknown

    def entity_kinds(self, findings) -> dict[str, str]:
        """Item name → id prefix (herb/drug) for the items of findings, so the panel can link them."""
        resolver = self.engine().resolver
        out: dict[str, str] = {}
        for f in findings or []:
            for item in f.items:
                if item in resolver.herbs:
                    out[item] = "herb"
                elif item in resolver.drugs:
                    out[item] = "drug"
        return out

    # ------------------------------------------------------------------ graph
    def sources(self) -> dict[str, dict[str, Any]]:
        """Every Source node by id (title, year, PMID, DOI, URL), read once."""
        if self._sources is None:
            self._sources = {s["id"]: s for s in self.store().sources() if s.get("id")}
        return self._sources

    def node(self, entity_id: str) -> dict[str, Any] | None:
        return self.store().node(entity_id)

    def neighbours(self, entity_id: str, limit: int = 400) -> list[Neighbour]:
        return self.store().neighbours(entity_id, limit)

    def composition(self, formula: str):
        return self.store().composition(formula)

    def classical_sources(self, node: dict[str, Any], limit: int = 5) -> list | str:
        """The clauses a formula comes from and those that prescribe it (its source book first), or the one line
        that says how to import the classical library when it is absent."""
        from tcm.classics.search import formula_clauses, library_available, source_clauses
        from tcm.classics.store import missing_message

        if not library_available():
            return missing_message()
        name = node.get("name_zh") or ""
        try:
            first = source_clauses(name, node.get("classical_source"))
            rest = [h for h in formula_clauses(name, limit) if h.passage_id not in {f.passage_id for f in first}]
        except TCMError as e:
            return _one_line(e)
        return (first + rest)[:limit]

    def find(self, name: str) -> list[tuple[str, str, str]]:
        """(id, label, display name) for entities with this name in any form; else retrieval hits when built."""
        store = self.store()
        found = [(e.id, e.label, e.name_zh or e.name_en or e.id) for e in store.find(name)]
        if found:
            return found
        try:
            from tcm.retrieval import search

            hits = search(name, k=10).hits
        except Exception:  # noqa: BLE001 - no retrieval index built: exact names only
            return []
        from .render import label_of

        return [(h.id, label_of(h.id), h.name_zh or h.name_en or h.id) for h in hits if ":" in h.id]

    def query(self, cypher: str, params: dict[str, Any] | None = None, limits: Any = None):
        """A researcher's read-only query: guarded, then run in a worker process within the limits
        (``TCM_QUERY_*``), so a slow, huge or crashing query ends as one error line for its session only."""
        return self.store().query(cypher, params or {}, limits)


def answer_language(answer: Answer | None, question: str = "") -> str:
    if answer is not None:
        return answer.language
    from tcm.assistant import detect_language

    return detect_language(question)


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())[:300]
