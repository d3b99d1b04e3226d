"""Downstream use of sysapi.process (API.md names), type-checked against the installed wheel."""

from __future__ import annotations

import sysapi
from sysapi import process


def reap(pid: int) -> list[int]:
    found: list[int] = []
    while True:
        info = sysapi.waitid(sysapi.P_ALL, 0, sysapi.WEXITED | sysapi.WNOHANG)
        if info is None:
            break
        found += [info.si_pid, info.si_uid, info.si_signo, info.si_status, int(info.si_code)]
        times = (info.si_utime, info.si_stime)
        found.append(len(times))
    peek: process.WaitidResult | None = sysapi.waitid(
        sysapi.P_PID, pid, sysapi.WEXITED | sysapi.WNOWAIT, rusage=True
    )
    if peek is not None:
        found.append(peek.si_pid)
        found.append(0 if peek.rusage is None else 1)
    options: list[int] = [sysapi.P_PGID, sysapi.P_PIDFD, sysapi.WSTOPPED, sysapi.WCONTINUED]
    return found + options
