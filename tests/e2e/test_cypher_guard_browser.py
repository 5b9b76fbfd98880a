"""The Cypher box in a real headless Chromium against `tcm app` (issue 11): an attack is refused with the clause
named, and a runaway query in one session ends at its time limit while a second session is answered meanwhile."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from _serve import serve_app

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI") == "true"
TIMEOUT_S = 4  # the app's query time limit in this test (TCM_QUERY_TIMEOUT)

if not CHROMIUM.exists():
    if IN_CI:
        pytest.fail(f"{CHROMIUM} is missing in CI: apt-get install -y chromium", pytrace=False)
    pytest.skip(f"{CHROMIUM} not found: apt-get install -y chromium to run the browser tests", allow_module_level=True)
try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:
    if IN_CI:
        pytest.fail("the playwright package is missing in CI: pip install -e '.[dev]'", pytrace=False)
    pytest.skip("the playwright package is not installed: pip install -e '.[dev]'", allow_module_level=True)
pytest.importorskip("gradio", reason="the app needs gradio: pip install -e '.[app]'")


@pytest.fixture(scope="module")
def app_url(graph_data, tmp_path_factory):
    with serve_app(graph_data, tmp_path_factory.mktemp("guard-app-data"),
                   tmp_path_factory.mktemp("guard-app-log") / "app.log",
                   env_extra={"TCM_QUERY_TIMEOUT": str(TIMEOUT_S)}) as url:
        yield url


def _open(browser, url: str) -> Page:
    pg = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US").new_page()
    pg.set_default_timeout(30_000)
    pg.goto(url)
    pg.get_by_role("tab", name=re.compile("Graph explorer")).click()
    expect(pg.locator("#tcm-cypher textarea")).to_be_visible(timeout=30_000)
    return pg


def _run(pg: Page, query: str) -> None:
    pg.locator("#tcm-cypher textarea").fill(query)
    pg.locator("#tcm-cypher-run").click()


def test_cypher_box_refuses_attacks_and_survives_a_runaway_query(app_url, tmp_path):
    target = tmp_path / "out.csv"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            one, two = _open(browser, app_url), _open(browser, app_url)
            _run(one, f"/* a comment first */ COPY (MATCH (h:Herb) RETURN h.id) TO '{target}'")
            refused = one.locator("#tcm-cypher-error .tcm-error")
            expect(refused).to_contain_text("not allowed in a read-only query: COPY")
            assert not target.exists()
            _run(one, "MATCH (a), (b), (c) WHERE a.id + b.id + c.id = 'none' RETURN count(*)")
            time.sleep(0.5)
            t0 = time.monotonic()
            _run(two, "MATCH (f:Formula {name_zh:'麻黄汤'})-[c:CONTAINS]->(h:Herb) RETURN type(c), h.name_zh")
            expect(two.locator("#tcm-cypher-info")).to_contain_text("4 rows", timeout=TIMEOUT_S * 1000)
            expect(two.locator("#tcm-cypher-table")).to_contain_text("CONTAINS")
            answered = time.monotonic() - t0
            expect(one.locator("#tcm-cypher-error .tcm-error")).to_contain_text("time limit",
                                                                                   timeout=(TIMEOUT_S + 10) * 1000)
            assert answered < TIMEOUT_S
        finally:
            browser.close()
