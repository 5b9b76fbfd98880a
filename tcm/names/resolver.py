"""The one name resolver of the project: herbs, drugs, formulas and syndromes from any form a person writes.

Herbs: simplified or traditional characters, pinyin with or without tones and spaces, the
Latin pharmaceutical name, English common names ("licorice root", "dong quai"), aliases and
common writings (白芨), processed forms (生甘草, 黑顺片). Drugs: generic (INN) names, brand names
(Coumadin), Chinese names (华法林). Every lookup is a hit in the one :class:`~tcm.names.index.NameIndex`;
doses and the items of a prescription follow the one grammar of :mod:`tcm.names.doses`.

A name that may mean more than one herb (沙参: 北沙参 or 南沙参; bare 乌头: 川乌 or 草乌) gives one
mention per herb, each marked ``ambiguous``, so the safety engine checks every herb it may be.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from tcm.corpora.io import Corpus
from tcm.corpora.rules import root_of
from tcm.names.doses import (
    MODERN_UNITS,
    clean_item,
    match_dose,
    parse_dose,
    split_items,
    split_trailing_dose,
    strip_drug_dose,
    units_for,
)
from tcm.names.forms import normalize_name, strip_processing, to_simplified
from tcm.names.index import LINKED, NameIndex, query_keys

_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_NOTES = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")
_DRUG_SEP = re.compile(r"[，,、;；\n\r/|+]+|\s+and\s+|\s*和\s*|\s*及\s*|\s*与\s*")
_WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
_MAX_CJK = 16  # longest Chinese name scanned for in free text (syndrome terms are long)
_MAX_WORDS = 12  # longest romanised name scanned for, in words
_SCAN_KINDS = ("syndrome", "formula", "drug", "herb")  # a later kind wins a key shared in free text


@dataclass(frozen=True)
class HerbMention:
    """A herb found in input: what was written, the herb it is, and its dose if one was given."""

    input: str
    name_zh: str
    dose_g: float | None = None
    dose_text: str | None = None
    dose_max_g: float | None = None  # the upper end when a range was written (6～12g → 12)
    written: str | None = None  # the name as written (simplified, no dose or notes): 荷叶炭, 生川乌, 沙参
    notes: tuple[str, ...] = ()  # preparation notes written with it: 先煎, 后下
    ambiguous: tuple[str, ...] = ()  # every herb the written name may mean, when it may mean more than one

    @property
    def judged_g(self) -> float | None:
        """The grams a limit is judged by: the top of a written range (6～12g → 12)."""
        return None if self.dose_g is None else max(self.dose_g, self.dose_max_g or 0.0)


@dataclass(frozen=True)
class DrugMention:
    input: str
    name_en: str


class NameResolver:
    """Maps any written name to canonical herb ``name_zh``, drug ``name_en``, formula or syndrome names."""

    def __init__(self, corpus: Corpus, index: NameIndex | None = None) -> None:
        self.index = index or NameIndex(corpus)
        self.herbs = {h.name_zh: h for h in corpus.herbs}
        self.drugs = {d.name_en: d for d in corpus.drugs}
        self._parent = {h.name_zh: h.form_of for h in corpus.herbs}
        tables = self.index.tables
        # free-text scanning: later kinds win a shared key (a herb over a formula of the same name)
        self._scan = {k: (kind, v) for kind in _SCAN_KINDS for k, v in tables[kind].items()}
        # the longest romanised key, in words: 'ma huang xing ren gan cao shi gao tang' has nine
        self._max_words = min(_MAX_WORDS, max((k.count(" ") + 1 for k in self._scan if k.isascii()), default=1))

    # ------------------------------------------------------------------ single names
    def resolve(self, text: str, kind: str) -> tuple[str, ...]:
        """Every entity of ``kind`` ('herb', 'drug', 'formula', 'syndrome', 'disease') a written name may mean.

        Herbs: a processed form not listed as a name reads as its herb (生甘草, 三七粉, 炙麻黄 → 甘草, 三七, 麻黄);
        drugs: a dosage form and salt are dropped when the plain name fails (阿司匹林肠溶片, 华法林钠片)."""
        return self.index.resolve(text, kind)

    def herb(self, text: str) -> str | None:
        """The herb a written name means, or None (also when it may mean several: see :meth:`resolve`)."""
        return _one(self.resolve(text, "herb"))

    def drug(self, text: str) -> str | None:
        """Canonical (generic, lower-case) drug name for one written name, or None."""
        return _one(self.resolve(text, "drug"))

    def formula(self, text: str) -> str | None:
        """Canonical formula name (麻黃湯, ma huang tang, Ephedra Decoction, 地黄丸 → …), or None."""
        return _one(self.resolve(text, "formula"))

    def syndrome(self, text: str) -> str | None:
        """Canonical syndrome name for a GB/T term, synonym or code, or None."""
        return _one(self.resolve(text, "syndrome"))

    # ------------------------------------------------------------------ entity linking (retrieval)
    def link(self, text: str, fuzzy: bool = True, limit: int = 5) -> list[tuple[str, float]]:
        """Graph ids (``herb:``, ``formula:``, ``syndrome:``, ``disease:``) a written name refers to, best first.

        Confidence 1.0 for an exact name form (the same keys the resolver and ``store.find`` use); 0.97 for
        the same words in another order ('Radix Astragali'); then, only when nothing matched and ``fuzzy``
        is set, 0.9 for a Chinese name that reads the same in pinyin (黄奇 → 黄芪) and the string similarity
        (>= 0.8) of a misspelt name ('Astragulus root', 'xiao chai hu tan', 小柴湖汤). The fuzzy tables are
        built on first use, so the safety engine, which never links free names, pays nothing for them.
        """
        keys = query_keys(text)
        if not keys:
            return []
        out = dict.fromkeys(self.index.ids(text, LINKED), 1.0)
        key = normalize_name(to_simplified(text))
        if not out and " " in key:
            from tcm.names.index import bag

            for eid in self.index.fuzzy.bags.get(bag(key), ()):
                out.setdefault(eid, 0.97)
        if not out and fuzzy:
            out = self.index.fuzzy.match(key)
        return sorted(out.items(), key=lambda kv: -kv[1])[:limit]

    def sound_alikes(self, text: str) -> list[tuple[str, str]]:
        """(written, herb) for each run of 2–4 Chinese characters in free text that is no name but reads like a
        herb's (黄奇 → 黄芪, 当贵 → 当归): what a question misspelt, to ask about, never to answer as if said."""
        out: list[tuple[str, str]] = []
        fuzzy = self.index.fuzzy
        for run in _CJK_RUN.findall(to_simplified(text)):
            for n in (4, 3, 2):
                for i in range(len(run) - n + 1):
                    w = run[i : i + n]
                    if any(w in seen for seen, _ in out) or self.index.ids(w, LINKED):
                        continue
                    out += [(w, e.split(":", 1)[1]) for e in fuzzy.sounds.get(fuzzy.sound(w), ())
                            if e.startswith("herb:")]
        return out

    def root(self, herb: str) -> str:
        """The crude drug a processed form comes from (炙甘草 → 甘草)."""
        return root_of(herb, self._parent)

    def lineage(self, herb: str) -> list[str]:
        """The herb, then each herb it is a form of, nearest first (制川乌 → [制川乌, 川乌])."""
        out = [herb]
        while (p := self._parent.get(out[-1])) and p not in out:
            out.append(p)
        return out

    # ------------------------------------------------------------------ lists
    def parse_herbs(self, text: str, units: str = "modern") -> tuple[list[HerbMention], list[str]]:
        """Herbs and doses from a prescription as people write it.

        ``麻黄9g，桂枝6g`` / ``Ma Huang 9g, dong quai`` / ``麻黃三兩`` / ``大枣4枚`` / ``附子10g（先煎）`` /
        ``麻黄 桂枝 甘草``. ``units`` names the convention for classical units ('modern': 1 两 = 30 g;
        'han': 1 两 = 15.625 g). Returns (mentions in input order, pieces that resolved to nothing):
        every non-empty piece ends in one or the other; notes (先煎, （去皮）) are kept on the herb.
        """
        table = MODERN_UNITS if units == "modern" else units_for(units)
        found: list[HerbMention] = []
        unresolved: list[str] = []
        undosed = 0  # where the run of herbs written without a dose starts (for 黄连、黄芩各9g)
        last = 0  # where the previous item's mentions start (a note on its own belongs to them)
        for chunk in split_items(text, self.index.protected):
            piece, notes = clean_item(to_simplified(unicodedata.normalize("NFKC", chunk)))  # ９ｇ → 9g
            if not piece:
                if notes:  # 青礞石12g 先煎: the note belongs to the item before it
                    found[last:] = [replace(m, notes=m.notes + notes) for m in found[last:]]
                continue
            last = len(found)
            name, dose_text, each = split_trailing_dose(piece, self.index.protected)
            dose = parse_dose(dose_text, units=table) if dose_text else None
            names, leftover = self._names_in(name.strip())
            if names:
                unresolved += leftover
            else:
                unresolved.append(chunk.strip())  # a name nobody knows, or a dose with no name (9g)
            for i, (written, herbs) in enumerate(names):
                # 麻黄 桂枝 9g: the dose belongs to the herb it follows, unless written 各 (each)
                gets = dose is not None and (each or i == len(names) - 1)
                for herb in herbs:
                    found.append(HerbMention(
                        input=chunk.strip() if len(names) == 1 else written,
                        name_zh=herb,
                        dose_g=dose.grams if gets else None,
                        dose_text=dose_text if (gets and dose.grams is None) else None,
                        dose_max_g=dose.grams_max if gets else None,
                        written=written, notes=notes,
                        ambiguous=herbs if len(herbs) > 1 else (),
                    ))
            if dose is not None and each:  # 各: the same dose for the undosed herbs before it
                found[undosed:] = [m if m.dose_g is not None or m.dose_text else
                                   replace(m, dose_g=dose.grams, dose_text=None if dose.grams else dose_text,
                                           dose_max_g=dose.grams_max) for m in found[undosed:]]
            if dose is not None:
                undosed = len(found)
        return found, unresolved

    def _names_in(self, name: str) -> tuple[list[tuple[str, tuple[str, ...]]], list[str]]:
        """The herbs named in one item: a name, or several without separators (``麻黄 桂枝``, ``麻黄桂枝``).

        Returns ([(name as written, the herbs it may mean)], parts that resolved to nothing). Exact names
        win over processed readings, so 生姜乌梅 is 生姜 and 乌梅, not 乌梅 'processed with 生姜'."""
        if not name:
            return [], []
        if hit := self.index.lookup(name, "herb"):
            return [(name, hit)], []
        for base in strip_processing(name):  # one processing mark on an exact name: 姜厚朴, 盐黄柏
            if hit := self.index.lookup(base, "herb"):
                return [(name, hit)], []
        if all(_CJK.match(c) for c in name):
            out, i = [], 0
            while i < len(name):
                span = range(min(len(name), i + _MAX_CJK), i + 1, -1)
                # the longest exact name here, else the longest processed reading
                j, hit = next(((j, h) for j in span if (h := self.index.lookup(name[i:j], "herb"))), (0, ()))
                if not hit:
                    j, hit = next(((j, h) for j in span if (h := self.resolve(name[i:j], "herb"))), (0, ()))
                if not hit:
                    return [], [name]
                out.append((name[i:j], hit))
                i = j
            return out, []
        runs: list[str] = []  # 麻黄 桂枝 / 桂枝 Ma Huang: each Chinese word alone, romanised words together
        for word in name.split():
            if runs and not _CJK.search(word) and not _CJK.search(runs[-1]):
                runs[-1] += " " + word
            else:
                runs.append(word)
        if len(runs) > 1:
            out, left = [], []
            for run in runs:
                h, lo = self._names_in(run)
                out += h
                left += lo
            return out, left
        if " " in name:  # several romanised names: the longest run of words that is a name, at each word
            words, out, i = name.split(), [], 0
            while i < len(words):
                j, hit = next(((j, h) for j in range(len(words), i, -1)
                               if (h := self.resolve(" ".join(words[i:j]), "herb"))), (0, ()))
                if not hit:
                    return [], [name]
                out.append((" ".join(words[i:j]), hit))
                i = j
            return out, []
        if hit := self.resolve(name, "herb"):
            return [(name, hit)], []
        return [], [name]

    def parse_drugs(self, text: str) -> tuple[list[DrugMention], list[str]]:
        """Drugs from a list such as ``Coumadin, aspirin 100mg`` or ``华法林、地高辛``."""
        found: list[DrugMention] = []
        unresolved: list[str] = []
        for chunk in _DRUG_SEP.split(text):
            piece = strip_drug_dose(_NOTES.sub("", chunk).strip())
            if not piece:
                continue
            names = self.resolve(piece, "drug")
            if names:
                found += [DrugMention(chunk.strip(), n) for n in names]
            else:
                unresolved.append(chunk.strip())
        return found, unresolved

    # ------------------------------------------------------------------ free text
    def scan(self, text: str, units: str = "modern") -> tuple[list[HerbMention], list[DrugMention]]:
        """Herbs (with a dose written right after them) and drugs mentioned anywhere in free text."""
        herbs, drugs, _ = self.scan_all(text, units)
        return herbs, drugs

    def scan_all(self, text: str, units: str = "modern"
                 ) -> tuple[list[HerbMention], list[DrugMention], list[tuple[str, str, str]]]:
        """Like :meth:`scan`, plus formulas and syndromes as (type, canonical name, surface), in text order."""
        table = MODERN_UNITS if units == "modern" else units_for(units)
        herbs: list[HerbMention] = []
        drugs: list[DrugMention] = []
        others: list[tuple[str, str, str]] = []

        def hit(kind: str, values: tuple[str, ...], surface: str, end: int) -> None:
            if kind in ("formula", "syndrome"):
                for value in values:
                    if (kind, value) not in {(k, v) for k, v, _ in others}:
                        others.append((kind, value, surface))
                return
            if kind == "drug":
                drugs.extend(DrugMention(surface, v) for v in values)
                return
            m = match_dose(text, end)
            dose = parse_dose(m.group(0), units=table) if m else None
            written = to_simplified(surface)
            herbs.extend(HerbMention(surface, value, dose.grams if dose else None,
                                     dose.text if dose and dose.grams is None else None,
                                     dose.grams_max if dose else None, written=written,
                                     ambiguous=values if len(values) > 1 else ()) for value in values)

        # Chinese: longest match at each position (on the simplified text when conversion keeps positions)
        simple = to_simplified(text)
        simple = simple if len(simple) == len(text) else text
        i, n = 0, len(text)
        while i < n:
            if not _CJK.match(text[i]):
                i += 1
                continue
            run = i
            while run < n and _CJK.match(text[run]):
                run += 1
            for j in range(min(run, i + _MAX_CJK), i + 1, -1):
                key = simple[i:j]
                if key in self._scan:
                    kind, value = self._scan[key]
                    hit(kind, value, text[i:j], j)
                    i = j
                    break
            else:
                i += 1
        # romanised: longest run of words at each word
        lower = text.lower()
        words = list(_WORD.finditer(lower))
        k = 0
        while k < len(words):
            for w in range(min(self._max_words, len(words) - k), 0, -1):
                span = words[k : k + w]
                surface = text[span[0].start() : span[-1].end()]
                key = normalize_name(surface)
                if len(key.replace(" ", "")) >= 4 and key in self._scan:
                    kind, value = self._scan[key]
                    hit(kind, value, surface, span[-1].end())
                    k += w
                    break
            else:
                k += 1
        return _dedupe(herbs), _dedupe(drugs), others


def _one(values: tuple[str, ...]) -> str | None:
    return values[0] if len(values) == 1 else None


def _dedupe(items: list) -> list:
    seen, out = set(), []
    for it in items:
        key = (getattr(it, "name_zh", None) or getattr(it, "name_en", None), getattr(it, "dose_g", None))
        if key not in seen:
            seen.add(key)
            out.append(it)
    return out


def default_resolver(corpora_dir: str | None = None) -> NameResolver:
    """The resolver for the configured corpus (the one of :mod:`tcm.context`), or for another corpus
    folder; built once per process."""
    if corpora_dir is None:
        from tcm.context import default_context

        return default_context().resolver
    return _resolver_for(str(corpora_dir))


@lru_cache(maxsize=4)
def _resolver_for(corpora_dir: str) -> NameResolver:
    from pathlib import Path

    from tcm.corpora.io import load_corpus

    return NameResolver(load_corpus(Path(corpora_dir)))
