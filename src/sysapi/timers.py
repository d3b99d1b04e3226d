"""POSIX per-process timers: timer_create and friends, with all four notify modes.

The notes' 定时器 section. :class:`PosixTimer` owns one kernel timer; the thin ``timer_*``
functions do one call each on a :class:`PosixTimer`. A deleted timer raises ValueError before
glibc is reached: glibc's own SIGEV_THREAD timer ids are pointers, and a stale one crashes it.

SIGEV_THREAD callbacks: glibc would start a thread per expiry and drop the kernel's overrun
count. sysapi delivers the expiries of callback timers (SIGEV_THREAD_ID, signal
:data:`CALLBACK_SIGNAL`) to one C dispatch thread of its own, which calls into Python through
cffi ``extern "Python"`` with an integer key into ``_callbacks``, never a pointer to a
Python object, and the exact ``si_overrun``. A callback arriving after
:meth:`PosixTimer.delete` finds no key and is dropped. At interpreter exit every timer is
deleted and no callback enters Python any more; in a forked child (which inherits no timer)
the registry starts empty.
"""

from __future__ import annotations

import _thread  # threading's Lock, RLock and local are _thread's; importing threading: 0.6 ms
import _warnings  # warnings.warn is _warnings.warn
import atexit
import errno
import itertools
import operator
import os
import signal
import struct
from collections.abc import Callable

from sysapi import _enum, _native, _syscall
from sysapi._record import record
from sysapi._sysapi import ffi, lib
from sysapi.clock import CLOCK_MONOTONIC, TIMER_ABSTIME, _split_ns
from sysapi.errors import documents, kernel, man, notes, spec

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import weakref
    from typing import Any, Final

__all__ = [
    "CALLBACK_SIGNAL",
    "DELAYTIMER_MAX",
    "SIGEV_NONE",
    "SIGEV_SIGNAL",
    "SIGEV_THREAD",
    "SIGEV_THREAD_ID",
    "ItimerSpec",
    "PosixTimer",
    "SigevNotify",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_settime",
]

_NS_PER_S: Final = 1_000_000_000

#: glibc's cap on timer_getoverrun (INT_MAX; POSIX requires at least 32).
DELAYTIMER_MAX: Final[int] = lib.DELAYTIMER_MAX
#: The signal that carries callback-timer expiries to sysapi's dispatch thread. It is sent to
#: that thread only (SIGEV_THREAD_ID) and blocked there alone; a process-directed SIGRTMAX
#: that every other thread blocks may be taken (and dropped) by the dispatch thread.
CALLBACK_SIGNAL: Final[int] = signal.SIGRTMAX


class SigevNotify(_enum.IntEnum):
    """``sigev_notify``: how a timer reports its expiry."""

    SIGEV_SIGNAL = lib.SIGEV_SIGNAL
    SIGEV_NONE = lib.SIGEV_NONE
    SIGEV_THREAD = lib.SIGEV_THREAD
    SIGEV_THREAD_ID = lib.SIGEV_THREAD_ID


SIGEV_SIGNAL: Final = SigevNotify.SIGEV_SIGNAL
SIGEV_NONE: Final = SigevNotify.SIGEV_NONE
SIGEV_THREAD: Final = SigevNotify.SIGEV_THREAD
SIGEV_THREAD_ID: Final = SigevNotify.SIGEV_THREAD_ID


@record
class ItimerSpec:
    """``struct itimerspec``: the time to the next expiry (0: disarmed) and the period
    (0: one-shot), in integer nanoseconds, with float-second views."""

    it_value_ns: int
    it_interval_ns: int = 0

    @property
    def it_value(self) -> float:
        return self.it_value_ns / _NS_PER_S

    @property
    def it_interval(self) -> float:
        return self.it_interval_ns / _NS_PER_S


def _sigpending_hint() -> str:
    import resource  # here: only an error's note needs it

    soft, hard = resource.getrlimit(resource.RLIMIT_SIGPENDING)
    return (
        f"RLIMIT_SIGPENDING is {soft} (hard {hard}): each timer reserves one queued signal "
        "of the user's quota"
    )


_BAD_TIMER: Final = (
    "timerid is not a valid timer (sysapi never passes one: a deleted PosixTimer raises "
    "ValueError before glibc; only a delete() from another thread during a gettime() or "
    "getoverrun() can let the kernel see the deleted id)"
)
_EFAULT: Final = "a pointer argument points outside the address space"

TIMER_CREATE_SPEC: Final = spec(
    "timer_create",
    [
        notes(
            errno.EAGAIN,
            "no resources: the user's queued-signal limit (RLIMIT_SIGPENDING) is reached, or "
            "(callback timers) sysapi's dispatch thread could not be started",
        ),
        notes(
            errno.EINVAL,
            "clockid is not a valid clock, or the sigevent is invalid (sigev_signo is not a "
            "signal, SIGEV_THREAD_ID names no thread of this process)",
        ),
        notes(errno.ENOTSUP, "the clock is valid but has no timers (CLOCK_MONOTONIC_RAW)"),
        man(errno.ENOMEM, "the kernel or glibc could not allocate memory"),
        man(
            errno.EPERM,
            "clockid is an alarm clock (CLOCK_*_ALARM) and the caller lacks CAP_WAKE_ALARM",
        ),
        kernel(
            errno.EFAULT,
            "sevp or timerid points outside the address space (sysapi's shim passes its own "
            "sigevent and timer id, so only a C caller meets it)",
            "nothing: neither the notes nor timer_create(2) list it",
        ),
    ],
    hints={errno.EAGAIN: _sigpending_hint},
)

TIMER_SETTIME_SPEC: Final = spec(
    "timer_settime",
    [
        man(
            errno.EINVAL,
            "new_value has a negative time or a tv_nsec outside 0..999999999; or " + _BAD_TIMER,
        ),
        man(errno.EFAULT, _EFAULT),
    ],
)

TIMER_GETTIME_SPEC: Final = spec(
    "timer_gettime",
    [notes(errno.EFAULT, _EFAULT), notes(errno.EINVAL, _BAD_TIMER)],
)

TIMER_GETOVERRUN_SPEC: Final = spec("timer_getoverrun", [notes(errno.EINVAL, _BAD_TIMER)])

TIMER_DELETE_SPEC: Final = spec("timer_delete", [notes(errno.EINVAL, _BAD_TIMER)])


# ---- the callback registry ----

#: key → (callback, value, on_error) of each live SIGEV_THREAD timer. Keys are never reused,
#: so a late expiry of a deleted timer can never reach another timer's callback.
_callbacks: dict[int, tuple[Callable[[Any], object], Any, Callable[[BaseException], object] | None]]
_callbacks = {}
_keys = itertools.count(1)
#: Every open timer, for deletion at exit and forgetting after fork, under _live_lock: a
#: weakref.WeakSet made with the first timer (importing weakref costs 0.5 ms).
_live: weakref.WeakSet[PosixTimer] | None = None
_live_lock = _thread.RLock()
#: How long interpreter exit waits for callbacks still running in Python.
_EXIT_WAIT_MS: Final = 5000


class _Delivery(_thread._local):  # threading.local is _thread._local
    """The delivery being run on this thread (the dispatch thread runs one at a time)."""

    key: int = 0
    overrun: int = 0


_delivery = _Delivery()


def _fire(key: int, overrun: int) -> None:
    """Run on the dispatch thread (holding the GIL, taken by cffi). ``overrun`` is the
    expiry's ``si_overrun``."""
    entry = _callbacks.get(key)
    if entry is None:  # deleted (or forked away): the expiry is dropped
        return
    callback, value, on_error = entry
    _delivery.key, _delivery.overrun = key, overrun
    try:
        callback(value)
    except BaseException as exc:
        if on_error is None:
            raise  # cffi hands it to sys.unraisablehook
        on_error(exc)  # and, should on_error raise too, that goes to sys.unraisablehook
    finally:
        _delivery.key = 0


# The extern "Python" function of _ffi/timers.py (types-cffi mistypes def_extern's result).
_ffi: Any = ffi
_ffi.def_extern(name="sysapi_timer_fire")(_fire)


def _shutdown() -> None:
    """atexit: delete every timer, then let no callback enter Python again."""
    with _live_lock:
        timers = list(_live or ())
    for timer in timers:
        try:  # noqa: SIM105 (contextlib.suppress: contextlib costs 0.6 ms to import)
            timer.delete()
        except Exception:
            pass
    # A callback may still be running on the dispatch thread: close the gate and wait (GIL
    # released) for it to return.
    lib.sysapi_timers_close_gate(_EXIT_WAIT_MS)
    _callbacks.clear()


def _after_fork_in_child() -> None:
    """Timers are not inherited across fork: forget the parent's, without calling glibc."""
    global _live_lock
    lib.sysapi_timers_after_fork()
    _live_lock = _thread.RLock()  # another thread may have held it at the fork
    for timer in list(_live or ()):
        timer._forget()
    if _live is not None:
        _live.clear()
    _callbacks.clear()


atexit.register(_shutdown)
os.register_at_fork(after_in_child=_after_fork_in_child)


class PosixTimer:
    """A POSIX per-process timer (``timer_create``), deleted by :meth:`delete` (= :meth:`close`),
    on context exit, at interpreter exit, or (with a ``ResourceWarning``) when
    garbage-collected.

    The notify mode follows from the arguments:

    - ``callback``: SIGEV_THREAD. ``callback(value)`` runs on sysapi's dispatch thread, a C
      thread shared by all callback timers, one callback at a time (glibc would start a
      thread per expiry). Expiries while a callback runs are not lost: the next delivery
      counts them in its overrun (:meth:`getoverrun`). An exception goes to ``on_error(exc)``
      when given, else to ``sys.unraisablehook``; either way the timer keeps running. A
      callback already running when the timer is deleted finishes; none starts afterwards.
    - ``signo``: SIGEV_SIGNAL, the signal ``signo`` with ``si_value.sival_int = value`` and
      ``si_code = SI_TIMER``; with ``thread_id`` too, SIGEV_THREAD_ID (Linux): the signal goes
      to that thread (a native thread id of this process, ``threading.get_native_id()``).
    - neither: SIGEV_NONE, nothing is delivered; poll with :meth:`gettime`.

    The timer is created disarmed; :meth:`settime` arms it. Thread-safe.
    """

    __slots__ = (
        "__weakref__",
        "_cur",
        "_handle",
        "_id",
        "_key",
        "_lock",
        "_view",
        "clockid",
        "notify",
    )

    _id: Any
    _handle: int | None  # _id as an integer, for the native functions
    clockid: int
    notify: SigevNotify

    @documents(TIMER_CREATE_SPEC)
    def __init__(
        self,
        clockid: int = CLOCK_MONOTONIC,
        *,
        callback: Callable[[Any], object] | None = None,
        signo: int | None = None,
        value: int = 0,
        thread_id: int | None = None,
        on_error: Callable[[BaseException], object] | None = None,
    ) -> None:
        """Create a timer on ``clockid`` (see the class docstring for the notify modes)."""
        self._id = None
        self._handle = None
        self._key = 0
        self._lock = _thread.allocate_lock()
        # The struct itimerspec of settime, used under _lock only.
        self._cur = ffi.new("int64_t[4]")
        self._view = ffi.buffer(self._cur)
        clockid = operator.index(clockid)
        value = operator.index(value)
        if callback is not None:
            if signo is not None or thread_id is not None:
                raise ValueError("callback (SIGEV_THREAD) excludes signo and thread_id")
            if not callable(callback):
                raise TypeError(f"callback must be callable, not {type(callback).__name__}")
            notify = SIGEV_THREAD
        elif thread_id is not None:
            if signo is None:
                raise ValueError("thread_id (SIGEV_THREAD_ID) needs signo")
            notify = SIGEV_THREAD_ID
        elif signo is not None:
            notify = SIGEV_SIGNAL
        else:
            notify = SIGEV_NONE
        if on_error is not None and not callable(on_error):
            raise TypeError(f"on_error must be callable, not {type(on_error).__name__}")
        if on_error is not None and callback is None:
            raise ValueError("on_error is for callback timers")
        signo_int = 0 if signo is None else operator.index(signo)
        tid = 0 if thread_id is None else operator.index(thread_id)
        box = ffi.new("void **")
        key = 0
        if notify is SIGEV_THREAD:
            assert callback is not None
            key = next(_keys)
            _callbacks[key] = (callback, value, on_error)
            value = 0  # the sigval carries the key; the value stays in Python
        try:
            _syscall.call(
                TIMER_CREATE_SPEC,
                lib.sysapi_timer_create,
                clockid,
                int(notify),
                signo_int,
                value,
                key,
                tid,
                box,
            )
        except BaseException:
            _callbacks.pop(key, None)
            raise
        self._id = box[0]
        self._handle = int(ffi.cast("uintptr_t", box[0]))
        self._key = key
        self.clockid = clockid
        self.notify = notify
        global _live
        with _live_lock:
            if _live is None:
                import weakref

                _live = weakref.WeakSet()
            _live.add(self)

    def _timer_id(self) -> Any:
        timer_id = self._id
        if timer_id is None:
            raise ValueError("operation on a deleted PosixTimer")
        return timer_id

    @property
    def closed(self) -> bool:
        """True once the timer is deleted."""
        return self._id is None

    @documents(TIMER_SETTIME_SPEC)
    def settime_ns(
        self, initial_ns: int, interval_ns: int = 0, *, absolute: bool = False
    ) -> ItimerSpec:
        """Arm the timer: first expiry after ``initial_ns`` (or when the clock reads it, with
        ``absolute=True``), then every ``interval_ns`` (0: once). ``initial_ns=0`` disarms.
        Returns the previous setting."""
        return _settime(self, TIMER_ABSTIME if absolute else 0, initial_ns, interval_ns)

    @documents(TIMER_SETTIME_SPEC)
    def settime(
        self, initial: float, interval: float = 0.0, *, absolute: bool = False
    ) -> ItimerSpec:
        """:meth:`settime_ns` in float seconds."""
        return self.settime_ns(_seconds_to_ns(initial), _seconds_to_ns(interval), absolute=absolute)

    @documents(TIMER_GETTIME_SPEC)
    def gettime(self) -> ItimerSpec:
        """The time to the next expiry (0: disarmed) and the period."""
        # No lock (the reads are what a polling loop calls): a delete() from another thread
        # during this call can at worst let the kernel see the deleted id, EINVAL. Linux hands
        # out a process's timer ids in a cycle of 2**31, so the id cannot name a new timer
        # meanwhile. The ItimerSpec is built in C (sysapi._native).
        handle = self._handle
        if handle is None:
            raise ValueError("operation on a deleted PosixTimer")
        spec = _timer_gettime(handle)
        if type(spec) is int:
            _syscall.raise_errno(spec, TIMER_GETTIME_SPEC)
        # type() rules the int out (isinstance, which mypy would follow, costs a lookup more).
        return spec  # type: ignore[return-value]

    @documents(TIMER_GETOVERRUN_SPEC)
    def getoverrun(self) -> int:
        """The expirations that were not notified separately, for the last notification (the
        signal was still pending, or the dispatch thread was busy); at most
        :data:`DELAYTIMER_MAX`.

        Called from the timer's own callback, it returns that delivery's ``si_overrun``:
        ``timer_getoverrun`` itself reports the last expiry dequeued, maybe a later one.
        """
        if self._key and _delivery.key == self._key:
            self._timer_id()
            return _delivery.overrun
        handle = self._handle  # no lock: see gettime()
        if handle is None:
            raise ValueError("operation on a deleted PosixTimer")
        result = _timer_getoverrun(handle)
        if result < 0:
            _syscall.raise_errno(-result, TIMER_GETOVERRUN_SPEC)
        return result

    @documents(TIMER_DELETE_SPEC)
    def delete(self) -> None:
        """Disarm and delete the timer; later expiries are dropped. Idempotent."""
        self._delete(strict=False)

    close = delete

    def _delete(self, *, strict: bool) -> None:
        with self._lock:
            timer_id = self._id
            if timer_id is None:
                if strict:
                    raise ValueError("timer_delete of a deleted PosixTimer")
                return
            self._id = self._handle = None
            _callbacks.pop(self._key, None)  # before glibc: a late expiry finds nothing
            result = lib.sysapi_timer_delete(timer_id)
        with _live_lock:
            if _live is not None:
                _live.discard(self)
        _syscall.check(result, TIMER_DELETE_SPEC)

    def _forget(self) -> None:
        """In a forked child: the kernel timer belongs to the parent."""
        self._id = self._handle = None
        self._lock = _thread.allocate_lock()

    def __enter__(self) -> PosixTimer:
        self._timer_id()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.delete()

    def __del__(self) -> None:
        if getattr(self, "_id", None) is None:
            return
        try:  # noqa: SIM105 (as in _shutdown)
            _warnings.warn(f"unclosed {self!r}", ResourceWarning, stacklevel=2, source=self)
        except Exception:
            pass
        try:  # noqa: SIM105
            self.delete()
        except Exception:
            pass

    def __repr__(self) -> str:
        state = "deleted" if self._id is None else "open"
        clockid = getattr(self, "clockid", None)
        notify = getattr(self, "notify", None)
        name = notify.name if notify is not None else "?"
        return f"<PosixTimer {state} clockid={clockid} {name}>"


def _seconds_to_ns(seconds: float) -> int:
    if isinstance(seconds, int):
        return seconds * _NS_PER_S
    if not isinstance(seconds, float):
        raise TypeError(f"expected seconds as int or float, not {type(seconds).__name__}")
    return round(seconds * _NS_PER_S)  # ValueError for NaN, OverflowError for infinity


_timer_gettime: Final[Callable[[int], ItimerSpec | int]] = _native.timer_gettime
_timer_getoverrun: Final = _native.timer_getoverrun
_native.timers_bind(ItimerSpec)
#: The four int64_t of the shims' itimerspec: value sec, nsec, interval sec, nsec.
_unpack_itimerspec: Final = struct.Struct("=4q").unpack_from


def _settime(timer: PosixTimer, flags: int, initial_ns: int, interval_ns: int) -> ItimerSpec:
    value_sec, value_nsec = _split_ns(operator.index(initial_ns))
    interval_sec, interval_nsec = _split_ns(operator.index(interval_ns))
    flags = operator.index(flags)
    with timer._lock:
        result = lib.sysapi_timer_settime(
            timer._timer_id(), flags, value_sec, value_nsec, interval_sec, interval_nsec, timer._cur
        )
        old = _unpack_itimerspec(timer._view)
    _syscall.check(result, TIMER_SETTIME_SPEC)
    return ItimerSpec(old[0] * _NS_PER_S + old[1], old[2] * _NS_PER_S + old[3])


def _require_timer(timer: object) -> PosixTimer:
    if not isinstance(timer, PosixTimer):
        raise TypeError(f"expected a PosixTimer, not {type(timer).__name__}")
    return timer


@documents(TIMER_CREATE_SPEC)
def timer_create(
    clockid: int = CLOCK_MONOTONIC,
    *,
    callback: Callable[[Any], object] | None = None,
    signo: int | None = None,
    value: int = 0,
    thread_id: int | None = None,
    on_error: Callable[[BaseException], object] | None = None,
) -> PosixTimer:
    """Create a disarmed timer: the same as :class:`PosixTimer` with these arguments."""
    return PosixTimer(
        clockid,
        callback=callback,
        signo=signo,
        value=value,
        thread_id=thread_id,
        on_error=on_error,
    )


@documents(TIMER_SETTIME_SPEC)
def timer_settime(timer: PosixTimer, flags: int, initial_ns: int, interval_ns: int) -> ItimerSpec:
    """Arm ``timer`` (``flags``: 0 or ``TIMER_ABSTIME``; the kernel ignores other bits) and
    return its previous setting. ``initial_ns=0`` disarms."""
    return _settime(_require_timer(timer), flags, initial_ns, interval_ns)


@documents(TIMER_GETTIME_SPEC)
def timer_gettime(timer: PosixTimer) -> ItimerSpec:
    """The time to ``timer``'s next expiry and its period."""
    return _require_timer(timer).gettime()


@documents(TIMER_GETOVERRUN_SPEC)
def timer_getoverrun(timer: PosixTimer) -> int:
    """The overrun count of ``timer``'s last notification."""
    return _require_timer(timer).getoverrun()


@documents(TIMER_DELETE_SPEC)
def timer_delete(timer: PosixTimer) -> None:
    """Delete ``timer``. Unlike :meth:`PosixTimer.delete`, deleting twice raises ValueError
    (glibc would be handed a dangling id)."""
    _require_timer(timer)._delete(strict=True)
