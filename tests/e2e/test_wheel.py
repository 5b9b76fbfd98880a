"""The wheel is self-contained: built from the source tree, installed into a clean venv outside the repository,
it builds the graph and the index, checks, searches and serves the app with no checkout in sight.

The clean venv gets the wheel with ``--no-deps``; its dependencies come from this environment's
site-packages through a ``.pth`` file (plain paths: no editable finder of the checkout is loaded), so
the test takes seconds instead of a fresh download of every dependency. It asserts that ``tcm`` and
``tcm.app`` are imported from the venv, and it runs from a temporary working directory with a
temporary home, so the user data directory (platformdirs) is where the graph goes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from _serve import free_port, stop

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 300


def _setuptools_is_recent() -> bool:
    try:
        import setuptools
    except ImportError:
        return False
    return int(setuptools.__version__.split(".")[0]) >= 77


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    build = tmp_path_factory.mktemp("build")
    # --no-build-isolation when this environment has the setuptools pyproject.toml asks for (the dev extra does)
    isolation = ["--no-build-isolation"] if _setuptools_is_recent() else []
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-w", str(out), str(REPO)],
                       capture_output=True, text=True, timeout=TIMEOUT_S, cwd=build,
                       env={**os.environ, "PIP_NO_INPUT": "1"})
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    shutil.rmtree(REPO / "build", ignore_errors=True)  # setuptools' scratch folder in the source tree
    (whl,) = out.glob("tcm-*.whl")
    return whl


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("clean-venv")
    assert REPO not in root.parents
    v = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(v)], check=True, timeout=TIMEOUT_S)
    site = next((v / "lib").glob("python3*/site-packages"))
    deps = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (site / "zz_dependencies.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "pip", "--python", str(v / "bin" / "python"), "install", "--no-deps",
                        "--no-index", str(wheel)], capture_output=True, text=True, timeout=TIMEOUT_S)
    assert p.returncode == 0, p.stderr[-2000:]
    return v


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("home")
    e = {k: v for k, v in os.environ.items() if not k.startswith("TCM_") and k != "PYTHONPATH"}
    # a small fast embedder keeps the build short; the default embedder is tested in tests/unit/test_retrieval.py
    return {**e, "HOME": str(home), "XDG_DATA_HOME": str(home / "share"), "TCM_EMBEDDER": "hash",
            "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}


def _run(venv: Path, env: dict, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "tcm"), *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=TIMEOUT_S)


def test_the_installed_package_is_the_wheel(venv, env, tmp_path):
    code = ("import tcm, tcm.resources as r; from tcm.app import main; "
            "print(tcm.__file__); print(main.__file__); "
            "print(r.resource_dir('corpora')); print(r.resource_dir('evals'))")
    p = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, env=env,
                       cwd=tmp_path, timeout=TIMEOUT_S)
    assert p.returncode == 0, p.stderr
    paths = [Path(x) for x in p.stdout.split()]
    assert len(paths) == 4
    for x in paths:
        assert venv in x.parents, f"{x} is not inside the clean venv"
    assert (paths[2] / "sources.yaml").is_file() and (paths[3] / "safety" / "cases.jsonl").is_file()


def test_build_check_search_eval_and_app_from_the_wheel(venv, env, tmp_path):
    data = Path(env["XDG_DATA_HOME"]) / "tcm"
    b = _run(venv, env, tmp_path, "build", "--json")
    assert b.returncode == 0, b.stderr[-2000:]
    built = json.loads(b.stdout)
    assert built["corpus"]["herbs"] > 500 and built["retrieval"]["passages"] > 1000
    assert (data / "graph.lbug").exists() and (data / "retrieval" / "manifest.json").is_file()

    c = _run(venv, env, tmp_path, "check", "--herbs", "甘草 6g，甘遂 3g", "--json")
    assert c.returncode == 0, c.stderr
    assert any(f["kind"] == "incompatibility_18" for f in json.loads(c.stdout)["findings"])

    s = _run(venv, env, tmp_path, "search", "黄芪", "--json")
    assert s.returncode == 0, s.stderr
    assert json.loads(s.stdout)["hits"][0]["id"] == "herb:黄芪"

    g = _run(venv, env, tmp_path, "graph", "composition", "麻黄汤", "--json")
    assert g.returncode == 0, g.stderr
    assert {"麻黄", "桂枝", "苦杏仁", "甘草"} <= {i["herb"] for i in json.loads(g.stdout)["composition"]}

    e = _run(venv, env, tmp_path, "eval", "--suite", "safety", "--out-dir", str(tmp_path / "report"), "--json")
    assert e.returncode == 0, e.stderr[-2000:]
    assert json.loads(e.stdout)["suites"]["safety"]["cases"] > 500  # the cases ship inside the wheel

    port = free_port()
    log = (tmp_path / "app.log").open("w", encoding="utf-8")
    proc = subprocess.Popen([str(venv / "bin" / "tcm"), "app", "--port", str(port)], cwd=tmp_path,
                            env={**env, "PYTHONUNBUFFERED": "1"},
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline, page = time.monotonic() + 180, ""
        while not page:
            assert proc.poll() is None, (tmp_path / "app.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "tcm app did not answer in 180 s"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    page = r.read().decode("utf-8", "replace")
            except OSError:
                time.sleep(0.5)
        assert "gradio" in page.lower()
        while f"http://127.0.0.1:{port}/" not in (tmp_path / "app.log").read_text():  # the app prints its URL
            assert time.monotonic() < deadline, "tcm app never printed its URL"
            time.sleep(0.3)
    finally:
        stop(proc)
        log.close()
