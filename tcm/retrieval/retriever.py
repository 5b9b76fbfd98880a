"""The retriever: entity linking, BM25 and dense search over the passages, fused into one ranking.

Order of evidence, strongest first: a name the shared resolver knows exactly (any form:
黄芪, 黃芪, huang qi, Astragali Radix, Astragalus root) puts that entity first; a fuzzy name
match (misspelling, homophone, other word order) and the two searches are then fused by
weighted reciprocal rank. Deleting a passage or a source removes it from every index at once
(lexical postings, dense vectors, entity links).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from tcm.corpora.io import Corpus
from tcm.errors import TCMError
from tcm.names import NameResolver
from tcm.retrieval.embedders import Embedder, embedder_spec_name, get_embedder
from tcm.retrieval.fusion import FUSERS
from tcm.retrieval.glossary import gloss_primary, glossary
from tcm.retrieval.index import IndexKind, Manifest, RetrievalError, VectorIndex
from tcm.retrieval.lexical import BM25, Tokenizer
from tcm.retrieval.passages import MAX_VIEWS, PASSAGE_TYPES, Passage, build_passages, corpus_hash
from tcm.types import SearchHit, SearchResult

Progress = Callable[[str, int, int], None]  # (stage, done, total)
Mode = str  # "hybrid" | "lexical" | "dense"

_CJK = re.compile(r"[\u3400-\u9fff]")
_FETCH = 60  # candidates per list before fusion
# Fusion weights, tuned on the dev split (tcm/evals/retrieval.py). Dense similarity from the offline embedders
# (USE v3, multilingual-e5-small) lowered recall at every weight tried, so by default it only fills a result
# list the other signals leave short; TCM_DENSE_WEIGHT gives it a vote (for a stronger model, e.g. bge-m3).
WEIGHTS = {"link": 2.0, "names": 2.0, "lexical": 1.0, "dense": 0.0}
INTENT_BOOST = 1.5  # score factor for the type a query asks for ('herb that…'); tuned on the dev split
PRESENTATION_BOOST = float(os.environ.get("TCM_PRESENTATION_BOOST", 1.3))  # formulas, for lists of findings; dev split
USES_PRIOR = 0.2  # herbs: up to +20 % for the herb most formulas use (log scale); tuned on the dev split
_CLAUSES = re.compile(r"[,，、;；:：]+")
_NAME_STOP = frozenset({"pattern", "syndrome", "and", "the", "of", "in", "to"})
# words that say what kind of thing is wanted: a soft boost for that type
_INTENT = {
    "herb": re.compile(r"\b(herbs?|medicinals?|drugs?)\b|(?:的|之)?(?:中?药材?|药物|单味药)$|的药"),
    "formula": re.compile(r"\b(formulas?|prescriptions?|decoctions?|recipes?)\b|方剂|的方|用什么方"),
    "syndrome": re.compile(r"\b(patterns?|syndromes?)\b|证型|什么证"),
}


class Retriever:
    """Passages plus their lexical and dense indexes; build, save, load, search, add, delete."""

    def __init__(self, embedder: Embedder, tokenizer: Tokenizer, index: VectorIndex, manifest: Manifest,
                 resolver: NameResolver | None = None) -> None:
        self.embedder, self.tokenizer, self.index, self.manifest = embedder, tokenizer, index, manifest
        self.resolver = resolver
        self.bm25 = BM25()
        self.bm25.tokens_of = lambda: self._tokens
        self.passages: dict[int, Passage] = {}
        self.pid_of: dict[str, int] = {}
        self._token_map: dict[int, tuple[list[str], list[str]]] | None = {}  # None: in passages.jsonl, unread
        self._dir: Path | None = None  # where a loaded index came from
        self._name_sets: dict[int, list[frozenset[str]]] = {}
        self._mask_cache: tuple[object, str, np.ndarray] | None = None
        self._uses_max: int | None = None
        self.fuser = "rrf"
        self.weights = {**WEIGHTS, "dense": float(os.environ.get("TCM_DENSE_WEIGHT", WEIGHTS["dense"]))}

    @property
    def _tokens(self) -> dict[int, tuple[list[str], list[str]]]:
        """Each passage's (name tokens, body tokens): only adding, deleting and saving need them, so a
        loaded index reads them from passages.jsonl when first asked."""
        if self._token_map is None:
            assert self._dir is not None
            tokens = {}
            with (self._dir / "passages.jsonl").open(encoding="utf-8") as f:
                for line in f:
                    d = json.loads(line)
                    tokens[d["pid"]] = (d["name_tokens"], d["body_tokens"])
            self._token_map = tokens
        return self._token_map

    # ------------------------------------------------------------ building
    @classmethod
    def build(cls, corpus: Corpus, corpora_dir: Path | None = None, embedder: Embedder | str | None = None,
              kind: IndexKind = "auto", progress: Progress | None = None, cache_dir: Path | None = None,
              resolver: NameResolver | None = None) -> Retriever:
        """Passages from the corpus, tokens, vectors (cached by text under ``cache_dir``), FAISS index."""
        emb, spec = _resolve_embedder(embedder)
        passages = build_passages(corpus)
        words = [w for p in passages for w in (p.name_zh, *p.names)] + [s.name_zh for s in corpus.symptoms]
        words += [t for h in corpus.herbs for t in (*h.functions, *h.indications)]
        words += [t for f in corpus.formulas for t in (*f.functions, *f.symptoms)]
        words += [k for k in glossary() if len(k) > 1]
        tokenizer = Tokenizer(w for w in words if w)
        manifest = Manifest(embedder_spec=spec, embedder=emb.name, dim=emb.dim,
                            corpus_hash=corpus_hash(corpora_dir) if corpora_dir else "memory",
                            index_type="", next_pid=0)
        index = VectorIndex(emb.dim, kind, expected=len(passages) * 3)
        manifest.index_type = index.kind
        self = cls(emb, tokenizer, index, manifest, resolver or NameResolver(corpus))
        self.add(passages, progress=progress, cache_dir=cache_dir)
        return self

    def add(self, passages: Iterable[Passage], progress: Progress | None = None, cache_dir: Path | None = None) -> int:
        """Add (or replace, by id) passages in every index; returns how many were added."""
        passages = list(passages)
        for p in passages:
            if p.type not in PASSAGE_TYPES:
                raise TCMError(f"passage {p.id}: type must be one of {', '.join(PASSAGE_TYPES)}, not {p.type!r}")
        replaced = [p.id for p in passages if p.id in self.pid_of]
        if replaced:
            self.delete(ids=replaced)
        texts: list[str] = []
        vids: list[int] = []
        for i, p in enumerate(passages):
            pid = self.manifest.next_pid
            self.manifest.next_pid += 1
            self.passages[pid] = p
            self.pid_of[p.id] = pid
            names = [t for n in p.names for t in self.tokenizer.tokens(n)]
            body = self.tokenizer.tokens(p.text_zh + "\n" + p.text_en)
            self._tokens[pid] = (names, body)
            self.bm25.add(pid, names, body)
            self._name_sets[pid] = self._names_of(p)
            for v, text in enumerate(p.views()):
                texts.append(text)
                vids.append(pid * MAX_VIEWS + v)
            if progress and i % 200 == 0:
                progress("tokens", i, len(passages))
        if progress:
            progress("tokens", len(passages), len(passages))
        vectors = self._embed_passages(texts, progress, cache_dir)
        if len(vids):
            self.index.add(vectors, np.array(vids, dtype=np.int64))
        self._mask_cache = None
        self._uses_max = None
        return len(passages)

    def _embed_passages(self, texts: list[str], progress: Progress | None, cache_dir: Path | None) -> np.ndarray:
        """Embed, reusing vectors of texts embedded before by the same model (rebuilds take seconds)."""
        cache: dict[str, np.ndarray] = {}
        path = None
        if cache_dir is not None:
            slug = hashlib.sha1(self.embedder.name.encode()).hexdigest()[:12]
            path = cache_dir / f"embeddings-{slug}.npz"
            if path.exists():
                with np.load(path) as z:
                    cache = dict(zip(z["keys"].tolist(), z["vectors"], strict=True))
        keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
        todo = [i for i, k in enumerate(keys) if k not in cache]
        step = 256
        chunks = [todo[s : s + step] for s in range(0, len(todo), step)]
        done = 0
        for chunk, vectors in zip(chunks, self._embed_chunks([[texts[i] for i in c] for c in chunks]), strict=True):
            for i, v in zip(chunk, vectors, strict=True):
                cache[keys[i]] = v
            done += len(chunk)
            if progress:
                progress("vectors", done, len(todo))
        if progress and not todo:
            progress("vectors", 1, 1)
        if path is not None and todo:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(path, keys=np.array(list(cache)), vectors=np.array(list(cache.values()), dtype=np.float32))
        return np.array([cache[k] for k in keys], dtype=np.float32).reshape(len(keys), self.embedder.dim)

    def _embed_chunks(self, chunks: list[list[str]]) -> Iterable[np.ndarray]:
        """Embed chunks in order; a spec-built embedder runs in one process per core when there is a lot
        to embed (USE on 2 cores: 13k passage views in about half the time)."""
        spec = self.manifest.embedder_spec
        workers = min(os.cpu_count() or 1, 4)
        if workers < 2 or sum(map(len, chunks)) < PARALLEL_MIN or spec not in PARALLEL_SPECS:
            yield from (self.embedder.embed_passages(c) for c in chunks)
            return
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), initializer=_worker_init,
                                 initargs=(spec,)) as pool:
            yield from pool.map(_worker_embed, chunks)

    def delete(self, ids: Iterable[str] = (), source: str | None = None) -> list[str]:
        """Remove passages by id, and/or every passage citing ``source``, from every index."""
        doomed = set(ids)
        if source is not None:
            doomed |= {p.id for p in self.passages.values() if source in p.sources}
        gone = [i for i in doomed if i in self.pid_of]
        pids = [self.pid_of[i] for i in gone]
        for pid in pids:
            p = self.passages.pop(pid)
            del self.pid_of[p.id]
            self._tokens.pop(pid, None)
            self._name_sets.pop(pid, None)
        self.bm25.delete(pids)
        self.index.remove([pid * MAX_VIEWS + v for pid in pids for v in range(MAX_VIEWS)])
        self._mask_cache = None
        return sorted(gone)

    # ------------------------------------------------------------ persistence
    def save(self, directory: Path) -> None:
        """Write manifest, passages (with tokens), vectors and jieba's user dictionary."""
        directory.mkdir(parents=True, exist_ok=True)
        self.manifest.passages = len(self.passages)
        self.manifest.vectors = self.index.ntotal
        self.manifest.removed_vectors = sorted(getattr(self.index, "_removed", set()))
        self.index.save(directory / "dense.faiss")
        with (directory / "passages.jsonl.tmp").open("w", encoding="utf-8") as f:
            for pid, p in self.passages.items():
                names, body = self._tokens[pid]
                f.write(json.dumps({"pid": pid, **p.to_json(), "name_tokens": names, "body_tokens": body,
                                    "name_sets": [sorted(x) for x in self._name_sets[pid]]},
                                   ensure_ascii=False) + "\n")
        (directory / "passages.jsonl.tmp").replace(directory / "passages.jsonl")
        self.tokenizer.save_userdict(directory / "userdict.txt")
        self.tokenizer.save_dictionary(directory / "jieba.sqlite", list(dict.fromkeys(self.tokenizer.words)))
        self.manifest.save(directory / "manifest.json")
        self._save_state(directory)

    # The passages and BM25 as Python objects (tcm/snapshot.py): parsing passages.jsonl and rebuilding the
    # postings cost ~2 s of every cold `tcm search`; the pickle loads in a fraction of that. Keyed by the
    # manifest (built_at, counts) and the code; passages.jsonl stays the source of truth.
    def _state_key(self) -> str:
        from tcm import snapshot

        m = self.manifest
        return snapshot.key(m.built_at, str(m.passages), str(m.vectors), str(m.next_pid), m.corpus_hash)

    def _save_state(self, directory: Path) -> None:
        import pickle

        self.bm25.pids  # noqa: B018 - build the postings before they are saved
        state = {"key": self._state_key(), "passages": self.passages, "pid_of": self.pid_of,
                 "name_sets": self._name_sets, "bm25": self.bm25}
        tmp = directory / "state.pickle.tmp"
        with tmp.open("wb") as f:
            pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(directory / "state.pickle")

    def _load_state(self, directory: Path) -> bool:
        import pickle

        try:
            with (directory / "state.pickle").open("rb") as f:
                state = pickle.load(f)
            if state["key"] != self._state_key():
                return False
            self.passages, self.pid_of, self._token_map = state["passages"], state["pid_of"], None
            self._name_sets, self.bm25 = state["name_sets"], state["bm25"]
            self.bm25.tokens_of = lambda: self._tokens
        except Exception:  # noqa: BLE001 - missing, stale or unreadable: read passages.jsonl instead
            return False
        return True

    @classmethod
    def load(cls, directory: Path, corpora_dir: Path | None = None, embedder: Embedder | str | None = None,
             resolver: NameResolver | None = None, check_corpus: bool = True) -> Retriever:
        """Open a saved index; refuse it (one-line error) if the corpus or the embedder changed."""
        manifest = Manifest.load(directory / "manifest.json")
        given = embedder is not None and not isinstance(embedder, str)
        manifest.check(corpus_hash(corpora_dir) if (corpora_dir and check_corpus) else None,
                       None if given else embedder_spec_name(embedder))  # type: ignore[arg-type]
        emb, _spec = _resolve_embedder(embedder)
        manifest.check_model(emb.name, emb.dim)
        words = (directory / "userdict.txt").read_text(encoding="utf-8").split("\n")
        tokenizer = Tokenizer((w.split(" ")[0] for w in words if w), dictionary=directory / "jieba.sqlite")
        index = VectorIndex.load(directory / "dense.faiss", manifest.dim, manifest.index_type, manifest.removed_vectors)
        self = cls(emb, tokenizer, index, manifest, resolver)
        self._dir = directory
        if self._load_state(directory):
            return self
        with (directory / "passages.jsonl").open(encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                pid = d["pid"]
                self.passages[pid] = Passage.from_json(d)
                self.pid_of[d["id"]] = pid
                self._tokens[pid] = (d["name_tokens"], d["body_tokens"])
                self.bm25.add(pid, d["name_tokens"], d["body_tokens"])
                self._name_sets[pid] = [frozenset(x) for x in d["name_sets"]]
        if len(self.passages) != manifest.passages:
            raise RetrievalError(f"{directory}: the manifest lists {manifest.passages} passages, the file "
                                 f"{len(self.passages)}: run `tcm build`")
        return self

    def _words(self, text: str) -> frozenset[str]:
        return frozenset(t for t in self.tokenizer.tokens(text) if "_" not in t and t not in _NAME_STOP)

    def _names_of(self, p: Passage) -> list[frozenset[str]]:
        """Word sets of each name form, plus, for Chinese-only terms, of their English gloss
        ('kidney yang deficiency' for 肾阳虚证): what a typed name is compared with."""
        sets = [self._words(n) for n in p.names]
        if p.type in ("syndrome", "disease", "formula"):
            sets += [self._words(gloss_primary(n)) for n in p.names if _CJK.search(n)]
        return [x for x in dict.fromkeys(sets) if x]

    # ------------------------------------------------------------ search
    def _allowed(self, pids: np.ndarray, types: frozenset[str] | None) -> np.ndarray | None:
        if types is None:
            return None
        key = ",".join(sorted(types))
        if self._mask_cache and self._mask_cache[0] is pids and self._mask_cache[1] == key:
            return self._mask_cache[2]
        mask = np.fromiter((self.passages[int(p)].type in types for p in pids), dtype=bool, count=len(pids))
        self._mask_cache = (pids, key, mask)
        return mask

    def _prior(self, eid: str, wanted: str) -> float:
        """Boost for the wanted type; among herbs, a little more for those many formulas use
        (黄芪 over 红芪, 金银花 over 山银花, which the pharmacopoeia describes in the same terms)."""
        p = self.passages[self.pid_of[eid]]
        if wanted == "presentation":
            return PRESENTATION_BOOST if p.type == "formula" else 1.0
        if p.type != wanted:
            return 1.0
        boost = INTENT_BOOST
        if wanted == "herb":
            boost *= 1 + USES_PRIOR * math.log1p(p.uses) / math.log1p(self._max_uses())
        return boost

    def _max_uses(self) -> int:
        if self._uses_max is None:
            self._uses_max = max((p.uses for p in self.passages.values()), default=0) or 1
        return self._uses_max

    def lexical(self, query: str, k: int = _FETCH, types: frozenset[str] | None = None) -> list[tuple[str, float]]:
        tokens = self.bm25.correct(self.tokenizer.tokens(query))
        hits = self.bm25.search(tokens, k, self._allowed(self.bm25.pids, types))
        return [(self.passages[pid].id, s) for pid, s in hits]

    def name_match(self, query: str, candidates: Iterable[str]) -> list[tuple[str, float]]:
        """Candidates ranked by how well the query covers one of their names (Jaccard of word sets):
        'kidney yang deficiency' is all of 肾阳虚证's glossed name, and only part of 肾阳虚水泛证's."""
        q = frozenset(self.bm25.correct(sorted(self._words(query))))
        if not q:
            return []
        out = []
        for eid in dict.fromkeys(candidates):
            best = max((len(q & n) / len(q | n) for n in self._name_sets.get(self.pid_of[eid], ())), default=0.0)
            if best >= 0.5:
                out.append((eid, best))
        return sorted(out, key=lambda kv: -kv[1])

    def dense(self, query: str, k: int = _FETCH, types: frozenset[str] | None = None,
              vector: np.ndarray | None = None) -> list[tuple[str, float]]:
        q = self.embedder.embed_queries([query]) if vector is None else vector
        return self.dense_batch([query], k, types, vectors=np.asarray(q, dtype=np.float32).reshape(1, -1))[0]

    def dense_batch(self, queries: list[str], k: int = _FETCH, types: frozenset[str] | None = None,
                    vectors: np.ndarray | None = None) -> list[list[tuple[str, float]]]:
        """Dense hits of many queries: one embedding call and one index search for all of them (the GPU
        path's batched throughput); one list per query, in the order given."""
        if not queries:
            return []
        qv = self.embedder.embed_queries(list(queries)) if vectors is None else np.asarray(vectors, np.float32)
        out: list[list[tuple[str, float]]] = [[] for _ in queries]
        todo = list(range(len(queries)))
        fetch = min(self.index.ntotal, max(4 * k, 200) if types else 2 * k)
        while todo and fetch > 0:
            scores, ids = self.index.search_batch(qv[todo], fetch)
            again = []
            for row, qi in enumerate(todo):
                best: dict[int, float] = {}
                for s, vid in zip(scores[row], ids[row], strict=True):
                    pid = int(vid) // MAX_VIEWS
                    if vid < 0 or pid not in self.passages:
                        continue
                    if types and self.passages[pid].type not in types:
                        continue
                    if s > best.get(pid, -np.inf):
                        best[pid] = float(s)
                if len(best) < k and fetch < self.index.ntotal:
                    again.append(qi)  # too few distinct passages: fetch more for this query
                    continue
                ranked = sorted(best.items(), key=lambda kv: -kv[1])[:k]
                out[qi] = [(self.passages[pid].id, s) for pid, s in ranked]
            todo = again
            fetch = min(self.index.ntotal, fetch * 4)
        return out

    def links(self, query: str, types: frozenset[str] | None = None) -> list[tuple[str, float]]:
        """Entities the query names (exact, reordered or misspelt), through the shared resolver."""
        if self.resolver is None:
            return []
        words = len(query.split())
        short = words <= 8 and len(_CJK.findall(query)) <= 16
        found = self.resolver.link(query, fuzzy=short and words <= 6, limit=5) if short else []
        out = []
        for eid, conf in found:
            pid = self.pid_of.get(eid)
            if pid is not None and (types is None or self.passages[pid].type in types):
                out.append((eid, conf))
        return out

    def search(self, query: str, k: int = 10, type: str = "any", mode: Mode = "hybrid") -> SearchResult:
        """The ``k`` best passages for ``query``; ``type`` filters (herb, formula, syndrome, disease, document)."""
        return self.search_batch([query], k=k, type=type, mode=mode)[0]

    def search_batch(self, queries: list[str], k: int = 10, type: str = "any",
                     mode: Mode = "hybrid") -> list[SearchResult]:
        """:meth:`search` for many queries, one result per query in the order given. The queries are embedded
        in one call and searched in one index pass when dense search takes part; the rest runs per query."""
        for query in queries:
            check_query(query, k, type)
        queries = [q.strip() for q in queries]
        types = None if type == "any" else frozenset([type])
        fetch = max(_FETCH, k)
        dense: list[list[tuple[str, float]] | None] = [None] * len(queries)
        if mode == "dense" or (mode == "hybrid" and len(queries) > 1):
            dense = list(self.dense_batch(queries, fetch, types))
        results = []
        for query, hits_dense in zip(queries, dense, strict=True):
            ranked = self.rank(query, fetch, types, mode, dense_hits=hits_dense, keep=k)[:k]
            hits = []
            for eid, score in ranked:
                p = self.passages[self.pid_of[eid]]
                hits.append(SearchHit(id=p.id, type=p.type, name_zh=p.name_zh, name_en=p.name_en, pinyin=p.pinyin,
                                      score=round(score, 6), sources=p.sources))
            results.append(SearchResult(query=query, hits=hits))
        return results

    def rank(self, query: str, fetch: int, types: frozenset[str] | None, mode: Mode,
             dense_hits: list[tuple[str, float]] | None = None, keep: int | None = None) -> list[tuple[str, float]]:
        """Ranked (id, score) before hits are dressed: exact links first, then the fused lists.

        ``dense_hits``: this query's dense list when a batch search computed it already. ``keep``: only the
        first ``keep`` will be used. The dense fill ranks below every fused hit (at most half the lowest fused
        score, times a prior of at most 1.8, against a prior of at least 1 above), so when the links and fused
        lists already give ``keep`` hits it cannot change them and is skipped: the embedder and the FAISS file
        are then never loaded (~0.6 s of a cold `tcm search`)."""
        if mode not in ("hybrid", "lexical", "dense"):
            raise TCMError(f"unknown mode {mode!r}: hybrid, lexical or dense")
        if mode == "lexical":
            return self.lexical(query, fetch, types)
        if mode == "dense":
            return dense_hits if dense_hits is not None else self.dense(query, fetch, types)
        links = self.links(query, types)
        exact = [(e, c) for e, c in links if c >= 0.97]
        fuzzy = [(e, c) for e, c in links if c < 0.97]
        w = self.weights
        lexical = self.lexical(query, fetch, types)
        if w["dense"] > 0 and dense_hits is None:
            dense_hits = self.dense(query, fetch, types)
        dense = dense_hits if w["dense"] > 0 else []
        names = self.name_match(query, [e for e, _ in (*lexical, *dense)])
        fused = FUSERS[self.fuser]([fuzzy, names, lexical, dense], [w["link"], w["names"], w["lexical"], w["dense"]])
        have = {e for e, _ in (*fused, *exact)}
        floor = min((s for _, s in fused), default=1.0)
        enough = keep is not None and fused and floor > 0 and len(have) >= keep
        if len(fused) + len(exact) < fetch and w["dense"] <= 0 and not enough:  # dense fills the rest, after them
            if dense_hits is None:
                dense_hits = self.dense(query, fetch, types)
            extra = [(e, s) for e, s in dense_hits if e not in have]
            fused += [(e, floor * 0.5 * (1 + s) / 2) for e, s in extra]
        wanted = [t for t, rx in _INTENT.items() if rx.search(query.lower())] if types is None else []
        if not wanted and types is None and len(_CLAUSES.split(query.strip(" ,.;，。；"))) >= 3:
            wanted = ["presentation"]  # several findings in a row describe a presentation: what formulas list
        if len(wanted) == 1:  # 'herb that…', '…的方': prefer that type, do not exclude the others
            fused = sorted(((e, s * self._prior(e, wanted[0])) for e, s in fused), key=lambda kv: -kv[1])
        elif types == frozenset(["herb"]):
            fused = sorted(((e, s * self._prior(e, "herb")) for e, s in fused), key=lambda kv: -kv[1])
        top = max((s for _, s in fused), default=0.0)
        pinned = [(e, top + 1.0 + c) for e, c in exact]
        seen = {e for e, _ in exact}
        return pinned + [(e, s) for e, s in fused if e not in seen]


def check_query(query: str, k: int, type: str) -> None:
    """One-line errors for input no search can answer."""
    if not query.strip():
        raise TCMError("empty query")
    if k < 1:
        raise TCMError("k must be at least 1")
    if type != "any" and type not in PASSAGE_TYPES:
        raise TCMError(f"unknown type {type!r}: herb, formula, syndrome, disease, document or any")


def _resolve_embedder(embedder: Embedder | str | None) -> tuple[Embedder, str]:
    """(embedder, spec recorded in the manifest): a spec string is loaded; an object is used as is."""
    if embedder is None or isinstance(embedder, str):
        spec = embedder_spec_name(embedder)
        return get_embedder(spec), spec
    return embedder, embedder.name


PARALLEL_MIN = 2000  # texts to embed before a build uses one process per core
PARALLEL_SPECS = ("use",)  # embedders cheap to start in a worker and single-threaded inside
_WORKER: Embedder | None = None


def _worker_init(spec: str) -> None:
    global _WORKER
    _WORKER = get_embedder(spec)


def _worker_embed(texts: list[str]) -> np.ndarray:
    assert _WORKER is not None
    return _WORKER.embed_passages(texts)
