from __future__ import annotations

import dataclasses
import errno
import os
import pickle
import resource
import signal
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sysapi
from sysapi import errors, process
from sysapi.process import (
    CLD_CONTINUED,
    CLD_EXITED,
    CLD_KILLED,
    CLD_STOPPED,
    CldCode,
    WaitidResult,
)


def _fork(body: str = "sleep", code: int = 0) -> int:
    """A child that sleeps (killed by the test), burns CPU then exits, or exits at once."""
    pid = os.fork()
    if pid == 0:
        try:
            if body == "sleep":
                time.sleep(60)
            elif body == "burn":
                total = 0
                for i in range(2_000_000):
                    total += i
            elif body == "pgrp":
                os.setpgid(0, 0)
                time.sleep(60)
        finally:
            os._exit(code)
    return pid


@pytest.fixture
def sleeper() -> Iterator[int]:
    pid = _fork()
    try:
        yield pid
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def test_exited_child() -> None:
    pid = _fork("exit", 7)
    result = process.waitid(process.P_PID, pid, process.WEXITED)
    assert result is not None
    assert result.si_pid == pid
    assert result.si_uid == os.getuid()
    assert result.si_signo == signal.SIGCHLD
    assert result.si_code is CLD_EXITED
    assert result.si_status == 7
    assert result.rusage is None


def test_killed_child(sleeper: int) -> None:
    os.kill(sleeper, signal.SIGKILL)
    result = process.waitid(process.P_PID, sleeper, process.WEXITED)
    assert result is not None
    assert result.si_code is CLD_KILLED
    assert result.si_status is signal.SIGKILL


def test_stopped_then_continued_child(sleeper: int) -> None:
    os.kill(sleeper, signal.SIGSTOP)
    stopped = process.waitid(process.P_PID, sleeper, process.WSTOPPED)
    assert stopped is not None
    assert (stopped.si_pid, stopped.si_code, stopped.si_status) == (
        sleeper,
        CLD_STOPPED,
        signal.SIGSTOP,
    )
    os.kill(sleeper, signal.SIGCONT)
    continued = process.waitid(process.P_PID, sleeper, process.WCONTINUED)
    assert continued is not None
    assert (continued.si_code, continued.si_status) == (CLD_CONTINUED, signal.SIGCONT)
    # Both were consumed: nothing more to report for the running child.
    options = process.WSTOPPED | process.WCONTINUED | process.WNOHANG
    assert process.waitid(process.P_PID, sleeper, options) is None


def test_wnohang_returns_none_while_the_child_runs(sleeper: int) -> None:
    assert process.waitid(process.P_PID, sleeper, process.WEXITED | process.WNOHANG) is None


def test_wnowait_leaves_the_child_waitable() -> None:
    pid = _fork("exit", 3)
    peek = process.waitid(process.P_PID, pid, process.WEXITED | process.WNOWAIT)
    reap = process.waitid(process.P_PID, pid, process.WEXITED)
    assert peek is not None and reap is not None
    assert peek.si_pid == reap.si_pid == pid
    assert peek.si_status == reap.si_status == 3
    with pytest.raises(errors.ECHILD):
        process.waitid(process.P_PID, pid, process.WEXITED)


def test_rusage_and_cpu_times() -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    pid = _fork("burn")
    result = process.waitid(process.P_PID, pid, process.WEXITED, rusage=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert result is not None and result.rusage is not None
    ru = result.rusage
    assert isinstance(ru, resource.struct_rusage)
    # The kernel added exactly this child's usage to RUSAGE_CHILDREN when we reaped it.
    assert after.ru_minflt - before.ru_minflt == ru.ru_minflt > 0
    assert after.ru_utime - before.ru_utime == pytest.approx(ru.ru_utime, abs=1e-5)
    # si_utime/si_stime are the rusage times in clock ticks.
    tick = os.sysconf("SC_CLK_TCK")
    assert result.si_utime == int(ru.ru_utime * tick + 1e-9)
    assert result.si_stime == int(ru.ru_stime * tick + 1e-9)
    assert result.utime == result.si_utime / tick


def test_result_is_an_ordinary_frozen_waitid_result() -> None:
    # waitid builds its result through a private builder (no __init__): it must behave exactly
    # as one __init__ built, and agree with the stdlib's view of the same child.
    pid = _fork("exit", 5)
    result = process.waitid(process.P_PID, pid, process.WEXITED | process.WNOWAIT, rusage=True)
    stdlib = os.waitid(os.P_PID, pid, os.WEXITED)
    assert result is not None and stdlib is not None and type(result) is WaitidResult
    assert (result.si_pid, result.si_uid, result.si_signo, result.si_status, result.si_code) == (
        stdlib.si_pid,
        stdlib.si_uid,
        stdlib.si_signo,
        stdlib.si_status,
        stdlib.si_code,
    )
    fields = {name: getattr(result, name) for name in WaitidResult.__dataclass_fields__}
    twin = WaitidResult(**fields)
    assert result == twin and hash(result) == hash(twin) and repr(result) == repr(twin)
    assert dataclasses.replace(result, si_status=1).si_status == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.si_status = 1  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(result)) == result


def test_waits_from_several_threads_read_their_own_child() -> None:
    # The output buffers are pooled: concurrent waits must never see each other's result.
    pids = {_fork("exit", code): code for code in range(1, 9)}
    seen: dict[int, int] = {}

    def reap(pid: int) -> None:
        for _ in range(200):  # WNOHANG polls, returning None, share the pool too
            process.waitid(process.P_PID, pid, process.WEXITED | process.WNOHANG | process.WNOWAIT)
        result = process.waitid(process.P_PID, pid, process.WEXITED)
        assert result is not None and result.si_pid == pid
        seen[pid] = result.si_status

    threads = [threading.Thread(target=reap, args=(pid,)) for pid in pids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == pids


def test_p_pgid() -> None:
    pid = _fork("pgrp")
    try:
        while os.getpgid(pid) != pid:  # the child moves into its own group
            time.sleep(0.001)
        os.kill(pid, signal.SIGTERM)
        result = process.waitid(process.P_PGID, pid, process.WEXITED)
        assert result is not None
        assert (result.si_pid, result.si_status) == (pid, signal.SIGTERM)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def test_p_pidfd() -> None:
    pid = _fork("exit", 5)
    fd = os.pidfd_open(pid)
    try:
        result = process.waitid(process.P_PIDFD, fd, process.WEXITED)
    finally:
        os.close(fd)
    assert result is not None and (result.si_pid, result.si_status) == (pid, 5)


def test_nonblocking_pidfd_eagain_is_documented(sleeper: int) -> None:
    """Linux 5.10 answers EAGAIN for a PIDFD_NONBLOCK pidfd (O_NONBLOCK) of a running child;
    0.1.0's spec lacked it, so the error came out with documented=False."""
    pidfd = os.pidfd_open(sleeper, os.O_NONBLOCK)
    try:
        with pytest.raises(errors.EAGAIN) as info:
            process.waitid(process.P_PIDFD, pidfd, process.WEXITED)
        assert info.value.syscall == "waitid" and info.value.documented
    finally:
        os.close(pidfd)


def test_p_all_takes_any_child() -> None:
    pid = _fork("exit", 0)
    result = process.waitid(process.P_ALL, 0, process.WEXITED)
    assert result is not None and result.si_pid == pid


def test_blocking_wait_releases_the_gil(sleeper: int) -> None:
    ticks = 0
    done = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)
        os.kill(sleeper, signal.SIGKILL)

    def stop_soon() -> None:
        while ticks < 20:
            time.sleep(0.001)
        done.set()

    def held_the_gil(signum: int, frame: object) -> None:
        # Runs when the interrupted wait returns to Python: the test fails instead of hanging.
        raise AssertionError("the other threads never ran during waitid")

    old = signal.signal(signal.SIGALRM, held_the_gil)
    signal.setitimer(signal.ITIMER_REAL, 10)
    threads = [threading.Thread(target=count), threading.Thread(target=stop_soon)]
    try:
        for t in threads:
            t.start()
        # Returns only once the other threads ran to 20 ticks and killed the child.
        result = process.waitid(process.P_PID, sleeper, process.WEXITED)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        done.set()
        for t in threads:
            t.join()
    assert result is not None and result.si_code is CLD_KILLED
    assert ticks >= 20


def test_errors_carry_the_call_and_spec() -> None:
    with pytest.raises(ChildProcessError) as info:
        process.waitid(process.P_PID, 1, process.WEXITED)
    assert isinstance(info.value, errors.ECHILD)
    assert info.value.syscall == "waitid" and info.value.documented
    assert "Raises:" in (process.waitid.__doc__ or "")


def test_bad_python_input() -> None:
    with pytest.raises(OverflowError):
        process.waitid(process.P_PID, 2**31, process.WEXITED)
    with pytest.raises(TypeError):
        process.waitid("P_PID", 1, process.WEXITED)  # type: ignore[arg-type]


def test_unknown_cld_code_survives() -> None:
    code = CldCode(42)
    assert code == 42 and code.name == "CLD_42"
    assert CldCode(1) is CLD_EXITED


def test_constants_are_exported() -> None:
    for name in process.__all__:
        assert getattr(sysapi, name) is getattr(process, name)
    assert sysapi.P_PIDFD == os.P_PIDFD
    assert sysapi.WNOWAIT == os.WNOWAIT
    assert sysapi.CLD_TRAPPED == os.CLD_TRAPPED


@settings(max_examples=200, deadline=None)
@given(
    idtype=st.integers(min_value=-(2**31), max_value=2**31 - 1),
    id=st.integers(min_value=-(2**32), max_value=2**32),
    options=st.integers(min_value=0, max_value=2**31 - 1),
)
def test_arbitrary_arguments_never_crash_or_block(idtype: int, id: int, options: int) -> None:
    # WNOHANG always set: the test process has no children left, so nothing may block.
    try:
        result = process.waitid(idtype, id, options | process.WNOHANG)
    except OverflowError:
        assert not -(2**31) <= id < 2**31
    except errors.SysapiError as exc:
        assert exc.documented, exc
        assert exc.errno in (errno.ECHILD, errno.EINVAL, errno.EBADF)
    else:
        assert result is None
