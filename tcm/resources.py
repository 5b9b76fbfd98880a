"""Where the files that ship with tcm are: the corpus, the graph schemas, the evaluation sets, the app.

A wheel carries them as package data: ``setup.py`` maps the top-level folders of the source tree into
the package when it is built (``corpora/`` → ``tcm/_corpora``, ``knowledge_graph/`` → ``tcm/_schema``,
``evals/`` → ``tcm/_evaldata``, ``app/`` → ``tcm.app``), so the layout of the design stays as it is and an
installed ``tcm`` needs no checkout. An editable install maps the same names onto the folders. A source
tree put on ``sys.path`` without being (re)installed has neither mapping; then the folders beside
``tcm/`` are used. This module is the only place that knows either layout.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

from tcm.errors import ConfigError

_FOLDERS = {"corpora": ("tcm._corpora", "corpora"), "schema": ("tcm._schema", "knowledge_graph"),
            "evals": ("tcm._evaldata", "evals")}
_SOURCE_ROOT = Path(__file__).resolve().parents[1]


@cache
def resource_dir(name: str) -> Path:
    """The folder of shipped files called ``name`` (corpora, schema, evals)."""
    package, folder = _FOLDERS[name]
    try:
        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:
        spec = None
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    source = _SOURCE_ROOT / folder
    if source.is_dir():
        return source
    raise ConfigError(f"the {name} files that ship with tcm are missing ({package}): reinstall tcm")


def schema_file(name: str) -> Path:
    """A graph schema, e.g. ``schema.ladybug.cypher``."""
    return resource_dir("schema") / name


def app_module(name: str) -> ModuleType:
    """``tcm.app.<name>`` (the app/ folder, shipped inside the package), imported on first use."""
    try:
        return importlib.import_module(f"tcm.app.{name}")
    except ModuleNotFoundError as e:
        if e.name not in ("tcm.app", f"tcm.app.{name}"):
            raise
    if not (_SOURCE_ROOT / "app" / "__init__.py").is_file():
        raise ConfigError("the app is missing from this installation of tcm (tcm.app): reinstall tcm")
    if str(_SOURCE_ROOT) not in sys.path:
        sys.path.insert(0, str(_SOURCE_ROOT))  # a source tree that was not reinstalled: app/ beside tcm/
    return importlib.import_module(f"app.{name}")
