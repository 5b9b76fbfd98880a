"""Which generator answers, from a config file and the environment (validated, peft-style).

Precedence: environment (``TCM_GENERATOR``, ``TCM_MODEL``, ``TCM_GGUF_FILE``, ``TCM_ADAPTER``,
``TCM_OPENAI_BASE_URL``, ``TCM_OPENAI_MODEL``, ``TCM_OPENAI_API_KEY``) over the YAML file named
by ``TCM_GENERATION_CONFIG`` (default ``tcm.yaml`` in the data folder's parent, if present)
over the defaults, which need no model at all (the grounded generator).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import yaml

from tcm.errors import ConfigError

BACKENDS = ("grounded", "transformers", "openai")


@dataclass(frozen=True)
class GenerationConfig:
    backend: str = "grounded"
    model: str | None = None  # transformers: a local directory or hub id; openai: the served model name
    gguf_file: str | None = None  # transformers: a GGUF file inside `model` (or a path to one)
    adapter: str | None = None  # a PEFT (LoRA) adapter directory
    base_url: str | None = None  # openai-compatible endpoint, e.g. http://127.0.0.1:8000/v1
    api_key: str | None = None
    max_new_tokens: int = 384
    temperature: float = 0.2
    timeout_s: float = 60.0

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ConfigError(f"generator backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}")
        if self.backend == "transformers" and not self.model:
            raise ConfigError("the transformers generator needs a model (TCM_MODEL: a directory or hub id)")
        if self.backend == "openai" and not (self.base_url and self.model):
            raise ConfigError("the openai generator needs TCM_OPENAI_BASE_URL and TCM_OPENAI_MODEL")
        if not 0 < self.max_new_tokens <= 8192:
            raise ConfigError("max_new_tokens must be between 1 and 8192")
        if not 0 <= self.temperature <= 2:
            raise ConfigError("temperature must be between 0 and 2")

    def public(self) -> dict:
        """Settings safe to show (no key)."""
        return {k: v for k, v in asdict(self).items() if k != "api_key"}


_ENV = {
    "backend": "TCM_GENERATOR",
    "model": "TCM_MODEL",
    "gguf_file": "TCM_GGUF_FILE",
    "adapter": "TCM_ADAPTER",
    "base_url": "TCM_OPENAI_BASE_URL",
    "api_key": "TCM_OPENAI_API_KEY",
}


def load_config(path: Path | None = None, **overrides: object) -> GenerationConfig:
    """Defaults, then the YAML file, then the environment, then explicit overrides."""
    values: dict[str, object] = {}
    path = path or (Path(os.environ["TCM_GENERATION_CONFIG"]) if os.environ.get("TCM_GENERATION_CONFIG") else None)
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"generation config {path} not found")
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        known = {f.name for f in fields(GenerationConfig)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}")
        values.update(data)
    for key, env in _ENV.items():
        if os.environ.get(env):
            values[key] = os.environ[env]
    if os.environ.get("TCM_OPENAI_MODEL"):
        values["model"] = os.environ["TCM_OPENAI_MODEL"]
    values.update({k: v for k, v in overrides.items() if v is not None})
    return GenerationConfig(**values)  # type: ignore[arg-type]
