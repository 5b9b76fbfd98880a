"""Patient state stated in free text: pregnancy and breastfeeding, in Chinese and English.

"我怀孕了" / "I'm 8 weeks pregnant" / "孕妇能喝益母草吗" make the pregnancy rules apply;
"我在哺乳期" / "I'm nursing my baby" make the lactation rules apply. A denial ("我没有怀孕",
"not pregnant or nursing", "已经断奶", "I stopped breastfeeding") is read as a denial, and
wishes or plans (想怀孕, 备孕, "trying to get pregnant") as nothing. The first mention that is
not merely planned decides; a flag the caller sets always wins over the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tcm.safety.negation import negated

# Words that deny a state, beyond the general negations (没有, not ...): 我不是孕妇, 没怀孕, 不在哺乳期.
_DENY_ZH = ("不是", "并非", "没", "未", "不在", "非")
_DENY_EN = (r"no longer", r"stopped", r"quit", r"weaned", r"finished", r"isn'?t", r"aren'?t", r"am not", r"i'?m not",
            r"is not", r"are not")

_STATES: dict[str, re.Pattern[str]] = {
    "pregnant": re.compile(
        r"怀孕|有孕|身孕|孕妇|孕期|孕早期|孕中期|孕晚期|早孕|妊娠|孕\d+周|孕[一二三四五六七八九十\d]+个?月|怀着(?:孩子|宝宝)|"
        r"\bpregnan(?:t|cy)\b|\bexpecting (?:a baby|twins|our|my|her)|\bexpectant mother\b|\bmother-to-be\b",
        re.IGNORECASE),
    "breastfeeding": re.compile(
        r"哺乳|喂奶|母乳喂养|喂母乳|吃母乳|授乳|奶水不足|涨奶|"
        r"\bbreast-?feed(?:ing|s)?\b|\bbreast feeding\b|\blactat(?:ing|ion)\b|\bnursing (?:my|a|the|our|her)\b|"
        r"\b(?:i'?m|i am|she'?s|she is|while) nursing\b|\bbreast ?milk\b|\bpumping\b",
        re.IGNORECASE),
}
# Planned or wished for, not a present state: 想怀孕, 备孕, 准备怀孕, trying to get pregnant.
_PLANNED = re.compile(r"(?:想|要|准备|计划|打算|希望|备|争取|试着)$|(?:trying|want|wanting|plan(?:ning)?|hop(?:e|ing)) "
                      r"(?:to )?(?:get |become |be )?$|(?:get|getting|become|becoming) $", re.IGNORECASE)
# Breastfeeding is over: 已经断奶, 断奶了 (wanting to wean, 想断奶, is still breastfeeding).
_ENDED = re.compile(r"已经?断奶|断奶了|停止哺乳了|\bweaned\b", re.IGNORECASE)


@dataclass(frozen=True)
class StatedState:
    """One state read from the text: its name, whether it holds, and the words it was read from."""

    state: str
    value: bool
    words: str


def infer_state(text: str | None) -> list[StatedState]:
    """Pregnancy and breastfeeding as the text states or denies them (one entry per state mentioned)."""
    from tcm.corpora.names import to_simplified

    if not text:
        return []
    simple = to_simplified(text)
    text = simple if len(simple) == len(text) else text
    out = []
    for state, pattern in _STATES.items():
        for m in pattern.finditer(text):
            before = text[max(0, m.start() - 12) : m.start()]
            if _PLANNED.search(before):
                continue
            denied = negated(text, m.start(), _DENY_ZH, _DENY_EN)
            if state == "breastfeeding" and _ENDED.search(text):
                denied = True
            clause = _clause(text, m.start(), m.end())
            out.append(StatedState(state, not denied, clause))
            break
    return out


def _clause(text: str, start: int, end: int) -> str:
    """The words around a mention, up to the clause's edges, to show what the state was read from."""
    stops = "，,。.;；!?！？\n"
    a = max((text.rfind(c, 0, start) for c in stops), default=-1) + 1
    b = min((i for i in (text.find(c, end) for c in stops) if i >= 0), default=len(text))
    return text[a:b].strip()
