"""`tcm train`: LoRA on the graph's instruction data, deterministic and resumable, CPU-feasible.

Loss is taken on the answer tokens only, and only those positions get logits (the 262k-token
vocabulary makes the output layer the costliest part on a CPU). A checkpoint (adapter,
optimizer, step, RNG state) is written every ``save_every`` steps; ``resume`` continues from it.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from pathlib import Path

from tcm.errors import TCMError
from tcm.training.config import TrainConfig
from tcm.training.data import Example
from tcm.training.model import prompt_text


def _torch():
    try:
        import peft
        import torch
    except ImportError:
        raise TCMError("training needs torch, transformers and peft: pip install -e '.[llm]'") from None
    return torch, peft


def encode(tok, ex: Example, max_length: int) -> tuple[list[int], int]:
    """Token ids of prompt+answer, and how many trailing ids are the answer."""
    prompt = tok(prompt_text(tok, ex.question), add_special_tokens=False)["input_ids"]
    answer = tok(ex.answer + (tok.eos_token or ""), add_special_tokens=False)["input_ids"]
    answer = answer[: max_length // 2]
    prompt = prompt[-(max_length - len(answer)):]
    return prompt + answer, len(answer)


def train_lora(model, tok, train: list[Example], cfg: TrainConfig, out: Path, resume: bool = True,
               log: Callable[[str], None] = print) -> dict:
    """Train a LoRA adapter in place on ``model``; returns the training record (loss curve, timing)."""
    torch, peft = _torch()
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    lcfg = peft.LoraConfig(r=cfg.r, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout,
                           target_modules=list(cfg.target_modules), task_type="CAUSAL_LM")
    model = peft.get_peft_model(model, lcfg)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.learning_rate)
    order = list(range(len(train)))
    rng = random.Random(cfg.seed)
    rng.shuffle(order)
    step, losses = 0, []
    ckpt = out / "checkpoint"
    if resume and (ckpt / "state.pt").exists():
        state = torch.load(ckpt / "state.pt", weights_only=False)
        peft.set_peft_model_state_dict(model, state["adapter"])
        opt.load_state_dict(state["optimizer"])
        step, losses, order = state["step"], state["losses"], state["order"]
        torch.set_rng_state(state["torch_rng"])
        log(f"resumed from step {step}")
    pad = tok.pad_token_id if tok.pad_token_id is not None else (tok.eos_token_id or 0)
    model.train()
    started = time.perf_counter()
    while step < cfg.max_steps:
        idx = [order[(step * cfg.batch_size + i) % len(order)] for i in range(cfg.batch_size)]
        enc = [encode(tok, train[i], cfg.max_length) for i in idx]
        width = max(len(ids) for ids, _ in enc)
        keep = max(n for _, n in enc)  # answers sit at the right end (left padding)
        ids = torch.tensor([[pad] * (width - len(x)) + x for x, _ in enc])
        mask = torch.tensor([[0] * (width - len(x)) + [1] * len(x) for x, _ in enc])
        labels = torch.full((len(enc), keep), -100)
        for row, (x, n) in enumerate(enc):
            labels[row, keep - n:] = torch.tensor(x[-n:])
        logits = model(input_ids=ids, attention_mask=mask, logits_to_keep=keep + 1).logits[:, :-1, :]
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1),
                                                 ignore_index=-100)
        loss.backward()
        opt.step()
        opt.zero_grad()
        step += 1
        losses.append(round(loss.item(), 4))
        if step % 10 == 0 or step == cfg.max_steps:
            log(f"step {step}/{cfg.max_steps} loss {sum(losses[-10:]) / len(losses[-10:]):.3f}")
        if step % cfg.save_every == 0 or step == cfg.max_steps:
            ckpt.mkdir(parents=True, exist_ok=True)
            torch.save({"adapter": peft.get_peft_model_state_dict(model), "optimizer": opt.state_dict(),
                        "step": step, "losses": losses, "order": order, "torch_rng": torch.get_rng_state()},
                       ckpt / "state.pt")
    model.eval()
    model.save_pretrained(out)
    record = {"steps": step, "losses": losses, "seconds": round(time.perf_counter() - started, 1)}
    (out / "training_log.json").write_text(json.dumps(record), encoding="utf-8")
    return {"model": model, **record}
