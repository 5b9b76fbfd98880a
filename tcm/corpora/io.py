"""Read, validate and write the project's corpus (`corpora/`).

Each record type lives in one text file; records remember the file and line
they came from so that a validation error can point at them. Loading checks
every record against its pydantic model and then checks references between
files (a composition naming an unknown herb, a source id nobody defined).
"""

from __future__ import annotations

import csv
import io
import json
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from tcm.errors import CorpusError
from tcm.types import (
    ClassInteractionRow,
    CompoundEnzymeRow,
    CrosswalkRow,
    Disease,
    DiseasePattern,
    DoseRangeRow,
    Drug,
    DrugClass,
    Formula,
    FormulaFamily,
    FormulaSign,
    Herb,
    HerbDrugInteraction,
    HerbSign,
    IncompatibilityRow,
    LactationRow,
    MonographStatement,
    PregnancyRow,
    Sign,
    Source,
    Symptom,
    Syndrome,
    SyndromeSign,
    ToxicityRow,
    VersePair,
)

LIST_SEP = "|"

# kind -> (relative path, model). Order is the order of loading and writing.
FILES: dict[str, tuple[str, type[BaseModel]]] = {
    "sources": ("sources.yaml", Source),
    "herbs": ("herbs.jsonl", Herb),
    "formulas": ("formulas.jsonl", Formula),
    "syndromes": ("syndromes.csv", Syndrome),
    "diseases": ("diseases.csv", Disease),
    "symptoms": ("symptoms.csv", Symptom),
    "incompatibilities": ("rules/incompatibilities.csv", IncompatibilityRow),
    "dose_ranges": ("rules/dose_ranges.csv", DoseRangeRow),
    "toxicity": ("rules/toxicity.csv", ToxicityRow),
    "pregnancy": ("rules/pregnancy.csv", PregnancyRow),
    "lactation": ("rules/lactation.csv", LactationRow),
    "monograph": ("rules/monograph.csv", MonographStatement),
    "verse_pairs": ("rules/verse_pairs.csv", VersePair),
    # the clinical graph: signs, syndrome signs, the textbook → GB/T crosswalk, families, disease patterns
    "signs": ("clinical/signs.csv", Sign),
    "syndrome_signs": ("clinical/syndrome_signs.csv", SyndromeSign),
    "formula_signs": ("clinical/formula_signs.csv", FormulaSign),
    "herb_signs": ("clinical/herb_signs.csv", HerbSign),
    "crosswalk": ("clinical/crosswalk.csv", CrosswalkRow),
    "families": ("clinical/families.csv", FormulaFamily),
    "disease_patterns": ("clinical/disease_patterns.csv", DiseasePattern),
    # curated by hand (no public data set has them); `tcm corpora import` carries them through
    "drug_classes": ("drug_classes.csv", DrugClass),
    "drugs": ("drugs.jsonl", Drug),
    "herb_drug": ("rules/herb_drug.csv", HerbDrugInteraction),
    "compound_enzyme": ("rules/compound_enzyme.csv", CompoundEnzymeRow),
    "class_interactions": ("rules/class_interactions.csv", ClassInteractionRow),
}
CURATED_ONLY = ("drug_classes", "drugs", "herb_drug", "compound_enzyme", "class_interactions")
# derived from the rest by the clinical importer; a corpus without them loads (with no clinical graph)
CLINICAL = ("signs", "syndrome_signs", "formula_signs", "herb_signs", "crosswalk", "families", "disease_patterns")


@dataclass
class Corpus:
    """All records of the corpus, plus where each came from."""

    sources: list[Source] = field(default_factory=list)
    herbs: list[Herb] = field(default_factory=list)
    formulas: list[Formula] = field(default_factory=list)
    syndromes: list[Syndrome] = field(default_factory=list)
    diseases: list[Disease] = field(default_factory=list)
    symptoms: list[Symptom] = field(default_factory=list)
    incompatibilities: list[IncompatibilityRow] = field(default_factory=list)
    dose_ranges: list[DoseRangeRow] = field(default_factory=list)
    toxicity: list[ToxicityRow] = field(default_factory=list)
    pregnancy: list[PregnancyRow] = field(default_factory=list)
    lactation: list[LactationRow] = field(default_factory=list)
    monograph: list[MonographStatement] = field(default_factory=list)
    verse_pairs: list[VersePair] = field(default_factory=list)
    signs: list[Sign] = field(default_factory=list)
    syndrome_signs: list[SyndromeSign] = field(default_factory=list)
    formula_signs: list[FormulaSign] = field(default_factory=list)
    herb_signs: list[HerbSign] = field(default_factory=list)
    crosswalk: list[CrosswalkRow] = field(default_factory=list)
    families: list[FormulaFamily] = field(default_factory=list)
    disease_patterns: list[DiseasePattern] = field(default_factory=list)
    drug_classes: list[DrugClass] = field(default_factory=list)
    drugs: list[Drug] = field(default_factory=list)
    herb_drug: list[HerbDrugInteraction] = field(default_factory=list)
    compound_enzyme: list[CompoundEnzymeRow] = field(default_factory=list)
    class_interactions: list[ClassInteractionRow] = field(default_factory=list)
    # id(record) -> (file, line); filled by load_corpus
    origin: dict[int, tuple[str, int]] = field(default_factory=dict, repr=False)
    # kind -> names (name_zh / id / name_en) of records that failed validation: references to them are
    # not reported again as unknown (one broken herb line is one problem, not one per formula using it)
    broken: dict[str, set[str]] = field(default_factory=dict, repr=False)

    def where(self, record: BaseModel) -> tuple[str, int | None]:
        return self.origin.get(id(record), ("<memory>", None))

    def counts(self) -> dict[str, int]:
        return {kind: len(getattr(self, kind)) for kind in FILES}


# ---------------------------------------------------------------- reading


def _list_fields(model: type[BaseModel]) -> set[str]:
    out = set()
    for name, info in model.model_fields.items():
        ann = info.annotation
        if typing.get_origin(ann) in (types.UnionType, typing.Union):
            ann = next(a for a in typing.get_args(ann) if a is not type(None))
        if typing.get_origin(ann) is list:
            out.add(name)
    return out


def _iter_raw(path: Path, model: type[BaseModel]) -> Iterator[tuple[int, dict | CorpusError]]:
    """Yield (line, raw dict) for each record of one file, or (line, CorpusError) for a record that cannot be
    read (the file goes on); raise CorpusError when the file as a whole cannot be read."""
    rel = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CorpusError(rel, None, None, "file is missing") from None
    except UnicodeDecodeError as e:
        raise CorpusError(rel, None, None, f"not UTF-8 ({e.reason})") from None
    if path.suffix == ".jsonl":
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield n, CorpusError(rel, n, None, f"invalid JSON: {e.msg} (column {e.colno})")
                continue
            yield n, obj if isinstance(obj, dict) else CorpusError(rel, n, None, "each line must be a JSON object")
    elif path.suffix == ".csv":
        lists = _list_fields(model)
        reader = csv.DictReader(io.StringIO(text))
        unknown = set(reader.fieldnames or ()) - set(model.model_fields)
        if unknown:
            raise CorpusError(rel, 1, sorted(unknown)[0], "unknown column")
        for row in reader:
            if None in row:
                yield reader.line_num, CorpusError(rel, reader.line_num, None, "more cells than columns")
                continue
            obj: dict = {k: [x for x in v.split(LIST_SEP) if x] if k in lists else v
                         for k, v in row.items() if v is not None and v != ""}
            yield reader.line_num, obj
    elif path.suffix == ".yaml":
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            line = mark.line + 1 if mark else None
            raise CorpusError(rel, line, None, f"invalid YAML: {getattr(e, 'problem', e)}") from None
        if node is None:
            return
        if not isinstance(node, yaml.SequenceNode):
            raise CorpusError(rel, node.start_mark.line + 1, None, "expected a list of records")
        for item in node.value:
            obj = yaml.SafeLoader(io.StringIO("")).construct_document(item)
            line = item.start_mark.line + 1
            yield line, obj if isinstance(obj, dict) else CorpusError(rel, line, None, "each item must be a mapping")
    else:
        raise CorpusError(rel, None, None, f"unsupported file type {path.suffix}")


def scan_records(path: Path, model: type[BaseModel], label: str | None = None
                 ) -> tuple[list[tuple[int, BaseModel]], list[tuple[CorpusError, dict | None]]]:
    """Parse and validate one file, going on past bad records: (valid records, problems).

    Each problem names the file (as ``label``), the line and the field, and comes with the raw record
    when there was one (so references to it can be recognised)."""
    label = label or str(path)
    out: list[tuple[int, BaseModel]] = []
    problems: list[tuple[CorpusError, dict | None]] = []
    try:
        for line, raw in _iter_raw(path, model):
            if isinstance(raw, CorpusError):
                problems.append((CorpusError(label, raw.line, raw.field, raw.message), None))
                continue
            try:
                out.append((line, model.model_validate(raw)))
            except ValidationError as e:
                problems += [(CorpusError(label, line, loc or None, msg), raw) for loc, msg in _errors(e)]
    except CorpusError as e:
        problems.append((CorpusError(label, e.line, e.field, e.message), None))
    return out, problems


def _errors(e: ValidationError) -> list[tuple[str, str]]:
    return [(".".join(str(p) for p in err["loc"]), err["msg"]) for err in e.errors()]


def read_records(path: Path, model: type[BaseModel], label: str | None = None) -> list[tuple[int, BaseModel]]:
    """Parse and validate one file; the first problem is raised, naming the file (as ``label``), line and field."""
    records, problems = scan_records(path, model, label)
    if problems:
        raise problems[0][0]
    return records


def load_corpus(corpora_dir: Path, check: bool = True, label: str = "corpora") -> Corpus:
    """Load every corpus file; with ``check``, also verify references and the safety invariants.

    Problems name ``label``/<file>:<line>; the first is raised, saying how many more there are
    (:func:`validate_corpus` returns them all)."""
    corpus, problems = validate_corpus(corpora_dir, label, check=check)
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise CorpusError(first.file, first.line, first.field, first.message + more)
    return corpus


def validate_corpus(corpora_dir: Path, label: str = "corpora", check: bool = True) -> tuple[Corpus, list[CorpusError]]:
    """Load every file and return the corpus with EVERY problem found: each bad record of each file, then
    (with ``check``) broken references between files and broken safety invariants."""
    from tcm.corpora.invariants import check_invariants

    corpus = Corpus()
    problems: list[CorpusError] = []
    for kind, (rel, model) in FILES.items():
        where = f"{label}/{rel}"
        if kind in CLINICAL and not (corpora_dir / rel).exists():
            continue
        records, bad = scan_records(corpora_dir / rel, model, label=where)
        problems += [p for p, _ in bad]
        keys = {str(raw[k]) for _, raw in bad if raw for k in ("name_zh", "id", "name_en") if raw.get(k)}
        if keys:
            corpus.broken[kind] = keys
        bucket = getattr(corpus, kind)
        for line, rec in records:
            bucket.append(rec)
            corpus.origin[id(rec)] = (where, line)
    if check:
        problems += check_references(corpus) + check_invariants(corpus)
    return corpus, problems


# ------------------------------------------------------------ cross-checks


def check_references(corpus: Corpus) -> list[CorpusError]:
    """Every reference between files must resolve; returns all problems found (empty when valid)."""
    problems: list[CorpusError] = []

    def bad(rec: BaseModel, fld: str, msg: str) -> None:
        f, line = corpus.where(rec)
        problems.append(CorpusError(f, line, fld, msg))

    def known(kind: str, key: str) -> set[str]:
        return _unique(corpus, getattr(corpus, kind), key, bad) | corpus.broken.get(kind, set())

    source_ids = {s.id for s in corpus.sources} | corpus.broken.get("sources", set())
    _unique(corpus, corpus.sources, "id", bad)
    herbs = known("herbs", "name_zh")
    syndromes = known("syndromes", "name_zh")
    diseases = known("diseases", "name_zh")
    _unique(corpus, corpus.formulas, "name_zh", bad)
    _unique(corpus, corpus.symptoms, "name_zh", bad)

    for kind in FILES:
        if kind == "sources":
            continue
        for rec in getattr(corpus, kind):
            for i, sid in enumerate(rec.sources):
                if sid not in source_ids:
                    bad(rec, f"sources.{i}", f"unknown source id {sid!r}")

    for h in corpus.herbs:
        if h.form_of and h.form_of not in herbs:
            bad(h, "form_of", f"unknown herb {h.form_of!r}")
    for terms, name in ((corpus.syndromes, syndromes), (corpus.diseases, diseases)):
        for t in terms:
            if t.parent and t.parent not in name:
                bad(t, "parent", f"unknown term {t.parent!r}")
    for f in corpus.formulas:
        for i, ing in enumerate(f.composition):
            if ing.herb not in herbs:
                bad(f, f"composition.{i}.herb", f"unknown herb {ing.herb!r} (written {ing.as_written!r})")
        for i, s in enumerate(f.syndromes):
            if s not in syndromes:
                bad(f, f"syndromes.{i}", f"unknown syndrome {s!r}")
    for rows, fields in (
        (corpus.incompatibilities, ("herb_a", "herb_b")),
        (corpus.dose_ranges, ("herb",)),
        (corpus.toxicity, ("herb",)),
        (corpus.pregnancy, ("herb",)),
        (corpus.lactation, ("herb",)),
        (corpus.monograph, ("herb",)),
    ):
        for r in rows:
            for fld in fields:
                if getattr(r, fld) not in herbs:
                    bad(r, fld, f"unknown herb {getattr(r, fld)!r}")
    _unique(corpus, corpus.dose_ranges, "key", bad)  # a herb, or a herb and a preparation (青礞石/煎汤)
    for rows in (corpus.toxicity, corpus.pregnancy, corpus.lactation, corpus.monograph):
        _unique(corpus, rows, "herb", bad)
    for v in corpus.verse_pairs:
        for side in ("herbs_a", "herbs_b"):
            for i, h in enumerate(getattr(v, side)):
                if h not in herbs:
                    bad(v, f"{side}.{i}", f"unknown herb {h!r}")

    classes = known("drug_classes", "id")
    drugs = known("drugs", "name_en")
    for d in corpus.drugs:
        for i, c in enumerate(d.classes):
            if c not in classes:
                bad(d, f"classes.{i}", f"unknown drug class {c!r}")
    for r in corpus.herb_drug:
        if r.herb not in herbs:
            bad(r, "herb", f"unknown herb {r.herb!r}")
        if r.drug is not None and r.drug not in drugs:
            bad(r, "drug", f"unknown drug {r.drug!r}")
        if r.drug_class is not None and r.drug_class not in classes:
            bad(r, "drug_class", f"unknown drug class {r.drug_class!r}")
    for r in corpus.compound_enzyme:
        if r.herb not in herbs:
            bad(r, "herb", f"unknown herb {r.herb!r}")
    _check_clinical(corpus, herbs, syndromes, diseases, bad)
    categories = {c for h in corpus.herbs for c in h.categories}
    for r in corpus.class_interactions:
        if r.category not in categories:
            bad(r, "category", f"no herb has category {r.category!r}")
        if r.drug_class not in classes:
            bad(r, "drug_class", f"unknown drug class {r.drug_class!r}")
    return problems


def _check_clinical(corpus: Corpus, herbs: set[str], syndromes: set[str], diseases: set[str], bad) -> None:
    """The clinical tables name known signs, syndromes, formulas, herbs and diseases; the crosswalk names GB/T
    terms with their own code; every formula reaches a coded syndrome once the crosswalk is present."""
    signs = _unique(corpus, corpus.signs, "name_zh", bad) | corpus.broken.get("signs", set())
    formulas = {f.name_zh for f in corpus.formulas} | corpus.broken.get("formulas", set())
    code = {s.name_zh: s.code for s in corpus.syndromes}
    checks = ((corpus.syndrome_signs, (("syndrome", syndromes), ("sign", signs))),
              (corpus.formula_signs, (("formula", formulas), ("sign", signs))),
              (corpus.herb_signs, (("herb", herbs), ("sign", signs))),
              (corpus.crosswalk, (("formula", formulas), ("syndrome", syndromes))),
              (corpus.families, (("base", formulas), ("variant", formulas))),
              (corpus.disease_patterns, (("disease", diseases), ("syndrome", syndromes), ("formula", formulas))))
    for rows, fields in checks:
        for r in rows:
            for fld, names in fields:
                if getattr(r, fld) not in names:
                    bad(r, fld, f"unknown {fld} {getattr(r, fld)!r}")
    for r in corpus.crosswalk:
        if r.syndrome in code and code[r.syndrome] != r.code:
            bad(r, "code", f"{r.syndrome} has code {code[r.syndrome]!r}, not {r.code!r}")
    if corpus.crosswalk:
        mapped = {r.formula for r in corpus.crosswalk}
        for f in corpus.formulas:
            if f.name_zh not in mapped:
                bad(f, "name_zh", "no crosswalk row maps this formula to a GB/T syndrome")


def _unique(corpus: Corpus, records: list, key: str, bad) -> set[str]:
    seen: set[str] = set()
    for r in records:
        v = getattr(r, key)
        if v in seen:
            bad(r, key, f"duplicate {key} {v!r}")
        seen.add(v)
    return seen


# ---------------------------------------------------------------- writing


def write_corpus(corpus: Corpus, corpora_dir: Path) -> None:
    """Write every file deterministically (the importers' output is committed and diffed)."""
    for kind, (rel, model) in FILES.items():
        path = corpora_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps(getattr(corpus, kind), model, path.suffix), encoding="utf-8")


def dumps(records: list[BaseModel], model: type[BaseModel], suffix: str) -> str:
    if suffix == ".jsonl":
        lines = [json.dumps(_sources_last(r.model_dump(mode="json", exclude_defaults=True)), ensure_ascii=False)
                 for r in records]
        return "\n".join(lines) + ("\n" if lines else "")
    if suffix == ".yaml":
        data = [r.model_dump(mode="json", exclude_none=True) for r in records]
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    buf = io.StringIO()
    cols = list(_sources_last(dict.fromkeys(model.model_fields)))
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in records:
        row = []
        for c in cols:
            v = getattr(r, c)
            if isinstance(v, list):
                v = LIST_SEP.join(v)
            row.append("" if v is None else _fmt(v))
        w.writerow(row)
    return buf.getvalue()


def _sources_last(d: dict) -> dict:
    """Name and facts first, provenance last: easier to read in a diff."""
    if "sources" in d:
        d = {**{k: v for k, v in d.items() if k != "sources"}, "sources": d["sources"]}
    return d


def _fmt(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
