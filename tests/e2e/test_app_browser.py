"""The app in a real browser: Playwright for Python driving Debian's chromium, headless.

The app runs as `tcm app` in a subprocess on a free localhost port, over a graph built into a
temporary TCM_DATA_DIR (grounded generator, no retrieval index: nothing to download). Screenshots
go to test-artifacts/e2e-app/ (or $TCM_TEST_ARTIFACTS); the folder is printed at the end.

Chromium comes from Debian (`apt-get install chromium`; scripts/test.sh installs it when it can):
never `playwright install`. Without /usr/bin/chromium the tests skip, except in CI (CI=true),
where they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from _serve import serve_app

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
IN_CI = os.environ.get("CI") == "true"
START_TIMEOUT_S = 120
STEP_TIMEOUT_MS = 30_000

if not CHROMIUM.exists():
    if IN_CI:
        pytest.fail(f"{CHROMIUM} is missing in CI: install Debian's chromium (apt-get install -y chromium)",
                    pytrace=False)
    pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run the browser "
                "tests", allow_module_level=True)
try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:
    if IN_CI:
        pytest.fail("the playwright package is missing in CI: pip install -e '.[dev]'", pytrace=False)
    pytest.skip("the playwright package is not installed: pip install -e '.[dev]'", allow_module_level=True)
try:
    import gradio  # noqa: F401
except ImportError:
    if IN_CI:
        pytest.fail("gradio is missing in CI: pip install -e '.[dev]'", pytrace=False)
    pytest.skip("gradio is not installed: pip install -e '.[app]'", allow_module_level=True)


@pytest.fixture(scope="module")
def artifacts(request) -> Path:
    folder = Path(os.environ.get("TCM_TEST_ARTIFACTS") or REPO / "test-artifacts") / "e2e-app"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"browser test screenshots: {folder}")
    yield folder
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is not None:
        with capture.global_and_fixture_disabled():
            print(f"\nbrowser test screenshots and downloads: {folder}")


@pytest.fixture(scope="module")
def app_url(graph_data, tmp_path_factory, artifacts) -> str:
    """`tcm app` on a free port over a freshly built graph; stopped after the module."""
    with serve_app(graph_data, tmp_path_factory.mktemp("app-data"), artifacts / "app.log",
                   start_timeout_s=START_TIMEOUT_S) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url) -> Page:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="en-US")
    pg = ctx.new_page()
    pg.set_default_timeout(STEP_TIMEOUT_MS)
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    pg.goto(app_url)
    expect(pg.locator("#tcm-question textarea")).to_be_visible()
    yield pg
    ctx.close()


def ask(page: Page, question: str) -> None:
    page.locator("#tcm-question textarea").fill(question)
    page.locator("#tcm-question textarea").press("Enter")


def add_drug(page: Page, typed: str, option: str) -> None:
    box = page.locator("#tcm-drugs input")
    box.click()
    box.fill(typed)
    page.get_by_role("option", name=re.compile("^" + re.escape(option))).click()
    box.press("Escape")


def test_danshen_answer_with_citation_and_warfarin_finding(page, artifacts):
    add_drug(page, "Coumadin", "warfarin · 华法林")
    expect(page.locator("#tcm-drugs-note")).to_contain_text("warfarin")
    ask(page, "Is danshen safe for my patient?")
    finding = page.locator("#tcm-safety [data-kind=herb_drug]").first
    expect(finding).to_be_visible()
    expect(finding).to_contain_text("warfarin")
    expect(finding).to_contain_text("丹参")
    expect(finding.locator("a.tcm-src").first).to_be_visible()  # evidence links
    chat = page.locator("#tcm-chat")
    expect(chat).to_contain_text("丹参")
    expect(chat).to_contain_text("[1]")
    expect(chat).to_contain_text("Generator · 生成器: grounded")
    expect(page.locator("#tcm-citations a.tcm-cite").first).to_contain_text("丹参")
    expect(page.locator("#tcm-banner [data-kind=red_flag]")).to_have_count(0)
    page.screenshot(path=str(artifacts / "01-chat-danshen-warfarin.png"), full_page=True)


def test_open_a_citation(page, artifacts):
    ask(page, "丹参的功效是什么？")
    cite = page.locator("#tcm-citations a.tcm-cite").first
    expect(cite).to_be_visible()
    cite.click()  # in place: the explorer tab opens on the cited entry
    card = page.locator("#tcm-card [data-entity-id='herb:丹参']")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Salviae Miltiorrhizae Radix et Rhizoma")
    expect(card).to_contain_text("Formulas it appears in")
    expect(page.locator("#tcm-network svg a.tcm-node").first).to_be_visible()
    page.screenshot(path=str(artifacts / "02-citation-opened.png"), full_page=True)
    # the link under the answer in the chat opens the same entry in a new browser tab
    page.get_by_role("tab", name=re.compile("Chat")).click()
    with page.context.expect_page() as new_tab:
        page.locator("#tcm-chat a[href*='entity=herb']").first.click()
    tab = new_tab.value
    expect(tab.locator("#tcm-card [data-entity-id='herb:丹参']")).to_be_visible()
    tab.screenshot(path=str(artifacts / "03-citation-new-tab.png"), full_page=True)


def test_red_flag_banner_in_chinese(page, artifacts):
    page.locator("#tcm-pregnant input").check()
    ask(page, "我胸口痛，还能吃丹参吗？")
    banner = page.locator("#tcm-banner [data-kind=red_flag]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("紧急")
    expect(page.locator("#tcm-safety [data-severity=critical]")).to_be_visible()
    expect(page.locator("#tcm-chat")).to_contain_text("120")  # urgent-care guidance, not an answer from the graph
    expect(page.locator("#tcm-chat")).not_to_contain_text("根据知识图谱")
    page.screenshot(path=str(artifacts / "04-red-flag-banner.png"), full_page=True)


def test_cypher_query_and_error(page, artifacts):
    page.get_by_role("tab", name=re.compile("Graph explorer")).click()
    page.locator("#tcm-cypher textarea").fill(
        "MATCH (f:Formula {name_zh:'麻黄汤'})-[c:CONTAINS]->(h:Herb) RETURN h.name_zh, c.dose_g, c.role")
    page.locator("#tcm-cypher-run").click()
    table = page.locator("#tcm-cypher-table")
    expect(table).to_contain_text("麻黄")
    expect(table).to_contain_text("苦杏仁")
    expect(page.locator("#tcm-cypher-info")).to_contain_text("4 rows")
    page.screenshot(path=str(artifacts / "05-cypher.png"), full_page=True)
    page.locator("#tcm-cypher textarea").fill("MATCH (h:Herb) SET h.name_zh = 'x' RETURN h")
    page.locator("#tcm-cypher-run").click()
    expect(page.locator("#tcm-cypher-error .tcm-error")).to_contain_text("read-only")
    page.screenshot(path=str(artifacts / "06-cypher-error.png"), full_page=True)
    page.locator("#tcm-ent-query textarea").fill("Ephedra Decoction")
    page.locator("#tcm-ent-query textarea").press("Enter")
    expect(page.locator("#tcm-card .tcm-composition")).to_contain_text("君")


def test_batch_upload_and_download(page, artifacts, tmp_path):
    pytest.importorskip("scipy", reason="batch analysis needs the analysis extra")
    src = tmp_path / "prescriptions.csv"
    src.write_text("id,prescription\nA,麻黄9g，桂枝6g，杏仁6g，甘草3g\nB,甘草6g，海藻9g\nC,not a herb\n",
                   encoding="utf-8")
    page.get_by_role("tab", name=re.compile("Batch analysis")).click()
    page.locator("#tcm-upload input[type=file]").set_input_files(str(src))
    # gradio shows the stem and the extension in two spans: the text may read "prescriptions .csv"
    expect(page.locator("#tcm-upload")).to_contain_text(re.compile(r"prescriptions\s*\.csv"))
    page.locator("#tcm-batch-run").click()
    expect(page.locator("#tcm-batch-summary")).to_contain_text("3 rows")
    expect(page.locator("#tcm-dl-results")).to_be_visible()
    with page.expect_download() as dl:
        page.locator("#tcm-dl-results").click()
    results = artifacts / dl.value.suggested_filename
    dl.value.save_as(results)
    rows = [json.loads(x) for x in results.read_text(encoding="utf-8").splitlines()]
    assert [r["row"] for r in rows] == [1, 2, 3] and [r["status"] for r in rows] == ["ok", "ok", "error"]
    assert rows[0]["matches"][0]["name_zh"] == "麻黄汤"
    with page.expect_download() as dl:
        page.locator("#tcm-dl-report").click()
    report = artifacts / dl.value.suggested_filename
    dl.value.save_as(report)
    assert "<html" in report.read_text(encoding="utf-8")[:500].lower()
    expect(page.locator("#tcm-batch-preview")).to_contain_text("麻黄汤")
    page.screenshot(path=str(artifacts / "07-batch.png"), full_page=True)


def test_diagnose_tab_and_clinical_chat(page, artifacts):
    page.get_by_role("tab", name=re.compile("Diagnose")).click()
    page.locator("#tcm-dx-text textarea").fill("失眠多梦，心悸健忘，舌红少苔，脉细数")
    page.locator("#tcm-dx-go").click()
    out = page.locator("#tcm-dx-out")
    expect(out).to_contain_text("【辨证】心阴虚证")
    expect(out).to_contain_text("B04.01.01.03.03")
    expect(out.locator("a[data-entity='formula:天王补心丹']").first).to_be_visible()
    page.screenshot(path=str(artifacts / "07-diagnose-tab.png"), full_page=True)
    page.get_by_role("tab", name=re.compile("Chat")).click()
    ask(page, "What formula treats wind-cold exterior excess with no sweating?")
    chat = page.locator("#tcm-chat")
    expect(chat).to_contain_text("Formula: 麻黄汤")
    expect(chat).to_contain_text("Differentiation: 太阳伤寒证")
    page.screenshot(path=str(artifacts / "08-chat-clinical-reply.png"), full_page=True)
