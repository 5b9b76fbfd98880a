"""The hostile and the legitimate query corpora of the read-only guard's tests (issue 11).

``hostile(paths)`` builds ≥ 150 attacks from a few dozen core statements (file reads and writes,
extensions, settings, writes, schema, transactions, admin) in every disguise the guard must see
through: comments in every position, mixed case, unicode spaces, look-alike letters, after
MATCH/WITH/UNWIND, behind a first statement, inside strings that end early, very long and deeply
nested. ``paths`` names the files an attack targets, so a test can prove none was read or written.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    read: str  # a FIFO: opening it for reading is detected
    so: str  # a FIFO posing as an extension library
    out: str  # must never be created
    outdir: str  # must never be created


class Canaries:
    """Target files of the attacks: FIFOs whose opening by any process is seen, and paths that must not appear."""

    def __init__(self, tmp: Path) -> None:
        self.paths = Paths(str(tmp / "secret.csv"), str(tmp / "evil.so"), str(tmp / "out.csv"), str(tmp / "export"))
        self.fifos = [self.paths.read, self.paths.so]
        for f in self.fifos:
            os.mkfifo(f)
        self.opened: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            for f in self.fifos:
                try:  # succeeds only while some process holds the FIFO open for reading
                    fd = os.open(f, os.O_WRONLY | os.O_NONBLOCK)
                except OSError:
                    continue
                self.opened.append(f)
                os.close(fd)
            time.sleep(0.005)

    def check(self) -> None:
        self._stop.set()
        self._thread.join()
        assert self.opened == [], f"attack target opened: {self.opened}"
        assert not Path(self.paths.out).exists() and not Path(self.paths.outdir).exists()
        assert all(Path(f).exists() for f in self.fifos)


def cores(p: Paths) -> list[tuple[str, str]]:
    """(clause the refusal must name, statement)."""
    return [
        ("LOAD FROM", f"LOAD FROM '{p.read}' (header = false) RETURN *"),
        ("LOAD CSV", f"LOAD CSV FROM 'file://{p.read}' AS line RETURN line"),
        ("LOAD WITH", f"LOAD WITH HEADERS (a STRING) FROM '{p.read}' RETURN *"),
        ("COPY", f"COPY (MATCH (h:Herb) RETURN h.id) TO '{p.out}'"),
        ("COPY", f"COPY Herb FROM '{p.read}'"),
        ("EXPORT DATABASE", f"EXPORT DATABASE '{p.outdir}'"),
        ("IMPORT DATABASE", f"IMPORT DATABASE '{p.read}'"),
        ("ATTACH", f"ATTACH '{p.read}' AS other (dbtype lbug)"),
        ("DETACH DATABASE", "DETACH DATABASE other"),
        ("INSTALL", "INSTALL httpfs"),
        ("LOAD EXTENSION", f"LOAD EXTENSION '{p.so}'"),
        ("LOAD", f"LOAD '{p.so}'"),
        ("CALL threads=", "CALL threads=1"),
        ("CALL timeout=", "CALL timeout = 1000000"),
        ("CREATE", "CREATE (n:Herb {id: 'herb:x'})"),
        ("MERGE", "MERGE (n:Herb {id: 'herb:x'})"),
        ("SET", "MATCH (h:Herb {name_zh: '甘草'}) SET h.nature = '寒'"),
        ("DELETE", "MATCH (h:Herb) DELETE h"),
        ("DETACH DELETE", "MATCH (h:Herb) DETACH DELETE h"),
        ("REMOVE", "MATCH (h:Herb) REMOVE h.nature"),
        ("DROP", "DROP TABLE Herb"),
        ("ALTER", "ALTER TABLE Herb ADD x INT64"),
        ("CREATE MACRO", "CREATE MACRO m(x) AS x"),
        ("BEGIN TRANSACTION", "BEGIN TRANSACTION"),
        ("COMMIT", "COMMIT"),
        ("CHECKPOINT", "CHECKPOINT"),
        ("FOREACH", "MATCH (h:Herb) FOREACH (x IN [1] | CREATE (:Herb {id: 'herb:y'}))"),
        ("CALL {", "MATCH (h:Herb) CALL { MATCH (n) DETACH DELETE n } RETURN h"),
        ("USE", "USE system MATCH (n) RETURN n"),
        ("CALL apoc.load.json", f"CALL apoc.load.json('file://{p.read}') YIELD value RETURN value"),
        ("apoc.load.csv", f"RETURN apoc.load.csv('{p.read}')"),
        ("CALL dbms.setConfigValue", "CALL dbms.setConfigValue('db.transaction.timeout', '0')"),
        ("SHOW", "SHOW DATABASES"),
        ("EXPLAIN", "EXPLAIN MATCH (n) RETURN n"),
        ("PROFILE", "PROFILE MATCH (n) RETURN n"),
        ("CREATE DATABASE", "CREATE DATABASE evil"),
        ("CALL project_graph", "CALL project_graph('g', ['Herb'], [])"),
        ("nextval", "RETURN nextval('seq')"),
    ]


def _variants(stmt: str) -> list[str]:
    """The same statement in the disguises a start-of-query word list missed."""
    first, _, rest = stmt.partition(" ")
    return [
        stmt,
        f"/**/ {stmt}",
        f"// a comment\n{stmt}",
        f"MATCH (h:Herb) WITH h /* read first */ {stmt}",
        f"UNWIND [1, 2] AS x {stmt}",
        f"MATCH (h:Herb) RETURN h.id LIMIT 1; {stmt}",
        f"{first.lower()} {rest}",
        f"{first[:1].lower()}{first[1:]}\u00a0{rest}",
        f"{first}/* hidden */ {rest}",
        f"\u3000{first}\u2003{rest}",
    ]


def hostile(p: Paths) -> list[tuple[str, str]]:
    """(clause, query): every core statement in every disguise, then the structural attacks."""
    out: list[tuple[str, str]] = []
    for clause, stmt in cores(p):
        out += [(clause, v) for v in _variants(stmt)]
    out += [
        ("look-alike", f"МATCH (n) RETURN n UNION СOPY (MATCH (h) RETURN h) TO '{p.out}'"),  # Cyrillic М, С
        ("look-alike", f"ᏞOAD FROM '{p.read}' RETURN *"),  # Cherokee letter
        ("string that ends early", f"RETURN 'a\\\\' COPY (RETURN 1) TO '{p.out}' //'"),
        ("unterminated string", f"RETURN 'abc ; COPY (RETURN 1) TO {p.out}"),
        ("unterminated comment", f"RETURN 1 /* LOAD EXTENSION '{p.so}'"),
        ("unknown escape", f"RETURN '\\q' + '' ; LOAD EXTENSION '{p.so}'"),
        ("backtick function", f"RETURN `apoc`.`load`.json('{p.read}')"),
        ("escape with quote", f"RETURN '\\u0027' COPY (RETURN 1) TO '{p.out}'"),
        ("semicolon in comment", f"MATCH (n) RETURN n /* ; */ ; LOAD EXTENSION '{p.so}'"),
        ("two statements", "RETURN 1; RETURN 2"),
        ("number runs into a keyword", "MATCH (h:Herb) WITH h LIMIT 1SET h.nature = 'x' RETURN h"),
        ("number then dot keyword", "MATCH (h:Herb) WITH h LIMIT 1.SET h.nature = 'x' RETURN h"),
        ("hex runs into a keyword", "MATCH (h:Herb) WITH h LIMIT 0x1DELETE h"),
        ("control character", "RETURN 1\x00; CREATE (n)"),
        ("very long", "RETURN " + " + ".join(["1"] * 117_500)),  # 470 KB
        ("deeply nested", "RETURN " + "(" * 2000 + "1" + ")" * 2000),
        ("deeply nested list", "RETURN " + "[" * 500 + "]" * 500),
        ("empty", "   /* nothing */  "),
        ("unbalanced", "MATCH (n RETURN n"),
        ("not a clause", "HERB 甘草"),
    ]
    return out


#: Legitimate research queries (both dialects) that must run unchanged; keywords inside strings,
#: comments, backtick names, property keys and map keys included.
LEGIT = [
    "MATCH (f:Formula {name_zh:'麻黄汤'})-[c:CONTAINS]->(h:Herb) RETURN h.name_zh, c.dose_g ORDER BY h.name_zh",
    "MATCH (f:Formula {name_zh:'麻黄汤'})-[c:CONTAINS]->(h:Herb)\nRETURN h.name_zh, c.dose_g, c.role "
    "ORDER BY h.name_zh",
    "MATCH (h:Herb) WHERE h.toxicity = '大毒'\nRETURN h.name_zh, h.pinyin, h.dose_max_g ORDER BY h.name_zh",
    "MATCH (h:Herb)-[r:INTERACTS]->(d:Drug {name_en:'warfarin'})\nRETURN h.name_zh, r.severity ORDER BY h.name_zh",
    "MATCH (a:Herb)-[r:INCOMPATIBLE]->(b:Herb) WHERE r.rule = '18反'\nRETURN a.name_zh, b.name_zh "
    "ORDER BY a.name_zh, b.name_zh LIMIT 25",
    "MATCH (h:Herb) WHERE h.toxicity = '大毒' RETURN h.name_zh ORDER BY h.name_zh",
    "MATCH (f:Formula)-[:TREATS]->(s:Syndrome) WHERE s.name_zh = '外感风寒表实证' RETURN f.name_zh ORDER BY f.name_zh",
    "MATCH (h:Herb) RETURN count(h)",
    "MATCH (f:Formula)-[:CONTAINS]->(h:Herb) WITH f, count(h) AS n WHERE n >= 10 RETURN f.name_zh, n "
    "ORDER BY n DESC, f.name_zh LIMIT 5",
    "OPTIONAL MATCH (h:Herb {name_zh: '没有这个药'}) RETURN h.name_zh",
    "UNWIND ['甘草', '麻黄', '桂枝'] AS name MATCH (h:Herb {name_zh: name}) RETURN name, h.nature ORDER BY name",
    "MATCH (h:Herb) WHERE h.name_zh STARTS WITH '白' RETURN h.name_zh ORDER BY h.name_zh SKIP 2 LIMIT 3",
    "MATCH (h:Herb) WHERE h.name_zh CONTAINS '草' AND h.toxicity IS NULL RETURN count(*)",
    "MATCH (f:Formula {name_zh: '桂枝汤'}) RETURN f.name_zh AS name UNION MATCH (f:Formula {name_zh: '麻黄汤'}) "
    "RETURN f.name_zh AS name",
    "MATCH (h:Herb {name_zh: '甘草'}) RETURN h.name_zh AS n UNION ALL MATCH (h:Herb {name_zh: '甘草'}) "
    "RETURN h.name_zh AS n",
    "MATCH (h:Herb) WHERE h.name_zh = 'CREATE (x) DELETE SET LOAD FROM COPY TO' RETURN count(h)",
    'MATCH (h:Herb) WHERE h.name_zh = "LOAD EXTENSION \'/tmp/x.so\'; DROP TABLE Herb" RETURN count(h)',
    "MATCH (h:Herb) // DELETE everything? no: read\nRETURN count(h)",
    "MATCH (h:Herb) /* COPY (MATCH (n) RETURN n) TO '/tmp/x.csv' */ RETURN count(h)",
    "MATCH (`set`:Herb {name_zh: '甘草'}) RETURN `set`.name_zh AS `delete`",
    "MATCH (h:Herb) WHERE h.name_zh = '甘草' RETURN h.nature AS `create`, h.name_zh AS `load`",
    "MATCH (h:Herb) WHERE h.name_zh = 'a;b' RETURN count(h)",
    "MATCH (h:Herb) WHERE h.name_zh = 'it\\'s' RETURN count(h)",
    "MATCH (h:Herb) WHERE h.name_zh IN ['甘草', '麻黄'] RETURN h.name_zh ORDER BY h.name_zh DESC",
    "MATCH (h:Herb {name_zh: '甘草'}) RETURN toUpper(h.pinyin_plain), size(h.names) > 0, coalesce(h.toxicity, '无')",
    "MATCH (f:Formula)-[c:CONTAINS]->(h:Herb {name_zh: '甘草'}) RETURN count(DISTINCT f)",
    "MATCH (h:Herb) WHERE EXISTS { MATCH (h)<-[:CONTAINS]-(:Formula) } RETURN count(h)",
    "MATCH (f:Formula {name_zh: '麻黄汤'}) RETURN f.name_zh, COUNT { MATCH (f)-[:CONTAINS]->(:Herb) } AS herbs",
    "MATCH (d:Drug) WHERE d.name_en = 'warfarin' RETURN d.name_zh",
    "MATCH (h:Herb {name_zh: '丹参'})-[r:INTERACTS]->(d) RETURN d.name_en, r.severity ORDER BY d.name_en",
    "MATCH (s:Source) WHERE s.id STARTS WITH 'chp' RETURN count(s) > 0",
    "MATCH (h:Herb {name_zh: '甘草'}) RETURN h.name_zh, h.nature // trailing comment with ; and 'quote",
    "match (h:Herb {name_zh: '甘草'}) return h.nature;",
    "MATCH\u00a0(h:Herb {name_zh: '甘草'})\u3000RETURN h.nature",
    "MATCH (h:Herb) WHERE h.dose_max_g > 30.5 RETURN h.name_zh ORDER BY h.name_zh",
    "MATCH (a:Formula)-[:CONTAINS]->(h:Herb)<-[:CONTAINS]-(b:Formula) WHERE a.name_zh = '麻黄汤' "
    "AND b.name_zh <> a.name_zh RETURN count(DISTINCT b) > 0",
]

#: Neo4j's standard functions that must work on the embedded store too, with the value they give.
STANDARD_FUNCTIONS = [
    ("MATCH (f:Formula {name_zh: '麻黄汤'})-[r:CONTAINS]->(h:Herb {name_zh: '麻黄'}) RETURN type(r)", [["CONTAINS"]]),
    ("MATCH (h:Herb {name_zh: '甘草'}) RETURN labels(h)", [[["Herb"]]]),
    ("MATCH (h:Herb {name_zh: '甘草'}) RETURN labels(h)[0]", [["Herb"]]),
    ("MATCH (h:Herb {name_zh: '甘草'}) RETURN 'Herb' IN labels(h)", [[True]]),
    ("MATCH (h:Herb {name_zh: '甘草'}) RETURN 'name_zh' IN keys(h)", [[True]]),
    ("MATCH (h:Herb {name_zh: '甘草'}) RETURN elementId(h) IS NOT NULL, id(h) IS NOT NULL", [[True, True]]),
    ("MATCH (h:Herb {name_zh: '甘草'}) RETURN toInteger('3') + 1, toString(2), toFloat('1.5')", [[4, "2", 1.5]]),
    ("MATCH (f:Formula {name_zh: '麻黄汤'})-[r:CONTAINS]->(h:Herb {name_zh: '麻黄'}) "
     "RETURN startNode(r).name_zh, endNode(r).name_zh", [["麻黄汤", "麻黄"]]),
]
