"""Negation scope in Chinese and English: is a mention inside a negated clause?

One rule for every reader of free text (red flags, patient state): a negation word governs the
rest of its clause (否认胸痛、呼吸困难 / "denies shortness of breath or chest pain") up to a "but"
("no chest pain but I fainted"); a Chinese negation stops at a comma, an English one at the end
of the sentence. Readers add their own words (不是孕妇, "no longer breastfeeding").
"""

from __future__ import annotations

import re
from functools import lru_cache

NEGATION_EN = (r"no", r"not", r"without", r"denies", r"denied", r"never", r"none", r"negative for",
               r"do(?:es)?n'?t have", r"do(?:es)? not have", r"never had")
NEGATION_ZH = ("没有", "无", "否认", "未见", "未诉", "不伴")
_BUT_EN = r"but|however|though|although|yet"
_BUT_ZH = "但|却|可是"


@lru_cache(maxsize=8)
def negation(extra_zh: tuple[str, ...] = (), extra_en: tuple[str, ...] = ()) -> re.Pattern[str]:
    """The pattern that finds a governing negation at the end of the text before a mention."""
    en = "|".join((*extra_en, *NEGATION_EN))
    zh = "|".join(sorted((*extra_zh, *NEGATION_ZH), key=len, reverse=True))
    return re.compile(
        rf"(?:\b(?:{en})\b(?:(?!\b(?:{_BUT_EN})\b)[^.;!?]){{0,60}}"
        rf"|(?:{zh})(?:(?!{_BUT_ZH})[^，。；;,!?！？]){{0,16}})$",
        re.IGNORECASE,
    )


def negated(text: str, start: int, extra_zh: tuple[str, ...] = (), extra_en: tuple[str, ...] = ()) -> bool:
    """Whether the mention that begins at ``start`` lies in a negated clause."""
    return bool(negation(extra_zh, extra_en).search(text[max(0, start - 80) : start]))
