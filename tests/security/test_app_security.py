"""The app's Cypher box: hostile queries refused through the handlers and over HTTP (the public `cypher` API),
an uploaded file unreachable from a query, a runaway query stopped at its limit while other sessions keep being
answered, and the login password readable from a file or the environment instead of the command line."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

pytest.importorskip("gradio", reason="the app needs gradio: pip install -e '.[app]'")

from hostile_corpus import Canaries, Paths, hostile  # noqa: E402

from app.main import Handlers, launch  # noqa: E402
from app.services import Services  # noqa: E402
from tcm.generation import GroundedGenerator  # noqa: E402
from tcm.kg.worker import GRACE_S  # noqa: E402
from tcm.types import QueryLimits  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CROSS = "MATCH (a), (b), (c) WHERE a.id + b.id + c.id = 'none' RETURN count(*)"
BASELINE = "MATCH (h:Herb {name_zh: '甘草'}) RETURN h.nature"
APP_PORT = int(os.environ.get("TCM_TEST_APP_PORT", "0"))


@pytest.fixture(scope="module", autouse=True)
def no_retrieval_index(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TCM_DATA_DIR", str(tmp_path_factory.mktemp("empty-data")))
        yield


@pytest.fixture(scope="module")
def services(embedded_store):
    return Services(store=embedded_store, generator=GroundedGenerator())


@pytest.fixture
def short_limits(embedded_store, monkeypatch):
    monkeypatch.setattr(embedded_store, "limits", QueryLimits(timeout_s=3))


def test_handlers_refuse_the_hostile_corpus(services, tmp_path):
    h = Handlers(services, tmp_path)
    paths = Paths(str(tmp_path / "r.csv"), str(tmp_path / "x.so"), str(tmp_path / "o.csv"), str(tmp_path / "d"))
    for _, q in hostile(paths):
        err, table, info = h.cypher(q, "")
        assert 'class="tcm-error"' in err and table["data"] == [] and info == "", q
    assert not any(Path(p).exists() for p in (paths.out, paths.outdir))
    err, table, _ = h.cypher(BASELINE, "")
    assert err == "" and table["data"] == [["平"]]


def test_runaway_query_stops_while_other_sessions_are_answered(services, tmp_path, short_limits):
    h = Handlers(services, tmp_path)
    h.search("甘草")  # warm: the name index is built once per process
    out: dict[str, object] = {}

    def runaway():
        t0 = time.monotonic()
        out["result"] = h.cypher(CROSS, "")
        out["seconds"] = time.monotonic() - t0

    t = threading.Thread(target=runaway)
    t.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    err, table, _ = h.cypher(BASELINE, "")  # another session's query
    results, _, _ = h.search("甘草")  # and another session's lookup
    answered = time.monotonic() - t0
    assert err == "" and table["data"] == [["平"]] and "甘草" in results
    assert t.is_alive(), "the runaway query should still be running while the others were answered"
    t.join(30)
    err, table, _ = out["result"]
    assert "time limit" in err and table["data"] == []
    assert answered < 2 and out["seconds"] < 3 + GRACE_S


# ------------------------------------------------------------------ over HTTP


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(base: str, api: str, data: list) -> list:
    req = urllib.request.Request(f"{base}gradio_api/call/{api}", data=json.dumps({"data": data}).encode(),
                                 headers={"Content-Type": "application/json"})
    event = json.load(urllib.request.urlopen(req, timeout=30))["event_id"]
    with urllib.request.urlopen(f"{base}gradio_api/call/{api}/{event}", timeout=60) as r:
        text = r.read().decode()
    for block in text.split("\n\n"):
        if block.startswith("event: complete"):
            return json.loads(block.split("data:", 1)[1])
    raise AssertionError(text[:500])


def _upload(base: str, name: str, content: bytes) -> str:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(f"{base}gradio_api/upload", data=body,
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    return json.load(urllib.request.urlopen(req, timeout=30))[0]


@pytest.fixture(scope="module")
def app_base(services):
    demo = launch(port=APP_PORT or _free_port(), services=services, say=lambda m: None, block=False)
    yield f"http://127.0.0.1:{demo.server_port}/"
    demo.close()


def test_http_cypher_refuses_file_access_to_an_uploaded_file(app_base, tmp_path):
    server_path = _upload(app_base, "patients.csv", b"name\nsecret-patient\n")
    assert Path(server_path).is_file()  # the upload endpoint does tell the path: nothing may use it
    out_path = tmp_path / "stolen.csv"
    for q in (f"/**/ LOAD FROM '{server_path}' RETURN *",
              f"MATCH (h:Herb) WITH h LOAD CSV FROM 'file://{server_path}' AS l RETURN l",
              f"/**/ LOAD EXTENSION '{server_path}'",
              f"UNWIND [1] AS x COPY (MATCH (h:Herb) RETURN h.id) TO '{out_path}'",
              f"RETURN 1; ATTACH '{server_path}' AS x (dbtype lbug)"):
        err, table, info = _call(app_base, "cypher", [q, ""])
        assert "tcm-error" in err and "not allowed" in err or "more than one statement" in err, (q, err)
        assert "secret-patient" not in json.dumps(table, ensure_ascii=False)
    assert not out_path.exists()
    err, table, _ = _call(app_base, "cypher", [BASELINE, ""])
    assert err == "" and table["data"] == [["平"]]


def test_http_cypher_refuses_the_whole_hostile_corpus(app_base, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    canaries = Canaries(tmp_path)
    queries = [q for _, q in hostile(canaries.paths)]
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda q: _call(app_base, "cypher", [q, ""]), queries))
    for q, (err, table, info) in zip(queries, replies, strict=True):
        assert "tcm-error" in err and table["data"] == [] and info == "", q[:200]
    canaries.check()
    assert _call(app_base, "cypher", [BASELINE, ""])[1]["data"] == [["平"]]


def test_http_app_answers_while_a_runaway_query_runs(app_base, short_limits):
    out: dict[str, object] = {}
    t = threading.Thread(target=lambda: out.setdefault("r", _call(app_base, "cypher", [CROSS, ""])))
    t.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    err, table, _ = _call(app_base, "cypher", [BASELINE, ""])
    assert err == "" and table["data"] == [["平"]] and time.monotonic() - t0 < 2
    assert t.is_alive()
    t.join(30)
    assert "time limit" in out["r"][0]


# ------------------------------------------------------------------ the login password


def test_auth_password_from_a_file_not_the_command_line(tmp_path):
    secret = tmp_path / "auth"
    secret.write_text("ann:s3cret-from-file\n", encoding="utf-8")
    code = ("import sys\nfrom tcm.resources import app_module\nm = app_module('main')\n"
            "def fake(host, port, auth, *a, **k):\n"
            "    print('AUTH', auth)\n"
            "m.launch = fake\n"
            "sys.argv = ['tcm', 'app', '--auth-file', sys.argv[1]]\n"
            "from tcm.cli import main; main()\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("TCM_APP_AUTH", None)
    p = subprocess.run([sys.executable, "-c", code, str(secret)], capture_output=True, text=True, cwd=REPO, env=env,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    assert "AUTH ann:s3cret-from-file" in p.stdout
    p = subprocess.run([sys.executable, "-c", code, str(tmp_path / "missing")], capture_output=True, text=True,
                       cwd=REPO, env=env, timeout=120)
    assert p.returncode == 1 and p.stderr.strip().startswith("error: --auth-file") and "Traceback" not in p.stderr
