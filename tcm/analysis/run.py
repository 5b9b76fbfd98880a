"""Streaming a file through the per-chunk analysis: inline, on a process pool, or on dask.distributed.

Memory stays constant for any file size: the reader yields one chunk at a time, at most
``2 × workers`` chunks are in flight, and results are written in input order as soon as the
oldest one is done. The work unit, :func:`process_chunk`, is a pure top-level function
(rows in; encoded rows and their statistics out), which is what lets dask run it unchanged.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tcm.analysis.core import RowIn, analyze_chunk_stats
from tcm.analysis.index import default_index
from tcm.analysis.inputs import InputSpec, RowReader
from tcm.analysis.stats import Stats
from tcm.analysis.writers import OutputWriter, encode_chunk, output_format
from tcm.errors import TCMError
from tcm.names.doses import UNIT_CONVENTIONS

ENGINES = ("local", "dask")
DEFAULT_CHUNK = 5000

Progress = Callable[[int, int, int], None]  # (rows done, bytes read, total bytes)

_WORKER = False  # True in a process that exists to run chunks (pool worker, the CLI itself)


def worker_process() -> None:
    """Mark this process as one that exists to analyse chunks (lets :func:`process_chunk` tune the GC)."""
    global _WORKER
    _WORKER = True


def process_chunk(rows: list[RowIn], fmt: str, corpora_dir: str | None = None, units: str = "modern"
                  ) -> tuple[Any, Stats, int]:
    """Analyse and encode one chunk: (encoded rows, statistics, number of rows). Pure; safe to ship anywhere."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        records, stats = analyze_chunk_stats(rows, default_index(corpora_dir), units)
        if len(records) != len(rows):  # the invariant every caller relies on; cheap to state
            raise AssertionError(f"chunk of {len(rows)} rows gave {len(records)} records")
        payload = encode_chunk(records, fmt)
    finally:
        if enabled:
            gc.enable()
    if _WORKER:
        gc.freeze()  # the memos only grow: keep them out of later collections (a worker owns its process)
    return payload, stats, len(records)


@dataclass
class Summary:
    """What a run did: counts per status, where things went, how fast."""

    input: str
    output: str
    format: str
    rows: int
    ok: int
    partial: int
    error: int
    seconds: float
    workers: int
    engine: str
    report: str | None = None
    stats: Stats = field(default_factory=Stats, repr=False)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"input": self.input, "output": self.output, "format": self.format, "rows": self.rows,
                "ok": self.ok, "partial": self.partial, "error": self.error, "seconds": round(self.seconds, 3),
                "rows_per_s": round(self.rows_per_s, 1), "workers": self.workers, "engine": self.engine,
                "report": self.report}

    def line(self) -> str:
        return (f"{self.rows:,} rows: {self.ok:,} ok, {self.partial:,} partial, {self.error:,} error "
                f"→ {self.output} ({self.seconds:.1f} s, {self.rows_per_s:,.0f} rows/s)")


def analyze_file(
    spec: InputSpec,
    output: Path,
    *,
    fmt: str | None = None,
    report: Path | None = None,
    workers: int = 1,
    chunk_size: int = DEFAULT_CHUNK,
    engine: str = "local",
    scheduler: str | None = None,
    client: Any = None,
    corpora_dir: str | None = None,
    progress: Progress | None = None,
    units: str = "modern",
) -> Summary:
    """Analyse every row of ``spec.path`` into ``output``; one output row per input row, same order.

    ``engine='dask'`` sends chunks to a dask.distributed cluster: ``client`` if given, else the
    scheduler at ``scheduler``, else a LocalCluster of ``workers`` processes started for this run.
    ``units`` is how classical units are read: 'modern' (1 两 = 30 g) or 'han' (1 两 = 15.625 g).
    """
    if engine not in ENGINES:
        raise TCMError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if units not in UNIT_CONVENTIONS:
        raise TCMError(f"unknown units {units!r}; use {' or '.join(UNIT_CONVENTIONS)}")
    if workers < 1:
        raise TCMError("--workers must be at least 1")
    if chunk_size < 1:
        raise TCMError("--chunk-size must be at least 1")
    output = Path(output)
    fmt = output_format(output, fmt)
    if report is not None and Path(report).resolve() == output.resolve():
        raise TCMError("--report must not be the output file")
    if Path(spec.path).resolve() == output.resolve():
        raise TCMError("the output must not be the input file")
    t0 = time.perf_counter()
    stats = Stats()
    with RowReader(spec, chunk_size) as reader:
        writer = OutputWriter(output, fmt)
        try:
            def emit(result: tuple[Any, Stats, int]) -> None:
                payload, st, _n = result
                writer.write(payload)
                stats.merge(st)
                if progress:
                    progress(stats.rows, reader.bytes_read, reader.total_bytes)

            if engine == "dask":
                _run_dask(reader, fmt, emit, workers, scheduler, client, corpora_dir, units)
            elif workers == 1:
                default_index(corpora_dir)
                for rows in reader:
                    emit(process_chunk(rows, fmt, corpora_dir, units))
            else:
                _run_pool(reader, fmt, emit, workers, corpora_dir, units)
            if stats.rows != reader.rows:  # never lose a row silently
                raise TCMError(f"internal error: read {reader.rows} rows but wrote {stats.rows}")
            writer.commit()
        except BaseException:
            writer.abort()
            raise
    seconds = time.perf_counter() - t0
    c = stats.counts()
    summary = Summary(str(spec.path), str(output), fmt, c["rows"], c["ok"], c["partial"], c["error"], seconds,
                      workers, engine, str(report) if report else None, stats)
    if report is not None:
        from tcm.analysis.report import write_report

        write_report(summary, Path(report))
    return summary


# ------------------------------------------------------------------ local process pool


def _init_worker(corpora_dir: str | None) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    worker_process()
    default_index(corpora_dir)


def _run_pool(reader: RowReader, fmt: str, emit, workers: int, corpora_dir: str | None, units: str) -> None:
    methods = mp.get_all_start_methods()
    ctx = mp.get_context("fork" if "fork" in methods else "spawn")
    if ctx.get_start_method() == "fork":
        default_index(corpora_dir)  # built once here, inherited by the forked workers
    pending: deque = deque()
    with ctx.Pool(workers, initializer=_init_worker, initargs=(corpora_dir,)) as pool:
        for rows in reader:
            pending.append(pool.apply_async(process_chunk, (rows, fmt, corpora_dir, units)))
            while len(pending) >= 2 * workers:
                emit(pending.popleft().get())
        while pending:
            emit(pending.popleft().get())


# ------------------------------------------------------------------ dask.distributed


def _run_dask(reader: RowReader, fmt: str, emit, workers: int, scheduler: str | None, client: Any,
              corpora_dir: str | None, units: str) -> None:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise TCMError("--engine dask needs dask.distributed: pip install 'tcm[analysis]'") from None
    own: list[Any] = []
    try:
        if client is None:
            if scheduler:
                try:
                    client = Client(scheduler, timeout="10s")
                except OSError as e:
                    raise TCMError(f"cannot reach the dask scheduler at {scheduler}: {e}") from None
            else:
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
                own.append(cluster)
                client = Client(cluster)
            own.insert(0, client)
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        pending: deque = deque()
        for rows in reader:
            pending.append(client.submit(process_chunk, rows, fmt, corpora_dir, units, pure=False))
            while len(pending) >= 2 * n_workers:
                emit(pending.popleft().result())
        while pending:
            emit(pending.popleft().result())
    finally:
        for obj in own:
            obj.close()
