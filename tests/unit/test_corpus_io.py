"""A broken corpus fails with file, line and field, and the build writes nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tcm.corpora.io import FILES, load_corpus, write_corpus
from tcm.errors import CorpusError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    dst = tmp_path / "corpora"
    shutil.copytree(REPO / "corpora", dst)
    return dst


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_committed_corpus_is_valid_and_round_trips(corpus, tmp_path):
    write_corpus(corpus, tmp_path)
    for rel, _ in FILES.values():
        assert (tmp_path / rel).read_text(encoding="utf-8") == (REPO / "corpora" / rel).read_text(encoding="utf-8"), rel


def test_bad_yaml_names_file_and_line(corpus_copy):
    p = corpus_copy / "sources.yaml"
    lines = p.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5] + " : : ["
    p.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CorpusError) as e:
        load_corpus(corpus_copy)
    assert e.value.file == "corpora/sources.yaml"
    assert e.value.line is not None and abs(e.value.line - 6) <= 1
    assert "invalid YAML" in str(e.value)


def test_missing_required_field_names_the_field(corpus_copy):
    p = corpus_copy / "herbs.jsonl"
    lines = p.read_text(encoding="utf-8").splitlines()
    rec = json.loads(lines[9])
    del rec["name_zh"]
    lines[9] = json.dumps(rec, ensure_ascii=False)
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as e:
        load_corpus(corpus_copy)
    assert (e.value.file, e.value.line, e.value.field) == ("corpora/herbs.jsonl", 10, "name_zh")
    assert str(e.value).startswith("corpora/herbs.jsonl:10: name_zh: Field required")


def test_unknown_herb_in_composition(corpus_copy):
    p = corpus_copy / "formulas.jsonl"
    line = _line_of(p, '"name_zh": "麻黄汤"')
    text = p.read_text(encoding="utf-8").splitlines()
    text[line - 1] = text[line - 1].replace('"herb": "桂枝"', '"herb": "不存在草"', 1)
    p.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as e:
        load_corpus(corpus_copy)
    assert e.value.file == "corpora/formulas.jsonl" and e.value.line == line
    assert e.value.field is not None and e.value.field.startswith("composition.") and e.value.field.endswith(".herb")
    assert "不存在草" in str(e.value)


def test_bad_csv_value_and_unknown_source(corpus_copy):
    p = corpus_copy / "rules" / "dose_ranges.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    cells = lines[3].split(",")
    cells[1] = "many"
    lines[3] = ",".join(cells)
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as e:
        load_corpus(corpus_copy)
    assert (e.value.file, e.value.line, e.value.field) == ("corpora/rules/dose_ranges.csv", 4, "dose_min_g")

    shutil.copy(REPO / "corpora" / "rules" / "dose_ranges.csv", p)
    s = corpus_copy / "symptoms.csv"
    lines = s.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",nobody-knows"
    s.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as e:
        load_corpus(corpus_copy)
    assert (e.value.file, e.value.line) == ("corpora/symptoms.csv", 2)
    assert "unknown source id 'nobody-knows'" in str(e.value)


def test_missing_file(corpus_copy):
    (corpus_copy / "symptoms.csv").unlink()
    with pytest.raises(CorpusError, match=r"corpora/symptoms.csv: file is missing"):
        load_corpus(corpus_copy)
