"""The sentence-transformers backend, on a tiny BERT built from a config: no download, no hub.

torch, transformers and sentence-transformers are in the retrieval extra (CI installs them with
the dev extra); without them these tests skip and say so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is in the retrieval extra: pip install -e '.[retrieval]'")
transformers = pytest.importorskip("transformers", reason="transformers is in the retrieval extra")
st = pytest.importorskip("sentence_transformers", reason="sentence-transformers is in the retrieval extra")
pytest.importorskip("faiss", reason="faiss-cpu is in the retrieval extra")
pytest.importorskip("jieba", reason="jieba is in the retrieval extra")

REPO = Path(__file__).resolve().parents[2]
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *"麻黄桂枝汤甘草杏仁四逆附子干姜冷寒热",
         "ephedra", "decoction", "cinnamon", "twig", "licorice", "cold", "limbs", "root", "herb", "formula"]


def tiny_model(where: Path) -> Path:
    """A 1-layer, 32-dim BERT with mean pooling, saved as a sentence-transformers model directory."""
    raw = where / "bert"
    raw.mkdir(parents=True)
    (raw / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    tok = transformers.BertTokenizerFast(vocab_file=str(raw / "vocab.txt"), do_lower_case=True)
    cfg = transformers.BertConfig(vocab_size=len(VOCAB), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                  intermediate_size=64, max_position_embeddings=128)
    torch.manual_seed(0)
    transformers.BertModel(cfg).save_pretrained(raw)
    tok.save_pretrained(raw)
    out = where / "tiny-st"
    # a plain transformers directory loads as Transformer + mean pooling; saved, it is a sentence-transformers model
    st.SentenceTransformer(str(raw), device="cpu").save(str(out))
    return out


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    return tiny_model(tmp_path_factory.mktemp("st"))


def test_sentence_transformers_embedder_from_a_local_path(model_dir):
    from tcm.retrieval.embedders import SentenceTransformerEmbedder, get_embedder

    emb = get_embedder(f"st:{model_dir}")
    assert isinstance(emb, SentenceTransformerEmbedder) and emb.dim == 32 and emb.name == f"st:{model_dir}"
    v = emb.embed_passages(["麻黄汤 ephedra decoction", "cinnamon twig"])
    assert v.shape == (2, 32) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert emb.embed_queries([]).shape == (0, 32)
    assert emb._q == emb._p == ""  # prefixes only for e5-family models


def test_e5_models_get_query_and_passage_prefixes(model_dir, tmp_path):
    import shutil

    from tcm.retrieval.embedders import SentenceTransformerEmbedder

    e5 = tmp_path / "tiny-e5-small"
    shutil.copytree(model_dir, e5)
    emb = SentenceTransformerEmbedder(str(e5))
    assert (emb._q, emb._p) == ("query: ", "passage: ")


def test_missing_model_is_a_one_line_error(tmp_path):
    from tcm.errors import TCMError
    from tcm.retrieval.embedders import get_embedder

    with pytest.raises(TCMError, match="cannot load sentence-transformers model"):
        get_embedder(f"st:{tmp_path / 'no-such-model'}")


def test_retriever_with_a_sentence_transformers_model(model_dir, corpus, tmp_path):
    from tcm.corpora.io import Corpus
    from tcm.retrieval import RetrievalError, Retriever

    formulas = [f for f in corpus.formulas if f.name_zh in ("麻黄汤", "桂枝汤", "四逆汤")]
    herbs = {i.herb for f in formulas for i in f.composition}
    small = Corpus(sources=corpus.sources, herbs=[h for h in corpus.herbs if h.name_zh in herbs], formulas=formulas,
                   syndromes=corpus.syndromes[:20])
    r = Retriever.build(small, REPO / "corpora", f"st:{model_dir}")
    assert r.manifest.embedder == f"st:{model_dir}" and r.manifest.dim == 32
    assert r.search("Ephedra Decoction", k=3).hits[0].id == "formula:麻黄汤"
    assert r.rank("cinnamon twig", 5, None, "dense")
    r.save(tmp_path / "idx")
    back = Retriever.load(tmp_path / "idx", REPO / "corpora", embedder=f"st:{model_dir}")
    assert back.search("四逆汤", k=3).hits[0].id == "formula:四逆汤"
    with pytest.raises(RetrievalError, match="built with embedder"):
        Retriever.load(tmp_path / "idx", REPO / "corpora", embedder="use")
