from __future__ import annotations

import dataclasses
import errno
import os
import pickle
import signal
import struct
import threading
from collections.abc import Iterable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sysapi
from sysapi import errors, signals
from sysapi.process import CLD_EXITED
from sysapi.signals import SI_QUEUE, SI_USER, SigInfo

QEMU_SI_SIGNO = pytest.mark.emulator(
    "qemu-user renumbers real-time signals for the host but passes a siginfo's si_signo "
    "unchanged, and the kernel refuses the mismatch (EINVAL)"
)

RT = signal.SIGRTMIN


@pytest.fixture
def blocked() -> Iterator[None]:
    """SIGRTMIN, SIGUSR1 and SIGCHLD blocked; pending leftovers drained afterwards."""
    sigs = {RT, signal.SIGUSR1, signal.SIGCHLD}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        while signals.sigtimedwait(sigs, 0) is not None:
            pass
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _reap(pid: int) -> int:
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


@pytest.mark.usefixtures("blocked")
def test_child_sends_a_value_the_parent_reads() -> None:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            signals.sigqueue(os.getppid(), RT, 404)
            code = 0
        finally:
            os._exit(code)
    info = signals.sigtimedwait({RT}, 30)
    assert _reap(pid) == 0
    assert info is not None
    assert info.si_signo == RT
    assert info.si_code is SI_QUEUE
    assert info.si_value == 404
    assert info.si_ptr == 404  # the union was zeroed before sival_int was set
    assert (info.si_pid, info.si_uid) == (pid, os.getuid())


@pytest.mark.usefixtures("blocked")
def test_parent_sends_a_value_the_child_reads() -> None:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # inherits the blocked mask
        try:
            os.close(r)
            info = signals.sigwaitinfo({RT})
            os.write(w, struct.pack("iii", info.si_signo, info.si_value, info.si_pid))
        finally:
            os._exit(0)
    os.close(w)
    try:
        signals.sigqueue(pid, RT, -77)
        data = os.read(r, 12)
    finally:
        os.close(r)
        _reap(pid)
    assert struct.unpack("iii", data) == (RT, -77, os.getpid())


@pytest.mark.usefixtures("blocked")
def test_real_time_signals_queue_every_value_in_order() -> None:
    for value in (1, 2, 3):
        signals.sigqueue(os.getpid(), RT, value)
    values = [signals.sigwaitinfo([RT]).si_value for _ in range(3)]
    assert values == [1, 2, 3]
    assert signals.sigtimedwait([RT], 0) is None


@pytest.mark.usefixtures("blocked")
def test_kill_is_si_user() -> None:
    os.kill(os.getpid(), signal.SIGUSR1)
    info = signals.sigwaitinfo({signal.SIGUSR1})
    assert info.si_signo is signal.SIGUSR1
    assert info.si_code is SI_USER
    assert info.si_pid == os.getpid()


@pytest.mark.usefixtures("blocked")
def test_sigchld_carries_the_child_status() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(9)
    info = signals.sigtimedwait({signal.SIGCHLD}, 30)
    assert _reap(pid) == 9
    assert info is not None
    assert info.si_code is CLD_EXITED
    assert (info.si_pid, info.si_status) == (pid, 9)


def test_timeout_returns_none() -> None:
    with signals.block_signals({signal.SIGUSR2}):
        assert signals.sigtimedwait({signal.SIGUSR2}, 0.01) is None


def test_block_signals_restores_the_mask() -> None:
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    with signals.block_signals({signal.SIGUSR2}) as old:
        assert old == before
        assert signal.SIGUSR2 in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before


def test_block_signals_restores_the_mask_when_the_block_raises_and_as_a_decorator() -> None:
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    with pytest.raises(_Raised), signals.block_signals([signal.SIGUSR2]):
        raise _Raised
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before

    @signals.block_signals({signal.SIGUSR2})
    def inside(x: int) -> tuple[int, bool]:
        """Doc."""
        return x, signal.SIGUSR2 in signal.pthread_sigmask(signal.SIG_BLOCK, [])

    assert inside.__doc__ == "Doc."
    blocking = signals.block_signals({signal.SIGUSR2})
    with blocking, blocking:  # entered again inside: the outer exit restores the outer mask
        pass
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before
    assert inside(3) == (3, True) and inside(4) == (4, True)  # reusable, as contextmanager's
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before


class _Raised(Exception):
    pass


def test_a_raising_handler_ends_the_wait() -> None:
    # PEP 475: a handler that returns lets the wait resume; one that raises ends it.
    def handler(signum: int, frame: object) -> None:
        raise _Raised

    old = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.02)
        with pytest.raises(_Raised):
            signals.sigtimedwait({signal.SIGUSR2}, 30)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_bad_signal_sets_are_refused_before_the_call() -> None:
    for bad in ([0], [signal.NSIG], [-1], [32]):
        with pytest.raises(ValueError):
            signals.sigtimedwait(bad, 0)
    with pytest.raises(ValueError):
        signals.sigtimedwait([signal.SIGUSR2], float("nan"))
    with pytest.raises(TypeError):
        signals.sigwaitinfo(["x"])  # type: ignore[list-item]


def test_sigqueue_value_must_be_a_c_int() -> None:
    with pytest.raises(OverflowError):
        signals.sigqueue(os.getpid(), 0, 2**31)


def test_sigqueue_signal_zero_probes() -> None:
    assert signals.sigqueue(os.getpid(), 0) is None
    with pytest.raises(errors.ESRCH) as info:
        signals.sigqueue(0, 0)
    assert isinstance(info.value, ProcessLookupError)
    assert info.value.syscall == "sigqueue" and info.value.documented


def test_eagain_note_names_the_limit() -> None:
    exc = sysapi._syscall.error(errno.EAGAIN, signals.SIGQUEUE_SPEC)
    assert isinstance(exc, BlockingIOError)
    assert any("RLIMIT_SIGPENDING" in note for note in exc.__notes__)


def test_siginfo_is_frozen() -> None:
    fields = dict.fromkeys(SigInfo.__dataclass_fields__, 0)
    info = SigInfo(**fields)
    with pytest.raises(AttributeError):
        info.si_value = 1  # type: ignore[misc]


def test_constants_are_exported() -> None:
    for name in signals.__all__:
        assert getattr(sysapi, name) is getattr(signals, name)
    assert (int(sysapi.SI_QUEUE), int(sysapi.SI_USER)) == (-1, 0)


@settings(max_examples=100, deadline=None)
@given(
    sigs=st.lists(st.integers(min_value=-5, max_value=70), max_size=5),
    timeout=st.floats(min_value=-2, max_value=0.0, allow_nan=False),
)
def test_arbitrary_sigtimedwait(sigs: list[int], timeout: float) -> None:
    # timeout <= 0: never blocks. Signals are not blocked, so nothing is pending to take.
    try:
        assert signals.sigtimedwait(sigs, timeout) is None
    except ValueError:
        assert any(not 1 <= s < signal.NSIG or s in (32, 33) for s in sigs)
    except errors.EINVAL as exc:
        assert exc.documented and timeout < 0


@settings(max_examples=100, deadline=None)
@given(sig=st.integers(min_value=-(2**31), max_value=2**31 - 1))
def test_arbitrary_sigqueue_to_a_missing_pid(sig: int) -> None:
    with open("/proc/sys/kernel/pid_max") as f:
        missing = int(f.read()) + 1
    with pytest.raises(errors.SysapiError) as info:
        signals.sigqueue(missing, sig)
    assert info.value.errno in (errno.EINVAL, errno.ESRCH) and info.value.documented


def test_fast_built_siginfo_is_an_ordinary_frozen_siginfo() -> None:
    # sigtimedwait builds SigInfo through a private builder (no __init__): the result must
    # behave exactly as one __init__ built.
    rt = signal.SIGRTMIN
    with signals.block_signals({rt}):
        signals.sigqueue(os.getpid(), rt, 41)
        info = signals.sigtimedwait((rt,), 0)
    assert info is not None and type(info) is SigInfo
    fields = {name: getattr(info, name) for name in SigInfo.__dataclass_fields__}
    twin = SigInfo(**fields)
    assert info == twin and hash(info) == hash(twin) and repr(info) == repr(twin)
    assert info.si_signo is rt and info.si_code is SI_QUEUE and info.si_value == 41
    assert dataclasses.replace(info, si_value=1).si_value == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.si_value = 1  # type: ignore[misc]
    # A new attribute fails the same way for both (CPython 3.11 raises TypeError from the
    # frozen __setattr__ of a slotted dataclass, later versions AttributeError).
    for obj in (info, twin):
        with pytest.raises((AttributeError, TypeError)):
            obj.extra = 1  # type: ignore[attr-defined]
    assert pickle.loads(pickle.dumps(info)) == info


@pytest.mark.usefixtures("blocked")
def test_repeated_and_changed_payloads_read_right() -> None:
    # A slot reuses its last SigInfo when the kernel reports the same bytes: repeats, changes
    # and a return to an earlier payload must all read as sent.
    values = [5, 5, 6, 5, 5, -1]
    for value in values:
        signals.sigqueue(os.getpid(), RT, value)
    infos = [
        signals.sigwaitinfo({RT}) if i % 2 else signals.sigtimedwait({RT}, 1) for i in range(6)
    ]
    assert [info.si_value if info else None for info in infos] == values
    assert infos[0] == infos[1] and infos[1] != infos[2]
    assert all(info is not None and info.si_code is SI_QUEUE for info in infos)
    os.kill(os.getpid(), RT)  # the same signal without a payload: another si_code
    info = signals.sigtimedwait({RT}, 1)
    assert info is not None and info.si_code is SI_USER


def test_threads_taking_signals_at_once_read_their_own() -> None:
    # The siginfo buffers are pooled: two threads waiting at once must never see each other's.
    errors_seen: list[str] = []

    def take(sig: int, base: int) -> None:
        for i in range(300):
            signals.sigqueue(os.getpid(), sig, base + i)
            info = signals.sigtimedwait((sig,), 5)
            if info is None or info.si_signo != sig or info.si_value != base + i:
                errors_seen.append(f"{sig}: {info!r}")

    sigs = (signal.SIGRTMIN + 2, signal.SIGRTMIN + 3)
    # The threads inherit the mask. All real-time signals stay blocked in them: a joined thread
    # may linger an instant, and one that took a later test's SIGRTMIN would kill the process.
    with signals.block_signals(range(signal.SIGRTMIN, signal.SIGRTMAX + 1)):
        threads = [
            threading.Thread(target=take, args=(sig, 1000 * n)) for n, sig in enumerate(sigs)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors_seen == []


@QEMU_SI_SIGNO
def test_signal_sets_of_any_shape() -> None:
    rt, rtmax = signal.SIGRTMIN, signal.SIGRTMAX
    cases: list[tuple[Iterable[int], int]] = [
        ([rt], rt),
        ({rt, rtmax}, rtmax),
        (iter([rtmax, rt, rt]), rtmax),
        ((signal.Signals(rtmax),), rtmax),
    ]
    with signals.block_signals({rt, rtmax}):
        for sigset, sig in cases:
            signals.sigqueue(os.getpid(), sig, 3)
            info = signals.sigtimedwait(sigset, 0)
            assert info is not None and info.si_signo == sig
    with pytest.raises(ValueError, match="signal number 0 out of range"):
        signals.sigtimedwait([33, 0, 70], 0)  # the smallest bad number is reported
    with pytest.raises(ValueError, match="signal 32 is reserved"):
        signals.sigtimedwait([40, 33, 32], 0)
    with pytest.raises(TypeError):
        signals.sigtimedwait([0, 1.5], 0)  # type: ignore[list-item]
