"""One name layer: the resolver, entity linking and the graph's ``find`` agree on every key (both backends)."""

from __future__ import annotations

import pytest

from tcm.names import KINDS, LINKED, NameResolver
from tcm.names.index import LABEL


@pytest.fixture(scope="module")
def resolver(corpus) -> NameResolver:
    return NameResolver(corpus)


@pytest.fixture(scope="module")
def every_key(resolver) -> list[str]:
    return sorted({k for kind in KINDS for k in resolver.index.keys(kind)})


def test_the_graph_stores_the_index(store, resolver):
    """Each herb, drug, formula, syndrome and disease node's `names` is exactly the name layer's keys for it."""
    for kind in KINDS:
        rows = store.query(f"MATCH (n:{LABEL[kind]}) RETURN n.id, n.names").rows
        assert len(rows) == len({v for t in resolver.index.tables[kind].values() for v in t})
        for node_id, names in rows:
            assert names == resolver.index.names_of(kind, node_id.split(":", 1)[1]), node_id


def test_resolver_link_and_find_agree_on_every_key(store, resolver, every_key):
    found = store.find_many(every_key)
    assert len(every_key) > 30_000
    for key in every_key:
        ids = set(resolver.index.ids(key))
        graph = {e.id for e in found[key] if e.label in LABEL.values()}
        assert graph == ids, key
        linked = {eid for eid, conf in resolver.link(key, fuzzy=False, limit=100) if conf == 1.0}
        assert linked == {i for i in ids if i.split(":", 1)[0] in LINKED}, key
        for kind in KINDS:
            if key in resolver.index.tables[kind]:
                assert {f"{kind}:{v}" for v in resolver.resolve(key, kind)} == {i for i in ids
                                                                                 if i.startswith(kind + ":")}, key


def test_find_is_find_many(store, every_key):
    sample = every_key[:: max(1, len(every_key) // 60)]
    many = store.find_many(sample)
    for key in sample:
        assert store.find(key) == many[key], key


@pytest.mark.parametrize("written, ids", [
    ("地黄丸", ["formula:六味地黄丸"]),  # a formula's other name
    ("黑顺片", ["herb:附子"]),  # a processed form listed under its herb
    ("生甘草", ["herb:甘草"]), ("盐黄柏", ["herb:黄柏"]),  # a processed form read as the resolver reads it
    ("白芨", ["herb:白及"]), ("草烏頭", ["herb:草乌"]),
    ("沙参", ["herb:北沙参", "herb:南沙参"]), ("乌头", ["herb:川乌", "herb:草乌"]),  # every herb it may mean
    ("华法林钠片", ["drug:warfarin"]), ("Coumadin", ["drug:warfarin"]),
    ("脾气虚", ["syndrome:脾气虚证"]),
])
def test_graph_find_finds_what_the_resolver_knows(store, resolver, written, ids):
    assert [e.id for e in store.find(written)] == ids
    kind = ids[0].split(":", 1)[0]
    assert [f"{kind}:{v}" for v in resolver.resolve(written, kind)] == ids
