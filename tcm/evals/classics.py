"""Evaluation of classical search: held-out queries that store book and clause (or section) references,
never the books' text.

Three kinds: ``quote`` (a span of the referenced passage, drawn from the imported library when the
evaluation runs), ``paraphrase`` (modern Chinese, written by the project), and ``english``
(questions in English). A query is a hit at k when one of the top k passages is a right one: the
referenced clause of the right book (and chapter, for 《金匮要略》, whose clauses restart each
chapter; ``"occurrence": k`` picks the k-th place where a section repeats a clause number, as 《温病条辨》 does
across 上焦, 中焦 and 下焦), or the referenced passage of a section, or any passage of a referenced section.
Items carry the ``"round"`` they were written in (2 to 14; round 1 has none): each round was written
before the search saw it (rounds 6 to 14 by a helper that read only the library) and is reported apart, so
its first score (kept in the README) is a held-out figure.

    python -m tcm.evals.classics            # or: tcm eval --suite classics
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from tcm.resources import resource_dir

QUERIES = resource_dir("evals") / "classics" / "queries.jsonl"  # evals/classics/, shipped in the wheel
QUOTE_CHARS = 24


def load_queries(path: Path = QUERIES) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def targets(lib, item: dict) -> list[int]:
    """The passage ids that answer ``item`` (empty when its book is not in the library)."""
    book = next((b for b in lib.books() if b["title"] == item["book"]), None)
    if book is None:
        return []
    q = "SELECT pid, seq FROM passages WHERE book_id=?"
    args: list = [book["book_id"]]
    if "section" in item:
        q += " AND section=?"
        args.append(item["section"])
    if "clause" in item:  # one clause, or several where the edition repeats a formula (小柴胡汤: 37 and 96)
        clauses = item["clause"] if isinstance(item["clause"], list) else [item["clause"]]
        q += f" AND clause IN ({','.join('?' * len(clauses))})"
        args += clauses
    rows = list(lib.db.execute(q + " ORDER BY seq", args))
    pids = [p for p, _ in rows]
    if "occurrence" in item:  # the k-th place holding the clause: 《温病条辨》 numbers 上焦, 中焦 and 下焦 apart
        starts = [i for i, (_, seq) in enumerate(rows) if i == 0 or seq != rows[i - 1][1] + 1] + [len(rows)]
        k = item["occurrence"]
        pids = pids[starts[k - 1] : starts[k]] if k < len(starts) else []
    if "passage" in item:
        n = item["passage"]
        return pids[n - 1 : n] if len(pids) >= n else []
    return pids


def quote_of(lib, pid: int) -> str:
    """A span of the passage's original text: its opening words after any clause number."""
    text = lib.passages([pid])[pid]["text"]
    from tcm.classics.search import without_number

    body = without_number(text)
    return body[:QUOTE_CHARS]


def run(k: int = 5, searcher=None, queries: list[dict] | None = None, log=None) -> dict:
    """hit@1, hit@5 (right book and passage), right book@5 and MRR, per kind and overall."""
    from tcm.classics.search import default_searcher

    s = searcher or default_searcher()
    items = queries if queries is not None else load_queries()
    per: dict[str, dict] = {}
    misses, unresolved = [], []
    t0 = time.perf_counter()
    for item in items:
        want = targets(s.lib, item)
        if not want:
            unresolved.append(item["id"])
            continue
        query = item.get("query") or quote_of(s.lib, want[0])
        hits = s.search(query, k=max(k, 10)).hits
        pids = [h.passage_id for h in hits]
        rank = next((i + 1 for i, p in enumerate(pids) if p in set(want)), None)
        book_ok = any(h.book == item["book"] for h in hits[:k])
        kind = item["kind"]
        for key in (kind, "all") + ((f"round {item['round']}",) if item.get("round") else ()):
            r = per.setdefault(key, {"n": 0, "hit1": 0, "hit5": 0, "book5": 0, "mrr": 0.0})
            r["n"] += 1
            r["hit1"] += int(rank == 1)
            r["hit5"] += int(rank is not None and rank <= k)
            r["book5"] += int(book_ok)
            r["mrr"] += 1.0 / rank if rank else 0.0
        if rank is None or rank > k:
            misses.append({"id": item["id"], "kind": kind, "query": query if kind != "quote" else "(quote)",
                           "want": hits_ref(item), "got": [h.citation for h in hits[:3]]})
        if log:
            log(f"{item['id']} {kind} rank={rank}")
    out: dict = {"queries": len(items), "evaluated": sum(r["n"] for k_, r in per.items() if k_ == "all"),
                 "unresolved": unresolved, "k": k, "ms_per_query": 0.0, "by_kind": {}, "misses": misses,
                 "books": len(s.lib.books()), "passages": s.lib.counts()["passages"],
                 "embedder": s.lib.get_meta("embedder")}
    n_all = per.get("all", {}).get("n", 0)
    out["ms_per_query"] = round(1000 * (time.perf_counter() - t0) / max(1, n_all), 1)
    for key, r in per.items():
        n = r["n"]
        out["by_kind"][key] = {"n": n, "hit@1": round(r["hit1"] / n, 3), f"hit@{k}": round(r["hit5"] / n, 3),
                               f"book@{k}": round(r["book5"] / n, 3), "mrr": round(r["mrr"] / n, 3)}
    return out


def hits_ref(item: dict) -> str:
    parts = [f"《{item['book']}》"]
    if "section" in item:
        parts.append(item["section"])
    if "clause" in item:
        parts.append(f"第{item['clause']}条")  # noqa: RUF001
    if "passage" in item:
        parts.append(f"passage {item['passage']}")
    return " ".join(parts)


def suite() -> dict:
    """For `tcm eval --suite classics`: the run, or why it was skipped."""
    from tcm.classics.search import library_available
    from tcm.classics.store import missing_message

    if not library_available():
        return {"skipped": missing_message()}
    return run()


def main() -> None:
    res = suite()
    if "skipped" in res:
        print(f"skipped: {res['skipped']}", file=sys.stderr)
        sys.exit(1)
    print(f"{res['evaluated']} of {res['queries']} queries on {res['books']} books, {res['passages']} passages "
          f"(embedder {res['embedder']}), {res['ms_per_query']} ms/query")
    print(f"{'kind':<11} {'n':>3} {'hit@1':>6} {'hit@5':>6} {'book@5':>7} {'MRR':>6}")
    for kind, r in res["by_kind"].items():
        print(f"{kind:<11} {r['n']:>3} {r['hit@1']:>6.3f} {r['hit@5']:>6.3f} {r['book@5']:>7.3f} {r['mrr']:>6.3f}")
    for m in res["misses"]:
        print(f"miss {m['id']} {m['kind']}: {m['query']} → want {m['want']}, got {m['got']}")
    if res["unresolved"]:
        print(f"not evaluated (book not imported or reference not found): {', '.join(res['unresolved'])}")


if __name__ == "__main__":
    main()
