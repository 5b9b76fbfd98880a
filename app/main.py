"""The Gradio app: chat (answers with citations, patient panel, safety panel), graph explorer, batch analysis.

    from app.main import launch
    launch(host="127.0.0.1", port=7860)          # what `tcm app` does

:func:`build_app` lays out the Blocks and wires them to :class:`Handlers`, whose methods call
``tcm`` through :class:`app.services.Services` and turn the results into panels with
:mod:`app.render`. Nothing here decides anything about medicine.
"""

from __future__ import annotations

import atexit
import csv
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no usage reporting

import gradio as gr  # noqa: E402

from tcm.errors import GraphError, TCMError  # noqa: E402
from tcm.types import Answer, PatientFlags  # noqa: E402

from . import render  # noqa: E402
from .services import Services, Unavailable, answer_language  # noqa: E402

log = logging.getLogger("tcm.app")

DEFAULT_CONCURRENCY = 4
DEFAULT_MAX_QUEUE = 256
MAX_UPLOAD = "200mb"
PREVIEW_ROWS = 20
CYPHER_ROWS = 1000
BATCH_KEEP_S = 2 * 3600  # batch outputs are kept this long for download
STREAM_EVERY_S = 0.05  # at most ~20 chat updates a second while an answer streams

EXAMPLE_QUESTIONS = [
    "Is danshen safe for my patient?",
    "麻黄汤的组成是什么？",
    "附子和半夏可以一起用吗？",
    "What is Gui Zhi Tang used for?",
]
EXAMPLE_QUERIES = {
    "Composition of 麻黄汤": (
        "MATCH (f:Formula {name_zh:'麻黄汤'})-[c:CONTAINS]->(h:Herb)\nRETURN h.name_zh, c.dose_g, c.role"),
    "Herbs with 大毒 toxicity": "MATCH (h:Herb) WHERE h.toxicity = '大毒'\nRETURN h.name_zh, h.pinyin, h.dose_max_g",
    "Herbs interacting with warfarin": (
        "MATCH (h:Herb)-[r:INTERACTS]->(d:Drug {name_en:'warfarin'})\nRETURN h.name_zh, r.severity, r.mechanism"),
    "Formulas for a syndrome": (
        "MATCH (f:Formula)-[:TREATS]->(s:Syndrome)\nWHERE s.name_zh = $name\nRETURN f.name_zh, f.name_en"),
    "十八反 pairs": (
        "MATCH (a:Herb)-[r:INCOMPATIBLE]->(b:Herb) WHERE r.rule = '18反'\nRETURN a.name_zh, b.name_zh LIMIT 25"),
}
EXAMPLE_PARAMS = {"Formulas for a syndrome": '{"name": "外感风寒表实证"}'}

# A click on anything carrying data-entity inside the panel opens that graph entry in the explorer tab.
# Modified clicks (ctrl/cmd/shift/middle) are left to the browser, which opens the href in a new tab.
ENTITY_CLICK_JS = """
element.addEventListener('click', (e) => {
  const a = e.target.closest('[data-entity]');
  if (!a || !element.contains(a)) return;
  if (e.ctrlKey || e.metaKey || e.shiftKey || e.button === 1) return;
  e.preventDefault();
  trigger('click', {entity: a.getAttribute('data-entity')});
});
"""


class Handlers:
    """Event handlers: plain methods (testable without a browser) over :class:`Services`."""

    def __init__(self, services: Services, work_dir: Path | None = None) -> None:
        self.s = services
        self._work_dir = work_dir

    @property
    def work_dir(self) -> Path:
        """Where batch outputs wait for download (created on first use when not given)."""
        if self._work_dir is None:
            self._work_dir = Path(tempfile.mkdtemp(prefix="tcm-app-"))
            atexit.register(shutil.rmtree, self._work_dir, True)
        return self._work_dir

    # ------------------------------------------------------------------ chat
    def chat(self, message: str, history: list | None, drugs: list[str] | None, pregnant: bool,
             breastfeeding: bool) -> Iterator[tuple]:
        """Stream the answer into the chat; then the final message (with sources), safety panel, banner, citations.

        Yields (chat history, question box, safety panel, banner, citations, last answer state)."""
        history = [dict(m) if isinstance(m, dict) else m for m in (history or [])]
        question = (message or "").strip()
        if not question:
            yield history, "", gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        drugs = [d for d in (drugs or []) if d and d.strip()]
        flags = PatientFlags(pregnant=bool(pregnant), breastfeeding=bool(breastfeeding))
        drugs_text = ", ".join(drugs) or None
        patient = render.patient_line(drugs, flags.pregnant, flags.breastfeeding)
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": "…"}]
        checking = render.safety_checking()
        yield history, "", checking, "", render.citations_html(None), None
        t0 = time.perf_counter()
        answer: Answer | None = None
        text = ""
        shown = time.perf_counter()
        try:
            for piece in self.s.stream(question, drugs_text, flags):
                if isinstance(piece, Answer):
                    answer = piece
                    continue
                text += piece
                if time.perf_counter() - shown >= STREAM_EVERY_S:  # pieces that come faster are sent together
                    shown = time.perf_counter()
                    history[-1] = {"role": "assistant", "content": render.answer_text(text)}
                    yield history, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        except (Unavailable, GraphError) as e:  # no graph, or Neo4j went away mid-answer: safety still runs
            yield from self._chat_without_graph(history, question, drugs_text, flags, patient, str(e))
            return
        except TCMError as e:
            history[-1] = {"role": "assistant", "content": f"⚠️ {e}"}
            yield history, gr.skip(), render.safety_panel(None, patient=patient), "", gr.skip(), None
            return
        except Exception as e:  # noqa: BLE001 - never a traceback in the chat; log the kind, not the content
            log.exception("chat failed: %s", type(e).__name__)
            history[-1] = {"role": "assistant", "content": f"⚠️ Something went wrong ({type(e).__name__}); "
                           "please try again. · 出错了，请重试。"}
            yield history, gr.skip(), render.safety_panel(None, patient=patient), "", gr.skip(), None
            return
        assert answer is not None
        log.info("answered in %.3f s (%s, %d citations, %d findings)", time.perf_counter() - t0, answer.language,
                 len(answer.citations), len(answer.findings))
        history[-1] = {"role": "assistant", "content": render.answer_markdown(answer)}
        state = {"question": question, "answer": answer.answer, "language": answer.language}
        yield (history, gr.skip(), self._panel(answer.findings, answer.language, patient),
               render.red_flag_banner(answer.findings, answer.language), render.citations_html(answer), state)

    def _chat_without_graph(self, history, question, drugs_text, flags, patient, why):
        """No graph: say so, and still run the safety engine over the question and the patient."""
        lang = answer_language(None, question)
        msg = (f"⚠️ 无法作答：{why}。下方仍对问题与患者情况做了安全核查。" if lang == "zh" else
               f"⚠️ I cannot answer now: {why}. The safety check of the question and the patient still ran.")
        history[-1] = {"role": "assistant", "content": render.md_escape(msg)}
        try:
            result = self.s.check(question, None, drugs_text, flags)
        except TCMError as e:
            yield history, gr.skip(), render.safety_panel(None, patient=patient, note=str(e)), "", gr.skip(), None
            return
        urgent = [f for f in result.findings if f.kind == "red_flag"]
        if urgent:  # a red flag ends herbal advice: the banner and the urgent-care guidance only
            from tcm.safety.emergency import guidance

            history[-1] = {"role": "assistant", "content": render.answer_text(guidance(urgent, lang))}
            result.findings = urgent
        state = {"question": question, "answer": None, "language": lang}
        yield (history, gr.skip(), self._panel(result.findings, lang, patient),
               render.red_flag_banner(result.findings, lang), render.citations_html(None), state)

    def _panel(self, findings, language: str, patient: str, note: str = "") -> str:
        try:
            sources = self.s.sources()
        except TCMError:
            sources = {}
        return render.safety_panel(findings, language, patient, sources, self.s.entity_kinds(findings), note)

    def patient_changed(self, drugs: list[str] | None, pregnant: bool, breastfeeding: bool,
                        last: dict | None) -> tuple[str, str, str]:
        """The patient panel changed: show what the drugs resolve to, and re-check the last answer."""
        drugs = [d for d in (drugs or []) if d and d.strip()]
        try:
            known, unknown = self.s.resolve_drugs(drugs)
        except TCMError as e:
            return render.error_box(str(e)), gr.skip(), gr.skip()
        note = render.drugs_note(known, unknown)
        patient = render.patient_line(drugs, bool(pregnant), bool(breastfeeding))
        if not last:
            return note, render.safety_panel(None, patient=patient), gr.skip()
        flags = PatientFlags(pregnant=bool(pregnant), breastfeeding=bool(breastfeeding))
        try:
            result = self.s.check(last["question"], last.get("answer"), ", ".join(drugs) or None, flags)
        except TCMError as e:
            return note, render.safety_panel(None, patient=patient, note=str(e)), gr.skip()
        lang = last.get("language") or "en"
        panel = self._panel(result.findings, lang, patient, note="Patient details changed: the last answer was "
                            "checked again. · 患者信息已更新，已重新核查。")
        return note, panel, render.red_flag_banner(result.findings, lang)

    # ------------------------------------------------------------------ diagnose
    def diagnose(self, text: str, drugs: list[str] | None, pregnant: bool) -> tuple[str, dict]:
        """(the differentiation as HTML, its JSON) for a patient description."""
        text = (text or "").strip()
        if not text:
            return render.error_box("Describe the patient: symptoms, tongue, pulse · 请描述症状、舌象、脉象"), {}
        try:
            names, _unknown = self.s.resolve_drugs(drugs or [])
            d, reply, facts = self.s.diagnose(text, ", ".join(names) or None, PatientFlags(pregnant=bool(pregnant)))
        except TCMError as e:
            return render.error_box(str(e)), {}
        return render.diagnosis_html(d, reply, facts), d.model_dump(mode="json")

    # ------------------------------------------------------------------ explorer
    def open_entity(self, entity_id: str) -> tuple[str, str]:
        """(card, network) for one graph id."""
        entity_id = (entity_id or "").strip()
        try:
            node = self.s.node(entity_id)
            if node is None:
                return render.error_box(f"no graph entry {entity_id!r}"), ""
            neighbours = self.s.neighbours(entity_id)
            formula = node.get("label") == "Formula"
            comp = self.s.composition(node.get("name_zh") or entity_id) if formula else None
            classics = self.s.classical_sources(node) if formula else None
            return (render.entity_card(node, neighbours, comp, self.s.sources(), classics),
                    render.network_svg(node, neighbours))
        except TCMError as e:
            return render.error_box(str(e)), ""

    def search(self, query: str) -> tuple[str, str, str]:
        """(results, card of the first result, its network)."""
        query = (query or "").strip()
        if not query:
            return render.results_html([], ""), gr.skip(), gr.skip()
        try:
            found = self.s.find(query)
        except TCMError as e:
            return render.error_box(str(e)), "", ""
        if not found:
            return render.results_html([], query), "", ""
        card, net = self.open_entity(found[0][0])
        return render.results_html(found, query), card, net

    def open_from_event(self, evt: gr.EventData):
        """A click on a data-entity link anywhere: switch to the explorer and open that entry."""
        entity = (getattr(evt, "_data", None) or {}).get("entity")
        if not entity:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        card, net = self.open_entity(entity)
        return gr.Tabs(selected="explorer"), render.short_name(entity), card, net

    def on_load(self, request: gr.Request):
        """Page load: the status line; ``?entity=<id>`` opens that entry in the explorer."""
        ok, text = self.s.status()
        params = dict(request.query_params) if request is not None else {}
        entity = (params.get("entity") or "").strip()
        if not entity:
            return render.status_bar(ok, text), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        card, net = self.open_entity(entity)
        return render.status_bar(ok, text), gr.Tabs(selected="explorer"), render.short_name(entity), card, net

    def cypher(self, query: str, params_text: str) -> tuple[str, dict, str]:
        """(error box, table, info line) for a read-only Cypher query."""
        empty = {"headers": ["(no result)"], "data": []}
        try:
            params = json.loads(params_text) if (params_text or "").strip() else {}
        except json.JSONDecodeError as e:
            return render.error_box(f"parameters must be a JSON object: {e}"), empty, ""
        if not isinstance(params, dict):
            return render.error_box("parameters must be a JSON object, e.g. {\"name\": \"甘草\"}"), empty, ""
        t0 = time.perf_counter()
        try:
            res = self.s.query(query or "", params)
        except TCMError as e:
            return render.error_box(f"Query refused or failed · 查询失败: {e}"), empty, ""
        ms = (time.perf_counter() - t0) * 1000
        rows = [[render.cell(v) for v in r] for r in res.rows[:CYPHER_ROWS]]
        more = f" (first {CYPHER_ROWS} shown)" if len(res.rows) > CYPHER_ROWS else ""
        if res.truncated:
            more += " · truncated at the row limit"
        table = {"headers": res.columns or ["(no columns)"], "data": rows}
        return "", table, f"{len(res.rows)} row{'s' if len(res.rows) != 1 else ''}{more} · {ms:.1f} ms · read-only"

    # ------------------------------------------------------------------ batch
    def analyze(self, file: str | None, fmt: str, column: str | None, progress: Any = None, *,
                drugs_column: str | None = None, pregnant_column: str | None = None):
        """(summary, results download, report download, preview) for an uploaded file of prescriptions."""
        hidden = gr.DownloadButton(visible=False)
        empty = {"headers": ["row", "status"], "data": []}
        if not file:
            return render.error_box("Upload a CSV, JSONL or TXT file first · 请先上传文件"), hidden, hidden, empty
        try:
            from tcm.analysis.inputs import InputSpec
            from tcm.analysis.run import analyze_file
        except ImportError as e:
            return (render.error_box(f"batch analysis needs the analysis extra ({e.name} is missing): "
                                     "pip install -e '.[analysis]'"), hidden, hidden, empty)
        self._prune()
        src = Path(file)
        out_dir = Path(tempfile.mkdtemp(prefix="batch-", dir=self.work_dir))
        stem = src.stem or "prescriptions"
        output = out_dir / f"{stem}.analysis.{fmt}"
        report = out_dir / f"{stem}.report.html"
        spec = InputSpec(src, None, (column or "").strip() or None, None, (drugs_column or "").strip() or None,
                         (pregnant_column or "").strip() or None)

        def step(rows: int, done: int, total: int) -> None:
            if progress is not None:
                progress(done / total if total else 0.0, desc=f"{rows:,} rows analysed · 已分析 {rows:,} 行")

        try:
            summary = analyze_file(spec, output, fmt=fmt, report=report, chunk_size=500, progress=step)
        except TCMError as e:
            return render.error_box(f"Analysis failed · 分析失败: {e}"), hidden, hidden, empty
        except Exception as e:  # noqa: BLE001 - a malformed upload must not crash the app
            log.exception("batch analysis failed: %s", type(e).__name__)
            return render.error_box(f"Analysis failed · 分析失败: {type(e).__name__}: {e}"), hidden, hidden, empty
        info = summary.as_dict()
        html = (f'<div class="tcm-batch-summary" data-rows="{info["rows"]}"><b>{info["rows"]:,} rows · 行</b>: '
                f'{info["ok"]:,} ok · {info["partial"]:,} partial · {info["error"]:,} error '
                f'— {info["seconds"]:.1f} s ({info["rows_per_s"]:,.0f} rows/s). Every input row has one output row, '
                "in input order. · 每个输入行对应一个输出行。</div>")
        return (html, gr.DownloadButton(f"⬇ Results ({fmt})", value=str(output), visible=True),
                gr.DownloadButton("⬇ HTML report", value=str(report), visible=True), _preview(output, fmt))

    def _prune(self) -> None:
        now = time.time()
        for d in self.work_dir.glob("batch-*"):
            try:
                if now - d.stat().st_mtime > BATCH_KEEP_S:
                    shutil.rmtree(d, ignore_errors=True)
            except OSError:
                pass


def _preview(path: Path, fmt: str) -> dict:
    """The first rows of the output, flattened for a table (JSONL and CSV; Parquet is not previewed)."""
    headers = ["row", "status", "reason", "top formula", "score", "findings", "most serious"]
    data: list[list[Any]] = []
    try:
        if fmt == "jsonl":
            with path.open(encoding="utf-8") as fh:
                for line, _ in zip(fh, range(PREVIEW_ROWS), strict=False):
                    r = json.loads(line)
                    top = (r.get("matches") or [{}])[0]
                    sev = [f.get("severity") for f in r.get("findings") or []]
                    worst = next((s for s in ("critical", "high", "moderate", "low") if s in sev), "")
                    data.append([r.get("row"), r.get("status"), r.get("reason") or "", top.get("name_zh", ""),
                                 top.get("score", ""), len(sev), worst])
        elif fmt == "csv":
            with path.open(encoding="utf-8", newline="") as fh:
                for r, _ in zip(csv.DictReader(fh), range(PREVIEW_ROWS), strict=False):
                    data.append([r.get("row"), r.get("status"), r.get("reason"), r.get("top_formula"),
                                 r.get("top_score"), r.get("n_findings"), r.get("max_severity")])
    except (OSError, ValueError):
        data = []
    return {"headers": headers, "data": data}


# ------------------------------------------------------------------ layout


def build_app(services: Services, handlers: Handlers | None = None) -> gr.Blocks:
    """The Blocks; call ``.queue(...)`` and ``.launch(...)`` on it (see :func:`launch`)."""
    h = handlers or Handlers(services)
    try:
        choices = services.drug_choices()
    except TCMError:
        choices = []
    with gr.Blocks(title="TCM assistant · 中医药助手", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        gr.HTML('<div class="tcm-title"><h1 style="margin:0">TCM assistant · 中医药助手</h1>'
                '<div class="tcm-muted">Grounded in a cited knowledge graph; every answer passes a deterministic '
                "safety check. For healthcare professionals; not medical advice. · 基于知识图谱、经安全核查；"
                "供专业人员参考，不构成医疗建议。</div></div>", js_on_load=None)
        status = gr.HTML(render.status_bar(True, "starting…"), elem_id="tcm-status", js_on_load=None)
        banner = gr.HTML("", elem_id="tcm-banner", js_on_load=ENTITY_CLICK_JS)
        last = gr.State(None)
        with gr.Tabs(selected="chat") as tabs:
            with gr.Tab("Chat · 问答", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        with gr.Group(elem_id="tcm-patient"):
                            with gr.Row():
                                drugs = gr.Dropdown(
                                    choices=choices, value=[], multiselect=True, allow_custom_value=True,
                                    filterable=True, scale=4, elem_id="tcm-drugs",
                                    label="Patient's Western medications · 患者正在使用的西药",
                                    info="Type a generic, brand or Chinese name (warfarin, Coumadin, 华法林)")
                                with gr.Column(scale=1, min_width=160):
                                    pregnant = gr.Checkbox(label="Pregnant · 妊娠", elem_id="tcm-pregnant")
                                    breastfeeding = gr.Checkbox(label="Breastfeeding · 哺乳",
                                                                elem_id="tcm-breastfeeding")
                            drugs_note = gr.HTML("", elem_id="tcm-drugs-note", js_on_load=None)
                        chatbot = gr.Chatbot(label="Answers · 回答", elem_id="tcm-chat", height=480,
                                             feedback_options=None, buttons=["copy"], layout="panel",
                                             placeholder="Ask about a herb, formula or syndrome, in Chinese or "
                                                         "English. · 请用中文或英文提问。")
                        with gr.Row():
                            question = gr.Textbox(show_label=False, scale=6, elem_id="tcm-question", lines=1,
                                                  max_lines=6, submit_btn=False,
                                                  placeholder="e.g. Is danshen safe for my patient? · 丹参可以用吗？")
                            send = gr.Button("Ask · 提问", variant="primary", scale=1, elem_id="tcm-send",
                                             min_width=90)
                        citations = gr.HTML(render.citations_html(None), elem_id="tcm-citations",
                                            js_on_load=ENTITY_CLICK_JS)
                        gr.Examples(EXAMPLE_QUESTIONS, inputs=[question], label="Examples · 示例")
                    with gr.Column(scale=2, min_width=320):
                        safety = gr.HTML(render.safety_panel(None, patient=render.patient_line([], False, False)),
                                         elem_id="tcm-safety", js_on_load=ENTITY_CLICK_JS)
            with gr.Tab("Diagnose · 辨证", id="diagnose"):
                with gr.Row():
                    dx_text = gr.Textbox(label="Patient: symptoms, tongue, pulse · 症状、舌象、脉象", lines=3, scale=5,
                                         elem_id="tcm-dx-text",
                                         placeholder="失眠多梦，心悸健忘，舌红少苔，脉细数 · chills, no sweating, "
                                                     "floating tight pulse")
                    dx_go = gr.Button("Differentiate · 辨证", variant="primary", scale=1, elem_id="tcm-dx-go")
                dx_out = gr.HTML("", elem_id="tcm-dx-out", js_on_load=ENTITY_CLICK_JS)
                with gr.Accordion("JSON", open=False):
                    dx_json = gr.JSON(elem_id="tcm-dx-json")
            with gr.Tab("Graph explorer · 图谱浏览", id="explorer"):
                with gr.Row():
                    ent_query = gr.Textbox(label="Name in any form · 任意名称", scale=5, elem_id="tcm-ent-query",
                                           placeholder="甘草 · gan cao · Glycyrrhizae Radix et Rhizoma · licorice "
                                                       "· 麻黃湯 · Ephedra Decoction · 外感风寒表实证")
                    ent_go = gr.Button("Search · 查找", variant="primary", scale=1, elem_id="tcm-ent-go")
                results = gr.HTML("", elem_id="tcm-results", js_on_load=ENTITY_CLICK_JS)
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        card = gr.HTML('<div class="tcm-muted">Search for a herb, formula, syndrome, drug or source, '
                                       "or open a citation from the chat. · 查找或点击出处。</div>",
                                       elem_id="tcm-card", js_on_load=ENTITY_CLICK_JS)
                    with gr.Column(scale=2):
                        net = gr.HTML("", elem_id="tcm-network", js_on_load=ENTITY_CLICK_JS)
                with gr.Accordion("Cypher (read-only) · 只读 Cypher 查询", open=True):
                    with gr.Row():
                        cy_text = gr.Textbox(label="Cypher", lines=4, scale=4, elem_id="tcm-cypher",
                                             value=EXAMPLE_QUERIES["Composition of 麻黄汤"])
                        with gr.Column(scale=2):
                            cy_params = gr.Textbox(label="Parameters (JSON) · 参数", elem_id="tcm-cypher-params",
                                                   placeholder='{"name": "甘草"}')
                            cy_example = gr.Dropdown(list(EXAMPLE_QUERIES), label="Examples · 示例", value=None)
                            cy_run = gr.Button("Run · 运行", variant="primary", elem_id="tcm-cypher-run")
                    cy_error = gr.HTML("", elem_id="tcm-cypher-error", js_on_load=None)
                    cy_info = gr.Markdown("", elem_id="tcm-cypher-info")
                    cy_table = gr.Dataframe(value={"headers": ["(run a query)"], "data": []}, interactive=False,
                                            elem_id="tcm-cypher-table", wrap=True, max_height=420)
            with gr.Tab("Batch analysis · 批量分析", id="batch"):
                gr.Markdown("Upload prescriptions, one per row: **CSV** (a `prescription`/`处方` column, or name it "
                            "below), **JSONL**, or **TXT** (one per line). Each row gets its herbs in grams, nearest "
                            "classical formulas, a property profile, likely syndromes and safety findings. · "
                            "上传处方文件（每行一方），逐行分析。")
                with gr.Row():
                    upload = gr.File(label="Prescriptions · 处方文件", file_types=[".csv", ".tsv", ".jsonl", ".txt"],
                                     elem_id="tcm-upload", scale=2)
                    with gr.Column(scale=1):
                        fmt = gr.Radio(["jsonl", "csv", "parquet"], value="jsonl", label="Output format · 输出格式",
                                       elem_id="tcm-batch-format")
                        column = gr.Textbox(label="Prescription column / field (optional) · 处方列",
                                            placeholder="prescription", elem_id="tcm-batch-column")
                        with gr.Accordion("Patient columns (optional) · 患者信息列", open=False):
                            drugs_col = gr.Textbox(label="Western drugs column · 西药列", placeholder="drugs")
                            preg_col = gr.Textbox(label="Pregnant column (1/yes/是) · 妊娠列", placeholder="pregnant")
                        run = gr.Button("Analyse · 分析", variant="primary", elem_id="tcm-batch-run")
                batch_summary = gr.HTML("", elem_id="tcm-batch-summary", js_on_load=None)
                with gr.Row():
                    dl_results = gr.DownloadButton("⬇ Results", visible=False, elem_id="tcm-dl-results")
                    dl_report = gr.DownloadButton("⬇ HTML report", visible=False, elem_id="tcm-dl-report")
                preview = gr.Dataframe(value={"headers": ["row", "status"], "data": []}, interactive=False,
                                       label="First rows · 前几行", elem_id="tcm-batch-preview")

        # ---- chat
        chat_io = dict(fn=h.chat, inputs=[question, chatbot, drugs, pregnant, breastfeeding],
                       outputs=[chatbot, question, safety, banner, citations, last])
        question.submit(**chat_io, api_name="chat")
        send.click(**chat_io, api_visibility="private")
        for comp in (drugs, pregnant, breastfeeding):
            comp.change(h.patient_changed, [drugs, pregnant, breastfeeding, last], [drugs_note, safety, banner],
                        api_visibility="private", show_progress="hidden")
        # ---- links to graph entries, from any panel
        explorer_out = [tabs, ent_query, card, net]
        dx_text.submit(h.diagnose, [dx_text, drugs, pregnant], [dx_out, dx_json], api_name="diagnose_panel",
                       api_visibility="private")
        dx_go.click(h.diagnose, [dx_text, drugs, pregnant], [dx_out, dx_json], api_name="diagnose_panel_go",
                    api_visibility="private")
        for panel in (citations, safety, banner, results, card, net, dx_out):
            panel.click(h.open_from_event, None, explorer_out, api_visibility="private", show_progress="hidden")
        # ---- explorer
        ent_query.submit(h.search, ent_query, [results, card, net], api_name="search")
        ent_go.click(h.search, ent_query, [results, card, net], api_visibility="private")
        cy_run.click(h.cypher, [cy_text, cy_params], [cy_error, cy_table, cy_info], api_name="cypher")
        cy_example.change(lambda k: (EXAMPLE_QUERIES.get(k, gr.skip()), EXAMPLE_PARAMS.get(k, "")) if k else
                          (gr.skip(), gr.skip()), cy_example, [cy_text, cy_params], api_visibility="private",
                          queue=False)
        # ---- batch: one analysis at a time (it is CPU-bound); the chat keeps its own slots
        run.click(_batch_fn(h), [upload, fmt, column, drugs_col, preg_col],
                  [batch_summary, dl_results, dl_report, preview], api_name="analyze", concurrency_limit=1,
                  concurrency_id="batch", show_progress_on=[batch_summary])
        demo.load(h.on_load, None, [status, *explorer_out], api_visibility="private", show_progress="hidden")
        from . import api  # /ask and /check (and /diagnose when offered): JSON endpoints for gradio_client

        api.register(services)
    return demo


def _batch_fn(h: Handlers):
    def analyze(file, fmt, column, drugs_column, pregnant_column, progress=gr.Progress()):  # noqa: B008
        return h.analyze(file, fmt, column, progress, drugs_column=drugs_column, pregnant_column=pregnant_column)

    return analyze


# ------------------------------------------------------------------ launch


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """'user:pass' → (user, pass); None stays None."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise TCMError("--auth must be user:password")
    return user, password


def launch(
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    max_queue: int = DEFAULT_MAX_QUEUE,
    services: Services | None = None,
    say=print,
    block: bool = True,
):
    """Warm the backends, start the server, print the URL; blocks until interrupted unless ``block`` is False."""
    if concurrency < 1:
        raise TCMError("--concurrency must be at least 1")
    credentials = parse_auth(auth)
    services = services or Services()
    seconds = services.warm(say)
    work_dir = Path(tempfile.mkdtemp(prefix="tcm-app-"))
    atexit.register(shutil.rmtree, work_dir, True)
    demo = build_app(services, Handlers(services, work_dir))
    demo.queue(default_concurrency_limit=concurrency, max_size=max_queue)
    try:
        demo.launch(server_name=host, server_port=port, auth=credentials, prevent_thread_lock=True, quiet=True,
                    show_error=False, ssr_mode=False, max_file_size=MAX_UPLOAD, footer_links=["api"],
                    css=render.CSS, mcp_server=False, allowed_paths=[str(work_dir)])
    except OSError as e:
        raise TCMError(f"cannot serve on {host}:{port}: {' '.join(str(e).split())}") from None
    ok, text = services.status()
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{demo.server_port}/"
    say(f"TCM assistant app on {url} (warm-up {seconds:.1f} s; Ctrl+C to stop)")
    if not ok:
        say(f"warning: {text}")
    if host not in ("127.0.0.1", "localhost", "::1") and credentials is None:
        say(f"warning: listening on {host} without --auth: anyone who can reach this machine can use the app")
    if block:
        if threading.current_thread() is threading.main_thread():  # SIGTERM too: stop cleanly, clean up
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            demo.block_thread()
        except KeyboardInterrupt:
            pass
        finally:
            demo.close()
    return demo
