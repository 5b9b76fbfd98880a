"""Researcher queries run in a worker process, so that no query can take the caller down.

Why: a query the guard lets through can still be expensive (a cross product), and a bug in an
engine can crash it (a 470 KB query once segfaulted LadybugDB inside the app). The worker is a
plain child process (``python -m tcm.kg.worker``) that imports only the engine's driver; it

* caps its own address space (``RLIMIT_AS`` = ``memory_mb``) and opens the embedded file
  read-only with a bounded buffer pool, so a memory-hungry query ends with an error, not the
  machine's swap;
* stops a query at ``timeout_s`` (LadybugDB's query timeout; Neo4j's transaction timeout), and
  the parent kills the worker if it has not answered ``timeout_s`` + a grace period later;
* reads at most ``max_rows`` + 1 rows and says ``truncated``;
* on Neo4j runs in a READ session after ``EXPLAIN`` has shown a read-only plan (query type 'r').

The parent (:class:`WorkerPool`) keeps a few workers warm and starts a new one when one dies; a
dead or killed worker costs one error line for the query that caused it and nothing else.
Messages are length-prefixed pickles; the parent unpickles only plain data types.
"""

from __future__ import annotations

import io
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tcm.errors import QueryError, QueryLimitError, QueryRefused
from tcm.kg.values import embedded_value, neo4j_value, one_line

GRACE_S = 3.0  # the worker's own timeout fires first; the parent kills it this much later
START_S = 20.0  # a worker has this long to import its driver and open the store
_HEADER = struct.Struct(">I")
_SAFE = {("builtins", n) for n in ("list", "dict", "tuple", "set", "frozenset", "str", "bytes", "int", "float",
                                    "bool", "complex", "NoneType")} | {
    ("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"), ("datetime", "timedelta"),
    ("datetime", "timezone"), ("decimal", "Decimal"), ("uuid", "UUID"), ("_codecs", "encode"),
    ("copyreg", "_reconstructor"), ("builtins", "object")}


class _PlainUnpickler(pickle.Unpickler):
    """Only plain data types: whatever a worker sends, the parent never imports or calls anything else."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _SAFE:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


def _send(fd: int, obj: object) -> None:
    data = pickle.dumps(obj, protocol=4)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _recv_exact(fd: int, n: int, deadline: float | None) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(n - len(buf), 1 << 20))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _recv(fd: int, deadline: float | None = None, plain: bool = False) -> Any:
    head = _recv_exact(fd, _HEADER.size, deadline)
    if head is None:
        raise EOFError
    body = _recv_exact(fd, _HEADER.unpack(head)[0], deadline)
    if body is None:
        raise EOFError
    return _PlainUnpickler(io.BytesIO(body)).load() if plain else pickle.loads(body)


# ------------------------------------------------------------------ the parent side


class QueryWorker:
    """One child process; runs one query at a time."""

    def __init__(self) -> None:
        env = {**os.environ, "MALLOC_ARENA_MAX": "2", "PYTHONPATH": _pythonpath()}
        self.proc = subprocess.Popen([sys.executable, "-m", "tcm.kg.worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, close_fds=True)
        self.target: tuple | None = None
        self.sandboxed = False  # whether the kernel denies it file access (tcm.kg.sandbox)

    def key(self, target: dict[str, Any]) -> tuple:
        return tuple(sorted((k, str(v)) for k, v in target.items()))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def run(self, target: dict[str, Any], text: str, params: dict[str, Any], limits: Any) -> tuple:
        """(columns, rows, truncated); QueryLimitError when it ran out of time or the worker died."""
        key = self.key(target)
        if self.target != key:  # open the store first, with time for imports; the query then gets its own limit
            self.sandboxed = bool(self._ask(("open", target, "", {}, limits.model_dump()), START_S, limits)[0])
            self.target = key
        return self._ask(("run", target, text, params, limits.model_dump()), limits.timeout_s + GRACE_S, limits)

    def _ask(self, msg: tuple, seconds: float, limits: Any) -> tuple:
        try:
            _send(self.proc.stdin.fileno(), msg)
        except OSError:
            self.kill()
            raise QueryLimitError("the query worker stopped before the query started; try again") from None
        try:
            reply = _recv(self.proc.stdout.fileno(), time.monotonic() + seconds, plain=True)
        except TimeoutError:
            self.kill()
            if msg[0] == "open":
                from tcm.errors import GraphError

                raise GraphError(f"the query worker could not open the graph within {seconds:g} s") from None
            raise QueryLimitError(f"query stopped after {limits.timeout_s:g} s (the time limit; "
                                  "set --timeout or TCM_QUERY_TIMEOUT)") from None
        except (EOFError, OSError, pickle.UnpicklingError):
            code = self.kill()
            how = f"signal {-code}" if code is not None and code < 0 else f"exit {code}"
            raise QueryLimitError(f"the query engine stopped ({how}) while running this query; "
                                  f"nothing else was affected (memory limit {limits.memory_mb} MB, "
                                  "set --memory-mb or TCM_QUERY_MEMORY_MB)") from None
        kind, *rest = reply
        if kind == "ok":
            return tuple(rest)
        if rest[0] == "open":
            self.target = None
            from tcm.errors import GraphError

            raise GraphError(rest[1])
        cls = {"limit": QueryLimitError, "refused": QueryRefused}.get(rest[0], QueryError)
        raise cls(rest[1])

    def kill(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            return self.proc.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not fail
            return None
        finally:
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass

    close = kill


class WorkerPool:
    """Up to ``size`` warm workers; a query waits for a free one. Thread-safe."""

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self._free: list[QueryWorker] = []
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._all: set[QueryWorker] = set()
        self.started = 0  # workers started so far (a dead or killed one is replaced)

    def run(self, target: dict[str, Any], text: str, params: dict[str, Any], limits: Any) -> tuple:
        with self._slots:
            with self._lock:
                worker = self._free.pop() if self._free else None
            if worker is not None and worker.target is not None and worker.target != worker.key(target):
                worker.kill()  # another store, or the graph was rebuilt: its sandbox holds the old file
            if worker is None or not worker.alive():
                worker = QueryWorker()
                with self._lock:
                    self._all.add(worker)
                    self.started += 1
            try:
                return worker.run(target, text, params, limits)
            finally:
                with self._lock:
                    if worker.alive():
                        self._free.append(worker)
                    else:
                        self._all.discard(worker)

    def close(self) -> None:
        with self._lock:
            workers, self._all, self._free = list(self._all), set(), []
        for w in workers:
            w.kill()


def _pythonpath() -> str:
    root = str(Path(__file__).resolve().parents[2])
    rest = os.environ.get("PYTHONPATH")
    return root if not rest else f"{root}{os.pathsep}{rest}"


# ------------------------------------------------------------------ the worker side


class _Engine:
    """What a worker keeps open between queries: one embedded database or one Neo4j driver."""

    def __init__(self, target: dict[str, Any], limits: dict[str, Any]) -> None:
        self.target = target
        self.backend = target["backend"]
        if self.backend == "embedded":
            import ladybug

            path = Path(target["path"])
            memory = limits["memory_mb"] << 20
            size = path.stat().st_size if path.exists() else 0
            max_db = 1 << 28
            while max_db < 2 * size:
                max_db <<= 1
            pool = max(64 << 20, memory // 4)
            if pool + max_db + (384 << 20) > memory:
                raise OSError(f"memory limit {limits['memory_mb']} MB is too small for a {size >> 20} MB graph")
            self.db = ladybug.Database(str(path), read_only=True, buffer_pool_size=pool, max_db_size=max_db,
                                       max_num_threads=2)
            self.conn = ladybug.Connection(self.db)
        else:
            import neo4j

            auth = (target["user"], target["password"]) if target.get("password") else None
            self.driver = neo4j.GraphDatabase.driver(target["uri"], auth=auth)
            self.driver.verify_connectivity()  # connected before the sandbox closes the files

    def run(self, text: str, params: dict[str, Any], limits: dict[str, Any]) -> tuple:
        if self.backend == "embedded":
            return self._embedded(text, params, limits)
        return self._neo4j(text, params, limits)

    def _embedded(self, text: str, params: dict[str, Any], limits: dict[str, Any]) -> tuple:
        self.conn.set_query_timeout(max(1, int(limits["timeout_s"] * 1000)))
        try:
            res = self.conn.execute(text, params)
            if isinstance(res, list):
                raise _Fail("refused", "more than one statement: one query at a time")
            cols = res.get_column_names()
            rows: list[list[Any]] = []
            cap = limits["max_rows"]
            while res.has_next():
                if len(rows) >= cap:
                    return cols, rows, True
                rows.append([embedded_value(v) for v in res.get_next()])
        except RuntimeError as e:
            msg = one_line(e)
            if msg.startswith("Interrupted"):
                raise _Fail("limit", f"query stopped after {limits['timeout_s']:g} s (the time limit; "
                                     "set --timeout or TCM_QUERY_TIMEOUT)") from None
            if "buffer pool is full" in msg or "Unable to allocate" in msg:
                raise _Fail("limit", f"query needs more memory than its limit ({limits['memory_mb']} MB; "
                                     "set --memory-mb or TCM_QUERY_MEMORY_MB)") from None
            raise _Fail("query", msg) from None
        except MemoryError:
            raise _Fail("limit", f"query needs more memory than its limit ({limits['memory_mb']} MB)") from None
        return cols, rows, False

    def _neo4j(self, text: str, params: dict[str, Any], limits: dict[str, Any]) -> tuple:
        import neo4j

        db = self.target.get("database")
        try:
            with self.driver.session(database=db, default_access_mode=neo4j.READ_ACCESS) as s:
                plan = s.run(neo4j.Query("EXPLAIN " + text, timeout=limits["timeout_s"]), params).consume()
                if plan.query_type != "r":
                    raise _Fail("refused", f"the query plan is not read-only (query type {plan.query_type!r})")
                res = s.run(neo4j.Query(text, timeout=limits["timeout_s"]), params)
                cols = list(res.keys())
                rows: list[list[Any]] = []
                cap = limits["max_rows"]
                for rec in res:
                    if len(rows) >= cap:
                        res.consume()
                        return cols, rows, True
                    rows.append([neo4j_value(v) for v in rec.values()])
        except neo4j.exceptions.Neo4jError as e:
            code = e.code or ""
            if "TransactionTimedOut" in code or "Terminated" in code:
                raise _Fail("limit", f"query stopped after {limits['timeout_s']:g} s (the time limit; "
                                     "set --timeout or TCM_QUERY_TIMEOUT)") from None
            if "MemoryPoolOutOfMemory" in code or "OutOfMemory" in code:
                raise _Fail("limit", "query needs more memory than the server's transaction limit") from None
            raise _Fail("query", one_line(e.message or str(e))) from None
        except neo4j.exceptions.DriverError as e:
            raise _Fail("query", f"Neo4j at {self.target['uri']}: {one_line(e)}") from None
        return cols, rows, False

    def close(self) -> None:
        if self.backend == "embedded":
            self.conn.close()
            self.db.close()
        else:
            self.driver.close()


def _files(target: dict[str, Any]) -> list[str]:
    """The files a worker may read besides Python's own: the embedded graph and its log."""
    if target["backend"] != "embedded":
        return []
    path = str(Path(target["path"]))
    return [p for p in (path, path + ".wal") if os.path.exists(p)]


class _Fail(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message


_PLAIN = (str, int, float, bool, type(None), bytes)


def _plain_data(v: Any) -> Any:
    """Rows as plain data: an engine's own types (dates, points, ids) as text, so the parent needs no driver."""
    if isinstance(v, _PLAIN):
        return v
    if isinstance(v, (list, tuple)):
        return [_plain_data(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain_data(x) for k, x in v.items()}
    import datetime
    import decimal
    import uuid

    if isinstance(v, (datetime.date, datetime.time, datetime.timedelta, decimal.Decimal, uuid.UUID)):
        return v
    return str(v)


def _limit_memory(memory_mb: int) -> None:
    limit = memory_mb << 20
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def serve(fd_in: int = 0, fd_out: int = 1) -> None:
    """The worker's loop: one request in, one reply out, until its parent closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C goes to the parent, which decides
    engine: _Engine | None = None
    key: tuple | None = None
    memory: int | None = None
    sandboxed: bool | None = None
    while True:
        try:
            msg = _recv(fd_in)
        except EOFError:
            break
        kind, target, text, params, limits = msg
        try:
            if memory is None:
                memory = limits["memory_mb"]
                _limit_memory(memory)
            want = tuple(sorted((k, str(v)) for k, v in target.items()))
            if engine is None or key != want:
                if engine is not None:
                    engine.close()
                engine, key = None, None
                if sandboxed is None:  # once, before the engine starts its threads (a rule binds new threads only)
                    from tcm.kg.sandbox import restrict

                    sandboxed = restrict(_files(target), network=target["backend"] != "embedded")
                try:
                    engine = _Engine(target, limits)
                except Exception as e:  # noqa: BLE001 - any failure to open is reported as one line
                    raise _Fail("open", f"cannot open the graph for queries: {one_line(e)}") from None
                key = want
            if kind == "open":
                _send(fd_out, ("ok", sandboxed))
                continue
            cols, rows, truncated = engine.run(text, params, limits)
            reply: tuple = ("ok", cols, _plain_data(rows), truncated)
        except _Fail as f:
            reply = ("error", f.kind, f.message)
        except MemoryError:
            reply = ("error", "limit", f"query needs more memory than its limit ({memory} MB)")
        except Exception as e:  # noqa: BLE001 - one line back to the parent, never a dead worker for a bad query
            reply = ("error", "query", f"{type(e).__name__}: {one_line(e)}")
        try:
            _send(fd_out, reply)
        except (pickle.PicklingError, TypeError, AttributeError) as e:
            _send(fd_out, ("error", "query", f"a value of the result cannot be returned: {one_line(e)}"))
    if engine is not None:
        engine.close()


if __name__ == "__main__":
    serve()
