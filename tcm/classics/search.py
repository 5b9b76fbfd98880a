"""Search and citation over the classical library: lexical (FTS5 BM25 over jieba tokens and character
bigrams), dense (the project's default embedder), the graph's formulas a query names, a clause asked
for by number, and the books a query names — fused by weighted reciprocal rank.

English questions reach classical Chinese two ways: the multilingual dense model, and the
bilingual glossary read backwards (``'aversion to cold'`` → 恶寒, ``'no sweating'`` → 无汗), with
formula and herb names through the name layer (``'Ephedra Decoction'`` → 麻黄汤).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

from tcm.classics import concepts as cpt
from tcm.classics.authors import AuthorIndex
from tcm.classics.importer import ALIASES, CORE, passage_tokens, tokenizer
from tcm.classics.parse import normalise
from tcm.classics.store import Library, library_dir, work_year
from tcm.classics.vocab import english_spans, longest_first, modern_form, modern_phrases
from tcm.errors import ClassicsError
from tcm.types import ClassicHit, ClassicSearchResult

_FETCH = 200  # candidates per signal: at 1.2M passages a clause is quoted in dozens of commentaries
WEIGHTS = {"cover": 1.0, "bm25": 0.3, "dense": 0.3, "link": 0.5, "entry": 1.5, "clause": 3.0, "book": 0.3, "canon": 0.2}
HERB_ENTRY = 0.25  # a herb's monograph, when a question names that herb alone (a formula's entry counts 1)
DICT_PRIOR = 0.5  # an everyday English word read through the general dictionary counts half a term of art
ZH_DENSE = 0.33  # the dense weight's share for a Chinese query (see _search)
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_NUMBER = re.compile(r"^\s*(?:\d{1,4}[．.]|[一二三四五六七八九十百]{1,5}、)\s*")  # a clause's own number
#: a formula named, maybe one the graph lacks (甘草泻心汤, Major Pinellia Decoction)
_FORMULA_WORD = re.compile(r"[汤丸散]|方子|方剂|decoction|pill|powder|formula|prescription|recipe", re.I)
_OPENING = 12  # characters two passages must open with alike to count as one quoting the other
_CLAUSE_ZH = re.compile(r"第\s*([0-9]{1,3}|[一二三四五六七八九十百]{1,6})\s*条")
_CLAUSE_EN = re.compile(r"\b(?:clause|article|line|paragraph|no\.?|#)\s*(\d{1,3})\b", re.I)
_BOOKS_EN = """
伤寒论=shang han lun|shanghan lun|shanghanlun|cold damage
金匮要略方论=jin gui yao lue|jingui yaolue|jin gui|jingui|golden cabinet|golden chamber
黄帝内经素问=su wen|suwen|plain questions|basic questions
黄帝内经灵枢集注=ling shu|lingshu|spiritual pivot
八十一难经=nan jing|nanjing|difficult issues|difficult classic
神农本草经=shennong|shen nong|divine farmer|divine husbandman
温病条辨=wen bing tiao bian|wenbing tiaobian|warm diseases
温热经纬=wen re jing wei|warp and weft
医林改错=yi lin gai cuo|yilin gaicuo|correction of errors
脾胃论=pi wei lun|piwei lun|treatise on the spleen and stomach
太平惠民和剂局方=he ji ju fang|heji jufang|imperial grace|pharmacy service
汤头歌诀=tang tou ge jue|tangtou gejue|formula songs|decoction rhymes|decoction heads
本草纲目=ben cao gang mu|bencao gangmu|compendium of materia medica
"""
#: English names of the books (and common romanisations), lower-case, for English questions.
BOOKS_EN = {alias: title for line in _BOOKS_EN.strip().splitlines() for title, names in [line.split("=")]
            for alias in names.split("|")}
_EN_STOP = frozenset(
    "a an and are as at be by does do for from has have how in into is it its of on or that the this to with which "
    "what when where who whom why say says said book classic text passage clause treat treats treated patient "
    "someone person one according".split())

#: Words that carry no idea of their own: not named as unread when the library has nothing for them.
_EN_PLAIN = frozenset(
    "some then again also very more most much many can could would should will may might there their them they his "
    "her him she its our your you we me any all been being were was had get got just".split())


def citation(book: str, section: str, clause: int | None, part: str = "") -> str:
    """《伤寒论》第35条; 《金匮要略方论》·痉湿暍病脉证第二 第3条 (its clauses restart each chapter); 《书》·篇名;
    the volume before a section name the book repeats (《温病条辨》·卷二·中焦篇·寒湿 第43条)."""
    if part and section:
        section = f"{part}·{section}"
    if clause is not None and book == "伤寒论":
        return f"《{book}》第{clause}条"
    if clause is not None:
        return f"《{book}》·{section} 第{clause}条" if section and section != book else f"《{book}》第{clause}条"
    return f"《{book}》·{section}" if section and section != book else f"《{book}》"


# ------------------------------------------------------------------ English → classical Chinese terms
@lru_cache(maxsize=1)
def _inverse_glossary() -> dict[str, list[str]]:
    """English word n-gram → the glossary's Chinese compounds it glosses (compounds first, tighter glosses first).
    A single word stands only for a gloss of that one word: 'difficult' alone is not 小便不利."""
    from tcm.retrieval.glossary import glossary
    from tcm.retrieval.lexical import stem

    ranked: dict[str, list[tuple[int, int, str]]] = {}
    for zh, en in glossary().items():
        words = [stem(w) for w in re.findall(r"[a-z]+", en.lower()) if w not in _EN_STOP]
        for n in range(1, min(4, len(words)) + 1):
            if n == 1 and len(words) > 1:
                continue
            for i in range(len(words) - n + 1):
                ranked.setdefault(" ".join(words[i : i + n]), []).append((0 if len(zh) > 1 else 1, len(words), zh))
    return {k: [zh for *_, zh in sorted(v)] for k, v in ranked.items()}


def english_groups(query: str, per_phrase: int = 2) -> list[list[str]]:
    """The Chinese wordings of each idea of an English question: classical terms of art ('lesser yin' → 少阴)
    and the glossary read backwards ('tidal fever' → 潮热), the longest phrase winning where two overlap (so
    'tidal fever' is not read as 'fever'), a term of art winning a tie; in the question's order."""
    return [alts for _s, _e, alts in english_reading(query, per_phrase)[1]]


def english_reading(query: str, per_phrase: int = 2) -> tuple[list[str], list[tuple[int, int, list[str]]]]:
    """The question's words, and the (start, end, Chinese) spans read from them (see english_groups)."""
    raw, spans = _english_spans(query, per_phrase)
    return raw, longest_first([(s, e, rank, (s, e, alts)) for s, e, rank, alts in spans])


def _english_spans(query: str, per_phrase: int = 2) -> tuple[list[str], list[tuple[int, int, int, list[str]]]]:
    """The question's words, and every (start, end, rank, Chinese) span the terms of art and the glossary read."""
    from tcm.retrieval.lexical import stem

    raw = re.findall(r"[a-z]+", query.lower())
    words = [stem(w) for w in raw]
    spans = [(s, e, 0, alts) for s, e, alts in english_spans(words)]
    content = [i for i, w in enumerate(raw) if w not in _EN_STOP]
    inv = _inverse_glossary()
    for a in range(len(content)):
        for n in range(1, min(4, len(content) - a) + 1):
            zh = inv.get(" ".join(words[j] for j in content[a : a + n]))
            if zh:
                spans.append((content[a], content[a + n - 1] + 1, 1, zh[:per_phrase]))
    return raw, spans


def english_terms(query: str, per_phrase: int = 2) -> list[str]:
    """Chinese terms for an English question (see english_groups), in order, once each."""
    return list(dict.fromkeys(t for g in english_groups(query, per_phrase) for t in g))


def _sign_phrases(zh: str) -> list[tuple[str, list[str]]]:
    """The signs a Chinese query names in its own words (发烧, 心慌), each with the vocabulary's other wordings
    (发热/身热, 心悸/惊悸): the differentiation engine's sign lexicon."""
    if not zh.strip():
        return []
    from tcm.reasoning.engine import default_reasoner

    lex = default_reasoner().lexicon
    out = []
    for m in lex.parse(zh):
        info = lex.signs.get(m.sign)
        if m.kind == "symptom" and info is not None and len(m.text) > 1:
            out.append((normalise(m.text), [normalise(w) for w in (info.name, *info.synonyms)]))
    return out


def _cn_int(s: str) -> int:
    from tcm.classics.parse import _cn_int as conv

    return int(s) if s.isdigit() else conv(s)


class ClassicsSearcher:
    """The library opened for search: SQLite, the tokenizer, the resolver and (lazily) the dense index."""

    def __init__(self, root: Path | None = None, embedder: str | None = None) -> None:
        self.lib = Library(root or library_dir())
        self.books = self.lib.books()
        if not self.books:
            raise ClassicsError("the classical library is empty: run `tcm classics import`")
        self.titles = {b["title"]: b["book_id"] for b in self.books}
        self.authors = AuthorIndex(self.books, self.lib.books_with_sections_titled)
        self._tok = None
        self._dense = None
        self._emb = None
        self._embedder_spec = embedder
        self._lock = threading.Lock()
        self._search_lock = threading.RLock()
        self.version = self.lib.get_meta("version")

    # ------------------------------------------------------------------ parts
    @property
    def tok(self):
        if self._tok is None:
            self._tok = tokenizer()
        return self._tok

    def dense_ready(self) -> bool:
        return any(b["status"] == "done" for b in self.books)

    def _dense_index(self):
        """The library's vector index, saved beside it and opened memory-mapped by later processes: training
        IVF over a full library (1M+ vectors) takes minutes on two cores, opening the saved one milliseconds.
        It is rebuilt when the embedded books or the embedder change."""
        with self._lock:
            if self._dense is None:
                import hashlib
                import json

                from tcm.retrieval.embedders import get_embedder
                from tcm.retrieval.index import load_or_build

                done = [(b["book_id"], b["sha256"], b["passages"]) for b in self.books if b["status"] == "done"]
                if not done:
                    self._dense = False
                    return None
                self._emb = get_embedder(self._embedder_spec or self.lib.get_meta("embedder_spec"))
                fingerprint = hashlib.sha256(json.dumps([self.lib.get_meta("embedder"), done]).encode()).hexdigest()

                def vectors():
                    ids, vecs, _name = self.lib.load_vectors()
                    if vecs.shape[1] != self._emb.dim:
                        raise ClassicsError(f"the library's vectors have {vecs.shape[1]} dimensions, embedder "
                                            f"{self._emb.name} {self._emb.dim}: run `tcm classics import --force`")
                    return ids, vecs

                self._dense = load_or_build(self.lib.root / "dense.faiss", fingerprint, vectors)
            return self._dense or None

    def named_books(self, query: str) -> list[str]:
        """Book ids the query names: 《伤寒论》, 伤寒论, 金匮, Shang Han Lun, Golden Cabinet …, and the books of
        the physicians it names (仲景 → 伤寒论 and 金匮要略方论)."""
        found: list[str] = []
        norm = normalise(query)
        for title, bid in sorted(self.titles.items(), key=lambda kv: -len(kv[0])):
            if title in norm and not any(title in self.lib.book(f)["title"] for f in found):
                found.append(bid)
        for alias, title in ALIASES.items():
            if alias in norm and title in self.titles and self.titles[title] not in found:
                found.append(self.titles[title])
        low = " ".join(re.findall(r"[a-z]+", query.lower()))
        for alias, title in sorted(BOOKS_EN.items(), key=lambda kv: -len(kv[0])):
            if re.search(rf"\b{alias}\b", low) and title in self.titles and self.titles[title] not in found:
                found.append(self.titles[title])
        for _, p in self.authors.named(query):
            found += [b for b in self.authors.books_of(p) if b not in found]
        return found

    def _names(self, query: str) -> tuple[list[str], list[str], list[str]]:
        """(graph ids of the formulas and herbs the query names, their Chinese names, the words naming them), in
        any language."""
        from tcm.names import default_resolver

        herbs, _drugs, others = default_resolver().scan_all(query)
        formulas = [f"formula:{v}" for kind, v, _ in others if kind == "formula"] + [f"herb:{h.name_zh}" for h in herbs]
        names = [v for kind, v, _ in others if kind == "formula"] + [h.name_zh for h in herbs]
        written = [w for kind, _, w in others if kind == "formula"] + [h.written for h in herbs]
        return formulas, names, written

    def _read_english(self, en_query: str, written: list[str]) -> tuple[list[str], list[int], list, list, list]:
        """An English question's words, the indices of its content words, and its ideas: (words read, concept) from
        the glossary and terms of art, the same from the general dictionary for every content word (the caller keeps
        those where the first reading found nothing), and the formulas it names in pinyin that the graph lacks
        (Ge Gen Jia Ban Xia Tang → 葛根加半夏汤). Words the name layer read (``written``) are not content."""
        from tcm.classics.dictionary import chinese_for
        from tcm.classics.pinyin_names import index_for, named_in

        pinyin_named = []
        for words, zh_names in named_in(en_query, index_for(self.lib)):
            en_query = en_query.replace(words, " ")
            written = [*written, words]
            pinyin_named.append(cpt.Concept(tuple(dict.fromkeys(normalise(n) for n in zh_names))))
        words, spans = english_reading(en_query)
        named = set(re.findall(r"[a-z]+", " ".join(written).lower()))  # 'Cinnamon Twig Decoction' is 桂枝汤
        en_read = [(range(s, e), cpt.Concept(tuple(normalise(t) for t in alts))) for s, e, alts in spans if alts]
        content = [i for i, w in enumerate(words) if w not in _EN_STOP and len(w) > 2 and w not in named]
        general = [(range(i, i + 1), cpt.Concept(tuple(normalise(f) for f in forms), DICT_PRIOR))
                   for i in content if DICT_PRIOR and (forms := chinese_for(words[i]))]
        return words, content, en_read, general, pinyin_named

    # ------------------------------------------------------------------ search
    def search(self, query: str, k: int = 10, dense: bool = True) -> ClassicSearchResult:
        """The passages best matching ``query``, best first (one search at a time: the app calls from threads)."""
        with self._search_lock:
            return self._search(query, k, dense)

    def _search(self, query: str, k: int, dense: bool) -> ClassicSearchResult:
        query = (query or "").strip()
        if not query:
            raise ClassicsError("empty query")
        if not 1 <= k <= 200:
            raise ClassicsError("k must be between 1 and 200")
        books = self.named_books(query)
        formulas, names, written = self._names(query)
        zh = " ".join(normalise(r) for r in _CJK_RUN.findall(_CLAUSE_ZH.sub(" ", query)))
        for bid in books:  # the book's own name is not content
            zh = zh.replace(self.lib.book(bid)["title"], " ")
        for alias in ALIASES:
            zh = zh.replace(alias, " ")
        people = self.authors.named(query)  # a physician's name is not content either: commentaries repeat 仲景
        for words, _ in people:
            zh = zh.replace(words, " ")
        zh = modern_form(zh)
        english = bool(re.search(r"[A-Za-z]{3,}", query))
        en_query = query
        for alias in BOOKS_EN:  # an English book title is not content either ('difficult issues')
            en_query = re.sub(rf"\b{alias}\b", " ", en_query, flags=re.I)
        for words, _ in people:
            en_query = re.sub(rf"\b{words.replace(' ', '[ -]?')}(?:['’]s)?\b", " ", en_query, flags=re.I)
        words, content, en_read, general, pinyin_named = self._read_english(en_query, written) if english else (
            [], [], [], [], [])
        phrases = [(normalise(k), [normalise(a) for a in alts]) for k, alts in modern_phrases(zh)]
        phrases += _sign_phrases(zh) + [(normalise(n), []) for n in names]
        concepts = cpt.split_query(zh, phrases) + [c for _, c in en_read]
        concepts += [cpt.Concept((normalise(n),)) for n in names if normalise(n) not in zh] + pinyin_named
        clause = _CLAUSE_ZH.search(query) or _CLAUSE_EN.search(query)
        n_passages = max(1, sum(b["passages"] or 0 for b in self.books))
        freq = self.lib.doc_freq({g for c in concepts + [c for _, c in general] for g in c.grams()})
        kept = {c for c, _ in cpt.weigh(concepts, freq, n_passages)}  # a reading the library never uses is dropped
        # the general dictionary for the content words the glossary and the terms of art read into nothing the
        # library uses ('thin' as a pulse, 细, where the passage says 瘦)
        general = [(r, c) for r, c in general if not any(set(r) & set(r2) and c2 in kept for r2, c2 in en_read)]
        en_read += general
        concepts += [c for _, c in general]
        weighted = cpt.weigh(concepts, freq, n_passages)
        kept = {c for c, _ in weighted}
        unread = list(dict.fromkeys(words[i] for i in content if words[i] not in _EN_PLAIN
                                    and not any(i in r and c in kept for r, c in en_read)))
        note = (f"Read by meaning only, with no Chinese the library uses for: {', '.join(unread[:8])}."
                if unread else "")
        guessed = {c for _, c in general}
        held = any(c not in guessed for c in kept)  # something of the query the library holds, beyond guesses
        if not (held or books or formulas or clause):
            # nothing of the query is in the library but what an everyday word's dictionary entry guesses ('recipe'
            # → 方): the nearest passages would be shown as if they matched
            return ClassicSearchResult(query=query, note=(
                f"No passage matches: none of the query's words (nor their classical equivalents) occurs in the "
                f"{len(self.books)} imported books, and it names no book, physician, formula, herb or clause."
                + (f" {note}" if note else "")))
        titles = [self.lib.book(b)["title"] for b in books]
        if not (held or formulas or clause):
            # only a book or a physician is named ("仲景", "伤寒论"): each book's opening passages, in order, rather
            # than the nearest vectors anywhere
            per_book = max(1, k // len(books))
            pids = [p for b in books for p in self.lib.first_pids(b, per_book)][:k]
            rows = self.lib.passages(pids)
            ents = self.lib.entities_of(pids)
            return ClassicSearchResult(query=query, books=titles, hits=[
                _hit(rows[p], 0.0, ents.get(p, [])) for p in pids if p in rows], note=(
                f"The query names {'、'.join(f'《{t}》' for t in titles)} and nothing else to search for: the "
                "opening passages follow." + (f" {note}" if note else "")))
        runs = list(dict.fromkeys(f for c, _ in weighted for f in c.forms if len(f) > 1)) or zh.split()
        terms = [t for r in runs for t in passage_tokens(self.tok, r).split()]
        # candidates from every signal, then one additive score (see WEIGHTS): coverage of the query's
        # bigrams is the backbone (BM25 alone prefers a short passage repeating one term over the clause
        # that has them all), BM25 and dense similarity refine it, links and a named clause lift.
        feats: dict[int, dict[str, float]] = {}

        def put(pid: int, name: str, value: float) -> None:
            f = feats.setdefault(pid, {})
            f[name] = max(f.get(name, 0.0), value)

        # single characters (之, 而, 者 …) are in most passages: they cost the most and rank nothing; the
        # bigram coverage still counts them
        terms = [t for t in terms if len(t) > 1] or terms
        if terms:
            for lst in [self.lib.lexical(terms, _FETCH)] + ([self.lib.lexical(terms, _FETCH, books)] if books else []):
                top = max((sc for _, sc in lst), default=1.0) or 1.0
                for p, sc in lst:
                    put(p, "bm25", sc / top)
        if formulas:
            # a formula's clauses (origin, or an indication at 0.7); a herb's own entry (its monograph), at half.
            # Several formulas named: a passage counts the mean over them, so one formula's many clauses do not
            # crowd out the passage the question is about ("not 桂枝汤 but 麻杏石甘汤": 《伤寒论》第162条)
            n_formulas = max(1, sum(f.startswith("formula:") for f in formulas))
            link: dict[int, float] = {}
            for f in formulas:
                herb = f.startswith("herb:")
                best: dict[int, float] = {}
                for p, role in self.lib.links_of(f, ("origin",) if herb else ("origin", "indication"), 400):
                    best[p] = max(best.get(p, 0.0), (0.5 if herb else 1.0) * (1.0 if role == "origin" else 0.7))
                for p, v in best.items():
                    link[p] = max(link.get(p, 0.0), v) if herb else link.get(p, 0.0) + v / n_formulas
            for p, v in link.items():
                put(p, "link", v)
        entries = {(n, b): 1.0 for f in formulas if f.startswith("formula:")
                   if (b := self.lib.entry_book(n := f.split(":", 1)[1]))}
        if len(formulas) == 1 and formulas[0].startswith("herb:") and not _FORMULA_WORD.search(query):
            # a question about one herb, naming no formula (甘草 in an unknown 甘草泻心汤 is not one): its monographs
            herb = formulas[0].split(":", 1)[1]
            entries.update({(herb, b): HERB_ENTRY for b in self.lib.monograph_books(herb)})
        for section, b in entries:  # every passage under the heading is a candidate, not only those the signals found
            for p in self.lib.section_pids(b, section):
                feats.setdefault(p, {})
        if clause:
            n = _cn_int(clause.group(1))
            target = books or [self.titles[t] for t in ("伤寒论",) if t in self.titles]
            for p in (p for b in target for p in self.lib.clause(b, n)):
                put(p, "clause", 1.0)
        qv, sims = None, {}
        if dense and self.dense_ready() and (index := self._dense_index()) is not None:
            qv = self._emb.embed_queries([query])
            scores, ids = index.search(qv, _FETCH * (4 if books else 1))
            for i, sc in zip(ids[0], scores[0], strict=True):
                if i >= 0:  # a passage and its sentence views share an id: the best of them counts
                    sims[int(i)] = max(sims.get(int(i), -1.0), float(sc))
                    feats.setdefault(int(i), {})
        rows = self.lib.passages(feats)
        if qv is not None:
            # the other candidates are scored against their own saved vectors: over the whole library the dense
            # list fills up with the commentaries that quote a clause word for word, and the clause itself, left
            # out of it, would count as not similar at all
            for p, v in self.lib.passage_vectors(r for p, r in rows.items() if p not in sims).items():
                sims[p] = float(v @ qv[0])
            hi = max(sims.values(), default=0.0)
            for p, sc in sims.items():
                put(p, "dense", max(0.0, sc) / hi if hi > 0 else 0.0)
        bookset = set(books)
        for p, f in feats.items():
            r = rows.get(p, {})
            f["cover"] = cpt.coverage(weighted, normalise(r["text"])) if r else 0.0
            f["book"] = 1.0 if r.get("book_id") in bookset else 0.0
            # the canonical text over the commentaries that quote it word for word (伤寒论 over 注解伤寒论 …)
            f["canon"] = 1.0 if r.get("title") in CORE else 0.0
            # a named formula's own entry (《脾胃论》·补中益气汤): the passages under its heading seldom repeat the
            # name, so coverage alone ranks them below the later books that mention it
            f["entry"] = entries.get((r.get("section"), r.get("book_id")), 0.0)
        if len(weighted) >= 6 and max((f["cover"] for f in feats.values()), default=0.0) >= 0.95:
            # the words themselves were found: a quotation, which the lexical signals place; similarity of
            # meaning would only lift the many later books that quote it over the one it comes from
            for f in feats.values():
                f.pop("dense", None)
        # a Chinese query is placed by its own words first (the offline model reads classical Chinese poorly, and
        # over the whole library its nearest neighbours are paraphrasing commentaries); for an English one the
        # dense similarity is the bridge into the texts
        w = WEIGHTS if english else {**WEIGHTS, "dense": WEIGHTS["dense"] * ZH_DENSE}
        scored = sorted(((sum(w[n] * v for n, v in f.items()), p) for p, f in feats.items()),
                        key=lambda t: (-t[0], t[1]))
        scored = _source_first(scored, rows, 4 * k)
        fused = [(str(p), sc) for sc, p in scored[:k]]
        pids = [int(p) for p, _ in fused]
        ents = self.lib.entities_of(pids)  # rows: every candidate's, read once above
        hits = []
        for p, score in fused:
            r = rows.get(int(p))
            if r is None:
                continue
            hits.append(_hit(r, score, ents.get(int(p), [])))
        return ClassicSearchResult(query=query, terms=list(dict.fromkeys(terms))[:40], books=titles, hits=hits,
                                   note=note)

    def formula_clauses(self, formula: str, limit: int = 5) -> list[ClassicHit]:
        """The passages a formula comes from (its composition clause first), then those that prescribe it."""
        with self._search_lock:
            return self._formula_clauses(formula, limit)

    def _formula_clauses(self, formula: str, limit: int) -> list[ClassicHit]:
        links = self.lib.links_of(f"formula:{formula}", ("origin", "indication"), 200)
        origin = [p for p, r in links if r == "origin"]
        # the first origin clause of each book, books in library order; then indications
        seen_books: set[int] = set()
        first = []
        for p in sorted(origin):
            if p // 1_000_000 not in seen_books:
                seen_books.add(p // 1_000_000)
                first.append(p)
        rest = [p for p, r in links if p not in first and r == "indication"]
        pids = (first + rest)[:limit]
        rows = self.lib.passages(pids)
        ents = self.lib.entities_of(pids)
        return [_hit(rows[p], 0.0, ents.get(p, [])) for p in pids if p in rows]


def without_number(text: str) -> str:
    """A passage's text after its clause number (35．, 四十三、)."""
    return _NUMBER.sub("", text)


def _opening(text: str) -> str:
    """A passage's first characters, clause number and punctuation left out: two books opening alike quote one
    another."""
    return "".join(_CJK_RUN.findall(normalise(without_number(text))))[:_OPENING]


def _source_first(scored: list[tuple[float, int]], rows: dict[int, dict], window: int) -> list[tuple[float, int]]:
    """Among the top ``window``, a passage that a later book quotes word for word ranks at the better of their two
    scores: 《温热经纬》 quoting 《伤寒论》第26条 whole is not the clause's source, and the quotation, shorter and
    without the formula, would otherwise often outrank it."""
    top = list(scored[:window])
    groups: dict[str, list[int]] = {}
    for i, (_sc, p) in enumerate(top):
        if (r := rows.get(p)) and len(key := _opening(r["text"])) >= _OPENING:
            groups.setdefault(key, []).append(i)
    for idx in groups.values():
        if len({rows[top[i][1]]["book_id"] for i in idx}) > 1:
            src = min(idx, key=lambda i: (work_year(rows[top[i][1]]["title"], rows[top[i][1]]["year"]), i))
            top[src] = (max(top[i][0] for i in idx) + 1e-6, top[src][1])
    return sorted(top, key=lambda t: (-t[0], t[1])) + list(scored[window:])


def _hit(r: dict, score: float, entities: list[str]) -> ClassicHit:
    return ClassicHit(book=r["title"], book_id=r["book_id"], section=r["section"] or "", clause=r["clause"],
                      part=r.get("part") or "",
                      dynasty=r["dynasty"] or "", author=r["author"] or "", year=r["year"] or "", text=r["text"],
                      citation=citation(r["title"], r["section"] or "", r["clause"], r.get("part") or ""),
                      passage_id=r["pid"],
                      score=round(float(score), 6), entities=sorted(entities))


_SEARCHER: ClassicsSearcher | None = None
_SEARCHER_LOCK = threading.Lock()


def default_searcher() -> ClassicsSearcher:
    """The configured library, opened once per process (reopened when an import changed it)."""
    global _SEARCHER
    with _SEARCHER_LOCK:
        root = library_dir()
        if _SEARCHER is not None and (_SEARCHER.lib.root != root or not _SEARCHER.lib.db_path.exists()
                                      or _SEARCHER.lib.get_meta("version") != _SEARCHER.version):
            _SEARCHER = None
        if _SEARCHER is None:
            _SEARCHER = ClassicsSearcher(root)
        return _SEARCHER


def search_classics(query: str, k: int = 10) -> ClassicSearchResult:
    """Search the classical library (see the module docstring)."""
    return default_searcher().search(query, k=k)


def library_available() -> bool:
    return (library_dir() / "library.sqlite").exists()


def formula_clauses(formula: str, limit: int = 5) -> list[ClassicHit]:
    """The classical passages a formula comes from; empty when the library is not imported."""
    if not library_available():
        return []
    try:
        return default_searcher().formula_clauses(formula, limit)
    except ClassicsError:
        return []



def clause_excerpt(hit: ClassicHit, name: str | None = None, limit: int = 120) -> str:
    """The clause's statement without its number, up to the end of the sentence that names the formula
    (the composition and method that follow are left out), at most ``limit`` characters."""
    text = without_number(hit.text)
    end = -1
    if name:
        at = normalise(text).find(normalise(name))
        if at >= 0:
            end = text.find("。", at)
    if end < 0:
        end = text.find("。")
    out = text[: end + 1] if 0 <= end < limit else text[:limit]
    return out if len(out) == len(text) or out.endswith("。") else out + "…"


def source_clauses(formula: str, classical_source: str | None = None, limit: int = 1) -> list[ClassicHit]:
    """The clause(s) a formula comes from: its composition clause in the book the graph names as its source
    (《伤寒论》 → 第35条 for 麻黄汤), else in any book; empty when the library is absent or has none."""
    hits = formula_clauses(formula, limit=20)
    if not hits:
        return []
    want = ALIASES.get((classical_source or "").strip("《》 "), (classical_source or "").strip("《》 "))
    searcher = default_searcher()
    with searcher._search_lock:
        origin = {p for p, _r in searcher.lib.links_of(f"formula:{formula}", ("origin",), 200)}
    ranked = sorted(hits, key=lambda h: (h.book != want, h.passage_id not in origin, h.passage_id))
    return ranked[:limit]
