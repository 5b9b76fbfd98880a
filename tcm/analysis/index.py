"""The arrays batch analysis works on, built once per process from the corpus.

Everything here is derived from the same corpus rows that build the graph and feed the
safety engine: herb columns (one per corpus herb), the formula matrix (root herbs ×
dose proportions), the property matrix (nature, flavours, meridians), the syndrome
matrices and the rule masks. Rule *findings* are never written here: the masks only say
where a rule may fire, and the engine renders the finding (see :mod:`tcm.analysis.core`).
"""

from __future__ import annotations

import statistics
import threading
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from tcm.corpora.io import Corpus
from tcm.names import NameResolver
from tcm.names.doses import parse_dose
from tcm.safety.engine import SafetyEngine
from tcm.types import FLAVOURS, MERIDIANS, Formula

#: Nature on a signed scale (cold < 0 < hot), symmetric pairs: 凉↔温, 寒↔热, 大寒↔大热, 微寒↔微温.
NATURE_SCALE: dict[str, float] = {"大寒": -3.0, "寒": -2.0, "凉": -1.0, "微寒": -0.5, "平": 0.0, "微温": 0.5,
                                  "温": 1.0, "热": 2.0, "大热": 3.0}
NATURES: tuple[str, ...] = tuple(NATURE_SCALE)
#: The seven base flavours; 微X counts as X with half weight.
BASE_FLAVOURS: tuple[str, ...] = tuple(f for f in FLAVOURS if not f.startswith("微"))
#: Herbs that count as one for formula matching only (rules and profiles keep them apart): the corpus keeps
#: the classical 芍药 as a name of its own because the sources do not say 白芍 or 赤芍.
MATCH_GROUPS: dict[str, tuple[str, ...]] = {"芍药": ("白芍", "赤芍")}
DEFAULT_DOSE_G = 9.0  # weight of a herb with no grams and no pharmacopoeia range (profile and matching only)
#: Weight of the herb-set term in the match score (the rest is the dose term); chosen on a synthetic
#: dev set drawn with another seed than evals/analysis (see docs/analysis.md).
SET_WEIGHT = 0.5
#: Share of the syndrome score that comes from the matched formulas (the rest from herb functions).
FORMULA_SYNDROME_WEIGHT = 0.7


@dataclass
class AnalysisIndex:
    """Columns, matrices and masks for vectorised analysis. Build with :meth:`build`."""

    resolver: NameResolver
    engine: SafetyEngine
    herbs: list[str]
    col: dict[str, int]
    root_col: np.ndarray  # herb col -> matching col: the crude drug it derives from (炙甘草 -> 甘草), grouped
    typical_dose: np.ndarray  # herb col -> grams used when a dose is missing (profile/matching weights only)
    formulas: list[str]
    formula_bin: sparse.csr_matrix  # formulas × herbs (root space), 1 where the formula holds the herb
    formula_sqrt: sparse.csr_matrix  # formulas × herbs, sqrt of dose proportions
    formula_size: np.ndarray
    props: np.ndarray  # herbs × (natures + flavours + meridians), each block sums to 1 per herb with data
    temperature: np.ndarray  # herb col -> nature on NATURE_SCALE (nan when unknown)
    syndromes: list[str]
    formula_syndrome: sparse.csr_matrix  # formulas × syndromes
    herb_syndrome: sparse.csr_matrix  # herbs × syndromes (herb indications/functions)
    drugs: list[str]
    drug_col: dict[str, int]
    tox_mask: np.ndarray  # herb col -> a toxicity rule applies (itself or through the herb it is a form of)
    preg_mask: np.ndarray
    strict_max: np.ndarray  # herb col -> the smallest pharmacopoeia maximum that may apply (inf when none)
    dose_root: np.ndarray  # herb col -> col of the crude drug whose lines are added up with it (炙甘草 -> 甘草)
    incompat: sparse.csr_matrix  # herbs × herbs, 1 where 十八反/十九畏 forbid the pair
    pairs: frozenset[tuple[str, str]]  # the same pairs by name, both orders
    herb_drug: sparse.csr_matrix  # herbs × drugs, 1 where the engine reports an interaction

    @property
    def n_herbs(self) -> int:
        return len(self.herbs)

    @classmethod
    def build(cls, corpus: Corpus, resolver: NameResolver | None = None,
              engine: SafetyEngine | None = None) -> AnalysisIndex:
        resolver = resolver or (engine.resolver if engine else NameResolver(corpus))
        engine = engine or SafetyEngine(corpus, resolver)
        herbs = list(resolver.herbs)
        col = {h: i for i, h in enumerate(herbs)}
        n = len(herbs)
        group = {m: g for g, members in MATCH_GROUPS.items() if g in col for m in (g, *members) if m in col}
        root_col = np.array([col[group.get(resolver.root(h), resolver.root(h))] for h in herbs], dtype=np.int32)

        typical = np.full(n, np.nan)
        strict_max = np.full(n, np.inf)
        dose_root = np.array([col[resolver.root(h)] for h in herbs], dtype=np.int64)
        tox = np.zeros(n, dtype=bool)
        preg = np.zeros(n, dtype=bool)
        for i, h in enumerate(herbs):
            rows_ = engine.dose_rows(h)
            row = rows_[0] if rows_ else None
            if row is not None and row.dose_max_g is not None:
                typical[i] = (row.dose_min_g + row.dose_max_g) / 2 if row.dose_min_g else row.dose_max_g * 0.6
            strict_max[i] = engine.strictest_max(h)
            tox[i] = engine.toxicity_row(h) is not None
            preg[i] = engine.pregnancy_row(h) is not None

        # ---- formulas (root-herb space, dose proportions; missing grams -> median of the formula's grams)
        formulas = [f.name_zh for f in corpus.formulas]
        rows, cols, bvals, svals = [], [], [], []
        for fi, f in enumerate(corpus.formulas):
            herb_cols = [col[i.herb] for i in f.composition]
            grams = impute_grams(herb_cols, formula_grams(f), typical)
            merged: dict[int, float] = {}
            for c, g in zip(herb_cols, grams, strict=True):
                merged[int(root_col[c])] = merged.get(int(root_col[c]), 0.0) + g
            total = sum(merged.values())
            for c, g in merged.items():
                rows.append(fi)
                cols.append(c)
                bvals.append(1.0)
                svals.append(np.sqrt(g / total))
        shape = (len(formulas), n)
        formula_bin = sparse.csr_matrix((bvals, (rows, cols)), shape=shape, dtype=np.float32)
        formula_sqrt = sparse.csr_matrix((svals, (rows, cols)), shape=shape, dtype=np.float32)
        formula_size = np.asarray(formula_bin.sum(axis=1)).ravel().astype(np.float32)

        # ---- properties (a processed form without its own data takes its crude drug's)
        k_nat, k_fl, k_mer = len(NATURES), len(BASE_FLAVOURS), len(MERIDIANS)
        props = np.zeros((n, k_nat + k_fl + k_mer), dtype=np.float32)
        temperature = np.full(n, np.nan, dtype=np.float32)
        for i, h in enumerate(herbs):
            herb = next((resolver.herbs[x] for x in resolver.lineage(h) if resolver.herbs[x].nature), resolver.herbs[h])
            if herb.nature:
                props[i, NATURES.index(herb.nature)] = 1.0
                temperature[i] = NATURE_SCALE[herb.nature]
            fl = [(BASE_FLAVOURS.index(f.removeprefix("微")), 0.5 if f.startswith("微") else 1.0)
                  for f in herb.flavours]
            total = sum(w for _, w in fl)
            for j, w in fl:
                props[i, k_nat + j] += w / total
            for m in herb.meridians:
                props[i, k_nat + k_fl + MERIDIANS.index(m)] += 1.0 / len(herb.meridians)

        # ---- syndromes: formulas that treat them; herbs whose indications/functions name them or
        # whose functions are those of formulas that treat them
        syndromes = sorted({s for f in corpus.formulas for s in f.syndromes})
        syn_col = {s: i for i, s in enumerate(syndromes)}
        fs = sparse.lil_matrix((len(formulas), len(syndromes)), dtype=np.float32)
        by_function: dict[str, set[str]] = {}
        for fi, f in enumerate(corpus.formulas):
            for s in f.syndromes:
                fs[fi, syn_col[s]] = 1.0 / len(f.syndromes)
            for fn in f.functions:
                by_function.setdefault(fn, set()).update(f.syndromes)
        term_to_syn: dict[str, str] = {}
        for s in syndromes:
            term_to_syn[s] = term_to_syn[s.removesuffix("证")] = s
        hs = sparse.lil_matrix((n, len(syndromes)), dtype=np.float32)
        for i, h in enumerate(herbs):
            herb = resolver.herbs[resolver.root(h)]
            links: dict[int, float] = {}
            for t in [*herb.indications, *herb.functions]:
                if t in term_to_syn:
                    links[syn_col[term_to_syn[t]]] = links.get(syn_col[term_to_syn[t]], 0.0) + 1.0
            for fn in herb.functions:
                for s in by_function.get(fn, ()):
                    links[syn_col[s]] = links.get(syn_col[s], 0.0) + 0.5
            total = sum(links.values())
            for j, w in links.items():
                hs[i, j] = w / total

        # ---- rule masks from the engine's own tables
        inc = sparse.lil_matrix((n, n), dtype=np.float32)
        pairs = frozenset(engine.incompatible_pairs())
        for a, b in pairs:
            if a in col and b in col:
                inc[col[a], col[b]] = 1.0
        drugs = list(resolver.drugs)
        drug_col = {d: i for i, d in enumerate(drugs)}
        hd = sparse.lil_matrix((n, len(drugs)), dtype=np.float32)
        for d in drugs:  # one engine call per drug over every herb: whatever rules the engine has, its answer
            for f in engine.herb_drug(herbs, [d]):
                hd[col[f.items[0]], drug_col[d]] = 1.0

        return cls(
            resolver=resolver, engine=engine, herbs=herbs, col=col, root_col=root_col,
            typical_dose=typical, formulas=formulas, formula_bin=formula_bin, formula_sqrt=formula_sqrt,
            formula_size=formula_size, props=props, temperature=temperature, syndromes=syndromes,
            formula_syndrome=fs.tocsr(), herb_syndrome=hs.tocsr(), drugs=drugs, drug_col=drug_col,
            tox_mask=tox, preg_mask=preg, strict_max=strict_max, dose_root=dose_root, incompat=inc.tocsr(),
            pairs=pairs, herb_drug=hd.tocsr(),
        )


def formula_grams(f: Formula) -> list[float | None]:
    """Grams of each ingredient as the corpus gives them (``dose_g``, else its ``dose_text`` read by
    :func:`parse_dose`: 二两 → 60 g); ``等分`` (equal parts) everywhere means equal weights."""
    grams = [i.dose_g if i.dose_g is not None else (parse_dose(i.dose_text).grams if i.dose_text else None)
             for i in f.composition]
    if all(g is None for g in grams) and any(i.dose_text and "等分" in i.dose_text for i in f.composition):
        return [1.0] * len(grams)
    return grams


def impute_grams(cols: list[int], grams: list[float | None], typical: np.ndarray) -> list[float]:
    """Weights for one prescription: grams where given; else the median of the grams it does give;
    else the herb's typical (pharmacopoeia mid-range) dose; else :data:`DEFAULT_DOSE_G`."""
    known = [g for g in grams if g is not None and g > 0]
    if len(known) == len(grams):
        return [float(g) for g in known]
    fill = statistics.median(known) if known else None
    out = []
    for c, g in zip(cols, grams, strict=True):
        if g is not None and g > 0:
            out.append(float(g))
        elif fill is not None:
            out.append(float(fill))
        else:
            t = typical[c]
            out.append(float(t) if t == t else DEFAULT_DOSE_G)
    return out


_INDEXES: dict[str, AnalysisIndex] = {}
_INDEX_LOCK = threading.Lock()


def default_index(corpora_dir: str | None = None) -> AnalysisIndex:
    """The index for the configured corpus, built once per process (thread-safe; dask workers call it too)."""
    from pathlib import Path

    from tcm.config import settings
    from tcm.corpora.io import load_corpus

    key = str(corpora_dir or settings().corpora_dir)
    with _INDEX_LOCK:
        if key not in _INDEXES:
            if corpora_dir is None:  # the process's shared corpus, resolver and engine
                from tcm.context import default_context

                ctx = default_context()
                _INDEXES[key] = AnalysisIndex.build(ctx.corpus, ctx.resolver, ctx.engine)
            else:
                corpus = load_corpus(Path(key))
                resolver = NameResolver(corpus)
                _INDEXES[key] = AnalysisIndex.build(corpus, resolver, SafetyEngine(corpus, resolver))
        return _INDEXES[key]
