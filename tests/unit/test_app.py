"""The Gradio app's wiring without a browser: handlers, panels, entity cards, Cypher, batch, launch and the CLI."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("gradio", reason="the app needs gradio: pip install -e '.[app]'")

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # app/ is a top-level folder of the source tree, beside tcm/
    sys.path.insert(0, str(REPO))

from app import render  # noqa: E402
from app.main import Handlers, build_app, launch, parse_auth  # noqa: E402
from app.services import Services  # noqa: E402
from tcm.errors import TCMError  # noqa: E402
from tcm.generation import GroundedGenerator  # noqa: E402
from tcm.types import Finding, GeneratorInfo  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def no_retrieval_index(tmp_path_factory):
    """Answers come from entity linking alone: no retrieval index is read from the developer's data/."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TCM_DATA_DIR", str(tmp_path_factory.mktemp("empty-data")))
        yield


@pytest.fixture(scope="module")
def services(embedded_store):
    return Services(store=embedded_store, generator=GroundedGenerator())


@pytest.fixture(scope="module")
def handlers(services, tmp_path_factory):
    return Handlers(services, tmp_path_factory.mktemp("work"))


def finding(kind="herb_drug", severity="high", items=("丹参", "warfarin"), en="danshen with warfarin",
            zh="丹参与华法林", **kw) -> Finding:
    return Finding(kind=kind, severity=severity, items=list(items), message_en=en, message_zh=zh,
                   evidence=kw.pop("evidence", ["yu-1997"]), **kw)


def file_of(button) -> Path:
    """The file a DownloadButton serves (gradio keeps it as a path or a FileData dict)."""
    v = button.value
    return Path(v["path"] if isinstance(v, dict) else v)


def last(gen):
    *_, final = list(gen)
    return final


# ------------------------------------------------------------------ panels


def test_safety_panel_groups_by_severity_most_serious_first():
    fs = [finding("toxicity", "low", ["附子"], "toxic", "有毒"),
          finding("red_flag", "critical", ["chest_pain"], "Urgent: chest pain", "紧急：胸痛", evidence=["nhs-999"]),
          finding("dose", "moderate", ["附子"], "above the limit", "超量"),
          finding(mechanism="additive anticoagulant effect", inferred=True, path=["herb:丹参", "drug:warfarin"])]
    html = render.safety_panel(fs, "en", entity_kind={"丹参": "herb", "warfarin": "drug", "附子": "herb"})
    order = [html.index(f'data-severity="{s}"') for s in ("critical", "high", "moderate", "low")]
    assert order == sorted(order)
    assert 'data-count="4"' in html and "4 findings" in html
    for kind in ("red_flag", "herb_drug", "dose", "toxicity"):
        assert f'data-kind="{kind}"' in html
    assert "Herb–drug interaction" in html and "中药与西药相互作用" in html  # bilingual headings
    assert html.index("danshen with warfarin") < html.index("丹参与华法林")  # the answer's language first
    zh = render.safety_panel(fs, "zh")
    assert zh.index("丹参与华法林") < zh.index("danshen with warfarin")
    assert 'data-entity="herb:丹参"' in html and 'data-entity="drug:warfarin"' in html
    assert 'data-entity="yu-1997"' in html  # evidence opens the source entry
    assert "inferred" in html and "herb:丹参 → drug:warfarin" in html
    assert "<svg" in html  # severity icons that need no emoji font


def test_safety_panel_states_and_evidence_links():
    assert 'data-state="idle"' in render.safety_panel(None)
    assert 'data-state="clear"' in render.safety_panel([]) and "No safety findings" in render.safety_panel([])
    src = {"yu-1997": {"title": "Yu 1997", "pmid": "9012345", "doi": "10.1/x"}}
    html = render.safety_panel([finding()], sources=src)
    assert "https://pubmed.ncbi.nlm.nih.gov/9012345/" in html and "https://doi.org/10.1/x" in html


def test_everything_shown_is_escaped():
    evil = "<script>alert(1)</script>"
    html = render.safety_panel([finding(en=evil, zh=evil, items=[evil])], patient=render.patient_line([evil], 0, 0))
    banner = render.red_flag_banner([finding("red_flag", "critical", ["x"], evil, evil)])
    for h in (html, banner, render.drugs_note([evil], [evil]), render.error_box(evil), render.results_html([], evil)):
        assert "<script>" not in h and "&lt;script&gt;" in h


def test_banner_only_for_red_flags():
    assert render.red_flag_banner([finding()]) == ""
    b = render.red_flag_banner([finding("red_flag", "critical", ["chest_pain"], "Urgent: chest pain", "紧急：胸痛")])
    assert 'role="alert"' in b and "Urgent: chest pain" in b and "紧急：胸痛" in b


def test_generated_text_cannot_forge_links_or_html():
    from tcm.types import Answer

    a = Answer(question="q", language="en", answer="See [the guide](http://evil.example) <img src=x onerror=1> [1]",
               generator=GeneratorInfo(backend="openai", model="m"))
    md = render.answer_markdown(a)
    assert "[the guide](" not in md and "\\[the guide\\](" in md and "<img" not in md and "\\[1\\]" in md


def test_generator_line_names_model_adapter_or_fallback():
    assert "grounded fallback" in render.generator_line(GeneratorInfo(backend="grounded"))
    line = render.generator_line(GeneratorInfo(backend="transformers", model="Qwen/Qwen2.5-1.5B", adapter="ad/x"))
    assert "transformers" in line and "Qwen/Qwen2.5-1.5B" in line and "adapter ad/x" in line
    note = render.generator_line(GeneratorInfo(backend="grounded", note="no server at http://x; using grounded"))
    assert "no server at http://x" in note


# ------------------------------------------------------------------ chat


def test_chat_streams_then_shows_sources_safety_and_generator(handlers):
    outs = list(handlers.chat("Is danshen safe for my patient?", [], ["warfarin"], False, False))
    assert len(outs) >= 2  # the question at once, (streamed pieces,) the final answer
    assert outs[0][0][-2] == {"role": "user", "content": "Is danshen safe for my patient?"}
    assert 'data-state="checking"' in outs[0][2]  # no stale findings while the answer streams
    history, box, safety, banner, cites, state = outs[-1]
    msg = history[-1]["content"]
    assert history[-1]["role"] == "assistant" and "丹参" in msg and "\\[1\\]" in msg  # Markdown for a literal [1]
    assert "(?entity=herb:" in msg and "Sources:" in msg and "Generator · 生成器: grounded" in msg
    assert 'data-kind="herb_drug"' in safety and "warfarin" in safety and "丹参" in safety
    assert banner == "" and 'data-entity="herb:丹参"' in cites
    assert state["question"].startswith("Is danshen") and state["language"] == "en"


def test_chat_streams_a_slow_model_piece_by_piece(embedded_store, tmp_path):
    import time

    from tcm.generation.base import Generator

    class Slow(Generator):
        info = GeneratorInfo(backend="transformers", model="slow-test-double")

        def stream(self, prompt):
            for word in ("丹参", "[1]", "活血祛瘀"):
                time.sleep(0.08)
                yield word + " "

    h = Handlers(Services(store=embedded_store, generator=Slow()), tmp_path)
    outs = list(h.chat("丹参的功效？", [], [], False, False))
    shown = [o[0][-1]["content"] for o in outs[1:-1]]
    assert len(shown) >= 2 and shown == sorted(shown, key=len)  # growing text while it streams
    assert "transformers · model slow-test-double" in outs[-1][0][-1]["content"]


def test_chat_emergency_shows_the_banner_and_guidance_only(handlers):
    """A red flag ends herbal advice: no answer from the graph, no herb findings, the urgent-care guidance."""
    out = last(handlers.chat("我胸口痛，还能吃丹参吗？", None, ["华法林"], True, False))
    history, _, safety, banner, citations, state = out
    shown = history[-1]["content"]
    assert state["language"] == "zh" and "120" in shown and "急救" in shown
    assert "根据知识图谱" not in shown and "丹参" not in shown and "Generator" not in shown
    assert 'data-kind="red_flag"' in banner and "紧急" in banner
    assert 'data-kind="red_flag"' in safety and 'data-kind="herb_drug"' not in safety
    assert 'data-entity-id' not in citations


def test_chat_lactation_from_the_patient_panel(handlers):
    *_, safety, banner, _, _ = last(handlers.chat("当归的功效是什么？", None, [], False, True))
    assert 'data-kind="lactation"' in safety and "Breastfeeding" in safety and banner == ""


def test_empty_question_changes_nothing(handlers):
    out = last(handlers.chat("   ", [], [], False, False))
    assert out[0] == []


def test_patient_change_rechecks_the_last_answer(handlers):
    *_, state = last(handlers.chat("Is danshen safe?", [], [], False, False))
    note, safety, _ = handlers.patient_changed(["Coumadin", "notadrug"], False, False, state)
    assert "warfarin" in note and "notadrug" in note and "not recognised" in note
    assert 'data-kind="herb_drug"' in safety and "checked again" in safety
    note, safety, banner = handlers.patient_changed([], True, False, None)
    assert 'data-state="idle"' in safety and "pregnant · 妊娠: yes" in safety


def test_chat_without_a_graph_still_checks_safety(tmp_path):
    from tcm.kg.embedded import EmbeddedStore

    h = Handlers(Services(store=EmbeddedStore(tmp_path / "missing.lbug"), generator=GroundedGenerator()), tmp_path)
    history, _, safety, banner, _, _ = last(h.chat("Can I take danshen?", [], ["warfarin"], 0, 0))
    assert "cannot answer" in history[-1]["content"] and "tcm build" in history[-1]["content"]
    assert banner == "" and 'data-kind="herb_drug"' in safety
    history, _, safety, banner, _, _ = last(h.chat("I have chest pain, can I take danshen?", [], ["warfarin"], 0, 0))
    assert "ambulance" in history[-1]["content"] and "911" in history[-1]["content"]
    assert 'data-kind="red_flag"' in banner and 'data-kind="herb_drug"' not in safety
    ok, text = h.s.status()
    assert not ok and "knowledge graph unavailable" in text
    assert "tcm build" in h.open_entity("herb:丹参")[0] and "tcm build" in h.cypher("MATCH (n) RETURN n", "")[0]


def test_a_failing_model_falls_back_to_the_grounded_generator(embedded_store, tmp_path):
    from tcm.generation.base import Generator

    class Broken(Generator):
        info = GeneratorInfo(backend="openai", model="m")

        def stream(self, prompt):
            raise TCMError("the model server at http://127.0.0.1:9 failed: connection refused")
            yield ""

    h = Handlers(Services(store=embedded_store, generator=Broken()), tmp_path)
    history, _, safety, *_ = last(h.chat("Is danshen safe?", [], ["warfarin"], False, False))
    msg = history[-1]["content"]
    assert "丹参" in msg and "grounded fallback" in msg and "openai failed" in msg
    assert 'data-kind="herb_drug"' in safety


def test_no_chat_content_is_logged(handlers, caplog):
    secret = "Is danshen safe for patient Zhang San?"
    with caplog.at_level(logging.DEBUG):
        last(handlers.chat(secret, [], ["warfarin"], True, False))
    assert "Zhang San" not in caplog.text and "danshen" not in caplog.text.lower()


# ------------------------------------------------------------------ explorer


def test_herb_card(handlers):
    card, net = handlers.open_entity("herb:丹参")
    assert 'data-label="Herb"' in card and "Salviae Miltiorrhizae Radix et Rhizoma" in card
    assert "10–15 g" in card and "不宜与藜芦同用" in card  # dose and cautions
    assert "Formulas it appears in" in card and 'data-entity="formula:天王补心丹"' in card
    assert 'data-entity="drug:warfarin"' in card  # interactions
    assert "<svg" in net and 'data-entity="formula:天王补心丹"' in net


def test_formula_card_has_composition_with_doses_and_roles(handlers):
    card, _ = handlers.open_entity("formula:麻黄汤")
    table = card[card.index("tcm-composition"):]
    expected = (("麻黄", "9 g", "君"), ("桂枝", "6 g", "臣"), ("苦杏仁", "6 g", "佐"), ("甘草", "3 g", "使"))
    for herb, dose, role in expected:
        row = table[table.index(f'data-entity="herb:{herb}"'):]
        row = row[:row.index("</tr>")]
        assert dose in row and role in row
    assert "外感风寒表实证" in card and "《伤寒论》" in card and "恶寒发热" in card  # indications, source


def test_formula_card_says_how_to_import_the_classics_when_absent(handlers):
    card, _ = handlers.open_entity("formula:麻黄汤")
    section = card[card.index("tcm-classics"):]
    section = section[:section.index("</div></div>")]
    assert "Classical sources" in section and "run `tcm classics import`" in section


def test_syndrome_drug_and_source_cards(handlers):
    card, _ = handlers.open_entity("syndrome:外感风寒表实证")
    assert 'data-entity="formula:麻黄汤"' in card and 'data-entity="symptom:无汗而喘"' in card
    card, _ = handlers.open_entity("drug:warfarin")
    assert "华法林" in card and "Coumadin" in card and 'data-entity="herb:丹参"' in card
    card, _ = handlers.open_entity("chp-2010")
    assert 'data-label="Source"' in card and "2010" in card
    assert "no graph entry" in handlers.open_entity("herb:不存在")[0]


@pytest.mark.parametrize("name, expected", [("gan cao", "herb:甘草"), ("Glycyrrhizae Radix et Rhizoma", "herb:甘草"),
                                            ("麻黃湯", "formula:麻黄汤"), ("Ephedra Decoction", "formula:麻黄汤")])
def test_search_any_name_form(handlers, name, expected):
    results, card, _ = handlers.search(name)
    assert f'data-entity="{expected}"' in results and f'data-entity-id="{expected}"' in card


def test_search_nothing_found(handlers):
    assert "Nothing found" in handlers.search("zzzz-not-a-name")[0]


def test_link_click_opens_the_explorer(handlers):
    import gradio as gr

    tabs, query, card, _ = handlers.open_from_event(gr.EventData(None, {"entity": "herb:丹参"}))
    assert tabs.selected == "explorer" and query == "丹参" and 'data-entity-id="herb:丹参"' in card


def test_cypher_table_and_clear_errors(handlers):
    err, table, info = handlers.cypher("MATCH (f:Formula {name_zh:'麻黄汤'})-[c:CONTAINS]->(h:Herb) "
                                       "RETURN h.name_zh, c.dose_g ORDER BY h.name_zh", "")
    assert err == "" and table["headers"] == ["h.name_zh", "c.dose_g"] and len(table["data"]) == 4
    assert "4 rows" in info and "read-only" in info
    err, table, _ = handlers.cypher("MATCH (h:Herb) WHERE h.name_zh = $n RETURN h.dose_max_g", '{"n": "甘草"}')
    assert table["data"] == [["10.0"]]
    for q, p in (("MATCH (h:Herb) SET h.x = 1 RETURN h", ""), ("CREATE (:Herb {id: 'x'})", ""),
                 ("MATCH (n RETURN n", ""), ("MATCH (n) RETURN n; MATCH (m) RETURN m", ""), ("", ""),
                 ("MATCH (n) RETURN n", "{not json"), ("MATCH (n) RETURN n", "[1]")):
        err, table, info = handlers.cypher(q, p)
        assert 'class="tcm-error"' in err and table["data"] == [] and info == "", q


# ------------------------------------------------------------------ batch


def test_batch_analysis_writes_results_and_report(handlers, tmp_path):
    pytest.importorskip("scipy", reason="batch analysis needs the analysis extra")
    src = tmp_path / "rx.csv"
    src.write_text("id,prescription\n1,麻黄9g，桂枝6g，杏仁6g，甘草3g\n2,甘草6g，海藻9g\n3,not a herb\n",
                   encoding="utf-8")
    ticks = []
    summary, results, report, preview = handlers.analyze(str(src), "jsonl", "", lambda *a, **k: ticks.append(a))
    assert 'data-rows="3"' in summary and "2 ok" in summary and "1 error" in summary
    rows = [json.loads(x) for x in file_of(results).read_text(encoding="utf-8").splitlines()]
    assert [r["row"] for r in rows] == [1, 2, 3] and rows[0]["matches"][0]["name_zh"] == "麻黄汤"
    assert file_of(report).read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    assert [r[1] for r in preview["data"]] == ["ok", "ok", "error"] and ticks
    summary, results, _, preview = handlers.analyze(str(src), "csv", "prescription", None)
    assert file_of(results).suffix == ".csv" and preview["data"][0][3] == "麻黄汤"
    src.write_text("rx,meds,preg\n丹参15g,Coumadin,是\n", encoding="utf-8")
    _, results, _, _ = handlers.analyze(str(src), "jsonl", "rx", None, drugs_column="meds", pregnant_column="preg")
    row = json.loads(file_of(results).read_text(encoding="utf-8"))
    assert row["drugs"] == ["warfarin"] and "herb_drug" in {f["kind"] for f in row["findings"]}


def test_batch_errors_are_messages(handlers, tmp_path):
    assert "Upload" in handlers.analyze(None, "jsonl", "", None)[0]
    bad = tmp_path / "rx.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    assert 'class="tcm-error"' in handlers.analyze(str(bad), "jsonl", "nope", None)[0]


# ------------------------------------------------------------------ app, launch, CLI


def test_blocks_expose_the_api_the_load_test_uses(services, handlers):
    demo = build_app(services, handlers)
    public = {d.get("api_name") for d in demo.config["dependencies"] if d.get("api_visibility") == "public"}
    assert {"chat", "search", "cypher", "analyze", "diagnose"} <= public


def test_diagnose_panel(handlers):
    html, doc = handlers.diagnose("失眠多梦，心悸健忘，舌红少苔，脉细数", [], False)
    assert "心阴虚证" in html and 'data-entity="formula:天王补心丹"' in html and "【辨证】" in html
    assert doc["formulas"][0]["name_zh"] == "天王补心丹" and doc["syndromes"][0]["code"] == "B04.01.01.03.03"
    html, doc = handlers.diagnose("   ", [], False)
    assert "tcm-error" in html and doc == {}


def test_parse_auth():
    assert parse_auth(None) is None and parse_auth("ann:s3:cret") == ("ann", "s3:cret")
    for bad in ("ann", ":x", "ann:"):
        with pytest.raises(TCMError):
            parse_auth(bad)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_launch_binds_localhost_with_a_queue_and_auth(services):
    lines: list[str] = []
    port = _free_port()
    demo = launch(port=port, auth="ann:secret", concurrency=3, services=services, say=lines.append, block=False)
    try:
        assert demo.server_name == "127.0.0.1" and demo.server_port == port
        assert demo._queue.default_concurrency_limit == 3
        assert any(f"http://127.0.0.1:{port}/" in x for x in lines)
        with pytest.raises(urllib.error.HTTPError) as e:  # the API needs a login
            urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=10)
        assert e.value.code == 401
    finally:
        demo.close()


def test_cli_app_help_and_missing_gradio():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    p = subprocess.run([sys.executable, "-m", "tcm.cli", "app", "--help"], capture_output=True, text=True, cwd=REPO,
                       env=env, timeout=120)
    assert p.returncode == 0 and "--host" in p.stdout and "--auth" in p.stdout and "--port" in p.stdout
    hide = ("import sys; sys.modules['gradio'] = None; "  # import gradio now raises ImportError
            "sys.argv = ['tcm', 'app']; from tcm.cli import main; main()")
    p = subprocess.run([sys.executable, "-c", hide], capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert p.returncode == 1
    assert p.stderr.strip().splitlines() == ["error: tcm app needs gradio: pip install 'tcm[app]'"]
