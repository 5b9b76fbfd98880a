"""The project's evaluation runners, one module per suite, each also a command:

    python -m tcm.evals.safety [--class X] [--strict --min 0.98]   # the safety engine on evals/safety/cases.jsonl
    python -m tcm.evals.retrieval [--split test] [--markdown]      # search on evals/retrieval/queries.jsonl
    python -m tcm.evals.analysis [--json]                          # `tcm analyze` on evals/analysis/cases.jsonl
    python -m tcm.evals.reasoning                                  # `tcm diagnose` on evals/reasoning/ and public sets
    python -m tcm.evals.classics                                   # classic search on evals/classics/ (the library)

The cases live in ``evals/`` of the source tree, which the wheel ships as package data
(:func:`tcm.resources.resource_dir`). ``tcm eval`` (:mod:`tcm.evaluation`) runs them all into one report.
"""
