"""Clinical reasoning: signs → syndromes (GB/T 16751.2) → treatment principle → formulas.

    from tcm.reasoning import diagnose
    diagnose("失眠多梦，心悸健忘，舌红少苔，脉细数")

The engine (:mod:`tcm.reasoning.engine`) is built once per process from the corpus; the safety
findings for the top formula come from the safety engine's public API.
"""

from __future__ import annotations

from tcm.types import Diagnosis, PatientFlags

__all__ = ["diagnose"]


def diagnose(text: str, flags: PatientFlags | None = None, drugs: str | None = None, language: str | None = None,
             k: int = 5) -> Diagnosis:
    """Differentiate from free text; the top formula's herbs (with doses, unless the table's amounts are the
    batch of a pill or powder) go through the safety engine with the patient's drugs and flags."""
    from tcm.errors import TCMError
    from tcm.reasoning.engine import default_reasoner

    if not (text or "").strip():
        raise TCMError("empty text: describe the patient's symptoms, tongue and pulse")
    reasoner = default_reasoner()
    d = reasoner.diagnose(text, k=k, language=language)
    if d.formulas and not d.insufficient:
        d.findings = safety_findings(reasoner.formula[d.formulas[0].name_zh], flags, drugs)
    return d


def safety_findings(formula, flags: PatientFlags | None = None, drugs: str | None = None) -> list:
    from tcm.safety import default_engine

    batch = formula.dose_basis == "batch"
    herbs = [f"{i.herb}{i.dose_g:g}g" if i.dose_g and not batch else i.herb for i in formula.composition]
    return default_engine().check(herbs=herbs, drugs=drugs, flags=flags or PatientFlags()).findings
