"""Shared fixtures: the committed corpus, a graph built from it on each backend.

Neo4j tests need ``NEO4J_URI`` (``.ci/run`` starts the launcher in
knowledge_graph/neo4j/). Without it they skip with a reason; in CI (``CI=true``)
a missing Neo4j is a failure, not a skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATASETS = REPO.parent / "shared" / "datasets"


@pytest.fixture
def shared_datasets() -> Path:
    """The public data sets folder, or skip the test with the reason."""
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"public data sets not found at {SHARED_DATASETS} (only developers and CI have them)")
    return SHARED_DATASETS


def need_neo4j() -> str:
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        if os.environ.get("CI") == "true":
            pytest.fail("NEO4J_URI is unset in CI: the Neo4j tests must run (start knowledge_graph/neo4j/start.sh)")
        pytest.skip("NEO4J_URI is unset: start knowledge_graph/neo4j/start.sh to run the Neo4j tests")
    return uri


@pytest.fixture(scope="session")
def corpus():
    from tcm.corpora.io import load_corpus

    return load_corpus(REPO / "corpora")


@pytest.fixture(scope="session")
def graph_data(corpus):
    from tcm.kg.rows import graph_rows

    return graph_rows(corpus)


@pytest.fixture(scope="session")
def embedded_store(graph_data, tmp_path_factory):
    from tcm.kg.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path_factory.mktemp("graph") / "graph.lbug")
    store.build(graph_data)
    yield store
    store.close()


@pytest.fixture(scope="session")
def neo4j_store(graph_data):
    uri = need_neo4j()
    from tcm.kg.neo4j_store import Neo4jStore

    store = Neo4jStore(uri, os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD") or None)
    store.build(graph_data)
    yield store
    store.close()


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request):
    """The same contract tests run against each backend."""
    return request.getfixturevalue(f"{request.param}_store")
