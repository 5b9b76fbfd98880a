"""The deterministic safety engine: 十八反/十九畏, pregnancy, dose, toxicity, herb–drug, red flags.

Everything it knows comes from the corpus (each finding cites the rows it rests on), and it
imports nothing from generation: no prompt can switch it off, because it never reads one as
an instruction. Processed forms are checked as themselves and as the herb they come from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations

from tcm.corpora.io import Corpus
from tcm.corpora.rules import incompatible_pairs
from tcm.errors import TCMError
from tcm.resolver import HerbMention, NameResolver
from tcm.safety.patient import infer_state
from tcm.safety.redflags import find_red_flags
from tcm.types import (
    SEVERITY_ORDER,
    CheckResult,
    DrugItem,
    Finding,
    HerbDrugInteraction,
    HerbItem,
    InferredState,
    PatientFlags,
)

_KIND_ORDER = ("red_flag", "incompatibility_18", "antagonism_19", "herb_drug", "pregnancy", "lactation", "dose",
               "toxicity")
_RULE_KIND = {"18反": "incompatibility_18", "19畏": "antagonism_19"}
_HD_SEVERITY = {"major": "high", "moderate": "moderate", "minor": "low"}
_TOX_SEVERITY = {"大毒": "high", "有毒": "moderate", "小毒": "low"}
_TOX_EN = {"大毒": "highly toxic", "有毒": "toxic", "小毒": "slightly toxic"}
_PREG_EN = {"禁用": "contraindicated", "忌用": "to be avoided", "慎用": "to be used with caution"}


class SafetyEngine:
    """Checks herbs, drugs and free text against the corpus's rules. Build once, check many times."""

    def __init__(self, corpus: Corpus, resolver: NameResolver | None = None) -> None:
        self.resolver = resolver or NameResolver(corpus)
        self._incompat = {}
        for p in incompatible_pairs(corpus.herbs, corpus.incompatibilities):
            self._incompat[(p.a, p.b)] = p
            self._incompat.setdefault((p.b, p.a), p)
        self._dose = {r.herb: r for r in corpus.dose_ranges}
        self._tox = {r.herb: r for r in corpus.toxicity if r.grade != "无毒"}
        self._preg = {r.herb: r for r in corpus.pregnancy}
        self._lact = {r.herb: r for r in corpus.lactation}
        self._drugs = {d.name_en: d for d in corpus.drugs}
        self._hd: dict[str, list[HerbDrugInteraction]] = defaultdict(list)
        for r in corpus.herb_drug:
            self._hd[r.herb].append(r)
        self._compounds = defaultdict(list)
        for r in corpus.compound_enzyme:
            self._compounds[r.herb].append(r)
        self._categories = {h.name_zh: h.categories for h in corpus.herbs}
        self._monographs = {h.name_zh for h in corpus.herbs if "chp-2010" in h.sources}
        self._class_rules = defaultdict(list)
        for r in corpus.class_interactions:
            self._class_rules[r.category].append(r)

    # ------------------------------------------------------------------ entry point
    def check(
        self,
        herbs: str | Iterable[str] | None = None,
        drugs: str | Iterable[str] | None = None,
        flags: PatientFlags | None = None,
        text: str | None = None,
        answer: str | None = None,
    ) -> CheckResult:
        """Check a prescription (``herbs``), the patient's drugs, flags, and free text.

        ``text`` is what the user wrote (a question): its herbs, drugs and red flags count.
        ``answer`` is what the assistant wrote: herbs it gives with a dose count (that is a
        recommendation); herbs it only names (in a caution, "not with 藜芦"), drugs and red flags
        it mentions do not, since they describe rather than prescribe.
        Pregnancy and breastfeeding stated in ``text`` apply as the flags do (``result.inferred``
        says so); a denial in the text never clears a flag the caller set.
        """
        flags = flags or PatientFlags()
        inferred = self.patient_state(text, flags)
        flags = flags.model_copy(update={i.state: True for i in inferred if i.applied})
        if not any(_present(x) for x in (herbs, drugs, text)):
            raise TCMError("nothing to check: give herbs, drugs or text")
        r = self.resolver
        herb_mentions: list[HerbMention] = []
        unresolved: list[str] = []
        for part in _parts(herbs):
            found, left = r.parse_herbs(part)
            herb_mentions += found
            unresolved += left
        drug_mentions = []
        for part in _parts(drugs):
            found, left = r.parse_drugs(part)
            drug_mentions += found
            unresolved += left
        if text:
            h, d = r.scan(text)
            herb_mentions += h
            drug_mentions += d
        if answer:
            herb_mentions += [m for m in r.scan(answer)[0] if m.dose_g is not None or m.dose_text]

        result = CheckResult(
            herbs=[HerbItem(input=m.input, id=f"herb:{m.name_zh}", name_zh=m.name_zh, dose_g=m.dose_g,
                            dose_text=m.dose_text) for m in herb_mentions],
            drugs=[DrugItem(input=m.input, id=f"drug:{m.name_en}", name_en=m.name_en) for m in drug_mentions],
            unresolved=unresolved,
            inferred=inferred,
        )
        herb_names = list(dict.fromkeys(m.name_zh for m in herb_mentions))
        drug_names = list(dict.fromkeys(m.name_en for m in drug_mentions))
        findings = (
            self._incompatibilities(herb_names)
            + self._herb_drug(herb_names, drug_names)
            + (self._pregnancy(herb_names, _stated(inferred, "pregnant")) if flags.pregnant else [])
            + (self._lactation(herb_names, _stated(inferred, "breastfeeding")) if flags.breastfeeding else [])
            + self._doses(herb_mentions)
            + self._toxicity(herb_names)
            + (self.red_flags(text) if text else [])
        )
        findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], _KIND_ORDER.index(f.kind)))
        result.findings = findings
        return result

    def patient_state(self, text: str | None, flags: PatientFlags | None = None) -> list[InferredState]:
        """Pregnancy and breastfeeding as ``text`` states or denies them; ``applied`` when that turns a rule on
        (a flag the caller set stays as it is)."""
        flags = flags or PatientFlags()
        return [InferredState(state=s.state, value=s.value, words=s.words,
                              applied=s.value and not getattr(flags, s.state))
                for s in infer_state(text)]

    # ------------------------------------------------------------------ rules
    def _first(self, table: dict, herb: str):
        """The row for the herb; for a form with no pharmacopoeia monograph of its own (姜汁, 半夏曲),
        the row of the herb it is a form of. A monograph's own statement (姜半夏: no 毒) stands."""
        names = [herb] if herb in self._monographs else self.resolver.lineage(herb)
        for name in names:
            if name in table:
                return name, table[name]
        return None, None

    def _incompatibilities(self, herbs: list[str]) -> list[Finding]:
        out = []
        for a, b in combinations(herbs, 2):
            p = self._incompat.get((a, b))
            if not p:
                continue
            kind = _RULE_KIND[p.row.rule]
            base_a, base_b = (p.row.herb_a, p.row.herb_b) if (a, b) == (p.a, p.b) else (p.row.herb_b, p.row.herb_a)
            forms = [(x, base) for x, base in ((a, base_a), (b, base_b)) if x != base]
            rule_en = "eighteen incompatibilities" if kind == "incompatibility_18" else "nineteen antagonisms"
            rule_zh = "十八反" if kind == "incompatibility_18" else "十九畏"
            out.append(Finding(
                kind=kind, severity="high", items=[a, b],
                message_en=f"{a} and {b} should not be used together ({p.row.rule}, {rule_en})"
                           + "".join(f"; {x} counts as {base}" for x, base in forms) + ".",
                message_zh=f"{a}与{b}属{rule_zh}，不宜同用" + "".join(f"（{x}同{base}）" for x, base in forms) + "。",
                evidence=p.row.sources,
            ))
        return out

    def _pregnancy(self, herbs: list[str], stated: str | None = None) -> list[Finding]:
        out = []
        why_en, why_zh = _why(stated, "pregnancy", "妊娠")
        for h in herbs:
            via, row = self._first(self._preg, h)
            if not row:
                continue
            as_ = "" if via == h else f" (as {via})"
            out.append(Finding(
                kind="pregnancy", severity="moderate" if row.category == "慎用" else "high", items=[h],
                message_en=f"{h}{as_} is {_PREG_EN[row.category]} in pregnancy (孕妇{row.category}){why_en}.",
                message_zh=f"{h}{'' if via == h else f'（同{via}）'}：孕妇{row.category}{why_zh}。",
                evidence=row.sources,
            ))
        return out

    def _lactation(self, herbs: list[str], stated: str | None = None) -> list[Finding]:
        """Cited cautions while breastfeeding. Unlike pregnancy categories, which each monograph states for
        itself, they are about the plant, so a processed form (红参, 炙甘草) carries its herb's row."""
        out = []
        why_en, why_zh = _why(stated, "breastfeeding", "哺乳")
        for h in herbs:
            via, row = next(((n, self._lact[n]) for n in self.resolver.lineage(h) if n in self._lact), (None, None))
            if not row:
                continue
            as_en, as_zh = ("", "") if via == h else (f" (as {via})", f"（同{via}）")
            out.append(Finding(
                kind="lactation", severity=row.severity, items=[h],
                message_en=f"While breastfeeding, {h}{as_en}: {row.effect_en.rstrip('.')}{why_en}.",
                message_zh=f"哺乳期{h}{as_zh}：{row.effect_zh.rstrip('。')}{why_zh}。",
                evidence=row.sources,
            ))
        return out

    def _doses(self, mentions: list[HerbMention]) -> list[Finding]:
        out = []
        for m in mentions:
            if m.dose_g is None:
                continue
            given = max(m.dose_g, m.dose_max_g or 0)  # 6～12g is judged by its top, 12 g
            via, row = self._first(self._dose, m.name_zh)
            if not row or given <= row.dose_max_g + 1e-9:
                continue
            _, tox = self._first(self._tox, m.name_zh)
            rng = f"{row.dose_min_g:g}–{row.dose_max_g:g} g" if row.dose_min_g else f"at most {row.dose_max_g:g} g"
            rng_zh = f"{row.dose_min_g:g}～{row.dose_max_g:g}g" if row.dose_min_g else f"不超过{row.dose_max_g:g}g"
            toxic = f" and it is {_TOX_EN[tox.grade]} ({tox.grade})" if tox else ""
            out.append(Finding(
                kind="dose", severity="high" if tox else "moderate", items=[m.name_zh],
                message_en=f"{m.name_zh} {given:g} g is above the pharmacopoeia daily dose ({rng}){toxic}.",
                message_zh=f"{m.name_zh}{given:g}g超过药典用量（{rng_zh}）"
                           + (f"，且{tox.grade}" if tox else "") + "。",
                evidence=row.sources + ([s for s in tox.sources if s not in row.sources] if tox else []),
            ))
        return out

    def _toxicity(self, herbs: list[str]) -> list[Finding]:
        out = []
        for h in herbs:
            via, row = self._first(self._tox, h)
            if not row:
                continue
            as_ = "" if via == h else f" (as {via})"
            out.append(Finding(
                kind="toxicity", severity=_TOX_SEVERITY[row.grade], items=[h],
                message_en=f"{h}{as_} is graded {_TOX_EN[row.grade]} ({row.grade}) by the pharmacopoeia; "
                           "keep to the dose and processing it states.",
                message_zh=f"{h}{'' if via == h else f'（同{via}）'}{row.grade}，须按药典用量与炮制使用。",
                evidence=row.sources,
            ))
        return out

    def _herb_drug(self, herbs: list[str], drugs: list[str]) -> list[Finding]:
        out = []
        for h in herbs:
            lineage = self.resolver.lineage(h)
            for dname in drugs:
                drug = self._drugs[dname]
                curated = [r for name in lineage for r in self._hd.get(name, ())
                           if r.drug == dname or (r.drug_class and r.drug_class in drug.classes)]
                curated.sort(key=lambda r: r.drug is None)  # a row about this very drug before a class row
                seen_mech = set()
                for r in curated:
                    if r.mechanism in seen_mech:
                        continue
                    seen_mech.add(r.mechanism)
                    out.append(Finding(
                        kind="herb_drug", severity=_HD_SEVERITY[r.severity], items=[h, dname],
                        message_en=f"{h} with {dname}: {r.effect_en}", message_zh=f"{h}与{drug.name_zh}：{r.effect_zh}",
                        evidence=r.sources, mechanism=r.mechanism,
                    ))
                if curated:
                    continue  # a cited row outranks an inference for the same pair
                inferred = len(out)
                for name in lineage:
                    for c in self._compounds.get(name, ()):
                        if c.enzyme not in drug.substrate_of:
                            continue
                        action = "inhibition" if c.effect == "inhibits" else "induction"
                        change = "raise" if c.effect == "inhibits" else "lower"
                        out.append(Finding(
                            kind="herb_drug", severity="moderate" if drug.narrow_therapeutic_index else "low",
                            items=[h, dname],
                            message_en=f"{h} contains {c.compound}, which {c.effect} {c.enzyme}; {dname} is a "
                                       f"{c.enzyme} substrate, so its levels may {change} (inferred, not reported "
                                       "for this pair).",
                            message_zh=f"{h}含{c.compound}，{'抑制' if c.effect == 'inhibits' else '诱导'}"
                                       f"{c.enzyme}；{drug.name_zh}经{c.enzyme}代谢，血药浓度可能"
                                       f"{'升高' if change == 'raise' else '降低'}（推断，尚无此配伍的报告）。",
                            evidence=c.sources + [s for s in drug.sources if s not in c.sources],
                            mechanism=f"{c.enzyme} {action}", inferred=True,
                            path=[f"herb:{name}", f"compound:{c.compound.lower()}", f"enzyme:{c.enzyme}",
                                  f"drug:{dname}"],
                        ))
                if len(out) == inferred:  # no constituent path either: try the herb's class
                    out += self._class_inference(h, lineage, drug)
        return _unique_findings(out)

    def _class_inference(self, herb: str, lineage: list[str], drug) -> list[Finding]:
        """Herb class ↔ drug class (活血祛瘀药 with anticoagulants): an inferred, cited, low-severity finding."""
        out = []
        for name in lineage:
            for cat in self._categories.get(name, ()):
                for r in self._class_rules.get(cat, ()):
                    if r.drug_class not in drug.classes:
                        continue
                    out.append(Finding(
                        kind="herb_drug", severity="moderate" if drug.narrow_therapeutic_index else "low",
                        items=[herb, drug.name_en],
                        message_en=f"{herb} ({cat}) with {drug.name_en}: {r.effect_en} Inferred from the herb's "
                                   "class; not reported for this pair.",
                        message_zh=f"{herb}属{cat}：{r.effect_zh}（据药物类别推断，尚无此配伍的报告）",
                        evidence=r.sources, mechanism=r.mechanism, inferred=True,
                        path=[f"herb:{name}", f"category:{cat}", f"drugclass:{r.drug_class}", f"drug:{drug.name_en}"],
                    ))
        return out

    def red_flags(self, text: str) -> list[Finding]:
        """Red-flag findings for free text (what the user wrote): an emergency ends herbal advice."""
        return [
            Finding(
                kind="red_flag", severity="critical", items=[flag.id],
                message_en=f"Urgent: {flag.label_en} (\"{words}\"). Seek emergency care now (call your local "
                           "emergency number); do not rely on herbal treatment.",
                message_zh=f"紧急情况：{flag.label_zh}（“{words}”）。请立即就医或拨打急救电话（120），不要依赖中药治疗。",
                evidence=["nhs-999"],
            )
            for flag, words in find_red_flags(text)
        ]


def _stated(inferred: list[InferredState], state: str) -> str | None:
    """The words a state was read from, when the text (not a flag) turned its rules on."""
    return next((i.words for i in inferred if i.state == state and i.applied), None)


def _why(words: str | None, en: str, zh: str) -> tuple[str, str]:
    if not words:
        return "", ""
    return f" ({en} read from the text: \u201c{words}\u201d)", f"（据问题中“{words}”判断为{zh}期）"


def _present(x: object) -> bool:
    if x is None:
        return False
    if isinstance(x, str):
        return bool(x.strip())
    return any(str(v).strip() for v in x)  # type: ignore[union-attr]


def _parts(x: str | Iterable[str] | None) -> list[str]:
    if x is None:
        return []
    return [x] if isinstance(x, str) else [str(v) for v in x]


def _unique_findings(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        key = (f.kind, tuple(f.items), f.mechanism)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
