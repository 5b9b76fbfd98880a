"""Write evals/reasoning/cases.jsonl: the project's own clinical-note cases (run once; the output is committed).

Each case is a terse clinical note in the project's own words: a patient line, then a subset of the
formula's textbook signs (the Sign vocabulary's names, a synonym or the English name, never the
indications' wording), shuffled, about 40% left out, one unrelated symptom added (a sign of another
formula: real notes carry noise), tongue and pulse phrased as a clinician writes them.
Split by formula (a stable hash): cases of `heldout` formulas are never used to tune the engine.
Abstention cases give one or two signs and no tongue or pulse: the right answer is "insufficient
information". Seeded, so the file is reproducible: `python evals/reasoning/make_cases.py`.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from tcm.config import settings
from tcm.corpora.io import load_corpus

OUT = Path(__file__).with_name("cases.jsonl")
SEX_SPECIFIC = {"遗精", "阳痿", "早泄", "痛经", "闭经", "崩漏", "月经不调", "月经量少", "带下", "不孕"}  # no noise
PEOPLE_ZH = ["男，{a}岁。", "女，{a}岁。", "患者男，{a}岁，", "患者女，{a}岁，"]
PEOPLE_EN = ["M, {a}.", "F, {a}.", "{a}-year-old man:", "{a}-year-old woman:"]


def split_of(formula: str) -> str:
    return "heldout" if int(hashlib.sha1(formula.encode()).hexdigest(), 16) % 3 == 0 else "tune"


def main() -> None:
    corpus = load_corpus(settings().corpora_dir, check=False)
    signs = {s.name_zh: s for s in corpus.signs}
    own: dict[str, list[str]] = {}
    for r in corpus.formula_signs:
        own.setdefault(r.formula, []).append(r.sign)
    rng = random.Random(13)
    pool = sorted({s for v in own.values() for s in v if s in signs and signs[s].kind == "symptom"
                   and (signs[s].english or signs[s].synonyms) and s not in SEX_SPECIFIC})
    cases = []
    for f in corpus.formulas:
        lst = [s for s in own.get(f.name_zh, []) if s in signs]
        if len(lst) < 3:
            continue
        for lang in ("zh", "en"):
            usable = lst if lang == "zh" else [s for s in lst if signs[s].english]
            if len(usable) < 3:
                continue
            keep = max(3, round(len(usable) * 0.6))
            chosen = rng.sample(usable, min(keep, len(usable)))
            sym = [s for s in chosen if signs[s].kind == "symptom"]
            noise = [s for s in pool if s not in lst and (lang == "zh" or signs[s].english)]
            sym.append(rng.choice(noise))
            tp = [s for s in chosen if signs[s].kind != "symptom"]
            rng.shuffle(sym)
            age = rng.randint(18, 75)
            if lang == "zh":
                words = [rng.choice([s, *signs[s].synonyms]) if signs[s].synonyms else s for s in sym]
                tongue = "".join(s for s in tp if s.startswith(("舌", "苔")))
                pulse = "脉" + "".join(s[1:] for s in tp if s.startswith("脉")) if any(
                    s.startswith("脉") for s in tp) else ""
                text = rng.choice(PEOPLE_ZH).format(a=age) + "，".join(words)
                text += "".join(f"，{x}" for x in (tongue, pulse) if x) + "。"
            else:
                words = [rng.choice(signs[s].english) for s in sym]
                tongue = [signs[s].name_en for s in tp if s[0] in "舌苔"]
                pulse = [signs[s].name_en.replace(" pulse", "") for s in tp if s.startswith("脉")]
                text = rng.choice(PEOPLE_EN).format(a=age) + " " + ", ".join(words)
                if tongue:
                    text += "; tongue: " + ", ".join(tongue)
                if pulse:
                    text += "; pulse " + " and ".join(pulse)
                text += "."
            cases.append({"id": f"{f.name_zh}-{lang}", "split": split_of(f.name_zh), "lang": lang, "text": text,
                          "formula": f.name_zh, "abstain": False})
    for i, f in enumerate(rng.sample(sorted(own), 30)):
        sym = [s for s in own[f] if signs.get(s) and signs[s].kind == "symptom" and signs[s].english]
        if not sym:
            continue
        lang = "zh" if i % 2 else "en"
        pick = rng.sample(sym, min(len(sym), 1 + i % 2))
        text = "，".join(pick) + "。" if lang == "zh" else ", ".join(signs[s].english[0] for s in pick) + "."
        cases.append({"id": f"abstain-{i}", "split": split_of(f), "lang": lang, "text": text, "formula": f,
                      "abstain": True})
    OUT.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
    print(f"{len(cases)} cases → {OUT}")


if __name__ == "__main__":
    main()
