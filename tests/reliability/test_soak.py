"""Soak: 100,000 calls of each call family leave resident memory growth bounded and the
counts of descriptors, threads, POSIX timers and SysV IPC objects unchanged; 10,000 Inotify
and PosixTimer objects dropped without close() are reclaimed, each with a ResourceWarning.

Each family runs in its own forked child (root is kept: the calls are ours, not random), after
a warm-up, so that the interpreter's caches and free lists are already full when the baseline
is taken.
"""

from __future__ import annotations

import gc
import os
import signal
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import sysapi

from . import _budget
from ._families import FAMILIES, Family
from ._sandbox import (
    Sandbox,
    count_fds,
    count_sysv_objects,
    count_threads,
    count_timers,
    enter_private_ipc_namespace,
    rss_bytes,
    run_in_child,
)
from ._targets import AREAS

CALLS = _budget.scaled(100_000, 1_000_000)
WARMUP = 5_000
#: A leak of one small object per call (>= 32 bytes) over 100,000 calls is > 3 MiB.
RSS_BOUND = 2 << 20
AVAILABLE = [f for f in FAMILIES if f.available]


def _soak(fam: Family) -> dict[str, Any]:
    def body(sandbox: Sandbox) -> dict[str, Any]:
        cleanups: list[Callable[[], object]] = []

        def defer(func: Callable[..., object], *args: object) -> None:
            cleanups.append(lambda: func(*args))

        # Alone in its IPC namespace (as root), the child's count of SysV objects is its own.
        private_ipc = enter_private_ipc_namespace()
        op = fam.setup(sandbox.scratch, 0, defer)
        done = 0
        while done < WARMUP:
            done += op()
        gc.collect()
        # The forked child inherits the parent's free heap, already resident: a leak that reuses
        # it would not grow the RSS. Hand the free pages back first, so a leak must fault in new
        # ones.
        sysapi.malloc_trim(0)
        before = (rss_bytes(), count_fds(), count_threads(), count_timers(), count_sysv_objects())
        start = time.perf_counter()
        done = 0
        while done < CALLS:
            done += op()
        elapsed = time.perf_counter() - start
        gc.collect()
        after = (rss_bytes(), count_fds(), count_threads(), count_timers(), count_sysv_objects())
        for cleanup in reversed(cleanups):
            cleanup()
        return {
            "calls": done,
            "calls_per_s": round(done / elapsed),
            "rss_growth_kib": (after[0] - before[0]) // 1024,
            "fds": [before[1], after[1]],
            "threads": [before[2], after[2]],
            "timers": [before[3], after[3]],
            "sysv_ipc_objects": [before[4], after[4]] if private_ipc else None,
        }

    child = run_in_child(body, timeout=600.0, drop=False, watchdog=False)
    assert child.ok, child.describe()
    report: dict[str, Any] = child.report
    return report


def _marked(fam: Family) -> Any:
    marks = [pytest.mark.requires_xattr_fs] if fam.area == "xattr" else []
    return pytest.param(fam, marks=marks, id=f"{fam.area}.{fam.name}")


@pytest.mark.slow
@pytest.mark.parametrize("fam", [_marked(f) for f in AVAILABLE])
def test_soak(fam: Family) -> None:
    figures = _soak(fam)
    _budget.record("soak", **{f"{fam.area}.{fam.name}": figures})
    assert figures["calls"] >= CALLS
    assert figures["rss_growth_kib"] * 1024 <= RSS_BOUND, figures
    for count in ("fds", "threads", "timers"):
        before, after = figures[count]
        assert before == after, (count, figures)
    if figures["sysv_ipc_objects"] is not None:  # counted in a private IPC namespace
        before, after = figures["sysv_ipc_objects"]
        assert before == after, ("sysv_ipc_objects", figures)


def test_every_area_has_a_soak_family() -> None:
    """Every public function of every area is called by some family."""
    covered = {name for f in AVAILABLE for name in f.covers}
    for area in AREAS:
        module = getattr(sysapi, area)
        functions = [n for n in module.__all__ if callable(getattr(module, n))]
        functions = [n for n in functions if not isinstance(getattr(module, n), type)]
        missing = [n for n in functions if n not in covered and n not in NOT_SOAKED]
        assert not missing, (area, missing)


#: Public functions without a soak family, and why.
NOT_SOAKED = {
    "block_signals": "a context manager around signal.pthread_sigmask, no sysapi call",
    "pair_moves": "pure Python over events; its input is fuzzed",
    "sched_setattr_raw": "the same system call as sched_setattr, soaked there",
}


def _reclaim(make: Callable[[], object], count: int) -> dict[str, Any]:
    def body(sandbox: Sandbox) -> dict[str, Any]:
        gc.collect()
        before = (count_fds(), count_timers())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            for _ in range(count):
                make()  # dropped at once: reference counting runs __del__
            gc.collect()
        after = (count_fds(), count_timers())
        resource_warnings = sum(1 for w in caught if issubclass(w.category, ResourceWarning))
        return {
            "objects": count,
            "resource_warnings": resource_warnings,
            "fds": [before[0], after[0]],
            "timers": [before[1], after[1]],
        }

    child = run_in_child(body, timeout=300.0, drop=False, watchdog=False)
    assert child.ok, child.describe()
    report: dict[str, Any] = child.report
    return report


RECLAIMED: list[tuple[str, Callable[[], object]]] = []
if hasattr(sysapi, "Inotify"):
    RECLAIMED.append(("Inotify", lambda: sysapi.Inotify()))
if hasattr(sysapi, "PidFd"):
    RECLAIMED.append(("PidFd", lambda: sysapi.pidfd_open(os.getpid())))
if hasattr(sysapi, "SignalFd"):
    RECLAIMED.append(("SignalFd", lambda: sysapi.signalfd({signal.SIGUSR1})))
if hasattr(sysapi, "PosixTimer"):
    RECLAIMED.append(("PosixTimer", lambda: sysapi.PosixTimer()))
    RECLAIMED.append(
        ("PosixTimer(callback)", lambda: sysapi.PosixTimer(callback=lambda value: None))
    )

if hasattr(sysapi, "MessageQueue"):

    def _dropped_queue() -> object:
        name = f"/sysapi-reclaim-{os.getpid()}"
        q = sysapi.mq_open(name, os.O_CREAT | os.O_RDWR)
        sysapi.mq_unlink(name)
        return q

    def _dropped_semaphore() -> object:
        name = f"/sysapi-reclaim-{os.getpid()}"
        s = sysapi.sem_open(name, os.O_CREAT)
        sysapi.sem_unlink(name)
        return s

    RECLAIMED.append(("MessageQueue", _dropped_queue))
    RECLAIMED.append(("NamedSemaphore", _dropped_semaphore))
    RECLAIMED.append(("Semaphore", lambda: sysapi.Semaphore(bytearray(64))))


@pytest.mark.slow
@pytest.mark.parametrize(("name", "make"), RECLAIMED, ids=[n for n, _ in RECLAIMED])
def test_dropped_handles_are_reclaimed_with_a_resourcewarning(
    name: str, make: Callable[[], object]
) -> None:
    figures = _reclaim(make, 10_000)
    _budget.record("reclaim", **{name: figures})
    assert figures["resource_warnings"] == 10_000, figures
    assert figures["fds"][0] == figures["fds"][1], figures
    assert figures["timers"][0] == figures["timers"][1], figures


def test_scratch_is_a_path(tmp_path: Path) -> None:
    """The families build their files under the scratch directory they are given."""
    for fam in AVAILABLE:
        assert fam.setup.__code__.co_varnames[0] == "scratch", fam.name


def test_the_soak_detects_a_leak_and_a_lost_descriptor() -> None:
    """The bounds can fail: a family that keeps 600 bytes per call (a malloc block, not one of
    the small-object pools that the forked child inherits partly free from the parent), and one
    descriptor and (as root, in the child's private IPC namespace) one message queue per 10,000
    calls."""
    kept: list[object] = []

    def leaky(scratch: Path, slot: int, defer: Callable[..., None]) -> Callable[[], int]:
        def op() -> int:
            kept.append(bytes(600))
            if len(kept) % 10_000 == 0:
                kept.append(open(os.devnull))  # noqa: SIM115
                if hasattr(sysapi, "msgget") and os.geteuid() == 0:
                    sysapi.msgget(sysapi.IPC_PRIVATE, sysapi.IPC_CREAT | 0o600)
            return 1

        return op

    figures = _soak(Family("test", "leaky", (), leaky))
    assert figures["rss_growth_kib"] * 1024 > RSS_BOUND
    assert figures["fds"][1] > figures["fds"][0]
    if os.geteuid() == 0:
        assert figures["sysv_ipc_objects"][1] > figures["sysv_ipc_objects"][0]
