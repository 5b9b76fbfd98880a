"""One way to start `tcm app` for the browser tests: a freshly built graph, a free port, the log kept."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    """End a server process: politely, then by force."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)


@contextlib.contextmanager
def serve_app(graph_data, data: Path, log_path: Path, env_extra: dict[str, str] | None = None,
              start_timeout_s: float = 120) -> Iterator[str]:
    """Build ``graph_data`` into ``data``, run `tcm app` on it (grounded, embedded) and yield its URL."""
    from tcm.kg.embedded import EmbeddedStore

    store = EmbeddedStore(data / "graph.lbug")
    store.build(graph_data)
    store.close()
    port = free_port()
    env = {**os.environ, "TCM_DATA_DIR": str(data), "TCM_BACKEND": "embedded", "TCM_GENERATOR": "grounded",
           "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONPATH": str(REPO), **(env_extra or {})}
    env.pop("TCM_GENERATION_CONFIG", None)
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen([sys.executable, "-m", "tcm.cli", "app", "--port", str(port)], cwd=REPO, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + start_timeout_s
        try:
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"tcm app exited with {proc.returncode}: {log_path.read_text()[-2000:]}")
                try:
                    with urllib.request.urlopen(url + "config", timeout=5) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"tcm app did not answer on {url} within {start_timeout_s} s")
                time.sleep(0.3)
            yield url
        finally:
            stop(proc)
