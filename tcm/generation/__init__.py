"""Generators behind one interface: grounded (no model), transformers (local/GGUF + LoRA), OpenAI-compatible HTTP.

``make_generator()`` picks one from configuration; when the configured model cannot be loaded it
says why in ``info.note`` and falls back to the grounded generator instead of failing.
"""

from __future__ import annotations

from tcm.errors import TCMError
from tcm.generation.base import Generator, Prompt
from tcm.generation.config import GenerationConfig, load_config
from tcm.generation.grounded import GroundedGenerator

__all__ = ["GenerationConfig", "Generator", "GroundedGenerator", "Prompt", "load_config", "make_generator"]


def make_generator(cfg: GenerationConfig | None = None) -> Generator:
    cfg = cfg or load_config()
    try:
        if cfg.backend == "transformers":
            from tcm.generation.hf import TransformersGenerator

            return TransformersGenerator(cfg)
        if cfg.backend == "openai":
            from tcm.generation.openai_compat import OpenAICompatGenerator

            gen = OpenAICompatGenerator(cfg)
            gen.check()
            return gen
    except TCMError as e:
        return GroundedGenerator(note=f"{e}; using the grounded generator")
    return GroundedGenerator()
