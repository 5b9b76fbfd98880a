"""Chinese Pharmacopoeia 2010, Vol. I herb monographs → Herb records and rule rows.

The public text copy is OCR output: digits read as letters (``lOg``), decimals lost, labels
misspelt, some headers swapped. This importer cleans what can be cleaned deterministically,
derives facts only (names, properties, short function/indication terms, doses, cautions) and
reports everything it could not read instead of guessing. See ``import_pharmacopoeia``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tcm.config import datasets_dir
from tcm.corpora.importers.symmap import SOURCE_ID as SYMMAP_SOURCE
from tcm.corpora.importers.symmap import SymmapHerb, load_symmap, preferred_latin
from tcm.corpora.summaries import herb_summaries
from tcm.errors import DatasetError
from tcm.names.forms import (
    latin_letters,
    latin_title,
    letters,
    segment_latin,
    to_pinyin,
    to_traditional,
)
from tcm.resources import resource_dir
from tcm.types import FLAVOURS, MERIDIANS, DoseRangeRow, Herb, MonographStatement, PregnancyRow, ToxicityRow

__all__ = [
    "CHP_FILE",
    "Monograph",
    "PharmacopoeiaImport",
    "clean_ocr_numbers",
    "incomplete_herbs",
    "quality_report",
    "import_pharmacopoeia",
    "parse_dose",
    "parse_monographs",
    "parse_xingwei",
    "processing_forms",
]

CHP_FILE = Path("pharmacopoeia") / "chp_herb_monographs.txt"
SOURCE_ID = "chp-2010"
DEFAULT_OVERRIDES = resource_dir("corpora") / "overrides" / "herbs.yaml"
OCR_FIXES = DEFAULT_OVERRIDES.with_name("ocr_fixes.yaml")

# 乌头 group: the book lists these five together in every 乌头 incompatibility clause
# ("不宜与川乌、制川乌、草乌、制草乌、附子同用"); their processed forms join through form_of.
GROUPS: dict[str, tuple[str, ...]] = {"乌头": ("川乌", "制川乌", "草乌", "制草乌", "附子")}

NATURES = ("大寒", "寒", "微寒", "凉", "平", "微温", "温", "热", "大热")
_TOXICITY = (("有大毒", "大毒"), ("有小毒", "小毒"), ("有毒", "有毒"))
# Meridian names as written → MERIDIANS, including OCR misreadings seen in this text (脯 for 肺).
_MERIDIAN_FIX = {"心包络": "心包", "包络": "心包", "脯": "肺", "犬肠": "大肠", "i焦": "三焦"}
# Single-character OCR misreadings seen in 性味 flavours (成 for 咸, 苫 for 苦, 淫 for 涩, 干 for 甘);
# applied only to a token that is otherwise not a flavour.
_FLAVOUR_OCR = {"成": "咸", "幸": "辛", "苫": "苦", "淫": "涩", "干": "甘"}
# OCR misreadings inside herb names, used only when the corrected name is a known herb (瓜萎子 → 瓜蒌子).
_NAME_OCR = {"萎": "蒌", "革": "草", "芜": "芫", "菜": "莱", "载": "戟", "焯": "燀", "烊": "燀"}
# Affixes that mark a processed form's name (醋甘遂, 大黄炭, 巴豆霜, 鹿茸粉).
_FORM_PREFIXES = tuple(
    "麸炒 麸煨 米炒 土炒 砂烫 醋 酒 蜜 盐 姜 炒 焦 煅 制 煨 熟 烫 炙 蒸 法 清 萸 胆 炮 淡 米 枯 燀".split()
)
_FORM_SUFFIXES = ("炭", "霜", "粉", "肉", "仁", "珠", "毛", "片")
_FORM_VERBS = r"(?:取|除去|去头|去壳|去皮|去核|洗净|照|将)"
_SECTION_KEYS = {"xingwei": "性味", "gongneng": "功能", "yongfa": "用法", "zhuyi": "注意", "paozhi": "炮制"}


# --------------------------------------------------------------------------- OCR cleaning

_FULLWIDTH = str.maketrans("０１２３４５６７８９ｇｍｌ．", "0123456789gml.")
_RANGE_CHARS = "～~〜\\-－—–一"
_UNITS = r"(?:g|mg|kg|ml|cm|mm|μm|%|枚|粒|丸)"


def _fix_number_token(tok: str) -> str:
    return tok.replace("l", "1").replace("I", "1").replace("O", "0").replace("o", "0").replace("．", ".")


def clean_ocr_numbers(text: str) -> str:
    """Repair the OCR damage that matters for numbers, deterministically.

    ``lOg`` → ``10g``, ``l5`` → ``15``, ``1O`` → ``10``, full-width digits → ASCII,
    range marks (``~``, ``一``, ``-``, ``—``) between numbers → ``～``, and stray spaces
    inside a number or before its unit removed. Letters are only rewritten inside a token
    that sits before a unit or range mark, so Latin words are left alone.
    """
    text = text.translate(_FULLWIDTH).replace("\u00a0", " ").replace("\u3000", " ")
    token = r"(?<![A-Za-z])([0-9lIOo]+(?:[.．][0-9lIOo]+)?)"
    after = rf"(?=\s*(?:{_UNITS}|[{_RANGE_CHARS}](?:\s*[0-9lIO])|[，。；、,;)）]|$))"

    def repl(m: re.Match[str]) -> str:
        tok = m.group(1)
        if re.search(r"[0-9]", tok) or tok[0] in "lI":
            return _fix_number_token(tok)
        return tok

    text = re.sub(token + after, repl, text)
    # 'log' = '10g' (the 'g' glued to an O read as 'o')
    text = re.sub(r"(?<![A-Za-z0-9])[lI][oO](?=g(?![a-z]))", "10", text)
    text = re.sub(r"(\d)\s*[．.]\s*(\d)", r"\1.\2", text)
    text = re.sub(rf"(\d)\s*[{_RANGE_CHARS}]\s*(?=\d)", r"\1～", text)
    text = re.sub(r"(^|[^0-9])\s*[~〜]", r"\1～", text)
    text = re.sub(rf"(\d)\s+(?={_UNITS})", r"\1", text)
    text = re.sub(r"(\d)\s+(?=\d)", r"\1", text)
    return text


# --------------------------------------------------------------------------- monographs


@dataclass
class Monograph:
    """One monograph as found in the text: header fields and the sections this importer reads."""

    name: str
    line: int  # 1-based line of the Chinese name
    romanised: str | None
    latin_caps: str | None
    body: list[str]
    sections: dict[str, list[str]] = field(default_factory=dict)
    paozhi: list[str] = field(default_factory=list)
    form_of: str | None = None
    alias: str | None = None  # the parenthetical of '延胡索（元胡）'


_CJK = "\u4e00-\u9fff"
_NAME_RE = re.compile(rf"^[{_CJK}][{_CJK}（）() ·]{{0,15}}$")
_ROMAN_RE = re.compile(r"^[A-Z][A-Za-z' ]{1,40}$")
_LABELS_RE = re.compile(r"^((?:\s*[【\[][^】\]]{1,8}[】\]])+)\s*(.*)$")


def _label_key(label: str) -> str | None:
    if label.startswith("性"):
        return "xingwei" if "味" in label or "经" in label else None
    if label.startswith("功能"):
        return "gongneng"
    if label.startswith("用") and label != "用途":  # also the OCR'd 用洼/用泫/用置
        return "yongfa"
    if label.startswith(("注意", "禁忌")):
        return "zhuyi"
    if label.startswith("炮"):
        return "paozhi"
    return "other"


def _norm_line(raw: str) -> str:
    return raw.replace("\u00a0", " ").replace("\u3000", " ").replace("\ufeff", "").strip()


def _is_header(lines: list[str], i: int) -> bool:
    name = lines[i].replace(" ", "")
    if not _NAME_RE.match(name) or i + 1 >= len(lines):
        return False
    nxt = lines[i + 1]
    if _ROMAN_RE.match(nxt):
        return True
    prev = lines[i - 1] if i else ""
    return nxt.startswith(("本品为", "本品由")) and prev.startswith(("【贮", "缺："))


def parse_monographs(text: str) -> tuple[list[Monograph], list[str]]:
    """Split the book into monographs and read their sections; return them and notes."""
    lines = [_norm_line(x) for x in text.splitlines()]
    notes = [
        f"line {i + 1}: the text says a monograph is missing: {ln}"
        for i, ln in enumerate(lines)
        if ln.startswith("缺：")
    ]
    starts = [i for i in range(len(lines)) if _is_header(lines, i)]
    out: list[Monograph] = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        raw_name = lines[start].replace(" ", "")
        roman = lines[start + 1] if _ROMAN_RE.match(lines[start + 1]) else None
        latin = None
        body_from = start + 1
        if roman:
            body_from = start + 2
            if body_from < end and re.fullmatch(r"[A-Za-z\-' ΜμⅢ王]+", lines[body_from]):
                latin = lines[body_from]
                body_from += 1
        name, alias = raw_name, None
        if m := re.fullmatch(rf"([{_CJK}]+)[（(]([^）)]+)[）)]", raw_name):
            name, alias = m.group(1), m.group(2)
        mono = Monograph(
            name=name,
            line=start + 1,
            romanised=roman,
            latin_caps=latin,
            body=lines[body_from:end],
            alias=alias,
        )
        _read_sections(mono)
        out.append(mono)
    return out, notes


def _read_sections(mono: Monograph) -> None:
    """Fill sections (first occurrence of each label wins; 注意 and 禁忌 merge), paozhi and form_of."""
    current: str | None = None
    in_paozhi = False
    for ln in mono.body:
        if not ln:
            continue
        if mono.form_of is None and (m := re.match(rf"^本品为([{_CJK}]{{1,8}})的炮制(?:加工)?品", ln)):
            mono.form_of = m.group(1)
        lm = _LABELS_RE.match(ln)
        if lm and lm.group(1).lstrip().startswith("【"):
            labels = re.findall(r"[【\[]([^】\]]{1,8})[】\]]", lm.group(1))
            content = lm.group(2).strip()
            keys = [_label_key(lb) for lb in labels]
            if "paozhi" in keys:
                in_paozhi = True
                mono.paozhi.append(content)
            elif any(k in ("xingwei", "gongneng", "yongfa", "zhuyi") for k in keys):
                in_paozhi = False
            current = None
            for key in keys:
                if key in ("xingwei", "gongneng", "yongfa", "zhuyi"):
                    if key not in mono.sections or key == "zhuyi" and not _merged_zhuyi(mono, content):
                        mono.sections.setdefault(key, []).append(content)
                        current = key
            continue
        if ln.startswith(("本品", "饮片", "附：", "注：", "[")):
            current = None
            continue
        if current is not None:
            mono.sections[current].append(ln)
        elif in_paozhi:
            mono.paozhi.append(ln)


def _merged_zhuyi(mono: Monograph, content: str) -> bool:
    """True when a second 注意/禁忌 line should not be added (it repeats the first)."""
    return content in mono.sections.get("zhuyi", [])


# --------------------------------------------------------------------------- field parsers


@dataclass(frozen=True)
class Xingwei:
    nature: str | None
    flavours: list[str]
    meridians: list[str]
    toxicity: str | None
    unknown: list[str]


def parse_xingwei(text: str) -> Xingwei:
    """'辛、苦，寒；有毒。归肺、肾、大肠经。' → nature 寒, flavours [辛, 苦], meridians, toxicity 有毒."""
    text = text.replace(" ", "").replace("．", "，")
    if "中医：" in text:  # 天山雪莲: Uyghur-medicine wording first, then TCM
        text = text.split("中医：", 1)[1]
    if "归" in text:
        taste, _, rest = text.partition("归")
    else:  # '入肝、肾经', or an OCR'd 归 ('蜡肝'): the meridians follow the first full stop
        taste, _, rest = text.partition("。")
        rest = rest[1:] if rest[:1] in ("入", "蜡") else rest
    toxicity = None
    for word, grade in _TOXICITY:
        if word in taste:
            toxicity = grade
            taste = taste.replace(word, "")
            break
    nature: str | None = None
    flavours: list[str] = []
    unknown: list[str] = []
    for tok in re.split(r"[，,；;、。.：:\s]+", taste):
        if not tok:
            continue
        if tok not in FLAVOURS and tok not in NATURES:
            tok = "".join(_FLAVOUR_OCR.get(c, c) for c in tok)
        if tok in NATURES:
            if nature is None:
                nature = tok
            else:
                unknown.append(tok)
        elif tok in FLAVOURS:
            if tok not in flavours:
                flavours.append(tok)
        else:
            unknown.append(tok)
    meridians: list[str] = []
    if rest:
        body = re.split(r"经", rest, maxsplit=1)[0]
        for tok in re.split(r"[、，,；;。\s]+", body):
            if not tok:
                continue
            tok = _MERIDIAN_FIX.get(tok, tok)
            if tok in MERIDIANS:
                if tok not in meridians:
                    meridians.append(tok)
            else:
                unknown.append(f"归{tok}")
    return Xingwei(nature, flavours, meridians, toxicity, unknown)


def parse_gongneng(text: str) -> tuple[list[str], list[str]]:
    """Short function terms (before 用于) and indication terms (after it)."""
    text = text.replace(" ", "")
    if "中医：" in text:
        text = text.split("中医：", 1)[1]
    func, _, ind = text.partition("用于")
    ind = ind.split("。", 1)[0]  # later sentences describe processed forms (酒大黄善清上焦…)

    def terms(part: str, seps: str, prefixes: tuple[str, ...] = ()) -> list[str]:
        out: list[str] = []
        for t in re.split(seps, part):
            t = t.strip("。.；;，, ")
            for p in prefixes:
                t = t.removeprefix(p)
            if t and t not in out and len(t) <= 24:
                out.append(t)
        return out

    return terms(func, r"[，,；;。．]"), terms(ind, r"[，,、；;。．]", ("用于", "外治"))


@dataclass(frozen=True)
class DoseParse:
    """A parsed 用法与用量: a gram range, or the reason there is none (max_g alone when only it survived)."""

    min_g: float | None
    max_g: float | None
    reason: str | None = None
    note: str | None = None
    use: str = "internal"  # external: 外用 only; processed: internal use only after processing (一般炮制后用)
    # ranges the text gives for one preparation after the herb's own: (label, min_g, max_g, note), e.g.
    # ('煎汤', 10, 15, '布包先煎') for 青礞石, ('荷叶炭', 3, 6, None) for 荷叶
    alternatives: tuple[tuple[str, float, float, str | None], ...] = ()


_NUM = r"\d+(?:\.\d+)?"
_DOSE_RE = re.compile(rf"(?P<lo>{_NUM})?～(?P<hi>{_NUM})?(?P<u1>{_UNITS})?|(?P<one>{_NUM})(?P<u2>{_UNITS})")


def parse_dose(text: str, name: str | None = None) -> DoseParse:
    """The oral daily dose in grams from a 用法与用量 text (cleaned of OCR noise first).

    The first amount outside an external-use clause wins ('3～9g。外用适量' → 3, 9). A range
    whose bound the OCR dropped ('～3g', '1～，') or an amount in another unit (ml, 枚) gives
    no range but a reason, so nothing is guessed.
    """
    text = clean_ocr_numbers(text).replace(" ", "")
    if name:
        text = text.removeprefix(name)
    if not text:
        return DoseParse(None, None, "empty 用法与用量")
    for clause in re.split(r"[。；;]", text):
        if not clause or clause.startswith(("外用", "外伤")):
            continue
        m = _DOSE_RE.search(clause)
        if not m:
            continue
        if m.group("one"):
            lo = hi = m.group("one")
            unit = m.group("u2")
        else:
            lo, hi, unit = m.group("lo"), m.group("hi"), m.group("u1")
        if lo is None or hi is None:
            kept = float(hi) if hi is not None and lo is None and unit == "g" else None
            return DoseParse(None, kept, f"a bound of the range was lost in the OCR text: {clause!r}")
        if unit != "g":
            return DoseParse(None, None, f"dose not in grams ({unit or 'no unit'}): {clause!r}")
        a, b = float(lo), float(hi)
        if a <= 0 or a > b:
            return DoseParse(None, None, f"implausible range {lo}～{hi}: {clause!r}")
        rest = (clause[: m.start()] + clause[m.end() :]).strip("，, ")
        later = text.split(clause, 1)[1] if clause in text else ""
        return DoseParse(a, b, note=rest or None, alternatives=_labelled_ranges(later))
    if "炮制后用" in text:
        return DoseParse(None, None, "internal use only after processing (一般炮制后用)", use="processed")
    if "外用" in text or "外敷" in text:
        return DoseParse(None, None, "external use only (外用)", use="external")
    return DoseParse(None, None, f"no gram amount in {text[:40]!r}")


_LABELLED = re.compile(rf"^([\u3400-\u9fff]{{2,6}}?)({_NUM})～({_NUM})g[，,]?(.*)$")


def _labelled_ranges(text: str) -> tuple[tuple[str, float, float, str | None], ...]:
    """Later clauses that dose one preparation apart: '煎汤10～15g，布包先煎', '荷叶炭3～6g', '鲜品15～30g'."""
    out = []
    for clause in re.split(r"[。；;]", text):
        if m := _LABELLED.match(clause.strip("，, ")):
            label, lo, hi, rest = m.group(1), float(m.group(2)), float(m.group(3)), m.group(4).strip("，, ")
            if 0 < lo <= hi:
                out.append((label, lo, hi, rest or None))
    return tuple(out)


_PREGNANCY_RE = re.compile(r"孕妇[^；。：:]*?(禁用|禁服|忌用|忌服|慎用|慎服)")
_PREGNANCY_MAP = {
    "禁用": "禁用",
    "禁服": "禁用",
    "忌用": "忌用",
    "忌服": "忌用",
    "慎用": "慎用",
    "慎服": "慎用",
}


def parse_zhuyi(text: str) -> tuple[list[str], str | None, list[str]]:
    """Caution clauses, the pregnancy category as written, and the herbs in '不宜与…同用'."""
    text = text.replace(" ", "").rstrip("，,…")
    clauses = [c.strip("，,…:： ") for c in re.split(r"[；;。]", text)]
    clauses = [c for c in clauses if c and not re.fullmatch(r"同.{1,8}", c)]
    pregnancy = None
    for c in clauses:
        if m := _PREGNANCY_RE.search(c):
            pregnancy = _PREGNANCY_MAP[m.group(1)]
            break
    others: list[str] = []
    for m in re.finditer(r"不宜与(.+?)同用", text):
        for tok in re.split(r"[、，,]", m.group(1)):
            if tok and tok not in others:
                others.append(tok)
    return clauses, pregnancy, others


def _same_as(text: str) -> str | None:
    """'同甘草。' → '甘草' (the book's way of saying a section equals another monograph's)."""
    m = re.fullmatch(rf"同([{_CJK}]{{1,8}}?)(?:药材|饮片)?[。.]?", text.replace(" ", ""))
    return m.group(1) if m else None


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


def _form_of_parent(cand: str, parent: str) -> bool:
    """True when cand is parent's name with processing affixes (醋甘遂, 姜炭 of 干姜, 酒萸肉 of 山茱萸)."""
    cores = []
    for p in ("", *_FORM_PREFIXES):
        if p and not cand.startswith(p):
            continue
        rest = cand[len(p) :]
        for s in ("", *_FORM_SUFFIXES):
            if s and not rest.endswith(s):
                continue
            core = rest[: len(rest) - len(s)]
            if core and (p or s):
                cores.append(core)
    return any(_is_subsequence(core, parent) or parent in core for core in cores)


def processing_forms(parent: str, lines: Iterable[str]) -> tuple[list[str], list[str]]:
    """Processed-form names from the 【炮制】 lines ('醋甘遂取净甘遂…' → 醋甘遂), and rejected ones."""
    found: list[str] = []
    rejected: list[str] = []
    for ln in lines:
        m = re.match(rf"^([{_CJK}]{{2,8}}?)\s*{_FORM_VERBS}", ln.replace(" ", ""))
        if not m:
            continue
        cand = m.group(1)
        if cand == parent or cand.startswith(("生", "净", "鲜", "干")):
            continue
        if not _form_of_parent(cand, parent) and _form_of_parent(_ocr_name(cand), parent):
            cand = _ocr_name(cand)
        if _form_of_parent(cand, parent):
            if cand not in found:
                found.append(cand)
        elif cand not in rejected and len(cand) <= 5:  # longer runs are assay headings, not names
            rejected.append(cand)
    return found, rejected


# --------------------------------------------------------------------------- import


@dataclass
class PharmacopoeiaImport:
    """Everything derived from the monographs, plus what was skipped and why."""

    herbs: list[Herb]
    dose_ranges: list[DoseRangeRow]
    toxicity: list[ToxicityRow]
    pregnancy: list[PregnancyRow]
    skipped: list[str]
    stated_incompatibilities: list[tuple[str, str]]
    pinyin_mismatches: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    # (herb, max_g, text) where the OCR lost the lower bound but kept the upper ('～3g'); these
    # become DoseRangeRows with only dose_max_g.
    dose_max_only: list[tuple[str, float, str]] = field(default_factory=list)
    # toxicity and dose exactly as each monograph states them (never overridden), for the invariants
    monograph: list[MonographStatement] = field(default_factory=list)

    def herb(self, name_zh: str) -> Herb | None:
        return next((h for h in self.herbs if h.name_zh == name_zh), None)


@dataclass
class _Draft:
    """Working state for one herb before it becomes a validated Herb."""

    mono: Monograph
    name: str
    xingwei: Xingwei | None = None
    functions: list[str] = field(default_factory=list)
    indications: list[str] = field(default_factory=list)
    dose: DoseParse | None = None
    cautions: list[str] = field(default_factory=list)
    pregnancy: str | None = None
    incompatible: list[str] = field(default_factory=list)
    form_of: str | None = None
    forms: list[str] = field(default_factory=list)
    same: dict[str, str] = field(default_factory=dict)  # section key → monograph it equals


def apply_ocr_fixes(text: str, path: Path | None = OCR_FIXES) -> tuple[str, list[str]]:
    """The monograph text with the curated character corrections applied (overrides/ocr_fixes.yaml), in order;
    notes for fixes that matched nothing (the source copy changed, or the fix is no longer needed)."""
    notes: list[str] = []
    for fix in _load_overrides(path):
        n = text.count(fix["wrong"])
        if not n:
            notes.append(f"ocr_fixes: {fix['wrong']!r} not found")
        text = text.replace(fix["wrong"], fix["right"])
    return text, notes


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise DatasetError(f"pharmacopoeia monographs not found: {path}")
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise DatasetError(f"cannot read pharmacopoeia monographs {path}: {exc}") from exc


def _section_text(mono: Monograph, key: str) -> str:
    return "".join(mono.sections.get(key, []))


def _variants(mono: Monograph) -> dict[str, dict[str, str]] | None:
    """地黄-style monographs that give facts per form ('鲜地黄…' / '生地黄…') in each section."""
    xs = mono.sections.get("xingwei", [])
    if len(xs) < 2:
        return None
    pat = re.compile(rf"^([{_CJK}]{{0,3}}{re.escape(mono.name)})(.+)$")
    out: dict[str, dict[str, str]] = {}
    for key in ("xingwei", "gongneng", "yongfa"):
        for part in mono.sections.get(key, []):
            if m := pat.match(part):
                out.setdefault(m.group(1), {})[key] = m.group(2)
    return out if len(out) >= 2 else None


def _draft(mono: Monograph, name: str, texts: dict[str, str], notes: list[str]) -> _Draft:
    d = _Draft(mono=mono, name=name)
    for key, text in texts.items():
        if (other := _same_as(text)) is not None:
            d.same[key] = other
    if "xingwei" in texts and "xingwei" not in d.same:
        d.xingwei = parse_xingwei(texts["xingwei"])
        if d.xingwei.unknown:
            notes.append(f"{name}: 性味 tokens not mapped: {d.xingwei.unknown}")
    if "gongneng" in texts and "gongneng" not in d.same:
        d.functions, d.indications = parse_gongneng(texts["gongneng"])
    if "yongfa" in texts and "yongfa" not in d.same:
        d.dose = parse_dose(texts["yongfa"], name)
    if "zhuyi" in texts and "zhuyi" not in d.same:
        d.cautions, d.pregnancy, d.incompatible = parse_zhuyi(texts["zhuyi"])
    return d


def _resolve_name(mono: Monograph, symmap: dict[str, SymmapHerb], taken: set[str], notes: list[str]) -> str:
    """Fix a swapped header ('五倍子' over the Wuweizi monograph) using SymMap's pinyin and Latin."""
    if not mono.romanised or to_pinyin(mono.name, mono.romanised).agrees:
        return mono.name
    want = letters(mono.romanised)
    book_latin = latin_letters(_latin_ocr(mono.latin_caps or ""))
    for rec in symmap.values():
        if letters(rec.pinyin_name) != want or rec.name_zh in taken or rec.name_zh == mono.name:
            continue
        if book_latin and any(_close(latin_letters(n), book_latin) for n in rec.latin_names):
            notes.append(
                f"line {mono.line}: header {mono.name} sits over the {mono.romanised} "
                f"({mono.latin_caps}) monograph; read as {rec.name_zh} (SymMap pinyin and Latin)"
            )
            return rec.name_zh
    return mono.name


def _latin_ocr(caps: str) -> str:
    return caps.replace("Μ", "Y").replace("μ", "Y").replace("王Ⅲ", "RITI").replace("Ⅲ", "III")


def _close(a: str, b: str, cutoff: float = 0.86) -> bool:
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= cutoff


# Words of pharmaceutical names (organ, product, processing) that need no data set to be known.
LATIN_BASE_WORDS = tuple(
    """Radix Rhizoma Herba Folium Flos Fructus Semen Cortex Caulis Ramulus Lignum Medulla Pericarpium
    Exocarpium Bulbus Cacumen Spica Stigma Pollen Resina Squama Concha Carapax Plastrum Cornu Colla Calculus
    Placenta Nidus Periostracum Oviductus Venenum Spora Thallus Receptaculum Plumula Stamen Arillus Petiolus
    Pulvis Praeparata Praeparatum Praeparatus Carbonisata Carbonisatum Tostum Tostus Pulveratum cum et seu
    Melle Aceto Vino Sale Recens Immaturus Viride Rubra Rubrum Alba Album Nigrum Amarum Germinatus
    Hominis""".split()
)


@dataclass(frozen=True)
class _LatinVocab:
    every: frozenset[str]  # all words seen (for segmenting)
    clean: frozenset[str]  # words seen in two or more herbs' names, or base words (for judging)
    trigrams: dict[str, int]  # letter-trigram counts over the clean words (for breaking ties)

    def plausibility(self, word: str) -> float:
        """Mean log-frequency of the word's letter trigrams: 'NATURALIS' scores above 'NATURALLS'."""
        padded = f"^{word}$"
        grams = [padded[i : i + 3] for i in range(len(padded) - 2)]
        total = sum(self.trigrams.values()) + 1
        return sum(math.log((self.trigrams.get(g, 0) + 1) / total) for g in grams) / max(len(grams), 1)


def _latin_vocab(symmap: dict[str, SymmapHerb]) -> _LatinVocab:
    seen: dict[str, set[str]] = {}
    for rec in symmap.values():
        for n in rec.latin_names:
            for w in n.split():
                seen.setdefault(latin_letters(w), set()).add(rec.name_zh)
    base = {latin_letters(w) for w in LATIN_BASE_WORDS}
    clean = {w for w, hs in seen.items() if len(hs) > 1} | base
    trigrams: dict[str, int] = {}
    for w in sorted(clean):
        padded = f"^{w}$"
        for i in range(len(padded) - 2):
            trigrams[padded[i : i + 3]] = trigrams.get(padded[i : i + 3], 0) + 1
    return _LatinVocab(frozenset(set(seen) | base), frozenset(clean), trigrams)


def _map_position(opcodes: list[tuple[str, int, int, int, int]], i: int, end: int) -> int:
    for tag, i1, i2, j1, j2 in opcodes:
        if i1 <= i <= i2:
            if tag == "equal":
                return j1 + (i - i1)
            return j2 if i2 == i1 else j1 + round((i - i1) * (j2 - j1) / (i2 - i1))
    return end


def _merge_latin(book: str, reference: str, vocab: _LatinVocab) -> str:
    """Space the book's letters at the reference name's word breaks, and pick each word's spelling.

    Per word: the spelling other herbs' names also use wins; if both or neither are so used,
    the book's stands when both are, else the more Latin-looking one (letter trigrams).
    """
    ref_words = [latin_letters(w) for w in reference.split()]
    ref = "".join(ref_words)
    ops = difflib.SequenceMatcher(None, ref, book, autojunk=False).get_opcodes()
    cuts, pos = [0], 0
    for w in ref_words[:-1]:
        pos += len(w)
        cuts.append(_map_position(ops, pos, len(book)))
    cuts.append(len(book))
    out = []
    for k, rw in enumerate(ref_words):
        bw = book[cuts[k] : cuts[k + 1]]
        if not bw or bw == rw:
            out.append(rw)
        elif (bw in vocab.clean) != (rw in vocab.clean):
            out.append(bw if bw in vocab.clean else rw)
        elif bw in vocab.clean:
            out.append(bw)
        else:
            out.append(bw if vocab.plausibility(bw) > vocab.plausibility(rw) else rw)
    return latin_title(out)


def _latin_for(
    d: _Draft, rec: SymmapHerb | None, vocab: _LatinVocab, notes: list[str]
) -> tuple[str | None, bool]:
    """Spaced Latin name, and whether SymMap supplied it.

    SymMap's spacing wins when its letters equal the book's. When they differ by typos (on
    either side: 'ASTMGALI' in the book, 'Polgoni' in SymMap), the book's letters are split at
    SymMap's word breaks and each word's spelling is chosen by ``_merge_latin``. With no
    SymMap name close enough, the book's letters are split into known words.
    """
    book = latin_letters(_latin_ocr(d.mono.latin_caps or ""))
    names = list(rec.latin_names) if rec else []
    if not book:
        return (preferred_latin(tuple(names)), True) if names else (None, False)
    for n in names:
        if latin_letters(n) == book:
            return n, True
    close = sorted((difflib.SequenceMatcher(None, latin_letters(n), book).ratio(), n) for n in names)
    if close and close[-1][0] >= 0.75:
        merged = _merge_latin(book, close[-1][1], vocab)
        notes.append(
            f"{d.name}: Latin {d.mono.latin_caps} (book) and {close[-1][1]} (SymMap) read as {merged}"
        )
        return merged, latin_letters(merged) != book
    spaced, complete = segment_latin(book, vocab.every)
    if not complete:
        notes.append(f"{d.name}: Latin {d.mono.latin_caps} segmented with unknown words as {spaced}")
    return spaced, False


def _load_overrides(path: Path | None) -> list[dict]:
    if path is None or not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise DatasetError(f"{path}: expected a list of overrides")
    return data


def import_pharmacopoeia(
    datasets_dir: Path, overrides: Path | None = DEFAULT_OVERRIDES
) -> PharmacopoeiaImport:
    """Read the monographs (and SymMap for names/ids) into herbs and rule rows."""
    datasets_dir = Path(datasets_dir)
    text, fixed = apply_ocr_fixes(_read_text(datasets_dir / CHP_FILE))
    monographs, notes = parse_monographs(text)
    notes += fixed
    if len(monographs) < 100:
        raise DatasetError(
            f"{datasets_dir / CHP_FILE}: only {len(monographs)} monographs found; layout changed?"
        )
    try:
        symmap = load_symmap(datasets_dir)
    except DatasetError as exc:
        notes.append(f"SymMap not used: {exc}")
        symmap = {}

    # 1. names, de-duplication, drafts (variants of 地黄 become their own drafts)
    drafts: dict[str, _Draft] = {}
    renamed: list[str] = []
    names_in_book = {m.name for m in monographs}
    for mono in monographs:
        name = _resolve_name(mono, symmap, names_in_book - {mono.name}, renamed)
        if name in drafts:
            notes.append(
                f"line {mono.line}: second monograph for {name} skipped (first at line "
                f"{drafts[name].mono.line})"
            )
            continue
        mono.name = name
        variants = _variants(mono)
        base = {
            k: _section_text(mono, k)
            for k in ("xingwei", "gongneng", "yongfa", "zhuyi")
            if k in mono.sections
        }
        if variants:
            main = next((v for v in (f"生{name}", name) if v in variants), sorted(variants)[0])
            for vname, texts in sorted(variants.items()):
                merged = {**base, **texts}
                if vname == main:
                    drafts[name] = _draft(mono, name, merged, notes)
                else:
                    vd = _draft(mono, vname, merged, notes)
                    vd.form_of = name
                    drafts[vname] = vd
            notes.append(f"{name}: facts given per form {sorted(variants)}; {main} read as {name}")
        else:
            drafts[name] = _draft(mono, name, base, notes)
        if not mono.sections:
            notes.append(f"{name} (line {mono.line}): no 性味/功能/用法/注意 sections")

    known = set(drafts)

    # 2. form_of and processing forms
    for name, d in sorted(drafts.items()):
        if d.mono.form_of and d.form_of is None:
            parent = d.mono.form_of
            if parent not in known and parent[:1] in "生鲜" and parent[1:] in known:
                parent = parent[1:]
            if parent in known and parent != name:
                d.form_of = parent
            else:
                notes.append(f"{name}: form of {d.mono.form_of}, which has no monograph here")
        if d.mono.name == name:
            forms, rejected = processing_forms(name, d.mono.paozhi)
            d.forms = [f for f in forms if f != name]
            if rejected:
                notes.append(f"{name}: 炮制 names not taken as processed forms: {rejected}")
    for name, d in sorted(drafts.items()):
        if d.form_of and name not in drafts[d.form_of].forms:
            drafts[d.form_of].forms.append(name)

    # 3. '同X' sections inherit from X (only when the book says so)
    for _ in range(3):  # chains such as 制草乌 → 制川乌
        for name, d in sorted(drafts.items()):
            for key, other in list(d.same.items()):
                src = drafts.get(other)
                if src is None:
                    notes.append(
                        f"{name}: {_SECTION_KEYS[key]} says 同{other}, which is not a monograph here"
                    )
                    d.same.pop(key)
                    continue
                if key in src.same:  # the source inherits too; resolved on a later pass
                    continue
                if key == "xingwei":
                    d.xingwei = src.xingwei
                elif key == "gongneng":
                    d.functions, d.indications = list(src.functions), list(src.indications)
                elif key == "yongfa":
                    d.dose = src.dose
                elif key == "zhuyi":
                    d.cautions, d.pregnancy = list(src.cautions), src.pregnancy
                    d.incompatible = list(src.incompatible)
                d.same.pop(key)
    for name, d in sorted(drafts.items()):
        for key, other in d.same.items():
            notes.append(f"{name}: {_SECTION_KEYS[key]} says 同{other}, a chain that did not resolve")

    # 4. stated incompatibilities, with OCR'd partner names mapped to known ones
    pairs: set[tuple[str, str]] = set()
    for name, d in sorted(drafts.items()):
        fixed = []
        for other in d.incompatible:
            target = _known_name(other, known)
            if target is None:
                notes.append(f"{name}: 不宜与 partner {other} is not a monograph here; kept as written")
                target = other
            elif target != other:
                notes.append(f"{name}: 不宜与 partner {other} read as {target} (OCR)")
            fixed.append(target)
            pairs.add((name, target))
        d.incompatible = fixed
        d.cautions = [_fix_caution(c, d.incompatible) for c in d.cautions]
        for c in [c for c in d.cautions if "孕妇" in c and not _PREGNANCY_RE.search(c)]:
            notes.append(
                f"{name}: caution dropped, its pregnancy wording is unreadable (OCR lost a word?): {c}"
            )
            d.cautions.remove(c)

    # 5. build records
    vocab = _latin_vocab(symmap)
    group_of = _groups(drafts)
    override_rows = _load_overrides(overrides)
    unknown = sorted({str(r.get("name_zh")) for r in override_rows} - set(drafts))
    if unknown:
        notes.append(f"overrides name herbs that are not in the import: {unknown}")
    herbs: list[Herb] = []
    doses: list[DoseRangeRow] = []
    tox: list[ToxicityRow] = []
    preg: list[PregnancyRow] = []
    stated: list[MonographStatement] = []
    skipped: list[str] = []
    mismatches: list[str] = []
    max_only: list[tuple[str, float, str]] = []
    all_names = set(drafts) | {f for d in drafts.values() for f in d.forms}
    for name, d in sorted(drafts.items()):
        rec = symmap.get(name)
        xw = d.xingwei
        roman = d.mono.romanised if d.mono.name == name else None
        py = to_pinyin(name, roman)
        if not py.agrees:
            mismatches.append(f"{name}: {py.note}")
        latin, from_symmap = _latin_for(d, rec, vocab, notes) if d.mono.name == name else (None, False)
        aliases = set(rec.aliases if rec else ()) | (
            {d.mono.alias} if d.mono.alias and d.mono.name == name else set()
        )
        dropped = sorted(a for a in aliases if a in all_names and a != name)
        if dropped:
            notes.append(f"{name}: SymMap aliases that name other herbs dropped: {dropped}")
        aliases = sorted(a for a in aliases if a not in all_names and a != name)
        name_en = rec.name_en if rec else None
        if name_en and any(
            latin_letters(name_en) == latin_letters(n)
            for n in [latin or "", *(rec.latin_names if rec else ())]
        ):
            notes.append(f"{name}: SymMap English name {name_en!r} is the Latin name; not used as name_en")
            name_en = None
        sources = [SOURCE_ID]
        if rec and (from_symmap or name_en or aliases or rec.external_ids):
            sources.append(SYMMAP_SOURCE)
        dose = (d.dose.min_g, d.dose.max_g) if d.dose and d.dose.min_g is not None else None
        fields = dict(
            name_zh=name,
            name_zh_hant=to_traditional(name),
            pinyin=py.pinyin,
            latin=latin,
            name_en=name_en,
            aliases=aliases,
            nature=xw.nature if xw else None,
            flavours=xw.flavours if xw else [],
            meridians=xw.meridians if xw else [],
            functions=d.functions,
            indications=d.indications,
            form_of=d.form_of,
            group=group_of.get(name),
            processing_forms=sorted(set(d.forms)),
            cautions=d.cautions,
            external_ids=dict(sorted(rec.external_ids.items())) if rec else {},
            sources=sources,
        )
        py_before = fields["pinyin"]
        fields = _apply_overrides(fields, override_rows, notes)
        if not py.agrees and fields["pinyin"] != py_before:
            mismatches[-1] += f" (override sets {fields['pinyin']!r})"
        tox_grade, preg_cat = (xw.toxicity if xw else None), d.pregnancy
        herb = Herb(**fields)
        en, zh = herb_summaries(herb, dose, tox_grade, preg_cat)
        herbs.append(herb.model_copy(update={"summary_en": en, "summary_zh": zh}))
        row_src = [SOURCE_ID]
        if dose:
            note = d.dose.note if d.dose and d.dose.min_g is not None else None
            doses.append(
                DoseRangeRow(herb=name, dose_min_g=dose[0], dose_max_g=dose[1], note=note, sources=row_src)
            )
            for label, lo, hi, alt_note in d.dose.alternatives:  # type: ignore[union-attr]
                # a decoction, the fresh herb, or a processed form of this herb the monograph doses apart
                if label in ("煎汤", "鲜品") or label in d.forms:
                    doses.append(DoseRangeRow(herb=name, dose_min_g=lo, dose_max_g=hi, note=alt_note, form=label,
                                              sources=row_src))
        elif d.dose and d.dose.use != "internal":  # no internal dose: external use only, or only processed
            doses.append(DoseRangeRow(herb=name, use=d.dose.use, note=d.dose.reason, sources=row_src))
        elif d.dose and d.dose.reason:
            skipped.append(f"dose {name}: {d.dose.reason}")
            if d.dose.max_g is not None:  # keep the legible maximum; never guess the minimum
                max_only.append((name, d.dose.max_g, d.dose.reason))
                doses.append(DoseRangeRow(herb=name, dose_max_g=d.dose.max_g, sources=row_src,
                                          note="lower bound illegible in the source copy"))
        elif not d.dose:
            skipped.append(f"dose {name}: no 用法与用量 section")
        if tox_grade:
            tox.append(ToxicityRow(herb=name, grade=tox_grade, sources=row_src))
        stated_max = dose[1] if dose else (d.dose.max_g if d.dose and d.dose.reason else None)
        if tox_grade or stated_max is not None:
            stated.append(MonographStatement(herb=name, toxicity=tox_grade, dose_min_g=dose[0] if dose else None,
                                             dose_max_g=stated_max, sources=row_src))
        if preg_cat:
            preg.append(PregnancyRow(herb=name, category=preg_cat, sources=row_src))
    skipped.extend(notes)
    return PharmacopoeiaImport(
        herbs=herbs,
        dose_ranges=doses,
        toxicity=tox,
        pregnancy=preg,
        skipped=skipped,
        stated_incompatibilities=sorted(pairs),
        pinyin_mismatches=mismatches,
        renamed=renamed,
        dose_max_only=max_only,
        monograph=stated,
    )


def _ocr_name(name: str) -> str:
    return "".join(_NAME_OCR.get(c, c) for c in name)


def _known_name(other: str, known: set[str]) -> str | None:
    """Map a partner name to a known herb: exact, else after fixing the OCR misreadings in _NAME_OCR."""
    if other in known:
        return other
    fixed = _ocr_name(other)
    return fixed if fixed in known else None


def _fix_caution(clause: str, partners: list[str]) -> str:
    if clause.startswith("不宜与") and clause.endswith("同用") and partners:
        return "不宜与" + "、".join(partners) + "同用"
    return clause


def _groups(drafts: dict[str, _Draft]) -> dict[str, str]:
    out: dict[str, str] = {}
    for group, members in GROUPS.items():
        for m in members:
            out[m] = group
    for _ in range(3):
        for name, d in drafts.items():
            if d.form_of in out and name not in out:
                out[name] = out[d.form_of]  # type: ignore[index]
    return out


def _apply_overrides(fields: dict, rows: list[dict], notes: list[str]) -> dict:
    """Apply hand-curated corrections from corpora/overrides/herbs.yaml (each names its sources).

    Only Herb fields can be overridden; rule rows (dose, toxicity, pregnancy) come from the book.
    """
    for row in rows:
        if row.get("name_zh") != fields["name_zh"]:
            continue
        srcs = row.get("sources") or []
        if not srcs:
            raise DatasetError(f"override for {fields['name_zh']} has no sources")
        for key, value in (row.get("set") or {}).items():
            if key not in fields:
                raise DatasetError(f"override for {fields['name_zh']}: unknown field {key}")
            fields[key] = value
        for key, values in (row.get("add") or {}).items():
            if key not in fields:
                raise DatasetError(f"override for {fields['name_zh']}: unknown field {key}")
            fields[key] = sorted(set(fields[key] or []) | set(values))
        fields["sources"] = list(dict.fromkeys([*fields["sources"], *srcs]))
        changed = sorted({*(row.get("set") or {}), *(row.get("add") or {})})
        notes.append(f"{fields['name_zh']}: override applied to {changed}")
    return fields


def incomplete_herbs(result: PharmacopoeiaImport) -> list[str]:
    """Herbs missing nature, flavour, meridian or dose, each with what is missing and why."""
    dosed = {r.herb for r in result.dose_ranges}
    why = {
        s.split(":", 1)[0].removeprefix("dose "): s.split(":", 1)[1].strip()
        for s in result.skipped
        if s.startswith("dose ")
    }
    out = []
    for h in result.herbs:
        miss = [k for k in ("nature", "flavours", "meridians") if not getattr(h, k)]
        if h.name_zh not in dosed:
            miss.append(f"dose ({why.get(h.name_zh, 'none stated')})")
        if miss:
            out.append(f"{h.name_zh}: " + "; ".join(miss))
    return out


def quality_report(result: PharmacopoeiaImport) -> str:
    """Counts the lead asked for, one per line."""
    dosed = {r.herb for r in result.dose_ranges}
    full = [h for h in result.herbs if h.nature and h.flavours and h.meridians and h.name_zh in dosed]
    lines = [
        f"herbs: {len(result.herbs)}",
        f"herbs with nature, ≥1 flavour, ≥1 meridian and a dose range: {len(full)}",
        f"with name_en: {sum(1 for h in result.herbs if h.name_en)}",
        f"with latin: {sum(1 for h in result.herbs if h.latin)}",
        f"with pinyin: {sum(1 for h in result.herbs if h.pinyin)}",
        f"dose rows: {len(result.dose_ranges)}; toxicity rows: {len(result.toxicity)}; "
        f"pregnancy rows: {len(result.pregnancy)}",
        f"doses with only the upper bound surviving: {len(result.dose_max_only)}",
        f"stated incompatibility pairs: {len(result.stated_incompatibilities)}",
        f"pinyin mismatches: {len(result.pinyin_mismatches)}",
        f"skipped/notes: {len(result.skipped)}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - a manual report
    import sys

    root = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else datasets_dir()
    )
    res = import_pharmacopoeia(root)
    print(quality_report(res))
    print("\n# incomplete herbs", *incomplete_herbs(res), sep="\n  ")
    print("\n# renamed headers", *res.renamed, sep="\n  ")
    print("\n# pinyin mismatches", *res.pinyin_mismatches, sep="\n  ")
    print("\n# skipped", *res.skipped, sep="\n  ")
