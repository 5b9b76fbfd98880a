"""The default install (`pip install tcm`) and the run script's `tcm[app,retrieval]` pull in no torch and
no CUDA wheel (issue 15).

The installed metadata is walked, so a dependency that drags torch in through its own requirements fails here.
"""

from __future__ import annotations

import re
from importlib import metadata

from packaging.requirements import Requirement

HEAVY = re.compile(r"^(torch|nvidia-.*|cuda-.*|triton|tensorflow.*|jax.*)$")


def _name(req: str) -> str:
    return re.sub(r"[-_.]+", "-", req).lower()


def _closure(root: str = "tcm", extras: frozenset[str] = frozenset()) -> dict[str, str]:
    """Every distribution `pip install root[extras]` needs, with the one that asked for it."""
    seen: dict[str, str] = {}
    todo = [(root, extras, "")]
    done: set[tuple[str, frozenset[str]]] = set()
    while todo:
        dist, wanted, parent = todo.pop()
        if (dist, wanted) in done:
            continue
        done.add((dist, wanted))
        seen.setdefault(dist, parent)
        for raw in metadata.requires(dist) or []:
            req = Requirement(raw)
            if req.marker and not any(req.marker.evaluate({"extra": e}) for e in {"", *wanted}):
                continue
            name = _name(req.name)
            try:
                metadata.distribution(name)
            except metadata.PackageNotFoundError:
                seen.setdefault(name, dist)  # not installed here: still named, still checked
                continue
            todo.append((name, frozenset(req.extras), dist))
    return seen


def test_default_install_has_no_torch_or_cuda():
    """scripts/run.sh installs tcm[app,retrieval]."""
    closure = _closure(extras=frozenset({"app", "retrieval"}))
    assert {"ladybug", "pydantic", "typer"} <= set(closure)
    heavy = {name: parent for name, parent in closure.items() if HEAVY.match(name)}
    assert not heavy, f"pulled in by the default install: {heavy}"


def test_extras_that_run_models_do_need_torch():
    """The walk sees torch where it is asked for, so the test above can fail."""
    assert "torch" in _closure(extras=frozenset({"llm"}))
    assert "torch" in _closure(extras=frozenset({"st"}))  # through tcm[retrieval] and sentence-transformers
