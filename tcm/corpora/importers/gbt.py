"""National-standard syndrome and disease terms with their codes → Syndrome / Disease records.

Codes, names and synonyms come from the GB/T 15657-2021 code tables (one row per term, with
the clause number of the GB/T 16751 term in its revised numbering). The GB/T 16751 text copies
are read only for their term headings (number line, then name line), to cross-check names;
definitions are never read into the project. Category terms (codes ending in ``.``) are terms
too: they are kept, and they give narrower terms their ``parent``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tcm.errors import DatasetError
from tcm.types import Disease, Syndrome

__all__ = [
    "CODE_TABLES",
    "DISEASE_SOURCES",
    "DISEASE_TEXT",
    "SYNDROME_SOURCES",
    "SYNDROME_TEXT",
    "GbtImport",
    "fix_pua",
    "import_gbt",
    "name_index",
    "parent_code",
    "read_headings",
]

CODE_TABLES = Path("gbt") / "gbt15657_code_tables.xlsx"
SYNDROME_TEXT = Path("gbt") / "gbt16751_2_syndromes.txt"
DISEASE_TEXT = Path("gbt") / "gbt16751_1_diseases.txt"
SYNDROME_SHEET = "中医证候映射表"
DISEASE_SHEET = "中医疾病映射表"
SYNDROME_SOURCES = ["gbt-15657-2021", "gbt-16751.2"]
DISEASE_SOURCES = ["gbt-15657-2021", "gbt-16751.1-2023"]

# The code tables number clauses from 2 (their draft numbering); the published texts number
# the same terms from 3 (clause 2 is "normative references"). Only the first number differs.
_CLAUSE_OFFSET = 1
_SYN_SPLIT = re.compile(r"[；;、，,]")


@dataclass
class GbtImport:
    """Syndromes and diseases from the code tables, and what the cross-check found."""

    syndromes: list[Syndrome]
    diseases: list[Disease]
    report: list[str] = field(default_factory=list)


def fix_pua(text: str) -> str:
    """Replace GBK private-use characters with the characters GB 18030-2005 assigns them.

    Old GBK tables map the FE50–FEA0 row to U+E815–U+E864; the code tables use one of them
    (U+E81F for 㖞 in 口眼㖞斜). Characters outside that block are left alone.
    """

    def one(ch: str) -> str:
        idx = ord(ch) - 0xE815
        if not 0 <= idx < 80:
            return ch
        byte2 = 0x50 + idx if idx < 47 else 0x80 + (idx - 47)
        try:
            out = bytes([0xFE, byte2]).decode("gb18030")
        except UnicodeDecodeError:
            return ch
        return ch if 0xE000 <= ord(out) <= 0xF8FF else out

    return "".join(one(c) for c in text)


def parent_code(code: str) -> list[str]:
    """Codes that may name the broader term: ``B01.03.02.01`` → [``B01.03.02``, ``B01.03.02.``]."""
    parts = code.rstrip(".").split(".")
    if len(parts) < 2:
        return []
    stem = ".".join(parts[:-1])
    return [stem, stem + "."]


def read_headings(text: str) -> dict[str, str]:
    """Term headings of a GB/T 16751 text: clause number → the name on the next line.

    Top-level clauses are printed glued to their name (``4病因证候类术语``).
    """
    lines = [ln.strip() for ln in text.splitlines()]
    out: dict[str, str] = {}
    for i, line in enumerate(lines):
        if re.fullmatch(r"\d+(?:\.\d+)+", line) and i + 1 < len(lines):
            out.setdefault(line, lines[i + 1])
        elif m := re.fullmatch(r"(\d{1,2})([\u4e00-\u9fff]+类术语)", line):
            out.setdefault(m.group(1), m.group(2))
    return out


def _published_number(number: str) -> str:
    head, _, rest = number.partition(".")
    if not head.isdigit():
        return number
    return str(int(head) + _CLAUSE_OFFSET) + ("." + rest if rest else "")


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    return "" if text.lower() == "nan" else text


def _read_sheet(path: Path, sheet: str) -> list[dict[str, str]]:
    """Rows as {code, number, name, synonyms}; columns are found by position, as the sheets print them."""
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover - the import extra is documented
        raise DatasetError(
            "reading the GB/T code tables needs pandas and openpyxl (pip install 'tcm[import]')"
        ) from e
    if not path.exists():
        raise DatasetError(f"{path}: not found")
    try:
        df = pd.read_excel(path, sheet_name=sheet, dtype=str)
    except ValueError as e:
        raise DatasetError(f"{path}: no sheet {sheet!r}") from e
    cols = list(df.columns)
    if len(cols) < 5 or "代码" not in cols[1] or "编号" not in cols[2]:
        raise DatasetError(f"{path} [{sheet}]: unexpected columns {cols[:5]}")
    rows = []
    for rec in df.itertuples(index=False):
        code, number, name, syn = (_cell(rec[i]) for i in (1, 2, 3, 4))
        if code and name:
            rows.append({"code": code, "number": number, "name": name, "synonyms": syn})
    return rows


def _records(
    rows: list[dict[str, str]],
    headings: dict[str, str],
    model: type,
    sources: list[str],
    label: str,
    report: list[str],
) -> list:
    by_code: dict[str, str] = {}
    merged: dict[str, dict] = {}
    mismatches = 0
    for row in rows:
        name = fix_pua(row["name"])
        if name != row["name"]:
            report.append(f"{label} {row['code']}: private-use character in {row['name']!r} read as {name!r}")
        number = _published_number(row["number"]) if row["number"] else None
        heading = headings.get(number) if number else None
        if heading is None:
            report.append(f"{label} {row['code']} {name}: no heading {number} in the GB/T 16751 text")
        elif not heading.startswith(name):  # the text sometimes runs the synonym or definition on
            mismatches += 1
            report.append(
                f"{label} {row['code']} {name}: the GB/T 16751 text heading {number} reads {heading!r}"
            )
        synonyms = [
            s.strip() for s in _SYN_SPLIT.split(fix_pua(row["synonyms"])) if s.strip() and s.strip() != name
        ]
        by_code[row["code"]] = name
        if name in merged:
            prev = merged[name]
            report.append(
                f"{label} duplicate name {name}: codes {prev['code']} and {row['code']}; kept the first, "
                "merged synonyms"
            )
            prev["synonyms"] += [s for s in synonyms if s not in prev["synonyms"]]
            continue
        merged[name] = {
            "name_zh": name,
            "code": row["code"],
            "term_number": number,
            "synonyms": synonyms,
            "sources": list(sources),
        }
    missing_parents: Counter[str] = Counter()
    for rec in merged.values():
        cands = parent_code(rec["code"])
        parent = next((by_code[c] for c in cands if c in by_code), None)
        if cands and parent is None:
            missing_parents[cands[-1]] += 1
        rec["parent"] = parent
    for code, n in sorted(missing_parents.items()):
        report.append(f"{label}: no row for code {code}, so {n} term(s) under it have no parent")
    report.append(
        f"{label}: {len(merged)} terms from {len(rows)} rows; {mismatches} name(s) differ from the text"
    )
    return [model(**rec) for rec in sorted(merged.values(), key=lambda r: _code_key(r["code"]))]


def _code_key(code: str) -> tuple:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.]", code.rstrip(".")))


def _read_text(path: Path) -> str:
    if not path.exists():
        raise DatasetError(f"{path}: not found")
    return path.read_text(encoding="utf-8")


def import_gbt(datasets_dir: Path) -> GbtImport:
    """Read syndrome and disease terms; names are unique per type (duplicates are merged and reported)."""
    datasets_dir = Path(datasets_dir)
    report: list[str] = []
    tables = datasets_dir / CODE_TABLES
    syndromes = _records(
        _read_sheet(tables, SYNDROME_SHEET),
        read_headings(_read_text(datasets_dir / SYNDROME_TEXT)),
        Syndrome,
        SYNDROME_SOURCES,
        "syndrome",
        report,
    )
    diseases = _records(
        _read_sheet(tables, DISEASE_SHEET),
        read_headings(_read_text(datasets_dir / DISEASE_TEXT)),
        Disease,
        DISEASE_SOURCES,
        "disease",
        report,
    )
    return GbtImport(syndromes, diseases, report)


def name_index(terms: Iterable[Syndrome | Disease]) -> dict[str, str]:
    """Every name and synonym → the preferred name; a synonym shared by two terms maps to neither."""
    terms = list(terms)
    out: dict[str, str] = {t.name_zh: t.name_zh for t in terms}
    seen: Counter[str] = Counter(s for t in terms for s in t.synonyms if s not in out)
    for t in terms:
        for s in t.synonyms:
            if s not in out and seen[s] == 1:
                out[s] = t.name_zh
    return out
