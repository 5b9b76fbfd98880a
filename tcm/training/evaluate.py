"""Exact-fact accuracy: does the model's answer contain the fact the question asks for?"""

from __future__ import annotations

import time

from tcm.training.data import Example
from tcm.training.model import prompt_text


def exact_fact_accuracy(model, tok, examples: list[Example], max_new_tokens: int = 16) -> dict:
    """Greedy answers to each question; accuracy overall and per kind, and generation speed."""
    import torch

    hits: dict[str, list[int]] = {}
    tokens, started = 0, time.perf_counter()
    model.eval()
    for ex in examples:
        inputs = tok(prompt_text(tok, ex.question), return_tensors="pt", add_special_tokens=False)
        with torch.no_grad():
            out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tok.pad_token_id or tok.eos_token_id)
        new = out[0][inputs["input_ids"].shape[1]:]
        tokens += len(new)
        text = tok.decode(new, skip_special_tokens=True)
        hits.setdefault(ex.kind, []).append(int(ex.key in text))
    seconds = time.perf_counter() - started
    total = [h for v in hits.values() for h in v]
    return {
        "n": len(total),
        "accuracy": round(sum(total) / len(total), 4) if total else 0.0,
        "by_kind": {k: round(sum(v) / len(v), 4) for k, v in sorted(hits.items())},
        "tokens_per_s": round(tokens / seconds, 1) if seconds else 0.0,
    }
