"""Aggregates over analysed rows, for the summary line and the HTML report.

Each chunk's :class:`Stats` is computed where the chunk was analysed (small: counters and
fixed-size histograms) and merged in the main process, so memory does not grow with the
number of rows. The one open-ended counter, unresolved tokens, is pruned to the most
frequent :data:`MAX_TOKENS` when it grows past twice that (counts of rare tokens are then
lower bounds; the most frequent ones, which the report shows, are exact in practice).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tcm.analysis.index import BASE_FLAVOURS, NATURES
from tcm.types import MERIDIANS

TEMP_BINS = np.linspace(-3.0, 3.0, 25)  # 0.25 wide
SCORE_BINS = np.linspace(0.0, 1.0, 21)
MAX_TOKENS = 20_000


@dataclass
class Stats:
    rows: int = 0
    status: Counter = field(default_factory=Counter)
    formulas: Counter = field(default_factory=Counter)  # top-1 formula per row
    herbs: Counter = field(default_factory=Counter)  # rows a herb appears in
    findings: Counter = field(default_factory=Counter)  # (kind, severity) -> findings
    unresolved: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)  # reasons of error rows
    nature: Counter = field(default_factory=Counter)  # dominant nature per row
    syndromes: Counter = field(default_factory=Counter)  # first syndrome per row
    temperature: np.ndarray = field(default_factory=lambda: np.zeros(len(TEMP_BINS) - 1, dtype=np.int64))
    top_score: np.ndarray = field(default_factory=lambda: np.zeros(len(SCORE_BINS) - 1, dtype=np.int64))
    flavours: np.ndarray = field(default_factory=lambda: np.zeros(len(BASE_FLAVOURS)))
    meridians: np.ndarray = field(default_factory=lambda: np.zeros(len(MERIDIANS)))
    profiles: int = 0

    @classmethod
    def of(cls, records: list[dict[str, Any]]) -> Stats:
        s = cls(rows=len(records))
        temps, scores = [], []
        fl_idx = {f: i for i, f in enumerate(BASE_FLAVOURS)}
        mer_idx = {m: i for i, m in enumerate(MERIDIANS)}
        for r in records:
            s.status[r["status"]] += 1
            if r["unresolved"]:
                s.unresolved.update(r["unresolved"])
            if r["status"] == "error":
                s.errors[r["reason"]] += 1
                continue
            s.herbs.update({h["name_zh"] for h in r["herbs"]})
            if r["matches"]:
                s.formulas[r["matches"][0]["name_zh"]] += 1
                scores.append(r["matches"][0]["score"])
            if r["syndromes"]:
                s.syndromes[r["syndromes"][0]["name_zh"]] += 1
            for f in r["findings"]:
                s.findings[(f["kind"], f["severity"])] += 1
            p = r["profile"]
            if p and p["temperature"] is not None:
                temps.append(p["temperature"])
                s.nature[max(p["nature"].items(), key=lambda kv: kv[1])[0]] += 1
                s.profiles += 1
                for k, v in p["flavours"].items():
                    s.flavours[fl_idx[k]] += v
                for k, v in p["meridians"].items():
                    s.meridians[mer_idx[k]] += v
        if temps:
            s.temperature += np.histogram(np.clip(temps, -3, 3), TEMP_BINS)[0]
        if scores:
            s.top_score += np.histogram(np.clip(scores, 0, 1), SCORE_BINS)[0]
        return s

    def merge(self, o: Stats) -> Stats:
        self.rows += o.rows
        for name in ("status", "formulas", "herbs", "findings", "unresolved", "errors", "nature", "syndromes"):
            getattr(self, name).update(getattr(o, name))
        if len(self.unresolved) > 2 * MAX_TOKENS:
            self.unresolved = Counter(dict(self.unresolved.most_common(MAX_TOKENS)))
        if len(self.errors) > 2 * MAX_TOKENS:
            self.errors = Counter(dict(self.errors.most_common(MAX_TOKENS)))
        self.temperature += o.temperature
        self.top_score += o.top_score
        self.flavours += o.flavours
        self.meridians += o.meridians
        self.profiles += o.profiles
        return self

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, **{k: self.status.get(k, 0) for k in ("ok", "partial", "error")}}


__all__ = ["NATURES", "Stats"]
