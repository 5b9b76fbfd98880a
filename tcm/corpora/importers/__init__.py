"""`tcm corpora import`: derive corpora/ from the public data sets plus the curated overrides.

Order matters and is fixed, so the output is deterministic:
herbs (pharmacopoeia, then curated extras, then SymMap for names that formulas or rules
need) → GB/T terms → formulas (resolved against those herbs) → rule tables → summaries.
Anything that needs a person's attention goes into the report's ``notes``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from tcm.corpora.english_names import add_derived_names
from tcm.corpora.io import CURATED_ONLY, FILES, Corpus, check_references, read_records, write_corpus
from tcm.corpora.rules import root_of
from tcm.corpora.summaries import formula_summaries, herb_summaries
from tcm.errors import CorpusError, DatasetError
from tcm.resources import resource_dir
from tcm.types import DoseRangeRow, Herb, IncompatibilityRow, LactationRow, Source, VersePair

OVERRIDES = resource_dir("corpora") / "overrides"


STEPS = 7


def run_import(datasets_dir: Path, corpora_dir: Path, overrides: Path = OVERRIDES,
               step: Callable[[str], None] = lambda _what: None) -> dict:
    """Import everything, validate it, and write corpora_dir. Returns counts and notes.

    ``step`` is called before each of the :data:`STEPS` stages (for a progress bar)."""
    from tcm.corpora.importers.formulas import default_resolver, import_formulas, load_herb_aliases
    from tcm.corpora.importers.gbt import import_gbt
    from tcm.corpora.importers.pharmacopoeia import import_pharmacopoeia
    from tcm.corpora.importers.symmap import load_symmap, symmap_herb

    datasets_dir = Path(datasets_dir)
    if not datasets_dir.is_dir():
        raise DatasetError(f"no data sets at {datasets_dir} (pass --datasets PATH)")
    notes: list[str] = []

    step("herbs: pharmacopoeia monographs")
    ph = import_pharmacopoeia(datasets_dir)
    notes += [f"pharmacopoeia: {s}" for s in ph.skipped]
    herbs: dict[str, Herb] = {h.name_zh: h for h in ph.herbs}
    for h in _extra_herbs(overrides / "extra_herbs.yaml"):
        if h.name_zh in herbs:
            notes.append(f"extra_herbs: {h.name_zh} is a pharmacopoeia herb; the extra record is ignored")
        else:
            herbs[h.name_zh] = h
    step("herbs: SymMap names and ids")
    symmap = load_symmap(datasets_dir)
    forms = {form: h.name_zh for h in ph.herbs for form in h.processing_forms}
    aliases = load_herb_aliases(overrides / "herb_aliases.yaml")
    # Names SymMap knows may resolve too; only those actually used are added below.
    resolve = default_resolver(set(herbs) | set(symmap), aliases, forms)

    step("syndromes and diseases: GB/T code tables")
    gbt = import_gbt(datasets_dir)
    notes += [f"gbt: {s}" for s in gbt.report]
    step("formulas: 方剂学 table and overrides")
    fx = import_formulas(datasets_dir, resolve, overrides=overrides / "formulas.yaml", gbt_syndromes=gbt.syndromes)
    notes += [f"formulas: {s}" for s in fx.report]
    for name, used_in in sorted(fx.unresolved.items()):
        notes.append(f"formulas: herb {name!r} unresolved (in {', '.join(used_in)})")

    rules = _incompatibility_rules(overrides / "incompatibilities.yaml")
    wanted = {i.herb for f in fx.formulas for i in f.composition} | {h for r in rules for h in r.herbs()}
    for name in sorted(wanted - set(herbs)):
        if name in symmap:
            herbs[name] = symmap_herb(symmap[name])
            notes.append(f"symmap: added {name} (used by formulas or rules; not in the pharmacopoeia copy)")

    _add_common_names(herbs, overrides / "herb_common_names.yaml", notes)
    _add_written_names(herbs, aliases, resolve, notes)
    add_derived_names(herbs, notes)  # last: names curated or read from data sets come first
    _add_categories(herbs, symmap)

    step("rule tables and summaries")
    parents = {n: h.form_of for n, h in herbs.items()}
    root = {n: root_of(n, parents) for n in herbs}
    incompat = _expand_rules(rules, root, set(ph.stated_incompatibilities), notes)
    verse_pairs = _verse_pairs(rules, set(herbs), notes)
    doses = {r.key: r for r in ph.dose_ranges}  # a herb, or a herb and a preparation (青礞石/煎汤)
    curated_doses = [row for _, row in read_records(overrides / "doses.yaml", DoseRangeRow)]
    doses.update({row.key: row for row in curated_doses})

    # summaries are written from facts, for herbs that have none yet
    tox = {r.herb: r.grade for r in ph.toxicity}
    preg = {r.herb: r.category for r in ph.pregnancy}
    overridden = {row.herb for row in curated_doses if row.form is None}
    final_herbs = []
    for name in sorted(herbs, key=lambda n: (herbs[n].pinyin, n)):
        h = herbs[name]
        if not h.summary_en or name in overridden:  # hand-written summaries of extra herbs stay
            d = doses.get(name)
            rng = (d.dose_min_g, d.dose_max_g) if d and d.dose_min_g is not None else None
            en, zh = herb_summaries(h, rng, tox.get(name), preg.get(name))
            h = h.model_copy(update={"summary_en": en, "summary_zh": zh})
        final_herbs.append(h)
    formulas = []
    for f in _batch_amounts(fx.formulas, doses, parents, notes):
        f = f.model_copy(update={"aliases": sorted(fx.aliases.get(f.name_zh, []))})
        en, zh = formula_summaries(f)
        formulas.append(f.model_copy(update={"summary_en": en, "summary_zh": zh}))

    sources = [s for _, s in read_records(overrides / "sources.yaml", Source)]
    safety = overrides / "sources_safety.yaml"
    if safety.exists():
        sources += [s for _, s in read_records(safety, Source)]
    known = {s.id for s in sources}
    sources += [s for s in fx.sources if s.id not in known]

    corpus = Corpus(
        sources=sources,
        herbs=final_herbs,
        formulas=formulas,
        syndromes=gbt.syndromes + fx.syndromes,
        diseases=gbt.diseases,
        symptoms=sorted(fx.symptoms, key=lambda s: s.name_zh),
        incompatibilities=incompat,
        dose_ranges=[doses[n] for n in sorted(doses)],
        toxicity=sorted(ph.toxicity, key=lambda r: r.herb),
        pregnancy=sorted(ph.pregnancy, key=lambda r: r.herb),
        lactation=_lactation(final_herbs, overrides / "lactation.yaml", notes),
        monograph=sorted(ph.monograph, key=lambda r: r.herb),
        verse_pairs=verse_pairs,
    )
    step("clinical graph: signs, crosswalk, families")
    from tcm.corpora.importers.clinical import import_clinical

    ci = import_clinical(datasets_dir, overrides, corpus.formulas, corpus.syndromes, corpus.diseases, corpus.herbs)
    notes += ci.report
    for kind in ("signs", "syndrome_signs", "formula_signs", "herb_signs", "crosswalk", "families",
                 "disease_patterns"):
        setattr(corpus, kind, getattr(ci, kind))
    for kind in CURATED_ONLY:  # hand-curated tables: their master copy is corpora/ itself
        rel, model = FILES[kind]
        setattr(corpus, kind, [r for _, r in read_records(overrides.parent / rel, model, label=f"corpora/{rel}")])
    step("validation and writing")
    problems = check_references(corpus)
    if problems:
        listed = "; ".join(str(p) for p in problems[:5])
        raise CorpusError("<import>", None, None, f"{len(problems)} problems, nothing written: {listed}")
    write_corpus(corpus, corpora_dir)
    return {"counts": corpus.counts(), "notes": notes}


_BATCH_FORMS = ("丸", "散", "丹", "膏", "胶", "锭")


def _batch_amounts(formulas, doses: dict[str, DoseRangeRow], parents: dict[str, str | None], notes: list[str]):
    """Mark a 丸/散/丹/膏 recipe whose amounts cannot be a daily dose (an herb at more than twice the
    pharmacopoeia's daily maximum) as batch amounts; curated entries (overrides/formulas.yaml) stand."""
    out = []
    for f in formulas:
        if f.dose_basis is None and f.name_zh.endswith(_BATCH_FORMS):
            over = [f"{i.herb} {i.dose_g:g} g" for i in f.composition if i.dose_g
                    and (row := doses.get(i.herb) or doses.get(parents.get(i.herb) or ""))
                    and i.dose_g > 2 * row.dose_max_g]
            if over:
                f = f.model_copy(update={"dose_basis": "batch"})
                notes.append(f"formulas: {f.name_zh} amounts read as the whole batch ({', '.join(over[:3])} "
                             "is more than twice the daily maximum)")
        out.append(f)
    return out


def _add_common_names(herbs: dict[str, Herb], path: Path, notes: list[str]) -> None:
    """Curated English common names join each herb's aliases (and `curated` its sources); the first becomes
    the herb's name_en when it has none."""
    for name, common in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
        if name not in herbs:
            notes.append(f"herb_common_names: {name} is not a herb; its names are ignored")
            continue
        h = herbs[name]
        aliases = h.aliases + [c for c in common if c not in h.aliases and c != h.name_en]
        sources = h.sources + (["curated"] if "curated" not in h.sources else [])
        herbs[name] = h.model_copy(update={"aliases": aliases, "sources": sources, "name_en": h.name_en or common[0]})


def _add_written_names(herbs: dict[str, Herb], aliases: dict, resolve, notes: list[str]) -> None:
    """Names formulas write for a herb everywhere (杏仁 → 苦杏仁) become its aliases too; a name that may mean
    several herbs (沙参: 北沙参 or 南沙参) becomes an alias of each, which makes it ambiguous in the name layer."""
    targets = [(w, [resolve(w, "")]) for w in sorted(aliases.get("global") or {})]
    targets += [(w, list(e["herbs"])) for w, e in sorted((aliases.get("ambiguous") or {}).items())]
    for written, names in targets:
        if written in herbs:
            notes.append(f"herb_aliases: {written} is a herb of its own; not added as an alias")
            continue
        for target in names:
            if target not in herbs:
                notes.append(f"herb_aliases: {written} → {target}: no such herb")
                continue
            h = herbs[target]
            if written not in h.aliases:
                herbs[target] = h.model_copy(update={"aliases": [*h.aliases, written]})


def _add_categories(herbs: dict[str, Herb], symmap: dict) -> None:
    """中药学 classes from SymMap (活血祛瘀药, 攻下药 …), for herb-class rules."""
    for name, h in herbs.items():
        rec = symmap.get(name)
        if rec and rec.categories and not h.categories:
            sources = h.sources + (["symmap-2.0"] if "symmap-2.0" not in h.sources else [])
            herbs[name] = h.model_copy(update={"categories": list(rec.categories), "sources": sources})


def _extra_herbs(path: Path) -> list[Herb]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for i, raw in enumerate(data.get("herbs") or []):
        try:
            out.append(Herb.model_validate(raw))
        except ValueError as e:
            raise CorpusError(str(path), None, f"herbs.{i}", " ".join(str(e).split())) from None
    return out


@dataclass(frozen=True)
class Rule:
    """One entry of overrides/incompatibilities.yaml: the verse's words on each side and the herbs they cover."""

    rule: str
    verse_a: dict[str, list[str]]
    verse_b: dict[str, list[str]]
    sources: list[str]

    @property
    def a(self) -> list[str]:
        return [h for herbs in self.verse_a.values() for h in herbs]

    @property
    def b(self) -> list[str]:
        return [h for herbs in self.verse_b.values() for h in herbs]

    def herbs(self) -> list[str]:
        return self.a + self.b


def _incompatibility_rules(path: Path) -> list[Rule]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [Rule(r["rule"], {k: list(v) for k, v in r["verse_a"].items()},
                 {k: list(v) for k, v in r["verse_b"].items()}, list(r["sources"])) for r in data]


def _verse_pairs(rules: list[Rule], herbs: set[str], notes: list[str]) -> list[VersePair]:
    """One row per pair of verse words (乌 with 半), with the corpus herbs each word covers."""
    out = []
    for r in rules:
        for wa, side_a in r.verse_a.items():
            for wb, side_b in r.verse_b.items():
                a, b = [h for h in side_a if h in herbs], [h for h in side_b if h in herbs]
                if not a or not b:
                    notes.append(f"rules: {r.rule} verse pair {wa}–{wb} left out: none of its herbs is in the corpus")
                    continue
                out.append(VersePair(rule=r.rule, verse_a=wa, verse_b=wb, herbs_a=a, herbs_b=b, sources=r.sources))
    return out


_LACTATION_WORD = {"禁用": "high", "忌用": "high", "慎用": "moderate"}


def _lactation(herbs: list[Herb], path: Path, notes: list[str]) -> list[LactationRow]:
    """Breastfeeding cautions: the pharmacopoeia's own (a 哺乳期 caution; 回乳 among the functions), then the
    curated, cited rows of overrides/lactation.yaml (one row per herb; the pharmacopoeia's row stands)."""
    rows: dict[str, LactationRow] = {}
    for h in herbs:
        if "chp-2010" not in h.sources:
            continue
        for c in h.cautions:
            m = re.search(r"哺乳期[^，。；]*?(禁用|忌用|慎用)", c)
            if m:
                word = m.group(1)
                rows[h.name_zh] = LactationRow(
                    herb=h.name_zh, severity=_LACTATION_WORD[word], sources=["chp-2010"],
                    effect_en=f"the pharmacopoeia says: use {'with caution' if word == '慎用' else 'not at all'} "
                              f"while breastfeeding (哺乳期{word}).",
                    effect_zh=f"药典：哺乳期{word}。")
        if h.name_zh not in rows and any("回乳" in f for f in h.functions):
            rows[h.name_zh] = LactationRow(
                herb=h.name_zh, severity="moderate", sources=["chp-2010"],
                effect_en="the pharmacopoeia lists stopping lactation (回乳) among its functions: it may reduce the "
                          "milk supply.",
                effect_zh="药典列其功能有“回乳”：可减少乳汁分泌。")
    for _, row in read_records(path, LactationRow):
        if row.herb in rows:
            notes.append(f"lactation: {row.herb} has a pharmacopoeia row; the curated row is not used")
            continue
        rows[row.herb] = row
    return [rows[h] for h in sorted(rows)]


def _expand_rules(rules: list[Rule], root: dict[str, str], stated: set[tuple[str, str]], notes: list[str]
                  ) -> list[IncompatibilityRow]:
    """One row per verse pair whose herbs exist; add chp-2010 where the pharmacopoeia states the pair
    (for the herb or any of its processed forms, which inherit the rule when the graph is built)."""
    herbs = set(root)
    stated_sym = {(root.get(a, a), root.get(b, b)) for a, b in stated}
    stated_sym |= {(b, a) for a, b in stated_sym}
    rows: list[IncompatibilityRow] = []
    covered: set[tuple[str, str]] = set()
    for r in rules:
        rule, sources = r.rule, r.sources
        for a in r.a:
            for b in r.b:
                if a not in herbs or b not in herbs:
                    missing = [x for x in (a, b) if x not in herbs]
                    notes.append(f"rules: {rule} {a}–{b} left out: no herb record for {', '.join(missing)}")
                    continue
                src = list(sources) + (["chp-2010"] if (a, b) in stated_sym else [])
                rows.append(IncompatibilityRow(rule=rule, herb_a=a, herb_b=b, sources=src))
                covered |= {(a, b), (b, a)}
    for a, b in sorted(stated):
        if (root.get(a, a), root.get(b, b)) not in covered:
            notes.append(f"rules: the pharmacopoeia states {a} 不宜与 {b} 同用; no 十八反/十九畏 verse row covers it")
    return rows
