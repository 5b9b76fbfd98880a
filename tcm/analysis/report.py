"""The HTML report: one self-contained file with Plotly charts (plotly.js embedded once, no CDN).

Charts: status of the rows; the profile distribution (temperature histogram, dominant
nature, mean flavour and meridian shares); the most frequent top-1 formulas, herbs and
syndromes; top-1 match scores; findings by kind and severity; the unresolved tokens to fix
(most frequent first) and the reasons of error rows.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from tcm.analysis.index import BASE_FLAVOURS, NATURES
from tcm.analysis.stats import SCORE_BINS, TEMP_BINS
from tcm.errors import TCMError
from tcm.types import MERIDIANS

if TYPE_CHECKING:
    from tcm.analysis.run import Summary

TOP_N = 25
_SEV_COLOURS = {"critical": "#7f0000", "high": "#d62728", "moderate": "#ff9f1c", "low": "#1f77b4"}
_STATUS_COLOURS = {"ok": "#2ca02c", "partial": "#ff9f1c", "error": "#d62728"}


def _bar(go, labels, values, title, horizontal=True, colour="#4c78a8"):
    import plotly.graph_objects as go  # noqa: F811

    if horizontal:
        labels, values = list(reversed(labels)), list(reversed(values))
        trace = go.Bar(x=values, y=labels, orientation="h", marker_color=colour)
    else:
        trace = go.Bar(x=labels, y=values, marker_color=colour)
    fig = go.Figure(trace)
    fig.update_layout(title=title, height=max(320, 22 * len(labels) + 120) if horizontal else 360,
                      margin=dict(l=10, r=10, t=50, b=10), yaxis=dict(automargin=True))
    return fig


def write_report(summary: Summary, path: Path) -> None:
    """Write the report for a finished run."""
    try:
        import plotly.graph_objects as go
    except ImportError:
        raise TCMError("--report needs plotly: pip install 'tcm[analysis]'") from None
    s = summary.stats
    figs = []

    status = ["ok", "partial", "error"]
    fig = go.Figure(go.Bar(x=status, y=[s.status.get(k, 0) for k in status],
                           marker_color=[_STATUS_COLOURS[k] for k in status]))
    fig.update_layout(title="Rows by status", height=340, margin=dict(l=10, r=10, t=50, b=10))
    figs.append(fig)

    centres = [(a + b) / 2 for a, b in zip(TEMP_BINS[:-1], TEMP_BINS[1:], strict=True)]
    fig = go.Figure(go.Bar(x=centres, y=s.temperature.tolist(), marker_color="#e45756", width=0.24))
    fig.update_layout(title="Profile: dose-weighted temperature (−3 大寒 … 0 平 … +3 大热)", height=360,
                      xaxis_title="temperature", yaxis_title="rows", margin=dict(l=10, r=10, t=50, b=10))
    figs.append(fig)
    figs.append(_bar(go, list(NATURES), [s.nature.get(k, 0) for k in NATURES],
                     "Profile: dominant nature (rows)", horizontal=False, colour="#f58518"))
    n = max(s.profiles, 1)
    figs.append(_bar(go, list(BASE_FLAVOURS), (s.flavours / n).round(4).tolist(),
                     "Profile: mean flavour share", horizontal=False, colour="#54a24b"))
    figs.append(_bar(go, list(MERIDIANS), (s.meridians / n).round(4).tolist(),
                     "Profile: mean meridian share", horizontal=False, colour="#72b7b2"))

    for counter, title in ((s.formulas, "Most frequent nearest formulas (top-1)"),
                           (s.herbs, "Most frequent herbs (rows)"),
                           (s.syndromes, "Most frequent likely syndromes (first)")):
        top = counter.most_common(TOP_N)
        if top:
            figs.append(_bar(go, [k for k, _ in top], [v for _, v in top], title))
    centres = [round((a + b) / 2, 3) for a, b in zip(SCORE_BINS[:-1], SCORE_BINS[1:], strict=True)]
    figs.append(_bar(go, centres, s.top_score.tolist(), "Top-1 match score", horizontal=False, colour="#9d755d"))

    kinds = sorted({k for k, _ in s.findings})
    fig = go.Figure([go.Bar(name=sev, x=kinds, y=[s.findings.get((k, sev), 0) for k in kinds],
                            marker_color=colour) for sev, colour in _SEV_COLOURS.items()])
    fig.update_layout(barmode="stack", title="Safety findings by kind and severity", height=380,
                      margin=dict(l=10, r=10, t=50, b=10))
    figs.append(fig)

    top = s.unresolved.most_common(TOP_N)
    if top:
        figs.append(_bar(go, [k[:40] for k, _ in top], [v for _, v in top], "Unresolved tokens to fix (most frequent)",
                         colour="#b279a2"))
    top = s.errors.most_common(10)
    if top:
        figs.append(_bar(go, [k[:60] for k, _ in top], [v for _, v in top], "Reasons of error rows", colour="#d62728"))

    parts = [fig.to_html(full_html=False, include_plotlyjs=(i == 0), config={"displaylogo": False})
             for i, fig in enumerate(figs)]
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>"
                   for k, v in summary.as_dict().items() if v is not None)
    findings_total = sum(s.findings.values())
    unresolved_table = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{v:,}</td></tr>" for k, v in s.unresolved.most_common(100))
    doc = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>tcm analyze report</title>
<style>body{{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:2em auto;max-width:1100px;
padding:0 1em;color:#222}} table{{border-collapse:collapse;margin:1em 0}} td{{border:1px solid #ddd;padding:4px 10px}}
.grid{{display:grid;grid-template-columns:1fr 1fr;gap:1em}} .grid>div{{min-width:0}}</style></head><body>
<h1>Batch formula analysis</h1>
<p>{summary.rows:,} rows: <b>{summary.ok:,} ok</b>, {summary.partial:,} partial, {summary.error:,} error;
{findings_total:,} safety findings. Every input row has one output row, in input order.</p>
<table>{rows}</table>
<div class="grid">{''.join(f'<div>{p}</div>' for p in parts)}</div>
<h2>Unresolved tokens (top 100)</h2>
<p>Add the names people write that the resolver does not know to the corpus aliases.</p>
<table><tr><td><b>token</b></td><td><b>rows</b></td></tr>{unresolved_table}</table>
<p style="color:#777">Made by <code>tcm analyze</code>. Not medical advice.</p>
</body></html>
"""
    try:
        path.write_text(doc, encoding="utf-8")
    except OSError as e:
        raise TCMError(f"{path}: cannot write the report ({e.strerror})") from None
