"""The pure per-chunk analysis: rows in, one record per row out, same order.

:func:`analyze_chunk` is the whole analysis of a batch of prescriptions. It reads nothing
but its arguments and the (immutable) :class:`~tcm.analysis.index.AnalysisIndex`, so the
same function runs inline, in a process pool or on a dask cluster and gives the same
records. Per chunk:

1. every row is parsed by the shared resolver (:meth:`NameResolver.parse_herbs`; items are
   memoised, so a piece such as ``麻黄9g`` is resolved once per process and unit convention);
2. the chunk becomes sparse matrices (rows × herbs: grams, dose proportions, presence);
3. formula matching, the property profile, syndromes and rule detection are matrix products
   over the whole chunk;
4. findings are rendered by the safety engine's public rule methods (memoised per herb, pair or
   dosed prescription), so they are exactly what ``tcm check`` reports for the same herbs and drugs.
   Doses are added up per herb as the engine does; the arrays only pick the rows the engine is asked about.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from itertools import combinations
from typing import Any, NamedTuple

import numpy as np
from scipy import sparse

from tcm.analysis.index import (
    BASE_FLAVOURS,
    FORMULA_SYNDROME_WEIGHT,
    NATURES,
    SET_WEIGHT,
    AnalysisIndex,
    default_index,
    impute_grams,
)
from tcm.analysis.stats import SCORE_BINS, TEMP_BINS, Stats
from tcm.names import HerbMention
from tcm.names.doses import clean_item, split_items
from tcm.safety.engine import finding_order
from tcm.types import MERIDIANS, Finding

TOP_FORMULAS = 3
TOP_SYNDROMES = 3
MIN_SYNDROME_SCORE = 0.05
_CACHE_MAX = 250_000  # memoised items per generation (two generations: memory stays bounded)
_K_NAT, _K_FL = len(NATURES), len(BASE_FLAVOURS)
_BLOCKS = ((0, _K_NAT), (_K_NAT, _K_NAT + _K_FL), (_K_NAT + _K_FL, _K_NAT + _K_FL + len(MERIDIANS)))
_LABELS = (*NATURES, *BASE_FLAVOURS, *MERIDIANS)
_BLOCK_OF = tuple(b for b, (lo, hi) in enumerate(_BLOCKS) for _ in range(lo, hi))


class RowIn(NamedTuple):
    """One input prescription. ``error`` is set by a reader that could not read the row (bad JSON...)."""

    row: int
    text: str | None
    id: str | None = None
    drugs: str | None = None
    pregnant: bool = False
    error: str | None = None


class _Item(NamedTuple):
    """One list item (``麻黄9g``) as the resolver reads it, with what the analysis needs from it."""

    mentions: tuple[HerbMention, ...]
    unresolved: tuple[str, ...]
    cols: tuple[int, ...]
    grams: tuple[float | None, ...]  # weights for matching and profile: an ambiguous name's grams are shared
    judged: tuple[float, ...]  # the dose the engine judges: the top of a written range (6～12g -> 12); nan: none
    herbs: tuple[dict[str, Any], ...]  # the output form of each mention
    raw: tuple[bool, ...]  # the engine flags the herb as not taken by mouth as written (生川乌, 巴豆)
    note_only: tuple[str, ...]  # the notes, when the item is only a note (先煎) for the item before it
    ambiguous: bool  # a name in it may mean several herbs


class _Parsed(NamedTuple):
    mentions: list[HerbMention]
    unresolved: list[str]
    drugs: tuple[str, ...]
    herbs: list[dict[str, Any]]
    raw: tuple[bool, ...]
    ambiguous: bool


class _Cache(dict):
    """A bounded memo with two generations: when the young one is full it becomes the old one and the
    previous old one is dropped; a hit in the old generation moves back to the young one. Hot keys
    stay, memory stays bounded at about ``2 × size`` entries."""

    def __init__(self, size: int = _CACHE_MAX) -> None:
        super().__init__()
        self.size = size
        self.old: dict = {}

    def lookup(self, key: Any) -> Any:
        hit = self.get(key)
        if hit is None:
            hit = self.old.get(key)
            if hit is not None:
                self.store(key, hit)
        return hit

    def store(self, key: Any, value: Any) -> None:
        if len(self) >= self.size:
            self.old = dict(self)
            self.clear()
        self[key] = value


class _Memo:
    """Per-index, per-unit-convention memo of resolver and engine results (pure functions of their keys)."""

    def __init__(self, index: AnalysisIndex, units: str = "modern") -> None:
        self.index = index
        self.units = units
        self.items = _Cache()  # item text -> _Item
        self.drugs = _Cache(20_000)  # drugs text -> (drug names, unresolved)
        self.findings = _Cache(50_000)  # rule key -> findings
        self.dumps: dict[int, tuple[Finding, dict[str, Any]]] = {}  # id(finding) -> (finding, its JSON)

    def _item(self, found: list[HerbMention], left: list[str], note_only: tuple[str, ...] = ()) -> _Item:
        col = self.index.col
        engine = self.index.engine
        return _Item(
            tuple(found), tuple(left), tuple(col[m.name_zh] for m in found),
            tuple(m.dose_g / len(m.ambiguous) if m.dose_g is not None and m.ambiguous else m.dose_g for m in found),
            tuple(np.nan if m.dose_g is None else m.judged_g for m in found),
            tuple({"input": m.input, "name_zh": m.name_zh, "dose_g": m.dose_g, "dose_text": m.dose_text,
                   **({"ambiguous": list(m.ambiguous)} if m.ambiguous else {})} for m in found),
            tuple(engine.raw_use(m) is not None for m in found),
            note_only,
            any(m.ambiguous for m in found),
        )

    def parse(self, text: str) -> list[_Item]:
        """Exactly ``resolver.parse_herbs(text, units)``, one memoised item at a time.

        Items are independent except where 各 ("each") carries a dose back to the herbs before it
        (黄连、黄芩各9g), parsed whole, and where a note stands on its own after its herb (青礞石12g 先煎):
        the note joins the last item that had a name, as the resolver does."""
        resolver = self.index.resolver
        if "各" in text:
            return [self._item(*resolver.parse_herbs(text, self.units))]
        out: list[_Item] = []
        keys: list[str] = []
        last = -1  # the last item with a name in it (resolved or not)
        items = self.items
        for item in split_items(text, resolver.index.protected):
            hit = items.get(item) or items.lookup(item)
            if hit is None:
                found, left = resolver.parse_herbs(item, self.units)
                hit = self._item(found, left, () if found or left else clean_item(item)[1])
                items.store(item, hit)
            if hit.note_only:
                if last >= 0 and out[last].mentions:
                    key = keys[last] + "\x00" + "\x00".join(hit.note_only)
                    noted = items.get(key) or items.lookup(key)
                    if noted is None:
                        prev = out[last]
                        noted = self._item([replace(m, notes=m.notes + hit.note_only) for m in prev.mentions],
                                           list(prev.unresolved))
                        items.store(key, noted)
                    out[last], keys[last] = noted, key
                continue
            if hit.mentions or hit.unresolved:
                last = len(out)
            out.append(hit)
            keys.append(item)
        return out

    def parse_drugs(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        hit = self.drugs.lookup(text)
        if hit is None:
            found, left = self.index.resolver.parse_drugs(text)
            hit = (tuple(dict.fromkeys(m.name_en for m in found)), tuple(left))
            self.drugs.store(text, hit)
        return hit

    def finding(self, key: tuple) -> list[dict[str, Any]]:
        """The engine's findings for one herb, pair or dosed prescription, as JSON dicts (memoised)."""
        hit = self.findings.get(key) or self.findings.lookup(key)
        if hit is None:
            e = self.index.engine
            kind = key[0]
            if kind == "tox":
                got = e.toxicity([key[1]])
            elif kind == "preg":
                got = e.pregnancy([key[1]])
            elif kind == "dose":  # not memoised per row (rows rarely repeat): the engine memoises per herb
                return [self.dumped(f) for f in e.doses(key[1], self.units)]
            elif kind == "line":  # one line of a herb written once
                got = e.doses([key[1]], self.units)
            elif kind == "inc":
                got = e.incompatibilities([key[1], key[2]])
            else:
                got = e.herb_drug([key[1]], [key[2]])
            hit = [f.model_dump(mode="json") for f in got]
            self.findings.store(key, hit)
        return hit


    def dumped(self, f: Finding) -> dict[str, Any]:
        """A finding as JSON, once per finding object (the engine hands out the same object for the same lines)."""
        hit = self.dumps.get(id(f))
        if hit is None or hit[0] is not f:
            hit = (f, f.model_dump(mode="json"))
            if len(self.dumps) >= 50_000:
                self.dumps.clear()
            self.dumps[id(f)] = hit
        return hit[1]


_MEMOS: dict[tuple[int, str], _Memo] = {}


def _memo(index: AnalysisIndex, units: str = "modern") -> _Memo:
    m = _MEMOS.get((id(index), units))
    if m is None or m.index is not index:
        m = _MEMOS[(id(index), units)] = _Memo(index, units)
    return m


def _dose_rows(R: np.ndarray, C: np.ndarray, D: np.ndarray, raw: np.ndarray, index: AnalysisIndex
               ) -> tuple[set[int], np.ndarray]:
    """Where the engine may report a dose, and how to ask it.

    Returns (rows the engine judges whole: a herb not taken by mouth as written, or a herb written more than
    once with a line or a sum above the strictest range that may apply; lines above that range elsewhere,
    which the engine judges one by one: for such rows that is what it does with the whole row too). Both
    are supersets of what the engine reports; the engine decides."""
    strict = index.strict_max[C]
    with np.errstate(invalid="ignore"):
        over = D > strict + 1e-9
    whole = set(R[raw].tolist())
    dosed = ~np.isnan(D)
    if dosed.any():
        H = index.n_herbs
        uk, inv, cnt = np.unique(R[dosed] * H + index.dose_root[C[dosed]], return_inverse=True, return_counts=True)
        sums = np.bincount(inv, weights=D[dosed], minlength=len(uk))
        limit = np.full(len(uk), np.inf)
        np.minimum.at(limit, inv, strict[dosed])
        limit = np.minimum(limit, index.strict_max[uk % H])
        part_over = np.zeros(len(uk), dtype=bool)
        np.logical_or.at(part_over, inv, over[dosed])
        whole.update((uk[(cnt > 1) & ((sums > limit + 1e-9) | part_over)] // H).tolist())
    lines = np.flatnonzero(over & ~np.isin(R, np.fromiter(whole, dtype=np.int64, count=len(whole))))
    return whole, lines


def analyze_chunk(rows: Sequence[RowIn], index: AnalysisIndex | None = None, units: str = "modern"
                  ) -> list[dict[str, Any]]:
    """Analyse a batch of prescriptions; returns one record per row, in the same order.

    Never raises for a row: a row that cannot be read or parsed comes back with status
    ``error`` and the reason. See :class:`tcm.types.AnalysisRow` for the fields. Records share
    their memoised parts (herb entries, findings) with other records: copy before mutating.
    ``units`` is how classical units are read: 'modern' (1 两 = 30 g) or 'han' (1 两 = 15.625 g).
    """
    return analyze_chunk_stats(rows, index, units)[0]


def analyze_chunk_stats(rows: Sequence[RowIn], index: AnalysisIndex | None = None, units: str = "modern"
                        ) -> tuple[list[dict[str, Any]], Stats]:
    """:func:`analyze_chunk` plus the chunk's :class:`~tcm.analysis.stats.Stats`, computed from its arrays."""
    enabled = gc.isenabled()
    gc.disable()  # a chunk allocates many small objects and no cycles; collections would rescan the memos
    try:
        return _analyze(rows, index or default_index(), units)
    finally:
        if enabled:
            gc.enable()


def _analyze(rows: Sequence[RowIn], index: AnalysisIndex, units: str = "modern"
             ) -> tuple[list[dict[str, Any]], Stats]:
    memo = _memo(index, units)
    n = len(rows)
    parsed: list[_Parsed | str] = []
    ent_row: list[int] = []
    ent_col: list[int] = []
    ent_dose: list[float] = []
    ent_w: list[float] = []
    ent_raw: list[bool] = []
    ent_mention: list[HerbMention] = []
    drug_rows: list[int] = []
    drug_cols: list[int] = []
    typical = index.typical_dose
    for i, r in enumerate(rows):
        if r.error:
            parsed.append(str(r.error))
            continue
        try:
            text = r.text if isinstance(r.text, str) else ("" if r.text is None else str(r.text))
            if not text.strip():
                parsed.append("empty prescription")
                continue
            items = memo.parse(text)
            drugs: tuple[str, ...] = ()
            drugs_left: tuple[str, ...] = ()
            if r.drugs and str(r.drugs).strip():
                drugs, drugs_left = memo.parse_drugs(str(r.drugs))
            if len(items) == 1:
                it = items[0]
                mentions, unresolved, cols, grams = list(it.mentions), list(it.unresolved), it.cols, it.grams
                judged, herbs, raw = it.judged, list(it.herbs), it.raw
            else:
                mentions, unresolved, herbs = [], [], []
                cols, grams, judged, raw = (), (), (), ()
                for it in items:
                    if it.mentions:
                        mentions += it.mentions
                        herbs += it.herbs
                        cols += it.cols
                        grams += it.grams
                        judged += it.judged
                        raw += it.raw
                    if it.unresolved:
                        unresolved += it.unresolved
            if drugs_left:
                unresolved += drugs_left
            weights = impute_grams(cols, grams, typical) if cols else []
        except Exception as e:  # a row that breaks the parser is reported, never dropped
            parsed.append(f"could not parse: {type(e).__name__}: {e}")
            continue
        parsed.append(_Parsed(mentions, unresolved, drugs, herbs, raw, any(it.ambiguous for it in items)))
        if cols:
            ent_row += [i] * len(cols)
            ent_col += cols
            ent_dose += judged
            ent_raw += raw
            ent_mention += mentions
            ent_w += weights
        for d in drugs:
            drug_rows.append(i)
            drug_cols.append(index.drug_col[d])

    R = np.asarray(ent_row, dtype=np.int64)
    C = np.asarray(ent_col, dtype=np.int64)
    D = np.asarray(ent_dose, dtype=np.float64)
    W = np.asarray(ent_w, dtype=np.float64)
    H = index.n_herbs
    x_w = sparse.csr_matrix((W, (R, C)), shape=(n, H))  # duplicates sum
    total = np.asarray(x_w.sum(axis=1)).ravel()
    inv = np.divide(1.0, total, out=np.zeros_like(total), where=total > 0)
    x_p = sparse.diags(inv) @ x_w  # dose proportions, canonical herbs
    x_b = x_w.copy()
    x_b.data[:] = 1.0

    # ---- formula matching in matching space (root herbs): set overlap (Dice) + dose overlap (Bhattacharyya)
    x_root = sparse.diags(inv) @ sparse.csr_matrix((W, (R, index.root_col[C])), shape=(n, H))
    x_sqrt = x_root.copy()
    x_sqrt.data = np.sqrt(x_sqrt.data)
    x_rb = x_root.copy()
    x_rb.data[:] = 1.0
    inter = (x_rb @ index.formula_bin.T).toarray()
    sizes = np.diff(x_rb.indptr).astype(np.float32)
    dice = 2.0 * inter / np.maximum(sizes[:, None] + index.formula_size[None, :], 1.0)
    bc = (x_sqrt @ index.formula_sqrt.T).toarray()
    score = SET_WEIGHT * dice + (1.0 - SET_WEIGHT) * bc
    k = min(TOP_FORMULAS, score.shape[1])
    top = np.argpartition(-score, k - 1, axis=1)[:, :k] if n else np.zeros((0, k), dtype=np.int64)
    top_scores = np.take_along_axis(score, top, axis=1)
    order = np.lexsort((top, -top_scores), axis=1) if n else top
    top = np.take_along_axis(top, order, axis=1)
    top_scores = np.take_along_axis(top_scores, order, axis=1)

    # ---- profile: dose-weighted nature / flavours / meridians, each block normalised over the herbs with data
    prof = np.asarray(x_p @ index.props)
    temp = np.asarray(x_p @ np.nan_to_num(index.temperature)).ravel()
    coverage = prof[:, :_K_NAT].sum(axis=1)
    for a, b in _BLOCKS:
        tot = prof[:, a:b].sum(axis=1, keepdims=True)
        np.divide(prof[:, a:b], tot, out=prof[:, a:b], where=tot > 0)
    has_nature = coverage > 0
    temps = np.divide(temp, coverage, out=np.zeros_like(temp), where=has_nature)
    prof_r = np.round(prof, 3)
    nz_rows, nz_cols = np.nonzero(prof_r)
    nz_vals = prof_r[nz_rows, nz_cols].tolist()
    nz_bounds = np.searchsorted(nz_rows, np.arange(n + 1)).tolist()
    nz_cols = nz_cols.tolist()
    temps_l = np.round(temps, 3).tolist()
    has_nature_l = has_nature.tolist()
    coverage_l = np.round(coverage, 3).tolist()

    # ---- syndromes: through the matched formulas (weighted by score) and the herbs' functions
    keep = top_scores > 0
    w_rows = np.repeat(np.arange(n), k)[keep.ravel()]
    w_m = sparse.csr_matrix((top_scores[keep], (w_rows, top[keep])), shape=(n, len(index.formulas)))
    s_f = np.asarray((w_m @ index.formula_syndrome).todense())
    msum = top_scores.clip(min=0).sum(axis=1)
    s_f /= np.where(msum > 0, msum, 1.0)[:, None]
    s_h = np.asarray((x_p @ index.herb_syndrome).todense())
    syn = FORMULA_SYNDROME_WEIGHT * s_f + (1.0 - FORMULA_SYNDROME_WEIGHT) * s_h
    ks = min(TOP_SYNDROMES, syn.shape[1])
    if n and ks:
        syn_top = np.argpartition(-syn, ks - 1, axis=1)[:, :ks]
        syn_val = np.take_along_axis(syn, syn_top, axis=1)
        o = np.lexsort((syn_top, -syn_val), axis=1)
        syn_top = np.take_along_axis(syn_top, o, axis=1)
        syn_val = np.round(np.take_along_axis(syn_val, o, axis=1), 4)
    else:
        syn_top = np.zeros((n, 0), dtype=np.int64)
        syn_val = np.zeros((n, 0))
    syn_top_l, syn_val_l = syn_top.tolist(), syn_val.tolist()
    top_l = top.tolist()
    top_scores_l = np.round(top_scores, 4).tolist()

    # ---- rule detection over the chunk; the engine renders the findings
    key = R * H + C
    first = np.zeros(len(key), dtype=bool)
    if len(key):
        first[np.unique(key, return_index=True)[1]] = True
    pregnant = np.fromiter((bool(r.pregnant) for r in rows), dtype=bool, count=n)
    tox_e = index.tox_mask[C] & first
    preg_e = index.preg_mask[C] & first & pregnant[R]
    dose_rows, dose_lines = _dose_rows(R, C, D, np.asarray(ent_raw, dtype=bool), index)
    inc_rows = set(np.flatnonzero(np.asarray((x_b @ index.incompat).multiply(x_b).sum(axis=1)).ravel()).tolist())
    x_d = sparse.csr_matrix((np.ones(len(drug_rows)), (drug_rows, drug_cols)), shape=(n, len(index.drugs)))
    hd_rows = set(np.flatnonzero(np.asarray((x_b @ index.herb_drug).multiply(x_d).sum(axis=1)).ravel()).tolist())
    per_row: dict[int, list[tuple[int, list[dict]]]] = {}
    herbs_l = index.herbs
    line = np.zeros(len(R), dtype=bool)
    line[dose_lines] = True
    for e in np.flatnonzero(tox_e | preg_e | line).tolist():
        row, h = int(R[e]), herbs_l[C[e]]
        bucket = per_row.setdefault(row, [])
        if preg_e[e]:  # engine order: pregnancy, then doses (one line at a time here), then toxicity
            bucket.append((0, memo.finding(("preg", h))))
        if line[e]:
            bucket.append((1, memo.finding(("line", ent_mention[e]))))
        if tox_e[e]:
            bucket.append((2, memo.finding(("tox", h))))

    # ---- records, in input order
    out: list[dict[str, Any]] = []
    status = Counter()
    unresolved_c: Counter = Counter()
    errors_c: Counter = Counter()
    findings_c: Counter = Counter()
    incompat = index.pairs
    formulas, syn_names = index.formulas, index.syndromes
    valid = np.zeros(n, dtype=bool)
    for i, r in enumerate(rows):
        p = parsed[i]
        if isinstance(p, str) or not p.mentions:
            reason = p if isinstance(p, str) else "no herb recognised"
            unresolved = [] if isinstance(p, str) else p.unresolved
            out.append({"row": r.row, "id": r.id, "status": "error", "reason": reason, "herbs": [], "drugs": [],
                        "unresolved": unresolved, "matches": [], "profile": None, "syndromes": [], "findings": []})
            status["error"] += 1
            errors_c[reason] += 1
            if unresolved:
                unresolved_c.update(unresolved)
            continue
        valid[i] = True
        findings: list[dict] = []
        if i in inc_rows or i in hd_rows:
            names = list(dict.fromkeys(m.name_zh for m in p.mentions))
            if i in inc_rows:
                for a, b in combinations(names, 2):
                    if (a, b) in incompat:
                        findings += memo.finding(("inc", a, b))
            if i in hd_rows:
                for h in names:
                    for d in p.drugs:
                        findings += memo.finding(("hd", h, d))
        if i in per_row:
            for _, fs in sorted(per_row[i], key=lambda kv: kv[0]):  # stable: input order within a kind
                findings += fs
        if i in dose_rows:  # the whole prescription: the engine adds up each herb's lines
            findings += memo.finding(("dose", tuple(m for m, flag in zip(p.mentions, p.raw, strict=True)
                                                    if flag or m.dose_g is not None)))
        if len(findings) > 1:
            findings.sort(key=finding_order)
        if findings and p.ambiguous:  # say which herbs a written name may be
            marked = index.engine.mark_ambiguous([Finding.model_validate(f) for f in findings], p.mentions)
            findings = [f.model_dump(mode="json") for f in marked]
        for f in findings:
            findings_c[(f["kind"], f["severity"])] += 1
        shares: tuple[dict, dict, dict] = ({}, {}, {})
        for j in range(nz_bounds[i], nz_bounds[i + 1]):
            c = nz_cols[j]
            shares[_BLOCK_OF[c]][_LABELS[c]] = nz_vals[j]
        unresolved = p.unresolved
        if unresolved:
            unresolved_c.update(unresolved)
            status["partial"] += 1
        else:
            status["ok"] += 1
        out.append({
            "row": r.row,
            "id": r.id,
            "status": "partial" if unresolved else "ok",
            "reason": f"{len(unresolved)} item(s) not recognised" if unresolved else None,
            "herbs": p.herbs,
            "drugs": list(p.drugs),
            "unresolved": unresolved,
            "matches": [{"name_zh": formulas[j], "score": sc} for j, sc in zip(top_l[i], top_scores_l[i], strict=True)
                        if sc > 0],
            "profile": {"temperature": temps_l[i] if has_nature_l[i] else None, "nature": shares[0],
                        "flavours": shares[1], "meridians": shares[2], "coverage": coverage_l[i]},
            "syndromes": [{"name_zh": syn_names[j], "score": sc}
                          for j, sc in zip(syn_top_l[i], syn_val_l[i], strict=True) if sc >= MIN_SYNDROME_SCORE],
            "findings": findings,
        })

    # ---- statistics for the report, from the same arrays
    st = Stats(rows=n, status=status, unresolved=unresolved_c, errors=errors_c, findings=findings_c)
    if len(C):
        counts = np.bincount(C[first], minlength=H)
        st.herbs = Counter({herbs_l[j]: int(counts[j]) for j in np.flatnonzero(counts).tolist()})
    if n:
        matched = valid & (top_scores[:, 0] > 0) if k else np.zeros(n, dtype=bool)
        fc = np.bincount(top[matched, 0], minlength=len(formulas))
        st.formulas = Counter({formulas[j]: int(fc[j]) for j in np.flatnonzero(fc).tolist()})
        if k:
            st.top_score += np.histogram(np.clip(np.round(top_scores[matched, 0], 4), 0, 1), SCORE_BINS)[0]
        if ks:
            with_syn = valid & (syn_val[:, 0] >= MIN_SYNDROME_SCORE)
            sc = np.bincount(syn_top[with_syn, 0], minlength=len(syn_names))
            st.syndromes = Counter({syn_names[j]: int(sc[j]) for j in np.flatnonzero(sc).tolist()})
        prof_rows = valid & has_nature
        st.profiles = int(prof_rows.sum())
        st.temperature += np.histogram(np.clip(np.asarray(temps_l)[prof_rows], -3, 3), TEMP_BINS)[0]
        dom = np.argmax(prof_r[prof_rows, :_K_NAT], axis=1)
        dc = np.bincount(dom, minlength=_K_NAT)
        st.nature = Counter({NATURES[j]: int(dc[j]) for j in np.flatnonzero(dc).tolist()})
        st.flavours += prof_r[prof_rows, _BLOCKS[1][0]:_BLOCKS[1][1]].sum(axis=0)
        st.meridians += prof_r[prof_rows, _BLOCKS[2][0]:_BLOCKS[2][1]].sum(axis=0)
    return out, st
