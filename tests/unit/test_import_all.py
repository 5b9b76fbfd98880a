"""`tcm corpora import` reproduces the committed corpus exactly, from the public data sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tcm.corpora.importers import run_import
from tcm.corpora.io import FILES
from tcm.errors import DatasetError

REPO = Path(__file__).resolve().parents[2]


def test_import_reproduces_the_committed_corpus(tmp_path: Path, shared_datasets: Path):
    report = run_import(shared_datasets, tmp_path)
    for rel, _ in FILES.values():
        committed = (REPO / "corpora" / rel).read_text(encoding="utf-8")
        assert (tmp_path / rel).read_text(encoding="utf-8") == committed, f"{rel} differs: re-run `tcm corpora import`"
    assert report["counts"]["formulas"] >= 250
    # every note is one line a maintainer can act on
    assert all("\n" not in n for n in report["notes"])


def test_import_refuses_a_missing_folder(tmp_path: Path):
    with pytest.raises(DatasetError, match="no data sets at"):
        run_import(tmp_path / "nope", tmp_path / "out")
