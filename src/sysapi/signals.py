"""Queued signals with a payload: ``sigqueue``, ``sigwaitinfo``, ``sigtimedwait``.

CPython can neither send a value with a signal nor read one back: its ``struct_siginfo`` has
no ``si_value``. Here a value sent by :func:`sigqueue` in one process is read by
:func:`sigwaitinfo` or :func:`sigtimedwait` in another, in :attr:`SigInfo.si_value`.

The signals waited for must be **blocked first**, in every thread (a signal that is not
blocked is delivered to its handler, or kills the process, instead of waiting in the queue).
Block them with :func:`block_signals` or ``signal.pthread_sigmask(signal.SIG_BLOCK, ...)``
before the sender can send them; a forked child inherits the mask.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import math
import operator
import resource
import signal
import time
from collections.abc import Iterable, Iterator

from sysapi import _struct, _syscall
from sysapi._record import record
from sysapi._sysapi import ffi, lib
from sysapi.errors import documents, kernel, man, notes, spec
from sysapi.process import CldCode

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

__all__ = [
    "SI_ASYNCIO",
    "SI_KERNEL",
    "SI_MESGQ",
    "SI_QUEUE",
    "SI_SIGIO",
    "SI_TIMER",
    "SI_TKILL",
    "SI_USER",
    "SiCode",
    "SigInfo",
    "block_signals",
    "sigqueue",
    "sigtimedwait",
    "sigwaitinfo",
]


class SiCode(enum.IntEnum):
    """The ``si_code`` values every signal may carry: who or what sent it."""

    SI_USER = lib.SI_USER
    SI_KERNEL = lib.SI_KERNEL
    SI_QUEUE = lib.SI_QUEUE
    SI_TIMER = lib.SI_TIMER
    SI_MESGQ = lib.SI_MESGQ
    SI_ASYNCIO = lib.SI_ASYNCIO
    SI_SIGIO = lib.SI_SIGIO
    SI_TKILL = lib.SI_TKILL


SI_USER: Final = SiCode.SI_USER
SI_KERNEL: Final = SiCode.SI_KERNEL
SI_QUEUE: Final = SiCode.SI_QUEUE
SI_TIMER: Final = SiCode.SI_TIMER
SI_MESGQ: Final = SiCode.SI_MESGQ
SI_ASYNCIO: Final = SiCode.SI_ASYNCIO
SI_SIGIO: Final = SiCode.SI_SIGIO
SI_TKILL: Final = SiCode.SI_TKILL

# Lookups built once: enum calls (and signal.valid_signals(), ~0.1 ms) are too slow per signal.
_SIGCHLD_CODES: Final = {int(c): c for c in CldCode}
_SI_CODES: Final = {int(c): c for c in SiCode}
_SIGNALS: Final = {int(s): s for s in signal.Signals}
_VALID: Final = frozenset(int(s) for s in signal.valid_signals())


@record
class SigInfo:
    """The ``siginfo_t`` of a signal taken by :func:`sigwaitinfo` or :func:`sigtimedwait`.

    ``si_signo`` is a :class:`signal.Signals` where Python names the number (real-time
    signals other than SIGRTMIN/SIGRTMAX stay ``int``). ``si_code`` is a :class:`SiCode`, a
    :class:`~sysapi.process.CldCode` for SIGCHLD, or the plain ``int``.

    The kernel's siginfo is a union: which fields mean something depends on ``si_code``
    (the others read whatever overlaps them).

    - ``SI_QUEUE`` (:func:`sigqueue`), ``SI_USER`` (``kill``), ``SI_TKILL``: ``si_pid`` and
      ``si_uid`` of the sender; ``SI_QUEUE`` also ``si_value``, the ``int`` sent
      (``sival_int``), and ``si_ptr``, the whole ``sival_ptr`` as an unsigned integer.
    - ``SI_TIMER`` (POSIX timers): ``si_timerid``, ``si_overrun``, ``si_value``.
    - SIGCHLD: ``si_pid``, ``si_uid``, ``si_status``, ``si_utime``, ``si_stime`` (ticks).
    - SIGIO/SIGPOLL: ``si_band``, ``si_fd``. SIGSEGV, SIGBUS, SIGILL, SIGFPE: ``si_addr``.
    """

    si_signo: int
    si_code: int
    si_errno: int
    si_pid: int
    si_uid: int
    si_status: int
    si_value: int
    si_ptr: int
    si_utime: int
    si_stime: int
    si_addr: int
    si_band: int
    si_fd: int
    si_timerid: int
    si_overrun: int


# struct sysapi_siginfo member -> SigInfo field, in the C struct's order.
_SIGINFO_MEMBERS: Final = (
    ("signo", "si_signo"),
    ("err", "si_errno"),
    ("code", "si_code"),
    ("pid", "si_pid"),
    ("uid", "si_uid"),
    ("status", "si_status"),
    ("value_int", "si_value"),
    ("value_ptr", "si_ptr"),
    ("utime", "si_utime"),
    ("stime", "si_stime"),
    ("addr", "si_addr"),
    ("band", "si_band"),
    ("fd", "si_fd"),
    ("timerid", "si_timerid"),
    ("overrun", "si_overrun"),
)
_unpack_siginfo: Final = _struct.unpacker(
    "struct sysapi_siginfo", [member for member, _ in _SIGINFO_MEMBERS]
)
_SigInfoBuilder: Final = _struct.builder(SigInfo, [field for _, field in _SIGINFO_MEMBERS])
_SIGCHLD: Final = int(signal.SIGCHLD)


def _siginfo(buffer: Any) -> SigInfo:
    """The SigInfo in ``buffer`` (the bytes of a struct sysapi_siginfo)."""
    info = _SigInfoBuilder(*_unpack_siginfo(buffer))
    signo = info.si_signo
    info.si_signo = _SIGNALS.get(signo, signo)
    # Positive codes other than SI_KERNEL are per signal (CLD_EXITED and ILL_ILLOPC are both 1).
    code: int | None = _SI_CODES.get(info.si_code)
    if code is None and signo == _SIGCHLD:
        code = _SIGCHLD_CODES.get(info.si_code)
    if code is not None:
        info.si_code = code
    info.__class__ = SigInfo
    return info  # type: ignore[no-any-return]


# Free siginfo slots [cdata, its ffi.buffer, the SigInfo built from the bytes it holds], each
# taken off the list for the length of a call. A list rather than a threading.local:
# list.pop/append are atomic, so threads share it safely, and a signal handler or finalizer
# that runs in the same thread between the C call and the read, and calls in again, finds the
# slot in use gone and takes (or makes) another. A forked child inherits the list; slots other
# threads held at the fork are simply never returned. The shims report whether the kernel's
# siginfo differs from the slot's bytes: the same signal with the same payload from the same
# sender gives back the (immutable) SigInfo built last time.
_INFO_POOL: list[list[Any]] = []


def _new_slot() -> list[Any]:
    info = ffi.new("struct sysapi_siginfo *")
    return [info, ffi.buffer(info), None]


_BITS: Final = {number: 1 << number for number in _VALID}
_index: Final = operator.index
_LOW: Final = (1 << 64) - 1


def _sigmask(sigset: Iterable[int]) -> int:
    """The signal numbers as a bit mask (bit n: signal n), checked as
    ``signal.pthread_sigmask`` does: the smallest bad number is reported."""
    mask = 0
    bad = None
    for sig in sigset:
        number = _index(sig)
        try:
            mask |= _BITS[number]
        except KeyError:
            bad = number if bad is None or number < bad else bad
    if bad is not None:
        if not 1 <= bad < signal.NSIG:
            raise ValueError(f"signal number {bad} out of range [1; {signal.NSIG - 1}]")
        raise ValueError(f"signal {bad} is reserved by the C library")
    return mask


@contextlib.contextmanager
def block_signals(sigset: Iterable[int]) -> Iterator[set[int]]:
    """Block ``sigset`` in the calling thread for the ``with`` block; restore the mask after.

    Yields the previous mask. Signals sent meanwhile stay pending, to be taken with
    :func:`sigwaitinfo` / :func:`sigtimedwait` (or delivered when the mask is restored).
    Other threads keep their own masks: block there too, or block before starting them.
    """
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigset)
    try:
        yield old
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _sigpending_limit() -> str:
    soft, hard = (
        "unlimited" if v == resource.RLIM_INFINITY else str(v)
        for v in resource.getrlimit(resource.RLIMIT_SIGPENDING)
    )
    return f"RLIMIT_SIGPENDING (signals queued per user) is {soft} (hard {hard})"


SIGQUEUE_SPEC: Final = spec(
    "sigqueue",
    [
        notes(
            errno.EAGAIN,
            "the limit of queued signals (RLIMIT_SIGPENDING, per user) is reached; only "
            "real-time signals queue, standard ones coalesce instead",
        ),
        notes(errno.EINVAL, "sig is not a valid signal number"),
        notes(errno.EPERM, "the caller may not signal pid (the rules of kill; CAP_KILL)"),
        kernel(
            errno.ESRCH,
            "no process has that pid; pid <= 0 also gives ESRCH (sigqueue targets one "
            "process, never a group), and a zombie can still be signalled",
            "ESRCH also for a missing process group, or when the target is a zombie",
        ),
    ],
    hints={errno.EAGAIN: _sigpending_limit},
)

#: sysapi's shims pass their own sigset_t, siginfo_t and timespec: only a C caller meets it.
_SIGWAIT_EFAULT: Final = "{} points outside the address space (never through sysapi)"

SIGWAITINFO_SPEC: Final = spec(
    "sigwaitinfo",
    [
        man(
            errno.EINTR,
            "a handler of a signal outside sigset interrupted the wait (sysapi retries, PEP 475)",
        ),
        kernel(
            errno.EFAULT,
            _SIGWAIT_EFAULT.format("set or info"),
            "nothing: neither the notes nor sigwaitinfo(2) list it",
        ),
    ],
)

SIGTIMEDWAIT_SPEC: Final = spec(
    "sigtimedwait",
    [
        man(
            errno.EAGAIN,
            "no signal of sigset arrived within timeout (sysapi returns None instead)",
        ),
        man(
            errno.EINTR,
            "a handler of a signal outside sigset interrupted the wait (sysapi retries with "
            "the remaining time, PEP 475)",
        ),
        man(errno.EINVAL, "timeout is invalid (negative)"),
        kernel(
            errno.EFAULT,
            _SIGWAIT_EFAULT.format("set, info or timeout"),
            "nothing: neither the notes nor sigtimedwait(2) list it",
        ),
    ],
)


_sigqueue: Final = lib.sysapi_sigqueue
_sigwaitinfo: Final = lib.sysapi_sigwaitinfo
_sigtimedwait: Final = lib.sysapi_sigtimedwait
_isnan: Final = math.isnan
_ceil: Final = math.ceil
_monotonic_ns: Final = time.monotonic_ns
_EAGAIN: Final = -errno.EAGAIN
_EINTR: Final = -errno.EINTR


@documents(SIGQUEUE_SPEC)
def sigqueue(pid: int, sig: int, value: int = 0) -> None:
    """Queue signal ``sig`` with the payload ``value`` (a C ``int``) to process ``pid``.

    The receiver reads ``value`` as :attr:`SigInfo.si_value` (``si_code`` is
    :data:`SI_QUEUE`). ``sig`` 0 sends nothing and only checks that ``pid`` exists and may be
    signalled. Real-time signals (``signal.SIGRTMIN`` ..) queue one instance per call, each
    with its value; standard signals pending twice are delivered once.
    """
    result = _sigqueue(pid, sig, value)
    if result < 0:
        _syscall.retry(result, SIGQUEUE_SPEC, _sigqueue, pid, sig, value)


@documents(SIGWAITINFO_SPEC)
def sigwaitinfo(sigset: Iterable[int]) -> SigInfo:
    """Take a pending signal of ``sigset`` off the queue, waiting until one arrives.

    The signals must be blocked (:func:`block_signals`), else they are delivered as usual
    and never waited for. Blocks (the GIL is released); a handler of another signal that
    returns restarts the wait (PEP 475), one that raises propagates its exception.
    """
    mask = _sigmask(sigset)
    try:
        slot = _INFO_POOL.pop()
    except IndexError:
        slot = _new_slot()
    if _syscall.call(SIGWAITINFO_SPEC, _sigwaitinfo, mask & _LOW, mask >> 64, slot[0]):
        slot[2] = _siginfo(slot[1])  # new bytes (always at a slot's first use)
    _INFO_POOL.append(slot)
    return slot[2]  # type: ignore[no-any-return]


@documents(SIGTIMEDWAIT_SPEC)
def sigtimedwait(sigset: Iterable[int], timeout: float) -> SigInfo | None:
    """As :func:`sigwaitinfo`, waiting at most ``timeout`` seconds; ``None`` when none came.

    ``timeout`` 0 polls. After a handler of another signal interrupted the wait, it
    restarts with the time that is left (PEP 475). A negative ``timeout`` goes to the
    kernel, which rejects it with EINVAL.
    """
    if _isnan(timeout):
        raise ValueError("timeout is NaN")
    mask = _sigmask(sigset)
    lo, hi = mask & _LOW, mask >> 64
    ns = _ceil(timeout * 1e9)
    # A poll (or a negative timeout) has no time left to recompute: no clock read for it.
    deadline = _monotonic_ns() + ns if ns > 0 else 0
    try:
        slot = _INFO_POOL.pop()
    except IndexError:
        slot = _new_slot()
    while True:
        sec, nsec = divmod(ns, 1_000_000_000)
        result = _sigtimedwait(lo, hi, sec, nsec, slot[0])
        if result >= 0:
            if result:
                slot[2] = _siginfo(slot[1])  # new bytes (always at a slot's first use)
            _INFO_POOL.append(slot)
            return slot[2]  # type: ignore[no-any-return]
        if result == _EAGAIN:
            _INFO_POOL.append(slot)
            return None
        if result != _EINTR or ns < 0:
            _syscall.raise_errno(-result, SIGTIMEDWAIT_SPEC)
        # Python handlers have run by now (a raising one propagated); wait for the rest.
        if ns > 0:
            ns = max(0, deadline - _monotonic_ns())
