"""One bilingual passage per herb, formula, syndrome and disease, keyed by graph id.

A passage is what search ranks: every name form (so a name typed in any spelling lands on
it), the facts the graph holds (properties, composition, functions, indications, cautions),
the project's own summaries, and an English gloss of the Chinese-only terms (see
:mod:`tcm.retrieval.glossary`) so English questions reach Chinese facts. Users may add
passages of their own (``type='document'``); ``sources`` is what delete-by-source matches.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tcm.corpora.io import FILES, Corpus
from tcm.corpora.summaries import FLAVOUR_EN, MERIDIAN_EN, NATURE_EN, PREGNANCY_EN, TOXICITY_EN
from tcm.names.forms import compact_pinyin, plain_pinyin, to_traditional
from tcm.retrieval.glossary import gloss

PASSAGE_TYPES = ("herb", "formula", "syndrome", "disease", "document")


@dataclass
class Passage:
    """A searchable text about one graph entity (or a user document)."""

    id: str
    type: str
    name_zh: str | None = None
    name_en: str | None = None
    pinyin: str | None = None
    names: list[str] = field(default_factory=list)
    text_zh: str = ""
    text_en: str = ""
    sources: list[str] = field(default_factory=list)
    uses: int = 0  # formulas in the corpus that contain this herb (itself or a processed form of it)

    @property
    def text(self) -> str:
        """Everything, both languages: what the lexical index reads."""
        return "\n".join(p for p in (" / ".join(self.names), self.text_zh, self.text_en) if p)

    def views(self) -> list[str]:
        """Short texts embedded separately (names, Chinese facts, English facts): a sentence encoder
        matches a short query to a short text far better than to one long mixed-language passage."""
        out = [" / ".join(self.names)] if self.names else []
        out += [t for t in (self.text_zh, self.text_en) if t]
        return out[:MAX_VIEWS] or [self.id]

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> Passage:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


MAX_VIEWS = 4  # dense vector ids are pid * MAX_VIEWS + view


def corpus_hash(corpora_dir: Path) -> str:
    """Hash of every corpus file, in a fixed order: an index built from other files is refused."""
    h = hashlib.sha256()
    for rel, _model in FILES.values():
        p = corpora_dir / rel
        h.update(rel.encode())
        h.update(p.read_bytes() if p.exists() else b"<missing>")
    return h.hexdigest()[:16]


def _names(*names: str | None) -> list[str]:
    out: list[str] = []
    for n in names:
        if n and n not in out:
            out.append(n)
    return out


def _pinyin_forms(toned: str | None) -> list[str]:
    return [toned, plain_pinyin(toned), compact_pinyin(toned)] if toned else []


def _terms_en(terms: list[str]) -> str:
    return "; ".join(g for g in (gloss(t) for t in terms) if g)


def build_passages(corpus: Corpus) -> list[Passage]:
    """Every herb, formula, syndrome and disease as a passage, in corpus order."""
    dose = {r.herb: r for r in corpus.dose_ranges}
    tox = {r.herb: r.grade for r in corpus.toxicity}
    preg = {r.herb: r.category for r in corpus.pregnancy}
    herb_en = {h.name_zh: (h.aliases[0] if h.aliases and h.aliases[0].isascii() else h.name_en) for h in corpus.herbs}
    # a syndrome's passage names the formulas for it but not their signs: a list of symptoms
    # should find the formula that lists them, not every syndrome one of its formulas treats
    treated_by: dict[str, list[str]] = defaultdict(list)
    for f in corpus.formulas:
        for s in f.syndromes:
            treated_by[s].append(f.name_zh)
    formula_en = {f.name_zh: f.name_en for f in corpus.formulas}
    parent = {h.name_zh: h.form_of for h in corpus.herbs}
    uses: dict[str, set[str]] = defaultdict(set)
    for f in corpus.formulas:
        for i in f.composition:
            uses[i.herb].add(f.name_zh)
            if parent.get(i.herb):
                uses[parent[i.herb]].add(f.name_zh)
    out: list[Passage] = []

    for h in corpus.herbs:
        zh = [h.summary_zh]
        if h.functions:
            zh.append("功能：" + "、".join(h.functions) + "。")
        if h.indications:
            zh.append("主治：" + "、".join(h.indications) + "。")
        if h.cautions:
            zh.append("注意：" + "、".join(h.cautions) + "。")
        if h.processing_forms:
            zh.append("炮制品：" + "、".join(h.processing_forms) + "。")
        en = [h.summary_en]
        props = [NATURE_EN.get(h.nature or "", "")] + [FLAVOUR_EN.get(f.removeprefix("微"), "") for f in h.flavours]
        props += [MERIDIAN_EN.get(m, "") for m in h.meridians]
        if h.functions:
            en.append("Actions: " + _terms_en(h.functions) + ".")
        if h.indications:
            en.append("Used for: " + _terms_en(h.indications) + ".")
        if h.name_zh in tox and tox[h.name_zh] != "无毒":
            en.append(TOXICITY_EN.get(tox[h.name_zh], "") + ".")
        if h.name_zh in preg:
            en.append(PREGNANCY_EN[preg[h.name_zh]] + ".")
        if h.form_of:
            en.append(f"A processed form of {herb_en.get(h.form_of) or h.form_of} ({h.form_of}).")
        en.append("Herb, medicinal. " + " ".join(p for p in props if p))
        d = dose.get(h.name_zh)
        sources = list(dict.fromkeys([*h.sources, *(d.sources if d else [])]))
        out.append(Passage(
            id=h.id, type="herb", name_zh=h.name_zh, name_en=h.name_en, pinyin=h.pinyin,
            names=_names(h.name_zh, h.name_zh_hant, *_pinyin_forms(h.pinyin), h.latin, h.name_en, *h.aliases),
            text_zh="".join(zh), text_en=" ".join(en), sources=sources, uses=len(uses.get(h.name_zh, ()))))

    for f in corpus.formulas:
        zh = [f.summary_zh, f"类别：{f.category}" + (f"（{f.subcategory}）" if f.subcategory else "") + "。"]
        if f.syndromes:
            zh.append("主治证候：" + "、".join(f.syndromes) + "。")
        if f.symptoms:
            zh.append("症状：" + "、".join(f.symptoms) + "。")
        herbs_en = [herb_en.get(i.herb) or i.herb for i in f.composition]
        en = [f.summary_en, "Formula. Contains " + ", ".join(herbs_en) + "."]
        if f.functions:
            en.append("Actions: " + _terms_en(f.functions) + ".")
        if f.syndromes:
            en.append("Treats: " + _terms_en(f.syndromes) + ".")
        if f.symptoms:
            en.append("Signs: " + _terms_en(f.symptoms) + ".")
        en.append("Category: " + _terms_en([f.category, f.subcategory or ""]) + ".")
        out.append(Passage(
            id=f.id, type="formula", name_zh=f.name_zh, name_en=f.name_en, pinyin=f.pinyin,
            names=_names(f.name_zh, f.name_zh_hant, *_pinyin_forms(f.pinyin), f.name_en, *f.aliases),
            text_zh="".join(zh), text_en=" ".join(en), sources=list(f.sources)))

    for kind, terms in (("syndrome", corpus.syndromes), ("disease", corpus.diseases)):
        label_zh, label_en = ("证候", "pattern (syndrome)") if kind == "syndrome" else ("疾病", "disease")
        for t in terms:
            zh = [f"{t.name_zh}：{label_zh}术语" + (f"，代码 {t.code}" if t.code else "") + "。"]
            if t.synonyms:
                zh.append("又称" + "、".join(t.synonyms) + "。")
            if t.parent:
                zh.append(f"属于{t.parent}。")
            if treated_by.get(t.name_zh):
                zh.append("方剂：" + "、".join(treated_by[t.name_zh]) + "。")
            en = [f"{gloss(t.name_zh)} — a {label_en}."]
            if t.synonyms:
                en.append("Also: " + _terms_en(t.synonyms) + ".")
            if t.parent:
                en.append("A kind of " + gloss(t.parent) + ".")
            if treated_by.get(t.name_zh):
                en.append("Treated with " + ", ".join(formula_en.get(x) or x for x in treated_by[t.name_zh]) + ".")
            pinyin = " ".join(plain_pinyin_of(t.name_zh))
            out.append(Passage(
                id=t.id, type=kind, name_zh=t.name_zh, name_en=t.name_en, pinyin=pinyin or None,
                names=_names(t.name_zh, to_traditional(t.name_zh), pinyin, t.name_en, *t.synonyms),
                text_zh="".join(zh), text_en=" ".join(en), sources=list(t.sources)))
    return out


def plain_pinyin_of(text: str) -> list[str]:
    """Toneless pinyin syllables of a Chinese term (syndromes and diseases carry no pinyin field)."""
    from pypinyin import lazy_pinyin

    return [s for s in lazy_pinyin(text) if s.isascii() and s.isalpha()]
