"""The embedded store and Neo4j give the same answers to the researcher API."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.neo4j


def test_same_answers_on_both_backends(embedded_store, neo4j_store, corpus):
    a, b = embedded_store, neo4j_store
    for formula in ("麻黄汤", "桂枝汤", "小柴胡汤", "四君子汤"):
        assert a.composition(formula) == b.composition(formula), formula
    for name in ("licorice", "gancao", "Ephedra Decoction", "麻黃湯"):
        assert a.find(name) == b.find(name), name
    assert a.formulas_containing(["柴胡", "黄芩"]) == b.formulas_containing(["柴胡", "黄芩"])
    assert a.formulas_containing(["人参", "白术", "茯苓"], 2) == b.formulas_containing(["人参", "白术", "茯苓"], 2)
    assert a.herb_formulas("甘草") == b.herb_formulas("甘草")
    syndrome = next(f.syndromes[0] for f in corpus.formulas if f.syndromes)
    assert a.formulas_for_syndrome(syndrome) == b.formulas_for_syndrome(syndrome)
    assert a.neighbours("formula:麻黄汤") == b.neighbours("formula:麻黄汤")
    assert a.counts() == b.counts()
