"""`tcm.safety`: deterministic safety checks, independent of any language model.

    from tcm.safety import check
    check(herbs="甘草6g，海藻9g", drugs="Coumadin", pregnant=True)
"""

from __future__ import annotations

from collections.abc import Iterable

from tcm.safety.engine import SafetyEngine
from tcm.types import CheckResult, PatientFlags

__all__ = ["SafetyEngine", "check", "default_engine"]


def default_engine() -> SafetyEngine:
    """The engine for the configured corpus, built once per process (:mod:`tcm.context`)."""
    from tcm.context import default_context

    return default_context().engine


def check(
    herbs: str | Iterable[str] | None = None,
    drugs: str | Iterable[str] | None = None,
    pregnant: bool = False,
    text: str | None = None,
    flags: PatientFlags | None = None,
) -> CheckResult:
    """Check herbs (with doses), the patient's drugs and flags, and free text; see :class:`SafetyEngine`."""
    return default_engine().check(herbs, drugs, flags or PatientFlags(pregnant=pregnant), text)
