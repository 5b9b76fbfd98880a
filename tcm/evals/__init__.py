"""Evaluation runners that live inside the package (`tcm eval`, `python -m tcm.evals.<name>`)."""
