"""Property tests for batch analysis: no input crashes it, rows in equal rows out (same order),
the memoised parser is the shared resolver, and findings are the safety engine's."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tcm.analysis import RowIn, analyze_chunk, default_index
from tcm.analysis.core import _memo
from tcm.analysis.inputs import InputSpec
from tcm.analysis.run import analyze_file
from tcm.types import AnalysisRow, PatientFlags

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

NAMES = ["麻黄", "桂枝", "杏仁", "甘草", "炙甘草", "海藻", "半夏", "川乌", "附子", "制川乌", "人参", "五灵脂", "丹参",
         "当归", "细辛", "大枣", "生姜", "芍药", "白芍", "黄连", "黄芩", "Ma Huang", "gui zhi", "Glycyrrhizae Radix et "
         "Rhizoma", "licorice root", "麻黃", "芍藥", "生地", "xx草", "朱砂", "马钱子"]
DOSES = ["", "9g", "3g", "30g", "120g", "9克", "三钱", "一两", "二兩", "4枚", "七十個", "6～12g", "3-6g", "0.5g",
         " 9 g", "９ｇ", "各9g", "适量", "等分"]
NOTES = ["", "", "（先煎）", "(后下)", " 先煎", "（包煎）"]
SEPS = ["，", ",", "、", " ", "；", "", "\t", " + ", "。", "："]
DRUGS = ["", "warfarin", "aspirin", "华法林", "Coumadin", "digoxin, metformin", "nosuchdrug", "地高辛 和 阿司匹林"]

item = st.builds(lambda n, d, note: n + d + note, st.sampled_from(NAMES), st.sampled_from(DOSES),
                 st.sampled_from(NOTES))
prescription = st.builds(lambda items, sep: sep.join(items), st.lists(item, max_size=8), st.sampled_from(SEPS))
any_text = st.one_of(prescription, st.text(max_size=60),
                     st.builds(lambda a, b: a + b, prescription, st.text(max_size=20)))


@pytest.fixture(scope="module")
def index():
    return default_index()


@SETTINGS
@given(texts=st.lists(any_text, max_size=12))
def test_no_input_crashes_and_rows_match(index, texts):
    rows = [RowIn(i, t) for i, t in enumerate(texts, 1)]
    recs = analyze_chunk(rows, index)
    assert [r["row"] for r in recs] == list(range(1, len(texts) + 1))
    for r in recs:
        AnalysisRow.model_validate(r)
        assert (r["status"] == "error") == (not r["herbs"])
        assert (r["status"] == "partial") == bool(r["herbs"] and r["unresolved"])


@SETTINGS
@given(text=any_text)
def test_memoised_parse_is_the_resolver(index, text):
    items = _memo(index).parse(text)
    found, left = index.resolver.parse_herbs(text)
    assert [m for it in items for m in it.mentions] == list(found)
    assert [u for it in items for u in it.unresolved] == list(left)


@SETTINGS
@given(text=prescription, drugs=st.sampled_from(DRUGS), pregnant=st.booleans())
def test_findings_are_the_engines(index, text, drugs, pregnant):
    rec = analyze_chunk([RowIn(1, text, None, drugs, pregnant)], index)[0]
    if not rec["herbs"]:
        return
    want = index.engine.check(text, drugs or None, PatientFlags(pregnant=pregnant)).findings
    assert rec["findings"] == [f.model_dump(mode="json") for f in want]


line = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=40)


@SETTINGS
@given(lines=st.lists(st.one_of(line, prescription.filter(lambda s: "\n" not in s and "\r" not in s)), max_size=25),
       chunk=st.integers(1, 7), trailing=st.booleans())
def test_text_rows_in_equal_rows_out(tmp_path, lines, chunk, trailing):
    inp = tmp_path / "in.txt"
    body = "\n".join(lines) + ("\n" if trailing and lines else "")
    inp.write_text(body, encoding="utf-8")
    expected = len(io.StringIO(body, newline=None).readlines())
    out = tmp_path / "out.jsonl"
    s = analyze_file(InputSpec(inp, encoding="utf-8"), out, chunk_size=chunk)
    recs = [json.loads(x) for x in out.read_text(encoding="utf-8").split("\n")[:-1]]
    assert s.rows == len(recs) == expected
    assert [r["row"] for r in recs] == list(range(1, expected + 1))
    assert s.ok + s.partial + s.error == s.rows


@SETTINGS
@given(cells=st.lists(st.tuples(st.text(max_size=12), any_text), max_size=20), chunk=st.integers(1, 6),
       fmt=st.sampled_from(["jsonl", "csv"]))
def test_csv_rows_in_equal_rows_out(tmp_path, cells, chunk, fmt):
    inp = tmp_path / "in.csv"
    with inp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "prescription"])
        w.writerows(cells)
    out = tmp_path / f"out.{fmt}"
    s = analyze_file(InputSpec(inp, id_column="id"), out, chunk_size=chunk)
    if fmt == "jsonl":
        recs = [json.loads(x) for x in out.read_text(encoding="utf-8").split("\n")[:-1]]
    else:
        with out.open(encoding="utf-8", newline="") as fh:
            recs = [{"row": int(r["row"]), "id": r["id"]} for r in csv.DictReader(fh)]
    assert s.rows == len(recs) == len(cells)
    assert [r["row"] for r in recs] == list(range(1, len(cells) + 1))
    assert [r["id"] or "" for r in recs] == [c[0] for c in cells]


json_value = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                          lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                          max_leaves=6)


@SETTINGS
@given(objs=st.lists(st.one_of(st.fixed_dictionaries({"rx": st.one_of(any_text, json_value)}), json_value),
                     max_size=15), chunk=st.integers(1, 5))
def test_jsonl_rows_in_equal_rows_out(tmp_path, objs, chunk):
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    s = analyze_file(InputSpec(inp, column="rx"), out, chunk_size=chunk)
    recs = [json.loads(x) for x in Path(out).read_text(encoding="utf-8").split("\n")[:-1]]
    assert s.rows == len(recs) == len(objs)
    assert [r["row"] for r in recs] == list(range(1, len(objs) + 1))
