"""clock_nanosleep, adjtimex, clock_adjtime and ``python -m sysapi timex``.

Nothing here changes the clock: adjtimex and clock_adjtime are only read, or given modes the
kernel rejects while validating (the conformance cases), or run unprivileged. No test asserts
a duration; the sleeps check their postcondition (the clock reached the deadline).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sysapi
from sysapi import clock, errors
from sysapi._sysapi import ffi
from sysapi.cli import main
from sysapi.clock import (
    ADJ_NANO,
    CLOCK_MONOTONIC,
    CLOCK_PROCESS_CPUTIME_ID,
    CLOCK_REALTIME,
    STA_NANO,
    TIMER_ABSTIME,
    AdjMode,
    ClockState,
    Timex,
    TimexStatus,
    adjtimex,
    clock_adjtime,
    clock_nanosleep,
)

MS = 1_000_000


@pytest.fixture
def sigalrm() -> Iterator[list[int]]:
    """A SIGALRM handler that records and returns; restored (and the timer cleared) after."""
    seen: list[int] = []
    old = signal.signal(signal.SIGALRM, lambda signo, frame: seen.append(signo))
    try:
        yield seen
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ---- clock_nanosleep ----


def test_relative_sleep_reaches_its_end() -> None:
    start = time.monotonic_ns()
    assert clock_nanosleep(CLOCK_MONOTONIC, 0, 5 * MS) == 0
    assert time.monotonic_ns() - start >= 5 * MS


@pytest.mark.parametrize("clockid", [CLOCK_MONOTONIC, CLOCK_REALTIME, clock.CLOCK_BOOTTIME])
def test_absolute_sleep_reaches_the_deadline(clockid: int) -> None:
    deadline = time.clock_gettime_ns(clockid) + 5 * MS
    assert clock_nanosleep(clockid, TIMER_ABSTIME, deadline) == 0
    assert time.clock_gettime_ns(clockid) >= deadline


def test_absolute_deadline_in_the_past_returns_at_once() -> None:
    assert clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, 1) == 0


def test_sleep_on_the_process_cpu_clock() -> None:
    # The process CPU clock only advances while some thread runs: keep one busy.
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            pass

    burner = threading.Thread(target=spin)
    burner.start()
    try:
        start = time.clock_gettime_ns(CLOCK_PROCESS_CPUTIME_ID)
        assert clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, 2 * MS) == 0
        assert time.clock_gettime_ns(CLOCK_PROCESS_CPUTIME_ID) - start >= 2 * MS
    finally:
        stop.set()
        burner.join()


def test_eintr_is_retried_for_the_remaining_time(sigalrm: list[int]) -> None:
    signal.setitimer(signal.ITIMER_REAL, 0.01)
    start = time.monotonic_ns()
    assert clock_nanosleep(CLOCK_MONOTONIC, 0, 60 * MS) == 0
    assert sigalrm == [signal.SIGALRM]  # the handler ran, the sleep went on
    assert time.monotonic_ns() - start >= 60 * MS


def test_eintr_absolute_is_retried_to_the_same_deadline(sigalrm: list[int]) -> None:
    deadline = time.clock_gettime_ns(CLOCK_REALTIME) + 60 * MS
    signal.setitimer(signal.ITIMER_REAL, 0.01)
    assert clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, deadline) == 0
    assert sigalrm and time.clock_gettime_ns(CLOCK_REALTIME) >= deadline


def test_without_retry_an_interrupted_sleep_returns_what_is_left(sigalrm: list[int]) -> None:
    # Repeating, so that a signal arriving before the sleep began cannot leave it unbroken.
    signal.setitimer(signal.ITIMER_REAL, 0.01, 0.01)
    left = clock_nanosleep(CLOCK_MONOTONIC, 0, 10_000 * MS, retry=False)
    assert sigalrm and 0 < left < 10_000 * MS
    deadline = time.monotonic_ns() + 10_000 * MS
    left = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, deadline, retry=False)
    assert 0 < left < 10_000 * MS


class _Stop(Exception):
    pass


def test_a_raising_handler_propagates() -> None:
    def handler(signo: int, frame: Any) -> None:
        raise _Stop

    old = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.01)  # one-shot: nothing fires after the raise
        with pytest.raises(_Stop):
            clock_nanosleep(CLOCK_MONOTONIC, 0, 10_000 * MS)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_errors_come_from_the_return_value() -> None:
    # glibc returns the error number and leaves errno alone: the binding must read the former.
    with pytest.raises(errors.EINVAL) as info:
        clock_nanosleep(12345, 0, 1)
    assert info.value.syscall == "clock_nanosleep" and info.value.documented
    with pytest.raises(errors.EOPNOTSUPP):
        clock_nanosleep(clock.CLOCK_MONOTONIC_RAW, 0, 1)
    with pytest.raises(errors.EINVAL):
        clock_nanosleep(CLOCK_MONOTONIC, 0, -1)


@pytest.mark.parametrize(
    ("args", "exc"),
    [
        ((CLOCK_MONOTONIC, 0, 0.5), TypeError),
        ((CLOCK_MONOTONIC, 0, "1"), TypeError),
        ((CLOCK_MONOTONIC, 0, 2**100), OverflowError),
        ((2**40, 0, 1), OverflowError),
    ],
)
def test_bad_input_is_refused_before_the_call(args: tuple[Any, ...], exc: type[Exception]) -> None:
    with pytest.raises(exc):
        clock_nanosleep(*args)


# Clocks that cannot block for long here (CPU clocks would wait for CPU time to pass).
_SLEEPABLE = st.sampled_from([0, 1, 3, 4, 5, 6, 7, 8, 9, 11, *range(12, 40), 1000, 2**31 - 1])


@settings(max_examples=200, deadline=None)
@given(
    clockid=_SLEEPABLE,
    flags=st.sampled_from([0, 0, 2, 4, 0x100]),
    ns=st.integers(min_value=-(2**62), max_value=100_000),
)
def test_relative_sleep_on_arbitrary_input_returns_or_raises_documented(
    clockid: int, flags: int, ns: int
) -> None:
    try:
        assert clock_nanosleep(clockid, flags, ns) == 0
    except errors.SysapiError as exc:
        assert exc.documented, exc


# ---- adjtimex / clock_adjtime (read only) ----


def test_adjtimex_reads_by_default() -> None:
    result = adjtimex()
    assert isinstance(result.state, ClockState)
    tx = result.timex
    assert isinstance(tx.status, TimexStatus) and isinstance(tx.modes, AdjMode)
    assert tx.tick > 0 and tx.precision >= 0 and tx.tolerance > 0
    assert tx.time_ns > 0
    again = adjtimex(Timex())  # modes=0 reads too
    assert again.timex.tick == tx.tick and again.timex.modes == 0


def test_clock_adjtime_realtime_reads_like_adjtimex() -> None:
    a, b = adjtimex(), clock_adjtime(CLOCK_REALTIME)
    assert a.timex.tick == b.timex.tick and a.timex.tolerance == b.timex.tolerance


def test_clock_adjtime_errors() -> None:
    with pytest.raises(errors.EOPNOTSUPP) as info:
        clock_adjtime(CLOCK_MONOTONIC)
    assert info.value.syscall == "clock_adjtime" and info.value.documented
    with pytest.raises(errors.EINVAL):
        clock_adjtime(12345)


def test_adjtimex_rejects_non_timex() -> None:
    with pytest.raises(TypeError):
        adjtimex({"modes": 0})  # type: ignore[arg-type]


def test_unprivileged_write_is_eperm_in_a_child() -> None:
    # ADJ_TICK with tick 1: EPERM for uid 65534; even root would get EINVAL (out of range).
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgroups([])
            os.setresgid(65534, 65534, 65534)
            os.setresuid(65534, 65534, 65534)
            if os.geteuid() != 0:
                try:
                    adjtimex(Timex(modes=clock.ADJ_TICK, tick=1))
                    code = 2
                except PermissionError as exc:
                    code = 0 if isinstance(exc, errors.EPERM) and exc.documented else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_unknown_kernel_values_survive_decoding() -> None:
    state = ClockState(42)
    assert state == 42 and state.name == "UNKNOWN_42"
    assert ClockState(5) is ClockState.TIME_ERROR
    assert ClockState["TIME_BAD"] is ClockState(5)  # an alias of TIME_ERROR
    assert int(AdjMode(0x8000)) == 0x8000
    assert int(TimexStatus(0x10000 | 0x40)) == 0x10040


_LONG = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@settings(max_examples=200)
@given(
    nano=st.booleans(),
    modes=st.integers(min_value=0, max_value=2**32 - 1),
    status=st.integers(min_value=-(2**31), max_value=2**31 - 1),
    values=st.lists(_LONG, min_size=17, max_size=17),
    sec=st.integers(min_value=-(2**40), max_value=2**40),
    sub=st.integers(min_value=0, max_value=999_999),
)
def test_timex_round_trips_through_the_c_struct(
    nano: bool, modes: int, status: int, values: list[int], sec: int, sub: int
) -> None:
    # time_ns is carried as ns when ADJ_NANO (input) and STA_NANO (output) agree, else as µs.
    modes = (modes | ADJ_NANO) if nano else (modes & ~ADJ_NANO)
    status = (status | STA_NANO) if nano else (status & ~STA_NANO)
    time_ns = sec * 10**9 + (sub * 1000 + (7 if nano else 0))
    fields = dict(zip(clock._TIMEX_FIELDS, values, strict=True))
    tx = Timex(modes=AdjMode(modes), status=TimexStatus(status), time_ns=time_ns, **fields)
    assert clock._timex_out(ffi.buffer(clock._timex_in(tx))) == tx


# ---- python -m sysapi timex ----


def test_timex_command_prints_like_adjtimex(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["timex"]) == 0
    out = capsys.readouterr().out
    for label in (
        "mode:",
        "offset:",
        "frequency:",
        "maxerror:",
        "esterror:",
        "status:",
        "time_constant:",
        "precision:",
        "tolerance:",
        "tick:",
        "raw time:",
        "return value =",
    ):
        assert label in out


def test_timex_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["timex", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    state = adjtimex()
    assert report["tick"] == state.timex.tick
    assert report["return_value"] == int(state.state)
    assert report["state"] == state.state.name
    assert set(report["status_flags"]) == {f.name for f in TimexStatus if f in state.timex.status}


def test_everything_is_exported() -> None:
    for name in clock.__all__:
        assert getattr(sysapi, name) is getattr(clock, name)
