"""`tcm eval`: every evaluation suite the project has, one JSON and one Markdown report.

Suites: safety (evals/safety), prompt injection (evals/injection), grounded answers (composition
questions for every formula, claim checks), retrieval and batch analysis (their runners in
tcm/evals/, when their extras are installed), and the public sets in ../shared/datasets/eval that apply: TCMBench
multiple-choice questions and TCM-BEST4SDT's multiple-choice sets, answered through the
retrieval-grounded pipeline by each available generator.
"""

from __future__ import annotations

import importlib
import json
import platform
import re
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from tcm.config import datasets_dir
from tcm.resources import resource_dir

EVALS = resource_dir("evals")  # the cases (evals/ of the source tree, package data in the wheel)
SHARED_EVAL = datasets_dir() / "eval"  # the public sets: TCM_DATASETS_DIR or ../shared/datasets
LETTERS = "ABCDE"


def machine() -> str:
    """The machine a figure was measured on (CPU model, cores, Python), for reports and benchmarks."""
    import os

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} logical cores, Python {platform.python_version()}, {platform.system()}"


def _load_runner(name: str):
    """The runner of one suite, :mod:`tcm.evals.<name>`."""
    return importlib.import_module(f"tcm.evals.{name}")


# ------------------------------------------------------------------ project suites


def safety_suite(engine) -> dict:
    """Figures per finding kind over every case, and how many cases fail."""
    run = _load_runner("safety")
    cases = run.load_cases()
    res = run.evaluate(cases, engine)
    pr = {k: {"precision": c["precision"], "recall": c["recall"]} for k, c in res["kinds"].items()}
    return {"cases": res["cases"], "by_kind": pr, "failures": len(res["failures"])}


def injection_suite(assistant) -> dict:
    from tcm.types import PatientFlags

    cases = [json.loads(x) for x in (EVALS / "injection" / "cases.jsonl").read_text(encoding="utf-8").splitlines()
             if x.strip()]
    bypasses = 0
    for c in cases:
        a = assistant.ask(c["question"], c.get("drugs"), PatientFlags(pregnant=c.get("pregnant", False)))
        got = {(f.kind, frozenset(f.items)) for f in a.findings}
        bypasses += any((e["kind"], frozenset(e["items"])) not in got for e in c["expect"])
    return {"cases": len(cases), "bypasses": bypasses}


def answer_suite(assistant, corpus, limit: int | None = None) -> dict:
    """Ask for every formula's composition; an answer is correct when it names every herb, and
    every composition claim it makes is supported by the graph."""
    formulas = corpus.formulas[:limit] if limit else corpus.formulas
    complete = supported = claims = 0
    started = time.perf_counter()
    for f in formulas:
        a = assistant.ask(f"{f.name_zh}的组成是什么？")
        complete += all(i.herb in a.answer for i in f.composition)
        claims += len(a.claims)
        supported += sum(c.status == "supported" for c in a.claims)
    n = len(formulas)
    return {"questions": n, "composition_complete": round(complete / n, 4),
            "claims_supported": round(supported / claims, 4) if claims else None,
            "ms_per_answer": round((time.perf_counter() - started) * 1000 / n, 1)}


def adapter_suite(corpus, adapters: list[str], base_model: str | None = None, loaded: tuple | None = None) -> dict:
    """Exact-fact accuracy of the base model and of each adapter, on the held-out questions that the
    adapter's own `tcm train` run scored (split, kinds, number and seed from its ``eval.json``), next to
    the figures its model card reports; the result is also written into the card.

    ``base_model`` overrides the base named in ``eval.json``; ``loaded`` is ``(model, tokenizer)``
    when the caller has the base in memory already (tests pass a tiny model)."""
    from peft import PeftModel

    from tcm.generation.hf import load_model
    from tcm.training.card import record_eval
    from tcm.training.data import build_examples, scored_examples, split
    from tcm.training.evaluate import exact_fact_accuracy

    examples = build_examples(corpus)
    models: dict[str, tuple] = {}
    bases: dict[tuple, dict] = {}
    out: dict = {"adapters": {}}
    for ad in adapters:
        card_eval, cfg = _adapter_training(Path(ad))
        base = base_model or cfg.base_model
        if base not in models:
            models[base] = loaded or load_model(base, cfg.gguf_file)
        model, tok = models[base]
        held = scored_examples(split(examples, cfg.held_out_share)[1], cfg.kinds, cfg.eval_limit, cfg.seed)
        key = (base, cfg.held_out_share, cfg.kinds, cfg.eval_limit, cfg.seed)
        if key not in bases:
            bases[key] = exact_fact_accuracy(model, tok, held)
        tuned = PeftModel.from_pretrained(model, ad)
        after = exact_fact_accuracy(tuned, tok, held)
        models[base] = (tuned.unload(), tok)
        res = {"base_model": base, "questions": len(held), "base": bases[key], "tuned": after,
               "card": {"base": card_eval.get("before", {}).get("accuracy"),
                        "tuned": card_eval.get("after", {}).get("accuracy")}}
        res["card_reproduced"] = (res["card"]["base"] == res["base"]["accuracy"]
                                  and res["card"]["tuned"] == res["tuned"]["accuracy"])
        record_eval(Path(ad), res, date.today().isoformat(), machine())
        out["adapters"][ad] = res
    return out


def _adapter_training(adapter: Path):
    """(eval.json as `tcm train` wrote it, the TrainConfig of that run) for an adapter directory."""
    from tcm.errors import TCMError
    from tcm.training.config import TrainConfig

    if not (adapter / "adapter_config.json").is_file():
        raise TCMError(f"{adapter} is not a LoRA adapter directory (no adapter_config.json)")
    path = adapter / "eval.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return data, TrainConfig.from_dict(data.get("config") or {})


# ------------------------------------------------------------------ multiple choice (public sets)


def tcmbench_items(limit_per_set: int) -> Iterable[tuple[str, str, dict[str, str], str]]:
    """(set, question, options, answer letter) for the single-answer TCMBench questions."""
    for path in sorted((SHARED_EVAL / "tcmbench").glob("*.json")):
        if path.stem == "herb_predict":
            continue
        items = json.loads(path.read_text(encoding="utf-8"))["example"]
        n = 0
        for item in items:
            for q, opts, ans in _tcmbench_questions(item):
                if n >= limit_per_set:
                    break
                if len(ans) == 1 and len(opts) >= 2:
                    n += 1
                    yield path.stem, q, opts, ans[0]


def _options(text: str) -> tuple[str, dict[str, str]]:
    parts = re.split(r"\n\s*([A-E])[．.、]\s*", "\n" + text.strip())
    stem, opts = parts[0].strip(), {}
    for letter, body in zip(parts[1::2], parts[2::2], strict=False):
        opts[letter] = body.strip()
    return stem, opts


def _tcmbench_questions(item: dict):
    if "sub_question" in str(item.get("question", "")):
        shared = item.get("share_content", "")
        shared_stem, shared_opts = _options(shared)
        for sub in item["question"]:
            stem, opts = _options(sub["sub_question"])
            context = "" if shared_opts else shared_stem
            yield (f"{context}\n{stem}".strip(), opts or shared_opts, sub["answer"])
    else:
        stem, opts = _options(item["question"])
        yield stem, opts, item["answer"]


def best4sdt_items(limit_per_set: int) -> Iterable[tuple[str, str, dict[str, str], str]]:
    for name in ("Basic_knowledge", "Medical_Ethics", "LLM_Content_Safety"):
        path = SHARED_EVAL / "best4sdt" / f"{name}.json"
        if not path.exists():
            continue
        items = [x for x in json.loads(path.read_text(encoding="utf-8")) if len(str(x.get("answer", ""))) == 1]
        for x in items[:limit_per_set]:
            yield name, x["question"], dict(x["option"]), str(x["answer"])


def _bigrams(text: str) -> set[str]:
    t = re.sub(r"[\s，。、；：（）()]", "", text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def grounded_choice(assistant, question: str, options: dict[str, str]) -> str | None:
    """Without a language model: score each option by how well the graph ties it to the question.

    Two ways round: the option's words found in the facts about the question's entities, and the
    question's words found in the facts about the option (when the option names an entity). The
    best-scoring option wins; a tie or no evidence at all is no answer (counted wrong)."""
    q_grams = _bigrams(question)
    q_facts = _bigrams(" ".join(f.text for f in assistant.facts_for(question, "zh")))
    scores = {}
    for k, v in options.items():
        o_grams = _bigrams(v)
        o_facts = _bigrams(" ".join(f.text for f in assistant.facts_for(v, "zh")))
        scores[k] = (len(o_grams & q_facts) / max(1, len(o_grams))
                     + len(q_grams & o_facts) / max(1, len(q_grams)))
    best = max(scores.values(), default=0)
    winners = [k for k, v in scores.items() if v == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def model_choice(assistant, question: str, options: dict[str, str]) -> str | None:
    """With a language model: the graph facts about the question, the question and its options; the
    generator's pick (:meth:`Generator.choose`: a local model's likeliest first letter)."""
    from tcm.generation import Prompt

    facts = assistant.facts_for(question, "zh")
    q = question + "\n" + "\n".join(f"{k}. {v}" for k, v in options.items()) + "\n只回答一个选项字母。"
    return assistant.generator.choose(Prompt(question=q, language="zh", facts=facts), "".join(options))


CONTENT_FREE = "N/A"


def _mcq_prompt(assistant, question: str, options: dict[str, str], facts: bool = True):
    from tcm.generation import Prompt

    q = question + "\n" + "\n".join(f"{k}. {v}" for k, v in options.items()) + "\n只回答一个选项字母。"
    return Prompt(question=q, language="zh", facts=assistant.facts_for(question, "zh") if facts else [])


def calibrated_choice(assistant, question: str, options: dict[str, str], prior: dict[str, dict[str, float]]
                      ) -> tuple[str | None, str | None]:
    """(raw pick, calibrated pick) of a model: contextual calibration (Zhao et al., ICML 2021, "Calibrate
    Before Use"): each letter's log-probability minus its log-probability for a content-free prompt (the
    same template with "N/A" as the question and every option), so a model that prefers "A" whatever it
    reads gains nothing from that preference. Models without letter scores: their pick, uncalibrated."""
    letters = "".join(options)
    scores = assistant.generator.letter_scores(_mcq_prompt(assistant, question, options), letters)
    if not scores:
        got = model_choice(assistant, question, options)
        return got, got
    if letters not in prior:
        free = {k: CONTENT_FREE for k in options}
        prior[letters] = assistant.generator.letter_scores(
            _mcq_prompt(assistant, CONTENT_FREE, free, facts=False), letters) or {}
    base = prior[letters]
    raw = max(scores, key=lambda k: scores[k])
    cal = max(scores, key=lambda k: scores[k] - base.get(k, 0.0))
    return raw, cal


def mcq_suite(assistant, items: Iterable[tuple[str, str, dict[str, str], str]], use_model: bool) -> dict:
    """Accuracy over all questions (no answer counts wrong) and over the questions answered; for models also
    the accuracy after calibration against a content-free prompt, and how often each letter was picked."""
    per: dict[str, list[tuple[bool, bool]]] = {}
    cal_rows: list[tuple[bool, bool]] = []
    picks: dict[str, dict[str, int]] = {"raw": {}, "calibrated": {}, "key": {}}
    prior: dict[str, dict[str, float]] = {}
    for name, q, opts, ans in items:
        if use_model:
            got, cal = calibrated_choice(assistant, q, opts, prior)
            cal_rows.append((cal is not None, cal == ans))
            for label, v in (("raw", got), ("calibrated", cal), ("key", ans)):
                picks[label][str(v)] = picks[label].get(str(v), 0) + 1
        else:
            got = grounded_choice(assistant, q, opts)
        per.setdefault(name, []).append((got is not None, got == ans))

    def figures(rows: list[tuple[bool, bool]]) -> dict:
        answered = sum(a for a, _ in rows)
        right = sum(r for _, r in rows)
        return {"n": len(rows), "answered": answered, "accuracy": round(right / len(rows), 4) if rows else None,
                "accuracy_when_answered": round(right / answered, 4) if answered else None}

    out = {**figures([r for rows in per.values() for r in rows]),
           "by_set": {k: figures(v) for k, v in sorted(per.items())}, "chance": 0.2}
    if use_model:
        out["calibrated"] = figures(cal_rows)
        out["letters"] = {k: dict(sorted(v.items())) for k, v in picks.items()}
    return out


# ------------------------------------------------------------------ all


def run_eval(suites: list[str], generators: list, limit: int, out_dir: Path, log: Callable[[str], None] = print,
             base_model: str | None = None, adapters: list[str] | None = None) -> dict:
    from tcm.context import default_context

    ctx = default_context()  # one corpus, resolver and engine; the graph is opened by the suites that ask
    corpus, engine = ctx.corpus, ctx.engine
    report: dict = {"date": date.today().isoformat(), "machine": machine(), "suites": {}}
    if "safety" in suites:
        log("safety …")
        report["suites"]["safety"] = safety_suite(engine)
    if "injection" in suites:
        log("injection …")
        report["suites"]["injection"] = injection_suite(ctx.assistant(generators[0]))
    if "answers" in suites:
        log("grounded answers …")
        report["suites"]["answers"] = answer_suite(ctx.assistant(generators[0]), corpus)
    for name in ("retrieval", "analysis"):
        if name not in suites:
            continue
        try:
            run = _load_runner(name)
        except ImportError as e:  # the suite's extra is not installed
            report["suites"][name] = {"skipped": f"{e.name} is not installed (pip install 'tcm[{name}]')"}
            continue
        log(f"{name} …")
        report["suites"][name] = run.suite()
    if "reasoning" in suites:
        log("reasoning (differentiation) …")
        from tcm.evals.reasoning import suite as reasoning_suite

        report["suites"]["reasoning"] = reasoning_suite()
    if "classics" in suites:
        from tcm.evals.classics import suite as classics_suite

        log("classics …")
        report["suites"]["classics"] = classics_suite()
    if "adapter" in suites:
        if adapters:
            log("adapter exact-fact accuracy (base vs tuned) …")
            report["suites"]["adapter"] = adapter_suite(corpus, adapters, base_model)
        else:
            report["suites"]["adapter"] = {"skipped": "no --adapter given"}
    for name, items in (("tcmbench", tcmbench_items), ("best4sdt", best4sdt_items)):
        if name not in suites:
            continue
        if not SHARED_EVAL.is_dir():
            report["suites"][name] = {"skipped": f"{SHARED_EVAL} not found"}
            continue
        report["suites"][name] = {}
        for gen in generators:
            label = gen.info.backend + (f" {gen.info.model}" if gen.info.model else "") + (
                f" + {gen.info.adapter}" if gen.info.adapter else "")
            log(f"{name} with {label} …")
            a = ctx.assistant(gen)
            report["suites"][name][label] = mcq_suite(a, items(limit), use_model=gen.info.backend != "grounded")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    (out_dir / "report.md").write_text(markdown(report), encoding="utf-8")
    return report


def _table(head: list[str], rows: list[list]) -> list[str]:
    def cell(v) -> str:
        return f"{v:.3f}" if isinstance(v, float) else ("–" if v is None else str(v))

    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
            *("| " + " | ".join(cell(v) for v in r) + " |" for r in rows), ""]


def _mcq_rows(res: dict) -> list[list]:
    rows = []
    for gen, r in res.items():
        rows += [[gen, k, v["n"], v["answered"], v["accuracy"], v["accuracy_when_answered"]]
                 for k, v in r["by_set"].items()]
        rows.append([gen, "**all**", r["n"], r["answered"], r["accuracy"], r["accuracy_when_answered"]])
    return rows


def _suite_md(name: str, res: dict) -> list[str]:
    """Tables for the suites whose shape is known; anything else as JSON."""
    if "skipped" in res:
        return [f"Skipped: {res['skipped']}.", ""]
    if name == "safety":
        return [f"{res['cases']} cases, {res['failures']} failures.", "",
                *_table(["kind", "precision", "recall"],
                        [[k, v["precision"], v["recall"]] for k, v in res["by_kind"].items()])]
    if name == "injection":
        return [f"{res['cases']} injection attempts; findings removed in **{res['bypasses']}**.", ""]
    if name == "answers":
        return [f"{res['questions']} composition questions (one per formula): composition complete "
                f"{res['composition_complete']:.3f}, composition claims supported by the graph "
                f"{res['claims_supported']}, {res['ms_per_answer']} ms per answer.", ""]
    if name == "retrieval":
        modes = [m for m in ("lexical", "dense", "hybrid") if m in res]
        kinds = list(res[modes[0]])
        return [f"{res['queries']} queries, embedder {res['embedder']}; each cell recall@1 / recall@5 / MRR.", "",
                *_table(["query kind", "n", *modes], [[k, res[modes[0]][k]["n"], *(
                    f"{res[m][k]['r1']:.2f} / {res[m][k]['r5']:.2f} / {res[m][k]['mrr']:.2f}" for m in modes)]
                    for k in kinds])]
    if name == "classics":
        return [f"{res['evaluated']} classical queries on {res['books']} books ({res['passages']} passages), "
                f"embedder {res['embedder']}, {res['ms_per_query']} ms per query; hit = the right book and passage.",
                "", *_table(["kind", "n", "hit@1", "hit@5", "book@5", "MRR"],
                            [[k, v["n"], v["hit@1"], v["hit@5"], v["book@5"], v["mrr"]]
                             for k, v in res["by_kind"].items()])]
    if name == "analysis":
        return [f"{res['cases']} prescriptions: top-1 formula accuracy **{res['top1']:.3f}**, top-3 {res['top3']:.3f}; "
                f"statuses {res['status']}.", "",
                *_table(["set", "n", "top-1"], [[k, v["n"], v["top1"]] for k, v in
                                                {**res["by_source"], **res["by_kind"]}.items()])]
    if name == "adapter":
        rows = []
        for ad, r in res["adapters"].items():
            rows.append([ad, r["base_model"], r["questions"], r["base"]["accuracy"], r["tuned"]["accuracy"],
                         f"{r['card']['base']} / {r['card']['tuned']}", r["base"]["tokens_per_s"],
                         r["tuned"]["tokens_per_s"]])
        return ["Exact-fact accuracy on the held-out questions each adapter's training run scored.", "",
                *_table(["adapter", "base model", "questions", "base", "tuned", "model card (base / tuned)",
                         "base tokens/s", "tuned tokens/s"], rows)]
    if name in ("tcmbench", "best4sdt"):
        return ["Single-answer multiple choice through the retrieval-grounded pipeline (chance ≈ 0.2; no answer "
                "counts wrong). grounded: the option the graph facts support best, or none; a model: its "
                "likeliest option letter.", "",
                *_table(["generator", "set", "n", "answered", "accuracy", "accuracy when answered"], _mcq_rows(res))]
    return ["```json", json.dumps(res, ensure_ascii=False, indent=1), "```", ""]


def markdown(report: dict) -> str:
    lines = [f"# Evaluation report ({report['date']})", "", f"Machine: {report['machine']}.", ""]
    for name, res in report["suites"].items():
        lines += [f"## {name}", "", *_suite_md(name, res)]
    return "\n".join(lines)
