"""File descriptors: borrowed (``FdLike``) and owned (:class:`Fd`)."""

from __future__ import annotations

import _thread  # threading.Lock is _thread.allocate_lock; importing threading costs 0.6 ms
import _warnings  # warnings.warn is _warnings.warn; importing warnings costs 0.2 ms
import os

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import asyncio
    import weakref
    from collections.abc import Callable
    from typing import Any, TypeAlias, TypeVar

    from sysapi._hasfileno import HasFileno

    _T = TypeVar("_T")
else:

    def __getattr__(name: str) -> object:
        if name == "HasFileno":
            from sysapi._hasfileno import HasFileno

            return HasFileno
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Fd", "FdLike", "HasFileno", "WaitableFd", "fileno"]

#: A borrowed descriptor, an ``int`` or any object with ``fileno()``.
FdLike: TypeAlias = "int | HasFileno"


def fileno(fd: FdLike) -> int:
    """The descriptor number of ``fd``. Range errors are left to cffi (OverflowError)."""
    if type(fd) is int:
        return fd
    if isinstance(fd, int):
        return int(fd)
    method = getattr(fd, "fileno", None)
    if method is None:
        raise TypeError(f"expected an int or an object with fileno(), not {type(fd).__name__}")
    number = method()
    if not isinstance(number, int):
        raise TypeError(f"{type(fd).__name__}.fileno() returned {type(number).__name__}, not int")
    return int(number)


class Fd:
    """An owned file descriptor: closed by :meth:`close`, on context exit, or (with a
    ``ResourceWarning``) when garbage-collected open.

    Subclasses wrap kernel objects that are descriptors (``Inotify``). The descriptor number is
    set to -1 *before* it is closed, so a concurrent user sees a closed object, never a number
    that the kernel may already have handed to someone else.
    """

    __slots__ = ("__weakref__", "_fd")

    _fd: int

    def __init__(self, fd: int) -> None:
        if not isinstance(fd, int) or fd < 0:
            raise ValueError(f"not a file descriptor: {fd!r}")
        self._fd = fd

    def fileno(self) -> int:
        fd = self._fd
        if fd < 0:
            raise ValueError(f"I/O operation on closed {type(self).__name__}")
        return fd

    @property
    def closed(self) -> bool:
        return self._fd < 0

    def close(self) -> None:
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)

    def detach(self) -> int:
        """Give up ownership: return the descriptor and leave this object closed."""
        fd = self.fileno()
        self._fd = -1
        return fd

    def __enter__(self) -> Fd:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_fd", -1) >= 0:
            _warnings.warn(f"unclosed {self!r}", ResourceWarning, stacklevel=2, source=self)
            self.close()

    def __repr__(self) -> str:
        state = "closed" if self._fd < 0 else f"fd={self._fd}"
        return f"<{type(self).__name__} {state}>"


class WaitableFd(Fd):
    """An owned descriptor that threads and tasks wait on: :meth:`close` never closes the
    number under a waiter.

    A waiter brackets its use with ``_enter()`` (which may create the wake-up eventfd it
    polls beside the descriptor) and ``_leave()``. :meth:`close` during a wait marks the
    object closed at once (new users get ValueError), signals the eventfd so that waiters
    give up, and leaves the actual ``close(2)`` to the last one out: the number cannot be
    reused by another file while a waiter may still read it.

    Entering and leaving take no lock (they are on every read's path): the users are the
    items of a list, whose ``append`` and ``pop`` are atomic. :meth:`close` publishes the
    descriptor it closes before it looks at the list, and a user appends itself before it
    reads the descriptor, so one of the two always sees the other.

    A forked child inherits the descriptor but none of the parent's other threads: it starts
    with fresh locks and no users (a lock held by a reader of the parent would otherwise stay
    held for ever), and without the parent's wake-up eventfd, which both would share.
    """

    __slots__ = ("_async_waiting", "_closing_fd", "_read_lock", "_state", "_users", "_wake")

    def __init__(self, fd: int) -> None:
        super().__init__(fd)
        self._state = _thread.allocate_lock()  # guards _closing_fd, _wake and the final close
        self._read_lock = _thread.allocate_lock()  # one reader in the kernel at a time
        self._users: list[None] = []
        self._closing_fd = -1
        self._wake = -1
        self._async_waiting = False
        _live().add(self)

    def _after_fork_in_child(self) -> None:
        self._state = _thread.allocate_lock()
        self._read_lock = _thread.allocate_lock()
        self._users = []
        self._async_waiting = False
        # A close the parent left to its waiters applies here too; the wake-up eventfd is the
        # parent's as well: its close must not wake a reader of ours, nor ours one of its.
        for fd in (self._closing_fd, self._wake):
            if fd >= 0:
                os.close(fd)
        self._closing_fd = self._wake = -1

    def _enter(self, wake: bool = False) -> int:
        """Count a user in; return the descriptor. ``wake``: make the wake-up eventfd."""
        self._users.append(None)
        fd = self._fd
        if fd < 0:
            self._leave()
            raise ValueError(f"I/O operation on closed {type(self).__name__}")
        if wake and self._wake < 0:
            with self._state:
                if self._wake < 0 and self._closing_fd < 0:
                    self._wake = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
        return fd

    def _leave(self) -> None:
        users = self._users
        if users:  # empty only in a child forked by a user, whose list was reset
            users.pop()
        if self._closing_fd >= 0 and not self._users:
            self._finish_close()

    def _finish_close(self) -> None:
        with self._state:
            if self._users:
                return  # a user came in meanwhile: the last one out closes
            fd, self._closing_fd = self._closing_fd, -1
            wake, self._wake = self._wake, -1
        if fd >= 0:
            os.close(fd)
        if wake >= 0:
            os.close(wake)

    async def _readable(self, loop: asyncio.AbstractEventLoop, fd: int) -> None:
        """Wait on ``loop`` (``add_reader``, no thread) until ``fd`` or the wake-up eventfd
        (made by ``_enter(wake=True)``) is readable. A cancelled wait has read nothing."""
        wake = self._wake
        ready = loop.create_future()
        loop.add_reader(fd, _set_ready, ready)
        loop.add_reader(wake, _set_ready, ready)
        try:
            await ready
        finally:
            loop.remove_reader(fd)
            loop.remove_reader(wake)

    async def _aread_with(self, poll: Callable[[int], list[_T]]) -> list[_T]:
        """Wait on the running asyncio loop until ``poll(fd)`` (a read that does not wait,
        called with the read lock held) returns records, and return them.

        Cancellation-safe: a cancelled wait has read nothing. ValueError when the descriptor
        is closed (also during the wait), RuntimeError when another task already waits.
        """
        import asyncio

        loop = asyncio.get_running_loop()
        fd = self._enter(wake=True)
        try:
            if self._async_waiting:
                raise RuntimeError(f"another task is already waiting on this {type(self).__name__}")
            self._async_waiting = True
            try:
                while True:
                    if self._closing:
                        raise self._closed_while_waiting()
                    # A thread may be in a blocking read: never block the loop waiting for it.
                    if self._read_lock.acquire(blocking=False):
                        try:
                            records = poll(fd)
                        finally:
                            self._read_lock.release()
                        if records:
                            return records
                    await self._readable(loop, fd)
            finally:
                self._async_waiting = False
        finally:
            self._leave()

    def _closed_while_waiting(self) -> ValueError:
        return ValueError(f"the {type(self).__name__} was closed while a reader was waiting on it")

    @property
    def _closing(self) -> bool:
        """True once :meth:`close` was called while this waiter was inside."""
        return self._closing_fd >= 0

    def close(self) -> None:
        """Close the descriptor. A thread or task waiting on it wakes up and raises
        ValueError; the descriptor is closed once it has left."""
        with self._state:
            fd, self._fd = self._fd, -1
            if fd < 0:
                return
            self._closing_fd = fd
            if self._users:
                if self._wake >= 0:
                    os.eventfd_write(self._wake, 1)
                return
        self._finish_close()

    def detach(self) -> int:
        """Give up ownership: return the descriptor and leave this object closed."""
        with self._state:
            if self._users:
                raise RuntimeError(
                    f"detach() while another thread or task uses the {type(self).__name__}"
                )
            fd = self.fileno()
            self._fd = -1
            wake, self._wake = self._wake, -1
        if wake >= 0:
            os.close(wake)
        return fd


#: Every open WaitableFd, for the reset of a forked child: a weakref.WeakSet, made by the first
#: WaitableFd (importing weakref costs 0.5 ms, and a program may never make one), under "made".
_LIVE: dict[str, weakref.WeakSet[WaitableFd]] = {}


def _live() -> weakref.WeakSet[WaitableFd]:
    found = _LIVE.get("made")
    if found is None:
        import weakref

        found = _LIVE.setdefault("made", weakref.WeakSet())  # one, whichever thread is first
    return found


def _after_fork_in_child() -> None:
    for obj in list(_LIVE.get("made", ())):
        obj._after_fork_in_child()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _set_ready(future: Any) -> None:
    if not future.done():
        future.set_result(None)
