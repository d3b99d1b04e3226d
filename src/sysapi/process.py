"""Waiting for children with the whole siginfo and their resource usage: ``waitid``; process
descriptors: ``pidfd_open``, ``pidfd_send_signal``, ``pidfd_getfd``.

CPython's ``os.waitid`` returns five siginfo fields and no resource usage. :func:`waitid` calls
the Linux system call itself, whose fifth argument (which glibc's wrapper hides) is the
``struct rusage`` of the child, and returns every field the kernel fills.

A :class:`PidFd` refers to one process (no pid-reuse race): it signals it, with a payload if
wanted (``signal.pidfd_send_signal`` refuses a siginfo), waits for it with its rusage, and
awaits its exit on any event loop that can wait for a readable descriptor.
"""

from __future__ import annotations

import errno
import os
import signal
from collections.abc import Callable

from sysapi import _enum, _native, _syscall
from sysapi._record import record
from sysapi._sysapi import lib
from sysapi.errors import documents, kernel, man, notes, spec
from sysapi.fd import Fd, FdLike, WaitableFd, fileno

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import resource
    from typing import Final

__all__ = [
    "CLD_CONTINUED",
    "CLD_DUMPED",
    "CLD_EXITED",
    "CLD_KILLED",
    "CLD_STOPPED",
    "CLD_TRAPPED",
    "PIDFD_NONBLOCK",
    "PIDFD_SIGNAL_PROCESS_GROUP",
    "PIDFD_SIGNAL_THREAD",
    "PIDFD_SIGNAL_THREAD_GROUP",
    "PIDFD_THREAD",
    "P_ALL",
    "P_PGID",
    "P_PID",
    "P_PIDFD",
    "WCONTINUED",
    "WEXITED",
    "WNOHANG",
    "WNOWAIT",
    "WSTOPPED",
    "CldCode",
    "IdType",
    "PidFd",
    "PidfdFlags",
    "PidfdSignalFlags",
    "WaitidOptions",
    "WaitidResult",
    "pidfd_getfd",
    "pidfd_open",
    "pidfd_send_signal",
    "waitid",
]


class IdType(_enum.IntEnum):
    """Which children :func:`waitid` waits for (``idtype_t``)."""

    P_ALL = lib.P_ALL
    P_PID = lib.P_PID
    P_PGID = lib.P_PGID
    P_PIDFD = lib.P_PIDFD


P_ALL: Final = IdType.P_ALL
P_PID: Final = IdType.P_PID
P_PGID: Final = IdType.P_PGID
P_PIDFD: Final = IdType.P_PIDFD


class WaitidOptions(_enum.IntFlag):
    """The ``options`` bits of :func:`waitid`."""

    WEXITED = lib.WEXITED
    WSTOPPED = lib.WSTOPPED
    WCONTINUED = lib.WCONTINUED
    WNOHANG = lib.WNOHANG
    WNOWAIT = lib.WNOWAIT


WEXITED: Final = WaitidOptions.WEXITED
WSTOPPED: Final = WaitidOptions.WSTOPPED
WCONTINUED: Final = WaitidOptions.WCONTINUED
WNOHANG: Final = WaitidOptions.WNOHANG
WNOWAIT: Final = WaitidOptions.WNOWAIT


class CldCode(_enum.IntEnum):
    """``si_code`` of a SIGCHLD siginfo: what happened to the child.

    A code this version does not know decodes to a pseudo-member named ``CLD_<n>``.
    """

    CLD_EXITED = lib.CLD_EXITED
    CLD_KILLED = lib.CLD_KILLED
    CLD_DUMPED = lib.CLD_DUMPED
    CLD_TRAPPED = lib.CLD_TRAPPED
    CLD_STOPPED = lib.CLD_STOPPED
    CLD_CONTINUED = lib.CLD_CONTINUED

    __reduce_ex__ = _enum.reduce_by_value

    @classmethod
    def _missing_(cls, value: object) -> CldCode | None:
        if not isinstance(value, int):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"CLD_{value}"
        member._value_ = value
        return member


CLD_EXITED: Final = CldCode.CLD_EXITED
CLD_KILLED: Final = CldCode.CLD_KILLED
CLD_DUMPED: Final = CldCode.CLD_DUMPED
CLD_TRAPPED: Final = CldCode.CLD_TRAPPED
CLD_STOPPED: Final = CldCode.CLD_STOPPED
CLD_CONTINUED: Final = CldCode.CLD_CONTINUED

#: Clock ticks per second: the unit of ``si_utime``/``si_stime``.
_CLK_TCK: Final = os.sysconf("SC_CLK_TCK")


_SIGNALS: Final = {int(s): s for s in signal.Signals}


def _signal(number: int) -> int:
    """``signal.Signals`` for a known signal number, else the plain ``int``."""
    return _SIGNALS.get(number, number)


@record
class WaitidResult:
    """What :func:`waitid` reports about one child (the ``siginfo_t`` fields of SIGCHLD).

    ``si_status`` is interpreted per ``si_code``: the exit status (``0``..``255``) for
    ``CLD_EXITED``, otherwise the signal that killed, dumped, stopped, trapped or continued
    the child, as a :class:`signal.Signals`.

    ``si_utime`` and ``si_stime`` are the child's user and system CPU time in clock ticks
    (``os.sysconf("SC_CLK_TCK")`` per second), the unit of ``siginfo_t``. Linux fills them in
    the SIGCHLD it sends, but its ``waitid`` leaves them unset (checked on 6.18): sysapi takes
    them from the ``struct rusage`` the same system call returns, which counts the child and
    the descendants it waited for. :attr:`utime` and :attr:`stime` give them in seconds.
    ``rusage`` is that ``struct rusage`` (a :class:`resource.struct_rusage`, as ``os.wait4``
    returns) when ``waitid(..., rusage=True)`` asked for it, else ``None``.
    """

    si_pid: int
    si_uid: int
    si_signo: int
    si_status: int
    si_code: CldCode
    si_utime: int
    si_stime: int
    rusage: resource.struct_rusage | None = None

    @property
    def utime(self) -> float:
        """``si_utime`` in seconds."""
        return self.si_utime / _CLK_TCK

    @property
    def stime(self) -> float:
        """``si_stime`` in seconds."""
        return self.si_stime / _CLK_TCK


WAITID_SPEC: Final = spec(
    "waitid",
    [
        notes(errno.ECHILD, "no child matches idtype and id (or none is left to wait for)"),
        notes(
            errno.EINTR,
            "a signal handler interrupted a blocking wait (sysapi retries it, PEP 475)",
        ),
        notes(
            errno.EINVAL,
            "options is invalid (no WEXITED/WSTOPPED/WCONTINUED, or an unknown bit), or idtype "
            "is unknown, or id is invalid for it (P_PID with id <= 0)",
        ),
        man(errno.EBADF, "P_PIDFD and id is not an open pidfd"),
        kernel(
            errno.EFAULT,
            "infop or rusage points outside the address space (sysapi's shim passes its own, "
            "so only a C caller meets it)",
            "nothing: neither the notes nor wait(2) list it",
        ),
        man(
            errno.EAGAIN,
            "P_PIDFD with a pidfd opened PIDFD_NONBLOCK (Linux 5.10) whose process has not "
            "changed state yet, and WNOHANG not given",
        ),
    ],
)


def _struct_rusage(fields: tuple[float, ...]) -> resource.struct_rusage:
    import resource  # here: only a waitid asked for the rusage needs it

    return resource.struct_rusage(fields)


_native.waitid_bind(WaitidResult, _SIGNALS, {int(c): c for c in CldCode}, CldCode, _struct_rusage)
#: waitid in C: the WaitidResult, None (WNOHANG, no child to report) or the errno.
_waitid: Final[Callable[[int, int, int, bool], WaitidResult | int | None]] = _native.waitid


@documents(WAITID_SPEC)
def waitid(idtype: int, id: int, options: int, *, rusage: bool = False) -> WaitidResult | None:
    """Wait for a child selected by ``idtype``/``id`` to change state, as ``waitid(2)``.

    ``idtype`` is :data:`P_ALL` (``id`` ignored), :data:`P_PID`, :data:`P_PGID` (``id`` 0:
    the caller's group) or :data:`P_PIDFD` (``id`` is a pidfd, see ``os.pidfd_open``).
    ``options`` combines at least one of :data:`WEXITED`, :data:`WSTOPPED`,
    :data:`WCONTINUED` with :data:`WNOHANG` (return ``None`` at once when no child is in a
    waitable state; the kernel reports that as success with ``si_pid == 0``) and
    :data:`WNOWAIT` (leave the child waitable).

    Without WNOHANG the call blocks until a child changes state; the GIL is released, and a
    signal whose handler returns restarts the wait (PEP 475). With ``rusage=True`` the
    result carries the child's ``struct rusage`` (the raw system call's fifth argument).
    """
    # One native call: the wait (the GIL released) and the result built in C. A failed wait
    # returns its errno, EINTR included: the handlers have run when it returns, and
    # retry_native waits again (PEP 475).
    result = _waitid(idtype, id, options, rusage)
    if result.__class__ is int:
        result = _syscall.retry_native(result, WAITID_SPEC, _waitid, idtype, id, options, rusage)
    return result  # type: ignore[return-value]


# ---- process descriptors --------------------------------------------------------------------


class PidfdFlags(_enum.IntFlag):
    """The ``flags`` of :func:`pidfd_open`."""

    PIDFD_NONBLOCK = lib.PIDFD_NONBLOCK
    PIDFD_THREAD = lib.PIDFD_THREAD


PIDFD_NONBLOCK: Final = PidfdFlags.PIDFD_NONBLOCK
PIDFD_THREAD: Final = PidfdFlags.PIDFD_THREAD


class PidfdSignalFlags(_enum.IntFlag):
    """The ``flags`` of :func:`pidfd_send_signal` (Linux 6.9): whom the signal is for."""

    PIDFD_SIGNAL_THREAD = lib.PIDFD_SIGNAL_THREAD
    PIDFD_SIGNAL_THREAD_GROUP = lib.PIDFD_SIGNAL_THREAD_GROUP
    PIDFD_SIGNAL_PROCESS_GROUP = lib.PIDFD_SIGNAL_PROCESS_GROUP


PIDFD_SIGNAL_THREAD: Final = PidfdSignalFlags.PIDFD_SIGNAL_THREAD
PIDFD_SIGNAL_THREAD_GROUP: Final = PidfdSignalFlags.PIDFD_SIGNAL_THREAD_GROUP
PIDFD_SIGNAL_PROCESS_GROUP: Final = PidfdSignalFlags.PIDFD_SIGNAL_PROCESS_GROUP


def nofile_hint() -> str:
    """The note of an EMFILE from a call that creates a descriptor: the live limit."""
    import resource  # here: only an error's note needs it

    soft, hard = (
        "unlimited" if v == resource.RLIM_INFINITY else str(v)
        for v in resource.getrlimit(resource.RLIMIT_NOFILE)
    )
    return (
        f"this process has RLIMIT_NOFILE = {soft} (hard {hard}) descriptors open: close "
        "some, or raise the limit with resource.setrlimit"
    )


#: The errors of every call that creates a descriptor (pidfd_open, pidfd_getfd, signalfd).
NEW_FD_ERRORS: Final = (
    man(errno.EMFILE, "the process's limit of open descriptors (RLIMIT_NOFILE) is reached"),
    man(errno.ENFILE, "the system-wide limit of open files (fs.file-max) is reached"),
)

PIDFD_OPEN_SPEC: Final = spec(
    "pidfd_open",
    [
        man(
            errno.EINVAL,
            "flags has a bit other than PIDFD_NONBLOCK and PIDFD_THREAD, or pid is not valid "
            "(0 or negative)",
        ),
        *NEW_FD_ERRORS,
        man(errno.ENODEV, "the anonymous inode filesystem is not available in this kernel"),
        man(errno.ENOMEM, "out of kernel memory"),
        man(
            errno.ESRCH,
            "no process has that pid: it never existed, or it exited and was waited for",
        ),
        kernel(
            errno.ENOENT,
            "pid is a thread other than its process's leader and PIDFD_THREAD is not given "
            "(Linux 6.18; with PIDFD_THREAD such a pid is accepted)",
            "EINVAL for it: pid is not valid (the man page; the notes do not cover pidfd_open)",
        ),
    ],
    hints={errno.EMFILE: nofile_hint},
)

PIDFD_SEND_SIGNAL_SPEC: Final = spec(
    "pidfd_send_signal",
    [
        man(
            errno.EBADF,
            "pidfd is not an open descriptor, or refers to neither a process (pidfd) nor a "
            "/proc/PID directory",
        ),
        man(
            errno.EINVAL,
            "sig is not a valid signal; or flags has an unknown bit or more than one "
            "PIDFD_SIGNAL_* scope; or the caller's PID namespace cannot signal the target",
        ),
        man(
            errno.EPERM,
            "the caller may not signal the process (the rules of kill: same real or saved "
            "uid, or CAP_KILL)",
        ),
        man(errno.ESRCH, "the process has exited and been waited for"),
    ],
)

PIDFD_GETFD_SPEC: Final = spec(
    "pidfd_getfd",
    [
        man(
            errno.EBADF,
            "pidfd is not a pidfd, or targetfd is not an open descriptor of that process",
        ),
        man(errno.EINVAL, "flags is not 0"),
        *NEW_FD_ERRORS,
        man(
            errno.EPERM,
            "the caller may not ptrace the process (PTRACE_MODE_ATTACH_REALCREDS: another "
            "user's process, or kernel.yama.ptrace_scope forbids it)",
        ),
        man(
            errno.ESRCH,
            "the process has exited: waited for, or still a zombie (which has no descriptors)",
        ),
    ],
    hints={errno.EMFILE: nofile_hint},
)


_pidfd_send_signal: Final = lib.sysapi_pidfd_send_signal
_REAP: Final = int(WEXITED | WNOHANG)
_PROBE: Final = int(WEXITED | WNOHANG | WNOWAIT)


@documents(PIDFD_OPEN_SPEC)
def pidfd_open(pid: int, flags: int = 0) -> PidFd:
    """A :class:`PidFd` for process ``pid``, as ``pidfd_open(2)``.

    ``flags``: :data:`PIDFD_NONBLOCK` (:meth:`PidFd.wait` raises EAGAIN instead of blocking
    while the process runs) and :data:`PIDFD_THREAD` (Linux 6.9: ``pid`` may be any thread;
    the descriptor then becomes readable when that thread exits). The descriptor is
    close-on-exec. It keeps referring to the same process after it exits, so that the pid
    can never be mistaken for a new process that reused it.
    """
    fd = _syscall.call(PIDFD_OPEN_SPEC, lib.sysapi_pidfd_open, pid, flags)
    return PidFd._adopt(fd, pid)


@documents(PIDFD_SEND_SIGNAL_SPEC)
def pidfd_send_signal(pidfd: FdLike, sig: int, value: int | None = None, flags: int = 0) -> None:
    """Send signal ``sig`` to the process ``pidfd`` refers to, as ``pidfd_send_signal(2)``.

    With ``value`` (a C ``int``) the receiver sees ``si_code == SI_QUEUE``, ``si_value ==
    value`` and this process's ``si_pid``/``si_uid``, as after ``sigqueue`` (the call gets the
    siginfo ``rt_sigqueueinfo`` takes); without it ``SI_USER``, as after ``kill``. ``sig`` 0
    only checks that the process exists and may be signalled. ``sig`` and ``flags`` (0, or
    one of the ``PIDFD_SIGNAL_*`` scopes) go to the kernel as they are.
    """
    fd = fileno(pidfd)
    queue, payload = (0, 0) if value is None else (1, value)
    result = _pidfd_send_signal(fd, sig, queue, payload, flags)
    if result < 0:
        _syscall.retry(
            result, PIDFD_SEND_SIGNAL_SPEC, _pidfd_send_signal, fd, sig, queue, payload, flags
        )


@documents(PIDFD_GETFD_SPEC)
def pidfd_getfd(pidfd: FdLike, targetfd: int, flags: int = 0) -> Fd:
    """An owned duplicate of descriptor ``targetfd`` of the process ``pidfd`` refers to.

    The new descriptor shares the open file description (offset, status flags) with the
    original and is close-on-exec. The caller needs ptrace access to the process
    (``PTRACE_MODE_ATTACH_REALCREDS``); ``flags`` must be 0.
    """
    fd = _syscall.call(PIDFD_GETFD_SPEC, lib.sysapi_pidfd_getfd, fileno(pidfd), targetfd, flags)
    return Fd(fd)


class PidFd(WaitableFd):
    """An owned process descriptor (:func:`pidfd_open`): close-on-exec, closed by
    ``close()``, on context exit, or with a ``ResourceWarning`` when collected open.

    It becomes readable (``select``, ``poll``, an event loop's reader) when the process
    exits, not when it stops or continues: wait for that, then call
    ``wait(WEXITED | WNOHANG)``, which does not block. See :meth:`await_exit` for asyncio.
    """

    __slots__ = ("_pid",)

    _pid: int

    def __init__(self, pid: int, flags: int = 0) -> None:
        """Open a descriptor for process ``pid`` (as :func:`pidfd_open`)."""
        super().__init__(_syscall.call(PIDFD_OPEN_SPEC, lib.sysapi_pidfd_open, pid, flags))
        self._pid = pid

    @classmethod
    def _adopt(cls, fd: int, pid: int) -> PidFd:
        self = cls.__new__(cls)
        WaitableFd.__init__(self, fd)
        self._pid = pid
        return self

    @property
    def pid(self) -> int:
        """The pid the descriptor was opened for (it may since have exited)."""
        return self._pid

    def __enter__(self) -> PidFd:
        return self

    def __repr__(self) -> str:
        state = "closed" if self._fd < 0 else f"fd={self._fd}"
        return f"<PidFd pid={self._pid} {state}>"

    @documents(PIDFD_SEND_SIGNAL_SPEC)
    def send_signal(self, sig: int, value: int | None = None, flags: int = 0) -> None:
        """Send ``sig`` to the process, with the payload ``value`` when given (see
        :func:`pidfd_send_signal`). ESRCH once the process has exited and been reaped."""
        # Entered: a close() from another thread cannot free the number mid-call, so the
        # signal never reaches a process whose pidfd reused it.
        fd = self._enter()
        try:
            pidfd_send_signal(fd, sig, value, flags)
        finally:
            self._leave()

    @documents(WAITID_SPEC)
    def wait(self, options: int = WEXITED, *, rusage: bool = False) -> WaitidResult | None:
        """``waitid(P_PIDFD, self, options, rusage=rusage)``: wait for the process to change
        state (exit, with the default ``options``) and report it, see :func:`waitid`.

        ``None`` under :data:`WNOHANG` while there is nothing to report. ECHILD when the
        process is not a child of the caller (or was reaped already); EAGAIN, instead of
        blocking, while it runs on a :data:`PIDFD_NONBLOCK` descriptor.
        """
        # _enter and _leave written out (a hot path): a close() from another thread cannot
        # free the number mid-call, so the wait never reaps a process whose pidfd reused it.
        users = self._users
        users.append(None)
        try:
            fd = self._fd
            if fd < 0:
                raise ValueError("I/O operation on closed PidFd")
            return waitid(P_PIDFD, fd, options, rusage=rusage)
        finally:
            users.pop()
            if self._closing_fd >= 0 and not users:
                self._finish_close()

    async def await_exit(self, *, rusage: bool = False) -> WaitidResult:
        """Wait on the running asyncio loop until the process exits, then reap it and return
        what :meth:`wait` reports.

        For children that asyncio did not start (``os.fork``, ``os.posix_spawn``): the loop
        watches the descriptor (``loop.add_reader``), with no thread and no child watcher.
        Raises ``errors.ECHILD`` at once when the process is not a child of the caller.
        Cancellation-safe: a cancelled wait leaves the child unreaped (call again, or
        :meth:`wait`). Raises ValueError when the descriptor is closed meanwhile.
        """
        import asyncio

        loop = asyncio.get_running_loop()
        fd = self._enter(wake=True)
        try:
            # ECHILD now for a process that is not our child; a report leaves it waitable.
            if waitid(P_PIDFD, fd, _PROBE) is not None:
                return waitid(P_PIDFD, fd, _REAP, rusage=rusage)  # type: ignore[return-value]
            while True:
                await self._readable(loop, fd)
                if self._closing:
                    raise self._closed_while_waiting()
                # Reaped in the step that saw the exit: no cancellation can fall in between.
                result = waitid(P_PIDFD, fd, _REAP, rusage=rusage)
                if result is not None:
                    return result
        finally:
            self._leave()
