"""The graph-store interface every backend implements.

The public methods (``query``, ``build`` and the researcher API) live here and
are the same for every backend; a backend supplies the few abstract methods
and, where its Cypher dialect differs, its own text for a named query.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from itertools import islice
from typing import ClassVar

from tcm.corpora.io import Corpus
from tcm.kg.guard import check
from tcm.kg.rows import GraphData, graph_rows
from tcm.kg.worker import WorkerPool
from tcm.names.index import CANDIDATES, LABEL, query_keys
from tcm.types import CompositionItem, Entity, FormulaRef, Neighbour, QueryLimits, QueryResult

# Called after each batch is written: (what was written, how many rows).
Reporter = Callable[[str, int], None]

LABELS = ("Herb", "Formula", "Syndrome", "Disease", "Symptom", "Sign", "Principle", "Drug", "DrugClass", "Compound",
          "Enzyme", "Source")
#: The label of a node id's prefix (``herb:甘草`` → Herb); an id without one of these prefixes is a Source's.
PREFIX_LABEL = {"herb": "Herb", "formula": "Formula", "syndrome": "Syndrome", "disease": "Disease",
                "symptom": "Symptom", "drug": "Drug", "drugclass": "DrugClass", "compound": "Compound",
                "enzyme": "Enzyme", "sign": "Sign", "principle": "Principle"}


def label_of(node_id: str) -> str:
    """The node label an id belongs to (``herb:甘草`` → Herb; an id without a known prefix is a Source)."""
    prefix = node_id.split(":", 1)[0] if ":" in node_id else ""
    return PREFIX_LABEL.get(prefix, "Source")


# Named queries shared by every backend; a backend overrides an entry when its dialect differs.
QUERIES: dict[str, str] = {
    "composition": (
        "MATCH (f:Formula)-[c:CONTAINS]->(h:Herb) WHERE f.name_zh = $name OR f.id = $name "
        "RETURN h.name_zh, h.id, c.as_written, c.dose_g, c.dose_text, c.role, c.sources "
        "ORDER BY c.dose_g DESC, h.name_zh"
    ),
    "formulas_for_syndrome": (
        "MATCH (f:Formula)-[:TREATS]->(s:Syndrome) WHERE s.name_zh = $name OR s.id = $name "
        "RETURN f.id, f.name_zh, f.name_en ORDER BY f.name_zh"
    ),
    "formulas_containing": (
        "MATCH (f:Formula)-[:CONTAINS]->(h:Herb) WHERE h.name_zh IN $herbs "
        "WITH f, count(DISTINCT h) AS matched WHERE matched >= $min_matched "
        "MATCH (f)-[:CONTAINS]->(x:Herb) "
        "RETURN f.id, f.name_zh, f.name_en, matched, count(x) AS size "
        "ORDER BY matched DESC, size ASC, f.name_zh"
    ),
    "herb_formulas": (
        "MATCH (f:Formula)-[c:CONTAINS]->(h:Herb) WHERE h.name_zh = $name OR h.id = $name "
        "RETURN f.id, f.name_zh, f.name_en ORDER BY f.name_zh"
    ),
    "formula_syndromes": (
        "MATCH (f:Formula)-[:TREATS]->(s:Syndrome) WHERE f.name_zh = $name OR f.id = $name "
        "RETURN f.name_zh, s.name_zh ORDER BY f.name_zh, s.name_zh"
    ),
    "all_formula_syndromes": (
        "MATCH (f:Formula)-[:TREATS]->(s:Syndrome) RETURN f.name_zh, s.name_zh ORDER BY f.name_zh, s.name_zh"
    ),
    "sources_of": "MATCH (n {id: $id})-[:CITES]->(s:Source) RETURN s ORDER BY s.id",
    "all_sources": "MATCH (s:Source) RETURN s ORDER BY s.id",
    # dialect-specific: label of a node / type of a relationship
    "find": "",
    "out": "",
    "in": "",
}

class GraphStore(ABC):
    """A TCM knowledge graph on one backend. Researcher queries are always read-only."""

    backend: ClassVar[str]
    queries: ClassVar[dict[str, str]] = QUERIES
    #: Bounds on researcher queries (``open_graph`` sets them from the settings).
    limits: QueryLimits = QueryLimits()
    #: How many researcher queries run at once, each in its own worker process.
    workers: int = 2
    _pool: WorkerPool | None = None

    # ------------------------------------------------------------ backend hooks
    @abstractmethod
    def _read(self, cypher: str, params: dict[str, object]) -> QueryResult:
        """Run one statement in a read-only transaction; raise QueryError on failure."""

    @abstractmethod
    def _write(self, data: GraphData, report: Reporter | None) -> None:
        """Replace the graph with ``data`` all at once: on failure nothing changes."""

    @abstractmethod
    def _target(self) -> dict[str, object]:
        """What a query worker needs to open this store itself (path, or URI and credentials)."""

    def close(self) -> None:
        """Release connections and stop the query workers."""
        self._close_workers()

    def _close_workers(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ public API
    def build(self, corpus: Corpus | GraphData, report: Reporter | None = None) -> dict[str, int]:
        """(Re)build the whole graph from a validated corpus (or its rows); returns rows written per table."""
        data = corpus if isinstance(corpus, GraphData) else graph_rows(corpus)
        self._write(data, report)
        return data.counts()

    def query(self, cypher: str, params: dict[str, object] | None = None,
              limits: QueryLimits | None = None) -> QueryResult:
        """Run a researcher's Cypher read-only, within ``limits`` (default: :attr:`limits`).

        The guard (:mod:`tcm.kg.guard`) refuses anything but read clauses and read-only functions;
        the query then runs in a worker process (:mod:`tcm.kg.worker`) with a time limit, a row
        cap and a memory bound. Raises QueryRefused, QueryLimitError or QueryError, one line each."""
        limits = limits or self.limits
        checked = check(cypher, dialect=self.backend, max_length=limits.max_length)
        if self._pool is None:
            self._pool = WorkerPool(self.workers)
        cols, rows, truncated = self._pool.run(self._target(), checked.text, dict(params or {}), limits)
        return QueryResult(columns=cols, rows=rows, truncated=truncated)

    def find(self, name: str, label: str | None = None) -> list[Entity]:
        """Entities whose any name form (Chinese, traditional, pinyin, Latin, English, alias, code) is ``name``.

        Names are read as the resolver reads them (:func:`tcm.names.query_keys`): when no node has the name,
        a processed form reads as its herb (生甘草 → 甘草) and a drug with its dosage form as the drug
        (华法林钠片 → warfarin). A name several entities share (沙参) finds them all."""
        return self.find_many([name], label)[name]

    def find_many(self, names: Iterable[str], label: str | None = None) -> dict[str, list[Entity]]:
        """:meth:`find` for many names at once, in a few queries (one per lookup step, not one per name)."""
        names = list(dict.fromkeys(names))
        rows = self._lookup(names, None)
        for kind, candidates in CANDIDATES.items():  # a processed form's herb, a drug without its form
            todo = {n: list(islice(candidates(n), 1, None)) for n in names if n not in rows}
            depth = 0
            while todo := {n: c for n, c in todo.items() if depth < len(c) and n not in rows}:
                got = self._lookup([c[depth] for c in todo.values()], LABEL[kind])
                for n, c in todo.items():
                    if c[depth] in got:
                        rows[n] = got[c[depth]]
                depth += 1
        out: dict[str, list[Entity]] = {}
        for n in names:
            found = {r[0]: Entity(id=r[0], label=r[1], name_zh=r[2], name_en=r[3], pinyin=r[4], sources=r[5] or [])
                     for r in rows.get(n, ()) if label is None or r[1] == label}
            out[n] = sorted(found.values(), key=lambda e: (LABELS.index(e.label) if e.label in LABELS else 99, e.id))
        return out

    def _lookup(self, names: list[str], label: str | None) -> dict[str, list[list[object]]]:
        """Node rows (id, label, name_zh, name_en, pinyin, sources) for each name, under the first of its
        lookup keys that names a node (of ``label``, when given)."""
        keys = {n: query_keys(n) for n in names}
        found: dict[str, list[list[object]]] = {}
        for i in range(max(map(len, keys.values()), default=0)):
            step = {n: ks[i] for n, ks in keys.items() if n not in found and i < len(ks)}
            by_key: dict[str, list[list[object]]] = {}
            wanted = sorted(set(step.values()))
            for chunk in batches(wanted, 5000):
                for k, *row in self._read(self.queries["find"], {"keys": chunk}).rows:
                    if label is None or row[1] == label:
                        by_key.setdefault(k, []).append(row)
            for n, k in step.items():
                if k in by_key:
                    found[n] = by_key[k]
        return found

    def node(self, node_id: str) -> dict[str, object] | None:
        """Every property of one node, and its ``label``; None when there is no such node."""
        label = label_of(node_id)
        rows = self._read(f"MATCH (n:{label}) WHERE n.id = $id RETURN n", {"id": node_id}).rows
        if not rows or not isinstance(rows[0][0], dict):
            return None
        return {**rows[0][0], "label": label}

    def sources(self, node_id: str | None = None) -> list[dict[str, object]]:
        """The Source nodes one node cites (by id), or every Source node; each with all its properties."""
        res = (self._read(self.queries["all_sources"], {}) if node_id is None
               else self._read(self.queries["sources_of"], {"id": node_id}))
        return [r[0] for r in res.rows if isinstance(r[0], dict)]

    def formula_syndromes(self, formula: str | None = None) -> dict[str, list[str]]:
        """Formula name → the syndromes it treats (TREATS), for one formula (name or id) or every formula."""
        res = (self._read(self.queries["all_formula_syndromes"], {}) if formula is None
               else self._read(self.queries["formula_syndromes"], {"name": formula}))
        out: dict[str, list[str]] = {}
        for f, s in res.rows:
            out.setdefault(f, []).append(s)
        return out

    def composition(self, formula: str) -> list[CompositionItem]:
        """A formula's herbs with doses and roles, largest dose first."""
        res = self._read(self.queries["composition"], {"name": formula})
        return [
            CompositionItem(herb=r[0], herb_id=r[1], as_written=r[2], dose_g=r[3], dose_text=r[4], role=r[5],
                            sources=r[6] or [])
            for r in res.rows
        ]

    def formulas_for_syndrome(self, syndrome: str) -> list[FormulaRef]:
        res = self._read(self.queries["formulas_for_syndrome"], {"name": syndrome})
        return [FormulaRef(id=r[0], name_zh=r[1], name_en=r[2]) for r in res.rows]

    def formulas_containing(self, herbs: Iterable[str], min_matched: int | None = None) -> list[FormulaRef]:
        """Formulas holding the given herbs (all of them unless ``min_matched`` says fewer), best first."""
        herbs = sorted(set(herbs))
        if not herbs:
            return []
        need = len(herbs) if min_matched is None else min_matched
        res = self._read(self.queries["formulas_containing"], {"herbs": herbs, "min_matched": need})
        return [FormulaRef(id=r[0], name_zh=r[1], name_en=r[2], matched=r[3], size=r[4]) for r in res.rows]

    def herb_formulas(self, herb: str) -> list[FormulaRef]:
        res = self._read(self.queries["herb_formulas"], {"name": herb})
        return [FormulaRef(id=r[0], name_zh=r[1], name_en=r[2]) for r in res.rows]

    def neighbours(self, node_id: str, limit: int = 200) -> list[Neighbour]:
        """Relationships of one node, both directions, sorted by type then the other node's id."""
        out: list[Neighbour] = []
        for direction in ("out", "in"):
            res = self._read(self.queries[direction], {"id": node_id, "limit": limit})
            for rel, label, oid, name, props in res.rows:
                props = {k: v for k, v in (props or {}).items() if k != "type" and v is not None}
                out.append(Neighbour(rel=rel, direction=direction, id=oid, label=label, name_zh=name, props=props))
        out.sort(key=lambda n: (n.rel, n.direction, n.id))
        return out[:limit]

    def counts(self) -> dict[str, int]:
        """Nodes per label and relationships per type, as the store holds them now."""
        out: dict[str, int] = {}
        for label in LABELS:
            out[label] = int(self._read(f"MATCH (n:{label}) RETURN count(n)", {}).rows[0][0])
        return out


def batches(rows: list, size: int) -> Iterable[list]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]
