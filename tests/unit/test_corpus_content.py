"""Content corrections of issue 12 hold in the committed corpus: OCR character errors, formula sources and
doses, batch amounts of 丸/散 marked as such, and answers that say so."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
OCR_VARIANTS = re.compile(r"[瘕瘾瘸癜癓瘤瘢徵症]瘕|消瘕|化瘕|口眼[唱瞩嘱]斜|疏肝败坏气|祛风敖寒|骨蒸蒡热|热人|和胄|"
                          r"趺打|月经不凋|须发旱白|颏发|破直通经|邰结|瘀胂|I夕h|\.夕h|消化遒|曰疮|口千|中瑟")


def test_no_ocr_character_error_left_in_herb_facts(corpus):
    bad = [(h.name_zh, t) for h in corpus.herbs for t in (*h.functions, *h.indications, *h.cautions, h.summary_zh)
           if OCR_VARIANTS.search(t)]
    assert bad == []
    assert "癥瘕积聚" in next(h for h in corpus.herbs if h.name_zh == "丹参").indications
    assert "口眼㖞斜" in next(h for h in corpus.herbs if h.name_zh == "白附子").indications


def test_every_ocr_fix_is_cited_and_explained():
    fixes = yaml.safe_load((REPO / "corpora" / "overrides" / "ocr_fixes.yaml").read_text(encoding="utf-8"))
    assert len(fixes) >= 30
    for f in fixes:
        assert f["source"] == "chp-2010" and f["why"] and f["herbs"] and f["wrong"] != f["right"], f


def test_formula_sources_and_doses(corpus):
    by = {f.name_zh: f for f in corpus.formulas}
    assert {i.herb: i.dose_g for i in by["桂枝汤"].composition}["炙甘草"] == 6.0
    assert "甘草" not in {i.herb for i in by["桂枝汤"].composition}
    assert by["血府逐瘀汤"].classical_source == "《医林改错》" and all(i.dose_g for i in by["血府逐瘀汤"].composition)
    assert by["麻黄杏仁薏苡甘草汤"].classical_source == "《金匮要略》"
    ids = {s.id for s in corpus.sources}
    assert {"fangjixue-textbook", "classic-yi-lin-gai-cuo", "classic-zheng-yin-mai-zhi"} <= ids


def test_batch_amounts_are_marked_and_said(corpus):
    by = {f.name_zh: f for f in corpus.formulas}
    batch = {n for n, f in by.items() if f.dose_basis == "batch"}
    assert {"参苓白术散", "凉膈散", "麻子仁丸", "金匮肾气丸", "理中丸", "人参养荣汤"} <= batch
    assert not batch & {"麻黄汤", "桂枝汤", "四妙勇安汤", "血府逐瘀汤"}  # daily decoctions, however large
    assert "不是每日用量" in by["参苓白术散"].summary_zh and "not daily doses" in by["参苓白术散"].summary_en


def test_answer_says_batch_amounts_are_not_daily_doses(corpus, embedded_store):
    from tcm.assistant import Assistant
    from tcm.generation import GroundedGenerator
    from tcm.safety import SafetyEngine

    engine = SafetyEngine(corpus)
    a = Assistant(embedded_store, engine.resolver, engine, GroundedGenerator()).ask("参苓白术散的组成是什么？")
    assert "不是每日用量" in a.answer
    assert not [f for f in a.findings if f.kind == "dose"]  # a quotation of the recipe is not a prescription
