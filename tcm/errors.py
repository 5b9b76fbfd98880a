"""One exception hierarchy for the whole package.

The CLI turns any :class:`TCMError` into a one-line message and a non-zero exit,
so user-facing failures never show a traceback.
"""

from __future__ import annotations


class TCMError(Exception):
    """Base class for every error the project raises on purpose."""


class CorpusError(TCMError):
    """A corpus file is malformed or inconsistent; names the file, line and field."""

    def __init__(self, file: str, line: int | None, field: str | None, message: str) -> None:
        self.file, self.line, self.field, self.message = file, line, field, message
        where = file if line is None else f"{file}:{line}"
        what = f"{field}: {message}" if field else message
        super().__init__(f"{where}: {what}")


class DatasetError(TCMError):
    """An importer could not read a public data set (missing file, unexpected layout)."""


class GraphError(TCMError):
    """The graph store could not be opened, built or reached."""


class QueryError(GraphError):
    """A researcher's query was rejected: bad Cypher, or a write in a read-only session."""


class ConfigError(TCMError):
    """A setting is missing or invalid."""


class QueryRefused(QueryError):
    """The read-only guard refused a researcher's query before any engine saw it (names the clause)."""


class QueryLimitError(QueryError):
    """A researcher's query hit a limit (time, memory, length) and was stopped; the process goes on."""


class ClassicsError(TCMError):
    """The classical library is missing, or a book or passage is not in it."""
