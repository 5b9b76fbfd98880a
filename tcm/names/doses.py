"""The one dose grammar: dose text → grams, and where a prescription's items begin and end.

Shared by the resolver (so by the safety engine and batch analysis) and the importers.

Prescriptions and source tables write doses in many forms: ``9g``, ``9克``, ``6～9g``,
OCR-damaged ``lOg``, classical ``三钱`` / ``一两`` / ``二钱五分``, counts such as ``3枚`` and vague
amounts such as ``适量``. :func:`parse_dose` turns any of these into a :class:`Dose` without
ever guessing: counts and volumes keep their amount and unit but get no grams, because a
jujube or a slice of ginger has no fixed weight (a curated per-herb table may add one later).

Classical units follow the modern decimal convention used by Chinese textbooks
(1 两 = 30 g, 1 钱 = 3 g, 1 分 = 0.3 g, 1 斤 = 500 g); pass ``units=`` to use another
convention: :data:`HAN_UNITS` reads the weights of the 伤寒论 and 金匮要略 by the Eastern Han
standard measured by 柯雪帆 et al. (1 斤 = 250 g, 1 两 = 15.625 g).

A prescription is a list of items (``麻黄9g，桂枝6g（去皮）``): :func:`split_items` cuts it where
a separator or a dose ends an item, and :func:`clean_item` takes off the notes (先煎, 后下,
（去皮）) an item carries, keeping the decoction notes for the safety engine.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "COUNT_UNITS",
    "DECOCTION_NOTES",
    "EXTERNAL_NOTES",
    "HAN_UNITS",
    "MODERN_UNITS",
    "PREP_NOTES",
    "UNIT_CONVENTIONS",
    "VAGUE_DOSES",
    "Dose",
    "chinese_number",
    "clean_item",
    "match_dose",
    "parse_dose",
    "split_items",
    "split_trailing_dose",
    "strip_drug_dose",
    "units_for",
]

#: Grams per unit under the modern convention (钱 = 3 g, 两 = 30 g, 分 = 0.3 g, 斤 = 500 g).
MODERN_UNITS: Mapping[str, float] = {
    "mg": 0.001,
    "g": 1.0,
    "kg": 1000.0,
    "厘": 0.03,
    "分": 0.3,
    "钱": 3.0,
    "两": 30.0,
    "斤": 500.0,
}

#: Grams per unit in the Eastern Han (东汉) system of the 伤寒论 and 金匮要略: 1 斤 = 16 两 = 250 g,
#: 1 两 = 24 铢 = 15.625 g, after the bronze weight of the Guanghe era (光和大司农铜权) as measured by
#: 柯雪帆, 赵章忠, 张玉萍, 程磐基:《伤寒论》和《金匮要略》中的药物剂量问题, 上海中医药杂志 1983(12):36-38
#: (source id ``ke-xuefan-1983``). 钱 was not a Han weight and the Han 分 is disputed, so they get no
#: grams under this convention (the amount is kept as text and never guessed); metric units stay metric.
HAN_UNITS: Mapping[str, float] = {
    "mg": 0.001,
    "g": 1.0,
    "kg": 1000.0,
    "铢": 15.625 / 24,
    "两": 15.625,
    "斤": 250.0,
}

#: The unit conventions a caller may choose by name (``--units``).
UNIT_CONVENTIONS: Mapping[str, Mapping[str, float]] = {"modern": MODERN_UNITS, "han": HAN_UNITS}


def units_for(convention: str) -> Mapping[str, float]:
    """The grams-per-unit table of a convention ('modern' or 'han'); ValueError for another name."""
    try:
        return UNIT_CONVENTIONS[convention]
    except KeyError:
        raise ValueError(f"unknown unit convention {convention!r}; use {' or '.join(UNIT_CONVENTIONS)}") from None


#: Units that count pieces or measure volume: they have an amount but no weight.
COUNT_UNITS = frozenset("枚个片条只支根茎粒颗匙勺升合页张盏把撮滴头")

#: Amounts that are not numbers at all.
VAGUE_DOSES = ("各等分", "等分", "适量", "少许", "少量", "酌量", "若干", "微量")

_UNIT_ALIASES = {
    "毫克": "mg",
    "mg": "mg",
    "MG": "mg",
    "Mg": "mg",
    "千克": "kg",
    "公斤": "kg",
    "kg": "kg",
    "KG": "kg",
    "Kg": "kg",
    "克": "g",
    "公克": "g",
    "g": "g",
    "G": "g",
}
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_MULT = {"十": 10, "百": 100, "千": 1000}

_METRIC_UNIT = r"毫克|千克|公斤|公克|克|mg|MG|Mg|kg|KG|Kg|g|G"
_CLASSIC_UNIT = r"斤|两|钱|分|厘|铢"
_WEIGHT_UNIT = rf"{_METRIC_UNIT}|{_CLASSIC_UNIT}"
_COUNT_UNIT = "[" + "".join(sorted(COUNT_UNITS)) + "]"
_UNIT = rf"(?:{_WEIGHT_UNIT}|{_COUNT_UNIT})"
# A Chinese numeral; 两 counts as "two" only where a unit follows that 两 cannot be (两钱, 两枚).
_CN_NUM = rf"(?:[零〇一二三四五六七八九十百千]+半?|半|两(?=[钱分厘]|{_COUNT_UNIT}))"
_NUM = rf"(?:\d+(?:\.\d+)?|\.\d+|{_CN_NUM})"
_SP = r"[ \t]*"  # spaces inside a dose; a line break always ends one
# 二钱五分, 一两半: smaller classical units follow a classical one directly; 9g三钱 is two amounts, not one
_QTY = rf"{_NUM}{_SP}(?:(?:{_CLASSIC_UNIT})(?:{_NUM}(?:钱|分|厘|铢))*|{_METRIC_UNIT}|{_COUNT_UNIT})(?:半)?"
_RANGE_SEP = rf"{_SP}(?:～|~|〜|－|-|—|–|至|到){_SP}"
_DOSE = rf"(?:{_NUM}{_SP}(?:{_UNIT})?{_RANGE_SEP}{_QTY}|{_QTY})"
_DOSE_RE = re.compile(_DOSE)
_TRAILING_RE = re.compile(rf"(各)?\s*({_DOSE}|{'|'.join(VAGUE_DOSES)})\s*$")
_PIECE_RE = re.compile(rf"({_NUM}){_SP}({_UNIT})?")
# OCR: a digit run written with l/I for 1 and O/o for 0 ("lOg", "3～lOg").
_OCR_RE = re.compile(r"(?<![A-Za-z])([0-9lIOo][0-9lIOo.]*)(?=\s*(?:mg|kg|g)?(?![A-Za-z]))")


@dataclass(frozen=True)
class Dose:
    """A parsed dose.

    ``grams`` is the weight in grams (the midpoint for a range), or None when the text
    gives no weight (a count, a volume, ``适量``, or something unreadable). ``text`` is the
    input as given. ``unit`` is the normalised unit (``g``, ``mg``, ``kg``, ``钱``, ``枚`` …)
    or None. ``amount`` is the number in that unit (3 for ``3枚``; the midpoint for a range).
    """

    grams: float | None
    text: str
    unit: str | None
    amount: float | None = None
    grams_min: float | None = None
    grams_max: float | None = None

    @property
    def is_range(self) -> bool:
        return self.grams_min is not None and self.grams_max is not None and self.grams_min != self.grams_max

    @property
    def is_count(self) -> bool:
        """True for counted or measured amounts (``3枚``, ``7升``) that have no weight."""
        return self.unit is not None and self.unit in COUNT_UNITS


def chinese_number(text: str) -> float | None:
    """Value of a Chinese numeral (``十二`` → 12, ``一百二十`` → 120, ``半`` → 0.5, ``一两半``-style
    trailing ``半`` → +0.5); None when the text is not one."""
    s = text.strip()
    if not s:
        return None
    half = 0.0
    if s.endswith("半"):
        half, s = 0.5, s[:-1]
        if not s:
            return half
    total, digit = 0, None
    for ch in s:
        if ch in _CN_DIGITS:
            if digit is not None:  # 二五 style digit strings are not numerals we accept
                return None
            digit = _CN_DIGITS[ch]
        elif ch in _CN_MULT:
            total += (1 if digit is None else digit) * _CN_MULT[ch]
            digit = None
        else:
            return None
    if digit is not None:
        total += digit
    return total + half


def _number(token: str) -> float | None:
    try:
        return float(token)
    except ValueError:
        return chinese_number(token)


def _fix_ocr(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        run = m.group(1)
        if not any(c.isdigit() for c in run) and not re.search(r"[lIO]", run):
            return run
        if run in {"o", "O", "l", "I"} and not m.string[m.end() :].lstrip().startswith(("g", "mg", "kg")):
            return run
        return run.translate(str.maketrans("lIOo", "1100"))

    return _OCR_RE.sub(repl, text)


def _quantity(text: str, units: Mapping[str, float]) -> tuple[float | None, str | None, float | None]:
    """(amount in the first unit, unit, grams) of one quantity such as ``二钱五分``, ``一两半`` or ``9g``."""
    t = text.strip()
    half = len(t) > 1 and t.endswith("半") and (t[-2] in COUNT_UNITS or t[-2] in "两钱分厘铢斤克gG")
    if half:
        t = t[:-1]
    pieces = _PIECE_RE.findall(t)
    if not pieces:
        return None, None, None
    amount = _number(pieces[0][0])
    unit = _UNIT_ALIASES.get(pieces[0][1], pieces[0][1]) or None
    if amount is None:
        return None, None, None
    if half and len(pieces) == 1:
        amount += 0.5
    if unit is None or unit not in units:
        return amount, unit, None
    grams = amount * units[unit]
    last = unit
    for num, sub in pieces[1:]:  # 二钱五分, 一钱二分
        value, last = _number(num), _UNIT_ALIASES.get(sub, sub)
        if value is None or last not in units:
            return amount, unit, None
        grams += value * units[last]
    if half and len(pieces) > 1:  # 一钱二分半: the half belongs to the last unit
        grams += 0.5 * units[last]
    if len(pieces) > 1:  # 二钱五分 is 2.5 钱
        amount = grams / units[unit]
    return amount, unit, grams


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def parse_dose(text: str, *, units: Mapping[str, float] = MODERN_UNITS, bare_unit: str | None = None) -> Dose:
    """Parse one dose; never raises. Unreadable text gives ``Dose(None, text, None)``.

    Notes around the dose (``9g（先煎）``, ``各3g``, ``约6g``) are ignored; where a text holds
    both a weight and a count (``五十个，9g``) the weight wins. A bare number (``9``) has no
    unit and so no grams, unless ``bare_unit`` (e.g. ``"g"``) says what such numbers mean.
    """
    raw = text if isinstance(text, str) else str(text)
    s = _fix_ocr(unicodedata.normalize("NFKC", raw).strip())
    if not s:
        return Dose(None, raw, None)
    if bare_unit and re.fullmatch(rf"{_NUM}(?:{_RANGE_SEP}{_NUM})?", s):
        s += bare_unit
    matches = list(_DOSE_RE.finditer(s))
    if not matches:
        return Dose(None, raw, None)
    parsed = [_parse_match(m.group(0), units) for m in matches]
    weighted = [p for p in parsed if p.grams is not None]
    best = weighted[0] if weighted else parsed[0]
    return Dose(best.grams, raw, best.unit, best.amount, best.grams_min, best.grams_max)


def _parse_match(expr: str, units: Mapping[str, float]) -> Dose:
    parts = re.split(_RANGE_SEP, expr, maxsplit=1)
    if len(parts) == 2 and _PIECE_RE.match(parts[0]) and parts[0].strip():
        lo_amount, lo_unit, lo_g = _quantity(parts[0], units)
        hi_amount, hi_unit, hi_g = _quantity(parts[1], units)
        if lo_amount is not None and hi_amount is not None:
            unit = hi_unit or lo_unit
            if lo_unit is None and hi_unit in units:  # 6～9g: the left side takes the right's unit
                lo_g = lo_amount * units[hi_unit]
            if lo_unit not in (None, hi_unit):  # 6g～9g is fine; 3钱～9g: amounts are not comparable
                lo_amount = None
            amount = (lo_amount + hi_amount) / 2 if lo_amount is not None else None
            if lo_g is not None and hi_g is not None and 0 < lo_g <= hi_g:
                return Dose(_round((lo_g + hi_g) / 2), expr, unit, _round(amount), _round(lo_g), _round(hi_g))
            return Dose(None, expr, unit, _round(amount))
    amount, unit, grams = _quantity(expr, units)
    if grams is not None and grams <= 0:
        grams = None
    return Dose(_round(grams), expr, unit, _round(amount), _round(grams), _round(grams))


def match_dose(text: str, pos: int = 0) -> re.Match | None:
    """A dose written at ``pos`` (after optional spaces), e.g. the ``9g`` of ``麻黄 9g，``; None if none."""
    m = re.compile(_SP).match(text, pos)
    start = m.end() if m else pos
    return _DOSE_RE.match(text, start)


def split_trailing_dose(text: str, protected: Iterable[str] = ()) -> tuple[str, str | None, bool]:
    """Split a name glued to its dose: ``桑叶三钱`` → (``桑叶``, ``三钱``, False),
    ``大戟各等分`` → (``大戟``, ``等分``, True), ``麻黄9g`` → (``麻黄``, ``9g``, False).

    Returns (name, dose text or None, each); ``each`` says the dose was written with 各
    ("each of the preceding"). A name that only ends in a numeral (``三七``) is left alone, and
    so is a ``protected`` name that reads like a dose (蜜百合: 百 合 is not "a hundred 合").
    """
    s = text.strip()
    pos = 0
    # the first readable dose that ends the text and does not begin inside a name (三七三钱: 三钱, not 七三钱)
    while m := _TRAILING_RE.search(s, pos):
        dose = m.group(2)
        if m.start() > 0 and not _inside(s, m.start(2), protected) and (
                dose[0].isdigit() or dose in VAGUE_DOSES or parse_dose(dose).amount is not None):
            break
        pos = m.start() + 1
    else:
        return s, None, False
    dose, each = m.group(2), bool(m.group(1))
    if dose == "各等分":
        dose, each = "等分", True
    return s[: m.start()].rstrip(), dose, each


def strip_drug_dose(text: str) -> str:
    """A Western drug as written without its strength and what follows (``aspirin 100mg daily`` → ``aspirin``)."""
    return _DRUG_DOSE.sub("", text).strip()


_DRUG_DOSE = re.compile(r"\s*\d[\d.,]*\s*(mg|g|µg|mcg|ug|ml|iu|units?|毫克|克|片)?\b.*$", re.IGNORECASE)

# ---------------------------------------------------------------- items of a prescription

#: What separates items: punctuation, line ends, ' + '; 。and ： end items too (处方：麻黄9g。水煎服).
LIST_SEP = re.compile(r"[，,、;；。：:\n\r|]+|\s+\+\s+")
#: Notes written after a herb that are not part of its name (how to decoct or take it, or process it).
PREP_NOTES = ("布包先煎", "先煎", "后下", "包煎", "另煎", "另炖", "烊化", "冲服", "兑服", "后入", "同煎", "久煎",
              "打碎", "捣碎", "布包", "外用", "外敷")
#: Notes that say the herb is not taken by mouth.
EXTERNAL_NOTES = frozenset({"外用", "外敷"})
#: Notes that say the herb goes into a decoction (the pharmacopoeia's 煎汤 dose applies).
DECOCTION_NOTES = frozenset({"布包先煎", "先煎", "后下", "包煎", "另煎", "同煎", "久煎", "布包", "后入"})
_NOTE = re.compile(r"[（(【\[]([^）)】\]]*)[）)】\]]")
_CN_DIGITS_TRAD = "零〇一二三四五六七八九十百千"  # as _CN_NUM, before a traditional unit (二兩)
# A dose ends an item when more text follows it: 麻黄9g桂枝6g → 麻黄9g，桂枝6g (numerals and units of the grammar
# above, in traditional forms too since items are cut before conversion; a note after the dose stays with it).
_ITEM_END = re.compile(
    rf"((?:(?:\d+(?:\.\d+)?|{_CN_NUM}|[{_CN_DIGITS_TRAD}]+){_SP}"
    rf"(?:(?:{_CLASSIC_UNIT}|[錢兩釐銖])(?:{_NUM}(?:钱|分|厘|铢|錢|釐|銖))*|{_METRIC_UNIT}|[枚个片粒個ｇ])半?"
    rf"|{'|'.join(VAGUE_DOSES)})"
    r"(?:\s*[（(【\[][^）)】\]]*[）)】\]])?)"
    r"(?=\s*[\u3400-\u9fffA-Za-z])")


def split_items(text: str, protected: Iterable[str] = ()) -> list[str]:
    """The items of a prescription, stripped, in order; empty pieces are dropped (they hold no token).

    ``protected`` names (a herb such as 两头尖 or 百两金) are never cut where they read like a dose."""
    present = [name for name in protected if name in text]

    def cut(m: re.Match[str]) -> str:
        return m.group(1) if _inside(text, m.start(1), present) else m.group(1) + "，"

    cut_text = _ITEM_END.sub(cut if present else r"\1，", text)
    return [p for p in (p.strip() for p in LIST_SEP.split(cut_text)) if p]


def clean_item(item: str) -> tuple[str, tuple[str, ...]]:
    """An item without its notes, and the preparation notes it carried.

    ``附子10g（先煎）`` → (``附子10g``, (``先煎``,)). Bracketed notes (（去皮）) are dropped; of their
    words only the known preparation notes are kept."""
    notes = [w for w in PREP_NOTES if w in item]
    notes = [w for w in notes if not any(w != o and w in o for o in notes)]  # 布包先煎, not also 先煎 and 布包
    s = _NOTE.sub("", item)
    for w in PREP_NOTES:
        s = s.replace(w, "")
    return s.strip(" \t：:。."), tuple(notes)


def _inside(text: str, pos: int, protected: Iterable[str]) -> bool:
    """True when ``pos`` falls within an occurrence of a protected name (两头尖: 两头 is not 'two heads')."""
    for name in protected:
        start = text.find(name)
        while start != -1:
            if start <= pos < start + len(name):
                return True
            start = text.find(name, start + 1)
    return False
