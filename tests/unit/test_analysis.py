"""Batch formula analysis (`tcm analyze`): records, formats, encodings, errors, engines, the report."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tcm.analysis import RowIn, analyze_chunk, analyze_texts, default_index
from tcm.analysis.core import analyze_chunk_stats
from tcm.analysis.inputs import InputSpec, RowReader
from tcm.analysis.run import analyze_file
from tcm.analysis.stats import Stats
from tcm.errors import TCMError
from tcm.types import AnalysisRow, PatientFlags

REPO = Path(__file__).resolve().parents[2]

FORMS = [
    ("麻黄9g，桂枝6g，杏仁6g，炙甘草3g", "麻黄汤"),
    ("Ma Huang 9g, Gui Zhi 6g, Ku Xing Ren 6g, Gan Cao 3g", "麻黄汤"),
    ("麻黃三兩（去節） 桂枝二兩（去皮） 甘草一兩（炙） 杏仁七十個（去皮尖）", "麻黄汤"),
    ("桂枝三兩（去皮） 芍藥三兩 甘草二兩（炙） 生薑三兩（切） 大棗十二枚（擘）", "桂枝汤"),
    ("柴胡24g 黄芩9g 人参9g 半夏9g 炙甘草9g 生姜9g 大枣4枚", "小柴胡汤"),
    ("附子15g（先煎） 干姜6g 炙甘草6g", "四逆汤"),
    ("生石膏50g(先煎) 知母18g 炙甘草6g 粳米9g", "白虎汤"),
    ("当归 川芎 白芍 熟地", "四物汤"),
    ("麻黄９ｇ，桂枝６ｇ，杏仁９ｇ，甘草３ｇ", "麻黄汤"),
    ("处方：人参9克，白朮9克，茯苓9克，炙甘草6克。水煎服", "四君子汤"),
]


@pytest.fixture(scope="module")
def index():
    return default_index()


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ------------------------------------------------------------------ records


@pytest.mark.parametrize("text, formula", FORMS)
def test_every_written_form_finds_its_formula(index, text, formula):
    rec = analyze_texts([text], index)[0]
    assert rec["matches"][0]["name_zh"] == formula, rec["matches"]
    AnalysisRow.model_validate(rec)


def test_record_fields(index):
    rec = analyze_texts(["附子15g（先煎） 干姜6g 炙甘草6g"], index)[0]
    assert list(rec) == ["row", "id", "status", "reason", "herbs", "drugs", "unresolved", "matches", "profile",
                         "syndromes", "findings"]
    assert rec["status"] == "ok" and rec["row"] == 1
    assert rec["herbs"][0] == {"input": "附子15g（先煎）", "name_zh": "附子", "dose_g": 15.0, "dose_text": None}
    scores = [m["score"] for m in rec["matches"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == 3
    p = rec["profile"]
    assert p["temperature"] > 1  # 附子 大热, 干姜 热: a hot prescription
    for share in (p["nature"], p["flavours"], p["meridians"]):
        assert abs(sum(share.values()) - 1) < 0.01
    assert rec["syndromes"] and rec["syndromes"][0]["name_zh"] == "心肾阳衰寒厥证"
    assert {f["kind"] for f in rec["findings"]} == {"toxicity"}


def test_doses_shape_the_match(index):
    """Same herbs, different proportions: the dose term tells 小承气汤 from 大承气汤's herb subset and
    桂枝汤 from 小建中汤-like doubling of 芍药."""
    big, small = analyze_texts(["大黄12g 厚朴24g 枳实12g 芒硝9g", "大黄12g 厚朴6g 枳实9g"], index)
    assert big["matches"][0]["name_zh"] == "大承气汤"
    assert small["matches"][0]["name_zh"] == "小承气汤"
    even, heavy = analyze_texts(["桂枝9g 白芍9g 甘草6g 生姜9g", "桂枝9g 白芍18g 甘草6g 生姜9g"], index)
    assert even["matches"][0]["score"] > heavy["matches"][0]["score"] or \
        even["matches"][0]["name_zh"] != heavy["matches"][0]["name_zh"]


def test_statuses_and_reasons(index):
    rows = [RowIn(1, "麻黄9g 桂枝6g xx草"), RowIn(2, ""), RowIn(3, "!!!"), RowIn(4, None, error="invalid JSON: x"),
            RowIn(5, "甘草6g", drugs="warfarin, nosuchdrug")]
    recs = analyze_chunk(rows, index)
    assert [r["status"] for r in recs] == ["partial", "error", "error", "error", "partial"]
    assert recs[0]["unresolved"] == ["xx草"]
    assert recs[1]["reason"] == "empty prescription"
    assert recs[2]["reason"] == "no herb recognised" and recs[2]["unresolved"] == ["!!!"]
    assert recs[3]["reason"] == "invalid JSON: x"
    assert recs[4]["drugs"] == ["warfarin"] and recs[4]["unresolved"] == ["nosuchdrug"]
    for r in recs:
        AnalysisRow.model_validate(r)


def test_a_row_that_breaks_the_parser_is_an_error_row(index, monkeypatch):
    from tcm.analysis import core

    memo = core._memo(index)

    def boom(text):
        if "boom" in text:
            raise ValueError("kaboom")
        return type(memo).parse(memo, text)

    monkeypatch.setattr(memo, "parse", boom)
    recs = analyze_chunk([RowIn(1, "麻黄9g"), RowIn(2, "boom"), RowIn(3, "桂枝6g")], index)
    assert [r["status"] for r in recs] == ["ok", "error", "ok"]
    assert recs[1]["reason"] == "could not parse: ValueError: kaboom"


def test_findings_equal_the_safety_engine(index):
    cases = [("甘草6g 海藻9g 半夏9g 川乌3g 附子30g 附子5g", "aspirin", True),
             ("丹参15g 当归9g 银杏叶9g 甘草6g", "warfarin, 地高辛", False),
             ("麻黄9g，桂枝6g，杏仁6g，甘草3g", "", True),
             ("细辛3~12g 人参9g 五灵脂9g", "华法林", True)]
    recs = analyze_chunk([RowIn(i, h, None, d, p) for i, (h, d, p) in enumerate(cases, 1)], index)
    for (herbs, drugs, preg), rec in zip(cases, recs, strict=True):
        want = index.engine.check(herbs, drugs or None, PatientFlags(pregnant=preg)).findings
        assert rec["findings"] == [f.model_dump(mode="json") for f in want]
    assert any(f["kind"] == "incompatibility_18" for f in recs[0]["findings"])


def test_chunking_does_not_change_records(index):
    texts = [t for t, _ in FORMS] * 3 + ["", "???", "人参"]
    whole = analyze_texts(texts, index)
    ones = [analyze_chunk([RowIn(i, t)], index)[0] for i, t in enumerate(texts, 1)]
    assert whole == ones


def test_chunk_stats_agree_with_records(index):
    rows = [RowIn(i, t) for i, (t, _) in enumerate(FORMS * 2, 1)] + [RowIn(99, ""), RowIn(100, "abc")]
    recs, st = analyze_chunk_stats(rows, index)
    ref = Stats.of(recs)
    for f in ("status", "formulas", "herbs", "findings", "unresolved", "errors", "nature", "syndromes", "profiles"):
        assert getattr(st, f) == getattr(ref, f), f
    assert (st.temperature == ref.temperature).all() and (st.top_score == ref.top_score).all()


# ------------------------------------------------------------------ files


def test_csv_with_columns_and_order(tmp_path):
    inp = tmp_path / "rx.csv"
    with inp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["visit", "处方", "meds", "孕"])
        for i, (t, _) in enumerate(FORMS, 1):
            w.writerow([f"v{i}", t, "warfarin" if i == 2 else "", "是" if i == 6 else ""])
        w.writerow(["short"])
    out = tmp_path / "out.jsonl"
    s = analyze_file(InputSpec(inp, column="处方", id_column="visit", drugs_column="meds", pregnant_column="孕"), out,
                     chunk_size=3)
    recs = _jsonl(out)
    assert [r["row"] for r in recs] == list(range(1, len(FORMS) + 2))
    assert [r["id"] for r in recs] == [f"v{i}" for i in range(1, len(FORMS) + 1)] + ["short"]
    assert recs[-1]["status"] == "error" and "no '处方' cell" in recs[-1]["reason"]
    assert recs[1]["drugs"] == ["warfarin"]
    assert any(f["kind"] == "pregnancy" for f in recs[5]["findings"])
    assert (s.rows, s.error) == (len(FORMS) + 1, 1)


def test_text_and_jsonl_rows_are_lines(tmp_path):
    txt = _write(tmp_path / "rx.txt", "麻黄9g 桂枝6g\n\n人参9g\r\n甘草6g")
    out = tmp_path / "o.jsonl"
    analyze_file(InputSpec(txt), out)
    assert [(r["row"], r["status"]) for r in _jsonl(out)] == [(1, "ok"), (2, "error"), (3, "ok"), (4, "ok")]
    jl = _write(tmp_path / "rx.jsonl",
                '{"rx": "麻黄9g", "pid": 7}\nnot json\n[1]\n{"other": 1}\n{"rx": ["人参9g", "白术9g"]}\n')
    analyze_file(InputSpec(jl, column="rx", id_column="pid"), out)
    recs = _jsonl(out)
    assert [r["status"] for r in recs] == ["ok", "error", "error", "error", "ok"]
    assert recs[0]["id"] == "7" and recs[1]["reason"].startswith("invalid JSON")
    assert recs[3]["reason"] == "no field 'rx'" and [h["name_zh"] for h in recs[4]["herbs"]] == ["人参", "白术"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings(tmp_path, encoding):
    inp = _write(tmp_path / "rx.csv", "处方\n麻黃三兩 桂枝二兩 甘草一兩 杏仁七十個\n", encoding)
    out = tmp_path / "o.jsonl"
    analyze_file(InputSpec(inp), out)
    assert _jsonl(out)[0]["matches"][0]["name_zh"] == "麻黄汤"
    analyze_file(InputSpec(inp, encoding="gb18030" if encoding == "gb18030" else "utf-8"), out)
    assert _jsonl(out)[0]["status"] == "ok"


def test_bad_input_is_one_clear_error(tmp_path):
    out = tmp_path / "o.jsonl"
    with pytest.raises(TCMError, match="no such file"):
        analyze_file(InputSpec(tmp_path / "missing.csv"), out)
    two = _write(tmp_path / "two.csv", "a,b\n1,2\n")
    with pytest.raises(TCMError, match="choose the prescription column"):
        analyze_file(InputSpec(two), out)
    with pytest.raises(TCMError, match="no column 'zz'"):
        analyze_file(InputSpec(two, column="zz"), out)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\xfa\x80\x81" * 10)
    with pytest.raises(TCMError, match="neither UTF-8 nor GB18030"):
        analyze_file(InputSpec(bad), out)
    late = tmp_path / "late.txt"
    late.write_bytes("麻黄9g\n".encode() * 10 + b"\xff\xff\n")
    with pytest.raises(TCMError, match="not utf-8"):
        analyze_file(InputSpec(late, encoding="utf-8"), out)
    assert not out.exists()  # nothing half-written
    with pytest.raises(TCMError, match="unknown encoding"):
        analyze_file(InputSpec(two, encoding="klingon"), out)


def test_csv_and_parquet_outputs(tmp_path):
    inp = _write(tmp_path / "rx.txt", "\n".join(t for t, _ in FORMS) + "\n\n")
    analyze_file(InputSpec(inp), tmp_path / "o.csv")
    with (tmp_path / "o.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(FORMS) + 1 and rows[0]["top_formula"] == "麻黄汤" and rows[-1]["status"] == "error"
    assert json.loads(rows[0]["matches"])[0]["name_zh"] == "麻黄汤"
    pq = pytest.importorskip("pyarrow.parquet")
    analyze_file(InputSpec(inp), tmp_path / "o.parquet", chunk_size=4)
    t = pq.read_table(tmp_path / "o.parquet").to_pylist()
    assert [r["row"] for r in t] == list(range(1, len(FORMS) + 2))
    assert t[0]["matches"][0]["name_zh"] == "麻黄汤" and dict(t[0]["profile"]["nature"])


def test_workers_and_dask_give_the_same_output(tmp_path):
    texts = [t for t, _ in FORMS] * 4 + ["", "…", "人参"]
    inp = _write(tmp_path / "rx.txt", "\n".join(texts) + "\n")
    analyze_file(InputSpec(inp), tmp_path / "one.jsonl", chunk_size=7)
    analyze_file(InputSpec(inp), tmp_path / "two.jsonl", chunk_size=5, workers=2)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as c, \
            distributed.Client(c) as client:
        s = analyze_file(InputSpec(inp), tmp_path / "dask.jsonl", chunk_size=6, engine="dask", client=client)
    assert s.rows == len(texts)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "dask.jsonl").read_bytes()


def test_report_is_self_contained(tmp_path):
    pytest.importorskip("plotly")
    inp = _write(tmp_path / "rx.txt", "\n".join(t for t, _ in FORMS) + "\nxx草 9g\n甘草6g 海藻9g\n")
    report = tmp_path / "r.html"
    analyze_file(InputSpec(inp), tmp_path / "o.jsonl", report=report)
    html = report.read_text(encoding="utf-8")
    # every script inline (the bundle mentions cdn.plot.ly only as the default map-tile URL, unused here)
    assert "Plotly.newPlot" in html and "<script src" not in html and "<link" not in html
    for title in ("Rows by status", "dose-weighted temperature", "Most frequent nearest formulas",
                  "Most frequent herbs", "Safety findings by kind and severity", "Unresolved tokens to fix"):
        assert title in html
    assert len(html) > 1_000_000  # plotly.js is inside


def test_reader_counts_rows(tmp_path):
    inp = _write(tmp_path / "rx.csv", "prescription\n" + "".join(f'"麻黄{i}g"\n' for i in range(1, 12)))
    with RowReader(InputSpec(inp), chunk_size=4) as r:
        sizes = [len(c) for c in r]
    assert sizes == [4, 4, 3] and r.rows == 11


# ------------------------------------------------------------------ CLI


def _tcm(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tcm.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_cli_contract(tmp_path):
    inp = _write(tmp_path / "rx.csv", "id,herbs\n1,麻黄9g 桂枝6g 杏仁6g 甘草3g\n2,\n3,人参9g xx\n")
    out = tmp_path / "o.jsonl"
    p = _tcm("analyze", str(inp), "-o", str(out), "--id-column", "id", "--json")
    assert p.returncode == 3, p.stderr  # a row with status error
    summary = json.loads(p.stdout)
    assert (summary["rows"], summary["ok"], summary["partial"], summary["error"]) == (3, 1, 1, 1)
    recs = _jsonl(out)
    assert [r["row"] for r in recs] == [1, 2, 3] and recs[0]["matches"][0] == {"name_zh": "麻黄汤", "score": 1.0}
    for args, msg in (([str(tmp_path / "nope.csv"), "-o", str(out)], "no such file"),
                      ([str(inp), "-o", str(out), "--column", "zz"], "no column 'zz'"),
                      ([str(inp), "-o", str(out), "--engine", "spark"], "unknown engine")):
        p = _tcm("analyze", *args)
        assert p.returncode == 1 and msg in p.stderr and "Traceback" not in p.stderr
        assert len(p.stderr.strip().splitlines()) == 1


def test_cli_help():
    p = _tcm("analyze", "--help")
    assert p.returncode == 0
    for opt in ("--format", "--report", "--column", "--id-column", "--drugs-column", "--pregnant-column",
                "--encoding", "--workers", "--chunk-size", "--engine"):
        assert opt in p.stdout
