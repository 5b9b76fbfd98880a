"""Output formats: JSONL (one record a line), CSV (nested fields as JSON text), Parquet (nested columns).

Encoding a chunk (:func:`encode_chunk`) is pure and runs where the chunk was analysed; the
:class:`OutputWriter` in the main process only appends the encoded chunks, in input order, to
a temporary file that replaces the output when every row is written (a failed run leaves no
half-written output behind).
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

from tcm.errors import TCMError

OUTPUT_FORMATS = ("jsonl", "csv", "parquet")
#: CSV columns; rows end in CRLF (RFC 4180), so a cell holding a bare CR or LF is quoted.
CSV_COLUMNS = ("row", "id", "status", "reason", "top_formula", "top_score", "temperature", "n_findings",
               "max_severity", "herbs", "drugs", "unresolved", "matches", "profile", "syndromes", "findings")
_JSON_COLUMNS = ("herbs", "drugs", "unresolved", "matches", "profile", "syndromes", "findings")
_SEVERITIES = ("critical", "high", "moderate", "low")


def output_format(path: Path, fmt: str | None) -> str:
    if fmt:
        if fmt not in OUTPUT_FORMATS:
            raise TCMError(f"unknown output format {fmt!r}; use one of {', '.join(OUTPUT_FORMATS)}")
        return fmt
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    return "jsonl"


try:  # orjson (in the `analysis` extra) writes the same compact JSON about ten times faster
    import orjson

    def _dumps(obj: Any) -> str:
        return orjson.dumps(obj).decode("utf-8")

    def _jsonl(records: list[dict[str, Any]]) -> bytes:
        return b"".join(orjson.dumps(r, option=orjson.OPT_APPEND_NEWLINE) for r in records)
except ImportError:  # pragma: no cover - the extra is missing
    def _dumps(obj: Any) -> str:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

    def _jsonl(records: list[dict[str, Any]]) -> bytes:
        return "".join(_dumps(r) + "\n" for r in records).encode("utf-8")


def encode_chunk(records: list[dict[str, Any]], fmt: str) -> Any:
    """Records → bytes (JSONL, CSV without header) or a pyarrow Table (Parquet)."""
    if fmt == "jsonl":
        return _jsonl(records)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        for r in records:
            w.writerow(csv_cells(r))
        return buf.getvalue().encode("utf-8")
    if fmt == "parquet":
        import pyarrow as pa

        return pa.Table.from_pylist([_arrow_record(r) for r in records], schema=arrow_schema())
    raise TCMError(f"unknown output format {fmt!r}")


def csv_cells(r: dict[str, Any]) -> list[Any]:
    top = r["matches"][0] if r["matches"] else None
    sev = [f["severity"] for f in r["findings"]]
    temp = r["profile"]["temperature"] if r["profile"] else None
    flat = [r["row"], r["id"], r["status"], r["reason"], top and top["name_zh"], top and top["score"], temp,
            len(r["findings"]), next((s for s in _SEVERITIES if s in sev), None)]
    return [("" if v is None else v) for v in flat] + [_dumps(r[c]) for c in _JSON_COLUMNS]


def _arrow_record(r: dict[str, Any]) -> dict[str, Any]:
    p = r["profile"]
    if p is not None:
        p = {**p, **{k: list(p[k].items()) for k in ("nature", "flavours", "meridians")}}
    return {**r, "profile": p}


_SCHEMA = None


def arrow_schema():
    """The Parquet schema: the JSONL record with typed nested columns (profile shares as maps)."""
    global _SCHEMA
    if _SCHEMA is None:
        import pyarrow as pa

        scored = pa.list_(pa.struct([("name_zh", pa.string()), ("score", pa.float64())]))
        shares = pa.map_(pa.string(), pa.float64())
        _SCHEMA = pa.schema([
            ("row", pa.int64()), ("id", pa.string()), ("status", pa.string()), ("reason", pa.string()),
            ("herbs", pa.list_(pa.struct([("input", pa.string()), ("name_zh", pa.string()),
                                          ("dose_g", pa.float64()), ("dose_text", pa.string())]))),
            ("drugs", pa.list_(pa.string())),
            ("unresolved", pa.list_(pa.string())),
            ("matches", scored),
            ("profile", pa.struct([("temperature", pa.float64()), ("nature", shares), ("flavours", shares),
                                   ("meridians", shares), ("coverage", pa.float64())])),
            ("syndromes", scored),
            ("findings", pa.list_(pa.struct([
                ("kind", pa.string()), ("severity", pa.string()), ("items", pa.list_(pa.string())),
                ("message_en", pa.string()), ("message_zh", pa.string()), ("evidence", pa.list_(pa.string())),
                ("mechanism", pa.string()), ("inferred", pa.bool_()), ("path", pa.list_(pa.string()))]))),
        ])
    return _SCHEMA


class OutputWriter:
    """Appends encoded chunks to ``path`` (via a temporary file renamed on :meth:`commit`)."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.fmt = fmt
        if path.is_dir():
            raise TCMError(f"{path}: is a folder; give an output file")
        if not path.parent.exists():
            raise TCMError(f"{path.parent}: no such folder for the output")
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
        self._pq = None
        try:
            self._fh = None if fmt == "parquet" else open(self.tmp, "wb")  # noqa: SIM115
        except OSError as e:
            raise TCMError(f"{path}: cannot write ({e.strerror})") from None
        if fmt == "csv":
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\r\n").writerow(CSV_COLUMNS)
            self._fh.write(buf.getvalue().encode("utf-8"))

    def write(self, payload: Any) -> None:
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            if self._pq is None:
                self._pq = pq.ParquetWriter(self.tmp, arrow_schema(), compression="zstd")
            if payload.num_rows:
                self._pq.write_table(payload)
        else:
            self._fh.write(payload)

    def commit(self) -> None:
        if self.fmt == "parquet":
            if self._pq is None:
                import pyarrow.parquet as pq

                self._pq = pq.ParquetWriter(self.tmp, arrow_schema(), compression="zstd")
            self._pq.close()
        else:
            self._fh.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            if self._pq is not None:
                self._pq.close()
            if self._fh is not None:
                self._fh.close()
        finally:
            self.tmp.unlink(missing_ok=True)
