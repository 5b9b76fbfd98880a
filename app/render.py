"""HTML and Markdown for the app's panels: pure functions of ``tcm`` results, no domain logic.

Everything shown comes from ``tcm`` (answers, findings, graph nodes and relationships); these
functions only choose layout, colour and wording of headings. Every value from the graph, the
engine or the user is HTML-escaped. Links to graph entries carry ``data-entity`` (the app opens
them in the explorer tab in place) and an ``href`` of ``?entity=<id>`` (a new browser tab opens
the same entry), so a citation opens whether or not scripts run.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from tcm.kg.base import label_of
from tcm.types import SEVERITY_ORDER, Answer, CompositionItem, Finding, GeneratorInfo, Neighbour

# severity → (English, Chinese, colour); icons are inline SVG so they show without an emoji font
SEVERITY = {
    "critical": ("Critical", "危急", "#7f1d1d"),
    "high": ("High", "高风险", "#dc2626"),
    "moderate": ("Moderate", "中风险", "#d97706"),
    "low": ("Low", "低风险", "#0284c7"),
}


def icon(kind: str, colour: str = "#dc2626", size: int = 18, fg: str = "#fff") -> str:
    """A small inline SVG icon: octagon (critical), triangle (high, moderate), circle (low, info), shield, check."""
    shapes = {
        "critical": '<polygon points="7,1 17,1 23,7 23,17 17,23 7,23 1,17 1,7" fill="{c}"/>'
                    '<rect x="10.8" y="5.5" width="2.4" height="8.5" fill="#fff"/>'
                    '<rect x="10.8" y="16" width="2.4" height="2.6" fill="#fff"/>',
        "high": '<polygon points="12,1.5 23,22 1,22" fill="{c}"/><rect x="10.8" y="8" width="2.4" height="7.5" '
                'fill="#fff"/><rect x="10.8" y="17.2" width="2.4" height="2.4" fill="#fff"/>',
        "low": '<circle cx="12" cy="12" r="11" fill="{c}"/><rect x="10.8" y="10" width="2.4" height="8" fill="#fff"/>'
               '<rect x="10.8" y="5.5" width="2.4" height="2.4" fill="#fff"/>',
        "shield": '<path d="M12 1 L22 5 V11 C22 17 17.5 21.5 12 23 C6.5 21.5 2 17 2 11 V5 Z" fill="{c}"/>'
                  '<path d="M7 12 L11 16 L17 8" stroke="#fff" stroke-width="2.4" fill="none"/>',
        "check": '<circle cx="12" cy="12" r="11" fill="{c}"/><path d="M6.5 12.5 L10.5 16.5 L17.5 8" stroke="#fff" '
                 'stroke-width="2.6" fill="none"/>',
    }
    shape = shapes.get(kind, shapes["high"] if kind == "moderate" else shapes["low"])
    shape = shape.replace('"#fff"', f'"{fg}"').replace("{c}", colour)
    return (f'<svg class="tcm-icon" width="{size}" height="{size}" viewBox="0 0 24 24" aria-hidden="true" '
            f'xmlns="http://www.w3.org/2000/svg">{shape}</svg>')
# finding kind → (English, Chinese) heading
KIND = {
    "red_flag": ("Red flag: urgent care", "危急症状：请立即就医"),
    "incompatibility_18": ("Incompatible pair (18 incompatibilities)", "十八反配伍禁忌"),
    "antagonism_19": ("Antagonistic pair (19 antagonisms)", "十九畏配伍禁忌"),
    "herb_drug": ("Herb–drug interaction", "中药与西药相互作用"),
    "pregnancy": ("Pregnancy", "妊娠禁忌"),
    "lactation": ("Breastfeeding", "哺乳期慎用"),
    "dose": ("Dose above the pharmacopoeia limit", "超出药典剂量"),
    "toxicity": ("Toxic herb", "有毒中药"),
}
LABEL_ZH = {"Herb": "中药", "Formula": "方剂", "Syndrome": "证候", "Disease": "疾病", "Symptom": "症状",
            "Drug": "西药", "DrugClass": "西药类别", "Compound": "成分", "Enzyme": "酶/转运体", "Source": "出处"}
LABEL_COLOUR = {"Herb": "#15803d", "Formula": "#b45309", "Syndrome": "#7c3aed", "Disease": "#be185d",
                "Symptom": "#0e7490", "Drug": "#1d4ed8", "DrugClass": "#1e3a8a", "Compound": "#4d7c0f",
                "Enzyme": "#a16207", "Source": "#6b7280"}
# id prefix → node label (Source ids carry no prefix)


def esc(v: Any) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def short_name(entity_id: str) -> str:
    return entity_id.split(":", 1)[1] if ":" in entity_id and label_of(entity_id) != "Source" else entity_id


def entity_href(entity_id: str) -> str:
    return "?entity=" + quote(entity_id, safe=":")


def entity_link(entity_id: str, text: str | None = None, cls: str = "tcm-link") -> str:
    """A link that opens a graph entry: in the explorer tab (data-entity) or, without scripts, a new tab."""
    return (f'<a class="{cls}" data-entity="{esc(entity_id)}" href="{esc(entity_href(entity_id))}" '
            f'target="_blank" rel="noopener">{esc(text if text is not None else short_name(entity_id))}</a>')


def source_links(ids: Iterable[str], sources: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """Source ids as links to their graph entry, plus PubMed / DOI / web links when the source has them."""
    out = []
    for sid in ids:
        meta = (sources or {}).get(sid) or {}
        title = meta.get("title_en") or meta.get("title") or sid
        year = f", {meta['year']}" if meta.get("year") else ""
        link = entity_link(sid, sid, "tcm-src").replace("<a ", f'<a title="{esc(title)}{esc(year)}" ', 1)
        ext = []
        if meta.get("pmid"):
            ext.append(_ext(f"https://pubmed.ncbi.nlm.nih.gov/{quote(str(meta['pmid']))}/", "PubMed"))
        if meta.get("doi"):
            ext.append(_ext(f"https://doi.org/{quote(str(meta['doi']), safe='/')}", "DOI"))
        if meta.get("url") and str(meta["url"]).startswith(("https://", "http://")):
            ext.append(_ext(str(meta["url"]), "web"))
        out.append(link + ("".join(ext)))
    return " ".join(out)


def _ext(url: str, text: str) -> str:
    return f' <a class="tcm-ext" href="{esc(url)}" target="_blank" rel="noopener noreferrer">{esc(text)}↗</a>'


# ------------------------------------------------------------------ chat


def generator_line(info: GeneratorInfo | None) -> str:
    """Which generator produced the answer, in words (Markdown-safe plain text)."""
    if info is None:
        return "Generator · 生成器: unavailable"
    if info.backend == "grounded":
        what = "grounded fallback: deterministic answer from graph facts, no language model · 无模型，据图谱事实生成"
    else:
        what = info.backend + (f" · model {info.model}" if info.model else "") + (
            f" · adapter {info.adapter}" if info.adapter else "")
    note = f" (note: {info.note})" if info.note else ""
    return f"Generator · 生成器: {what}{note}"


def answer_markdown(answer: Answer) -> str:
    """The finished chat message: the answer, its sources as links, contradicted claims, the generator line.
    An emergency answer is the urgent-care guidance and nothing else."""
    if answer.emergency:
        return answer_text(answer.answer)
    parts = [answer_text(answer.answer)]
    if answer.citations:
        by_id: dict[str, list[int]] = {}
        srcs: dict[str, list[str]] = {}
        for c in answer.citations:
            by_id.setdefault(c.id, []).append(c.n)
            srcs.setdefault(c.id, [])
            srcs[c.id] += [s for s in c.sources if s not in srcs[c.id]]
        items = [f"[{', '.join(map(str, ns))}] [{_md_text(short_name(eid))}]({entity_href(eid)})"
                 f" ({_md_text(', '.join(srcs[eid]))})" for eid, ns in by_id.items()]
        parts.append(("**出处**：" if answer.language == "zh" else "**Sources:** ") + " · ".join(items))
    for c in answer.claims:
        if c.status == "contradicted":
            parts.append(("⚠️ **与知识图谱不符**：" if answer.language == "zh" else "⚠️ **Contradicted by the graph:** ")
                         + _md_text(c.detail))
    parts.append(f"*{_md_text(generator_line(answer.generator))}*")
    return "\n\n".join(parts)


def _md_text(s: str) -> str:
    """Text placed inside Markdown: no HTML, no link/emphasis syntax."""
    return md_escape(s).replace("[", "\\[").replace("]", "\\]").replace("*", "\\*").replace("_", "\\_")


def answer_text(s: str) -> str:
    """Generated text shown as Markdown: no HTML, and no [text](url) links a model (or an injection) could forge;
    lists, emphasis and the [n] citation marks still read as they should."""
    return md_escape(s).replace("[", "\\[").replace("]", "\\]")


def md_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def citations_html(answer: Answer | None) -> str:
    """The last answer's citations as buttons that open the cited graph entry."""
    if answer is None or not answer.citations:
        return ('<div class="tcm-cites tcm-muted">Citations of the last answer appear here; click one to open the '
                'graph entry · 点击出处查看图谱条目</div>')
    seen: dict[str, list[int]] = {}
    for c in answer.citations:
        seen.setdefault(c.id, []).append(c.n)
    chips = []
    for eid, ns in seen.items():
        label = label_of(eid)
        text = f"[{', '.join(map(str, ns))}] {short_name(eid)} · {label}"
        chips.append(entity_link(eid, text, "tcm-cite"))
    return ('<div class="tcm-cites"><span class="tcm-cites-title">Citations · 出处</span> '
            + " ".join(chips) + "</div>")


# ------------------------------------------------------------------ safety


def patient_line(drugs: list[str], pregnant: bool, breastfeeding: bool) -> str:
    d = ", ".join(drugs) if drugs else "none · 无"
    yes_no = {True: "yes · 是", False: "no · 否"}
    return (f"Checked against · 核查依据: drugs · 西药: {esc(d)}; pregnant · 妊娠: {yes_no[bool(pregnant)]}; "
            f"breastfeeding · 哺乳: {yes_no[bool(breastfeeding)]}")


def safety_panel(
    findings: list[Finding] | None,
    language: str = "en",
    patient: str = "",
    sources: Mapping[str, Mapping[str, Any]] | None = None,
    entity_kind: Mapping[str, str] | None = None,
    note: str = "",
) -> str:
    """Findings grouped by severity (most serious first), each with colour, icon, both languages and evidence.

    ``findings`` None means nothing has been checked yet. ``entity_kind`` maps an item name to its id
    prefix ('herb', 'drug') so items link to their graph entry.
    """
    head = f'<div class="tcm-safety-head">{icon("shield", "#334155", 20)} Safety check · 安全核查'
    foot = (f'<div class="tcm-safety-foot">{patient}<br>' if patient else '<div class="tcm-safety-foot">') + (
        "Deterministic checks, run on every answer, independent of the generator: 十八反/十九畏, pregnancy, dose, "
        "toxicity, herb–drug interactions, red flags · 每个回答均经安全核查</div>")
    note_html = f'<div class="tcm-safety-note">{esc(note)}</div>' if note else ""
    if findings is None:
        return (f'<div class="tcm-safety" data-state="idle">{head}</div>{note_html}<div class="tcm-muted">'
                "Enter the patient's medications and pregnancy status, then ask: every answer is checked here. · "
                f"填写患者用药与妊娠情况后提问，每个回答都会在此核查。</div>{foot}</div>")
    if not findings:
        return (f'<div class="tcm-safety" data-state="clear" data-count="0">{head}</div>{note_html}'
                f'<div class="tcm-clear">{icon("check", "#16a34a")} No safety findings for this question and '
                "patient · 未发现安全问题</div>"
                f"{foot}</div>")
    groups: dict[str, list[Finding]] = {}
    for f in sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9)):
        groups.setdefault(f.severity, []).append(f)
    body = []
    for sev, fs in groups.items():
        en, zh, colour = SEVERITY.get(sev, (sev, sev, "#444"))
        cards = "".join(_finding_card(f, language, sources, entity_kind) for f in fs)
        body.append(f'<section class="tcm-sev tcm-sev-{esc(sev)}" data-severity="{esc(sev)}">'
                    f'<div class="tcm-sev-title">{icon(sev, colour)} {en} · {zh} ({len(fs)})</div>{cards}</section>')
    n = len(findings)
    return (f'<div class="tcm-safety" data-state="findings" data-count="{n}">{head} '
            f'<span class="tcm-count">{n} finding{"s" if n != 1 else ""} · {n} 项</span></div>{note_html}'
            + "".join(body) + f"{foot}</div>")


def safety_checking() -> str:
    """The panel while an answer is being generated and checked (old findings must not linger)."""
    shield = icon("shield", "#334155", 20)
    return (f'<div class="tcm-safety" data-state="checking"><div class="tcm-safety-head">{shield}'
            ' Safety check · 安全核查</div><div class="tcm-muted">Checking the answer… · 核查中…</div></div>')


def _finding_card(f: Finding, language: str, sources, entity_kind) -> str:
    kind_en, kind_zh = KIND.get(f.kind, (f.kind, f.kind))
    items = " + ".join(_item(i, entity_kind) for i in f.items)
    first, second = (f.message_zh, f.message_en) if language == "zh" else (f.message_en, f.message_zh)
    mech = ""
    if f.mechanism:
        mech = f'<div class="tcm-f-mech">Mechanism · 机制: {esc(f.mechanism)}'
        if f.inferred:
            path = " → ".join(f.path or [])
            mech += f' <span class="tcm-tag">inferred · 推断</span>{" via " + esc(path) if path else ""}'
        mech += "</div>"
    elif f.inferred:
        mech = '<div class="tcm-f-mech"><span class="tcm-tag">inferred · 推断</span></div>'
    ev = f'<div class="tcm-f-ev">Evidence · 证据: {source_links(f.evidence, sources)}</div>' if f.evidence else ""
    return (f'<div class="tcm-finding" data-kind="{esc(f.kind)}" role="{"alert" if f.kind == "red_flag" else "note"}">'
            f'<div class="tcm-f-kind">{esc(kind_en)} · {esc(kind_zh)} <code>{esc(f.kind)}</code></div>'
            f'<div class="tcm-f-items">{items}</div>'
            f'<p class="tcm-f-msg">{esc(first)}</p><p class="tcm-f-msg2">{esc(second)}</p>{mech}{ev}</div>')


def _item(name: str, entity_kind: Mapping[str, str] | None) -> str:
    prefix = (entity_kind or {}).get(name)
    return entity_link(f"{prefix}:{name}", name) if prefix else f"<b>{esc(name)}</b>"


def red_flag_banner(findings: list[Finding] | None, language: str = "en") -> str:
    """A banner for red-flag findings, shown above everything else; empty when there are none."""
    flags = [f for f in findings or [] if f.kind == "red_flag"]
    if not flags:
        return ""
    lines = []
    for f in flags:
        first, second = (f.message_zh, f.message_en) if language == "zh" else (f.message_en, f.message_zh)
        lines.append(f'<p class="tcm-banner-msg">{esc(first)}</p><p class="tcm-banner-msg2">{esc(second)}</p>')
    return ('<div class="tcm-banner" role="alert" data-kind="red_flag"><div class="tcm-banner-title">'
            f'{icon("critical", "#fff", 26, fg="#b91c1c")} '
            'URGENT · 紧急 — seek emergency care now · 请立即就医</div>' + "".join(lines) + "</div>")


def drugs_note(recognised: list[str], unresolved: list[str]) -> str:
    """Under the drug picker: what the safety engine will check, and what it cannot recognise."""
    parts = []
    if recognised:
        parts.append(f"checked as · 按此核查: {esc(', '.join(recognised))}")
    if unresolved:
        parts.append(f'<span class="tcm-warn">not recognised, not checked · 未识别，未核查: '
                     f"{esc(', '.join(unresolved))}</span>")
    return f'<div class="tcm-drugs-note">{" · ".join(parts)}</div>' if parts else ""


def status_bar(ok: bool, text: str) -> str:
    cls = "tcm-status-ok" if ok else "tcm-status-down"
    return f'<div class="tcm-status {cls}" role="status">{"●" if ok else "⚠️"} {esc(text)}</div>'


# ------------------------------------------------------------------ graph explorer

_HIDE = {"label", "names", "id", "sources", "summary_en", "summary_zh", "pinyin_plain"}


def entity_card(
    node: Mapping[str, Any],
    neighbours: list[Neighbour],
    composition: list[CompositionItem] | None = None,
    sources: Mapping[str, Mapping[str, Any]] | None = None,
    classics: list[Any] | str | None = None,
) -> str:
    """One graph entry as a card: names, properties, then what it connects to (by kind of entry)."""
    label = str(node.get("label") or "")
    eid = str(node.get("id") or "")
    title = node.get("name_zh") or node.get("name_en") or node.get("title") or eid
    sub = [node.get(k) for k in ("name_zh_hant", "pinyin", "latin", "name_en", "title_en") if node.get(k)]
    sub = [s for s in sub if s != title]
    head = (f'<div class="tcm-card" data-entity-id="{esc(eid)}" data-label="{esc(label)}">'
            f'<div class="tcm-card-head"><span class="tcm-badge" style="background:{LABEL_COLOUR.get(label, "#444")}">'
            f'{esc(label)} · {esc(LABEL_ZH.get(label, label))}</span><h2>{esc(title)}</h2>'
            f'<div class="tcm-card-sub">{esc(" · ".join(map(str, sub)))}</div><code>{esc(eid)}</code></div>')
    rel = _group(neighbours)
    sections = []
    if label == "Herb":
        sections.append(_props(node, [
            ("nature", "Nature · 性"), ("flavours", "Flavours · 味"), ("meridians", "Meridians · 归经"),
            ("functions", "Functions · 功能"), ("indications", "Indications · 主治"), ("dose", "Dose · 用量"),
            ("toxicity", "Toxicity · 毒性"), ("pregnancy", "Pregnancy · 妊娠"),
            ("form_of", "Processed form of · 炮制品"), ("herb_group", "Rule group · 归类"),
            ("processing_forms", "Processed forms · 炮制品"),
            ("categories", "Class · 类别"), ("cautions", "Cautions · 注意"), ("aliases", "Aliases · 别名")]))
        sections.append(_rel_table("Interactions with Western drugs · 与西药相互作用",
                                   rel.get(("INTERACTS", "out"), []),
                                   [("severity", "severity"), ("mechanism", "mechanism"), ("effect_en", "effect"),
                                    ("evidence", "evidence")], sources))
        incompatible = rel.get(("INCOMPATIBLE", "out"), []) + rel.get(("INCOMPATIBLE", "in"), [])
        sections.append(_rel_table("Incompatible with · 配伍禁忌", incompatible, [("rule", "rule")], sources))
        sections.append(_rel_table("Formulas it appears in · 所在方剂", rel.get(("CONTAINS", "in"), []),
                                   [("dose_g", "dose g"), ("dose_text", "dose"), ("role", "role · 君臣佐使")], sources))
        sections.append(_chips("Processed forms · 炮制品", rel.get(("FORM_OF", "in"), [])))
        sections.append(_chips("Constituents · 成分", rel.get(("HAS_COMPOUND", "out"), [])))
    elif label == "Formula":
        sections.append(_props(node, [("category", "Category · 分类"), ("subcategory", "Subcategory · 小类"),
                                      ("classical_source", "Source text · 出处"), ("functions", "Functions · 功用"),
                                      ("aliases", "Aliases · 别名")]))
        sections.append(_composition(composition or []))
        sections.append(classical_sources(classics, str(title)))
        sections.append(_chips("Indicated for (syndromes) · 主治证候", rel.get(("TREATS", "out"), [])))
        sections.append(_chips("Symptoms it relieves · 主治症状", rel.get(("RELIEVES", "out"), [])))
    elif label == "Syndrome":
        sections.append(_props(node, [("code", "GB/T 15657 code · 代码"), ("term_number", "Term no. · 术语编号"),
                                      ("synonyms", "Synonyms · 同义词"), ("parent", "Broader term · 上位词")]))
        sections.append(_chips("Formulas · 常用方剂", rel.get(("TREATS", "in"), [])))
        sections.append(_chips("Symptoms · 症状", rel.get(("HAS_SYMPTOM", "out"), [])))
        sections.append(_chips("Narrower terms · 下位词", rel.get(("SUBTYPE_OF", "in"), [])))
    elif label == "Drug":
        sections.append(_props(node, [("brands", "Brands · 商品名"), ("aliases", "Aliases · 别名"), ("atc", "ATC"),
                                      ("substrate_of", "Substrate of · 底物"),
                                      ("narrow_therapeutic_index", "Narrow therapeutic index · 治疗窗窄")]))
        sections.append(_rel_table("Interacting herbs · 相互作用的中药", rel.get(("INTERACTS", "in"), []),
                                   [("severity", "severity"), ("mechanism", "mechanism"), ("effect_en", "effect")],
                                   sources))
        sections.append(_chips("Classes · 类别", rel.get(("IN_CLASS", "out"), [])))
    elif label == "Source":
        sections.append(_props(node, [("kind", "Kind · 类型"), ("year", "Year · 年份"), ("edition", "Edition · 版本"),
                                      ("note", "Note · 说明")]))
        sections.append(f'<div class="tcm-props">{source_links([eid], {eid: node})}</div>')
    else:
        keys = [(k, k) for k in node if k not in _HIDE and node.get(k) not in (None, [], "")]
        sections.append(_props(node, keys))
    if label not in ("Herb", "Formula", "Syndrome", "Drug", "Source"):
        for (r, d), ns in sorted(rel.items()):
            if r != "CITES":
                sections.append(_chips(f"{r} ({'→' if d == 'out' else '←'})", ns))
    summary = node.get("summary_en") or ""
    if node.get("summary_zh"):
        summary = f"{node['summary_zh']}\n{summary}"
    if summary:
        sections.append(f'<div class="tcm-summary">{esc(summary).replace(chr(10), "<br>")}</div>')
    if node.get("sources") and label != "Source":
        sections.append(f'<div class="tcm-card-src">Sources · 出处: {source_links(node["sources"], sources)}</div>')
    return head + "".join(s for s in sections if s) + "</div>"


def _group(neighbours: list[Neighbour]) -> dict[tuple[str, str], list[Neighbour]]:
    out: dict[tuple[str, str], list[Neighbour]] = {}
    for n in neighbours:
        out.setdefault((n.rel, n.direction), []).append(n)
    return out


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "yes · 是" if v else "no · 否"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list):
        return "、".join(_fmt(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _props(node: Mapping[str, Any], keys: list[tuple[str, str]]) -> str:
    rows = []
    for key, title in keys:
        if key == "dose":
            lo, hi = node.get("dose_min_g"), node.get("dose_max_g")
            if hi is None:
                continue
            v: Any = f"{_fmt(lo)}–{_fmt(hi)} g" if lo is not None else f"≤ {_fmt(hi)} g"
        else:
            v = node.get(key)
            if v in (None, [], ""):
                continue
            if key in ("form_of", "parent") and isinstance(v, str):
                prefix = "herb" if key == "form_of" else "syndrome"
                rows.append(f"<tr><th>{esc(title)}</th><td>{entity_link(f'{prefix}:{v}', v)}</td></tr>")
                continue
            v = _fmt(v)
        rows.append(f"<tr><th>{esc(title)}</th><td>{esc(v)}</td></tr>")
    return f'<table class="tcm-props">{"".join(rows)}</table>' if rows else ""


def _chips(title: str, ns: list[Neighbour]) -> str:
    if not ns:
        return ""
    seen: dict[str, Neighbour] = {}
    for n in ns:
        seen.setdefault(n.id, n)
    chips = " ".join(entity_link(n.id, n.name_zh or short_name(n.id), "tcm-chip") for n in seen.values())
    return f'<div class="tcm-section"><h3>{esc(title)} <small>({len(seen)})</small></h3>{chips}</div>'


def _rel_table(title: str, ns: list[Neighbour], cols: list[tuple[str, str]], sources) -> str:
    if not ns:
        return ""
    head = "".join(f"<th>{esc(t)}</th>" for _, t in cols)
    rows = []
    for n in ns:
        cells = "".join(f"<td>{esc(_fmt(n.props.get(k)) if n.props.get(k) is not None else '')}</td>" for k, _ in cols)
        src = source_links(n.props.get("sources") or [], sources) if n.props.get("sources") else ""
        rows.append(f"<tr><td>{entity_link(n.id, n.name_zh or short_name(n.id))}</td>{cells}"
                    f'<td class="tcm-small">{src}</td></tr>')
    return (f'<div class="tcm-section"><h3>{esc(title)} <small>({len(ns)})</small></h3><table class="tcm-table">'
            f"<tr><th>name</th>{head}<th>sources</th></tr>{''.join(rows)}</table></div>")


def classical_sources(classics: list[Any] | str | None, formula: str) -> str:
    """The clauses a formula comes from (ClassicHit: citation, original text, dynasty and author), or the one line
    that says how to import the classical library when it is absent (a str)."""
    if classics is None:
        return ""
    title = "Classical sources · 经典原文"
    if isinstance(classics, str):
        return (f'<div class="tcm-section tcm-classics"><h3>{esc(title)}</h3>'
                f'<div class="tcm-muted">{esc(classics)}</div></div>')
    if not classics:
        return ""
    from tcm.classics.search import clause_excerpt

    rows = "".join(
        f'<li><b>{esc(h.citation)}</b> <span class="tcm-small">{esc(" ".join(x for x in (h.dynasty, h.author) if x))}'
        f"</span><br>{esc(clause_excerpt(h, formula, 200))}</li>" for h in classics)
    return (f'<div class="tcm-section tcm-classics"><h3>{esc(title)} <small>({len(classics)})</small></h3>'
            f"<ol>{rows}</ol></div>")


def _composition(items: list[CompositionItem]) -> str:
    if not items:
        return ""
    rows = []
    for i in items:
        dose = f"{i.dose_g:g} g" if i.dose_g is not None else (i.dose_text or "")
        written = i.as_written if i.as_written and i.as_written != i.herb else ""
        rows.append(f"<tr><td>{entity_link(i.herb_id, i.herb)}</td><td>{esc(written)}</td><td>{esc(dose)}</td>"
                    f"<td>{esc(i.role or '')}</td></tr>")
    return ('<div class="tcm-section"><h3>Composition · 组成</h3><table class="tcm-table tcm-composition">'
            "<tr><th>herb · 药</th><th>as written · 原书写法</th><th>dose · 剂量</th><th>role · 君臣佐使</th></tr>"
            + "".join(rows) + "</table></div>")


def results_html(entities: list[tuple[str, str, str]], query: str) -> str:
    """Search results (id, label, display name) as chips."""
    if not entities:
        return f'<div class="tcm-muted">Nothing found for “{esc(query)}” · 未找到</div>'
    chips = " ".join(entity_link(eid, f"{name} · {label}", "tcm-chip") for eid, label, name in entities)
    return f'<div class="tcm-results">{len(entities)} match{"es" if len(entities) != 1 else ""}: {chips}</div>'


def network_svg(center: Mapping[str, Any], neighbours: list[Neighbour], limit: int = 36) -> str:
    """A small radial view of a node's neighbourhood; nodes are links into the explorer."""
    cid = str(center.get("id") or "")
    clabel = str(center.get("label") or label_of(cid))
    cname = center.get("name_zh") or center.get("name_en") or cid
    uniq: dict[str, Neighbour] = {}
    cites = [n for n in neighbours if n.rel == "CITES"]
    for n in [n for n in neighbours if n.rel != "CITES"] + cites:  # sources last: the rest matters more
        uniq.setdefault(n.id, n)
    nodes = list(uniq.values())
    more = max(0, len(nodes) - limit)
    nodes = nodes[:limit]
    w, h = 560, 440
    cx, cy = w / 2, h / 2
    parts = [f'<svg class="tcm-net" viewBox="0 0 {w} {h}" width="100%" role="img" '
             f'aria-label="neighbourhood of {esc(cid)}" xmlns="http://www.w3.org/2000/svg">']
    pos = []
    for k in range(len(nodes)):
        ang = 2 * math.pi * k / max(1, len(nodes)) - math.pi / 2
        r = 175 if (len(nodes) > 14 and k % 2) else 125
        pos.append((cx + r * math.cos(ang), cy + r * 0.92 * math.sin(ang)))
    for n, (x, y) in zip(nodes, pos, strict=True):
        parts.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" class="tcm-edge">'
                     f"<title>{esc(n.rel)}</title></line>")
    for n, (x, y) in zip(nodes, pos, strict=True):
        colour = LABEL_COLOUR.get(n.label, "#444")
        name = n.name_zh or short_name(n.id)
        name = name if len(name) <= 10 else name[:9] + "…"
        anchor = "start" if x >= cx else "end"
        dx = 9 if x >= cx else -9
        parts.append(f'<a class="tcm-node" data-entity="{esc(n.id)}" href="{esc(entity_href(n.id))}" target="_blank">'
                     f"<title>{esc(n.label)} · {esc(n.name_zh or n.id)} ({esc(n.rel)} "
                     f"{'→' if n.direction == 'out' else '←'})</title>"
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6.5" fill="{colour}"/>'
                     f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}">{esc(name)}</text></a>')
    parts.append(f'<circle cx="{cx}" cy="{cy}" r="13" fill="{LABEL_COLOUR.get(clabel, "#444")}" class="tcm-center"/>'
                 f'<text x="{cx}" y="{cy + 30}" text-anchor="middle" class="tcm-center-label">{esc(cname)}</text>')
    labels = sorted({n.label for n in nodes} | {clabel})
    for k, lab in enumerate(labels):
        parts.append(f'<circle cx="12" cy="{14 + 16 * k}" r="5" fill="{LABEL_COLOUR.get(lab, "#444")}"/>'
                     f'<text x="22" y="{18 + 16 * k}" class="tcm-legend">{esc(lab)}</text>')
    if more:
        parts.append(f'<text x="{w - 8}" y="{h - 8}" text-anchor="end" class="tcm-legend">+{more} more</text>')
    parts.append("</svg>")
    return '<div class="tcm-net-wrap">' + "".join(parts) + "</div>"


def cell(v: Any) -> str:
    """A Cypher result cell for the table: text as is, other values as JSON."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False, default=str)


def diagnosis_html(d, reply: str, facts) -> str:
    """The differentiation: the structured reply, then the ranked syndromes and formulas with their evidence."""
    zh = d.language == "zh"
    parts = ['<div class="tcm-diagnosis">']
    parts += [f"<p>{esc(line)}</p>" for line in reply.splitlines()]
    head = ("证候", "代码", "得分", "相符", "未述") if zh else ("Syndrome", "Code", "Score", "Matched", "Missing")
    parts.append("<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr>")
    for s in d.syndromes:
        parts.append(f'<tr><td><a data-entity="{esc(s.id)}">{esc(s.name_zh)}</a></td><td>{esc(s.code or "")}</td>'
                     f"<td>{s.score:.2f}</td><td>{esc('、'.join(s.matched))}</td><td>{esc('、'.join(s.missing))}</td></tr>")
    parts.append("</table>")
    head = ("方剂", "得分", "证候", "理由") if zh else ("Formula", "Score", "Syndrome", "Why")
    parts.append("<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr>")
    for f in d.formulas:
        parts.append(f'<tr><td><a data-entity="{esc(f.id)}">{esc(f.name_zh)}</a></td><td>{f.score:.2f}</td>'
                     f"<td>{esc(f.syndrome or '')}</td><td>{esc(f.why)}</td></tr>")
    parts.append("</table>")
    if facts:
        parts.append("<ol>" + "".join(f'<li><a data-entity="{esc(x.id)}">{esc(x.id)}</a> — {esc(", ".join(x.sources))}'
                                      "</li>" for x in facts) + "</ol>")
    parts.append("</div>")
    return "".join(parts)


def error_box(message: str) -> str:
    return f'<div class="tcm-error" role="alert">⚠️ {esc(message)}</div>'


CSS = """
:root,.gradio-container{--font:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",
 "Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","PingFang SC","Hiragino Sans GB","Microsoft YaHei",
 "WenQuanYi Micro Hei",sans-serif}
.gradio-container,.gradio-container textarea,.gradio-container input,.gradio-container button{font-family:var(--font)}
#tcm-chat label.float{position:relative;display:inline-flex;margin:0 0 4px 0}
.tcm-icon{display:inline-block;vertical-align:-3px;margin-right:2px}
.tcm-banner .tcm-icon{vertical-align:-5px}
.tcm-status{font-size:.85em;padding:4px 10px;border-radius:6px}
.tcm-status-ok{color:#166534;background:#f0fdf4}
.tcm-status-down{color:#991b1b;background:#fef2f2;font-weight:600}
.tcm-banner{background:#b91c1c;color:#fff;border-radius:8px;padding:12px 16px;margin:4px 0;box-shadow:0 0 0 3px #fecaca}
.tcm-banner-title{font-size:1.25em;font-weight:700}
.tcm-banner-msg{font-weight:600;margin:.3em 0 0 0}.tcm-banner-msg2{opacity:.9;margin:0}
.tcm-safety{border:2px solid #94a3b8;border-radius:10px;padding:8px 10px;background:var(--background-fill-primary)}
.tcm-safety[data-state=findings]{border-color:#dc2626}
.tcm-safety[data-state=clear]{border-color:#16a34a}
.tcm-safety-head{font-weight:700;font-size:1.1em;margin-bottom:6px}
.tcm-count{float:right;font-size:.85em;color:#b91c1c}
.tcm-sev{border-left:6px solid;border-radius:6px;margin:8px 0;padding:4px 8px}
.tcm-sev-title{font-weight:700}
.tcm-sev-critical{border-color:#7f1d1d;background:#fee2e2}.tcm-sev-critical .tcm-sev-title{color:#7f1d1d}
.tcm-sev-high{border-color:#dc2626;background:#fef2f2}.tcm-sev-high .tcm-sev-title{color:#b91c1c}
.tcm-sev-moderate{border-color:#d97706;background:#fffbeb}.tcm-sev-moderate .tcm-sev-title{color:#b45309}
.tcm-sev-low{border-color:#0284c7;background:#f0f9ff}.tcm-sev-low .tcm-sev-title{color:#0369a1}
.tcm-finding{background:#fff;border-radius:6px;padding:6px 8px;margin:6px 0;color:#111}
.tcm-f-kind{font-weight:600}.tcm-f-kind code{font-size:.8em;color:#555}
.tcm-f-msg{margin:.3em 0 0 0}.tcm-f-msg2{margin:0;color:#555;font-size:.92em}
.tcm-f-mech,.tcm-f-ev{font-size:.85em;color:#333;margin-top:3px}
.tcm-tag{background:#e0e7ff;color:#3730a3;border-radius:4px;padding:0 4px;font-size:.85em}
.tcm-clear{color:#166534;font-weight:600;padding:6px 0}
.tcm-safety-foot,.tcm-muted,.tcm-small{font-size:.8em;color:#6b7280;margin-top:6px}
.tcm-safety-note{font-size:.85em;color:#92400e;background:#fffbeb;border-radius:4px;padding:2px 6px}
.tcm-warn{color:#b45309;font-weight:600}
.tcm-drugs-note{font-size:.85em;color:#374151}
.tcm-cites{padding:4px 0}.tcm-cites-title{font-weight:600;margin-right:6px}
a.tcm-cite,a.tcm-chip{display:inline-block;border:1px solid #cbd5e1;border-radius:14px;padding:1px 10px;margin:2px;
 text-decoration:none;cursor:pointer;background:#f8fafc;color:#1e3a8a}
a.tcm-cite:hover,a.tcm-chip:hover{background:#e0e7ff}
a.tcm-link,a.tcm-src{cursor:pointer}
.tcm-card h2{margin:.2em 0}.tcm-card-sub{color:#555}
.tcm-badge{color:#fff;border-radius:4px;padding:1px 8px;font-size:.8em}
.tcm-props th{text-align:left;padding-right:12px;white-space:nowrap;color:#374151;vertical-align:top}
.tcm-table{border-collapse:collapse;margin:4px 0}.tcm-table td,.tcm-table th{border:1px solid #e5e7eb;padding:2px 6px}
.tcm-section h3{margin:.8em 0 .3em 0;font-size:1em}
.tcm-summary{background:#f8fafc;border-radius:6px;padding:6px 8px;margin-top:8px;font-size:.92em}
.tcm-card-src{font-size:.85em;margin-top:6px}
.tcm-net{max-width:560px;background:#fcfcfd;border:1px solid #e5e7eb;border-radius:8px}
.tcm-net .tcm-edge{stroke:#cbd5e1;stroke-width:1}
.tcm-net text{font-size:11px;fill:#111}.tcm-net .tcm-legend{font-size:10px;fill:#555}
.tcm-net .tcm-center-label{font-weight:700;font-size:13px}
.tcm-net a.tcm-node{cursor:pointer}.tcm-net a.tcm-node:hover circle{stroke:#111;stroke-width:2}
.tcm-error{color:#991b1b;background:#fef2f2;border:1px solid #fecaca;border-radius:6px;padding:6px 10px}
"""
