"""Differentiation (辨证): score syndromes and formulas by the weighted evidence of a patient's signs.

Every syndrome (its GB/T 16751.2 feature list, and the textbook syndromes' indications) and every
formula (its 方剂学 indications) is a profile of weighted signs. A patient's signs are scored
against each profile: how much of the patient's presentation the profile explains, how much of the
profile the patient shows (main features count fully, accompanying ones half), with rare signs
(tongue, pulse, specific symptoms) weighing more than common ones (inverse document frequency),
and denied or opposite signs (舌淡 against 舌红, 脉迟 against 脉数, 无汗 against 汗出) counting
against. A formula's score adds the best score of the GB/T syndromes the crosswalk maps it to.
Everything is precomputed in memory from the corpus: one diagnosis is a few dictionary walks.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from tcm.corpora.io import Corpus
from tcm.reasoning.signs import Lexicon, Mention, SignInfo
from tcm.types import Diagnosis, FormulaScore, SignMention, SyndromeScore

KIND_WEIGHT = {"symptom": 1.0, "tongue": 1.3, "pulse": 1.3}
PARTIAL = 0.6
BORROWED = 0.6  # a sign matched through a longer wording (心悸 in 心悸怔忡)
_OPPOSITES = [
    ({"舌淡", "舌淡红"}, {"舌红", "舌绛"}), ({"脉浮"}, {"脉沉", "脉伏"}), ({"脉迟", "脉缓"}, {"脉数", "脉促"}),
    ({"脉无力", "脉虚", "脉弱", "脉微"}, {"脉有力", "脉实", "脉洪"}), ({"苔少"}, {"苔厚", "苔腻"}),
    ({"无汗"}, {"汗出", "自汗"}), ({"口渴"}, {"口不渴"}), ({"便秘"}, {"便溏", "泄泻"}),
    ({"小便清长"}, {"小便短赤"}), ({"苔润", "苔滑"}, {"苔燥"}),
]
MIN_SIGNS = 3
# English words of pattern names → the Chinese they stand for in syndrome names (word equivalences)
PATTERN_EN = {
    "wind-cold": "风寒", "wind-heat": "风热", "wind-damp": "风湿", "damp-heat": "湿热", "cold-damp": "寒湿",
    "phlegm-heat": "痰热", "phlegm-damp": "痰湿", "exterior": "表", "interior": "里", "excess": "实",
    "repletion": "实", "deficiency": "虚", "vacuity": "虚", "deficient": "虚", "heart": "心", "liver": "肝",
    "spleen": "脾", "lung": "肺", "kidney": "肾", "stomach": "胃", "gallbladder": "胆", "yin": "阴", "yang": "阳",
    "qi": "气", "blood": "血", "wind": "风", "cold": "寒", "heat": "热", "fire": "火", "damp": "湿",
    "dampness": "湿", "phlegm": "痰", "stasis": "瘀", "dryness": "燥", "stagnation": "郁", "summerheat": "暑",
}
MIN_SCORE = 0.22
MIN_SIGNS_NO_TP = 3  # without tongue or pulse (4 abstained on 29 of 248 answerable tune cases; 3 on none)
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z]{2,}")


def _opposites() -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for a, b in _OPPOSITES:
        for x in a:
            out[x] |= b
        for x in b:
            out[x] |= a
    return out


@dataclass
class Profile:
    id: str
    name: str
    weights: dict[str, float]
    key: set[str]
    mass: float
    code: str | None = None


class Reasoner:
    """Signs → syndromes → principle → formulas, built once from a corpus."""

    def __init__(self, corpus: Corpus) -> None:
        infos = []
        for s in corpus.signs:
            if s.kind != "symptom":
                continue
            if len(s.name_zh) == 1 and not s.english:  # a stray character is no sign to look for in a note
                continue
            infos.append(SignInfo(s.name_zh, "symptom", s.name_en, tuple(s.synonyms), tuple(s.english)))
        self.lexicon = Lexicon.build(infos)
        self.kind = {s.name_zh: s.kind for s in corpus.signs}
        self.name_en = {s.name_zh: s.name_en for s in corpus.signs if s.name_en}
        for name, info in self.lexicon.signs.items():
            self.kind.setdefault(name, info.kind)
            if info.name_en:
                self.name_en.setdefault(name, info.name_en)
        self.opposite = _opposites()
        coded = {s.name_zh: s for s in corpus.syndromes}
        self.code = {s.name_zh: s.code for s in corpus.syndromes}
        self.syndrome_sources = {s.name_zh: s.sources for s in corpus.syndromes}

        weights: dict[str, dict[str, float]] = defaultdict(dict)
        keys: dict[str, set[str]] = defaultdict(set)
        for r in corpus.syndrome_signs:
            weights[r.syndrome][r.sign] = max(weights[r.syndrome].get(r.sign, 0.0), r.weight)
            if r.key:
                keys[r.syndrome].add(r.sign)
        fweights: dict[str, dict[str, float]] = defaultdict(dict)
        for r in corpus.formula_signs:
            fweights[r.formula][r.sign] = 1.0
        self.crosswalk: dict[str, list] = defaultdict(list)
        self._same_as: dict[str, set[str]] = defaultdict(set)  # textbook syndrome name → GB/T terms it equals
        for r in corpus.crosswalk:
            self.crosswalk[r.formula].append(r)
            if r.kind in ("exact", "synonym"):
                self._same_as[r.textbook_name].add(r.syndrome)
        self._borrowed: set[str] = set()
        for f in corpus.formulas:  # a formula the table gives no signs borrows its syndromes' main signs
            if not fweights[f.name_zh]:
                self._borrowed.add(f.name_zh)
                for r in self.crosswalk[f.name_zh]:
                    for s in keys.get(r.syndrome, ()):
                        fweights[f.name_zh][s] = 0.6

        n_docs = len(weights) + len(fweights)
        df: dict[str, int] = defaultdict(int)
        for table in (weights, fweights):
            for w in table.values():
                for s in w:
                    df[s] += 1
        self.idf = {s: math.log(1 + n_docs / d) for s, d in df.items()}
        self._floor = 4 * (sum(self.idf.values()) / max(len(self.idf), 1))

        def profile(pid: str, name: str, w: dict[str, float], key: set[str], code: str | None) -> Profile:
            mass = sum(v * self._w(s) for s, v in w.items())
            return Profile(pid, name, w, key, mass, code)

        self.syndromes = {n: profile(f"syndrome:{n}", n, w, keys[n], self.code.get(n)) for n, w in weights.items()
                          if n in coded and coded[n].code}
        self._stems = sorted({n.removesuffix("证") for n in coded if len(n.removesuffix("证")) >= 3
                              and not n.endswith("类")}, key=len, reverse=True)
        self._textbook: dict[str, list[str]] = defaultdict(list)
        for f in corpus.formulas:
            self._textbook[f.name_zh] = list(f.syndromes)
        self.formulas = {f.name_zh: profile(f.id, f.name_zh, fweights[f.name_zh], set(fweights[f.name_zh]), None)
                         for f in corpus.formulas}
        self.formula = {f.name_zh: f for f in corpus.formulas}
        self.families: dict[str, list[str]] = defaultdict(list)
        self.variants: dict[str, list] = defaultdict(list)
        for r in corpus.families:
            self.variants[r.base].append(r)
            self.families[r.variant].append(r.base)
            self.families[r.base].append(r.variant)
        # inverted indexes: sign → profiles holding it
        self._syn_index: dict[str, list[str]] = defaultdict(list)
        for n, p in self.syndromes.items():
            for s in p.weights:
                self._syn_index[s].append(n)
        self._f_index: dict[str, list[str]] = defaultdict(list)
        for n, p in self.formulas.items():
            for s in p.weights:
                self._f_index[s].append(n)
        # a sign inside a longer wording: 心悸 → 心悸怔忡, 胁痛 → 胸胁胀痛 (symptoms only)
        self._within: dict[str, set[str]] = defaultdict(set)
        for s in df:
            if self.kind.get(s, "symptom") != "symptom":
                continue
            for i in range(len(s)):
                for j in range(i + 2, len(s) + 1):
                    if j - i < len(s):
                        self._within[s[i:j]].add(s)

    def _w(self, sign: str) -> float:
        return self.idf.get(sign, 1.0) * KIND_WEIGHT.get(self.kind.get(sign, "symptom"), 1.0)

    # ------------------------------------------------------------------ scoring
    def _evidence(self, present: list[str]) -> dict[str, dict[str, float]]:
        """Patient sign → {profile sign: strength}: itself, and the longer wordings it appears in."""
        out = {}
        for p in present:
            m = {p: 1.0}
            for longer in self._within.get(p, ()):
                m.setdefault(longer, PARTIAL)
            out[p] = m
        return out

    def _score(self, profiles: dict[str, Profile], index: dict[str, list[str]], present: list[str],
               denied: set[str], evidence: dict[str, dict[str, float]], bonus: dict[str, float] | None = None
               ) -> list[tuple[float, Profile, list, list]]:
        # one walk over the postings: profile → patient sign → (strength, the profile's sign it met)
        best: dict[str, dict[str, tuple[float, str]]] = defaultdict(dict)
        for p in present:
            for s, strength in evidence[p].items():
                for name in index.get(s, ()):
                    cur = best[name].get(p)
                    if cur is None or strength > cur[0]:
                        best[name][p] = (strength, s)
        against = denied | ({o for p in present for o in self.opposite.get(p, ())} - set(present))
        contra_of: dict[str, list[str]] = defaultdict(list)
        for s in against:
            for name in index.get(s, ()):
                contra_of[name].append(s)
        q_mass = sum(self._w(p) for p in present) or 1.0
        bonus = bonus or {}
        out = []
        for name in set(best) | set(bonus):
            prof = profiles.get(name)
            if prof is None:
                continue
            explained, covered, matched, hit = 0.0, 0.0, [], set()
            for p, (strength, via) in best.get(name, {}).items():
                explained += self._w(p) * strength
                matched.append(p)
                if via not in hit:
                    hit.add(via)
                    covered += prof.weights[via] * self._w(via) * strength
            contra = contra_of.get(name, [])
            penalty = sum(prof.weights[s] * self._w(s) for s in contra)
            denom = max(prof.mass, self._floor)
            score = 0.55 * explained / q_mass + 0.45 * covered / denom - 0.6 * penalty / denom + bonus.get(name, 0.0)
            if score > 0:
                matched.sort(key=present.index)
                out.append((score, prof, matched, contra))
        out.sort(key=lambda t: (-t[0], t[1].name))
        return out

    def named_patterns(self, text: str) -> list[str]:
        """Syndrome names a question states (心阴虚, 风寒表实; "heart yin deficiency", "wind-cold exterior
        excess"), as the Chinese strings to look for inside syndrome names."""
        out = [stem for stem in self._stems if stem in text]
        low = text.lower()
        run: list[str] = []
        for w in re.findall(r"[a-z]+(?:-[a-z]+)?", low) + ["."]:
            zh = PATTERN_EN.get(w)
            if zh is not None:
                run.append(zh)
                continue
            if w in ("of", "and", "with", "pattern", "syndrome") and run:
                continue
            if len(run) >= 2 and len("".join(run)) >= 3:
                out.append("".join(run))
            run = []
        # the longest stems only: 风寒表实 hides 风寒 and 表实
        out = sorted(set(out), key=len, reverse=True)
        return [s for i, s in enumerate(out) if not any(s in o for o in out[:i])]

    def _pattern_bonus(self, patterns: list[str]) -> tuple[dict[str, float], dict[str, float]]:
        syn: dict[str, float] = {}
        form: dict[str, float] = {}
        for pat in patterns:
            for name in self.syndromes:
                if pat in name:
                    syn[name] = max(syn.get(name, 0.0), 0.6 * len(pat) / len(name.removesuffix("证")))
            for f, names in self._textbook.items():
                for n in names:
                    if pat in n:
                        share = len(pat) / len(n.removesuffix("证"))
                        form[f] = max(form.get(f, 0.0), 0.5 * share)
                        for g in self._same_as.get(n, ()):  # the GB/T term the textbook name equals
                            syn[g] = max(syn.get(g, 0.0), 0.6 * share)
        return syn, form

    def syndrome_scores(self, text: str) -> list[tuple[str, float]]:
        """Every syndrome with evidence, best first (for evaluation: ranking a benchmark's options)."""
        mentions = self.lexicon.parse(text)
        present = [m.sign for m in mentions if not m.negated]
        denied = {m.sign for m in mentions if m.negated}
        bonus, _ = self._pattern_bonus(self.named_patterns(text))
        ranked = self._score(self.syndromes, self._syn_index, present, denied, self._evidence(present), bonus)
        return [(p.name, s) for s, p, _, _ in ranked]

    def _rank(self, text: str):
        """(mentions, present signs, named patterns, ranked syndromes, ranked formulas with their best GB/T row)."""
        mentions = self.lexicon.parse(text)
        present = [m.sign for m in mentions if not m.negated]
        denied = {m.sign for m in mentions if m.negated}
        evidence = self._evidence(present)
        patterns = self.named_patterns(text)
        syn_bonus, f_bonus = self._pattern_bonus(patterns)
        syn = self._score(self.syndromes, self._syn_index, present, denied, evidence, syn_bonus)
        syn_score = {p.name: s for s, p, _, _ in syn}
        fscored = self._score(self.formulas, self._f_index, present, denied, evidence, f_bonus)
        combined = []
        for s, prof, matched, contra in fscored:
            rows = self.crosswalk.get(prof.name, [])
            best = max(rows, key=lambda r: syn_score.get(r.syndrome, 0.0), default=None)
            support = syn_score.get(best.syndrome, 0.0) if best else 0.0
            total = s + 0.35 * support
            if prof.name in self._borrowed:  # signs borrowed from its syndromes, not its own indications
                total *= BORROWED
            combined.append((total, prof, matched, contra, best))
        # ties: the formula whose own indications say more (a fuller profile) first
        combined.sort(key=lambda t: (-round(t[0], 6), -len(t[2]), -t[1].mass, t[1].name))
        return mentions, present, patterns, syn, combined

    def formula_scores(self, text: str) -> list[tuple[str, float]]:
        """Every formula with evidence, best first (for evaluation: ranking a benchmark's options)."""
        return [(p.name, s) for s, p, _, _, _ in self._rank(text)[4]]

    def diagnose(self, text: str, k: int = 5, language: str | None = None) -> Diagnosis:
        mentions, present, patterns, syn, combined = self._rank(text)
        lang = language or _language(text)
        syndromes = [self._syndrome_out(s, p, matched, contra, lang) for s, p, matched, contra in syn[:k]]
        formulas = [self._formula_out(s, p, matched, best, lang) for s, p, matched, _, best in combined[:k]]
        n_tp = sum(1 for m in mentions if not m.negated and m.kind != "symptom")
        top = combined[0][0] if combined else 0.0
        thin = len(present) < MIN_SIGNS or top < MIN_SCORE or (n_tp == 0 and len(present) < MIN_SIGNS_NO_TP)
        insufficient = not patterns and thin
        ask = self._ask(mentions, syn[:3], lang) if insufficient or not n_tp else []
        principle = formulas[0].principle if formulas and not insufficient else []
        return Diagnosis(text=text, language=lang, signs=[self._mention_out(m) for m in mentions],
                         syndromes=syndromes, principle=principle, formulas=formulas, insufficient=insufficient,
                         ask=ask)

    # ------------------------------------------------------------------ output
    def _label(self, sign: str, lang: str) -> str:
        return f"{sign} ({self.name_en[sign]})" if lang == "en" and sign in self.name_en else sign

    def _mention_out(self, m: Mention) -> SignMention:
        return SignMention(sign=m.sign, kind=m.kind, name_en=self.name_en.get(m.sign), text=m.text,  # type: ignore[arg-type]
                           negated=m.negated, severity=m.severity, duration=m.duration)  # type: ignore[arg-type]

    def _syndrome_out(self, score: float, p: Profile, matched: list[str], contra: list[str], lang: str
                      ) -> SyndromeScore:
        missing = sorted((s for s in p.key if s not in matched), key=lambda s: (-self._w(s), s))[:6]
        return SyndromeScore(name_zh=p.name, code=p.code, id=p.id, score=round(score, 4), matched=matched,
                             missing=missing, contradicting=contra, sources=self.syndrome_sources.get(p.name, []))

    def _formula_out(self, score: float, p: Profile, matched: list[str], best, lang: str) -> FormulaScore:
        f = self.formula[p.name]
        signs = "、".join(matched) if lang == "zh" else ", ".join(self._label(s, lang) for s in matched)
        via = f"{best.syndrome}（{best.code}）" if best else None
        textbook = "、".join(f.syndromes)
        if lang == "zh":
            why = (f"主治与所述相合：{signs}" if matched else "主治证候与所问相合") + \
                (f"；主治 {textbook}" if textbook else "") + (f"；对应 GB/T 证候 {via}" if via else "")
        else:
            why = (f"its indications match {signs}" if matched else "its indicated pattern matches the question") + \
                (f"; textbook pattern {textbook}" if textbook else "") + (f"; GB/T syndrome {via}" if via else "")
        return FormulaScore(name_zh=p.name, id=p.id, score=round(score, 4), syndrome=best.syndrome if best else None,
                            why=why, matched=matched, principle=list(f.functions),
                            family=sorted(set(self.families.get(p.name, []))), sources=f.sources)

    def _ask(self, mentions: list[Mention], top, lang: str) -> list[str]:
        have = {m.kind for m in mentions if not m.negated}
        out = []
        if "tongue" not in have:
            out.append("舌象（舌色、舌苔）" if lang == "zh" else "the tongue (body colour and coating)")
        if "pulse" not in have:
            out.append("脉象" if lang == "zh" else "the pulse")
        said = {m.sign for m in mentions}
        seen: set[str] = set()
        for _, p, _, _ in top:
            for s in sorted(p.key - said, key=lambda s: (-self._w(s), s)):
                if self.kind.get(s) == "symptom" and s not in seen and len(seen) < 4:
                    seen.add(s)
        out += [self._label(s, lang) for s in sorted(seen)]
        return out


def _language(text: str) -> str:
    cjk = len(_CJK.findall(text))
    return "zh" if cjk and cjk >= len(_WORD.findall(text)) else "en"


@lru_cache(maxsize=1)
def default_reasoner() -> Reasoner:
    """The reasoner for the configured corpus, built once per process."""
    from tcm.config import settings
    from tcm.corpora.io import load_corpus

    return Reasoner(load_corpus(settings().corpora_dir, check=False))
