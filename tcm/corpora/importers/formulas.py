"""方剂学 syllabus formula table → Formula, Syndrome, Symptom and Source records.

The table (``classical_formulas.xlsx``, sheet ``SourceData``) is hand-typed: compositions mix
full- and half-width brackets, lose commas (``羌活（3g）防风（3g）``), split a character in two
(``火单，桃仁`` for 燀桃仁), glue doses to names (``桑叶三钱``), write ``各等分`` once for several
herbs, and annotate pinyin (``芫（yuan）花``). This module reads what the table says, keeps
the original wording where it is not a plain gram value, and leaves judgement to curated
overrides: English names, 君臣佐使 roles and corrections in ``corpora/overrides/formulas.yaml``,
herb name mapping in ``corpora/overrides/herb_aliases.yaml``. Nothing is guessed; anything
it cannot settle is listed in the import's ``report`` or ``unresolved``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pypinyin import Style, lazy_pinyin

from tcm.corpora.importers.gbt import import_gbt, name_index
from tcm.errors import CorpusError, DatasetError
from tcm.names.doses import parse_dose, split_trailing_dose
from tcm.names.forms import strip_processing, to_pinyin, to_traditional
from tcm.resources import resource_dir
from tcm.types import Formula, Ingredient, Source, Symptom, Syndrome

__all__ = [
    "FORMULA_FILE",
    "FormulaImport",
    "ParsedIngredient",
    "default_resolver",
    "formula_pinyin",
    "import_formulas",
    "load_formula_overrides",
    "load_herb_aliases",
    "parse_composition",
    "parse_formula_name",
    "parse_sources",
    "split_functions",
    "split_indications",
]

FORMULA_FILE = Path("formulas") / "classical_formulas.xlsx"
SHEET = "SourceData"
CHECK_SHEET = "经方"
SOURCE_ID = "fangjixue"
ROLES_SOURCE_ID = "fangjixue-textbook-roles"
ENGLISH_SOURCE_ID = "wiseman-feng-1998"  # the English formula names of overrides/formulas.yaml english_aliases
CURATED = "curated"
DEFAULT_OVERRIDES = resource_dir("corpora") / "overrides" / "formulas.yaml"
DEFAULT_ALIASES = resource_dir("corpora") / "overrides" / "herb_aliases.yaml"

Resolver = Callable[[str, str], "str | None"]
_ROLES = {"君": "君", "臣": "臣", "佐": "佐", "使": "使", "佐使": "使"}
_CJK = re.compile(r"[\u4e00-\u9fff]")


# ------------------------------------------------------------------ results


@dataclass
class FormulaImport:
    """Everything the formula table yields, plus what needs a person's attention."""

    formulas: list[Formula]
    syndromes: list[Syndrome]
    symptoms: list[Symptom]
    sources: list[Source]
    unresolved: dict[str, list[str]]
    aliases: dict[str, list[str]] = field(default_factory=dict)  # formula name → other names the table gives
    report: list[str] = field(default_factory=list)


@dataclass
class ParsedIngredient:
    """One composition entry as written: name, the name to look up, dose texts, notes."""

    as_written: str
    lookup: str
    doses: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    each: bool = False  # the dose was written 各… and applies to undosed herbs before it


# ------------------------------------------------------------------ text parsing


def parse_formula_name(text: str) -> tuple[str, list[str]]:
    """``麻子仁丸（又名：脾约麻仁丸、脾约丸）`` → (``麻子仁丸``, [``脾约麻仁丸``, ``脾约丸``])."""
    text = re.sub(r"\s+", "", text)
    m = re.fullmatch(r"([^（(]+)(?:[（(](.+)[）)])?", text)
    if not m:
        return text, []
    alt = re.sub(r"^(?:又名|原名|简称|亦名|别名)[：:]?", "", m.group(2) or "")
    return m.group(1), [a for a in re.split(r"[、，,；;]", alt) if a]


def parse_sources(text: str) -> tuple[list[tuple[str, str | None]], str | None]:
    """Books named in 方药来源: ([(《title》, note)], display text).

    ``《伤寒论》（汉•张仲景）`` → ([(《伤寒论》, 汉•张仲景)], 《伤寒论》);
    ``《医部全录》引《体仁汇编》`` names both books.
    """
    text = re.sub(r"\s+", "", text or "")
    if not text:
        return [], None
    books = []
    for m in re.finditer(r"(《[^》]+》)(?:[（(]([^）)]+)[）)])?", text):
        books.append((m.group(1), m.group(2)))
    display = re.sub(r"[（(][^）)]*[）)]", "", text)
    display = re.sub(r"》卷.*$", "》", display)
    return books, display or None


def split_functions(text: str) -> list[str]:
    """功用 → short terms: ``发汗解表，宣肺平喘`` → [``发汗解表``, ``宣肺平喘``]."""
    return _unique(t.strip("。. ") for t in re.split(r"[，,、；;\s]+", text or "") if t.strip("。. "))


_LEAD = (
    "症见",
    "伴见",
    "兼见",
    "或见",
    "或伴",
    "甚或",
    "甚则",
    "甚至",
    "以及",
    "亦治",
    "并治",
    "或",
    "及",
    "兼",
    "并",
    "伴",
    "治",
)
_TRAIL = ("等证", "等症", "等", "者")
_MAX_SYMPTOM = 12
_MAX_SYNDROME = 24


def _clean_symptom(term: str) -> str:
    changed = True
    while changed and term:
        changed = False
        for p in _LEAD:
            if term.startswith(p) and len(term) > len(p):
                term, changed = term[len(p) :], True
        for s in _TRAIL:
            if term.endswith(s) and len(term) > len(s):
                term, changed = term[: -len(s)], True
    return term


def split_indications(text: str) -> tuple[list[str], list[str]]:
    """主治 → (syndrome terms, symptom terms).

    A sentence (up to 。) that ends in 证 names a syndrome (``外感风寒表实证``; rows may name
    two). A sentence whose first clause ends in 证 gives that clause as a syndrome and the
    rest as symptoms. A 证 sentence longer than 24 characters is narrative, not a name, and is
    read as symptoms. Other clauses, split on ，、；, are symptoms; connectives (或, 甚则, 症见)
    and trailing 者/等 are trimmed, and narrative clauses longer than 12 characters, or that
    mention 证, are not symptoms and are dropped. Modern-use notes (现用于…) are dropped.
    """
    syndromes: list[str] = []
    symptoms: list[str] = []
    for sentence in re.split(r"[。]", re.sub(r"\s+", "", text or "")):
        s = sentence.split("现用于")[0].strip("，,；;、 ")
        if not s:
            continue
        if s.endswith("证") and len(s) <= _MAX_SYNDROME:
            syndromes.append(s)
            continue
        clauses = [c for c in re.split(r"[，,；;]", s) if c]
        if clauses and clauses[0].endswith("证") and len(clauses) > 1:
            syndromes.append(clauses[0])
            clauses = clauses[1:]
        for clause in clauses:
            for term in re.split(r"[、]", clause):
                term = _clean_symptom(term.strip())
                if len(term) >= 2 and len(term) <= _MAX_SYMPTOM and "证" not in term:
                    symptoms.append(term)
    syndromes = _unique(syndromes)
    return syndromes, [s for s in _unique(symptoms) if s not in syndromes]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


_PINYIN_NOTE = re.compile(r"[（(\[［]\s*[A-Za-z]+\s*[)）\]］]")
_SUBSTITUTE = re.compile(r"^(?P<orig>[^\[［]+)[\[［](?P<sub>[^\]］]+?)代[\]］]$")
_NAME_SUFFIX = ("擘",)


def _tokens(text: str) -> list[str]:
    """Split a composition at top-level commas, and after a closing bracket glued to the next name."""
    s = text.replace("(", "（").replace(")", "）").replace(",", "，")
    out, buf, depth = [], "", 0
    for i, ch in enumerate(s):
        if ch == "（":
            depth += 1
            buf += ch
        elif ch == "）":
            if depth == 0:  # stray bracket: 冬瓜仁30g）
                continue
            depth -= 1
            buf += ch
            nxt = s[i + 1] if i + 1 < len(s) else ""
            if depth == 0 and _CJK.match(nxt) and nxt != "各":  # 苦楝根（去浮皮）各1.5千克 is one entry
                out.append(buf)
                buf = ""
        elif ch in "，、；;" and depth == 0:
            out.append(buf)
            buf = ""
        else:
            buf += ch
    out.append(buf)
    return [t.strip() for t in out if t.strip()]


def _parse_entry(tok: str) -> tuple[str, list[str], list[str], bool]:
    """One composition entry → (name, dose texts, notes, each).

    Doses may sit in brackets (``（炒，30g）``), be glued to the name (``桑叶三钱``) or follow
    the brackets (``胡粉（炒）1.5千克``); bracket parts that are not doses are notes (炒, 去皮尖).
    """
    head = tok.split("（", 1)[0].strip()
    groups = re.findall(r"（([^（）]*)）", tok)
    tail = tok.rsplit("）", 1)[1].strip() if "）" in tok else ""
    name, dose, each = split_trailing_dose(head)
    doses = [dose] if dose else []
    notes: list[str] = []
    if name.endswith("各"):  # 硼砂各（3克）
        name, each = name[:-1], True
    for part in (p.strip() for g in groups for p in re.split(r"[，,]", g)):
        if part.startswith("各"):
            each, part = True, part[1:]
        if part:
            (doses if (parse_dose(part).unit or part == "等分") else notes).append(part)
    if tail:
        _, tail_dose, tail_each = split_trailing_dose("x" + tail)  # x stands in for the name
        each |= tail_each
        doses += [tail_dose] if tail_dose else []
    for suffix in _NAME_SUFFIX:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name, doses, notes, each


def parse_composition(text: str) -> list[ParsedIngredient]:
    """Parse a 中药组成 cell into entries; doses stay text (see :mod:`tcm.names.doses`)."""
    items: list[ParsedIngredient] = []
    prefix = ""
    for tok in _tokens(_PINYIN_NOTE.sub("", text or "")):
        name, doses, notes, each = _parse_entry(tok)
        if name == "火单":  # 燀 (blanched) split into two characters and a comma by the typist
            prefix = "燀"
            continue
        if not name:  # （各3g） after a comma belongs to the entry before
            if items:
                items[-1].doses += doses
                items[-1].notes += notes
                items[-1].each |= each
            continue
        name, prefix = prefix + name, ""
        m = _SUBSTITUTE.match(name)  # 犀角[水牛角代]: the table itself names the substitute
        items.append(ParsedIngredient(name, m.group("sub") if m else name, doses, notes, each))
    _spread_each(items)
    return items


def _spread_each(items: list[ParsedIngredient]) -> None:
    """各3g / 各等分 applies to the entry and to the undosed entries right before it."""
    for i, item in enumerate(items):
        if not item.each or not item.doses:
            continue
        j = i - 1
        while j >= 0 and not items[j].doses:
            items[j].doses = list(item.doses)
            j -= 1


# ------------------------------------------------------------------ names


def formula_pinyin(name: str, fixes: Mapping[str, str] | None = None) -> str:
    """Tone-marked pinyin with spaces; ``fixes`` maps words or characters to readings pypinyin
    gets wrong in formula names (散 sǎn, 参 shēn, 射干 shè gān …). Longest fix wins."""
    fixes = fixes or {}
    keys = sorted(fixes, key=len, reverse=True)
    out: list[str] = []
    buf = ""
    i = 0
    while i < len(name):
        hit = next((k for k in keys if name.startswith(k, i)), None)
        if hit is None:
            buf += name[i]
            i += 1
            continue
        if buf:
            out.append(to_pinyin(buf).pinyin)
            buf = ""
        out.append(fixes[hit])
        i += len(hit)
    if buf:
        out.append(to_pinyin(buf).pinyin)
    return " ".join(p for p in out if p)


# Book titles whose pypinyin reading is wrong (重订 "re-edited" is chóng dìng; 重楼 "throat" chóng lóu).
_TITLE_READINGS = {"重订": "chong ding", "重楼": "chong lou"}


def _slug(title: str) -> str:
    """Source id part for a book title: 《伤寒论》 → ``shang-han-lun``."""
    text = title.strip("《》")
    parts: list[str] = []
    for chunk in re.split("(" + "|".join(_TITLE_READINGS) + ")", text):
        fixed = _TITLE_READINGS.get(chunk)
        parts += fixed.split() if fixed else lazy_pinyin(chunk, style=Style.NORMAL)
    return "-".join(p for p in parts if p).replace("ü", "v")


# ------------------------------------------------------------------ herb resolution

def load_herb_aliases(path: Path = DEFAULT_ALIASES) -> dict:
    """herb_aliases.yaml as a dict: {"global": {name: entry}, "per_formula": {formula: {name: entry}}}."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as e:
        raise CorpusError(str(path), None, None, f"cannot read: {e}") from e
    for section in ("global", "per_formula", "ambiguous"):
        if not isinstance(data.get(section, {}), dict):
            raise CorpusError(str(path), None, section, "must be a mapping")
    for name, entry in data.get("global", {}).items():
        _check_alias(path, name, entry)
    for name, entry in data.get("ambiguous", {}).items():
        herbs = entry.get("herbs") if isinstance(entry, dict) else None
        if not isinstance(herbs, list) or len(herbs) < 2 or not entry.get("sources") or not entry.get("why"):
            raise CorpusError(str(path), None, f"ambiguous/{name}", "needs `herbs` (two or more), `sources` and `why`")
    for formula, entries in data.get("per_formula", {}).items():
        for name, entry in (entries or {}).items():
            _check_alias(path, f"{formula}/{name}", entry)
    return data


def _check_alias(path: Path, name: str, entry: object) -> None:
    if not isinstance(entry, dict) or not entry.get("herb") or not entry.get("sources"):
        raise CorpusError(str(path), None, name, "each alias needs `herb` and `sources`")


def _target(entry: object) -> str:
    return entry["herb"] if isinstance(entry, dict) else str(entry)


def default_resolver(
    herb_names: set[str], aliases: Mapping | None = None, forms: Mapping[str, str] | None = None
) -> Resolver:
    """A resolver for :func:`import_formulas`: per-formula alias, global alias, exact name,
    a known processed form (``forms``: 酒萸肉 → 山茱萸), then the name without a processing
    mark (盐黄柏 → 黄柏, 黄芩片 → 黄芩). Alias targets are resolved the same way."""
    aliases = aliases or {}
    glob = {k: _target(v) for k, v in (aliases.get("global") or {}).items()}
    per = {
        f: {k: _target(v) for k, v in (m or {}).items()}
        for f, m in (aliases.get("per_formula") or {}).items()
    }
    forms = dict(forms or {})

    def resolve(name: str, formula: str, depth: int = 0) -> str | None:
        if depth > 4 or not name:
            return None
        if name in per.get(formula, {}):
            return (
                resolve(per[formula][name], formula, depth + 1)
                if per[formula][name] != name
                else (name if name in herb_names else None)
            )
        if name in herb_names:
            return name
        if name in glob and glob[name] != name:
            return resolve(glob[name], formula, depth + 1)
        if name in forms:
            return resolve(forms[name], formula, depth + 1)
        for base in strip_processing(name):
            if hit := resolve(base, formula, depth + 1):
                return hit
        return None

    return lambda name, formula: resolve(name, formula)


# ------------------------------------------------------------------ overrides


_CORRECTIONS = {"name_zh", "category", "subcategory", "classical_source", "composition", "functions",
                "syndromes", "symptoms", "pinyin", "dose_basis"}
_OVERRIDE_KEYS = {"name_en", "en_coined", "roles", "why", "sources"} | _CORRECTIONS


def load_formula_overrides(path: Path | None = DEFAULT_OVERRIDES) -> dict:
    """formulas.yaml: per-formula English names, roles, corrections; pinyin fixes; syndrome links.

    Unknown keys, unknown roles and corrections without a ``why`` are errors, so a typo in a
    curated file cannot pass silently."""
    if path is None:
        return {}
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise CorpusError(str(path), None, None, f"cannot read: {e}") from e
    for name, entry in (data.get("formulas") or {}).items():
        entry = entry or {}
        if unknown := set(entry) - _OVERRIDE_KEYS:
            raise CorpusError(str(path), None, f"formulas/{name}", f"unknown key(s) {sorted(unknown)}")
        if set(entry) & _CORRECTIONS and not entry.get("why"):
            raise CorpusError(str(path), None, f"formulas/{name}", "a correction needs a `why`")
        for herb, role in (entry.get("roles") or {}).items():
            if role not in _ROLES:
                raise CorpusError(str(path), None, f"formulas/{name}/roles/{herb}", f"unknown role {role!r}")
    for name, entry in (data.get("extra_formulas") or {}).items():
        if not (entry or {}).get("why") or not entry.get("composition_text"):
            raise CorpusError(str(path), None, f"extra_formulas/{name}", "needs `why` and `composition_text`")
    return data


# ------------------------------------------------------------------ reading the table


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    return "" if text.lower() == "nan" else text


def _read_rows(path: Path, sheet: str) -> list[dict[str, str]]:
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover
        raise DatasetError(
            "reading the formula table needs pandas and openpyxl (pip install 'tcm[import]')"
        ) from e
    if not path.exists():
        raise DatasetError(f"{path}: not found")
    try:
        df = pd.read_excel(path, sheet_name=sheet, dtype=str)
    except ValueError as e:
        raise DatasetError(f"{path}: no sheet {sheet!r}") from e
    need = ["方剂名称", "大类", "小类", "功用", "主治", "方药来源", "中药组成"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DatasetError(f"{path} [{sheet}]: missing columns {missing}")
    return [{c: _cell(rec[c]) for c in need} | {"row": str(i + 2)} for i, rec in df.iterrows()]


def _ingredient_dose(doses: list[str]) -> tuple[float | None, str | None]:
    """(dose_g, dose_text): grams from a gram value when there is one, else from classical units;
    dose_text keeps every dose that is not a single plain gram value (ranges, 钱, 枚, 等分)."""
    parsed = [parse_dose(d) for d in doses]
    weighed = sorted(
        (i for i, p in enumerate(parsed) if p.grams is not None),
        key=lambda i: parsed[i].unit not in ("g", "mg", "kg"),
    )
    best = weighed[0] if weighed else None
    grams = parsed[best].grams if best is not None else None
    keep = [p.text for i, p in enumerate(parsed) if not (i == best and p.unit == "g" and not p.is_range)]
    return grams, ("，".join(keep) or None)


def _composition(
    row: dict[str, str],
    name: str,
    resolve: Resolver,
    override: dict,
    unresolved: dict[str, set[str]],
    report: list[str],
) -> list[Ingredient]:
    """Ingredients of one formula: canonical herb, grams and dose text, curated role."""
    roles = {k: _ROLES[v] for k, v in (override.get("roles") or {}).items()}
    used_roles: set[str] = set()
    out: list[Ingredient] = []
    for item in parse_composition(row["中药组成"]):
        herb = resolve(item.lookup, name)
        as_written = item.as_written
        for note in item.notes:  # 甘草（炙）is 炙甘草, a monograph of its own; 厚朴（炙）stays 厚朴
            if re.fullmatch(r"[蜜]?[炙煅炒]", note) and herb:
                processed = resolve(note[-1] + item.lookup, name)
                if processed and processed != herb and processed == note[-1] + item.lookup:
                    herb, as_written = processed, f"{item.as_written}（{note}）"
        if herb is None:
            unresolved[item.lookup].add(name)
            herb = item.lookup
        grams, text = _ingredient_dose(item.doses)
        if row.get("classical_units"):
            grams, text = None, "，".join(item.doses) or None
        key = next((k for k in (as_written, item.as_written, item.lookup, herb) if k in roles), None)
        role = roles[key] if key else None
        if key:
            used_roles.add(key)
        if any(i.herb == herb for i in out):
            report.append(f"{name}: {as_written} resolves to {herb}, already in the composition; dropped")
            continue
        out.append(Ingredient(herb=herb, as_written=as_written, dose_g=grams, dose_text=text, role=role))
    for key in sorted(set(roles) - used_roles):
        report.append(f"{name}: role for {key} names no herb of the composition")
    return out


def import_formulas(
    datasets_dir: Path,
    resolve_herb: Resolver,
    *,
    overrides: Path | None = DEFAULT_OVERRIDES,
    gbt_syndromes: Iterable[Syndrome] | None = None,
) -> FormulaImport:
    """Read the formula table. ``resolve_herb(name_as_written, formula_name_zh)`` gives the
    canonical herb name or None; unresolved names are kept as written (and listed) so the
    lead sees them. Formula syndromes are linked to GB/T terms (``gbt_syndromes``, read from
    ``datasets_dir`` when not given) by exact name, synonym or the curated ``syndrome_links``;
    the rest become Syndrome records of their own (source ``fangjixue``, no code)."""
    datasets_dir = Path(datasets_dir)
    path = datasets_dir / FORMULA_FILE
    ov = load_formula_overrides(overrides)
    per = ov.get("formulas") or {}
    pinyin_fixes = ov.get("pinyin_fixes") or {}
    title_fixes = ov.get("source_title_fixes") or {}
    links = ov.get("syndrome_links") or {}
    english = ov.get("english_aliases") or {}
    if gbt_syndromes is None:
        gbt_syndromes = import_gbt(datasets_dir).syndromes
    gbt_index = name_index(gbt_syndromes)

    report: list[str] = []
    rows = _read_rows(path, SHEET)
    _cross_check(rows, _read_rows(path, CHECK_SHEET), report)
    rows += [_extra_row(name, e) for name, e in sorted((ov.get("extra_formulas") or {}).items())]

    formulas: dict[str, Formula] = {}
    aliases: dict[str, list[str]] = {}
    books: dict[str, Counter] = defaultdict(Counter)
    unresolved: dict[str, set[str]] = defaultdict(set)
    own_syndromes: set[str] = set()
    symptoms: set[str] = set()
    blank = 0
    used: set[str] = set()
    for row in rows:
        if not row["方剂名称"] or not row["中药组成"]:
            blank += 1
            continue
        raw_name, alts = parse_formula_name(row["方剂名称"])
        o = per.get(raw_name) or {}
        used.add(raw_name)
        name = o.get("name_zh", raw_name)
        if name != raw_name:
            report.append(
                f"row {row['row']}: name {raw_name} corrected to {name} ({o.get('why', 'curated')})"
            )
            alts = [raw_name, *alts]
        if name in formulas:
            report.append(f"row {row['row']}: {name} listed again; kept the first row")
            continue
        if o.get("composition"):
            row = {**row, "中药组成": o["composition"]}
            report.append(f"{name}: composition replaced by the curated one ({o.get('why', '')})")
        comp = _composition(row, name, resolve_herb, o, unresolved, report)
        syn_terms, sym_terms = split_indications(row["主治"])
        syn_terms = o["syndromes"] if "syndromes" in o else syn_terms
        sym_terms = o["symptoms"] if "symptoms" in o else sym_terms
        symptoms.update(sym_terms)
        linked = []
        for term in syn_terms:
            target = links.get(term) or gbt_index.get(term)
            if target is None:
                own_syndromes.add(term)
            linked.append(target or term)
        book_ids, display = _books(o.get("classical_source") or row["方药来源"], title_fixes, books)
        sources = [*(row.get("sources") or [SOURCE_ID]), *book_ids, CURATED, *(o.get("sources") or [])]
        sources += [ROLES_SOURCE_ID] if any(i.role for i in comp) else []
        if other_en := [a for a in english.get(name, []) if a != o.get("name_en")]:
            alts = [*alts, *other_en]  # the same formula under another translation standard's name
            sources.append(ENGLISH_SOURCE_ID)
        if not o.get("name_en"):
            report.append(f"{name}: no English name in the overrides")
        formulas[name] = Formula(
            name_zh=name,
            name_zh_hant=to_traditional(name),
            pinyin=o.get("pinyin") or formula_pinyin(name, pinyin_fixes),
            name_en=o.get("name_en"),
            category=o.get("category") or re.sub(r"方$", "剂", row["大类"]),  # 解表方 → 解表剂
            subcategory=o["subcategory"] if "subcategory" in o else (row["小类"] or None),
            functions=o["functions"] if "functions" in o else split_functions(row["功用"]),
            syndromes=_unique(linked),
            symptoms=sym_terms,
            composition=comp,
            classical_source=display,
            dose_basis=o.get("dose_basis"),
            sources=_unique(sources),
        )
        if alts:
            aliases[name] = alts
    if blank:
        report.append(f"{blank} blank row(s) skipped")
    for name in sorted(set(per) - used):
        report.append(f"overrides name {name}, which the table does not have")
    for name in sorted(set(english) - set(formulas)):
        report.append(f"english_aliases names {name}, which is not a formula")
    return FormulaImport(
        formulas=sorted(formulas.values(), key=lambda f: f.name_zh),
        syndromes=[Syndrome(name_zh=s, sources=[SOURCE_ID]) for s in sorted(own_syndromes)],
        symptoms=[Symptom(name_zh=s, sources=[SOURCE_ID]) for s in sorted(symptoms)],
        sources=_sources(books, report),
        unresolved={k: sorted(v) for k, v in sorted(unresolved.items())},
        aliases=dict(sorted(aliases.items())),
        report=report,
    )


def _books(text: str, title_fixes: Mapping[str, str],
           books: dict[str, Counter]) -> tuple[list[str], str | None]:
    """Source ids of the books a 方药来源 cell names (tallying each book's author note), and the
    cell as Formula.classical_source shows it."""
    found, display = parse_sources(text)
    ids = []
    for title, note in found:
        title = title_fixes.get(title, title)
        books[title][note] += 1
        ids.append("classic-" + _slug(title))
    for wrong, right in title_fixes.items():
        display = display.replace(wrong, right) if display else display
    return _unique(ids), display


def _extra_row(name: str, entry: dict) -> dict[str, str]:
    """A formula the table lacks under its own name, written by curation in the table's format."""
    return {
        "方剂名称": name,
        "大类": entry.get("category", ""),
        "小类": entry.get("subcategory") or "",
        "功用": "，".join(entry.get("functions") or []),
        "主治": "。".join(entry.get("indications") or []),
        "方药来源": entry.get("classical_source_text", ""),
        "中药组成": entry.get("composition_text", ""),
        "row": "extra",
        # a formula the table lacks cites its own sources (the classic), not the table
        "sources": list(entry.get("sources") or []),
        # Han-dynasty 两/升/枚 are not the modern 两: keep the text, convert nothing
        "classical_units": bool(entry.get("classical_units")),
    }


def _sources(books: dict[str, Counter], report: list[str]) -> list[Source]:
    out = []
    for title in sorted(books, key=_slug):
        notes = [n for n, _ in books[title].most_common() if n]
        if len(notes) > 1:
            report.append(f"{title}: the table gives different authors {notes}; kept {notes[0]}")
        out.append(
            Source(
                id="classic-" + _slug(title), kind="classic", title=title, note=notes[0] if notes else None
            )
        )
    return out


def _cross_check(rows: list[dict[str, str]], check: list[dict[str, str]], report: list[str]) -> None:
    by_name = {r["方剂名称"]: r for r in rows if r["方剂名称"]}
    diffs = 0
    for r in check:
        other = by_name.get(r["方剂名称"])
        if other is None:
            report.append(f"sheet {CHECK_SHEET}: {r['方剂名称']} is not in {SHEET}")
            continue
        for col in ("大类", "小类", "功用", "主治", "方药来源", "中药组成"):
            if r[col].rstrip("。") != other[col].rstrip("。"):
                diffs += 1
                report.append(f"sheet {CHECK_SHEET}: {r['方剂名称']} {col} differs from {SHEET}")
    report.append(f"sheet {CHECK_SHEET}: {len(check)} rows cross-checked, {diffs} difference(s)")
