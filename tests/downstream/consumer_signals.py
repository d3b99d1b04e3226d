"""Downstream use of sysapi.signals (API.md names), type-checked against the installed wheel."""

from __future__ import annotations

import os
import signal

import sysapi
from sysapi import signals


def send_and_receive() -> list[int]:
    sysapi.sigqueue(os.getpid(), signal.SIGUSR1, 42)
    info: sysapi.SigInfo = sysapi.sigwaitinfo({signal.SIGUSR1})
    maybe: signals.SigInfo | None = sysapi.sigtimedwait({signal.SIGUSR1}, 0.1)
    got = [info.si_signo, info.si_code, info.si_pid, info.si_uid, info.si_status, info.si_value]
    if maybe is not None:
        got.append(maybe.si_value)
    return got
