"""Moved to :mod:`tcm.names` (the one name layer); kept so that code written against the old path runs.

Import from ``tcm.names`` in new code.
"""

from tcm.names.resolver import DrugMention, HerbMention, NameResolver, default_resolver

__all__ = ["DrugMention", "HerbMention", "NameResolver", "default_resolver"]
