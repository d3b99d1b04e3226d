"""Fuzz values: Hypothesis strategies, and the tokens that stand for kernel objects.

Hypothesis runs in the parent; a drawn call reaches the forked child through the fork itself
(the child inherits the parent's memory), so plain values need no serialisation. What must
exist in the child (descriptors, watchers, timers, mappings, segments, its own pid) is drawn as
a :class:`Tok` and made by :class:`Env` in the child, after it dropped its privileges, fresh for
each call and released after it.

Safety lives here: the strategies for process ids, signals, addresses, paths and segment ids
can only produce values that cannot reach anything outside the child and its scratch directory.
"""

from __future__ import annotations

import array
import contextlib
import itertools
import mmap
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

import sysapi
from sysapi._sysapi import ffi

__all__ = [
    "NO_SUCH_PID",
    "PAGE",
    "Env",
    "Planted",
    "Tok",
    "anything",
    "buffers",
    "fds",
    "ints",
    "paths",
    "pids",
    "signals",
]

PAGE = mmap.PAGESIZE
#: Above PID_MAX_LIMIT (4 Mi): never a live pid, and its low 32 bits are not one either, so a
#: binding that truncated a wider integer to pid_t would still miss every real process.
NO_SUCH_PID = (1 << 22) + 17
#: Signals the fuzzed child must never send itself: they cannot be blocked (KILL, STOP; 32
#: and 33, which glibc reserves and pthread_sigmask refuses: with no handler installed yet,
#: their default action ends the process) or are left unblocked so that faulthandler reports a
#: real crash.
_UNSENDABLE = frozenset(
    {
        32,
        33,
        signal.SIGKILL,
        signal.SIGSTOP,
        signal.SIGSEGV,
        signal.SIGBUS,
        signal.SIGILL,
        signal.SIGFPE,
        signal.SIGABRT,
    }
)
#: Signals the child can make pending (blocked, raised at itself): the sigwait calls never block
#: when their set holds one of them. 32 and 33 belong to glibc; SIGCONT is discarded from the
#: pending set when a stop signal is raised after it.
PENDABLE = tuple(
    s
    for s in range(1, signal.SIGRTMAX + 1)
    if s not in _UNSENDABLE and s not in (32, 33, signal.SIGCONT) and s in signal.valid_signals()
)


@dataclass(frozen=True)
class Tok:
    """A stand-in for something the child makes: ``kind`` names it, ``arg`` parametrises it."""

    kind: str
    arg: int = 0

    def __repr__(self) -> str:
        return f"<{self.kind}>" if not self.arg else f"<{self.kind} {self.arg}>"


# ---------------------------------------------------------------------------------------------
# Plain values.

BOUNDARY_INTS = (
    0,
    1,
    -1,
    2,
    7,
    4095,
    4096,
    4097,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFFF,
    1 << 32,
    0x7FFF_FFFF_FFFF_FFFF,
    1 << 63,
    (1 << 64) - 1,
    1 << 64,
    -(1 << 31),
    -(1 << 31) - 1,
    -(1 << 63),
    -(1 << 63) - 1,
    10**100,
    -(10**100),
)

#: Small non-negative numbers: the plausible values of sizes, offsets and counts.
small: st.SearchStrategy[int] = st.one_of(st.integers(0, 16), st.integers(0, 3 * 4096 + 1))

ints: st.SearchStrategy[int] = st.one_of(
    st.sampled_from(BOUNDARY_INTS),
    st.integers(-300, 300),
    st.integers(),
    st.integers(-(1 << 70), 1 << 70),
)

floats: st.SearchStrategy[float] = st.one_of(
    st.sampled_from([0.0, -0.0, 1e-9, 0.001, -1.0, 1e18, 1e300, float("inf"), float("-inf")]),
    st.just(float("nan")),
    st.floats(),
)

#: Text with everything: NULs, lone surrogates (which os.fsencode only accepts in the
#: surrogateescape range), astral characters.
texts: st.SearchStrategy[str] = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=40),
    st.sampled_from(["", "\0", "a\0b", "\udc80", "\ud800", "é", "\U0001f600"]),
    st.integers(250, 300).map(lambda n: "x" * n),
)

raw_bytes: st.SearchStrategy[bytes] = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b"", b"\0", b"a\0b"]),
    st.integers(250, 300).map(lambda n: b"\xff" * n),
)


class Planted(Exception):
    """Raised by the fuzz's own objects (a ``fileno()``, an ``__fspath__``, a callback): a call
    that lets it propagate is right to do so."""


class _WeirdFileno:
    """An object whose ``fileno()`` misbehaves."""

    def __init__(self, result: object) -> None:
        self.result = result

    def fileno(self) -> object:
        if isinstance(self.result, BaseException):
            raise self.result
        return self.result

    def __repr__(self) -> str:
        return f"WeirdFileno({self.result!r})"


class _WeirdPath:
    def __init__(self, result: object) -> None:
        self.result = result

    def __fspath__(self) -> object:
        if isinstance(self.result, BaseException):
            raise self.result
        return self.result

    def __repr__(self) -> str:
        return f"WeirdPath({self.result!r})"


def _raise(exc: BaseException) -> Callable[..., object]:
    def callback(*args: object) -> object:
        raise exc

    return callback


weird_objects: st.SearchStrategy[object] = st.sampled_from(
    [
        None,
        object(),
        [],
        (),
        {},
        {1, 2},
        1j,
        True,
        False,
        _WeirdFileno(-1),
        _WeirdFileno(1 << 70),
        _WeirdFileno("3"),
        _WeirdFileno(None),
        _WeirdFileno(Planted("fileno() raised")),
        _WeirdPath(Planted("__fspath__ raised")),
        _WeirdPath(b"file"),
        _WeirdPath(3),
        _WeirdPath(None),
        print,
        _raise(Planted("callback raised")),
    ]
)


def _noncontiguous(data: bytes) -> memoryview:
    return memoryview(bytearray(data))[::2]


#: Buffers of odd sizes and kinds, made in the parent (memory is inherited by the fork).
plain_buffers: st.SearchStrategy[object] = st.one_of(
    raw_bytes,
    raw_bytes.map(bytearray),
    raw_bytes.map(lambda b: memoryview(bytearray(b))),
    raw_bytes.map(lambda b: memoryview(b)),  # read-only
    raw_bytes.map(_noncontiguous),
    raw_bytes.map(lambda b: memoryview(bytearray(b))[1:]),
    st.lists(st.floats(allow_nan=False), max_size=5).map(lambda x: array.array("d", x)),
    st.sampled_from([Tok("bytes", 65536), Tok("bytes", 65537), Tok("bytearray", PAGE * 3 + 1)]),
)

#: Buffers that must exist in the child: mappings, closed mappings, shm attachments.
BUFFER_TOKENS = (
    Tok("mmap", 1),
    Tok("mmap", 3),
    Tok("mmap:closed"),
    Tok("mmap:file"),
    Tok("mmap:readonly"),
)


def buffers() -> st.SearchStrategy[object]:
    return st.one_of(plain_buffers, st.sampled_from(BUFFER_TOKENS + _shm_buffer_tokens()))


def _shm_buffer_tokens() -> tuple[Tok, ...]:
    if not hasattr(sysapi, "shmat"):
        return ()
    return (Tok("shm:attach"), Tok("shm:attach_ro"), Tok("shm:attach_detached"))


FD_TOKENS = (
    Tok("fd:file_ro"),
    Tok("fd:file_rw"),
    Tok("fd:file_wo"),
    Tok("fd:dir"),
    Tok("fd:pipe_r"),
    Tok("fd:pipe_w"),
    Tok("fd:pipe_full_w"),
    Tok("fd:closed"),
    Tok("fd:devnull"),
    Tok("fd:o_path"),
    Tok("fd:symlink_o_path"),
)


def handle_tokens() -> tuple[Tok, ...]:
    """Tokens for the owned handles of the areas that exist (open and closed)."""
    tokens: list[Tok] = []
    if hasattr(sysapi, "Inotify"):
        tokens += [Tok("inotify"), Tok("inotify:closed"), Tok("fd:inotify")]
    if hasattr(sysapi, "PosixTimer"):
        tokens += [Tok("timer"), Tok("timer:armed"), Tok("timer:callback"), Tok("timer:closed")]
    if hasattr(sysapi, "PidFd"):
        tokens += [Tok("fd:pidfd")]
    return tuple(tokens) + _shm_buffer_tokens() + mq_tokens()


def mq_tokens() -> tuple[Tok, ...]:
    """Open POSIX message queues (each holding one message, with room for more: no call on
    them waits) and a closed one."""
    if not hasattr(sysapi, "MessageQueue"):
        return ()
    return (Tok("mq"), Tok("mq:ro"), Tok("mq:wo"), Tok("mq:closed"))


def pidfd_tokens() -> tuple[Tok, ...]:
    """PidFds of the child itself (whatever is sent to it stays pending: the child blocks
    every signal it may be sent), of its exited child (a zombie, reaped by a wait), closed."""
    if not hasattr(sysapi, "PidFd"):
        return ()
    return (Tok("pidfd"), Tok("pidfd:zombie"), Tok("pidfd:closed"))


def signalfd_tokens() -> tuple[Tok, ...]:
    """SignalFds for every pendable signal (a read after raise_pending never waits), closed."""
    if not hasattr(sysapi, "SignalFd"):
        return ()
    return (Tok("signalfd"), Tok("signalfd:closed"))


def fds() -> st.SearchStrategy[object]:
    """A borrowed descriptor: any int (the child holds no descriptor it has not made for the
    call), a real one of every kind, a closed one, an object with a bad ``fileno()``."""
    tokens = st.sampled_from(FD_TOKENS + handle_tokens())
    return st.one_of(tokens, tokens, tokens, ints, weird_objects)


#: Names in the child's scratch directory (see Env._build_scratch). The path strategies only
#: name entries below the scratch directory: relative names (the child's cwd is the scratch
#: directory) without a ".." component, or absolute ones built in the child.
SCRATCH_NAMES = (
    "file",
    "empty",
    "dir",
    "dir/inner",
    "link",
    "dirlink",
    "dangling",
    "missing",
    "missing/deeper",
    "file/notadir",
    "ro",
    "noperm",
    "noperm/x",
    "fifo",
    "loop",
    ".",
    "dir/",
)


def _safe_relative(path: str) -> bool:
    return not path.startswith("/") and ".." not in path.split("/")


def paths() -> st.SearchStrategy[object]:
    names = st.sampled_from(SCRATCH_NAMES)
    return st.one_of(
        names,
        names.map(os.fsencode),
        names.map(Path),
        st.integers(0, len(SCRATCH_NAMES) - 1).map(lambda i: Tok("path:abs", i)),
        texts.filter(_safe_relative),
        raw_bytes.filter(lambda b: _safe_relative(b.decode("latin-1"))),
        st.sampled_from(["", "a\0b", "\udcff", b"\xff\xfe", "\ud800"]),
        st.sampled_from([Tok("longname", 256), Tok("longpath", 2100)]),
        weird_objects,
        ints,
    )


def pids() -> st.SearchStrategy[object]:
    """Only the child itself, 0 (the child's own group: it started a session), or ids that
    are certainly not a process even if truncated to 32 bits."""
    safe = st.sampled_from(
        [
            Tok("pid:self"),
            0,
            NO_SUCH_PID,
            -NO_SUCH_PID,
            NO_SUCH_PID + (1 << 32),
            NO_SUCH_PID - (1 << 32),
            NO_SUCH_PID + (1 << 64),
            NO_SUCH_PID + (1 << 80),
        ]
    )
    return st.one_of(safe, safe, safe, weird_objects, floats, texts)


def signals() -> st.SearchStrategy[object]:
    """Signal numbers, valid or not, except those the child must not send itself."""
    return st.one_of(
        ints.filter(lambda s: (s % (1 << 32)) not in _UNSENDABLE),
        st.sampled_from(PENDABLE),
        weird_objects,
        floats,
    )


def _not_empty(value: object) -> bool:
    return not (isinstance(value, Sized) and len(value) == 0)


def sigsets() -> st.SearchStrategy[object]:
    """Signal sets that never make a sigwait call block: every valid set holds a signal the
    child keeps pending (or an invalid number, which must be refused)."""

    def ensure_pending(values: list[int]) -> set[int]:
        chosen = set(values)
        if all(1 <= s <= signal.SIGRTMAX for s in chosen) and not chosen & set(PENDABLE):
            chosen.add(signal.SIGUSR1)
        return chosen

    # An empty set waits for nothing, for ever (as signal.sigwaitinfo(set()) does): never drawn.
    return st.one_of(
        st.lists(st.one_of(st.sampled_from(PENDABLE), ints), max_size=6).map(ensure_pending),
        st.lists(st.sampled_from(PENDABLE), min_size=1, max_size=4).map(frozenset),
        st.sampled_from(PENDABLE).map(lambda s: [s]),
        weird_objects.filter(_not_empty),
        texts.filter(bool),
    )


def anything() -> st.SearchStrategy[object]:
    """Any value of any kind, for a parameter whose every value is harmless."""
    return st.one_of(
        ints,
        floats,
        texts,
        raw_bytes,
        weird_objects,
        plain_buffers,
        st.sampled_from(FD_TOKENS + handle_tokens() + BUFFER_TOKENS),
    )


def flags(*members: int) -> st.SearchStrategy[object]:
    """Bit sets: unions of the given bits, single unknown bits, and anything."""
    known = list(members) or [0]
    unions = st.lists(st.sampled_from(known), max_size=min(len(known), 4)).map(_union)
    return st.one_of(
        unions,
        unions,
        unions,
        st.integers(0, 63).map(lambda b: 1 << b),
        ints,
        weird_objects,
    )


def _union(bits: list[int]) -> int:
    value = 0
    for bit in bits:
        value |= int(bit)
    return value


# ---------------------------------------------------------------------------------------------
# The child side.


class Env:
    """Makes the tokens of one call in the child, and releases them after it."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self._release: list[Callable[[], object]] = []
        self._build_scratch()

    def _build_scratch(self) -> None:
        s = self.scratch
        (s / "file").write_bytes(b"sysapi reliability\n" * 512)
        with contextlib.suppress(OSError):
            os.setxattr(s / "file", "user.a", b"1")
        (s / "empty").write_bytes(b"")
        (s / "dir").mkdir()
        (s / "dir" / "inner").write_bytes(b"x")
        (s / "link").symlink_to("file")
        (s / "dirlink").symlink_to("dir")
        (s / "dangling").symlink_to("missing")
        (s / "loop").symlink_to("loop")
        (s / "ro").write_bytes(b"read only")
        (s / "ro").chmod(0o444)
        (s / "noperm").mkdir()
        (s / "noperm" / "x").write_bytes(b"")
        (s / "noperm").chmod(0)
        os.mkfifo(s / "fifo")

    # -- life cycle -----------------------------------------------------------------------------

    def defer(self, func: Callable[..., object], *args: Any) -> None:
        self._release.append(lambda: func(*args))

    def release(self) -> None:
        while self._release:
            with contextlib.suppress(BaseException):
                self._release.pop()()

    def resolve(self, value: object) -> object:
        """Replace every token in ``value`` (recursively through lists and tuples)."""
        if isinstance(value, Tok):
            return self.make(value)
        if type(value) is list:
            return [self.resolve(v) for v in value]
        if type(value) is tuple:
            return tuple(self.resolve(v) for v in value)
        return value

    # -- tokens ---------------------------------------------------------------------------------

    def _fd(self, path: str | Path, flags: int) -> int:
        fd = os.open(path, flags | os.O_CLOEXEC)
        self.defer(os.close, fd)
        return fd

    def _pipe(self, fill: int) -> tuple[int, int]:
        r, w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.defer(os.close, r)
        self.defer(os.close, w)
        with contextlib.suppress(BlockingIOError):
            while fill > 0:
                fill -= os.write(w, b"p" * min(fill, 65536))
        return r, w

    def _mapping(self, pages: int) -> mmap.mmap:
        m = mmap.mmap(-1, pages * PAGE)
        self.defer(m.close)
        return m

    def make(self, tok: Tok) -> object:
        kind = tok.kind
        maker = getattr(self, "_make_" + kind.replace(":", "_"), None)
        if maker is None:
            raise LookupError(f"no maker for token {tok!r}")
        return maker(tok)

    def _make_fd_file_ro(self, tok: Tok) -> int:
        return self._fd("file", os.O_RDONLY)

    def _make_fd_file_rw(self, tok: Tok) -> int:
        return self._fd("file", os.O_RDWR)

    def _make_fd_file_wo(self, tok: Tok) -> int:
        return self._fd("file", os.O_WRONLY)

    def _make_fd_dir(self, tok: Tok) -> int:
        return self._fd("dir", os.O_RDONLY | os.O_DIRECTORY)

    def _make_fd_o_path(self, tok: Tok) -> int:
        return self._fd("file", os.O_PATH)

    def _make_fd_symlink_o_path(self, tok: Tok) -> int:
        return self._fd("link", os.O_PATH | os.O_NOFOLLOW)

    def _make_fd_devnull(self, tok: Tok) -> int:
        return self._fd(os.devnull, os.O_RDWR)

    def _make_fd_pipe_r(self, tok: Tok) -> int:
        return self._pipe(8192)[0]

    def _make_fd_pipe_w(self, tok: Tok) -> int:
        return self._pipe(0)[1]

    def _make_fd_pipe_full_w(self, tok: Tok) -> int:
        return self._pipe(1 << 20)[1]

    def _make_fd_closed(self, tok: Tok) -> int:
        fd = os.open(os.devnull, os.O_RDONLY)
        os.close(fd)
        return fd

    def _make_fd_inotify(self, tok: Tok) -> int:
        fd: int = sysapi.inotify_init1(os.O_CLOEXEC | os.O_NONBLOCK)  # type: ignore[attr-defined,unused-ignore]
        self.defer(os.close, fd)
        return fd

    def _make_path_abs(self, tok: Tok) -> str:
        return str(self.scratch / SCRATCH_NAMES[tok.arg])

    def _make_longname(self, tok: Tok) -> str:
        return "x" * tok.arg  # ENAMETOOLONG

    def _make_longpath(self, tok: Tok) -> str:
        return "d/" * tok.arg  # longer than PATH_MAX

    def _make_bytes(self, tok: Tok) -> bytes:
        return b"x" * tok.arg

    def _make_list_of_bytes(self, tok: Tok) -> list[bytes]:
        return [b"x"] * tok.arg

    def _make_bytearray(self, tok: Tok) -> bytearray:
        return bytearray(tok.arg)

    def _make_pid_self(self, tok: Tok) -> int:
        return os.getpid()

    def _make_tid_self(self, tok: Tok) -> int:
        return threading.get_native_id()

    def _make_mmap(self, tok: Tok) -> mmap.mmap:
        return self._mapping(tok.arg or 1)

    def _make_mmap_closed(self, tok: Tok) -> mmap.mmap:
        m = mmap.mmap(-1, PAGE)
        m.close()
        return m

    def _make_mmap_file(self, tok: Tok) -> mmap.mmap:
        fd = self._fd("file", os.O_RDWR)
        m = mmap.mmap(fd, 0)
        self.defer(m.close)
        return m

    def _make_mmap_readonly(self, tok: Tok) -> mmap.mmap:
        fd = self._fd("ro", os.O_RDONLY)
        m = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        self.defer(m.close)
        return m

    def address_of(self, m: mmap.mmap) -> int:
        return int(ffi.cast("uintptr_t", ffi.from_buffer(m)))

    def _make_addr_mmap(self, tok: Tok) -> int:
        """The page-aligned address of a fresh private mapping of 4 pages (plus ``arg``)."""
        return self.address_of(self._mapping(4)) + tok.arg

    def _make_addr_unmapped(self, tok: Tok) -> int:
        m = mmap.mmap(-1, 4 * PAGE)
        address = self.address_of(m)
        m.close()
        return address + tok.arg

    # -- areas' handles (made only when the area exists; tokens are drawn only then) ------------

    def _make_inotify(self, tok: Tok) -> object:
        """An open Inotify that watches the scratch directory and has an event queued, so a
        read returns at once whatever its timeout."""
        ino = sysapi.Inotify()  # type: ignore[attr-defined,unused-ignore]
        self.defer(ino.close)
        ino.add_watch(str(self.scratch), sysapi.IN_ALL_EVENTS)  # type: ignore[attr-defined,unused-ignore]
        (self.scratch / "event").write_bytes(b"")
        return ino

    def _make_inotify_closed(self, tok: Tok) -> object:
        ino = sysapi.Inotify()  # type: ignore[attr-defined,unused-ignore]
        ino.close()
        return ino

    def _make_timer(self, tok: Tok) -> object:
        timer = sysapi.PosixTimer()  # type: ignore[attr-defined,unused-ignore]
        self.defer(timer.close)
        return timer

    def _make_timer_armed(self, tok: Tok) -> object:
        timer = sysapi.PosixTimer(  # type: ignore[attr-defined,unused-ignore]
            sysapi.CLOCK_MONOTONIC,  # type: ignore[attr-defined,unused-ignore]
            signo=signal.SIGUSR2,
        )
        self.defer(timer.close)
        timer.settime_ns(1_000_000, 1_000_000)
        return timer

    def _make_timer_closed(self, tok: Tok) -> object:
        timer = sysapi.PosixTimer()  # type: ignore[attr-defined,unused-ignore]
        timer.close()
        return timer

    def _make_timer_callback(self, tok: Tok) -> object:
        timer = sysapi.PosixTimer(callback=lambda value: None)  # type: ignore[attr-defined,unused-ignore]
        self.defer(timer.close)
        return timer

    def _make_xattrs(self, tok: Tok) -> object:
        return sysapi.Xattrs("file")  # type: ignore[attr-defined,unused-ignore]

    def _make_xattrs_fd(self, tok: Tok) -> object:
        return sysapi.Xattrs(self._fd("file", os.O_RDWR))  # type: ignore[attr-defined,unused-ignore]

    def _make_xattrs_link(self, tok: Tok) -> object:
        return sysapi.Xattrs("link", follow_symlinks=False)  # type: ignore[attr-defined,unused-ignore]

    def _make_xattrs_closed_fd(self, tok: Tok) -> object:
        return sysapi.Xattrs(self._make_fd_closed(tok))  # type: ignore[attr-defined,unused-ignore]

    def _segment(self) -> int:
        shmid: int = sysapi.shmget(  # type: ignore[attr-defined,unused-ignore]
            sysapi.IPC_PRIVATE,  # type: ignore[attr-defined,unused-ignore]
            4 * PAGE,
            sysapi.IPC_CREAT | 0o600,  # type: ignore[attr-defined,unused-ignore]
        )
        self.defer(sysapi.shmctl, shmid, sysapi.IPC_RMID)  # type: ignore[attr-defined,unused-ignore]
        return shmid

    def _make_shm_id(self, tok: Tok) -> int:
        return self._segment()

    def _make_shm_removed(self, tok: Tok) -> int:
        shmid = self._segment()
        sysapi.shmctl(shmid, sysapi.IPC_RMID)  # type: ignore[attr-defined,unused-ignore]
        return shmid

    def _attach(self, flags: int) -> object:
        attachment = sysapi.shmat(self._segment(), flags)  # type: ignore[attr-defined,unused-ignore]
        self.defer(attachment.detach)
        return attachment

    def _make_shm_attach(self, tok: Tok) -> object:
        return self._attach(0)

    def _make_shm_attach_ro(self, tok: Tok) -> object:
        return self._attach(sysapi.SHM_RDONLY)  # type: ignore[attr-defined,unused-ignore]

    def _make_shm_attach_detached(self, tok: Tok) -> object:
        attachment = sysapi.shmat(self._segment(), 0)  # type: ignore[attr-defined,unused-ignore]
        attachment.detach()
        return attachment

    # -- POSIX message queues and semaphores: each is unlinked at once (it lives while open),
    # so that nothing outlives the child even if it crashes -------------------------------------

    def posix_name(self) -> str:
        """A fresh name for mq_open/sem_open: whatever the call creates under it is removed
        when the call ends."""
        name = f"/sysapi-fuzz-{os.getpid()}-{next(_POSIX_NAMES)}"
        self.defer(_quietly, sysapi.mq_unlink, name)  # type: ignore[attr-defined,unused-ignore]
        self.defer(_quietly, sysapi.sem_unlink, name)  # type: ignore[attr-defined,unused-ignore]
        return name

    def _make_posix_name(self, tok: Tok) -> str:
        return self.posix_name()

    def _posix_queue(self, oflag: int, messages: int = 1) -> Any:
        name = self.posix_name()
        q = sysapi.mq_open(  # type: ignore[attr-defined,unused-ignore]
            name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600
        )
        try:
            for _ in range(messages):
                q.send(b"queued")
        finally:
            q.close()
        mine = sysapi.mq_open(name, oflag)  # type: ignore[attr-defined,unused-ignore]
        sysapi.mq_unlink(name)  # type: ignore[attr-defined,unused-ignore]
        self.defer(mine.close)
        return mine

    def _make_mq(self, tok: Tok) -> object:
        return self._posix_queue(os.O_RDWR)

    def _make_mq_ro(self, tok: Tok) -> object:
        return self._posix_queue(os.O_RDONLY)

    def _make_mq_wo(self, tok: Tok) -> object:
        return self._posix_queue(os.O_WRONLY)

    def _make_mq_nonblock_empty(self, tok: Tok) -> object:
        return self._posix_queue(os.O_RDWR | os.O_NONBLOCK, messages=0)

    def _make_mq_closed(self, tok: Tok) -> object:
        q = self._posix_queue(os.O_RDWR)
        q.close()
        return q

    def _make_sem_named(self, tok: Tok) -> object:
        """A named semaphore of value 1000: no acquire on it waits."""
        name = self.posix_name()
        s = sysapi.sem_open(name, os.O_CREAT | os.O_EXCL, 0o600, 1000)  # type: ignore[attr-defined,unused-ignore]
        sysapi.sem_unlink(name)  # type: ignore[attr-defined,unused-ignore]
        self.defer(s.close)
        return s

    def _make_sem_named_closed(self, tok: Tok) -> object:
        s = self._make_sem_named(tok)
        s.close()  # type: ignore[attr-defined]
        return s

    def _make_sem_unnamed(self, tok: Tok) -> object:
        m = self._mapping(1)
        s = sysapi.Semaphore(m, 1000)  # type: ignore[attr-defined,unused-ignore]
        self.defer(s.close)  # released first (last in, first out): before its mapping
        return s

    def _make_sem_unnamed_closed(self, tok: Tok) -> object:
        s = sysapi.Semaphore(bytearray(64), 1)  # type: ignore[attr-defined,unused-ignore]
        s.close()
        return s

    def _make_fd_pidfd(self, tok: Tok) -> int:
        fd = os.pidfd_open(os.getpid())
        self.defer(os.close, fd)
        return fd

    def _make_pidfd(self, tok: Tok) -> object:
        pidfd = sysapi.pidfd_open(os.getpid())  # type: ignore[attr-defined,unused-ignore]
        self.defer(pidfd.close)
        return pidfd

    def _make_pidfd_zombie(self, tok: Tok) -> object:
        pid = os.fork()
        if pid == 0:
            os._exit(3)
        pidfd = sysapi.pidfd_open(pid)  # type: ignore[attr-defined,unused-ignore]
        self.defer(_reap_if_not_yet, pid)
        self.defer(pidfd.close)
        return pidfd

    def _make_pidfd_closed(self, tok: Tok) -> object:
        pidfd = sysapi.pidfd_open(os.getpid())  # type: ignore[attr-defined,unused-ignore]
        pidfd.close()
        return pidfd

    def _make_signalfd(self, tok: Tok) -> object:
        sfd = sysapi.signalfd(PENDABLE)  # type: ignore[attr-defined,unused-ignore]
        self.defer(sfd.close)
        return sfd

    def _make_signalfd_closed(self, tok: Tok) -> object:
        sfd = sysapi.signalfd(PENDABLE)  # type: ignore[attr-defined,unused-ignore]
        sfd.close()
        return sfd

    def _queue(self) -> int:
        msqid: int = sysapi.msgget(  # type: ignore[attr-defined,unused-ignore]
            sysapi.IPC_PRIVATE,  # type: ignore[attr-defined,unused-ignore]
            sysapi.IPC_CREAT | 0o600,  # type: ignore[attr-defined,unused-ignore]
        )
        self.defer(sysapi.msgctl, msqid, sysapi.IPC_RMID)  # type: ignore[attr-defined,unused-ignore]
        return msqid

    def _make_msg_id(self, tok: Tok) -> int:
        """A queue holding one message (type 1), with room for more."""
        msqid = self._queue()
        sysapi.msgsnd(msqid, 1, b"queued", sysapi.IPC_NOWAIT)  # type: ignore[attr-defined,unused-ignore]
        return msqid

    def _make_msg_removed(self, tok: Tok) -> int:
        msqid = self._queue()
        sysapi.msgctl(msqid, sysapi.IPC_RMID)  # type: ignore[attr-defined,unused-ignore]
        return msqid

    def _sem_set(self) -> int:
        semid: int = sysapi.semget(  # type: ignore[attr-defined,unused-ignore]
            sysapi.IPC_PRIVATE,  # type: ignore[attr-defined,unused-ignore]
            2,
            sysapi.IPC_CREAT | 0o600,  # type: ignore[attr-defined,unused-ignore]
        )
        self.defer(sysapi.semctl, semid, 0, sysapi.IPC_RMID)  # type: ignore[attr-defined,unused-ignore]
        return semid

    def _make_sem_id(self, tok: Tok) -> int:
        """A set of two semaphores at 1 and 0."""
        semid = self._sem_set()
        sysapi.semctl(semid, 0, sysapi.SETVAL, 1)  # type: ignore[attr-defined,unused-ignore]
        return semid

    def _make_sem_removed(self, tok: Tok) -> int:
        semid = self._sem_set()
        sysapi.semctl(semid, 0, sysapi.IPC_RMID)  # type: ignore[attr-defined,unused-ignore]
        return semid

    def raise_pending(self) -> None:
        """Make every pendable signal pending (the child blocks them all)."""
        pid = os.getpid()
        for s in PENDABLE:
            os.kill(pid, s)


_POSIX_NAMES = itertools.count()


def _quietly(func: Callable[..., object], *args: object) -> None:
    with contextlib.suppress(OSError):
        func(*args)


def _reap_if_not_yet(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def iter_tokens(value: object) -> Iterator[Tok]:
    if isinstance(value, Tok):
        yield value
    elif type(value) in (list, tuple):
        for v in value:  # type: ignore[attr-defined]
            yield from iter_tokens(v)
