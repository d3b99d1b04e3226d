"""Clocks: clock_nanosleep on any clock, and the kernel clock discipline (adjtimex, clock_adjtime).

The notes' 时间 chapter. ``time.sleep`` sleeps on CLOCK_MONOTONIC only and hides both the
remaining time and TIMER_ABSTIME; CPython has no ``adjtimex`` at all.
"""

from __future__ import annotations

import errno
import operator
import time
from collections.abc import Callable

from sysapi import _enum, _native, _syscall
from sysapi._record import record
from sysapi._sysapi import ffi, lib
from sysapi.errors import documents, kernel, man, notes, spec

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final


__all__ = [
    "ADJ_ESTERROR",
    "ADJ_FREQUENCY",
    "ADJ_MAXERROR",
    "ADJ_MICRO",
    "ADJ_NANO",
    "ADJ_OFFSET",
    "ADJ_OFFSET_SINGLESHOT",
    "ADJ_OFFSET_SS_READ",
    "ADJ_SETOFFSET",
    "ADJ_STATUS",
    "ADJ_TAI",
    "ADJ_TICK",
    "ADJ_TIMECONST",
    "CLOCK_BOOTTIME",
    "CLOCK_BOOTTIME_ALARM",
    "CLOCK_MONOTONIC",
    "CLOCK_MONOTONIC_COARSE",
    "CLOCK_MONOTONIC_RAW",
    "CLOCK_PROCESS_CPUTIME_ID",
    "CLOCK_REALTIME",
    "CLOCK_REALTIME_ALARM",
    "CLOCK_REALTIME_COARSE",
    "CLOCK_TAI",
    "CLOCK_THREAD_CPUTIME_ID",
    "STA_CLK",
    "STA_CLOCKERR",
    "STA_DEL",
    "STA_FLL",
    "STA_FREQHOLD",
    "STA_INS",
    "STA_MODE",
    "STA_NANO",
    "STA_PLL",
    "STA_PPSERROR",
    "STA_PPSFREQ",
    "STA_PPSJITTER",
    "STA_PPSSIGNAL",
    "STA_PPSTIME",
    "STA_PPSWANDER",
    "STA_UNSYNC",
    "TIMER_ABSTIME",
    "TIME_BAD",
    "TIME_DEL",
    "TIME_ERROR",
    "TIME_INS",
    "TIME_OK",
    "TIME_OOP",
    "TIME_WAIT",
    "AdjMode",
    "AdjtimexResult",
    "ClockId",
    "ClockState",
    "TimerFlags",
    "Timex",
    "TimexStatus",
    "adjtimex",
    "clock_adjtime",
    "clock_nanosleep",
]

_NS_PER_S: Final = 1_000_000_000


class ClockId(_enum.IntEnum):
    """The clocks of ``<time.h>``. Every call also accepts any other ``clockid_t`` int (the CPU
    clock of another process, a dynamic clock from a file descriptor)."""

    CLOCK_REALTIME = lib.CLOCK_REALTIME
    CLOCK_MONOTONIC = lib.CLOCK_MONOTONIC
    CLOCK_PROCESS_CPUTIME_ID = lib.CLOCK_PROCESS_CPUTIME_ID
    CLOCK_THREAD_CPUTIME_ID = lib.CLOCK_THREAD_CPUTIME_ID
    CLOCK_MONOTONIC_RAW = lib.CLOCK_MONOTONIC_RAW
    CLOCK_REALTIME_COARSE = lib.CLOCK_REALTIME_COARSE
    CLOCK_MONOTONIC_COARSE = lib.CLOCK_MONOTONIC_COARSE
    CLOCK_BOOTTIME = lib.CLOCK_BOOTTIME
    CLOCK_REALTIME_ALARM = lib.CLOCK_REALTIME_ALARM
    CLOCK_BOOTTIME_ALARM = lib.CLOCK_BOOTTIME_ALARM
    CLOCK_TAI = lib.CLOCK_TAI


CLOCK_REALTIME: Final = ClockId.CLOCK_REALTIME
CLOCK_MONOTONIC: Final = ClockId.CLOCK_MONOTONIC
CLOCK_PROCESS_CPUTIME_ID: Final = ClockId.CLOCK_PROCESS_CPUTIME_ID
CLOCK_THREAD_CPUTIME_ID: Final = ClockId.CLOCK_THREAD_CPUTIME_ID
CLOCK_MONOTONIC_RAW: Final = ClockId.CLOCK_MONOTONIC_RAW
CLOCK_REALTIME_COARSE: Final = ClockId.CLOCK_REALTIME_COARSE
CLOCK_MONOTONIC_COARSE: Final = ClockId.CLOCK_MONOTONIC_COARSE
CLOCK_BOOTTIME: Final = ClockId.CLOCK_BOOTTIME
CLOCK_REALTIME_ALARM: Final = ClockId.CLOCK_REALTIME_ALARM
CLOCK_BOOTTIME_ALARM: Final = ClockId.CLOCK_BOOTTIME_ALARM
CLOCK_TAI: Final = ClockId.CLOCK_TAI


class TimerFlags(_enum.IntFlag):
    """Flags of :func:`clock_nanosleep` and ``timer_settime``."""

    TIMER_ABSTIME = lib.TIMER_ABSTIME


TIMER_ABSTIME: Final = TimerFlags.TIMER_ABSTIME


class AdjMode(_enum.IntFlag):
    """``struct timex.modes``: which fields :func:`adjtimex` sets (0 only reads)."""

    ADJ_OFFSET = lib.ADJ_OFFSET
    ADJ_FREQUENCY = lib.ADJ_FREQUENCY
    ADJ_MAXERROR = lib.ADJ_MAXERROR
    ADJ_ESTERROR = lib.ADJ_ESTERROR
    ADJ_STATUS = lib.ADJ_STATUS
    ADJ_TIMECONST = lib.ADJ_TIMECONST
    ADJ_TAI = lib.ADJ_TAI
    ADJ_SETOFFSET = lib.ADJ_SETOFFSET
    ADJ_MICRO = lib.ADJ_MICRO
    ADJ_NANO = lib.ADJ_NANO
    ADJ_TICK = lib.ADJ_TICK
    ADJ_OFFSET_SINGLESHOT = lib.ADJ_OFFSET_SINGLESHOT
    ADJ_OFFSET_SS_READ = lib.ADJ_OFFSET_SS_READ


ADJ_OFFSET: Final = AdjMode.ADJ_OFFSET
ADJ_FREQUENCY: Final = AdjMode.ADJ_FREQUENCY
ADJ_MAXERROR: Final = AdjMode.ADJ_MAXERROR
ADJ_ESTERROR: Final = AdjMode.ADJ_ESTERROR
ADJ_STATUS: Final = AdjMode.ADJ_STATUS
ADJ_TIMECONST: Final = AdjMode.ADJ_TIMECONST
ADJ_TAI: Final = AdjMode.ADJ_TAI
ADJ_SETOFFSET: Final = AdjMode.ADJ_SETOFFSET
ADJ_MICRO: Final = AdjMode.ADJ_MICRO
ADJ_NANO: Final = AdjMode.ADJ_NANO
ADJ_TICK: Final = AdjMode.ADJ_TICK
ADJ_OFFSET_SINGLESHOT: Final = AdjMode.ADJ_OFFSET_SINGLESHOT
ADJ_OFFSET_SS_READ: Final = AdjMode.ADJ_OFFSET_SS_READ


class TimexStatus(_enum.IntFlag):
    """``struct timex.status``: the clock discipline's status bits."""

    STA_PLL = lib.STA_PLL
    STA_PPSFREQ = lib.STA_PPSFREQ
    STA_PPSTIME = lib.STA_PPSTIME
    STA_FLL = lib.STA_FLL
    STA_INS = lib.STA_INS
    STA_DEL = lib.STA_DEL
    STA_UNSYNC = lib.STA_UNSYNC
    STA_FREQHOLD = lib.STA_FREQHOLD
    STA_PPSSIGNAL = lib.STA_PPSSIGNAL
    STA_PPSJITTER = lib.STA_PPSJITTER
    STA_PPSWANDER = lib.STA_PPSWANDER
    STA_PPSERROR = lib.STA_PPSERROR
    STA_CLOCKERR = lib.STA_CLOCKERR
    STA_NANO = lib.STA_NANO
    STA_MODE = lib.STA_MODE
    STA_CLK = lib.STA_CLK


STA_PLL: Final = TimexStatus.STA_PLL
STA_PPSFREQ: Final = TimexStatus.STA_PPSFREQ
STA_PPSTIME: Final = TimexStatus.STA_PPSTIME
STA_FLL: Final = TimexStatus.STA_FLL
STA_INS: Final = TimexStatus.STA_INS
STA_DEL: Final = TimexStatus.STA_DEL
STA_UNSYNC: Final = TimexStatus.STA_UNSYNC
STA_FREQHOLD: Final = TimexStatus.STA_FREQHOLD
STA_PPSSIGNAL: Final = TimexStatus.STA_PPSSIGNAL
STA_PPSJITTER: Final = TimexStatus.STA_PPSJITTER
STA_PPSWANDER: Final = TimexStatus.STA_PPSWANDER
STA_PPSERROR: Final = TimexStatus.STA_PPSERROR
STA_CLOCKERR: Final = TimexStatus.STA_CLOCKERR
STA_NANO: Final = TimexStatus.STA_NANO
STA_MODE: Final = TimexStatus.STA_MODE
STA_CLK: Final = TimexStatus.STA_CLK


class ClockState(_enum.IntEnum):
    """What :func:`adjtimex` returns: the leap-second state of the clock. ``TIME_BAD`` is the
    old name of ``TIME_ERROR``. A state this version does not know decodes to a pseudo-member
    named ``UNKNOWN_<n>``."""

    TIME_OK = lib.TIME_OK
    TIME_INS = lib.TIME_INS
    TIME_DEL = lib.TIME_DEL
    TIME_OOP = lib.TIME_OOP
    TIME_WAIT = lib.TIME_WAIT
    TIME_ERROR = lib.TIME_ERROR
    TIME_BAD = lib.TIME_ERROR

    __reduce_ex__ = _enum.reduce_by_value

    @classmethod
    def _missing_(cls, value: object) -> ClockState | None:
        if not isinstance(value, int):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}"
        member._value_ = value
        return member


TIME_OK: Final = ClockState.TIME_OK
TIME_INS: Final = ClockState.TIME_INS
TIME_DEL: Final = ClockState.TIME_DEL
TIME_OOP: Final = ClockState.TIME_OOP
TIME_WAIT: Final = ClockState.TIME_WAIT
TIME_ERROR: Final = ClockState.TIME_ERROR
TIME_BAD: Final = ClockState.TIME_BAD


@record
class Timex:
    """``struct timex`` with its C field names; ``time`` becomes ``time_ns``.

    Units follow the kernel: ``offset`` and ``jitter`` are in ns when ``status`` has
    ``STA_NANO`` (else µs); ``freq``, ``ppsfreq`` and ``tolerance`` are ppm scaled by 2**16;
    ``tick`` is µs per clock tick. ``time_ns`` is the clock reading (on input, the offset
    ``ADJ_SETOFFSET`` adds, in ns whatever ``ADJ_NANO`` says).
    """

    modes: AdjMode = AdjMode(0)
    offset: int = 0
    freq: int = 0
    maxerror: int = 0
    esterror: int = 0
    status: TimexStatus = TimexStatus(0)
    constant: int = 0
    precision: int = 0
    tolerance: int = 0
    time_ns: int = 0
    tick: int = 0
    ppsfreq: int = 0
    jitter: int = 0
    shift: int = 0
    stabil: int = 0
    jitcnt: int = 0
    calcnt: int = 0
    errcnt: int = 0
    stbcnt: int = 0
    tai: int = 0


@record
class AdjtimexResult:
    """What :func:`adjtimex` and :func:`clock_adjtime` return: the clock state and the kernel's
    clock parameters after the call."""

    state: ClockState
    timex: Timex


_TIMEX_FIELDS: Final = (
    "offset",
    "freq",
    "maxerror",
    "esterror",
    "constant",
    "precision",
    "tolerance",
    "tick",
    "ppsfreq",
    "jitter",
    "shift",
    "stabil",
    "jitcnt",
    "calcnt",
    "errcnt",
    "stbcnt",
    "tai",
)


_adjtimex: Final = lib.sysapi_adjtimex


def _timex_in(timex: Timex | None) -> Any:
    box: Any = ffi.new("struct sysapi_timex *")
    if timex is None:
        return box
    if not isinstance(timex, Timex):
        raise TypeError(f"expected a Timex or None, not {type(timex).__name__}")
    box.modes = int(timex.modes)
    box.status = int(timex.status)
    for name in _TIMEX_FIELDS:
        setattr(box, name, getattr(timex, name))
    # ADJ_SETOFFSET reads time.tv_usec as ns with ADJ_NANO, else as µs; floor division keeps
    # the sub-second part non-negative, as the kernel requires.
    sec, sub = divmod(operator.index(timex.time_ns), _NS_PER_S)
    box.time_sec = sec
    box.time_usec = sub if timex.modes & AdjMode.ADJ_NANO else sub // 1000
    return box


# The enum members of the values kernels report: few distinct ones, memoised (an enum call costs
# about a microsecond), at most 256 each.
_modes: dict[int, AdjMode] = {}
_statuses: dict[int, TimexStatus] = {}
_states: dict[int, ClockState] = {}
_native.timex_bind(
    Timex, AdjtimexResult, AdjMode, _modes, TimexStatus, _statuses, ClockState, _states
)
#: The AdjtimexResult of a clock state and the bytes of the struct sysapi_timex the call filled.
_adjtimex_result: Final[Callable[[int, Any], AdjtimexResult]] = _native.timex_result


def _timex_out(data: Any) -> Timex:
    """The Timex in ``data``, the bytes of a struct sysapi_timex."""
    return _adjtimex_result(0, data).timex


# Structs for reading (timex=None), one per concurrent caller: list.pop and append are atomic.
_read_boxes: list[tuple[Any, Any]] = []


_ADJ_EINVAL: Final = (
    "modes has ADJ_ADJTIME (0x8000) without the other ADJ_OFFSET_SINGLESHOT bits, ADJ_TICK is "
    "outside 900000/USER_HZ..1100000/USER_HZ, ADJ_FREQUENCY overflows, or ADJ_SETOFFSET has a "
    "sub-second part out of range (checked before anything changes)"
)
_ADJ_EPERM: Final = (
    "modes sets something (anything but 0 and ADJ_OFFSET_SS_READ) and the caller lacks CAP_SYS_TIME"
)
_ADJ_EFAULT: Final = "buf points outside the address space"

ADJTIMEX_SPEC: Final = spec(
    "adjtimex",
    [
        notes(errno.EFAULT, _ADJ_EFAULT),
        notes(errno.EINVAL, _ADJ_EINVAL),
        kernel(
            errno.EPERM,
            _ADJ_EPERM,
            "any non-zero modes needs CAP_SYS_TIME",
        ),
    ],
)

CLOCK_ADJTIME_SPEC: Final = spec(
    "clock_adjtime",
    [
        man(errno.EFAULT, _ADJ_EFAULT),
        man(errno.EINVAL, "clockid is not a valid clock, or as adjtimex: " + _ADJ_EINVAL),
        man(errno.ENODEV, "the hot-pluggable device of a dynamic clock has disappeared"),
        man(errno.EOPNOTSUPP, "the clock cannot be adjusted (CLOCK_MONOTONIC, CPU clocks)"),
        man(errno.EPERM, _ADJ_EPERM),
    ],
)

CLOCK_NANOSLEEP_SPEC: Final = spec(
    "clock_nanosleep",
    [
        man(
            errno.EINVAL,
            "clockid is unknown or cannot be slept on (CLOCK_THREAD_CPUTIME_ID), or the time is "
            "negative (tv_sec < 0 or tv_nsec outside 0..999999999)",
        ),
        man(errno.EFAULT, "request or remain points outside the address space"),
        man(
            errno.EINTR,
            "a signal handler interrupted the sleep: sysapi sleeps again for the remaining time "
            "(PEP 475); an exception raised by the handler propagates instead",
        ),
        man(errno.EOPNOTSUPP, "the clock does not support sleeping (CLOCK_MONOTONIC_RAW)"),
    ],
)


def _split_ns(ns: int) -> tuple[int, int]:
    """ns → (tv_sec, tv_nsec), truncating toward zero as C does, so that a negative time
    reaches the kernel as negative (which it rejects) instead of being wrapped."""
    sec, nsec = divmod(abs(ns), _NS_PER_S)
    return (-sec, -nsec) if ns < 0 else (sec, nsec)


@documents(CLOCK_NANOSLEEP_SPEC)
def clock_nanosleep(clockid: int, flags: int, ns: int, *, retry: bool = True) -> int:
    """Sleep ``ns`` nanoseconds on ``clockid``, or until the clock reads ``ns`` with
    ``TIMER_ABSTIME`` in ``flags`` (returning at once when that time has passed).

    Blocks (the GIL is released). A signal handler that returns does not cut the sleep short:
    the call sleeps again for what is left, recomputed after the handler ran (PEP 475); an
    exception the handler raises propagates. Returns the nanoseconds left, which is 0 unless
    ``retry=False``, where an interrupted sleep returns what was left instead of sleeping again.

    Unlike ``nanosleep``, glibc's ``clock_nanosleep`` returns the error number instead of
    setting errno; sysapi reads the return value.
    """
    clockid = operator.index(clockid)
    request = operator.index(ns)
    flags = operator.index(flags)
    out = ffi.new("int64_t[3]")
    while True:
        sec, nsec = _split_ns(request)
        result = lib.sysapi_clock_nanosleep(clockid, flags, sec, nsec, out)
        if result == 0:
            return 0
        if result != -errno.EINTR:
            _syscall.raise_errno(-result, CLOCK_NANOSLEEP_SPEC)
        # The Python signal handlers have run as the call returned: one that raised is
        # propagating already; the others let us go on sleeping.
        if flags & TIMER_ABSTIME:
            left = request - time.clock_gettime_ns(clockid)
            if retry:
                continue
            return max(left, 0)
        left = int(out[0]) * _NS_PER_S + int(out[1])
        if out[2] >= 0:
            left -= time.clock_gettime_ns(clockid) - out[2]
        if not retry or left <= 0:
            return max(int(left), 0)
        request = int(left)


@documents(ADJTIMEX_SPEC)
def adjtimex(timex: Timex | None = None) -> AdjtimexResult:
    """Read (``timex=None`` or ``modes=0``) or tune the kernel clock discipline (RFC 5905).

    Returns the clock state and every parameter after the call. Setting needs CAP_SYS_TIME
    and really changes the system clock: only ``modes=0`` and ``ADJ_OFFSET_SS_READ`` are
    read-only. Linux-specific.
    """
    if timex is None:
        try:
            slot = _read_boxes.pop()
        except IndexError:
            box = ffi.new("struct sysapi_timex *")
            slot = box, ffi.buffer(box)
        box = slot[0]
        box.modes = 0  # read only, whatever the last call left in the struct
    else:
        box = _timex_in(timex)
        slot = None
    state = _adjtimex(box)
    if state < 0:
        state = _syscall.retry(state, ADJTIMEX_SPEC, _adjtimex, box)
    result = _adjtimex_result(state, ffi.buffer(box) if slot is None else slot[1])
    if slot is not None:
        _read_boxes.append(slot)
    return result


@documents(CLOCK_ADJTIME_SPEC)
def clock_adjtime(clockid: int, timex: Timex | None = None) -> AdjtimexResult:
    """:func:`adjtimex` for ``clockid`` (CLOCK_REALTIME, or a dynamic clock such as a PTP
    hardware clock). Reading is the default; Linux-specific."""
    box = _timex_in(timex)
    state = _syscall.call(
        CLOCK_ADJTIME_SPEC, lib.sysapi_clock_adjtime, operator.index(clockid), box
    )
    return _adjtimex_result(state, ffi.buffer(box))
