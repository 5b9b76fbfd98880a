"""Evaluation runners that live in the package (data in evals/)."""
