"""The Sign vocabulary: symptoms, tongue and pulse, with synonyms, and compound phrases split.

One grammar for every reader of clinical text: the importer reads the GB/T 16751.2 definitions and
the 方剂学 indications through it (so the graph's signs are normalised: 脉细数 = 脉细 + 脉数,
舌红少苔 = 舌红 + 苔少), and ``tcm diagnose`` reads a patient's note through the same code, so a
sign in a note and a sign in the graph meet under one name. Tongue and pulse follow a small
grammar (body colour and shape, coating, pulse qualities); symptoms are matched, longest first,
against the vocabulary's names and synonyms in Chinese and English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from tcm.safety.negation import negated

SignKind = str  # "symptom" | "tongue" | "pulse"

# ---------------------------------------------------------------- tongue and pulse grammar

# body descriptor (longest first) → sign names
_BODY = {
    "淡红": ["舌淡红"], "淡白": ["舌淡"], "淡紫": ["舌淡", "舌紫暗"], "淡暗": ["舌淡", "舌暗"],
    "淡胖": ["舌淡", "舌胖"],
    "红绛": ["舌绛"], "深绛": ["舌绛"], "边尖红": ["舌尖红", "舌边红"], "尖红": ["舌尖红"],
    "边红": ["舌边红"],
    "暗红": ["舌红", "舌暗"], "紫暗": ["舌紫暗"], "紫黯": ["舌紫暗"], "青紫": ["舌紫暗"], "暗淡": ["舌淡", "舌暗"],
    "胖大": ["舌胖"], "齿痕": ["舌有齿痕"], "齿印": ["舌有齿痕"], "裂纹": ["舌有裂纹"], "瘀斑": ["舌有瘀斑"],
    "瘀点": ["舌有瘀斑"], "少津": ["舌干"], "瘦薄": ["舌瘦"],
    "淡": ["舌淡"], "红": ["舌红"], "绛": ["舌绛"], "紫": ["舌紫暗"], "暗": ["舌暗"], "黯": ["舌暗"], "胖": ["舌胖"],
    "裂": ["舌有裂纹"], "干": ["舌干"], "燥": ["舌干"], "瘦": ["舌瘦"], "强": ["舌强"], "謇": ["舌强"], "蹇": ["舌强"],
}
_COATING = {
    "薄": "苔薄", "厚": "苔厚", "白": "苔白", "黄": "苔黄", "腻": "苔腻", "滑": "苔滑", "燥": "苔燥", "干": "苔燥",
    "焦": "苔燥", "润": "苔润", "少": "苔少", "无": "苔少", "剥": "苔少", "光": "苔少", "灰": "苔灰黑",
    "黑": "苔灰黑", "垢": "苔腻", "浊": "苔腻", "腐": "苔腐",
}
_PULSE = {
    "浮": "脉浮", "沉": "脉沉", "迟": "脉迟", "数": "脉数", "滑": "脉滑", "涩": "脉涩", "弦": "脉弦", "紧": "脉紧",
    "细": "脉细", "弱": "脉弱", "虚": "脉虚", "实": "脉实", "洪": "脉洪", "大": "脉大", "缓": "脉缓", "濡": "脉濡",
    "微": "脉微", "结": "脉结代", "代": "脉结代", "促": "脉促", "芤": "脉芤", "伏": "脉伏", "疾": "脉数",
}
_PULSE_WORDS = {"无力": "脉无力", "有力": "脉有力"}
_PULSE_FILLER = set("或而且稍略偏欲绝兼之按象尺部寸关两沉取重全皆见")

TONGUE_EN = {
    "舌淡": "pale tongue", "舌淡红": "pale-red tongue", "舌红": "red tongue", "舌绛": "crimson tongue",
    "舌紫暗": "dark purple tongue", "舌暗": "dark tongue", "舌胖": "swollen tongue", "舌有齿痕": "tooth-marked tongue",
    "舌有裂纹": "cracked tongue", "舌有瘀斑": "tongue with stasis spots", "舌尖红": "red tongue tip",
    "舌边红": "red tongue edges", "舌干": "dry tongue", "舌瘦": "thin tongue", "舌强": "stiff tongue",
    "苔薄": "thin coating", "苔厚": "thick coating", "苔白": "white coating", "苔黄": "yellow coating",
    "苔腻": "greasy coating", "苔滑": "slippery coating", "苔燥": "dry coating", "苔润": "moist coating",
    "苔少": "scant or absent coating", "苔灰黑": "grey-black coating", "苔腐": "curdy coating",
}
PULSE_EN = {
    "脉浮": "floating pulse", "脉沉": "deep pulse", "脉迟": "slow pulse", "脉数": "rapid pulse",
    "脉滑": "slippery pulse", "脉涩": "choppy pulse", "脉弦": "wiry pulse", "脉紧": "tight pulse",
    "脉细": "thready pulse", "脉弱": "weak pulse", "脉虚": "empty pulse", "脉实": "replete pulse",
    "脉洪": "surging pulse", "脉大": "large pulse", "脉缓": "moderate pulse", "脉濡": "soggy pulse",
    "脉微": "faint pulse", "脉结代": "knotted or intermittent pulse", "脉促": "hurried pulse", "脉芤": "hollow pulse",
    "脉伏": "hidden pulse", "脉无力": "forceless pulse", "脉有力": "forceful pulse",
}
# English words of tongue body, coating and pulse descriptions
_EN_BODY = [("pale red", ["舌淡红"]), ("pale-red", ["舌淡红"]), ("pink", ["舌淡红"]), ("red tip", ["舌尖红"]),
            ("tip red", ["舌尖红"]), ("red edges", ["舌边红"]), ("red sides", ["舌边红"]), ("deep red", ["舌绛"]),
            ("crimson", ["舌绛"]), ("scarlet", ["舌绛"]), ("purple", ["舌紫暗"]), ("dusky", ["舌紫暗"]),
            ("dark", ["舌暗"]), ("pale", ["舌淡"]), ("red", ["舌红"]), ("swollen", ["舌胖"]), ("enlarged", ["舌胖"]),
            ("puffy", ["舌胖"]), ("flabby", ["舌胖"]), ("teeth marks", ["舌有齿痕"]), ("tooth marks", ["舌有齿痕"]),
            ("tooth-marked", ["舌有齿痕"]), ("teeth-marked", ["舌有齿痕"]), ("scalloped", ["舌有齿痕"]),
            ("cracked", ["舌有裂纹"]), ("fissured", ["舌有裂纹"]), ("cracks", ["舌有裂纹"]), ("stasis", ["舌有瘀斑"]),
            ("spots", ["舌有瘀斑"]), ("dry", ["舌干"]), ("stiff", ["舌强"])]
_EN_COAT = [("little", "苔少"), ("scant", "苔少"), ("scanty", "苔少"), ("peeled", "苔少"), ("absent", "苔少"),
            ("no", "苔少"), ("without", "苔少"), ("bare", "苔少"), ("mirror", "苔少"), ("thin", "苔薄"),
            ("thick", "苔厚"), ("white", "苔白"), ("yellow", "苔黄"), ("greasy", "苔腻"), ("slimy", "苔腻"),
            ("sticky", "苔腻"), ("slippery", "苔滑"), ("wet", "苔滑"), ("moist", "苔润"), ("dry", "苔燥"),
            ("grey", "苔灰黑"), ("gray", "苔灰黑"), ("black", "苔灰黑")]
_EN_PULSE = [("without strength", "脉无力"), ("forceless", "脉无力"), ("forceful", "脉有力"), ("strong", "脉有力"),
             ("floating", "脉浮"), ("superficial", "脉浮"), ("deep", "脉沉"), ("sunken", "脉沉"), ("slow", "脉迟"),
             ("rapid", "脉数"), ("fast", "脉数"), ("quick", "脉数"), ("slippery", "脉滑"), ("rolling", "脉滑"),
             ("choppy", "脉涩"), ("rough", "脉涩"), ("hesitant", "脉涩"), ("wiry", "脉弦"), ("string-like", "脉弦"),
             ("stringlike", "脉弦"), ("taut", "脉弦"), ("tight", "脉紧"), ("tense", "脉紧"), ("thready", "脉细"),
             ("thin", "脉细"), ("fine", "脉细"), ("weak", "脉弱"), ("empty", "脉虚"), ("vacuous", "脉虚"),
             ("feeble", "脉虚"), ("deficient", "脉虚"), ("replete", "脉实"), ("excess", "脉实"), ("full", "脉实"),
             ("surging", "脉洪"), ("flooding", "脉洪"), ("large", "脉大"), ("big", "脉大"), ("moderate", "脉缓"),
             ("relaxed", "脉缓"), ("leisurely", "脉缓"), ("soggy", "脉濡"), ("soft", "脉濡"), ("faint", "脉微"),
             ("minute", "脉微"), ("knotted", "脉结代"), ("intermittent", "脉结代"), ("hurried", "脉促"),
             ("hollow", "脉芤"), ("hidden", "脉伏")]

# connective characters that carry no sign of their own when a source phrase is split
_CONNECTIVES = set("或而及并且时则甚等伴见的之以兼与和重轻微稍略明显尤为加剧")
_CLAUSE = re.compile(r"[，。；;,.!?！？\n]|\bbut\b")
_SOURCE_SPLIT = re.compile(r"[，、；,;。]|甚或|甚则|甚至|或")
_SEVERE_ZH = re.compile(r"剧|甚|严重|明显|加重|(?<!按)重(?!按)")
_MILD_ZH = re.compile(r"轻|稍|略|(?<![脉])微(?![细弱])")
_SEVERE_EN = re.compile(r"\b(severe|severely|marked|intense|extreme|very)\b", re.I)
_MILD_EN = re.compile(r"\b(mild|mildly|slight|slightly|a little)\b", re.I)
_NUM_ZH = "0-9一二两三四五六七八九十百半数几"
DURATION_ZH = re.compile(rf"([{_NUM_ZH}]+\s*(?:余|多)?\s*个?\s*(?:天|日|周|星期|月|年)(?:余|多|许)?)")
DURATION_EN = re.compile(r"\b((?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few)\s+"
                         r"(?:days?|weeks?|months?|years?))\b", re.I)
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class SignInfo:
    """One entry of the vocabulary."""

    name: str
    kind: SignKind
    name_en: str | None = None
    synonyms: tuple[str, ...] = ()  # other Chinese wordings
    english: tuple[str, ...] = ()  # English wordings (the first is name_en)


@dataclass
class Mention:
    """A sign read from text: its name, whether it is denied, and modifiers the clause gives it."""

    sign: str
    kind: SignKind
    text: str
    negated: bool = False
    severity: str | None = None
    duration: str | None = None


@dataclass
class Lexicon:
    """Every name, synonym and English wording of every sign, for longest-first matching."""

    signs: dict[str, SignInfo] = field(default_factory=dict)
    zh: dict[str, str] = field(default_factory=dict)  # surface form → sign name
    en: dict[str, str] = field(default_factory=dict)
    _max_zh: int = 1
    _en_re: re.Pattern[str] | None = None

    @classmethod
    def build(cls, entries: Iterable[SignInfo]) -> Lexicon:
        lex = cls()
        for s in _grammar_signs():
            lex.add(s)
        for s in entries:
            lex.add(s)
        return lex

    def add(self, s: SignInfo) -> None:
        prev = self.signs.get(s.name)
        if prev is not None:  # merge wordings
            s = SignInfo(s.name, prev.kind, prev.name_en or s.name_en,
                         tuple(dict.fromkeys(prev.synonyms + s.synonyms)),
                         tuple(dict.fromkeys(prev.english + s.english)))
        self.signs[s.name] = s
        if s.kind == "symptom":
            for form in (s.name, *s.synonyms):
                self.zh.setdefault(form, s.name)
                self._max_zh = max(self._max_zh, len(form))
            for form in s.english:
                self.en.setdefault(form.lower(), s.name)
        self._en_re = None

    # ------------------------------------------------------------ source phrases (importer)

    def split_phrase(self, phrase: str) -> list[str]:
        """Signs of one source phrase: tongue and pulse by the grammar, symptoms by the vocabulary;
        a phrase the vocabulary covers too little of stays one sign of its own."""
        out: list[str] = []
        rest = phrase
        for m in _tongue_spans(phrase):
            out += tongue_zh(phrase[m[0]:m[1]])
        for m in _pulse_spans(phrase):
            out += pulse_zh(phrase[m[0]:m[1]])
        for a, b in sorted(_tongue_spans(phrase) + _pulse_spans(phrase), reverse=True):
            rest = rest[:a] + "，" + rest[b:]
        for part in _SOURCE_SPLIT.split(rest):
            part = part.strip().removesuffix("等")
            if not part:
                continue
            found, covered = self._scan_zh(part)
            content = sum(1 for c in part if c not in _CONNECTIVES and _HAN.match(c))
            if found and covered >= 0.6 * content:
                out += [s for s, _, _ in found]
            elif content >= 2:
                out.append(part)
                out += [s for s, _, _ in found]
        return list(dict.fromkeys(out))

    def _scan_zh(self, text: str) -> tuple[list[tuple[str, int, int]], int]:
        """Longest-first matches of symptom wordings: (sign, start, end), and characters covered."""
        found: list[tuple[str, int, int]] = []
        i, covered, n = 0, 0, len(text)
        while i < n:
            for L in range(min(self._max_zh, n - i), 0, -1):
                form = text[i:i + L]
                name = self.zh.get(form)
                if name is not None and (L > 1 or form == name):
                    found.append((name, i, i + L))
                    covered += sum(1 for c in form if c not in _CONNECTIVES)
                    i += L
                    break
            else:
                i += 1
        return found, covered

    # ------------------------------------------------------------ free text (diagnose)

    def parse(self, text: str) -> list[Mention]:
        """Signs in a clinical note, Chinese or English, with negation, severity and duration."""
        out: list[Mention] = []
        seen: dict[str, int] = {}

        def put(m: Mention) -> None:
            if m.sign in seen:  # a sign said twice: a positive mention wins over a denial
                prev = out[seen[m.sign]]
                if prev.negated and not m.negated:
                    out[seen[m.sign]] = m
                return
            seen[m.sign] = len(out)
            out.append(m)

        for clause in _clauses(text):
            dur = _duration(clause)
            sev = _severity(clause)
            if _HAN.search(clause):
                self._parse_zh(clause, dur, sev, put)
            if re.search(r"[A-Za-z]{3}", clause):
                self._parse_en(clause, dur, sev, put)
        return out

    def _parse_zh(self, clause: str, dur, sev, put) -> None:
        spans = _tongue_spans(clause) + _pulse_spans(clause)
        for a, b in _tongue_spans(clause):
            for s in tongue_zh(clause[a:b]):
                put(Mention(s, "tongue", clause[a:b], negated(clause, a), None, None))
        for a, b in _pulse_spans(clause):
            for s in pulse_zh(clause[a:b]):
                put(Mention(s, "pulse", clause[a:b], negated(clause, a), None, None))
        masked = list(clause)
        for a, b in spans:
            masked[a:b] = "□" * (b - a)
        text = "".join(masked)
        found, _ = self._scan_zh(text)
        for name, a, b in found:  # hide the other matches so that 无汗 does not negate what follows
            hidden = list(text)
            for _n2, a2, b2 in found:
                if (a2, b2) != (a, b) and b2 <= a:
                    hidden[a2:b2] = "□" * (b2 - a2)
            neg = negated("".join(hidden), a, extra_zh=("不",))
            put(Mention(name, "symptom", clause[a:b], neg, sev, dur))

    def _parse_en(self, clause: str, dur, sev, put) -> None:
        low = clause.lower()
        if "tongue" in low or re.search(r"\b(coat|coating|fur)\b", low):
            for part in re.split(r"\bwith\b|\band\b|[,;:]", low):
                if re.search(r"\b(coat|coating|fur|furred)\b", part):
                    for w, s in _EN_COAT:
                        if re.search(rf"\b{w}\b", part):
                            put(Mention(s, "tongue", part.strip()))
                elif "tongue" in low:
                    for w, names in _EN_BODY:
                        if re.search(rf"\b{re.escape(w)}\b", part):
                            part = re.sub(rf"\b{re.escape(w)}\b", " ", part)
                            for s in names:
                                put(Mention(s, "tongue", w))
            return
        if "pulse" in low:
            words = low
            for w, s in _EN_PULSE:
                if re.search(rf"\b{re.escape(w)}\b", words):
                    words = re.sub(rf"\b{re.escape(w)}\b", " ", words)
                    put(Mention(s, "pulse", w))
            return
        if self._en_re is None:
            forms = sorted(self.en, key=len, reverse=True)
            self._en_re = re.compile(r"\b(" + "|".join(re.escape(f) for f in forms) + r")\b", re.I)
        for m in self._en_re.finditer(clause):
            name = self.en[m.group(1).lower()]
            neg = negated(clause, m.start())
            put(Mention(name, "symptom", m.group(1), neg, sev, dur))


def _grammar_signs() -> list[SignInfo]:
    out = [SignInfo(n, "tongue", en, (), (en,)) for n, en in TONGUE_EN.items()]
    out += [SignInfo(n, "pulse", en, (), (en,)) for n, en in PULSE_EN.items()]
    return out


def _clauses(text: str) -> list[str]:
    return [c for c in _CLAUSE.split(text) if c and c.strip()]


def _duration(clause: str) -> str | None:
    m = DURATION_ZH.search(clause) or DURATION_EN.search(clause)
    return m.group(1).strip() if m else None


def _severity(clause: str) -> str | None:
    if _SEVERE_ZH.search(clause) or _SEVERE_EN.search(clause):
        return "severe"
    if _MILD_ZH.search(clause) or _MILD_EN.search(clause):
        return "mild"
    return None


_TONGUE_RE = re.compile(r"(?:舌(?:质|体|象)?|(?<![^，、；,;。\s□])(?=(?:薄|厚|少|无|白|黄)*苔))"
                        r"[淡白红绛紫暗黯青胖大瘦薄齿痕印裂纹瘀斑点少津干燥强謇蹇边尖偏深而有质体略稍苔薄厚黄腻滑润剥光灰黑垢浊腐无或、]*")
_PULSE_RE = re.compile(r"脉(?:象)?[浮沉迟数滑涩弦紧细弱虚实洪大缓濡微结代促芤伏疾无有力或而且稍略偏欲绝兼按之重全]+")


def _tongue_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _TONGUE_RE.finditer(text) if m.end() - m.start() > 1]


def _pulse_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _PULSE_RE.finditer(text)]


def tongue_zh(span: str) -> list[str]:
    """舌红少苔 → [舌红, 苔少]; 舌淡胖边有齿痕苔白滑 → [舌淡, 舌胖, 舌有齿痕, 苔白, 苔滑]."""
    out: list[str] = []
    cut = span.find("苔")
    body, coat = (span, "") if cut < 0 else (span[:cut], span[cut + 1:])
    pre = re.search(r"[薄厚少无白黄]+$", body) if cut >= 0 else None
    if pre:  # 少苔, 薄白苔: the coating's words stand before it
        coat = pre.group(0) + coat
        body = body[: pre.start()]
    body = re.sub(r"^舌(?:质|体|象)?", "", body)
    i = 0
    while i < len(body):
        for L in (3, 2, 1):
            tok = body[i:i + L]
            if tok in _BODY:
                out += _BODY[tok]
                i += L
                break
        else:
            i += 1
    for c in coat:
        if c in _COATING:
            out.append(_COATING[c])
    return list(dict.fromkeys(out))


def pulse_zh(span: str) -> list[str]:
    """脉细数 → [脉细, 脉数]; 脉沉迟无力 → [脉沉, 脉迟, 脉无力]; 脉微欲绝 → [脉微]."""
    body = re.sub(r"^脉象?", "", span)
    out: list[str] = []
    for w, s in _PULSE_WORDS.items():
        if w in body:
            out.append(s)
            body = body.replace(w, "")
    out = [_PULSE[c] for c in body if c in _PULSE] + out
    return list(dict.fromkeys(out))
