"""`tcm train` end to end on a tiny model built from a config: data split, LoRA, resume, eval, model card."""

from __future__ import annotations

import json

import pytest

from tcm.training import TrainConfig, run_training
from tcm.training.data import build_examples, split

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("peft")


def test_examples_are_bilingual_and_split_by_entity(corpus):
    examples = build_examples(corpus)
    train, held = split(examples)
    assert {e.lang for e in examples} == {"zh", "en"}
    assert {"composition", "dose", "nature", "incompatibility", "interaction", "syndrome_formula"} <= {
        e.kind for e in examples}
    assert not {e.entity for e in train} & {e.entity for e in held}
    assert 0.05 < len(held) / len(examples) < 0.2
    mahuang = next(e for e in examples if e.question == "麻黄汤由哪些药组成？")
    assert mahuang.answer == "麻黄汤由麻黄、桂枝、苦杏仁、甘草组成。" and mahuang.key == "麻黄"
    assert split(examples) == (train, held)  # deterministic


def test_config_is_validated():
    from tcm.errors import ConfigError

    with pytest.raises(ConfigError, match="r must be between"):
        TrainConfig(r=0)
    with pytest.raises(ConfigError, match="target_modules"):
        TrainConfig(target_modules=())


def tiny_model():
    from tokenizers import Tokenizer, models, pre_tokenizers

    chars = sorted({c for e in ["<start_of_turn>", "<end_of_turn>"] for c in e} | set("的药性是什么？平温寒凉热"))
    vocab = {t: i for i, t in enumerate(["<pad>", "<unk>", "<eos>", "<bos>", *chars])}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    tok = transformers.PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="<pad>", eos_token="<eos>",
                                               unk_token="<unk>", bos_token="<bos>")
    torch.manual_seed(0)
    cfg = transformers.LlamaConfig(vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                   num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=256,
                                   pad_token_id=0, eos_token_id=2, bos_token_id=3)
    return transformers.LlamaForCausalLM(cfg), tok


def test_train_resume_and_model_card(corpus, tmp_path):
    cfg = TrainConfig(base_model="tiny-test-model", output_dir=str(tmp_path / "adapter"), max_steps=4, batch_size=2,
                      max_length=48, save_every=2, eval_limit=6, kinds=("nature",))
    model, tok = tiny_model()
    result = run_training(cfg, corpus, model=model, tok=tok, log=lambda _m: None)
    out = tmp_path / "adapter"
    assert (out / "adapter_config.json").exists() and (out / "adapter_model.safetensors").exists()
    assert json.loads((out / "adapter_config.json").read_text())["r"] == 8
    assert result["steps"] == 4 and result["after"]["n"] == 6 and 0 <= result["after"]["accuracy"] <= 1
    card = (out / "README.md").read_text(encoding="utf-8")
    for must in ("Base model and licence", "Hyper-parameters", "Evaluation", "Limitations", "Intended and out-of-scope",
                 "Medical disclaimer"):
        assert must in card
    assert json.loads((out / "eval.json").read_text())["before"]["n"] == 6
    # resuming continues from the checkpoint instead of starting over
    more = TrainConfig(**{**cfg.__dict__, "max_steps": 6})
    model, tok = tiny_model()
    logs: list[str] = []
    again = run_training(more, corpus, model=model, tok=tok, log=logs.append)
    assert "resumed from step 4" in logs and again["steps"] == 6
    assert len(json.loads((out / "training_log.json").read_text())["losses"]) == 6


def test_eval_rescores_the_adapter_on_its_own_questions(corpus, tmp_path):
    """`tcm eval --suite adapter` scores what `tcm train` scored (its eval.json), and says so in the card."""
    from tcm.evaluation import adapter_suite

    cfg = TrainConfig(base_model="tiny-test-model", output_dir=str(tmp_path / "adapter"), max_steps=2, batch_size=2,
                      max_length=48, save_every=2, eval_limit=7, kinds=("nature", "toxicity"), seed=7)
    model, tok = tiny_model()
    trained = run_training(cfg, corpus, model=model, tok=tok, log=lambda _m: None)
    ad = str(tmp_path / "adapter")
    for _ in range(2):  # the second run replaces the card's section instead of adding another
        res = adapter_suite(corpus, [ad], loaded=tiny_model())["adapters"][ad]
    assert res["questions"] == 7 and res["base_model"] == "tiny-test-model"  # not TrainConfig()'s 120
    assert res["base"]["by_kind"] == trained["before"]["by_kind"]
    assert res["tuned"]["by_kind"] == trained["after"]["by_kind"]
    assert res["card_reproduced"] is True
    card = (tmp_path / "adapter" / "README.md").read_text(encoding="utf-8")
    assert card.count("## Evaluation re-run by `tcm eval`") == 1
    assert card.index("re-run by `tcm eval`") < card.index("## Limitations")


def test_eval_refuses_a_directory_that_is_no_adapter(corpus, tmp_path):
    from tcm.errors import TCMError
    from tcm.evaluation import adapter_suite

    with pytest.raises(TCMError, match="not a LoRA adapter directory"):
        adapter_suite(corpus, [str(tmp_path)], loaded=tiny_model())
