"""The seam of API.md "Any event loop": every owned descriptor works on trio and anyio (its
asyncio and trio backends) through ``fileno()`` and a read that does not block.

Each test runs a ticker task beside the wait, and only the ticker (after its fifth tick)
makes the awaited event happen. A wait that blocked the loop would stall the ticker: a thread
then makes the event happen after a while, and the test fails because the ticker was not the
one that did.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import sysapi
from sysapi import process, signals

anyio = pytest.importorskip("anyio")

pytestmark = pytest.mark.anyio

#: Seconds before the fallback thread makes the event happen when the loop is blocked.
FALLBACK = 20.0


@pytest.fixture(autouse=True)
def all_signals_blocked() -> Iterator[None]:
    """Every signal blocked while the loop runs, so that the threads it starts and keeps
    (trio's thread cache outlives the test) inherit a mask that never takes a signal meant
    for a signalfd or sigwaitinfo of a later test: the rule for real programs too."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    if request.param == "trio":
        pytest.importorskip("trio")
    return str(request.param)


async def _wait_with_ticker(fileno: int, trigger: Callable[[], object]) -> None:
    """Wait with ``anyio.wait_readable`` until ``fileno`` is readable, a ticker beside it
    that calls ``trigger`` after five ticks; fail if anything else had to trigger it."""
    fired_by: list[str] = []
    lock = threading.Lock()

    def fire(who: str) -> None:
        with lock:
            if not fired_by:
                fired_by.append(who)
                trigger()

    fallback = threading.Timer(FALLBACK, fire, ("fallback thread",))
    fallback.start()
    try:
        async with anyio.create_task_group() as tg:

            async def ticker() -> None:
                for _ in range(5):
                    await anyio.sleep(0.005)
                fire("ticker")

            tg.start_soon(ticker)
            await anyio.wait_readable(fileno)
    finally:
        fallback.cancel()
    assert fired_by == ["ticker"], "the wait blocked the event loop"


@contextlib.contextmanager
def _child() -> Iterator[tuple[int, int]]:
    """A child that exits with 4 once its pipe is closed: (pid, write end)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(w)
            os.read(r, 1)
        finally:
            os._exit(4)
    os.close(r)
    try:
        yield pid, w
    finally:
        with contextlib.suppress(OSError):
            os.close(w)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(pid, 0)


async def test_pidfd(anyio_backend: str) -> None:
    with _child() as (pid, w), process.pidfd_open(pid) as pidfd:
        assert pidfd.wait(sysapi.WEXITED | sysapi.WNOHANG) is None
        await _wait_with_ticker(pidfd.fileno(), lambda: os.close(w))
        result = pidfd.wait(sysapi.WEXITED | sysapi.WNOHANG)
        assert result is not None and (result.si_pid, result.si_status) == (pid, 4)


async def test_signalfd(anyio_backend: str) -> None:
    rt = signal.SIGRTMIN
    try:
        # Directed at this thread, as a program that cannot know its loop's threads would.
        me = process.pidfd_open(threading.get_native_id(), process.PIDFD_THREAD)
        with me, signals.signalfd({rt}) as sfd:
            assert sfd.read(timeout=0) == []
            await _wait_with_ticker(sfd.fileno(), lambda: me.send_signal(rt, 5))
            infos = sfd.read(timeout=0)
    finally:
        while signals.sigtimedwait({rt}, 0) is not None:
            pass
    assert [(i.si_signo, i.si_value) for i in infos] == [(rt, 5)]


async def test_inotify(anyio_backend: str, tmp_path: Path) -> None:
    with sysapi.Inotify() as ino:
        ino.add_watch(tmp_path, sysapi.IN_CREATE)
        assert ino.read(timeout=0) == []
        await _wait_with_ticker(ino.fileno(), lambda: (tmp_path / "new").touch())
        events = ino.read(timeout=0)
    assert [e.name for e in events] == ["new"]


async def test_message_queue(anyio_backend: str) -> None:
    mq_open: Any = getattr(sysapi, "mq_open", None)
    mq_unlink: Any = getattr(sysapi, "mq_unlink", None)
    if mq_open is None or mq_unlink is None:
        pytest.skip("sysapi.mq_open (POSIX message queues) has not landed in this tree")
    name = f"/sysapi-seam-{os.getpid()}"
    with mq_open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL) as mq:
        try:
            assert mq.receive(timeout=0) is None
            await _wait_with_ticker(mq.fileno(), lambda: mq.send(b"hello"))
            assert mq.receive(timeout=0) == (b"hello", 0)
        finally:
            mq_unlink(name)
