"""Instruction data from the graph, in both languages, split by entity.

Each item is a question, an answer written from corpus facts, and a short ``key`` (the fact an
exact-fact check looks for in a model's answer). The split is by entity, so held-out questions
are about herbs, formulas and syndromes the model never saw in training.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from tcm.corpora.io import Corpus
from tcm.corpora.summaries import NATURE_EN


@dataclass(frozen=True)
class Example:
    entity: str  # graph id the question is about
    kind: str
    lang: str
    question: str
    answer: str
    key: str  # must appear in a correct answer


def build_examples(corpus: Corpus) -> list[Example]:
    out: list[Example] = []
    dose = {r.herb: r for r in corpus.dose_ranges}
    tox = {r.herb: r.grade for r in corpus.toxicity}
    preg = {r.herb: r.category for r in corpus.pregnancy}
    for h in corpus.herbs:
        hid, n = h.id, h.name_zh
        if h.nature:
            out.append(Example(hid, "nature", "zh", f"{n}的药性（寒热温凉平）是什么？", f"{n}性{h.nature}。", h.nature))
            out.append(Example(hid, "nature", "en", f"What is the nature of {n} ({h.pinyin})?",
                               f"{n} is {NATURE_EN[h.nature]} in nature ({h.nature}).", h.nature))
        if h.flavours:
            out.append(Example(hid, "flavour", "zh", f"{n}的味是什么？", f"{n}味{'、'.join(h.flavours)}。",
                               h.flavours[0]))
        if h.meridians:
            out.append(Example(hid, "meridian", "zh", f"{n}归哪些经？", f"{n}归{'、'.join(h.meridians)}经。",
                               h.meridians[0]))
        d = dose.get(n)
        if d and d.dose_min_g:
            rng = f"{d.dose_min_g:g}～{d.dose_max_g:g}g"
            out.append(Example(hid, "dose", "zh", f"{n}的药典用量是多少？", f"{n}用量{rng}。", f"{d.dose_max_g:g}"))
            out.append(Example(hid, "dose", "en", f"What is the pharmacopoeia daily dose of {n}?",
                               f"{n}: {d.dose_min_g:g}–{d.dose_max_g:g} g per day.", f"{d.dose_max_g:g}"))
        grade = tox.get(n, "无毒")
        out.append(Example(hid, "toxicity", "zh", f"{n}有毒吗？", f"{n}{grade}。", grade))
        if n in preg:
            out.append(Example(hid, "pregnancy", "zh", f"孕妇能用{n}吗？", f"孕妇{preg[n]}。", preg[n]))
        if h.functions:
            out.append(Example(hid, "function", "zh", f"{n}有什么功效？", f"{n}的功效：{'，'.join(h.functions)}。",
                               h.functions[0]))
    partners: dict[str, list[str]] = defaultdict(list)
    for r in corpus.incompatibilities:
        partners[r.herb_a].append(r.herb_b)
    for a, bs in partners.items():
        out.append(Example(f"herb:{a}", "incompatibility", "zh", f"{a}与哪些药不宜同用（十八反/十九畏）？",
                           f"{a}不宜与{'、'.join(bs)}同用。", bs[0]))
    drugs = {d.name_en: d for d in corpus.drugs}
    for r in corpus.herb_drug:
        if r.drug:
            drug_zh = drugs[r.drug].name_zh
            out.append(Example(f"herb:{r.herb}", "interaction", "zh", f"{r.herb}与{drug_zh}合用有什么风险？",
                               r.effect_zh, drug_zh))
    for f in corpus.formulas:
        herbs = [i.herb for i in f.composition]
        out.append(Example(f.id, "composition", "zh", f"{f.name_zh}由哪些药组成？",
                           f"{f.name_zh}由{'、'.join(herbs)}组成。", herbs[0]))
        out.append(Example(f.id, "composition", "en", f"What herbs make up {f.name_zh} ({f.name_en})?",
                           f"{f.name_zh}: {', '.join(herbs)}.", herbs[0]))
        for s in f.syndromes[:1]:
            out.append(Example(f"syndrome:{s}", "syndrome_formula", "zh", f"{s}用什么方剂？", f"{s}可用{f.name_zh}。",
                               f.name_zh))
    return out


def split(examples: list[Example], held_out_share: float = 0.1) -> tuple[list[Example], list[Example]]:
    """Deterministic split by entity (a stable hash), so no held-out entity appears in training."""
    def held(entity: str) -> bool:
        return int(hashlib.sha256(entity.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < held_out_share

    train = [e for e in examples if not held(e.entity)]
    test = [e for e in examples if held(e.entity)]
    return train, test


def write_jsonl(examples: list[Example], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(asdict(e), ensure_ascii=False) + "\n" for e in examples), encoding="utf-8")


def scored_examples(held: list[Example], kinds: tuple[str, ...], limit: int, seed: int) -> list[Example]:
    """The held-out questions that `tcm train` and `tcm eval` both score: same kinds, order and number."""
    import random

    scored = [e for e in held if e.kind in kinds]
    random.Random(seed).shuffle(scored)
    return scored[:limit]
