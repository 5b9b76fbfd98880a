"""Start-up snapshots: what a process would otherwise rebuild on every start, saved by ``tcm build``.

Loading the corpus and building the name resolver and the safety engine take ~2.5 s of CPU; the
offline embedder parses its tokenizer and unpacks 65 MB of weights in ~3.5 s. ``tcm build`` saves
them under ``<data dir>/cache/``: a pickle of the built objects, and the embedder's big table as a
``.npy`` file that is memory-mapped, so a search reads the few rows it needs. A snapshot is keyed by
the corpus files, the tcm source files (size and mtime) and the Python version; any difference, or
any error while loading, means it is ignored and the objects are built as before, so a snapshot can
make a start faster and never different. The cache is written only by ``tcm build`` into the user's own
data directory, and read from there only.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from functools import cache
from pathlib import Path
from typing import Any

FORMAT = 1


def cache_dir(data_dir: Path) -> Path:
    return data_dir / "cache"


@cache
def _code_stamp() -> str:
    """Size and mtime of every tcm source file: a snapshot from other code is not used."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256(f"{FORMAT} {sys.version}".encode())
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for f in sorted(filenames):
            if f.endswith(".py"):
                st = os.stat(os.path.join(dirpath, f))
                h.update(f"{dirpath}/{f} {st.st_size} {st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def key(*parts: str) -> str:
    """The snapshot key for these inputs (e.g. a corpus hash) plus the code and Python version."""
    return hashlib.sha256(" ".join((_code_stamp(), *parts)).encode()).hexdigest()[:16]


def load(data_dir: Path, name: str, k: str) -> Any | None:
    """The object saved as ``name`` with key ``k``, or None (missing, stale, unreadable)."""
    path = cache_dir(data_dir) / f"{name}-{k}.pickle"
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except Exception:  # noqa: BLE001 - a cache: any problem means build the objects instead
        return None


def save(data_dir: Path, name: str, k: str, obj: Any) -> Path:
    """Save ``obj`` as ``name`` with key ``k``, removing older snapshots of the same name."""
    folder = cache_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{name}-*.pickle"):
        old.unlink(missing_ok=True)
    path = folder / f"{name}-{k}.pickle"
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as f:
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    return path
