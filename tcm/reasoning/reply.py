"""A differentiation as a structured clinical reply: 辨证, 治法, 方药 (doses and roles), 加减, cautions.

Every statement is one numbered fact with its graph id and sources, cited as [n]; the reply is
composed from the diagnosis and the corpus only, in the user's language, so it reads the same
under every generator.
"""

from __future__ import annotations

from tcm.types import Diagnosis, Fact

_ROLE_EN = {"君": "sovereign", "臣": "minister", "佐": "assistant", "使": "envoy"}


def compose(d: Diagnosis, formulas: dict, families: dict[str, list], lang: str) -> tuple[str, list[Fact]]:
    """The reply text and the facts it cites. ``formulas``: name → Formula; ``families``: name → FormulaFamily rows
    where the name is the base."""
    zh = lang == "zh"
    facts: list[Fact] = []
    english = {m.sign: m.name_en for m in d.signs if m.name_en}

    def gloss(sign: str) -> str:
        return sign if zh or sign not in english else f"{sign} ({english[sign]})"

    def fact(id_: str, text: str, sources: list[str]) -> int:
        facts.append(Fact(n=len(facts) + 1, id=id_, text=text, sources=sources or ["curated"]))
        return len(facts)

    lines: list[str] = []
    if d.insufficient:
        lines.append("信息不足（insufficient information），暂不能辨证。" if zh else
                     "Insufficient information to differentiate a syndrome.")
        if d.ask:
            lines.append(("请补充：" + "；".join(d.ask) + "。") if zh else
                         ("Please tell me: " + "; ".join(d.ask) + "."))
        cands = [s.name_zh for s in d.syndromes[:3]]
        if cands:
            lines.append(("目前可考虑（待核实）：" + "、".join(cands) + "。") if zh else
                         ("Candidates to check: " + ", ".join(cands) + "."))
        return "\n".join(lines), facts

    top = d.syndromes[0] if d.syndromes else None
    f0 = d.formulas[0] if d.formulas else None
    if top:
        label = f"{top.name_zh}（GB/T 15657 {top.code}）" if zh else f"{top.name_zh} (GB/T 15657 {top.code})"
        n = fact(top.id, label, top.sources)
        signs = "、".join(top.matched) if zh else ", ".join(gloss(x) for x in top.matched)
        missing = ("、".join(top.missing[:4])) if zh else ", ".join(top.missing[:4])
        others = [s.name_zh for s in d.syndromes[1:3]]
        if zh:
            lines.append(f"【辨证】{top.name_zh}（{top.code}）[{n}]。依据：{signs}" +
                         (f"；未述及：{missing}" if missing else "") + "。" +
                         (f"鉴别：{'、'.join(others)}。" if others else ""))
        else:
            lines.append(f"Differentiation: {top.name_zh} ({top.code}) [{n}]. Deciding signs: {signs}" +
                         (f"; not reported: {missing}" if missing else "") + "." +
                         (f" Differential: {', '.join(others)}." if others else ""))
    if f0:
        f = formulas[f0.name_zh]
        src = f.classical_source or ""
        tb = "、".join(f.syndromes)
        does = (f"{f.name_zh}功用：{'，'.join(f.functions)}" + (f"；主治：{tb}" if tb else "") + "。") if zh else \
            (f"{f.name_zh} functions: {', '.join(f.functions)}" + (f"; indicated for {tb}" if tb else "") + ".")
        n = fact(f0.id, does, f.sources)
        lines.append((f"【治法】{'，'.join(f.functions)} [{n}]。") if zh else
                     (f"Treatment principle: {', '.join(f.functions)} [{n}]."))

        def item(i) -> str:
            dose = f"{i.dose_g:g}g" if i.dose_g is not None else (i.dose_text or "")
            if zh:
                return f"{i.herb}{dose}" + (f"（{i.role}）" if i.role else "")
            return (f"{i.herb} {dose.replace('g', ' g') if i.dose_g is not None else dose}".strip()
                    + (f" ({_ROLE_EN[i.role]})" if i.role else ""))

        comp = ("、" if zh else ", ").join(item(i) for i in f.composition)
        batch = f.dose_basis == "batch"
        n = fact(f0.id, (f"{f.name_zh}{'出自' + src if src else ''}，组成：{comp}。") if zh else
                 (f"{f.name_zh} ({f.pinyin}; {f.name_en or ''}){', from ' + src if src else ''}, consists of {comp}."),
                 f.sources)
        if zh:
            lines.append(f"【方药】{f.name_zh}（{src}）[{n}]：{comp}。" +
                         ("（丸散方，剂量为全方配制量，非每日用量。）" if batch else "") + f"理由：{f0.why}。")
        else:
            lines.append(f"Formula: {f.name_zh} ({f.name_en or f.pinyin}, {src}) [{n}]: {comp}." +
                         (" (A pill/powder: amounts are the whole batch, not a daily dose.)" if batch else "") +
                         f" Why: {f0.why}.")
        alts = [x.name_zh for x in d.formulas[1:4]]
        if alts:
            lines.append(("备选：" + "、".join(alts) + "。") if zh else ("Alternatives: " + ", ".join(alts) + "."))
        mods = families.get(f.name_zh, [])[:3]
        if mods:
            parts = []
            for r in mods:
                n = fact(f"formula:{r.variant}", (f"{r.variant}：{r.base}加{'、'.join(r.added)}。") if zh else
                         (f"{r.variant}: {r.base} plus {', '.join(r.added)}."), r.sources)
                parts.append((f"加{'、'.join(r.added)}即{r.variant} [{n}]") if zh else
                             (f"add {', '.join(r.added)} for {r.variant} [{n}]"))
            lines.append(("【加减】" + "；".join(parts) + "。") if zh else ("Modifications: " + "; ".join(parts) + "."))
    cautions = [x.message_zh if zh else x.message_en for x in d.findings]
    if cautions:
        lines.append(("【注意】" + "；".join(cautions)) if zh else ("Cautions: " + " ".join(cautions)))
    lines.append("本结果为按图谱证据的辨证参考，须由执业医师面诊确认。" if zh else
                 "This is evidence-based decision support from the graph; a licensed practitioner must confirm it.")
    return "\n".join(lines), facts
