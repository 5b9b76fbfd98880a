"""Name forms: traditional characters, pinyin (toned and plain), Latin spacing, lookup keys.

Entity linking needs every spelling a user may type, and the pharmacopoeia text lost its
spaces and tones, so these helpers rebuild them deterministically and say when the book and
the dictionary disagree instead of guessing silently.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from opencc import OpenCC

__all__ = [
    "PinyinResult",
    "compact_pinyin",
    "latin_letters",
    "latin_title",
    "letters",
    "name_keys",
    "normalize_name",
    "plain_pinyin",
    "segment_latin",
    "strip_processing",
    "to_pinyin",
    "to_simplified",
    "to_traditional",
]

# Words that stay lower case inside a pharmaceutical name ("Radix et Rhizoma", "Praeparata cum Melle").
_LATIN_LOWER = {"et", "cum", "seu", "vel", "aut"}
# Tone-numbered vowels, to strip tones for comparison.
_TONE_STRIP = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ", "aaaaeeeeiiiioooouuuuvvvvvnnnm")
# Neutral-tone readings pypinyin gives inside common words but herb names read in full tone.
_FULL_TONE = {"子": "zǐ", "头": "tóu", "实": "shí", "仁": "rén", "皮": "pí"}


@lru_cache(maxsize=1)
def _s2t() -> OpenCC:
    return OpenCC("s2t")


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


@lru_cache(maxsize=1 << 16)
def to_simplified(text: str) -> str:
    """Traditional → simplified characters (OpenCC t2s)."""
    return _t2s().convert(text)


def to_traditional(text: str) -> str:
    """Simplified → traditional characters (OpenCC s2t)."""
    return _s2t().convert(text)


def letters(text: str) -> str:
    """Lower-case ASCII letters only: the key on which romanisations are compared."""
    text = unicodedata.normalize("NFKD", text.translate(_TONE_STRIP))
    return re.sub(r"[^a-z]", "", text.lower())


def plain_pinyin(toned: str) -> str:
    """'gān cǎo' → 'gan cao' (ü becomes v, as input methods type it)."""
    return " ".join(letters(s) for s in toned.split())


def compact_pinyin(toned: str) -> str:
    """'gān cǎo' → 'gancao': the form the pharmacopoeia prints (without its capital)."""
    return plain_pinyin(toned).replace(" ", "")


@dataclass(frozen=True)
class PinyinResult:
    """Tone-marked pinyin and how it relates to a romanisation printed in a source."""

    pinyin: str
    agrees: bool  # True when the letters equal the reference (or no reference was given)
    note: str = ""  # why it disagrees, for the import report


def _same_letters(a: str, b: str) -> bool:
    """Compare romanisations ignoring case, tones and spaces; the book writes ü as u ('Nuzhenzi')."""
    return letters(a).replace("v", "u") == letters(b).replace("v", "u")


def _readings(char: str) -> list[str]:
    if not ("\u4e00" <= char <= "\u9fff"):
        return []
    from pypinyin import Style, pinyin  # imported when first needed: its phrase dictionary takes ~0.4 s to load

    out = pinyin(char, style=Style.TONE, heteronym=True)[0]
    return [r for r in out if r and r != char]


def _full_tone(chars: str, syllables: list[str]) -> list[str]:
    """Replace pypinyin's neutral-tone readings with the full tone herb names use."""
    out = []
    for ch, syl in zip(chars, syllables, strict=True):
        if letters(syl) == syl and ch in _FULL_TONE and letters(_FULL_TONE[ch]) == syl:
            syl = _FULL_TONE[ch]
        out.append(syl)
    return out


def to_pinyin(name_zh: str, reference: str | None = None) -> PinyinResult:
    """Tone-marked pinyin for a Chinese name, checked against a printed romanisation.

    pypinyin's phrase dictionary picks readings in context; when its letters differ from
    ``reference`` (the book's 'Gancao'), other dictionary readings of each character are tried
    so a polyphone (朴 pò/piáo) follows the book. If none fits, the dictionary reading is kept
    and ``agrees`` is False, so the caller can report it rather than invent tones.
    """
    chars = "".join(c for c in name_zh if "\u4e00" <= c <= "\u9fff")
    if not chars:
        return PinyinResult("", reference is None, "no Chinese characters")
    from pypinyin import Style, pinyin

    first = [s[0] for s in pinyin(chars, style=Style.TONE)]
    first = _full_tone(chars, first)
    if reference is None or _same_letters(reference, "".join(first)):
        return PinyinResult(" ".join(first), True)
    options = [_readings(c) or [first[i]] for i, c in enumerate(chars)]
    if len(list(itertools.islice(itertools.product(*options), 5000))) < 5000:
        for combo in itertools.product(*options):
            if _same_letters(reference, "".join(combo)):
                return PinyinResult(
                    " ".join(_full_tone(chars, list(combo))), True, "polyphone chosen by book"
                )
    best = _greedy(first, options, reference)
    note = f"book {reference!r} vs dictionary {compact_pinyin(' '.join(first))!r}"
    if best != first:
        note += f"; polyphone(s) read as in the book: {compact_pinyin(' '.join(best))!r}"
    return PinyinResult(" ".join(_full_tone(chars, best)), False, note)


def _greedy(first: list[str], options: list[list[str]], reference: str) -> list[str]:
    """Per character, keep the dictionary reading unless only another reading starts the rest
    of the reference (茄根 'Qiegeng' → qié); then move past that many letters either way."""
    rest = letters(reference).replace("v", "u")
    out = []
    for default, opts in zip(first, options, strict=True):
        key = letters(default).replace("v", "u")
        if not rest.startswith(key):
            fits = [o for o in opts if rest.startswith(letters(o).replace("v", "u"))]
            if fits:
                default = max(fits, key=len)
                key = letters(default).replace("v", "u")
        out.append(default)
        rest = rest[len(key) :]
    return out


def latin_letters(text: str) -> str:
    """Upper-case letters only, for comparing a spaced Latin name with the book's run-together one."""
    return re.sub(r"[^A-Z]", "", text.upper())


def latin_title(words: Iterable[str]) -> str:
    """Title-case a pharmaceutical name, keeping et/cum/seu lower: 'Glycyrrhizae Radix et Rhizoma'."""
    out = []
    for i, w in enumerate(w for w in words if w):
        lw = w.lower()
        if i and lw in _LATIN_LOWER:
            out.append(lw)
        elif re.match(r"^[a-z]-", lw):  # 'l-Borneolum': the stereo prefix stays lower case
            out.append(lw[:2] + lw[2:3].upper() + lw[3:])
        else:
            out.append(lw[:1].upper() + lw[1:])
    return " ".join(out)


def segment_latin(run_together: str, vocabulary: Iterable[str]) -> tuple[str, bool]:
    """Split 'ANISISTELLATIFRUCTUS' into 'Anisi Stellati Fructus' using known words.

    Dynamic programming over the vocabulary (words seen in spaced Latin names). Cost is the
    number of unknown letters plus 3 per unknown run, so a short known word ('ET') is not
    carved out of an unknown genus name; ties go to fewer words. Returns the title-cased name
    and whether every letter was covered by a known word.
    """
    text = latin_letters(run_together)
    vocab = {w for w in (latin_letters(v) for v in vocabulary) if len(w) >= 3 or w == "ET"}
    n = len(text)
    if n == 0:
        return "", False
    # best[k][i] = (cost, words, pieces) for text[:i]; k=1 when the last piece is unknown ('?')
    best: list[list[tuple[int, int, list[str]] | None]] = [[None] * (n + 1), [None] * (n + 1)]
    best[0][0] = (0, 0, [])
    maxlen = max((len(w) for w in vocab), default=1)

    def offer(k: int, j: int, cand: tuple[int, int, list[str]]) -> None:
        old = best[k][j]
        if old is None or cand[:2] < old[:2]:
            best[k][j] = cand

    for i in range(n):
        for k in (0, 1):
            cur = best[k][i]
            if cur is None:
                continue
            cost, nwords, pieces = cur
            for j in range(i + 1, min(n, i + maxlen) + 1):
                if text[i:j] in vocab:
                    offer(0, j, (cost, nwords + 1, [*pieces, text[i:j]]))
            if k:
                offer(1, i + 1, (cost + 1, nwords, [*pieces[:-1], pieces[-1] + text[i]]))
            else:
                offer(1, i + 1, (cost + 4, nwords + 1, [*pieces, "?" + text[i]]))
    finals = [c for c in (best[0][n], best[1][n]) if c is not None]
    pieces = min(finals, key=lambda c: c[:2])[2]
    return latin_title(p.lstrip("?") for p in pieces), not any(p.startswith("?") for p in pieces)


_PUNCT = re.compile(r"[\s\-_'’‘·•,.;:()（）/]+")


def normalize_name(text: str) -> str:
    """The lookup key for any name form: width-folded, lower case, tones and punctuation removed.

    'Gān Cǎo' → 'gan cao', 'GLYCYRRHIZAE RADIX' → 'glycyrrhizae radix', '麻黄 汤' → '麻黄 汤'.
    ü becomes v, as in :func:`letters`.
    """
    text = unicodedata.normalize("NFKC", text or "").translate(_TONE_STRIP)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _PUNCT.sub(" ", text.lower()).strip()


def name_keys(*names: str | None) -> list[str]:
    """Every key under which an entity should be found: each name normalised, and romanised
    names also without spaces ('gan cao' and 'gancao')."""
    out: list[str] = []
    for name in names:
        if not name:
            continue
        key = normalize_name(name)
        for k in (key, key.replace(" ", "") if key.isascii() else key):
            if k and k not in out:
                out.append(k)
    return out


# Processing marks that leave the medicinal the same (盐黄柏 is 黄柏 processed, 三七粉 is 三七 powdered);
# tried only after an exact match fails, so monographs of their own (炙甘草, 熟地黄, 姜半夏) win.
PROCESSING_PREFIXES = ("麸炒", "土炒", "盐炒", "酒洗", "酒炒", "蜜炙", "醋炙", "姜炙", "炒", "炙", "生", "熟", "制",
                       "盐", "酒", "醋", "姜", "蜜", "煅", "焦", "煨", "炮", "蒸", "燀", "干")
PROCESSING_SUFFIXES = ("炭", "片", "粉", "炙", "炒")


def strip_processing(name: str) -> list[str]:
    """Names ``name`` may be a processed form of, nearest first: 盐黄柏 → [黄柏], 黄芩片 → [黄芩].

    Only one name is stripped: text with spaces is several words (生姜 川乌 is not 姜 川乌 processed)."""
    if not name or any(c.isspace() for c in name):
        return []
    out = [name[len(p):] for p in PROCESSING_PREFIXES if name.startswith(p) and len(name) > len(p) + 1]
    out += [name[: -len(s)] for s in PROCESSING_SUFFIXES if name.endswith(s) and len(name) > len(s) + 1]
    return list(dict.fromkeys(out))
