"""Cold start of the CLI: each command as a new process (warm disk), median of N runs, wall and CPU time, peak RSS.

Run by hand (not a test), after ``tcm build`` (the index and the start-up snapshots in the data directory):

    .venv/bin/python evals/perf/cli_bench.py                 # 5 runs of each command
    .venv/bin/python evals/perf/cli_bench.py --runs 9 --markdown

CPU time (user + system of the child) is printed beside wall time because on a shared machine the
wall time also counts the time other processes held the cores; the CPU time is what the command costs.
One unmeasured run of each command goes first, so the files are in the page cache ("warm disk").
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

COMMANDS = [
    ["--help"],
    ["check", "--herbs", "甘草6g，甘遂3g", "--json"],
    ["graph", "find", "甘草", "--json"],
    ["graph", "composition", "麻黄汤", "--json"],
    ["search", "黄芪", "--json"],
    ["search", "四肢厥逆 脉微", "--json"],
    ["search", "肚子冷痛 喜温喜按", "--json"],  # few lexical hits: the embedder and the vector index are loaded
]


def tcm_command() -> list[str]:
    exe = Path(sys.executable).with_name("tcm")
    return [str(exe)] if exe.exists() else [shutil.which("tcm") or "tcm"]


def run_once(cmd: list[str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one process."""
    t0 = time.perf_counter()
    pid = os.posix_spawn(cmd[0], cmd, os.environ, file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                                                                 (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {os.waitstatus_to_exitcode(status)})")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024  # ru_maxrss is in KB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--markdown", action="store_true", help="print a table for the README")
    args = ap.parse_args()
    from tcm.config import settings
    from tcm.evaluation import machine

    exe = tcm_command()
    rows = []
    for c in COMMANDS:
        run_once(exe + c)  # warm the disk cache
        runs = [run_once(exe + c) for _ in range(args.runs)]
        rows.append((" ".join(["tcm", *c]).replace(" --json", ""), statistics.median(r[0] for r in runs),
                     statistics.median(r[1] for r in runs), max(r[2] for r in runs)))
    load = os.getloadavg()[0]
    print(f"machine: {machine()}; load average {load:.1f}; data dir {settings().data_dir}; "
          f"median of {args.runs} cold runs (warm disk), {time.strftime('%Y-%m-%d')}")
    if args.markdown:
        print("\n| command | wall (s) | CPU (s) | peak RSS (MB) |\n|---|---:|---:|---:|")
        for name, wall, cpu, rss in rows:
            print(f"| `{name}` | {wall:.2f} | {cpu:.2f} | {rss:.0f} |")
    else:
        for name, wall, cpu, rss in rows:
            print(f"{name:<44} wall {wall:6.2f} s   CPU {cpu:6.2f} s   RSS {rss:6.0f} MB")


if __name__ == "__main__":
    main()
