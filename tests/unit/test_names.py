"""The one name layer: names the issue found unresolved, ambiguous names, and nothing silently dropped."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tcm.names import NameIndex, NameResolver
from tcm.names.doses import clean_item, split_items
from tcm.safety import SafetyEngine


@pytest.fixture(scope="module")
def r(corpus) -> NameResolver:
    return NameResolver(corpus)


@pytest.fixture(scope="module")
def engine(corpus, r) -> SafetyEngine:
    return SafetyEngine(corpus, r)


@pytest.mark.parametrize("written, herbs", [
    ("白芨", ("白及",)),  # a common writing
    ("黄耆", ("黄芪",)),  # the older writing
    ("川乌头", ("川乌",)), ("草乌头", ("草乌",)), ("草烏頭", ("草乌",)),  # as the verses write them
    ("乌头", ("川乌", "草乌")),  # bare 乌头: either root
    ("沙参", ("北沙参", "南沙参")),
    ("圣约翰草", ("贯叶金丝桃",)),
    ("生甘草", ("甘草",)), ("黑顺片", ("附子",)), ("炒焦山楂", ("山楂",)),  # processed forms
    ("姜半夏", ("姜半夏",)),  # a monograph of its own beats its parent's list of forms
])
def test_names_the_issue_found_unresolved(r, written, herbs):
    assert r.resolve(written, "herb") == herbs
    assert r.herb(written) == (herbs[0] if len(herbs) == 1 else None)  # one herb, or say nothing


def test_formula_aliases_resolve_and_link(r):
    assert r.formula("地黄丸") == "六味地黄丸"
    assert r.link("地黄丸", fuzzy=False) == [("formula:六味地黄丸", 1.0)]
    assert r.formula("麻杏石甘汤") == "麻黄杏仁甘草石膏汤"


def test_one_index_every_kind(corpus):
    ix = NameIndex(corpus)
    assert ix.lookup("Coumadin", "drug") == ("warfarin",)
    assert ix.lookup("脾气虚", "syndrome") == ("脾气虚证",)  # the name without 证
    assert ix.ids("甘草") == ["herb:甘草"]
    assert "乌头" in ix.names_of("herb", "川乌") and "乌头" in ix.names_of("herb", "草乌")
    assert set(ix.names_of("herb", "附子")) >= {"附子", "fu zi", "fuzi", "aconiti lateralis radix praeparata",
                                                 "黑顺片", "白附片", "炮附片"}
    # an own name is never shared with another herb's alias: 姜半夏 is 姜半夏, though 半夏 lists it as a form
    assert ix.lookup("姜半夏", "herb") == ("姜半夏",)


def test_ambiguous_names_expand_and_say_so(engine):
    res = engine.check("藜芦3g，沙参9g")
    assert [(h.name_zh, h.ambiguous) for h in res.herbs[1:]] == [("北沙参", ["北沙参", "南沙参"]),
                                                                  ("南沙参", ["北沙参", "南沙参"])]
    inc = [f for f in res.findings if f.kind == "incompatibility_18"]
    assert sorted(f.items[1] for f in inc) == ["北沙参", "南沙参"]
    assert all(f.ambiguous == {"沙参": ["北沙参", "南沙参"]} and "沙参 may mean" in f.message_en for f in inc)


@pytest.mark.parametrize("herbs, pair", [
    ("半夏9g，乌头3g", {"半夏", "川乌"}), ("半夏9g，乌头3g", {"半夏", "草乌"}),
    ("白芨9g，川乌3g", {"白及", "川乌"}), ("川乌头 瓜蒌", {"川乌", "瓜蒌"}),
    ("藜芦 沙参", {"藜芦", "南沙参"}),
])
def test_eighteen_incompatibilities_through_every_name(engine, herbs, pair):
    found = [set(f.items) for f in engine.check(herbs).findings if f.kind == "incompatibility_18"]
    assert pair in found


def test_st_johns_wort_by_its_chinese_name(engine):
    found = [(f.kind, f.items) for f in engine.check("圣约翰草", "他克莫司").findings]
    assert ("herb_drug", ["贯叶金丝桃", "tacrolimus"]) in found


# ------------------------------------------------------------------ nothing silently dropped


@pytest.mark.parametrize("text, herbs, unresolved", [
    ("半夏9g 生姜 川乌", ["半夏", "生姜", "川乌"], []),
    ("半夏9g，炙甘草4.5g 生姜 乌梅", ["半夏", "炙甘草", "生姜", "乌梅"], []),
    ("生姜乌梅", ["生姜", "乌梅"], []),  # glued: exact names win over a processed reading (乌梅 'with 生姜')
    ("生姜炒白芍", ["生姜", "白芍"], []),
    ("9g，麻黄", ["麻黄"], ["9g"]),  # a dose with no name is a token too
    ("蜜百合10g，两头尖3g", ["百合", "两头尖"], []),  # names that read like doses are not cut
])
def test_every_token_ends_somewhere(r, text, herbs, unresolved):
    found, left = r.parse_herbs(text)
    assert [m.name_zh for m in found] == herbs and left == unresolved


def test_a_note_belongs_to_the_herb_before_it(r):
    found, left = r.parse_herbs("青礞石12g 先煎，薄荷6g（后下）")
    assert [(m.name_zh, m.dose_g, m.notes) for m in found] == [("青礞石", 12.0, ("先煎",)), ("薄荷", 6.0, ("后下",))]
    assert left == []
    assert clean_item("附子10g（先煎）") == ("附子10g", ("先煎",))
    assert split_items("麻黄9g桂枝6g（去皮） 甘草3g") == ["麻黄9g", "桂枝6g（去皮）", "甘草3g"]


HERBS = ["麻黄", "桂枝", "甘草", "生姜", "乌梅", "炙甘草", "半夏", "川乌", "附子", "黑顺片", "大枣", "白芨", "沙参",
         "乌头", "当归", "生川乌", "盐黄柏", "百合", "三七", "杏仁", "Ma Huang", "gui zhi", "licorice root", "麻黃"]
UNKNOWN = ["xx草", "blah", "某某药", "Qwerty"]
DOSES = ["", "9g", "9 g", "9克", "三钱", "一两", "二兩", "4枚", "6～12g", "0.5g", "９ｇ", "适量"]
NOTES = ["", "", "（先煎）", "(后下)", "（去皮）"]


PUNCT = ["，", ",", "、", "；", "\n", " + ", "。"]


@st.composite
def prescriptions(draw, seps=PUNCT + [" "]):
    """A prescription of known and unknown names, with or without doses, notes, spaces and punctuation."""
    n = draw(st.integers(1, 8))
    names = [draw(st.sampled_from(HERBS + UNKNOWN)) for _ in range(n)]
    items = [name + draw(st.sampled_from(DOSES)) + draw(st.sampled_from(NOTES)) for name in names]
    text = items[0] + "".join(draw(st.sampled_from(seps)) + i for i in items[1:])
    return names, text


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(case=prescriptions())
def test_no_token_is_silently_dropped(r, case):
    """Every name written ends in ``herbs`` (as every herb it may mean) or in ``unresolved``; nothing is made up."""
    names, text = case
    found, left = r.parse_herbs(text)
    herbs = [m.name_zh for m in found]
    for name in names:
        expected = set(r.resolve(name, "herb"))
        assert (expected and expected <= set(herbs)) or any(name in u for u in left), (name, text, herbs, left)
    assert set(herbs) <= {h for name in names for h in r.resolve(name, "herb")}, (text, herbs)


@SETTINGS
@given(case=prescriptions(seps=PUNCT))
def test_every_known_name_is_read_between_punctuation(r, case):
    """Where punctuation ends each item, every known name is read as its herb(s), in order."""
    names, text = case
    found, left = r.parse_herbs(text)
    want = [h for name in names for h in r.resolve(name, "herb")]
    assert [m.name_zh for m in found] == want, (text, left)
    assert all(any(u.startswith(n) for n in names if not r.resolve(n, "herb")) for u in left), (text, left)


def test_a_formula_is_found_under_either_english_standard(corpus):
    """Formulas & Strategies names are name_en; Wiseman & Feng's join the aliases, cited (wiseman-feng-1998)."""
    from tcm.names import NameResolver

    r = NameResolver(corpus)
    by_name = {f.name_zh: f for f in corpus.formulas}
    for written, formula in [("Center-Supplementing Qi-Boosting Decoction", "补中益气汤"),
                             ("Free Wanderer Powder", "逍遥散"), ("Rambling Powder", "逍遥散"),
                             ("four agents decoction", "四物汤")]:
        assert r.link(written, fuzzy=False) == [(f"formula:{formula}", 1.0)], written
    assert "wiseman-feng-1998" in by_name["补中益气汤"].sources
    assert "wiseman-feng-1998" in {s.id for s in corpus.sources}
