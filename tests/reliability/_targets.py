"""Every public function and method of every area, with a strategy for each parameter.

Targets are discovered from each area module's ``__all__`` (functions, classes, their public
methods and properties), so an area is fuzzed as soon as it is on the branch and reviewed. A
parameter gets its strategy from :data:`OVERRIDES` (``"qualname.param"``), else from the
vocabulary (by parameter name). A target with a parameter neither knows is *uncovered*: it is
never called (an unknown parameter might be a process id) and the coverage test names it.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass
from types import ModuleType
from typing import Any

from hypothesis import strategies as st

import sysapi
from sysapi._areas import AREAS
from sysapi.errors import SysapiError

from . import _values as v
from ._values import Env, Tok

__all__ = [
    "ALLOWED",
    "AREAS",
    "REVIEWED",
    "Build",
    "Call",
    "Target",
    "calls",
    "discover",
    "execute",
]

#: Areas whose targets were reviewed for safety: all of their targets are fuzzed, and the
#: coverage test fails when one of them has a parameter without a strategy.
REVIEWED = frozenset(
    {"fs", "xattr", "inotify", "memory", "sched", "timers", "clock", "process", "signals", "ipc"}
)
#: What a call may raise.
ALLOWED = (TypeError, ValueError, OverflowError, SysapiError)
#: Dunder methods fuzzed when a public class defines them.
_DUNDERS = ("__iter__", "__next__", "__enter__", "__exit__", "__len__", "__buffer__", "__bytes__")


@dataclass(frozen=True)
class Build:
    """Construct ``cls(**kwargs)`` in the child (its validation may raise: that is an outcome)."""

    cls: type
    kwargs: tuple[tuple[str, object], ...] = ()

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={val!r}" for k, val in self.kwargs)
        return f"{self.cls.__name__}({inner})"


@dataclass(repr=False)
class Target:
    area: str
    qualname: str
    #: "function", "constructor", "method" or "property".
    kind: str
    obj: Any
    attr: str | None = None
    params: list[tuple[inspect.Parameter, st.SearchStrategy[object]]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    selves: st.SearchStrategy[object] | None = None
    #: Calls per child: 1 for calls that change process-wide state a later call would see.
    batch: int = 6
    before: Callable[[Env], None] | None = None
    #: Exceptions this target may raise besides ALLOWED (a C base class's own conventions).
    also_allowed: tuple[type[BaseException], ...] = ()
    #: Joint constraints between drawn arguments (applied in the parent, on the drawn dict).
    constrain: Callable[[dict[str, object]], dict[str, object]] | None = None

    @property
    def covered(self) -> bool:
        return not self.missing

    def __repr__(self) -> str:
        return f"<target {self.area}.{self.qualname}>"


class Call:
    """One drawn call (a plain class, so that Hypothesis prints it as the call it is)."""

    __slots__ = ("args", "kwargs", "self_value", "target")

    def __init__(
        self,
        target: Target,
        self_value: object,
        args: tuple[object, ...],
        kwargs: dict[str, object],
    ) -> None:
        self.target = target
        self.self_value = self_value
        self.args = args
        self.kwargs = kwargs

    def __repr__(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={val!r}" for k, val in self.kwargs.items()]
        head = self.target.qualname
        if self.target.kind in ("method", "property"):
            head = f"{self.self_value!r}.{self.target.attr}"
        if self.target.kind == "property":
            return head
        return f"{head}({', '.join(parts)})"


# ---------------------------------------------------------------------------------------------
# Strategies by parameter name.


def _module_bits(module: ModuleType) -> list[int]:
    """Every member of every IntFlag/IntEnum of ``module``: the known values of its flags."""
    bits: list[int] = []
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if isinstance(obj, type) and issubclass(obj, enum.Enum):
            bits += [int(m) for m in obj]  # type: ignore[call-overload]
    return bits


def _numbers() -> st.SearchStrategy[object]:
    return st.one_of(v.small, v.small, v.ints, v.ints, v.floats, v.weird_objects)


def _xattr_names() -> st.SearchStrategy[object]:
    return st.one_of(
        st.sampled_from(
            [
                "user.a",
                "user.b",
                b"user.a",
                "user." + "n" * 300,
                "user.",
                "trusted.a",
                "security.a",
                "system.posix_acl_access",
                "nonamespace",
                "",
                "user.a\0b",
                "user.\udc80",
                "user.\ud800",
            ]
        ),
        v.texts,
        v.raw_bytes,
        v.weird_objects,
    )


def _timeouts() -> st.SearchStrategy[object]:
    return st.one_of(st.none(), v.floats, v.ints, v.weird_objects)


def _callbacks() -> st.SearchStrategy[object]:
    return st.one_of(
        st.none(),
        st.sampled_from([lambda value: None, v._raise(v.Planted("callback raised")), print]),
        v.weird_objects,
    )


def _thread_ids() -> st.SearchStrategy[object]:
    return st.one_of(
        st.none(), st.just(Tok("tid:self")), st.sampled_from([0, v.NO_SUCH_PID, -1, 1 << 40])
    )


def _shmids() -> st.SearchStrategy[object]:
    """Only segments the child made, or ids that no segment has even if truncated to int."""
    tokens = [Tok("shm:id"), Tok("shm:removed")] if hasattr(sysapi, "shmget") else []
    return st.one_of(
        st.sampled_from([*tokens, -1, -(1 << 31), 0xFFFF_FFFF, (1 << 32) + 0x8000_0000, 1 << 70]),
        v.weird_objects,
    )


def _sysv_ids(kind: str, call: str) -> st.SearchStrategy[object]:
    """Queues or semaphore sets the child made (the sandbox's private IPC namespace holds no
    other), and ids that no object has."""
    tokens = [Tok(f"{kind}:id"), Tok(f"{kind}:removed")] if hasattr(sysapi, call) else []
    return st.one_of(
        st.sampled_from([*tokens, -1, 0, 1, -(1 << 31), 0xFFFF_FFFF, 1 << 70]),
        v.weird_objects,
    )


def _sops() -> st.SearchStrategy[object]:
    """semop operations that never wait: IPC_NOWAIT is always in sem_flg (a wait on the
    child's own set would never end). Out-of-range fields are SemBuf's OverflowError."""
    cls = getattr(sysapi, "SemBuf", None)
    if cls is None:
        return st.nothing()
    nowait = int(getattr(sysapi, "IPC_NOWAIT", 0))
    flg = v.flags(*_module_bits(sysapi.ipc)).map(lambda f: f | nowait if isinstance(f, int) else f)
    one = st.builds(
        lambda num, op, f: Build(cls, (("sem_num", num), ("sem_op", op), ("sem_flg", f))),
        st.one_of(st.integers(0, 3), v.ints),
        st.one_of(st.integers(-2, 2), v.ints),
        flg,
    )
    return st.one_of(
        st.lists(one, max_size=4),
        st.lists(one, max_size=3).map(tuple),
        st.lists(one, min_size=501, max_size=501),  # beyond SEMOPM: E2BIG
        v.weird_objects,
        st.lists(v.weird_objects, min_size=1, max_size=2),
    )


def _nowait(values: dict[str, object]) -> dict[str, object]:
    """msgsnd and msgrcv wait for room or a message unless IPC_NOWAIT is given: always it."""
    flags = values.get("msgflg", 0)
    if isinstance(flags, int):
        values["msgflg"] = flags | int(sysapi.IPC_NOWAIT)  # type: ignore[attr-defined,unused-ignore]
    return values


def _semctl_args() -> st.SearchStrategy[object]:
    cls = getattr(sysapi, "SemidDs", None)
    return st.one_of(
        st.none(),
        _numbers(),
        st.lists(st.one_of(st.integers(-2, 40000), v.ints), max_size=3),
        _builds(cls) if cls else st.nothing(),
        v.weird_objects,
    )


def _sysv_ds(name: str) -> st.SearchStrategy[object]:
    cls = getattr(sysapi, name, None)
    return st.one_of(st.none(), _builds(cls) if cls else st.nothing(), v.weird_objects)


def _shm_keys() -> st.SearchStrategy[object]:
    # IPC_PRIVATE, or keys from a range of our own: never another program's segment.
    return st.one_of(
        st.just(0),
        st.integers(0x5A5A_0000, 0x5A5A_00FF),
        st.sampled_from([-1, 1 << 32, 1 << 70]),
        v.weird_objects,
    )


def _posix_names() -> st.SearchStrategy[object]:
    """Names for mq_open/sem_open/*_unlink: a fresh name whose queue and semaphore the child
    removes, or names that can create nothing (glibc's sem_open takes any name without a
    slash, and mq_open any of up to 255 characters: only those exact strings are safe)."""
    fresh = st.just(Tok("posix:name"))
    bad = ["", "/", "//", "/a/b", b"/", b"", "/a\0b", "/" + "x" * 256, "/" + "x" * 300]
    return st.one_of(fresh, fresh, st.sampled_from(bad), v.weird_objects, v.ints)


def _mq_attrs() -> st.SearchStrategy[object]:
    cls = getattr(sysapi, "MqAttr", None)
    return st.one_of(st.none(), _builds(cls) if cls else st.nothing(), v.weird_objects)


def _mqdes() -> st.SearchStrategy[object]:
    """Queues holding a message with room for more, an empty O_NONBLOCK one (no call on any
    of them waits), and any descriptor."""
    queues = st.sampled_from((*v.mq_tokens(), Tok("mq:nonblock_empty")))
    return st.one_of(queues, queues, v.fds())


def _oflags() -> st.SearchStrategy[object]:
    return v.flags(os.O_RDONLY, os.O_WRONLY, os.O_RDWR, os.O_CREAT, os.O_EXCL, os.O_NONBLOCK)


def _timers() -> st.SearchStrategy[object]:
    timers = [t for t in v.handle_tokens() if t.kind.startswith("timer")]
    mine = st.sampled_from(timers) if timers else st.nothing()
    return st.one_of(mine, mine, st.sampled_from(v.handle_tokens()), v.ints, v.weird_objects)


def _addresses() -> st.SearchStrategy[object]:
    """A memory range's start: a real private mapping (a buffer or its address), an unmapped
    address, a null-page or non-canonical address. Never an arbitrary heap address."""
    return st.one_of(
        st.sampled_from(
            [
                Tok("mmap", 1),
                Tok("mmap", 3),
                Tok("mmap:closed"),
                Tok("mmap:file"),
                Tok("mmap:readonly"),
                Tok("addr:mmap"),
                Tok("addr:mmap", 1),
                Tok("addr:mmap", v.PAGE),
                Tok("addr:unmapped"),
            ]
        ),
        st.integers(0, 0xFFFF),
        st.integers(1 << 47, (1 << 64) - 1),
        st.sampled_from([-1, -v.PAGE, 1 << 64, 1 << 70]),
        v.weird_objects,
    )


def _lengths() -> st.SearchStrategy[object]:
    """A length that never reaches past the fuzz mappings (4 pages) into memory that belongs
    to the interpreter: small, or so large that the range wraps or overflows the C type."""
    return st.one_of(
        st.none(),
        st.sampled_from([0, 1, v.PAGE - 1, v.PAGE, 3 * v.PAGE, (1 << 64) - 1, 1 << 64, -1]),
        st.sampled_from([-v.PAGE, 1 << 70, 2.5, "4096"]),
        v.weird_objects,
    )


def _buffer_lists() -> st.SearchStrategy[object]:
    return st.one_of(
        st.lists(v.buffers(), max_size=5),
        st.lists(v.buffers(), max_size=3).map(tuple),
        st.just(Tok("list_of_bytes", 1025)),
        v.weird_objects,
        v.raw_bytes,
    )


def _vocabulary(area: ModuleType) -> dict[str, st.SearchStrategy[object]]:
    bits = _module_bits(area)
    numbers = _numbers()
    return {
        "fd": v.fds(),
        "fd_in": v.fds(),
        "fd_out": v.fds(),
        "file": st.one_of(v.fds(), v.paths()),
        "path": v.paths(),
        "name": _xattr_names(),
        "value": st.one_of(v.buffers(), numbers),
        "flags": v.flags(*bits),
        "mask": v.flags(*bits),
        "prot": v.flags(*bits),
        "options": v.flags(*bits),
        "offset": numbers,
        "count": numbers,
        "nbytes": numbers,
        "block": numbers,
        "size": numbers,
        "pad": numbers,
        "wd": numbers,
        "proj_id": numbers,
        "level": numbers,
        "ioclass": numbers,
        "which": st.one_of(st.sampled_from([1, 2, 3]), numbers),
        "cmd": numbers,
        "idtype": st.one_of(st.sampled_from([0, 1, 2, 3]), numbers),
        "param": numbers,
        "initial": numbers,
        "interval": numbers,
        "initial_ns": numbers,
        "interval_ns": numbers,
        "absolute": v.anything(),
        "rusage": v.anything(),
        "length": numbers,
        "buffers": _buffer_lists(),
        "data": st.one_of(v.raw_bytes, v.plain_buffers, v.weird_objects),
        "timeout": _timeouts(),
        "addr": _addresses(),
        "pid": v.pids(),
        "who": v.pids(),
        "id": v.pids(),
        "sig": v.signals(),
        "signo": st.one_of(st.none(), v.signals()),
        "sigset": v.sigsets(),
        "callback": _callbacks(),
        "on_error": _callbacks(),
        "thread_id": _thread_ids(),
        "timer": _timers(),
        "clockid": st.one_of(st.sampled_from(range(12)), numbers),
        "shmid": _shmids(),
        "attachment": st.one_of(st.sampled_from(v.handle_tokens() or (None,)), v.plain_buffers),
        "buffer": v.buffers(),
        "target": st.one_of(v.paths(), v.fds()),
        "follow_symlinks": v.anything(),
        "namespace": st.one_of(
            st.none(), st.sampled_from(["user", "trusted", "security", "system", "", "u\0"])
        ),
        "key": st.deferred(_xattr_names) if area.__name__ == "sysapi.xattr" else _shm_keys(),
        "default": v.anything(),
        "other": st.one_of(
            st.dictionaries(st.one_of(v.texts, v.raw_bytes), v.buffers(), max_size=3),
            st.lists(st.tuples(_xattr_names(), v.buffers()), max_size=3),
            v.weird_objects,
        ),
        "events": st.one_of(st.lists(st.deferred(_events), max_size=4), v.weird_objects),
        "event": st.one_of(st.deferred(_events), v.weird_objects),
        "retry": v.anything(),
        "timex": st.deferred(_timexes),
        "pidfd": st.one_of(st.sampled_from(v.pidfd_tokens() or (None,)), v.fds()),
        "targetfd": v.fds(),
        "msqid": _sysv_ids("msg", "msgget"),
        "semid": _sysv_ids("sem", "semget"),
        "msgflg": v.flags(*bits),
        "semflg": v.flags(*bits),
        "nsems": st.one_of(st.integers(-1, 4), numbers),
        "semnum": st.one_of(st.integers(-1, 3), numbers),
        "mtype": st.one_of(st.integers(-1, 3), numbers),
        "msgtyp": st.one_of(st.integers(-3, 3), numbers),
        "msgsz": numbers,
        "msg_qbytes": numbers,
        "sops": st.deferred(_sops),
    }


def _ranges() -> st.SearchStrategy[object]:
    """A range for the calls that cannot hurt whatever they cover (mlock under a zero
    RLIMIT_MEMLOCK, munlock, mincore): any buffer too, heap ones included."""
    return st.one_of(_addresses(), v.plain_buffers)


def _shmaddrs() -> st.SearchStrategy[object]:
    """What shmdt gets: our attachments, or addresses where no segment is attached (an
    arbitrary address could be a live attachment whose object would then dangle)."""
    tokens = (Tok("shm:attach"), Tok("shm:attach_ro"), Tok("shm:attach_detached"))
    return st.one_of(
        st.sampled_from(tokens),
        st.sampled_from([Tok("addr:mmap"), Tok("addr:unmapped"), 0, 4096, -1, 1 << 64]),
        v.weird_objects,
    )


def _sched_attrs() -> st.SearchStrategy[object]:
    cls = getattr(sysapi, "SchedAttr", None)
    return st.one_of(_builds(cls), v.weird_objects) if cls else v.weird_objects


def _ioprios() -> st.SearchStrategy[object]:
    cls = getattr(sysapi, "IoPrio", None)
    built = _builds(cls) if cls else st.nothing()
    return st.one_of(built, v.small, v.ints, v.weird_objects)


def _shmid_ds() -> st.SearchStrategy[object]:
    cls = getattr(sysapi, "ShmidDs", None)
    return st.one_of(st.none(), _builds(cls) if cls else st.nothing(), v.weird_objects)


def _events() -> st.SearchStrategy[object]:
    cls = getattr(sysapi, "InotifyEvent", None)
    return _builds(cls) if cls else st.nothing()


def _timexes() -> st.SearchStrategy[object]:
    cls = getattr(sysapi, "Timex", None)
    return st.one_of(st.none(), _builds(cls) if cls else st.nothing(), v.weird_objects)


def _sleep_ns() -> st.SearchStrategy[object]:
    """Sleeps that end: at most 2 ms, or negative, or too large for a timespec."""
    return st.one_of(
        st.sampled_from([0, 1, 1000, 2_000_000, -1, -(10**9), True]),
        st.integers(-(1 << 70), 0),
        # Beyond a 64-bit tv_sec (a mere 2**64 ns is 584 years: a valid, long sleep).
        st.integers(10**9 << 63, 1 << 100),
        st.floats(max_value=2e6),
        st.sampled_from([float("nan"), float("inf"), 1e300]),
        v.weird_objects,
    )


def _sleepable_clock(values: dict[str, object]) -> dict[str, object]:
    """A positive sleep on a CPU-time clock (2, or a negative id: another process's) waits
    for CPU time that a sleeping child never uses: only wall clocks or invalid ids then."""
    ns, clockid = values.get("ns"), values.get("clockid")
    positive = isinstance(ns, (int, float)) and ns > 0
    if positive and (not isinstance(clockid, int) or clockid == 2 or clockid < 0):
        values["clockid"] = 1
    return values


def _never_privileged(env: Env) -> None:
    """adjtimex/clock_adjtime with arbitrary modes may only run without any capability."""
    with open("/proc/self/status") as f:
        caps = [line for line in f if line.startswith("CapEff:")]
    if os.geteuid() == 0 or int(caps[0].split()[1], 16) != 0:
        raise RuntimeError("refusing to fuzz a clock write with privileges")


def _never_wait_for_a_full_pipe(values: dict[str, object]) -> dict[str, object]:
    """vmsplice and tee wait for room in a full pipe unless SPLICE_F_NONBLOCK is given (the
    descriptor's own O_NONBLOCK does not count): with the full pipe, always that flag."""
    full = Tok("fd:pipe_full_w")
    if full in (values.get("fd"), values.get("fd_out")):
        flags = values.get("flags", 0)
        if isinstance(flags, int):
            values["flags"] = flags | int(sysapi.SPLICE_F_NONBLOCK)
    return values


def _no_user_wide_ioprio(values: dict[str, object]) -> dict[str, object]:
    """ioprio_set with IOPRIO_WHO_USER changes every process of a user: only a uid that has
    no process (``who`` 0 would be the child's own uid 65534, shared with other tests)."""
    which = values.get("which")
    if isinstance(which, int) and which % (1 << 32) == 3:
        values["who"] = v.NO_SUCH_PID
    return values


def _raise_pending(env: Env) -> None:
    env.raise_pending()


def _never_block_on_a_pidfd(values: dict[str, object]) -> dict[str, object]:
    """PidFd.wait of the child's zombie with WSTOPPED or WCONTINUED only (a state change a
    zombie never makes) would wait for ever: always WNOHANG."""
    options = values.get("options", int(sysapi.WEXITED))
    if isinstance(options, int):
        values["options"] = options | int(sysapi.WNOHANG)
    return values


#: Strategies for one parameter of one target: ``"area.qualname.param"``.
OVERRIDES: dict[str, st.SearchStrategy[object]] = {
    # The scatter list: any sequence of buffers, and more than IOV_MAX of them.
    "fs.vmsplice.buffers": _buffer_lists(),
    "fs.vmsplice_zero_copy.buffers": _buffer_lists(),
    # mprotect can make memory it covers inaccessible: private fuzz mappings only, and
    # lengths that stay inside them (see _addresses and _lengths).
    "memory.mprotect.length": _lengths(),
    "memory.mlock.addr": _ranges(),
    "memory.mlock2.addr": _ranges(),
    "memory.munlock.addr": _ranges(),
    "memory.mincore.addr": _ranges(),
    "memory.mincore.length": st.one_of(_lengths(), _numbers()),
    "memory.mlock.length": st.one_of(_lengths(), _numbers()),
    "memory.mlock2.length": st.one_of(_lengths(), _numbers()),
    "memory.munlock.length": st.one_of(_lengths(), _numbers()),
    "sched.sched_setattr.attr": st.deferred(_sched_attrs),
    "sched.ioprio_set.ioprio": st.deferred(_ioprios),
    "sched.sched_setattr_raw.buffer": v.buffers(),
    "sched.SchedAttr.from_bytes.data": st.one_of(v.buffers(), v.raw_bytes),
    "ipc.shmdt.shmaddr": _shmaddrs(),
    "ipc.shmctl.buf": st.deferred(_shmid_ds),
    "ipc.ShmAttachment.shmflg": v.flags(*_module_bits(sysapi.ipc)),
    "ipc.ShmAttachment.resize.newsize": _numbers(),
    "ipc.shmctl.uid": _numbers(),
    "ipc.shmctl.gid": _numbers(),
    "ipc.shmctl.mode": _numbers(),
    "ipc.ftok.proj_id": st.one_of(_numbers(), v.texts),
    "ipc.msgctl.buf": st.deferred(lambda: _sysv_ds("MsqidDs")),
    "ipc.msgctl.uid": _numbers(),
    "ipc.msgctl.gid": _numbers(),
    "ipc.msgctl.mode": _numbers(),
    "ipc.semctl.arg": st.deferred(_semctl_args),
    "ipc.semctl.uid": _numbers(),
    "ipc.semctl.gid": _numbers(),
    "ipc.semctl.mode": _numbers(),
    "clock.clock_nanosleep.ns": _sleep_ns(),
}
# POSIX message queues and semaphores: names only of the safe kinds (see _posix_names); no
# queue or semaphore drawn can make a call wait (see _mqdes and the tokens).
for _target in ("mq_open", "MessageQueue", "mq_unlink", "sem_open", "NamedSemaphore", "sem_unlink"):
    OVERRIDES[f"ipc.{_target}.name"] = _posix_names()
for _target in ("mq_open", "MessageQueue", "sem_open", "NamedSemaphore"):
    OVERRIDES[f"ipc.{_target}.oflag"] = _oflags()
    OVERRIDES[f"ipc.{_target}.mode"] = _numbers()
for _target in ("mq_open", "MessageQueue"):
    OVERRIDES[f"ipc.{_target}.attr"] = st.deferred(_mq_attrs)
for _target in (
    "mq_send",
    "mq_timedsend",
    "mq_receive",
    "mq_timedreceive",
    "mq_getattr",
    "mq_setattr",
    "mq_notify",
):
    OVERRIDES[f"ipc.{_target}.mqdes"] = st.deferred(_mqdes)
for _target in ("mq_send", "mq_timedsend"):
    OVERRIDES[f"ipc.{_target}.msg"] = st.one_of(v.raw_bytes, v.plain_buffers, v.weird_objects)
    OVERRIDES[f"ipc.{_target}.msg_prio"] = _numbers()
for _target in ("mq_timedsend", "mq_timedreceive"):
    OVERRIDES[f"ipc.{_target}.abs_timeout"] = st.one_of(v.floats, v.ints, v.weird_objects)
for _target in ("mq_receive", "mq_timedreceive"):
    OVERRIDES[f"ipc.{_target}.msg_len"] = st.one_of(st.none(), _numbers())
OVERRIDES["ipc.MessageQueue.send.priority"] = _numbers()
OVERRIDES["ipc.mq_setattr.newattr"] = st.deferred(_mq_attrs)

#: Joint constraints between the arguments of one target.
CONSTRAINTS: dict[str, Callable[[dict[str, object]], dict[str, object]]] = {
    "sched.ioprio_set": _no_user_wide_ioprio,
    "clock.clock_nanosleep": _sleepable_clock,
    "fs.vmsplice": _never_wait_for_a_full_pipe,
    "fs.vmsplice_zero_copy": _never_wait_for_a_full_pipe,
    "fs.tee": _never_wait_for_a_full_pipe,
    "process.PidFd.wait": _never_block_on_a_pidfd,
    "ipc.msgsnd": _nowait,
    "ipc.msgrcv": _nowait,
}

#: What must happen in the child right before a call (its signals made pending, ...).
BEFORE: dict[str, Callable[[Env], None]] = {
    "signals.sigwaitinfo": _raise_pending,
    "signals.sigtimedwait": _raise_pending,
    "signals.SignalFd.read": _raise_pending,
    "signals.SignalFd.__next__": _raise_pending,
    "signals.SignalFd.aread": _raise_pending,
    "clock.adjtimex": _never_privileged,
    "clock.clock_adjtime": _never_privileged,
}

#: Calls per child for targets that change process-wide state.
BATCH_ONE: frozenset[str] = frozenset(
    {
        "memory.mallopt",
        "memory.mprotect",
        "memory.mlockall",
        "memory.munlockall",
    }
)

#: Methods a public class inherits from a C base (not found by discovery) that must refuse
#: use after the handle is closed rather than touch freed memory.
INHERITED: dict[str, dict[str, tuple[str, ...]]] = {
    "ShmAttachment": {
        "read": ("n",),
        "write": ("data",),
        "find": ("data",),
        "readline": (),
        "read_byte": (),
        "write_byte": ("byte",),
        "seek": ("offset",),
        "tell": (),
        "size": (),
        "flush": (),
        "madvise": ("option",),
        "move": ("dest", "src", "count"),
        "__getitem__": ("key",),
        "__setitem__": ("key", "byte"),
        "__len__": (),
    },
}


# ---------------------------------------------------------------------------------------------
# Discovery.


def _selves(cls: type) -> st.SearchStrategy[object] | None:
    """Instances a method is called on: open and closed handles, or built structs."""
    name = cls.__name__
    tokens = {
        "Inotify": [Tok("inotify"), Tok("inotify:closed")],
        "PosixTimer": [
            Tok("timer"),
            Tok("timer:armed"),
            Tok("timer:callback"),
            Tok("timer:closed"),
        ],
        "ShmAttachment": [Tok("shm:attach"), Tok("shm:attach_ro"), Tok("shm:attach_detached")],
        "Xattrs": [Tok("xattrs"), Tok("xattrs:fd"), Tok("xattrs:link"), Tok("xattrs:closed_fd")],
        "MessageQueue": list(v.mq_tokens()),
        "NamedSemaphore": [Tok("sem:named"), Tok("sem:named_closed")],
        "Semaphore": [Tok("sem:unnamed"), Tok("sem:unnamed_closed")],
        "PidFd": list(v.pidfd_tokens()),
        "SignalFd": list(v.signalfd_tokens()),
    }.get(name)
    if tokens is not None:
        return st.sampled_from(tokens)
    if is_dataclass(cls):
        return _builds(cls)
    return None


def _builds(cls: type) -> st.SearchStrategy[object]:
    """Instances of a dataclass with arbitrary field values (built in the child)."""
    names = [f.name for f in fields(cls) if f.init]
    return st.lists(
        st.tuples(st.sampled_from(names), v.anything()) if names else st.nothing(),
        max_size=len(names),
        unique_by=lambda kv: kv[0],
    ).map(lambda kvs: Build(cls, tuple(kvs)))


def _params(
    area: str, qualname: str, func: Callable[..., object], vocabulary: dict[str, Any]
) -> tuple[list[tuple[inspect.Parameter, st.SearchStrategy[object]]], list[str]]:
    params: list[tuple[inspect.Parameter, st.SearchStrategy[object]]] = []
    missing: list[str] = []
    for p in inspect.signature(func).parameters.values():
        if p.name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        strategy = OVERRIDES.get(f"{area}.{qualname}.{p.name}", vocabulary.get(p.name))
        if strategy is None:
            missing.append(p.name)
        else:
            params.append((p, strategy))
    return params, missing


def discover(areas: tuple[str, ...] = AREAS) -> list[Target]:
    """Every public function, constructor, method and property of ``areas``."""
    targets: list[Target] = []
    for area in areas:
        module = getattr(sysapi, area)
        vocabulary = _vocabulary(module)
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type):
                if issubclass(obj, (enum.Enum, BaseException)):
                    continue
                targets += _class_targets(area, obj, vocabulary)
            elif inspect.isfunction(obj) or inspect.isbuiltin(obj):
                params, missing = _params(area, name, obj, vocabulary)
                targets.append(Target(area, name, "function", obj, None, params, missing))
    for t in targets:
        if t.qualname.startswith("Xattrs."):
            t.also_allowed = (KeyError,)  # a MutableMapping's missing key
        key = f"{t.area}.{t.qualname}"
        if key in BATCH_ONE:
            t.batch = 1
        t.constrain = CONSTRAINTS.get(key)
        t.before = BEFORE.get(key)
    return targets


def _class_targets(area: str, cls: type, vocabulary: dict[str, Any]) -> list[Target]:
    targets: list[Target] = []
    selves = _selves(cls)
    if is_dataclass(cls):
        # A struct's constructor stores what it is given: every field takes anything.
        anything = {f.name: v.anything() for f in fields(cls)}
        params, missing = _params(area, cls.__name__, cls, {**vocabulary, **anything})
    else:
        params, missing = _params(area, cls.__name__, cls, vocabulary)
    targets.append(Target(area, cls.__name__, "constructor", cls, None, params, missing))
    for attr in sorted(dir(cls)):
        if attr.startswith("_") and attr not in _DUNDERS:
            continue
        if is_dataclass(cls) and attr in {f.name for f in fields(cls)}:
            continue  # a plain field
        if attr in INHERITED.get(cls.__name__, {}):
            continue  # drawn below with its C base's contract, even where sysapi replaces it
        member = inspect.getattr_static(cls, attr)
        qualname = f"{cls.__name__}.{attr}"
        if attr in _DUNDERS and getattr(object, attr, None) is member:
            continue
        if isinstance(member, property):
            t = Target(area, qualname, "property", cls, attr)
        elif isinstance(member, (staticmethod, classmethod)) or inspect.isfunction(member):
            func = getattr(cls, attr)
            params, missing = _params(area, qualname, func, vocabulary)
            kind = "function" if isinstance(member, (staticmethod, classmethod)) else "method"
            t = Target(area, qualname, kind, func if kind == "function" else cls, attr)
            t.params, t.missing = params, missing
        else:
            continue  # a constant or a descriptor we do not call
        if t.kind in ("method", "property"):
            if selves is None:
                t.missing.append("self")
            t.selves = selves
        targets.append(t)
    byte_args = {"n": _numbers(), "offset": _numbers(), "dest": _numbers(), "src": _numbers()}
    byte_args |= {"count": _numbers(), "option": _numbers(), "byte": _numbers()}
    byte_args |= {"data": v.buffers(), "key": st.one_of(_numbers(), st.just(slice(0, 2)))}
    for attr, names in INHERITED.get(cls.__name__, {}).items():
        t = Target(area, f"{cls.__name__}.{attr}", "method", cls, attr, selves=selves)
        # mmap's own errors (IndexError out of range, BufferError, OSError from madvise) are
        # the stdlib's contract; what matters here is that nothing touches detached memory.
        t.also_allowed = (IndexError, BufferError, OSError)
        for pname in names:
            param = inspect.Parameter(pname, inspect.Parameter.POSITIONAL_ONLY)
            t.params.append((param, byte_args[pname]))
        targets.append(t)
    return targets


# ---------------------------------------------------------------------------------------------
# Drawing and running calls.


@st.composite
def calls(draw: st.DrawFn, target: Target) -> Call:
    self_value = draw(target.selves) if target.selves is not None else None
    values: dict[str, object] = {}
    for param, strategy in target.params:
        if param.default is not param.empty and draw(st.booleans()):
            continue  # leave it at its default
        values[param.name] = draw(strategy)
    if target.constrain is not None:
        values = target.constrain(values)
    args: list[object] = []
    kwargs: dict[str, object] = {}
    positional = True
    for param, _ in target.params:
        if param.name not in values:
            positional = False  # an omitted one: pass the rest by keyword
            continue
        if positional and param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            args.append(values[param.name])
        else:
            kwargs[param.name] = values[param.name]
    return Call(target, self_value, tuple(args), kwargs)


def _resolve(env: Env, value: object) -> object:
    if isinstance(value, Build):
        return value.cls(**{k: _resolve(env, val) for k, val in value.kwargs})
    if type(value) is list:
        return [_resolve(env, item) for item in value]
    if type(value) is tuple:
        return tuple(_resolve(env, item) for item in value)
    return env.resolve(value)


def _release(result: object) -> None:
    """Close what a call created and handed over."""
    for method in ("close", "delete", "detach"):
        func = getattr(result, method, None)
        if callable(func):
            try:
                func()
            except Exception:
                continue
            return


def _drive(result: object) -> object:
    """Run a coroutine or awaitable a call returned (async methods), with a time limit."""
    if inspect.isawaitable(result):

        async def bounded() -> object:
            return await asyncio.wait_for(result, 5.0)

        return asyncio.run(bounded())
    return result


def execute(call: Call, env: Env) -> tuple[str, str]:
    """Run one call in the child: (outcome, detail). The outcome is "return", the allowed
    exception's name (an errno name for a SysapiError), or "FAIL"."""
    target = call.target
    try:
        self_value = _resolve(env, call.self_value)
        args = tuple(_resolve(env, a) for a in call.args)
        kwargs = {k: _resolve(env, val) for k, val in call.kwargs.items()}
    except ALLOWED as exc:
        return type(exc).__name__, "while building the arguments"
    except BaseException:
        return "FAIL", "the harness could not build the arguments:\n" + traceback.format_exc()
    if target.before is not None:
        target.before(env)
    try:
        if target.kind == "property":
            result = getattr(self_value, target.attr or "")
        elif target.kind == "method":
            result = getattr(self_value, target.attr or "")(*args, **kwargs)
        else:
            result = target.obj(*args, **kwargs)
        result = _drive(result)
    except SysapiError as exc:
        if not exc.syscall or not isinstance(exc.errno, int) or exc.errno <= 0:
            return "FAIL", f"SysapiError without syscall/errno: {exc!r}"
        return exc.__class__.__name__, str(exc)[:200]
    except BaseException as exc:
        if not isinstance(exc, (*ALLOWED, *target.also_allowed, v.Planted)):
            return "FAIL", traceback.format_exc()
        return type(exc).__name__, str(exc)[:200]
    if type(result).__module__ == "_cffi_backend":
        return "FAIL", f"returned a raw cffi object: {result!r}"
    if result is not None and type(result) is not int:
        _release(result)
    if target.qualname == "inotify_init1" and type(result) is int:
        os.close(result)
    return "return", ""
