"""Keep the README's generated blocks true: counts, CLI help and measured figures come from their source.

A block is the text between two markers; the first names where the text comes from:

    <!-- generated: tcm corpora stats --markdown -->      the output of a `tcm` command (run now)
    ...
    <!-- end generated -->

    <!-- generated: file evals/perf/results/cli_bench.md -->   a file a benchmark wrote (figures are measured
    ...                                                         once, by hand; the README quotes the file)
    <!-- end generated -->

    python scripts/readme.py           # rewrite the blocks of README.md
    python scripts/readme.py --check   # exit 1 and name every block that drifted (tests/unit/test_readme.py)
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"(<!-- generated: (?P<src>.+?) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S)


def render(src: str) -> str:
    """The text a block's source gives now."""
    words = shlex.split(src)
    if words[0] == "file":
        return (ROOT / words[1]).read_text(encoding="utf-8")
    if words[0] != "tcm":
        raise SystemExit(f"README: unknown block source {src!r} (tcm … or file …)")
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    for k in ("TCM_CORPORA_DIR", "TCM_DATA_DIR", "TCM_BACKEND"):
        env.pop(k, None)
    run_as_tcm = "import sys; from tcm.cli import main; sys.argv[0] = 'tcm'; main()"  # usage lines say `tcm`
    p = subprocess.run([sys.executable, "-c", run_as_tcm, *words[1:]], capture_output=True, text=True, env=env,
                       cwd=ROOT, timeout=300)
    if p.returncode != 0:
        raise SystemExit(f"README: `{src}` failed: {p.stderr.strip()[-500:]}")
    out = "\n".join(line.rstrip() for line in p.stdout.splitlines()) + "\n"
    return out if "--markdown" in words or words[-1] != "--help" else f"```text\n{out}```\n"


def update(text: str) -> tuple[str, list[str]]:
    """The README with every block regenerated, and the sources of the blocks that changed."""
    drifted: list[str] = []

    def one(m: re.Match) -> str:
        body = render(m["src"])
        if body != m["body"]:
            drifted.append(m["src"])
        return m.group(1) + body + m.group(4)

    return BLOCK.sub(one, text), drifted


def main() -> None:
    readme = ROOT / "README.md"
    new, drifted = update(readme.read_text(encoding="utf-8"))
    if "--check" in sys.argv:
        if drifted:
            print("README blocks out of date (run: python scripts/readme.py): " + "; ".join(drifted))
            raise SystemExit(1)
        return
    readme.write_text(new, encoding="utf-8")
    print(f"README.md: {len(drifted)} block(s) updated" + (f": {'; '.join(drifted)}" if drifted else ""))


if __name__ == "__main__":
    main()
