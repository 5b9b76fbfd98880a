"""An OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp server), streamed over HTTP.

Standard library only, so the project needs no client package for it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

from tcm.errors import TCMError
from tcm.generation.base import Generator, Prompt
from tcm.generation.config import GenerationConfig
from tcm.types import GeneratorInfo


class OpenAICompatGenerator(Generator):
    def __init__(self, cfg: GenerationConfig) -> None:
        self.cfg = cfg
        self.url = cfg.base_url.rstrip("/") + "/chat/completions"  # type: ignore[union-attr]
        self.info = GeneratorInfo(backend="openai", model=cfg.model)

    def check(self) -> None:
        """Fail early (one line) when the endpoint does not answer."""
        try:
            with urllib.request.urlopen(self.cfg.base_url.rstrip("/") + "/models", timeout=5):  # type: ignore[union-attr]
                pass
        except (urllib.error.URLError, OSError) as e:
            raise TCMError(f"no OpenAI-compatible server at {self.cfg.base_url}: {e}") from None

    def stream(self, prompt: Prompt) -> Iterator[str]:
        body = {
            "model": self.cfg.model,
            "messages": [{"role": "system", "content": prompt.system},
                         {"role": "user", "content": prompt.user_message()}],
            "max_tokens": self.cfg.max_new_tokens,
            "temperature": self.cfg.temperature,
            "stream": True,
        }
        headers = {"Content-Type": "application/json"}
        if self.cfg.api_key:
            headers["Authorization"] = f"Bearer {self.cfg.api_key}"
        req = urllib.request.Request(self.url, data=json.dumps(body).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.cfg.timeout_s) as resp:
                for raw in resp:
                    line = raw.decode("utf-8", "replace").strip()
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
                    if delta:
                        yield delta
        except (urllib.error.URLError, OSError, json.JSONDecodeError, KeyError) as e:
            raise TCMError(f"the model server at {self.cfg.base_url} failed: {e}") from None
