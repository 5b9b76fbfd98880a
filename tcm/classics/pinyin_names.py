"""Formula names written in pinyin that the graph does not hold ("Ge Gen Jia Ban Xia Tang" → 葛根加半夏汤).

English questions name the classics' formulas in pinyin. The name layer knows the graph's formulas; the
classics name hundreds more (葛根加半夏汤, 升麻鳖甲汤, 清瘟败毒饮). Those names are read from the library's own text,
where a formula is prescribed: every ending of the characters before 主之 or 方 ("…葛根加半夏汤主之") that ends in
汤, 丸, 散, 饮, 丹 or 膏 is a candidate, and so is a name after 宜, 与, 用 or 服 (服清瘟败毒饮), each indexed by its
toneless pinyin without spaces. A question's words are looked up the same way, longest run first, so a
candidate that is no formula (太阳病桂枝汤) is never asked for. The index is built when the library is imported
and kept beside it, one per library version.
"""

from __future__ import annotations

import re

from tcm.classics.store import cached_json

_PRESCRIBED = re.compile(r"([\u4e00-\u9fff]{2,16}?[汤丸散饮丹膏])(?:主之|方)")
_GIVEN = re.compile(r"(?:宜|与|用|服)([\u4e00-\u9fff]{1,12}?[汤丸散饮丹膏])")
_SUFFIXES = ("tang", "wan", "san", "yin", "dan", "gao")
MAX_CHARS = 12
#: Readings formula names use where pypinyin's everyday one differs: 枳术汤 is zhi zhu tang, 调胃承气汤 tiao wei …
READINGS = {"术": "zhu", "调": "tiao", "藏": "zang", "蛤": "ge", "荷": "he", "薄": "bo", "露": "lu", "乐": "yue"}


def build(texts) -> dict[str, list[str]]:
    """Compact toneless pinyin → the formula names the texts prescribe that read so."""
    from tcm.names.index import toneless_pinyin

    names: set[str] = set()
    for text in texts:
        for m in _PRESCRIBED.finditer(text):
            run = m.group(1)
            names.update(run[i:] for i in range(len(run) - 2) if len(run) - i <= MAX_CHARS)
        names.update(m.group(1) for m in _GIVEN.finditer(text) if len(m.group(1)) >= 3)
    out: dict[str, list[str]] = {}
    for name in sorted(names):
        said = toneless_pinyin(name).split()
        for key in {"".join(said), "".join(READINGS.get(c, r) for c, r in zip(name, said, strict=False))}:
            out.setdefault(key, []).append(name)
    return out


def index_for(lib) -> dict[str, list[str]]:
    """The library's index, read from its cache file beside it or built from its passages (and cached there)."""
    key = (str(lib.root), lib.get_meta("version") or "0")
    if key not in _INDEXES:  # pinyin reads traditional characters too: the texts are not normalised
        _INDEXES[key] = cached_json(lib.root, "formula-pinyin", key[1],
                                    lambda: build(r[0] for r in lib.db.execute("SELECT text FROM passages")))
    return _INDEXES[key]


_INDEXES: dict[tuple[str, str], dict[str, list[str]]] = {}


def named_in(query: str, index: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    """(the words as written, the Chinese names) for each pinyin formula name in an English question."""
    words = list(re.finditer(r"[a-z]+", query.lower()))
    out: list[tuple[str, list[str]]] = []
    end = len(words)
    k = end - 1
    while k >= 0:
        if words[k].group(0) in _SUFFIXES:
            for start in range(max(0, k - MAX_CHARS + 1), k):
                key = "".join(w.group(0) for w in words[start : k + 1])
                if key in index:
                    out.append((query[words[start].start() : words[k].end()], index[key]))
                    k = start
                    break
        k -= 1
    return out[::-1]
