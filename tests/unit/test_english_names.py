"""English names derived from the pharmacopoeia's Latin names (tcm/corpora/english_names.py, issue 12 item 1):
the rules on their own, then the committed corpus (every ChP herb named, names unique, each resolving)."""

from __future__ import annotations

import re

import pytest

from tcm.corpora.english_names import (
    EPITHETS,
    PROCESSING,
    SOURCE,
    UnknownLatin,
    add_derived_names,
    derive_name,
    drop_latin_names,
    is_latin_name,
    latin_english,
    processed_english,
)
from tcm.names import NameResolver
from tcm.names.forms import normalize_name
from tcm.types import Herb


def _herb(name: str, latin: str | None, name_en: str | None = None, form_of: str | None = None, **kw) -> Herb:
    return Herb(name_zh=name, name_zh_hant=name, pinyin="x", latin=latin, name_en=name_en, form_of=form_of,
                sources=kw.pop("sources", ["chp-2010"]), **kw)


# --------------------------------------------------------------------------- rule 2: the Latin name


@pytest.mark.parametrize(
    "latin, english",
    [
        ("Dictamni Cortex", "Dictamnus bark"),  # only what the Latin says: not "root bark"
        ("Paridis Rhizoma", "Paris rhizome"),
        ("Phellodendri Amurensis Cortex", "Phellodendron amurense bark"),  # epithet to the nominative
        ("Dendrobii Officinalis Caulis", "Dendrobium officinale stem"),  # neuter genus, neuter epithet
        ("Baphicacanthis Cusiae Rhizoma et Radix", "Baphicacanthus cusia rhizome and root"),  # two parts
        ("Murrayae Folium et Cacumen", "Murraya leaf and twig tip"),
        ("Herba Ajugae", "Ajuga herb"),  # the part word first, as the text prints it
        ("Citri Exocarpium Rubrum", "red Citrus exocarp"),
        ("Chebulae Fructus Immaturus", "immature Terminalia chebula fruit"),  # epithet-only Latin
        ("Manis Squama", "pangolin scale"),  # animal, genus translated (Manis: the pangolins)
        ("Agkistrodon", "Agkistrodon snake"),  # whole animal: no part word
        ("Bungarus Parvus", "small Bungarus snake"),
        ("Eupolyphaga Steleophaga", "Eupolyphaga or Steleophaga insect"),  # two genera
        ("Bovis Calculus Artifactus", "artificial bovine calculus"),
        ("Mirabilitum Praeparatum", "processed mirabilite"),  # mineral
        ("l-Borneolum", "l-borneol"),
        ("Arisaema cum Bile", "Arisaema with bile"),
    ],
)
def test_latin_rendering(latin, english):
    assert latin_english(latin) == english


@pytest.mark.parametrize("latin", ["Foobaris Cortex", "Dictamni Medulla", "Pinelliae Rhizoma cum Aceto", ""])
def test_unknown_latin_is_refused_not_guessed(latin):
    with pytest.raises(UnknownLatin):
        latin_english(latin)


# --------------------------------------------------------------------------- rule 1: processed forms


def test_processed_form_takes_parent_name_and_method():
    parent = _herb("黄芪", "Astragali Radix", "root of Membranous Milkvetch")
    form = _herb("炙黄芪", "Astragali Radix Praeparata cum Melle", form_of="黄芪")
    assert processed_english(form, parent, parent.name_en) == "honey-fried root of Membranous Milkvetch"
    half = _herb("半夏", "Pinelliae Rhizoma", "tuber of Pinellia")
    ginger = _herb("姜半夏", "Pinelliae Rhizoma Praeparatum cum Zingibere et Alumine", form_of="半夏")
    assert processed_english(ginger, half, half.name_en) == "tuber of Pinellia processed with ginger and alum"
    dry = _herb("干姜", "Zingiberis Rhizoma", "Dried Ginger")  # 炮姜: the term is what 干姜 lacks
    assert processed_english(_herb("炮姜", "Zingiberis Rhizoma Praeparatum", form_of="干姜"), dry, "Dried Ginger") \
        == "sand-fried Dried Ginger"


def test_processed_form_of_another_part_renders_its_own_latin():
    parent = _herb("巴豆", "Crotonis Fructus", "Croton Fruit")  # 巴豆霜 is made of the seed
    form = _herb("巴豆霜", "Crotonis Semen Pulveratum", form_of="巴豆")
    assert processed_english(form, parent, parent.name_en) == "defatted powdered Croton seed"


def test_processing_term_must_be_confirmed_by_the_latin():
    parent = _herb("黄芪", "Astragali Radix", "root of Membranous Milkvetch")
    wrong = _herb("炙黄芪", "Astragali Radix Carbonisata", form_of="黄芪")  # 炙 without "cum Melle"
    assert processed_english(wrong, parent, parent.name_en) is None
    # derive_name then falls back to the Latin, which says what it says
    assert derive_name(wrong, {"黄芪": parent}, {}) == "charred Astragalus root"


def test_every_processing_term_names_its_method_and_latin():
    for term, t in PROCESSING.items():
        assert "{}" in t.english and t.latin and t.method, term


# --------------------------------------------------------------------------- the import step


def test_step_fills_only_empty_names_and_records_provenance():
    herbs = {
        "瓜蒌子": _herb("瓜蒌子", "Trichosanthis Semen"),
        "炒瓜蒌子": _herb("炒瓜蒌子", "Trichosanthis Semen Tostum", form_of="瓜蒌子"),
        "甘草": _herb("甘草", "Glycyrrhizae Radix et Rhizoma", "licorice root"),
        "外来": _herb("外来", "Dictamni Cortex", sources=["symmap-2.0"]),  # not a pharmacopoeia herb
    }
    notes: list[str] = []
    assert sorted(add_derived_names(herbs, notes)) == sorted(["瓜蒌子", "炒瓜蒌子"])
    assert herbs["瓜蒌子"].name_en == "Trichosanthes seed"
    assert herbs["炒瓜蒌子"].name_en == "stir-fried Trichosanthes seed"  # the parent's derived name
    assert herbs["炒瓜蒌子"].aliases == ["stir-fried Trichosanthes seed"]
    assert SOURCE in herbs["炒瓜蒌子"].sources
    assert herbs["甘草"].name_en == "licorice root" and SOURCE not in herbs["甘草"].sources
    assert herbs["外来"].name_en is None


def test_step_never_gives_a_name_another_herb_has():
    herbs = {
        "冰片": _herb("冰片", "Borneolum Syntheticum", "Borneol"),
        "某片": _herb("某片", "Borneolum"),
        "怪": _herb("怪", "Foobaris Cortex"),
    }
    notes: list[str] = []
    assert add_derived_names(herbs, notes) == []
    assert herbs["某片"].name_en is None and herbs["怪"].name_en is None
    assert any("某片 not named: 'borneol' is a name of 冰片" in n for n in notes)
    assert any("怪 not named" in n and "Foobaris" in n for n in notes)


@pytest.mark.parametrize("name", ["Cortex Mori", "Gentiae Radix Et Rhozima", "Alpiniae Officirum Rhizome",
                                  "Calyx Seu Fructus Physalis"])
def test_latin_written_as_english_is_recognised(name):
    assert is_latin_name(name)


@pytest.mark.parametrize("name", ["licorice root", "Litchi seed", "Ginkgo seed", "Persimmon Calyx", "Cow-bezoar",
                                  "Thlaspi herb", "calyx and receptacle of a Persimmon"])
def test_english_names_are_not_taken_for_latin(name):
    assert not is_latin_name(name)


def test_latin_name_en_makes_way_and_old_word_order_stays_an_alias():
    herbs = {
        "桑白皮": _herb("桑白皮", "Mori Cortex", "Cortex Mori"),
        "龙胆": _herb("龙胆", "Gentianae Radix et Rhizoma", "Gentiae Radix Et Rhozima"),
    }
    notes: list[str] = []
    assert drop_latin_names(herbs, notes) == ["桑白皮", "龙胆"]
    assert herbs["桑白皮"].name_en is None and herbs["桑白皮"].aliases == ["Cortex Mori"]
    assert herbs["龙胆"].name_en is None and herbs["龙胆"].aliases == []  # OCR-damaged: dropped
    add_derived_names(herbs, notes)
    assert herbs["桑白皮"].name_en == "Morus bark" and herbs["龙胆"].name_en == "Gentiana root and rhizome"


# --------------------------------------------------------------------------- the committed corpus


def test_every_pharmacopoeia_herb_has_an_english_name(corpus):
    chp = [h for h in corpus.herbs if "chp-2010" in h.sources]
    assert len(chp) >= 611
    assert [h.name_zh for h in chp if not h.name_en] == []
    assert [(h.name_zh, h.name_en) for h in chp if is_latin_name(h.name_en)] == []
    derived = [h for h in chp if SOURCE in h.sources]
    assert len(derived) >= 144
    assert all(h.name_en in h.aliases for h in derived)


@pytest.mark.parametrize(
    "herb, english",
    [
        ("白鲜皮", "Dictamnus bark"),
        ("重楼", "Paris rhizome"),
        ("暴马子皮", "Syringa bark"),
        ("南板蓝根", "Baphicacanthus cusia rhizome and root"),
        ("高山辣根菜", "Pegaeophyton root and rhizome"),  # OCR'd Latin corrected (overrides/herbs.yaml)
        ("穿山甲", "pangolin scale"),
        ("金钱白花蛇", "small Bungarus snake"),
        ("人工牛黄", "artificial bovine calculus"),
        ("法半夏", "tuber of Pinellia processed with liquorice and lime"),
        ("清半夏", "tuber of Pinellia processed with alum"),
        ("炙黄芪", "honey-fried root of Membranous Milkvetch"),
        ("荆芥穗炭", "charred Schizonepeta spike"),
        ("马钱子粉", "powdered Nux Vomica"),
        ("鲜地黄", "fresh rehmannia root"),
        ("天然冰片", "borneol (Cinnamomum camphora)"),  # qualified: 冰片 is "borneol"
        ("龙胆", "Gentiana root and rhizome"),  # SymMap's 'Gentiae Radix Et Rhozima' replaced
        ("锦灯笼", "Physalis calyx or fruit"),  # seu: or
    ],
)
def test_derived_names_in_corpus(corpus, herb, english):
    h = next(h for h in corpus.herbs if h.name_zh == herb)
    assert h.name_en == english and SOURCE in h.sources


def test_english_names_are_unique(corpus):
    seen: dict[str, str] = {}
    clashes = []
    for h in corpus.herbs:
        if h.name_en:
            key = normalize_name(h.name_en)
            if key in seen:
                clashes.append((seen[key], h.name_zh, h.name_en))
            seen[key] = h.name_zh
    assert clashes == []


def test_derived_names_resolve_to_their_herb(corpus):
    r = NameResolver(corpus)
    derived = [h for h in corpus.herbs if SOURCE in h.sources]
    wrong = [(h.name_en, r.resolve(h.name_en, "herb"), h.name_zh) for h in derived
             if r.resolve(h.name_en, "herb") != (h.name_zh,)]
    assert wrong == []
    assert r.herb("Dictamnus Bark") == "白鲜皮" and r.herb("pangolin scale") == "穿山甲"


# --------------------------------------------------------------------------- against the book

# Monographs whose OCR'd 来源 line lost or garbled the epithet (the printed ChP 2010 names it).
_EPITHET_NOT_IN_OCR = {"千里光": "Senecio scandens: the species is missing in the OCR copy",
                       "巫山淫羊藿": "Epimedium wushanense: the epithet is missing in the OCR copy",
                       "珠子参": "Panax japonicus var. major: the OCR copy lost 'var. major'",
                       "紫花前胡": "Peucedanum decursivum: the OCR copy reads 'decusivum'",
                       "巴戟天": "Morinda officinalis: the OCR copy reads 'ojj:icinalis'"}


def test_epithets_match_the_monograph_binomials(corpus, shared_datasets):
    from tcm.corpora.importers.pharmacopoeia import CHP_FILE, _read_text, apply_ocr_fixes, parse_monographs

    monos, _ = parse_monographs(apply_ocr_fixes(_read_text(shared_datasets / CHP_FILE))[0])
    source_line = {m.name: m.body[0] for m in reversed(monos) if m.body}
    checked, missing = 0, []
    for h in corpus.herbs:
        words = (h.latin or "").split()
        for genus, epithet in zip(words, words[1:], strict=False):
            if (genus, epithet) in EPITHETS and SOURCE in h.sources and not h.form_of:
                letters = re.sub(r"[^a-z]", "", source_line.get(h.name_zh, "").lower().replace("μ", "y"))
                if EPITHETS[(genus, epithet)] in letters:
                    checked += 1
                elif h.name_zh not in _EPITHET_NOT_IN_OCR:
                    missing.append((h.name_zh, EPITHETS[(genus, epithet)]))
    assert missing == []
    assert checked >= 25


def test_cork_tree_barks_name_their_own_species(corpus):
    """Phellodendron amurense (amur cork tree) is 关黄柏, P. chinense (Chinese cork tree) is 黄柏 (ChP 2010)."""
    from tcm.names import NameResolver

    r = NameResolver(corpus)
    assert r.herb("amur cork tree bark") == "关黄柏" and r.herb("Phellodendron amurense bark") == "关黄柏"
    assert r.herb("Chinese cork tree bark") == "黄柏"
