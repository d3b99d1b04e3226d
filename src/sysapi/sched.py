"""Scheduling attributes and I/O priorities: sched_setattr/sched_getattr, ioprio_get/ioprio_set.

The notes' 高级进程管理 chapter. CPython's ``os`` has ``sched_setscheduler`` and friends but
neither ``sched_setattr`` (the only way to SCHED_DEADLINE, and to read a thread's nice value,
priority and policy in one call) nor the I/O priority calls; glibc 2.36 wraps none of them,
so they go through ``syscall(2)``.
"""

from __future__ import annotations

import errno
import os

from sysapi import _enum, _syscall
from sysapi._record import record
from sysapi._sysapi import ffi, lib
from sysapi.errors import E2BIG, ErrorSpec, documents, kernel, man, spec

TYPE_CHECKING = False
# typing (and cffi, ~4 ms) cost milliseconds to import: only type checkers read these names.
if TYPE_CHECKING:
    from typing import Any, Final, TypeVar

    import cffi

    _E = TypeVar("_E", bound=_enum.IntEnum)

__all__ = [
    "IOPRIO_CLASS_BE",
    "IOPRIO_CLASS_IDLE",
    "IOPRIO_CLASS_NONE",
    "IOPRIO_CLASS_RT",
    "IOPRIO_WHO_PGRP",
    "IOPRIO_WHO_PROCESS",
    "IOPRIO_WHO_USER",
    "SCHED_ATTR_SIZE_VER0",
    "SCHED_ATTR_SIZE_VER1",
    "SCHED_BATCH",
    "SCHED_DEADLINE",
    "SCHED_FIFO",
    "SCHED_FLAG_DL_OVERRUN",
    "SCHED_FLAG_KEEP_PARAMS",
    "SCHED_FLAG_KEEP_POLICY",
    "SCHED_FLAG_RECLAIM",
    "SCHED_FLAG_RESET_ON_FORK",
    "SCHED_FLAG_UTIL_CLAMP_MAX",
    "SCHED_FLAG_UTIL_CLAMP_MIN",
    "SCHED_IDLE",
    "SCHED_OTHER",
    "SCHED_RESET_ON_FORK",
    "SCHED_RR",
    "IoPrio",
    "IoprioClass",
    "IoprioWho",
    "SchedAttr",
    "SchedFlags",
    "SchedPolicy",
    "ioprio_get",
    "ioprio_set",
    "ioprio_value",
    "sched_getattr",
    "sched_setattr",
    "sched_setattr_raw",
]


class SchedPolicy(_enum.IntEnum):
    """A scheduling policy (``sched_attr.sched_policy``).

    A policy this module does not know (say ``SCHED_EXT``, 7, on a kernel built with it)
    decodes to a pseudo-member named ``SCHED_<n>`` that keeps its value.
    """

    SCHED_OTHER = lib.SCHED_OTHER
    SCHED_FIFO = lib.SCHED_FIFO
    SCHED_RR = lib.SCHED_RR
    SCHED_BATCH = lib.SCHED_BATCH
    SCHED_IDLE = lib.SCHED_IDLE
    SCHED_DEADLINE = lib.SCHED_DEADLINE

    __reduce_ex__ = _enum.reduce_by_value

    @classmethod
    def _missing_(cls, value: object) -> SchedPolicy | None:
        return _pseudo_member(cls, value, "SCHED_")


class SchedFlags(_enum.IntFlag):
    """``sched_attr.sched_flags`` bits; unknown kernel bits are kept."""

    SCHED_FLAG_RESET_ON_FORK = lib.SCHED_FLAG_RESET_ON_FORK
    SCHED_FLAG_RECLAIM = lib.SCHED_FLAG_RECLAIM
    SCHED_FLAG_DL_OVERRUN = lib.SCHED_FLAG_DL_OVERRUN
    SCHED_FLAG_KEEP_POLICY = lib.SCHED_FLAG_KEEP_POLICY
    SCHED_FLAG_KEEP_PARAMS = lib.SCHED_FLAG_KEEP_PARAMS
    SCHED_FLAG_UTIL_CLAMP_MIN = lib.SCHED_FLAG_UTIL_CLAMP_MIN
    SCHED_FLAG_UTIL_CLAMP_MAX = lib.SCHED_FLAG_UTIL_CLAMP_MAX


class IoprioWho(_enum.IntEnum):
    """What ``who`` names in :func:`ioprio_get` / :func:`ioprio_set`."""

    IOPRIO_WHO_PROCESS = lib.IOPRIO_WHO_PROCESS
    IOPRIO_WHO_PGRP = lib.IOPRIO_WHO_PGRP
    IOPRIO_WHO_USER = lib.IOPRIO_WHO_USER


class IoprioClass(_enum.IntEnum):
    """An I/O scheduling class. Classes 4–7 (which the kernel rejects today) decode to
    pseudo-members named ``IOPRIO_CLASS_<n>`` that keep their value."""

    IOPRIO_CLASS_NONE = lib.IOPRIO_CLASS_NONE
    IOPRIO_CLASS_RT = lib.IOPRIO_CLASS_RT
    IOPRIO_CLASS_BE = lib.IOPRIO_CLASS_BE
    IOPRIO_CLASS_IDLE = lib.IOPRIO_CLASS_IDLE

    __reduce_ex__ = _enum.reduce_by_value

    @classmethod
    def _missing_(cls, value: object) -> IoprioClass | None:
        return _pseudo_member(cls, value, "IOPRIO_CLASS_")


def _pseudo_member(cls: type[_E], value: object, prefix: str) -> _E | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    member = int.__new__(cls, value)
    member._name_ = f"{prefix}{value}"
    member._value_ = value
    return member


SCHED_OTHER: Final = SchedPolicy.SCHED_OTHER
SCHED_FIFO: Final = SchedPolicy.SCHED_FIFO
SCHED_RR: Final = SchedPolicy.SCHED_RR
SCHED_BATCH: Final = SchedPolicy.SCHED_BATCH
SCHED_IDLE: Final = SchedPolicy.SCHED_IDLE
SCHED_DEADLINE: Final = SchedPolicy.SCHED_DEADLINE
#: The sched_setscheduler(2) way of asking reset-on-fork: ORed into a policy. A
#: :class:`SchedAttr` turns it into ``SCHED_FLAG_RESET_ON_FORK``, which is what
#: sched_setattr takes and sched_getattr reports.
SCHED_RESET_ON_FORK: Final[int] = lib.SCHED_RESET_ON_FORK

SCHED_FLAG_RESET_ON_FORK: Final = SchedFlags.SCHED_FLAG_RESET_ON_FORK
SCHED_FLAG_RECLAIM: Final = SchedFlags.SCHED_FLAG_RECLAIM
SCHED_FLAG_DL_OVERRUN: Final = SchedFlags.SCHED_FLAG_DL_OVERRUN
SCHED_FLAG_KEEP_POLICY: Final = SchedFlags.SCHED_FLAG_KEEP_POLICY
SCHED_FLAG_KEEP_PARAMS: Final = SchedFlags.SCHED_FLAG_KEEP_PARAMS
SCHED_FLAG_UTIL_CLAMP_MIN: Final = SchedFlags.SCHED_FLAG_UTIL_CLAMP_MIN
SCHED_FLAG_UTIL_CLAMP_MAX: Final = SchedFlags.SCHED_FLAG_UTIL_CLAMP_MAX

#: Size of the first published struct sched_attr (Linux 3.14), without the utilization clamps.
SCHED_ATTR_SIZE_VER0: Final[int] = lib.SYSAPI_SCHED_ATTR_SIZE_VER0
#: Size with ``sched_util_min``/``sched_util_max`` (Linux 5.3): what sysapi sends and asks for.
SCHED_ATTR_SIZE_VER1: Final[int] = lib.SYSAPI_SCHED_ATTR_SIZE_VER1

IOPRIO_WHO_PROCESS: Final = IoprioWho.IOPRIO_WHO_PROCESS
IOPRIO_WHO_PGRP: Final = IoprioWho.IOPRIO_WHO_PGRP
IOPRIO_WHO_USER: Final = IoprioWho.IOPRIO_WHO_USER
IOPRIO_CLASS_NONE: Final = IoprioClass.IOPRIO_CLASS_NONE
IOPRIO_CLASS_RT: Final = IoprioClass.IOPRIO_CLASS_RT
IOPRIO_CLASS_BE: Final = IoprioClass.IOPRIO_CLASS_BE
IOPRIO_CLASS_IDLE: Final = IoprioClass.IOPRIO_CLASS_IDLE

_PAGE_SIZE: Final = os.sysconf("SC_PAGE_SIZE")
_UTIL_CLAMP: Final = lib.SCHED_FLAG_UTIL_CLAMP_MIN | lib.SCHED_FLAG_UTIL_CLAMP_MAX
_CLASS_SHIFT: Final[int] = lib.IOPRIO_CLASS_SHIFT
_CLASS_MASK: Final[int] = lib.IOPRIO_CLASS_MASK
_DATA_MASK: Final[int] = lib.IOPRIO_PRIO_MASK
# The kernel registers this sysctl only when built with CONFIG_UCLAMP_TASK; without it,
# sched_getattr leaves the clamp fields at 0, which must not be mistaken for a clamp.
_UCLAMP_CONFIGURED: Final = os.path.exists("/proc/sys/kernel/sched_util_clamp_min")


def _uclamp_note() -> str:
    return (
        "this kernel was built without CONFIG_UCLAMP_TASK: it has no utilization clamping "
        "(sched_util_min/sched_util_max, SCHED_FLAG_UTIL_CLAMP_*)"
    )


def _rtprio_note() -> str:
    import resource  # here: only an error's note needs it

    soft, hard = resource.getrlimit(resource.RLIMIT_RTPRIO)
    note = (
        f"RLIMIT_RTPRIO is {soft} (hard {hard}); without CAP_SYS_NICE a thread may raise its "
        "real-time priority only up to it, may not change another user's thread, and may "
        "not use SCHED_DEADLINE"
    )
    # The EPERM root gets too: SCHED_DEADLINE for a thread pinned to part of its root domain.
    allowed, online = os.sched_getaffinity(0), os.cpu_count()
    if online is not None and len(allowed) < online:
        note += (
            f"; and this process may run only on CPUs {sorted(allowed)} of {online}: "
            "SCHED_DEADLINE needs an affinity that spans the root domain, even with "
            "CAP_SYS_NICE"
        )
    return note


SCHED_GETATTR_SPEC: Final = spec(
    "sched_getattr",
    [
        man(
            errno.EINVAL,
            "pid is negative, flags is not 0, or size is below SCHED_ATTR_SIZE_VER0 (48) or "
            "above the page size",
        ),
        man(errno.ESRCH, "no thread has the ID pid"),
        kernel(
            errno.EFAULT,
            "attr points outside the address space (the kernel's copy-out fails)",
            "nothing: sched_getattr(2) does not list it",
        ),
        man(
            errno.E2BIG,
            "size is smaller than the kernel's struct sched_attr. Linux 5.3 and later never "
            "return it: they fill the first size bytes and set attr.size to size",
        ),
    ],
)

SCHED_SETATTR_SPEC: Final = spec(
    "sched_setattr",
    [
        man(
            errno.EINVAL,
            "pid is negative, flags is not 0, sched_policy is unknown, sched_flags has an "
            "unknown bit, sched_priority is out of range for the policy (1-99 real-time, 0 "
            "otherwise), or the SCHED_DEADLINE parameters are invalid (runtime <= deadline <= "
            "period fails, runtime below 1024 ns, period outside the sysctl bounds)",
        ),
        man(errno.ESRCH, "no thread has the ID pid"),
        kernel(
            errno.EFAULT,
            "attr points outside the address space (the kernel cannot read attr.size)",
            "nothing: sched_setattr(2) does not list it",
        ),
        man(
            errno.E2BIG,
            "attr.size is larger than the kernel's struct sched_attr and a byte beyond it is "
            "not 0, or attr.size is below 48 or above the page size; the kernel wrote its own "
            "struct size into attr.size",
        ),
        man(
            errno.EBUSY,
            "SCHED_DEADLINE admission control failed: the requested bandwidth "
            "(runtime/period) does not fit in what is left of the root domain's",
        ),
        man(
            errno.EPERM,
            "without CAP_SYS_NICE: a real-time policy or priority above RLIMIT_RTPRIO, "
            "SCHED_DEADLINE, leaving SCHED_IDLE, or a thread of another user; or "
            "SCHED_DEADLINE for a thread whose CPU affinity does not span its root domain",
        ),
        man(
            errno.EOPNOTSUPP,
            "SCHED_FLAG_UTIL_CLAMP_MIN/MAX given and the kernel was built without "
            "CONFIG_UCLAMP_TASK",
        ),
    ],
    hints={errno.EOPNOTSUPP: _uclamp_note, errno.EPERM: _rtprio_note},
)

IOPRIO_GET_SPEC: Final = spec(
    "ioprio_get",
    [
        man(errno.EINVAL, "which is not IOPRIO_WHO_PROCESS, IOPRIO_WHO_PGRP or IOPRIO_WHO_USER"),
        man(errno.ESRCH, "no process matches which and who"),
    ],
)

IOPRIO_SET_SPEC: Final = spec(
    "ioprio_set",
    [
        man(
            errno.EINVAL,
            "which is not an IOPRIO_WHO_* value, or ioprio has an unknown class or a level its "
            "class does not take (IOPRIO_CLASS_NONE with a level other than 0)",
        ),
        man(
            errno.EPERM,
            "IOPRIO_CLASS_RT without CAP_SYS_ADMIN or CAP_SYS_NICE, or a process of another "
            "user without CAP_SYS_NICE",
        ),
        man(errno.ESRCH, "no process matches which and who"),
    ],
)


_INT_FIELDS: Final = (
    "sched_policy",
    "sched_flags",
    "sched_nice",
    "sched_priority",
    "sched_runtime",
    "sched_deadline",
    "sched_period",
)


def _check_int(name: str, value: object, optional: bool = False) -> None:
    if optional and value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")


@record
class SchedAttr:
    """``struct sched_attr``: a thread's policy and its parameters, in the C field names.

    Fields a policy does not use are ignored by the kernel (``sched_nice`` for the
    real-time policies, ``sched_priority`` for the normal ones, ``sched_runtime`` …
    ``sched_period`` in nanoseconds for SCHED_DEADLINE; since Linux 6.12 ``sched_runtime`` of a
    SCHED_OTHER/BATCH thread reports its custom time slice). ``sched_util_min`` and
    ``sched_util_max`` (0–1024) are ``None`` when the kernel did not report them: a kernel
    older than 5.3, or one built without CONFIG_UCLAMP_TASK. They are only sent with
    ``SCHED_FLAG_UTIL_CLAMP_MIN``/``_MAX``; ``None`` is sent as 0.

    A ``sched_policy`` ORed with :data:`SCHED_RESET_ON_FORK` (the sched_setscheduler(2)
    convention) is split into the policy and ``SCHED_FLAG_RESET_ON_FORK``, the form
    sched_setattr takes and sched_getattr reports.
    """

    sched_policy: int = SchedPolicy.SCHED_OTHER
    sched_flags: int = 0
    sched_nice: int = 0
    sched_priority: int = 0
    sched_runtime: int = 0
    sched_deadline: int = 0
    sched_period: int = 0
    sched_util_min: int | None = None
    sched_util_max: int | None = None

    def __post_init__(self) -> None:
        for name in _INT_FIELDS:
            _check_int(name, getattr(self, name))
        _check_int("sched_util_min", self.sched_util_min, optional=True)
        _check_int("sched_util_max", self.sched_util_max, optional=True)
        policy, flags = self.sched_policy, self.sched_flags
        if policy >= 0 and policy & SCHED_RESET_ON_FORK:
            policy &= ~SCHED_RESET_ON_FORK
            flags |= SCHED_FLAG_RESET_ON_FORK
        if type(policy) is not SchedPolicy or policy is not self.sched_policy:
            object.__setattr__(self, "sched_policy", SchedPolicy(policy))
        if type(flags) is not SchedFlags or flags is not self.sched_flags:
            object.__setattr__(self, "sched_flags", SchedFlags(flags))

    def to_bytes(self, size: int = SCHED_ATTR_SIZE_VER1) -> bytes:
        """The C struct, ``size`` (48 or 56) bytes with ``size`` in its size field.

        Raises OverflowError for a field out of its C type's range.
        """
        if size not in (SCHED_ATTR_SIZE_VER0, SCHED_ATTR_SIZE_VER1):
            raise ValueError(f"size must be {SCHED_ATTR_SIZE_VER0} or {SCHED_ATTR_SIZE_VER1}")
        return bytes(ffi.buffer(self._to_c(size), SCHED_ATTR_SIZE_VER1)[:size])

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> SchedAttr:
        """Decode a C struct of at least 48 bytes; the clamps are ``None`` unless the struct's
        size field and length both reach 56."""
        view = memoryview(data).cast("B")
        if len(view) < SCHED_ATTR_SIZE_VER0:
            raise ValueError(f"a struct sched_attr has at least {SCHED_ATTR_SIZE_VER0} bytes")
        box: Any = ffi.new("struct sysapi_sched_attr *")
        n = min(len(view), SCHED_ATTR_SIZE_VER1)
        ffi.buffer(box)[:n] = view[:n]
        return _decode(box, box.size if n == SCHED_ATTR_SIZE_VER1 else SCHED_ATTR_SIZE_VER0)

    def _to_c(self, size: int) -> Any:
        box: Any = ffi.new("struct sysapi_sched_attr *")
        box.size = size
        box.sched_policy = self.sched_policy
        box.sched_flags = self.sched_flags
        box.sched_nice = self.sched_nice
        box.sched_priority = self.sched_priority
        box.sched_runtime = self.sched_runtime
        box.sched_deadline = self.sched_deadline
        box.sched_period = self.sched_period
        box.sched_util_min = self.sched_util_min or 0
        box.sched_util_max = self.sched_util_max or 0
        return box


_POLICIES: Final[dict[int, SchedPolicy]] = {int(p): p for p in SchedPolicy}
_FLAGS: dict[int, SchedFlags] = {0: SchedFlags(0)}
_ATTRS: dict[bytes, SchedAttr] = {}
_new = object.__new__
_set = object.__setattr__


def _decode(box: Any, size: int, uclamp: bool = True) -> SchedAttr:
    # The hot path of sched_getattr: the kernel's values are in range and of the right type,
    # so the instance is filled directly instead of through __init__'s checks.
    value = box.sched_policy
    policy = _POLICIES.get(value)
    if policy is None:
        policy = SchedPolicy(value)
    value = box.sched_flags
    flags = _FLAGS.get(value)
    if flags is None:
        flags = SchedFlags(value)
        if len(_FLAGS) < 64:
            _FLAGS[value] = flags
    has_clamps = uclamp and size >= SCHED_ATTR_SIZE_VER1
    attr: SchedAttr = _new(SchedAttr)
    _set(attr, "sched_policy", policy)
    _set(attr, "sched_flags", flags)
    _set(attr, "sched_nice", box.sched_nice)
    _set(attr, "sched_priority", box.sched_priority)
    _set(attr, "sched_runtime", box.sched_runtime)
    _set(attr, "sched_deadline", box.sched_deadline)
    _set(attr, "sched_period", box.sched_period)
    _set(attr, "sched_util_min", box.sched_util_min if has_clamps else None)
    _set(attr, "sched_util_max", box.sched_util_max if has_clamps else None)
    return attr


def _shared(box: Any, key: bytes) -> SchedAttr:
    """The SchedAttr of the struct in ``box``, whose bytes are ``key``.

    SchedAttr is immutable and a thread's attributes rarely change: the same bytes give the
    same (shared) instance, which spares building a 9-field record.
    """
    attr = _ATTRS.get(key)
    if attr is None:
        attr = _decode(box, box.size, _UCLAMP_CONFIGURED)
        if len(_ATTRS) >= 256:
            _ATTRS.clear()
        _ATTRS[key] = attr
    return attr


# Free buffers, each taken off its list for the length of a call: list.pop/append are atomic,
# so threads share them, and a signal handler that calls in between the C call and the read
# gets another buffer. A forked child inherits the lists.
# For the calling thread's own attributes: [box, the SchedAttr of the bytes box holds].
_SELF_POOL: list[list[Any]] = []
# For any other call with the default size: (struct sysapi_sched_attr cdata, its ffi.buffer).
_ATTR_POOL: list[tuple[Any, Any]] = []
_sched_getattr: Final = lib.sysapi_sched_getattr
_sched_getattr_self: Final = lib.sysapi_sched_getattr_self
_ZERO: Final = 0
_VER1: Final = SCHED_ATTR_SIZE_VER1


def _new_attr() -> tuple[Any, Any]:
    box = ffi.new("struct sysapi_sched_attr *")
    return box, ffi.buffer(box)


def _failed(result: int, syscall: ErrorSpec, func: Any, *args: Any) -> int:
    """The slow path after a shim returned ``result`` < 0: retry EINTR, else raise."""
    if result != -errno.EINTR:
        _syscall.raise_errno(-result, syscall)
    return _syscall.call(syscall, func, *args)


@documents(SCHED_GETATTR_SPEC)
def sched_getattr(pid: int = 0, flags: int = 0, *, size: int = SCHED_ATTR_SIZE_VER1) -> SchedAttr:
    """The scheduling policy and attributes of thread ``pid`` (0: the calling thread).

    ``flags`` must be 0 (the kernel defines none). ``size`` is the buffer size announced to
    the kernel, the struct's size by default; a smaller one (48) asks for the fields of the
    first published struct only, so the utilization clamps come back as ``None``. The kernel's
    own size decides too: an older kernel reports fewer bytes, and their absence reads as
    ``None`` as well, never as a value.
    """
    # The calling thread with the default arguments, given as the int objects 0 and 56
    # themselves (CPython shares small ints): one-argument shim. Anything else, even an equal
    # value of another type, takes the general path, which converts and checks as before.
    if pid is _ZERO and flags is _ZERO and size is _VER1:
        try:
            slot = _SELF_POOL.pop()
        except IndexError:
            slot = [ffi.new("struct sysapi_sched_attr *"), None]
        box = slot[0]
        changed = _sched_getattr_self(box)
        if changed:  # 1: new bytes in box (always at a slot's first call); < 0: failed
            if changed < 0:
                _failed(changed, SCHED_GETATTR_SPEC, _sched_getattr_self, box)
            slot[1] = _shared(box, ffi.buffer(box)[:])
        _SELF_POOL.append(slot)
        return slot[1]  # type: ignore[no-any-return]
    if size == SCHED_ATTR_SIZE_VER1:
        try:
            pooled = _ATTR_POOL.pop()
        except IndexError:
            pooled = _new_attr()
        box, buffer = pooled
        result = _sched_getattr(pid, box, size, flags)
        if result < 0:
            _failed(result, SCHED_GETATTR_SPEC, _sched_getattr, pid, box, size, flags)
        attr = _shared(box, buffer[:])
        _ATTR_POOL.append(pooled)
        return attr
    # The kernel writes at most min(size, its struct) bytes and refuses a size over a page
    # before writing: this buffer is large enough for anything it may write.
    raw = ffi.new("char[]", max(SCHED_ATTR_SIZE_VER1, min(size, _PAGE_SIZE)))
    _syscall.call(SCHED_GETATTR_SPEC, lib.sysapi_sched_getattr, pid, raw, size, flags)
    cast: Any = ffi.cast("struct sysapi_sched_attr *", raw)
    return _decode(cast, cast.size, _UCLAMP_CONFIGURED)


def _setattr(pid: int, box: cffi.FFI.CData, flags: int) -> None:
    try:
        _syscall.call(SCHED_SETATTR_SPEC, lib.sysapi_sched_setattr, pid, box, flags)
    except E2BIG as exc:
        ksize = ffi.cast("uint32_t *", box)[0]
        note = f"this kernel's struct sched_attr has {ksize} bytes"
        if ksize < SCHED_ATTR_SIZE_VER1:
            note += ": it predates utilization clamping (sched_util_min/sched_util_max)"
        exc.add_note(note)
        raise


@documents(SCHED_SETATTR_SPEC)
def sched_setattr(pid: int, attr: SchedAttr, flags: int = 0) -> None:
    """Set the scheduling policy and attributes of thread ``pid`` (0: the calling thread).

    ``flags`` must be 0. The struct is sent with ``size`` 56; an older kernel whose struct is
    48 bytes accepts it as long as the clamps are unset, and otherwise fails with E2BIG and a
    note naming its size. Raising a policy or priority needs CAP_SYS_NICE (or RLIMIT_RTPRIO);
    SCHED_DEADLINE needs CAP_SYS_NICE and a CPU affinity covering the root domain.
    """
    if not isinstance(attr, SchedAttr):
        raise TypeError(f"attr must be a SchedAttr, not {type(attr).__name__}")
    _setattr(pid, attr._to_c(SCHED_ATTR_SIZE_VER1), flags)


@documents(SCHED_SETATTR_SPEC)
def sched_setattr_raw(pid: int, buffer: bytearray | memoryview, flags: int = 0) -> None:
    """sched_setattr with a caller-built struct: the thin layer under :func:`sched_setattr`.

    ``buffer`` is a writable buffer starting with a ``struct sched_attr`` whose ``size`` field
    (native-endian u32 at offset 0; 0 means 48) says how many bytes the kernel reads. It lets
    you speak the size protocol yourself: a size above the kernel's struct is accepted when
    the extra bytes are 0, and refused with E2BIG otherwise, in which case the kernel writes
    its own struct size into ``buffer[0:4]``.

    Raises ValueError when the size field announces more bytes than ``buffer`` holds (and no
    more than a page, which the kernel refuses without reading).
    """
    try:
        view = ffi.from_buffer(buffer, require_writable=True)
    except BufferError:
        raise TypeError("buffer must be writable: the kernel may write its size into it") from None
    if len(view) < 4:
        raise ValueError("buffer must hold at least the 4-byte size field")
    size = ffi.cast("uint32_t *", view)[0] or SCHED_ATTR_SIZE_VER0
    if len(view) < size <= _PAGE_SIZE:
        raise ValueError(f"the size field says {size} bytes; buffer holds {len(view)}")
    _setattr(pid, view, flags)


@record
class IoPrio:
    """An I/O priority: a class and the class data.

    ``level`` is the 13-bit class data: 0 (highest) to 7 for IOPRIO_CLASS_RT and
    IOPRIO_CLASS_BE. Since Linux 6.5 its bits 3–12 carry a priority *hint* (command duration
    limits), so a kernel may report, and accepts, values above 7; they are kept as they are.
    ``value`` is the raw ``ioprio`` integer the syscalls use.
    """

    ioclass: int
    level: int = 0

    def __post_init__(self) -> None:
        _check_int("ioclass", self.ioclass)
        _check_int("level", self.level)
        if not 0 <= self.ioclass <= _CLASS_MASK:
            raise ValueError(f"ioclass must be in 0..{_CLASS_MASK}, not {self.ioclass}")
        if not 0 <= self.level <= _DATA_MASK:
            raise ValueError(f"level must be in 0..{_DATA_MASK}, not {self.level}")
        if type(self.ioclass) is not IoprioClass:
            object.__setattr__(self, "ioclass", IoprioClass(self.ioclass))

    @property
    def value(self) -> int:
        """The raw ``ioprio``: ``ioclass << 13 | level``."""
        return self.ioclass << _CLASS_SHIFT | self.level

    @classmethod
    def from_value(cls, value: int) -> IoPrio:
        """Decode a raw ``ioprio`` (0..65535), keeping classes and data sysapi does not know."""
        _check_int("value", value)
        if not 0 <= value <= 0xFFFF:
            raise ValueError(f"an ioprio is 16 bits, not {value}")
        return cls(IoprioClass(value >> _CLASS_SHIFT & _CLASS_MASK), value & _DATA_MASK)


_IOPRIOS: dict[int, IoPrio] = {}


def ioprio_value(ioclass: int, level: int) -> int:
    """``IOPRIO_PRIO_VALUE(ioclass, level)``: the raw ``ioprio`` for :func:`ioprio_set`.

    Raises ValueError when ``ioclass`` (3 bits) or ``level`` (13 bits) does not fit, rather
    than silently dropping bits as the C macro does.
    """
    return IoPrio(ioclass, level).value


_ioprio_get: Final = lib.sysapi_ioprio_get


@documents(IOPRIO_GET_SPEC)
def ioprio_get(which: int, who: int) -> IoPrio:
    """The I/O priority of process ``who`` (``which`` = IOPRIO_WHO_PROCESS, 0: the caller),
    or the highest among a process group (IOPRIO_WHO_PGRP) or a user's processes
    (IOPRIO_WHO_USER).

    A process that never set one reports what the kernel derives from it: IOPRIO_CLASS_NONE
    level 0 on current kernels (its I/O priority then follows its nice value).
    """
    value = _ioprio_get(which, who)
    if value < 0:
        value = _failed(value, IOPRIO_GET_SPEC, _ioprio_get, which, who)
    prio = _IOPRIOS.get(value)
    if prio is None:
        # IoPrio is immutable, and a machine uses few distinct values: keep them.
        prio = IoPrio(IoprioClass(value >> _CLASS_SHIFT & _CLASS_MASK), value & _DATA_MASK)
        if len(_IOPRIOS) < 1024:
            _IOPRIOS[value] = prio
    return prio


@documents(IOPRIO_SET_SPEC)
def ioprio_set(which: int, who: int, ioprio: IoPrio | int) -> None:
    """Set the I/O priority of process ``who`` (``which`` = IOPRIO_WHO_PROCESS, 0: the
    caller), of every process of a group (IOPRIO_WHO_PGRP) or of a user (IOPRIO_WHO_USER).

    ``ioprio`` is an :class:`IoPrio` or a raw integer (sent as it is: the kernel judges it).
    Only I/O schedulers that implement priorities (BFQ, partly mq-deadline) honour it; the
    others accept and ignore it.
    """
    raw = ioprio.value if isinstance(ioprio, IoPrio) else ioprio
    _syscall.call(IOPRIO_SET_SPEC, lib.sysapi_ioprio_set, which, who, raw)
