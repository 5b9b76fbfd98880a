"""A classic-search query as concepts: each concept is a set of wordings, any one of which counts.

A modern or English query names one idea in words the classics never use (怕冷 for 恶寒, "aversion to cold"
for 恶寒, 拉肚子 for 下利). Counting every wording's character pairs as separate evidence let a passage that
lists many synonyms of one symptom (the prose of later formularies) outscore the clause that has each idea
once. So coverage is counted per concept: a concept is met by its best wording, and weighed by how rare its
wordings are in the library (IDF), so 肾着 tells more than 身体.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Concept:
    """One idea of the query: its wordings (normalised Chinese) and a prior (a guessed translation counts less)."""

    forms: tuple[str, ...]
    prior: float = 1.0

    @cached_property
    def form_grams(self) -> tuple[list[str], ...]:
        """Each wording's character pairs, computed once: coverage reads them for every candidate passage."""
        return tuple(grams(f) for f in self.forms)

    def grams(self) -> set[str]:
        return {g for gs in self.form_grams for g in gs}


def grams(form: str) -> list[str]:
    """A wording's character pairs (a single character stands for itself)."""
    return [form] if len(form) == 1 else [form[i : i + 2] for i in range(len(form) - 1)]


def split_query(zh: str, phrases: Iterable[tuple[str, Iterable[str]]]) -> list[Concept]:
    """Concepts of the Chinese part of a query: each known phrase (a modern wording, a sign) with its other
    wordings; every other character pair of the query on its own, as it was before (a quotation is found by its
    own pairs)."""
    table: dict[str, list[str]] = {}
    for phrase, alts in phrases:
        if len(phrase) > 1:
            table.setdefault(phrase, []).extend(a for a in alts if a and a != phrase)
    out: list[Concept] = []
    for run in (r for r in zh.split() if r):
        rest = run
        for phrase in sorted(table, key=len, reverse=True):
            if phrase in rest:
                out.append(Concept((phrase, *dict.fromkeys(table[phrase]))))
                rest = rest.replace(phrase, " ")
        for piece in rest.split():
            if len(piece) == 1 and len(run) == 1:
                out.append(Concept((piece,)))
            out += [Concept((g,)) for g in grams(piece) if len(g) == 2]
    return _dedupe(out)


def _dedupe(concepts: list[Concept]) -> list[Concept]:
    seen: set[tuple[str, ...]] = set()
    out = []
    for c in concepts:
        if c.forms not in seen:
            seen.add(c.forms)
            out.append(c)
    return out


def weigh(concepts: list[Concept], doc_freq: dict[str, int], n: int) -> list[tuple[Concept, float]]:
    """Each concept with its weight: the prior times the mean IDF of the wordings the library holds; a concept
    none of whose wordings occurs anywhere tells nothing and is dropped."""
    idf = {g: math.log((n + 1) / (d + 1)) for g, d in doc_freq.items() if d}
    out = []
    for c in concepts:
        per_form = [sum(idf[g] for g in gs if g in idf) / len(gs) for gs in c.form_grams if any(g in idf for g in gs)]
        if per_form:
            out.append((c, c.prior * sum(per_form) / len(per_form)))
    return out


def coverage(weighted: list[tuple[Concept, float]], text: str) -> float:
    """The weighted share of concepts a passage meets; a wording met in part counts in part (most of 胸胁苦满)."""
    total = sum(w for _, w in weighted)
    if not total:
        return 0.0
    got = 0.0
    for c, w in weighted:
        best = 0.0
        for gs in c.form_grams:
            best = max(best, sum(1 for g in gs if g in text) / len(gs))
            if best == 1.0:
                break
        got += w * best
    return got / total
