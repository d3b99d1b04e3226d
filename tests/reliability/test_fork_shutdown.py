"""Fork and shutdown: handles used in a forked child behave as documented, and interpreter
exit with live watchers, armed timers and attached segments never crashes.

Documented fork behaviour: an Inotify descriptor is inherited (the child reads the shared
queue); a PosixTimer is not (in the child it is closed: ValueError, no kernel timer, while the
parent's keeps running); a ShmAttachment is inherited (both see each other's writes); a
SignalFd is inherited and reads the signals of the process that reads it; a PidFd is
inherited and still refers to the same process (a sibling, for the child: it may signal it,
not wait for it); SysV queue and set ids work in both, while SEM_UNDO adjustments stay with
the process that made them.
"""

from __future__ import annotations

import mmap
import os
import signal
import subprocess
import sys
import textwrap
import threading
from typing import Any

import pytest

import sysapi

from . import _budget
from ._sandbox import Sandbox, count_timers, run_in_child

S: Any = sysapi
REPEAT = _budget.scaled(10, 100)


def test_an_inherited_inotify_reads_the_shared_queue() -> None:
    def body(sandbox: Sandbox) -> dict[str, Any]:
        ino = S.Inotify()
        ino.add_watch(str(sandbox.scratch), S.IN_CREATE)
        (sandbox.scratch / "before-fork").write_bytes(b"")
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                names = [e.name for e in ino.read(timeout=5.0)]
                code = 0 if names == ["before-fork"] else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        return {"child": os.waitstatus_to_exitcode(status), "parent_left": ino.read(timeout=0)}

    child = run_in_child(body, timeout=30.0, drop=False)
    assert child.ok, child.describe()
    assert child.report == {"child": 0, "parent_left": []}


def test_a_timer_is_not_inherited_and_keeps_running_in_the_parent() -> None:
    def body(sandbox: Sandbox) -> dict[str, Any]:
        ticks = threading.Semaphore(0)
        timer = S.PosixTimer(S.CLOCK_MONOTONIC, callback=lambda value: ticks.release())
        timer.settime_ns(1_000_000, 1_000_000)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                try:
                    timer.gettime()
                    code = 2
                except ValueError:
                    code = 0 if timer.closed and count_timers() == 0 else 3
                timer.delete()  # a no-op: never reaches glibc with the parent's id
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        alive = ticks.acquire(timeout=5.0) and timer.gettime().it_interval_ns == 1_000_000
        timer.delete()
        return {"child": os.waitstatus_to_exitcode(status), "parent_timer_alive": alive}

    child = run_in_child(body, timeout=30.0, drop=False)
    assert child.ok, child.describe()
    assert child.report == {"child": 0, "parent_timer_alive": True}


def test_an_attachment_is_inherited_both_ways() -> None:
    def body(sandbox: Sandbox) -> dict[str, Any]:
        shmid = S.shmget(S.IPC_PRIVATE, 4096, S.IPC_CREAT | 0o600)
        try:
            attachment = S.shmat(shmid)
            attachment[:6] = b"parent"
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    seen = bytes(attachment[:6])
                    attachment[:5] = b"child"
                    attachment.detach()
                    code = 0 if seen == b"parent" else 2
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            return {
                "child": os.waitstatus_to_exitcode(status),
                "parent_sees": bytes(attachment[:6]),
                "nattch": S.shmctl(shmid, S.IPC_STAT).shm_nattch,
            }
        finally:
            S.shmctl(shmid, S.IPC_RMID)

    child = run_in_child(body, timeout=30.0, drop=False)
    assert child.ok, child.describe()
    assert child.report == {"child": 0, "parent_sees": b"childt", "nattch": 1}


def test_posix_queues_and_semaphores_are_inherited() -> None:
    """A MessageQueue, a NamedSemaphore and an unnamed Semaphore in a MAP_SHARED mapping
    work in a forked child; closing them there leaves the parent's open."""

    def body(sandbox: Sandbox) -> dict[str, Any]:
        name = f"/sysapi-fork-{os.getpid()}"
        q = S.mq_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600, S.MqAttr(0, 2, 16))
        S.mq_unlink(name)
        named = S.sem_open(name, os.O_CREAT | os.O_EXCL, 0o600, 0)
        S.sem_unlink(name)
        shared = mmap.mmap(-1, 4096)
        unnamed = S.Semaphore(shared, 0)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                q.send(b"from the child", 5)
                named.release()
                unnamed.release()
                q.close()
                named.close()
                unnamed.close()
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        report = {
            "child": os.waitstatus_to_exitcode(status),
            "message": q.receive(timeout=5.0),
            "named": named.acquire(5.0),
            "unnamed": unnamed.acquire(5.0),
            "parent_open": not (q.closed or named.closed or unnamed.closed),
        }
        q.close()
        named.close()
        unnamed.close()
        shared.close()
        return report

    child = run_in_child(body, timeout=30.0, drop=False)
    assert child.ok, child.describe()
    assert child.report == {
        "child": 0,
        "message": (b"from the child", 5),
        "named": True,
        "unnamed": True,
        "parent_open": True,
    }


def test_an_inherited_signalfd_reads_the_readers_signals() -> None:
    def body(sandbox: Sandbox) -> dict[str, Any]:
        sig = signal.SIGRTMIN
        signal.pthread_sigmask(signal.SIG_BLOCK, {sig})
        sfd = S.signalfd({sig})
        S.sigqueue(os.getpid(), sig, 1)  # the parent's: the child does not see it
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                S.sigqueue(os.getpid(), sig, 2)
                values = [i.si_value for i in sfd.read(timeout=5.0)]
                code = 0 if values == [2] and sfd.read(timeout=0) == [] else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        left = [i.si_value for i in sfd.read(timeout=0)]
        sfd.close()
        return {"child": os.waitstatus_to_exitcode(status), "parent_left": left}

    child = run_in_child(body, timeout=30.0, drop=False)
    assert child.ok, child.describe()
    assert child.report == {"child": 0, "parent_left": [1]}


def test_a_child_forked_while_a_thread_reads_can_read_and_close() -> None:
    """The parent's reader holds the read lock and the wake-up eventfd when the child is
    forked: the child reads and closes without waiting for a thread it does not have, and its
    close does not wake the parent's reader."""

    def body(sandbox: Sandbox) -> dict[str, Any]:
        sig = signal.SIGRTMIN
        sfd = S.signalfd({sig})
        got: list[int] = []
        reader = threading.Thread(target=lambda: got.extend(i.si_value for i in sfd.read(30)))
        reader.start()
        while not sfd._users:  # the reader is waiting (with the read lock)
            threading.Event().wait(0.001)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                S.sigqueue(os.getpid(), sig, 2)
                values = [i.si_value for i in sfd.read(timeout=5.0)]
                sfd.close()
                code = 0 if values == [2] else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        S.sigqueue(os.getpid(), sig, 1)
        reader.join(30)
        sfd.close()
        return {"child": os.waitstatus_to_exitcode(status), "parent_read": got}

    child = run_in_child(body, timeout=60.0, drop=False)
    assert child.ok, child.describe()
    assert child.report == {"child": 0, "parent_read": [1]}


def test_an_inherited_pidfd_refers_to_the_same_process() -> None:
    def body(sandbox: Sandbox) -> dict[str, Any]:
        r, w = os.pipe()
        sibling = os.fork()
        if sibling == 0:
            os.close(w)
            os.read(r, 1)
            os._exit(6)
        os.close(r)
        pidfd = S.pidfd_open(sibling)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                pidfd.send_signal(0)  # it may signal its sibling
                try:
                    pidfd.wait(S.WEXITED | S.WNOHANG)
                    code = 2
                except ChildProcessError:  # not its child
                    code = 0 if pidfd.pid == sibling else 3
                pidfd.close()  # the parent's descriptor stays open
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        os.close(w)
        result = pidfd.wait()
        pidfd.close()
        return {
            "child": os.waitstatus_to_exitcode(status),
            "sibling_status": None if result is None else result.si_status,
        }

    child = run_in_child(body, timeout=30.0, drop=False)
    assert child.ok, child.describe()
    assert child.report == {"child": 0, "sibling_status": 6}


#: A program that leaves everything open and exits in the way named by argv[1].
PROGRAM = textwrap.dedent(
    """
    import os, signal, sys, tempfile, threading
    import sysapi

    how = sys.argv[1]
    tmp = tempfile.mkdtemp()
    keep = []
    # The signalfd signals, blocked before any thread starts: a thread inherits the mask it is
    # created with, and a process-directed SIGUSR1 would kill any thread that lets it in.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGRTMIN})
    if hasattr(sysapi, "Inotify"):
        for _ in range(4):
            ino = sysapi.Inotify()
            ino.add_watch(tmp, sysapi.IN_ALL_EVENTS)
            keep.append(ino)
        open(os.path.join(tmp, "pending-event"), "w").close()
    if hasattr(sysapi, "PosixTimer"):
        ticks = []
        for _ in range(4):
            t = sysapi.PosixTimer(sysapi.CLOCK_MONOTONIC, callback=ticks.append)
            t.settime_ns(100_000, 100_000)  # every 100 µs
            keep.append(t)
        signal.signal(signal.SIGUSR2, lambda *a: None)
        t = sysapi.PosixTimer(sysapi.CLOCK_MONOTONIC, signo=signal.SIGUSR2)
        t.settime_ns(100_000, 100_000)
        keep.append(t)
    if hasattr(sysapi, "shmat"):
        shmid = sysapi.shmget(sysapi.IPC_PRIVATE, 1 << 20, sysapi.IPC_CREAT | 0o600)
        keep.append(sysapi.shmat(shmid))
        keep.append(memoryview(keep[-1]))  # an export: the attachment cannot even detach
        sysapi.shmctl(shmid, sysapi.IPC_RMID)  # gone for good when the process is
    if hasattr(sysapi, "MessageQueue"):
        name = f"/sysapi-exit-{os.getpid()}"
        q = sysapi.mq_open(name, os.O_CREAT | os.O_RDWR)
        sysapi.mq_unlink(name)
        q.send(b"left queued")
        keep.append(q)
        s = sysapi.sem_open(name, os.O_CREAT, 0o600, 0)
        sysapi.sem_unlink(name)
        keep.append(s)
        # A thread blocked in sem_wait while the interpreter exits, and an unnamed
        # semaphore whose buffer stays exported.
        threading.Thread(target=s.acquire, daemon=True).start()
        keep.append(sysapi.Semaphore(bytearray(64), 1))
    if hasattr(sysapi, "SignalFd"):
        sfd = sysapi.signalfd({signal.SIGUSR1})
        # Pending, never read; sent to this thread: the semaphore's thread above does not
        # block it and would take a process-wide one (its default action ends the process).
        signal.pthread_kill(threading.get_ident(), signal.SIGUSR1)
        keep.append(sfd)
        waiter = sysapi.signalfd({signal.SIGRTMIN})
        keep.append(waiter)
        threading.Thread(target=waiter.read, daemon=True).start()  # blocked in it at exit
    if hasattr(sysapi, "PidFd"):
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        keep.append(sysapi.pidfd_open(pid))  # a zombie, never reaped by us
    threading.Event().wait(0.01)
    if how == "exit":
        sys.exit(0)
    if how == "raise":
        raise SystemExit(0)
    if how == "thread":
        threading.Thread(target=lambda: threading.Event().wait(0.05), daemon=True).start()
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["fall-off", "exit", "raise", "thread"])
def test_interpreter_exit_with_everything_live_never_crashes(how: str) -> None:
    failures = []
    for attempt in range(REPEAT):
        done = subprocess.run(
            [sys.executable, "-X", "dev", "-c", PROGRAM, how],
            capture_output=True,
            text=True,
            timeout=60,
        )
        fatal = "Fatal Python error" in done.stderr or "Segmentation" in done.stderr
        if done.returncode != 0 or fatal:
            failures.append((attempt, done.returncode, done.stderr[-2000:]))
    _budget.record("shutdown", **{how: {"runs": REPEAT, "failures": len(failures)}})
    assert not failures, failures


def test_sysv_ids_are_shared_and_sem_undo_is_per_process() -> None:
    """A forked child uses the parent's queue and set by id (they are kernel objects, not
    handles); its SEM_UNDO adjustments are its own and undone at its exit, never the
    parent's (semop(2): undo entries are not inherited across fork)."""

    def body(sandbox: Sandbox) -> dict[str, Any]:
        msqid = S.msgget(S.IPC_PRIVATE, S.IPC_CREAT | 0o600)
        semid = S.semget(S.IPC_PRIVATE, 1, S.IPC_CREAT | 0o600)
        try:
            S.semop(semid, [S.SemBuf(0, 5, S.SEM_UNDO)])
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    S.msgsnd(msqid, 1, S.msgrcv(msqid, 100, 2)[1] + b" back")
                    S.semop(semid, [S.SemBuf(0, -2, S.SEM_UNDO)])
                    code = 0
                finally:
                    os._exit(code)
            S.msgsnd(msqid, 2, b"there and")
            reply = S.msgrcv(msqid, 100, 1)
            _, status = os.waitpid(pid, 0)
            return {
                "child": os.waitstatus_to_exitcode(status),
                "reply": reply,
                "value_after_child": S.semctl(semid, 0, S.GETVAL),
            }
        finally:
            S.msgctl(msqid, S.IPC_RMID)
            S.semctl(semid, 0, S.IPC_RMID)

    child = run_in_child(body, timeout=30.0, drop=False)
    assert child.ok, child.describe()
    # The child's -2 was undone when it exited; the parent's +5 stands.
    assert child.report == {"child": 0, "reply": (1, b"there and back"), "value_after_child": 5}


#: Threads blocked in msgrcv and semop while the interpreter exits; atexit removes the objects.
BLOCKED = textwrap.dedent(
    """
    import atexit, sys, threading
    import sysapi

    msqid = sysapi.msgget(sysapi.IPC_PRIVATE, sysapi.IPC_CREAT | 0o600)
    semid = sysapi.semget(sysapi.IPC_PRIVATE, 1, sysapi.IPC_CREAT | 0o600)
    atexit.register(sysapi.semctl, semid, 0, sysapi.IPC_RMID)
    atexit.register(sysapi.msgctl, msqid, sysapi.IPC_RMID)
    print(msqid, semid, flush=True)
    waits = [(sysapi.msgrcv, (msqid, 100)), (sysapi.semop, (semid, [sysapi.SemBuf(0, -1)]))]
    for target, args in waits:
        threading.Thread(target=target, args=args, daemon=True).start()
    threading.Event().wait(0.05)
    if sys.argv[1] == "exit":
        sys.exit(0)
    """
)


@pytest.mark.parametrize("how", ["fall-off", "exit"])
def test_exit_with_threads_blocked_in_msgrcv_and_semop(how: str) -> None:
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-c", BLOCKED, how],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Fatal Python error" not in done.stderr and "Segmentation" not in done.stderr
    msqid, semid = (int(word) for word in done.stdout.split())
    for kind, ident in (("msg", msqid), ("sem", semid)):
        with open(f"/proc/sysvipc/{kind}") as f:
            assert all(int(line.split()[1]) != ident for line in list(f)[1:]), (kind, ident)
