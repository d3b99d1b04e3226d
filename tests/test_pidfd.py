"""Process descriptors: pidfd_open / PidFd, pidfd_send_signal, pidfd_getfd, await_exit."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import gc
import os
import re
import signal
import struct
import subprocess
import sys
import textwrap
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sysapi
from sysapi import errors, process
from sysapi.process import (
    CLD_EXITED,
    CLD_KILLED,
    PIDFD_NONBLOCK,
    PIDFD_THREAD,
    WEXITED,
    WNOHANG,
    WSTOPPED,
    PidFd,
)
from sysapi.signals import SI_QUEUE, SI_USER


class Child:
    """A forked child that waits until :meth:`release` (or the test ends), then exits with
    ``code``. It blocks ``blocked`` first, and reports the first signal of that set it takes
    (signo, code, value, pid, uid) through a pipe when ``report`` is set."""

    def __init__(self, code: int = 0, blocked: frozenset[int] = frozenset()) -> None:
        self.gate_r, self.gate_w = os.pipe()
        self.out_r, out_w = os.pipe()
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            status = 99
            try:
                os.close(self.gate_w)
                os.close(ready_r)
                if blocked:
                    signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
                os.write(ready_w, b"r")
                if blocked:
                    info = sysapi.sigwaitinfo(blocked)
                    record = (info.si_signo, info.si_code, info.si_value, info.si_pid, info.si_uid)
                    os.write(out_w, struct.pack("5i", *record))
                os.read(self.gate_r, 1)
                status = code
            finally:
                os._exit(status)
        os.close(self.gate_r)
        os.close(out_w)
        os.close(ready_w)
        os.read(ready_r, 1)  # the mask is in place
        os.close(ready_r)
        self.pid = pid
        self.reaped = False

    def release(self) -> None:
        if self.gate_w >= 0:
            os.close(self.gate_w)
            self.gate_w = -1

    def report(self) -> tuple[int, ...]:
        data = os.read(self.out_r, 20)
        return struct.unpack("5i", data)

    def cleanup(self) -> None:
        self.release()
        os.close(self.out_r)
        if not self.reaped:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self.pid, 0)


@pytest.fixture
def child() -> Iterator[Child]:
    c = Child(code=7)
    try:
        yield c
    finally:
        c.cleanup()


# ---- pidfd_open / PidFd ----------------------------------------------------------------------


def test_pidfd_open_returns_an_owned_close_on_exec_descriptor(child: Child) -> None:
    with process.pidfd_open(child.pid) as pidfd:
        assert isinstance(pidfd, PidFd) and isinstance(pidfd, sysapi.Fd)
        assert pidfd.pid == child.pid
        assert fcntl.fcntl(pidfd.fileno(), fcntl.F_GETFD) & fcntl.FD_CLOEXEC
        assert f"pid={child.pid}" in repr(pidfd)
    assert pidfd.closed
    with pytest.raises(ValueError):
        pidfd.fileno()
    with pytest.raises(ValueError):
        pidfd.wait()
    with pytest.raises(ValueError):
        pidfd.send_signal(0)


def test_the_constructor_opens_as_pidfd_open_does(child: Child) -> None:
    with PidFd(child.pid, PIDFD_NONBLOCK) as pidfd:
        assert fcntl.fcntl(pidfd.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK
    with PidFd(child.pid) as pidfd:
        assert not fcntl.fcntl(pidfd.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK


def test_detach_hands_over_the_descriptor(child: Child) -> None:
    pidfd = process.pidfd_open(child.pid)
    fd = pidfd.detach()
    assert pidfd.closed
    try:
        assert sysapi.waitid(sysapi.P_PIDFD, fd, WEXITED | WNOHANG) is None
    finally:
        os.close(fd)


def test_an_unclosed_pidfd_warns_when_collected(child: Child) -> None:
    pidfd = process.pidfd_open(child.pid)
    fd = pidfd.fileno()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del pidfd
        gc.collect()
    assert any(issubclass(w.category, ResourceWarning) for w in caught)
    with pytest.raises(OSError):
        os.fstat(fd)


def test_pidfd_open_errors() -> None:
    with pytest.raises(errors.EINVAL) as info:
        process.pidfd_open(os.getpid(), 1)
    assert info.value.syscall == "pidfd_open" and info.value.documented
    with pytest.raises(errors.EINVAL):
        process.pidfd_open(0)
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    with pytest.raises(errors.ESRCH) as esrch:
        process.pidfd_open(pid)
    assert isinstance(esrch.value, ProcessLookupError) and esrch.value.documented


def test_a_thread_needs_pidfd_thread() -> None:
    done = threading.Event()
    tids: list[int] = []

    def body() -> None:
        tids.append(threading.get_native_id())
        done.wait(30)

    thread = threading.Thread(target=body)
    thread.start()
    try:
        while not tids:
            done.wait(0.001)
        # Linux 6.18: ENOENT, where the man page says EINVAL (see the conformance report).
        with pytest.raises(errors.ENOENT) as info:
            process.pidfd_open(tids[0])
        assert info.value.documented
        with process.pidfd_open(tids[0], PIDFD_THREAD) as pidfd:
            pidfd.send_signal(0)
            done.set()
            thread.join()
            # Readable once the thread has exited.
            import select

            assert select.select([pidfd], [], [], 30)[0] == [pidfd]
    finally:
        done.set()
        thread.join()


def test_constants() -> None:
    assert int(PIDFD_NONBLOCK) == os.O_NONBLOCK
    assert int(PIDFD_THREAD) == os.O_EXCL
    for name in ("PIDFD_NONBLOCK", "PIDFD_THREAD", "PidFd", "pidfd_open", "pidfd_getfd"):
        assert getattr(sysapi, name) is getattr(process, name)


# ---- wait -----------------------------------------------------------------------------------


def test_wait_reports_the_exit_with_rusage(child: Child) -> None:
    with process.pidfd_open(child.pid) as pidfd:
        assert pidfd.wait(WEXITED | WNOHANG) is None
        child.release()
        result = pidfd.wait(rusage=True)
        child.reaped = True
    assert result is not None
    assert (result.si_pid, result.si_code, result.si_status) == (child.pid, CLD_EXITED, 7)
    assert result.rusage is not None


def test_a_close_during_a_blocking_wait_lets_it_finish(child: Child) -> None:
    pidfd = process.pidfd_open(child.pid)
    fd = pidfd.fileno()

    def close_then_release() -> None:
        while not pidfd._users:  # the waiter is inside wait()
            threading.Event().wait(0.001)
        pidfd.close()
        child.release()

    other = threading.Thread(target=close_then_release)
    other.start()
    try:
        result = pidfd.wait()
        child.reaped = True
    finally:
        other.join()
    assert result is not None and result.si_status == 7
    assert pidfd.closed
    with pytest.raises(OSError):
        os.fstat(fd)  # closed once the waiter left


def test_wait_on_a_nonblocking_pidfd_raises_eagain(child: Child) -> None:
    with process.pidfd_open(child.pid, PIDFD_NONBLOCK) as pidfd:
        with pytest.raises(errors.EAGAIN) as info:
            pidfd.wait()
        assert isinstance(info.value, BlockingIOError)
        assert info.value.syscall == "waitid" and info.value.documented
        assert pidfd.wait(WEXITED | WNOHANG) is None  # WNOHANG: None, not EAGAIN


def test_wait_for_a_process_that_is_not_a_child_is_echild() -> None:
    with process.pidfd_open(os.getpid()) as pidfd, pytest.raises(errors.ECHILD):
        pidfd.wait(WEXITED | WNOHANG)


def test_a_stopped_child_is_reported_but_the_pidfd_stays_unreadable(child: Child) -> None:
    import select

    with process.pidfd_open(child.pid) as pidfd:
        pidfd.send_signal(signal.SIGSTOP)
        result = pidfd.wait(WSTOPPED)
        assert result is not None and result.si_status == signal.SIGSTOP
        assert select.select([pidfd], [], [], 0)[0] == []
        pidfd.send_signal(signal.SIGKILL)
        assert select.select([pidfd], [], [], 30)[0] == [pidfd]
        killed = pidfd.wait()
        child.reaped = True
    assert killed is not None and killed.si_code == CLD_KILLED


# ---- send_signal ----------------------------------------------------------------------------


# qemu-user renumbers real-time signals for the host but passes a siginfo's si_signo unchanged,
# and the kernel refuses the mismatch: a payload (a siginfo) cannot pass there.
QEMU_SI_SIGNO = pytest.mark.emulator(
    "qemu-user renumbers real-time signals for the host but passes a siginfo's si_signo "
    "unchanged, and the kernel refuses the mismatch (EINVAL)"
)


@pytest.mark.parametrize(
    "value",
    [None, *(pytest.param(v, marks=QEMU_SI_SIGNO) for v in (0, 404, -(2**31), 2**31 - 1))],
)
def test_send_signal_with_and_without_a_payload(value: int | None) -> None:
    rt = signal.SIGRTMIN
    c = Child(blocked=frozenset({rt}))
    try:
        with process.pidfd_open(c.pid) as pidfd:
            pidfd.send_signal(rt, value)
        signo, code, got, pid, uid = c.report()
    finally:
        c.cleanup()
    assert (signo, pid, uid) == (rt, os.getpid(), os.getuid())
    if value is None:
        assert code == SI_USER
    else:
        assert (code, got) == (SI_QUEUE, value)


def test_pidfd_send_signal_takes_a_borrowed_descriptor(child: Child) -> None:
    fd = os.pidfd_open(child.pid)
    try:
        process.pidfd_send_signal(fd, signal.SIGKILL)
    finally:
        os.close(fd)
    _, status = os.waitpid(child.pid, 0)
    child.reaped = True
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def test_send_signal_errors(child: Child) -> None:
    with process.pidfd_open(child.pid) as pidfd:
        with pytest.raises(errors.EINVAL) as info:
            pidfd.send_signal(999)
        assert info.value.syscall == "pidfd_send_signal" and info.value.documented
        with pytest.raises(errors.EINVAL):
            pidfd.send_signal(0, flags=0x100)
        with pytest.raises(OverflowError):
            pidfd.send_signal(0, 2**31)
        with pytest.raises(TypeError):
            pidfd.send_signal(0, "1")  # type: ignore[arg-type]
        child.release()
        pidfd.wait()
        child.reaped = True
        with pytest.raises(errors.ESRCH) as esrch:
            pidfd.send_signal(0)
        assert esrch.value.documented
    with open(os.devnull) as f, pytest.raises(errors.EBADF):
        process.pidfd_send_signal(f, 0)


# ---- pidfd_getfd ----------------------------------------------------------------------------


def test_pidfd_getfd_duplicates_a_descriptor_of_another_process() -> None:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            signal.pause()  # keeps w open until killed
        finally:
            os._exit(0)
    os.close(w)
    try:
        with process.pidfd_open(pid) as pidfd, process.pidfd_getfd(pidfd, w) as dup:
            assert type(dup) is sysapi.Fd
            assert fcntl.fcntl(dup.fileno(), fcntl.F_GETFD) & fcntl.FD_CLOEXEC
            os.write(dup.fileno(), b"through the duplicate")
            assert os.read(r, 100) == b"through the duplicate"
            with pytest.raises(errors.EBADF) as info:
                process.pidfd_getfd(pidfd, 999_999)
            assert info.value.syscall == "pidfd_getfd" and info.value.documented
            with pytest.raises(errors.EINVAL):
                process.pidfd_getfd(pidfd, w, 1)
    finally:
        os.close(r)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


# ---- await_exit -----------------------------------------------------------------------------


def test_await_exit_reaps_without_blocking_the_loop(child: Child) -> None:
    ticks = 0

    async def main() -> process.WaitidResult:
        nonlocal ticks

        async def ticker() -> None:
            nonlocal ticks
            for _ in range(5):
                await asyncio.sleep(0.005)
                ticks += 1
            child.release()  # only a loop that keeps running lets the child exit

        with process.pidfd_open(child.pid) as pidfd:
            task = asyncio.create_task(ticker())
            result = await asyncio.wait_for(pidfd.await_exit(rusage=True), 60)
            await task
            return result

    result = asyncio.run(main())
    child.reaped = True
    assert ticks == 5
    assert (result.si_pid, result.si_status, result.si_code) == (child.pid, 7, CLD_EXITED)
    assert result.rusage is not None


def test_await_exit_of_a_child_that_already_exited() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(3)
    with process.pidfd_open(pid) as pidfd:
        result = asyncio.run(pidfd.await_exit())
    assert (result.si_pid, result.si_status) == (pid, 3)


def test_await_exit_is_echild_at_once_for_a_non_child() -> None:
    async def main() -> None:
        with process.pidfd_open(os.getpid()) as pidfd:
            await pidfd.await_exit()

    with pytest.raises(errors.ECHILD) as info:
        asyncio.run(main())
    assert info.value.syscall == "waitid"


def test_a_cancelled_await_exit_leaves_the_child_unreaped(child: Child) -> None:
    async def main(pidfd: PidFd) -> None:
        task = asyncio.create_task(pidfd.await_exit())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with process.pidfd_open(child.pid) as pidfd:
        asyncio.run(main(pidfd))
        child.release()
        result = pidfd.wait()  # still there to reap
        child.reaped = True
    assert result is not None and result.si_status == 7


def test_closing_during_await_exit_raises_valueerror(child: Child) -> None:
    async def main() -> None:
        pidfd = process.pidfd_open(child.pid)
        loop = asyncio.get_running_loop()
        loop.call_later(0.01, pidfd.close)
        loop.call_later(0.02, child.release)
        await asyncio.wait_for(pidfd.await_exit(), 60)

    with pytest.raises(ValueError):
        asyncio.run(main())


@settings(max_examples=50, deadline=None)
@given(
    sig=st.integers(min_value=-3, max_value=70),
    value=st.none() | st.integers(min_value=-(2**31), max_value=2**31 - 1),
    flags=st.sampled_from([0, 1, 2, 4, 3, 0x100]),
)
def test_arbitrary_send_signal_to_a_reaped_process(sig: int, value: int | None, flags: int) -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    with process.pidfd_open(pid) as pidfd:
        os.waitpid(pid, 0)
        try:
            pidfd.send_signal(sig, value, flags)
        except (errors.ESRCH, errors.EINVAL) as exc:
            assert exc.documented
        else:
            raise AssertionError("a reaped process was signalled")


# ---- the guide's examples -------------------------------------------------------------------

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "guide" / "descriptors.rst"


def _guide_examples() -> list[str]:
    text = GUIDE.read_text()
    found = re.finditer(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", text)
    return [textwrap.dedent(m.group(1)) for m in found]


#: What each example of docs/guide/descriptors.rst prints, in order.
GUIDE_OUTPUT = [
    r"(child exited with status [123], user \d+\.\d{3} s, system \d+\.\d{3} s, "
    r"max RSS \d+ KiB\n){3}",
    r"CLD_EXITED 5\nCLD_KILLED SIGKILL\n",
    r"worker: SIGTERM \(SI_QUEUE\) from the supervisor: True, reason: shutdown\n"
    r"supervisor: the worker exited with status 0\n",
    r"SIGUSR1 42 0\n",
    r"9\n9\n",
    r"signal SIGUSR1 from the child: True\nexit status 3\n",
]


@pytest.mark.parametrize("index", range(len(GUIDE_OUTPUT)))
def test_guide_example_runs(index: int) -> None:
    examples = _guide_examples()
    assert len(examples) == len(GUIDE_OUTPUT)
    source = examples[index]
    if "import trio" in source or "import anyio" in source:  # the anyio one runs both
        pytest.importorskip("anyio")
        pytest.importorskip("trio")
    done = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(GUIDE_OUTPUT[index], done.stdout), done.stdout
    if index == 0:  # the CPU times are reported: the busiest child used some
        idle = "user 0.000 s, system 0.000 s"
        assert any(idle not in line for line in done.stdout.splitlines()), done.stdout
