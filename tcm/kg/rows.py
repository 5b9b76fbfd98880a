"""Turn a validated corpus into node and relationship rows, the same for every backend.

Backends only know how to write rows; everything about what the graph holds
(which properties, how processed forms inherit incompatibility rules) is decided
here, once. The lookup keys in `names` of herbs, drugs, formulas, syndromes and
diseases are the name layer's (:class:`tcm.names.NameIndex`), so the graph finds
every name the resolver knows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from tcm.corpora.io import Corpus
from tcm.corpora.rules import incompatible_pairs
from tcm.names.forms import name_keys, plain_pinyin, to_traditional
from tcm.names.index import NameIndex

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


def graph_rows(corpus: Corpus, names: NameIndex | None = None) -> GraphData:
    """Every node and relationship of the graph, with `sources` on each."""
    names = names or NameIndex(corpus)
    rels: dict[tuple[str, str, str], RelRows] = {}

    def rel(type_: str, a_label: str, a: str, b_label: str, b: str, **props: object) -> None:
        key = (type_, a_label, b_label)
        rels.setdefault(key, RelRows(type_, a_label, b_label)).rows.append({"from": a, "to": b, **props})

    dose = {r.herb: r for r in corpus.dose_ranges if r.form is None}
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
                "names": names.names_of("herb", h.name_zh),
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
                "categories": h.categories,
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
    crosswalk: dict[str, list] = defaultdict(list)
    for r in corpus.crosswalk:
        crosswalk[r.formula].append(r)
    for f in corpus.formulas:
        nodes["Formula"].append(
            {
                "id": f.id,
                "name_zh": f.name_zh,
                "name_zh_hant": f.name_zh_hant,
                "pinyin": f.pinyin,
                "pinyin_plain": plain_pinyin(f.pinyin),
                "name_en": f.name_en,
                "names": names.names_of("formula", f.name_zh),
                "category": f.category,
                "subcategory": f.subcategory,
                "functions": f.functions,
                "classical_source": f.classical_source,
                "dose_basis": f.dose_basis,
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
        mapped = {r.syndrome: r for r in crosswalk.get(f.name_zh, [])}
        for s in f.syndromes:
            if s not in mapped:
                rel("TREATS", "Formula", f.id, "Syndrome", f"syndrome:{s}", kind=None, via=None, textbook_name=None,
                    sources=f.sources)
        for r in mapped.values():  # the crosswalk: textbook names onto GB/T terms, with the kind of mapping
            rel("TREATS", "Formula", f.id, "Syndrome", f"syndrome:{r.syndrome}", kind=r.kind, via=r.via,
                textbook_name=r.textbook_name, sources=r.sources)
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
                    "names": names.names_of(prefix, t.name_zh),
                    "parent": t.parent,
                    "name_en": t.name_en,
                    "sources": t.sources,
                }
            )
            if t.parent:
                rel("SUBTYPE_OF", label, t.id, label, f"{prefix}:{t.parent}", sources=t.sources)

    _clinical_rows(corpus, nodes, rel, crosswalk)

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

    _drug_rows(corpus, nodes, rel, names)

    for p in incompatible_pairs(corpus.herbs, corpus.incompatibilities):
        rel("INCOMPATIBLE", "Herb", f"herb:{p.a}", "Herb", f"herb:{p.b}", rule=p.row.rule, inherited=p.inherited,
            sources=p.row.sources)

    for label, rows in nodes.items():
        for row in rows:
            for sid in row["sources"]:  # type: ignore[union-attr]
                rel("CITES", label, row["id"], "Source", sid, sources=[sid])  # type: ignore[arg-type]

    return GraphData(nodes=dict(nodes), rels=list(rels.values()))


def _clinical_rows(corpus: Corpus, nodes: dict[str, list[Row]], rel, crosswalk: dict[str, list]) -> None:
    """Signs, treatment principles (治法), and the edges of the clinical graph: syndrome → sign,
    formula/herb → sign, syndrome → principle → formula, herb → function, disease → syndrome, formula families."""
    for s in corpus.signs:
        hant = to_traditional(s.name_zh)
        nodes["Sign"].append({"id": s.id, "name_zh": s.name_zh, "name_zh_hant": hant, "kind": s.kind,
                              "name_en": s.name_en, "synonyms": s.synonyms, "english": s.english,
                              "names": name_keys(s.name_zh, hant, *s.synonyms, *s.english), "sources": s.sources})
    for r in corpus.syndrome_signs:
        rel("HAS_SIGN", "Syndrome", f"syndrome:{r.syndrome}", "Sign", f"sign:{r.sign}", weight=r.weight, key=r.key,
            sources=r.sources)
    for r in corpus.formula_signs:
        rel("INDICATED_FOR", "Formula", f"formula:{r.formula}", "Sign", f"sign:{r.sign}", sources=r.sources)
    for r in corpus.herb_signs:
        rel("INDICATED_FOR", "Herb", f"herb:{r.herb}", "Sign", f"sign:{r.sign}", sources=r.sources)
    principles: dict[str, list[str]] = {}
    treated: dict[tuple[str, str], list[str]] = {}
    for f in corpus.formulas:
        targets = [r.syndrome for r in crosswalk.get(f.name_zh, [])] + list(f.syndromes)
        for p in f.functions:
            principles[p] = _merge(principles.get(p, []), f.sources[:1])
            rel("REALISED_BY", "Principle", f"principle:{p}", "Formula", f.id, sources=f.sources[:1])
            for t in dict.fromkeys(targets):
                treated[(t, p)] = _merge(treated.get((t, p), []), f.sources[:1])
    for (t, p), srcs in treated.items():
        rel("TREATED_BY", "Syndrome", f"syndrome:{t}", "Principle", f"principle:{p}", sources=srcs)
    for h in corpus.herbs:
        for p in h.functions:
            principles[p] = _merge(principles.get(p, []), h.sources[:1])
            rel("HAS_FUNCTION", "Herb", h.id, "Principle", f"principle:{p}", sources=h.sources[:1])
    for name, srcs in sorted(principles.items()):
        hant = to_traditional(name)
        nodes["Principle"].append({"id": f"principle:{name}", "name_zh": name, "name_zh_hant": hant,
                                   "names": name_keys(name, hant), "sources": srcs})
    for r in corpus.disease_patterns:
        rel("HAS_PATTERN", "Disease", f"disease:{r.disease}", "Syndrome", f"syndrome:{r.syndrome}",
            formula=r.formula, sources=r.sources)
    for r in corpus.families:
        rel("VARIANT_OF", "Formula", f"formula:{r.variant}", "Formula", f"formula:{r.base}", relation=r.relation,
            added=r.added, sources=r.sources)


def _drug_rows(corpus: Corpus, nodes: dict[str, list[Row]], rel, names: NameIndex) -> None:
    """Western drugs, their classes and enzymes, curated herb–drug interactions, and constituents."""
    for c in corpus.drug_classes:
        nodes["DrugClass"].append({"id": f"drugclass:{c.id}", "name_en": c.name_en, "name_zh": c.name_zh,
                                   "names": name_keys(c.id, c.name_en, c.name_zh), "atc": c.atc,
                                   "sources": c.sources})
    enzymes: dict[str, list[str]] = {}
    for d in corpus.drugs:
        did = f"drug:{d.name_en}"
        nodes["Drug"].append({"id": did, "name_en": d.name_en, "name_zh": d.name_zh, "brands": d.brands,
                              "aliases": d.aliases, "names": names.names_of("drug", d.name_en),
                              "atc": d.atc, "narrow_therapeutic_index": d.narrow_therapeutic_index,
                              "sources": d.sources})
        for c in d.classes:
            rel("IN_CLASS", "Drug", did, "DrugClass", f"drugclass:{c}", sources=d.sources)
        for e in d.substrate_of:
            enzymes.setdefault(e, _merge(enzymes.get(e, []), d.sources))
            rel("SUBSTRATE_OF", "Drug", did, "Enzyme", f"enzyme:{e}", sources=d.sources)
    for r in corpus.herb_drug:
        target = ("Drug", f"drug:{r.drug}") if r.drug else ("DrugClass", f"drugclass:{r.drug_class}")
        rel("INTERACTS", "Herb", f"herb:{r.herb}", *target, severity=r.severity, mechanism=r.mechanism,
            effect_en=r.effect_en, effect_zh=r.effect_zh, evidence=r.evidence, sources=r.sources)
    compounds: dict[str, list[str]] = {}
    pairs: set[tuple[str, str]] = set()
    for r in corpus.compound_enzyme:
        cid = f"compound:{r.compound.lower()}"
        compounds[r.compound] = _merge(compounds.get(r.compound, []), r.sources)
        enzymes[r.enzyme] = _merge(enzymes.get(r.enzyme, []), r.sources)
        if (r.herb, cid) not in pairs:
            pairs.add((r.herb, cid))
            rel("HAS_COMPOUND", "Herb", f"herb:{r.herb}", "Compound", cid, sources=r.sources)
        rel(r.effect.upper(), "Compound", cid, "Enzyme", f"enzyme:{r.enzyme}", sources=r.sources)
    for name, sources in sorted(compounds.items()):
        nodes["Compound"].append({"id": f"compound:{name.lower()}", "name_en": name, "names": name_keys(name),
                                  "sources": sources})
    for name, sources in sorted(enzymes.items()):
        nodes["Enzyme"].append({"id": f"enzyme:{name}", "name_en": name, "names": name_keys(name),
                                "sources": sources})


def _merge(*lists: list[str]) -> list[str]:
    out: list[str] = []
    for lst in lists:
        out.extend(x for x in lst if x not in out)
    return out
