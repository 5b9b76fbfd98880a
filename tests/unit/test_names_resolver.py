"""Every name form a person writes resolves through the one shared resolver."""

from __future__ import annotations

import pytest

from tcm.names import NameResolver


@pytest.fixture(scope="module")
def r(corpus) -> NameResolver:
    return NameResolver(corpus)


@pytest.mark.parametrize(
    "written, herb",
    [
        ("甘草", "甘草"),  # simplified
        ("當歸", "当归"),  # traditional
        ("麻黃", "麻黄"),
        ("gancao", "甘草"),  # pinyin, no tones, no spaces
        ("gan cao", "甘草"),
        ("Gān Cǎo", "甘草"),  # tones and capitals
        ("dāngguī", "当归"),
        ("Glycyrrhizae Radix et Rhizoma", "甘草"),  # Latin pharmaceutical name
        ("ANGELICAE SINENSIS RADIX", "当归"),
        ("licorice root", "甘草"),  # English common names
        ("Liquorice", "甘草"),
        ("Danshen", "丹参"),
        ("dong quai", "当归"),
        ("Ginkgo biloba leaf", "银杏叶"),
        ("St John's wort", "贯叶金丝桃"),
        ("杏仁", "苦杏仁"),  # the name formulas write
        ("炙甘草", "炙甘草"),  # processed forms are herbs of their own
        ("制川乌", "制川乌"),
    ],
)
def test_herb_name_forms(r, written, herb):
    assert r.herb(written) == herb


def test_processed_forms_and_groups(r, corpus):
    assert r.root("炙甘草") == "甘草"
    assert r.lineage("制川乌") == ["制川乌", "川乌"]
    group = {h.name_zh: h.group for h in corpus.herbs}
    assert group["附子"] == group["川乌"] == group["草乌"] == "乌头"
    assert r.root("巴豆霜") == "巴豆"


@pytest.mark.parametrize(
    "written, drug",
    [
        ("warfarin", "warfarin"), ("Coumadin", "warfarin"), ("华法林", "warfarin"), ("華法林", "warfarin"),
        ("Lanoxin", "digoxin"), ("地高辛", "digoxin"), ("Plavix", "clopidogrel"), ("氯吡格雷", "clopidogrel"),
        ("cyclosporine", "ciclosporin"), ("aspirin", "aspirin"),
    ],
)
def test_drug_name_forms(r, written, drug):
    assert r.drug(written) == drug


def test_unknown_names(r):
    assert r.herb("unobtainium") is None and r.drug("unobtainium") is None and r.herb("") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("麻黄9g，桂枝6g", [("麻黄", 9.0, None), ("桂枝", 6.0, None)]),
        ("麻黄9g桂枝6g", [("麻黄", 9.0, None), ("桂枝", 6.0, None)]),  # no separator
        ("Ma Huang 9g, dong quai", [("麻黄", 9.0, None), ("当归", None, None)]),
        ("麻黃三兩", [("麻黄", 90.0, None)]),  # traditional, classical unit (两 = 30 g)
        ("甘草三钱", [("甘草", 9.0, None)]),  # 钱 = 3 g
        ("附子5分", [("附子", 1.5, None)]),  # 分 = 0.3 g
        ("丹参15克", [("丹参", 15.0, None)]),  # 克
        ("细辛500mg", [("细辛", 0.5, None)]),
        ("大枣4枚", [("大枣", None, "4枚")]),  # a count has no weight
        ("杏仁七十個", [("苦杏仁", None, "七十个")]),
        ("附子10g（先煎），薄荷6g后下", [("附子", 10.0, None), ("薄荷", 6.0, None)]),
        ("麻黄，桂枝，甘草", [("麻黄", None, None), ("桂枝", None, None), ("甘草", None, None)]),
        ("麻黄 桂枝 甘草", [("麻黄", None, None), ("桂枝", None, None), ("甘草", None, None)]),
        ("麻黄9g；桂枝6g、甘草3g", [("麻黄", 9.0, None), ("桂枝", 6.0, None), ("甘草", 3.0, None)]),
    ],
)
def test_prescription_forms(r, text, expected):
    found, unresolved = r.parse_herbs(text)
    assert [(m.name_zh, m.dose_g, m.dose_text) for m in found] == expected
    assert unresolved == []


def test_unknown_tokens_are_kept(r):
    found, unresolved = r.parse_herbs("麻黄9g，blah 3g，桂枝")
    assert [m.name_zh for m in found] == ["麻黄", "桂枝"]
    assert unresolved == ["blah 3g"]
    drugs, left = r.parse_drugs("Coumadin 5 mg, 地高辛 and foo")
    assert [d.name_en for d in drugs] == ["warfarin", "digoxin"] and left == ["foo"]


def test_free_text_scan(r):
    herbs, drugs = r.scan("我在吃华法林，可以喝丹参 30g 吗？Also on Plavix; is dong quai OK?")
    assert [(h.name_zh, h.dose_g) for h in herbs] == [("丹参", 30.0), ("当归", None)]
    assert [d.name_en for d in drugs] == ["warfarin", "clopidogrel"]


def test_formulas_in_free_text_by_alias_pinyin_and_long_romanised_names(r):
    """'Ma Xing Shi Gan Tang' is the pinyin of an alias (麻杏石甘汤), not of the canonical name; the canonical pinyin
    and the English name run to nine and seven words, past the six words the scan once tried."""
    for text in ("not Gui Zhi Tang but Ma Xing Shi Gan Tang", "ma huang xing ren gan cao shi gao tang for wheezing",
                 "Ephedra, Apricot Kernel, Licorice, and Gypsum Decoction", "用麻杏石甘汤"):
        assert "麻黄杏仁甘草石膏汤" in [v for kind, v, _ in r.scan_all(text)[2] if kind == "formula"], text
    both = r.scan_all("not Gui Zhi Tang but Ma Xing Shi Gan Tang")[2]
    assert [v for _, v, _ in both] == ["桂枝汤", "麻黄杏仁甘草石膏汤"]
