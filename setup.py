"""Map the top-level folders of the source tree into the package when it is built.

The design keeps ``app/``, ``knowledge_graph/``, ``corpora/`` and ``evals/`` beside ``tcm/``; a wheel
must still carry them, so they are installed as ``tcm.app``, ``tcm._schema``, ``tcm._corpora`` and
``tcm._evaldata`` (``tcm/resources.py`` finds them, in a wheel, an editable install or a bare checkout).
Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

FOLDERS = {"tcm.app": "app", "tcm._corpora": "corpora", "tcm._schema": "knowledge_graph", "tcm._evaldata": "evals"}

setup(
    packages=[*find_packages(include=["tcm", "tcm.*"]), *FOLDERS],
    package_dir=FOLDERS,
    package_data={
        "tcm._corpora": ["*.csv", "*.jsonl", "*.yaml", "overrides/*.yaml", "rules/*.csv", "clinical/*.csv"],
        "tcm._schema": ["*.cypher"],
        "tcm._evaldata": ["*/*.jsonl"],
    },
    include_package_data=False,
)
