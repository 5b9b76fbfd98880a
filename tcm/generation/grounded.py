"""The generator that needs no language model: a bilingual answer composed from the facts.

Deterministic, so it is also the fallback whenever a configured model cannot be loaded. It
answers with the facts most relevant to the question, each with its citation.
"""

from __future__ import annotations

from collections.abc import Iterator

from tcm.generation.base import Generator, Prompt
from tcm.types import GeneratorInfo


class GroundedGenerator(Generator):
    def __init__(self, note: str | None = None) -> None:
        self.info = GeneratorInfo(backend="grounded", note=note)

    def stream(self, prompt: Prompt) -> Iterator[str]:
        zh = prompt.language == "zh"
        if not prompt.facts:
            yield ("知识图谱中没有找到与问题相关的条目，无法作答；请换用药名、方名或证名再问。" if zh else
                   "The knowledge graph has nothing on this question, so I cannot answer it; try naming a herb, "
                   "formula or syndrome.")
            return
        yield "根据知识图谱：\n" if zh else "From the knowledge graph:\n"
        for f in prompt.facts:
            yield f"- {f.text} [{f.n}]\n"
