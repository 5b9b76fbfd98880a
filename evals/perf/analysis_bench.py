"""Benchmark of `tcm analyze`: synthetic prescriptions end to end, and a plain per-row loop for comparison.

1. Writes N synthetic prescriptions (default 1,000,000) drawn from the corpus formulas with realistic
   noise (:mod:`tcm.analysis.synth`: name forms, dose forms, notes, herbs added/removed, noise words,
   typos), as CSV with id, prescription, drugs (8% of rows) and pregnant (3%) columns.
2. Runs the CLI on it (a fresh process, so start-up and index build count) with --workers 1 and 2,
   sampling the resident memory of the whole process tree (main + workers) every 0.1 s, and checks
   that the output has exactly one row per input row, in order.
3. Times a plain per-row loop over a sample (default 2,000 rows) and extrapolates to N:
   (a) "naive": the project's single-row APIs, as one would write it without the batch engine —
       ``resolver.parse_herbs``, ``SafetyEngine.check`` and the same match score and profile computed
       in Python for each row against each formula;
   (b) "chunk of 1": the batch API itself (``analyze_chunk``) called once per row.

Run by hand (not a test): .venv/bin/python evals/perf/analysis_bench.py [--rows N] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tcm.evaluation import machine

REPO = Path(__file__).resolve().parents[2]
DRUGS = ("warfarin", "aspirin", "阿司匹林", "Coumadin", "metformin", "地高辛", "simvastatin", "华法林", "clopidogrel",
         "cyclosporine", "digoxin, furosemide", "xyzzy-pill")


def make_input(path: Path, n: int, seed: int) -> None:
    from tcm.analysis import default_index
    from tcm.analysis.synth import Synth
    from tcm.config import settings
    from tcm.corpora.io import load_corpus

    synth = Synth(load_corpus(settings().corpora_dir), default_index())
    rng = random.Random(seed + 1)
    tmp = path.with_suffix(".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "prescription", "drugs", "pregnant", "formula"])
        for i, row in enumerate(synth.rows(n, seed=seed), 1):
            drugs = rng.choice(DRUGS) if rng.random() < 0.08 else ""
            w.writerow([f"rx{i}", row.text, drugs, "1" if rng.random() < 0.03 else "", row.formula])
    tmp.replace(path)


def _tree_rss_kb(pid: int) -> int:
    """Resident memory (kB) of a process and all its descendants, from /proc."""
    total, stack, seen = 0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def _busy_cpu_s() -> float:
    """CPU-seconds the whole machine has spent busy (all processes), from /proc/stat."""
    with open("/proc/stat") as fh:
        f = [int(x) for x in fh.readline().split()[1:]]
    busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] if len(f) > 7 else 0)  # user nice system irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


def run_cli(inp: Path, out: Path, workers: int, fmt: str, extra: list[str]) -> dict:
    cmd = [sys.executable, "-m", "tcm.cli", "analyze", str(inp), "-o", str(out), "--format", fmt, "--id-column", "id",
           "--drugs-column", "drugs", "--pregnant-column", "pregnant", "--workers", str(workers), "-q", "--json",
           *extra]
    peak = [0]
    load0 = os.getloadavg()[0]
    busy0 = _busy_cpu_s()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            time.sleep(0.1)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    others = max(0.0, _busy_cpu_s() - busy0 - cpu)
    th.join()
    if proc.returncode not in (0, 3):
        raise SystemExit(f"tcm analyze failed ({proc.returncode}): {stderr.strip()[-2000:]}")
    summary = json.loads(stdout)
    return {"workers": workers, "wall_s": wall, "inner_s": summary["seconds"], "rows": summary["rows"],
            "ok": summary["ok"], "partial": summary["partial"], "error": summary["error"],
            "peak_rss_mb": peak[0] / 1024, "out_mb": out.stat().st_size / 1e6, "cpu_s": cpu,
            "other_processes_cpu_s": others, "load_before": load0, "load_after": os.getloadavg()[0]}


def check_order(out: Path, n: int) -> None:
    """Every input row once, in order (JSONL output)."""
    with out.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if not line.startswith(f'{{"row":{i},"id":"rx{i}",'):
                raise SystemExit(f"output line {i} is not row {i}: {line[:80]}")
    if i != n:
        raise SystemExit(f"output has {i} rows, input {n}")


def naive_loop(texts: list[tuple[str, str, bool]]) -> float:
    """Seconds per row of a plain per-row loop over the single-row APIs (see module doc)."""
    from tcm.analysis import default_index
    from tcm.analysis.index import BASE_FLAVOURS, NATURES, SET_WEIGHT, formula_grams, impute_grams
    from tcm.config import settings
    from tcm.corpora.io import load_corpus
    from tcm.types import MERIDIANS, PatientFlags

    idx = default_index()
    resolver, engine = idx.resolver, idx.engine
    corpus = load_corpus(settings().corpora_dir)
    key = {h: idx.herbs[idx.root_col[idx.col[h]]] for h in idx.herbs}
    formulas = []
    for f in corpus.formulas:
        g = impute_grams([idx.col[i.herb] for i in f.composition], formula_grams(f), idx.typical_dose)
        w: dict[str, float] = {}
        for i, x in zip(f.composition, g, strict=True):
            w[key[i.herb]] = w.get(key[i.herb], 0.0) + x
        tot = sum(w.values())
        formulas.append((f.name_zh, {h: x / tot for h, x in w.items()}))
    herbs = resolver.herbs
    t0 = time.process_time()
    for text, drugs, pregnant in texts:
        mentions, _unresolved = resolver.parse_herbs(text)
        engine.check(herbs=text, drugs=drugs or None, flags=PatientFlags(pregnant=pregnant))
        if not mentions:
            continue
        grams = impute_grams([idx.col[m.name_zh] for m in mentions], [m.dose_g for m in mentions], idx.typical_dose)
        tot = sum(grams)
        p: dict[str, float] = {}
        for m, g in zip(mentions, grams, strict=True):
            p[key[m.name_zh]] = p.get(key[m.name_zh], 0.0) + g / tot
        scores = []
        for name, q in formulas:
            shared = p.keys() & q.keys()
            dice = 2 * len(shared) / (len(p) + len(q))
            bc = sum(math.sqrt(p[h] * q[h]) for h in shared)
            scores.append((SET_WEIGHT * dice + (1 - SET_WEIGHT) * bc, name))
        scores.sort(reverse=True)
        prof = {k: 0.0 for k in (*NATURES, *BASE_FLAVOURS, *MERIDIANS)}
        for m, g in zip(mentions, grams, strict=True):
            h = herbs[m.name_zh]
            if h.nature:
                prof[h.nature] += g / tot
            for f in h.flavours:
                prof[f.removeprefix("微")] += g / tot / len(h.flavours)
            for mer in h.meridians:
                prof[mer] += g / tot / len(h.meridians)
    return (time.process_time() - t0) / len(texts)


def chunk_of_one(texts: list[tuple[str, str, bool]]) -> float:
    from tcm.analysis import RowIn, analyze_chunk, default_index

    idx = default_index()
    t0 = time.process_time()
    for i, (text, drugs, pregnant) in enumerate(texts, 1):
        analyze_chunk([RowIn(i, text, None, drugs or None, pregnant)], idx)
    return (time.process_time() - t0) / len(texts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--sample", type=int, default=2000, help="rows timed in the per-row loops")
    ap.add_argument("--format", default="jsonl", choices=("jsonl", "csv", "parquet"))
    ap.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "tcm-analysis-bench")
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--keep", action="store_true", help="keep the output files")
    ap.add_argument("--extra", nargs=argparse.REMAINDER, default=[], help="more `tcm analyze` options")
    a = ap.parse_args()
    a.data.mkdir(parents=True, exist_ok=True)
    inp = a.data / f"synth-{a.rows}-{a.seed}.csv"
    if not inp.exists():
        t = time.perf_counter()
        make_input(inp, a.rows, a.seed)
        print(f"wrote {inp} ({inp.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.0f} s", flush=True)
    print(f"machine: {machine()}", flush=True)

    results = []
    for w in a.workers:
        out = a.data / f"out-w{w}.{a.format}"
        r = run_cli(inp, out, w, a.format, a.extra)
        if a.format == "jsonl":
            check_order(out, a.rows)
        results.append(r)
        print(json.dumps(r), flush=True)
        if not a.keep:
            out.unlink(missing_ok=True)

    with inp.open(encoding="utf-8", newline="") as fh:
        rdr = csv.DictReader(fh)
        sample = [(r["prescription"], r["drugs"], r["pregnant"] == "1") for _, r in zip(range(a.sample), rdr,
                                                                                         strict=False)]
    naive = naive_loop(sample)
    one = chunk_of_one(sample)
    print("\n| run | rows | wall (s) | rows/s | CPU (s, this run) | other processes' CPU (s) | peak RSS (MB, all "
          "processes) | ok / partial / error |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| `--workers {r['workers']}` | {r['rows']:,} | {r['wall_s']:.1f} | {r['rows'] / r['wall_s']:,.0f} | "
              f"{r['cpu_s']:.0f} | {r['other_processes_cpu_s']:.0f} | {r['peak_rss_mb']:,.0f} | "
              f"{r['ok']:,} / {r['partial']:,} / {r['error']:,} |")
    for label, per_row in (("plain per-row loop (single-row APIs)", naive), ("analyze_chunk, one row per call", one)):
        est = per_row * a.rows
        print(f"| {label}: {a.sample:,} rows timed (CPU time), extrapolated | {a.rows:,} | – | {1 / per_row:,.0f} "
              f"per CPU-second | {est:,.0f} (est.) | – | – | – |")
    best = min(r["wall_s"] for r in results)
    one_worker = next((r for r in results if r["workers"] == 1), results[0])
    print(f"\nCPU time per row: batch (--workers {one_worker['workers']}, end to end) "
          f"{one_worker['cpu_s'] / a.rows * 1e6:.0f} µs; plain per-row loop {naive * 1e6:.0f} µs "
          f"({naive * a.rows / one_worker['cpu_s']:.1f}× the batch); analyze_chunk one row per call {one * 1e6:.0f} µs "
          f"({one * a.rows / one_worker['cpu_s']:.1f}×)")
    print(f"wall-clock: best run {best:.1f} s vs the per-row loop's CPU time alone {naive * a.rows:,.0f} s "
          f"({naive * a.rows / best:.1f}×)")


if __name__ == "__main__":
    main()
