"""Downstream use of sysapi.timers (API.md names), type-checked against the installed wheel."""

from __future__ import annotations

import time

import sysapi
from sysapi import timers

ticks: list[int] = []


def on_tick(value: int) -> None:
    ticks.append(value)


def periodic() -> int:
    with sysapi.PosixTimer(time.CLOCK_MONOTONIC, callback=on_tick, value=7) as timer:
        old: sysapi.ItimerSpec = timer.settime(0.5, 0.5)
        timer.settime_ns(1_000_000, 0, absolute=False)
        now = timer.gettime()
        overrun: int = timer.getoverrun()
        closed: bool = timer.closed
    quiet = sysapi.PosixTimer()
    quiet.delete()
    thin: timers.PosixTimer = sysapi.timer_create(time.CLOCK_MONOTONIC)
    sysapi.timer_settime(thin, 0, 1_000_000, 0)
    spec: sysapi.ItimerSpec = sysapi.timer_gettime(thin)
    missed: int = sysapi.timer_getoverrun(thin)
    sysapi.timer_delete(thin)
    nanoseconds: int = old.it_value_ns + now.it_interval_ns + spec.it_value_ns
    return nanoseconds + overrun + missed + int(closed)
