"""Safety invariants of the corpus: rule tables that cannot drift from what they rest on.

`tcm corpora validate` reports every broken invariant with the file and line of the row at fault,
and `tcm build` (through :func:`tcm.corpora.io.load_corpus`) refuses a corpus that breaks one:

- a herb toxic in its own monograph (rules/monograph.csv) has a row in rules/toxicity.csv at least
  as severe (never 无毒, never missing);
- a herb whose monograph gives a dose has a row in rules/dose_ranges.csv, and a maximum above the
  monograph's needs a cited override: a note saying why and a source beyond the pharmacopoeia;
- every pair the 十八反/十九畏 verses name (rules/verse_pairs.csv, the verse as source) is a row of
  rules/incompatibilities.csv.
"""

from __future__ import annotations

from tcm.corpora.io import Corpus
from tcm.errors import CorpusError

GRADE = {"无毒": 0, "小毒": 1, "有毒": 2, "大毒": 3}
MONOGRAPH_SOURCE = "chp-2010"


def check_invariants(corpus: Corpus) -> list[CorpusError]:
    """Every broken safety invariant, one problem each (empty when the corpus keeps them all)."""
    return _toxicity(corpus) + _doses(corpus) + _verses(corpus)


def _problem(corpus: Corpus, record, field: str, message: str) -> CorpusError:
    file, line = corpus.where(record)
    return CorpusError(file, line, field, message)


def _toxicity(corpus: Corpus) -> list[CorpusError]:
    rows = {r.herb: r for r in corpus.toxicity}
    out = []
    for m in corpus.monograph:
        if not m.toxicity or m.toxicity == "无毒":
            continue
        row = rows.get(m.herb)
        if row is None:
            out.append(_problem(corpus, m, "toxicity", f"{m.herb} is {m.toxicity} in its monograph but has no row "
                                "in rules/toxicity.csv"))
        elif GRADE[row.grade] < GRADE[m.toxicity]:
            out.append(_problem(corpus, row, "grade", f"{m.herb} is {row.grade} here but {m.toxicity} in its "
                                "monograph (rules/monograph.csv); a table may not grade a herb less toxic"))
    return out


def _doses(corpus: Corpus) -> list[CorpusError]:
    # the plain row: a monograph's range for a preparation it doses apart (鲜品, 煎汤) is its own row
    rows = {r.herb: r for r in corpus.dose_ranges if r.form is None}
    out = []
    for m in corpus.monograph:
        if m.dose_max_g is None:
            continue
        row = rows.get(m.herb)
        if row is None:
            out.append(_problem(corpus, m, "dose_max_g", f"{m.herb}: its monograph gives at most {m.dose_max_g:g} g "
                                "but rules/dose_ranges.csv has no row for it"))
            continue
        cited = bool(row.note) and any(s != MONOGRAPH_SOURCE for s in row.sources)
        if row.dose_max_g > m.dose_max_g + 1e-9 and not cited:
            out.append(_problem(corpus, row, "dose_max_g", f"{m.herb}: maximum {row.dose_max_g:g} g is above the "
                                f"monograph's {m.dose_max_g:g} g; that needs a cited override (a note and a source "
                                f"beyond {MONOGRAPH_SOURCE})"))
    return out


def _verses(corpus: Corpus) -> list[CorpusError]:
    table = {(r.rule, r.herb_a, r.herb_b) for r in corpus.incompatibilities}
    out = []
    for v in corpus.verse_pairs:
        missing = [f"{a}–{b}" for a in v.herbs_a for b in v.herbs_b
                   if (v.rule, a, b) not in table and (v.rule, b, a) not in table]
        if missing:
            out.append(_problem(corpus, v, "herbs_b", f"the {v.rule} verse pairs {v.verse_a} with {v.verse_b}, but "
                                f"rules/incompatibilities.csv lacks {', '.join(missing)}"))
    return out
