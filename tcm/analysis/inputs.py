"""Reading prescription files as a stream of row chunks: CSV, JSONL or plain text; UTF-8 or GB18030.

Every row of the input becomes exactly one :class:`~tcm.analysis.core.RowIn`, numbered from 1
in input order: a CSV record (after the header), or a line of a JSONL or text file (a blank
line is a row too: it comes back as an error, so line *n* of the input is row *n* of the
output). A row that cannot be read (bad JSON, a missing cell) is passed on with its
``error`` set, never skipped. Problems with the file as a whole (missing, wrong column,
bytes that are not in the encoding) raise :class:`~tcm.errors.TCMError` with one line.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tcm.analysis.core import RowIn
from tcm.errors import TCMError

INPUT_FORMATS = ("csv", "jsonl", "text")
#: Column / field names tried, in order, when none is given.
DEFAULT_TEXT_COLUMNS = ("prescription", "herbs", "formula", "text", "处方", "组成", "药物")
_TRUE = {"1", "true", "t", "yes", "y", "是", "孕", "怀孕", "妊娠", "pregnant", "on"}
_SNIFF_BYTES = 1 << 20
csv.field_size_limit(16 * 1024 * 1024)


@dataclass
class InputSpec:
    """What to read and where the fields are."""

    path: Path
    format: str | None = None  # csv, jsonl, text; None: from the file name (.csv/.tsv, .jsonl/.ndjson, else text)
    column: str | None = None  # CSV column / JSONL field holding the prescription
    id_column: str | None = None
    drugs_column: str | None = None
    pregnant_column: str | None = None
    encoding: str = "auto"  # auto (UTF-8, else GB18030), utf-8, gb18030 or any Python codec name


def input_format(spec: InputSpec) -> str:
    if spec.format:
        if spec.format not in INPUT_FORMATS:
            raise TCMError(f"unknown input format {spec.format!r}; use one of {', '.join(INPUT_FORMATS)}")
        return spec.format
    suffix = spec.path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return "text"


def detect_encoding(path: Path, encoding: str = "auto") -> str:
    """The codec to read ``path`` with: the one asked for (checked to exist), or for ``auto`` UTF-8
    when the file's first megabyte decodes as UTF-8, else GB18030 when it decodes as that."""
    if encoding.lower() != "auto":
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise TCMError(f"unknown encoding {encoding!r} (try utf-8 or gb18030)") from None
        return "utf-8-sig" if name == "utf-8" else name
    with _open_binary(path) as fh:
        head = fh.read(_SNIFF_BYTES)
    for name in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(name)().decode(head, final=len(head) < _SNIFF_BYTES)
            return name
        except UnicodeDecodeError:
            continue
    raise TCMError(f"{path}: neither UTF-8 nor GB18030; name the encoding with --encoding")


def _open_binary(path: Path) -> IO[bytes]:
    try:
        if path.is_dir():
            raise TCMError(f"{path}: is a folder, not a file")
        return open(path, "rb")  # noqa: SIM115 - closed by the reader
    except FileNotFoundError:
        raise TCMError(f"{path}: no such file") from None
    except PermissionError:
        raise TCMError(f"{path}: permission denied") from None


class RowReader:
    """Iterate over chunks of rows; ``bytes_read`` and ``total_bytes`` drive a progress bar."""

    def __init__(self, spec: InputSpec, chunk_size: int = 5000) -> None:
        self.spec = spec
        self.format = input_format(spec)
        self.chunk_size = max(1, int(chunk_size))
        self.encoding = detect_encoding(spec.path, spec.encoding)
        self._raw = _open_binary(spec.path)
        self.total_bytes = spec.path.stat().st_size
        self.rows = 0
        self._started = False
        if self.format == "text":
            for opt, name in ((spec.id_column, "--id-column"), (spec.drugs_column, "--drugs-column"),
                              (spec.pregnant_column, "--pregnant-column"), (spec.column, "--column/--field")):
                if opt:
                    raise TCMError(f"{name} needs a CSV or JSONL input; {spec.path} is read as plain text")

    @property
    def bytes_read(self) -> int:
        try:
            return self._raw.tell()
        except (ValueError, OSError):
            return self.total_bytes

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> RowReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[list[RowIn]]:
        if self._started:
            raise TCMError("a RowReader can be read once")
        self._started = True
        text = io.TextIOWrapper(self._raw, encoding=self.encoding, errors="strict", newline="")
        rows = {"csv": self._csv_rows, "jsonl": self._jsonl_rows, "text": self._text_rows}[self.format](text)
        chunk: list[RowIn] = []
        try:
            for r in rows:
                chunk.append(r)
                if len(chunk) >= self.chunk_size:
                    yield chunk
                    chunk = []
        except UnicodeDecodeError as e:
            raise TCMError(f"{self.spec.path}: after row {self.rows}: bytes that are not {self.encoding} "
                           f"({e.reason}); name the encoding with --encoding") from None
        except csv.Error as e:
            raise TCMError(f"{self.spec.path}: CSV error after row {self.rows}: {e}") from None
        if chunk:
            yield chunk

    # ------------------------------------------------------------------ formats
    def _text_rows(self, text: IO[str]) -> Iterator[RowIn]:
        for line in text:
            self.rows += 1
            yield RowIn(self.rows, line.rstrip("\r\n"))

    def _csv_rows(self, text: IO[str]) -> Iterator[RowIn]:
        delimiter = "\t" if self.spec.path.suffix.lower() == ".tsv" else ","
        reader = csv.reader(text, delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            return
        header = [h.strip() for h in header]
        s = self.spec
        main = _pick(header, s.column, "--column", s.path)
        options = (("id", s.id_column, "--id-column"), ("drugs", s.drugs_column, "--drugs-column"),
                   ("pregnant", s.pregnant_column, "--pregnant-column"))
        extra = {name: _pick(header, opt, flag, s.path) if opt else None for name, opt, flag in options}
        ti = header.index(main)
        ii, di, pi = (header.index(v) if v else None for v in (extra["id"], extra["drugs"], extra["pregnant"]))
        width = len(header)
        true = _TRUE
        for cells in reader:
            self.rows += 1
            m = len(cells)
            if ti < m:
                text, err = cells[ti], None
            else:
                text = None
                err = f"row has {m} cell(s), the header {width}: no {main!r} cell" if cells else "empty line"
            rid = cells[ii] if ii is not None and ii < m else None
            drugs = cells[di] if di is not None and di < m else None
            preg = pi is not None and pi < m and bool(cells[pi]) and cells[pi].strip().lower() in true
            yield RowIn(self.rows, text, rid, drugs, preg, err)

    def _jsonl_rows(self, text: IO[str]) -> Iterator[RowIn]:
        s = self.spec
        field = s.column
        for line in text:
            self.rows += 1
            n = self.rows
            raw = line.strip()
            if not raw:
                yield RowIn(n, None, error="empty line")
                continue
            try:
                obj = json.loads(raw)
            except (json.JSONDecodeError, RecursionError) as e:
                yield RowIn(n, None, error=f"invalid JSON: {getattr(e, 'msg', e)}")
                continue
            if not isinstance(obj, dict):
                yield RowIn(n, None, error=f"a JSON object was expected, got {type(obj).__name__}")
                continue
            if field is None:
                field = next((k for k in DEFAULT_TEXT_COLUMNS if k in obj), None)
                if field is None:
                    keys = ", ".join(map(str, list(obj)[:10])) or "none"
                    raise TCMError(f"{s.path}: choose the prescription field with --field (row {n} has: {keys})")
            rid = _scalar(obj.get(s.id_column)) if s.id_column else None
            drugs = _joined(obj.get(s.drugs_column)) if s.drugs_column else None
            preg = _truthy(obj.get(s.pregnant_column)) if s.pregnant_column else False
            if field not in obj:
                yield RowIn(n, None, rid, drugs, preg, error=f"no field {field!r}")
                continue
            value = obj[field]
            if isinstance(value, dict):
                yield RowIn(n, None, rid, drugs, preg, error=f"field {field!r} is an object, not text")
                continue
            yield RowIn(n, _joined(value), rid, drugs, preg)


def _pick(header: list[str], wanted: str | None, flag: str, path: Path) -> str:
    cols = ", ".join(repr(h) for h in header[:20])
    if wanted is not None:
        if wanted in header:
            return wanted
        low = [h.lower() for h in header]
        if wanted.lower() in low:
            return header[low.index(wanted.lower())]
        raise TCMError(f"{path}: no column {wanted!r} for {flag} (columns: {cols})")
    low = [h.lower() for h in header]
    for c in DEFAULT_TEXT_COLUMNS:
        if c in low:
            return header[low.index(c)]
    if len(header) == 1:
        return header[0]
    raise TCMError(f"{path}: choose the prescription column with --column (columns: {cols})")


def _truthy(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if v is None:
        return False
    return str(v).strip().lower() in _TRUE


def _scalar(v: Any) -> str | None:
    if v is None:
        return None
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def _joined(v: Any) -> str | None:
    """Text of a field: a string as is, a list of items joined with '，', other scalars as text."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return "，".join(str(x) for x in v if x is not None and not isinstance(x, dict | list))
    return str(v)
