"""The question in the model's chat format, as training, evaluation and the generator send it."""

from __future__ import annotations


def prompt_text(tok, question: str) -> str:
    """The question in the model's chat format, as the generator will send it."""
    from tcm.generation.hf import chat_prompt

    return chat_prompt(tok, question)
