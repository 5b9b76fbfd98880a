"""Moved to :mod:`tcm.names.doses` (the one name layer); kept so that code written against the old path runs."""

from tcm.names.doses import *  # noqa: F403
from tcm.names.doses import __all__  # noqa: F401
