"""One contract for every graph backend: same questions, same answers."""

from __future__ import annotations

import pytest

from tcm.errors import QueryError

MAHUANG = "MATCH (f:Formula {name_zh:'麻黄汤'})-[c:CONTAINS]->(h:Herb) RETURN h.name_zh, c.dose_g"


def test_mahuang_tang_composition_by_cypher(store):
    res = store.query(MAHUANG)
    assert res.columns == ["h.name_zh", "c.dose_g"]
    assert dict(map(tuple, res.rows)) == {"麻黄": 9.0, "桂枝": 6.0, "苦杏仁": 6.0, "甘草": 3.0}


def test_composition_api_keeps_the_written_name_and_source(store):
    items = {i.herb: i for i in store.composition("麻黄汤")}
    assert set(items) == {"麻黄", "桂枝", "苦杏仁", "甘草"}
    assert items["苦杏仁"].as_written == "杏仁"
    assert items["麻黄"].dose_g == 9.0
    assert "fangjixue" in items["麻黄"].sources
    # largest dose first
    assert [i.herb for i in store.composition("麻黄汤")][0] == "麻黄"


def test_count_only_dose_stays_text(store):
    dazao = next(i for i in store.composition("桂枝汤") if i.herb == "大枣")
    assert dazao.dose_g is None and dazao.dose_text == "3枚"


@pytest.mark.parametrize(
    "name", ["甘草", "gancao", "gan cao", "gān cǎo", "Glycyrrhizae Radix et Rhizoma", "GLYCYRRHIZAE RADIX ET RHIZOMA"]
)
def test_find_herb_by_any_name(store, name):
    found = store.find(name)
    assert found and found[0].id == "herb:甘草" and found[0].label == "Herb"


def test_find_by_english_and_traditional(store):
    assert store.find("Ephedra Decoction")[0].id == "formula:麻黄汤"
    assert store.find("麻黃湯")[0].id == "formula:麻黄汤"  # traditional characters
    assert store.find("no such thing at all") == []


def test_find_syndrome_by_code(store, corpus):
    term = next(s for s in corpus.syndromes if s.code and len(s.code) > 8)
    found = store.find(term.code, label="Syndrome")
    assert [e.id for e in found] == [term.id]


def test_formulas_containing_herbs(store):
    refs = store.formulas_containing(["柴胡", "黄芩"])
    names = [r.name_zh for r in refs]
    assert "小柴胡汤" in names
    assert all(r.matched == 2 for r in refs)
    assert store.formulas_containing([]) == []


def test_herb_formulas_and_syndrome_formulas(store, corpus):
    assert "麻黄汤" in [r.name_zh for r in store.herb_formulas("麻黄")]
    f = next(f for f in corpus.formulas if f.name_zh == "麻黄汤")
    assert f.syndromes, "麻黄汤 should name the syndrome it treats"
    assert "麻黄汤" in [r.name_zh for r in store.formulas_for_syndrome(f.syndromes[0])]


def test_neighbours(store):
    nb = store.neighbours("formula:麻黄汤")
    contains = {n.id for n in nb if n.rel == "CONTAINS" and n.direction == "out"}
    assert contains == {"herb:麻黄", "herb:桂枝", "herb:苦杏仁", "herb:甘草"}
    assert any(n.rel == "CITES" and n.id == "fangjixue" and n.label == "Source" for n in nb)
    assert any(n.rel == "TREATS" for n in nb)


def test_incompatibility_edges_inherit_processed_forms(store):
    res = store.query(
        "MATCH (a:Herb)-[r:INCOMPATIBLE]->(b:Herb) WHERE a.name_zh = $a AND b.name_zh = $b RETURN r.rule, r.inherited",
        {"a": "甘草", "b": "海藻"},
    )
    assert res.rows == [["18反", False]]
    res = store.query(
        "MATCH (a:Herb)-[r:INCOMPATIBLE]->(b:Herb) WHERE a.name_zh = '炙甘草' AND b.name_zh = '海藻' RETURN r.inherited"
    )
    assert res.rows == [[True]]


def test_every_node_and_edge_has_a_source(store):
    nodes = store.query("MATCH (n) WHERE n.sources IS NULL OR size(n.sources) = 0 RETURN count(n)")
    edges = store.query("MATCH ()-[r]->() WHERE r.sources IS NULL OR size(r.sources) = 0 RETURN count(r)")
    assert nodes.rows == [[0]] and edges.rows == [[0]]


def test_counts_match_the_corpus(store, graph_data):
    counts = store.counts()
    for label, rows in graph_data.nodes.items():
        assert counts[label] == len(rows), label
    assert counts["Herb"] >= 550 and counts["Formula"] >= 250 and counts["Syndrome"] >= 1500


@pytest.mark.parametrize(
    "cypher",
    [
        "CREATE (n:Herb {id: 'x'})",
        "MATCH (h:Herb {name_zh: '甘草'}) SET h.nature = '寒'",
        "MATCH (h:Herb {name_zh: '甘草'}) DETACH DELETE h",
        "MATCH (h:Herb RETURN h",
        "MATCH (h:Herb) RETURN h LIMIT 1; MATCH (h:Herb) DETACH DELETE h",
        "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l",
        "COPY Herb FROM '/tmp/x.csv'",
        "",
    ],
)
def test_researcher_queries_are_read_only(store, cypher):
    with pytest.raises(QueryError):
        store.query(cypher)
    assert store.query("MATCH (h:Herb {name_zh: '甘草'}) RETURN h.nature").rows == [["平"]]


def test_semicolon_inside_a_string_is_not_a_second_statement(store):
    assert store.query("MATCH (h:Herb) WHERE h.name_zh = 'a;b' RETURN count(h)").rows == [[0]]


def test_parameters(store):
    res = store.query("MATCH (h:Herb) WHERE h.name_zh IN $names RETURN h.name_zh ORDER BY h.name_zh",
                      {"names": ["甘草", "麻黄"]})
    assert res.rows == [["甘草"], ["麻黄"]]


def test_a_failed_build_changes_nothing(store, graph_data):
    """A build that fails half-way (here: a duplicate id) leaves the previous graph as it was."""
    from copy import deepcopy

    from tcm.errors import GraphError

    before = store.counts()
    bad = deepcopy(graph_data)
    bad.nodes["Herb"].append(dict(bad.nodes["Herb"][0]))
    with pytest.raises(GraphError):
        store.build(bad)
    assert store.counts() == before
    assert dict(map(tuple, store.query(MAHUANG).rows))["麻黄"] == 9.0


def test_node_by_id(store):
    node = store.node("herb:甘草")
    assert node["label"] == "Herb" and node["name_zh"] == "甘草" and node["nature"] == "平"
    assert "chp-2010" in node["sources"] and "gancao" in node["names"]
    assert store.node("chp-2010")["label"] == "Source"
    assert store.node("herb:no such herb") is None


def test_sources_of_a_node_and_all_sources(store, corpus):
    cited = store.sources("formula:麻黄汤")
    assert [s["id"] for s in cited] == sorted(s["id"] for s in cited) and "fangjixue" in [s["id"] for s in cited]
    assert all(s["label"] == "Source" and s["title"] for s in cited)
    every = store.sources()
    assert {s["id"] for s in every} == {s.id for s in corpus.sources}
    assert store.sources("herb:no such herb") == []


def test_formula_syndromes(store, corpus):
    # the textbook's names and the GB/T terms the crosswalk maps them to (issue 13)
    def expected(f):
        return sorted(set(f.syndromes) | {r.syndrome for r in corpus.crosswalk if r.formula == f.name_zh})

    one = store.formula_syndromes("麻黄汤")
    f = next(f for f in corpus.formulas if f.name_zh == "麻黄汤")
    assert one == {"麻黄汤": expected(f)}
    assert {"外感风寒表实证", "表寒证"} <= set(one["麻黄汤"])
    assert store.formula_syndromes("formula:麻黄汤") == one
    every = store.formula_syndromes()
    assert every == {f.name_zh: expected(f) for f in corpus.formulas}
    assert store.formula_syndromes("no such formula") == {}
