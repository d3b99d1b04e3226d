"""pidfd/signalfd benchmark: PidFd.wait and SignalFd.read side by side (benchmarks/bench_pidfd.py).

Rows: sysapi, the bare cffi ``lib`` call from the same Python loop (the floor of any cffi
binding), the stdlib call that does the nearest job, and a C loop. The Python rows of a table
are timed interleaved (round-robin), so machine noise hits them alike.

- ``PidFd.wait(WEXITED | WNOHANG)`` of a running child (nothing to report) against the shim
  ``sysapi_waitid(P_PIDFD, ...)`` and ``os.waitid(P_PIDFD, ...)``.
- A real-time signal queued to this process (the same bare ``sysapi_sigqueue`` call in every
  row, so the rows differ only in how the signal is taken) and taken by ``SignalFd.read(0)``,
  by the bare ``sysapi_signalfd_wait_read`` shim, and by ``signal.sigtimedwait`` (which returns
  no payload).

Goals (printed, never asserted): each sysapi row at most 1.35x its bare cffi row.
"""

from __future__ import annotations

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

from harness import Table, c_loop_ns

import sysapi
from sysapi._sysapi import ffi, lib

GOAL = 1.35


def _wait_table(pid: int) -> bool:
    options = sysapi.WEXITED | sysapi.WNOHANG
    out = ffi.new("struct sysapi_waitid_out *")
    with sysapi.pidfd_open(pid) as pidfd:
        fd = pidfd.fileno()
        t = Table(
            "PidFd.wait(WEXITED|WNOHANG) of a running child: nothing to report",
            "bare cffi lib call",
        )
        t.measure(
            {
                "PidFd.wait": lambda: pidfd.wait(options),
                "sysapi.waitid(P_PIDFD)": lambda: sysapi.waitid(sysapi.P_PIDFD, fd, options),
                "bare cffi lib call": lambda: lib.sysapi_waitid(lib.P_PIDFD, fd, options, out),
                "os.waitid(P_PIDFD) (stdlib)": lambda: os.waitid(os.P_PIDFD, fd, options),
            }
        )
        t.add(
            "C loop (raw syscall, rusage)",
            c_loop_ns(
                "siginfo_t si; struct rusage ru;"
                " syscall(SYS_waitid, P_PIDFD, fd, &si, WEXITED | WNOHANG, &ru);",
                includes="#include <signal.h>\n#include <sys/wait.h>\n"
                "#include <sys/resource.h>\n#include <sys/syscall.h>\n#include <unistd.h>\n"
                "#ifndef P_PIDFD\n#define P_PIDFD 3\n#endif",
                setup="int fd = (int)syscall(SYS_pidfd_open, atoi(argv[3]), 0);",
                args=[str(pid)],
            ),
        )
    t.goal("PidFd.wait", "bare cffi lib call", GOAL)
    t.goal("PidFd.wait", "os.waitid(P_PIDFD) (stdlib)", 1.5)
    return t.print()


def _signalfd_table() -> bool:
    rt = signal.SIGRTMIN
    me = os.getpid()
    queue = lib.sysapi_sigqueue
    values = iter(range(1 << 62))

    with sysapi.block_signals({rt}), sysapi.signalfd({rt}) as sfd:
        fd = sfd.fileno()
        buf = ffi.new("struct signalfd_siginfo[]", lib.SYSAPI_SIGNALFD_BATCH)
        changed = ffi.new("uint32_t *")
        woken = ffi.new("int *")

        def sysapi_read() -> None:
            queue(me, rt, 7)
            sfd.read(0)

        def sysapi_read_varying() -> None:
            # A new payload each time: the SigInfo is built anew instead of reused.
            queue(me, rt, next(values) & 0x7FFFFFFF)
            sfd.read(0)

        def bare() -> None:
            queue(me, rt, 7)
            lib.sysapi_signalfd_wait_read(fd, -1, 0, buf, changed, woken)

        def stdlib() -> None:  # no payload in what it returns
            queue(me, rt, 7)
            signal.sigtimedwait((rt,), 0)

        t = Table(
            "queue a signal to self (bare sigqueue) and take it: SignalFd.read(0)",
            "bare cffi lib call",
        )
        t.measure(
            {
                "SignalFd.read(0)": sysapi_read,
                "SignalFd.read(0) (payload varies)": sysapi_read_varying,
                "bare cffi lib call": bare,
                "signal.sigtimedwait (stdlib)": stdlib,
            }
        )
    t.goal("SignalFd.read(0)", "bare cffi lib call", GOAL)
    t.goal("SignalFd.read(0) (payload varies)", "bare cffi lib call", GOAL)
    t.goal("SignalFd.read(0)", "signal.sigtimedwait (stdlib)", 1.5)
    return t.print()


def main() -> int:
    pid = os.fork()
    if pid == 0:
        time.sleep(600)
        os._exit(0)
    try:
        ok = _wait_table(pid)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    ok &= _signalfd_table()
    print("\nall goals met" if ok else "\nsome goals not met: the gaps are printed above")
    return 0


if __name__ == "__main__":
    sys.exit(main())
