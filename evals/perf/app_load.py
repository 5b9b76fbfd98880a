"""Load test of the web app: N concurrent chat sessions through gradio_client; p50/p95 latency and errors.

Run by hand (not a test): prints its figures (``--json`` for one JSON document).

    .venv/bin/python evals/perf/app_load.py                       # starts `tcm app` itself (grounded generator)
    .venv/bin/python evals/perf/app_load.py --url http://127.0.0.1:7860/ --sessions 20 --turns 5

Without ``--url`` the script starts ``tcm app`` on a free localhost port over the configured graph
(``TCM_DATA_DIR``; run ``tcm build`` first) with the grounded generator, and stops it at the end.
Every session is its own ``gradio_client.Client`` that asks ``--turns`` questions in a row through
the app's ``/chat`` endpoint (the one the chat box uses), carrying its conversation and a patient
(drugs, pregnancy) as a clinician would; all sessions start at the same instant. A request counts
as an error when it raises, times out, or comes back without an answer, a generator line or a safety
panel, or without the finding its question must produce (danshen + warfarin → herb_drug, chest pain →
red_flag). Latency is from submit to the final result, queueing in the app included.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from tcm.evaluation import machine

REPO = Path(__file__).resolve().parents[2]

# (question, drugs, pregnant, a marker the safety panel must contain)
QUESTIONS = [
    ("Is danshen safe for my patient?", ["warfarin"], False, 'data-kind="herb_drug"'),
    ("麻黄汤的组成是什么？", [], False, "tcm-safety"),
    ("附子和半夏可以一起用吗？", [], True, 'data-kind="incompatibility_18"'),
    ("What is Gui Zhi Tang used for?", ["digoxin"], False, "tcm-safety"),
    ("我胸口痛，还能吃丹参吗？", ["华法林"], False, 'data-kind="red_flag"'),
    ("Can a pregnant patient take 红花?", [], True, 'data-kind="pregnancy"'),
    ("甘草的药性？", ["Lanoxin"], False, "tcm-safety"),
    ("Which formulas treat 外感风寒表实证?", [], False, "tcm-safety"),
]


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(q / 100 * len(s) + 0.5)) - 1))
    return s[k]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(concurrency: int, log_path: Path) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    env = {**os.environ, "TCM_GENERATOR": "grounded", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    log = log_path.open("w", encoding="utf-8")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "tcm.cli", "app", "--port", str(port), "--concurrency",
                             str(concurrency)], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"tcm app exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "config", timeout=5) as r:
                if r.status == 200:
                    return proc, url, time.perf_counter() - t0
        except OSError:
            time.sleep(0.2)
        if time.perf_counter() - t0 > 300:
            proc.kill()
            raise SystemExit("tcm app did not start within 300 s")


def session(url: str, sid: int, turns: int, barrier: threading.Barrier, timeout: float, out: dict) -> None:
    from gradio_client import Client

    lat: list[float] = []
    errors: list[str] = []
    try:
        client = Client(url, verbose=False)
    except Exception as e:  # noqa: BLE001 - counted, reported
        barrier.wait()
        out[sid] = {"latencies": [], "errors": [f"connect: {type(e).__name__}: {e}"] * turns}
        return
    history: list = []
    barrier.wait()
    for t in range(turns):
        question, drugs, pregnant, marker = QUESTIONS[(sid + t) % len(QUESTIONS)]
        t0 = time.perf_counter()
        try:
            job = client.submit(question, history, drugs, pregnant, False, api_name="/chat")
            history, _box, safety, _banner, _cites = job.result(timeout=timeout)
            dt = time.perf_counter() - t0
            answer = json.dumps(history[-1], ensure_ascii=False) if history else ""
            if "Generator" not in answer or "tcm-safety" not in str(safety) or marker not in str(safety):
                errors.append(f"turn {t}: incomplete result for {question!r}")
            else:
                lat.append(dt)
        except Exception as e:  # noqa: BLE001 - counted, reported
            errors.append(f"turn {t}: {type(e).__name__}: {e}")
    out[sid] = {"latencies": lat, "errors": errors}


def run(url: str, sessions: int, turns: int, timeout: float) -> dict:
    barrier = threading.Barrier(sessions)
    out: dict[int, dict] = {}
    threads = [threading.Thread(target=session, args=(url, i, turns, barrier, timeout, out)) for i in range(sessions)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    lat = [x for r in out.values() for x in r["latencies"]]
    errors = [e for r in out.values() for e in r["errors"]]
    return {
        "sessions": sessions, "turns_per_session": turns, "requests": sessions * turns, "ok": len(lat),
        "errors": len(errors), "error_samples": errors[:5], "wall_s": round(wall, 2),
        "throughput_rps": round(len(lat) / wall, 1) if wall else None,
        "latency_s": {"p50": round(pct(lat, 50), 3), "p95": round(pct(lat, 95), 3), "p99": round(pct(lat, 99), 3),
                      "max": round(max(lat), 3), "mean": round(statistics.fmean(lat), 3)} if lat else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="A running app (default: start `tcm app` for the run)")
    ap.add_argument("--sessions", type=int, default=20, help="Concurrent chat sessions (default 20)")
    ap.add_argument("--turns", type=int, default=3, help="Questions per session (default 3)")
    ap.add_argument("--concurrency", type=int, default=4, help="The app's --concurrency when this script starts it")
    ap.add_argument("--timeout", type=float, default=180.0, help="Seconds one request may take")
    ap.add_argument("--json", action="store_true", help="Print one JSON document")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    proc = None
    startup = None
    url = args.url
    if not url:
        log = Path(tempfile.mkdtemp(prefix="tcm-app-load-")) / "app.log"
        proc, url, startup = start_app(args.concurrency, log)
    try:
        result = run(url, args.sessions, args.turns, args.timeout)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    result.update({"url": url, "generator": "grounded" if proc is not None else "as configured by the app",
                   "app_concurrency": args.concurrency if proc is not None else None,
                   "app_start_s": round(startup, 2) if startup is not None else None, "machine": machine()})
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        lat = result["latency_s"] or {}
        print(f"{result['sessions']} concurrent sessions × {result['turns_per_session']} questions = "
              f"{result['requests']} requests against {url}")
        if startup is not None:
            print(f"app start (process start to first HTTP 200, warm-up included): {startup:.1f} s; "
                  f"--concurrency {args.concurrency}")
        print(f"errors: {result['errors']}  ok: {result['ok']}  wall: {result['wall_s']} s  "
              f"throughput: {result['throughput_rps']} answers/s")
        if lat:
            print(f"latency (s): p50 {lat['p50']}  p95 {lat['p95']}  p99 {lat['p99']}  max {lat['max']}  "
                  f"mean {lat['mean']}")
        for e in result["error_samples"]:
            print(f"  error: {e}")
        print(f"machine: {result['machine']}")
    sys.exit(1 if result["errors"] else 0)


if __name__ == "__main__":
    main()
