"""Downstream use of sysapi.clock (API.md names), type-checked against the installed wheel."""

from __future__ import annotations

import time

import sysapi
from sysapi import clock


def sleep_and_read() -> tuple[int, int]:
    left: int = sysapi.clock_nanosleep(time.CLOCK_MONOTONIC, 0, 1000)
    deadline = time.clock_gettime_ns(time.CLOCK_MONOTONIC) + 1000
    sysapi.clock_nanosleep(time.CLOCK_MONOTONIC, sysapi.TIMER_ABSTIME, deadline)
    result: sysapi.AdjtimexResult = sysapi.adjtimex()
    state: sysapi.ClockState = result.state
    tx: clock.Timex = result.timex
    synced = state in (sysapi.TIME_OK, sysapi.TIME_INS, sysapi.TIME_DEL, sysapi.TIME_OOP)
    waiting = state in (sysapi.TIME_WAIT, sysapi.TIME_ERROR)
    other = sysapi.clock_adjtime(time.CLOCK_REALTIME)
    fields = (tx.modes, tx.offset, tx.freq, tx.maxerror, tx.esterror, tx.status, tx.constant)
    more = (tx.precision, tx.tolerance, tx.time_ns, tx.tick, tx.ppsfreq, tx.jitter, tx.shift)
    rest = (tx.stabil, tx.jitcnt, tx.calcnt, tx.errcnt, tx.stbcnt, tx.tai, other.timex.tai)
    flags: int = sysapi.AdjMode(0) | sysapi.TimexStatus(0)
    return left + sum(fields) + sum(more) + sum(rest) + flags, int(synced) + int(waiting)
