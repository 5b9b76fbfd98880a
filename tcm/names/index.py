"""One index of every name of every entity, built once from the corpus.

Herbs (own names, traditional characters, pinyin with and without tones and spaces, Latin,
English, aliases, processed forms, common and historical writings), Western drugs (generic,
Chinese, brand names), formulas (with their other names: 地黄丸), syndromes and diseases
(synonyms, codes, pinyin, the name without 证). The resolver, entity linking, the safety engine,
batch analysis and the graph's ``names`` property all read this one table, so a name known to
one is known to all (``tests/contract/test_name_parity.py`` checks it on both graph backends).

A key belongs to an entity's *own* names (rank 0: name, traditional form, pinyin, Latin, code)
or to its *other* names (rank 1: English, aliases, forms). An own name always wins a key over
another entity's alias; two entities that share a key at the same rank are both kept: the name is
ambiguous (沙参: 北沙参 or 南沙参), and the safety engine checks it as each.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from difflib import SequenceMatcher
from functools import cached_property, lru_cache

from tcm.corpora.io import Corpus
from tcm.names.doses import _DOSE_RE, _ITEM_END
from tcm.names.forms import name_keys, normalize_name, strip_processing, to_simplified, to_traditional

#: Entity kinds the index holds, in the order a shared key is reported.
KINDS = ("herb", "drug", "formula", "syndrome", "disease")
#: Kinds entity linking (retrieval) returns.
LINKED = ("herb", "formula", "syndrome", "disease")
#: Graph label of each kind.
LABEL = {"herb": "Herb", "drug": "Drug", "formula": "Formula", "syndrome": "Syndrome", "disease": "Disease"}
OWN, OTHER = 0, 1

_CJK = re.compile(r"[\u3400-\u9fff]")
_FORMS = "汤散丸饮丹膏煎"  # dosage forms that end a formula's name
# Dosage forms and salts a drug name may carry (阿司匹林肠溶片, 华法林钠片, warfarin sodium tablets)
_DRUG_FORM_ZH = re.compile(
    r"(?:钠|钾|钙|镁)?(?:(?:肠溶|缓释|控释|分散|咀嚼|泡腾|口崩)?(?:片|胶囊|软胶囊)|注射液|注射剂|"
    r"颗粒|口服液|口服溶液|滴丸|干混悬剂|混悬液|贴剂|气雾剂)$|^(?:盐酸|硫酸|马来酸|富马酸|琥珀酸|酒石酸|甲磺酸)")
_DRUG_FORM_EN = re.compile(r"(?:\s+(?:sodium|potassium|calcium|hydrochloride|hcl|sulfate|sulphate|maleate|fumarate|"
                           r"succinate|tartrate|mesylate|besylate))?(?:\s+(?:er|xr|sr|cr|ec|la|xl|odt))?"
                           r"(?:\s+(?:tablets?|tabs?|capsules?|caps?|injection|oral solution|syrup))?$", re.IGNORECASE)


def query_keys(text: str) -> list[str]:
    """The keys a written name is looked up under, in order: as normalised, without spaces, and the same
    in simplified characters. Everything that looks a name up (resolver, linking, ``store.find``) uses these."""
    return list(_keys(text))


def _keys(text: str) -> Iterator[str]:
    """:func:`query_keys` one at a time, each made only when the ones before it missed (the hot path)."""
    key = normalize_name(text)
    if not key:
        return
    yield key
    compact = key.replace(" ", "")
    if compact != key:
        yield compact
    if _CJK.search(text):
        simple = normalize_name(to_simplified(text))
        if simple not in (key, compact):
            yield simple
            if (c := simple.replace(" ", "")) not in (key, compact, simple):
                yield c


def herb_candidates(text: str) -> Iterator[str]:
    """What a herb lookup tries, nearest first: the name, then (Chinese only) the names it may be a processed
    form of, each followed by its own (生甘草 → 甘草; 炒焦山楂 → 焦山楂 → 山楂). Exact names always win."""
    yield text
    if _CJK.search(text):
        for base in strip_processing(to_simplified(text.strip())):
            yield from herb_candidates(base)


def drug_candidates(text: str) -> Iterator[str]:
    """What a drug lookup tries: the name, then without dosage form and salt (华法林钠片 → 华法林)."""
    yield text
    bare = _DRUG_FORM_ZH.sub("", _DRUG_FORM_EN.sub("", text.strip())).strip()
    if bare and bare != text.strip():
        yield bare


#: What a lookup of each kind tries after the exact name (the graph's ``find`` uses the same rules).
CANDIDATES = {"herb": herb_candidates, "drug": drug_candidates}


class NameIndex:
    """Every key of every herb, drug, formula, syndrome and disease → the entities it names."""

    # Where a saved FuzzyIndex comes from (tcm.context sets it when the resolver came from a start-up
    # snapshot): building one reads pypinyin's dictionaries and costs a fuzzy search ~0.5 s; loading it ~0.1 s.
    saved_fuzzy: Callable[[], object] | None = None

    def __init__(self, corpus: Corpus) -> None:
        ranked: dict[str, dict[str, tuple[int, list[str]]]] = {k: {} for k in KINDS}
        order: dict[tuple[str, str], list[str]] = {}  # (kind, value) -> its keys, own names first
        self.primary: dict[str, str] = {}  # id -> the Chinese (or generic) name, for fuzzy linking by sound
        for kind, value, rank, names in _entries(corpus):
            self.primary.setdefault(f"{kind}:{value}", value)
            keys = order.setdefault((kind, value), [])
            table = ranked[kind]
            for key in name_keys(*names):
                if key not in keys:
                    keys.append(key)
                old = table.get(key)
                if old is None or rank < old[0]:
                    table[key] = (rank, [value])
                elif rank == old[0] and value not in old[1]:
                    old[1].append(value)
        #: kind -> key -> every entity (canonical name) the key names; more than one: an ambiguous name
        self.tables: dict[str, dict[str, tuple[str, ...]]] = {
            kind: {k: tuple(v) for k, (_, v) in t.items()} for kind, t in ranked.items()}
        self._names = {(kind, value): [k for k in keys if value in self.tables[kind][k]]
                       for (kind, value), keys in order.items()}
        #: Chinese names that read like a dose (两头尖, 蜜百合): item splitting must not cut them.
        self.protected: tuple[str, ...] = tuple(sorted(
            {k for kind in ("herb", "formula") for k in self.tables[kind]
             if _CJK.search(k) and (_DOSE_RE.search(k) or _ITEM_END.search(k + "x"))}))

    # ------------------------------------------------------------------ lookups
    def lookup(self, text: str, kind: str) -> tuple[str, ...]:
        """Every entity of ``kind`` an exactly written name means (empty when none)."""
        table = self.tables[kind]
        for key in _keys(text):
            if hit := table.get(key):
                return hit
        return ()

    def resolve(self, text: str, kind: str) -> tuple[str, ...]:
        """Like :meth:`lookup`, then the kind's derived names (a processed form's herb, a drug without its
        dosage form)."""
        for cand in CANDIDATES.get(kind, _only)(text):
            if hit := self.lookup(cand, kind):
                return hit
        return ()

    def ids(self, text: str, kinds: Iterable[str] = KINDS) -> list[str]:
        """Graph ids of the entities an exactly written name means, under the first of its keys that names any."""
        kinds = tuple(kinds)
        for key in _keys(text):
            out = [f"{kind}:{v}" for kind in kinds for v in self.tables[kind].get(key, ())]
            if out:
                return out
        return []

    # ------------------------------------------------------------------ what the graph stores
    def keys(self, kind: str) -> Iterable[str]:
        return self.tables[kind].keys()

    def names_of(self, kind: str, value: str) -> list[str]:
        """Every key under which an entity is found, own names first (the graph's ``names`` property)."""
        return list(self._names.get((kind, value), ()))

    # ------------------------------------------------------------------ fuzzy linking (retrieval only)
    @cached_property
    def fuzzy(self) -> FuzzyIndex:
        """What fuzzy linking needs, built on first use (the safety engine never links free names)."""
        saved = self.saved_fuzzy() if self.saved_fuzzy is not None else None
        return saved if isinstance(saved, FuzzyIndex) else FuzzyIndex(self)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("saved_fuzzy", "fuzzy")}


def _only(text: str) -> Iterator[str]:
    yield text


def _entries(corpus: Corpus) -> Iterator[tuple[str, str, int, tuple[str | None, ...]]]:
    """(kind, canonical name, rank, names) for every entity; own names come before other names."""
    for h in corpus.herbs:
        yield "herb", h.name_zh, OWN, (h.name_zh, h.name_zh_hant, h.pinyin, h.latin)
    for h in corpus.herbs:
        yield "herb", h.name_zh, OTHER, (h.name_en, *h.aliases, *h.processing_forms)
    for d in corpus.drugs:
        yield "drug", d.name_en, OWN, (d.name_en, d.name_zh)
    for d in corpus.drugs:
        yield "drug", d.name_en, OTHER, (*d.brands, *d.aliases)
    for f in corpus.formulas:
        yield "formula", f.name_zh, OWN, (f.name_zh, f.name_zh_hant, f.pinyin, f.name_en)
    for f in corpus.formulas:  # an alias's pinyin too: 麻杏石甘汤 is asked for as 'Ma Xing Shi Gan Tang'
        yield "formula", f.name_zh, OTHER, (*f.aliases, *(toneless_pinyin(a) for a in f.aliases))
    for kind, terms in (("syndrome", corpus.syndromes), ("disease", corpus.diseases)):
        names = [t.name_zh for t in terms]
        for t, hant in zip(terms, _each(to_traditional, names), strict=True):
            yield kind, t.name_zh, OWN, (t.name_zh, hant, t.name_en, toneless_pinyin(t.name_zh), t.code)
        for t in terms:
            # 'syndrome' is often left off: 脾气虚 for 脾气虚证
            short = t.name_zh[:-1] if t.name_zh.endswith("证") and len(t.name_zh) > 2 else None
            yield kind, t.name_zh, OTHER, (*t.synonyms, short)


class FuzzyIndex:
    """Reordered words, same sound and near spellings of the linked kinds' keys (see ``NameResolver.link``)."""

    def __init__(self, index: NameIndex) -> None:
        self.exact: dict[str, list[str]] = {}
        self.bags: dict[str, list[str]] = {}
        for kind in LINKED:
            for k, values in index.tables[kind].items():
                ids = [f"{kind}:{v}" for v in values]
                self.exact.setdefault(k, []).extend(ids)
                if " " in k:
                    bucket = self.bags.setdefault(bag(k), [])
                    bucket.extend(i for i in ids if i not in bucket)
        linked = [(eid, name) for eid, name in index.primary.items() if eid.split(":", 1)[0] in LINKED]
        self.readings = _readings("".join(name for _, name in linked))
        self.sounds: dict[str, list[str]] = {}  # a Chinese name read character by character, no spaces
        for eid, name in linked:
            self.sounds.setdefault(self.sound(name), []).append(eid)
        grams: dict[str, dict[str, None]] = {}  # an ordered set per gram: keys are unique, no list scans
        for k in self.exact:
            if " " not in k or k.isascii():
                for g in _grams(k.replace(" ", "")):
                    grams.setdefault(g, {})[k] = None
        self.grams = {g: list(ks) for g, ks in grams.items()}

    def match(self, key: str, cutoff: float = 0.8, candidates: int = 60) -> dict[str, float]:
        out: dict[str, float] = {}
        compact = key.replace(" ", "")
        if _CJK.search(compact):
            for eid in self.sounds.get(self.sound(compact), ()):
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

    def sound(self, text: str) -> str:
        """``text`` read character by character ('白芨' and '白及' both 'baiji'): a table lookup, so a search
        never loads pypinyin's phrase dictionary (0.3 s of a cold `tcm search`)."""
        return "".join(self.readings.get(c, c) for c in text)


def _readings(names: str) -> dict[str, str]:
    """The toneless default reading of every Chinese character that sounds like a character of ``names``."""
    from pypinyin import lazy_pinyin
    from pypinyin.pinyin_dict import pinyin_dict

    chars = [chr(code) for code in pinyin_dict if _CJK.match(chr(code))]
    said = [p for p in lazy_pinyin("\n".join(chars)) if p != "\n"]  # a line break: no phrase spans two
    if len(said) != len(chars):
        said = [lazy_pinyin(c)[0] for c in chars]
    read = dict(zip(chars, said, strict=True))
    heard = {read[c] for c in set(names) if c in read}
    return {c: r for c, r in read.items() if r in heard}


def bag(key: str) -> str:
    """The words of a romanised name in sorted order: 'radix astragali' and 'astragali radix' meet."""
    return " ".join(sorted(key.split()))


def _grams(compact: str) -> list[str]:
    """Character trigrams of a romanised key, bigrams of a Chinese one (with edge markers)."""
    n = 2 if _CJK.search(compact) else 3
    padded = f"^{compact}$"
    return [padded[i : i + n] for i in range(len(padded) - n + 1)]


def _each(convert, names: list[str]) -> list[str]:
    """``convert`` applied to each name in one call (names joined by line breaks): thousands of terms
    convert several times faster than one by one, and words never join across a line break."""
    out = convert("\n".join(names)).split("\n")
    return out if len(out) == len(names) else [convert(n) for n in names]


@lru_cache(maxsize=16384)
def toneless_pinyin(text: str) -> str:
    """Toneless pinyin with spaces ('脾气虚证' → 'pi qi xu zheng'); non-Chinese text gives ''."""
    from pypinyin import lazy_pinyin

    return " ".join(lazy_pinyin(text)) if _CJK.search(text) else ""
