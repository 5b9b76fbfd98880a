"""The app as it looks and as programs call it: Chinese renders with real glyphs (no tofu boxes), labels do not
overlap what they label, and the named API endpoints answer through gradio_client.

Runs `tcm app` like test_app_browser.py (its own instance, a graph in a temporary TCM_DATA_DIR, the grounded
generator) and drives Debian's chromium. The glyph check needs a CJK font on the machine: scripts/test.sh
installs fonts-noto-cjk (apt-get, when root), as it installs chromium.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _serve import serve_app

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
IN_CI = os.environ.get("CI") == "true"

if not CHROMIUM.exists():
    if IN_CI:
        pytest.fail(f"{CHROMIUM} is missing in CI: apt-get install -y chromium", pytrace=False)
    pytest.skip(f"{CHROMIUM} not found: apt-get install -y chromium", allow_module_level=True)
try:
    import gradio_client
    from playwright.sync_api import sync_playwright
except ImportError as e:
    if IN_CI:
        pytest.fail(f"{e.name} is missing in CI: pip install -e '.[dev]'", pytrace=False)
    pytest.skip(f"{e.name} is not installed: pip install -e '.[dev]'", allow_module_level=True)

# Draws characters on a canvas in the page's own font stack. A character no installed font covers is drawn as
# the same .notdef box (or nothing) whatever it is, so distinct CJK characters drawing identically, or like a
# private-use code point, means tofu.
GLYPHS_JS = """(chars) => {
  const font = getComputedStyle(document.querySelector('.gradio-container')).fontFamily;
  const c = document.createElement('canvas'); c.width = 48; c.height = 48;
  const g = c.getContext('2d');
  const draw = (ch) => { g.clearRect(0, 0, 48, 48); g.font = `32px ${font}`; g.fillStyle = '#000';
                         g.fillText(ch, 4, 38); return Array.from(g.getImageData(0, 0, 48, 48).data).join(''); };
  return {font, images: chars.map(draw), tofu: draw('\\ue000')};
}"""

# Every visible block label and what it must not cover: the chat's messages or placeholder, inputs, other labels.
OVERLAP_JS = """() => {
  const vis = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 &&
                       getComputedStyle(e).visibility !== 'hidden' ? r : null; };
  const labels = [...document.querySelectorAll('[data-testid="block-label"], label span, .block-label')]
    .map((e) => [e, vis(e)]).filter(([, r]) => r);
  const content = [...document.querySelectorAll('#tcm-chat .placeholder, #tcm-chat .message, textarea, input')]
    .map((e) => [e, vis(e)]).filter(([, r]) => r);
  const hit = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const out = [];
  for (const [le, lr] of labels) {
    for (const [ce, cr] of content) {
      if (le.contains(ce) || ce.contains(le)) continue;
      if (hit(lr, cr)) out.push(`${le.textContent.trim()} over ${ce.tagName}.${ce.className}`.slice(0, 160));
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def app_url(graph_data, tmp_path_factory):
    data = tmp_path_factory.mktemp("polish-data")
    with serve_app(graph_data, data, data / "app.log") as url:
        yield url


@pytest.fixture(scope="module")
def page(app_url):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        pg.set_default_timeout(30_000)
        pg.goto(app_url)
        pg.locator("#tcm-question textarea").wait_for()
        yield pg
        browser.close()


def test_chinese_renders_with_real_glyphs(page):
    chars = ["中", "医", "药", "问", "答", "甘", "草"]
    res = page.evaluate(GLYPHS_JS, chars)
    assert "Noto Sans CJK SC" in res["font"] and "Microsoft YaHei" in res["font"], res["font"]
    images = res["images"]
    blank = images[0].replace("0", "") == ""
    assert not blank, "a CJK character drew nothing: no font covers it"
    assert len(set(images)) == len(chars), f"distinct characters drew identical boxes (tofu) with {res['font']}"
    assert res["tofu"] not in images, "CJK characters drew like an uncovered code point (tofu)"
    # and the title's Chinese is drawn with a CJK font, as Chromium reports it
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": ".tcm-title h1"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    assert any("CJK" in f["familyName"] or "Han" in f["familyName"] or "Hei" in f["familyName"]
               for f in fonts), fonts


def test_no_label_overlaps_what_it_labels(page):
    assert page.evaluate(OVERLAP_JS) == []
    page.locator("#tcm-question textarea").fill("麻黄汤的组成是什么？")
    page.locator("#tcm-send").click()
    page.locator("#tcm-chat .message").first.wait_for()
    page.wait_for_timeout(500)
    assert page.evaluate(OVERLAP_JS) == []


def test_named_api_endpoints(app_url):
    client = gradio_client.Client(app_url, verbose=False)
    named = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/ask", "/check", "/diagnose", "/cypher", "/analyze"} <= named, named
    found = client.predict("失眠多梦，心悸健忘，舌红少苔，脉细数", "", False, api_name="/diagnose")
    assert found["formulas"][0]["name_zh"] == "天王补心丹", found["formulas"][:3]
    checked = client.predict("甘草6g，甘遂3g", "", False, False, "", api_name="/check")
    assert {f["kind"] for f in checked["findings"]} >= {"incompatibility_18"}
    pregnant = client.predict("附子 9g", "", True, False, "", api_name="/check")
    assert any(f["kind"] == "pregnancy" for f in pregnant["findings"])
    answer = client.predict("麻黄汤的组成是什么？", "", False, False, api_name="/ask")
    assert "桂枝" in answer["answer"] and answer["citations"]
    _error, table, _info = client.predict("MATCH (f:Formula {name_zh:'麻黄汤'})-[:CONTAINS]->(h:Herb) "
                                          "RETURN h.name_zh AS herb", "", api_name="/cypher")
    assert {"麻黄", "桂枝", "苦杏仁", "甘草"} <= {row[0] for row in table["data"]}
