"""The embedded default: LadybugDB (the maintained fork of Kùzu), on disk, no server.

Builds go to a temporary file that replaces the live one only when complete,
so a failed build leaves the previous graph untouched. Queries open the file
read-only, which the engine enforces.
"""

from __future__ import annotations

import os
from pathlib import Path

from tcm.errors import GraphError, QueryError
from tcm.kg.base import QUERIES, GraphStore, Reporter, batches
from tcm.kg.rows import GraphData
from tcm.kg.values import embedded_value as _plain
from tcm.resources import schema_file
from tcm.types import QueryResult

SCHEMA = schema_file("schema.ladybug.cypher")
BATCH = 2000



def _lb():
    try:
        import ladybug
    except ImportError as e:  # pragma: no cover - ladybug is a core dependency
        raise GraphError("the embedded backend needs the 'ladybug' package: pip install ladybug") from e
    return ladybug


class EmbeddedStore(GraphStore):
    """LadybugDB graph in one file (``data/graph.lbug`` by default)."""

    backend = "embedded"
    queries = {
        **QUERIES,
        "find": (
            "UNWIND $keys AS k MATCH (n) WHERE k IN n.names "
            "RETURN k, n.id, label(n), n.name_zh, n.name_en, n.pinyin, n.sources"
        ),
        "out": (
            "MATCH (n {id: $id})-[r]->(m) RETURN label(r), label(m), m.id, m.name_zh, r "
            "ORDER BY label(r), m.id LIMIT $limit"
        ),
        "in": (
            "MATCH (n {id: $id})<-[r]-(m) RETURN label(r), label(m), m.id, m.name_zh, r "
            "ORDER BY label(r), m.id LIMIT $limit"
        ),
    }

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db = None
        self._conn = None

    # --------------------------------------------------------------- reading
    def _connection(self):
        if self._conn is None:
            if not self.path.exists():
                raise GraphError(f"no graph at {self.path}; run `tcm build` first")
            lb = _lb()
            try:
                self._db = lb.Database(str(self.path), read_only=True)
            except RuntimeError as e:
                raise GraphError(f"cannot open {self.path}: {_one_line(e)}") from None
            self._conn = lb.Connection(self._db)
        return self._conn

    def _read(self, cypher: str, params: dict[str, object]) -> QueryResult:
        conn = self._connection()
        try:
            res = conn.execute(cypher, params)
        except RuntimeError as e:
            raise QueryError(_one_line(e)) from None
        if isinstance(res, list):
            raise QueryError("one statement at a time, please")
        return QueryResult(columns=res.get_column_names(), rows=[[_plain(v) for v in row] for row in res.get_all()])

    def _target(self) -> dict[str, object]:
        if not self.path.exists():
            raise GraphError(f"no graph at {self.path}; run `tcm build` first")
        return {"backend": "embedded", "path": str(self.path.resolve()), "mtime": self.path.stat().st_mtime_ns}

    def close(self) -> None:
        self._close_workers()
        if self._conn is not None:
            self._conn.close()
            self._db.close()
            self._conn = self._db = None

    # --------------------------------------------------------------- writing
    def _write(self, data: GraphData, report: Reporter | None) -> None:
        self.close()  # the query workers too: they hold the old file open
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".building")
        _remove(tmp)
        lb = _lb()
        db = lb.Database(str(tmp))
        conn = lb.Connection(db)
        try:
            for stmt in _statements(SCHEMA.read_text(encoding="utf-8")):
                conn.execute(stmt)
            for label, rows in data.nodes.items():
                if not rows:
                    continue
                props = ", ".join(f"{k}: r.{k}" for k in rows[0])
                for chunk in batches(rows, BATCH):
                    conn.execute(f"UNWIND $rows AS r CREATE (:{label} {{{props}}})", {"rows": chunk})
                    if report:
                        report(label, len(chunk))
            for rel in data.rels:
                if not rel.rows:
                    continue
                keys = [k for k in rel.rows[0] if k not in ("from", "to")]
                props = ", ".join(f"{k}: r.{k}" for k in keys)
                cypher = (
                    f"UNWIND $rows AS r MATCH (a:{rel.from_label} {{id: r.from}}), (b:{rel.to_label} {{id: r.to}}) "
                    f"CREATE (a)-[:{rel.type} {{{props}}}]->(b)"
                )
                for chunk in batches(rel.rows, BATCH):
                    conn.execute(cypher, {"rows": chunk})
                    if report:
                        report(rel.type, len(chunk))
        except RuntimeError as e:
            conn.close()
            db.close()
            _remove(tmp)
            raise GraphError(f"embedded build failed: {_one_line(e)}") from None
        conn.close()
        db.close()
        os.replace(tmp, self.path)
        _remove(Path(str(tmp) + ".wal"))


def _statements(text: str) -> list[str]:
    body = "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))
    return [s.strip() for s in body.split(";") if s.strip()]


def _remove(path: Path) -> None:
    for p in (path, Path(str(path) + ".wal")):
        if p.exists():
            p.unlink()


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split())
