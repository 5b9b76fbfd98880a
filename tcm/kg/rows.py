"""Turn a validated corpus into node and relationship rows, the same for every backend.

Backends only know how to write rows; everything about what the graph holds
(which properties, how processed forms inherit incompatibility rules, the
lookup keys in `names`) is decided here, once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from tcm.corpora.io import Corpus
from tcm.corpora.names import name_keys, plain_pinyin, to_traditional

Row = dict[str, object]


@dataclass
class RelRows:
    """Rows of one relationship type between one pair of labels."""

    type: str
    from_label: str
    to_label: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class GraphData:
    nodes: dict[str, list[Row]]
    rels: list[RelRows]

    def total(self) -> int:
        return sum(len(r) for r in self.nodes.values()) + sum(len(r.rows) for r in self.rels)

    def counts(self) -> dict[str, int]:
        out = {label: len(rows) for label, rows in self.nodes.items()}
        for r in self.rels:
            out[r.type] = out.get(r.type, 0) + len(r.rows)
        return out


def graph_rows(corpus: Corpus) -> GraphData:
    """Every node and relationship of the graph, with `sources` on each."""
    rels: dict[tuple[str, str, str], RelRows] = {}

    def rel(type_: str, a_label: str, a: str, b_label: str, b: str, **props: object) -> None:
        key = (type_, a_label, b_label)
        rels.setdefault(key, RelRows(type_, a_label, b_label)).rows.append({"from": a, "to": b, **props})

    dose = {r.herb: r for r in corpus.dose_ranges}
    tox = {r.herb: r for r in corpus.toxicity}
    preg = {r.herb: r for r in corpus.pregnancy}
    nodes: dict[str, list[Row]] = defaultdict(list)

    for h in corpus.herbs:
        d, t, p = dose.get(h.name_zh), tox.get(h.name_zh), preg.get(h.name_zh)
        # the rule rows are facts about the herb too: their sources join the node's
        sources = _merge(h.sources, *(r.sources for r in (d, t, p) if r))
        nodes["Herb"].append(
            {
                "id": h.id,
                "name_zh": h.name_zh,
                "name_zh_hant": h.name_zh_hant,
                "pinyin": h.pinyin,
                "pinyin_plain": plain_pinyin(h.pinyin),
                "latin": h.latin,
                "name_en": h.name_en,
                "aliases": h.aliases,
                "names": name_keys(h.name_zh, h.name_zh_hant, h.pinyin, h.latin, h.name_en, *h.aliases),
                "nature": h.nature,
                "flavours": h.flavours,
                "meridians": h.meridians,
                "functions": h.functions,
                "indications": h.indications,
                "dose_min_g": d.dose_min_g if d else None,
                "dose_max_g": d.dose_max_g if d else None,
                "toxicity": t.grade if t else "无毒",
                "pregnancy": p.category if p else None,
                "form_of": h.form_of,
                "herb_group": h.group,
                "processing_forms": h.processing_forms,
                "cautions": h.cautions,
                "external_ids": [f"{k}:{v}" for k, v in sorted(h.external_ids.items())],
                "summary_en": h.summary_en,
                "summary_zh": h.summary_zh,
                "sources": sources,
            }
        )
        if h.form_of:
            rel("FORM_OF", "Herb", h.id, "Herb", f"herb:{h.form_of}", sources=h.sources)

    symptom_names = {s.name_zh for s in corpus.symptoms}
    for f in corpus.formulas:
        nodes["Formula"].append(
            {
                "id": f.id,
                "name_zh": f.name_zh,
                "name_zh_hant": f.name_zh_hant,
                "pinyin": f.pinyin,
                "pinyin_plain": plain_pinyin(f.pinyin),
                "name_en": f.name_en,
                "names": name_keys(f.name_zh, f.name_zh_hant, f.pinyin, f.name_en),
                "category": f.category,
                "subcategory": f.subcategory,
                "functions": f.functions,
                "classical_source": f.classical_source,
                "summary_en": f.summary_en,
                "summary_zh": f.summary_zh,
                "sources": f.sources,
            }
        )
        for ing in f.composition:
            rel(
                "CONTAINS", "Formula", f.id, "Herb", f"herb:{ing.herb}",
                as_written=ing.as_written, dose_g=ing.dose_g, dose_text=ing.dose_text, role=ing.role,
                sources=f.sources,
            )
        for s in f.syndromes:
            rel("TREATS", "Formula", f.id, "Syndrome", f"syndrome:{s}", sources=f.sources)
        for s in f.symptoms:
            if s in symptom_names:
                rel("RELIEVES", "Formula", f.id, "Symptom", f"symptom:{s}", sources=f.sources)
                if len(f.syndromes) == 1:  # the symptoms describe that one syndrome
                    rel("HAS_SYMPTOM", "Syndrome", f"syndrome:{f.syndromes[0]}", "Symptom", f"symptom:{s}",
                        sources=f.sources)

    for label, terms, prefix in (("Syndrome", corpus.syndromes, "syndrome"), ("Disease", corpus.diseases, "disease")):
        for t in terms:
            hant = to_traditional(t.name_zh)
            nodes[label].append(
                {
                    "id": t.id,
                    "name_zh": t.name_zh,
                    "name_zh_hant": hant,
                    "code": t.code,
                    "term_number": t.term_number,
                    "synonyms": t.synonyms,
                    "names": name_keys(t.name_zh, hant, t.name_en, t.code, *t.synonyms),
                    "parent": t.parent,
                    "name_en": t.name_en,
                    "sources": t.sources,
                }
            )
            if t.parent:
                rel("SUBTYPE_OF", label, t.id, label, f"{prefix}:{t.parent}", sources=t.sources)

    for s in corpus.symptoms:
        hant = to_traditional(s.name_zh)
        nodes["Symptom"].append(
            {"id": s.id, "name_zh": s.name_zh, "name_zh_hant": hant, "name_en": s.name_en,
             "names": name_keys(s.name_zh, hant, s.name_en), "sources": s.sources}
        )

    for src in corpus.sources:
        nodes["Source"].append(
            {
                "id": src.id, "kind": src.kind, "title": src.title, "title_en": src.title_en, "year": src.year,
                "edition": src.edition, "pmid": src.pmid, "doi": src.doi, "url": src.url, "note": src.note,
                "names": name_keys(src.id, src.title, src.title_en, src.pmid, src.doi),
                "sources": [src.id],  # a source vouches for itself
            }
        )

    forms = _forms_by_parent(corpus)
    seen: set[tuple[str, str]] = set()
    for r in corpus.incompatibilities:
        for a in [r.herb_a, *forms[r.herb_a]]:
            for b in [r.herb_b, *forms[r.herb_b]]:
                if (a, b) in seen:
                    continue
                seen.add((a, b))
                rel("INCOMPATIBLE", "Herb", f"herb:{a}", "Herb", f"herb:{b}", rule=r.rule,
                    inherited=(a, b) != (r.herb_a, r.herb_b), sources=r.sources)

    for label, rows in nodes.items():
        for row in rows:
            for sid in row["sources"]:  # type: ignore[union-attr]
                rel("CITES", label, row["id"], "Source", sid, sources=[sid])  # type: ignore[arg-type]

    return GraphData(nodes=dict(nodes), rels=list(rels.values()))


def _forms_by_parent(corpus: Corpus) -> dict[str, list[str]]:
    """Herb -> every processed form below it (transitively), sorted."""
    children: dict[str, list[str]] = defaultdict(list)
    for h in corpus.herbs:
        if h.form_of:
            children[h.form_of].append(h.name_zh)
    out: dict[str, list[str]] = defaultdict(list)
    for parent in list(children):
        stack, found = list(children[parent]), []
        while stack:
            c = stack.pop()
            if c not in found:
                found.append(c)
                stack.extend(children.get(c, []))
        out[parent] = sorted(found)
    return out


def _merge(*lists: list[str]) -> list[str]:
    out: list[str] = []
    for lst in lists:
        out.extend(x for x in lst if x not in out)
    return out
