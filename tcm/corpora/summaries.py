"""Short bilingual herb summaries composed from facts (the project's own wording).

Retrieval and the grounded answerer need a sentence or two per herb in each language. The
source books' prose may not be copied, so these are built from the structured facts only
(nature, flavours, meridians, short function terms, dose, cautions) with fixed templates.
"""

from __future__ import annotations

from tcm.names.forms import plain_pinyin
from tcm.types import Formula, Herb, Ingredient

__all__ = ["NATURE_EN", "FLAVOUR_EN", "MERIDIAN_EN", "formula_summaries", "herb_summaries", "format_grams"]

NATURE_EN = {
    "大寒": "very cold",
    "寒": "cold",
    "微寒": "slightly cold",
    "凉": "cool",
    "平": "neutral",
    "微温": "slightly warm",
    "温": "warm",
    "热": "hot",
    "大热": "very hot",
}
FLAVOUR_EN = {
    "辛": "pungent",
    "甘": "sweet",
    "酸": "sour",
    "苦": "bitter",
    "咸": "salty",
    "淡": "bland",
    "涩": "astringent",
}
MERIDIAN_EN = {
    "心": "heart",
    "肝": "liver",
    "脾": "spleen",
    "肺": "lung",
    "肾": "kidney",
    "胃": "stomach",
    "胆": "gallbladder",
    "大肠": "large intestine",
    "小肠": "small intestine",
    "膀胱": "bladder",
    "三焦": "triple burner",
    "心包": "pericardium",
}
TOXICITY_EN = {"小毒": "slightly toxic", "有毒": "toxic", "大毒": "highly toxic"}
PREGNANCY_EN = {
    "禁用": "contraindicated in pregnancy",
    "忌用": "to be avoided in pregnancy",
    "慎用": "to be used with caution in pregnancy",
}
PREGNANCY_ZH = {"禁用": "孕妇禁用", "忌用": "孕妇忌用", "慎用": "孕妇慎用"}
_MAX_TERMS = 6


def format_grams(value: float) -> str:
    """2.0 → '2', 0.03 → '0.03'."""
    return f"{value:g}"


def _flavour_en(f: str) -> str:
    return (
        f"slightly {FLAVOUR_EN[f[1:]]}"
        if f.startswith("微") and f[1:] in FLAVOUR_EN
        else FLAVOUR_EN.get(f, f)
    )


def _join_en(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def herb_summaries(
    herb: Herb,
    dose: tuple[float, float] | None = None,
    toxicity: str | None = None,
    pregnancy: str | None = None,
) -> tuple[str, str]:
    """(summary_en, summary_zh) for a herb, from its fields and its rule facts."""
    return _summary_en(herb, dose, toxicity, pregnancy), _summary_zh(herb, dose, toxicity, pregnancy)


def _summary_zh(
    herb: Herb, dose: tuple[float, float] | None, toxicity: str | None, pregnancy: str | None
) -> str:
    head = herb.name_zh + (f"（{herb.pinyin}）" if herb.pinyin else "")
    props = []
    if herb.nature:
        props.append(f"性{herb.nature}")
    if herb.flavours:
        props.append("味" + "、".join(herb.flavours))
    if herb.meridians:
        props.append("归" + "、".join(herb.meridians) + "经")
    parts = [head + ("：" + "，".join(props) + "。" if props else "。")]
    if herb.form_of:
        kind = "鲜品" if herb.name_zh.startswith("鲜") else "炮制品"
        parts.append(f"为{herb.form_of}的{kind}，{herb.form_of}的用药规则同样适用。")
    if herb.group:
        parts.append(f"属{herb.group}类。")
    if herb.functions:
        parts.append("功能：" + "、".join(herb.functions[:_MAX_TERMS]) + "。")
    if herb.indications:
        more = "等" if len(herb.indications) > _MAX_TERMS else ""
        parts.append("主治：" + "、".join(herb.indications[:_MAX_TERMS]) + more + "。")
    if dose:
        lo, hi = dose
        amount = format_grams(lo) if lo == hi else f"{format_grams(lo)}～{format_grams(hi)}"
        parts.append(f"药典用量{amount} g。")
    if toxicity and toxicity != "无毒":
        parts.append(f"{toxicity if toxicity == '有毒' else '有' + toxicity}。")
    if pregnancy:
        parts.append(PREGNANCY_ZH[pregnancy] + "。")
    return "".join(parts)


def _summary_en(
    herb: Herb, dose: tuple[float, float] | None, toxicity: str | None, pregnancy: str | None
) -> str:
    names = [herb.name_zh]
    if herb.latin:
        names.append(herb.latin)
    if herb.name_en:
        names.append(herb.name_en)
    title = plain_pinyin(herb.pinyin).title() if herb.pinyin else herb.name_zh
    head = f"{title} ({'; '.join(names)})"
    props = []
    if herb.nature:
        props.append(f"{NATURE_EN[herb.nature]} in nature")
    if herb.flavours:
        props.append(f"{_join_en([_flavour_en(f) for f in herb.flavours])} in flavour")
    sentences = [head + (": " + ", ".join(props) if props else "")]
    if herb.meridians:
        sentences[-1] += f"; enters the {_join_en([MERIDIAN_EN[m] for m in herb.meridians])} meridian" + (
            "s" if len(herb.meridians) > 1 else ""
        )
    sentences[-1] += "."
    if herb.form_of:
        kind = "fresh" if herb.name_zh.startswith("鲜") else "processed"
        sentences.append(f"A {kind} form of {herb.form_of}; rules about {herb.form_of} apply to it.")
    if herb.group:
        sentences.append(f"Belongs to the {herb.group} group for safety rules.")
    if dose:
        lo, hi = dose
        amount = f"{format_grams(lo)} g" if lo == hi else f"{format_grams(lo)}–{format_grams(hi)} g"
        sentences.append(f"Daily dose in the Chinese Pharmacopoeia (2010): {amount}.")
    if toxicity and toxicity in TOXICITY_EN:
        sentences.append(f"Graded {TOXICITY_EN[toxicity]} ({toxicity}).")
    if pregnancy:
        sentences.append(f"{PREGNANCY_EN[pregnancy].capitalize()} ({PREGNANCY_ZH[pregnancy]}).")
    if herb.functions:
        sentences.append("Functions (Chinese terms): " + ", ".join(herb.functions[:_MAX_TERMS]) + ".")
    return " ".join(sentences)


def _ingredient(i: Ingredient, sep: str) -> str:
    if i.dose_g is not None:
        return f"{i.herb}{sep}{format_grams(i.dose_g)} g"
    if i.dose_text:
        return f"{i.herb}{sep}{i.dose_text}"
    return i.herb


# What a formula's amounts mean when they make the whole recipe (丸/散 ground and taken a portion at a time).
BATCH_ZH = "以上为全方制剂总量（研末或制丸后每次取服一部分），不是每日用量。"
BATCH_EN = "These amounts make the whole batch of the recipe (ground or made into pills and taken a portion at a " \
           "time); they are not daily doses."


def formula_summaries(f: Formula) -> tuple[str, str]:
    """(summary_en, summary_zh) for a formula: what it is, its composition, functions and indications."""
    cat = f.category + (f"（{f.subcategory}）" if f.subcategory else "")
    zh = [f"{f.name_zh}（{f.pinyin}）：{cat}" + (f"，出自{f.classical_source}" if f.classical_source else "") + "。"]
    zh.append("组成：" + "、".join(_ingredient(i, "") for i in f.composition) + "。")
    if f.dose_basis == "batch":
        zh.append(BATCH_ZH)
    if f.functions:
        zh.append("功用：" + "、".join(f.functions) + "。")
    if f.syndromes or f.symptoms:
        zh.append("主治：" + "；".join(["、".join(f.syndromes), "、".join(f.symptoms[:_MAX_TERMS])]).strip("；") + "。")

    title = plain_pinyin(f.pinyin).title()
    en = [f"{title} ({f.name_zh}" + (f"; {f.name_en}" if f.name_en else "") + f"): a formula of the {cat} category"
          + (f" from {f.classical_source}" if f.classical_source else "") + "."]
    en.append("Composition: " + ", ".join(_ingredient(i, " ") for i in f.composition) + ".")
    if f.dose_basis == "batch":
        en.append(BATCH_EN)
    if f.functions:
        en.append("Functions (Chinese terms): " + ", ".join(f.functions) + ".")
    if f.syndromes:
        en.append("Indicated for (syndromes): " + ", ".join(f.syndromes) + ".")
    if f.symptoms:
        en.append("Presenting signs (Chinese terms): " + ", ".join(f.symptoms[:_MAX_TERMS]) + ".")
    return " ".join(en), "".join(zh)
