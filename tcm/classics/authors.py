"""The physicians a question names (仲景, 吴鞠通, "Li Dongyuan") and the books of theirs the library holds.

Practitioners cite by author as often as by title: "仲景用什么方", "吴鞠通怎么治", "Wang Qingren on hemiplegia". The
library records each book's author under one name (张仲景, 李东垣, 王士雄), and a physician is known by several:
his given name, his courtesy or literary name, the short form used in the commentaries (仲景, 东垣, 孟英). The
table below groups those names (facts of biography, no text of the books); every author the library records is
its own group besides, so a question naming any recorded author finds that author's books. English questions
name them in pinyin ("Zhang Zhongjing", "Dongyuan"), derived here from the Chinese.

A short name that is also an everyday word (又可, 生白, 嘉言) is left out: "又可以", "生白术" would name a physician.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tcm.classics.parse import normalise

#: Each line: one physician's names, the registered name first. Short forms are only those the commentaries use.
_PHYSICIANS = """
张机 张仲景 仲景
李杲 李东垣 东垣 李明之
吴瑭 吴鞠通 鞠通
王士雄 王孟英 孟英
叶桂 叶天士 叶香岩 天士 香岩
薛雪 薛生白
余霖 余师愚 师愚
陈念祖 陈修园 修园
朱震亨 朱丹溪 丹溪
刘完素 刘河间 刘守真 河间
张从正 张子和 张戴人 戴人
张介宾 张景岳 景岳
李时珍 李濒湖 时珍 濒湖
孙思邈 孙真人 思邈
王清任 王勋臣
汪昂 汪讱庵 讱庵
张志聪 张隐庵 隐庵
喻昌 喻嘉言
柯琴 柯韵伯 韵伯
徐大椿 徐灵胎 徐洄溪 灵胎 洄溪
吴有性 吴又可
张元素 张洁古 洁古
钱乙 钱仲阳
傅山 傅青主 青主
张锡纯 张寿甫
王冰 启玄子
李中梓 李士材
程国彭 程钟龄
王肯堂 王宇泰
王好古 王海藏
罗天益 罗谦甫
许叔微 许学士
尤怡 尤在泾
张璐 张石顽 石顽
秦越人 扁鹊
薛己 薛立斋 立斋
王泰林 王旭高 旭高
吴昆 吴鹤皋
"""
#: The book's author field adds these to a name (王冰次, 许叔微述, 吴谦等); what is left is the name.
_AUTHOR_SUFFIX = re.compile(r"(?:等|述|次|撰|著|编|辑|注|集注|纂|校|原著|编著|整理)+$")
_NOT_A_NAME = {"佚名", "不详", "未详", "无名氏"}


@dataclass(frozen=True)
class Physician:
    names: tuple[str, ...]  # normalised Chinese, the registered name first

    @property
    def english(self) -> tuple[str, ...]:
        """Pinyin forms, lower case: 'zhang zhongjing', 'zhongjing'."""
        return tuple(dict.fromkeys(p for n in self.names for p in _pinyin(n)))


def author_name(field: str | None) -> str:
    """The name in a book's author field: '吴谦等' → '吴谦'; '' for none or an unknown author."""
    name = _AUTHOR_SUFFIX.sub("", normalise(field or "").strip())
    return "" if name in _NOT_A_NAME or len(name) < 2 else name


def _pinyin(name: str) -> tuple[str, ...]:
    """'张仲景' → ('zhang zhongjing',); a two-character name is read both ways: '仲景' → 'zhongjing' and
    'zhong jing', '汪昂' → 'wang ang'."""
    from tcm.names.index import toneless_pinyin

    syl = toneless_pinyin(name).split()
    if len(syl) == 2:
        return (f"{syl[0]} {syl[1]}", f"{syl[0]}{syl[1]}")
    return (f"{syl[0]} {''.join(syl[1:])}",)


def physicians(authors: Iterable[str]) -> list[Physician]:
    """The table's physicians, and each author the library records that the table lacks."""
    groups = [tuple(normalise(n) for n in line.split()) for line in _PHYSICIANS.strip().splitlines()]
    known = {n for g in groups for n in g}
    groups += [(a,) for a in dict.fromkeys(author_name(x) for x in authors) if a and a not in known]
    return [Physician(g) for g in groups]


class AuthorIndex:
    """Which books of the library each physician wrote, and where a question names one. A physician with no book
    of his own may have a chapter in another's, titled with his name (《温热经纬》's 余师愚疫病篇, 叶香岩外感温热篇):
    ``sections_by`` finds those books, asked only when such a physician is named."""

    def __init__(self, books: list[dict], sections_by: Callable[[tuple[str, ...]], list[str]] | None = None) -> None:
        by_name: dict[str, list[str]] = {}
        for b in books:
            if name := author_name(b.get("author")):
                by_name.setdefault(name, []).append(b["book_id"])
        self.people = physicians(b.get("author") or "" for b in books)
        self._books = {p: [bid for n in p.names for bid in by_name.get(n, [])] for p in self.people}
        if sections_by is None:
            self.people = [p for p in self.people if self._books[p]]
        self._sections_by = sections_by
        self._scanned: set[Physician] = set()
        self._zh = sorted(((n, p) for p in self.people for n in p.names), key=lambda t: -len(t[0]))
        self._en: list[tuple[str, Physician]] | None = None  # pinyin, made on the first English question

    def _english(self) -> list[tuple[str, Physician]]:
        if self._en is None:
            self._en = sorted(((e, p) for p in self.people for e in p.english), key=lambda t: -len(t[0]))
        return self._en

    def named(self, query: str) -> list[tuple[str, Physician]]:
        """(the words as written, the physician) for each physician the query names, Chinese or pinyin, who has
        books (or chapters) in the library; one who has none is left in the question as its words."""
        out: list[tuple[str, Physician]] = []
        rest = normalise(query)
        for name, p in self._zh:
            if name in rest:
                out.append((name, p))
                rest = rest.replace(name, " ")
        if re.search(r"[A-Za-z]{3}", query):
            low = re.sub(r"[-'’]", "", re.sub(r"['’]s\b", "", query.lower()))
            for form, p in self._english():
                if re.search(rf"\b{form}\b", low) and p not in {q for _, q in out}:
                    out.append((form, p))
                    low = low.replace(form, " ")
        return [(w, p) for w, p in out if self.books_of(p)]

    def books_of(self, p: Physician) -> list[str]:
        if not self._books.get(p) and self._sections_by is not None and p not in self._scanned:
            self._scanned.add(p)
            self._books[p] = self._sections_by(p.names)
        return self._books.get(p, [])
