"""The one name resolver of the project: herbs and Western drugs from any form a person writes.

Herbs: simplified or traditional characters, pinyin with or without tones and spaces, the
Latin pharmaceutical name, English common names ("licorice root", "dong quai"), aliases.
Drugs: generic (INN) names, brand names (Coumadin), Chinese names (华法林). Doses come from
:mod:`tcm.corpora.doses` (g, 克, mg, 钱, 两, 分, Chinese numerals, 大枣4枚).

Lookups are dictionary hits on :func:`tcm.corpora.names.normalize_name` keys, so a check
costs microseconds; the index is built once per corpus.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property, lru_cache

from tcm.corpora.doses import match_dose, parse_dose, split_trailing_dose
from tcm.corpora.io import Corpus
from tcm.corpora.names import name_keys, normalize_name, strip_processing, to_simplified, to_traditional
from tcm.corpora.rules import root_of

_CJK = re.compile(r"[\u3400-\u9fff]")
_LIST_SEP = re.compile(r"[，,、;；。：:\n\r|]+|\s+\+\s+")  # 。and ： end items too: 处方：麻黄9g。水煎服
_NOTES = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")
_PREP_WORDS = ("先煎", "后下", "包煎", "另煎", "另炖", "烊化", "冲服", "兑服", "后入", "同煎", "打碎", "捣碎")
_DRUG_SEP = re.compile(r"[，,、;；\n\r/|+]+|\s+and\s+|\s*和\s*|\s*及\s*|\s*与\s*")
_WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
_MAX_CJK = 16  # longest Chinese name scanned for in free text (syndrome terms are long)
_MAX_WORDS = 6  # longest romanised name, in words
_FORMS = "汤散丸饮丹膏煎"  # dosage forms that end a formula's name
# Dosage forms and salts a drug name may carry (阿司匹林肠溶片, 华法林钠片, warfarin sodium tablets)
_DRUG_FORM_ZH = re.compile(
    r"(?:钠|钾|钙|镁)?(?:(?:肠溶|缓释|控释|分散|咀嚼|泡腾|口崩)?(?:片|胶囊|软胶囊)|注射液|注射剂|"
    r"颗粒|口服液|口服溶液|滴丸|干混悬剂|混悬液|贴剂|气雾剂)$|^(?:盐酸|硫酸|马来酸|富马酸|琥珀酸|酒石酸|甲磺酸)")
_DRUG_FORM_EN = re.compile(r"(?:\s+(?:sodium|potassium|calcium|hydrochloride|hcl|sulfate|sulphate|maleate|fumarate|"
                           r"succinate|tartrate|mesylate|besylate))?(?:\s+(?:er|xr|sr|cr|ec|la|xl|odt))?"
                           r"(?:\s+(?:tablets?|tabs?|capsules?|caps?|injection|oral solution|syrup))?$", re.IGNORECASE)


@dataclass(frozen=True)
class HerbMention:
    """A herb found in input: what was written, the herb it is, and its dose if one was given."""

    input: str
    name_zh: str
    dose_g: float | None = None
    dose_text: str | None = None
    dose_max_g: float | None = None  # the upper end when a range was written (6～12g → 12)


@dataclass(frozen=True)
class DrugMention:
    input: str
    name_en: str


class NameResolver:
    """Maps any written name to a canonical herb ``name_zh`` or drug ``name_en``."""

    def __init__(self, corpus: Corpus) -> None:
        self.herbs = {h.name_zh: h for h in corpus.herbs}
        self.drugs = {d.name_en: d for d in corpus.drugs}
        self._parent = {h.name_zh: h.form_of for h in corpus.herbs}
        self._herb_keys: dict[str, str] = {}
        # own names before other herbs' aliases, so an alias never hides a herb's own name
        for h in corpus.herbs:
            for k in name_keys(h.name_zh, h.name_zh_hant, h.pinyin, h.latin):
                self._herb_keys.setdefault(k, h.name_zh)
        for h in corpus.herbs:
            for k in name_keys(h.name_en, *h.aliases, *h.processing_forms):
                self._herb_keys.setdefault(k, h.name_zh)
        self._drug_keys: dict[str, str] = {}
        for d in corpus.drugs:
            for k in name_keys(d.name_en, d.name_zh, *d.brands, *d.aliases):
                self._drug_keys.setdefault(k, d.name_en)
        self._formula_keys: dict[str, str] = {}
        for f in corpus.formulas:
            for k in name_keys(f.name_zh, f.name_zh_hant, f.pinyin, f.name_en, *f.aliases):
                self._formula_keys.setdefault(k, f.name_zh)
        self._syndrome_keys: dict[str, str] = {}
        for t in corpus.syndromes:
            for k in name_keys(t.name_zh, t.name_en, *t.synonyms):
                self._syndrome_keys.setdefault(k, t.name_zh)
        # free-text scanning: later kinds win a shared key (a herb over a formula of the same name)
        self._scan = {**{k: ("syndrome", v) for k, v in self._syndrome_keys.items()},
                      **{k: ("formula", v) for k, v in self._formula_keys.items()},
                      **{k: ("drug", v) for k, v in self._drug_keys.items()},
                      **{k: ("herb", v) for k, v in self._herb_keys.items()}}
        self._max_words = _MAX_WORDS
        self._corpus = corpus  # the entity-linking index below is built from it on first use

    # ------------------------------------------------------------------ single names
    def herb(self, text: str) -> str | None:
        """Canonical herb name for one written name, or None."""
        hit = _lookup(self._herb_keys, text)
        if hit is None and _CJK.search(text):  # 生甘草, 三七粉, 炙麻黄: a processed form of a herb
            for base in strip_processing(to_simplified(text.strip())):
                if hit := self.herb(base):
                    break
        return hit

    def drug(self, text: str) -> str | None:
        """Canonical (generic, lower-case) drug name for one written name, or None.

        Dosage forms and salts are dropped when the plain name fails: 阿司匹林肠溶片, 华法林钠片,
        metformin hydrochloride tablets."""
        hit = _lookup(self._drug_keys, text)
        if hit is None:
            bare = _DRUG_FORM_ZH.sub("", _DRUG_FORM_EN.sub("", text.strip())).strip()
            hit = _lookup(self._drug_keys, bare) if bare and bare != text.strip() else None
        return hit

    def formula(self, text: str) -> str | None:
        """Canonical formula name (麻黃湯, ma huang tang, Ephedra Decoction → 麻黄汤), or None."""
        return _lookup(self._formula_keys, text)

    def syndrome(self, text: str) -> str | None:
        """Canonical syndrome name for a GB/T term or synonym, or None."""
        return _lookup(self._syndrome_keys, text)

    # ------------------------------------------------------------------ entity linking (retrieval)
    def link(self, text: str, fuzzy: bool = True, limit: int = 5) -> list[tuple[str, float]]:
        """Graph ids (``herb:``, ``formula:``, ``syndrome:``, ``disease:``) a written name refers to, best first.

        Confidence 1.0 for an exact name form; 0.97 for the same words in another order ('Radix
        Astragali'); then, only when nothing matched and ``fuzzy`` is set, 0.9 for a Chinese name
        that reads the same in pinyin (黄奇 → 黄芪) and the string similarity (>= 0.8) of a misspelt
        name ('Astragulus root', 'xiao chai hu tan', 小柴湖汤). Built on first use, so the safety
        engine, which never links free names, pays nothing for it.
        """
        ix = self._entities
        key = normalize_name(to_simplified(text))
        if not key:
            return []
        out: dict[str, float] = {}
        for k in dict.fromkeys((key, key.replace(" ", ""))):
            for eid in ix.exact.get(k, ()):
                out.setdefault(eid, 1.0)
        if not out and " " in key:
            for eid in ix.bags.get(_bag(key), ()):
                out.setdefault(eid, 0.97)
        if not out and fuzzy:
            out = ix.fuzzy(key)
        return sorted(out.items(), key=lambda kv: -kv[1])[:limit]

    @cached_property
    def _entities(self) -> _EntityIndex:
        return _EntityIndex(self._corpus)

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
    def parse_herbs(self, text: str) -> tuple[list[HerbMention], list[str]]:
        """Herbs and doses from a prescription as people write it.

        ``麻黄9g，桂枝6g`` / ``Ma Huang 9g, dong quai`` / ``麻黃三兩`` / ``大枣4枚`` / ``附子10g（先煎）`` /
        ``麻黄 桂枝 甘草``. Returns (mentions in input order, pieces that resolved to nothing).
        """
        found: list[HerbMention] = []
        unresolved: list[str] = []
        undosed = 0  # where the run of herbs written without a dose starts (for 黄连、黄芩各9g)
        for chunk in _LIST_SEP.split(_split_after_doses(text)):
            piece = _clean(to_simplified(unicodedata.normalize("NFKC", chunk)))  # full-width ９ｇ → 9g
            if not piece:
                continue
            name, dose_text, each = split_trailing_dose(piece)
            dose = parse_dose(dose_text) if dose_text else None
            names, leftover = self._names_in(name.strip())
            unresolved += leftover if names else ([chunk.strip()] if leftover else [])
            for i, herb in enumerate(names):
                # 麻黄 桂枝 9g: the dose belongs to the herb it follows, unless written 各 (each)
                gets = dose is not None and (each or i == len(names) - 1)
                found.append(HerbMention(
                    input=chunk.strip() if len(names) == 1 else herb,
                    name_zh=herb,
                    dose_g=dose.grams if gets else None,
                    dose_text=dose_text if (gets and dose.grams is None) else None,
                    dose_max_g=dose.grams_max if gets else None,
                ))
            if dose is not None and each:  # 各: the same dose for the undosed herbs before it
                found[undosed:] = [m if m.dose_g is not None or m.dose_text else
                                   HerbMention(m.input, m.name_zh, dose.grams, None if dose.grams else dose_text,
                                               dose.grams_max) for m in found[undosed:]]
            if dose is not None:
                undosed = len(found)
        return found, unresolved

    def _names_in(self, name: str) -> tuple[list[str], list[str]]:
        """Herbs in one item: a name, or several without separators (``麻黄 桂枝``, ``麻黄桂枝``).

        Returns (herbs, parts that resolved to nothing)."""
        if not name:
            return [], []
        if hit := self.herb(name):
            return [hit], []
        if " " in name and _CJK.search(name):
            herbs: list[str] = []
            left: list[str] = []
            for part in name.split():
                h, lo = self._names_in(part)
                herbs += h
                left += lo
            return herbs, left
        if all(_CJK.match(c) for c in name):
            out, i = [], 0
            while i < len(name):
                for j in range(min(len(name), i + _MAX_CJK), i + 1, -1):
                    if hit := self.herb(name[i:j]):
                        out.append(hit)
                        i = j
                        break
                else:
                    return [], [name]
            return out, []
        return [], [name]

    def parse_drugs(self, text: str) -> tuple[list[DrugMention], list[str]]:
        """Drugs from a list such as ``Coumadin, aspirin 100mg`` or ``华法林、地高辛``."""
        found: list[DrugMention] = []
        unresolved: list[str] = []
        for chunk in _DRUG_SEP.split(text):
            piece = _NOTES.sub("", chunk).strip()
            piece = re.sub(r"\s*\d[\d.,]*\s*(mg|g|µg|mcg|ug|ml|iu|units?|毫克|克|片)?\b.*$", "", piece,
                           flags=re.IGNORECASE).strip()
            if not piece:
                continue
            name = self.drug(piece)
            if name:
                found.append(DrugMention(chunk.strip(), name))
            else:
                unresolved.append(chunk.strip())
        return found, unresolved

    # ------------------------------------------------------------------ free text
    def scan(self, text: str) -> tuple[list[HerbMention], list[DrugMention]]:
        """Herbs (with a dose written right after them) and drugs mentioned anywhere in free text."""
        herbs, drugs, _ = self.scan_all(text)
        return herbs, drugs

    def scan_all(self, text: str) -> tuple[list[HerbMention], list[DrugMention], list[tuple[str, str, str]]]:
        """Like :meth:`scan`, plus formulas and syndromes as (type, canonical name, surface), in text order."""
        herbs: list[HerbMention] = []
        drugs: list[DrugMention] = []
        others: list[tuple[str, str, str]] = []

        def hit(kind: str, value: str, surface: str, end: int) -> None:
            if kind in ("formula", "syndrome"):
                if (kind, value) not in {(k, v) for k, v, _ in others}:
                    others.append((kind, value, surface))
                return
            if kind == "drug":
                drugs.append(DrugMention(surface, value))
                return
            m = match_dose(text, end)
            dose = parse_dose(m.group(0)) if m else None
            herbs.append(HerbMention(surface, value, dose.grams if dose else None,
                                     dose.text if dose and dose.grams is None else None,
                                     dose.grams_max if dose else None))

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


class _EntityIndex:
    """Name keys of every herb, formula, syndrome and disease → graph ids, plus what fuzzy lookup needs."""

    def __init__(self, corpus: Corpus) -> None:
        own: list[tuple[str, tuple[str | None, ...]]] = []
        other: list[tuple[str, tuple[str | None, ...]]] = []
        for h in corpus.herbs:
            own.append((h.id, (h.name_zh, h.name_zh_hant, h.pinyin, h.latin)))
            other.append((h.id, (h.name_en, *h.aliases)))
        for f in corpus.formulas:
            own.append((f.id, (f.name_zh, f.name_zh_hant, f.pinyin, f.name_en)))
            other.append((f.id, tuple(f.aliases)))
        for t in (*corpus.syndromes, *corpus.diseases):
            own.append((t.id, (t.name_zh, to_traditional(t.name_zh), t.name_en, _plain_pinyin(t.name_zh))))
            # 'syndrome' is often left off: 脾气虚 for 脾气虚证
            short = t.name_zh[:-1] if t.name_zh.endswith("证") and len(t.name_zh) > 2 else None
            other.append((t.id, (*t.synonyms, short)))
        self.exact: dict[str, list[str]] = {}
        self.bags: dict[str, list[str]] = {}
        self.sounds: dict[str, list[str]] = {}  # toneless pinyin of a Chinese name, no spaces
        for eid, names in own + other:
            for k in name_keys(*names):
                _add(self.exact, k, eid)
                if " " in k:
                    _add(self.bags, _bag(k), eid)
        for eid, names in own:
            if names[0]:
                _add(self.sounds, _plain_pinyin(names[0]).replace(" ", ""), eid)
        grams: dict[str, dict[str, None]] = {}  # an ordered set per gram: keys are unique, no list scans
        for k in self.exact:
            if " " not in k or k.isascii():
                for g in _grams(k.replace(" ", "")):
                    grams.setdefault(g, {})[k] = None
        self.grams = {g: list(ks) for g, ks in grams.items()}

    def fuzzy(self, key: str, cutoff: float = 0.8, candidates: int = 60) -> dict[str, float]:
        out: dict[str, float] = {}
        compact = key.replace(" ", "")
        if _CJK.search(compact):
            for eid in self.sounds.get(_plain_pinyin(compact).replace(" ", ""), ()):
                out[eid] = 0.9
            # the same formula in another dosage form: 逍遥丸 for 逍遥散, 六味地黄汤 for 六味地黄丸
            if len(compact) > 2 and compact[-1] in _FORMS:
                for form in _FORMS:
                    for eid in self.exact.get(compact[:-1] + form, ()):
                        if eid.startswith("formula:"):
                            out.setdefault(eid, 0.85)
        counts = Counter(k for g in set(_grams(compact)) for k in self.grams.get(g, ()))
        for k, _n in counts.most_common(candidates):
            sm = SequenceMatcher(None, compact, k.replace(" ", ""), autojunk=False)
            if sm.real_quick_ratio() < cutoff or sm.quick_ratio() < cutoff:
                continue  # upper bounds: skip the exact ratio when it cannot reach the cutoff
            ratio = sm.ratio()
            if ratio >= cutoff:
                for eid in self.exact[k]:
                    out[eid] = max(out.get(eid, 0.0), round(ratio, 3))
        return out


def _add(table: dict[str, list[str]], key: str, value: str) -> None:
    bucket = table.setdefault(key, [])
    if value not in bucket:
        bucket.append(value)


def _bag(key: str) -> str:
    """The words of a romanised name in sorted order: 'radix astragali' and 'astragali radix' meet."""
    return " ".join(sorted(key.split()))


def _grams(compact: str) -> list[str]:
    """Character trigrams of a romanised key, bigrams of a Chinese one (with edge markers)."""
    n = 2 if _CJK.search(compact) else 3
    padded = f"^{compact}$"
    return [padded[i : i + n] for i in range(len(padded) - n + 1)]


@lru_cache(maxsize=16384)
def _plain_pinyin(text: str) -> str:
    """Toneless pinyin with spaces ('脾气虚证' → 'pi qi xu zheng'); non-Chinese text comes back as is."""
    from pypinyin import lazy_pinyin

    return " ".join(lazy_pinyin(text)) if _CJK.search(text) else ""


def _lookup(keys: dict[str, str], text: str) -> str | None:
    """A key-table hit for a written name: as normalised, without spaces, or in simplified characters."""
    key = normalize_name(text)
    if not key:
        return None
    hit = keys.get(key) or keys.get(key.replace(" ", ""))
    if hit is None and _CJK.search(text):
        hit = keys.get(normalize_name(to_simplified(text)))
    return hit


def _split_after_doses(text: str) -> str:
    """``麻黄9g桂枝6g`` → ``麻黄9g，桂枝6g``: a dose ends an item when more text follows it."""
    return re.sub(
        r"((?:\d+(?:\.\d+)?|[一二三四五六七八九十百半两兩]+)\s*(?:g|ｇ|克|mg|毫克|钱|錢|两|兩|分|枚|个|個|片|粒)"
        r"(?:\s*[（(【\[][^）)】\]]*[）)】\]])?)"  # a note after the dose stays with it: 桂枝三兩（去皮） 芍藥三兩
        r"(?=\s*[\u3400-\u9fffA-Za-z])",
        r"\1，", text)


def _clean(chunk: str) -> str:
    s = _NOTES.sub("", chunk).strip()
    for w in _PREP_WORDS:
        s = s.replace(w, "")
    return s.strip(" ：:。.")


def _dedupe(items: list) -> list:
    seen, out = set(), []
    for it in items:
        key = (getattr(it, "name_zh", None) or getattr(it, "name_en", None), getattr(it, "dose_g", None))
        if key not in seen:
            seen.add(key)
            out.append(it)
    return out


@lru_cache(maxsize=4)
def default_resolver(corpora_dir: str | None = None) -> NameResolver:
    """The resolver for the configured corpus, built once per process."""
    from pathlib import Path

    from tcm.config import settings
    from tcm.corpora.io import load_corpus

    return NameResolver(load_corpus(Path(corpora_dir) if corpora_dir else settings().corpora_dir))
