"""Questions about the classics themselves: where a quotation comes from, what a numbered clause says.

"“太阳之为病，脉浮，头项强痛而恶寒”出自哪里？", "伤寒论第12条说的是什么？", "Which classic says 'treat what is
not yet ill'?" are not clinical cases and not questions about a graph entity: they are answered from the
imported classical library, with the passage quoted and cited, and only when the library holds it. A quotation
counts as found when a passage contains most of its character pairs; otherwise the reply says it was not found
(and names the nearest passages as such), because a wrong attribution is worse than none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tcm.classics.parse import normalise
from tcm.classics.store import work_year
from tcm.types import ClassicHit

_QUOTED = re.compile(r"[“\"「『‘']([^“”\"「」『』‘’']{4,400})[”\"」』’']")
_ASKS_SOURCE_ZH = re.compile(r"出自|出处|语出|典出|原文|哪本书|哪部书|哪部经典|哪本经典|哪部医书|哪本医书|何书|"
                             r"什么书|哪篇|哪一篇|谁说的|是谁说|见于哪")
_ASKS_SOURCE_EN = re.compile(r"\bwhich (?:classic|book|text|chapter|treatise)\b|\bwhere (?:does|is|do|did)\b.*"
                             r"\b(?:come from|from|found|written|said)\b|\bwho (?:said|wrote)\b|\bsource of\b|"
                             r"\bquot(?:e|ation)\b", re.I)
_CLAUSE = re.compile(r"第\s*(?:[0-9]{1,3}|[一二三四五六七八九十百]{1,6})\s*条|\b(?:clause|article)\s*\d{1,3}\b", re.I)
_ASK_WORDS = re.compile(r"(?:这句话|这句|此句|这段话|这段|原文)?(?:是)?(?:出自|出处|语出|典出|见于)"
                        r"(?:哪本书|哪部书|哪部经典|哪本经典|哪里|哪儿|何书|什么书|哪篇|哪一篇)?|"
                        r"(?:是)?(?:哪本书|哪部书|哪部经典|哪本经典|什么书|何书)(?:里|中)?(?:的|说的)?|"
                        r"是谁说的|谁说的|说的是什么|是什么意思|什么意思|[？?。！!，,：:]")
_CJK = re.compile(r"[\u3400-\u9fff]")
MATCH = 0.6  # share of a quotation's character pairs a passage must contain to count as its source
MAX_ALSO = 2  # other books quoting the same words that are named after the source


@dataclass
class ClassicalReply:
    """The reply's text and the passages it quotes, numbered as cited ([1] is ``hits[0]``)."""

    text: str
    hits: list[ClassicHit]


def is_classics_question(question: str, names_an_entity: bool) -> bool:
    """A quotation to attribute, a numbered clause, or a source question about a sentence. A question that
    names a formula or herb and asks where it comes from stays an entity question (a formula's card cites
    its clause), so "黄芪出自哪本书" is never answered with the first passage that mentions 黄芪."""
    quoted = _quote(question)
    if _CLAUSE.search(question):
        return True
    asks = bool(_ASKS_SOURCE_ZH.search(question) or _ASKS_SOURCE_EN.search(question))
    if quoted and (asks or len(_CJK.findall(quoted)) >= 8):
        return True
    if not asks or names_an_entity:
        return False
    return not _CJK.search(question) or len(_CJK.findall(_ASK_WORDS.sub("", question))) >= 6


def _quote(question: str) -> str:
    spans = [m.group(1).strip() for m in _QUOTED.finditer(question)]
    return max(spans, key=len) if spans else ""


def _pairs(text: str) -> set[str]:
    s = "".join(_CJK.findall(normalise(text)))
    return {s[i : i + 2] for i in range(len(s) - 1)}


def coverage(quote: str, passage: str) -> float:
    """Share of the quotation's character pairs (normalised: variants, traditional forms) in the passage."""
    want = _pairs(quote)
    return len(want & _pairs(passage)) / len(want) if want else 0.0


def excerpt(hit: ClassicHit, quote: str = "", limit: int = 160) -> str:
    """The passage's original text, cut to ``limit`` characters around where the quotation starts."""
    text = re.sub(r"\s+", "", hit.text)
    if len(text) <= limit:
        return text
    start = 0
    if quote:
        head = "".join(_CJK.findall(normalise(quote)))[:4]
        at = normalise(text).find(head) if head else -1
        start = max(0, at - 20) if at >= 0 else 0
    return ("…" if start else "") + text[start : start + limit] + "…"


def answer(question: str, lang: str, k: int = 8) -> ClassicalReply:
    """Search the library for the question's quotation or clause and compose the cited reply."""
    from tcm.classics.search import default_searcher, library_available
    from tcm.classics.store import missing_message

    zh = lang == "zh"
    if not library_available():
        return ClassicalReply(("经典库尚未导入，无法查找原文：" if zh else "The classical library is not imported, so "
                               "I cannot look the text up: ") + missing_message() + ("。" if zh else "."), [])
    searcher = default_searcher()
    if clause := _CLAUSE.search(question):
        return _clause_reply(searcher, question, _clause_number(clause.group(0)), zh)
    quote = _quote(question)
    if not quote and _CJK.search(question):
        quote = _ASK_WORDS.sub("", question).strip()  # an unquoted sentence: the question minus its asking words
    result = searcher.search(quote if quote and _CJK.search(quote) else question, k=k)
    hits = result.hits
    n_books = len(searcher.books)
    if quote and _CJK.search(quote):
        matched = [h for h in hits if coverage(quote, h.text) >= MATCH]
        if not matched:
            near = "；".join(h.citation for h in hits[:2])
            return ClassicalReply((f"在已导入的{n_books}部经典中没有找到这句话的原文（没有一段包含其大部分字句）。"
                                   + (f"最接近的段落是{near}，但并不相合。" if near else "")) if zh else
                                  (f"I did not find this sentence in the {n_books} imported classics (no passage "
                                   "holds most of its wording)." + (f" The nearest passages, which do not match, "
                                                                  f"are {near}." if near else "")), [])
        # several books hold the words (later ones quote earlier ones): the earliest work in the library among
        # the closest matches is named as the source, the others as also holding them
        best = max(coverage(quote, h.text) for h in matched)
        close = [h for h in matched if coverage(quote, h.text) >= best - 0.1]
        first = min(close, key=lambda h: (work_year(h.book, h.year), close.index(h)))
        others: list[ClassicHit] = []
        for h in matched:
            if h.book != first.book and h.book not in {o.book for o in others} and len(others) < MAX_ALSO:
                others.append(h)
        cited = [first, *others]
        also = "，".join(f"{h.citation} [{i}]" for i, h in enumerate(others, 2))
        if zh:
            text = f"这句话见于{first.citation}（{_who(first)}）：“{excerpt(first, quote)}” [1]"
            text += f"\n亦见于：{also}。" if also else ""
        else:
            text = f"This is from {first.citation} ({_who(first)}): “{excerpt(first, quote)}” [1]"
            text += f"\nAlso found in: {also}." if also else ""
        return ClassicalReply(text, cited)
    # an English question: passages found by meaning, never presented as a verified attribution, and only those
    # holding a Chinese term the question was read as
    terms = list(dict.fromkeys(result.terms))

    def held(h: ClassicHit) -> list[str]:
        norm = normalise(h.text)
        return [t for t in terms if t in norm]

    ranked = sorted((h for h in result.hits if any(len(t) > 1 for t in held(h))), key=lambda h: -len(held(h)))
    top = ranked[:3]  # sorted() is stable: the search's order among passages holding as many terms
    if not top:
        return ClassicalReply("No passage in the imported classics matches this question." if not zh else
                              "已导入的经典中没有与此问题相合的段落。", [])
    def anchor(h: ClassicHit) -> str:  # the rarest of its terms in the passage: where the excerpt starts
        norm = normalise(h.text)
        return min(held(h), key=lambda t: (norm.count(t), -len(t)))

    lines = "\n".join(f"- {h.citation} ({_who(h)}): “{excerpt(h, anchor(h))}” [{i}]" for i, h in enumerate(top, 1))
    head = ("The closest passages in the imported classics, found by meaning (the words were not matched, so check "
            "the attribution):" if not zh else "已导入经典中意思最接近的段落（按意义检索，未逐字核对，请核实出处）：")
    return ClassicalReply(f"{head}\n{lines}", top)


def _clause_reply(searcher, question: str, n: int, zh: bool) -> ClassicalReply:
    """Clause ``n`` of the book the question names (《伤寒论》 when it names none). Books that number their
    clauses per chapter (《金匮要略》) have many a clause ``n``: the chapter the question names is taken, and
    when it names none the reply lists the chapters rather than pick one."""
    from tcm.classics.search import _CJK_RUN, _hit

    lib = searcher.lib
    books = searcher.named_books(question) or [b for t, b in searcher.titles.items() if t == "伤寒论"]
    titles = "、".join(f"《{lib.book(b)['title']}》" for b in books) or "《伤寒论》"
    rows = lib.passages([p for b in books for p in lib.clause(b, n)])
    found = sorted(rows.values(), key=lambda r: (r["book_id"], r["seq"]))
    # one place per chapter: the clause's own statement, not the commentary passages under the same number
    found = [r for i, r in enumerate(found) if i == 0 or (r["book_id"], r["section_no"]) !=
             (found[i - 1]["book_id"], found[i - 1]["section_no"])]
    if len(found) > 1:  # the chapter the question names: the longest run of its words in a chapter's title
        from difflib import SequenceMatcher

        from tcm.classics.importer import ALIASES

        rest = _ASK_WORDS.sub(" ", _CLAUSE.sub(" ", normalise(question)))
        for name in [lib.book(b)["title"] for b in books] + sorted(ALIASES, key=len, reverse=True):
            rest = rest.replace(name, " ")
        words = "".join(_CJK_RUN.findall(rest))

        def overlap(r: dict) -> int:
            sec = normalise((r.get("part") or "") + (r["section"] or ""))  # 中焦篇 寒湿 as well as 寒湿
            return SequenceMatcher(None, words, sec, autojunk=False).find_longest_match().size if words else 0

        best = max(overlap(r) for r in found)
        found = [r for r in found if overlap(r) == best] if best >= 2 else found
    if not found:
        return ClassicalReply(f"在已导入的{len(searcher.books)}部经典中没有找到{titles}第{n}条。" if zh else
                              f"Clause {n} of {titles} is not in the {len(searcher.books)} imported classics.", [])
    hits = [_hit(r, 1.0, []) for r in found]
    if len(hits) > 1:
        listed = "；".join(h.citation for h in hits[:8]) + ("……" if len(hits) > 8 else "")
        return ClassicalReply(f"{titles}的条文按篇编号，第{n}条共有{len(hits)}处：{listed}。请说明是哪一篇。" if zh else
                              f"{titles} numbers its clauses per chapter: there are {len(hits)} clauses {n} "
                              f"({listed}). Which chapter do you mean?", [])
    h = hits[0]
    text = f"{h.citation}：“{excerpt(h)}” [1]" if zh else f"{h.citation} ({_who(h)}): “{excerpt(h)}” [1]"
    return ClassicalReply(text, hits)


def _who(h: ClassicHit) -> str:
    return "，".join(x for x in (h.dynasty, h.author) if x) or h.book


def _clause_number(text: str) -> int:
    from tcm.classics.search import _cn_int

    return _cn_int(re.search(r"[0-9]{1,3}|[一二三四五六七八九十百]{1,6}", text).group(0))
