"""sched benchmark: ioprio_get and sched_getattr side by side (python benchmarks/bench_sched.py).

Rows: sysapi, the bare cffi ``lib`` call from the same Python loop (the floor of any cffi
binding), a C loop of the same syscall, psutil's ``Process.ionice()`` where psutil is
installed (``pip install -e '.[bench]'``), and for sched_getattr the stdlib calls that tell
part of the same story (``os.sched_getscheduler`` + ``os.sched_getparam``). sched_getattr of
the calling thread goes through a one-argument shim, which has a bare row of its own; the
general four-argument path has a row too (another thread's ID). Rows are timed interleaved.
Goals (set here, printed, never asserted): ioprio_get at most 1.5x the bare cffi call and
faster than psutil; sched_getattr, which builds a 9-field frozen dataclass, at most 3x the
bare call and faster than the two stdlib calls together.
"""

from __future__ import annotations

import os
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))

from harness import Table, c_loop_ns, per_call_ns

import sysapi
from sysapi._sysapi import ffi, lib

try:
    import psutil
except ImportError:  # optional peer: the bench extra
    psutil = None

_SCHED_ATTR_C = """
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
struct attr { uint32_t size, policy; uint64_t flags; int32_t nice; uint32_t prio;
              uint64_t runtime, deadline, period; uint32_t util_min, util_max; };
"""


def main() -> int:
    who = sysapi.IOPRIO_WHO_PROCESS
    t = Table("ioprio_get(IOPRIO_WHO_PROCESS, 0)", "bare cffi lib call")
    t.add("sysapi.ioprio_get", per_call_ns(lambda: sysapi.ioprio_get(who, 0)))
    t.add("bare cffi lib call", per_call_ns(lambda: lib.sysapi_ioprio_get(who, 0)))
    if psutil is not None:
        proc = psutil.Process()
        t.add("psutil Process.ionice()", per_call_ns(proc.ionice))
    t.add(
        "C loop",
        c_loop_ns(
            "syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0);",
            includes="#include <sys/syscall.h>\n#include <unistd.h>\n#include <linux/ioprio.h>",
        ),
    )
    t.goal("sysapi.ioprio_get", "bare cffi lib call", 1.5)
    if psutil is not None:
        t.goal("sysapi.ioprio_get", "psutil Process.ionice()", 1.0)
    else:
        print("psutil is not installed: no psutil row")
    ok = t.print()

    box = ffi.new("struct sysapi_sched_attr *")
    size = sysapi.SCHED_ATTR_SIZE_VER1
    tid = threading.get_native_id()

    def stdlib() -> None:
        os.sched_getscheduler(0)
        os.sched_getparam(0)

    t = Table("sched_getattr(0)", "bare cffi lib call")
    t.measure(
        {
            "sysapi.sched_getattr": sysapi.sched_getattr,
            "bare cffi lib call": lambda: lib.sysapi_sched_getattr(0, box, size, 0),
            # What sysapi.sched_getattr() calls: the one-argument shim for the calling thread.
            "bare cffi one-argument shim": lambda: lib.sysapi_sched_getattr_self(box),
            # Another thread's ID takes the general four-argument path.
            "sysapi.sched_getattr(tid)": lambda: sysapi.sched_getattr(tid),
            "os.sched_getscheduler + os.sched_getparam": stdlib,
        }
    )
    t.add(
        "C loop",
        c_loop_ns(
            "syscall(SYS_sched_getattr, 0, &a, sizeof a, 0);",
            includes=_SCHED_ATTR_C,
            setup="struct attr a;",
        ),
    )
    t.goal("sysapi.sched_getattr", "bare cffi lib call", 3.0)
    t.goal("sysapi.sched_getattr", "os.sched_getscheduler + os.sched_getparam", 1.0)
    ok &= t.print()
    # Goals are reported, never asserted.
    print("\nall goals met" if ok else "\nsome goals not met: the gaps are printed above")
    return 0


if __name__ == "__main__":
    sys.exit(main())
