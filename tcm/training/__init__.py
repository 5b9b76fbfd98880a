"""`tcm train`: instruction data from the graph, LoRA with peft, evaluation before and after, a model card."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tcm.training.config import TrainConfig

__all__ = ["TrainConfig", "run_training"]


def run_training(cfg: TrainConfig, corpus, model=None, tok=None, resume: bool = True,
                 log: Callable[[str], None] = print) -> dict:
    """Build the data, score the base model, train, score the tuned one, write adapter + model card.

    ``model``/``tok`` may be given (tests pass a tiny model built from a config); otherwise the base
    is loaded from ``cfg.base_model``.
    """
    from tcm.generation.hf import load_model
    from tcm.training.card import model_card
    from tcm.training.data import build_examples, scored_examples, split, write_jsonl
    from tcm.training.evaluate import exact_fact_accuracy
    from tcm.training.train import train_lora

    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    train, held = split(build_examples(corpus), cfg.held_out_share)
    write_jsonl(train, out / "data" / "train.jsonl")
    write_jsonl(held, out / "data" / "held_out.jsonl")
    scored = scored_examples(held, cfg.kinds, cfg.eval_limit, cfg.seed)
    if model is None:
        log(f"loading {cfg.base_model}{' / ' + cfg.gguf_file if cfg.gguf_file else ''}")
        model, tok = load_model(cfg.base_model, cfg.gguf_file)
    log(f"{len(train)} training examples, {len(held)} held out ({len(scored)} scored)")
    before = exact_fact_accuracy(model, tok, scored)
    log(f"base exact-fact accuracy {before['accuracy']:.3f}")
    record = train_lora(model, tok, train, cfg, out, resume=resume, log=log)
    after = exact_fact_accuracy(record["model"], tok, scored)
    log(f"tuned exact-fact accuracy {after['accuracy']:.3f}")
    result = {"config": cfg.as_dict(), "base": cfg.base_model, "train_examples": len(train),
              "held_out_examples": len(held), "before": before, "after": after,
              "steps": record["steps"], "seconds": record["seconds"]}
    (out / "eval.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "README.md").write_text(model_card(cfg, cfg.base_model, train, held, before, after, record),
                                   encoding="utf-8")
    return result
