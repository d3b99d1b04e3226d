"""POSIX message queues and semaphores (sysapi.ipc): MessageQueue and the mq_* calls,
NamedSemaphore, Semaphore, sem_open/sem_unlink.

No test leaves a queue or a semaphore behind: every one has a unique name and is unlinked in
a ``finally``, and an autouse fixture compares the queues (listed through an mqueue
filesystem mounted in a forked child's private mount namespace) and /dev/shm/sem.* before and
after each test.
"""

from __future__ import annotations

import ast
import asyncio
import ctypes
import dataclasses
import errno
import fcntl
import gc
import itertools
import mmap
import os
import pickle
import signal
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import sysapi
from sysapi import errors, ipc
from sysapi._sysapi import ffi, lib
from sysapi.ipc import MQ_PRIO_MAX, SEM_SIZE, SEM_VALUE_MAX, MessageQueue, MqAttr

QEMU_MQ_NOTIFY = pytest.mark.emulator("qemu-user does not implement mq_notify (ENOSYS)")

_COUNTER = itertools.count()
CLONE_NEWNS = 0x00020000
MS_REC, MS_PRIVATE = 0x4000, 1 << 18


def unique(kind: str = "t") -> str:
    # The random part: several tests open with O_CREAT alone, and a name another user can
    # predict could be planted (a /dev/shm/sem.* file of theirs) before the test runs.
    return f"/sysapi-{kind}-{os.getpid()}-{os.urandom(6).hex()}-{next(_COUNTER)}"


def _in_child(func: Callable[[], object]) -> Any:
    """Run ``func`` in a forked child; return what it returned (pickled), or raise what it
    raised."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(r)
            try:
                outcome: Any = ("ok", func())
            except BaseException as exc:
                outcome = ("raised", exc)
            os.write(w, pickle.dumps(outcome))
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    assert data, f"the child died (status {status:#x})"
    kind, value = pickle.loads(data)
    if kind == "raised":
        raise value
    return value


def _list_mqueue() -> list[str]:
    """In a forked child: a private mount namespace with the mqueue filesystem mounted on a
    fresh directory (it lists the queues of our IPC namespace)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise OSError(ctypes.get_errno(), "mount --make-rprivate /")
    where = tempfile.mkdtemp(prefix="sysapi-mqueue-")
    try:
        if libc.mount(b"mqueue", where.encode(), b"mqueue", 0, None) != 0:
            raise OSError(ctypes.get_errno(), "mount -t mqueue")
        return sorted(os.listdir(where))
    finally:
        libc.umount2(where.encode(), 2)  # MNT_DETACH
        os.rmdir(where)


def queues() -> set[str]:
    names: list[str] = _in_child(_list_mqueue)
    return set(names)


def semaphores() -> set[str]:
    return {n for n in os.listdir("/dev/shm") if n.startswith("sem.")}


def _ours(names: set[str]) -> set[str]:
    """The names this test process made (unique() puts its pid in each): other test runs on
    the machine share the IPC namespace and may create objects meanwhile."""
    return {n for n in names if f"-{os.getpid()}-" in n}


@pytest.fixture(autouse=True)
def nothing_left_behind() -> Iterator[None]:
    root = os.geteuid() == 0  # mounting the mqueue filesystem needs CAP_SYS_ADMIN
    before = (queues() if root else set(), semaphores())
    yield
    gc.collect()
    after = (queues() if root else set(), semaphores())
    assert _ours(after[0] - before[0]) == set(), "a test left a message queue behind"
    assert _ours(after[1] - before[1]) == set(), "a test left a named semaphore behind"


@pytest.fixture
def mq() -> Iterator[MessageQueue]:
    name = unique("mq")
    q = ipc.mq_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600, MqAttr(0, 4, 64))
    try:
        yield q
    finally:
        q.close()
        ipc.mq_unlink(name)


@pytest.fixture
def sem() -> Iterator[ipc.NamedSemaphore]:
    name = unique("sem")
    s = ipc.sem_open(name, os.O_CREAT | os.O_EXCL, 0o600, 1)
    try:
        yield s
    finally:
        s.close()
        ipc.sem_unlink(name)


# ---- the leak check itself --------------------------------------------------------------------


@pytest.mark.requires_root
def test_the_mqueue_listing_sees_a_queue() -> None:
    name = unique("seen")
    q = ipc.mq_open(name, os.O_CREAT | os.O_RDWR)
    try:
        assert name[1:] in queues()
    finally:
        q.close()
        ipc.mq_unlink(name)
    assert name[1:] not in queues()


def test_the_semaphore_listing_sees_a_semaphore() -> None:
    name = unique("seen")
    with ipc.sem_open(name, os.O_CREAT):
        try:
            assert f"sem.{name[1:]}" in semaphores()
        finally:
            ipc.sem_unlink(name)


# ---- message queues ---------------------------------------------------------------------------


def test_constants_and_names_are_exported() -> None:
    assert MQ_PRIO_MAX == 32768
    assert SEM_VALUE_MAX == 2**31 - 1
    assert SEM_SIZE == 32  # sizeof(sem_t) on x86-64 and aarch64 glibc
    for name in ("MessageQueue", "NamedSemaphore", "Semaphore", "mq_open", "sem_unlink"):
        assert getattr(sysapi, name) is getattr(ipc, name)


def test_priority_order_then_fifo(mq: MessageQueue) -> None:
    for data, prio in [(b"a", 1), (b"b", 5), (b"c", 1), (b"d", 5)]:
        assert mq.send(data, prio) is True
    got = [mq.receive() for _ in range(4)]
    assert got == [(b"b", 5), (b"d", 5), (b"a", 1), (b"c", 1)]


def test_attr_follows_the_queue(mq: MessageQueue) -> None:
    assert mq.attr == MqAttr(0, 4, 64, 0)
    mq.send(b"x")
    assert mq.attr.mq_curmsgs == 1
    assert ipc.mq_getattr(mq) == ipc.mq_getattr(mq.fileno()) == MqAttr(0, 4, 64, 1)
    assert mq.name.startswith("/sysapi-mq-")


def test_send_takes_any_bytes_like(mq: MessageQueue) -> None:
    mq.send(bytearray(b"ba"))
    mq.send(memoryview(b"xmvx")[1:3])
    mq.send(b"")
    assert [mq.receive() for _ in range(3)] == [(b"ba", 0), (b"mv", 0), (b"", 0)]
    with pytest.raises(TypeError):
        mq.send("text")
    with pytest.raises(TypeError):
        mq.send(memoryview(bytearray(8))[::2])


def test_timeouts_return_false_and_none(mq: MessageQueue) -> None:
    assert mq.receive(timeout=0) is None
    assert mq.receive(timeout=0.01) is None
    for i in range(4):
        assert mq.send(bytes([i]), timeout=0)
    assert mq.send(b"full", timeout=0) is False
    assert mq.send(b"full", timeout=0.01) is False
    assert mq.receive(timeout=0.01) == (b"\0", 0)
    with pytest.raises(ValueError):
        mq.receive(timeout=-1)
    with pytest.raises(ValueError):
        mq.send(b"x", timeout=float("nan"))


def test_a_timed_receive_wakes_when_a_message_arrives(mq: MessageQueue) -> None:
    threading.Timer(0.05, mq.send, (b"late", 3)).start()
    assert mq.receive(timeout=30) == (b"late", 3)


def test_a_timed_send_wakes_when_room_appears(mq: MessageQueue) -> None:
    for _ in range(4):
        mq.send(b"x")
    threading.Timer(0.05, mq.receive).start()
    assert mq.send(b"in", timeout=30) is True


def test_o_nonblock_raises_eagain_without_timeout() -> None:
    name = unique()
    q = ipc.mq_open(name, os.O_CREAT | os.O_RDWR | os.O_NONBLOCK, 0o600, MqAttr(0, 1, 16))
    try:
        with pytest.raises(errors.EAGAIN) as info:
            q.receive()
        assert info.value.syscall == "mq_receive" and info.value.documented
        assert isinstance(info.value, BlockingIOError)
        q.send(b"1")
        with pytest.raises(errors.EAGAIN) as info:
            q.send(b"2")
        assert info.value.syscall == "mq_send"
        # A timeout governs the wait whatever O_NONBLOCK says.
        assert q.send(b"2", timeout=0) is False
        assert q.receive(timeout=0) == (b"1", 0)
        assert q.receive(timeout=0.01) is None
    finally:
        q.close()
        ipc.mq_unlink(name)


def test_message_and_priority_errors(mq: MessageQueue) -> None:
    with pytest.raises(errors.EMSGSIZE) as info:
        mq.send(b"x" * 65)
    assert info.value.syscall == "mq_send"
    with pytest.raises(errors.EMSGSIZE) as info:
        mq.send(b"x" * 65, timeout=1)
    assert info.value.syscall == "mq_timedsend"
    with pytest.raises(errors.EINVAL) as bad:
        mq.send(b"x", MQ_PRIO_MAX)
    assert bad.value.documented
    with pytest.raises((OverflowError, ValueError)):
        mq.send(b"x", -1)
    mq.send(b"top", MQ_PRIO_MAX - 1)
    assert mq.receive() == (b"top", MQ_PRIO_MAX - 1)


def test_mq_open_errors() -> None:
    name = unique()
    with pytest.raises(errors.ENOENT):
        ipc.mq_open(name, os.O_RDONLY)
    with pytest.raises(errors.EINVAL):
        ipc.mq_open("no-slash", os.O_CREAT | os.O_RDWR)
    with pytest.raises(errors.EINVAL):
        ipc.mq_open(name, os.O_CREAT | os.O_RDWR, 0o600, MqAttr(0, 0, 16))
    with pytest.raises(errors.EACCES):
        ipc.mq_open("/a/b", os.O_CREAT | os.O_RDWR)
    with pytest.raises(errors.ENAMETOOLONG):
        ipc.mq_open("/" + "x" * 256, os.O_RDONLY)
    with pytest.raises(TypeError):
        ipc.mq_open(3, os.O_RDONLY)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ipc.mq_open("/a\0b", os.O_RDONLY)
    with pytest.raises(TypeError):
        ipc.mq_open(name, os.O_CREAT, 0o600, (1, 2))  # type: ignore[arg-type]
    q = ipc.mq_open(name.encode(), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    try:
        assert q.name == name
        with pytest.raises(errors.EEXIST):
            ipc.mq_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR)
        with pytest.raises(errors.EBADF) as info:
            q.receive(timeout=0)
        assert info.value.syscall == "mq_timedreceive"
    finally:
        q.close()
        ipc.mq_unlink(name)
    with pytest.raises(errors.ENOENT):
        ipc.mq_unlink(name)


def test_the_descriptor_is_close_on_exec_and_close_does_not_unlink() -> None:
    name = unique()
    q = ipc.mq_open(name, os.O_CREAT | os.O_RDWR)
    try:
        assert fcntl.fcntl(q.fileno(), fcntl.F_GETFD) & fcntl.FD_CLOEXEC
        q.send(b"kept")
        q.close()
        q.close()
        with ipc.mq_open(name, os.O_RDONLY) as again:
            assert again.receive() == (b"kept", 0)
    finally:
        q.close()
        ipc.mq_unlink(name)


def test_a_closed_queue_raises_valueerror(mq: MessageQueue) -> None:
    mq.close()
    assert mq.closed
    for use in (
        lambda: mq.send(b"x"),
        lambda: mq.send(b"x", timeout=0),
        lambda: mq.receive(),
        lambda: mq.receive(timeout=0),
        lambda: mq.attr,
        lambda: mq.notify(signal.SIGUSR1),
        lambda: ipc.mq_send(mq, b"x"),
        mq.fileno,
    ):
        with pytest.raises(ValueError):
            use()


def test_collected_open_warns_and_closes() -> None:
    name = unique()
    q = ipc.mq_open(name, os.O_CREAT | os.O_RDWR)
    fd = q.fileno()
    try:
        with pytest.warns(ResourceWarning):
            del q
            gc.collect()
        with pytest.raises(OSError):
            os.fstat(fd)
    finally:
        ipc.mq_unlink(name)


def test_a_large_msg_len_tells_the_kernel_the_buffers_size(
    mq: MessageQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The buffer is mq_msgsize bytes, and so is the length the kernel is told: never more
    than the memory behind it (qemu-user, which checks the whole range, answered EFAULT)."""
    lengths: list[int] = []
    real = ipc._mq_receive

    def spy(fd: int, buf: Any, length: int, prio: Any) -> int:
        lengths.append(length)
        assert len(ffi.buffer(buf)) >= length
        return int(real(fd, buf, length, prio))

    monkeypatch.setattr(ipc, "_mq_receive", spy)
    mq.send(b"big")
    assert ipc.mq_receive(mq, 1 << 40) == (b"big", 0)
    assert lengths == [64]
    with pytest.raises(OverflowError):
        ipc.mq_receive(mq, 1 << 64)


def test_thin_calls(mq: MessageQueue) -> None:
    fd = mq.fileno()
    ipc.mq_send(fd, b"one", 2)
    ipc.mq_send(mq, bytearray(b"two"))
    assert ipc.mq_receive(fd) == (b"one", 2)
    with pytest.raises(errors.EMSGSIZE):
        ipc.mq_receive(fd, 63)
    assert ipc.mq_receive(mq, 1 << 40) == (b"two", 0)  # no allocation follows msg_len
    assert ipc.mq_timedreceive(fd, None, time.time() + 0.01) is None
    assert ipc.mq_timedreceive(fd, 64, 0) is None  # a deadline long past
    with pytest.raises(errors.EINVAL) as info:
        ipc.mq_timedreceive(fd, 64, -1)
    assert info.value.syscall == "mq_timedreceive"
    for i in range(4):
        assert ipc.mq_timedsend(fd, b"x", i, time.time() + 10)
    assert ipc.mq_timedsend(fd, b"x", 0, time.time() + 0.01) is False
    assert ipc.mq_timedreceive(mq, None, time.time() + 10) == (b"x", 3)
    with pytest.raises(errors.EINVAL):
        ipc.mq_timedsend(fd, b"x", 0, -5)
    with pytest.raises(ValueError):
        ipc.mq_timedsend(fd, b"x", 0, float("nan"))


def test_mq_setattr_switches_o_nonblock(mq: MessageQueue) -> None:
    old = ipc.mq_setattr(mq, MqAttr(mq_flags=os.O_NONBLOCK, mq_maxmsg=999))
    assert old == MqAttr(0, 4, 64, 0)
    assert mq.attr == MqAttr(os.O_NONBLOCK, 4, 64, 0)  # mq_maxmsg is not settable
    with pytest.raises(errors.EAGAIN):
        mq.receive()
    with pytest.raises(errors.EINVAL) as info:
        ipc.mq_setattr(mq, MqAttr(mq_flags=os.O_NONBLOCK | os.O_APPEND))
    assert info.value.documented
    with pytest.raises(TypeError):
        ipc.mq_setattr(mq, None)  # type: ignore[arg-type]


@QEMU_MQ_NOTIFY
def test_calls_on_a_descriptor_that_is_not_a_queue() -> None:
    r, w = os.pipe()
    try:
        with pytest.raises(errors.EBADF):
            ipc.mq_getattr(r)
        with pytest.raises(errors.EBADF):
            ipc.mq_send(w, b"x")
        with pytest.raises(errors.EBADF):
            ipc.mq_notify(r, signal.SIGUSR1)
    finally:
        os.close(r)
        os.close(w)


def test_iteration(mq: MessageQueue) -> None:
    for i in range(3):
        mq.send(bytes([i]), i)
    got = []
    for data, prio in mq:
        got.append((data, prio))
        if len(got) == 3:
            break
    assert got == [(b"\2", 2), (b"\1", 1), (b"\0", 0)]


def test_receive_from_many_threads_takes_each_message_once(mq: MessageQueue) -> None:
    got: list[bytes] = []
    lock = threading.Lock()

    def reader() -> None:
        while True:
            message = mq.receive(timeout=5)
            assert message is not None
            if message[0] == b"stop":
                return
            with lock:
                got.append(message[0])

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    sent = [str(i).encode() for i in range(400)]
    for data in sent:
        mq.send(data, timeout=5)
    for _ in threads:
        mq.send(b"stop", timeout=5)
    for t in threads:
        t.join()
    assert sorted(got) == sorted(sent)


def test_a_forked_child_uses_the_inherited_queue(mq: MessageQueue) -> None:
    _in_child(lambda: mq.send(b"from the child", 7))
    assert mq.receive(timeout=10) == (b"from the child", 7)


# ---- notification -----------------------------------------------------------------------------


@QEMU_MQ_NOTIFY
def test_notify_sends_si_mesgq_with_the_value(mq: MessageQueue) -> None:
    sig = signal.SIGRTMIN + 3
    with sysapi.block_signals({sig}):
        mq.notify(sig, 1234)
        child = os.fork()
        if child == 0:
            try:
                mq.send(b"wake")
            finally:
                os._exit(0)
        os.waitpid(child, 0)
        info = sysapi.sigtimedwait({sig}, 10)
        assert info is not None
        assert info.si_code == sysapi.SI_MESGQ
        assert info.si_value == 1234
        assert info.si_pid == child
        assert info.si_uid == os.getuid()
        # Used up: the next message on the (empty again) queue sends nothing.
        assert mq.receive(timeout=0) == (b"wake", 0)
        mq.send(b"again")
        assert sysapi.sigtimedwait({sig}, 0.05) is None


@QEMU_MQ_NOTIFY
def test_notify_none_removes_the_registration(mq: MessageQueue) -> None:
    sig = signal.SIGRTMIN + 4
    with sysapi.block_signals({sig}):
        mq.notify(sig)
        mq.notify(None)
        mq.send(b"x")
        assert sysapi.sigtimedwait({sig}, 0.05) is None


@QEMU_MQ_NOTIFY
def test_notify_is_one_process_per_queue(mq: MessageQueue) -> None:
    sig = signal.SIGRTMIN + 5
    with sysapi.block_signals({sig}):
        mq.notify(sig)
        try:
            with pytest.raises(errors.EBUSY) as info:
                _in_child(lambda: mq.notify(sig))
            assert info.value.syscall == "mq_notify" and info.value.documented
        finally:
            mq.notify(None)
    with pytest.raises(errors.EINVAL):
        mq.notify(12345)


# ---- asyncio ----------------------------------------------------------------------------------


def test_areceive_and_async_for(mq: MessageQueue) -> None:
    async def main() -> list[tuple[bytes, int]]:
        loop = asyncio.get_running_loop()
        loop.call_later(0.02, mq.send, b"first", 1)
        got = [await asyncio.wait_for(mq.areceive(), 10)]
        loop.call_later(0.02, mq.send, b"second", 2)
        async for message in mq:
            got.append(message)
            break
        return got

    assert asyncio.run(main()) == [(b"first", 1), (b"second", 2)]


def test_a_cancelled_areceive_received_nothing(mq: MessageQueue) -> None:
    async def main() -> tuple[bytes, int]:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(mq.areceive(), 0.05)
        task = asyncio.ensure_future(mq.areceive())
        await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        mq.send(b"kept")
        return await asyncio.wait_for(mq.areceive(), 10)

    assert asyncio.run(main()) == (b"kept", 0)
    assert mq.attr.mq_curmsgs == 0


def test_only_one_task_waits_on_a_queue(mq: MessageQueue) -> None:
    async def main() -> tuple[bytes, int]:
        first = asyncio.ensure_future(mq.areceive())
        await asyncio.sleep(0.02)
        with pytest.raises(RuntimeError):
            await mq.areceive()
        mq.send(b"one")
        return await asyncio.wait_for(first, 10)

    assert asyncio.run(main()) == (b"one", 0)


def test_close_wakes_a_waiting_task() -> None:
    name = unique()
    q = ipc.mq_open(name, os.O_CREAT | os.O_RDWR)
    fd = q.fileno()

    async def main() -> None:
        waiter = asyncio.ensure_future(q.areceive())
        await asyncio.sleep(0.02)
        with pytest.raises(RuntimeError):
            q.detach()
        q.close()
        assert q.closed
        with pytest.raises(ValueError):
            await asyncio.wait_for(waiter, 10)

    try:
        asyncio.run(main())
        with pytest.raises(OSError):
            os.fstat(fd)  # closed once the task had removed its reader
    finally:
        q.close()
        ipc.mq_unlink(name)


def test_the_ipc_module_imports_asyncio_only_in_its_async_methods() -> None:
    tree = ast.parse(Path(ipc.__file__).read_text())
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = {a.name for n in top for a in n.names} | {
        n.module for n in top if isinstance(n, ast.ImportFrom) and n.module
    }
    assert "asyncio" not in names


# ---- named semaphores -------------------------------------------------------------------------


def test_acquire_release_value(sem: ipc.NamedSemaphore) -> None:
    assert sem.value == 1
    assert sem.acquire() is True
    assert sem.value == 0
    assert sem.acquire(0) is False
    assert sem.acquire(0.01) is False
    assert sem.release() is None
    assert sem.value == 1
    assert sem.acquire(10) is True
    with pytest.raises(ValueError):
        sem.acquire(-1)


def test_a_timed_acquire_wakes_on_release(sem: ipc.NamedSemaphore) -> None:
    sem.acquire()
    threading.Timer(0.05, sem.release).start()
    assert sem.acquire(30) is True


@pytest.fixture
def fallback() -> Iterator[None]:
    """Timed waits through the sem_timedwait fallback (a glibc without sem_clockwait)."""
    lib.sysapi_sem_clockwait_disable(1)
    try:
        yield
    finally:
        lib.sysapi_sem_clockwait_disable(0)


def test_timed_acquire_through_the_fallback(sem: ipc.NamedSemaphore, fallback: None) -> None:
    assert not lib.sysapi_sem_clockwait_available()
    assert sem.acquire(0.01) is True
    assert sem.acquire(0.01) is False
    threading.Timer(0.05, sem.release).start()
    assert sem.acquire(30) is True


def test_eoverflow_at_sem_value_max() -> None:
    name = unique("sem")
    with ipc.sem_open(name, os.O_CREAT | os.O_EXCL, 0o600, SEM_VALUE_MAX) as s:
        try:
            with pytest.raises(errors.EOVERFLOW) as info:
                s.release()
            assert info.value.syscall == "sem_post" and info.value.documented
            assert s.value == SEM_VALUE_MAX
        finally:
            ipc.sem_unlink(name)


@pytest.mark.parametrize("size", [0, SEM_SIZE - 1])
@pytest.mark.parametrize("oflag", [0, os.O_CREAT])
def test_sem_open_refuses_a_file_shorter_than_a_sem_t(size: int, oflag: int) -> None:
    # A sem.* file another user planted (or one truncated): glibc maps it all the same, and
    # the first use past its end is SIGBUS. In a child, so a regression is reported, not fatal.
    name = unique("short")
    path = f"/dev/shm/sem.{name[1:]}"
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_CLOEXEC, 0o600)
    try:
        os.ftruncate(fd, size)
        os.close(fd)

        def opened() -> object:
            try:
                s = ipc.sem_open(name, oflag)
            except errors.SysapiError as exc:
                return (exc.errno, exc.syscall, exc.documented, exc.filename)
            with s:
                return ("opened", s.value)

        assert _in_child(opened) == (errno.EINVAL, "sem_open", True, name)
        assert os.stat(path).st_size == size  # refused, not repaired or replaced
    finally:
        os.unlink(path)


def test_the_size_check_refuses_a_file_that_is_not_the_mapped_one() -> None:
    # A file swapped in under the name after glibc's open: its inode is not the mapping's.
    name, other = unique("a"), unique("b")
    with ipc.sem_open(name, os.O_CREAT) as a, ipc.sem_open(other, os.O_CREAT) as b:
        try:
            address = int(ffi.cast("uintptr_t", a._h.sem))
            assert ipc._sem_file_size(name.encode(), address) == SEM_SIZE
            with pytest.raises(OSError) as info:
                ipc._sem_file_size(other.encode(), address)
            assert info.value.errno == errno.EINVAL
            assert b.value == 0
        finally:
            ipc.sem_unlink(name)
            ipc.sem_unlink(other)


def test_sem_open_errors() -> None:
    name = unique("sem")
    with pytest.raises(errors.EINVAL) as info:
        ipc.sem_open(name, os.O_CREAT, 0o600, SEM_VALUE_MAX + 1)
    assert info.value.syscall == "sem_open" and info.value.documented
    with pytest.raises((OverflowError, ValueError)):
        ipc.sem_open(name, os.O_CREAT, 0o600, -1)
    with pytest.raises(errors.ENOENT):
        ipc.sem_open(name)
    with pytest.raises(errors.EINVAL):
        ipc.sem_open("/a/b", os.O_CREAT)
    with pytest.raises(errors.EINVAL):
        ipc.sem_open("/")
    with pytest.raises(errors.ENAMETOOLONG):
        ipc.sem_open("/" + "x" * 252, os.O_CREAT)
    # glibc's own name check: EINVAL before 2.38, ENAMETOOLONG from 2.38 on.
    libc = os.confstr("CS_GNU_LIBC_VERSION") or "glibc 0.0"
    too_long = tuple(int(n) for n in libc.split()[1].split(".")[:2]) >= (2, 38)
    with pytest.raises(errors.ENAMETOOLONG if too_long else errors.EINVAL):
        ipc.sem_open("/" + "x" * 256, os.O_CREAT)
    with pytest.raises(ValueError):
        ipc.sem_open("/a\0", os.O_CREAT)
    with ipc.sem_open(name, os.O_CREAT | os.O_EXCL):
        try:
            with pytest.raises(errors.EEXIST):
                ipc.sem_open(name, os.O_CREAT | os.O_EXCL)
        finally:
            ipc.sem_unlink(name)
    with pytest.raises(errors.ENOENT):
        ipc.sem_unlink(name)


def test_the_context_closes_and_does_not_acquire() -> None:
    name = unique("sem")
    try:
        with ipc.sem_open(name, os.O_CREAT, 0o600, 3) as s:
            assert s.value == 3
        assert s.closed
        with ipc.NamedSemaphore(name) as again:
            assert again.value == 3 and again.name == name
    finally:
        ipc.sem_unlink(name)


def test_a_closed_semaphore_raises_valueerror(sem: ipc.NamedSemaphore) -> None:
    sem.close()
    sem.close()
    for use in (sem.acquire, lambda: sem.acquire(0), lambda: sem.acquire(1), sem.release):
        with pytest.raises(ValueError):
            use()
    with pytest.raises(ValueError):
        _ = sem.value


def test_a_collected_semaphore_warns() -> None:
    name = unique("sem")
    try:
        s = ipc.sem_open(name, os.O_CREAT)
        with pytest.warns(ResourceWarning):
            del s
            gc.collect()
    finally:
        ipc.sem_unlink(name)


def test_a_forked_child_uses_the_inherited_semaphore(sem: ipc.NamedSemaphore) -> None:
    sem.acquire()

    def child() -> int:
        sem.release()
        sem.release()
        return sem.value

    assert _in_child(child) == 2
    assert sem.acquire(10) and sem.acquire(10) and not sem.acquire(0)


def test_another_process_opens_it_by_name(sem: ipc.NamedSemaphore) -> None:
    def child() -> int:
        with ipc.sem_open(sem.name) as mine:
            mine.acquire(10)
            return mine.value

    assert _in_child(child) == 0
    assert sem.value == 0


def _until_inside(sem: Any) -> None:
    """Wait until a thread is inside a call on ``sem`` (its C-level count of users)."""
    while sem._h.users == 0:
        time.sleep(0.001)
    time.sleep(0.01)  # from the count to the futex wait: a few instructions


def test_close_while_another_thread_waits(sem: ipc.NamedSemaphore) -> None:
    sem.acquire()
    results: list[object] = []
    waiter = threading.Thread(target=lambda: results.append(sem.acquire()))
    waiter.start()
    _until_inside(sem)
    sem.close()  # deferred: the waiter is inside sem_wait
    assert sem.closed
    with ipc.sem_open(sem.name) as other:
        other.release()
        waiter.join(10)
    assert results == [True]
    with pytest.raises(ValueError):
        sem.release()


# ---- unnamed semaphores -------------------------------------------------------------------------


def test_an_unnamed_semaphore_in_a_shared_mapping() -> None:
    shared = mmap.mmap(-1, 4096)  # MAP_SHARED: the child writes the same memory
    s = ipc.Semaphore(shared, 0, offset=64)

    def child() -> bool:
        with ipc.Semaphore.from_buffer(shared, offset=64) as mine:
            mine.release()
            return mine.acquire(0) and mine.acquire(0) is False

    # The child releases, then takes it back: its own acquire works on the shared semaphore.
    assert _in_child(child)
    threading.Timer(0.05, lambda: _in_child(s.release)).start()
    assert s.acquire(30) is True
    assert s.value == 0
    with pytest.raises(BufferError):
        shared.close()
    s.close()
    assert s.closed
    shared.close()


def test_an_unnamed_semaphore_in_a_shm_attachment() -> None:
    shmid = ipc.shmget(ipc.IPC_PRIVATE, 4096, ipc.IPC_CREAT | 0o600)
    try:
        with ipc.shmat(shmid) as a, ipc.shmat(shmid) as b:
            s = ipc.Semaphore(a, 2)
            t = ipc.Semaphore.from_buffer(b)
            assert t.value == 2 and t.acquire() and s.value == 1
            with pytest.raises(BufferError):
                a.detach()
            s.close()
            t.close()
    finally:
        ipc.shmctl(shmid, ipc.IPC_RMID)


def test_unnamed_semaphore_argument_errors() -> None:
    with pytest.raises(TypeError):
        ipc.Semaphore(bytes(64))
    with pytest.raises(TypeError):
        ipc.Semaphore(mmap.mmap(-1, 4096, prot=mmap.PROT_READ))
    buf = bytearray(64)
    for offset in (4, -8, 64 - SEM_SIZE + 8):
        with pytest.raises(ValueError):
            ipc.Semaphore(buf, offset=offset)
    with pytest.raises(TypeError):
        ipc.Semaphore(buf, offset=1.0)  # type: ignore[arg-type]
    with pytest.raises(errors.EINVAL) as info:
        ipc.Semaphore(buf, SEM_VALUE_MAX + 1)
    assert info.value.syscall == "sem_init" and info.value.documented
    with pytest.raises((OverflowError, ValueError)):
        ipc.Semaphore(buf, -1)
    buf.append(0)  # no export is left behind by the failures


def test_unnamed_close_releases_the_buffer_and_refuses_use() -> None:
    buf = bytearray(64)
    s = ipc.Semaphore(buf, 1, offset=SEM_SIZE)
    with pytest.raises(BufferError):
        buf.append(0)
    with s:
        assert s.acquire(0)
    buf.append(0)
    with pytest.raises(ValueError):
        s.acquire()
    with pytest.raises(ValueError):
        s.release()


def test_unnamed_close_while_a_thread_waits_keeps_the_buffer() -> None:
    shared = mmap.mmap(-1, 4096)
    s = ipc.Semaphore(shared, 0)
    other = ipc.Semaphore.from_buffer(shared)
    results: list[object] = []
    waiter = threading.Thread(target=lambda: results.append(s.acquire(30)))
    waiter.start()
    _until_inside(s)
    s.close()  # deferred: the memory stays exported while the waiter is inside
    with pytest.raises(BufferError):
        shared.close()
    other.release()
    waiter.join(30)
    assert results == [True]
    other.close()
    shared.close()  # the waiter's return finished the close and let the buffer go


def test_a_collected_unnamed_semaphore_warns_and_lets_the_buffer_go() -> None:
    buf = bytearray(64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        ipc.Semaphore(buf, 1)
        gc.collect()
    assert any(issubclass(w.category, ResourceWarning) for w in caught)
    buf.append(0)


def test_result_structs_are_frozen_dataclasses() -> None:
    attr = MqAttr(1, 2, 3, 4)
    assert dataclasses.astuple(attr) == (1, 2, 3, 4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        attr.mq_flags = 0  # type: ignore[misc]


def test_error_specs_are_registered() -> None:
    for call in [
        "mq_open",
        "mq_unlink",
        "mq_send",
        "mq_timedsend",
        "mq_receive",
        "mq_timedreceive",
        "mq_getattr",
        "mq_setattr",
        "mq_notify",
        "sem_open",
        "sem_unlink",
        "sem_wait",
        "sem_trywait",
        "sem_timedwait",
        "sem_clockwait",
        "sem_post",
        "sem_getvalue",
        "sem_init",
        "sem_close",
        "sem_destroy",
    ]:
        assert call in errors.REGISTRY, call
    spec = errors.REGISTRY["mq_open"]
    assert errno.EMFILE in spec and spec.entry(errno.EMFILE).source.value == "kernel"  # type: ignore[union-attr]


@pytest.mark.slow
def test_soak_leaves_no_queue_semaphore_or_descriptor() -> None:
    """10,000 rounds of create, use, close, unlink (queues and semaphores, errors included):
    the autouse fixture checks the mqueue filesystem and /dev/shm, this the descriptors."""
    fds = len(os.listdir("/proc/self/fd"))
    shared = mmap.mmap(-1, 4096)
    for i in range(10_000):
        name = unique("soak")
        with ipc.mq_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600, MqAttr(0, 1, 8)) as q:
            q.send(b"%d" % (i % 1000))
            assert q.send(b"x", timeout=0) is False
            assert q.receive() == (b"%d" % (i % 1000), 0)
            with pytest.raises(errors.EEXIST):
                ipc.mq_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR)
        ipc.mq_unlink(name)
        with ipc.sem_open(name, os.O_CREAT | os.O_EXCL, 0o600, 1) as s:
            assert s.acquire(0) and not s.acquire(0)
            with pytest.raises(errors.EEXIST):
                ipc.sem_open(name, os.O_CREAT | os.O_EXCL)
        ipc.sem_unlink(name)
        with ipc.Semaphore(shared, 1, offset=8 * (i % 64)) as u:
            assert u.acquire(0)
    shared.close()
    assert len(os.listdir("/proc/self/fd")) == fds
