"""Reference cases of the SysV message queues and semaphore sets and the POSIX message queues
and semaphores (the SysV shared memory cases are in ``process.py``)."""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import resource
import signal
import threading
import time
from collections.abc import Callable

from sysapi import _syscall, errors, ipc
from sysapi._sysapi import ffi, lib
from sysapi.conformance import NOBODY, Case, Condition, Context, NotProvokable
from sysapi.conformance._support import bad, by_call, shim_in_child
from sysapi.conformance.process import _alarm, _as_nobody, _key, _new_ipc_namespace

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

IPC = "ipc"

CASES: list[Case] = []


# ==== SysV message queues and semaphore sets =====================================================
# Objects are created by the (root) case and always removed by it, also when an unprivileged
# grandchild (_as_nobody) is the one that fails. Limits are lowered only inside a private IPC
# namespace of a forked child, never the machine's own sysctls. EINTR has two cases, as in
# process.py: the shim called directly shows the kernel's EINTR, the public call retries it.

_SYSV_RACE = (
    "Linux returns EIDRM from this call only when the object is destroyed between the id "
    "lookup and the check (a race inside the kernel); a removed id gives EINVAL"
)
_NOMEM = "needs the kernel to fail a small allocation (no fault injection here)"


def _queue(ctx: Context, mode: int = 0o600, key: int = ipc.IPC_PRIVATE) -> int:
    """A new message queue, removed when the case ends."""
    q = ipc.msgget(key, ipc.IPC_CREAT | ipc.IPC_EXCL | mode)
    ctx.defer(_remove_queue, q)
    return q


def _remove_queue(msqid: int) -> None:
    with contextlib.suppress(errors.EINVAL, errors.EIDRM):  # removed by the case itself
        ipc.msgctl(msqid, ipc.IPC_RMID)


def _set(ctx: Context, nsems: int = 1, mode: int = 0o600, key: int = ipc.IPC_PRIVATE) -> int:
    """A new semaphore set, removed when the case ends."""
    s = ipc.semget(key, nsems, ipc.IPC_CREAT | ipc.IPC_EXCL | mode)
    ctx.defer(_remove_set, s)
    return s


def _remove_set(semid: int) -> None:
    with contextlib.suppress(errors.EINVAL, errors.EIDRM):
        ipc.semctl(semid, 0, ipc.IPC_RMID)


def _full_queue(ctx: Context) -> int:
    q = _queue(ctx)
    ipc.msgctl(q, ipc.IPC_SET, msg_qbytes=1)
    ipc.msgsnd(q, 1, b"x")
    return q


def _removed_meanwhile(ctx: Context, remove: Callable[[], object]) -> None:
    """Remove the object from a thread while the case waits on it."""

    def run() -> None:
        time.sleep(0.2)
        remove()

    t = threading.Thread(target=run)
    t.start()
    ctx.defer(t.join)


def _in_namespace(limits: dict[str, str]) -> None:
    """Enter a private IPC namespace and lower its ``limits`` (kernel.* names)."""
    _new_ipc_namespace()
    for name, value in limits.items():
        with open(f"/proc/sys/kernel/{name}", "w") as f:
            f.write(value + "\n")


def _semopm() -> int:
    with open("/proc/sys/kernel/sem") as f:
        return int(f.read().split()[2])


def _msgmax() -> int:
    with open("/proc/sys/kernel/msgmax") as f:
        return int(f.read())


# ---- msgget ------------------------------------------------------------------------------------


def _msgget_eacces(ctx: Context) -> None:
    key = _key(ctx)
    _queue(ctx, 0o600, key)
    _as_nobody(ctx, lambda: ipc.msgget(key, 0o600))


def _msgget_eexist(ctx: Context) -> None:
    key = _key(ctx)
    _queue(ctx, 0o600, key)
    ipc.msgget(key, ipc.IPC_CREAT | ipc.IPC_EXCL | 0o600)


def _msgget_enospc(ctx: Context, unprivileged: bool) -> None:
    _in_namespace({"msgmni": "0"})

    def create() -> None:
        ipc.msgget(ipc.IPC_PRIVATE, ipc.IPC_CREAT | 0o600)

    if unprivileged:
        _as_nobody(ctx, create)
    else:
        create()


# ---- msgsnd / msgrcv ---------------------------------------------------------------------------


def _msgsnd_eacces(ctx: Context) -> None:
    q = _queue(ctx, 0o644)
    _as_nobody(ctx, lambda: ipc.msgsnd(q, 1, b"x"))


def _msgsnd_eagain(ctx: Context) -> None:
    ipc.msgsnd(_full_queue(ctx), 1, b"y", ipc.IPC_NOWAIT)


def _msgsnd_eagain_nobody(ctx: Context) -> None:
    q = _full_queue(ctx)
    ipc.msgctl(q, ipc.IPC_SET, mode=0o622)
    _as_nobody(ctx, lambda: ipc.msgsnd(q, 1, b"y", ipc.IPC_NOWAIT))


def _msgsnd_eidrm(ctx: Context) -> None:
    q = _full_queue(ctx)
    _removed_meanwhile(ctx, lambda: ipc.msgctl(q, ipc.IPC_RMID))
    ipc.msgsnd(q, 1, b"y")


def _msgsnd_eintr_raw(ctx: Context) -> None:
    q = _full_queue(ctx)
    _alarm(ctx, 0.05)
    _syscall.check(lib.sysapi_msgsnd(q, 1, b"y", 1, 0), ipc.MSGSND_SPEC)


def _msgsnd_eintr_retried(ctx: Context) -> None:
    q = _full_queue(ctx)
    # The handler makes room after the interrupted wait; the retried send then succeeds.
    hits = _alarm(ctx, 0.05, lambda: ipc.msgrcv(q, 1))
    ipc.msgsnd(q, 2, b"y")
    if not hits:
        raise NotProvokable("the alarm did not fire during the wait")
    if ipc.msgrcv(q, 1, 0, ipc.IPC_NOWAIT) != (2, b"y"):
        raise AssertionError("the retried msgsnd did not queue its message")


def _msgrcv_eacces(ctx: Context) -> None:
    q = _queue(ctx, 0o622)
    ipc.msgsnd(q, 1, b"x")
    _as_nobody(ctx, lambda: ipc.msgrcv(q, 10, 0, ipc.IPC_NOWAIT))


def _msgrcv_e2big(ctx: Context) -> None:
    q = _queue(ctx)
    ipc.msgsnd(q, 1, b"0123456789")
    ipc.msgrcv(q, 4)


def _msgrcv_eidrm(ctx: Context) -> None:
    q = _queue(ctx)
    _removed_meanwhile(ctx, lambda: ipc.msgctl(q, ipc.IPC_RMID))
    ipc.msgrcv(q, 10)


def _msgrcv_eintr_raw(ctx: Context) -> None:
    q = _queue(ctx)
    _alarm(ctx, 0.05)
    buf = ffi.new("char[]", 64)
    _syscall.check(lib.sysapi_msgrcv(q, buf, 16, 0, 0), ipc.MSGRCV_SPEC)


def _msgrcv_eintr_retried(ctx: Context) -> None:
    q = _queue(ctx)
    hits = _alarm(ctx, 0.05, lambda: ipc.msgsnd(q, 3, b"late"))
    result = ipc.msgrcv(q, 10)
    if not hits:
        raise NotProvokable("the alarm did not fire during the wait")
    if result != (3, b"late"):
        raise AssertionError(f"msgrcv returned {result!r} after the retry")


def _msgrcv_copy(ctx: Context, msgtyp: int, flags: int) -> None:
    q = _queue(ctx)
    ipc.msgsnd(q, 1, b"x")
    ipc.msgrcv(q, 10, msgtyp, flags)


def _msgrcv_enosys(ctx: Context) -> None:
    try:
        _msgrcv_copy(ctx, 0, ipc.MSG_COPY | ipc.IPC_NOWAIT)
    except errors.ENOSYS:
        raise
    raise NotProvokable("this kernel has CONFIG_CHECKPOINT_RESTORE: MSG_COPY works")


# ---- msgctl ------------------------------------------------------------------------------------


def _msgctl_as_nobody(ctx: Context, mode: int, cmd: int) -> None:
    q = _queue(ctx, mode)
    _as_nobody(ctx, lambda: ipc.msgctl(q, cmd))


def _msgctl_msg_stat_eacces(ctx: Context) -> None:
    q = _queue(ctx, 0o600)
    index = _index_of("msg", q)
    _as_nobody(ctx, lambda: ipc.msgctl(index, ipc.MSG_STAT))


def _msgctl_eperm_qbytes(ctx: Context) -> None:
    q = _queue(ctx, 0o600)
    ipc.msgctl(q, ipc.IPC_SET, uid=NOBODY)
    with open("/proc/sys/kernel/msgmnb") as f:
        above = int(f.read()) + 1
    _as_nobody(ctx, lambda: ipc.msgctl(q, ipc.IPC_SET, msg_qbytes=above))


def _index_of(kind: str, ident: int) -> int:
    """The kernel index of SysV object ``ident`` (what MSG_STAT/SEM_STAT take). An id is
    index + seq * IPCMNI, IPCMNI being 32768 (or 1 << 24 with ipcmni_extend): each candidate
    is confirmed by a STAT of it."""
    for index in (ident % 32768, ident % (1 << 24)):
        try:
            if kind == "msg":
                same = ipc.msgctl(index, ipc.MSG_STAT) == ipc.msgctl(ident, ipc.IPC_STAT)
            else:
                same = ipc.semctl(index, 0, ipc.SEM_STAT) == ipc.semctl(ident, 0, ipc.IPC_STAT)
        except errors.EINVAL:
            continue
        if same:
            return index
    raise NotProvokable(f"the kernel index of {kind} id {ident} was not found")


# ---- semget ------------------------------------------------------------------------------------


def _semget_eacces(ctx: Context) -> None:
    key = _key(ctx)
    _set(ctx, 1, 0o600, key)
    _as_nobody(ctx, lambda: ipc.semget(key, 1, 0o600))


def _semget_eexist(ctx: Context) -> None:
    key = _key(ctx)
    _set(ctx, 1, 0o600, key)
    ipc.semget(key, 1, ipc.IPC_CREAT | ipc.IPC_EXCL | 0o600)


def _semget_einval_more(ctx: Context) -> None:
    key = _key(ctx)
    _set(ctx, 2, 0o600, key)
    ipc.semget(key, 3)


def _semget_einval_semmsl(ctx: Context) -> None:
    with open("/proc/sys/kernel/sem") as f:
        semmsl = int(f.read().split()[0])
    s = ipc.semget(ipc.IPC_PRIVATE, semmsl + 1, ipc.IPC_CREAT | 0o600)
    ctx.defer(_remove_set, s)  # only reached if the kernel accepted it


def _semget_enospc(ctx: Context, sem: str, nsems: int, unprivileged: bool) -> None:
    _in_namespace({"sem": sem})

    def create() -> None:
        ipc.semget(ipc.IPC_PRIVATE, nsems, ipc.IPC_CREAT | 0o600)

    if unprivileged:
        _as_nobody(ctx, create)
    else:
        create()


# ---- bad pointers, through the shims (EFAULT) -----------------------------------------------


def _msgsnd_fault(ctx: Context) -> None:
    q = _queue(ctx)
    shim_in_child(
        ipc.MSGSND_SPEC,
        lambda: lib.sysapi_msgsnd(q, 1, bad("char *"), 8, ipc.IPC_NOWAIT),
        crashes="the shim copies the text after mtype into a struct msgbuf of its own first",
    )


def _msgrcv_fault(ctx: Context) -> None:
    q = _queue(ctx)
    ipc.msgsnd(q, 1, b"message")  # something to copy out
    shim_in_child(
        ipc.MSGRCV_SPEC, lambda: lib.sysapi_msgrcv(q, bad("char *"), 64, 0, ipc.IPC_NOWAIT)
    )


def _msgctl_fault(ctx: Context) -> None:
    q = _queue(ctx)
    shim_in_child(
        ipc.MSGCTL_SPEC,
        lambda: lib.sysapi_msgctl(q, ipc.IPC_STAT, bad("struct sysapi_msqid_ds *")),
        crashes="the shim reads uid, gid, mode and msg_qbytes from buf into its own msqid_ds first",
    )


def _semop_fault(ctx: Context, timed: bool) -> None:
    s = _set(ctx)
    sops = bad("char *")
    if timed:
        shim_in_child(ipc.SEMTIMEDOP_SPEC, lambda: lib.sysapi_semtimedop(s, sops, 1, -1))
    else:
        shim_in_child(ipc.SEMOP_SPEC, lambda: lib.sysapi_semop(s, sops, 1))


def _semctl_fault(ctx: Context) -> None:
    s = _set(ctx)
    array = bad("unsigned short *")
    shim_in_child(ipc.SEMCTL_SPEC, lambda: lib.sysapi_semctl(s, 0, ipc.GETALL, 0, array, ffi.NULL))


# ---- semop / semtimedop ------------------------------------------------------------------------
# The two calls share their cases: ``timed`` runs them through semtimedop (timeout None).


def _op(timed: bool, semid: int, sops: list[ipc.SemBuf]) -> None:
    if timed:
        ipc.semtimedop(semid, sops, None)
    else:
        ipc.semop(semid, sops)


def _semop_as_nobody(ctx: Context, timed: bool, mode: int, sem_op: int) -> None:
    s = _set(ctx, 1, mode)
    _as_nobody(ctx, lambda: _op(timed, s, [ipc.SemBuf(0, sem_op, ipc.IPC_NOWAIT)]))


def _semop_eidrm(ctx: Context, timed: bool) -> None:
    s = _set(ctx)
    _removed_meanwhile(ctx, lambda: ipc.semctl(s, 0, ipc.IPC_RMID))
    _op(timed, s, [ipc.SemBuf(0, -1)])


def _semop_erange(ctx: Context, timed: bool) -> None:
    s = _set(ctx)
    ipc.semctl(s, 0, ipc.SETVAL, 32767)
    _op(timed, s, [ipc.SemBuf(0, 1)])


def _semop_eintr_raw(ctx: Context, timed: bool) -> None:
    s = _set(ctx)
    _alarm(ctx, 0.05)
    down = ipc._sops_array([ipc.SemBuf(0, -1)])[0]
    if timed:
        _syscall.check(lib.sysapi_semtimedop(s, down, 1, 10**10), ipc.SEMTIMEDOP_SPEC)
    else:
        _syscall.check(lib.sysapi_semop(s, down, 1), ipc.SEMOP_SPEC)


def _semop_eintr_retried(ctx: Context, timed: bool) -> None:
    s = _set(ctx)
    hits = _alarm(ctx, 0.05, lambda: ipc.semop(s, [ipc.SemBuf(0, 1)]))
    if timed:
        done = ipc.semtimedop(s, [ipc.SemBuf(0, -1)], 10)
    else:
        ipc.semop(s, [ipc.SemBuf(0, -1)])
        done = True
    if not hits:
        raise NotProvokable("the alarm did not fire during the wait")
    if not done or ipc.semctl(s, 0, ipc.GETVAL) != 0:
        raise AssertionError("the retried wait did not take the semaphore")


def _semtimedop_eagain_raw(ctx: Context) -> None:
    s = _set(ctx)
    down = ipc._sops_array([ipc.SemBuf(0, -1)])[0]
    _syscall.check(lib.sysapi_semtimedop(s, down, 1, 10_000_000), ipc.SEMTIMEDOP_SPEC)


def _semtimedop_timeout_public(ctx: Context) -> None:
    if ipc.semtimedop(_set(ctx), [ipc.SemBuf(0, -1)], 0.01) is not False:
        raise AssertionError("semtimedop did not return False at the deadline")


def _semop_cases(call: str, timed: bool) -> list[Case]:
    spec = ipc.SEMTIMEDOP_SPEC if timed else ipc.SEMOP_SPEC

    def op(sops: list[ipc.SemBuf], nsems: int = 1) -> Callable[[Context], object]:
        return lambda ctx: _op(timed, _set(ctx, nsems), sops)

    assert spec.syscall == call
    return [
        Case(
            IPC,
            call,
            errno.E2BIG,
            "SEMOPM + 1 operations",
            lambda ctx: _op(timed, _set(ctx), [ipc.SemBuf(0, 0)] * (_semopm() + 1)),
        ),
        Case(
            IPC,
            call,
            errno.EACCES,
            "uid 65534 decrements in a 0644 set of root (alter permission)",
            lambda ctx: _semop_as_nobody(ctx, timed, 0o644, -1),
            fork=True,
        ),
        Case(
            IPC,
            call,
            errno.EACCES,
            "uid 65534 waits for zero in a 0600 set of root (read permission)",
            lambda ctx: _semop_as_nobody(ctx, timed, 0o600, 0),
            fork=True,
        ),
        Case(
            IPC,
            call,
            errno.EAGAIN,
            "IPC_NOWAIT decrement of a semaphore at 0",
            op([ipc.SemBuf(0, -1, ipc.IPC_NOWAIT)]),
        ),
        Case(
            IPC,
            call,
            errno.EAGAIN,
            "uid 65534: IPC_NOWAIT decrement in its 0666 set of root",
            lambda ctx: _semop_as_nobody(ctx, timed, 0o666, -1),
            fork=True,
        ),
        Case(
            IPC,
            call,
            errno.EFAULT,
            "sops (char *)-1, to the shim in a forked child",
            lambda ctx: _semop_fault(ctx, timed),
        ),
        Case(
            IPC,
            call,
            errno.EFBIG,
            "sem_num 1 in a set of 1",
            op([ipc.SemBuf(1, 1)]),
        ),
        Case(
            IPC,
            call,
            errno.EIDRM,
            "set removed by another thread while waiting",
            lambda ctx: _semop_eidrm(ctx, timed),
        ),
        Case(
            IPC,
            call,
            errno.EINTR,
            "thin layer: SIGALRM handler interrupts the wait",
            lambda ctx: _semop_eintr_raw(ctx, timed),
            fork=True,
        ),
        Case(
            IPC,
            call,
            errno.EINTR,
            f"public {call}: interrupted by SIGALRM, retried (PEP 475), takes the semaphore",
            lambda ctx: _semop_eintr_retried(ctx, timed),
            expect=0,
            fork=True,
        ),
        Case(
            IPC,
            call,
            errno.EINVAL,
            "semid -1",
            lambda ctx: _op(timed, -1, [ipc.SemBuf(0, 1)]),
        ),
        Case(IPC, call, errno.EINVAL, "empty sops", op([])),
        Case(IPC, call, errno.ENOMEM, "no memory for the SEM_UNDO structure", reason=_NOMEM),
        Case(
            IPC,
            call,
            errno.ERANGE,
            "increment of a semaphore at 32767",
            lambda ctx: _semop_erange(ctx, timed),
        ),
    ]


# ---- semctl ------------------------------------------------------------------------------------


def _semctl_as_nobody(ctx: Context, mode: int, func: Callable[[int], object]) -> None:
    s = _set(ctx, 1, mode)
    _as_nobody(ctx, lambda: func(s))


def _semctl(ctx: Context, *args: object) -> None:
    ipc.semctl(_set(ctx, 2), *args)  # type: ignore[arg-type]


CASES += [
    # msgget
    Case(
        IPC,
        "msgget",
        errno.EACCES,
        "uid 65534 looks up a 0600 queue of root",
        _msgget_eacces,
        fork=True,
    ),
    Case(IPC, "msgget", errno.EEXIST, "IPC_CREAT|IPC_EXCL on an existing key", _msgget_eexist),
    Case(
        IPC,
        "msgget",
        errno.ENOENT,
        "key without a queue, no IPC_CREAT",
        lambda ctx: ipc.msgget(_key(ctx), 0o600),
    ),
    Case(IPC, "msgget", errno.ENOMEM, "no memory for the queue", reason=_NOMEM),
    Case(
        IPC,
        "msgget",
        errno.ENOSPC,
        "kernel.msgmni 0 in a new IPC namespace",
        lambda ctx: _msgget_enospc(ctx, False),
        fork=True,
        root=True,
    ),
    Case(
        IPC,
        "msgget",
        errno.ENOSPC,
        "uid 65534, kernel.msgmni 0 in a new IPC namespace",
        lambda ctx: _msgget_enospc(ctx, True),
        fork=True,
        root=True,
    ),
    # msgsnd
    Case(
        IPC,
        "msgsnd",
        errno.EACCES,
        "uid 65534 sends to a 0644 queue of root",
        _msgsnd_eacces,
        fork=True,
    ),
    Case(IPC, "msgsnd", errno.EAGAIN, "IPC_NOWAIT, queue full (msg_qbytes 1)", _msgsnd_eagain),
    Case(
        IPC,
        "msgsnd",
        errno.EAGAIN,
        "uid 65534: IPC_NOWAIT, 0622 queue full",
        _msgsnd_eagain_nobody,
        fork=True,
    ),
    Case(
        IPC,
        "msgsnd",
        errno.EFAULT,
        "message text (char *)-1, to the shim in a forked child",
        _msgsnd_fault,
    ),
    Case(
        IPC,
        "msgsnd",
        errno.EIDRM,
        "queue removed by another thread while waiting for room",
        _msgsnd_eidrm,
    ),
    Case(
        IPC,
        "msgsnd",
        errno.EINTR,
        "thin layer: SIGALRM handler interrupts the wait for room",
        _msgsnd_eintr_raw,
        fork=True,
    ),
    Case(
        IPC,
        "msgsnd",
        errno.EINTR,
        "public msgsnd: interrupted by SIGALRM, retried (PEP 475), queues the message",
        _msgsnd_eintr_retried,
        expect=0,
        fork=True,
    ),
    Case(
        IPC,
        "msgsnd",
        errno.EINVAL,
        "mtype 0",
        lambda ctx: ipc.msgsnd(_queue(ctx), 0, b"x"),
    ),
    Case(IPC, "msgsnd", errno.EINVAL, "msqid -1", lambda ctx: ipc.msgsnd(-1, 1, b"x")),
    Case(
        IPC,
        "msgsnd",
        errno.EINVAL,
        "message of kernel.msgmax + 1 bytes",
        lambda ctx: ipc.msgsnd(_queue(ctx), 1, bytes(_msgmax() + 1)),
    ),
    Case(IPC, "msgsnd", errno.ENOMEM, "no memory for the copy", reason=_NOMEM),
    # msgrcv
    Case(IPC, "msgrcv", errno.E2BIG, "10-byte message, msgsz 4", _msgrcv_e2big),
    Case(
        IPC,
        "msgrcv",
        errno.EACCES,
        "uid 65534 receives from a 0622 queue of root",
        _msgrcv_eacces,
        fork=True,
    ),
    Case(
        IPC,
        "msgrcv",
        errno.EFAULT,
        "msgp (char *)-1 with a message queued, to the shim in a forked child",
        _msgrcv_fault,
    ),
    Case(
        IPC,
        "msgrcv",
        errno.EIDRM,
        "queue removed by another thread while waiting",
        _msgrcv_eidrm,
    ),
    Case(
        IPC,
        "msgrcv",
        errno.EINTR,
        "thin layer: SIGALRM handler interrupts the wait",
        _msgrcv_eintr_raw,
        fork=True,
    ),
    Case(
        IPC,
        "msgrcv",
        errno.EINTR,
        "public msgrcv: interrupted by SIGALRM, retried (PEP 475), gets the message",
        _msgrcv_eintr_retried,
        expect=0,
        fork=True,
    ),
    Case(IPC, "msgrcv", errno.EINVAL, "msqid -1", lambda ctx: ipc.msgrcv(-1, 10)),
    Case(IPC, "msgrcv", errno.EINVAL, "msgsz -1", lambda ctx: ipc.msgrcv(_queue(ctx), -1)),
    Case(
        IPC,
        "msgrcv",
        errno.EINVAL,
        "MSG_COPY without IPC_NOWAIT",
        lambda ctx: _msgrcv_copy(ctx, 0, ipc.MSG_COPY),
    ),
    Case(
        IPC,
        "msgrcv",
        errno.EINVAL,
        "MSG_COPY with MSG_EXCEPT",
        lambda ctx: _msgrcv_copy(ctx, 0, ipc.MSG_COPY | ipc.MSG_EXCEPT | ipc.IPC_NOWAIT),
    ),
    Case(
        IPC,
        "msgrcv",
        errno.ENOMSG,
        "IPC_NOWAIT on an empty queue",
        lambda ctx: ipc.msgrcv(_queue(ctx), 10, 0, ipc.IPC_NOWAIT),
    ),
    Case(
        IPC,
        "msgrcv",
        errno.ENOMSG,
        "MSG_COPY of message 1 of a queue of 1",
        lambda ctx: _msgrcv_copy(ctx, 1, ipc.MSG_COPY | ipc.IPC_NOWAIT),
    ),
    Case(IPC, "msgrcv", errno.ENOSYS, "MSG_COPY (CONFIG_CHECKPOINT_RESTORE off)", _msgrcv_enosys),
    # msgctl
    Case(
        IPC,
        "msgctl",
        errno.EACCES,
        "uid 65534 IPC_STATs a 0600 queue of root",
        lambda ctx: _msgctl_as_nobody(ctx, 0o600, ipc.IPC_STAT),
        fork=True,
    ),
    Case(
        IPC,
        "msgctl",
        errno.EACCES,
        "uid 65534 MSG_STATs the index of a 0600 queue of root",
        _msgctl_msg_stat_eacces,
        fork=True,
    ),
    Case(
        IPC,
        "msgctl",
        errno.EFAULT,
        "IPC_STAT with buf (struct sysapi_msqid_ds *)-1, to the shim in a forked child",
        _msgctl_fault,
    ),
    Case(IPC, "msgctl", errno.EIDRM, "queue being removed", reason=_SYSV_RACE),
    Case(
        IPC,
        "msgctl",
        errno.EINVAL,
        "IPC_STAT of msqid -1",
        lambda ctx: ipc.msgctl(-1, ipc.IPC_STAT),
    ),
    Case(
        IPC,
        "msgctl",
        errno.EINVAL,
        "cmd 12345",
        lambda ctx: ipc.msgctl(_queue(ctx), 12345),
    ),
    Case(
        IPC,
        "msgctl",
        errno.EINVAL,
        "MSG_STAT of index 32767 (no queue there)",
        lambda ctx: ipc.msgctl(32767, ipc.MSG_STAT),
    ),
    Case(
        IPC,
        "msgctl",
        errno.EPERM,
        "uid 65534 IPC_RMIDs a 0666 queue of root",
        lambda ctx: _msgctl_as_nobody(ctx, 0o666, ipc.IPC_RMID),
        fork=True,
    ),
    Case(
        IPC,
        "msgctl",
        errno.EPERM,
        "uid 65534 raises msg_qbytes of its queue above kernel.msgmnb",
        _msgctl_eperm_qbytes,
        fork=True,
    ),
    # semget
    Case(
        IPC,
        "semget",
        errno.EACCES,
        "uid 65534 looks up a 0600 set of root",
        _semget_eacces,
        fork=True,
    ),
    Case(IPC, "semget", errno.EEXIST, "IPC_CREAT|IPC_EXCL on an existing key", _semget_eexist),
    Case(
        IPC,
        "semget",
        errno.EINVAL,
        "new set of nsems 0",
        lambda ctx: ipc.semget(ipc.IPC_PRIVATE, 0, ipc.IPC_CREAT | 0o600),
    ),
    Case(
        IPC,
        "semget",
        errno.EINVAL,
        "nsems -1",
        lambda ctx: ipc.semget(ipc.IPC_PRIVATE, -1, ipc.IPC_CREAT | 0o600),
    ),
    Case(IPC, "semget", errno.EINVAL, "SEMMSL + 1 semaphores", _semget_einval_semmsl),
    Case(IPC, "semget", errno.EINVAL, "nsems 3 for an existing set of 2", _semget_einval_more),
    Case(
        IPC,
        "semget",
        errno.ENOENT,
        "key without a set, no IPC_CREAT",
        lambda ctx: ipc.semget(_key(ctx), 1, 0o600),
    ),
    Case(IPC, "semget", errno.ENOMEM, "no memory for the set", reason=_NOMEM),
    Case(
        IPC,
        "semget",
        errno.ENOSPC,
        "SEMMNI 0 (kernel.sem) in a new IPC namespace",
        lambda ctx: _semget_enospc(ctx, "250 32000 32 0", 1, False),
        fork=True,
        root=True,
    ),
    Case(
        IPC,
        "semget",
        errno.ENOSPC,
        "uid 65534, SEMMNS 2 in a new IPC namespace, 3 semaphores asked",
        lambda ctx: _semget_enospc(ctx, "250 2 32 32000", 3, True),
        fork=True,
        root=True,
    ),
    # semop, semtimedop
    *_semop_cases("semop", False),
    *_semop_cases("semtimedop", True),
    Case(
        IPC,
        "semtimedop",
        errno.EAGAIN,
        "thin layer: 10 ms timeout runs out",
        _semtimedop_eagain_raw,
    ),
    Case(
        IPC,
        "semtimedop",
        errno.EAGAIN,
        "public semtimedop: the timeout runs out, returns False",
        _semtimedop_timeout_public,
        expect=0,
    ),
    Case(
        IPC,
        "semtimedop",
        errno.EINVAL,
        "timespec with tv_nsec out of range",
        reason=(
            "sysapi builds the timespec from a timeout it validated (ValueError for a negative "
            "or NaN one): no Python argument becomes an invalid timespec"
        ),
    ),
    # semctl
    Case(
        IPC,
        "semctl",
        errno.EACCES,
        "uid 65534 GETVALs a 0600 set of root",
        lambda ctx: _semctl_as_nobody(ctx, 0o600, lambda s: ipc.semctl(s, 0, ipc.GETVAL)),
        fork=True,
    ),
    Case(
        IPC,
        "semctl",
        errno.EACCES,
        "uid 65534 SETVALs a 0644 set of root",
        lambda ctx: _semctl_as_nobody(ctx, 0o644, lambda s: ipc.semctl(s, 0, ipc.SETVAL, 1)),
        fork=True,
    ),
    Case(
        IPC,
        "semctl",
        errno.EFAULT,
        "GETALL with arg.array (unsigned short *)-1, to the shim in a forked child",
        _semctl_fault,
    ),
    Case(IPC, "semctl", errno.EIDRM, "set being removed", reason=_SYSV_RACE),
    Case(
        IPC,
        "semctl",
        errno.EINVAL,
        "IPC_STAT of semid -1",
        lambda ctx: ipc.semctl(-1, 0, ipc.IPC_STAT),
    ),
    Case(IPC, "semctl", errno.EINVAL, "cmd 12345", lambda ctx: _semctl(ctx, 0, 12345)),
    Case(
        IPC,
        "semctl",
        errno.EINVAL,
        "GETVAL of semnum 2 in a set of 2",
        lambda ctx: _semctl(ctx, 2, ipc.GETVAL),
    ),
    Case(
        IPC,
        "semctl",
        errno.EINVAL,
        "SEM_STAT of index 32767 (no set there)",
        lambda ctx: ipc.semctl(32767, 0, ipc.SEM_STAT),
    ),
    Case(
        IPC,
        "semctl",
        errno.EPERM,
        "uid 65534 IPC_RMIDs a 0666 set of root",
        lambda ctx: _semctl_as_nobody(ctx, 0o666, lambda s: ipc.semctl(s, 0, ipc.IPC_RMID)),
        fork=True,
    ),
    Case(
        IPC, "semctl", errno.ERANGE, "SETVAL 32768", lambda ctx: _semctl(ctx, 0, ipc.SETVAL, 32768)
    ),
    Case(
        IPC,
        "semctl",
        errno.ERANGE,
        "SETALL with a -1",
        lambda ctx: _semctl(ctx, 0, ipc.SETALL, [1, -1]),
    ),
]


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
    # Unpredictable (not a pid), and every creation below is O_EXCL: no other user can have
    # made a queue, or a semaphore's /dev/shm/sem.* file, under the name first.
    return f"/sysapi-check-{os.urandom(8).hex()}-{next(_NAMES)}"


def _quietly(func: Callable[..., object], *args: Any) -> None:
    with contextlib.suppress(OSError):
        func(*args)


def _mq(
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
        ipc.mq_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600, _SMALL).close()

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
    _as_nobody(
        ctx, lambda: ipc.mq_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600, _SMALL).close()
    )


def _as_nobody_on_queue(ctx: Context, use: Callable[[str], object], mode: int = 0o600) -> None:
    q = _mq(ctx, mode=mode)
    _as_nobody(ctx, lambda: use(q.name))


def _as_nobody_on_semaphore(ctx: Context, use: Callable[[str], object]) -> None:
    s = _semaphore(ctx)
    _as_nobody(ctx, lambda: use(s.name))


# -- the EINTR, ETIMEDOUT and EAGAIN pairs -----------------------------------------------------

_QEMU_MQ_NOTIFY = "qemu-user does not implement mq_notify (ENOSYS)"
_FAR = 3600.0  # a deadline an hour away: only the alarm ends the wait


def _mq_send_raw(ctx: Context) -> None:
    q = _mq(ctx, full=True)
    _alarm(ctx, 0.05)
    _syscall.check(lib.sysapi_mq_send(q.fileno(), b"x", 1, 0), ipc.MQ_SEND_SPEC)


def _mq_timedsend_raw(ctx: Context, seconds: float) -> None:
    q = _mq(ctx, full=True)
    if seconds > 0:
        _alarm(ctx, 0.05)
    sec, nsec = divmod(int((time.time() + seconds) * 1e9), 1_000_000_000)
    result = lib.sysapi_mq_timedsend(q.fileno(), b"x", 1, 0, sec, nsec)
    _syscall.check(result, ipc.MQ_TIMEDSEND_SPEC)


def _mq_receive_raw(ctx: Context) -> None:
    q = _mq(ctx)
    buf, prio = ffi.new("char[]", 16), ffi.new("unsigned int *")
    _alarm(ctx, 0.05)
    _syscall.check(lib.sysapi_mq_receive(q.fileno(), buf, 16, prio), ipc.MQ_RECEIVE_SPEC)


def _mq_timedreceive_raw(ctx: Context, seconds: float) -> None:
    q = _mq(ctx)
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
    q = _mq(ctx, full=True)
    # The handler makes room: the retried send then goes through.
    hits = _alarm(ctx, 0.05, lambda: ipc.mq_receive(q))
    if not q.send(b"after", timeout=timeout):
        raise AssertionError("the retried send timed out")
    _interrupted(hits)


def _mq_receive_retried(ctx: Context, timeout: float | None) -> None:
    q = _mq(ctx)
    hits = _alarm(ctx, 0.05, lambda: ipc.mq_send(q, b"from handler"))
    message = q.receive(timeout=timeout)
    _interrupted(hits)
    if message != (b"from handler", 0):
        raise AssertionError(f"receive returned {message!r} after the retry")


def _mq_timedsend_public_false(ctx: Context) -> None:
    q = _mq(ctx, full=True)
    if ipc.mq_timedsend(q, b"x", 0, time.time()) is not False:
        raise AssertionError("mq_timedsend past its deadline did not return False")


def _mq_timedreceive_public_none(ctx: Context) -> None:
    q = _mq(ctx)
    if ipc.mq_timedreceive(q, None, time.time()) is not None:
        raise AssertionError("mq_timedreceive past its deadline did not return None")


def _mq_notify_ebusy(ctx: Context) -> None:
    q = _mq(ctx)
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
        lambda ctx: ipc.mq_open(_mq(ctx).name, O_RDWR | O_CREAT | os.O_EXCL).close(),
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
        lambda ctx: _mq(ctx, O_RDWR | os.O_NONBLOCK, full=True).send(b"x"),
    ),
    Case(
        IPC,
        "mq_send",
        errno.EBADF,
        "queue open O_RDONLY",
        lambda ctx: ipc.mq_send(_mq(ctx, os.O_RDONLY), b"x"),
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
        lambda ctx: _mq(ctx).send(b"x", ipc.MQ_PRIO_MAX),
    ),
    Case(
        IPC,
        "mq_send",
        errno.EMSGSIZE,
        "17 bytes to a queue of mq_msgsize 16",
        lambda ctx: _mq(ctx).send(b"x" * 17),
    ),
    # mq_timedsend
    Case(
        IPC,
        "mq_timedsend",
        errno.EAGAIN,
        "full O_NONBLOCK queue",
        lambda ctx: ipc.mq_timedsend(
            _mq(ctx, O_RDWR | os.O_NONBLOCK, full=True), b"x", 0, time.time() + 10
        ),
    ),
    Case(
        IPC,
        "mq_timedsend",
        errno.EBADF,
        "queue open O_RDONLY",
        lambda ctx: _mq(ctx, os.O_RDONLY).send(b"x", timeout=1),
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
        lambda ctx: ipc.mq_timedsend(_mq(ctx), b"x", 0, -1),
    ),
    Case(
        IPC,
        "mq_timedsend",
        errno.EINVAL,
        "priority MQ_PRIO_MAX",
        lambda ctx: _mq(ctx).send(b"x", ipc.MQ_PRIO_MAX, timeout=1),
    ),
    Case(
        IPC,
        "mq_timedsend",
        errno.EMSGSIZE,
        "17 bytes to a queue of mq_msgsize 16",
        lambda ctx: _mq(ctx).send(b"x" * 17, timeout=1),
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
        lambda ctx: _mq(ctx, O_RDWR | os.O_NONBLOCK).receive(),
    ),
    Case(
        IPC,
        "mq_receive",
        errno.EBADF,
        "queue open O_WRONLY",
        lambda ctx: ipc.mq_receive(_mq(ctx, os.O_WRONLY)),
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
        lambda ctx: ipc.mq_receive(_mq(ctx, full=True), 15),
    ),
    # mq_timedreceive
    Case(
        IPC,
        "mq_timedreceive",
        errno.EAGAIN,
        "empty O_NONBLOCK queue",
        lambda ctx: ipc.mq_timedreceive(_mq(ctx, O_RDWR | os.O_NONBLOCK), None, time.time() + 10),
    ),
    Case(
        IPC,
        "mq_timedreceive",
        errno.EBADF,
        "queue open O_WRONLY",
        lambda ctx: _mq(ctx, os.O_WRONLY).receive(timeout=1),
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
        lambda ctx: ipc.mq_timedreceive(_mq(ctx, full=True), None, -1),
    ),
    Case(
        IPC,
        "mq_timedreceive",
        errno.EMSGSIZE,
        "msg_len 15 for a queue of mq_msgsize 16",
        lambda ctx: ipc.mq_timedreceive(_mq(ctx, full=True), 15, time.time() + 10),
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
        lambda ctx: ipc.mq_setattr(_mq(ctx), ipc.MqAttr(os.O_NONBLOCK | os.O_APPEND)),
    ),
    Case(
        IPC,
        "mq_notify",
        errno.EBADF,
        "a pipe",
        lambda ctx: ipc.mq_notify(ctx.pipe()[0], 10),
        emulator=_QEMU_MQ_NOTIFY,
    ),
    Case(
        IPC,
        "mq_notify",
        errno.EBUSY,
        "uid 65534 registers for a queue root registered for",
        _mq_notify_ebusy,
        fork=True,
        emulator=_QEMU_MQ_NOTIFY,
    ),
    Case(
        IPC,
        "mq_notify",
        errno.EINVAL,
        "signal 12345",
        lambda ctx: _mq(ctx).notify(12345),
        emulator=_QEMU_MQ_NOTIFY,
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
        "a 256-character name: glibc's own name check",
        lambda ctx: ipc.sem_open("/" + "x" * 256, O_CREAT).close(),
        conditions=(
            Condition(
                errno.EINVAL,
                "glibc's name check answered EINVAL for every bad name; 2.38 answers "
                "ENAMETOOLONG for a long one ('rt: fix shm_open not set ENAMETOOLONG when name "
                "exceeds {_POSIX_PATH_MAX}')",
                glibc_below=(2, 38),
            ),
        ),
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
        # Measured: glibc 2.36 and 2.41 pass the name on and the kernel answers ENAMETOOLONG
        # for /dev/shm/sem.NAME; glibc 2.43 answers ENOENT. 2.42 was not measured.
        expect=errno.ENOENT,
        conditions=(
            Condition(
                errno.ENAMETOOLONG,
                "glibc before 2.43 passes the name to the kernel, whose unlink of "
                "/dev/shm/sem.NAME (256 characters) answers ENAMETOOLONG; 2.43 answers ENOENT",
                glibc_below=(2, 43),
            ),
        ),
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


# ---- bad pointers, through the mq shims (EFAULT) --------------------------------------------


def _mq_fault(call: str) -> Callable[[Context], None]:
    """``call`` with msg_ptr (char *)-1: sends on an empty queue, receives from a full one."""

    def provoke(ctx: Context) -> None:
        fd = _mq(ctx, full="receive" in call).fileno()
        msg, size = bad("char *"), _SMALL.mq_msgsize
        prio = ffi.new("unsigned int *")
        sec = int(time.time()) + 3600  # a deadline the call never waits for
        shims: dict[str, tuple[errors.ErrorSpec, Callable[[], int]]] = {
            "mq_send": (ipc.MQ_SEND_SPEC, lambda: lib.sysapi_mq_send(fd, msg, 1, 0)),
            "mq_timedsend": (
                ipc.MQ_TIMEDSEND_SPEC,
                lambda: lib.sysapi_mq_timedsend(fd, msg, 1, 0, sec, 0),
            ),
            "mq_receive": (
                ipc.MQ_RECEIVE_SPEC,
                lambda: lib.sysapi_mq_receive(fd, msg, size, prio),
            ),
            "mq_timedreceive": (
                ipc.MQ_TIMEDRECEIVE_SPEC,
                lambda: lib.sysapi_mq_timedreceive(fd, msg, size, prio, sec, 0),
            ),
        }
        shim_in_child(*shims[call])

    return provoke


_MQ_FAULT_CASES = [
    Case(
        IPC,
        call,
        errno.EFAULT,
        "msg_ptr (char *)-1, to the shim in a forked child",
        _mq_fault(call),
    )
    for call in ("mq_send", "mq_timedsend", "mq_receive", "mq_timedreceive")
]

CASES += by_call(POSIX_CASES + _MQ_FAULT_CASES)
