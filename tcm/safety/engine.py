"""The deterministic safety engine: 十八反/十九畏, pregnancy, dose, toxicity, herb–drug, red flags.

Everything it knows comes from the corpus (each finding cites the rows it rests on), and it
imports nothing from generation: no prompt can switch it off, because it never reads one as
an instruction. Processed forms are checked as themselves and as the herb they come from; a
name that may mean several herbs (沙参) is checked as each, and the finding says so. Doses are
judged per herb: a herb written twice or in several processed forms is added up.

The rule methods (:meth:`SafetyEngine.incompatibilities`, :meth:`~SafetyEngine.doses` …) and the
row lookups (:meth:`~SafetyEngine.dose_rows`, :meth:`~SafetyEngine.toxicity_row` …) are public:
batch analysis renders its findings through them, so both give the same findings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations

from tcm.corpora.io import Corpus
from tcm.corpora.rules import IncompatiblePair, incompatible_pairs
from tcm.errors import TCMError
from tcm.names import HerbMention, NameResolver
from tcm.names.doses import DECOCTION_NOTES, EXTERNAL_NOTES, UNIT_CONVENTIONS
from tcm.safety.patient import infer_state
from tcm.safety.redflags import find_red_flags
from tcm.types import (
    SEVERITY_ORDER,
    CheckResult,
    DoseRangeRow,
    DrugItem,
    Finding,
    HerbDrugInteraction,
    HerbItem,
    InferredState,
    PatientFlags,
    PregnancyRow,
    ToxicityRow,
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
        self._incompat: dict[tuple[str, str], IncompatiblePair] = {}
        for p in incompatible_pairs(corpus.herbs, corpus.incompatibilities):
            self._incompat[(p.a, p.b)] = p
            self._incompat.setdefault((p.b, p.a), p)
        self._doses: dict[str, list[DoseRangeRow]] = defaultdict(list)  # the herb's row first, then preparations
        for r in sorted(corpus.dose_ranges, key=lambda r: r.form is not None):
            self._doses[r.herb].append(r)
        self._dose = {h: rows[0] for h, rows in self._doses.items() if rows[0].form is None}
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
        # monographs that say raw (生品) internal use needs caution: a name written 生X of them is flagged
        self._raw_caution = {h.name_zh for h in corpus.herbs if any("生品内服宜慎" in c for c in h.cautions)}
        self._processed = {h.name_zh: [f for f in h.processing_forms if f in self._dose] for h in corpus.herbs}
        self._memo: dict[object, object] = {}  # dose findings per herb's lines, raw-use rows per mention
        # herbs that may be flagged as not taken by mouth as written (raw_use looks no further for the rest)
        self._maybe_raw = {h.name_zh for h in corpus.herbs if h.name_zh in self._raw_caution
                           or any(r.use != "internal" for r in self.dose_rows(h.name_zh))}
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
        units: str = "modern",
    ) -> CheckResult:
        """Check a prescription (``herbs``), the patient's drugs, flags, and free text.

        ``text`` is what the user wrote (a question): its herbs, drugs and red flags count.
        ``answer`` is what the assistant wrote: herbs it gives with a dose count (that is a
        recommendation); herbs it only names (in a caution, "not with 藜芦"), drugs and red flags
        it mentions do not, since they describe rather than prescribe. ``units`` is how classical
        units are read: 'modern' (1 两 = 30 g, the default) or 'han' (1 两 = 15.625 g).
        Pregnancy and breastfeeding stated in ``text`` apply as the flags do (``result.inferred``
        says so); a denial in the text never clears a flag the caller set.
        """
        flags = flags or PatientFlags()
        if units not in UNIT_CONVENTIONS:
            raise TCMError(f"unknown units {units!r}; use {' or '.join(UNIT_CONVENTIONS)}")
        inferred = self.patient_state(text, flags)
        flags = flags.model_copy(update={i.state: True for i in inferred if i.applied})
        if not any(_present(x) for x in (herbs, drugs, text)):
            raise TCMError("nothing to check: give herbs, drugs or text")
        r = self.resolver
        prescribed: list[HerbMention] = []
        unresolved: list[str] = []
        for part in _parts(herbs):
            found, left = r.parse_herbs(part, units)
            prescribed += found
            unresolved += left
        drug_mentions = []
        for part in _parts(drugs):
            found, left = r.parse_drugs(part)
            drug_mentions += found
            unresolved += left
        mentioned: list[HerbMention] = []
        if text:
            h, d = r.scan(text, units)
            mentioned += h
            drug_mentions += d
        if answer:
            mentioned += [m for m in r.scan(answer, units)[0] if m.dose_g is not None or m.dose_text]
        herb_mentions = prescribed + mentioned

        result = CheckResult(
            herbs=[HerbItem(input=m.input, id=f"herb:{m.name_zh}", name_zh=m.name_zh, dose_g=m.dose_g,
                            dose_text=m.dose_text, ambiguous=list(m.ambiguous) or None,
                            notes=list(m.notes) or None) for m in herb_mentions],
            drugs=[DrugItem(input=m.input, id=f"drug:{m.name_en}", name_en=m.name_en) for m in drug_mentions],
            unresolved=unresolved,
            inferred=inferred,
            units=units,
        )
        herb_names = list(dict.fromkeys(m.name_zh for m in herb_mentions))
        drug_names = list(dict.fromkeys(m.name_en for m in drug_mentions))
        findings = (
            self.incompatibilities(herb_names)
            + self.herb_drug(herb_names, drug_names)
            + (self.pregnancy(herb_names, _stated(inferred, "pregnant")) if flags.pregnant else [])
            + (self.lactation(herb_names, _stated(inferred, "breastfeeding")) if flags.breastfeeding else [])
            # a prescription's lines add up per herb; a herb named in a question or an answer is judged alone
            + _unique_findings(self.doses(prescribed, units) + self.doses(
                [m for m in mentioned if m.dose_g is not None], units, add_up=False))
            + self.toxicity(herb_names)
            + (self.red_flags(text) if text else [])
        )
        result.findings = sort_findings(self.mark_ambiguous(findings, herb_mentions))
        return result

    def patient_state(self, text: str | None, flags: PatientFlags | None = None) -> list[InferredState]:
        """Pregnancy and breastfeeding as ``text`` states or denies them; ``applied`` when that turns a rule on
        (a flag the caller set stays as it is)."""
        flags = flags or PatientFlags()
        return [InferredState(state=s.state, value=s.value, words=s.words,
                              applied=s.value and not getattr(flags, s.state))
                for s in infer_state(text)]

    # ------------------------------------------------------------------ rows that apply to a herb
    def _first(self, table: dict, herb: str):
        """The row for the herb; for a form with no pharmacopoeia monograph of its own (姜汁, 半夏曲),
        the row of the herb it is a form of. A monograph's own statement (姜半夏: no 毒) stands."""
        names = [herb] if herb in self._monographs else self.resolver.lineage(herb)
        for name in names:
            if name in table:
                return name, table[name]
        return None, None

    def toxicity_row(self, herb: str) -> ToxicityRow | None:
        """The toxicity grade that applies to a herb (its own, or the herb it is a form of)."""
        return self._first(self._tox, herb)[1]

    def pregnancy_row(self, herb: str) -> PregnancyRow | None:
        """The pregnancy category that applies to a herb (its own, or the herb it is a form of)."""
        return self._first(self._preg, herb)[1]

    def dose_rows(self, herb: str) -> list[DoseRangeRow]:
        """The dose rows that apply to a herb: its own (or the herb it is a form of), the plain row first,
        then rows for preparations the monograph doses apart (青礞石: 煎汤)."""
        via, _ = self._first(self._dose, herb)
        return list(self._doses.get(via, ())) if via else []

    def dose_row(self, mention: HerbMention) -> DoseRangeRow | None:
        """The row a written herb is judged by: the row for the processed form as written (荷叶炭), else the
        decoction row when a decoction note is written with it (先煎, 后下 …), else the herb's row."""
        rows = [r for r in self.dose_rows(mention.name_zh) if r.dose_max_g is not None]
        if not rows:
            return None
        by_form = {r.form: r for r in rows}
        if mention.written in by_form:
            return by_form[mention.written]
        if "煎汤" in by_form and DECOCTION_NOTES.intersection(mention.notes):
            return by_form["煎汤"]
        return by_form.get(None) or rows[0]

    def strictest_max(self, herb: str) -> float:
        """The smallest maximum of any row that may apply to the herb (inf when none): batch analysis
        asks the engine only where a dose is above it."""
        return min((r.dose_max_g for r in self.dose_rows(herb) if r.dose_max_g is not None), default=float("inf"))

    def raw_use(self, mention: HerbMention) -> DoseRangeRow | None:
        """The row that says a herb is not taken by mouth as written, or None: the monograph gives it for
        external use only (巴豆, 红粉), or internally only after processing (川乌, 草乌), or the name is
        written raw (生半夏) where the monograph says raw internal use needs caution (生品内服宜慎).
        A herb noted 外用 (for external use) is not flagged."""
        if mention.name_zh not in self._maybe_raw:
            return None
        key = ("raw", mention)
        hit = self._memo.get(key, key)
        if hit is key:
            hit = self._raw_row(mention)
            self._remember(key, hit)
        return hit  # type: ignore[return-value]

    def _raw_row(self, mention: HerbMention) -> DoseRangeRow | None:
        if EXTERNAL_NOTES.intersection(mention.notes):
            return None
        rows = self.dose_rows(mention.name_zh)
        row = rows[0] if rows else None
        if row is not None and row.use != "internal":
            return row
        written = mention.written or mention.input
        if row is not None and written.startswith("生") and mention.name_zh in self._raw_caution:
            return row
        return None

    def incompatible_pairs(self) -> list[tuple[str, str]]:
        """Every (a, b) the 十八反/十九畏 forbid, processed forms included, in both orders."""
        return list(self._incompat)

    # ------------------------------------------------------------------ rules
    def incompatibilities(self, herbs: list[str]) -> list[Finding]:
        """十八反/十九畏 findings for every forbidden pair among the herbs."""
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

    def pregnancy(self, herbs: list[str], stated: str | None = None) -> list[Finding]:
        """Pregnancy findings (禁用/忌用/慎用) for the herbs, through the herb a form comes from."""
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

    def lactation(self, herbs: list[str], stated: str | None = None) -> list[Finding]:
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

    def doses(self, mentions: Iterable[HerbMention], units: str = "modern", add_up: bool = True) -> list[Finding]:
        """Dose findings for a prescription's herbs.

        With ``add_up`` (a prescription) the lines of one herb are added up, repeats and processed forms
        alike (附子15g twice; 黑顺片9g + 白附片9g + 炮附片9g is 27 g of 附子), and the total is judged by the
        herb's range; a herb given as one line is judged by the row for what was written (:meth:`dose_row`).
        A herb that is not taken by mouth as written (:meth:`raw_use`) is flagged whatever its dose."""
        mentions = list(mentions)
        groups: dict[object, list[HerbMention]] = {}
        for i, m in enumerate(mentions):
            if m.judged_g is not None:
                groups.setdefault(self.resolver.root(m.name_zh) if add_up else i, []).append(m)
        out: dict[str, Finding] = {}
        for root, parts in groups.items():
            for name, f in self._group_doses(str(root), tuple(parts), units):
                out.setdefault(name, f)
        for m in mentions:
            row = self.raw_use(m)
            if row is None:
                continue
            en, zh = self._raw_message(m, row)
            if m.name_zh in out:  # one finding per herb: the dose finding says it too
                f = out[m.name_zh]
                if en not in f.message_en:
                    out[m.name_zh] = f.model_copy(update={
                        "severity": "high", "message_en": f"{f.message_en} {en}", "message_zh": f"{f.message_zh}{zh}",
                        "evidence": f.evidence + [s for s in row.sources if s not in f.evidence]})
            else:  # serious for a toxic herb; for another (松花粉, 蜂蜡) the book simply gives no oral dose
                severity = "high" if self._first(self._tox, m.name_zh)[1] else "moderate"
                out[m.name_zh] = Finding(kind="dose", severity=severity, items=[m.name_zh], message_en=en,
                                         message_zh=zh, evidence=row.sources)
        return list(out.values())

    def _group_doses(self, root: str, parts: tuple[HerbMention, ...], units: str) -> list[tuple[str, Finding]]:
        """The dose findings of one herb's lines (memoised: prescriptions repeat the same lines)."""
        key = (root, parts, units)
        hit = self._memo.get(key)
        if hit is None:
            hit = []
            if len(parts) > 1:
                name = parts[0].name_zh if len({p.name_zh for p in parts}) == 1 else root
                row = self._limit(name, list(parts))
                total = sum(p.judged_g for p in parts)  # type: ignore[misc]
                if row is not None and total > row.dose_max_g + 1e-9:  # type: ignore[operator]
                    hit.append((name, self._over(name, total, row, units, list(parts))))
            if not hit:
                for m in parts:
                    row = self.dose_row(m)
                    if row is not None and m.judged_g > row.dose_max_g + 1e-9:  # type: ignore[operator]
                        hit.append((m.name_zh, self._over(m.name_zh, m.judged_g, row, units)))  # type: ignore[arg-type]
            self._remember(key, hit)
        return hit

    def _remember(self, key: object, value: object) -> None:
        if len(self._memo) >= 200_000:  # bounded: a batch of millions of rows must not grow it forever
            self._memo.clear()
        self._memo[key] = value

    def _limit(self, name: str, parts: list[HerbMention]) -> DoseRangeRow | None:
        """The range a herb's lines are added up against: the herb's own row when every line is the same
        herb or when the crude drug has one; else the most generous row among the lines."""
        rows = [r for r in (self.dose_row(p) for p in parts) if r is not None]
        if len({p.name_zh for p in parts}) > 1:
            own = self.dose_row(HerbMention(input=name, name_zh=name))
            if own is not None:
                return own
        return max(rows, key=lambda r: r.dose_max_g or 0.0) if rows else None

    def _over(self, herb: str, given: float, row: DoseRangeRow, units: str,
              parts: list[HerbMention] | None = None) -> Finding:
        _, tox = self._first(self._tox, herb)
        rng = f"{row.dose_min_g:g}–{row.dose_max_g:g} g" if row.dose_min_g else f"at most {row.dose_max_g:g} g"
        rng_zh = f"{row.dose_min_g:g}～{row.dose_max_g:g}g" if row.dose_min_g else f"不超过{row.dose_max_g:g}g"
        if row.form:
            rng, rng_zh = f"{rng} as {row.form}", f"{row.form}{rng_zh}"
        toxic = f" and it is {_TOX_EN[tox.grade]} ({tox.grade})" if tox else ""
        what_en, what_zh = f"{herb} {given:g} g", f"{herb}{given:g}g"
        if parts:
            what_en = f"{herb} {given:g} g in all ({' + '.join(f'{_written(p)} {p.judged_g:g} g' for p in parts)})"
            what_zh = f"{herb}合计{given:g}g（{' + '.join(f'{_written(p)}{p.judged_g:g}g' for p in parts)}）"
        other = [r for r in self.dose_rows(herb) if r is not row and r.dose_max_g is not None and r.form]
        hint_en = "".join(f"; the pharmacopoeia allows {r.dose_min_g or 0:g}–{r.dose_max_g:g} g as {r.form}"
                          + (f" ({r.note})" if r.note else "") for r in other)
        hint_zh = "".join(f"；{r.form}{r.dose_min_g or 0:g}～{r.dose_max_g:g}g" + (f"（{r.note}）" if r.note else "")
                          for r in other)
        han_en = " (classical units read by the Han-dynasty standard, 1 两 = 15.625 g)" if units == "han" else ""
        han_zh = "（古方剂量按东汉度量衡折算，1两=15.625g）" if units == "han" else ""
        return Finding(
            kind="dose", severity="high" if tox else "moderate", items=[herb],
            message_en=f"{what_en} is above the pharmacopoeia daily dose ({rng}){toxic}{hint_en}.{han_en}",
            message_zh=f"{what_zh}超过药典用量（{rng_zh}）" + (f"，且{tox.grade}" if tox else "")
                       + f"{hint_zh}。{han_zh}",
            evidence=row.sources + ([s for s in tox.sources if s not in row.sources] if tox else []),
            parts=[HerbItem(input=p.input, id=f"herb:{p.name_zh}", name_zh=p.name_zh, dose_g=p.judged_g)
                   for p in parts] if parts else None,
            units=units,  # type: ignore[arg-type]
        )

    def _raw_message(self, m: HerbMention, row: DoseRangeRow) -> tuple[str, str]:
        written, h = _written(m), m.name_zh
        forms = "、".join(self._processed.get(h) or [])
        if row.use == "external":
            return (f"{written}: the pharmacopoeia gives {h} for external use only (外用) and no dose to take by mouth"
                    + (f"; internally it gives {forms}" if forms else "") + ".",
                    f"{written}：药典{h}仅载外用，未载内服用量" + (f"；内服用{forms}" if forms else "") + "。")
        if row.use == "processed":
            return (f"{written}: the pharmacopoeia gives {h} for internal use only after processing (一般炮制后用"
                    + (f"; as {forms}" if forms else "") + "); raw, taken by mouth, it is dangerous.",
                    f"{written}：药典{h}一般炮制后用" + (f"（如{forms}）" if forms else "") + "，生品内服宜慎。")
        return (f"{written} is raw {h}: the pharmacopoeia says raw {h} taken by mouth needs caution (生品内服宜慎)"
                + (f" and gives its dose for the processed herb ({forms})" if forms else "") + ".",
                f"{written}为生品：药典载{h}生品内服宜慎" + (f"，内服宜用{forms}" if forms else "") + "。")

    def toxicity(self, herbs: list[str]) -> list[Finding]:
        """Toxicity findings (小毒/有毒/大毒) for the herbs, through the herb a form comes from."""
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

    def mark_ambiguous(self, findings: list[Finding], mentions: Iterable[HerbMention]) -> list[Finding]:
        """Findings about a herb that was written with a name that may mean several herbs say so."""
        amb: dict[str, dict[str, list[str]]] = {}
        for m in mentions:
            if m.ambiguous:
                amb.setdefault(m.name_zh, {})[_written(m)] = list(m.ambiguous)
        if not amb:
            return findings
        out = []
        for f in findings:
            names = {w: c for h in f.items for w, c in amb.get(h, {}).items()}
            if names:
                f = f.model_copy(update={
                    "ambiguous": names,
                    "message_en": f.message_en + "".join(f" ({w} may mean {' or '.join(c)}; checked as each.)"
                                                         for w, c in names.items()),
                    "message_zh": f.message_zh + "".join(f"（{w}可指{'或'.join(c)}，均按其检查）"
                                                         for w, c in names.items()),
                })
            out.append(f)
        return out

    def herb_drug(self, herbs: list[str], drugs: list[str]) -> list[Finding]:
        """Herb–drug findings: curated rows first, else inferred through constituents, else through classes."""
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


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Most serious first; within a severity, by kind (red flags, incompatibilities, … toxicity); stable."""
    return sorted(findings, key=finding_order)


def finding_order(f: Finding | dict) -> tuple[int, int]:
    """The sort key of a finding (a model or its JSON dict)."""
    kind, severity = (f["kind"], f["severity"]) if isinstance(f, dict) else (f.kind, f.severity)
    return SEVERITY_ORDER[severity], _KIND_ORDER.index(kind)


def _written(m: HerbMention) -> str:
    return m.written or m.input


def _unique_findings(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        key = (f.kind, tuple(f.items), f.mechanism)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
