"""The classical library on disk: one SQLite file (books, passages, an FTS5 lexical index, entity links)
plus dense vectors per book, all under ``<data dir>/classics/`` and never in the repository.

SQLite keeps the lexical index on disk (the full library is ~1.5M passages, too many for an
in-memory BM25), gives per-book transactions (an interrupted import resumes at the first book not
marked done) and deletes a book with one statement per table. Vectors are float16 ``.npy`` shards,
one per book, written in chunks so that embedding a large book resumes where it stopped.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from tcm.errors import ClassicsError

SCHEMA = 2
PID_STRIDE = 1_000_000  # passage id = book number × stride + sequence: stable across re-imports


def library_dir(data_dir: Path | None = None) -> Path:
    from tcm.config import settings

    return (data_dir or settings().data_dir) / "classics"


def pid_of(book_id: str, seq: int) -> int:
    return int(book_id) * PID_STRIDE + seq if book_id.isdigit() else abs(hash(book_id)) % 10**6 * PID_STRIDE + seq


_YEAR = re.compile(r"(公元前)?\s*(\d{1,4})")


def edition_year(year: str | None) -> int:
    """The edition's year as the library records it (公元前206年 → -206); unknown years sort last."""
    m = _YEAR.search(year or "")
    return (-int(m.group(2)) if m.group(1) else int(m.group(2))) if m else 10_000


#: When the core works were written, where the library records a later edition's year (王冰's 素问 of 762, a
#: Qing 神农本草经, 张志聪's 灵枢集注 of 1672) or only a dynasty's span: textbook dates, used to tell which of two
#: books holding the same words is the source and which quotes it.
WRITTEN = {"黄帝内经素问": -100, "黄帝内经灵枢集注": -100, "八十一难经": 100, "神农本草经": 100, "伤寒论": 205,
           "金匮要略方论": 205, "汤头歌诀": 1694, "温病条辨": 1798, "医林改错": 1830, "温热经纬": 1852}


def work_year(title: str | None, year: str | None) -> int:
    """The year a work was written (see WRITTEN), else its edition's year."""
    return WRITTEN.get(title or "", edition_year(year))


class Library:
    """Read and write access to the library's SQLite file and vector shards."""

    def __init__(self, root: Path, create: bool = False) -> None:
        self.root = Path(root)
        self.db_path = self.root / "library.sqlite"
        if not self.db_path.exists() and not create:
            raise ClassicsError(missing_message())
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "vectors").mkdir(exist_ok=True)
        self.db = sqlite3.connect(self.db_path, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._schema()
        self._vector_files: dict[str, np.ndarray | None] = {}  # book id → its vectors, memory-mapped on first use

    def _schema(self) -> None:
        self.db.executescript("""
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE IF NOT EXISTS books (book_id TEXT PRIMARY KEY, title TEXT, author TEXT, dynasty TEXT,
            year TEXT, file TEXT, sha256 TEXT, chars INTEGER, passages INTEGER, status TEXT, imported_at TEXT);
        CREATE TABLE IF NOT EXISTS passages (pid INTEGER PRIMARY KEY, book_id TEXT, seq INTEGER, section TEXT,
            section_no INTEGER, clause INTEGER, text TEXT, part TEXT DEFAULT '');
        CREATE INDEX IF NOT EXISTS passages_book ON passages(book_id, clause);
        CREATE VIRTUAL TABLE IF NOT EXISTS passage_fts USING fts5(tokens, tokenize='unicode61');
        CREATE TABLE IF NOT EXISTS links (pid INTEGER, entity TEXT, role TEXT);
        CREATE INDEX IF NOT EXISTS links_entity ON links(entity);
        CREATE INDEX IF NOT EXISTS links_pid ON links(pid);
        """)
        if "part" not in {r[1] for r in self.db.execute("PRAGMA table_info(passages)")}:  # a library from before it
            self.db.execute("ALTER TABLE passages ADD COLUMN part TEXT DEFAULT ''")
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA),))
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ meta
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
        self.db.commit()

    # ------------------------------------------------------------------ books
    def books(self) -> list[dict]:
        cur = self.db.execute("SELECT book_id, title, author, dynasty, year, file, sha256, chars, passages, status, "
                              "imported_at FROM books ORDER BY book_id")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    def book(self, book_id: str) -> dict | None:
        return next((b for b in self.books() if b["book_id"] == book_id), None)

    def find_books(self, names: Iterable[str]) -> list[dict]:
        """Books by number ('457'), title ('伤寒论') or file name; an unknown name is an error."""
        books = self.books()
        out = []
        for n in names:
            hit = [b for b in books if n in (b["book_id"], b["title"], b["file"])]
            if not hit:
                raise ClassicsError(f"no book {n!r} in the library ({len(books)} books imported)")
            out += hit
        return out

    def write_book(self, book, file: str, sha256: str, tokens: list[str], links: list[list[tuple[str, str]]]) -> None:
        """Replace a book's passages, lexical rows and links in one transaction."""
        self.delete_book(book.book_id, commit=False)
        rows = [(pid_of(book.book_id, p.seq), book.book_id, p.seq, p.section, p.section_no, p.clause, p.text, p.part)
                for p in book.passages]
        self.db.executemany("INSERT INTO passages (pid, book_id, seq, section, section_no, clause, text, part) "
                            "VALUES (?,?,?,?,?,?,?,?)", rows)
        self.db.executemany("INSERT INTO passage_fts(rowid, tokens) VALUES (?,?)",
                            [(r[0], t) for r, t in zip(rows, tokens, strict=True)])
        self.db.executemany("INSERT INTO links VALUES (?,?,?)",
                            [(r[0], e, role) for r, ls in zip(rows, links, strict=True) for e, role in ls])
        self.db.execute("INSERT INTO books VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (book.book_id, book.title, book.author, book.dynasty, book.year, file, sha256,
                         book.chars, len(rows), "parsed", time.strftime("%Y-%m-%dT%H:%M:%S")))
        self.db.commit()

    def renumber(self, book) -> bool:
        """Give a book's stored passages the clause numbers and volumes of a new parse of the same text; False
        (nothing changed) when the parse has other passages or sections."""
        rows = list(self.db.execute("SELECT pid, section, text FROM passages WHERE book_id=? ORDER BY seq",
                                    (book.book_id,)))
        if [(s, t) for _, s, t in rows] != [(p.section, p.text) for p in book.passages]:
            return False
        self.db.executemany("UPDATE passages SET clause=?, section_no=?, part=? WHERE pid=?",
                            [(p.clause, p.section_no, p.part, r[0]) for p, r in zip(book.passages, rows, strict=True)])
        self.db.commit()
        return True

    def reindex_book(self, book_id: str, tokens: list[str], links: list[list[tuple[str, str]]]) -> None:
        """Replace a book's lexical rows and links (a new tokenizer or name layer); passages and vectors stay."""
        lo, hi = pid_of(book_id, 0), pid_of(book_id, PID_STRIDE - 1)
        pids = [p for p, _ in self.book_passages(book_id)]
        self.db.execute("DELETE FROM passage_fts WHERE rowid BETWEEN ? AND ?", (lo, hi))
        self.db.execute("DELETE FROM links WHERE pid BETWEEN ? AND ?", (lo, hi))
        self.db.executemany("INSERT INTO passage_fts(rowid, tokens) VALUES (?,?)", zip(pids, tokens, strict=True))
        self.db.executemany("INSERT INTO links VALUES (?,?,?)",
                            [(p, e, role) for p, ls in zip(pids, links, strict=True) for e, role in ls])
        self.db.commit()

    def mark(self, book_id: str, status: str) -> None:
        self.db.execute("UPDATE books SET status=? WHERE book_id=?", (status, book_id))
        self.db.commit()

    def delete_book(self, book_id: str, commit: bool = True) -> int:
        """Remove a book everywhere (passages, lexical rows, links, vectors); returns its passage count."""
        lo, hi = pid_of(book_id, 0), pid_of(book_id, PID_STRIDE - 1)
        n = self.db.execute("SELECT COUNT(*) FROM passages WHERE book_id=?", (book_id,)).fetchone()[0]
        self.db.execute("DELETE FROM passages WHERE book_id=?", (book_id,))
        self.db.execute("DELETE FROM passage_fts WHERE rowid BETWEEN ? AND ?", (lo, hi))
        self.db.execute("DELETE FROM links WHERE pid BETWEEN ? AND ?", (lo, hi))
        self.db.execute("DELETE FROM books WHERE book_id=?", (book_id,))
        if commit:
            self.db.commit()
        for f in (self.root / "vectors").glob(f"{book_id}.*"):
            f.unlink()
        self.set_meta("version", str(time.time_ns()))
        return n

    # ------------------------------------------------------------------ passages
    def passages(self, pids: Iterable[int]) -> dict[int, dict]:
        pids = list(pids)
        out: dict[int, dict] = {}
        for i in range(0, len(pids), 500):
            chunk = pids[i : i + 500]
            cur = self.db.execute(
                "SELECT p.pid, p.book_id, p.seq, p.section, p.section_no, p.clause, p.text, p.part, b.title, b.author, "
                "b.dynasty, b.year FROM passages p JOIN books b USING (book_id) "
                f"WHERE p.pid IN ({','.join('?' * len(chunk))})", chunk)
            cols = [d[0] for d in cur.description]
            out.update({r[0]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()})
        return out

    def book_passages(self, book_id: str) -> Iterator[tuple[int, str]]:
        yield from self.db.execute("SELECT pid, text FROM passages WHERE book_id=? ORDER BY seq", (book_id,))

    def clause(self, book_id: str, clause: int, section_no: int | None = None) -> list[int]:
        q = "SELECT pid FROM passages WHERE book_id=? AND clause=?"
        args: list = [book_id, clause]
        if section_no is not None:
            q += " AND section_no=?"
            args.append(section_no)
        return [r[0] for r in self.db.execute(q + " ORDER BY seq", args)]

    def books_with_sections_titled(self, names: Iterable[str]) -> list[str]:
        """Books with a section whose title starts with one of ``names`` (余师愚疫病篇 for 余师愚): one scan."""
        names = [n for n in names if len(n) >= 2]
        if not names:
            return []
        where = " OR ".join("section LIKE ?" for _ in names)
        rows = self.db.execute(f"SELECT DISTINCT book_id FROM passages WHERE {where}", [f"{n}%" for n in names])
        return sorted(r[0] for r in rows)

    def doc_freq(self, terms: Iterable[str]) -> dict[str, int]:
        """How many passages hold each token (FTS5's own vocabulary; a token it never saw is absent)."""
        terms = list(dict.fromkeys(t for t in terms if t))
        if not terms:
            return {}
        self.db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_vocab USING fts5vocab(main, 'passage_fts', 'row')")
        out: dict[str, int] = {}
        for i in range(0, len(terms), 500):
            chunk = terms[i : i + 500]
            marks = ",".join("?" * len(chunk))
            q = f"SELECT term, doc FROM temp.fts_vocab WHERE term IN ({marks})"
            out.update(self.db.execute(q, chunk).fetchall())
        return out

    def lexical(self, terms: list[str], k: int, books: list[str] | None = None) -> list[tuple[int, float]]:
        """Best ``k`` (pid, BM25 score, higher is better) for any of the terms."""
        terms = [t for t in dict.fromkeys(terms) if t]
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', "") + '"' for t in terms)
        q = "SELECT rowid, -bm25(passage_fts) AS s FROM passage_fts WHERE passage_fts MATCH ?"
        args: list = [match]
        if books:
            q += " AND (" + " OR ".join("rowid BETWEEN ? AND ?" for _ in books) + ")"
            for b in books:
                args += [pid_of(b, 0), pid_of(b, PID_STRIDE - 1)]
        q += " ORDER BY s DESC LIMIT ?"
        args.append(k)
        return [(int(r[0]), float(r[1])) for r in self.db.execute(q, args)]

    def links_of(self, entity: str, roles: tuple[str, ...] = ("origin", "indication", "mention"),
                 limit: int = 50) -> list[tuple[int, str]]:
        q = (f"SELECT pid, role FROM links WHERE entity=? AND role IN ({','.join('?' * len(roles))}) "
             "ORDER BY CASE role WHEN 'origin' THEN 0 WHEN 'indication' THEN 1 ELSE 2 END, pid LIMIT ?")
        return [(int(p), r) for p, r in self.db.execute(q, (entity, *roles, limit))]

    def entry_book(self, formula: str) -> str | None:
        """The book holding the formula's own entry: the earliest book it originates in, when that book heads a
        section with its name (补中益气汤 → 《脾胃论》; 麻黄汤 comes from a 《伤寒论》 clause, so none, and the later
        《汤头歌诀》 heading it does not count)."""
        rows = self.db.execute("SELECT DISTINCT b.book_id, b.year, p.section = ?, b.title FROM links l "
                               "JOIN passages p ON p.pid = l.pid JOIN books b ON b.book_id = p.book_id "
                               "WHERE l.entity = ? AND l.role = 'origin'", (formula, f"formula:{formula}")).fetchall()
        if not rows:
            return None
        first = min(rows, key=lambda r: (work_year(r[3], r[1]), r[0]))[0]
        return first if any(r[0] == first and r[2] for r in rows) else None

    def first_pids(self, book_id: str, limit: int) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT pid FROM passages WHERE book_id=? ORDER BY seq LIMIT ?",
                                              (book_id, limit))]

    def section_pids(self, book_id: str, section: str, limit: int = 200) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT pid FROM passages WHERE book_id=? AND section=? ORDER BY seq "
                                              "LIMIT ?", (book_id, section, limit))]

    def monograph_books(self, herb: str) -> list[str]:
        """The books with a section headed by the herb's name: its monographs (《本草纲目》·三七)."""
        rows = self.db.execute("SELECT DISTINCT p.book_id FROM links l JOIN passages p ON p.pid = l.pid "
                               "WHERE l.entity = ? AND l.role = 'origin' AND p.section = ?", (f"herb:{herb}", herb))
        return sorted(r[0] for r in rows)

    def entities_of(self, pids: Iterable[int]) -> dict[int, list[str]]:
        pids = list(pids)
        out: dict[int, list[str]] = {p: [] for p in pids}
        if pids:
            for p, e in self.db.execute(f"SELECT pid, entity FROM links WHERE pid IN ({','.join('?' * len(pids))})",
                                        pids):
                out[p].append(e)
        return out

    def counts(self) -> dict[str, int]:
        return {
            "books": self.db.execute("SELECT COUNT(*) FROM books").fetchone()[0],
            "passages": self.db.execute("SELECT COUNT(*) FROM passages").fetchone()[0],
            "links": self.db.execute("SELECT COUNT(*) FROM links").fetchone()[0],
            "chars": self.db.execute("SELECT COALESCE(SUM(chars),0) FROM books").fetchone()[0],
        }

    # ------------------------------------------------------------------ vectors
    def vector_path(self, book_id: str, part: int | None = None) -> Path:
        suffix = f".part{part:04d}.npy" if part is not None else ".npy"
        return self.root / "vectors" / f"{book_id}{suffix}"

    def load_vectors(self) -> tuple[np.ndarray, np.ndarray, str | None]:
        """(ids, float32 vectors, embedder name) of every book whose embedding is done; a passage's sentence-level
        views (``embed_texts``) carry its id."""
        from tcm.classics.parse import embed_texts

        ids, vecs = [], []
        for b in self.books():
            if b["status"] != "done":
                continue
            p = self.vector_path(b["book_id"])
            if p.exists():
                arr = np.load(p)
                if not len(arr):  # a book with no passages (an empty file in the dataset) saved no vectors
                    continue
                passages = list(self.book_passages(b["book_id"]))
                owners = [pid for pid, _ in passages] if len(arr) == len(passages) else embed_texts(passages)[1]
                if len(owners) != len(arr):
                    raise ClassicsError(f"{p} holds {len(arr)} vectors for {len(owners)} texts: run "
                                        f"`tcm classics import --force --books {b['title']}`")
                ids.append(np.array(owners, dtype=np.int64))
                vecs.append(arr.astype(np.float32))
        if not ids:
            return np.zeros(0, np.int64), np.zeros((0, 0), np.float32), self.get_meta("embedder")
        return np.concatenate(ids), np.vstack(vecs), self.get_meta("embedder")

    def passage_vectors(self, rows: Iterable[dict]) -> dict[int, np.ndarray]:
        """Each passage's own saved vector (``passages()`` rows: row ``seq - 1`` of its book's file), for the
        books whose embedding is done; read from the memory-mapped files, never the whole library."""
        out: dict[int, np.ndarray] = {}
        for r in rows:
            bid = r["book_id"]
            if bid not in self._vector_files:
                p = self.vector_path(bid)
                self._vector_files[bid] = np.load(p, mmap_mode="r") if p.exists() else None
            vecs = self._vector_files[bid]
            if vecs is not None and 0 < r["seq"] <= len(vecs) and vecs.ndim == 2:
                out[r["pid"]] = np.asarray(vecs[r["seq"] - 1], dtype=np.float32)
        return out

    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.root.rglob("*") if f.is_file())


def missing_message() -> str:
    return ("the classical library is not imported: run `tcm classics import` (reads ../shared/datasets/classics "
            "or TCM_CLASSICS, e.g. a clone of github.com/xiaopangxia/TCM-Ancient-Books)")


def cached_json(folder: Path, name: str, version: str, build: Callable[[], Any]) -> Any:
    """``name``'s JSON cache for ``version`` in ``folder``, else ``build()``, written there for the next process (older
    versions removed). A torn or unreadable cache is built again; an unwritable folder only costs a rebuild."""
    path = folder / f"{name}-{version}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    value = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
        for old in folder.glob(f"{name}-*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass
    return value
