"""Where things live and which backend to use, from the environment.

Kept tiny on purpose: every setting has a default that works on a fresh clone and from an installed
wheel alike (the corpus that ships with the package, the user's data directory), and an environment
variable for users who keep data or Neo4j elsewhere. Nothing here is relative to a checkout.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Backend = Literal["embedded", "neo4j"]


@dataclass(frozen=True)
class Settings:
    """Resolved settings; build one with :func:`settings`."""

    corpora_dir: Path
    data_dir: Path
    backend: Backend
    neo4j_uri: str | None
    neo4j_user: str
    neo4j_password: str | None
    neo4j_database: str | None

    query_env: tuple[tuple[str, str], ...] = ()  # TCM_QUERY_* as given, read by :meth:`query_limits`

    @property
    def graph_path(self) -> Path:
        """The embedded (LadybugDB) database file."""
        return self.data_dir / "graph.lbug"

    def query_limits(self, **overrides: float | int | None):
        """Limits on researcher queries: defaults, then ``TCM_QUERY_TIMEOUT`` / ``_MAX_ROWS`` / ``_MAX_LENGTH`` /
        ``_MEMORY_MB``, then ``overrides`` (CLI options; None keeps the setting)."""
        from pydantic import ValidationError

        from tcm.errors import ConfigError
        from tcm.types import QueryLimits

        names = {"TCM_QUERY_TIMEOUT": "timeout_s", "TCM_QUERY_MAX_ROWS": "max_rows",
                 "TCM_QUERY_MAX_LENGTH": "max_length", "TCM_QUERY_MEMORY_MB": "memory_mb"}
        values: dict[str, object] = {names[k]: v for k, v in self.query_env if k in names and v.strip()}
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return QueryLimits(**values)
        except ValidationError as e:
            err = e.errors()[0]
            field = err["loc"][0] if err["loc"] else "limit"
            env = next((k for k, v in names.items() if v == field), field)
            raise ConfigError(f"query limit {field} ({env}): {err['msg']}") from None


def default_data_dir() -> Path:
    """Where ``tcm build`` writes the graph and the search index: the user's data directory
    (``~/.local/share/tcm`` on Linux, ``~/Library/Application Support/tcm`` on macOS, ``%LOCALAPPDATA%\\tcm``
    on Windows), or ``TCM_DATA_DIR``."""
    if os.environ.get("TCM_DATA_DIR"):
        return Path(os.environ["TCM_DATA_DIR"])
    try:
        from platformdirs import user_data_dir
    except ImportError:  # a core dependency; an environment set up before it was added still works on Linux
        return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "tcm"
    return Path(user_data_dir("tcm", appauthor=False))


def datasets_dir() -> Path:
    """The public data sets (``tcm corpora import``, the public evaluation sets): ``TCM_DATASETS_DIR``,
    else ``../shared/datasets`` from the working directory (the developers' layout)."""
    return Path(os.environ.get("TCM_DATASETS_DIR") or Path.cwd().parent / "shared" / "datasets")


def settings() -> Settings:
    """Read ``TCM_*`` and ``NEO4J_*`` variables, falling back to the shipped corpus and the user data dir."""
    backend = os.environ.get("TCM_BACKEND", "embedded")
    if backend not in ("embedded", "neo4j"):
        from tcm.errors import ConfigError

        raise ConfigError(f"TCM_BACKEND must be 'embedded' or 'neo4j', not {backend!r}")
    from tcm.resources import resource_dir
    return Settings(
        corpora_dir=Path(os.environ.get("TCM_CORPORA_DIR") or resource_dir("corpora")),
        data_dir=default_data_dir(),
        backend=backend,  # type: ignore[arg-type]
        neo4j_uri=os.environ.get("NEO4J_URI") or None,
        neo4j_user=os.environ.get("NEO4J_USER", "neo4j"),
        neo4j_password=os.environ.get("NEO4J_PASSWORD") or None,
        neo4j_database=os.environ.get("NEO4J_DATABASE") or None,
        query_env=tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("TCM_QUERY_"))),
    )
