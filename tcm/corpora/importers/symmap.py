"""SymMap v2.0 herb table: names (pinyin, Latin, English), aliases and database ids.

The pharmacopoeia text lost its Latin spacing and has no English names; SymMap has both,
keyed by the same Chinese names, so it fills those fields. It also stands in for herbs that
formulas use but the pharmacopoeia lacks (names and properties only: no dose then).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from tcm.corpora.summaries import herb_summaries
from tcm.errors import DatasetError
from tcm.names.forms import latin_letters, latin_title, to_pinyin, to_traditional
from tcm.types import FLAVOURS, MERIDIANS, Herb, Nature, Toxicity

__all__ = [
    "SYMMAP_FILE",
    "SymmapHerb",
    "load_symmap",
    "parse_properties",
    "preferred_latin",
    "symmap_herb",
    "symmap_meridians",
]

SYMMAP_FILE = Path("symmap") / "symmap_v2_herbs.xlsx"
SOURCE_ID = "symmap-2.0"

_NATURES: tuple[str, ...] = ("大寒", "寒", "微寒", "凉", "平", "微温", "温", "热", "大热")
_TOXICITY = {"有大毒": "大毒", "大毒": "大毒", "有小毒": "小毒", "小毒": "小毒", "有毒": "有毒"}
_MERIDIAN_FIX = {"心包络": "心包", "包络": "心包"}
_REQUIRED = (
    "Herb_id",
    "Chinese_name",
    "Pinyin_name",
    "Latin_name",
    "English_name",
    "Properties_Chinese",
    "Meridians_Chinese",
    "Alias",
    "TCMSP_id",
    "TCMID_id",
)


@dataclass(frozen=True)
class SymmapHerb:
    """One SymMap row, cleaned: lists split, ids as strings, blanks as None."""

    herb_id: str
    name_zh: str
    pinyin_name: str
    latin_names: tuple[str, ...]
    name_en: str | None
    properties: tuple[str, ...]
    meridians: tuple[str, ...]
    aliases: tuple[str, ...]
    tcmsp_id: str | None
    tcmid_id: str | None
    suppressed: bool = False
    link_herb_id: str | None = None
    external_ids: dict[str, str] = field(default_factory=dict)
    categories: tuple[str, ...] = ()  # 中药学 classes, e.g. 活血祛瘀药


def _cell(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text or text.lower() in {"nan", "none"}:
        return None
    return re.sub(r"\.0$", "", text) if re.fullmatch(r"\d+\.0", text) else text


def _split(value: str | None, seps: str = ",，;；、") -> tuple[str, ...]:
    if not value:
        return ()
    parts = re.split(f"[{re.escape(seps)}]", value)
    return tuple(p.strip() for p in parts if p.strip())


def _latin(value: str | None) -> tuple[str, ...]:
    """'Aconiti Radix,Radix Aconiti' → both, normalised to 'Aconiti Radix' casing (et/cum lower)."""
    if not value:
        return ()
    names = []
    value = unicodedata.normalize("NFKC", value)  # roman-numeral 'Ⅴ' typed for V
    for part in re.split(r"[,;，；]", value.replace("\n", " ")):
        words = part.split()
        if words:
            names.append(latin_title(words))
    return tuple(dict.fromkeys(names))


_ORGANS = {
    "radix",
    "rhizoma",
    "fructus",
    "semen",
    "herba",
    "folium",
    "flos",
    "cortex",
    "caulis",
    "ramulus",
    "pericarpium",
    "bulbus",
    "lignum",
    "medulla",
    "spica",
    "stigma",
    "pollen",
    "resina",
    "cacumen",
}


def preferred_latin(names: tuple[str, ...]) -> str | None:
    """The 2010-style name (genus first, organ last: 'Aconiti Radix') over the older 'Radix Aconiti'."""
    for name in names:
        if name.split()[0].lower() not in _ORGANS:
            return name
    return names[0] if names else None


def load_symmap(datasets_dir: Path) -> dict[str, SymmapHerb]:
    """Read SymMap's herb table, keyed by Chinese name (first row wins on a repeat)."""
    path = Path(datasets_dir) / SYMMAP_FILE
    if not path.is_file():
        raise DatasetError(f"SymMap herb table not found: {path}")
    try:
        import pandas as pd

        frame = pd.read_excel(path, dtype=str)
    except Exception as exc:  # openpyxl/pandas raise many kinds for a damaged file
        raise DatasetError(f"cannot read SymMap herb table {path}: {exc}") from exc
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise DatasetError(f"SymMap herb table {path} lacks column(s) {missing}")
    out: dict[str, SymmapHerb] = {}
    for row in frame.to_dict("records"):
        full = _cell(row.get("Chinese_name"))
        herb_id = _cell(row.get("Herb_id"))
        if not full or not herb_id:
            continue
        name, extra = full, ()
        if m := re.fullmatch(
            r"(.+?)[（(](.+)[）)]", full
        ):  # '土鳖虫（䗪虫）': key 土鳖虫, aliases 䗪虫 and the full form
            name, extra = m.group(1).strip(), (m.group(2).strip(), full)
        if name in out:
            continue
        ids = {"symmap": herb_id}
        for key, col in (("tcmsp", "TCMSP_id"), ("tcmid", "TCMID_id")):
            if (v := _cell(row.get(col))) is not None:
                ids[key] = v
        out[name] = SymmapHerb(
            herb_id=herb_id,
            name_zh=name,
            pinyin_name=_cell(row.get("Pinyin_name")) or "",
            latin_names=_latin(_cell(row.get("Latin_name"))),
            name_en=_cell(row.get("English_name")),
            properties=_split(_cell(row.get("Properties_Chinese"))),
            meridians=_split(_cell(row.get("Meridians_Chinese"))),
            aliases=tuple(dict.fromkeys(a for a in (*extra, *_split(_cell(row.get("Alias")))) if a != name)),
            tcmsp_id=ids.get("tcmsp"),
            tcmid_id=ids.get("tcmid"),
            suppressed=_cell(row.get("Suppress")) not in (None, "0"),
            link_herb_id=_cell(row.get("Link_herb_id")),
            external_ids=ids,
            categories=_split(_cell(row.get("Class_Chinese"))),
        )
    return dict(sorted(out.items()))


def parse_properties(tokens: tuple[str, ...] | list[str]) -> tuple[Nature | None, list[str], Toxicity | None]:
    """SymMap's '辛,苦,温,有小毒' → nature 温, flavours [辛, 苦], toxicity 小毒; unknown tokens dropped."""
    nature: Nature | None = None
    flavours: list[str] = []
    toxicity: Toxicity | None = None
    for tok in tokens:
        if tok in _TOXICITY:
            toxicity = _TOXICITY[tok]  # type: ignore[assignment]
        elif tok in _NATURES and nature is None:
            nature = tok  # type: ignore[assignment]
        elif tok in FLAVOURS and tok not in flavours:
            flavours.append(tok)
    return nature, flavours, toxicity


def symmap_meridians(tokens: tuple[str, ...] | list[str]) -> list[str]:
    """Meridian names mapped to MERIDIANS (心包络 → 心包), unknown ones dropped, order kept."""
    out: list[str] = []
    for tok in tokens:
        tok = _MERIDIAN_FIX.get(tok.removesuffix("经"), tok.removesuffix("经"))
        if tok in MERIDIANS and tok not in out:
            out.append(tok)
    return out


def symmap_herb(rec: SymmapHerb) -> Herb:
    """A Herb from SymMap alone, for herbs the pharmacopoeia lacks (no dose, no cautions)."""
    nature, flavours, _ = parse_properties(rec.properties)
    py = to_pinyin(rec.name_zh, rec.pinyin_name or None)
    latin = preferred_latin(rec.latin_names)
    latin_keys = {latin_letters(n) for n in rec.latin_names}
    name_en = None if rec.name_en and latin_letters(rec.name_en) in latin_keys else rec.name_en
    herb = Herb(
        name_zh=rec.name_zh,
        name_zh_hant=to_traditional(rec.name_zh),
        pinyin=py.pinyin,
        latin=latin,
        name_en=name_en,
        aliases=sorted(set(rec.aliases)),
        nature=nature,
        flavours=flavours,
        meridians=symmap_meridians(rec.meridians),
        external_ids=dict(sorted(rec.external_ids.items())),
        sources=[SOURCE_ID],
    )
    en, zh = herb_summaries(herb)
    return herb.model_copy(update={"summary_en": en, "summary_zh": zh})
