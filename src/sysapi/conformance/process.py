"""Reference cases of the process, signals and ipc areas (waitid; sigqueue, sigwaitinfo,
sigtimedwait; ftok and the shm* calls).

EINTR and PEP 475: sysapi retries a wait that a signal handler interrupted, so the public
calls never raise EINTR. Each EINTR therefore has two cases: one at the thin layer (the
``sysapi_<name>`` shim called directly, as a C program would) that shows the kernel's EINTR,
and one through the public function that records the retry (``expect=0``: the call then
completes; the case checks that the handler really ran in the middle). sigtimedwait's EAGAIN
(timeout) likewise becomes ``None``.

Cases that need an unprivileged process run it in a grandchild (uid 65534) while the forked
child stays root to create and always remove the segments: no case leaves one behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import mmap
import os
import pickle
import resource
import select
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from sysapi import _syscall, ipc, process, signals
from sysapi._sysapi import ffi, lib
from sysapi.conformance import NOBODY, Case, Condition, Context, NotProvokable
from sysapi.conformance._support import WRITES_AFTER, bad, shim_in_child

_RACE = (
    "Linux returns EIDRM only when the segment is being destroyed between the id lookup and "
    "the check (a race inside the kernel): a destroyed id gives EINVAL, and a segment marked "
    "for removal but still attached stays usable. No provocation is reliable."
)


# ---- helpers ----------------------------------------------------------------------------


#: pidfd_open of a thread that is not a thread-group leader, without PIDFD_THREAD.
_PIDFD_NOT_LEADER_EINVAL = Condition(
    errno.EINVAL,
    "the kernel answered EINVAL both for a reaped task and for a thread that leads no group; "
    "Linux 6.15 tells them apart: ESRCH and ENOENT ('pidfd: improve uapi when task isn't "
    "found')",
    below=(6, 15),
)


def _reap(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.waitpid(pid, 0)


def _child(ctx: Context, seconds: float) -> int:
    """A child that sleeps ``seconds`` then exits 0; killed and reaped when the case ends."""
    pid = os.fork()
    if pid == 0:
        try:
            time.sleep(seconds)
        finally:
            os._exit(0)
    ctx.defer(_reap, pid)
    return pid


def _waitid_nonblocking_pidfd(ctx: Context) -> None:
    # PIDFD_NONBLOCK is O_NONBLOCK (<linux/pidfd.h>); Python 3.11's os does not name it.
    pidfd = os.pidfd_open(_child(ctx, 10), os.O_NONBLOCK)
    ctx.defer(os.close, pidfd)
    process.waitid(process.P_PIDFD, pidfd, process.WEXITED)


def _alarm(ctx: Context, seconds: float, action: Callable[[], object] | None = None) -> list[int]:
    """Run a Python SIGALRM handler (no SA_RESTART, as CPython installs them) in ``seconds``.

    Returns the list the handler appends to, so that a case can check it ran.
    """
    hits: list[int] = []

    def handler(signum: int, frame: object) -> None:
        hits.append(signum)
        if action is not None:
            action()

    old = signal.signal(signal.SIGALRM, handler)
    ctx.defer(signal.signal, signal.SIGALRM, old)
    ctx.defer(signal.setitimer, signal.ITIMER_REAL, 0)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    return hits


def _block(ctx: Context, *signums: int) -> None:
    old = signal.pthread_sigmask(signal.SIG_BLOCK, signums)
    ctx.defer(signal.pthread_sigmask, signal.SIG_SETMASK, old)


def _as_nobody(
    ctx: Context, func: Callable[[], object], rlimits: dict[int, int] | None = None
) -> None:
    """Run ``func`` in a grandchild that dropped to uid 65534 (after lowering ``rlimits``) and
    re-raise here what it raised, so that this (root) child can clean up afterwards."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 0
        try:
            os.close(r)
            ctx.drop_privileges(rlimits)
            outcome: BaseException | None = None
            try:
                func()
            except Exception as exc:
                outcome = exc
            try:
                data = pickle.dumps(outcome)
            except Exception:
                data = pickle.dumps(RuntimeError(repr(outcome)))
            os.write(w, data)
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(w)
    chunks = []
    try:
        while chunk := os.read(r, 65536):
            chunks.append(chunk)
    finally:
        os.close(r)
        os.waitpid(pid, 0)
    if not chunks:
        raise RuntimeError("the unprivileged child died without a result")
    outcome = pickle.loads(b"".join(chunks))
    if outcome is not None:
        raise outcome


def _segment(ctx: Context, size: int = 4096, mode: int = 0o600, key: int = ipc.IPC_PRIVATE) -> int:
    """A new segment, removed when the case ends."""
    shmid = ipc.shmget(key, size, ipc.IPC_CREAT | ipc.IPC_EXCL | mode)
    ctx.defer(ipc.shmctl, shmid, ipc.IPC_RMID)
    return shmid


def _key(ctx: Context, name: str = "key") -> int:
    return ipc.ftok(ctx.file(name), "s")


def _info() -> Any:
    return ffi.new("struct sysapi_siginfo *")


# ---- waitid -----------------------------------------------------------------------------


def _waitid_eintr_raw(ctx: Context) -> None:
    pid = _child(ctx, 10)
    _alarm(ctx, 0.05)
    out = ffi.new("struct sysapi_waitid_out *")
    _syscall.check(lib.sysapi_waitid(lib.P_PID, pid, lib.WEXITED, out), process.WAITID_SPEC)


def _waitid_eintr_retried(ctx: Context) -> None:
    pid = _child(ctx, 0.3)
    hits = _alarm(ctx, 0.05)
    result = process.waitid(process.P_PID, pid, process.WEXITED)
    if not hits:
        raise NotProvokable("the alarm did not fire during the wait")
    if result is None or result.si_pid != pid:
        raise AssertionError(f"waitid returned {result!r} after the retry")


def _waitid_pidfd_not_pidfd(ctx: Context) -> None:
    process.waitid(process.P_PIDFD, ctx.open(ctx.file()), process.WEXITED)


# ---- sigqueue ---------------------------------------------------------------------------


def _pid_above_max() -> int:
    with open("/proc/sys/kernel/pid_max") as f:
        return int(f.read()) + 1


def _sigqueue_eperm(ctx: Context) -> None:
    ctx.drop_privileges()
    signals.sigqueue(1, 0)


def _sigqueue_eagain(ctx: Context) -> None:
    def flood() -> None:
        rt = signal.SIGRTMIN
        signal.pthread_sigmask(signal.SIG_BLOCK, {rt})
        for value in range(64):
            signals.sigqueue(os.getpid(), rt, value)

    _as_nobody(ctx, flood, {resource.RLIMIT_SIGPENDING: 2})


# ---- sigwaitinfo / sigtimedwait -------------------------------------------------------------


def _sigwaitinfo_eintr_raw(ctx: Context) -> None:
    _block(ctx, signal.SIGUSR2)
    _alarm(ctx, 0.05)
    info = _info()
    _syscall.check(lib.sysapi_sigwaitinfo(1 << signal.SIGUSR2, 0, info), signals.SIGWAITINFO_SPEC)


def _sigwaitinfo_eintr_retried(ctx: Context) -> None:
    _block(ctx, signal.SIGUSR2)
    # The handler runs between the interrupted wait and its retry; the signal it leaves
    # pending is what the retried wait returns.
    hits = _alarm(ctx, 0.05, lambda: os.kill(os.getpid(), signal.SIGUSR2))
    info = signals.sigwaitinfo({signal.SIGUSR2})
    if not hits:
        raise NotProvokable("the alarm did not fire during the wait")
    if info.si_signo != signal.SIGUSR2:
        raise AssertionError(f"sigwaitinfo returned {info!r} after the retry")


def _sigtimedwait_raw(ctx: Context, seconds: int) -> None:
    info = _info()
    _syscall.check(
        lib.sysapi_sigtimedwait(1 << signal.SIGUSR2, 0, seconds, 0, info), signals.SIGTIMEDWAIT_SPEC
    )


def _sigtimedwait_eagain_public(ctx: Context) -> None:
    _block(ctx, signal.SIGUSR2)
    result = signals.sigtimedwait({signal.SIGUSR2}, 0)
    if result is not None:
        raise AssertionError(f"a SIGUSR2 was pending: {result!r}")


def _sigtimedwait_eintr_raw(ctx: Context) -> None:
    _block(ctx, signal.SIGUSR2)
    _alarm(ctx, 0.05)
    _sigtimedwait_raw(ctx, 10)


def _sigtimedwait_eintr_retried(ctx: Context) -> None:
    _block(ctx, signal.SIGUSR2)
    hits = _alarm(ctx, 0.05)
    result = signals.sigtimedwait({signal.SIGUSR2}, 0.3)
    if not hits:
        raise NotProvokable("the alarm did not fire during the wait")
    if result is not None:
        raise AssertionError(f"sigtimedwait returned {result!r}, expected None at the deadline")


# ---- ftok -------------------------------------------------------------------------------


def _ftok_eacces(ctx: Context) -> None:
    private = ctx.tmp / "private"
    private.mkdir(mode=0o700)
    (private / "file").write_bytes(b"")
    _as_nobody(ctx, lambda: ipc.ftok(private / "file", 1))


def _ftok_eloop(ctx: Context) -> None:
    loop = ctx.tmp / "loop"
    os.symlink(loop, loop)
    ipc.ftok(loop, 1)


# ---- shmget -----------------------------------------------------------------------------


def _shmget_eexist(ctx: Context) -> None:
    key = _key(ctx)
    _segment(ctx, key=key)
    ipc.shmget(key, 4096, ipc.IPC_CREAT | ipc.IPC_EXCL | 0o600)


def _shmget_einval_larger(ctx: Context) -> None:
    key = _key(ctx)
    _segment(ctx, 4096, key=key)
    ipc.shmget(key, 8192, 0)


def _shmget_eacces(ctx: Context) -> None:
    key = _key(ctx)
    _segment(ctx, mode=0o600, key=key)
    _as_nobody(ctx, lambda: ipc.shmget(key, 0, 0o600))


def _shmget_enomem(ctx: Context) -> None:
    shmid = ipc.shmget(ipc.IPC_PRIVATE, 1 << 62, ipc.IPC_CREAT | 0o600)
    ctx.defer(ipc.shmctl, shmid, ipc.IPC_RMID)  # only reached if the kernel accepted it


def _new_ipc_namespace() -> None:
    # os.unshare is 3.12+. The namespace (and any segment in it) dies with this child.
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x08000000) != 0:  # CLONE_NEWIPC
        raise NotProvokable(f"unshare(CLONE_NEWIPC): {os.strerror(ctypes.get_errno())}")


def _shmget_enospc_shmmni(ctx: Context) -> None:
    _new_ipc_namespace()
    with open("/proc/sys/kernel/shmmni", "w") as f:  # this namespace's limit only
        f.write("0\n")
    ipc.shmget(ipc.IPC_PRIVATE, 4096, ipc.IPC_CREAT | 0o600)


def _shmget_enospc_shmall(ctx: Context) -> None:
    _new_ipc_namespace()
    with open("/proc/sys/kernel/shmall", "w") as f:  # one page, in this namespace only
        f.write("1\n")
    ipc.shmget(ipc.IPC_PRIVATE, 2 * mmap.PAGESIZE, ipc.IPC_CREAT | 0o600)


def _shmget_eperm(ctx: Context) -> None:
    def hugetlb() -> None:
        shmid = ipc.shmget(ipc.IPC_PRIVATE, 2 << 20, ipc.IPC_CREAT | ipc.SHM_HUGETLB | 0o600)
        ipc.shmctl(shmid, ipc.IPC_RMID)

    _as_nobody(ctx, hugetlb)


# ---- shmat ------------------------------------------------------------------------------


def _shmat_removed(ctx: Context) -> None:
    shmid = ipc.shmget(ipc.IPC_PRIVATE, 4096, ipc.IPC_CREAT | 0o600)
    ipc.shmctl(shmid, ipc.IPC_RMID)
    ipc.shmat(shmid)


def _shmat_as_nobody(ctx: Context, mode: int) -> None:
    shmid = _segment(ctx, mode=mode)
    _as_nobody(ctx, lambda: ipc.shmat(shmid).detach())


def _shmat_enomem(ctx: Context) -> None:
    shmid = _segment(ctx, 256 << 20)
    ctx.limit_address_space(32 << 20)  # room for this case to finish, not for the segment
    ipc.shmat(shmid).detach()


# ---- shmdt ------------------------------------------------------------------------------


def _shmdt_anonymous_page(ctx: Context) -> None:
    page = mmap.mmap(-1, mmap.PAGESIZE)
    ctx.defer(page.close)
    with ffi.from_buffer(page) as view:
        address = int(ffi.cast("uintptr_t", view))
    ipc.shmdt(address)


def _shmdt_misaligned(ctx: Context) -> None:
    shmid = _segment(ctx)
    att = ipc.shmat(shmid)
    ctx.defer(att.detach)
    ipc.shmdt(att.address + 1)


def _shmdt_twice(ctx: Context) -> None:
    att = ipc.shmat(_segment(ctx))
    address = att.address
    ipc.shmdt(att)
    ipc.shmdt(address)


# ---- shmctl -----------------------------------------------------------------------------


def _shmctl_eacces(ctx: Context) -> None:
    shmid = _segment(ctx, mode=0o600)
    _as_nobody(ctx, lambda: ipc.shmctl(shmid, ipc.IPC_STAT))


def _shmctl_eperm_rmid(ctx: Context) -> None:
    shmid = _segment(ctx, mode=0o666)
    _as_nobody(ctx, lambda: ipc.shmctl(shmid, ipc.IPC_RMID))


def _shmctl_eperm_lock(ctx: Context) -> None:
    def lock() -> None:
        shmid = ipc.shmget(ipc.IPC_PRIVATE, 4096, ipc.IPC_CREAT | 0o600)
        try:
            ipc.shmctl(shmid, ipc.SHM_LOCK)
        finally:
            ipc.shmctl(shmid, ipc.IPC_RMID)

    _as_nobody(ctx, lock, {resource.RLIMIT_MEMLOCK: 0})


def _shmctl_enomem(ctx: Context) -> None:
    def lock() -> None:
        shmid = ipc.shmget(ipc.IPC_PRIVATE, 1 << 20, ipc.IPC_CREAT | 0o600)
        try:
            ipc.shmctl(shmid, ipc.SHM_LOCK)
        finally:
            ipc.shmctl(shmid, ipc.IPC_RMID)

    _as_nobody(ctx, lock, {resource.RLIMIT_MEMLOCK: mmap.PAGESIZE})


# ---- conditions that reach other kernel branches; bad pointers through the shims ------------


def _waitid_no_child_in_group(ctx: Context) -> None:
    pid = _child(ctx, 10)  # a child in this process's group, none in the group named pid
    process.waitid(process.P_PGID, pid, process.WEXITED)


def _waitid_next_pid(ctx: Context) -> None:
    pid = _child(ctx, 10)
    process.waitid(process.P_PID, pid + 1, process.WEXITED)


def _owned_by_nobody(ctx: Context, mode: int) -> int:
    """A root-created segment handed to uid 65534 (IPC_SET) with ``mode``: root removes it."""
    shmid = _segment(ctx)
    ipc.shmctl(shmid, ipc.IPC_SET, uid=NOBODY, gid=NOBODY, mode=mode)
    return shmid


def _shmctl_eperm_set(ctx: Context) -> None:
    shmid = _segment(ctx, mode=0o600)
    _as_nobody(ctx, lambda: ipc.shmctl(shmid, ipc.IPC_SET, mode=0o666))


def _shmctl_eperm_not_owner(cmd: int) -> Callable[[Context], None]:
    """``cmd`` by uid 65534 on root's segment: the owner check, not RLIMIT_MEMLOCK 0, refuses."""

    def provoke(ctx: Context) -> None:
        shmid = _segment(ctx, mode=0o666)
        _as_nobody(ctx, lambda: ipc.shmctl(shmid, cmd), {resource.RLIMIT_MEMLOCK: 1 << 20})

    return provoke


def _shmctl_eacces_mode0(ctx: Context) -> None:
    shmid = _owned_by_nobody(ctx, 0)
    _as_nobody(ctx, lambda: ipc.shmctl(shmid, ipc.IPC_STAT))


def _waitid_fault() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    return int(lib.sysapi_waitid(lib.P_PID, pid, lib.WEXITED, bad("struct sysapi_waitid_out *")))


def _sigwait_fault(wait: Callable[[Any], int]) -> Callable[[], int]:
    def call() -> int:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
        os.kill(os.getpid(), signal.SIGUSR2)  # pending, so the wait returns at once
        return wait(bad("struct sysapi_siginfo *"))

    return call


def _shmctl_fault(ctx: Context) -> None:
    shmid = _segment(ctx)
    shim_in_child(
        ipc.SHMCTL_SPEC,
        lambda: lib.sysapi_shmctl(shmid, lib.IPC_STAT, bad("struct sysapi_shmid_ds *")),
        crashes="the shim reads uid, gid and mode from buf into its own shmid_ds first",
    )


PROC, SIG, IPC = "process", "signals", "ipc"

CASES: list[Case] = [
    # waitid
    Case(
        PROC,
        "waitid",
        errno.ECHILD,
        "P_ALL without children",
        lambda ctx: process.waitid(process.P_ALL, 0, process.WEXITED),
        fork=True,
    ),
    Case(
        PROC,
        "waitid",
        errno.ECHILD,
        "P_PID 1, not a child",
        lambda ctx: process.waitid(process.P_PID, 1, process.WEXITED),
    ),
    Case(
        PROC,
        "waitid",
        errno.EINTR,
        "thin layer: SIGALRM handler interrupts the wait",
        _waitid_eintr_raw,
        fork=True,
    ),
    Case(
        PROC,
        "waitid",
        errno.EINTR,
        "public waitid: interrupted by SIGALRM, retried (PEP 475), reaps the child",
        _waitid_eintr_retried,
        expect=0,
        fork=True,
    ),
    Case(
        PROC,
        "waitid",
        errno.EINVAL,
        "options 0",
        lambda ctx: process.waitid(process.P_ALL, 0, 0),
    ),
    Case(
        PROC,
        "waitid",
        errno.EINVAL,
        "idtype 99",
        lambda ctx: process.waitid(99, 0, process.WEXITED),
    ),
    Case(
        PROC,
        "waitid",
        errno.EINVAL,
        "P_PID with id 0",
        lambda ctx: process.waitid(process.P_PID, 0, process.WEXITED),
    ),
    Case(
        PROC,
        "waitid",
        errno.EINVAL,
        "unknown option bit 0x100",
        lambda ctx: process.waitid(process.P_ALL, 0, process.WEXITED | 0x100),
    ),
    Case(
        PROC,
        "waitid",
        errno.EBADF,
        "P_PIDFD with a closed fd",
        lambda ctx: process.waitid(process.P_PIDFD, ctx.closed_fd(), process.WEXITED),
    ),
    Case(PROC, "waitid", errno.EBADF, "P_PIDFD with a regular file", _waitid_pidfd_not_pidfd),
    Case(
        PROC,
        "waitid",
        errno.ECHILD,
        "P_PGID of a group without children (the one child is in this process's group)",
        _waitid_no_child_in_group,
        fork=True,
    ),
    Case(
        PROC,
        "waitid",
        errno.ECHILD,
        "P_PID of the only child's pid + 1",
        _waitid_next_pid,
        fork=True,
    ),
    Case(
        PROC,
        "waitid",
        errno.EFAULT,
        "out (struct sysapi_waitid_out *)-1 for an exited child, to the shim in a forked child",
        lambda ctx: shim_in_child(process.WAITID_SPEC, _waitid_fault, crashes=WRITES_AFTER),
    ),
    Case(
        PROC,
        "waitid",
        errno.EAGAIN,
        "P_PIDFD, a PIDFD_NONBLOCK pidfd of a running child",
        _waitid_nonblocking_pidfd,
        fork=True,
    ),
    # sigqueue
    Case(
        SIG,
        "sigqueue",
        errno.EAGAIN,
        "uid 65534, RLIMIT_SIGPENDING 2, SIGRTMIN blocked and queued 64 times",
        _sigqueue_eagain,
        fork=True,
    ),
    Case(
        SIG,
        "sigqueue",
        errno.EINVAL,
        "signal 999",
        lambda ctx: signals.sigqueue(os.getpid(), 999),
    ),
    Case(
        SIG,
        "sigqueue",
        errno.EINVAL,
        "signal -1",
        lambda ctx: signals.sigqueue(os.getpid(), -1),
    ),
    Case(
        SIG,
        "sigqueue",
        errno.EPERM,
        "uid 65534 probes pid 1 (signal 0)",
        _sigqueue_eperm,
        unprivileged=True,
    ),
    Case(
        SIG,
        "sigqueue",
        errno.ESRCH,
        "pid above kernel.pid_max (signal 0)",
        lambda ctx: signals.sigqueue(_pid_above_max(), 0),
    ),
    Case(
        SIG,
        "sigqueue",
        errno.ESRCH,
        "pid 0: no process-group semantics (signal 0)",
        lambda ctx: signals.sigqueue(0, 0),
    ),
    # sigwaitinfo
    Case(
        SIG,
        "sigwaitinfo",
        errno.EINTR,
        "thin layer: SIGALRM handler interrupts the wait",
        _sigwaitinfo_eintr_raw,
        fork=True,
    ),
    Case(
        SIG,
        "sigwaitinfo",
        errno.EINTR,
        "public sigwaitinfo: interrupted by SIGALRM, retried (PEP 475), takes the SIGUSR2 "
        "the handler queued",
        _sigwaitinfo_eintr_retried,
        expect=0,
        fork=True,
    ),
    Case(
        SIG,
        "sigwaitinfo",
        errno.EFAULT,
        "info (struct sysapi_siginfo *)-1, SIGUSR2 pending, to the shim in a forked child",
        lambda ctx: shim_in_child(
            signals.SIGWAITINFO_SPEC,
            _sigwait_fault(lambda info: lib.sysapi_sigwaitinfo(1 << signal.SIGUSR2, 0, info)),
            crashes=WRITES_AFTER,
        ),
    ),
    # sigtimedwait
    Case(
        SIG,
        "sigtimedwait",
        errno.EAGAIN,
        "thin layer: timeout 0, nothing pending",
        lambda ctx: _sigtimedwait_raw(ctx, 0),
        fork=True,
    ),
    Case(
        SIG,
        "sigtimedwait",
        errno.EAGAIN,
        "public sigtimedwait: timeout 0 returns None",
        _sigtimedwait_eagain_public,
        expect=0,
        fork=True,
    ),
    Case(
        SIG,
        "sigtimedwait",
        errno.EINTR,
        "thin layer: SIGALRM handler interrupts the wait",
        _sigtimedwait_eintr_raw,
        fork=True,
    ),
    Case(
        SIG,
        "sigtimedwait",
        errno.EINTR,
        "public sigtimedwait: interrupted by SIGALRM, retried with the time left, None at the "
        "deadline",
        _sigtimedwait_eintr_retried,
        expect=0,
        fork=True,
    ),
    Case(
        SIG,
        "sigtimedwait",
        errno.EINVAL,
        "negative timeout",
        lambda ctx: signals.sigtimedwait({signal.SIGUSR2}, -1.0),
    ),
    Case(
        SIG,
        "sigtimedwait",
        errno.EFAULT,
        "info (struct sysapi_siginfo *)-1, SIGUSR2 pending, to the shim in a forked child",
        lambda ctx: shim_in_child(
            signals.SIGTIMEDWAIT_SPEC,
            _sigwait_fault(
                lambda info: lib.sysapi_sigtimedwait(1 << signal.SIGUSR2, 0, 0, 0, info)
            ),
            crashes=WRITES_AFTER,
        ),
    ),
    # ftok
    Case(IPC, "ftok", errno.ENOENT, "missing path", lambda ctx: ipc.ftok(ctx.tmp / "missing", 1)),
    Case(
        IPC,
        "ftok",
        errno.ENOTDIR,
        "path through a regular file",
        lambda ctx: ipc.ftok(ctx.file() / "x", 1),
    ),
    Case(
        IPC,
        "ftok",
        errno.EACCES,
        "uid 65534, file in a 0700 directory",
        _ftok_eacces,
        fork=True,
    ),
    Case(IPC, "ftok", errno.ELOOP, "symlink to itself", _ftok_eloop),
    Case(
        IPC,
        "ftok",
        errno.ENAMETOOLONG,
        "300-byte component",
        lambda ctx: ipc.ftok(ctx.tmp / ("x" * 300), 1),
    ),
    Case(
        IPC,
        "ftok",
        errno.EFAULT,
        "path (char *)-1, to the shim in a forked child",
        lambda ctx: shim_in_child(
            ipc.FTOK_SPEC, lambda: lib.sysapi_ftok(bad("char *"), 1, ffi.new("int *"))
        ),
    ),
    # shmget
    Case(
        IPC,
        "shmget",
        errno.EACCES,
        "uid 65534 looks up a 0600 segment of root",
        _shmget_eacces,
        fork=True,
    ),
    Case(IPC, "shmget", errno.EEXIST, "IPC_CREAT|IPC_EXCL on an existing key", _shmget_eexist),
    Case(
        IPC,
        "shmget",
        errno.EINVAL,
        "new segment of size 0",
        lambda ctx: ipc.shmget(ipc.IPC_PRIVATE, 0, ipc.IPC_CREAT | 0o600),
    ),
    Case(IPC, "shmget", errno.EINVAL, "existing segment smaller than size", _shmget_einval_larger),
    Case(
        IPC,
        "shmget",
        errno.ENFILE,
        "system-wide file table full",
        reason="needs the whole system to run out of file structures (fs.file-max)",
    ),
    Case(
        IPC,
        "shmget",
        errno.ENOENT,
        "key without a segment, no IPC_CREAT",
        lambda ctx: ipc.shmget(_key(ctx), 4096, 0o600),
    ),
    Case(IPC, "shmget", errno.ENOMEM, "size 2**62", _shmget_enomem),
    Case(
        IPC,
        "shmget",
        errno.ENOSPC,
        "kernel.shmmni 0 in a new IPC namespace",
        _shmget_enospc_shmmni,
        fork=True,
        root=True,
    ),
    Case(
        IPC,
        "shmget",
        errno.ENOSPC,
        "kernel.shmall 1 page in a new IPC namespace, 2 pages asked",
        _shmget_enospc_shmall,
        fork=True,
        root=True,
    ),
    Case(
        IPC,
        "shmget",
        errno.EPERM,
        "uid 65534 asks for SHM_HUGETLB",
        _shmget_eperm,
        fork=True,
    ),
    # shmat
    Case(
        IPC,
        "shmat",
        errno.EACCES,
        "uid 65534 attaches a 0600 segment of root",
        lambda ctx: _shmat_as_nobody(ctx, 0o600),
        fork=True,
    ),
    Case(
        IPC,
        "shmat",
        errno.EACCES,
        "uid 65534 attaches a 0644 segment read-write",
        lambda ctx: _shmat_as_nobody(ctx, 0o644),
        fork=True,
    ),
    Case(IPC, "shmat", errno.EIDRM, "segment being removed", reason=_RACE),
    Case(IPC, "shmat", errno.EINVAL, "shmid -1", lambda ctx: ipc.shmat(-1)),
    Case(IPC, "shmat", errno.EINVAL, "removed (destroyed) segment", _shmat_removed),
    Case(
        IPC,
        "shmat",
        errno.ENOMEM,
        "256 MiB segment under an RLIMIT_AS 32 MiB above the current size",
        _shmat_enomem,
        fork=True,
    ),
    # shmdt
    Case(
        IPC,
        "shmdt",
        errno.EINVAL,
        "page of an anonymous mapping",
        _shmdt_anonymous_page,
    ),
    Case(IPC, "shmdt", errno.EINVAL, "misaligned address inside a segment", _shmdt_misaligned),
    Case(IPC, "shmdt", errno.EINVAL, "address detached already", _shmdt_twice),
    # shmctl
    Case(
        IPC,
        "shmctl",
        errno.EACCES,
        "uid 65534 IPC_STATs a 0600 segment of root",
        _shmctl_eacces,
        fork=True,
    ),
    Case(
        IPC,
        "shmctl",
        errno.EFAULT,
        "IPC_STAT with buf (struct sysapi_shmid_ds *)-1, to the shim in a forked child",
        _shmctl_fault,
    ),
    Case(
        IPC,
        "shmctl",
        errno.EPERM,
        "uid 65534 IPC_SETs the mode of a 0600 segment of root (sysapi reads the rest without "
        "IPC_STAT's read check)",
        _shmctl_eperm_set,
        fork=True,
        root=True,
        emulator="qemu-user does not know SHM_STAT_ANY (EINVAL), with which sysapi reads the "
        "owner and mode IPC_STAT refuses: IPC_STAT's EACCES stays",
    ),
    *(
        Case(
            IPC,
            "shmctl",
            errno.EPERM,
            f"uid 65534 {name}s a 0666 segment of root, RLIMIT_MEMLOCK 1 MiB",
            _shmctl_eperm_not_owner(cmd),
            fork=True,
            root=True,
        )
        for name, cmd in (("SHM_LOCK", ipc.SHM_LOCK), ("SHM_UNLOCK", ipc.SHM_UNLOCK))
    ),
    Case(
        IPC,
        "shmctl",
        errno.EACCES,
        "uid 65534 IPC_STATs its own segment of mode 0",
        _shmctl_eacces_mode0,
        fork=True,
        root=True,
    ),
    Case(IPC, "shmctl", errno.EIDRM, "segment being removed", reason=_RACE),
    Case(
        IPC,
        "shmctl",
        errno.EINVAL,
        "IPC_STAT of shmid -1",
        lambda ctx: ipc.shmctl(-1, ipc.IPC_STAT),
    ),
    Case(
        IPC,
        "shmctl",
        errno.EINVAL,
        "cmd 12345",
        lambda ctx: ipc.shmctl(_segment(ctx), 12345),
    ),
    Case(
        IPC,
        "shmctl",
        errno.ENOMEM,
        "uid 65534 SHM_LOCKs 1 MiB under RLIMIT_MEMLOCK of one page",
        _shmctl_enomem,
        fork=True,
    ),
    Case(
        IPC,
        "shmctl",
        errno.EOVERFLOW,
        "uid too large for the structure",
        reason="only the old IPC_STAT layout (without IPC_64) could report it; glibc on 64-bit "
        "Linux always asks for the IPC_64 structure, whose 32-bit fields hold every uid and gid",
    ),
    Case(
        IPC,
        "shmctl",
        errno.EPERM,
        "uid 65534 IPC_RMIDs a 0666 segment of root",
        _shmctl_eperm_rmid,
        fork=True,
    ),
    Case(
        IPC,
        "shmctl",
        errno.EPERM,
        "uid 65534 SHM_LOCKs its own segment with RLIMIT_MEMLOCK 0",
        _shmctl_eperm_lock,
        fork=True,
    ),
]


# ---- process and signal descriptors: pidfd_open, pidfd_send_signal, pidfd_getfd, signalfd ------


#: How long a helper thread or a wait of these cases lasts at most.
CASE_SECONDS = 30.0


def _reaped_pid() -> int:
    """The pid of a child that has exited and been waited for."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def _self_pidfd(ctx: Context) -> process.PidFd:
    """A pidfd of this process, closed when the case ends."""
    pidfd = process.pidfd_open(os.getpid())
    ctx.defer(pidfd.close)
    return pidfd


def _reaped_pidfd(ctx: Context) -> process.PidFd:
    """A pidfd whose process has exited and been waited for."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    pidfd = process.pidfd_open(pid)
    ctx.defer(pidfd.close)
    os.waitpid(pid, 0)
    return pidfd


def _no_free_descriptor() -> None:
    """Lower RLIMIT_NOFILE (soft) to the lowest free descriptor number: the next one fails."""
    probe = os.dup(0)
    os.close(probe)
    resource.setrlimit(
        resource.RLIMIT_NOFILE, (probe, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
    )


def _emfile(create: Callable[[], object]) -> Callable[[Context], None]:
    """A case body: ``create`` a descriptor with no descriptor left (in a forked child)."""

    def provoke(ctx: Context) -> None:
        _no_free_descriptor()
        create()

    return provoke


def _emfile_as_nobody(create: Callable[[], object]) -> Callable[[Context], None]:
    def provoke(ctx: Context) -> None:
        def as_nobody() -> None:
            _no_free_descriptor()
            create()

        _as_nobody(ctx, as_nobody)

    return provoke


def _thread_tid(ctx: Context) -> int:
    """The tid of a thread other than the leader, alive until the case ends."""
    done = threading.Event()
    tids: list[int] = []

    def body() -> None:
        tids.append(threading.get_native_id())
        done.wait(CASE_SECONDS)

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    ctx.defer(thread.join)
    ctx.defer(done.set)
    while not tids:
        time.sleep(0.001)
    return tids[0]


def _pidfd_open_thread(ctx: Context) -> None:
    process.pidfd_open(_thread_tid(ctx))


def _send_eperm_as_nobody(ctx: Context) -> None:
    # Opening needs no permission; signalling pid 1 (root's) does.
    def send() -> None:
        with process.pidfd_open(1) as init:
            init.send_signal(0)

    _as_nobody(ctx, send)


def _send_esrch_as_nobody(ctx: Context) -> None:
    def send() -> None:
        _reaped_pidfd(ctx).send_signal(0, 1)

    _as_nobody(ctx, send)


def _send_einval_pid_namespace(ctx: Context) -> None:
    # A process in a new PID namespace cannot see (so not signal) one outside it: the
    # grandchild _as_nobody forks after the unshare is pid 1 of a new namespace.
    libc = ctypes.CDLL(None, use_errno=True)
    outside = _self_pidfd(ctx)
    if libc.unshare(0x20000000) != 0:  # CLONE_NEWPID
        raise NotProvokable(f"unshare(CLONE_NEWPID): {os.strerror(ctypes.get_errno())}")
    _as_nobody(ctx, lambda: outside.send_signal(0))


def _getfd_eperm_as_nobody(ctx: Context) -> None:
    def get() -> None:
        with process.pidfd_open(1) as init:
            process.pidfd_getfd(init, 0).close()

    _as_nobody(ctx, get)


def _getfd_emfile(ctx: Context) -> None:
    me = _self_pidfd(ctx)
    _no_free_descriptor()
    process.pidfd_getfd(me, 0)


def _getfd_zombie(ctx: Context) -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    ctx.defer(_reap, pid)
    with process.pidfd_open(pid) as pidfd:
        select.select([pidfd], [], [], CASE_SECONDS)  # readable once it has exited
        process.pidfd_getfd(pidfd, 0)


def _waitid_eagain(ctx: Context) -> None:
    pid = _child(ctx, 10)
    with process.pidfd_open(pid, process.PIDFD_NONBLOCK) as pidfd:
        pidfd.wait()


def _signalfd_raw(fd: int, flags: int = 0) -> None:
    _syscall.check(lib.sysapi_signalfd(fd, 1 << signal.SIGUSR2, 0, flags), signals.SIGNALFD_SPEC)


def _signalfd_read_closed_behind(ctx: Context) -> None:
    sfd = signals.signalfd({signal.SIGUSR2})
    ctx.defer(sfd.detach)  # its number is closed already
    os.close(sfd.fileno())
    sfd.read(0)


_NOT_HERE = "the whole system would have to run out of open files (fs.file-max)"
_NO_ANON = "the anonymous inode filesystem is built into every kernel that has these calls"
_NO_MEM = "no reliable way to exhaust kernel memory for one small allocation"

CASES += [
    # pidfd_open
    Case(
        PROC,
        "pidfd_open",
        errno.EINVAL,
        "flags 1 (not PIDFD_NONBLOCK or PIDFD_THREAD)",
        lambda ctx: process.pidfd_open(os.getpid(), 1),
    ),
    Case(PROC, "pidfd_open", errno.EINVAL, "pid 0", lambda ctx: process.pidfd_open(0)),
    Case(PROC, "pidfd_open", errno.EINVAL, "pid -1", lambda ctx: process.pidfd_open(-1)),
    Case(
        PROC,
        "pidfd_open",
        errno.EINVAL,
        "a thread that is not its process's leader, without PIDFD_THREAD (the man page's "
        "EINVAL: Linux 6.15 and later say ENOENT)",
        _pidfd_open_thread,
        expect=errno.ENOENT,
        fork=True,
        conditions=(_PIDFD_NOT_LEADER_EINVAL,),
    ),
    Case(
        PROC,
        "pidfd_open",
        errno.ENOENT,
        "a thread that is not its process's leader, without PIDFD_THREAD",
        _pidfd_open_thread,
        fork=True,
        conditions=(_PIDFD_NOT_LEADER_EINVAL,),
    ),
    Case(
        PROC,
        "pidfd_open",
        errno.EMFILE,
        "RLIMIT_NOFILE lowered to the lowest free descriptor",
        _emfile(lambda: process.pidfd_open(os.getpid())),
        fork=True,
    ),
    Case(
        PROC,
        "pidfd_open",
        errno.EMFILE,
        "uid 65534, RLIMIT_NOFILE lowered to the lowest free descriptor",
        _emfile_as_nobody(lambda: process.pidfd_open(os.getpid())),
        fork=True,
    ),
    Case(PROC, "pidfd_open", errno.ENFILE, "system-wide file table full", reason=_NOT_HERE),
    Case(PROC, "pidfd_open", errno.ENODEV, "no anonymous inode filesystem", reason=_NO_ANON),
    Case(PROC, "pidfd_open", errno.ENOMEM, "out of kernel memory", reason=_NO_MEM),
    Case(
        PROC,
        "pidfd_open",
        errno.ESRCH,
        "pid above kernel.pid_max",
        lambda ctx: process.pidfd_open(_pid_above_max()),
    ),
    Case(
        PROC,
        "pidfd_open",
        errno.ESRCH,
        "a child that exited and was waited for",
        lambda ctx: process.pidfd_open(_reaped_pid()),
        fork=True,
    ),
    Case(
        PROC,
        "pidfd_open",
        errno.ESRCH,
        "uid 65534: its child that exited and was waited for",
        lambda ctx: _as_nobody(ctx, lambda: process.pidfd_open(_reaped_pid())),
        fork=True,
    ),
    # pidfd_send_signal
    Case(
        PROC,
        "pidfd_send_signal",
        errno.EBADF,
        "closed descriptor",
        lambda ctx: process.pidfd_send_signal(ctx.closed_fd(), 0),
    ),
    Case(
        PROC,
        "pidfd_send_signal",
        errno.EBADF,
        "a regular file",
        lambda ctx: process.pidfd_send_signal(ctx.open(ctx.file()), 0),
    ),
    Case(
        PROC,
        "pidfd_send_signal",
        errno.EINVAL,
        "signal 999",
        lambda ctx: _self_pidfd(ctx).send_signal(999),
    ),
    Case(
        PROC,
        "pidfd_send_signal",
        errno.EINVAL,
        "unknown flag 0x100",
        lambda ctx: _self_pidfd(ctx).send_signal(0, flags=0x100),
    ),
    Case(
        PROC,
        "pidfd_send_signal",
        errno.EINVAL,
        "two scopes, PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP",
        lambda ctx: _self_pidfd(ctx).send_signal(
            0, flags=process.PIDFD_SIGNAL_THREAD | process.PIDFD_SIGNAL_THREAD_GROUP
        ),
    ),
    Case(
        PROC,
        "pidfd_send_signal",
        errno.EINVAL,
        "uid 65534 in a new PID namespace signals a process outside it",
        _send_einval_pid_namespace,
        fork=True,
        root=True,
    ),
    Case(
        PROC,
        "pidfd_send_signal",
        errno.EPERM,
        "uid 65534 signals pid 1 (signal 0)",
        _send_eperm_as_nobody,
        fork=True,
    ),
    Case(
        PROC,
        "pidfd_send_signal",
        errno.ESRCH,
        "a child that exited and was waited for",
        lambda ctx: _reaped_pidfd(ctx).send_signal(0),
        fork=True,
    ),
    Case(
        PROC,
        "pidfd_send_signal",
        errno.ESRCH,
        "uid 65534: its child that exited and was waited for, with a payload",
        _send_esrch_as_nobody,
        fork=True,
    ),
    # pidfd_getfd
    Case(
        PROC,
        "pidfd_getfd",
        errno.EBADF,
        "pidfd is a regular file",
        lambda ctx: process.pidfd_getfd(ctx.open(ctx.file()), 0),
    ),
    Case(
        PROC,
        "pidfd_getfd",
        errno.EBADF,
        "targetfd not open in the process",
        lambda ctx: process.pidfd_getfd(_self_pidfd(ctx), ctx.closed_fd()),
    ),
    Case(
        PROC,
        "pidfd_getfd",
        errno.EINVAL,
        "flags 1",
        lambda ctx: process.pidfd_getfd(_self_pidfd(ctx), 0, 1),
    ),
    Case(
        PROC,
        "pidfd_getfd",
        errno.EMFILE,
        "RLIMIT_NOFILE lowered to the lowest free descriptor",
        _getfd_emfile,
        fork=True,
    ),
    Case(PROC, "pidfd_getfd", errno.ENFILE, "system-wide file table full", reason=_NOT_HERE),
    Case(
        PROC,
        "pidfd_getfd",
        errno.EPERM,
        "uid 65534 takes descriptor 0 of pid 1",
        _getfd_eperm_as_nobody,
        fork=True,
    ),
    Case(
        PROC,
        "pidfd_getfd",
        errno.ESRCH,
        "a child that exited and was waited for",
        lambda ctx: process.pidfd_getfd(_reaped_pidfd(ctx), 0),
        fork=True,
    ),
    Case(
        PROC,
        "pidfd_getfd",
        errno.ESRCH,
        "a zombie child (exited, not waited for)",
        _getfd_zombie,
        fork=True,
    ),
    # waitid on a pidfd
    Case(
        PROC,
        "waitid",
        errno.EAGAIN,
        "P_PIDFD of a running child, PIDFD_NONBLOCK, no WNOHANG",
        _waitid_eagain,
        fork=True,
    ),
    # signalfd
    Case(
        SIG,
        "signalfd",
        errno.EBADF,
        "thin layer: fd closed (sysapi's signalfd always creates a new descriptor)",
        lambda ctx: _signalfd_raw(ctx.closed_fd()),
    ),
    Case(
        SIG,
        "signalfd",
        errno.EINVAL,
        "flags 1",
        lambda ctx: signals.signalfd({signal.SIGUSR2}, 1),
    ),
    Case(
        SIG,
        "signalfd",
        errno.EINVAL,
        "thin layer: fd is a regular file, not a signalfd",
        lambda ctx: _signalfd_raw(ctx.open(ctx.file())),
    ),
    Case(
        SIG,
        "signalfd",
        errno.EMFILE,
        "RLIMIT_NOFILE lowered to the lowest free descriptor",
        _emfile(lambda: signals.signalfd({signal.SIGUSR2})),
        fork=True,
    ),
    Case(
        SIG,
        "signalfd",
        errno.EMFILE,
        "uid 65534, RLIMIT_NOFILE lowered to the lowest free descriptor",
        _emfile_as_nobody(lambda: signals.signalfd({signal.SIGUSR2})),
        fork=True,
    ),
    Case(
        SIG,
        "read(signalfd)",
        errno.EBADF,
        "SignalFd.read(0) after os.close of its descriptor",
        _signalfd_read_closed_behind,
    ),
    Case(
        SIG,
        "read(signalfd)",
        errno.ENOMEM,
        "out of kernel memory for ppoll's table",
        reason=_NO_MEM,
    ),
    Case(SIG, "signalfd", errno.ENFILE, "system-wide file table full", reason=_NOT_HERE),
    Case(SIG, "signalfd", errno.ENODEV, "no anonymous inode device", reason=_NO_ANON),
    Case(SIG, "signalfd", errno.ENOMEM, "out of kernel memory", reason=_NO_MEM),
]
