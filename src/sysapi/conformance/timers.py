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
from sysapi.conformance._support import WRITES_AFTER, bad, by_call, shim_in_child
from sysapi.errors import ErrorSpec, SysapiError

TIMERS = "timers"
CLOCK = "clock"

_NO_MEMORY = "needs the kernel or glibc to run out of memory"
_QEMU_SIGRTMAX = (
    "the callback timer this case deletes cannot be made: qemu-user keeps the host's highest "
    "real-time signals for itself and maps no host signal to the guest's SIGRTMAX, which "
    "callback timers use (timer_create answers EINVAL)"
)
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


# ---- conditions through the shims; bad pointers ---------------------------------------------

#: The bit above every SIGEV_* value: the invalid sigev_notify of LTP's CVE-2017-18344
#: regression test (before 4.14.8 the kernel accepted it, and /proc/PID/timers then read out
#: of bounds).
_BAD_NOTIFY = (lib.SIGEV_SIGNAL | lib.SIGEV_NONE | lib.SIGEV_THREAD | lib.SIGEV_THREAD_ID) + 1
#: One above the largest tick the kernel accepts (1100000 / USER_HZ µs): rejected while
#: validating, before anything changes.
_TICK_ABOVE_MAX = 1_100_000 // os.sysconf("SC_CLK_TCK") + 1
_ONE_SECOND = 1_000_000_000
#: Why a bad pointer never reaches the kernel through these shims.
_READS_FIRST = "the shim copies *buf into a struct timex of its own before the call"


def _new_timer() -> Any:
    """A SIGEV_NONE timer made through the shim: the calling process's own, never inherited."""
    out = ffi.new("void **")
    result = lib.sysapi_timer_create(lib.CLOCK_MONOTONIC, lib.SIGEV_NONE, 0, 0, 0, 0, out)
    _syscall.check(result, timers.TIMER_CREATE_SPEC)
    return out[0]


def _create_bad_notify(ctx: Context) -> None:
    out = ffi.new("void **")
    result = lib.sysapi_timer_create(lib.CLOCK_MONOTONIC, _BAD_NOTIFY, signal.SIGUSR1, 0, 0, 0, out)
    if result >= 0:  # a kernel without the fix: do not keep the timer
        lib.sysapi_timer_delete(out[0])
    _syscall.check(result, timers.TIMER_CREATE_SPEC)


def _settime_raw(value_nsec: int, interval_nsec: int) -> Callable[[Context], object]:
    """timer_settime through the shim, with tv_nsec values PosixTimer never produces."""

    def provoke(ctx: Context) -> None:
        timer = _new_timer()
        ctx.defer(lib.sysapi_timer_delete, timer)
        old = ffi.new("int64_t[4]")
        result = lib.sysapi_timer_settime(timer, 0, 0, value_nsec, 0, interval_nsec, old)
        _syscall.check(result, timers.TIMER_SETTIME_SPEC)

    return provoke


def _alarms(ctx: Context) -> None:
    """SIGALRM every 20 ms to a Python handler (no SA_RESTART), until the case ends."""
    old = signal.signal(signal.SIGALRM, lambda signo, frame: None)
    ctx.defer(signal.signal, signal.SIGALRM, old)
    ctx.defer(signal.setitimer, signal.ITIMER_REAL, 0)
    signal.setitimer(signal.ITIMER_REAL, 0.02, 0.02)


def _nanosleep_eintr_raw(ctx: Context) -> None:
    _alarms(ctx)
    out = ffi.new("int64_t[3]")
    result = lib.sysapi_clock_nanosleep(lib.CLOCK_MONOTONIC, 0, 10, 0, out)
    if result == -errno.EINTR:
        left = out[0] * _ONE_SECOND + out[1]
        if not 0 < left <= 10 * _ONE_SECOND:
            raise AssertionError(f"EINTR with {left} ns left of a 10 s request")
    _syscall.check(result, clock.CLOCK_NANOSLEEP_SPEC)


def _nanosleep_fault() -> int:
    # In the forked child: the alarms interrupt the sleep, and the shim then stores the
    # remaining time through the bad pointer.
    signal.signal(signal.SIGALRM, lambda signo, frame: None)
    signal.setitimer(signal.ITIMER_REAL, 0.02, 0.02)
    return int(lib.sysapi_clock_nanosleep(lib.CLOCK_MONOTONIC, 0, 10, 0, bad("int64_t *")))


def _tick_above_max(adjust: Callable[[clock.Timex], object]) -> Callable[[Context], object]:
    def provoke(ctx: Context) -> None:
        before = clock.adjtimex().timex.tick  # read-only
        adjust(clock.Timex(modes=clock.ADJ_TICK, tick=_TICK_ABOVE_MAX))
        # Reached only on a kernel that accepted it: put the tick back at once.
        clock.adjtimex(clock.Timex(modes=clock.ADJ_TICK, tick=before))

    return provoke


CONDITION_CASES: list[Case] = [
    Case(
        TIMERS,
        "timer_create",
        errno.EINVAL,
        f"sigev_notify {_BAD_NOTIFY}, through the shim (CVE-2017-18344 regression)",
        _create_bad_notify,
    ),
    Case(
        TIMERS,
        "timer_create",
        errno.EFAULT,
        "timerid (void **)-1, to the shim in a forked child",
        lambda ctx: shim_in_child(
            timers.TIMER_CREATE_SPEC,
            lambda: lib.sysapi_timer_create(
                lib.CLOCK_MONOTONIC, lib.SIGEV_NONE, 0, 0, 0, 0, bad("void **")
            ),
            crashes=WRITES_AFTER,
        ),
    ),
    Case(
        TIMERS,
        "timer_settime",
        errno.EINVAL,
        "it_value.tv_nsec 1000000000, through the shim",
        _settime_raw(_ONE_SECOND, 0),
    ),
    Case(
        TIMERS,
        "timer_settime",
        errno.EINVAL,
        "it_interval.tv_nsec 1000000000, through the shim",
        _settime_raw(0, _ONE_SECOND),
    ),
    Case(
        TIMERS,
        "timer_settime",
        errno.EFAULT,
        "old_value (int64_t *)-1, to the shim in a forked child",
        lambda ctx: shim_in_child(
            timers.TIMER_SETTIME_SPEC,
            lambda: lib.sysapi_timer_settime(_new_timer(), 0, 0, 0, 0, 0, bad("int64_t *")),
            crashes=WRITES_AFTER,
        ),
    ),
    Case(
        TIMERS,
        "timer_gettime",
        errno.EFAULT,
        "curr_value (int64_t *)-1, to the shim in a forked child",
        lambda ctx: shim_in_child(
            timers.TIMER_GETTIME_SPEC,
            lambda: lib.sysapi_timer_gettime(_new_timer(), bad("int64_t *")),
            crashes=WRITES_AFTER,
        ),
    ),
    Case(
        CLOCK,
        "clock_nanosleep",
        errno.EINTR,
        "thin layer: SIGALRM handler interrupts a 10 s sleep; 0 < remaining <= request",
        _nanosleep_eintr_raw,
        fork=True,
    ),
    Case(
        CLOCK,
        "clock_nanosleep",
        errno.EFAULT,
        "interrupted, remaining-time out (int64_t *)-1, to the shim in a forked child",
        lambda ctx: shim_in_child(
            clock.CLOCK_NANOSLEEP_SPEC,
            _nanosleep_fault,
            crashes="the shim takes the request by value and stores the remaining time "
            "through out after EINTR",
        ),
    ),
    Case(
        CLOCK,
        "adjtimex",
        errno.EINVAL,
        f"ADJ_TICK with tick {_TICK_ABOVE_MAX}, above the maximum (rejected before any change)",
        _tick_above_max(clock.adjtimex),
        root=True,
    ),
    Case(
        CLOCK,
        "adjtimex",
        errno.EFAULT,
        "buf (struct sysapi_timex *)-1, to the shim in a forked child",
        lambda ctx: shim_in_child(
            clock.ADJTIMEX_SPEC,
            lambda: lib.sysapi_adjtimex(bad("struct sysapi_timex *")),
            crashes=_READS_FIRST,
        ),
    ),
    Case(
        CLOCK,
        "clock_adjtime",
        errno.EINVAL,
        f"ADJ_TICK with tick {_TICK_ABOVE_MAX} on CLOCK_REALTIME, above the maximum "
        "(rejected before any change)",
        _tick_above_max(lambda timex: clock.clock_adjtime(clock.CLOCK_REALTIME, timex)),
        root=True,
    ),
    Case(
        CLOCK,
        "clock_adjtime",
        errno.EFAULT,
        "buf (struct sysapi_timex *)-1 on CLOCK_REALTIME, to the shim in a forked child",
        lambda ctx: shim_in_child(
            clock.CLOCK_ADJTIME_SPEC,
            lambda: lib.sysapi_clock_adjtime(lib.CLOCK_REALTIME, bad("struct sysapi_timex *")),
            crashes=_READS_FIRST,
        ),
    ),
]


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
        emulator=_QEMU_SIGRTMAX,
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
    # timer_gettime, timer_getoverrun, timer_delete
    Case(
        TIMERS,
        "timer_gettime",
        errno.EINVAL,
        "deleted timer",
        _on_deleted_timer(timers.timer_gettime),
        fork=True,
        emulator=_QEMU_SIGRTMAX,
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
    Case(
        TIMERS,
        "timer_getoverrun",
        errno.EINVAL,
        "deleted timer",
        _on_deleted_timer(timers.timer_getoverrun),
        fork=True,
        emulator=_QEMU_SIGRTMAX,
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
        emulator=_QEMU_SIGRTMAX,
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
]
CASES = by_call(CASES + CONDITION_CASES)
