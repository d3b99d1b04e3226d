"""Run code in a forked child that cannot harm the machine, and report how it ended.

The child is forked (never a new interpreter: uid 65534 cannot read the Python installation, so
everything it runs must already be imported), starts its own session so that process-group
signals reach nobody else, points stdio at /dev/null, closes every inherited descriptor, lowers
its resource limits, moves into a scratch directory and, by default, enters a private IPC
namespace and drops to uid/gid 65534 with no supplementary groups. The report travels back
through an anonymous shared mapping, which no descriptor number reaches, so a fuzzed call cannot
corrupt it by writing to a random fd.

A crash (the child dies of a signal), a hang (it outlives its timeout) and an exception that
escapes the body are all reported with the index of the step that was running, and with the
Python traceback that :mod:`faulthandler` wrote into the scratch directory.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import mmap
import os
import pickle
import resource
import select
import shutil
import signal
import struct
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sysapi
from sysapi import _areas

__all__ = [
    "CRASH_SIGNALS",
    "NOBODY",
    "ChildResult",
    "Sandbox",
    "count_fds",
    "count_threads",
    "count_timers",
    "rss_bytes",
    "run_in_child",
]

#: The unprivileged uid/gid the fuzzing children drop to.
NOBODY = 65534
CLONE_NEWIPC = 0x08000000  # <sched.h>; os.CLONE_NEWIPC is Python 3.12+
#: Signals that mean a real crash: left unblocked so that faulthandler reports them.
CRASH_SIGNALS = frozenset(
    {signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGABRT}
)
_HEADER = struct.Struct("=iiQ")  # step in flight, finished flag, length of the pickled report
_TRACEBACK_FILE = "faulthandler.txt"


def signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


def count_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def count_sysv_objects() -> int:
    """The SysV message queues, semaphore sets and segments of this IPC namespace."""
    total = 0
    for kind in ("msg", "sem", "shm"):
        with open(f"/proc/sysvipc/{kind}") as f:
            total += len(f.readlines()) - 1
    return total


def enter_private_ipc_namespace() -> bool:
    """As root, move this (forked, single-threaded) child into an IPC namespace of its own, so
    that counts of IPC objects see only its own; False when not permitted."""
    libc = ctypes.CDLL(None, use_errno=True)
    return bool(libc.unshare(CLONE_NEWIPC) == 0)


def count_threads() -> int:
    return len(os.listdir("/proc/self/task"))


def count_timers() -> int:
    """POSIX timers of this process (``/proc/self/timers`` has one ``ID:`` line per timer)."""
    with open("/proc/self/timers", "rb") as f:
        return sum(1 for line in f if line.startswith(b"ID:"))


def rss_bytes() -> int:
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _vm_size() -> int:
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


@dataclass
class Sandbox:
    """What the child's body gets: its scratch directory and a way to mark progress."""

    scratch: Path
    dropped: bool
    _shared: mmap.mmap

    def step(self, index: int) -> None:
        """Record that step ``index`` is about to run (reported if the child dies in it)."""
        _HEADER.pack_into(self._shared, 0, index, 0, 0)


@dataclass
class ChildResult:
    pid: int
    #: The wait status, or None when the child had to be killed after its timeout.
    status: int | None
    timed_out: bool
    #: The step that was running when the child died or was killed (-1: none recorded).
    in_flight: int
    #: What the body returned, or a dict with "error" when it raised.
    report: Any
    elapsed: float
    #: What faulthandler wrote (a crash's or a hang's Python traceback), if anything.
    traceback: str = ""
    removed_segments: list[int] = field(default_factory=list)

    @property
    def crashed(self) -> bool:
        return self.status is not None and os.WIFSIGNALED(self.status)

    @property
    def ok(self) -> bool:
        return (
            not self.timed_out
            and self.status is not None
            and os.WIFEXITED(self.status)
            and os.WEXITSTATUS(self.status) == 0
            and not (isinstance(self.report, dict) and "error" in self.report)
        )

    def describe(self) -> str:
        if self.timed_out:
            how = f"hung (killed after its timeout, {self.elapsed:.1f} s)"
        elif self.status is None:
            how = "vanished"
        elif os.WIFSIGNALED(self.status):
            sig = os.WTERMSIG(self.status)
            how = f"crashed with {signal_name(sig)}"
        elif os.WEXITSTATUS(self.status) != 0:
            how = f"exited with status {os.WEXITSTATUS(self.status)}"
        else:
            how = "finished"
        text = f"child {self.pid} {how}; step in flight: {self.in_flight}"
        if isinstance(self.report, dict) and "error" in self.report:
            text += f"\n{self.report['error']}"
        if self.traceback:
            text += f"\nfaulthandler:\n{self.traceback}"
        return text


def _remove_segments_of(pid: int) -> list[int]:
    """IPC_RMID every SysV segment that process ``pid`` created (and only those)."""
    removed: list[int] = []
    try:
        with open("/proc/sysvipc/shm") as f:
            lines = f.read().splitlines()[1:]
    except OSError:
        return removed
    for line in lines:
        fields = line.split()
        # key shmid perms size cpid lpid ...
        if len(fields) > 5 and int(fields[4]) == pid:
            shmid = int(fields[1])
            shmctl = getattr(sysapi, "shmctl", None)
            if shmctl is None:
                continue
            try:
                shmctl(shmid, getattr(sysapi, "IPC_RMID"))  # noqa: B009
            except Exception:
                continue
            removed.append(shmid)
    return removed


def _child_setup(
    scratch: Path, harden: bool, drop: bool, block_signals: bool, watchdog: float | None
) -> None:
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(devnull, target)
    os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    warnings.simplefilter("ignore")
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if harden:
        # Nothing a random call does may lock memory or fill the disk.
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 20, 64 << 20))
        # A huge allocation becomes a MemoryError here instead of pressure on the machine.
        limit = _vm_size() + (2 << 30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    if block_signals:
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals() - CRASH_SIGNALS)
    os.chdir(scratch)
    if drop:
        # A private IPC namespace: every SysV object and POSIX message queue a random call
        # makes dies with the child, and no random id reaches another process's objects.
        if not enter_private_ipc_namespace():
            os._exit(96)
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
        if os.geteuid() != NOBODY or os.getegid() != NOBODY or os.getgroups():
            os._exit(97)
    trace = open(scratch / _TRACEBACK_FILE, "w")  # noqa: SIM115
    faulthandler.enable(trace, all_threads=True)
    if watchdog is not None:
        faulthandler.dump_traceback_later(watchdog, file=trace)


def run_in_child(
    body: Callable[[Sandbox], Any],
    *,
    timeout: float,
    drop: bool = True,
    block_signals: bool = True,
    watchdog: bool = True,
    shared_size: int = 4 << 20,
) -> ChildResult:
    """Fork, set the child up (see the module docstring), run ``body`` and report.

    ``body`` must only use what is already imported. Its return value comes back pickled.
    ``drop=False`` keeps root (for soak tests of calls we choose ourselves).
    """
    # ``import sysapi`` loads areas lazily: load them all while the installation is readable.
    _areas.load_all()
    scratch = Path(tempfile.mkdtemp(prefix="sysapi-reliability-"))
    if drop and os.geteuid() == 0:
        os.chown(scratch, NOBODY, NOBODY)
    scratch.chmod(0o700)
    shared = mmap.mmap(-1, shared_size)
    _HEADER.pack_into(shared, 0, -1, 0, 0)
    sys.stdout.flush()
    sys.stderr.flush()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            _child_setup(
                scratch,
                drop,
                drop and os.geteuid() == 0,
                block_signals,
                timeout * 0.8 if watchdog else None,
            )
            sandbox = Sandbox(scratch, os.geteuid() == NOBODY, shared)
            try:
                report: Any = body(sandbox)
            except BaseException:
                report = {"error": traceback.format_exc()}
                code = 3
            data = pickle.dumps(report)
            if _HEADER.size + len(data) > shared_size:
                data = pickle.dumps({"error": f"report too large ({len(data)} bytes)"})
                code = 4
            step = _HEADER.unpack_from(shared, 0)[0]
            shared[_HEADER.size : _HEADER.size + len(data)] = data
            _HEADER.pack_into(shared, 0, step, 1, len(data))
        except BaseException:
            code = 5
        finally:
            os._exit(code)
    status: int | None = None
    timed_out = False
    pidfd = os.pidfd_open(pid)
    try:
        if not select.select([pidfd], [], [], timeout)[0]:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(pidfd)
    elapsed = time.monotonic() - start
    step, finished, length = _HEADER.unpack_from(shared, 0)
    report = pickle.loads(shared[_HEADER.size : _HEADER.size + length]) if finished else None
    shared.close()
    try:
        trace = (scratch / _TRACEBACK_FILE).read_text(errors="replace")
    except OSError:
        trace = ""
    # A report that finished cleanly has no use for a watchdog's dump.
    if finished and not timed_out and status is not None and os.WIFEXITED(status):
        trace = ""
    removed = _remove_segments_of(pid)
    shutil.rmtree(scratch, ignore_errors=True)
    return ChildResult(
        pid,
        None if timed_out else status,
        timed_out,
        step,
        report,
        elapsed,
        trace.strip(),
        removed,
    )
