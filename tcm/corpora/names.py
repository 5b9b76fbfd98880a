"""Moved to :mod:`tcm.names.forms` (the one name layer); kept so that code written against the old path runs."""

from tcm.names.forms import *  # noqa: F403
from tcm.names.forms import __all__  # noqa: F401
