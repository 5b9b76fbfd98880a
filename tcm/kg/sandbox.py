"""File access off for the query worker, by the kernel: Linux Landlock (5.13+), no root needed.

Why: LadybugDB has no switch to turn off COPY, LOAD FROM or LOAD EXTENSION, so if a hostile query
ever got past the guard, the engine would read, write or load whatever the user can. Before the
worker opens its store (a rule binds the thread that sets it and the threads it starts later, so
it must come before the engine's thread pool), :func:`restrict` leaves it able to read only the
Python installation (for lazy imports), system libraries and the graph file itself; it can write
or create nothing anywhere, and an embedded worker opens no TCP connection (no INSTALL). Rules bind
to the files as they are now, so a rebuilt graph needs a new worker (the pool starts one). Where
the kernel has no Landlock the worker runs without it and says so.
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

_CREATE, _ADD_RULE, _RESTRICT = 444, 445, 446  # syscall numbers, the same on every Linux architecture
_PR_SET_NO_NEW_PRIVS = 38
_READ_FILE, _READ_DIR = 1 << 2, 1 << 3
_BIND_TCP, _CONNECT_TCP = 1 << 0, 1 << 1
_RULE_PATH_BENEATH = 1
_SYSTEM = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/share/zoneinfo", "/usr/share/ca-certificates",
           "/etc/ssl", "/etc/pki", "/etc/hosts", "/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/gai.conf",
           "/etc/host.conf", "/etc/localtime", "/dev/urandom", "/dev/null")


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def abi() -> int:
    """The kernel's Landlock ABI version; 0 where there is none (old kernel, not Linux, disabled)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        v = _libc().syscall(_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    except (OSError, AttributeError):
        return 0
    return max(v, 0)


def _handled(version: int) -> int:
    bits = (1 << 13) - 1  # ABI 1: execute … make_sym
    if version >= 2:
        bits |= 1 << 13  # refer
    if version >= 3:
        bits |= 1 << 14  # truncate
    return bits


def readable_paths(extra: list[str]) -> list[str]:
    """What a worker may still read: Python's own files, system libraries, ``extra`` (the graph file)."""
    here = Path(__file__).resolve().parents[1]  # the tcm package, not the repository around it
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(here), *_SYSTEM, *extra}
    paths |= {p for p in sys.path if p and ("site-packages" in p or p.startswith(sys.base_prefix))}
    return sorted(p for p in paths if p and os.path.exists(p))


def restrict(extra: list[str], network: bool = True) -> bool:
    """Deny every file access but reading ``readable_paths(extra)`` (and, with ``network`` False, every TCP
    connection: Landlock ABI 4+), for this thread and the threads it starts from now on. True when enforced."""
    version = abi()
    if version <= 0:
        return False
    libc = _libc()
    handled = _handled(version)
    # struct landlock_ruleset_attr: handled_access_fs, then (ABI 4+) handled_access_net
    attr = (ctypes.c_uint64 * 2)(handled, 0 if network or version < 4 else _BIND_TCP | _CONNECT_TCP)
    fd = libc.syscall(_CREATE, ctypes.byref(attr), ctypes.c_size_t(16 if attr[1] else 8), ctypes.c_uint32(0))
    if fd < 0:
        return False

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    try:
        for p in readable_paths(extra):
            try:
                pfd = os.open(p, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                access = _READ_FILE | _READ_DIR if os.path.isdir(p) else _READ_FILE  # never write or execute
                rule = PathBeneath(access & handled, pfd)
                libc.syscall(_ADD_RULE, ctypes.c_int(fd), ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(rule),
                             ctypes.c_uint32(0))
            finally:
                os.close(pfd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        return libc.syscall(_RESTRICT, ctypes.c_int(fd), ctypes.c_uint32(0)) == 0
    finally:
        os.close(fd)
