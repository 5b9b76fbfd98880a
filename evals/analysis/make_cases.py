"""Write evals/analysis/cases.jsonl: prescriptions with the classical formula each one is (top-1 expected).

Two parts, both deterministic (re-running writes the same file):
- HAND: prescriptions written by the project the way clinics and textbooks write them (modern
  grams, classical 两/钱 and counts, traditional characters, pinyin, English, notes, noise words,
  herbs without doses, herbs added or left out, common abbreviations such as 生地 and 丹皮).
- DERIVED: for 40 common formulas, five written forms from the corpus composition by fixed rules:
  traditional characters with 钱 units, pinyin names, one herb added, one minor herb (smallest dose, not 君)
  removed, and no doses
  with noise words. A modified prescription whose herb set is another corpus formula's is left out.

Run: .venv/bin/python evals/analysis/make_cases.py
"""

from __future__ import annotations

import json
from pathlib import Path

from tcm.config import settings
from tcm.corpora.io import load_corpus
from tcm.names import NameResolver
from tcm.names.forms import plain_pinyin, to_traditional

HERE = Path(__file__).resolve().parent

# (text, expected formula, kind)
HAND: list[tuple[str, str, str]] = [
    ("麻黄9g，桂枝6g，杏仁6g，炙甘草3g", "麻黄汤", "classical"),
    ("麻黃三兩（去節） 桂枝二兩（去皮） 甘草一兩（炙） 杏仁七十個（去皮尖）", "麻黄汤", "classical"),
    ("Ma Huang 9g, Gui Zhi 6g, Xing Ren 6g, Gan Cao 3g", "麻黄汤", "classical"),
    ("桂枝三兩（去皮） 芍藥三兩 甘草二兩（炙） 生薑三兩（切） 大棗十二枚（擘）", "桂枝汤", "classical"),
    ("桂枝9g 白芍9g 炙甘草6g 生姜9g 大枣3枚", "桂枝汤", "classical"),
    ("柴胡24g 黄芩9g 人参9g 半夏9g 炙甘草9g 生姜9g 大枣4枚", "小柴胡汤", "classical"),
    ("处方：柴胡12g，黄芩9g，法半夏9g，党参15g，炙甘草6g，生姜3片，大枣4枚。水煎服，日一剂", "小柴胡汤", "noise"),
    ("熟地24g 山萸肉12g 山药12g 泽泻9g 丹皮9g 茯苓9g", "六味地黄丸", "classical"),
    ("熟地黄 山茱萸 山药 泽泻 牡丹皮 茯苓", "六味地黄丸", "no_dose"),
    ("人参9g 白术9g 茯苓9g 炙甘草6g", "四君子汤", "classical"),
    ("Ren Shen 9g; Bai Zhu 9g; Fu Ling 9g; Zhi Gan Cao 6g", "四君子汤", "classical"),
    ("当归 川芎 白芍 熟地", "四物汤", "no_dose"),
    ("熟地12g、当归9g、白芍9g、川芎6g", "四物汤", "classical"),
    ("黄芪30g 当归6g", "当归补血汤", "classical"),
    ("Astragalus root 30g, Dong Quai 6g", "当归补血汤", "classical"),
    ("附子15g（先煎） 干姜6g 炙甘草6g", "四逆汤", "classical"),
    ("生石膏50g(先煎) 知母18g 炙甘草6g 粳米9g", "白虎汤", "classical"),
    ("麻黄5g 杏仁9g 甘草6g 生石膏18g（先煎）", "麻黄杏仁甘草石膏汤", "classical"),
    ("半夏15g 橘红15g 白茯苓9g 炙甘草4.5g 生姜7片 乌梅1个", "二陈汤", "classical"),
    ("银花15g 连翘15g 桔梗6g 薄荷6g(后下) 竹叶4g 生甘草5g 荆芥穗4g 淡豆豉5g 牛蒡子6g 芦根15g", "银翘散", "classical"),
    ("桑叶7.5g 菊花3g 杏仁6g 连翘5g 薄荷2.5g(后下) 桔梗6g 甘草2.5g 芦根6g", "桑菊饮", "classical"),
    ("黄芪18g 炙甘草9g 人参6g 当归3g 陈皮6g 升麻6g 柴胡6g 白术9g", "补中益气汤", "classical"),
    ("柴胡9g 当归9g 白芍9g 白术9g 茯苓9g 炙甘草4.5g 薄荷3g（后下） 煨姜3g", "逍遥散", "classical"),
    ("桃仁12g 红花9g 当归9g 生地9g 川芎5g 赤芍6g 牛膝9g 桔梗5g 柴胡3g 枳壳6g 甘草6g", "血府逐瘀汤", "classical"),
    ("酸枣仁15g 茯苓6g 知母6g 川芎6g 甘草3g", "酸枣仁汤", "classical"),
    ("半夏12g 黄芩9g 干姜9g 人参9g 黄连3g 大枣4枚 炙甘草9g", "半夏泻心汤", "classical"),
    ("人参、干姜、炙甘草、白术各9g", "理中丸", "classical"),
    ("茯苓9g 芍药9g 白术6g 生姜9g 炮附子9g（先煎）", "真武汤", "classical"),
    ("猪苓9g 泽泻15g 白术9g 茯苓9g 桂枝6g", "五苓散", "classical"),
    ("大黄12g（后下） 厚朴24g 枳实12g 芒硝9g（冲服）", "大承气汤", "classical"),
    ("大黄12g 厚朴6g 枳实9g", "小承气汤", "classical"),
    ("大黄12g 芒硝9g 炙甘草6g", "调胃承气汤", "classical"),
    ("黄芪四两 当归尾二钱 赤芍一钱半 地龙一钱 川芎一钱 红花一钱 桃仁一钱", "补阳还五汤", "classical"),
    ("人参9g 麦冬9g 五味子6g", "生脉散", "classical"),
    ("防风30g 黄芪60g 白术60g", "玉屏风散", "classical"),
    ("黄连9g 黄芩6g 黄柏6g 栀子9g", "黄连解毒汤", "classical"),
    ("吴茱萸9g 人参9g 生姜18g 大枣4枚", "吴茱萸汤", "classical"),
    ("柴胡、枳实、白芍、炙甘草各6g", "四逆散", "classical"),
    ("当归12g 桂枝9g 白芍9g 细辛3g 通草6g 大枣8枚 炙甘草6g", "当归四逆汤", "classical"),
    ("饴糖30g（烊化） 桂枝9g 白芍18g 生姜9g 大枣6枚 炙甘草6g", "小建中汤", "classical"),
    ("麻黄9g 芍药9g 细辛3g 干姜6g 炙甘草6g 桂枝9g 五味子6g 半夏9g", "小青龙汤", "classical"),
    ("葛根15g 黄芩9g 黄连9g 炙甘草6g", "葛根黄芩黄连汤", "classical"),
    ("黄连18g 吴茱萸3g", "左金丸", "classical"),
    ("白术9g 白芍6g 陈皮4.5g 防风3g", "痛泻要方", "classical"),
    # modified (one or two herbs added or left out; none of these is itself a corpus formula)
    ("桂枝9g 白芍9g 炙甘草6g 生姜9g 大枣3枚 黄芪15g", "桂枝汤", "modified"),
    ("熟地24g 山萸肉12g 山药12g 泽泻9g 丹皮9g 茯苓9g 五味子6g 杜仲12g", "六味地黄丸", "modified"),
    ("石膏30g（先煎） 知母12g 甘草6g 粳米15g 金银花15g", "白虎汤", "modified"),
    ("人参9g 白术9g 茯苓9g 炙甘草6g 黄芪15g 山药15g", "四君子汤", "modified"),
    ("麻黄9g 桂枝6g 甘草3g 生姜6g", "麻黄汤", "modified"),
    ("麻黄9g 桂枝6g 杏仁9g 甘草3g 苍术9g", "麻黄汤", "modified"),
    ("桂枝9g 白芍9g 炙甘草6g 生姜9g 大枣3枚 葛根12g", "桂枝加葛根汤", "classical"),
    ("柴胡12g 黄芩9g 半夏9g 党参12g 甘草6g 生姜9g 大枣4枚 枳壳9g 郁金9g", "小柴胡汤", "modified"),
    ("熟地24g 山萸肉12g 山药12g 泽泻9g 丹皮9g 茯苓9g 枸杞子12g 菊花9g", "杞菊地黄丸", "classical"),
    ("党参15g 白术12g 茯苓12g 炙甘草6g 陈皮9g", "异功散", "classical"),
    ("当归10g 川芎6g 白芍12g 熟地15g 桃仁9g 红花6g", "四物汤", "modified"),
    ("黄芪15g 白术9g 陈皮6g 升麻3g 柴胡3g 人参6g 炙甘草6g 当归6g 葛根9g", "补中益气汤", "modified"),
    ("柴胡10g 当归10g 白芍10g 白术10g 茯苓10g 炙甘草5g 丹皮9g 栀子9g", "逍遥散", "modified"),
    ("半夏9g 陈皮9g 茯苓12g 甘草5g 竹茹9g 枳实6g", "温胆汤", "modified"),
    ("酸枣仁18g 知母9g 川芎6g 茯神12g 甘草3g 夜交藤15g", "酸枣仁汤", "modified"),
    ("石膏30g（先煎） 知母12g 甘草6g 粳米15g 人参6g", "白虎加人参汤", "classical"),
    ("人参10g 麦冬15g 五味子6g 黄芪20g", "生脉散", "modified"),
    # noise and messy writing
    ("Rx: 黄芪 30 克 + 当归 6 克 (水煎服)", "当归补血汤", "noise"),
    ("方用：人参9克，白朮9克，茯苓9克，炙甘草6克。每日1剂，分2次温服。", "四君子汤", "noise"),
    ("猪苓 9g / 泽泻 15g / 白术 9g / 茯苓 9g / 桂枝 6g  共7剂", "五苓散", "noise"),
    ("附子 10g 先煎，干姜 6g，炙甘草 6g，tid", "四逆汤", "noise"),
    ("麻黄９ｇ，桂枝６ｇ，杏仁９ｇ，甘草３ｇ", "麻黄汤", "noise"),
    ("黃連 黃芩 黃柏 梔子", "黄连解毒汤", "no_dose"),
]

DERIVED = ("麻黄汤 桂枝汤 小柴胡汤 六味地黄丸 四君子汤 四物汤 当归补血汤 四逆汤 白虎汤 麻黄杏仁甘草石膏汤 "
           "二陈汤 银翘散 桑菊饮 补中益气汤 逍遥散 血府逐瘀汤 归脾汤 酸枣仁汤 半夏泻心汤 真武汤 五苓散 大承气汤 "
           "温胆汤 龙胆泻肝汤 小青龙汤 独活寄生汤 八珍汤 生脉散 玉屏风散 平胃散 黄连解毒汤 补阳还五汤 天麻钩藤饮 "
           "镇肝熄风汤 参苓白术散 葛根汤 "
           "藿香正气散 百合固金汤 三仁汤 柴胡疏肝散").split()
ADD_ONS = ("丹参", "川芎", "陈皮", "黄芪", "葛根", "枳壳", "桔梗", "砂仁", "木香", "香附")
_CN = "零一二三四五六七八九十"


def _cn(n: int) -> str:
    if n <= 10:
        return _CN[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[ones] if ones else "")


def _qian(g: float | None) -> str:
    if g is None:
        return ""
    q = g / 3
    if abs(q - round(q)) < 1e-9 and 1 <= q <= 99:
        return _cn(int(round(q))) + "钱"
    return f"{g:g}g"


def main() -> None:
    corpus = load_corpus(settings().corpora_dir)
    resolver = NameResolver(corpus)
    formulas = {f.name_zh: f for f in corpus.formulas}
    herbs = {h.name_zh: h for h in corpus.herbs}
    root_sets = {}
    for f in corpus.formulas:
        root_sets.setdefault(frozenset(resolver.root(i.herb) for i in f.composition), []).append(f.name_zh)

    def collides(name: str, herb_names: list[str]) -> bool:
        return any(n != name for n in root_sets.get(frozenset(resolver.root(h) for h in herb_names), []))

    cases = []
    for text, expected, kind in HAND:
        assert expected in formulas, expected
        cases.append({"text": text, "expected": expected, "kind": kind, "source": "hand"})
    for k, name in enumerate(DERIVED):
        f = formulas[name]
        comp = f.composition
        cases.append({"text": " ".join(to_traditional(i.as_written) + _qian(i.dose_g) + (i.dose_text or "")
                                       for i in comp),
                      "expected": name, "kind": "traditional_qian", "source": "derived"})
        cases.append({"text": ", ".join(" ".join(s.capitalize() for s in plain_pinyin(herbs[i.herb].pinyin).split())
                                        + (f" {i.dose_g:g}g" if i.dose_g else "") for i in comp),
                      "expected": name, "kind": "pinyin", "source": "derived"})
        add = next(a for j, a in enumerate(ADD_ONS * 2) if j >= k % len(ADD_ONS) and a not in {i.herb for i in comp})
        herbs_add = [i.herb for i in comp] + [add]
        if not collides(name, herbs_add):
            cases.append({"text": "，".join([f"{i.as_written}{i.dose_g:g}g" if i.dose_g else i.as_written for i in comp]
                                           + [f"{add}9g"]), "expected": name, "kind": "modified_add",
                          "source": "derived"})
        if len(comp) >= 4:
            # a minor herb goes, as when a practitioner modifies a formula: the smallest dose that is not 君
            minor = [j for j in range(len(comp)) if comp[j].role != "君"] or list(range(len(comp)))
            drop = min(reversed(minor), key=lambda j: comp[j].dose_g if comp[j].dose_g is not None else 1e9)
            kept = [i for j, i in enumerate(comp) if j != drop]
            if not collides(name, [i.herb for i in kept]):
                cases.append({"text": "、".join(f"{i.as_written}{i.dose_g:g}克" if i.dose_g else i.as_written
                                               for i in kept), "expected": name, "kind": "modified_remove",
                              "source": "derived"})
        cases.append({"text": "处方：" + " ".join(i.as_written for i in comp) + "。水煎服，日一剂",
                      "expected": name, "kind": "no_dose_noise", "source": "derived"})
    out = HERE / "cases.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        for i, c in enumerate(cases, 1):
            fh.write(json.dumps({"id": f"a{i:03d}", **c}, ensure_ascii=False) + "\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
