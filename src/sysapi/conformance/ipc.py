"""Reference cases of the SysV message queues and semaphore sets and the POSIX message queues
and semaphores (the SysV shared memory cases are in ``process.py``)."""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import resource
import signal
import time
from collections.abc import Callable
from typing import Any

from sysapi import _syscall, ipc
from sysapi._sysapi import ffi, lib
from sysapi.conformance import Case, Context, NotProvokable
from sysapi.conformance.process import _alarm, _as_nobody, _new_ipc_namespace

IPC = "ipc"

CASES: list[Case] = []


# ==== POSIX message queues and semaphores ===================================================
#
# EINTR as in process.py: a thin-layer case (the shim called directly) shows the kernel's
# EINTR, and a public case records the PEP 475 retry (expect=0). ETIMEDOUT and sem_trywait's
# EAGAIN likewise: the thin layer shows the errno, the public call returns False/None.
# Unprivileged cases run in a grandchild (uid 65534) while the forked child stays root to
# create and always remove the queues and semaphores.

_NAMES = itertools.count()
_SMALL = ipc.MqAttr(mq_maxmsg=1, mq_msgsize=16)


def _name() -> str:
    return f"/sysapi-check-{os.getpid()}-{next(_NAMES)}"


def _quietly(func: Callable[..., object], *args: Any) -> None:
    with contextlib.suppress(OSError):
        func(*args)


def _queue(
    ctx: Context, oflag: int = os.O_RDWR, mode: int = 0o600, full: bool = False
) -> ipc.MessageQueue:
    """A new one-message queue, closed and removed when the case ends (``full``: holding its
    one message)."""
    name = _name()
    q = ipc.mq_open(name, os.O_CREAT | os.O_EXCL | oflag, mode, _SMALL)
    ctx.defer(_quietly, ipc.mq_unlink, name)
    ctx.defer(q.close)
    if full:
        with ipc.mq_open(name, os.O_WRONLY) as w:
            w.send(b"full")
    return q


def _semaphore(ctx: Context, value: int = 0, mode: int = 0o600) -> ipc.NamedSemaphore:
    name = _name()
    s = ipc.sem_open(name, os.O_CREAT | os.O_EXCL, mode, value)
    ctx.defer(_quietly, ipc.sem_unlink, name)
    ctx.defer(s.close)
    return s


def _lowest_free_fd() -> int:
    fd = os.open(os.devnull, os.O_RDONLY)
    os.close(fd)
    return fd


def _no_descriptor_left(ctx: Context, func: Callable[[], object]) -> None:
    """Call ``func`` with RLIMIT_NOFILE at the lowest free descriptor (a forked case)."""
    limit = _lowest_free_fd()
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    func()


def _msgqueue_exhausted(ctx: Context, nobody: bool) -> None:
    name = _name()
    ctx.defer(_quietly, ipc.mq_unlink, name)

    def create() -> None:
        ipc.mq_open(name, os.O_CREAT | os.O_RDWR, 0o600, _SMALL).close()

    limits = {resource.RLIMIT_MSGQUEUE: 1}
    if nobody:
        _as_nobody(ctx, create, limits)
    else:
        resource.setrlimit(resource.RLIMIT_MSGQUEUE, (1, 1))
        create()


def _mq_enospc(ctx: Context) -> None:
    _new_ipc_namespace()  # queues_max is per IPC namespace: only this child's is lowered
    with open("/proc/sys/fs/mqueue/queues_max", "w") as f:
        f.write("0")
    name = _name()
    _as_nobody(ctx, lambda: ipc.mq_open(name, os.O_CREAT | os.O_RDWR, 0o600, _SMALL).close())


def _as_nobody_on_queue(ctx: Context, use: Callable[[str], object], mode: int = 0o600) -> None:
    q = _queue(ctx, mode=mode)
    _as_nobody(ctx, lambda: use(q.name))


def _as_nobody_on_semaphore(ctx: Context, use: Callable[[str], object]) -> None:
    s = _semaphore(ctx)
    _as_nobody(ctx, lambda: use(s.name))


# -- the EINTR, ETIMEDOUT and EAGAIN pairs -----------------------------------------------------

_FAR = 3600.0  # a deadline an hour away: only the alarm ends the wait


def _mq_send_raw(ctx: Context) -> None:
    q = _queue(ctx, full=True)
    _alarm(ctx, 0.05)
    _syscall.check(lib.sysapi_mq_send(q.fileno(), b"x", 1, 0), ipc.MQ_SEND_SPEC)


def _mq_timedsend_raw(ctx: Context, seconds: float) -> None:
    q = _queue(ctx, full=True)
    if seconds > 0:
        _alarm(ctx, 0.05)
    sec, nsec = divmod(int((time.time() + seconds) * 1e9), 1_000_000_000)
    result = lib.sysapi_mq_timedsend(q.fileno(), b"x", 1, 0, sec, nsec)
    _syscall.check(result, ipc.MQ_TIMEDSEND_SPEC)


def _mq_receive_raw(ctx: Context) -> None:
    q = _queue(ctx)
    buf, prio = ffi.new("char[]", 16), ffi.new("unsigned int *")
    _alarm(ctx, 0.05)
    _syscall.check(lib.sysapi_mq_receive(q.fileno(), buf, 16, prio), ipc.MQ_RECEIVE_SPEC)


def _mq_timedreceive_raw(ctx: Context, seconds: float) -> None:
    q = _queue(ctx)
    buf, prio = ffi.new("char[]", 16), ffi.new("unsigned int *")
    if seconds > 0:
        _alarm(ctx, 0.05)
    sec, nsec = divmod(int((time.time() + seconds) * 1e9), 1_000_000_000)
    result = lib.sysapi_mq_timedreceive(q.fileno(), buf, 16, prio, sec, nsec)
    _syscall.check(result, ipc.MQ_TIMEDRECEIVE_SPEC)


def _interrupted(hits: list[int]) -> None:
    if not hits:
        raise NotProvokable("the alarm did not fire during the wait")


def _mq_send_retried(ctx: Context, timeout: float | None) -> None:
    q = _queue(ctx, full=True)
    # The handler makes room: the retried send then goes through.
    hits = _alarm(ctx, 0.05, lambda: ipc.mq_receive(q))
    if not q.send(b"after", timeout=timeout):
        raise AssertionError("the retried send timed out")
    _interrupted(hits)


def _mq_receive_retried(ctx: Context, timeout: float | None) -> None:
    q = _queue(ctx)
    hits = _alarm(ctx, 0.05, lambda: ipc.mq_send(q, b"from handler"))
    message = q.receive(timeout=timeout)
    _interrupted(hits)
    if message != (b"from handler", 0):
        raise AssertionError(f"receive returned {message!r} after the retry")


def _mq_timedsend_public_false(ctx: Context) -> None:
    q = _queue(ctx, full=True)
    if ipc.mq_timedsend(q, b"x", 0, time.time()) is not False:
        raise AssertionError("mq_timedsend past its deadline did not return False")


def _mq_timedreceive_public_none(ctx: Context) -> None:
    q = _queue(ctx)
    if ipc.mq_timedreceive(q, None, time.time()) is not None:
        raise AssertionError("mq_timedreceive past its deadline did not return None")


def _mq_notify_ebusy(ctx: Context) -> None:
    q = _queue(ctx)
    q.notify(signal.SIGUSR1)
    ctx.defer(q.notify, None)
    _as_nobody(ctx, lambda: ipc.mq_notify(q.fileno(), signal.SIGUSR1))


def _sem_wait_raw(ctx: Context) -> None:
    s = _semaphore(ctx)
    _alarm(ctx, 0.05)
    _syscall.check(lib.sysapi_sem_wait(s._h), ipc.SEM_WAIT_SPEC)


def _sem_clockwait_raw(ctx: Context, deadline_ns: int, alarm: bool) -> None:
    s = _semaphore(ctx)
    if alarm:
        _alarm(ctx, 0.05)
    _syscall.check(lib.sysapi_sem_clockwait(s._h, deadline_ns), ipc.SEM_CLOCKWAIT_SPEC)


def _sem_acquire_retried(ctx: Context, timeout: float | None) -> None:
    s = _semaphore(ctx)
    hits = _alarm(ctx, 0.05, s.release)
    if not s.acquire(timeout):
        raise AssertionError("the retried acquire timed out")
    _interrupted(hits)


def _sem_trywait_raw(ctx: Context) -> None:
    s = _semaphore(ctx)
    _syscall.check(lib.sysapi_sem_trywait(s._h), ipc.SEM_TRYWAIT_SPEC)


def _sem_false(ctx: Context, timeout: float) -> None:
    if _semaphore(ctx).acquire(timeout) is not False:
        raise AssertionError(f"acquire({timeout}) of a 0 semaphore did not return False")


def _fallback(func: Callable[[Context], None]) -> Callable[[Context], None]:
    """Run ``func`` with timed waits going through the sem_timedwait fallback (as on a glibc
    without sem_clockwait); only in a forked case, the switch is process-wide."""

    def case(ctx: Context) -> None:
        lib.sysapi_sem_clockwait_disable(1)
        ctx.defer(lib.sysapi_sem_clockwait_disable, 0)
        func(ctx)

    return case


def _sem_timedwait_raw(ctx: Context, seconds: float) -> None:
    s = _semaphore(ctx)
    if seconds:
        _alarm(ctx, 0.05)
    deadline = time.monotonic_ns() + int(seconds * 1e9)
    _syscall.check(lib.sysapi_sem_clockwait(s._h, deadline), ipc.SEM_TIMEDWAIT_SPEC)


def _needs_clockwait(func: Callable[[Context], None]) -> Callable[[Context], None]:
    def case(ctx: Context) -> None:
        if not lib.sysapi_sem_clockwait_available():
            raise NotProvokable("this glibc has no sem_clockwait (< 2.30): sem_timedwait is used")
        func(ctx)

    return case


_CAPPED = "sysapi passes only semaphores it opened or initialized; a closed one is ValueError"
_NO_ENOMEM = "the kernel's or glibc's allocation would have to fail; not provokable safely"
_NO_ENFILE = (
    "the system-wide file limit (fs.file-max) is not per namespace: lowering it would disturb "
    "the whole machine"
)
_FALLBACK = (
    "sem_timedwait is only the fallback for a glibc without sem_clockwait (< 2.30); this one has it"
)

O_RDWR, O_CREAT = os.O_RDWR, os.O_CREAT

POSIX_CASES: list[Case] = [
    # mq_open
    Case(
        IPC,
        "mq_open",
        errno.EACCES,
        "uid 65534 opens a 0600 queue of root",
        lambda ctx: _as_nobody_on_queue(ctx, lambda name: ipc.mq_open(name, os.O_RDONLY).close()),
        fork=True,
    ),
    Case(
        IPC,
        "mq_open",
        errno.EACCES,
        "name with a second slash ('/a/b')",
        lambda ctx: ipc.mq_open("/a/b", O_RDWR | O_CREAT).close(),
    ),
    Case(
        IPC,
        "mq_open",
        errno.EEXIST,
        "O_CREAT | O_EXCL of an existing queue",
        lambda ctx: ipc.mq_open(_queue(ctx).name, O_RDWR | O_CREAT | os.O_EXCL).close(),
    ),
    Case(
        IPC,
        "mq_open",
        errno.EINVAL,
        "name without a leading slash",
        lambda ctx: ipc.mq_open("no-slash", O_RDWR | O_CREAT).close(),
    ),
    Case(
        IPC,
        "mq_open",
        errno.EINVAL,
        "O_CREAT with mq_maxmsg 0",
        lambda ctx: ipc.mq_open(_name(), O_RDWR | O_CREAT, 0o600, ipc.MqAttr(0, 0, 16)).close(),
    ),
    Case(
        IPC,
        "mq_open",
        errno.EINVAL,
        "uid 65534 asks for mq_msgsize above fs.mqueue.msgsize_max",
        lambda ctx: _as_nobody(
            ctx,
            lambda: ipc.mq_open(_name(), O_RDWR | O_CREAT, 0o600, ipc.MqAttr(0, 1, 1 << 24)),
        ),
        fork=True,
    ),
    Case(
        IPC,
        "mq_open",
        errno.EMFILE,
        "RLIMIT_NOFILE at the lowest free descriptor",
        lambda ctx: _no_descriptor_left(ctx, lambda: ipc.mq_open(_name(), os.O_RDONLY)),
        fork=True,
    ),
    Case(
        IPC,
        "mq_open",
        errno.EMFILE,
        "RLIMIT_MSGQUEUE 1 byte (root: no capability lifts it)",
        lambda ctx: _msgqueue_exhausted(ctx, nobody=False),
        fork=True,
    ),
    Case(
        IPC,
        "mq_open",
        errno.EMFILE,
        "uid 65534, RLIMIT_MSGQUEUE 1 byte",
        lambda ctx: _msgqueue_exhausted(ctx, nobody=True),
        fork=True,
    ),
    Case(
        IPC,
        "mq_open",
        errno.ENAMETOOLONG,
        "a 256-character name",
        lambda ctx: ipc.mq_open("/" + "x" * 256, os.O_RDONLY).close(),
    ),
    Case(IPC, "mq_open", errno.ENFILE, "system-wide file limit", reason=_NO_ENFILE),
    Case(
        IPC,
        "mq_open",
        errno.ENOENT,
        "no such queue, no O_CREAT",
        lambda ctx: ipc.mq_open(_name(), os.O_RDONLY).close(),
    ),
    Case(
        IPC,
        "mq_open",
        errno.ENOENT,
        "the name '/' alone",
        lambda ctx: ipc.mq_open("/", os.O_RDONLY).close(),
    ),
    Case(
        IPC,
        "mq_open",
        errno.ENOMEM,
        "RLIMIT_MSGQUEUE 1 byte (the notes: ENOMEM)",
        lambda ctx: _msgqueue_exhausted(ctx, nobody=False),
        expect=errno.EMFILE,
        fork=True,
    ),
    Case(
        IPC,
        "mq_open",
        errno.ENOSPC,
        "uid 65534, fs.mqueue.queues_max 0 in a new IPC namespace",
        _mq_enospc,
        fork=True,
        root=True,
    ),
    # mq_unlink
    Case(
        IPC,
        "mq_unlink",
        errno.EACCES,
        "uid 65534 removes a queue of root",
        lambda ctx: _as_nobody_on_queue(ctx, ipc.mq_unlink, mode=0o666),
        fork=True,
    ),
    Case(
        IPC,
        "mq_unlink",
        errno.ENAMETOOLONG,
        "a 256-character name",
        lambda ctx: ipc.mq_unlink("/" + "x" * 256),
    ),
    Case(IPC, "mq_unlink", errno.ENOENT, "no such queue", lambda ctx: ipc.mq_unlink(_name())),
    # mq_send
    Case(
        IPC,
        "mq_send",
        errno.EAGAIN,
        "full O_NONBLOCK queue",
        lambda ctx: _queue(ctx, O_RDWR | os.O_NONBLOCK, full=True).send(b"x"),
    ),
    Case(
        IPC,
        "mq_send",
        errno.EBADF,
        "queue open O_RDONLY",
        lambda ctx: ipc.mq_send(_queue(ctx, os.O_RDONLY), b"x"),
    ),
    Case(
        IPC,
        "mq_send",
        errno.EINTR,
        "thin layer: SIGALRM handler interrupts the wait on a full queue",
        _mq_send_raw,
        fork=True,
    ),
    Case(
        IPC,
        "mq_send",
        errno.EINTR,
        "public send: interrupted by SIGALRM, retried (PEP 475) after the handler made room",
        lambda ctx: _mq_send_retried(ctx, None),
        expect=0,
        fork=True,
    ),
    Case(
        IPC,
        "mq_send",
        errno.EINVAL,
        "priority MQ_PRIO_MAX",
        lambda ctx: _queue(ctx).send(b"x", ipc.MQ_PRIO_MAX),
    ),
    Case(
        IPC,
        "mq_send",
        errno.EMSGSIZE,
        "17 bytes to a queue of mq_msgsize 16",
        lambda ctx: _queue(ctx).send(b"x" * 17),
    ),
    # mq_timedsend
    Case(
        IPC,
        "mq_timedsend",
        errno.EAGAIN,
        "full O_NONBLOCK queue",
        lambda ctx: ipc.mq_timedsend(
            _queue(ctx, O_RDWR | os.O_NONBLOCK, full=True), b"x", 0, time.time() + 10
        ),
    ),
    Case(
        IPC,
        "mq_timedsend",
        errno.EBADF,
        "queue open O_RDONLY",
        lambda ctx: _queue(ctx, os.O_RDONLY).send(b"x", timeout=1),
    ),
    Case(
        IPC,
        "mq_timedsend",
        errno.EINTR,
        "thin layer: SIGALRM handler interrupts the wait on a full queue",
        lambda ctx: _mq_timedsend_raw(ctx, _FAR),
        fork=True,
    ),
    Case(
        IPC,
        "mq_timedsend",
        errno.EINTR,
        "public send(timeout=): interrupted by SIGALRM, retried with the time left",
        lambda ctx: _mq_send_retried(ctx, _FAR),
        expect=0,
        fork=True,
    ),
    Case(
        IPC,
        "mq_timedsend",
        errno.EINVAL,
        "abs_timeout -1 (the queue has room: Linux checks it first)",
        lambda ctx: ipc.mq_timedsend(_queue(ctx), b"x", 0, -1),
    ),
    Case(
        IPC,
        "mq_timedsend",
        errno.EINVAL,
        "priority MQ_PRIO_MAX",
        lambda ctx: _queue(ctx).send(b"x", ipc.MQ_PRIO_MAX, timeout=1),
    ),
    Case(
        IPC,
        "mq_timedsend",
        errno.EMSGSIZE,
        "17 bytes to a queue of mq_msgsize 16",
        lambda ctx: _queue(ctx).send(b"x" * 17, timeout=1),
    ),
    Case(
        IPC,
        "mq_timedsend",
        errno.ETIMEDOUT,
        "thin layer: full queue, deadline now",
        lambda ctx: _mq_timedsend_raw(ctx, 0),
    ),
    Case(
        IPC,
        "mq_timedsend",
        errno.ETIMEDOUT,
        "public mq_timedsend: full queue, deadline now, returns False",
        _mq_timedsend_public_false,
        expect=0,
    ),
    # mq_receive
    Case(
        IPC,
        "mq_receive",
        errno.EAGAIN,
        "empty O_NONBLOCK queue",
        lambda ctx: _queue(ctx, O_RDWR | os.O_NONBLOCK).receive(),
    ),
    Case(
        IPC,
        "mq_receive",
        errno.EBADF,
        "queue open O_WRONLY",
        lambda ctx: ipc.mq_receive(_queue(ctx, os.O_WRONLY)),
    ),
    Case(
        IPC,
        "mq_receive",
        errno.EINTR,
        "thin layer: SIGALRM handler interrupts the wait on an empty queue",
        _mq_receive_raw,
        fork=True,
    ),
    Case(
        IPC,
        "mq_receive",
        errno.EINTR,
        "public receive: interrupted by SIGALRM, retried, takes the message the handler sent",
        lambda ctx: _mq_receive_retried(ctx, None),
        expect=0,
        fork=True,
    ),
    Case(
        IPC,
        "mq_receive",
        errno.EMSGSIZE,
        "msg_len 15 for a queue of mq_msgsize 16",
        lambda ctx: ipc.mq_receive(_queue(ctx, full=True), 15),
    ),
    # mq_timedreceive
    Case(
        IPC,
        "mq_timedreceive",
        errno.EAGAIN,
        "empty O_NONBLOCK queue",
        lambda ctx: ipc.mq_timedreceive(
            _queue(ctx, O_RDWR | os.O_NONBLOCK), None, time.time() + 10
        ),
    ),
    Case(
        IPC,
        "mq_timedreceive",
        errno.EBADF,
        "queue open O_WRONLY",
        lambda ctx: _queue(ctx, os.O_WRONLY).receive(timeout=1),
    ),
    Case(
        IPC,
        "mq_timedreceive",
        errno.EINTR,
        "thin layer: SIGALRM handler interrupts the wait on an empty queue",
        lambda ctx: _mq_timedreceive_raw(ctx, _FAR),
        fork=True,
    ),
    Case(
        IPC,
        "mq_timedreceive",
        errno.EINTR,
        "public receive(timeout=): interrupted by SIGALRM, retried with the time left",
        lambda ctx: _mq_receive_retried(ctx, _FAR),
        expect=0,
        fork=True,
    ),
    Case(
        IPC,
        "mq_timedreceive",
        errno.EINVAL,
        "abs_timeout -1 (a message is queued: Linux checks it first)",
        lambda ctx: ipc.mq_timedreceive(_queue(ctx, full=True), None, -1),
    ),
    Case(
        IPC,
        "mq_timedreceive",
        errno.EMSGSIZE,
        "msg_len 15 for a queue of mq_msgsize 16",
        lambda ctx: ipc.mq_timedreceive(_queue(ctx, full=True), 15, time.time() + 10),
    ),
    Case(
        IPC,
        "mq_timedreceive",
        errno.ETIMEDOUT,
        "thin layer: empty queue, deadline now",
        lambda ctx: _mq_timedreceive_raw(ctx, 0),
    ),
    Case(
        IPC,
        "mq_timedreceive",
        errno.ETIMEDOUT,
        "public mq_timedreceive: empty queue, deadline now, returns None",
        _mq_timedreceive_public_none,
        expect=0,
    ),
    # mq_getattr, mq_setattr, mq_notify
    Case(
        IPC,
        "mq_getattr",
        errno.EBADF,
        "a pipe",
        lambda ctx: ipc.mq_getattr(ctx.pipe()[0]),
    ),
    Case(
        IPC,
        "mq_setattr",
        errno.EBADF,
        "a pipe",
        lambda ctx: ipc.mq_setattr(ctx.pipe()[0], ipc.MqAttr()),
    ),
    Case(
        IPC,
        "mq_setattr",
        errno.EINVAL,
        "mq_flags O_NONBLOCK | O_APPEND",
        lambda ctx: ipc.mq_setattr(_queue(ctx), ipc.MqAttr(os.O_NONBLOCK | os.O_APPEND)),
    ),
    Case(
        IPC,
        "mq_notify",
        errno.EBADF,
        "a pipe",
        lambda ctx: ipc.mq_notify(ctx.pipe()[0], 10),
    ),
    Case(
        IPC,
        "mq_notify",
        errno.EBUSY,
        "uid 65534 registers for a queue root registered for",
        _mq_notify_ebusy,
        fork=True,
    ),
    Case(
        IPC,
        "mq_notify",
        errno.EINVAL,
        "signal 12345",
        lambda ctx: _queue(ctx).notify(12345),
    ),
    Case(IPC, "mq_notify", errno.ENOMEM, "no memory", reason=_NO_ENOMEM),
    # sem_open, sem_unlink
    Case(
        IPC,
        "sem_open",
        errno.EACCES,
        "uid 65534 opens a 0600 semaphore of root",
        lambda ctx: _as_nobody_on_semaphore(ctx, lambda name: ipc.sem_open(name).close()),
        fork=True,
    ),
    Case(
        IPC,
        "sem_open",
        errno.EEXIST,
        "O_CREAT | O_EXCL of an existing semaphore",
        lambda ctx: ipc.sem_open(_semaphore(ctx).name, O_CREAT | os.O_EXCL).close(),
    ),
    Case(
        IPC,
        "sem_open",
        errno.EINVAL,
        "value SEM_VALUE_MAX + 1",
        lambda ctx: ipc.sem_open(_name(), O_CREAT, 0o600, ipc.SEM_VALUE_MAX + 1).close(),
    ),
    Case(
        IPC,
        "sem_open",
        errno.EINVAL,
        "the name '/' alone",
        lambda ctx: ipc.sem_open("/").close(),
    ),
    Case(
        IPC,
        "sem_open",
        errno.EMFILE,
        "RLIMIT_NOFILE at the lowest free descriptor",
        lambda ctx: _no_descriptor_left(ctx, lambda: ipc.sem_open(_name(), O_CREAT)),
        fork=True,
    ),
    Case(
        IPC,
        "sem_open",
        errno.ENAMETOOLONG,
        "a 252-character name (/dev/shm/sem.NAME is then 256)",
        lambda ctx: ipc.sem_open("/" + "x" * 252, O_CREAT).close(),
    ),
    Case(
        IPC,
        "sem_open",
        errno.ENAMETOOLONG,
        "a 256-character name: glibc's own check answers EINVAL",
        lambda ctx: ipc.sem_open("/" + "x" * 256, O_CREAT).close(),
        expect=errno.EINVAL,
    ),
    Case(IPC, "sem_open", errno.ENFILE, "system-wide file limit", reason=_NO_ENFILE),
    Case(
        IPC,
        "sem_open",
        errno.ENOENT,
        "no such semaphore, no O_CREAT",
        lambda ctx: ipc.sem_open(_name()).close(),
    ),
    Case(
        IPC,
        "sem_open",
        errno.ENOENT,
        "name with a second slash ('/a/b'; the man page: ENOENT)",
        lambda ctx: ipc.sem_open("/a/b", O_CREAT).close(),
        expect=errno.EINVAL,
    ),
    Case(IPC, "sem_open", errno.ENOMEM, "no memory", reason=_NO_ENOMEM),
    Case(
        IPC,
        "sem_unlink",
        errno.EACCES,
        "uid 65534 removes a semaphore of root (sticky /dev/shm)",
        lambda ctx: _as_nobody_on_semaphore(ctx, ipc.sem_unlink),
        fork=True,
    ),
    Case(
        IPC,
        "sem_unlink",
        errno.ENAMETOOLONG,
        "a 252-character name",
        lambda ctx: ipc.sem_unlink("/" + "x" * 252),
    ),
    Case(IPC, "sem_unlink", errno.ENOENT, "no such semaphore", lambda ctx: ipc.sem_unlink(_name())),
    # the waits
    Case(
        IPC,
        "sem_wait",
        errno.EINTR,
        "thin layer: SIGALRM handler interrupts the wait",
        _sem_wait_raw,
        fork=True,
    ),
    Case(
        IPC,
        "sem_wait",
        errno.EINTR,
        "public acquire(): interrupted by SIGALRM, retried, takes what the handler released",
        lambda ctx: _sem_acquire_retried(ctx, None),
        expect=0,
        fork=True,
    ),
    Case(IPC, "sem_wait", errno.EINVAL, "invalid semaphore", reason=_CAPPED),
    Case(IPC, "sem_trywait", errno.EAGAIN, "thin layer: value 0", _sem_trywait_raw),
    Case(
        IPC,
        "sem_trywait",
        errno.EAGAIN,
        "public acquire(0): value 0, returns False",
        lambda ctx: _sem_false(ctx, 0),
        expect=0,
    ),
    Case(
        IPC,
        "sem_trywait",
        errno.EINTR,
        "interrupted",
        reason="sem_trywait never sleeps: no signal can interrupt it",
    ),
    Case(IPC, "sem_trywait", errno.EINVAL, "invalid semaphore", reason=_CAPPED),
    Case(
        IPC,
        "sem_clockwait",
        errno.EINTR,
        "thin layer: SIGALRM handler interrupts the wait",
        _needs_clockwait(lambda ctx: _sem_clockwait_raw(ctx, time.monotonic_ns() + 10**12, True)),
        fork=True,
    ),
    Case(
        IPC,
        "sem_clockwait",
        errno.EINTR,
        "public acquire(timeout): interrupted by SIGALRM, retried with the time left",
        _needs_clockwait(lambda ctx: _sem_acquire_retried(ctx, _FAR)),
        expect=0,
        fork=True,
    ),
    Case(
        IPC,
        "sem_clockwait",
        errno.EINVAL,
        "thin layer: a deadline of -1 ns (tv_nsec -1)",
        _needs_clockwait(lambda ctx: _sem_clockwait_raw(ctx, -1, False)),
    ),
    Case(
        IPC,
        "sem_clockwait",
        errno.ETIMEDOUT,
        "thin layer: value 0, deadline now",
        _needs_clockwait(lambda ctx: _sem_clockwait_raw(ctx, time.monotonic_ns(), False)),
    ),
    Case(
        IPC,
        "sem_clockwait",
        errno.ETIMEDOUT,
        "public acquire(0.01): value 0, returns False",
        _needs_clockwait(lambda ctx: _sem_false(ctx, 0.01)),
        expect=0,
    ),
    Case(
        IPC,
        "sem_timedwait",
        errno.EINTR,
        "thin layer, fallback forced: SIGALRM handler interrupts the wait",
        _fallback(lambda ctx: _sem_timedwait_raw(ctx, _FAR)),
        fork=True,
    ),
    Case(
        IPC,
        "sem_timedwait",
        errno.EINTR,
        "public acquire(timeout), fallback forced: interrupted by SIGALRM, retried",
        _fallback(lambda ctx: _sem_acquire_retried(ctx, _FAR)),
        expect=0,
        fork=True,
    ),
    Case(
        IPC,
        "sem_timedwait",
        errno.EINVAL,
        "invalid deadline",
        reason="the fallback computes its CLOCK_REALTIME deadline itself, always valid",
    ),
    Case(
        IPC,
        "sem_timedwait",
        errno.ETIMEDOUT,
        "thin layer, fallback forced: value 0, deadline now",
        _fallback(lambda ctx: _sem_timedwait_raw(ctx, 0)),
        fork=True,
    ),
    Case(
        IPC,
        "sem_timedwait",
        errno.ETIMEDOUT,
        "public acquire(0.01), fallback forced: returns False",
        _fallback(lambda ctx: _sem_false(ctx, 0.01)),
        expect=0,
        fork=True,
    ),
    Case(IPC, "sem_post", errno.EINVAL, "invalid semaphore", reason=_CAPPED),
    Case(
        IPC,
        "sem_post",
        errno.EOVERFLOW,
        "value SEM_VALUE_MAX",
        lambda ctx: _semaphore(ctx, ipc.SEM_VALUE_MAX).release(),
    ),
    Case(IPC, "sem_getvalue", errno.EINVAL, "invalid semaphore", reason=_CAPPED),
    Case(
        IPC,
        "sem_init",
        errno.EINVAL,
        "value SEM_VALUE_MAX + 1",
        lambda ctx: ipc.Semaphore(bytearray(ipc.SEM_SIZE), ipc.SEM_VALUE_MAX + 1),
    ),
    Case(
        IPC,
        "sem_init",
        errno.ENOSYS,
        "no process-shared semaphores",
        reason="Linux (NPTL) supports process-shared semaphores",
    ),
    Case(IPC, "sem_close", errno.EINVAL, "invalid semaphore", reason=_CAPPED),
    Case(
        IPC,
        "sem_destroy",
        errno.EINVAL,
        "invalid semaphore",
        reason="glibc's sem_destroy never fails; " + _CAPPED,
    ),
]

CASES += POSIX_CASES
