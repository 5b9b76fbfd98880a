"""The clinical graph: signs of every syndrome and formula, the textbook → GB/T crosswalk, formula
families, disease patterns and herb indications, derived from the corpus and GB/T 16751.2.

- Syndrome signs come from the feature lists of the GB/T 16751.2 definitions (``临床以……为特征``:
  the signs before 伴见 are main features, weight 1.0; those after, 0.5), read through the Sign
  grammar (:mod:`tcm.reasoning.signs`) so compounds split; only the sign names enter the corpus,
  never the definition's prose. A formula's indications give signs to the formula and to the
  syndrome its textbook name maps to exactly.
- The crosswalk maps each formula's textbook syndrome names onto coded GB/T terms by name (exact,
  a GB/T synonym, or GB/T terms named inside a compound textbook name: broader), and gives every
  formula the term for the pattern class of its 方剂学 subcategory (overrides/crosswalk.yaml).
- Families: a formula that holds every herb of another (three herbs or more) and at most four more is
  its variant; a name that builds on the base's (桂枝加葛根汤 on 桂枝汤) says so (`named`).
- Disease patterns: a GB/T disease term that a formula's indications name (not one that is also a sign,
  such as 发热), with the syndromes that formula's textbook names map to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tcm.corpora.importers.gbt import SYNDROME_TEXT
from tcm.errors import DatasetError
from tcm.reasoning.signs import Lexicon, SignInfo
from tcm.types import (
    CrosswalkRow,
    Disease,
    DiseasePattern,
    Formula,
    FormulaFamily,
    FormulaSign,
    Herb,
    HerbSign,
    Sign,
    Syndrome,
    SyndromeSign,
)

GBT = "gbt-16751.2"
GBT_D = "gbt-16751.1-2023"
TABLE = "fangjixue"
_FEATURES = re.compile(r"临床以(.+?)为特征")
_ACCOMPANY = re.compile(r"或伴见|可伴见|伴见|并见|兼见")
_NAME_SPLIT = re.compile(r"[，,、；;]")
_PATTERN_WORDS = re.compile(r"不足|亏|虚弱|[阴阳气血]虚|血少|不固|不和|不调|失调|内阻|内停|内蕴|壅盛|"
                            r"下注|上扰|内扰|互结|两虚|虚寒|虚热|瘀阻|郁结|所致|属")
_FORM_SUFFIX = re.compile(r"(汤|散|丸|饮|丹|膏|煎|饮子|子)$")


@dataclass
class ClinicalImport:
    signs: list[Sign]
    syndrome_signs: list[SyndromeSign]
    formula_signs: list[FormulaSign]
    herb_signs: list[HerbSign]
    crosswalk: list[CrosswalkRow]
    families: list[FormulaFamily]
    disease_patterns: list[DiseasePattern]
    report: list[str] = field(default_factory=list)


def load_lexicon_entries(path: Path) -> list[SignInfo]:
    """The curated symptom wordings (overrides/signs.yaml)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [SignInfo(name, "symptom", (v.get("en") or [None])[0], tuple(v.get("zh") or ()),
                     tuple(v.get("en") or ())) for name, v in data.items()]


def read_features(text: str) -> dict[str, tuple[str, str]]:
    """GB/T 16751.2 clause number → (main features, accompanying features), as sign lists read them."""
    lines = [ln.strip() for ln in text.splitlines()]
    out: dict[str, tuple[str, str]] = {}
    number, buf = None, []

    def flush() -> None:
        if number and (m := _FEATURES.search("".join(buf))):
            parts = _ACCOMPANY.split(m.group(1), maxsplit=1)
            out[number] = (parts[0], parts[1] if len(parts) > 1 else "")

    for line in lines:
        if re.fullmatch(r"\d+(?:\.\d+)+", line):
            flush()
            number, buf = line, []
        elif number:
            buf.append(line)
    flush()
    return out


def import_clinical(datasets_dir: Path, overrides: Path, formulas: list[Formula], syndromes: list[Syndrome],
                    diseases: list[Disease], herbs: list[Herb]) -> ClinicalImport:
    path = Path(datasets_dir) / SYNDROME_TEXT
    if not path.exists():
        raise DatasetError(f"{path}: not found")
    report: list[str] = []
    curated = load_lexicon_entries(overrides / "signs.yaml")
    lex = Lexicon.build(curated)
    sign_sources: dict[str, set[str]] = {s.name: {"curated"} for s in curated}

    # ---- syndrome signs from the GB/T definitions
    features = read_features(path.read_text(encoding="utf-8"))
    by_number = {s.term_number: s for s in syndromes if s.term_number and s.code}
    ss: dict[tuple[str, str], SyndromeSign] = {}
    for number, (main, extra) in features.items():
        syn = by_number.get(number)
        if syn is None:
            continue
        for part, weight, key in ((main, 1.0, True), (extra, 0.5, False)):
            for sign in lex.split_phrase(part):
                if (syn.name_zh, sign) not in ss:
                    ss[(syn.name_zh, sign)] = SyndromeSign(syndrome=syn.name_zh, sign=sign, weight=weight, key=key,
                                                           sources=[GBT])
                    sign_sources.setdefault(sign, set()).add(GBT)
    report.append(f"clinical: {len({k[0] for k in ss})} GB/T syndromes have signs from their definitions")

    # ---- the crosswalk
    coded = {s.name_zh: s for s in syndromes if s.code}
    synonym = {}
    for s in coded.values():
        for n in s.synonyms:
            synonym.setdefault(n, s.name_zh)
    textbook_terms = {s.name_zh for s in syndromes if not s.code}
    cw_data = yaml.safe_load((overrides / "crosswalk.yaml").read_text(encoding="utf-8")) or {}
    rows: list[CrosswalkRow] = []

    def add(f: Formula, text: str, name: str, kind: str, via: str, sources: list[str]) -> None:
        if any(r.formula == f.name_zh and r.syndrome == name for r in rows):
            return
        rows.append(CrosswalkRow(formula=f.name_zh, textbook_name=text, syndrome=name, code=coded[name].code,
                                 kind=kind, via=via, sources=sources))

    formula_names: dict[str, list[str]] = {}
    for f in formulas:
        names = list(f.syndromes) + [s for s in f.symptoms if _as_syndrome(s, coded, synonym) or _pattern(s, lex)]
        formula_names[f.name_zh] = names
        for t in names:
            for name, kind in _match_name(t, coded, synonym):
                add(f, t, name, kind, "name", [TABLE, GBT])
        entry = dict((cw_data.get("formulas") or {}).get(f.name_zh) or {})
        cited = list(entry.pop("sources", []))
        named = "、".join(f.syndromes) or f.name_zh
        curated_rows = [(name, kind, "curated", named, cited) for kind, names in entry.items() for name in names]
        curated_rows += [(name, "broader", "subcategory", f.subcategory or f.category, [])
                         for name in (cw_data.get("by_subcategory") or {}).get(f.subcategory or "", [])]
        for name, kind, via, label, extra in curated_rows:
            if name not in coded:
                raise DatasetError(f"overrides/crosswalk.yaml: {name!r} is not a coded GB/T syndrome")
            add(f, label, name, kind, via, [TABLE, *extra, GBT, "curated"])
    unmapped = [f.name_zh for f in formulas if not any(r.formula == f.name_zh for r in rows)]
    if unmapped:
        report.append(f"clinical: formulas with no GB/T syndrome: {', '.join(unmapped)}")

    # ---- formula signs; the textbook syndrome (and the GB/T term it equals) gets them too
    fs: list[FormulaSign] = []
    for f in formulas:
        signs: list[str] = []
        for phrase in f.symptoms:
            if _as_syndrome(phrase, coded, synonym) or phrase in textbook_terms or _pattern(phrase, lex):
                continue
            signs += [s for s in lex.split_phrase(phrase) if s not in signs]
        for s in signs:
            fs.append(FormulaSign(formula=f.name_zh, sign=s, sources=[TABLE]))
            sign_sources.setdefault(s, set()).add(TABLE)
        exact = [r.syndrome for r in rows if r.formula == f.name_zh and r.kind in ("exact", "synonym")]
        for target in exact + [t for t in f.syndromes if t in textbook_terms]:
            for s in signs:
                if (target, s) not in ss:
                    ss[(target, s)] = SyndromeSign(syndrome=target, sign=s, weight=1.0, key=True, sources=[TABLE])

    # ---- herbs: the pharmacopoeia's indications, where they name a sign the vocabulary already has
    hs: list[HerbSign] = []
    known = set(sign_sources)
    for h in herbs:
        seen: set[str] = set()
        for phrase in h.indications:
            for s in lex.split_phrase(phrase):
                if s in known and s not in seen:
                    seen.add(s)
                    hs.append(HerbSign(herb=h.name_zh, sign=s, sources=[src for src in h.sources if src == "chp-2010"]
                                       or h.sources[:1]))

    # ---- the vocabulary
    signs = []
    for name in sorted(sign_sources, key=lambda n: (lex.signs[n].kind if n in lex.signs else "symptom", n)):
        info = lex.signs.get(name)
        kind = info.kind if info else "symptom"
        srcs = sorted(sign_sources[name] | ({"curated"} if info and info.kind != "symptom" else set()))
        signs.append(Sign(name_zh=name, kind=kind, name_en=info.name_en if info else None,
                          synonyms=list(info.synonyms) if info else [], english=list(info.english) if info else [],
                          sources=srcs))

    families = _families(formulas, herbs)
    curated_forms = {form for s in curated for form in (s.name, *s.synonyms)}
    patterns = _disease_patterns(formulas, diseases, rows, curated_forms)
    report.append(f"clinical: {len(signs)} signs, {len(ss)} syndrome–sign rows, {len(fs)} formula–sign rows, "
                  f"{len(rows)} crosswalk rows, {len(families)} family rows, {len(patterns)} disease patterns")
    return ClinicalImport(signs, sorted(ss.values(), key=lambda r: (r.syndrome, r.sign)), fs, hs, rows,
                          families, patterns, report)


def _pattern(text: str, lex: Lexicon) -> bool:
    """An indication phrase that names a pattern (心肾不足, 阴亏血少, 湿热下注), not a sign: pattern words,
    and no sign of the vocabulary's curated part in it."""
    if not _PATTERN_WORDS.search(text):
        return False
    found, _ = lex._scan_zh(text)
    return not found


def _as_syndrome(text: str, coded: dict, synonym: dict) -> bool:
    """Whether an indication phrase is a syndrome name (肝肾阴虚 = 肝肾阴虚证) rather than a sign."""
    t = text.strip()
    return any(c in coded or c in synonym for c in (t, t + "证")) and len(t) >= 3


def _match_name(text: str, coded: dict, synonym: dict) -> list[tuple[str, str]]:
    """GB/T terms a textbook syndrome name maps to, with the kind of each mapping."""
    t = text.strip()
    for cand in (t, t + "证", t.removesuffix("证") + "证"):
        if cand in coded:
            return [(cand, "exact")]
        if cand in synonym:
            return [(synonym[cand], "synonym")]
    out: list[tuple[str, str]] = []
    for part in _NAME_SPLIT.split(t):
        part = part.strip().removesuffix("证")
        if len(part) < 2:
            continue
        for cand in (part + "证", part):
            if cand in coded and cand != t:
                out.append((cand, "broader"))
                break
            if cand in synonym:
                out.append((synonym[cand], "broader"))
                break
        else:  # GB/T terms named inside the part, longest first, not overlapping
            core = part
            for name in sorted(coded, key=len, reverse=True):
                stem = name.removesuffix("证")
                if len(stem) >= 2 and stem in core and not name.endswith("类"):
                    out.append((name, "broader"))
                    core = core.replace(stem, "　")
    return list(dict.fromkeys(out))


def _root(name: str, parents: dict[str, str | None]) -> str:
    seen = set()
    while parents.get(name) and name not in seen:
        seen.add(name)
        name = parents[name]  # type: ignore[assignment]
    return name


def _families(formulas: list[Formula], herbs: list[Herb]) -> list[FormulaFamily]:
    parents = {h.name_zh: h.form_of for h in herbs}
    sets = {f.name_zh: {_root(i.herb, parents) for i in f.composition} for f in formulas}
    out = []
    for base in formulas:
        a = sets[base.name_zh]
        if len(a) < 3:
            continue
        stem = _FORM_SUFFIX.sub("", base.name_zh)
        for var in formulas:
            b = sets[var.name_zh]
            if var.name_zh == base.name_zh or not a < b or len(b - a) > 4:
                continue
            named = len(stem) >= 2 and var.name_zh.startswith(stem)
            out.append(FormulaFamily(base=base.name_zh, variant=var.name_zh,
                                     relation="named" if named else "composition",
                                     added=sorted(b - a), sources=[TABLE]))
    return sorted(out, key=lambda r: (r.base, r.variant))


def _disease_patterns(formulas: list[Formula], diseases: list[Disease], rows: list[CrosswalkRow],
                      signs: set[str]) -> list[DiseasePattern]:
    terms = {d.name_zh: d.name_zh for d in diseases if d.code and not d.code.endswith(".")}
    for d in diseases:
        if d.code and not d.code.endswith("."):
            for s in d.synonyms:
                terms.setdefault(s, d.name_zh)
    for s in signs:  # a disease term that is also a sign (发热, 便血, 健忘) names no pattern
        terms.pop(s, None)
    out: dict[tuple[str, str, str], DiseasePattern] = {}
    for f in formulas:
        mapped = [r.syndrome for r in rows if r.formula == f.name_zh and r.via == "name"]
        phrases = list(f.symptoms) + [p for t in f.syndromes for p in re.split(r"[，,或]", t)]
        for p in phrases:
            p = p.strip()
            if len(p) >= 2 and p in terms:
                for s in mapped:
                    out[(terms[p], s, f.name_zh)] = DiseasePattern(disease=terms[p], syndrome=s, formula=f.name_zh,
                                                                   sources=[TABLE, GBT_D])
    return [out[k] for k in sorted(out)]
