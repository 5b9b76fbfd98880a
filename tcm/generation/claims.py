"""Check what an answer states about compositions, doses, properties and indications against the graph.

A sentence that names one formula and some herbs is read as a statement of that formula's
composition; a herb named with a nature (性寒 / "cold in nature") as a property statement; a
formula named with a syndrome and 主治/treats as an indication. Each is marked supported or
contradicted, with what the graph says instead.
"""

from __future__ import annotations

import re

from tcm.corpora.summaries import NATURE_EN
from tcm.kg.base import GraphStore
from tcm.names import NameResolver
from tcm.types import ClaimCheck

_SENTENCE = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]|$)|[^\n]+")
_NATURE_ZH = re.compile(r"性(大寒|微寒|大热|微温|寒|凉|平|温|热)")
_NATURE_EN = {v: k for k, v in NATURE_EN.items()}
_NATURE_EN_RE = re.compile(r"\b(very cold|slightly cold|cold|cool|neutral|slightly warm|warm|very hot|hot) in nature")
_TREATS = re.compile(r"主治|治疗|用于|适用于|\btreats?\b|\bindicated for\b|\bused for\b", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    """The answer split where claims are read: at 。！？!?；; and line ends."""
    return [m.group(0) for m in _SENTENCE.finditer(text)]


def strip_citations(sentence: str) -> str:
    return re.sub(r"\[\d+\]", "", sentence).strip()


def check_claims(answer: str, resolver: NameResolver, store: GraphStore) -> list[ClaimCheck]:
    out: list[ClaimCheck] = []
    for raw in sentences(answer):
        sentence = strip_citations(raw)
        if not sentence:
            continue
        herbs, _drugs, others = resolver.scan_all(sentence)
        formulas = [v for k, v, _ in others if k == "formula"]
        syndromes = [v for k, v, _ in others if k == "syndrome"]
        if len(formulas) == 1 and herbs:
            out += _composition(sentence, formulas[0], herbs, resolver, store)
        if len(formulas) == 1 and syndromes and _TREATS.search(sentence):
            treated = {f.name_zh for s in syndromes for f in store.formulas_for_syndrome(s)}
            ok = formulas[0] in treated
            named = ", ".join(syndromes)
            out.append(ClaimCheck(claim=sentence, status="supported" if ok else "contradicted",
                                  id=f"formula:{formulas[0]}",
                                  detail=f"{formulas[0]} treats {named}" if ok else
                                  f"the graph does not list {formulas[0]} for {named}"))
        if not formulas and len({h.name_zh for h in herbs}) == 1:
            out += _nature(sentence, herbs[0].name_zh, store)
    return out


def _composition(sentence: str, formula: str, herbs, resolver: NameResolver, store: GraphStore) -> list[ClaimCheck]:
    comp = {i.herb: i for i in store.composition(formula)}
    out = []
    for h in herbs:
        ing = next((comp[n] for n in resolver.lineage(h.name_zh) if n in comp), None)
        ing = ing or next((i for i in comp.values() if resolver.root(i.herb) == h.name_zh), None)
        fid = f"formula:{formula}"
        if ing is None:
            out.append(ClaimCheck(claim=sentence, status="contradicted", id=fid,
                                  detail=f"{h.name_zh} is not in {formula} (graph: {'、'.join(comp)})"))
        elif h.dose_g is not None and ing.dose_g is not None and abs(h.dose_g - ing.dose_g) > 0.05:
            out.append(ClaimCheck(claim=sentence, status="contradicted", id=fid,
                                  detail=f"{formula}: {ing.herb} is {ing.dose_g:g} g in the graph, not {h.dose_g:g} g"))
        else:
            out.append(ClaimCheck(claim=sentence, status="supported", id=fid, detail=f"{ing.herb} is in {formula}"
                                  + (f" at {ing.dose_g:g} g" if ing.dose_g is not None else "")))
    return out


def _nature(sentence: str, herb: str, store: GraphStore) -> list[ClaimCheck]:
    said = None
    if m := _NATURE_ZH.search(sentence):
        said = m.group(1)
    elif m := _NATURE_EN_RE.search(sentence.lower()):
        said = _NATURE_EN[m.group(1)]
    if said is None:
        return []
    actual = (store.node(f"herb:{herb}") or {}).get("nature")
    if actual is None:
        return []
    ok = actual == said
    return [ClaimCheck(claim=sentence, status="supported" if ok else "contradicted", id=f"herb:{herb}",
                       detail=f"{herb} is {actual} (性{actual}) in the graph" + ("" if ok else f", not {said}"))]
