"""Call families: for each area, a loop body that makes real calls and checks their results.

A family's ``setup(scratch, slot, defer)`` prepares what one thread (``slot``) needs and
returns an *op*: a function that makes a few sysapi calls (success and error paths), asserts
that their results are right, and returns how many calls it made. The soak test runs one op
100,000 calls long; the thread stress runs the ops of every family in eight threads at once.
A family exists only when its area does.
"""

from __future__ import annotations

import contextlib
import errno
import mmap
import os
import signal
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import glibc_version

import sysapi
from sysapi import errors

from ._values import NO_SUCH_PID, PAGE

MALLINFO2 = (glibc_version() or (0, 0)) >= (2, 33)

__all__ = ["FAMILIES", "Family", "Op"]

Op = Callable[[], int]
Defer = Callable[..., None]
S: Any = sysapi  # the areas' names, typed loosely: a family only runs when its area exists


@dataclass(frozen=True)
class Family:
    area: str
    name: str
    #: The public names the family calls (for the coverage test).
    covers: tuple[str, ...]
    setup: Callable[[Path, int, Defer], Op]
    #: False for families that change process-wide state another thread would see.
    threads: bool = True

    @property
    def available(self) -> bool:
        return all(hasattr(sysapi, name) for name in self.covers)


FAMILIES: list[Family] = []


def family(
    area: str, *covers: str, threads: bool = True
) -> Callable[[Callable[[Path, int, Defer], Op]], Callable[[Path, int, Defer], Op]]:
    def register(setup: Callable[[Path, int, Defer], Op]) -> Callable[[Path, int, Defer], Op]:
        FAMILIES.append(Family(area, setup.__name__, covers, setup, threads))
        return setup

    return register


def expect(err: int, func: Callable[..., object], *args: Any, **kwargs: Any) -> None:
    """Call ``func`` and check it fails with ``err``."""
    try:
        func(*args, **kwargs)
    except errors.SysapiError as exc:
        assert exc.errno == err, f"{func.__name__}: {exc!r}, expected {errno.errorcode[err]}"
        return
    raise AssertionError(f"{func.__name__}{args} did not fail with {errno.errorcode[err]}")


def _file(scratch: Path, slot: int, name: str, data: bytes = b"x" * 8192) -> Path:
    path = scratch / f"{name}-{slot}"
    path.write_bytes(data)
    return path


def _open(path: Path, defer: Defer, flags: int = os.O_RDWR) -> int:
    fd = os.open(path, flags | os.O_CLOEXEC)
    defer(os.close, fd)
    return fd


def _closed_fd() -> int:
    fd = os.open(os.devnull, os.O_RDONLY)
    os.close(fd)
    return 0x7FFF_FFF0  # never open: far above RLIMIT_NOFILE


# ---- fs ---------------------------------------------------------------------------------------


@family("fs", "readahead", "sync_file_range", "figetbsz")
def fs_file_calls(scratch: Path, slot: int, defer: Defer) -> Op:
    fd = _open(_file(scratch, slot, "fs"), defer)
    r, w = os.pipe()
    defer(os.close, r)
    defer(os.close, w)
    blksize = os.fstat(fd).st_blksize

    def op() -> int:
        S.readahead(fd, 0, 4096)
        S.sync_file_range(fd, 0, 4096)
        assert S.figetbsz(fd) == blksize
        expect(errno.EINVAL, S.readahead, r, 0, 1)
        expect(errno.ESPIPE, S.sync_file_range, r, 0, 1)
        expect(errno.EBADF, S.figetbsz, _closed_fd())
        return 6

    return op


@family("fs", "fibmap", "block_map")
def fs_block_map(scratch: Path, slot: int, defer: Defer) -> Op:
    path = _file(scratch, slot, "blocks")
    fd = _open(path, defer)
    os.fsync(fd)

    if os.geteuid() != 0:  # FIBMAP needs CAP_SYS_RAWIO: soak its refusal instead

        def refused() -> int:
            expect(errno.EPERM, S.fibmap, fd, 0)
            expect(errno.EPERM, S.block_map, fd)
            return 2

        return refused

    def op() -> int:
        blocks = S.block_map(fd)
        assert blocks and S.fibmap(fd, 0) == blocks[0]
        expect(errno.EBADF, S.fibmap, _closed_fd(), 0)
        return 3

    return op


@family("fs", "tee", "vmsplice", "vmsplice_zero_copy")
def fs_pipes(scratch: Path, slot: int, defer: Defer) -> Op:
    a_r, a_w = os.pipe()
    b_r, b_w = os.pipe()
    for fd in (a_r, a_w, b_r, b_w):
        defer(os.close, fd)
    payload = f"slot {slot}".encode()
    page = mmap.mmap(-1, mmap.PAGESIZE)
    defer(page.close)
    page[: len(payload)] = payload
    view = memoryview(page)[: len(payload)]
    defer(view.release)

    def op() -> int:
        assert S.vmsplice(a_w, [payload]) == len(payload)
        assert S.tee(a_r, b_w, 4096) == len(payload)
        assert os.read(b_r, 4096) == payload
        assert os.read(a_r, 4096) == payload
        expect(errno.EINVAL, S.tee, a_r, a_w, 1)  # both ends of one pipe
        assert S.vmsplice_zero_copy(a_w, [view]) == len(payload)
        assert os.read(a_r, 4096) == payload
        return 4

    return op


# ---- xattr ------------------------------------------------------------------------------------


@family(
    "xattr",
    "setxattr",
    "getxattr",
    "listxattr",
    "removexattr",
    "lsetxattr",
    "lgetxattr",
    "llistxattr",
    "lremovexattr",
    "fsetxattr",
    "fgetxattr",
    "flistxattr",
    "fremovexattr",
    "Xattrs",
)
def xattr_calls(scratch: Path, slot: int, defer: Defer) -> Op:
    path = str(_file(scratch, slot, "xattr"))
    fd = _open(Path(path), defer)
    counter = [0]

    def op() -> int:
        counter[0] += 1
        value = f"{slot}:{counter[0]}".encode()
        S.setxattr(path, "user.a", value)
        assert S.getxattr(path, "user.a") == value
        S.lsetxattr(path, "user.b", value)
        assert S.lgetxattr(path, "user.b") == value
        S.fsetxattr(fd, "user.c", value)
        assert S.fgetxattr(fd, "user.c") == value
        names = set(S.listxattr(path))
        assert {"user.a", "user.b", "user.c"} <= names, names
        assert set(S.llistxattr(path)) == set(S.flistxattr(fd)) == names
        S.removexattr(path, "user.a")
        S.lremovexattr(path, "user.b")
        S.fremovexattr(fd, "user.c")
        view = S.Xattrs(path)
        view["user.d"] = value
        assert view["user.d"] == value
        del view["user.d"]
        expect(errno.ENODATA, S.getxattr, path, "user.missing")
        return 16

    return op


# ---- inotify ----------------------------------------------------------------------------------


@family("inotify", "Inotify", "IN_CLOSE_WRITE")
def inotify_watch(scratch: Path, slot: int, defer: Defer) -> Op:
    directory = scratch / f"watched-{slot}"
    directory.mkdir()
    ino = S.Inotify()
    defer(ino.close)
    wd = ino.add_watch(str(directory), S.IN_CLOSE_WRITE)
    target = directory / "f"

    def op() -> int:
        target.write_bytes(b"x")
        assert ino.queued_bytes() > 0
        events = ino.read(timeout=5.0)
        assert [(e.wd, e.name) for e in events] == [(wd, "f")], events
        assert ino.read(timeout=0) == []
        expect(errno.EINVAL, ino.rm_watch, wd + 1000)
        return 4

    return op


@family("inotify", "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "parse_events")
def inotify_thin(scratch: Path, slot: int, defer: Defer) -> Op:
    directory = scratch / f"thin-{slot}"
    directory.mkdir()
    name = b"n" * 5
    record = struct.pack("iIII", 7, 0x100, 0, 16) + name + b"\0" * 11

    # Closing an instance that had watches waits for an SRCU grace period in the kernel
    # (milliseconds): one long-lived instance for the watches, fresh ones without.
    # Likewise freeing the last mark of an inode: a second, permanent watch keeps one.
    watcher = S.inotify_init1(os.O_CLOEXEC)
    defer(os.close, watcher)
    keeper = S.inotify_init1(os.O_CLOEXEC)
    defer(os.close, keeper)
    S.inotify_add_watch(keeper, str(directory), S.IN_DELETE)

    def op() -> int:
        os.close(S.inotify_init1(os.O_CLOEXEC | os.O_NONBLOCK))
        wd = S.inotify_add_watch(watcher, str(directory), S.IN_CREATE)
        S.inotify_rm_watch(watcher, wd)
        expect(errno.EINVAL, S.inotify_rm_watch, watcher, wd)
        [event] = S.parse_events(record)
        assert (event.wd, event.name, int(event.mask)) == (7, "nnnnn", 0x100)
        return 5

    return op


@family("inotify", "Inotify")
def inotify_lifecycle(scratch: Path, slot: int, defer: Defer) -> Op:
    def op() -> int:
        with S.Inotify() as ino:
            fd = ino.fileno()
            assert fd >= 0
        assert ino.closed
        return 1

    return op


# ---- memory -----------------------------------------------------------------------------------


@family("memory", "mlock", "mlock2", "munlock", "mincore", "mprotect", "PROT_READ")
def memory_ranges(scratch: Path, slot: int, defer: Defer) -> Op:
    m = mmap.mmap(-1, 2 * PAGE)
    defer(m.close)
    m[:1] = b"x"
    m[PAGE : PAGE + 1] = b"x"

    def op() -> int:
        S.mlock(m)
        assert S.mincore(m) == b"\x01\x01"
        S.munlock(m)
        S.mlock2(m, flags=S.MLOCK_ONFAULT)
        S.munlock(m)
        S.mprotect(m, None, S.PROT_READ)
        S.mprotect(m, None, S.PROT_READ | S.PROT_WRITE)
        m[0] = 0x78
        expect(errno.EINVAL, S.mincore, 1, PAGE)
        return 8

    return op


@family("memory", "fincore", "mallinfo2", "malloc_trim")
def memory_process(scratch: Path, slot: int, defer: Defer) -> Op:
    path = _file(scratch, slot, "fincore", b"y" * (4 * PAGE))

    def op() -> int:
        residency = S.fincore(str(path))
        assert residency.pages == 4 and residency.size == 4 * PAGE
        if MALLINFO2:
            assert S.mallinfo2().arena >= 0
        else:  # glibc < 2.33: the error that names the glibc needed
            expect(errno.ENOSYS, S.mallinfo2)
        S.malloc_trim(0)
        expect(errno.ENOENT, S.fincore, str(path) + ".missing")
        return 4

    return op


@family("memory", "mlockall", "munlockall", "mallopt", "M_TRIM_THRESHOLD", threads=False)
def memory_global(scratch: Path, slot: int, defer: Defer) -> Op:
    def op() -> int:
        S.mlockall(S.MCL_FUTURE)
        S.munlockall()
        S.mallopt(S.M_TRIM_THRESHOLD, 128 * 1024)
        expect(errno.EINVAL, S.mlockall, 0)
        return 4

    return op


# ---- sched ------------------------------------------------------------------------------------


@family(
    "sched",
    "sched_getattr",
    "sched_setattr",
    "ioprio_get",
    "ioprio_set",
    "ioprio_value",
    "IoPrio",
)
def sched_calls(scratch: Path, slot: int, defer: Defer) -> Op:
    tid = 0  # the calling thread

    def op() -> int:
        attr = S.sched_getattr(tid)
        assert attr.sched_policy == S.SCHED_OTHER
        S.sched_setattr(tid, attr)
        S.ioprio_set(S.IOPRIO_WHO_PROCESS, tid, S.IoPrio(S.IOPRIO_CLASS_BE, slot % 8))
        prio = S.ioprio_get(S.IOPRIO_WHO_PROCESS, tid)
        assert (prio.ioclass, prio.level) == (S.IOPRIO_CLASS_BE, slot % 8), prio
        assert S.ioprio_value(S.IOPRIO_CLASS_BE, slot % 8) == prio.value
        expect(errno.ESRCH, S.sched_getattr, NO_SUCH_PID)
        return 6

    return op


# ---- timers and clock -------------------------------------------------------------------------


@family(
    "timers",
    "PosixTimer",
    "timer_create",
    "timer_settime",
    "timer_gettime",
    "timer_getoverrun",
    "timer_delete",
)
def timer_calls(scratch: Path, slot: int, defer: Defer) -> Op:
    def op() -> int:
        with S.PosixTimer(S.CLOCK_MONOTONIC) as timer:
            timer.settime_ns(10**10, 0)
            left = timer.gettime().it_value_ns
            assert 0 < left <= 10**10
            assert timer.getoverrun() == 0
        thin = S.timer_create(S.CLOCK_MONOTONIC)
        S.timer_settime(thin, 0, 10**10, 0)
        assert 0 < S.timer_gettime(thin).it_value_ns <= 10**10
        assert S.timer_getoverrun(thin) == 0
        S.timer_delete(thin)
        try:
            timer.gettime()
        except ValueError:
            pass
        else:
            raise AssertionError("a deleted timer answered")
        return 9

    return op


@family("timers", "PosixTimer")
def timer_threads(scratch: Path, slot: int, defer: Defer) -> Op:
    def op() -> int:
        timer = S.PosixTimer(S.CLOCK_MONOTONIC, callback=lambda value: None)
        timer.settime(60.0)
        timer.delete()
        return 3

    return op


@family("clock", "clock_nanosleep", "adjtimex", "clock_adjtime", "TIMER_ABSTIME")
def clock_calls(scratch: Path, slot: int, defer: Defer) -> Op:
    def op() -> int:
        assert S.clock_nanosleep(S.CLOCK_MONOTONIC, S.TIMER_ABSTIME, 1) == 0
        assert S.clock_nanosleep(S.CLOCK_MONOTONIC, 0, 0) == 0
        state = S.adjtimex()
        assert state.timex is not None and S.adjtimex().timex.tick == state.timex.tick
        S.clock_adjtime(S.CLOCK_REALTIME)
        expect(errno.EINVAL, S.clock_nanosleep, 99, 0, 0)
        return 5

    return op


# ---- process, signals, ipc --------------------------------------------------------------------


def _sleeping_child(defer: Defer) -> int:
    """A child that waits to be killed: killed and reaped when the family's run ends."""
    pid = os.fork()
    if pid == 0:
        try:
            time.sleep(3600)
        finally:
            os._exit(0)

    def reap() -> None:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)

    defer(reap)
    return pid


@family("process", "waitid", "P_PID", "WNOHANG")
def process_waitid(scratch: Path, slot: int, defer: Defer) -> Op:
    pid = _sleeping_child(defer)

    def op() -> int:
        assert S.waitid(S.P_PID, pid, S.WEXITED | S.WNOHANG) is None
        assert S.waitid(S.P_PID, pid, S.WEXITED | S.WNOHANG | S.WNOWAIT, rusage=True) is None
        expect(errno.ECHILD, S.waitid, S.P_PID, NO_SUCH_PID, S.WEXITED)
        return 3

    return op


@family("signals", "sigqueue", "sigtimedwait", "sigwaitinfo")
def signals_queue(scratch: Path, slot: int, defer: Defer) -> Op:
    """Each slot its own real-time signal, blocked in every thread: a queued signal stays
    pending on the process until the thread that owns the slot takes it."""
    sig = signal.SIGRTMIN + 2 + slot
    me = os.getpid()
    counter = [0]

    def op() -> int:
        counter[0] += 1
        S.sigqueue(me, sig, counter[0])
        info = S.sigtimedwait({sig}, 5.0)
        assert info is not None and (info.si_signo, info.si_value) == (sig, counter[0]), info
        S.sigqueue(me, sig, -counter[0])
        info = S.sigwaitinfo({sig})
        assert (info.si_signo, info.si_value, info.si_pid) == (sig, -counter[0], me), info
        assert S.sigtimedwait({sig}, 0) is None
        expect(errno.ESRCH, S.sigqueue, NO_SUCH_PID, sig)
        return 6

    return op


@family("ipc", "ftok", "shmget", "shmat", "shmdt", "shmctl", "ShmAttachment")
def ipc_segments(scratch: Path, slot: int, defer: Defer) -> Op:
    path = _file(scratch, slot, "ftok")
    payload = f"slot {slot}".encode()

    def op() -> int:
        assert S.ftok(str(path), slot + 1) == S.ftok(str(path), slot + 1)
        shmid = S.shmget(S.IPC_PRIVATE, PAGE, S.IPC_CREAT | 0o600)
        try:
            attachment = S.shmat(shmid)
            attachment[: len(payload)] = payload
            assert S.shmctl(shmid, S.IPC_STAT).shm_nattch == 1
            with S.shmat(shmid, S.SHM_RDONLY) as second:
                assert second[: len(payload)] == payload
            S.shmdt(attachment)
        finally:
            S.shmctl(shmid, S.IPC_RMID)
        expect(errno.EINVAL, S.shmctl, shmid, S.IPC_STAT)
        return 9

    return op


@family("ipc", "msgget", "msgsnd", "msgrcv", "msgctl", "MsqidDs")
def ipc_messages(scratch: Path, slot: int, defer: Defer) -> Op:
    """A queue of its own per op, made and removed: a leak of queues shows in the soak."""
    payload = f"slot {slot}".encode()
    mtype = slot + 1

    def op() -> int:
        msqid = S.msgget(S.IPC_PRIVATE, S.IPC_CREAT | 0o600)
        try:
            S.msgsnd(msqid, mtype, payload)
            S.msgsnd(msqid, 99, bytearray(100))
            assert S.msgrcv(msqid, 200, mtype) == (mtype, payload)
            assert S.msgctl(msqid, S.IPC_STAT).msg_qnum == 1
            assert S.msgrcv(msqid, 200) == (99, bytes(100))
            expect(errno.ENOMSG, S.msgrcv, msqid, 10, 0, S.IPC_NOWAIT)
        finally:
            S.msgctl(msqid, S.IPC_RMID)
        expect(errno.EINVAL, S.msgsnd, msqid, mtype, payload)
        return 9

    return op


@family("ipc", "semget", "semop", "semtimedop", "semctl", "SemBuf")
def ipc_semaphores(scratch: Path, slot: int, defer: Defer) -> Op:
    """A set of its own per op: take one semaphore while giving the other, atomically."""
    down = [S.SemBuf(0, -1), S.SemBuf(1, 1)]
    up = [S.SemBuf(0, 1), S.SemBuf(1, -1)]
    take = [S.SemBuf(0, -1)]
    nowait = [S.SemBuf(0, -2, S.IPC_NOWAIT)]

    def op() -> int:
        semid = S.semget(S.IPC_PRIVATE, 2, S.IPC_CREAT | 0o600)
        try:
            S.semctl(semid, 0, S.SETALL, [1, 0])
            S.semop(semid, down)
            assert S.semctl(semid, 0, S.GETALL) == [0, 1]
            assert S.semtimedop(semid, take, 0) is False
            assert S.semtimedop(semid, up, 5.0) is True
            expect(errno.EAGAIN, S.semop, semid, nowait)
            assert S.semctl(semid, 1, S.GETVAL) == 0
        finally:
            S.semctl(semid, 0, S.IPC_RMID)
        expect(errno.EINVAL, S.semop, semid, down)
        return 10

    return op


# ---- POSIX message queues and semaphores --------------------------------------------------------


def _posix_name(slot: int, counter: list[int]) -> str:
    counter[0] += 1
    return f"/sysapi-soak-{os.getpid()}-{slot}-{counter[0]}"


@family(
    "ipc",
    "mq_open",
    "mq_unlink",
    "mq_send",
    "mq_timedsend",
    "mq_receive",
    "mq_timedreceive",
    "mq_getattr",
    "mq_setattr",
    "mq_notify",
    "MessageQueue",
    "MqAttr",
)
def ipc_posix_queues(scratch: Path, slot: int, defer: Defer) -> Op:
    """A queue created, used and removed per op (so that a leak of queues or descriptors shows
    in the counts), and one kept for the whole run."""
    counter = [0]
    attr = S.MqAttr(mq_maxmsg=4, mq_msgsize=32)
    kept_name = _posix_name(slot, counter)
    kept = S.mq_open(kept_name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600, attr)
    S.mq_unlink(kept_name)
    defer(kept.close)
    payload = f"slot {slot}".encode()

    def op() -> int:
        name = _posix_name(slot, counter)
        q = S.mq_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600, attr)
        try:
            assert q.send(payload, 3)
            S.mq_send(q, b"low", 1)
            assert S.mq_timedsend(q.fileno(), b"mid", 2, time.time() + 10)
            assert S.mq_getattr(q).mq_curmsgs == 3
            assert q.receive(timeout=5) == (payload, 3)
            assert S.mq_timedreceive(q, None, time.time() + 10) == (b"mid", 2)
            assert S.mq_receive(q) == (b"low", 1)
            assert q.receive(timeout=0) is None
            old = S.mq_setattr(q, S.MqAttr(mq_flags=os.O_NONBLOCK))
            assert old.mq_flags == 0 and q.attr.mq_flags == os.O_NONBLOCK
            expect(errno.EAGAIN, q.receive)
            S.mq_notify(q, signal.SIGURG)
            S.mq_notify(q, None)
        finally:
            q.close()
            S.mq_unlink(name)
        expect(errno.ENOENT, S.mq_unlink, name)
        expect(errno.EMSGSIZE, kept.send, b"x" * 33)
        assert kept.send(b"k", timeout=0) and kept.receive(timeout=0) == (b"k", 0)
        return 19

    return op


# ---- process and signal descriptors -----------------------------------------------------------

#: Above any RLIMIT_NOFILE: never an open descriptor.
NO_SUCH_FD = 1 << 30


@family(
    "process",
    "pidfd_open",
    "pidfd_send_signal",
    "pidfd_getfd",
    "PidFd",
    "PIDFD_NONBLOCK",
)
def process_pidfd(scratch: Path, slot: int, defer: Defer) -> Op:
    pid = _sleeping_child(defer)
    r, w = os.pipe()
    defer(os.close, r)
    defer(os.close, w)

    def op() -> int:
        with S.pidfd_open(pid, S.PIDFD_NONBLOCK) as pidfd:
            assert pidfd.pid == pid
            pidfd.send_signal(0)
            S.pidfd_send_signal(pidfd, 0, slot)
            assert pidfd.wait(S.WEXITED | S.WNOHANG) is None
            expect(errno.EAGAIN, pidfd.wait)
        with S.pidfd_open(os.getpid()) as me, S.pidfd_getfd(me, w) as dup:
            os.write(dup.fileno(), b"d")
            assert os.read(r, 1) == b"d"
            expect(errno.EBADF, S.pidfd_getfd, me, NO_SUCH_FD)
        expect(errno.ESRCH, S.pidfd_open, NO_SUCH_PID)
        return 11

    return op


@family("ipc", "sem_open", "sem_unlink", "NamedSemaphore", "Semaphore")
def ipc_posix_semaphores(scratch: Path, slot: int, defer: Defer) -> Op:
    counter = [0]
    shared = mmap.mmap(-1, PAGE)
    defer(shared.close)
    unnamed = S.Semaphore(shared, 1, offset=64)
    defer(unnamed.close)

    def op() -> int:
        name = _posix_name(slot, counter)
        s = S.sem_open(name, os.O_CREAT | os.O_EXCL, 0o600, 1)
        try:
            assert s.acquire() and not s.acquire(0) and not s.acquire(0.0001)
            s.release()
            assert s.value == 1
            with S.sem_open(name) as again:
                assert again.acquire(5) and s.value == 0
                again.release()
        finally:
            s.close()
            S.sem_unlink(name)
        expect(errno.ENOENT, S.sem_unlink, name)
        assert unnamed.acquire(5)
        with S.Semaphore.from_buffer(shared, offset=64) as view:
            assert view.value == 0
            view.release()
        assert unnamed.value == 1
        return 16

    return op


@family("signals", "signalfd", "SignalFd", "SFD_NONBLOCK")
def signals_signalfd(scratch: Path, slot: int, defer: Defer) -> Op:
    """Each slot its own real-time signal (not signals_queue's), blocked in every thread: the
    slot's descriptor reads what its op queued, through sigqueue and through a pidfd."""
    sig = signal.SIGRTMIN + 10 + slot
    me = os.getpid()
    sfd = S.signalfd({sig})
    defer(sfd.close)
    pidfd = S.pidfd_open(me)
    defer(pidfd.close)
    counter = [0]

    def op() -> int:
        counter[0] += 1
        S.sigqueue(me, sig, counter[0])
        pidfd.send_signal(sig, -counter[0])
        infos = sfd.read(5.0)
        if len(infos) == 1:  # the second was queued after the first read began
            infos += sfd.read(5.0)
        assert [(i.si_signo, i.si_value, i.si_pid) for i in infos] == [
            (sig, counter[0], me),
            (sig, -counter[0], me),
        ], infos
        assert sfd.read(0) == []
        with S.signalfd({sig}, S.SFD_NONBLOCK) as other:
            assert other.read(0) == []
        return 7

    return op
