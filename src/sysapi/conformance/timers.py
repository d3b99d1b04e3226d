"""Reference cases of the timers area (timer_*) and the clock area (clock_nanosleep, adjtimex,
clock_adjtime).

No case changes the clock: as root, the write paths only use values the kernel rejects while
validating, before anything changes; the EPERM cases run as uid 65534 and refuse to run
otherwise.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
from collections.abc import Callable
from typing import Any

from sysapi import _syscall, clock, timers
from sysapi._sysapi import ffi, lib
from sysapi.conformance import Case, Context, NotProvokable
from sysapi.errors import ErrorSpec, SysapiError

TIMERS = "timers"
CLOCK = "clock"

_NO_POINTER = (
    "sysapi passes only buffers it allocates itself: no Python argument can become a bad pointer"
)
_NO_MEMORY = "needs the kernel or glibc to run out of memory"
#: Mode bit 0x8000 (ADJ_ADJTIME) without the rest of ADJ_OFFSET_SINGLESHOT: rejected by the
#: kernel's validation, for any caller, before anything changes.
_ADJ_ADJTIME_ALONE = clock.AdjMode(0x8000)
#: Far below 900000/USER_HZ: the kernel rejects it while validating, before anything changes.
_BAD_TICK = 1


def _require_unprivileged() -> None:
    # Defence in depth for the clock-writing cases: they must never run with CAP_SYS_TIME.
    if os.geteuid() == 0:
        raise NotProvokable("still uid 0 after dropping privileges: refusing to write the clock")


def _create_unprivileged_sigpending(ctx: Context) -> None:
    ctx.drop_privileges(rlimits={resource.RLIMIT_SIGPENDING: 0})
    timers.PosixTimer(clock.CLOCK_MONOTONIC, signo=signal.SIGRTMIN).delete()


def _create_alarm_unprivileged(ctx: Context) -> None:
    ctx.drop_privileges()
    try:
        timers.PosixTimer(clock.CLOCK_REALTIME_ALARM).delete()
    except SysapiError as exc:
        if exc.errno == errno.EOPNOTSUPP:
            raise NotProvokable(
                "no RTC device: the alarm clocks answer EOPNOTSUPP before the capability check"
            ) from None
        raise


def _settime(initial_ns: int) -> Callable[[Context], object]:
    def provoke(ctx: Context) -> None:
        with timers.PosixTimer() as timer:
            timers.timer_settime(timer, 0, initial_ns, 0)

    return provoke


def _on_deleted_timer(call: Callable[[timers.PosixTimer], object]) -> Callable[[Context], object]:
    """The deleted-timer EINVAL: sysapi refuses before glibc, whose own SIGEV_THREAD ids are
    pointers it frees on delete (a stale one crashes it)."""

    def provoke(ctx: Context) -> None:
        timer = timers.PosixTimer(callback=lambda value: None)
        timer.delete()
        try:
            call(timer)
        except ValueError as exc:
            raise NotProvokable(
                f"sysapi raised ValueError ({exc}) before glibc: a deleted PosixTimer never "
                "reaches the kernel (the stale-id case shows the kernel's EINVAL)"
            ) from None
        except SysapiError as exc:
            raise AssertionError(f"a deleted timer reached glibc: {exc}") from None
        raise AssertionError("a deleted timer was accepted")

    return provoke


def _stale_kernel_id(call: Callable[[Any], int], spec: ErrorSpec) -> Callable[[Context], object]:
    """The kernel's own EINVAL for a timer id it no longer knows, through the shim (below
    PosixTimer's guard). sysapi creates every timer as a kernel timer (callback timers too,
    by SIGEV_THREAD_ID to its dispatch thread), and glibc passes those ids straight to the
    kernel: only glibc's own SIGEV_THREAD ids are pointers that a stale use would crash on."""

    def provoke(ctx: Context) -> None:
        timer = timers.PosixTimer()
        stale = timer._id
        timer.delete()
        _syscall.check(call(stale), spec)

    return provoke


def _nanosleep_interrupted(ctx: Context) -> None:
    handled = []
    signal.signal(signal.SIGALRM, lambda signo, frame: handled.append(signo))
    signal.setitimer(signal.ITIMER_REAL, 0.02)
    left = clock.clock_nanosleep(clock.CLOCK_MONOTONIC, 0, 100_000_000)
    if not handled:
        raise NotProvokable("SIGALRM did not arrive during the sleep")
    if left != 0:
        raise AssertionError(f"the retried sleep returned {left} ns left")


def _adjtimex_tick_unprivileged(ctx: Context) -> None:
    ctx.drop_privileges()
    _require_unprivileged()
    clock.adjtimex(clock.Timex(modes=clock.ADJ_TICK, tick=_BAD_TICK))


def _adjtimex_ss_read_unprivileged(ctx: Context) -> None:
    ctx.drop_privileges()
    _require_unprivileged()
    clock.adjtimex(clock.Timex(modes=clock.ADJ_OFFSET_SS_READ))


def _clock_adjtime_tick_unprivileged(ctx: Context) -> None:
    ctx.drop_privileges()
    _require_unprivileged()
    clock.clock_adjtime(clock.CLOCK_REALTIME, clock.Timex(modes=clock.ADJ_TICK, tick=_BAD_TICK))


CASES: list[Case] = [
    # timer_create
    Case(
        TIMERS,
        "timer_create",
        errno.EAGAIN,
        "RLIMIT_SIGPENDING 0",
        _create_unprivileged_sigpending,
        unprivileged=True,
    ),
    Case(
        TIMERS,
        "timer_create",
        errno.EINVAL,
        "clock id 12345",
        lambda ctx: timers.PosixTimer(12345),
    ),
    Case(
        TIMERS,
        "timer_create",
        errno.EINVAL,
        "sigevent with signal 999",
        lambda ctx: timers.PosixTimer(signo=999),
    ),
    Case(
        TIMERS,
        "timer_create",
        errno.EINVAL,
        "SIGEV_THREAD_ID to a thread of another process (pid 1)",
        lambda ctx: timers.PosixTimer(signo=signal.SIGUSR1, thread_id=1),
    ),
    Case(
        TIMERS,
        "timer_create",
        errno.ENOTSUP,
        "CLOCK_MONOTONIC_RAW",
        lambda ctx: timers.PosixTimer(clock.CLOCK_MONOTONIC_RAW),
    ),
    Case(TIMERS, "timer_create", errno.ENOMEM, "out of memory", reason=_NO_MEMORY),
    Case(
        TIMERS,
        "timer_create",
        errno.EPERM,
        "CLOCK_REALTIME_ALARM without CAP_WAKE_ALARM",
        _create_alarm_unprivileged,
        unprivileged=True,
    ),
    # timer_settime
    Case(
        TIMERS,
        "timer_settime",
        errno.EINVAL,
        "it_value of -1 ns (tv_nsec -1, outside 0..999999999)",
        _settime(-1),
    ),
    Case(
        TIMERS,
        "timer_settime",
        errno.EINVAL,
        "it_value of -1 s (tv_sec < 0)",
        _settime(-1_000_000_000),
    ),
    Case(
        TIMERS,
        "timer_settime",
        errno.EINVAL,
        "deleted timer",
        _on_deleted_timer(lambda t: timers.timer_settime(t, 0, 1_000_000, 0)),
        fork=True,
    ),
    Case(
        TIMERS,
        "timer_settime",
        errno.EINVAL,
        "stale kernel timer id (the shim, below PosixTimer's guard)",
        _stale_kernel_id(
            lambda t: lib.sysapi_timer_settime(t, 0, 1, 0, 0, 0, ffi.new("int64_t[4]")),
            timers.TIMER_SETTIME_SPEC,
        ),
    ),
    Case(TIMERS, "timer_settime", errno.EFAULT, "bad pointer", reason=_NO_POINTER),
    # timer_gettime, timer_getoverrun, timer_delete
    Case(
        TIMERS,
        "timer_gettime",
        errno.EINVAL,
        "deleted timer",
        _on_deleted_timer(timers.timer_gettime),
        fork=True,
    ),
    Case(
        TIMERS,
        "timer_gettime",
        errno.EINVAL,
        "stale kernel timer id (the shim, below PosixTimer's guard)",
        _stale_kernel_id(
            lambda t: lib.sysapi_timer_gettime(t, ffi.new("int64_t[4]")), timers.TIMER_GETTIME_SPEC
        ),
    ),
    Case(TIMERS, "timer_gettime", errno.EFAULT, "bad pointer", reason=_NO_POINTER),
    Case(
        TIMERS,
        "timer_getoverrun",
        errno.EINVAL,
        "deleted timer",
        _on_deleted_timer(timers.timer_getoverrun),
        fork=True,
    ),
    Case(
        TIMERS,
        "timer_getoverrun",
        errno.EINVAL,
        "stale kernel timer id (the shim, below PosixTimer's guard)",
        _stale_kernel_id(lib.sysapi_timer_getoverrun, timers.TIMER_GETOVERRUN_SPEC),
    ),
    Case(
        TIMERS,
        "timer_delete",
        errno.EINVAL,
        "timer deleted twice",
        _on_deleted_timer(timers.timer_delete),
        fork=True,
    ),
    Case(
        TIMERS,
        "timer_delete",
        errno.EINVAL,
        "stale kernel timer id (the shim, below PosixTimer's guard)",
        _stale_kernel_id(lib.sysapi_timer_delete, timers.TIMER_DELETE_SPEC),
    ),
    # clock_nanosleep
    Case(
        CLOCK,
        "clock_nanosleep",
        errno.EINVAL,
        "clock id 12345",
        lambda ctx: clock.clock_nanosleep(12345, 0, 1),
    ),
    Case(
        CLOCK,
        "clock_nanosleep",
        errno.EINVAL,
        "CLOCK_THREAD_CPUTIME_ID",
        lambda ctx: clock.clock_nanosleep(clock.CLOCK_THREAD_CPUTIME_ID, 0, 1),
    ),
    Case(
        CLOCK,
        "clock_nanosleep",
        errno.EINVAL,
        "-1 ns (tv_nsec -1, outside 0..999999999)",
        lambda ctx: clock.clock_nanosleep(clock.CLOCK_MONOTONIC, 0, -1),
    ),
    Case(CLOCK, "clock_nanosleep", errno.EFAULT, "bad pointer", reason=_NO_POINTER),
    Case(
        CLOCK,
        "clock_nanosleep",
        errno.EINTR,
        "SIGALRM handler that returns, 20 ms into a 100 ms sleep: slept again (PEP 475)",
        _nanosleep_interrupted,
        expect=0,
        fork=True,
    ),
    Case(
        CLOCK,
        "clock_nanosleep",
        errno.EOPNOTSUPP,
        "CLOCK_MONOTONIC_RAW",
        lambda ctx: clock.clock_nanosleep(clock.CLOCK_MONOTONIC_RAW, 0, 1),
    ),
    # adjtimex
    Case(
        CLOCK,
        "adjtimex",
        errno.EINVAL,
        "modes 0x8000 (ADJ_ADJTIME without SINGLESHOT)",
        lambda ctx: clock.adjtimex(clock.Timex(modes=_ADJ_ADJTIME_ALONE)),
    ),
    Case(
        CLOCK,
        "adjtimex",
        errno.EINVAL,
        "ADJ_TICK with tick 1 (out of range, rejected before any change)",
        lambda ctx: clock.adjtimex(clock.Timex(modes=clock.ADJ_TICK, tick=_BAD_TICK)),
        root=True,
    ),
    Case(
        CLOCK,
        "adjtimex",
        errno.EPERM,
        "ADJ_TICK without CAP_SYS_TIME",
        _adjtimex_tick_unprivileged,
        unprivileged=True,
    ),
    Case(
        CLOCK,
        "adjtimex",
        errno.EPERM,
        "ADJ_OFFSET_SS_READ (non-zero but read-only) without CAP_SYS_TIME",
        _adjtimex_ss_read_unprivileged,
        expect=0,
        unprivileged=True,
    ),
    Case(CLOCK, "adjtimex", errno.EFAULT, "bad pointer", reason=_NO_POINTER),
    # clock_adjtime
    Case(
        CLOCK,
        "clock_adjtime",
        errno.EINVAL,
        "clock id 12345",
        lambda ctx: clock.clock_adjtime(12345),
    ),
    Case(
        CLOCK,
        "clock_adjtime",
        errno.EINVAL,
        "modes 0x8000 on CLOCK_REALTIME",
        lambda ctx: clock.clock_adjtime(
            clock.CLOCK_REALTIME, clock.Timex(modes=_ADJ_ADJTIME_ALONE)
        ),
    ),
    Case(
        CLOCK,
        "clock_adjtime",
        errno.EOPNOTSUPP,
        "reading CLOCK_MONOTONIC",
        lambda ctx: clock.clock_adjtime(clock.CLOCK_MONOTONIC),
    ),
    Case(
        CLOCK,
        "clock_adjtime",
        errno.EPERM,
        "ADJ_TICK on CLOCK_REALTIME without CAP_SYS_TIME",
        _clock_adjtime_tick_unprivileged,
        unprivileged=True,
    ),
    Case(
        CLOCK,
        "clock_adjtime",
        errno.ENODEV,
        "unplugged PTP clock",
        reason="needs a hot-pluggable dynamic clock (a PTP device) that disappears while open",
    ),
    Case(CLOCK, "clock_adjtime", errno.EFAULT, "bad pointer", reason=_NO_POINTER),
]
