"""The CLI as a user meets it: --help everywhere, JSON out, one-line errors, nothing half-built."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAHUANG = "MATCH (f:Formula {name_zh:'麻黄汤'})-[c:CONTAINS]->(h:Herb) RETURN h.name_zh, c.dose_g"


def tcm(*args: str, env: dict | None = None, check: bool = False) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    p = subprocess.run([sys.executable, "-m", "tcm.cli", *args], capture_output=True, text=True, env=full_env,
                       cwd=REPO, timeout=600)
    if check:
        assert p.returncode == 0, p.stderr
    return p


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("data")
    tcm("build", "--json", env={"TCM_DATA_DIR": str(d), "TCM_EMBEDDER": "hash"}, check=True)  # fast test embedder
    return d


@pytest.mark.parametrize(
    "cmd",
    [[], ["build"], ["demo"], ["search"], ["check"], ["ask"], ["analyze"], ["train"], ["eval"], ["app"],
     ["corpora"], ["corpora", "validate"], ["corpora", "stats"], ["corpora", "import"],
     ["graph"], ["graph", "query"], ["graph", "find"], ["graph", "composition"], ["graph", "formulas"],
     ["graph", "neighbours"]],
)
def test_help_on_every_command(cmd):
    p = tcm(*cmd, "--help")
    assert p.returncode == 0 and "Usage" in p.stdout


def test_build_json_and_query(data_dir):
    p = tcm("graph", "query", MAHUANG, "--json", env={"TCM_DATA_DIR": str(data_dir)}, check=True)
    doc = json.loads(p.stdout)
    assert doc["columns"] == ["h.name_zh", "c.dose_g"]
    assert {r["h.name_zh"]: r["c.dose_g"] for r in doc["rows"]} == {"麻黄": 9.0, "桂枝": 6.0, "苦杏仁": 6.0,
                                                                    "甘草": 3.0}


def test_query_with_params(data_dir):
    p = tcm("graph", "query", "MATCH (h:Herb) WHERE h.name_zh = $n RETURN h.dose_min_g, h.dose_max_g",
            "--param", "n=甘草", "--json", env={"TCM_DATA_DIR": str(data_dir)}, check=True)
    assert json.loads(p.stdout)["rows"] == [{"h.dose_min_g": 2.0, "h.dose_max_g": 10.0}]


@pytest.mark.parametrize(
    "args, message",
    [
        (["graph", "query", "CREATE (n:Herb {id:'x'})"], "read-only"),
        (["graph", "query", "MATCH (n RETURN n"], "unclosed '('"),
        (["graph", "query", "MATCH (n) RETURN n", "--param", "oops"], "expected k=v"),
        (["graph", "composition", "没有这个方"], "no formula named"),
        (["graph", "formulas"], "give either --herb"),
        (["graph", "query", "MATCH (n) RETURN n", "--backend", "nonsense"], "unknown backend"),
    ],
)
def test_bad_input_is_one_line_not_a_traceback(data_dir, args, message):
    p = tcm(*args, env={"TCM_DATA_DIR": str(data_dir)})
    assert p.returncode != 0
    assert "Traceback" not in p.stderr
    assert message in p.stderr
    assert len([line for line in p.stderr.splitlines() if line.strip()]) <= 3  # click frames usage errors


def test_query_without_a_graph_says_build_first(tmp_path):
    p = tcm("graph", "query", "MATCH (n) RETURN n", env={"TCM_DATA_DIR": str(tmp_path)})
    assert p.returncode == 1 and "run `tcm build` first" in p.stderr and "Traceback" not in p.stderr


def test_neo4j_without_uri_is_a_clear_error(data_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    p = subprocess.run([sys.executable, "-m", "tcm.cli", "graph", "query", "RETURN 1", "--backend", "neo4j"],
                       capture_output=True, text=True, env=env, cwd=REPO)
    assert p.returncode == 1 and "NEO4J_URI" in p.stderr and "Traceback" not in p.stderr


def test_corrupt_corpus_fails_and_leaves_the_graph_alone(data_dir, tmp_path):
    corpora = tmp_path / "corpora"
    shutil.copytree(REPO / "corpora", corpora)
    f = corpora / "formulas.jsonl"
    f.write_text(f.read_text(encoding="utf-8").replace('"herb": "桂枝"', '"herb": "不存在草"', 1), encoding="utf-8")
    graph = data_dir / "graph.lbug"
    before = (graph.stat().st_mtime_ns, graph.stat().st_size)
    p = tcm("build", env={"TCM_DATA_DIR": str(data_dir), "TCM_CORPORA_DIR": str(corpora)})
    assert p.returncode == 1
    assert "corpora/formulas.jsonl:" in p.stderr and "不存在草" in p.stderr and "Traceback" not in p.stderr
    assert (graph.stat().st_mtime_ns, graph.stat().st_size) == before
    assert not (data_dir / "graph.lbug.building").exists()


def test_validate_lists_every_problem(tmp_path):
    corpora = tmp_path / "corpora"
    shutil.copytree(REPO / "corpora", corpora)
    f = corpora / "formulas.jsonl"
    f.write_text(f.read_text(encoding="utf-8").replace('"herb": "桂枝"', '"herb": "不存在草"'), encoding="utf-8")
    p = tcm("corpora", "validate", "--dir", str(corpora))
    assert p.returncode == 1
    *lines, count = p.stderr.strip().splitlines()
    assert len(lines) >= 5 and all(line.startswith(f"{corpora}/formulas.jsonl:") for line in lines)
    assert count == f"{len(lines)} problem(s)"
    assert tcm("corpora", "validate", check=True).stdout.startswith("corpus valid")


def _edit(path: Path, old: str, new: str) -> int:
    """Replace the text of the first line that starts with ``old`` (or, for JSON lines, holds it); its number."""
    lines = path.read_text(encoding="utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if line.startswith(old) or (old.startswith('"') and old in line))
    lines[n] = lines[n].replace(old, new) if new is not None else None
    path.write_text("\n".join(x for x in lines if x is not None) + "\n", encoding="utf-8")
    return n + 1


def test_validate_reports_every_problem_of_a_corrupted_corpus_in_one_run(tmp_path):
    """附子 set to 无毒, its maximum to 150 g, a 十八反 row deleted, plus schema errors in two files: all at once,
    each with its file and line in the folder validated; and the build refuses the same corpus."""
    corpora = tmp_path / "bad"
    shutil.copytree(REPO / "corpora", corpora)
    rules = corpora / "rules"
    tox = _edit(rules / "toxicity.csv", "附子,有毒,", "附子,无毒,")
    dose = _edit(rules / "dose_ranges.csv", "附子,3,15,", "附子,3,150,")
    _edit(rules / "incompatibilities.csv", "18反,甘草,甘遂,", None)
    verse = _edit(rules / "verse_pairs.csv", "18反,草,遂,", "18反,草,遂,")
    preg = _edit(rules / "pregnancy.csv", "红花,慎用,", "红花,maybe,")
    herbs = corpora / "herbs.jsonl"
    bad_herb = _edit(herbs, '"name_zh": "丁香", "name_zh_hant": "丁香"', '"name_zh": "丁香", "name_zh_hant": 7')
    p = tcm("corpora", "validate", "--dir", str(corpora))
    assert p.returncode == 1 and "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    expected = [f"{rules}/toxicity.csv:{tox}: grade: 附子 is 无毒 here but 有毒 in its monograph",
                f"{rules}/dose_ranges.csv:{dose}: dose_max_g: 附子: maximum 150 g is above the monograph's 15 g",
                f"{rules}/verse_pairs.csv:{verse}: herbs_b: the 18反 verse pairs 草 with 遂, but "
                "rules/incompatibilities.csv lacks 甘草–甘遂",
                f"{rules}/pregnancy.csv:{preg}: category:", f"{herbs}:{bad_herb}: name_zh_hant:"]
    for e in expected:
        assert any(line.startswith(e) for line in lines), (e, lines)
    assert lines[-1] == f"{len(lines) - 1} problem(s)" and len(lines) - 1 == len(expected)

    # the build refuses it, naming the first problem and how many more there are
    b = tcm("build", env={"TCM_DATA_DIR": str(tmp_path / "data"), "TCM_CORPORA_DIR": str(corpora)})
    assert b.returncode == 1 and "and 4 more problems" in b.stderr and "Traceback" not in b.stderr
    assert not (tmp_path / "data" / "graph.lbug").exists()


def test_stats_json():
    doc = json.loads(tcm("corpora", "stats", "--json", check=True).stdout)
    assert doc["herbs with nature, flavour, meridians and dose range"] >= 550
    assert doc["formulas"] >= 250 and doc["syndromes with GB/T code"] >= 1500


@pytest.mark.neo4j
def test_build_and_query_on_neo4j(neo4j_store):
    doc = json.loads(tcm("build", "--backend", "neo4j", "--json", check=True).stdout)
    assert doc["graph"]["neo4j"]["Herb"] == doc["corpus"]["herbs"]
    p = tcm("graph", "query", MAHUANG, "--backend", "neo4j", "--json", check=True)
    assert {r["h.name_zh"]: r["c.dose_g"] for r in json.loads(p.stdout)["rows"]} == {
        "麻黄": 9.0, "桂枝": 6.0, "苦杏仁": 6.0, "甘草": 3.0}
    bad = tcm("graph", "query", "MATCH (h:Herb) DETACH DELETE h", "--backend", "neo4j")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and bad.stderr.startswith("error:")
    assert len(bad.stderr.strip().splitlines()) == 1
