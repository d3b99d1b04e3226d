"""Queued signals with a payload: ``sigqueue``, ``sigwaitinfo``, ``sigtimedwait``; signals as
a descriptor: ``signalfd``.

CPython can neither send a value with a signal nor read one back: its ``struct_siginfo`` has
no ``si_value``. Here a value sent by :func:`sigqueue` in one process is read by
:func:`sigwaitinfo` or :func:`sigtimedwait` in another, in :attr:`SigInfo.si_value`.

The signals waited for must be **blocked first**, in every thread (a signal that is not
blocked is delivered to its handler, or kills the process, instead of waiting in the queue).
Block them with :func:`block_signals` or ``signal.pthread_sigmask(signal.SIG_BLOCK, ...)``
before the sender can send them; a forked child inherits the mask.

:func:`signalfd` turns the blocked signals into a readable descriptor (:class:`SignalFd`):
read them in a loop, iterate over them, ``async for`` them on asyncio, or wait for the
descriptor on any event loop and read without blocking.
"""

from __future__ import annotations

import collections
import errno
import functools
import math
import operator
import signal
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator

from sysapi import _enum, _native, _struct, _syscall
from sysapi._record import record
from sysapi._sysapi import ffi, lib
from sysapi.errors import ErrorSpec, documents, kernel, man, notes, spec
from sysapi.fd import WaitableFd
from sysapi.process import NEW_FD_ERRORS, CldCode, nofile_hint

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final, TypeVar

    _F = TypeVar("_F", bound=Callable[..., Any])

__all__ = [
    "SFD_CLOEXEC",
    "SFD_NONBLOCK",
    "SI_ASYNCIO",
    "SI_KERNEL",
    "SI_MESGQ",
    "SI_QUEUE",
    "SI_SIGIO",
    "SI_TIMER",
    "SI_TKILL",
    "SI_USER",
    "SiCode",
    "SigInfo",
    "SignalFd",
    "SignalfdFlags",
    "block_signals",
    "signalfd",
    "sigqueue",
    "sigtimedwait",
    "sigwaitinfo",
]


class SiCode(_enum.IntEnum):
    """The ``si_code`` values every signal may carry: who or what sent it."""

    SI_USER = lib.SI_USER
    SI_KERNEL = lib.SI_KERNEL
    SI_QUEUE = lib.SI_QUEUE
    SI_TIMER = lib.SI_TIMER
    SI_MESGQ = lib.SI_MESGQ
    SI_ASYNCIO = lib.SI_ASYNCIO
    SI_SIGIO = lib.SI_SIGIO
    SI_TKILL = lib.SI_TKILL


SI_USER: Final = SiCode.SI_USER
SI_KERNEL: Final = SiCode.SI_KERNEL
SI_QUEUE: Final = SiCode.SI_QUEUE
SI_TIMER: Final = SiCode.SI_TIMER
SI_MESGQ: Final = SiCode.SI_MESGQ
SI_ASYNCIO: Final = SiCode.SI_ASYNCIO
SI_SIGIO: Final = SiCode.SI_SIGIO
SI_TKILL: Final = SiCode.SI_TKILL


class SignalfdFlags(_enum.IntFlag):
    """The ``flags`` of :func:`signalfd`."""

    SFD_CLOEXEC = lib.SFD_CLOEXEC
    SFD_NONBLOCK = lib.SFD_NONBLOCK


SFD_CLOEXEC: Final = SignalfdFlags.SFD_CLOEXEC
SFD_NONBLOCK: Final = SignalfdFlags.SFD_NONBLOCK

# Lookups built once: enum calls (and signal.valid_signals(), ~0.1 ms) are too slow per signal.
_SIGCHLD_CODES: Final = {int(c): c for c in CldCode}
_SI_CODES: Final = {int(c): c for c in SiCode}
_SIGNALS: Final = {int(s): s for s in signal.Signals}
_VALID: Final = frozenset(int(s) for s in signal.valid_signals())


@record
class SigInfo:
    """The ``siginfo_t`` of a signal taken by :func:`sigwaitinfo`, :func:`sigtimedwait` or read
    from a :class:`SignalFd` (its ``struct signalfd_siginfo``, decoded alike).

    ``si_signo`` is a :class:`signal.Signals` where Python names the number (real-time
    signals other than SIGRTMIN/SIGRTMAX stay ``int``). ``si_code`` is a :class:`SiCode`, a
    :class:`~sysapi.process.CldCode` for SIGCHLD, or the plain ``int``.

    The kernel's siginfo is a union: which fields mean something depends on ``si_code``
    (the others read whatever overlaps them after :func:`sigwaitinfo`; a :class:`SignalFd`,
    whose kernel copies only the meaningful ones, reports them as 0).

    - ``SI_QUEUE`` (:func:`sigqueue`), ``SI_USER`` (``kill``), ``SI_TKILL``: ``si_pid`` and
      ``si_uid`` of the sender; ``SI_QUEUE`` also ``si_value``, the ``int`` sent
      (``sival_int``), and ``si_ptr``, the whole ``sival_ptr`` as an unsigned integer.
    - ``SI_TIMER`` (POSIX timers): ``si_timerid``, ``si_overrun``, ``si_value``.
    - SIGCHLD: ``si_pid``, ``si_uid``, ``si_status``, ``si_utime``, ``si_stime`` (ticks).
    - SIGIO/SIGPOLL: ``si_band``, ``si_fd``. SIGSEGV, SIGBUS, SIGILL, SIGFPE: ``si_addr``.
    """

    si_signo: int
    si_code: int
    si_errno: int
    si_pid: int
    si_uid: int
    si_status: int
    si_value: int
    si_ptr: int
    si_utime: int
    si_stime: int
    si_addr: int
    si_band: int
    si_fd: int
    si_timerid: int
    si_overrun: int


_SIGCHLD: Final = int(signal.SIGCHLD)


# struct signalfd_siginfo member -> SigInfo field, in the C struct's order (ssi_trapno, of a
# few architectures' SIGTRAP, has no SigInfo field; ssi_tid is the POSIX timer id).
_SSI_MEMBERS: Final = (
    ("ssi_signo", "si_signo"),
    ("ssi_errno", "si_errno"),
    ("ssi_code", "si_code"),
    ("ssi_pid", "si_pid"),
    ("ssi_uid", "si_uid"),
    ("ssi_fd", "si_fd"),
    ("ssi_tid", "si_timerid"),
    ("ssi_band", "si_band"),
    ("ssi_overrun", "si_overrun"),
    ("ssi_status", "si_status"),
    ("ssi_int", "si_value"),
    ("ssi_ptr", "si_ptr"),
    ("ssi_utime", "si_utime"),
    ("ssi_stime", "si_stime"),
    ("ssi_addr", "si_addr"),
)
_unpack_ssi: Final = _struct.unpacker(
    "struct signalfd_siginfo", [member for member, _ in _SSI_MEMBERS]
)
_SsiBuilder: Final = _struct.builder(SigInfo, [field for _, field in _SSI_MEMBERS])
_SSI_SIZE: Final = ffi.sizeof("struct signalfd_siginfo")


def _ssi(buffer: Any, offset: int) -> SigInfo:
    """The SigInfo of the struct signalfd_siginfo at ``offset`` in ``buffer``."""
    return _decoded(_SsiBuilder(*_unpack_ssi(buffer, offset)))


def _decoded(info: Any) -> SigInfo:
    """Name ``si_signo`` and ``si_code`` of a builder instance and make it a SigInfo."""
    signo = info.si_signo
    info.si_signo = _SIGNALS.get(signo, signo)
    # Positive codes other than SI_KERNEL are per signal (CLD_EXITED and ILL_ILLOPC are both 1).
    code: int | None = _SI_CODES.get(info.si_code)
    if code is None and signo == _SIGCHLD:
        code = _SIGCHLD_CODES.get(info.si_code)
    if code is not None:
        info.si_code = code
    info.__class__ = SigInfo
    return info  # type: ignore[no-any-return]


_BITS: Final = {number: 1 << number for number in _VALID}
_index: Final = operator.index
_LOW: Final = (1 << 64) - 1


def _sigmask(sigset: Iterable[int]) -> int:
    """The signal numbers as a bit mask (bit n: signal n), checked as
    ``signal.pthread_sigmask`` does: the smallest bad number is reported."""
    mask = 0
    bad = None
    for sig in sigset:
        number = _index(sig)
        try:
            mask |= _BITS[number]
        except KeyError:
            bad = number if bad is None or number < bad else bad
    if bad is not None:
        if not 1 <= bad < signal.NSIG:
            raise ValueError(f"signal number {bad} out of range [1; {signal.NSIG - 1}]")
        raise ValueError(f"signal {bad} is reserved by the C library")
    return mask


def block_signals(sigset: Iterable[int]) -> _SignalsBlocked:
    """Block ``sigset`` in the calling thread for the ``with`` block; restore the mask after.

    Yields the previous mask. Signals sent meanwhile stay pending, to be taken with
    :func:`sigwaitinfo` / :func:`sigtimedwait` (or delivered when the mask is restored).
    Other threads keep their own masks: block there too, or block before starting them.
    """
    return _SignalsBlocked(sigset)


class _SignalsBlocked:
    """What :func:`block_signals` returns: what ``contextlib.contextmanager`` would make of it
    (a context manager, and a decorator), without importing contextlib (0.6 ms)."""

    __slots__ = ("_olds", "_sigset")

    def __init__(self, sigset: Iterable[int]) -> None:
        self._sigset = sigset
        self._olds: list[set[int]] = []  # a stack: the object may be entered again inside

    def __enter__(self) -> set[int]:
        old: set[int] = signal.pthread_sigmask(signal.SIG_BLOCK, self._sigset)
        self._olds.append(old)
        return old

    def __exit__(self, *exc_info: object) -> None:
        signal.pthread_sigmask(signal.SIG_SETMASK, self._olds.pop())

    def __call__(self, func: _F) -> _F:
        @functools.wraps(func)
        def blocking(*args: Any, **kwargs: Any) -> Any:
            with _SignalsBlocked(self._sigset):
                return func(*args, **kwargs)

        return blocking  # type: ignore[return-value]


def _sigpending_limit() -> str:
    import resource  # here: only an error's note needs it

    soft, hard = (
        "unlimited" if v == resource.RLIM_INFINITY else str(v)
        for v in resource.getrlimit(resource.RLIMIT_SIGPENDING)
    )
    return f"RLIMIT_SIGPENDING (signals queued per user) is {soft} (hard {hard})"


SIGQUEUE_SPEC: Final = spec(
    "sigqueue",
    [
        notes(
            errno.EAGAIN,
            "the limit of queued signals (RLIMIT_SIGPENDING, per user) is reached; only "
            "real-time signals queue, standard ones coalesce instead",
        ),
        notes(errno.EINVAL, "sig is not a valid signal number"),
        notes(errno.EPERM, "the caller may not signal pid (the rules of kill; CAP_KILL)"),
        kernel(
            errno.ESRCH,
            "no process has that pid; pid <= 0 also gives ESRCH (sigqueue targets one "
            "process, never a group), and a zombie can still be signalled",
            "ESRCH also for a missing process group, or when the target is a zombie",
        ),
    ],
    hints={errno.EAGAIN: _sigpending_limit},
)

#: sysapi's shims pass their own sigset_t, siginfo_t and timespec: only a C caller meets it.
_SIGWAIT_EFAULT: Final = "{} points outside the address space (never through sysapi)"

SIGWAITINFO_SPEC: Final = spec(
    "sigwaitinfo",
    [
        man(
            errno.EINTR,
            "a handler of a signal outside sigset interrupted the wait (sysapi retries, PEP 475)",
        ),
        kernel(
            errno.EFAULT,
            _SIGWAIT_EFAULT.format("set or info"),
            "nothing: neither the notes nor sigwaitinfo(2) list it",
        ),
    ],
)

SIGTIMEDWAIT_SPEC: Final = spec(
    "sigtimedwait",
    [
        man(
            errno.EAGAIN,
            "no signal of sigset arrived within timeout (sysapi returns None instead)",
        ),
        man(
            errno.EINTR,
            "a handler of a signal outside sigset interrupted the wait (sysapi retries with "
            "the remaining time, PEP 475)",
        ),
        man(errno.EINVAL, "timeout is invalid (negative)"),
        kernel(
            errno.EFAULT,
            _SIGWAIT_EFAULT.format("set, info or timeout"),
            "nothing: neither the notes nor sigtimedwait(2) list it",
        ),
    ],
)


_sigqueue: Final = lib.sysapi_sigqueue
_ceil: Final = math.ceil
_monotonic_ns: Final = time.monotonic_ns
_EAGAIN: Final = -errno.EAGAIN
_EINTR: Final = -errno.EINTR

_valid_mask: Final = sum(_BITS.values())
_native.signals_bind(
    SigInfo, _SIGNALS, _SI_CODES, _SIGCHLD_CODES, _valid_mask & _LOW, _valid_mask >> 64
)
#: The waits in C: the SigInfo; None (sigtimedwait's time ran out); the errno; or 0 when the
#: signal set needs _sigmask (then called again with the mask's two halves).
_sigwait: Final[Callable[..., SigInfo | int | None]] = _native.sigwait


def _sigwait_failed(
    err: int, spec: ErrorSpec, sigset: Iterable[int], ns: int | None, deadline: int
) -> SigInfo | None:
    """The slow path of the waits: convert the signal set, retry after EINTR (PEP 475: the
    handlers have run; a timed wait waits for the time left), raise anything else."""
    mask = None
    while True:
        if err == 0:
            mask = _sigmask(sigset)  # raises for a bad signal number
        elif err != errno.EINTR or (ns is not None and ns < 0):
            _syscall.raise_errno(err, spec)
        elif ns is not None and ns > 0:
            ns = max(0, deadline - _monotonic_ns())
        if mask is None:
            info = _sigwait(sigset, ns)
        else:
            info = _sigwait(sigset, ns, mask & _LOW, mask >> 64)
        if info.__class__ is not int:
            return info  # type: ignore[return-value]
        err = info


@documents(SIGQUEUE_SPEC)
def sigqueue(pid: int, sig: int, value: int = 0) -> None:
    """Queue signal ``sig`` with the payload ``value`` (a C ``int``) to process ``pid``.

    The receiver reads ``value`` as :attr:`SigInfo.si_value` (``si_code`` is
    :data:`SI_QUEUE`). ``sig`` 0 sends nothing and only checks that ``pid`` exists and may be
    signalled. Real-time signals (``signal.SIGRTMIN`` ..) queue one instance per call, each
    with its value; standard signals pending twice are delivered once.
    """
    result = _sigqueue(pid, sig, value)
    if result < 0:
        _syscall.retry(result, SIGQUEUE_SPEC, _sigqueue, pid, sig, value)


@documents(SIGWAITINFO_SPEC)
def sigwaitinfo(sigset: Iterable[int]) -> SigInfo:
    """Take a pending signal of ``sigset`` off the queue, waiting until one arrives.

    The signals must be blocked (:func:`block_signals`), else they are delivered as usual
    and never waited for. Blocks (the GIL is released); a handler of another signal that
    returns restarts the wait (PEP 475), one that raises propagates its exception.
    """
    info = _sigwait(sigset, None)
    if info.__class__ is int:
        info = _sigwait_failed(info, SIGWAITINFO_SPEC, sigset, None, 0)
    return info  # type: ignore[return-value]


@documents(SIGTIMEDWAIT_SPEC)
def sigtimedwait(sigset: Iterable[int], timeout: float) -> SigInfo | None:
    """As :func:`sigwaitinfo`, waiting at most ``timeout`` seconds; ``None`` when none came.

    ``timeout`` 0 polls. After a handler of another signal interrupted the wait, it
    restarts with the time that is left (PEP 475). A negative ``timeout`` goes to the
    kernel, which rejects it with EINVAL.
    """
    try:
        ns = _ceil(timeout * 1e9)
    except ValueError:  # only NaN
        raise ValueError("timeout is NaN") from None
    # A poll (or a negative timeout) has no time left to recompute: no clock read for it.
    deadline = _monotonic_ns() + ns if ns > 0 else 0
    info = _sigwait(sigset, ns)  # the wait and the SigInfo in C (sysapi._native)
    if info.__class__ is int:
        info = _sigwait_failed(info, SIGTIMEDWAIT_SPEC, sigset, ns, deadline)
    return info  # type: ignore[return-value]


# ---- signalfd -------------------------------------------------------------------------------

SIGNALFD_SPEC: Final = spec(
    "signalfd",
    [
        man(
            errno.EBADF,
            "fd is not an open descriptor (only the thin layer passes one: sysapi creates a "
            "new descriptor with fd -1)",
        ),
        man(
            errno.EINVAL,
            "flags has a bit other than SFD_CLOEXEC and SFD_NONBLOCK, or fd is not a signalfd",
        ),
        *NEW_FD_ERRORS,
        man(errno.ENODEV, "the anonymous inode device could not be mounted"),
        man(errno.ENOMEM, "out of kernel memory"),
    ],
    hints={errno.EMFILE: nofile_hint},
)

# SignalFd's reads: a poll-then-read in C (ppoll's errors come out as read's). The descriptor
# is checked open before, so what remains is a number closed behind the owner's back.
SIGNALFD_READ_SPEC: Final = spec(
    "read(signalfd)",
    [
        man(
            errno.EBADF,
            "the SignalFd's descriptor number was closed behind its back (os.close)",
        ),
        man(errno.ENOMEM, "out of kernel memory (ppoll's table)"),
    ],
)

_BATCH: Final = lib.SYSAPI_SIGNALFD_BATCH
_MAX_WAIT: Final = 1e9  # seconds; longer waits are waits without end
_wait_read: Final = lib.sysapi_signalfd_wait_read


@documents(SIGNALFD_SPEC)
def signalfd(sigset: Iterable[int], flags: int = SFD_CLOEXEC) -> SignalFd:
    """A :class:`SignalFd` that receives the signals of ``sigset``, as ``signalfd(2)``.

    **The signals must be blocked** in every thread (:func:`block_signals`, or
    ``signal.pthread_sigmask(signal.SIG_BLOCK, ...)``) before they can be sent: one that is
    not blocked is delivered as usual (to its handler, or it kills the process) and never
    reaches the descriptor. SIGKILL and SIGSTOP are never received; signals already pending
    are read too. ``sigset`` is as for :func:`sigwaitinfo` (a number outside 1..NSIG-1 raises
    ValueError); ``flags``: :data:`SFD_CLOEXEC` (the default), :data:`SFD_NONBLOCK`.
    """
    return SignalFd(sigset, flags)


class SignalFd(WaitableFd):
    """Signals as a descriptor (:func:`signalfd`): an owned :class:`~sysapi.Fd` to read
    :class:`SigInfo` records from.

    A read takes the pending signals of the set from the *reading* process (a forked child
    reads its own). Readers are served one at a time; another consumer of the same signals
    (``sigwaitinfo``, a second descriptor) may take a signal between the wait and the read,
    and a read of a descriptor without :data:`SFD_NONBLOCK` then waits for the next one.
    """

    __slots__ = ("_buf", "_built", "_changed", "_pending", "_view", "_woken")

    def __init__(self, sigset: Iterable[int], flags: int = SFD_CLOEXEC) -> None:
        mask = _sigmask(sigset)
        fd = _syscall.call(SIGNALFD_SPEC, lib.sysapi_signalfd, -1, mask & _LOW, mask >> 64, flags)
        super().__init__(fd)
        self._buf = ffi.new("struct signalfd_siginfo[]", _BATCH)
        self._view = ffi.buffer(self._buf)
        self._changed = ffi.new("uint32_t *")
        self._woken = ffi.new("int *")
        # The SigInfo built from each record of _buf, reused while the record's bytes repeat.
        self._built: list[SigInfo | None] = [None] * _BATCH
        self._pending: collections.deque[SigInfo] = collections.deque()

    def __enter__(self) -> SignalFd:
        return self

    def _infos(self, count: int) -> list[SigInfo]:
        changed = self._changed[0]
        built = self._built
        if changed:
            view = self._view
            for i in range(count):
                if changed >> i & 1:
                    built[i] = _ssi(view, i * _SSI_SIZE)
        return built[:count]  # type: ignore[return-value]

    def _read_locked(self, fd: int, deadline: int | None) -> list[SigInfo]:
        """Wait and read (the read lock held). ``deadline`` in monotonic ns; 0: do not wait
        (a deadline long past); None: no limit."""
        while True:
            if self._closing_fd >= 0:
                raise self._closed_while_waiting()
            if deadline == 0:
                ns, wake = 0, -1
                count = _wait_read(fd, -1, 0, self._buf, self._changed, self._woken)
            else:
                ns = -1 if deadline is None else max(0, deadline - _monotonic_ns())
                wake = self._wake if ns != 0 else -1
                count = _wait_read(fd, wake, ns, self._buf, self._changed, self._woken)
            if count > 0:
                return self._infos(count)
            if count == 0:
                if wake >= 0 and self._woken[0]:
                    raise self._closed_while_waiting()
                return []
            if count == _EAGAIN:
                if ns == 0:
                    return []  # another consumer took the signals
                continue
            if count != _EINTR:
                _syscall.raise_errno(-count, SIGNALFD_READ_SPEC)
            # The signal handlers ran and did not raise: retry with the time left.

    @documents(SIGNALFD_READ_SPEC)
    def read(self, timeout: float | None = None) -> list[SigInfo]:
        """The pending signals of the set, in order (up to 16 a call).

        Blocks (the GIL released) until there is one, for at most ``timeout`` seconds
        (``None``: no limit; 0: do not block), and returns ``[]`` when that runs out,
        whatever :data:`SFD_NONBLOCK` says. A handler of another signal that returns lets
        the wait go on with the time left (PEP 475); one that raises ends it. Raises
        ValueError when the descriptor is closed, also by another thread during the wait.
        """
        if self._pending:
            infos = list(self._pending)
            self._pending.clear()
            return infos
        if timeout == 0:
            # The poll of an event loop's reader, its hot path: _enter, _read_locked and
            # _leave written out for the case of no wait.
            users = self._users
            users.append(None)
            try:
                fd = self._fd
                if fd < 0:
                    raise ValueError("I/O operation on closed SignalFd")
                lock = self._read_lock
                if not lock.acquire(False):
                    return []  # another thread is reading: what is pending is its
                try:
                    count = _wait_read(fd, -1, 0, self._buf, self._changed, self._woken)
                    if count > 0:
                        return self._infos(count)
                    if count == 0 or count == _EAGAIN:
                        return []
                    return self._read_locked(fd, 0)  # EINTR: retried there; else raised
                finally:
                    lock.release()
            finally:
                users.pop()
                if self._closing_fd >= 0 and not users:
                    self._finish_close()
        if timeout is None:
            deadline = None
        else:
            timeout = float(timeout)
            if not timeout >= 0:
                raise ValueError(f"timeout must be >= 0 or None, not {timeout!r}")
            # Centuries (or inf): a wait without end, not an overflow.
            deadline = None if timeout > _MAX_WAIT else _monotonic_ns() + _ceil(timeout * 1e9)
        fd = self._enter(wake=True)
        try:
            wait = -1 if deadline is None else max(0.0, (deadline - _monotonic_ns()) / 1e9)
            if not self._read_lock.acquire(timeout=wait):
                return []
            try:
                return self._read_locked(fd, deadline)
            finally:
                self._read_lock.release()
        finally:
            self._leave()

    def __iter__(self) -> Iterator[SigInfo]:
        return self

    def __next__(self) -> SigInfo:
        """The next signal; blocks until there is one (see :meth:`read`)."""
        while not self._pending:
            self._pending.extend(self.read())
        return self._pending.popleft()

    async def aread(self) -> list[SigInfo]:
        """Wait on the running asyncio loop (``loop.add_reader``, no thread) for signals and
        return them.

        Cancellation-safe: a cancelled wait has read nothing, so no signal is lost. Raises
        ValueError when the descriptor is closed (also during the wait) and RuntimeError
        when another task already waits on it.
        """
        if self._pending:
            infos = list(self._pending)
            self._pending.clear()
            return infos
        return await self._aread_with(self._poll)

    def _poll(self, fd: int) -> list[SigInfo]:
        return self._read_locked(fd, 0)  # a deadline long past: no wait

    def __aiter__(self) -> AsyncIterator[SigInfo]:
        return self

    async def __anext__(self) -> SigInfo:
        """The next signal (see :meth:`aread`). Signals read but not yet returned stay with
        the descriptor, so breaking out of ``async for`` loses none."""
        while not self._pending:
            self._pending.extend(await self.aread())
        return self._pending.popleft()
