"""Rule facts derived from the corpus, shared by the graph loader and the safety engine.

十八反/十九畏 rows name crude drugs; a processed form (炙甘草 of 甘草, 制川乌 of 川乌)
inherits every rule of the herb it comes from. That expansion lives here once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tcm.types import Herb, IncompatibilityRow


@dataclass(frozen=True)
class IncompatiblePair:
    """Herb a must not be combined with herb b, because of ``row`` (inherited through forms or not)."""

    a: str
    b: str
    row: IncompatibilityRow
    inherited: bool


def forms_by_parent(herbs: list[Herb]) -> dict[str, list[str]]:
    """Herb -> every processed form below it (transitively), sorted; herbs without forms are absent."""
    children: dict[str, list[str]] = defaultdict(list)
    for h in herbs:
        if h.form_of:
            children[h.form_of].append(h.name_zh)
    out: dict[str, list[str]] = {}
    for parent in children:
        stack, found = list(children[parent]), []
        while stack:
            c = stack.pop()
            if c not in found:
                found.append(c)
                stack.extend(children.get(c, []))
        out[parent] = sorted(found)
    return out


def root_of(name: str, parent: dict[str, str | None]) -> str:
    """The crude drug a processed form derives from (制川乌 → 川乌); the name itself otherwise."""
    seen = {name}
    while (p := parent.get(name)) and p not in seen:
        name = p
        seen.add(name)
    return name


def incompatible_pairs(herbs: list[Herb], rows: list[IncompatibilityRow]) -> list[IncompatiblePair]:
    """Every (a, b) pair the rule rows forbid, processed forms included; first row wins per pair."""
    forms = forms_by_parent(herbs)
    seen: set[tuple[str, str]] = set()
    out: list[IncompatiblePair] = []
    for r in rows:
        for a in [r.herb_a, *forms.get(r.herb_a, [])]:
            for b in [r.herb_b, *forms.get(r.herb_b, [])]:
                if (a, b) not in seen:
                    seen.add((a, b))
                    out.append(IncompatiblePair(a, b, r, inherited=(a, b) != (r.herb_a, r.herb_b)))
    return out
