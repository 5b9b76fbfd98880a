"""Lexical search: jieba tokens for Chinese, words for English and pinyin, BM25 over both.

jieba does not know 补中益气汤 or 肝郁气滞证, and cuts them badly; it gets a user dictionary
generated from the graph's names so a name stays one token (and, in search mode, also yields
its parts: 补中, 益气). BM25 is a small inverted index in numpy: each term's postings hold
precomputed BM25 weights, so a query costs a few array additions. Adding or deleting
passages marks the postings stale; they are rebuilt from the stored tokens on the next search.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np

from tcm.names.forms import normalize_name, to_simplified

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an and are as at be by for from has have in into is it its of on or that the this to with which what "
    "herb herbs formula formulas used use for patient patients treat treats treating treatment good".split()
)
_NAME_WEIGHT = 3  # name tokens count this many times: a name match outranks a mention in the body


def stem(word: str) -> str:
    """A very light English stemmer: plural and common verb endings ('pains' → 'pain', 'sweating' → 'sweat')."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and (word.endswith(("sses", "xes", "zes", "shes", "ches"))):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _jieba():
    """jieba, imported without ``pkg_resources`` (which it uses only to find its own files, and which costs
    ~0.3 s of every cold `tcm search`): it then opens them by path, the same files."""
    if "jieba" not in sys.modules and "pkg_resources" not in sys.modules:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment] - makes `import pkg_resources` fail
        try:
            import jieba  # noqa: F401
        except ImportError:
            pass  # not installed: need() below says what to install
        finally:
            del sys.modules["pkg_resources"]
    from tcm.optional import need

    return need("jieba", "retrieval", "lexical search")


class _SavedFreq:
    """jieba's prefix dictionary (word → frequency, 0 for a prefix of a word) read from SQLite one key at a
    time: a query looks up a few dozen substrings, where loading the whole dictionary (~600k keys) costs
    ~0.5 s of every cold search. Written by :meth:`Tokenizer.save_dictionary`; the same keys and values
    as the dictionary in memory, so the cuts are the same."""

    def __init__(self, path: Path) -> None:
        import sqlite3

        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._seen: dict[str, int | None] = {}

    def _value(self, key: str) -> int | None:
        try:
            return self._seen[key]
        except KeyError:
            row = self._db.execute("SELECT f FROM freq WHERE w = ?", (key,)).fetchone()
            v = self._seen[key] = row[0] if row else None
            return v

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._value(key) is not None

    def __getitem__(self, key: str) -> int:
        v = self._value(key)
        if v is None:
            raise KeyError(key)
        return v

    def get(self, key: str, default: int | None = None) -> int | None:
        v = self._value(key)
        return default if v is None else v

    def __setitem__(self, key: str, value: int) -> None:  # jieba's add_word, after loading
        self._seen[key] = value


class Tokenizer:
    """Chinese (jieba, search mode, graph names as a user dictionary) and romanised words."""

    def __init__(self, words: Iterable[str] = (), dictionary: Path | None = None) -> None:
        """``dictionary``: a file :meth:`save_dictionary` wrote for exactly these ``words``, used instead of
        loading jieba's dictionary and adding the words (see :class:`_SavedFreq`); ignored when it does
        not match."""
        jieba = _jieba()
        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self.words: list[str] = []
        self.char_bigrams = False
        words = list(words)
        if dictionary is not None and self._open_saved(dictionary, words):
            return
        self._jieba.initialize()
        self.add_words(words)

    @staticmethod
    def _stamp(words: list[str]) -> str:
        import jieba

        return hashlib.sha256("\n".join([jieba.__version__, *words]).encode()).hexdigest()

    def _open_saved(self, path: Path, words: list[str]) -> bool:
        import sqlite3

        try:
            freq = _SavedFreq(path)
            meta = dict(freq._db.execute("SELECT k, v FROM meta").fetchall())
            if meta.get("stamp") != self._stamp(words):
                return False
            total = int(meta["total"])
        except (sqlite3.Error, KeyError, ValueError):
            return False
        self._jieba.FREQ, self._jieba.total, self._jieba.initialized = freq, total, True
        self.words = [w for w in words if w and _CJK_RUN.fullmatch(w) and len(w) > 1]
        return True

    def save_dictionary(self, path: Path, words: list[str]) -> None:
        """jieba's dictionary with the user words in, as SQLite, for :class:`_SavedFreq`; ``words`` are the
        ones the next process passes to the constructor (the user dictionary's words)."""
        import sqlite3

        self._jieba.check_initialized()
        freq = self._jieba.FREQ
        if isinstance(freq, _SavedFreq):  # opened from a saved dictionary: its rows, plus words added since
            items = dict(freq._db.execute("SELECT w, f FROM freq").fetchall())
            items.update((k, v) for k, v in freq._seen.items() if v is not None)
        else:
            items = dict(freq)
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        db = sqlite3.connect(tmp)
        try:
            db.execute("CREATE TABLE freq (w TEXT PRIMARY KEY, f INTEGER NOT NULL) WITHOUT ROWID")
            db.execute("CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
            db.executemany("INSERT INTO freq VALUES (?, ?)", items.items())
            db.executemany("INSERT INTO meta VALUES (?, ?)", [("total", str(self._jieba.total)),
                                                               ("stamp", self._stamp(words))])
            db.commit()
        finally:
            db.close()
        tmp.replace(path)

    def add_words(self, words: Iterable[str]) -> None:
        """Teach jieba more names (frequency high enough that the name wins over its parts)."""
        for w in words:
            if w and _CJK_RUN.fullmatch(w) and len(w) > 1:
                self._jieba.add_word(w, freq=max(1000, 200 * len(w)))
                self.words.append(w)

    def save_userdict(self, path: Path) -> None:
        path.write_text("".join(f"{w} {max(1000, 200 * len(w))}\n" for w in dict.fromkeys(self.words)),
                        encoding="utf-8")

    def tokens(self, text: str) -> list[str]:
        text = to_simplified(text)
        out: list[str] = []
        for piece in _CJK_RUN.findall(text):
            out += [t for t in self._jieba.cut_for_search(piece, HMM=False) if t.strip()]
            if self.char_bigrams:
                out += [piece[i : i + 2] for i in range(len(piece) - 1)]
        for line in re.split(r"[.;:,!?()/\n]+", _CJK_RUN.sub(" ", text)):
            words = [stem(w) for w in _WORD.findall(normalize_name(line)) if w not in _STOP]
            out += words
            # adjacent pairs: 'liver qi' and 'qi stagnation' tell 肝气郁滞 from 肝经…气滞
            out += [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False) if not (a.isdigit() or b.isdigit())]
        return out


def _counts(name_tokens: list[str], body_tokens: list[str]) -> Counter[str]:
    tf: Counter[str] = Counter(body_tokens)
    for t in name_tokens:
        tf[t] += _NAME_WEIGHT
    return tf


class _Postings(Mapping):
    """term → (row indices, weights), sliced from the flat arrays when asked: a query reads a few terms, and
    making two array views for each of ~100k terms cost every cold search ~0.1 s. Iterates in saved order."""

    def __init__(self, terms: list[str], offsets: np.ndarray, idx: np.ndarray, w: np.ndarray) -> None:
        self._row = dict(zip(terms, range(len(terms)), strict=True))
        self._bounds, self._idx, self._w = offsets.tolist(), idx, w

    def __getitem__(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        i = self._row[term]
        a, b = self._bounds[i], self._bounds[i + 1]
        return self._idx[a:b], self._w[a:b]

    def __contains__(self, term: object) -> bool:
        return term in self._row

    def __iter__(self) -> Iterator[str]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)


class BM25:
    """Okapi BM25 over token lists keyed by an integer passage id; add and delete in place."""

    def __init__(self, k1: float = 1.2, b: float = 0.6) -> None:
        self.k1, self.b = k1, b
        self._docs: dict[int, Counter[str]] | None = {}
        # Where the token lists can be read back (the retriever's passages.jsonl): then a pickle leaves the
        # term counts out, and they are counted again only when a passage is added or deleted.
        self.tokens_of: Callable[[], Mapping[int, tuple[list[str], list[str]]]] | None = None
        self._stale = True
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._pids = np.zeros(0, dtype=np.int64)
        self._grams: dict[str, list[str]] | None = None

    def __len__(self) -> int:
        return len(self._pids) if self._docs is None else len(self._docs)

    @property
    def docs(self) -> dict[int, Counter[str]]:
        if self._docs is None:
            if self.tokens_of is None:
                raise RuntimeError("BM25 term counts were not saved and nothing can give them back")
            self._docs = {pid: _counts(names, body) for pid, (names, body) in self.tokens_of().items()}
        return self._docs

    def __getstate__(self) -> dict:
        """Postings as three flat arrays (one pickle object each, not two per term): loads ~10x faster."""
        if self._stale:
            self._build()
        state = {**self.__dict__, "_postings": None, "_grams": None, "tokens_of": None}
        if self.tokens_of is not None:
            state["_docs"] = None
        terms = list(self._postings)
        lens = np.fromiter((len(self._postings[t][0]) for t in terms), dtype=np.int64, count=len(terms))
        state["_csr"] = (terms, np.concatenate(([0], np.cumsum(lens))),
                         np.concatenate([self._postings[t][0] for t in terms]) if terms else np.zeros(0, np.int32),
                         np.concatenate([self._postings[t][1] for t in terms]) if terms else np.zeros(0, np.float32))
        return state

    def __setstate__(self, state: dict) -> None:
        terms, offsets, idx, w = state.pop("_csr")
        self.__dict__.update(state)
        self._postings = _Postings(terms, offsets, idx, w)  # type: ignore[assignment]

    def add(self, pid: int, name_tokens: list[str], body_tokens: list[str]) -> None:
        self.docs[pid] = _counts(name_tokens, body_tokens)
        self._stale = True

    def delete(self, pids: Iterable[int]) -> None:
        for pid in pids:
            self.docs.pop(pid, None)
        self._stale = True

    def _build(self) -> None:
        pids = sorted(self.docs)
        self._pids = np.array(pids, dtype=np.int64)
        n = len(pids)
        lengths = np.array([sum(self.docs[p].values()) for p in pids], dtype=np.float32)
        avg = float(lengths.mean()) if n else 1.0
        rows: dict[str, list[tuple[int, float]]] = {}
        for row, pid in enumerate(pids):
            norm = self.k1 * (1 - self.b + self.b * lengths[row] / avg)
            for term, tf in self.docs[pid].items():
                rows.setdefault(term, []).append((row, tf * (self.k1 + 1) / (tf + norm)))
        self._postings = {}
        for term, items in rows.items():
            idf = math.log(1 + (n - len(items) + 0.5) / (len(items) + 0.5))
            idx = np.fromiter((r for r, _ in items), dtype=np.int32, count=len(items))
            w = np.fromiter((x for _, x in items), dtype=np.float32, count=len(items)) * idf
            self._postings[term] = (idx, w)
        self._stale = False
        self._grams = None

    def correct(self, tokens: list[str], cutoff: float = 0.84) -> list[str]:
        """Replace romanised words the index has never seen by the closest word it has
        ('glycyrhizae' → 'glycyrrhizae', 'decocton' → 'decoction'): fuzzy matching for BM25."""
        if self._stale:
            self._build()
        out = []
        for t in tokens:
            if t in self._postings or len(t) < 5 or not t.isascii() or not t.isalpha():
                out.append(t)
                continue
            if self._grams is None:
                self._grams = {}
                for term in self._postings:
                    if term.isascii() and term.isalpha() and len(term) >= 4:
                        for g in {term[i : i + 3] for i in range(len(term) - 2)}:
                            self._grams.setdefault(g, []).append(term)
            counts = Counter(c for g in {t[i : i + 3] for i in range(len(t) - 2)} for c in self._grams.get(g, ()))
            best, score = t, cutoff
            for cand, _n in counts.most_common(30):
                r = SequenceMatcher(None, t, cand, autojunk=False).ratio()
                if r > score:
                    best, score = cand, r
            out.append(best)
        return out

    def search(self, tokens: list[str], k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best ``k`` (pid, score); ``allowed`` is a boolean mask over the sorted pids (type filter)."""
        if self._stale:
            self._build()
        if not len(self._pids):
            return []
        scores = np.zeros(len(self._pids), dtype=np.float32)
        hit = False
        for term, qtf in Counter(tokens).items():
            post = self._postings.get(term)
            if post is not None:
                scores[post[0]] += post[1] * qtf
                hit = True
        if not hit:
            return []
        if allowed is not None:
            scores[~allowed] = 0.0
        k = min(k, int((scores > 0).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self._pids[i]), float(scores[i])) for i in top]

    @property
    def pids(self) -> np.ndarray:
        if self._stale:
            self._build()
        return self._pids
