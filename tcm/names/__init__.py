"""`tcm.names`: the one name layer.

Every key of every herb, drug, formula, syndrome and disease is indexed once
(:class:`NameIndex`), and everything that reads a name goes through it: the resolver
(:class:`NameResolver`), entity linking (``NameResolver.link``), the safety engine, batch
analysis and the graph's ``names`` property. Doses and the items of a prescription follow one
grammar (:mod:`tcm.names.doses`); name forms (traditional characters, pinyin, Latin) are
made in :mod:`tcm.names.forms`.

    from tcm.names import default_resolver
    r = default_resolver()
    r.herb("白芨")                 # '白及'
    r.resolve("沙参", "herb")       # ('北沙参', '南沙参'): ambiguous, checked as each
    r.parse_herbs("附子15g，黑顺片9g（先煎）")
"""

from __future__ import annotations

from tcm.names.index import KINDS, LINKED, NameIndex, query_keys
from tcm.names.resolver import DrugMention, HerbMention, NameResolver, default_resolver

__all__ = ["KINDS", "LINKED", "DrugMention", "HerbMention", "NameIndex", "NameResolver", "default_resolver",
           "query_keys"]
