"""What the corpus holds, counted the way the README reports it."""

from __future__ import annotations

from tcm.corpora.io import Corpus


def corpus_stats(c: Corpus) -> dict[str, int]:
    dosed = {r.herb for r in c.dose_ranges}
    ingredients = [i for f in c.formulas for i in f.composition]
    return {
        "herbs": len(c.herbs),
        "herbs with nature, flavour, meridians and dose range": sum(
            1 for h in c.herbs if h.nature and h.flavours and h.meridians and h.name_zh in dosed
        ),
        "herbs with English name": sum(1 for h in c.herbs if h.name_en),
        "herbs with Latin name": sum(1 for h in c.herbs if h.latin),
        "processed forms (form_of)": sum(1 for h in c.herbs if h.form_of),
        "formulas": len(c.formulas),
        "formulas with English name": sum(1 for f in c.formulas if f.name_en),
        "formula ingredients": len(ingredients),
        "ingredients with dose in grams": sum(1 for i in ingredients if i.dose_g is not None),
        "ingredients with 君臣佐使 role": sum(1 for i in ingredients if i.role),
        "formulas whose amounts are the whole batch (丸/散)": sum(1 for f in c.formulas if f.dose_basis == "batch"),
        "syndromes": len(c.syndromes),
        "syndromes with GB/T code": sum(1 for s in c.syndromes if s.code),
        "diseases": len(c.diseases),
        "diseases with GB/T code": sum(1 for d in c.diseases if d.code),
        "symptoms": len(c.symptoms),
        "十八反 pairs": sum(1 for r in c.incompatibilities if r.rule == "18反"),
        "十九畏 pairs": sum(1 for r in c.incompatibilities if r.rule == "19畏"),
        "dose-range rows": len(c.dose_ranges),
        "toxicity rows": len(c.toxicity),
        "pregnancy rows": len(c.pregnancy),
        "lactation rows": len(c.lactation),
        "monograph statements (toxicity, dose)": len(c.monograph),
        "verse pairs (十八反/十九畏)": len(c.verse_pairs),
        "sources": len(c.sources),
    }
