"""Synthetic prescriptions drawn from the corpus formulas, written the way clinics write them.

For benchmarks, tuning and property tests (never for the evaluation's expected answers).
Each row is a corpus formula, optionally modified (herbs added or removed, doses jittered),
written with a random mix of name forms (simplified, traditional, pinyin, Latin, English),
dose forms (9g, 9克, 三钱, 4枚, a range, none), separators, 先煎/后下 notes and noise tokens.
Deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from tcm.analysis.index import AnalysisIndex, formula_grams, impute_grams
from tcm.corpora.io import Corpus
from tcm.names.forms import to_traditional

_CN = "零一二三四五六七八九十"
_SEPS = ("，", "，", ",", "、", " ", " ", "；", ", ", "")
_NOTES = ("（先煎）", "(先煎)", "（后下）", "(后下)", "（包煎）", " 先煎", "（烊化）")
_NOISE = ("水煎服", "日一剂", "每日1剂", "共7剂", "xx草", "？", "加减", "tid", "饭后服")
_BATCH = ("丸", "散", "丹", "膏")


@dataclass(frozen=True)
class SynthRow:
    text: str
    formula: str  # the corpus formula it was drawn from
    modified: bool


def _cn_number(n: int) -> str:
    if n <= 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n - 10] if n > 10 else "")
    tens, ones = divmod(n, 10)
    return _CN[tens] + "十" + (_CN[ones] if ones else "")


class Synth:
    """Draws noisy prescriptions; build once (name forms are precomputed), then call :meth:`rows`."""

    def __init__(self, corpus: Corpus, index: AnalysisIndex) -> None:
        herbs = {h.name_zh: h for h in corpus.herbs}
        self.forms: dict[str, list[str]] = {}
        for h in corpus.herbs:
            f = [h.name_zh, h.name_zh, h.name_zh, to_traditional(h.name_zh)]
            if h.pinyin:
                f += [" ".join(s.capitalize() for s in _plain(h.pinyin).split()), _plain(h.pinyin).replace(" ", "")]
            if h.latin:
                f.append(h.latin)
            if h.name_en:
                f.append(h.name_en.split(",")[0].strip())  # the corpus lists several English names, comma-separated
            self.forms[h.name_zh] = f
        self.formulas = []
        for f in corpus.formulas:
            cols = [index.col[i.herb] for i in f.composition]
            grams = impute_grams(cols, formula_grams(f), index.typical_dose)
            top = max(grams)
            if f.name_zh.endswith(_BATCH) or top > 60:  # batch amounts -> a daily decoction's scale
                grams = [g * 12.0 / top for g in grams]
            ingredients = [(i.herb, i.as_written, g, i.dose_text) for i, g in zip(f.composition, grams, strict=True)]
            self.formulas.append((f.name_zh, ingredients))
        used = sorted({i.herb for f in corpus.formulas for i in f.composition})
        self.extra = [h for h in used if herbs[h].nature]

    def rows(self, n: int, seed: int = 0, modify: float = 0.35, noise: float = 0.15) -> Iterator[SynthRow]:
        rng = random.Random(seed)
        for _ in range(n):
            yield self.one(rng, modify, noise)

    def one(self, rng: random.Random, modify: float = 0.35, noise: float = 0.15) -> SynthRow:
        name, ingredients = rng.choice(self.formulas)
        items = list(ingredients)
        modified = False
        if rng.random() < modify:
            modified = True
            if len(items) >= 4 and rng.random() < 0.5:
                items.pop(rng.randrange(len(items)))
            else:
                for _ in range(rng.choice((1, 1, 2))):
                    h = rng.choice(self.extra)
                    if all(h != i[0] for i in items):
                        items.insert(rng.randrange(len(items) + 1), (h, h, rng.choice((3.0, 6.0, 9.0, 10.0, 12.0)),
                                                                      None))
        style = rng.random()
        sep = rng.choice(_SEPS)
        with_dose = rng.random() < 0.9
        spaced = not sep.strip()  # names of several words only where a comma or dose ends each item
        parts = []
        for herb, written, grams, text in items:
            forms = self.forms[herb]
            label = written if rng.random() < 0.5 else rng.choice(forms)
            if spaced and not with_dose and " " in label:
                label = written
            if style < 0.15:
                label = to_traditional(label)
            dose = ""
            if with_dose:
                if text and ("枚" in text or "个" in text or "片" in text) and rng.random() < 0.7:
                    dose = text
                else:
                    g = max(1.0, round(grams * rng.choice((1.0, 1.0, 1.0, 0.67, 1.33, 1.5))))
                    r = rng.random()
                    if r < 0.12 and g % 3 == 0 and g <= 90:
                        dose = _cn_number(int(g // 3)) + "钱"
                    elif r < 0.45:
                        dose = f"{g:g}g"
                    elif r < 0.7:
                        dose = f"{g:g}克"
                    elif r < 0.85:
                        dose = f" {g:g}g"
                    elif r < 0.93:
                        dose = f" {g:g} g"
                    else:
                        dose = f"{max(1, g - 3):g}-{g:g}g"
            note = rng.choice(_NOTES) if rng.random() < 0.04 else ""
            parts.append(f"{label}{dose}{note}")
        if rng.random() < noise:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(_NOISE))
        if rng.random() < noise / 3 and parts:
            j = rng.randrange(len(parts))
            parts[j] = chr(rng.randrange(0x4E00, 0x9FA5)) + parts[j][1:]
        if not sep.strip() and not with_dose:
            sep = " "
        if sep == "" and any(not any(c.isdigit() or c in "钱枚个片" for c in p[-3:]) for p in parts):
            sep = "，"
        text = sep.join(parts)
        if rng.random() < 0.05:
            text = text.replace("，", ",").replace("g", "ｇ")
        return SynthRow(text, name, modified)


def _plain(toned: str) -> str:
    from tcm.names.forms import plain_pinyin

    return plain_pinyin(toned)
