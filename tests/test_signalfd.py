"""signalfd / SignalFd: blocked signals read as SigInfo records, blocking, timed, async."""

from __future__ import annotations

import asyncio
import fcntl
import gc
import os
import signal
import threading
import warnings
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sysapi
from sysapi import errors, process, signals
from sysapi.process import CLD_EXITED, CLD_KILLED
from sysapi.signals import SFD_CLOEXEC, SFD_NONBLOCK, SI_QUEUE, SI_USER, SignalFd

QEMU_SI_SIGNO = pytest.mark.emulator(
    "qemu-user renumbers real-time signals for the host but passes a siginfo's si_signo "
    "unchanged, and the kernel refuses the mismatch (EINVAL)"
)

RT = signal.SIGRTMIN
SIGS = frozenset({RT, RT + 1, signal.SIGUSR1, signal.SIGCHLD})


@pytest.fixture
def sfd() -> Iterator[SignalFd]:
    """A SignalFd for SIGS, blocked; pending leftovers drained afterwards."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, SIGS)
    try:
        with signals.signalfd(SIGS) as fd:
            yield fd
    finally:
        while signals.sigtimedwait(SIGS, 0) is not None:
            pass
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def test_signalfd_is_an_owned_close_on_exec_descriptor(sfd: SignalFd) -> None:
    assert isinstance(sfd, sysapi.Fd)
    assert fcntl.fcntl(sfd.fileno(), fcntl.F_GETFD) & fcntl.FD_CLOEXEC
    assert not fcntl.fcntl(sfd.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK
    with signals.signalfd({RT}, SFD_NONBLOCK) as other:
        assert fcntl.fcntl(other.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK
        assert not fcntl.fcntl(other.fileno(), fcntl.F_GETFD) & fcntl.FD_CLOEXEC
    assert other.closed
    with pytest.raises(ValueError):
        other.read(0)


def test_queued_signals_are_read_in_order_with_their_payload(sfd: SignalFd) -> None:
    for value in (1, 2, 3):
        sysapi.sigqueue(os.getpid(), RT, value)
    os.kill(os.getpid(), signal.SIGUSR1)
    infos = sfd.read(0)
    # Standard signals are delivered before real-time ones; RT signals in order.
    assert [(i.si_signo, i.si_value) for i in infos] == [
        (signal.SIGUSR1, 0),
        (RT, 1),
        (RT, 2),
        (RT, 3),
    ]
    assert infos[0].si_code is SI_USER
    assert all(i.si_code is SI_QUEUE for i in infos[1:])
    assert all((i.si_pid, i.si_uid) == (os.getpid(), os.getuid()) for i in infos)
    assert infos[1].si_ptr == 1
    assert sfd.read(0) == []


def test_the_decoding_matches_sigwaitinfo(sfd: SignalFd) -> None:
    sysapi.sigqueue(os.getpid(), RT, -5)
    from_fd = sfd.read(0)[0]
    sysapi.sigqueue(os.getpid(), RT, -5)
    from_wait = sysapi.sigwaitinfo({RT})
    # The fields SI_QUEUE gives a meaning to; the others are 0 from a SignalFd, where
    # sigwaitinfo shows what overlaps them in the kernel's union.
    meaningful = ("si_signo", "si_code", "si_errno", "si_pid", "si_uid", "si_value", "si_ptr")
    assert [getattr(from_fd, f) for f in meaningful] == [getattr(from_wait, f) for f in meaningful]
    assert (from_fd.si_status, from_fd.si_addr, from_fd.si_timerid) == (0, 0, 0)
    assert type(from_fd.si_signo) is type(from_wait.si_signo)
    assert type(from_fd.si_code) is type(from_wait.si_code)


def test_more_signals_than_one_read_takes(sfd: SignalFd) -> None:
    for value in range(40):
        sysapi.sigqueue(os.getpid(), RT, value)
    seen = []
    while infos := sfd.read(0):
        assert len(infos) <= 16
        seen += [i.si_value for i in infos]
    assert seen == list(range(40))


def test_a_repeated_record_gives_an_equal_siginfo(sfd: SignalFd) -> None:
    sysapi.sigqueue(os.getpid(), RT, 9)
    first = sfd.read(0)
    sysapi.sigqueue(os.getpid(), RT, 9)
    second = sfd.read(0)
    sysapi.sigqueue(os.getpid(), RT, 10)
    third = sfd.read(0)
    assert first == second and third[0].si_value == 10


def test_sigchld_carries_status_and_cpu_time(sfd: SignalFd) -> None:
    pid = os.fork()
    if pid == 0:
        total = 0
        for i in range(3_000_000):
            total += i
        os._exit(5)
    info = next(iter(sfd))
    os.waitpid(pid, 0)
    assert info.si_signo is signal.SIGCHLD
    assert info.si_code is CLD_EXITED
    assert (info.si_pid, info.si_status, info.si_uid) == (pid, 5, os.getuid())
    assert info.si_utime + info.si_stime > 0  # clock ticks, as the SIGCHLD siginfo has them


def test_a_killed_child_reports_the_signal(sfd: SignalFd) -> None:
    pid = os.fork()
    if pid == 0:
        signal.pause()
        os._exit(0)
    os.kill(pid, signal.SIGKILL)
    info = sfd.read(30)[0]
    os.waitpid(pid, 0)
    assert info.si_code is CLD_KILLED and info.si_status == signal.SIGKILL


def test_timeout_returns_an_empty_list_even_on_a_blocking_descriptor(sfd: SignalFd) -> None:
    assert sfd.read(0) == []
    assert sfd.read(0.01) == []
    with pytest.raises(ValueError):
        sfd.read(-1)
    with pytest.raises(ValueError):
        sfd.read(float("nan"))


def test_a_blocked_read_wakes_for_a_signal_from_another_thread(sfd: SignalFd) -> None:
    main = threading.get_ident()
    timer = threading.Timer(0.05, signal.pthread_kill, (main, signal.SIGUSR1))
    timer.start()
    try:
        infos = sfd.read(60)
    finally:
        timer.cancel()
    assert [i.si_signo for i in infos] == [signal.SIGUSR1]


def test_close_from_another_thread_wakes_the_reader(sfd: SignalFd) -> None:
    fd = sfd.fileno()
    timer = threading.Timer(0.05, sfd.close)
    timer.start()
    with pytest.raises(ValueError):
        sfd.read(60)
    timer.join()
    with pytest.raises(OSError):
        os.fstat(fd)  # closed once the reader left


def test_a_forked_child_reads_its_own_signals(sfd: SignalFd) -> None:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            info = sfd.read(30)[0]
            code = 0 if info.si_value == 77 and info.si_pid == os.getppid() else 2
        finally:
            os._exit(code)
    sysapi.sigqueue(pid, RT, 77)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The child's RT signal was not ours: only its SIGCHLD is.
    assert [i.si_signo for i in sfd.read(0)] == [signal.SIGCHLD]


def test_unblocked_signals_never_reach_the_descriptor() -> None:
    got: list[int] = []
    old = signal.signal(signal.SIGUSR2, lambda signum, frame: got.append(signum))
    try:
        with signals.signalfd({signal.SIGUSR2}) as sfd:
            os.kill(os.getpid(), signal.SIGUSR2)
            assert sfd.read(0) == []
        assert got == [signal.SIGUSR2]
    finally:
        signal.signal(signal.SIGUSR2, old)


def test_a_raising_handler_ends_the_wait(sfd: SignalFd) -> None:
    class Raised(Exception):
        pass

    def handler(signum: int, frame: object) -> None:
        raise Raised

    old = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.02)
        with pytest.raises(Raised):
            sfd.read(30)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_a_returning_handler_lets_the_wait_go_on(sfd: SignalFd) -> None:
    hits: list[int] = []

    def handler(signum: int, frame: object) -> None:
        hits.append(signum)
        sysapi.sigqueue(os.getpid(), RT, 31)

    old = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.02)
        infos = sfd.read(30)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert hits and [i.si_value for i in infos] == [31]


def test_signalfd_errors() -> None:
    with pytest.raises(errors.EINVAL) as info:
        signals.signalfd({RT}, 1)
    assert info.value.syscall == "signalfd" and info.value.documented
    with pytest.raises(ValueError):
        signals.signalfd({0})
    with pytest.raises(ValueError):
        signals.signalfd({signal.NSIG})
    with pytest.raises(TypeError):
        signals.signalfd({"x"})  # type: ignore[arg-type]


def test_an_unclosed_signalfd_warns_when_collected() -> None:
    sfd = signals.signalfd({RT})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del sfd
        gc.collect()
    assert any(issubclass(w.category, ResourceWarning) for w in caught)


def test_constants() -> None:
    assert int(SFD_CLOEXEC) == os.O_CLOEXEC and int(SFD_NONBLOCK) == os.O_NONBLOCK
    for name in ("SignalFd", "signalfd", "SFD_CLOEXEC", "SFD_NONBLOCK", "SignalfdFlags"):
        assert getattr(sysapi, name) is getattr(signals, name)


# ---- asyncio ----------------------------------------------------------------------------------


def test_aread_waits_on_the_loop(sfd: SignalFd) -> None:
    ticks = 0

    async def main() -> list[sysapi.SigInfo]:
        async def ticker() -> None:
            nonlocal ticks
            for _ in range(5):
                await asyncio.sleep(0.005)
                ticks += 1
            sysapi.sigqueue(os.getpid(), RT, 12)  # sent only if the loop kept running

        task = asyncio.create_task(ticker())
        infos = await asyncio.wait_for(sfd.aread(), 60)
        await task
        return infos

    infos = asyncio.run(main())
    assert ticks == 5 and [i.si_value for i in infos] == [12]


def test_async_for_and_cancellation_lose_nothing(sfd: SignalFd) -> None:
    async def main() -> list[int]:
        task = asyncio.create_task(sfd.aread())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for value in (1, 2, 3):
            sysapi.sigqueue(os.getpid(), RT, value)
        values = []
        async for info in sfd:
            values.append(info.si_value)
            if len(values) == 2:
                break
        values.append((await sfd.aread())[0].si_value)  # the third was kept
        return values

    assert asyncio.run(main()) == [1, 2, 3]


def test_closing_during_aread_raises_valueerror(sfd: SignalFd) -> None:
    async def main() -> None:
        asyncio.get_running_loop().call_later(0.01, sfd.close)
        await asyncio.wait_for(sfd.aread(), 60)

    with pytest.raises(ValueError):
        asyncio.run(main())


@QEMU_SI_SIGNO
def test_pidfd_payload_round_trip_through_signalfd(sfd: SignalFd) -> None:
    with process.pidfd_open(os.getpid()) as me:
        me.send_signal(RT + 1, 2024)
    (info,) = sfd.read(0)
    assert (info.si_signo, info.si_code, info.si_value) == (RT + 1, SI_QUEUE, 2024)


@settings(max_examples=100, deadline=None)
@given(
    sigs=st.lists(st.integers(min_value=-5, max_value=70), max_size=5),
    flags=st.sampled_from([0, SFD_CLOEXEC, SFD_NONBLOCK, 1, 0x10000]),
    timeout=st.sampled_from([0, 0.0, 0.001, -1.0]),
)
def test_arbitrary_signalfd(sigs: list[int], flags: int, timeout: float) -> None:
    # Nothing is blocked: nothing can be pending for the descriptor, so a read never waits.
    try:
        with signals.signalfd(sigs, flags) as sfd:
            assert sfd.read(timeout) == []
    except ValueError:
        assert timeout < 0 or any(not 1 <= s < signal.NSIG or s in (32, 33) for s in sigs)
    except errors.EINVAL as exc:
        assert exc.documented and flags not in (0, SFD_CLOEXEC, SFD_NONBLOCK)
