"""Dose parsing: the forms prescriptions and source tables actually use."""

from __future__ import annotations

import pytest

from tcm.names.doses import MODERN_UNITS, Dose, chinese_number, parse_dose, split_trailing_dose


@pytest.mark.parametrize(
    ("text", "grams"),
    [
        ("9g", 9.0),
        ("9克", 9.0),
        ("9 g", 9.0),
        ("0.5g", 0.5),
        ("７.５ｇ", 7.5),  # full-width
        ("9G", 9.0),
        ("500mg", 0.5),
        ("500毫克", 0.5),
        ("1.5千克", 1500.0),
        ("1.5kg", 1500.0),
    ],
)
def test_metric_weights(text: str, grams: float) -> None:
    d = parse_dose(text)
    assert d.grams == grams
    assert d.text == text
    assert not d.is_range


@pytest.mark.parametrize(
    ("text", "grams", "lo", "hi"),
    [
        ("6～9g", 7.5, 6.0, 9.0),
        ("6~9g", 7.5, 6.0, 9.0),
        ("6g～9g", 7.5, 6.0, 9.0),
        ("15-20g", 17.5, 15.0, 20.0),
        ("1.5～3g", 2.25, 1.5, 3.0),
        ("三至五钱", 12.0, 9.0, 15.0),
    ],
)
def test_ranges_take_the_midpoint_and_keep_the_bounds(text: str, grams: float, lo: float, hi: float) -> None:
    d = parse_dose(text)
    assert (d.grams, d.grams_min, d.grams_max) == (grams, lo, hi)
    assert d.is_range
    assert d.text == text


@pytest.mark.parametrize(("text", "grams"), [("lOg", 10.0), ("lO g", 10.0), ("3～lOg", 6.5), ("l5g", 15.0)])
def test_ocr_letters_for_digits(text: str, grams: float) -> None:
    assert parse_dose(text).grams == grams


@pytest.mark.parametrize(
    ("text", "grams", "unit"),
    [
        ("三钱", 9.0, "钱"),
        ("一钱", 3.0, "钱"),
        ("一两", 30.0, "两"),
        ("半两", 15.0, "两"),
        ("一两半", 45.0, "两"),
        ("二钱五分", 7.5, "钱"),
        ("一钱二分", 3.6, "钱"),
        ("七分", 2.1, "分"),
        ("八分", 2.4, "分"),
        ("一斤", 500.0, "斤"),
        ("二十两", 600.0, "两"),
        ("两钱", 6.0, "钱"),
    ],
)
def test_classical_units_modern_convention(text: str, grams: float, unit: str) -> None:
    d = parse_dose(text)
    assert d.grams == grams
    assert d.unit == unit


def test_compound_classical_amount_is_in_the_first_unit() -> None:
    assert parse_dose("二钱五分").amount == 2.5


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [("3枚", 3.0, "枚"), ("12枚", 12.0, "枚"), ("十二枚", 12.0, "枚"), ("两枚", 2.0, "枚"),
     ("五十个", 50.0, "个"), ("三片", 3.0, "片"), ("7升", 7.0, "升"), ("6匙", 6.0, "匙")],
)
def test_counts_and_volumes_have_no_grams(text: str, amount: float, unit: str) -> None:
    d = parse_dose(text)
    assert d.grams is None  # a jujube has no fixed weight; nothing is invented
    assert (d.amount, d.unit) == (amount, unit)
    assert d.is_count
    assert d.text == text


@pytest.mark.parametrize("text", ["适量", "少许", "等分", "各等分", "", "   ", "abc", "9", "先煎"])
def test_no_weight_no_grams(text: str) -> None:
    d = parse_dose(text)
    assert d.grams is None
    assert d.text == text


def test_bare_number_needs_a_declared_unit() -> None:
    assert parse_dose("9").grams is None
    assert parse_dose("9", bare_unit="g").grams == 9.0
    assert parse_dose("6-9", bare_unit="g").grams == 7.5


def test_notes_around_a_dose_are_ignored() -> None:
    assert parse_dose("9g（先煎）").grams == 9.0
    assert parse_dose("各3g").grams == 3.0
    assert parse_dose("约6g").grams == 6.0


def test_a_weight_wins_over_a_count() -> None:
    d = parse_dose("五十个，9g")
    assert (d.grams, d.unit) == (9.0, "g")


def test_zero_is_not_a_dose() -> None:
    assert parse_dose("0g").grams is None


def test_another_unit_convention() -> None:
    han = {**MODERN_UNITS, "两": 15.625}
    assert parse_dose("三两", units=han).grams == pytest.approx(46.875)
    assert parse_dose("三两").grams == 90.0


def test_dose_is_a_value() -> None:
    assert parse_dose("9g") == Dose(9.0, "9g", "g", 9.0, 9.0, 9.0)


@pytest.mark.parametrize(
    ("text", "value"),
    [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("五十", 50), ("一百二十", 120), ("半", 0.5),
     ("一半", 1.5), ("二五", None), ("", None), ("x", None)],
)
def test_chinese_numbers(text: str, value: float | None) -> None:
    assert chinese_number(text) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("桑叶三钱", ("桑叶", "三钱", False)),
        ("麻黄9g", ("麻黄", "9g", False)),
        ("红枣二枚", ("红枣", "二枚", False)),
        ("生姜三片", ("生姜", "三片", False)),
        ("石膏二钱五分", ("石膏", "二钱五分", False)),
        ("大戟各等分", ("大戟", "等分", True)),
        ("苦楝根各1.5千克", ("苦楝根", "1.5千克", True)),
        ("三七", ("三七", None, False)),  # a name ending in a numeral is not a dose
        ("六神曲", ("六神曲", None, False)),
        ("人参", ("人参", None, False)),
        ("9g", ("9g", None, False)),  # nothing left for a name
    ],
)
def test_split_trailing_dose(text: str, expected: tuple) -> None:
    assert split_trailing_dose(text) == expected
