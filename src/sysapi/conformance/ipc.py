"""Reference cases of the SysV message queues and semaphore sets and the POSIX message queues
and semaphores (the SysV shared memory cases are in ``process.py``)."""

from __future__ import annotations

import contextlib
import errno
import threading
import time
from collections.abc import Callable

from sysapi import _syscall, errors, ipc
from sysapi._sysapi import ffi, lib
from sysapi.conformance import NOBODY, Case, Context, NotProvokable
from sysapi.conformance.process import _alarm, _as_nobody, _key, _new_ipc_namespace

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
_FAULT = "sysapi passes buffers of its own; no Python argument becomes that pointer"


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
        Case(IPC, call, errno.EFAULT, "bad sops pointer", reason=_FAULT),
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
    Case(IPC, "msgsnd", errno.EFAULT, "bad msgp pointer", reason=_FAULT),
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
    Case(IPC, "msgrcv", errno.EFAULT, "bad msgp pointer", reason=_FAULT),
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
    Case(IPC, "msgctl", errno.EFAULT, "bad buf pointer", reason=_FAULT),
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
    Case(IPC, "semctl", errno.EFAULT, "bad arg.buf pointer", reason=_FAULT),
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
