"""The knowledge graph: one interface (:class:`GraphStore`), two backends.

``open_graph()`` picks the backend from settings: the embedded LadybugDB file
by default, Neo4j when asked for (``--backend neo4j`` or ``TCM_BACKEND=neo4j``)
with ``NEO4J_URI``/``NEO4J_USER``/``NEO4J_PASSWORD`` from the environment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tcm.config import Settings, settings
from tcm.errors import ConfigError

if TYPE_CHECKING:
    from tcm.kg.base import GraphStore, Reporter

__all__ = ["GraphStore", "Reporter", "open_graph"]


def __getattr__(name: str) -> Any:
    """``GraphStore``/``Reporter`` on first use, so the query worker can import ``tcm.kg.worker`` cheaply."""
    if name in ("GraphStore", "Reporter"):
        from tcm.kg import base

        return getattr(base, name)
    raise AttributeError(name)


def open_graph(backend: str | None = None, cfg: Settings | None = None) -> GraphStore:
    """A store for ``backend`` ('embedded' or 'neo4j'); heavy drivers are imported only when used."""
    cfg = cfg or settings()
    backend = backend or cfg.backend
    if backend == "embedded":
        from tcm.kg.embedded import EmbeddedStore

        store = EmbeddedStore(cfg.graph_path)
        store.limits = cfg.query_limits()
        return store
    if backend == "neo4j":
        if not cfg.neo4j_uri:
            raise ConfigError("the neo4j backend needs NEO4J_URI (e.g. bolt://127.0.0.1:7687)")
        from tcm.kg.neo4j_store import Neo4jStore

        store = Neo4jStore(cfg.neo4j_uri, cfg.neo4j_user, cfg.neo4j_password, cfg.neo4j_database)
        store.limits = cfg.query_limits()
        return store
    raise ConfigError(f"unknown backend {backend!r}; use 'embedded' or 'neo4j'")
