"""LoRA training settings as a validated dataclass (peft style): defaults that run on 2 CPU cores."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from tcm.errors import ConfigError
from tcm.generation.hf import GEMMA_GGUF


@dataclass(frozen=True)
class TrainConfig:
    base_model: str = GEMMA_GGUF  # a model directory, a hub id, or the PyPI GGUF package name above
    gguf_file: str | None = None
    output_dir: str = "adapters/gemma3-270m-tcm"
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
    r: int = 8
    alpha: int = 16
    dropout: float = 0.05
    learning_rate: float = 3e-4
    max_steps: int = 150
    batch_size: int = 4
    max_length: int = 48
    held_out_share: float = 0.1
    seed: int = 1234
    save_every: int = 25
    eval_limit: int = 120  # held-out questions scored before and after (exact-fact accuracy)
    kinds: tuple[str, ...] = field(default=("nature", "flavour", "meridian", "toxicity", "pregnancy", "dose",
                                            "composition", "syndrome_formula", "incompatibility"))

    def __post_init__(self) -> None:
        if not self.target_modules:
            raise ConfigError("target_modules must name at least one module")
        for name, v, lo, hi in (("r", self.r, 1, 256), ("alpha", self.alpha, 1, 1024),
                                ("max_steps", self.max_steps, 1, 1_000_000), ("batch_size", self.batch_size, 1, 1024),
                                ("max_length", self.max_length, 8, 8192), ("save_every", self.save_every, 1, 10**6)):
            if not lo <= v <= hi:
                raise ConfigError(f"{name} must be between {lo} and {hi}, not {v}")
        if not 0 <= self.dropout < 1:
            raise ConfigError("dropout must be in [0, 1)")
        if not 0 < self.learning_rate < 1:
            raise ConfigError("learning_rate must be in (0, 1)")
        if not 0 < self.held_out_share < 1:
            raise ConfigError("held_out_share must be in (0, 1)")

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        """The inverse of :meth:`as_dict` (what ``eval.json`` holds): lists back to tuples."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})

    def as_dict(self) -> dict:
        d = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}
