from __future__ import annotations

import asyncio
import gc
import inspect
import json
import os
import re
import resource
import signal
import struct
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sysapi
from sysapi import errors, inotify
from sysapi._commands.inotify import event_names, parse_event_list
from sysapi.conformance.inotify import _own_user_namespace
from sysapi.inotify import Inotify, InotifyEvent, InotifyMask

HEADER = "/usr/include/x86_64-linux-gnu/sys/inotify.h"


def record(wd: int, mask: int, cookie: int = 0, name: bytes = b"", pad: int = 16) -> bytes:
    """One struct inotify_event as the kernel writes it (name NUL-padded to a multiple)."""
    size = 0 if not name else (len(name) // pad + 1) * pad
    return struct.pack("iIII", wd, mask, cookie, size) + name.ljust(size, b"\0")


def reference_parse(data: bytes) -> list[tuple[int, int, int, bytes]]:
    """The notes' loop: advance by sizeof(struct inotify_event) + len."""
    out, pos = [], 0
    while pos < len(data):
        wd, mask, cookie, size = struct.unpack_from("iIII", data, pos)
        name = data[pos + 16 : pos + 16 + size].split(b"\0", 1)[0]
        out.append((wd, mask, cookie, name))
        pos += 16 + size
    return out


@pytest.fixture
def ino() -> Iterator[Inotify]:
    with Inotify() as instance:
        yield instance


def run_in_child(body: Callable[[], object]) -> list[Any]:
    """Run ``body`` in a forked child; return what it returned (JSON) or re-raise its failure."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            try:
                result: object = ["ok", body()]
            except BaseException as exc:
                result = ["error", f"{type(exc).__name__}", str(exc), getattr(exc, "__notes__", [])]
            os.write(w, json.dumps(result).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    result = json.loads(data)
    assert isinstance(result, list)
    return result


# ---- constants ------------------------------------------------------------------------------


@pytest.mark.skipif(not Path(HEADER).exists(), reason=f"needs the C header {HEADER}")
def test_every_in_constant_of_the_header_is_exported() -> None:
    names = set(re.findall(r"#define\s+(IN_[A-Z_]+)\s", Path(HEADER).read_text()))
    names |= {"IN_CLOEXEC", "IN_NONBLOCK"}
    for name in names:
        assert name in inotify.__all__, name
        assert name in sysapi.__all__, name
        assert getattr(sysapi, name) is getattr(inotify, name)


def test_mask_values_and_unknown_bits() -> None:
    assert int(inotify.IN_ACCESS) == 0x1 and int(inotify.IN_MOVE_SELF) == 0x800
    assert int(inotify.IN_Q_OVERFLOW) == 0x4000 and int(inotify.IN_IGNORED) == 0x8000
    assert int(inotify.IN_ISDIR) == 0x40000000 and int(inotify.IN_ONESHOT) == 0x80000000
    assert inotify.IN_CLOSE == inotify.IN_CLOSE_WRITE | inotify.IN_CLOSE_NOWRITE
    assert int(inotify.IN_ALL_EVENTS) == 0xFFF
    assert inotify.IN_CLOEXEC == os.O_CLOEXEC and inotify.IN_NONBLOCK == os.O_NONBLOCK
    mask = InotifyMask(0x1000 | 0x100)
    assert int(mask) == 0x1100 and mask & inotify.IN_CREATE
    (event,) = inotify.parse_events(record(1, 0x1000 | 0x100))
    assert int(event.mask) == 0x1100 and isinstance(event.mask, InotifyMask)


# ---- parse_events ---------------------------------------------------------------------------


def test_parse_events_layout() -> None:
    data = (
        record(7, inotify.IN_MOVED_FROM, 12, b"bin")
        + record(8, inotify.IN_MOVED_TO, 12, b"a-much-longer-name-than-16")
        + record(-1, inotify.IN_Q_OVERFLOW)
        + record(3, inotify.IN_DELETE_SELF)
    )
    events = inotify.parse_events(data)
    assert events == [
        InotifyEvent(7, inotify.IN_MOVED_FROM, 12, "bin"),
        InotifyEvent(8, inotify.IN_MOVED_TO, 12, "a-much-longer-name-than-16"),
        InotifyEvent(-1, inotify.IN_Q_OVERFLOW, 0, ""),
        InotifyEvent(3, inotify.IN_DELETE_SELF, 0, ""),
    ]
    assert inotify.parse_events(bytearray(data)) == events
    assert inotify.parse_events(memoryview(data)) == events
    assert inotify.parse_events(b"") == []


def test_parsed_events_are_frozen() -> None:
    (event,) = inotify.parse_events(record(1, inotify.IN_CREATE, 0, b"x"))
    with pytest.raises(AttributeError):
        event.wd = 2  # type: ignore[misc]
    assert not hasattr(event, "__dict__")


def test_parse_events_truncated() -> None:
    whole = record(1, inotify.IN_CREATE, 0, b"name")
    with pytest.raises(ValueError, match="offset 0"):
        inotify.parse_events(whole[:10])
    with pytest.raises(ValueError, match="offset 32"):
        inotify.parse_events(whole + whole[:-1])


def test_parse_events_undecodable_name_round_trips() -> None:
    (event,) = inotify.parse_events(record(1, inotify.IN_CREATE, 0, b"caf\xe9"))
    assert os.fsencode(event.name) == b"caf\xe9"


@given(st.binary(max_size=600))
@settings(max_examples=500)
def test_parse_events_arbitrary_bytes(data: bytes) -> None:
    try:
        events = inotify.parse_events(data)
    except ValueError:
        return
    assert [(e.wd, e.mask, e.cookie, os.fsencode(e.name)) for e in events] == reference_parse(data)


records = st.builds(
    record,
    st.integers(-(2**31), 2**31 - 1),
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**32 - 1),
    st.binary(max_size=40).map(lambda b: b.replace(b"\0", b"")),
    st.sampled_from([1, 4, 16]),
)


@given(st.lists(records, max_size=20))
def test_parse_events_matches_the_notes_loop(parts: list[bytes]) -> None:
    data = b"".join(parts)
    events = inotify.parse_events(data)
    assert [(e.wd, e.mask, e.cookie, os.fsencode(e.name)) for e in events] == reference_parse(data)


# ---- the thin layer -------------------------------------------------------------------------


def test_thin_layer(tmp_path: Path) -> None:
    fd = inotify.inotify_init1()
    try:
        assert os.get_inheritable(fd)  # C's default: no IN_CLOEXEC
        wd = inotify.inotify_add_watch(fd, tmp_path, inotify.IN_CREATE)
        assert inotify.inotify_add_watch(fd, str(tmp_path), inotify.IN_DELETE) == wd
        (tmp_path / "f").touch()
        os.unlink(tmp_path / "f")
        inotify.inotify_rm_watch(fd, wd)
        events = inotify.parse_events(os.read(fd, 4096))
        # The mask was replaced (IN_DELETE only), and the removal queued IN_IGNORED.
        assert [(e.mask, e.name) for e in events] == [
            (inotify.IN_DELETE, "f"),
            (inotify.IN_IGNORED, ""),
        ]
    finally:
        os.close(fd)


def test_bad_input_is_rejected_before_the_kernel(ino: Inotify, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        ino.add_watch(b"/tmp\0x", inotify.IN_CREATE)
    with pytest.raises(OverflowError):
        ino.add_watch(tmp_path, -1)
    with pytest.raises(OverflowError):
        ino.add_watch(tmp_path, 1 << 32)
    with pytest.raises(TypeError):
        ino.add_watch(12, inotify.IN_CREATE)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ino.rm_watch("1")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ino.read(-1)
    with pytest.raises(ValueError):
        ino.read(float("nan"))


def test_mask_add_and_dont_follow(ino: Inotify, tmp_path: Path) -> None:
    wd = ino.add_watch(tmp_path, inotify.IN_CREATE)
    assert ino.add_watch(tmp_path, inotify.IN_DELETE | inotify.IN_MASK_ADD) == wd
    (tmp_path / "f").touch()
    os.unlink(tmp_path / "f")
    assert [e.mask for e in ino.read(5)] == [inotify.IN_CREATE, inotify.IN_DELETE]
    # The notes say IN_DONT_FOLLOW makes the call fail on a symlink; it watches the link.
    link = tmp_path / "dangling"
    link.symlink_to(tmp_path / "missing")
    with pytest.raises(errors.ENOENT):
        ino.add_watch(link, inotify.IN_ATTRIB)
    assert ino.add_watch(link, inotify.IN_ATTRIB | inotify.IN_DONT_FOLLOW) > 0


# ---- the owned Inotify ----------------------------------------------------------------------


def test_close_on_exec_by_default_and_flags() -> None:
    with Inotify() as a, Inotify(0) as b, Inotify(inotify.IN_NONBLOCK) as c:
        assert not os.get_inheritable(a.fileno())
        assert os.get_inheritable(b.fileno())
        assert not os.get_blocking(c.fileno())
        assert c.read(0.01) == []


def test_closed_handle(tmp_path: Path) -> None:
    ino = Inotify()
    ino.close()
    ino.close()
    assert ino.closed
    for call in (
        ino.fileno,
        ino.read,
        ino.queued_bytes,
        lambda: ino.add_watch(tmp_path, inotify.IN_CREATE),
        lambda: ino.rm_watch(1),
    ):
        with pytest.raises(ValueError):
            call()


def test_detach(tmp_path: Path) -> None:
    ino = Inotify()
    ino.add_watch(tmp_path, inotify.IN_CREATE)
    assert ino.read(0.01) == []  # creates the internal wake-up eventfd
    fd = ino.detach()
    assert ino.closed
    try:
        (tmp_path / "f").touch()
        assert [e.name for e in inotify.parse_events(os.read(fd, 4096))] == ["f"]
    finally:
        os.close(fd)


def test_resource_warning_when_collected_open() -> None:
    ino = Inotify()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del ino
        gc.collect()
    assert any(issubclass(w.category, ResourceWarning) for w in caught)


def test_timeout_returns_empty(ino: Inotify, tmp_path: Path) -> None:
    ino.add_watch(tmp_path, inotify.IN_CREATE)
    assert ino.read(0) == []
    assert ino.read(0.05) == []
    (tmp_path / "f").touch()
    assert [e.name for e in ino.read(0)] == ["f"]


def test_huge_timeouts(ino: Inotify, tmp_path: Path) -> None:
    ino.add_watch(tmp_path, inotify.IN_CREATE)
    for timeout in (1e300, float("inf"), 2**70):
        (tmp_path / "f").touch()
        os.unlink(tmp_path / "f")
        assert [e.name for e in ino.read(timeout)] == ["f"]


def test_read_blocks_until_an_event(ino: Inotify, tmp_path: Path) -> None:
    ino.add_watch(tmp_path, inotify.IN_CREATE)
    timer = threading.Timer(0.1, (tmp_path / "late").touch)
    timer.start()
    try:
        assert [e.name for e in ino.read()] == ["late"]
    finally:
        timer.join()


def test_queued_bytes(ino: Inotify, tmp_path: Path) -> None:
    ino.add_watch(tmp_path, inotify.IN_CREATE)
    assert ino.queued_bytes() == 0
    (tmp_path / "abc").touch()
    assert ino.queued_bytes() == 32  # 16-byte header + the name padded to 16
    ino.read(0)
    assert ino.queued_bytes() == 0


def test_iteration(ino: Inotify, tmp_path: Path) -> None:
    ino.add_watch(tmp_path, inotify.IN_CREATE)
    for name in "abc":
        (tmp_path / name).touch()
    it = iter(ino)
    assert next(it).name == "a"
    # The rest of that read stays queued in the instance: read() returns it first.
    assert [e.name for e in ino.read(0)] == ["b", "c"]


def _send_signal_later(delay: float, signum: int) -> threading.Thread:
    main = threading.main_thread().ident
    assert main is not None

    def send() -> None:
        time.sleep(delay)
        signal.pthread_kill(main, signum)

    thread = threading.Thread(target=send)
    thread.start()
    return thread


def test_eintr_is_retried_with_the_remaining_time(ino: Inotify, tmp_path: Path) -> None:
    ino.add_watch(tmp_path, inotify.IN_CREATE)
    seen: list[int] = []
    old = signal.signal(signal.SIGUSR1, lambda signum, frame: seen.append(signum))
    sender = _send_signal_later(0.05, signal.SIGUSR1)
    creator = threading.Timer(0.3, (tmp_path / "after-signal").touch)
    creator.start()
    try:
        events = ino.read(30)
    finally:
        sender.join()
        creator.join()
        signal.signal(signal.SIGUSR1, old)
    assert seen == [signal.SIGUSR1]
    assert [e.name for e in events] == ["after-signal"]
    # And with nothing to read, the wait still ends at the deadline.
    old = signal.signal(signal.SIGUSR1, lambda signum, frame: seen.append(signum))
    sender = _send_signal_later(0.02, signal.SIGUSR1)
    try:
        assert ino.read(0.2) == []
    finally:
        sender.join()
        signal.signal(signal.SIGUSR1, old)


def test_a_raising_signal_handler_interrupts_read(ino: Inotify, tmp_path: Path) -> None:
    class Stop(Exception):
        pass

    def handler(signum: int, frame: object) -> None:
        raise Stop

    ino.add_watch(tmp_path, inotify.IN_CREATE)
    old = signal.signal(signal.SIGUSR1, handler)
    sender = _send_signal_later(0.05, signal.SIGUSR1)
    try:
        with pytest.raises(Stop):
            ino.read(30)
    finally:
        sender.join()
        signal.signal(signal.SIGUSR1, old)
    (tmp_path / "f").touch()
    assert [e.name for e in ino.read(0)] == ["f"]  # still usable


@pytest.mark.parametrize("how", ["read", "iterate"])
def test_close_while_a_thread_waits(tmp_path: Path, how: str) -> None:
    ino = Inotify()
    ino.add_watch(tmp_path, inotify.IN_CREATE)
    outcome: list[BaseException] = []
    started = threading.Event()

    def wait() -> None:
        started.set()
        try:
            if how == "read":
                ino.read()
            else:
                next(iter(ino))
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=wait)
    thread.start()
    started.wait()
    time.sleep(0.05)  # let it reach the poll
    ino.close()
    thread.join(10)
    assert not thread.is_alive(), "the waiting thread hangs after close()"
    assert len(outcome) == 1 and isinstance(outcome[0], ValueError), outcome
    assert ino.closed


def _expect_closed_error(ino: Inotify) -> None:
    with pytest.raises(ValueError):
        ino.read()


async def _wait_and_close() -> None:
    ino = Inotify()
    waiter = asyncio.ensure_future(ino.aread())
    await asyncio.sleep(0.01)
    ino.close()
    with pytest.raises(ValueError):
        await waiter


def test_no_descriptor_is_leaked(tmp_path: Path) -> None:
    before = sorted(os.listdir("/proc/self/fd"))
    for _ in range(10):
        ino = Inotify()
        ino.add_watch(tmp_path, inotify.IN_CREATE)
        thread = threading.Thread(target=_expect_closed_error, args=(ino,))
        thread.start()
        time.sleep(0.01)
        ino.close()
        thread.join(10)
        asyncio.run(_wait_and_close())
    assert sorted(os.listdir("/proc/self/fd")) == before


def test_concurrent_readers_are_serialized_and_all_woken_by_close(tmp_path: Path) -> None:
    ino = Inotify()
    ino.add_watch(tmp_path, inotify.IN_CREATE)
    outcome: list[object] = []

    def wait() -> None:
        try:
            outcome.append(ino.read())
        except ValueError as exc:
            outcome.append(exc)

    threads = [threading.Thread(target=wait) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    (tmp_path / "one").touch()
    time.sleep(0.1)
    ino.close()
    for t in threads:
        t.join(10)
        assert not t.is_alive()
    got = [o for o in outcome if isinstance(o, list)]
    assert [[e.name for e in events] for events in got] == [["one"]]
    assert sum(isinstance(o, ValueError) for o in outcome) == 2


# ---- asyncio --------------------------------------------------------------------------------


def test_async_for(ino: Inotify, tmp_path: Path) -> None:
    ino.add_watch(tmp_path, inotify.IN_CREATE)

    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        threads = threading.active_count()
        loop.call_later(0.05, (tmp_path / "a").touch)
        loop.call_later(0.1, (tmp_path / "b").touch)
        names = []
        async for event in ino:
            assert threading.active_count() == threads  # no thread per watcher
            names.append(event.name)
            if len(names) == 2:
                break
        return names

    assert asyncio.run(main()) == ["a", "b"]


def test_async_cancellation_loses_nothing(ino: Inotify, tmp_path: Path) -> None:
    ino.add_watch(tmp_path, inotify.IN_CREATE)

    async def main() -> list[str]:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(ino.aread(), 0.05)
        task = asyncio.ensure_future(ino.aread())
        await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        (tmp_path / "x").touch()
        return [e.name for e in await asyncio.wait_for(ino.aread(), 10)]

    assert asyncio.run(main()) == ["x"]


def test_async_only_one_waiting_task(ino: Inotify, tmp_path: Path) -> None:
    ino.add_watch(tmp_path, inotify.IN_CREATE)

    async def main() -> None:
        first = asyncio.ensure_future(ino.aread())
        await asyncio.sleep(0.02)
        with pytest.raises(RuntimeError):
            await ino.aread()
        (tmp_path / "y").touch()
        assert [e.name for e in await asyncio.wait_for(first, 10)] == ["y"]

    asyncio.run(main())


@pytest.mark.parametrize("closer", ["task", "thread"])
def test_close_while_a_task_waits(tmp_path: Path, closer: str) -> None:
    ino = Inotify()
    ino.add_watch(tmp_path, inotify.IN_CREATE)

    async def main() -> None:
        waiter = asyncio.ensure_future(ino.aread())
        await asyncio.sleep(0.05)
        if closer == "task":
            ino.close()
        else:
            thread = threading.Thread(target=ino.close)
            thread.start()
            thread.join()
        with pytest.raises(ValueError):
            await asyncio.wait_for(waiter, 10)
        with pytest.raises(ValueError):
            await ino.aread()

    asyncio.run(main())
    assert ino.closed


# ---- the watch table, IN_IGNORED, overflow, moves -------------------------------------------


def test_rm_watch_after_in_ignored(ino: Inotify, tmp_path: Path) -> None:
    keep = ino.add_watch(tmp_path, inotify.IN_CREATE)
    doomed = tmp_path / "doomed"
    doomed.touch()
    wd = ino.add_watch(doomed, inotify.IN_DELETE_SELF)
    ino.read(0)
    assert dict(ino.watches) == {keep: str(tmp_path), wd: str(doomed)}
    os.unlink(doomed)
    events = ino.read(5)
    assert [(e.wd, e.mask) for e in events] == [
        (wd, inotify.IN_DELETE_SELF),
        (wd, inotify.IN_IGNORED),
    ]
    assert dict(ino.watches) == {keep: str(tmp_path)}
    with pytest.raises(errors.EINVAL) as info:
        ino.rm_watch(wd)
    assert info.value.documented and info.value.syscall == "inotify_rm_watch"
    assert any("IN_IGNORED" in note for note in info.value.__notes__)
    assert dict(ino.watches) == {keep: str(tmp_path)}


def test_rm_watch_before_reading_in_ignored_and_oneshot(ino: Inotify, tmp_path: Path) -> None:
    wd = ino.add_watch(tmp_path, inotify.IN_CREATE | inotify.IN_ONESHOT)
    (tmp_path / "once").touch()
    # IN_ONESHOT fired; its IN_IGNORED is queued but not read: the kernel already says EINVAL,
    # and the table entry goes with it.
    with pytest.raises(errors.EINVAL):
        ino.rm_watch(wd)
    assert wd not in ino.watches
    assert [e.mask for e in ino.read(0)] == [inotify.IN_CREATE, inotify.IN_IGNORED]
    assert wd not in ino.watches


def test_explicit_rm_watch_then_ignored(ino: Inotify, tmp_path: Path) -> None:
    wd = ino.add_watch(tmp_path, inotify.IN_CREATE)
    ino.rm_watch(wd)
    assert [(e.wd, e.mask) for e in ino.read(5)] == [(wd, inotify.IN_IGNORED)]
    assert not ino.watches


@pytest.mark.slow
def test_overflow_is_delivered_as_an_event(ino: Inotify, tmp_path: Path) -> None:
    limit = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    target = tmp_path / "f"
    target.touch()
    ino.add_watch(tmp_path, inotify.IN_OPEN | inotify.IN_CLOSE_NOWRITE)
    # OPEN and CLOSE_NOWRITE alternate, so the kernel cannot merge consecutive equal events.
    for _ in range(limit // 2 + 100):
        os.close(os.open(target, os.O_RDONLY))
    events: list[InotifyEvent] = []
    while batch := ino.read(0):
        events.extend(batch)
    assert events[-1] == InotifyEvent(-1, inotify.IN_Q_OVERFLOW, 0, "")
    assert sum(e.mask & inotify.IN_Q_OVERFLOW != 0 for e in events) == 1
    assert len(events) == limit + 1
    assert ino.event_path(events[-1]) is None


def test_pair_moves(ino: Inotify, tmp_path: Path) -> None:
    a, b, outside = tmp_path / "a", tmp_path / "b", tmp_path / "outside"
    for d in (a, b, outside):
        d.mkdir()
    wa = ino.add_watch(a, inotify.IN_MOVE)
    wb = ino.add_watch(b, inotify.IN_MOVE)
    (a / "f").touch()
    (outside / "g").touch()
    os.rename(a / "f", b / "f2")
    os.rename(b / "f2", outside / "f3")
    os.rename(outside / "g", a / "g")
    moves = inotify.pair_moves(ino.read(5))
    assert len(moves) == 3
    first, out, into = moves
    assert first.moved_from and first.moved_to
    assert (first.moved_from.wd, first.moved_from.name) == (wa, "f")
    assert (first.moved_to.wd, first.moved_to.name) == (wb, "f2")
    assert first.cookie == first.moved_from.cookie != 0
    assert out.moved_from and out.moved_from.name == "f2" and out.moved_to is None
    assert into.moved_to and into.moved_to.name == "g" and into.moved_from is None
    assert ino.event_path(into.moved_to) == str(a / "g")


move_events = st.builds(
    InotifyEvent,
    st.integers(1, 3),
    st.sampled_from([inotify.IN_MOVED_FROM, inotify.IN_MOVED_TO, inotify.IN_CREATE]).map(
        InotifyMask
    ),
    st.integers(0, 4),
    st.text(max_size=3),
)


@given(st.lists(move_events, max_size=30))
def test_pair_moves_properties(events: list[InotifyEvent]) -> None:
    moves = inotify.pair_moves(events)
    assert len({m.cookie for m in moves}) == len(moves)
    for move in moves:
        assert move.moved_from is not None or move.moved_to is not None
        if move.moved_from is not None:
            assert move.moved_from.cookie == move.cookie
            assert move.moved_from.mask & inotify.IN_MOVED_FROM
        if move.moved_to is not None:
            assert move.moved_to.cookie == move.cookie
            assert move.moved_to.mask & inotify.IN_MOVED_TO
    paired = [e for m in moves for e in (m.moved_from, m.moved_to) if e is not None]
    # Every cookie's last MOVED_FROM and last MOVED_TO are kept; other events are ignored.
    assert all(e.mask & inotify.IN_MOVE for e in paired)
    assert {e.cookie for e in events if e.mask & inotify.IN_MOVE} == {m.cookie for m in moves}


# ---- trees ----------------------------------------------------------------------------------


def test_add_tree_follows_new_directories(ino: Inotify, tmp_path: Path) -> None:
    (tmp_path / "old" / "deep").mkdir(parents=True)
    root = ino.add_tree(tmp_path, inotify.IN_CREATE | inotify.IN_DELETE)
    assert set(ino.watches.values()) == {
        str(tmp_path),
        str(tmp_path / "old"),
        str(tmp_path / "old" / "deep"),
    }
    assert ino.path(root) == str(tmp_path)
    (tmp_path / "new").mkdir()
    ino.read(5)  # the IN_CREATE|IN_ISDIR event: "new" gets watched as it is read
    (tmp_path / "new" / "file").touch()
    (tmp_path / "old" / "deep" / "x").touch()
    paths = [ino.event_path(e) for e in ino.read(5)]
    assert paths == [str(tmp_path / "new" / "file"), str(tmp_path / "old" / "deep" / "x")]
    # A directory tree moved in is watched all the way down.
    outside = tmp_path.parent / (tmp_path.name + "-outside")
    (outside / "sub").mkdir(parents=True)
    os.rename(outside, tmp_path / "moved")
    ino.read(5)
    (tmp_path / "moved" / "sub" / "y").touch()
    assert [ino.event_path(e) for e in ino.read(5)] == [str(tmp_path / "moved" / "sub" / "y")]
    # Removal drops the watches as their IN_IGNORED events are read.
    os.unlink(tmp_path / "moved" / "sub" / "y")
    os.rmdir(tmp_path / "moved" / "sub")
    ino.read(5)
    assert str(tmp_path / "moved" / "sub") not in ino.watches.values()


def test_add_tree_deeper_than_the_recursion_limit(ino: Inotify, tmp_path: Path) -> None:
    # A lowered recursion limit keeps the tree shallow enough for shutil.rmtree (recursive),
    # which pytest uses to clean tmp_path.
    depth = 300
    path = tmp_path
    for _ in range(depth):
        path = path / "d"
        path.mkdir()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + 100)
    try:
        ino.add_tree(tmp_path, inotify.IN_CREATE)
    finally:
        sys.setrecursionlimit(limit)
    assert len(ino.watches) == depth + 1
    (path / "bottom").touch()
    assert [ino.event_path(e) for e in ino.read(5)] == [str(path / "bottom")]


def test_add_tree_needs_a_directory(ino: Inotify, tmp_path: Path) -> None:
    (tmp_path / "file").touch()
    with pytest.raises(errors.ENOTDIR):
        ino.add_tree(tmp_path / "file")


def test_add_tree_skips_symlinks(ino: Inotify, tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "link").symlink_to(tmp_path / "real")
    ino.add_tree(tmp_path / "tree", inotify.IN_CREATE)
    assert set(ino.watches.values()) == {str(tmp_path / "tree")}


# ---- limits ---------------------------------------------------------------------------------


def test_emfile_note_names_the_limits() -> None:
    def body() -> object:
        probe = os.open("/dev/null", os.O_RDONLY)
        os.close(probe)
        resource.setrlimit(resource.RLIMIT_NOFILE, (probe, probe))
        Inotify()
        return None

    kind, name, message, notes = run_in_child(body)
    assert (kind, name) == ("error", "EMFILE"), message
    assert any("max_user_instances" in n and "RLIMIT_NOFILE" in n for n in notes)


@pytest.mark.requires_root
def test_enospc_note_names_max_user_watches(tmp_path: Path) -> None:
    def body() -> object:
        _own_user_namespace("max_inotify_watches", 1)
        with Inotify() as ino:
            ino.add_watch(tmp_path, inotify.IN_CREATE)
            ino.add_watch("/", inotify.IN_CREATE)
        return None

    kind, name, message, notes = run_in_child(body)
    if (kind, name) == ("error", "NotProvokable"):
        pytest.skip(message)  # no user namespaces here (a chroot, a locked-down container)
    assert (kind, name) == ("error", "ENOSPC"), message
    assert any("max_user_watches" in n and "max_inotify_watches = 1" in n for n in notes)


# ---- any input: a result or a documented exception ------------------------------------------


@given(mask=st.integers(0, 2**32 - 1))
@settings(max_examples=200, deadline=None)
def test_add_watch_any_mask(mask: int) -> None:
    with Inotify() as ino:
        try:
            wd = ino.add_watch("/", mask)
        except errors.SysapiError as exc:
            assert exc.errno in {22, 17} and exc.documented  # EINVAL, or EEXIST (MASK_CREATE)
        else:
            assert ino.watches[wd] == "/"


@given(path=st.one_of(st.text(max_size=40), st.binary(max_size=40)))
@settings(max_examples=300, deadline=None)
def test_add_watch_any_path(path: str | bytes) -> None:
    with Inotify() as ino:
        try:
            wd = ino.add_watch(path, inotify.IN_ATTRIB)
        except ValueError:
            assert b"\0" in os.fsencode(path)
        except errors.SysapiError as exc:
            assert exc.documented and exc.syscall == "inotify_add_watch", exc
        else:
            assert ino.watches[wd] == os.fsdecode(path)


@given(wd=st.integers(-(2**31), 2**31 - 1))
@settings(max_examples=100, deadline=None)
def test_rm_watch_any_wd(wd: int) -> None:
    with Inotify() as ino, pytest.raises(errors.EINVAL):
        ino.rm_watch(wd)


@given(timeout=st.one_of(st.floats(max_value=0.0), st.just(float("nan")), st.integers(-5, 0)))
@settings(max_examples=100, deadline=None)
def test_read_any_non_blocking_timeout(timeout: float) -> None:
    with Inotify() as ino:
        if timeout >= 0:
            assert ino.read(timeout) == []
        else:
            with pytest.raises(ValueError):
                ino.read(timeout)


# ---- the watch command ----------------------------------------------------------------------


def test_event_names_and_list() -> None:
    assert event_names(inotify.IN_CREATE | inotify.IN_ISDIR) == ["CREATE", "ISDIR"]
    assert event_names(0x1000) == ["0x1000"]
    assert parse_event_list("create,close") == inotify.IN_CREATE | inotify.IN_CLOSE
    assert parse_event_list("IN_MOVED_TO") == inotify.IN_MOVED_TO
    with pytest.raises(ValueError):
        parse_event_list("isdir")


def _watch(
    args: list[str], action: Callable[[subprocess.Popen[str]], list[str]]
) -> tuple[int, list[str]]:
    """Run the command; ``action`` acts once the watches are set up and returns the lines it
    read itself."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sysapi", "watch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None and proc.stdout is not None
    for line in proc.stderr:
        if "Watches established" in line:
            break
    early = action(proc)
    out, _ = proc.communicate(timeout=60)
    return proc.returncode, early + out.splitlines()


def test_watch_command(tmp_path: Path) -> None:
    def act(proc: subprocess.Popen[str]) -> list[str]:
        assert proc.stdout is not None
        (tmp_path / "sub").mkdir()
        # Once the command printed the directory's CREATE, it has watched the directory.
        first = proc.stdout.readline().rstrip("\n")
        (tmp_path / "sub" / "f").write_bytes(b"x")
        return [first]

    args = [str(tmp_path), "-r", "-e", "create,close_write", "--timeout", "2"]
    status, lines = _watch(args, act)
    assert status == 2  # the timeout, as inotifywait reports it
    assert lines == [
        f"{tmp_path}/ CREATE,ISDIR sub",
        f"{tmp_path}/sub/ CREATE f",
        f"{tmp_path}/sub/ CLOSE_WRITE f",
    ]


def test_watch_command_json(tmp_path: Path) -> None:
    def act(proc: subprocess.Popen[str]) -> list[str]:
        (tmp_path / "g").touch()
        return []

    status, lines = _watch([str(tmp_path), "--json", "--timeout", "2"], act)
    assert status == 2
    first = json.loads(lines[0])
    assert first["events"] == ["CREATE"] and first["name"] == "g" and first["path"] == str(tmp_path)


def test_watch_command_ends_when_the_watches_are_gone(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.touch()

    def act(proc: subprocess.Popen[str]) -> list[str]:
        target.unlink()
        return []

    status, lines = _watch([str(target)], act)
    assert status == 0
    assert lines[-2:] == [f"{target} DELETE_SELF", f"{target} IGNORED"]


def test_watch_command_errors(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sysapi", "watch", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 1 and "No such file" in proc.stderr
