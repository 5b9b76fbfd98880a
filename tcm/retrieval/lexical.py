"""Lexical search: jieba tokens for Chinese, words for English and pinyin, BM25 over both.

jieba does not know 补中益气汤 or 肝郁气滞证, and cuts them badly; it gets a user dictionary
generated from the graph's names so a name stays one token (and, in search mode, also yields
its parts: 补中, 益气). BM25 is a small inverted index in numpy: each term's postings hold
precomputed BM25 weights, so a query costs a few array additions. Adding or deleting
passages marks the postings stale; they are rebuilt from the stored tokens on the next search.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable
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


class Tokenizer:
    """Chinese (jieba, search mode, graph names as a user dictionary) and romanised words."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        from tcm.optional import need

        jieba = need("jieba", "retrieval", "lexical search")
        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self.words: list[str] = []
        self.char_bigrams = False
        self.add_words(words)

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


class BM25:
    """Okapi BM25 over token lists keyed by an integer passage id; add and delete in place."""

    def __init__(self, k1: float = 1.2, b: float = 0.6) -> None:
        self.k1, self.b = k1, b
        self.docs: dict[int, Counter[str]] = {}
        self._stale = True
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._pids = np.zeros(0, dtype=np.int64)
        self._grams: dict[str, list[str]] | None = None

    def __len__(self) -> int:
        return len(self.docs)

    def __getstate__(self) -> dict:
        """Postings as three flat arrays (one pickle object each, not two per term): loads ~10x faster."""
        if self._stale:
            self._build()
        state = {**self.__dict__, "_postings": None, "_grams": None}
        terms = list(self._postings)
        lens = np.fromiter((len(self._postings[t][0]) for t in terms), dtype=np.int64, count=len(terms))
        state["_csr"] = (terms, np.concatenate(([0], np.cumsum(lens))),
                         np.concatenate([self._postings[t][0] for t in terms]) if terms else np.zeros(0, np.int32),
                         np.concatenate([self._postings[t][1] for t in terms]) if terms else np.zeros(0, np.float32))
        return state

    def __setstate__(self, state: dict) -> None:
        terms, offsets, idx, w = state.pop("_csr")
        self.__dict__.update(state)
        bounds = offsets.tolist()
        self._postings = {t: (idx[a:b], w[a:b]) for t, a, b in zip(terms, bounds, bounds[1:], strict=False)}

    def add(self, pid: int, name_tokens: list[str], body_tokens: list[str]) -> None:
        tf: Counter[str] = Counter(body_tokens)
        for t in name_tokens:
            tf[t] += _NAME_WEIGHT
        self.docs[pid] = tf
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
