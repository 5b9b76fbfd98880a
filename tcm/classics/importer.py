"""`tcm classics import`: read the books (a folder of .txt files or the dataset's .tar.xz), parse,
tokenise, link to the graph's formulas and herbs, and embed, one book at a time.

Streamed and resumable: each book is written in its own transaction and marked ``parsed``, then
``done`` once its vectors are saved (in chunks, so a large book resumes mid-way). A book whose
text is unchanged (same SHA-256) and done is skipped; a changed one is replaced.
"""

from __future__ import annotations

import hashlib
import os
import re
import tarfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from tcm.classics.parse import embed_texts, normalise, parse_book
from tcm.classics.store import ClassicsError, Library, library_dir

Progress = Callable[[str, int, int, str], None]  # (stage, done, total, what)

#: The books a practitioner cites most (issue 14); file titles as the dataset names them.
CORE = ("伤寒论", "金匮要略方论", "黄帝内经素问", "黄帝内经灵枢集注", "八十一难经", "神农本草经", "温病条辨",
        "温热经纬", "医林改错", "脾胃论", "太平惠民和剂局方", "汤头歌诀", "本草纲目")
#: What a user may type for a core book.
ALIASES = {"灵枢": "黄帝内经灵枢集注", "灵枢经": "黄帝内经灵枢集注", "难经": "八十一难经", "素问": "黄帝内经素问",
           "金匮要略": "金匮要略方论", "金匮": "金匮要略方论", "和剂局方": "太平惠民和剂局方", "内经": "黄帝内经素问"}
#: Raise when tokenisation, normalisation or linking changes: unchanged books are then re-indexed (not re-parsed
#: or re-embedded) on the next import.
INDEX_VERSION = "3"
#: Raise when parsing assigns different clause numbers or volumes to the same passages: unchanged books are then
#: parsed again and corrected in place (vectors kept); a book whose passages differ is re-imported.
PARSE_VERSION = "3"
EMBED_CHUNK = 1024
#: The rows of a book's vector file (``embed_texts``): its passages, then their sentence-level views. A library
#: embedded before the views keeps its passages' vectors and gets the views added on the next import.
VECTOR_LAYOUT = "passages+views-1"
#: Classical terms jieba's modern dictionary cuts badly; taught to it so they stay one token.
CLASSICAL_TERMS = (
    "太阳病 阳明病 少阳病 太阴病 少阴病 厥阴病 太阳中风 主之 恶寒 恶风 发热 汗出 无汗 脉浮 脉沉 脉紧 脉缓 脉数 脉迟 "
    "脉微 脉细 脉弦 脉滑 脉涩 脉洪 脉浮紧 脉浮缓 脉沉细 脉微细 项强 头项强痛 身疼 骨节疼痛 干呕 心下痞 心下满 胸胁苦满 "
    "往来寒热 默默 不欲饮食 心烦喜呕 下利 下利清谷 手足厥冷 四逆 厥逆 烦躁 谵语 潮热 大便硬 小便不利 小便自利 "
    "口渴 消渴 渴欲饮水 但欲寐 蓄血 结胸 痞证 奔豚 百合病 狐惑 阴阳毒 中风历节 血痹 虚劳 肺痿 肺痈 胸痹 "
    "腹满 寒疝 宿食 痰饮 水气 黄疸 惊悸 吐衄 下血 瘀血 呕吐 哕 妇人妊娠 产后 温病 风温 湿温 暑温 伏暑 "
    "温疫 卫分 气分 营分 血分 上焦 中焦 下焦 三焦 舌绛 神昏 斑疹 阴虚 阳虚 气虚 血虚 脾胃 元气 阴火").split()


def default_source() -> Path:
    """``TCM_CLASSICS``, else ``classics`` in the public data sets (``TCM_DATASETS_DIR`` or ``../shared/datasets``)."""
    from tcm.config import datasets_dir

    env = os.environ.get("TCM_CLASSICS")
    return Path(env) if env else datasets_dir() / "classics"


def _decode(data: bytes) -> str:
    """UTF-8 (the dataset copy) or GB18030 (a clone of the source repository)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def resolve_titles(books: Iterable[str]) -> set[str]:
    return {ALIASES.get(b, b) for b in books}


def _wanted(name: str, wanted: set[str] | None) -> bool:
    if wanted is None:
        return True
    stem = name.rsplit("/", 1)[-1].removesuffix(".txt")
    num, _, title = stem.partition("-")
    return bool({stem, num, title} & wanted)


def read_books(source: Path, wanted: set[str] | None = None) -> Iterator[tuple[str, bytes]]:
    """(file name, raw bytes) of each wanted book, streamed from a folder or a .tar.xz."""
    if not source.exists():
        raise ClassicsError(f"no classical books at {source}: clone github.com/xiaopangxia/TCM-Ancient-Books "
                            "and pass its folder, or set TCM_CLASSICS")
    archives = [source] if source.is_file() else sorted(source.glob("*.tar.xz"))
    if archives:
        for arc in archives:
            try:
                with tarfile.open(arc, "r|xz") as tar:  # a stream: books arrive one at a time
                    for member in tar:
                        name = member.name.rsplit("/", 1)[-1]
                        if member.isfile() and name.endswith(".txt") and _wanted(name, wanted):
                            f = tar.extractfile(member)
                            if f is not None:
                                yield name, f.read()
            except (tarfile.TarError, EOFError, OSError) as e:
                raise ClassicsError(f"cannot read {arc}: {e}") from None
        return
    files = sorted(source.rglob("*.txt"))
    if not files:
        raise ClassicsError(f"no .txt books under {source}")
    for f in files:
        if _wanted(f.name, wanted):
            yield f.name, f.read_bytes()


def _count_books(source: Path) -> int:
    """How many books a full import will read (for the progress bar), or 0 when unknown."""
    folder = source if source.is_dir() else source.parent
    manifest = folder / "MANIFEST.tsv"
    if manifest.exists():
        return max(0, len(manifest.read_text(encoding="utf-8").splitlines()) - 1)
    return len(list(folder.rglob("*.txt"))) if source.is_dir() else 0


class Linker:
    """Finds the graph's formulas and herbs named in a passage (longest match), with the role the passage
    plays for each: ``origin`` (the formula's clause with its composition, a herb's monograph),
    ``indication`` (X主之, 宜X), or ``mention``."""

    def __init__(self) -> None:
        from tcm.names import default_resolver

        tables = default_resolver().index.tables
        cjk = re.compile(r"^[\u3400-\u9fff]{2,12}$")
        self.keys: dict[str, list[str]] = {}
        for kind in ("herb", "formula"):  # formulas last: a shared key names the formula
            for key, values in tables[kind].items():
                if cjk.match(key):
                    self.keys[normalise(key)] = [f"{kind}:{v}" for v in values]
        self.longest = max((len(k) for k in self.keys), default=0)

    def link(self, norm: str) -> list[tuple[str, str]]:
        out: dict[str, str] = {}
        i, n = 0, len(norm)
        while i < n:
            for j in range(min(n, i + self.longest), i + 1, -1):
                ents = self.keys.get(norm[i:j])
                if ents:
                    key = norm[i:j]
                    for e in ents:
                        role = self._role(e, key, norm, i, j)
                        if out.get(e) not in ("origin",) and (role != "mention" or e not in out):
                            out[e] = role
                    i = j
                    break
            else:
                i += 1
        return list(out.items())

    def link_book(self, sections: list[str], norms: list[str]) -> list[list[tuple[str, str]]]:
        """Links of each passage of a book in reading order; a section titled with a formula's or herb's name
        (a formulary's or a materia medica's entry: 《和剂局方》·四君子汤, 《神农本草经》·人参) makes its first
        passage that entity's ``origin``."""
        out = [self.link(x) for x in norms]
        prev = None
        for i, sec in enumerate(sections):
            if sec != prev and (ents := self.keys.get(normalise(sec or ""))):
                have = dict(out[i])
                have.update({e: "origin" for e in ents})
                out[i] = list(have.items())
            prev = sec
        return out

    @staticmethod
    def _role(entity: str, key: str, norm: str, i: int, j: int) -> str:
        after = norm[j : j + 4]
        if entity.startswith("formula:"):
            indicated = after.startswith(("主之", "方")) or norm[max(0, i - 1) : i] in ("宜", "与", "以", "用")
            m = re.search(r"上[一二三四五六七八九十]+味", norm[j:])
            # its own composition: no other formula is named between it and the list
            own = m is not None and not re.search(r"主之|[汤散丸饮]方|[汤散丸饮][；。，]", norm[j + 2 : j + m.start()])
            if indicated and own:
                return "origin"
            return "indication" if indicated else "mention"
        return "origin" if i <= 1 and len(norm) > 20 else "mention"


def tokenizer():
    """The lexical tokenizer for classical text: jieba (search mode) taught the graph's names and classical
    terms, plus character bigrams as a fallback for everything its modern dictionary does not know."""
    from tcm.names import default_resolver
    from tcm.retrieval.glossary import glossary
    from tcm.retrieval.lexical import Tokenizer

    tables = default_resolver().index.tables
    words = [k for kind in ("herb", "formula", "syndrome") for k in tables[kind]]
    words += [k for k in glossary() if len(k) > 1] + list(CLASSICAL_TERMS)
    tok = Tokenizer(w for w in words if re.fullmatch(r"[\u3400-\u9fff]{2,}", w))
    tok.char_bigrams = True
    return tok


def passage_tokens(tok, norm: str) -> str:
    return " ".join(t for t in tok.tokens(norm) if re.fullmatch(r"[\u3400-\u9fff]+", t))


def import_library(source: Path | None = None, books: Iterable[str] | None = None, dense: bool = True,
                   embedder: str | None = None, progress: Progress | None = None, force: bool = False,
                   data_dir: Path | None = None, workers: int = 1) -> dict:
    """Import (or resume importing) books into the library; returns counts and timings."""
    import time

    source = source or default_source()
    wanted = resolve_titles(books) if books else None
    lib = Library(library_dir(data_dir), create=True)
    t0 = time.perf_counter()
    report: dict = {"source": str(source), "imported": [], "skipped": [], "renumbered": [], "embedded": 0}
    try:
        tok, linker = None, None
        existing = {b["book_id"]: b for b in lib.books()}
        expected = len(wanted) if wanted else _count_books(source)
        seen: set[str] = set()
        reparse = bool(existing) and lib.get_meta("parse_version") != PARSE_VERSION
        for n, (name, raw) in enumerate(read_books(source, wanted), 1):
            sha = hashlib.sha256(raw).hexdigest()
            book_id = name.split("-", 1)[0]
            seen.add(name.removesuffix(".txt"))
            old = existing.get(book_id)
            if old and old["sha256"] == sha and not force and reparse:
                book = parse_book(name, _decode(raw))
                if lib.renumber(book):  # the same passages: only their clause numbers are corrected
                    report["renumbered"].append(old["title"])
                    if progress:
                        progress("parse", n, expected, old["title"])
                    continue
                old = None  # its passages changed: imported again below
            if old and old["sha256"] == sha and not force:
                report["skipped"].append(old["title"])
                if progress:
                    progress("parse", n, expected, old["title"])
                continue
            if tok is None:
                tok, linker = tokenizer(), Linker()
            book = parse_book(name, _decode(raw))
            norms = [normalise(p.text) for p in book.passages]
            tokens = [passage_tokens(tok, s) for s in norms]
            links = linker.link_book([p.section for p in book.passages], norms)
            lib.write_book(book, name, sha, tokens, links)
            report["imported"].append(book.title)
            if progress:
                progress("parse", n, expected, book.title)
        if wanted is not None:
            found = {w for w in wanted if any(w in (s, *s.split("-", 1)) for s in seen)}
            if missing := sorted(wanted - found):
                raise ClassicsError(f"not in {source}: {', '.join(missing)}")
        if lib.get_meta("index_version") != INDEX_VERSION:
            stale = [b for b in lib.books() if b["title"] not in report["imported"]]
            if stale and tok is None:
                tok, linker = tokenizer(), Linker()
            for n, b in enumerate(stale, 1):
                rows = list(lib.db.execute("SELECT section, text FROM passages WHERE book_id=? ORDER BY seq",
                                           (b["book_id"],)))
                norms = [normalise(t) for _, t in rows]
                lib.reindex_book(b["book_id"], [passage_tokens(tok, x) for x in norms],
                                 linker.link_book([sec for sec, _ in rows], norms))
                if progress:
                    progress("reindex", n, len(stale), b["title"])
            lib.set_meta("index_version", INDEX_VERSION)
        if not reparse or set(existing) <= {s.split("-", 1)[0] for s in seen}:  # every stored book parsed anew
            lib.set_meta("parse_version", PARSE_VERSION)
        report["parse_s"] = round(time.perf_counter() - t0, 1)
        if dense:
            t1 = time.perf_counter()
            report["embedded"] = embed_pending(lib, embedder, progress, workers)
            report["embed_s"] = round(time.perf_counter() - t1, 1)
        report["counts"] = lib.counts()
        report["bytes"] = lib.size_bytes()
        lib.set_meta("version", str(time.time_ns()))
        from tcm.classics.pinyin_names import index_for

        index_for(lib)  # the formula names English questions give in pinyin, for this version (10 s at 1.2M passages)
        report["seconds"] = round(time.perf_counter() - t0, 1)
        return report
    finally:
        lib.close()


_WORKER_EMBEDDER = None


def _init_worker(spec: str) -> None:
    global _WORKER_EMBEDDER
    from tcm.retrieval.embedders import get_embedder

    _WORKER_EMBEDDER = get_embedder(spec)


def _embed_chunk(texts: list[str], path: str) -> int:
    """In a worker process: embed one chunk and save it where the parent will look for it."""
    vec = _WORKER_EMBEDDER.embed_passages(texts).astype(np.float16)  # type: ignore[union-attr]
    tmp = Path(path).with_suffix(".tmp.npy")
    np.save(tmp, vec)
    tmp.replace(path)
    return len(texts)


def embed_pending(lib: Library, spec: str | None = None, progress: Progress | None = None, workers: int = 1) -> int:
    """Embed every book not yet done, in chunks saved as they finish (the resume point), on ``workers``
    processes (one BLAS thread each: on 2 cores two processes beat one process with two threads);
    returns the texts of the books embedded (passages and their sentence-level views)."""
    from tcm.retrieval.embedders import embedder_spec_name, get_embedder

    spec = embedder_spec_name(spec)
    if lib.get_meta("embedder_spec") not in (None, spec):  # another model: every vector must be redone
        for b in lib.books():
            for f in (lib.root / "vectors").glob(f"{b['book_id']}.*"):
                f.unlink()
            lib.mark(b["book_id"], "parsed")
    if lib.get_meta("vector_layout") != VECTOR_LAYOUT:
        _add_views(lib)
    pending = [b for b in lib.books() if b["status"] != "done"]
    if not pending:
        return 0
    emb = get_embedder(spec) if workers <= 1 else None
    lib.set_meta("embedder_spec", spec)
    # every chunk still to embed, in book order; a chunk saved before an interruption is kept
    chunks: list[tuple[dict, int, list[str]]] = []
    sizes: dict[str, int] = {}
    total = 0
    for b in pending:
        texts, _owners = embed_texts(lib.book_passages(b["book_id"]))
        total += len(texts)
        spans = chunk_spans(b["passages"], len(texts))
        sizes[b["book_id"]] = len(spans)
        for k, (start, stop) in enumerate(spans):
            chunk = texts[start:stop]
            path = lib.vector_path(b["book_id"], k)
            if not (path.exists() and len(np.load(path, mmap_mode="r")) == len(chunk)):
                chunks.append((b, k, chunk))
    done = total - sum(len(c) for _, _, c in chunks)
    todo: dict[str, int] = {}
    for b, _k, _c in chunks:
        todo[b["book_id"]] = todo.get(b["book_id"], 0) + 1

    def finish(book: dict) -> None:
        parts = [np.load(lib.vector_path(book["book_id"], k)) for k in range(sizes[book["book_id"]])]
        full = np.vstack(parts) if parts else np.zeros((0, 1), np.float16)
        np.save(lib.vector_path(book["book_id"]), full)
        for k in range(len(parts)):
            lib.vector_path(book["book_id"], k).unlink(missing_ok=True)
        lib.mark(book["book_id"], "done")

    for b in pending:  # books whose every chunk was saved before an interruption
        if not todo.get(b["book_id"]):
            finish(b)
    if emb is not None:
        lib.set_meta("embedder", emb.name)
        for b, k, chunk in chunks:
            vec = emb.embed_passages(chunk).astype(np.float16)
            path = lib.vector_path(b["book_id"], k)
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, vec)
            tmp.replace(path)
            done += len(chunk)
            todo[b["book_id"]] -= 1
            if not todo[b["book_id"]]:
                finish(b)
            if progress:
                progress("embed", done, total, b["title"])
    else:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor, as_completed

        lib.set_meta("embedder", get_embedder(spec).name)
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), initializer=_init_worker,
                                 initargs=(spec,)) as pool:
            futures = {pool.submit(_embed_chunk, chunk, str(lib.vector_path(b["book_id"], k))): b
                       for b, k, chunk in chunks}
            for fut in as_completed(futures):
                b = futures[fut]
                done += fut.result()
                todo[b["book_id"]] -= 1
                if not todo[b["book_id"]]:
                    finish(b)
                if progress:
                    progress("embed", done, total, b["title"])
    lib.set_meta("version", str(__import__("time").time_ns()))
    return total


def chunk_spans(passages: int, texts: int) -> list[tuple[int, int]]:
    """The rows each saved chunk of a book holds: the passages in chunks of ``EMBED_CHUNK``, then the views in
    chunks of their own, so a book's passage chunks are the same with and without views."""
    return ([(a, min(a + EMBED_CHUNK, passages)) for a in range(0, passages, EMBED_CHUNK)]
            + [(a, min(a + EMBED_CHUNK, texts)) for a in range(passages, texts, EMBED_CHUNK)])


def _add_views(lib: Library) -> None:
    """Books embedded before the sentence-level views: their passages' rows are kept as saved chunks (the
    resume point) and the book is marked for embedding, so only the views are embedded."""
    for b in lib.books():
        path = lib.vector_path(b["book_id"])
        if b["status"] != "done" or not path.exists():
            continue
        rows = np.load(path, mmap_mode="r")
        n_texts = len(embed_texts(lib.book_passages(b["book_id"]))[0])
        if len(rows) == n_texts:
            continue
        if len(rows) == b["passages"]:
            for k, (start, stop) in enumerate(chunk_spans(b["passages"], b["passages"])):
                np.save(lib.vector_path(b["book_id"], k), np.asarray(rows[start:stop]))
        del rows
        path.unlink()
        lib.mark(b["book_id"], "parsed")
    lib.set_meta("vector_layout", VECTOR_LAYOUT)


def delete_books(names: Iterable[str], data_dir: Path | None = None) -> list[tuple[str, int]]:
    """Delete books (by number or title) from the library; returns (title, passages removed)."""
    lib = Library(library_dir(data_dir))
    try:
        return [(b["title"], lib.delete_book(b["book_id"])) for b in lib.find_books(resolve_titles(names))]
    finally:
        lib.close()
