"""Combining ranked lists: reciprocal rank fusion (the default) and normalised score sums.

RRF needs no calibration between BM25 scores and cosine similarities, which live on unrelated
scales; a weight per list lets entity links count for more than either search. The evaluation
(tcm/evals/retrieval.py) compares RRF with a weighted sum of min-max-normalised scores.
"""

from __future__ import annotations

from collections.abc import Sequence

Ranked = Sequence[tuple[str, float]]  # (id, score), best first


def rrf(lists: Sequence[Ranked], weights: Sequence[float] | None = None, k: float = 60.0) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: score(d) = Σ w_i / (k + rank_i(d)), ranks from 1."""
    weights = weights or [1.0] * len(lists)
    out: dict[str, float] = {}
    for ranked, w in zip(lists, weights, strict=True):
        for rank, (doc, _score) in enumerate(ranked, 1):
            out[doc] = out.get(doc, 0.0) + w / (k + rank)
    return sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))


def score_sum(lists: Sequence[Ranked], weights: Sequence[float] | None = None) -> list[tuple[str, float]]:
    """Weighted sum of scores min-max normalised within each list (CombSUM)."""
    weights = weights or [1.0] * len(lists)
    out: dict[str, float] = {}
    for ranked, w in zip(lists, weights, strict=True):
        if not ranked:
            continue
        hi, lo = max(s for _, s in ranked), min(s for _, s in ranked)
        span = (hi - lo) or 1.0
        for doc, s in ranked:
            out[doc] = out.get(doc, 0.0) + w * ((s - lo) / span if hi != lo else 1.0)
    return sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))


FUSERS = {"rrf": rrf, "sum": score_sum}
