"""Neo4j backend through the official driver (never py2neo).

Loading is batched ``UNWIND … CREATE`` inside one write transaction, so a
rebuild replaces the project's nodes atomically and leaves any other data in
the user's database alone. Researcher queries run in READ sessions, which the
server enforces.
"""

from __future__ import annotations

from tcm.errors import GraphError, QueryError
from tcm.kg.base import LABELS, QUERIES, GraphStore, Reporter, batches
from tcm.kg.rows import GraphData
from tcm.kg.values import neo4j_value as _plain
from tcm.resources import schema_file
from tcm.types import QueryResult

SCHEMA = schema_file("schema.neo4j.cypher")
BATCH = 1000


def _driver_module():
    try:
        import neo4j
    except ImportError as e:
        raise GraphError("the Neo4j backend needs the 'neo4j' driver: pip install 'tcm[neo4j]'") from e
    return neo4j


class Neo4jStore(GraphStore):
    """The graph in a Neo4j 5 database (yours, or the test launcher's)."""

    backend = "neo4j"
    queries = {
        **QUERIES,
        "find": (
            # node first: each node's few names against the keys (a hashed IN), not every key against every node
            "MATCH (n) WHERE n.names IS NOT NULL UNWIND n.names AS k WITH n, k WHERE k IN $keys "
            "RETURN k, n.id, labels(n)[0], n.name_zh, n.name_en, n.pinyin, n.sources"
        ),
        "out": (
            "MATCH (n {id: $id})-[r]->(m) RETURN type(r), labels(m)[0], m.id, m.name_zh, properties(r) "
            "ORDER BY type(r), m.id LIMIT $limit"
        ),
        "in": (
            "MATCH (n {id: $id})<-[r]-(m) RETURN type(r), labels(m)[0], m.id, m.name_zh, properties(r) "
            "ORDER BY type(r), m.id LIMIT $limit"
        ),
    }

    def __init__(self, uri: str, user: str = "neo4j", password: str | None = None, database: str | None = None):
        neo4j = _driver_module()
        self.uri, self.database = uri, database
        self._user, self._password = user, password
        auth = (user, password) if password else None
        try:
            self._driver = neo4j.GraphDatabase.driver(uri, auth=auth)
            self._driver.verify_connectivity()
        except Exception as e:  # the driver raises many kinds; all mean "cannot reach it"
            raise GraphError(f"cannot reach Neo4j at {uri}: {_one_line(e)}") from None

    def close(self) -> None:
        self._close_workers()
        self._driver.close()

    def _target(self) -> dict[str, object]:
        return {"backend": "neo4j", "uri": self.uri, "user": self._user, "password": self._password,
                "database": self.database}

    def _session(self, write: bool):
        neo4j = _driver_module()
        mode = neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS
        return self._driver.session(database=self.database, default_access_mode=mode)

    def _read(self, cypher: str, params: dict[str, object]) -> QueryResult:
        neo4j = _driver_module()

        def work(tx):
            res = tx.run(cypher, params)
            return list(res.keys()), [[_plain(v) for v in rec.values()] for rec in res]

        try:
            with self._session(write=False) as s:
                cols, rows = s.execute_read(work)
        except neo4j.exceptions.Neo4jError as e:
            raise QueryError(_one_line(e.message or str(e))) from None
        except neo4j.exceptions.DriverError as e:
            raise GraphError(f"Neo4j at {self.uri}: {_one_line(e)}") from None
        return QueryResult(columns=cols, rows=rows)

    def _write(self, data: GraphData, report: Reporter | None, batch: int = BATCH) -> None:
        neo4j = _driver_module()
        schema = [s.strip() for s in _strip_comments(SCHEMA.read_text(encoding="utf-8")).split(";") if s.strip()]
        try:
            with self._session(write=True) as s:
                for stmt in schema:  # schema changes cannot share a transaction with data
                    s.run(stmt).consume()
                s.execute_write(self._replace, data, report, batch)
        except neo4j.exceptions.Neo4jError as e:
            raise GraphError(f"Neo4j build failed: {_one_line(e.message or str(e))}") from None

    @staticmethod
    def _replace(tx, data: GraphData, report: Reporter | None, batch: int) -> None:
        where = " OR ".join(f"n:{label}" for label in LABELS)
        tx.run(f"MATCH (n) WHERE {where} DETACH DELETE n").consume()
        for label, rows in data.nodes.items():
            for chunk in batches(rows, batch):
                tx.run(f"UNWIND $rows AS r CREATE (n:{label}) SET n = r", rows=_no_nulls(chunk)).consume()
                if report:
                    report(label, len(chunk))
        for rel in data.rels:
            cypher = (
                f"UNWIND $rows AS r MATCH (a:{rel.from_label} {{id: r.from}}) MATCH (b:{rel.to_label} {{id: r.to}}) "
                f"CREATE (a)-[x:{rel.type}]->(b) SET x = r.props"
            )
            rows = [{"from": r["from"], "to": r["to"], "props": _drop(r)} for r in rel.rows]
            for chunk in batches(rows, batch):
                tx.run(cypher, rows=chunk).consume()
                if report:
                    report(rel.type, len(chunk))


def _drop(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("from", "to") and v is not None}


def _no_nulls(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if v is not None} for r in rows]


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))


def _one_line(e: object) -> str:
    return " ".join(str(e).split())
