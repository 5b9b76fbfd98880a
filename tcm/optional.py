"""Optional dependencies: imported when a feature is used, never at start-up, and when one is missing the
error is one line that names what to install (the extra of pyproject.toml, or the package itself)."""

from __future__ import annotations

import importlib
from types import ModuleType

from tcm.errors import TCMError


def need(module: str, extra: str | None, feature: str, package: str | None = None) -> ModuleType:
    """``module``, or a :class:`TCMError` such as "dense search needs faiss-cpu: pip install 'tcm[retrieval]'".

    ``extra`` is the pyproject extra that installs it (None: a package outside the extras, installed by name)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        pkg = package or module
        how = f"pip install 'tcm[{extra}]'" if extra else f"pip install {pkg}"
        raise TCMError(f"{feature} needs {pkg}: {how}") from None


def missing(*modules: str) -> list[str]:
    """The modules of ``modules`` that are not installed (found without importing them)."""
    import importlib.util

    return [m for m in modules if importlib.util.find_spec(m) is None]
