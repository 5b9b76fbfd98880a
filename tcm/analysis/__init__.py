"""`tcm.analysis`: batch formula analysis (`tcm analyze`).

    from tcm.analysis import analyze_texts
    analyze_texts(["麻黄9g，桂枝6g，杏仁6g，甘草3g"])[0]["matches"][0]   # {'name_zh': '麻黄汤', 'score': 1.0}
"""

from __future__ import annotations

from tcm.analysis.core import RowIn, analyze_chunk
from tcm.analysis.index import AnalysisIndex, default_index

__all__ = ["AnalysisIndex", "RowIn", "analyze_chunk", "analyze_texts", "default_index"]


def analyze_texts(texts, index: AnalysisIndex | None = None) -> list[dict]:
    """Analyse prescriptions given as strings; one record per string, same order (rows numbered from 1)."""
    return analyze_chunk([RowIn(i, t) for i, t in enumerate(texts, 1)], index)
