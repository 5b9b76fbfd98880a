"""Engine values as plain Python (nodes and relationships as dicts), shared by the stores and the query worker.

Kept apart from the stores so that the worker process (tcm/kg/worker.py) imports only this and its driver.
"""

from __future__ import annotations

from typing import Any

_NODE_META = ("_ID", "_LABEL")
_REL_META = ("_ID", "_LABEL", "_SRC", "_DST")


def embedded_value(v: Any) -> Any:
    """A LadybugDB value: nodes and relationships as plain dicts without the engine's internal ids."""
    if isinstance(v, dict):
        if "_SRC" in v:
            return {"type": v.get("_LABEL"), **{k: embedded_value(x) for k, x in v.items() if k not in _REL_META}}
        if "_LABEL" in v and "_ID" in v:
            return {"label": v["_LABEL"], **{k: embedded_value(x) for k, x in v.items() if k not in _NODE_META}}
        return {k: embedded_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [embedded_value(x) for x in v]
    return v


def neo4j_value(v: Any) -> Any:
    """A Neo4j driver value as JSON-ready Python: nodes and relationships become dicts."""
    from neo4j.graph import Node, Relationship
    from neo4j.graph import Path as GPath

    if isinstance(v, Node):
        return {"label": next(iter(v.labels), None), **{k: neo4j_value(x) for k, x in v.items()}}
    if isinstance(v, Relationship):
        return {"type": v.type, **{k: neo4j_value(x) for k, x in v.items()}}
    if isinstance(v, GPath):
        return {"nodes": [neo4j_value(n) for n in v.nodes], "relationships": [neo4j_value(r) for r in v.relationships]}
    if isinstance(v, list):
        return [neo4j_value(x) for x in v]
    if isinstance(v, dict):
        return {k: neo4j_value(x) for k, x in v.items()}
    return v


def one_line(e: object) -> str:
    return " ".join(str(e).split())
