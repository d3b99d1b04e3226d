"""PEP 475 for every blocking call: a signal handler that returns makes the call go on (the
sleep or wait resumes, with the time left recomputed), and an exception the handler raises
comes out of the call.

Each case runs in a forked child that fires SIGALRM every 20 ms (setitimer) at a handler
that counts; on its third run the handler either makes the awaited thing happen (a file
appears, a child dies, a signal is queued) or raises. A call that gave up on EINTR would
return early (or raise InterruptedError) with the count still below three.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from typing import Any

import pytest

import sysapi

from ._sandbox import Sandbox, run_in_child

S: Any = sysapi
TICK = 0.02


class Boom(Exception):
    """What the raising handler raises."""


def _with_alarms(
    sandbox: Sandbox,
    call: Callable[[], object],
    on_third: Callable[[], object] | None,
    raises: bool,
) -> dict[str, Any]:
    count = [0]

    def handler(signum: int, frame: object) -> None:
        count[0] += 1
        if count[0] == 3:
            if raises:
                # Disarmed here, not only in the finally below: under load a fourth tick could
                # otherwise run the handler while Boom unwinds, and the count would not say
                # whether the call went on after the third.
                signal.setitimer(signal.ITIMER_REAL, 0, 0)
                raise Boom
            if on_third is not None:
                on_third()

    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, TICK, TICK)
    try:
        result = call()
        outcome = "returned"
    except Boom:
        result, outcome = None, "Boom"
    except BaseException as exc:
        result, outcome = repr(exc), type(exc).__name__
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
    return {"outcome": outcome, "result": result, "handler_runs": count[0]}


# Each case: (needs, setup) where setup(sandbox) -> (call, on_third, check(result) -> bool).
Case = Callable[[Sandbox], tuple[Callable[[], object], Callable[[], object] | None, Any]]


def inotify_read(sandbox: Sandbox) -> Any:
    ino = S.Inotify()
    ino.add_watch(str(sandbox.scratch), S.IN_CREATE)
    return (
        lambda: [e.name for e in ino.read()],
        lambda: (sandbox.scratch / "appeared").write_bytes(b""),
        ["appeared"],
    )


def inotify_read_timeout(sandbox: Sandbox) -> Any:
    ino = S.Inotify()
    ino.add_watch(str(sandbox.scratch), S.IN_CREATE)
    return (lambda: ino.read(timeout=0.3), None, [])


def waitid(sandbox: Sandbox) -> Any:
    pid = os.fork()
    if pid == 0:
        try:
            time.sleep(60)
        finally:
            os._exit(0)

    def call() -> object:
        try:
            info = S.waitid(S.P_PID, pid, S.WEXITED)
            return (info.si_pid == pid, int(info.si_code) == int(S.CLD_KILLED))
        finally:
            with contextlib.suppress(ChildProcessError, ProcessLookupError):  # reaped already
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)

    return (call, lambda: os.kill(pid, signal.SIGKILL), (True, True))


def sigwaitinfo(sandbox: Sandbox) -> Any:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    return (
        lambda: S.sigwaitinfo({signal.SIGUSR1}).si_value,
        lambda: S.sigqueue(os.getpid(), signal.SIGUSR1, 42),
        42,
    )


def sigtimedwait(sandbox: Sandbox) -> Any:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    return (
        lambda: S.sigtimedwait({signal.SIGUSR1}, 30.0).si_value,
        lambda: S.sigqueue(os.getpid(), signal.SIGUSR1, 43),
        43,
    )


def sigtimedwait_timeout(sandbox: Sandbox) -> Any:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    return (lambda: S.sigtimedwait({signal.SIGUSR1}, 0.3), None, None)


def signalfd_read(sandbox: Sandbox) -> Any:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    sfd = S.signalfd({signal.SIGUSR1})
    return (
        lambda: [i.si_value for i in sfd.read()],
        lambda: S.sigqueue(os.getpid(), signal.SIGUSR1, 44),
        [44],
    )


def signalfd_read_timeout(sandbox: Sandbox) -> Any:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    sfd = S.signalfd({signal.SIGUSR1})
    return (lambda: sfd.read(timeout=0.3), None, [])


def pidfd_wait(sandbox: Sandbox) -> Any:
    pid = os.fork()
    if pid == 0:
        try:
            time.sleep(60)
        finally:
            os._exit(0)
    pidfd = S.pidfd_open(pid)

    def call() -> object:
        try:
            info = pidfd.wait()
            return (info.si_pid == pid, int(info.si_code) == int(S.CLD_KILLED))
        finally:
            with contextlib.suppress(ChildProcessError, ProcessLookupError):  # reaped already
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)

    return (call, lambda: pidfd.send_signal(signal.SIGKILL), (True, True))


def clock_nanosleep(sandbox: Sandbox) -> Any:
    return (lambda: S.clock_nanosleep(S.CLOCK_MONOTONIC, 0, 300_000_000), None, 0)


def clock_nanosleep_abstime(sandbox: Sandbox) -> Any:
    def call() -> object:
        deadline = time.clock_gettime_ns(time.CLOCK_MONOTONIC) + 300_000_000
        return S.clock_nanosleep(S.CLOCK_MONOTONIC, S.TIMER_ABSTIME, deadline)

    return (call, None, 0)


def _removed_after(
    call: Callable[[], object], remove: Callable[[], object]
) -> Callable[[], object]:
    """``call``, then the SysV object it used is removed (whatever the call did)."""

    def run() -> object:
        try:
            return call()
        finally:
            remove()

    return run


def _queue() -> tuple[int, Callable[[], object]]:
    msqid = S.msgget(S.IPC_PRIVATE, S.IPC_CREAT | 0o600)
    return msqid, lambda: S.msgctl(msqid, S.IPC_RMID)


def _set() -> tuple[int, Callable[[], object]]:
    semid = S.semget(S.IPC_PRIVATE, 1, S.IPC_CREAT | 0o600)
    return semid, lambda: S.semctl(semid, 0, S.IPC_RMID)


def msgrcv(sandbox: Sandbox) -> Any:
    msqid, remove = _queue()
    return (
        _removed_after(lambda: S.msgrcv(msqid, 100), remove),
        lambda: S.msgsnd(msqid, 5, b"late"),
        (5, b"late"),
    )


def msgsnd(sandbox: Sandbox) -> Any:
    msqid, remove = _queue()
    S.msgctl(msqid, S.IPC_SET, msg_qbytes=1)
    S.msgsnd(msqid, 1, b"x")  # full: the next msgsnd waits for room

    def call() -> object:
        S.msgsnd(msqid, 2, b"y")
        return S.msgrcv(msqid, 10, 2, S.IPC_NOWAIT)

    return (_removed_after(call, remove), lambda: S.msgrcv(msqid, 10), (2, b"y"))


def semop(sandbox: Sandbox) -> Any:
    semid, remove = _set()

    def call() -> object:
        S.semop(semid, [S.SemBuf(0, -1)])
        return S.semctl(semid, 0, S.GETVAL)

    return (_removed_after(call, remove), lambda: S.semop(semid, [S.SemBuf(0, 1)]), 0)


def semtimedop(sandbox: Sandbox) -> Any:
    semid, remove = _set()
    return (
        _removed_after(lambda: S.semtimedop(semid, [S.SemBuf(0, -1)], 30.0), remove),
        lambda: S.semop(semid, [S.SemBuf(0, 1)]),
        True,
    )


def semtimedop_timeout(sandbox: Sandbox) -> Any:
    semid, remove = _set()
    return (
        _removed_after(lambda: S.semtimedop(semid, [S.SemBuf(0, -1)], 0.3), remove),
        None,
        False,
    )


def _posix_queue(sandbox: Sandbox, full: bool) -> Any:
    """A one-message queue (full, or empty), already unlinked."""
    name = f"/sysapi-pep475-{os.getpid()}"
    q = S.mq_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600, S.MqAttr(0, 1, 16))
    S.mq_unlink(name)
    if full:
        q.send(b"full")
    return q


def mq_receive(sandbox: Sandbox) -> Any:
    q = _posix_queue(sandbox, full=False)
    return (lambda: q.receive(), lambda: q.send(b"late", 2), (b"late", 2))


def mq_receive_timeout(sandbox: Sandbox) -> Any:
    q = _posix_queue(sandbox, full=False)
    return (lambda: q.receive(timeout=30.0), lambda: q.send(b"late", 2), (b"late", 2))


def mq_receive_expires(sandbox: Sandbox) -> Any:
    q = _posix_queue(sandbox, full=False)
    return (lambda: q.receive(timeout=0.3), None, None)


def mq_send(sandbox: Sandbox) -> Any:
    q = _posix_queue(sandbox, full=True)
    return (lambda: q.send(b"in"), q.receive, True)


def mq_send_timeout(sandbox: Sandbox) -> Any:
    q = _posix_queue(sandbox, full=True)
    return (lambda: q.send(b"in", timeout=30.0), q.receive, True)


def mq_send_expires(sandbox: Sandbox) -> Any:
    q = _posix_queue(sandbox, full=True)
    return (lambda: q.send(b"in", timeout=0.3), None, False)


def thin_mq_receive(sandbox: Sandbox) -> Any:
    q = _posix_queue(sandbox, full=False)
    return (lambda: S.mq_receive(q), lambda: S.mq_send(q, b"late"), (b"late", 0))


def thin_mq_timedreceive(sandbox: Sandbox) -> Any:
    q = _posix_queue(sandbox, full=False)
    return (
        lambda: S.mq_timedreceive(q, None, time.time() + 30),
        lambda: S.mq_send(q, b"late"),
        (b"late", 0),
    )


def thin_mq_send(sandbox: Sandbox) -> Any:
    q = _posix_queue(sandbox, full=True)
    return (lambda: S.mq_send(q, b"in"), lambda: S.mq_receive(q), None)


def thin_mq_timedsend(sandbox: Sandbox) -> Any:
    q = _posix_queue(sandbox, full=True)
    return (lambda: S.mq_timedsend(q, b"in", 0, time.time() + 30), lambda: S.mq_receive(q), True)


def _named(sandbox: Sandbox) -> Any:
    name = f"/sysapi-pep475-{os.getpid()}"
    s = S.sem_open(name, os.O_CREAT | os.O_EXCL, 0o600, 0)
    S.sem_unlink(name)
    return s


def sem_acquire(sandbox: Sandbox) -> Any:
    s = _named(sandbox)
    return (lambda: s.acquire(), s.release, True)


def sem_acquire_timeout(sandbox: Sandbox) -> Any:
    s = _named(sandbox)
    return (lambda: s.acquire(30.0), s.release, True)


def sem_acquire_expires(sandbox: Sandbox) -> Any:
    s = _named(sandbox)
    return (lambda: s.acquire(0.3), None, False)


def unnamed_acquire(sandbox: Sandbox) -> Any:
    s = S.Semaphore(bytearray(64), 0)
    return (lambda: s.acquire(), s.release, True)


def unnamed_acquire_timeout(sandbox: Sandbox) -> Any:
    s = S.Semaphore(bytearray(64), 0)
    return (lambda: s.acquire(30.0), s.release, True)


CASES: list[tuple[str, tuple[str, ...], Any]] = [
    ("Inotify.read", ("Inotify",), inotify_read),
    ("Inotify.read(timeout)", ("Inotify",), inotify_read_timeout),
    ("waitid", ("waitid",), waitid),
    ("sigwaitinfo", ("sigwaitinfo", "sigqueue"), sigwaitinfo),
    ("sigtimedwait", ("sigtimedwait", "sigqueue"), sigtimedwait),
    ("sigtimedwait(timeout)", ("sigtimedwait",), sigtimedwait_timeout),
    ("SignalFd.read", ("SignalFd", "sigqueue"), signalfd_read),
    ("SignalFd.read(timeout)", ("SignalFd",), signalfd_read_timeout),
    ("PidFd.wait", ("PidFd",), pidfd_wait),
    ("clock_nanosleep", ("clock_nanosleep",), clock_nanosleep),
    ("clock_nanosleep(TIMER_ABSTIME)", ("clock_nanosleep",), clock_nanosleep_abstime),
    ("msgrcv", ("msgrcv", "msgsnd"), msgrcv),
    ("msgsnd", ("msgsnd", "msgrcv", "msgctl"), msgsnd),
    ("semop", ("semop", "semctl"), semop),
    ("semtimedop", ("semtimedop", "semop"), semtimedop),
    ("semtimedop(timeout)", ("semtimedop",), semtimedop_timeout),
    ("MessageQueue.receive", ("MessageQueue",), mq_receive),
    ("MessageQueue.receive(timeout)", ("MessageQueue",), mq_receive_timeout),
    ("MessageQueue.receive(timeout) expires", ("MessageQueue",), mq_receive_expires),
    ("MessageQueue.send", ("MessageQueue",), mq_send),
    ("MessageQueue.send(timeout)", ("MessageQueue",), mq_send_timeout),
    ("MessageQueue.send(timeout) expires", ("MessageQueue",), mq_send_expires),
    ("mq_receive", ("mq_receive",), thin_mq_receive),
    ("mq_timedreceive", ("mq_timedreceive",), thin_mq_timedreceive),
    ("mq_send", ("mq_send",), thin_mq_send),
    ("mq_timedsend", ("mq_timedsend",), thin_mq_timedsend),
    ("NamedSemaphore.acquire", ("NamedSemaphore",), sem_acquire),
    ("NamedSemaphore.acquire(timeout)", ("NamedSemaphore",), sem_acquire_timeout),
    ("NamedSemaphore.acquire(timeout) expires", ("NamedSemaphore",), sem_acquire_expires),
    ("Semaphore.acquire", ("Semaphore",), unnamed_acquire),
    ("Semaphore.acquire(timeout)", ("Semaphore",), unnamed_acquire_timeout),
]
AVAILABLE = [c for c in CASES if all(hasattr(sysapi, n) for n in c[1])]


def _run(setup: Any, raises: bool) -> dict[str, Any]:
    def body(sandbox: Sandbox) -> dict[str, Any]:
        call, on_third, expected = setup(sandbox)
        report = _with_alarms(sandbox, call, on_third, raises)
        report["expected"] = expected
        return report

    child = run_in_child(body, timeout=30.0, drop=False, block_signals=False)
    assert child.ok, child.describe()
    report: dict[str, Any] = child.report
    return report


@pytest.mark.parametrize(("name", "needs", "setup"), AVAILABLE, ids=[c[0] for c in AVAILABLE])
def test_a_handler_that_returns_resumes_the_call(name: str, needs: object, setup: Any) -> None:
    report = _run(setup, raises=False)
    assert report["outcome"] == "returned", report
    assert report["result"] == report["expected"], report
    assert report["handler_runs"] >= 3, report


@pytest.mark.parametrize(("name", "needs", "setup"), AVAILABLE, ids=[c[0] for c in AVAILABLE])
def test_a_handler_that_raises_ends_the_call_with_its_exception(
    name: str, needs: object, setup: Any
) -> None:
    report = _run(setup, raises=True)
    assert report["outcome"] == "Boom", report
    assert report["handler_runs"] == 3, report


def test_every_blocking_call_is_covered() -> None:
    names = {n for c in AVAILABLE for n in c[1]}
    blocking_calls = (
        "Inotify",
        "waitid",
        "sigwaitinfo",
        "sigtimedwait",
        "clock_nanosleep",
        "msgsnd",
        "msgrcv",
        "semop",
        "semtimedop",
        "MessageQueue",
        "mq_send",
        "mq_timedsend",
        "mq_receive",
        "mq_timedreceive",
        "NamedSemaphore",
        "Semaphore",
        "SignalFd",
        "PidFd",
    )
    for blocking in blocking_calls:
        if hasattr(sysapi, blocking):
            assert blocking in names
