"""The graph-store interface every backend implements.

The public methods (``query``, ``build`` and the researcher API) live here and
are the same for every backend; a backend supplies the few abstract methods
and, where its Cypher dialect differs, its own text for a named query.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import ClassVar

from tcm.corpora.io import Corpus
from tcm.corpora.names import normalize_name
from tcm.errors import QueryError
from tcm.kg.rows import GraphData, graph_rows
from tcm.types import CompositionItem, Entity, FormulaRef, Neighbour, QueryResult

# Called after each batch is written: (what was written, how many rows).
Reporter = Callable[[str, int], None]

LABELS = ("Herb", "Formula", "Syndrome", "Disease", "Symptom", "Drug", "DrugClass", "Compound", "Enzyme", "Source")

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
    # dialect-specific: label of a node / type of a relationship
    "find": "",
    "out": "",
    "in": "",
}

_FORBIDDEN = re.compile(
    r"^\s*(COPY|EXPORT|IMPORT|INSTALL|LOAD|ATTACH|DETACH\s+DATABASE|USE|CREATE\s+DATABASE|DROP\s+DATABASE)\b",
    re.IGNORECASE,
)


class GraphStore(ABC):
    """A TCM knowledge graph on one backend. Researcher queries are always read-only."""

    backend: ClassVar[str]
    queries: ClassVar[dict[str, str]] = QUERIES

    # ------------------------------------------------------------ backend hooks
    @abstractmethod
    def _read(self, cypher: str, params: dict[str, object]) -> QueryResult:
        """Run one statement in a read-only transaction; raise QueryError on failure."""

    @abstractmethod
    def _write(self, data: GraphData, report: Reporter | None) -> None:
        """Replace the graph with ``data`` all at once: on failure nothing changes."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

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

    def query(self, cypher: str, params: dict[str, object] | None = None) -> QueryResult:
        """Run a researcher's Cypher read-only. Writes, file access and multiple statements are refused."""
        text = cypher.strip().rstrip(";").strip()
        if not text:
            raise QueryError("empty query")
        if ";" in _strip_strings(text):
            raise QueryError("one statement at a time, please (found ';')")
        if _FORBIDDEN.match(text):
            raise QueryError(f"not allowed in a read-only query: {text.split()[0].upper()}")
        return self._read(text, dict(params or {}))

    def find(self, name: str, label: str | None = None) -> list[Entity]:
        """Entities whose any name form (Chinese, traditional, pinyin, Latin, English, alias, code) is ``name``."""
        key = normalize_name(name)
        if not key:
            return []
        res = self._read(self.queries["find"], {"key": key})
        out = [
            Entity(id=r[0], label=r[1], name_zh=r[2], name_en=r[3], pinyin=r[4], sources=r[5] or [])
            for r in res.rows
            if label is None or r[1] == label
        ]
        return sorted(out, key=lambda e: (LABELS.index(e.label) if e.label in LABELS else 99, e.id))

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


def _strip_strings(text: str) -> str:
    """The query without its string literals, so that a ';' inside a string is not a separator."""
    return re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "''", text)


def batches(rows: list, size: int) -> Iterable[list]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]
