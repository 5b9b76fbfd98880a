"""Doses judged per herb: repeats and processed forms added up, raw toxic herbs, decoction notes, Han units."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tcm.errors import TCMError
from tcm.safety import SafetyEngine


@pytest.fixture(scope="module")
def engine(corpus) -> SafetyEngine:
    return SafetyEngine(corpus)


def doses(result) -> dict[str, object]:
    return {f.items[0]: f for f in result.findings if f.kind == "dose"}


def test_the_same_herb_written_twice_is_added_up(engine):
    f = doses(engine.check("附子15g，干姜9g，附子15g"))["附子"]
    assert f.severity == "high" and "30 g in all" in f.message_en and "3–15 g" in f.message_en
    assert [(p.input, p.dose_g) for p in f.parts] == [("附子15g", 15.0), ("附子15g", 15.0)]
    assert "附子" not in doses(engine.check("附子7.5g，附子7.5g"))  # 15 g: at the maximum


def test_processed_forms_add_up_to_their_herb(engine):
    f = doses(engine.check("黑顺片9g，白附片9g，炮附片9g"))["附子"]
    assert "附子 27 g in all (黑顺片 9 g + 白附片 9 g + 炮附片 9 g)" in f.message_en
    assert "附子合计27g" in f.message_zh and [p.name_zh for p in f.parts] == ["附子"] * 3
    # forms with monographs of their own count toward the crude drug's range: 甘草 and 炙甘草 are licorice
    g = doses(engine.check("甘草6g，炙甘草6g"))["甘草"]
    assert [p.name_zh for p in g.parts] == ["甘草", "炙甘草"] and "2–10 g" in g.message_en


def test_a_question_and_its_prescription_are_not_added_together(engine):
    res = engine.check("附子10g", text="附子10g可以吗？")
    assert "附子" not in doses(res)


def test_raw_toxic_herbs_taken_by_mouth(engine):
    for written, herb in [("生川乌3g", "川乌"), ("生草乌1.5g", "草乌"), ("川乌3g", "川乌"), ("生天南星3g", "天南星"),
                          ("巴豆", "巴豆"), ("红粉0.1g", "红粉")]:
        f = doses(engine.check(written))[herb]
        assert f.severity == "high" and "chp-2010" in f.evidence, written
    assert "一般炮制后用" in doses(engine.check("生川乌3g"))["川乌"].message_zh
    assert "external use only" in doses(engine.check("巴豆0.1g"))["巴豆"].message_en
    raw = doses(engine.check("生半夏9g"))["半夏"]  # 半夏 has an oral dose, for the processed herb
    assert "生品内服宜慎" in raw.message_en
    for fine in ["半夏9g", "法半夏9g", "制川乌2g", "制天南星6g", "巴豆霜0.2g", "生川乌3g（外用）"]:
        assert doses(engine.check(fine)) == {}, fine


def test_every_toxic_herb_has_a_dose_row(engine, corpus):
    """Each herb the pharmacopoeia grades toxic has an oral range, or is marked external use or processed only."""
    for row in corpus.toxicity:
        if row.grade == "无毒":
            continue
        rows = engine.dose_rows(row.herb)
        assert rows, f"{row.herb} ({row.grade}) has no dose row"
        assert rows[0].dose_max_g is not None or rows[0].use in ("external", "processed"), row.herb
    use = {r.herb: r.use for r in corpus.dose_ranges if r.form is None}
    assert use["川乌"] == use["草乌"] == "processed"
    assert use["巴豆"] == use["红粉"] == use["天南星"] == "external"
    restored = {r.herb: (r.dose_min_g, r.dose_max_g) for r in corpus.dose_ranges if r.form is None}
    assert restored["轻粉"] == (0.1, 0.4) and restored["猪牙皂"] == (1, 1.5)


def test_decoction_notes_use_the_decoction_range(engine):
    for text in ["青礞石12g 先煎", "青礞石12g（先煎）", "青礞石12g，布包先煎"]:
        assert doses(engine.check(text)) == {}, text
    f = doses(engine.check("青礞石12g"))["青礞石"]  # the pills range, and the hint
    assert "3–6 g" in f.message_en and "10–15 g as 煎汤" in f.message_en
    assert "青礞石" in doses(engine.check("青礞石20g 先煎"))


def test_a_processed_form_with_its_own_range(engine):
    assert "荷叶" in doses(engine.check("荷叶炭8g"))  # 荷叶炭 3–6 g
    assert doses(engine.check("荷叶8g")) == {}  # 荷叶 3–10 g


def test_han_units_by_a_cited_conversion(engine):
    modern = engine.check("桂枝三两，附子一两")
    han = engine.check("桂枝三两，附子一两", units="han")
    assert [h.dose_g for h in modern.herbs] == [90.0, 30.0] and modern.units == "modern"
    assert [h.dose_g for h in han.herbs] == [46.875, 15.625] and han.units == "han"
    assert doses(modern)["附子"].units == "modern"
    f = doses(han)["附子"]  # 15.625 g is still above 15 g
    assert f.units == "han" and "15.625 g" in f.message_en and "Han-dynasty" in f.message_en
    assert engine.check("附子十八铢", units="han").herbs[0].dose_g == pytest.approx(11.719, abs=1e-3)
    assert engine.check("麻黄三钱", units="han").herbs[0].dose_text == "三钱"  # 钱 is no Han weight: never guessed
    with pytest.raises(TCMError, match="unknown units"):
        engine.check("麻黄9g", units="tang")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tcm.cli", *args], capture_output=True, text=True, timeout=300)


def test_cli_units(tmp_path):
    p = run_cli("check", "--herbs", "附子一两", "--units", "han", "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["units"] == "han" and doc["herbs"][0]["dose_g"] == 15.625
    assert [f["units"] for f in doc["findings"] if f["kind"] == "dose"] == ["han"]
    bad = run_cli("check", "--herbs", "附子一两", "--units", "tang")
    assert bad.returncode != 0 and "unknown units 'tang'" in bad.stderr and "Traceback" not in bad.stderr
    src = tmp_path / "rx.txt"
    src.write_text("桂枝三两，附子一两\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    p = run_cli("analyze", str(src), "-o", str(out), "--units", "han", "-q")
    assert p.returncode == 0, p.stderr
    rec = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert [h["dose_g"] for h in rec["herbs"]] == [46.875, 15.625]
    assert {f["items"][0]: f["units"] for f in rec["findings"] if f["kind"] == "dose"} == {"桂枝": "han", "附子": "han"}
