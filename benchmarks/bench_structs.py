"""Calls that return a structure, side by side (python benchmarks/bench_structs.py [--save]
[timers waitid sigtimedwait sched memory clock ipc]: all, or the groups named).

For each public call that returns a structure (issue 13): sysapi, the bare cffi ``lib`` call of
the same shim from the same Python loop (the floor of any cffi binding: the call alone, its
output left unread), and ctypes calling libc and reading the same fields into Python values.
Rows are timed interleaved (medians of rounds). Goals (printed, never asserted): each sysapi
call at most 1.35x the bare cffi call; gettime and mincore also at most 0.6x ctypes.
"""

from __future__ import annotations

import ctypes
import itertools
import mmap
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))

from harness import Table

import sysapi
from sysapi._sysapi import ffi, lib

libc = ctypes.CDLL(None, use_errno=True)
c_long, c_int, c_uint, c_size_t = ctypes.c_long, ctypes.c_int, ctypes.c_uint, ctypes.c_size_t
NS = 1_000_000_000
BARE, CTYPES = "bare cffi lib call", "ctypes"
_ok = True


def _table(
    title: str, rows: dict[str, Callable[[], object]], *, vs_ctypes: float | None = None
) -> None:
    """One table; the first row is sysapi's. ``vs_ctypes``: the goal against ctypes, where the
    issue sets one."""
    global _ok
    t = Table(title, BARE)
    t.measure(rows)
    sysapi_row = next(iter(rows))
    t.goal(sysapi_row, BARE, 1.35)
    if vs_ctypes is not None:
        t.goal(sysapi_row, CTYPES, vs_ctypes)
    _ok &= t.print()


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", c_long), ("tv_nsec", c_long)]


class Itimerspec(ctypes.Structure):
    _fields_ = [("it_interval", Timespec), ("it_value", Timespec)]


def timers() -> None:
    timer = sysapi.PosixTimer(sysapi.CLOCK_MONOTONIC)  # SIGEV_NONE
    timer.settime(1000.0, 1.0)
    tid = timer._timer_id()
    ns = ffi.new("int64_t[2]")
    ctid = ctypes.c_void_p()
    sev = (c_int * 16)(0, 0, 1)  # struct sigevent with sigev_notify = SIGEV_NONE
    libc.timer_create(sysapi.CLOCK_MONOTONIC, sev, ctypes.byref(ctid))
    spec = Itimerspec(Timespec(1, 0), Timespec(1000, 0))
    libc.timer_settime(ctid, 0, ctypes.byref(spec), None)
    its = Itimerspec()
    its_ref = ctypes.byref(its)

    def with_ctypes() -> tuple[int, int]:
        libc.timer_gettime(ctid, its_ref)
        v, i = its.it_value, its.it_interval
        return v.tv_sec * NS + v.tv_nsec, i.tv_sec * NS + i.tv_nsec

    try:
        _table(
            "PosixTimer.gettime()",
            {
                "sysapi PosixTimer.gettime": timer.gettime,
                BARE: lambda: lib.sysapi_timer_gettime_ns(tid, ns),
                CTYPES: with_ctypes,
            },
            vs_ctypes=0.6,
        )
        _table(
            "PosixTimer.getoverrun()",
            {
                "sysapi PosixTimer.getoverrun": timer.getoverrun,
                BARE: lambda: lib.sysapi_timer_getoverrun(tid),
                CTYPES: lambda: libc.timer_getoverrun(ctid),
            },
        )
    finally:
        timer.delete()
        libc.timer_delete(ctid)


class Siginfo(ctypes.Structure):
    _fields_ = [
        ("si_signo", c_int),
        ("si_errno", c_int),
        ("si_code", c_int),
        ("_pad0", c_int),
        ("si_pid", c_int),
        ("si_uid", c_uint),
        ("si_status", c_int),
        ("_rest", ctypes.c_char * 100),
    ]


def waitid() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(3)
    options = sysapi.WEXITED | sysapi.WNOWAIT  # the zombie stays: every call reports it
    out = ffi.new("struct sysapi_waitid_out *")
    info = Siginfo()
    info_ref = ctypes.byref(info)

    def with_ctypes() -> tuple[int, ...]:
        libc.waitid(sysapi.P_PID, pid, info_ref, options)
        return info.si_signo, info.si_code, info.si_pid, info.si_uid, info.si_status

    try:
        sysapi.waitid(sysapi.P_PID, pid, options)  # it has exited once this returns
        _table(
            "waitid(P_PID, zombie, WEXITED | WNOWAIT)",
            {
                "sysapi.waitid": lambda: sysapi.waitid(sysapi.P_PID, pid, options),
                BARE: lambda: lib.sysapi_waitid(sysapi.P_PID, pid, options, out),
                CTYPES: with_ctypes,
            },
        )
    finally:
        os.waitpid(pid, 0)


def sigtimedwait() -> None:
    rt = signal.SIGRTMIN
    me = os.getpid()
    info = ffi.new("struct sysapi_siginfo *")
    mask = 1 << rt  # the shim's mask: bit n is signal n
    cinfo = Siginfo()
    cinfo_ref = ctypes.byref(cinfo)
    sigset = (ctypes.c_ulong * 16)(1 << (rt - 1))  # sigset_t: bit n - 1 is signal n
    zero = Timespec(0, 0)
    zero_ref = ctypes.byref(zero)

    def with_sysapi() -> object:
        sysapi.sigqueue(me, rt, 7)
        return sysapi.sigtimedwait((rt,), 0)

    def bare() -> object:
        lib.sysapi_sigqueue(me, rt, 7)
        return lib.sysapi_sigtimedwait(mask, 0, 0, 0, info)

    def with_ctypes() -> tuple[int, ...]:
        libc.sigqueue(me, rt, ctypes.c_void_p(7))
        libc.sigtimedwait(sigset, cinfo_ref, zero_ref)
        return cinfo.si_signo, cinfo.si_code, cinfo.si_pid, cinfo.si_uid, cinfo.si_status

    # sysapi gives back the record it built last when the kernel's answer is the same bytes
    # (the rows above); here the value alternates, so every call builds a new record.
    value = itertools.cycle((7, 8)).__next__

    def with_sysapi_new() -> object:
        sysapi.sigqueue(me, rt, value())
        return sysapi.sigtimedwait((rt,), 0)

    def bare_new() -> object:
        lib.sysapi_sigqueue(me, rt, value())
        return lib.sysapi_sigtimedwait(mask, 0, 0, 0, info)

    def with_ctypes_new() -> tuple[int, ...]:
        libc.sigqueue(me, rt, ctypes.c_void_p(value()))
        libc.sigtimedwait(sigset, cinfo_ref, zero_ref)
        return cinfo.si_signo, cinfo.si_code, cinfo.si_pid, cinfo.si_uid, cinfo.si_status

    with sysapi.block_signals({rt}):
        _table(
            "sigqueue(self, SIGRTMIN, 7) + sigtimedwait(timeout 0)",
            {"sysapi.sigqueue + sysapi.sigtimedwait": with_sysapi, BARE: bare, CTYPES: with_ctypes},
        )
        _table(
            "sigqueue(self, SIGRTMIN, 7 or 8 in turn) + sigtimedwait(timeout 0): new records",
            {
                "sysapi.sigqueue + sysapi.sigtimedwait": with_sysapi_new,
                BARE: bare_new,
                CTYPES: with_ctypes_new,
            },
        )


class SchedAttr(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_uint32),
        ("sched_policy", ctypes.c_uint32),
        ("sched_flags", ctypes.c_uint64),
        ("sched_nice", ctypes.c_int32),
        ("sched_priority", ctypes.c_uint32),
        ("sched_runtime", ctypes.c_uint64),
        ("sched_deadline", ctypes.c_uint64),
        ("sched_period", ctypes.c_uint64),
        ("sched_util_min", ctypes.c_uint32),
        ("sched_util_max", ctypes.c_uint32),
    ]


SYS_sched_getattr = 315  # x86_64: the benchmark's ctypes row only


def sched() -> None:
    attr = ffi.new("struct sysapi_sched_attr *")
    cattr = SchedAttr()
    cref = ctypes.byref(cattr)
    size = ctypes.sizeof(SchedAttr)
    names = [name for name, *_ in SchedAttr._fields_][1:]

    def with_ctypes() -> list[int]:
        libc.syscall(SYS_sched_getattr, 0, cref, size, 0)
        return [getattr(cattr, n) for n in names]

    _table(
        "sched_getattr(0) against ctypes",
        {
            "sysapi.sched_getattr": sysapi.sched_getattr,
            BARE: lambda: lib.sysapi_sched_getattr_self(attr),
            CTYPES: with_ctypes,
        },
    )
    who = sysapi.IOPRIO_WHO_PROCESS
    _table(
        "ioprio_get(IOPRIO_WHO_PROCESS, 0) against ctypes",
        {
            "sysapi.ioprio_get": lambda: sysapi.ioprio_get(who, 0),
            BARE: lambda: lib.sysapi_ioprio_get(who, 0),
            CTYPES: lambda: libc.syscall(252, who, 0),  # x86_64 SYS_ioprio_get
        },
    )


class Mallinfo2(ctypes.Structure):
    _fields_ = [
        (n, c_size_t)
        for n in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def memory() -> None:
    out = ffi.new("struct sysapi_mallinfo2 *")
    libc.mallinfo2.restype = Mallinfo2
    names = [name for name, *_ in Mallinfo2._fields_]

    def mallinfo_ctypes() -> list[int]:
        info = libc.mallinfo2()
        return [getattr(info, n) for n in names]

    _table(
        "mallinfo2()",
        {
            "sysapi.mallinfo2": sysapi.mallinfo2,
            BARE: lambda: lib.sysapi_mallinfo2(out),
            CTYPES: mallinfo_ctypes,
        },
    )
    # The heap changes between calls (a 1000-byte block taken and given back in turn, in every
    # row alike), so sysapi cannot give back the record it built last.
    held: list[bytes] = []

    def churn() -> None:
        if held:
            held.pop()
        else:
            held.append(bytes(1000))

    def mallinfo_sysapi_new() -> object:
        churn()
        return sysapi.mallinfo2()

    def mallinfo_bare_new() -> object:
        churn()
        return lib.sysapi_mallinfo2(out)

    def mallinfo_ctypes_new() -> list[int]:
        churn()
        return mallinfo_ctypes()

    _table(
        "mallinfo2() with the heap changed between calls: a new record each call",
        {
            "sysapi.mallinfo2": mallinfo_sysapi_new,
            BARE: mallinfo_bare_new,
            CTYPES: mallinfo_ctypes_new,
        },
    )

    region = mmap.mmap(-1, 16 * mmap.PAGESIZE)
    region.write(b"x" * len(region))
    holder = ctypes.c_char.from_buffer(region)
    addr = ctypes.addressof(holder)
    length = len(region)
    vec = ffi.new("unsigned char[]", 16)
    cvec = (ctypes.c_ubyte * 16)()

    def mincore_ctypes() -> bytes:
        libc.mincore(ctypes.c_void_p(addr), c_size_t(length), cvec)
        return bytes(cvec)

    # The name held, as `from sysapi import mincore` does, and looked up on the package each
    # call: until every area is loaded the package has a PEP 562 __getattr__, and CPython up
    # to 3.14 then does not specialize `sysapi.<name>` (bench_import.py measures the lookup).
    mincore = sysapi.mincore
    lookup = "still to load" if "__getattr__" in vars(sysapi) else "all loaded"
    _table(
        "mincore(addr, 16 pages)",
        {
            "mincore (from sysapi import mincore)": lambda: mincore(addr, length),
            f"sysapi.mincore (areas {lookup})": lambda: sysapi.mincore(addr, length),
            BARE: lambda: lib.sysapi_mincore(addr, length, vec),
            CTYPES: mincore_ctypes,
        },
        vs_ctypes=0.6,
    )
    del holder
    region.close()

    with tempfile.NamedTemporaryFile() as f:
        f.write(b"y" * 10000)  # 3 pages, cached
        f.flush()
        fd = f.fileno()
        size = os.fstat(fd).st_size
        pages = -(-size // mmap.PAGESIZE)
        fvec = ffi.new("unsigned char[]", pages)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, c_size_t, c_int, c_int, c_int, ctypes.c_long]
        cfvec = (ctypes.c_ubyte * pages)()

        def fincore_ctypes() -> tuple[int, int]:
            size = os.fstat(fd).st_size
            base = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
            libc.mincore(ctypes.c_void_p(base), c_size_t(size), cfvec)
            libc.munmap(ctypes.c_void_p(base), c_size_t(size))
            data = bytes(cfvec)
            return size, sum(b & 1 for b in data)

        _table(
            "fincore(fd) of a 3-page cached file",
            {
                "sysapi.fincore": lambda: sysapi.fincore(fd),
                BARE: lambda: lib.sysapi_fincore(fd, size, fvec, pages),
                CTYPES: fincore_ctypes,
            },
        )


class Timeval(ctypes.Structure):
    _fields_ = [("tv_sec", c_long), ("tv_usec", c_long)]


class Timex(ctypes.Structure):
    _fields_ = [
        ("modes", c_uint),
        ("offset", c_long),
        ("freq", c_long),
        ("maxerror", c_long),
        ("esterror", c_long),
        ("status", c_int),
        ("constant", c_long),
        ("precision", c_long),
        ("tolerance", c_long),
        ("time", Timeval),
        ("tick", c_long),
        ("ppsfreq", c_long),
        ("jitter", c_long),
        ("shift", c_int),
        ("stabil", c_long),
        ("jitcnt", c_long),
        ("calcnt", c_long),
        ("errcnt", c_long),
        ("stbcnt", c_long),
        ("tai", c_int),
        ("_pad", c_int * 11),
    ]


def clock() -> None:
    tx: Any = ffi.new("struct sysapi_timex *")
    ctx = Timex()
    cref = ctypes.byref(ctx)
    names = [n for n, *_ in Timex._fields_ if n not in ("modes", "_pad", "time")]

    def with_ctypes() -> tuple[int, list[int]]:
        ctx.modes = 0
        state = libc.adjtimex(cref)
        t = ctx.time
        return state, [t.tv_sec, t.tv_usec] + [getattr(ctx, n) for n in names]

    def bare() -> int:
        tx.modes = 0
        return int(lib.sysapi_adjtimex(tx))

    _table(
        "adjtimex() (read only)",
        {"sysapi.adjtimex": sysapi.adjtimex, BARE: bare, CTYPES: with_ctypes},
    )


class ShmidDs(ctypes.Structure):
    _fields_ = [
        ("key", c_int),
        ("uid", c_uint),
        ("gid", c_uint),
        ("cuid", c_uint),
        ("cgid", c_uint),
        ("mode", ctypes.c_ushort),
        ("_pad1", ctypes.c_ushort),
        ("seq", ctypes.c_ushort),
        ("_pad2", ctypes.c_ushort),
        ("_r1", ctypes.c_ulong),
        ("_r2", ctypes.c_ulong),
        ("shm_segsz", c_size_t),
        ("shm_atime", c_long),
        ("shm_dtime", c_long),
        ("shm_ctime", c_long),
        ("shm_cpid", c_int),
        ("shm_lpid", c_int),
        ("shm_nattch", ctypes.c_ulong),
        ("_r4", ctypes.c_ulong),
        ("_r5", ctypes.c_ulong),
    ]


def ipc() -> None:
    shmid = sysapi.shmget(sysapi.IPC_PRIVATE, 4096, sysapi.IPC_CREAT | 0o600)
    try:
        with sysapi.shmat(shmid) as attachment:
            raw = ffi.new("struct sysapi_shmid_ds *")
            cds = ShmidDs()
            cref = ctypes.byref(cds)
            names = [n for n, *_ in ShmidDs._fields_ if not n.startswith("_")]

            def with_ctypes() -> list[int]:
                libc.shmctl(shmid, sysapi.IPC_STAT, cref)
                return [getattr(cds, n) for n in names]

            _table(
                "shmctl(shmid, IPC_STAT) of an attached segment",
                {
                    "sysapi.shmctl": lambda: sysapi.shmctl(attachment.shmid, sysapi.IPC_STAT),
                    BARE: lambda: lib.sysapi_shmctl(shmid, sysapi.IPC_STAT, raw),
                    CTYPES: with_ctypes,
                },
            )
            # Two segments in turn: every call sees another record than the last, so sysapi
            # builds a new one (above it may give back the record it built last).
            other = sysapi.shmget(sysapi.IPC_PRIVATE, 8192, sysapi.IPC_CREAT | 0o600)
            try:
                shmids = itertools.cycle((shmid, other)).__next__

                def with_ctypes_new() -> list[int]:
                    libc.shmctl(shmids(), sysapi.IPC_STAT, cref)
                    return [getattr(cds, n) for n in names]

                _table(
                    "shmctl(IPC_STAT) of two segments in turn: a new record each call",
                    {
                        "sysapi.shmctl": lambda: sysapi.shmctl(shmids(), sysapi.IPC_STAT),
                        BARE: lambda: lib.sysapi_shmctl(shmids(), sysapi.IPC_STAT, raw),
                        CTYPES: with_ctypes_new,
                    },
                )
            finally:
                sysapi.shmctl(other, sysapi.IPC_RMID)
    finally:
        sysapi.shmctl(shmid, sysapi.IPC_RMID)


def main() -> int:
    started = time.monotonic()
    benches = (timers, waitid, sigtimedwait, sched, memory, clock, ipc)
    chosen = [a for a in sys.argv[1:] if not a.startswith("-")]  # names: only those tables
    for bench in benches:
        if not chosen or bench.__name__ in chosen:
            bench()
    print(f"\n({time.monotonic() - started:.0f} s)")
    print("all goals met" if _ok else "some goals not met: the gaps are printed above")
    return 0


if __name__ == "__main__":
    sys.exit(main())
