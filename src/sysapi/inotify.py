"""inotify: file-system event notification (the notes' 监视文件事件 section).

Two layers. The thin one keeps the C calls: :func:`inotify_init1`, :func:`inotify_add_watch`,
:func:`inotify_rm_watch`, and :func:`parse_events` for bytes read off an inotify descriptor.
The owned one, :class:`Inotify`, adds what every inotify user ends up writing: blocking reads
with a timeout that release the GIL, iteration, ``async for`` on asyncio, a watch table that
follows ``IN_IGNORED``, recursive watching of a directory tree, and a clean error for a reader
that is waiting when the instance is closed.
"""

from __future__ import annotations

import collections
import errno
import math
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from types import MappingProxyType

from sysapi import _enum, _native, _syscall
from sysapi._convert import fspath
from sysapi._record import record
from sysapi._sysapi import ffi, lib
from sysapi.errors import SysapiError, documents, kernel, man, notes, spec
from sysapi.fd import FdLike, WaitableFd, fileno

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

    from _typeshed import StrOrBytesPath

__all__ = [
    "IN_ACCESS",
    "IN_ALL_EVENTS",
    "IN_ATTRIB",
    "IN_CLOEXEC",
    "IN_CLOSE",
    "IN_CLOSE_NOWRITE",
    "IN_CLOSE_WRITE",
    "IN_CREATE",
    "IN_DELETE",
    "IN_DELETE_SELF",
    "IN_DONT_FOLLOW",
    "IN_EXCL_UNLINK",
    "IN_IGNORED",
    "IN_ISDIR",
    "IN_MASK_ADD",
    "IN_MASK_CREATE",
    "IN_MODIFY",
    "IN_MOVE",
    "IN_MOVED_FROM",
    "IN_MOVED_TO",
    "IN_MOVE_SELF",
    "IN_NONBLOCK",
    "IN_ONESHOT",
    "IN_ONLYDIR",
    "IN_OPEN",
    "IN_Q_OVERFLOW",
    "IN_UNMOUNT",
    "Inotify",
    "InotifyEvent",
    "InotifyInitFlags",
    "InotifyMask",
    "Move",
    "inotify_add_watch",
    "inotify_init1",
    "inotify_rm_watch",
    "pair_moves",
    "parse_events",
]


class InotifyMask(_enum.IntFlag):
    """The ``IN_*`` bits of a watch mask and of an event's ``mask``.

    Unknown bits survive decoding (``InotifyMask(1 << 12)`` keeps bit 12).
    """

    IN_ACCESS = lib.IN_ACCESS
    IN_MODIFY = lib.IN_MODIFY
    IN_ATTRIB = lib.IN_ATTRIB
    IN_CLOSE_WRITE = lib.IN_CLOSE_WRITE
    IN_CLOSE_NOWRITE = lib.IN_CLOSE_NOWRITE
    IN_OPEN = lib.IN_OPEN
    IN_MOVED_FROM = lib.IN_MOVED_FROM
    IN_MOVED_TO = lib.IN_MOVED_TO
    IN_CREATE = lib.IN_CREATE
    IN_DELETE = lib.IN_DELETE
    IN_DELETE_SELF = lib.IN_DELETE_SELF
    IN_MOVE_SELF = lib.IN_MOVE_SELF
    IN_UNMOUNT = lib.IN_UNMOUNT
    IN_Q_OVERFLOW = lib.IN_Q_OVERFLOW
    IN_IGNORED = lib.IN_IGNORED
    IN_ONLYDIR = lib.IN_ONLYDIR
    IN_DONT_FOLLOW = lib.IN_DONT_FOLLOW
    IN_EXCL_UNLINK = lib.IN_EXCL_UNLINK
    IN_MASK_CREATE = lib.IN_MASK_CREATE
    IN_MASK_ADD = lib.IN_MASK_ADD
    IN_ISDIR = lib.IN_ISDIR
    IN_ONESHOT = lib.IN_ONESHOT
    # Combinations (after their parts, so that decoding names the parts).
    IN_CLOSE = lib.IN_CLOSE
    IN_MOVE = lib.IN_MOVE
    IN_ALL_EVENTS = lib.IN_ALL_EVENTS


class InotifyInitFlags(_enum.IntFlag):
    """The ``flags`` of :func:`inotify_init1`.

    A separate type from :class:`InotifyMask`: ``IN_NONBLOCK`` (``O_NONBLOCK``, 0x800) has the
    value of ``IN_MOVE_SELF``, so one flag type could not name both.
    """

    IN_CLOEXEC = lib.IN_CLOEXEC
    IN_NONBLOCK = lib.IN_NONBLOCK


IN_ACCESS: Final = InotifyMask.IN_ACCESS
IN_MODIFY: Final = InotifyMask.IN_MODIFY
IN_ATTRIB: Final = InotifyMask.IN_ATTRIB
IN_CLOSE_WRITE: Final = InotifyMask.IN_CLOSE_WRITE
IN_CLOSE_NOWRITE: Final = InotifyMask.IN_CLOSE_NOWRITE
IN_OPEN: Final = InotifyMask.IN_OPEN
IN_MOVED_FROM: Final = InotifyMask.IN_MOVED_FROM
IN_MOVED_TO: Final = InotifyMask.IN_MOVED_TO
IN_CREATE: Final = InotifyMask.IN_CREATE
IN_DELETE: Final = InotifyMask.IN_DELETE
IN_DELETE_SELF: Final = InotifyMask.IN_DELETE_SELF
IN_MOVE_SELF: Final = InotifyMask.IN_MOVE_SELF
IN_UNMOUNT: Final = InotifyMask.IN_UNMOUNT
IN_Q_OVERFLOW: Final = InotifyMask.IN_Q_OVERFLOW
IN_IGNORED: Final = InotifyMask.IN_IGNORED
IN_ONLYDIR: Final = InotifyMask.IN_ONLYDIR
IN_DONT_FOLLOW: Final = InotifyMask.IN_DONT_FOLLOW
IN_EXCL_UNLINK: Final = InotifyMask.IN_EXCL_UNLINK
IN_MASK_CREATE: Final = InotifyMask.IN_MASK_CREATE
IN_MASK_ADD: Final = InotifyMask.IN_MASK_ADD
IN_ISDIR: Final = InotifyMask.IN_ISDIR
IN_ONESHOT: Final = InotifyMask.IN_ONESHOT
IN_CLOSE: Final = InotifyMask.IN_CLOSE
IN_MOVE: Final = InotifyMask.IN_MOVE
IN_ALL_EVENTS: Final = InotifyMask.IN_ALL_EVENTS
IN_CLOEXEC: Final = InotifyInitFlags.IN_CLOEXEC
IN_NONBLOCK: Final = InotifyInitFlags.IN_NONBLOCK


@record
class InotifyEvent:
    """One ``struct inotify_event``.

    ``wd`` is the watch descriptor (-1 for ``IN_Q_OVERFLOW``), ``mask`` the event bits,
    ``cookie`` the number that pairs ``IN_MOVED_FROM`` with ``IN_MOVED_TO`` (0 otherwise), and
    ``name`` the file name inside a watched directory ("" for an event on the watched object
    itself), decoded as :func:`os.fsdecode` does (``os.fsencode(name)`` gives the bytes back).
    """

    wd: int
    mask: InotifyMask
    cookie: int
    name: str = ""


@record
class Move:
    """A rename seen by inotify: the ``IN_MOVED_FROM`` and ``IN_MOVED_TO`` events that share a
    cookie. One side is ``None`` when the other directory is not watched (moved in from, or out
    to, somewhere else) or when the other event has not been read yet."""

    cookie: int
    moved_from: InotifyEvent | None
    moved_to: InotifyEvent | None


# ---- limits, for the notes on ENOSPC / EMFILE ------------------------------------------------


def _read_limit(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return "unknown"


def _enospc_hint() -> str:
    return (
        "the inotify watch limit is reached: fs.inotify.max_user_watches = "
        f"{_read_limit('/proc/sys/fs/inotify/max_user_watches')} watches per user "
        f"(in this user namespace /proc/sys/user/max_inotify_watches = "
        f"{_read_limit('/proc/sys/user/max_inotify_watches')}); remove watches, or raise the "
        "limit as root: sysctl fs.inotify.max_user_watches=N"
    )


def _emfile_hint() -> str:

    import resource  # here: only an error's note needs it

    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    shown = "unlimited" if soft == resource.RLIM_INFINITY else str(soft)
    return (
        "either the per-user inotify instance limit is reached: fs.inotify.max_user_instances = "
        f"{_read_limit('/proc/sys/fs/inotify/max_user_instances')} (in this user namespace "
        f"/proc/sys/user/max_inotify_instances = "
        f"{_read_limit('/proc/sys/user/max_inotify_instances')}; raise it as root: sysctl "
        f"fs.inotify.max_user_instances=N), or this process has RLIMIT_NOFILE = {shown} "
        "descriptors open (close some, or raise it with resource.setrlimit)"
    )


INOTIFY_INIT1_SPEC: Final = spec(
    "inotify_init1",
    [
        notes(
            errno.EMFILE,
            "the user's limit of inotify instances (fs.inotify.max_user_instances) or the "
            "process's limit of open descriptors (RLIMIT_NOFILE) is reached",
        ),
        notes(errno.ENFILE, "the system-wide limit of open files (fs.file-max) is reached"),
        notes(errno.ENOMEM, "out of kernel memory"),
        man(errno.EINVAL, "flags has a bit other than IN_CLOEXEC and IN_NONBLOCK"),
    ],
    hints={errno.EMFILE: _emfile_hint},
)

INOTIFY_ADD_WATCH_SPEC: Final = spec(
    "inotify_add_watch",
    [
        notes(
            errno.EACCES,
            "the caller may not read path, or may not search a directory of its prefix",
        ),
        kernel(
            errno.EBADF,
            "fd is not an open file descriptor",
            "EBADF also for an open descriptor that is not an inotify instance (Linux: EINVAL)",
        ),
        notes(errno.EFAULT, "path points outside the process's address space"),
        kernel(
            errno.EINVAL,
            "mask has a bit inotify does not know or none it does, or both IN_MASK_ADD and "
            "IN_MASK_CREATE; or fd is not an inotify instance",
            "EINVAL only for invalid events in mask",
        ),
        notes(errno.ENOMEM, "out of kernel memory"),
        notes(
            errno.ENOSPC,
            "the user's limit of inotify watches (fs.inotify.max_user_watches) is reached",
        ),
        man(errno.ENOENT, "a component of path does not exist, or path is a dangling symlink"),
        man(
            errno.ENOTDIR,
            "IN_ONLYDIR was given and path is not a directory, or a prefix component is not one",
        ),
        man(errno.EEXIST, "IN_MASK_CREATE was given and path is already watched by fd"),
        man(errno.ENAMETOOLONG, "path, or a component of it, is too long"),
        kernel(
            errno.ELOOP,
            "too many symbolic links while resolving path (a symlink loop)",
            "nothing: the notes do not list it (nor does the man page)",
        ),
    ],
    hints={errno.ENOSPC: _enospc_hint},
)

INOTIFY_RM_WATCH_SPEC: Final = spec(
    "inotify_rm_watch",
    [
        notes(errno.EBADF, "fd is not an open file descriptor"),
        notes(
            errno.EINVAL,
            "wd is not a watch of this instance: never added, or already removed (the kernel "
            "queued IN_IGNORED: rm_watch, the file was deleted, its filesystem unmounted, or "
            "IN_ONESHOT fired); or fd is not an inotify instance",
        ),
    ],
)

# Inotify's own reads and queue size: a poll-then-read in C (ppoll's errors come out as
# read's) and ioctl(FIONREAD). The instance is checked open before either, so what remains is
# a descriptor closed or replaced behind the owner's back.
READ_SPEC: Final = spec(
    "read",
    [
        man(
            errno.EBADF,
            "the instance's descriptor number was closed behind its back (os.close)",
        ),
        man(
            errno.EINVAL,
            "the buffer is smaller than the next event",
        ),
        man(errno.EFAULT, "the buffer is outside the process's address space"),
        man(errno.ENOMEM, "out of kernel memory (ppoll's table)"),
    ],
)

FIONREAD_SPEC: Final = spec(
    "ioctl(FIONREAD)",
    [
        man(
            errno.EBADF,
            "the instance's descriptor number was closed behind its back (os.close)",
        ),
        man(errno.EFAULT, "the result pointer is outside the process's address space"),
    ],
)


# ---- the thin layer -------------------------------------------------------------------------


@documents(INOTIFY_INIT1_SPEC)
def inotify_init1(flags: int = 0) -> int:
    """Create an inotify instance and return its descriptor, which the caller owns.

    ``flags``: 0 or an OR of ``IN_CLOEXEC`` and ``IN_NONBLOCK``. Note that the default, as in C,
    is an *inheritable* descriptor; :class:`Inotify` sets ``IN_CLOEXEC`` by default.
    """
    return _syscall.call(INOTIFY_INIT1_SPEC, lib.sysapi_inotify_init1, flags)


@documents(INOTIFY_ADD_WATCH_SPEC)
def inotify_add_watch(fd: FdLike, path: StrOrBytesPath, mask: int) -> int:
    """Watch ``path`` for the events of ``mask``; return its watch descriptor.

    Watching an inode that ``fd`` already watches returns the same descriptor and replaces its
    mask (ORs into it with ``IN_MASK_ADD``; fails with EEXIST with ``IN_MASK_CREATE``).
    ``IN_DONT_FOLLOW`` on a symlink watches the link itself (the notes say the call fails; it
    does not). Watches are not recursive: see :meth:`Inotify.add_tree`.
    """
    encoded = fspath(path)
    return _syscall.call(
        INOTIFY_ADD_WATCH_SPEC,
        lib.sysapi_inotify_add_watch,
        fileno(fd),
        encoded,
        mask,
        filename=path,
    )


@documents(INOTIFY_RM_WATCH_SPEC)
def inotify_rm_watch(fd: FdLike, wd: int) -> None:
    """Remove watch ``wd``; the kernel then queues an ``IN_IGNORED`` event for it."""
    _syscall.call(INOTIFY_RM_WATCH_SPEC, lib.sysapi_inotify_rm_watch, fileno(fd), wd)


_EVENT_SIZE: Final = lib.SYSAPI_INOTIFY_EVENT_SIZE
# InotifyMask(value) costs microseconds; the masks of a real queue are a handful of values.
# The native parser reads and fills this dict too.
_MASKS: dict[int, InotifyMask] = {int(m): m for m in InotifyMask}
_MASK_CACHE_MAX: Final = 4096
_native.inotify_bind(InotifyEvent, InotifyMask, _MASKS, _MASK_CACHE_MAX)
#: buffer, size -> (events, the OR of their masks), or the offset of a truncated record.
_inotify_events: Final[Callable[[object, int], tuple[list[InotifyEvent], int] | int]] = (
    _native.inotify_events
)


def _truncated(offset: int, size: int) -> ValueError:
    return ValueError(
        f"truncated inotify event at offset {offset} of {size} bytes "
        f"(a record is {_EVENT_SIZE} bytes of header plus its len)"
    )


def parse_events(data: bytes | bytearray | memoryview) -> list[InotifyEvent]:
    """Parse the ``struct inotify_event`` records of ``data``, as read off an inotify fd.

    Raises ValueError when ``data`` ends inside a record (reads from the kernel always return
    whole records). The events are built in C; see :class:`InotifyEvent` for the fields.
    """
    view = memoryview(data).cast("B")  # any contiguous buffer, of any item size
    size = len(view)
    if size == 0:
        return []
    parsed = _inotify_events(view, size)
    if isinstance(parsed, int):
        raise _truncated(parsed, size)
    return parsed[0]


def pair_moves(events: Iterable[InotifyEvent]) -> list[Move]:
    """Pair the ``IN_MOVED_FROM`` and ``IN_MOVED_TO`` events of ``events`` by cookie.

    Returns one :class:`Move` per cookie, in the order of each rename's first event. A side is
    ``None`` when its event is missing from ``events``: the other directory is not watched, or
    the event has not been read yet (a pair can straddle two reads: pass the events of
    consecutive reads together to pair those). Other events are ignored.
    """
    moves: dict[int, Move] = {}
    for event in events:
        if not isinstance(event, InotifyEvent):
            raise TypeError(f"events must be InotifyEvents, not {type(event).__name__}")
        if not event.mask & IN_MOVE:
            continue
        previous = moves.get(event.cookie)
        if event.mask & IN_MOVED_FROM:
            to = previous.moved_to if previous is not None else None
            moves[event.cookie] = Move(event.cookie, event, to)
        else:
            src = previous.moved_from if previous is not None else None
            moves[event.cookie] = Move(event.cookie, src, event)
    return list(moves.values())


# ---- the owned instance ---------------------------------------------------------------------

_BUFFER_SIZE: Final = 65536
_MAX_WAIT: Final = 2.0**32  # seconds (136 years); int64 ns and lock timeouts hold more
_NEW_DIR: Final = IN_CREATE | IN_MOVED_TO
_TREE_MASK: Final = IN_CREATE | IN_MOVED_TO | IN_ONLYDIR
_GONE: Final = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ELOOP})


def _subdirs(top: str) -> list[str]:
    """The directories directly in ``top``, symlinks excluded; [] when it cannot be listed."""
    try:
        with os.scandir(top) as entries:
            found = []
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        found.append(entry.path)
                except OSError:
                    continue
            return found
    except OSError:
        return []


class Inotify(WaitableFd):
    """An owned inotify instance (close-on-exec by default).

    It keeps a watch table (watch descriptor → path) that drops a watch when its
    ``IN_IGNORED`` event is read, so :attr:`watches` lists the live watches.

    Reads: :meth:`read` (blocking, with a timeout), iteration (``for event in ino``, blocking),
    and ``async for event in ino`` / :meth:`aread` on asyncio. One reader at a time is the
    intended use; concurrent threads are serialized, and only one asyncio task may wait at a
    time. :meth:`close` may be called from any thread or task while another waits: the waiter
    wakes up and raises ValueError (an internal eventfd is polled with the inotify fd).
    """

    __slots__ = (
        "_buf",
        "_pending",
        "_retired",
        "_tree_error",
        "_trees",
        "_view",
        "_watches",
        "_woken",
    )

    @documents(INOTIFY_INIT1_SPEC)
    def __init__(self, flags: int = IN_CLOEXEC) -> None:
        """Create the instance: ``inotify_init1(flags)``."""
        self._watches: dict[int, str] = {}
        # The watches whose IN_IGNORED the last read returned: their events in that batch
        # still resolve to a path until the next read.
        self._retired: dict[int, str] = {}
        self._trees: dict[int, int] = {}  # wd → mask, for the watches of add_tree
        self._tree_error: BaseException | None = None
        self._pending: collections.deque[InotifyEvent] = collections.deque()
        self._buf = ffi.new("char[]", _BUFFER_SIZE)
        self._view = ffi.buffer(self._buf)
        self._woken = ffi.new("int *")
        super().__init__(inotify_init1(flags))

    # -- lifetime: WaitableFd (a waiter keeps the descriptor number alive until it has left) ---

    def close(self) -> None:
        """Close the instance and its watches. A thread or task waiting in :meth:`read` or
        ``async for`` wakes up and raises ValueError; the descriptor is closed once it has."""
        super().close()

    def __enter__(self) -> Inotify:
        return self

    # -- watches ------------------------------------------------------------------------------

    @property
    def watches(self) -> Mapping[int, str]:
        """The live watches: watch descriptor → the path it was added with (read-only view)."""
        return MappingProxyType(self._watches)

    def path(self, wd: int) -> str | None:
        """The path watch ``wd`` was added with; None for an unknown watch. A watch removed by
        an ``IN_IGNORED`` event of the last read still resolves, for the events of that read."""
        path = self._watches.get(wd)
        return self._retired.get(wd) if path is None else path

    def event_path(self, event: InotifyEvent) -> str | None:
        """The path an event is about: the watched path joined with ``event.name``; None for
        ``IN_Q_OVERFLOW`` and unknown watches."""
        if not isinstance(event, InotifyEvent):
            raise TypeError(f"event must be an InotifyEvent, not {type(event).__name__}")
        base = self.path(event.wd)
        if base is None or not event.name:
            return base
        return os.path.join(base, event.name)

    @documents(INOTIFY_ADD_WATCH_SPEC)
    def add_watch(self, path: StrOrBytesPath, mask: int) -> int:
        """Watch ``path`` for the events of ``mask`` (see :func:`inotify_add_watch`); return the
        watch descriptor and remember its path in :attr:`watches`."""
        fd = self._enter()
        try:
            wd = inotify_add_watch(fd, path, mask)
        finally:
            self._leave()
        self._watches[wd] = os.fsdecode(path)
        self._trees.pop(wd, None)
        return wd

    @documents(INOTIFY_RM_WATCH_SPEC)
    def rm_watch(self, wd: int) -> None:
        """Remove watch ``wd``. Its ``IN_IGNORED`` event, read later, drops it from
        :attr:`watches`.

        A watch the kernel already removed (the file was deleted, its filesystem unmounted,
        ``IN_ONESHOT`` fired, or ``rm_watch`` was called twice) raises ``errors.EINVAL`` with a
        note that says so; the watch table stays consistent (the entry is dropped).
        """
        fd = self._enter()
        try:
            inotify_rm_watch(fd, wd)
        except SysapiError as exc:
            if exc.errno == errno.EINVAL:
                known = self._watches.pop(wd, None)
                self._trees.pop(wd, None)
                where = f" (it watched {known!r})" if known is not None else ""
                exc.add_note(
                    f"watch {wd} is not (or no longer) a watch of this instance{where}: the "
                    "kernel removes a watch and queues IN_IGNORED when the file is deleted, "
                    "its filesystem is unmounted, IN_ONESHOT fires, or rm_watch removed it"
                )
            raise
        finally:
            self._leave()

    @documents(INOTIFY_ADD_WATCH_SPEC)
    def add_tree(self, path: StrOrBytesPath, mask: int = IN_ALL_EVENTS) -> int:
        """Watch the directory ``path`` and every directory below it; return the root's wd.

        Directories that appear later (created, or moved in) are watched as their
        ``IN_CREATE``/``IN_MOVED_TO`` event with ``IN_ISDIR`` is read by this instance, so the
        tree watches always include those two bits. Symlinks are not followed below the root.

        The race, which no inotify program can close: a new directory is watched only after
        its creation event has been read. Files created in it before that produce no event;
        subdirectories created in it before that are found, because each directory is listed
        after its watch is in place (and may therefore also be reported by an event).
        Directories that vanish during the walk are skipped. An error adding a watch for a new
        directory during a read (ENOSPC: the watch limit) is raised by the next read. ``path``
        must be a directory (ENOTDIR otherwise: the root is watched with ``IN_ONLYDIR``).
        """
        root = os.fsdecode(path)
        wd = self.add_watch(root, mask | _TREE_MASK)
        self._trees[wd] = mask
        self._watch_dirs(_subdirs(root), mask)
        return wd

    def _watch_dirs(self, paths: list[str], mask: int) -> None:
        """Watch the directories ``paths`` and every directory below them. Each is listed after
        its watch is in place, so that no subdirectory created meanwhile is missed. A loop, not
        recursion: trees can be deeper than Python's recursion limit."""
        stack = paths
        while stack:
            path = stack.pop()
            try:
                wd = self.add_watch(path, mask | _TREE_MASK | IN_DONT_FOLLOW)
            except SysapiError as exc:
                if exc.errno in _GONE:
                    continue  # removed or replaced by a file before we got to it
                raise
            self._trees[wd] = mask
            stack.extend(_subdirs(path))

    def _track(self, events: list[InotifyEvent], seen: int) -> None:
        """Keep the watch table in step with ``events`` (``seen``: the OR of their masks)."""
        if seen & IN_IGNORED:
            for event in events:
                if event.mask & IN_IGNORED:
                    path = self._watches.pop(event.wd, None)
                    if path is not None:
                        self._retired[event.wd] = path
                    self._trees.pop(event.wd, None)
        if seen & IN_ISDIR and self._trees:
            for event in events:
                mask = self._trees.get(event.wd)
                if mask is None or not event.mask & IN_ISDIR or not event.mask & _NEW_DIR:
                    continue
                try:
                    self._watch_dirs([os.path.join(self._watches[event.wd], event.name)], mask)
                except SysapiError as exc:
                    self._tree_error = exc

    # -- reads --------------------------------------------------------------------------------

    @documents(FIONREAD_SPEC)
    def queued_bytes(self) -> int:
        """The number of bytes waiting to be read (``ioctl(FIONREAD)``), not an event count."""
        fd = self._enter()
        try:
            box = ffi.new("int *")
            _syscall.call(FIONREAD_SPEC, lib.sysapi_inotify_fionread, fd, box)
            return int(box[0])
        finally:
            self._leave()

    def _events(self, size: int) -> list[InotifyEvent]:
        parsed = _inotify_events(self._view, size)
        if isinstance(parsed, int):  # never for a read of the kernel's
            raise _truncated(parsed, size)
        events, seen = parsed
        if self._retired:
            self._retired.clear()
        seen &= IN_IGNORED | IN_ISDIR
        if seen and self._watches:
            self._track(events, seen)
        return events

    def _raise_tree_error(self) -> None:
        error, self._tree_error = self._tree_error, None
        if error is not None:
            raise error

    @documents(READ_SPEC)
    def read(self, timeout: float | None = None) -> list[InotifyEvent]:
        """Read the queued events; block until there is one, for at most ``timeout`` seconds
        (``None``: no limit; 0: do not block). Returns ``[]`` when the time runs out.

        Blocks with the GIL released. Signals are handled as PEP 475 says: a handler that
        raises interrupts the read, otherwise it resumes with the remaining time. ``IN_Q_OVERFLOW``
        (wd -1) is delivered as an event: events were lost. Raises ValueError when the instance
        is closed, also when it is closed by another thread during the wait.
        """
        if timeout is not None:
            timeout = float(timeout)
            if not timeout >= 0:
                raise ValueError(f"timeout must be >= 0 or None, not {timeout!r}")
            if timeout > _MAX_WAIT:
                timeout = None  # centuries (or inf): a wait without end, not an overflow
        self._raise_tree_error()
        if self._pending:
            events = list(self._pending)
            self._pending.clear()
            return events
        deadline = None if timeout is None else time.monotonic() + timeout
        fd = self._enter(wake=timeout != 0)
        try:
            wait = -1 if deadline is None else max(0.0, deadline - time.monotonic())
            if not self._read_lock.acquire(timeout=wait):
                return []
            try:
                return self._read_locked(fd, deadline)
            finally:
                self._read_lock.release()
        finally:
            self._leave()

    def _read_locked(self, fd: int, deadline: float | None) -> list[InotifyEvent]:
        while True:
            if self._closing_fd >= 0:
                raise self._closed_while_waiting()
            if deadline is None:
                ns = -1
            else:
                ns = max(0, math.ceil((deadline - time.monotonic()) * 1e9))
            wake = self._wake if ns != 0 else -1
            n = lib.sysapi_inotify_wait_read(fd, wake, ns, self._buf, _BUFFER_SIZE, self._woken)
            if n > 0:
                return self._events(n)
            if n == 0:
                if self._woken[0]:
                    raise self._closed_while_waiting()
                return []
            if n == -errno.EINTR:
                continue  # the signal handlers ran and did not raise: retry with the time left
            if n == -errno.EAGAIN:
                # Someone drained the queue through the raw descriptor (or IN_NONBLOCK raced).
                if ns == 0:
                    return []
                continue
            _syscall.raise_errno(-n, READ_SPEC)

    def __iter__(self) -> Iterator[InotifyEvent]:
        return self

    def __next__(self) -> InotifyEvent:
        """The next event; blocks until there is one (see :meth:`read`)."""
        while not self._pending:
            self._pending.extend(self.read())
        return self._pending.popleft()

    async def aread(self) -> list[InotifyEvent]:
        """Wait on the running asyncio loop (``loop.add_reader``, no thread) for events and
        return them.

        Cancellation-safe: a cancelled wait has read nothing, so no event is lost. Raises
        ValueError when the instance is closed (also by another task or thread during the wait)
        and RuntimeError when another task is already waiting on this instance.
        """
        self._raise_tree_error()
        if self._pending:
            events = list(self._pending)
            self._pending.clear()
            return events
        return await self._aread_with(self._poll)

    def _poll(self, fd: int) -> list[InotifyEvent]:
        return self._read_locked(fd, 0.0)  # a deadline long past: no wait

    def __aiter__(self) -> AsyncIterator[InotifyEvent]:
        return self

    async def __anext__(self) -> InotifyEvent:
        """The next event (see :meth:`aread`). Events already read but not yet returned stay
        with the instance, so breaking out of ``async for`` loses nothing."""
        while not self._pending:
            self._pending.extend(await self.aread())
        return self._pending.popleft()
