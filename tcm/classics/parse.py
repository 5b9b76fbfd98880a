"""Parsing one classical book: header, ``<篇名>`` sections, and passages (a numbered clause or a paragraph).

The books (xiaopangxia/TCM-Ancient-Books, re-encoded to UTF-8) are hard-wrapped at a fixed width
with a trailing space on every line, so a paragraph ends where a line is clearly shorter than the
book's wrap width, or where the next line opens a numbered clause (``35．`` in 《伤寒论》 and
《金匮要略》, ``一、`` in 《温病条辨》). Paragraphs longer than :data:`MAX_CHARS` are cut at sentence
ends; fragments shorter than :data:`MIN_CHARS` (headings, stray lines) join the next passage.
The original text is kept for display; :func:`normalise` gives the searchable form (simplified
characters, classical variants folded).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

MAX_CHARS = 320
MAX_CLAUSE = 900  # a numbered clause with its formula and method stays whole up to this
MIN_CHARS = 12
_HEADER = re.compile(r"^(书名|作者|朝代|年份)：\s*(.*?)\s*$")
_SECTION = re.compile(r"^<篇名>\s*(.*?)\s*$")
_TOC = re.compile(r"^<目录>\s*(.*?)\s*$")
_PREFIX = re.compile(r"^(?:属性|内容)：")
_ARABIC = re.compile(r"^(\d{1,4})[．.]\s*")
_CN_NUM = re.compile(r"^([一二三四五六七八九十百]{1,5})、")
_SENT_END = re.compile(r"(?<=[。！？；])")
_MARKUP = re.compile(r"\\x|\\")
_SPACES = re.compile(r"[ \t\u3000]+")

# Classical variants that OpenCC's t2s leaves alone (or maps elsewhere), folded for search only.
_VARIANTS = str.maketrans({
    "欬": "咳", "鞕": "硬", "濇": "涩", "痓": "痉", "衂": "衄", "蚘": "蛔", "讝": "谵", "譫": "谵", "煖": "暖",
    "鍼": "针", "鋮": "针", "麤": "粗", "癡": "痴", "遡": "溯", "菓": "果", "脈": "脉", "湯": "汤", "證": "证",
    "証": "证", "藥": "药", "嘔": "呕", "噦": "哕", "悮": "误", "鬲": "膈", "畜": "蓄", "輭": "软", "耎": "软",
    "匀": "匀", "㿗": "癞", "瘖": "喑", "螈": "疭", "疭": "疭", "瘈": "瘛", "攣": "挛", "鬱": "郁", "欝": "郁",
    "躁": "躁", "弦": "弦", "絃": "弦", "浄": "净", "蔕": "蒂", "粘": "黏", "癥": "症", "髪": "发", "鈎": "钩",
})


@dataclass
class Passage:
    """One passage as parsed: its place in the book and its original text."""

    seq: int
    section: str
    section_no: int
    clause: int | None
    text: str
    #: the volume (<目录> 卷二·中焦篇) the section stands in, kept only where the book repeats the section's name in
    #: another volume: 《温病条辨》 has a 寒湿 in 中焦篇 and in 下焦篇, each numbering its own clauses
    part: str = ""


@dataclass
class Book:
    """A parsed book: header fields and its passages in reading order."""

    book_id: str
    title: str
    author: str = ""
    dynasty: str = ""
    year: str = ""
    passages: list[Passage] = field(default_factory=list)

    @property
    def chars(self) -> int:
        return sum(len(p.text) for p in self.passages)


def _cn_int(s: str) -> int:
    """一 → 1, 十二 → 12, 二十三 → 23, 一百零五 → 105 (the numerals clause markers use); digits without 十 or 百
    read place by place (《温病条辨》's 中焦 numbers 四三、 for 四十三、)."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    if len(s) > 1 and all(ch in digits for ch in s):
        return int("".join(str(digits[ch]) for ch in s))
    total, cur = 0, 0
    for ch in s:
        if ch in digits:
            cur = digits[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
    return total + cur


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


#: Words this edition writes with a wrong character (its conversion wrote 浓 for 厚 in 厚朴).
_WORD_FIXES = {"浓朴": "厚朴"}


def normalise(text: str) -> str:
    """The searchable form: simplified characters, classical variants folded, no spaces."""
    from tcm.names.forms import to_simplified

    out = _SPACES.sub("", to_simplified(text).translate(_VARIANTS))
    for wrong, right in _WORD_FIXES.items():
        out = out.replace(wrong, right)
    return out


def split_file_name(name: str) -> tuple[str, str]:
    """'457-伤寒论.txt' → ('457', '伤寒论')."""
    stem = name.rsplit("/", 1)[-1].removesuffix(".txt")
    num, _, title = stem.partition("-")
    return (num, title) if num.isdigit() and title else (stem, stem)


def parse_book(name: str, text: str) -> Book:
    """A book from its file name ('457-伤寒论.txt') and UTF-8 text."""
    book_id, title = split_file_name(name)
    book = Book(book_id=book_id, title=title)
    lines = text.replace("\r\n", "\n").split("\n")
    head = {}
    for line in lines[:12]:
        m = _HEADER.match(line.strip())
        if m:
            head[m.group(1)] = m.group(2)
    book.title = head.get("书名") or title
    book.author, book.dynasty, book.year = head.get("作者", ""), head.get("朝代", ""), head.get("年份", "")
    numbered = sum(1 for ln in lines if _ARABIC.match(_PREFIX.sub("", ln.strip()))) >= 20
    cn_numbered = sum(1 for ln in lines if _CN_NUM.match(_PREFIX.sub("", ln.strip()))) >= 10
    widths = sorted(_width(ln.rstrip()) for ln in lines if len(ln.strip()) > 8)
    wrap = widths[int(len(widths) * 0.9)] if widths else 100
    book.passages = list(_passages(lines, wrap, numbered, cn_numbered, book.title))
    parts: dict[str, set[str]] = {}
    for p in book.passages:
        parts.setdefault(p.section, set()).add(p.part)
    for p in book.passages:
        if len(parts[p.section]) < 2:
            p.part = ""
    return book


def _passages(lines: list[str], wrap: int, numbered: bool, cn_numbered: bool, title: str) -> Iterator[Passage]:
    section, section_no, seq, part = "", 0, 0, ""
    para: list[str] = []
    clause: int | None = None
    pending = ""  # a fragment too short to stand alone, carried into the next passage

    def flush() -> Iterator[Passage]:
        nonlocal para, seq, pending
        text = _MARKUP.sub("", "".join(para)).strip()
        para = []
        text = _SPACES.sub(" ", text).strip()
        if not text:
            return
        if pending:
            text, pending = pending + " " + text, ""
        if len(text) < MIN_CHARS and clause is None:
            pending = text
            return
        for piece in _cut(text, MAX_CLAUSE if numbered and clause is not None else MAX_CHARS):
            seq += 1
            yield Passage(seq, section, section_no, clause, piece, part)

    for raw in lines:
        line = raw.rstrip()
        stripped = line.strip()
        if _HEADER.match(stripped) and section_no == 0:
            continue
        m = _SECTION.match(stripped)
        toc = _TOC.match(stripped)
        if m or toc:  # a volume's or a section's heading ends the passage before it
            yield from flush()
            if pending:  # a heading left at the end of a section stays with it
                seq += 1
                yield Passage(seq, section, section_no, clause, pending, part)
                pending = ""
        if toc:
            part = toc.group(1).replace("\\", "·")
            continue
        if m:
            name = m.group(1)
            if section_no == 0 and name == title and not section:
                section = name  # the book's own title line
                continue
            section, section_no, clause = name, section_no + 1, None
            continue
        if not stripped:
            if para:
                yield from flush()
            continue
        body = _PREFIX.sub("", stripped)
        start = None
        if numbered and (a := _ARABIC.match(body)):
            start = int(a.group(1))
        elif cn_numbered and (c := _CN_NUM.match(body)):
            start = _cn_int(c.group(1))
        if start is not None:
            yield from flush()
            clause = start
        elif body is not stripped and para:  # 属性： opens a new section body
            yield from flush()
        para.append(body)
        if _width(line) < wrap - 6 and not (numbered and clause is not None):
            yield from flush()  # a numbered clause keeps its formula and method lines
    yield from flush()
    if pending:
        seq += 1
        yield Passage(seq, section, section_no, clause, pending, part)


def _cut(text: str, limit: int = 0) -> list[str]:
    """Cut a long paragraph at sentence ends into pieces of at most about ``limit`` characters."""
    limit = limit or MAX_CHARS
    if len(text) <= limit:
        return [text]
    out, cur = [], ""
    for sent in _SENT_END.split(text):
        if cur and len(cur) + len(sent) > limit:
            out.append(cur)
            cur = ""
        cur += sent
        while len(cur) > limit * 1.5:  # a run with no sentence end at all
            out.append(cur[:limit])
            cur = cur[limit:]
    if cur:
        if out and len(cur) < MIN_CHARS * 3:
            out[-1] += cur
        else:
            out.append(cur)
    return out


# ------------------------------------------------------------------ what is embedded
EMBED_CHARS = 256  # the embedder reads at most this much of a text (USE's cost grows with length)
_SENTENCE_END = re.compile(r"(?<=[。！？；])")


def sentence_views(text: str, size: int = EMBED_CHARS) -> list[str]:
    """Windows of whole sentences (one longer than ``size`` cut into pieces), each at most ``size`` characters,
    that cover ``text`` past its first ``size`` characters: the part a passage's own vector never reads."""
    pieces = [s[i : i + size] for s in _SENTENCE_END.split(text) if s for i in range(0, len(s), size)]
    windows: list[tuple[int, str]] = []
    cur, start, pos = "", 0, 0
    for p in pieces:
        if cur and len(cur) + len(p) > size:
            windows.append((start, cur))
            cur, start = "", pos
        cur += p
        pos += len(p)
    if cur:
        windows.append((start, cur))
    return [w for s, w in windows if s + len(w) > size]


def embed_texts(passages: list[tuple[int, str]]) -> tuple[list[str], list[int]]:
    """The texts embedded for a book's passages ``(pid, original text)`` and the passage each belongs to:
    first every passage's opening ``EMBED_CHARS`` characters, in order (row i is passage i), then the
    sentence-level views of the passages longer than that. A passage scores as the best of its rows, so a
    question about words deep in a long passage finds it too."""
    norms = [(pid, normalise(t)) for pid, t in passages]
    texts, owners = [s[:EMBED_CHARS] for _, s in norms], [pid for pid, _ in norms]
    for pid, s in norms:
        if len(s) > EMBED_CHARS:
            views = sentence_views(s)
            texts += views
            owners += [pid] * len(views)
    return texts, owners
