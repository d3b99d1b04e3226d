"""Waiting for children with the whole siginfo and their resource usage: ``waitid``.

CPython's ``os.waitid`` returns five siginfo fields and no resource usage. :func:`waitid` calls
the Linux system call itself, whose fifth argument (which glibc's wrapper hides) is the
``struct rusage`` of the child, and returns every field the kernel fills.
"""

from __future__ import annotations

import enum
import errno
import os
import resource
import signal

from sysapi import _struct, _syscall
from sysapi._record import record
from sysapi._sysapi import ffi, lib
from sysapi.errors import documents, kernel, man, notes, spec

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

__all__ = [
    "CLD_CONTINUED",
    "CLD_DUMPED",
    "CLD_EXITED",
    "CLD_KILLED",
    "CLD_STOPPED",
    "CLD_TRAPPED",
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
    "WaitidOptions",
    "WaitidResult",
    "waitid",
]


class IdType(enum.IntEnum):
    """Which children :func:`waitid` waits for (``idtype_t``)."""

    P_ALL = lib.P_ALL
    P_PID = lib.P_PID
    P_PGID = lib.P_PGID
    P_PIDFD = lib.P_PIDFD


P_ALL: Final = IdType.P_ALL
P_PID: Final = IdType.P_PID
P_PGID: Final = IdType.P_PGID
P_PIDFD: Final = IdType.P_PIDFD


class WaitidOptions(enum.IntFlag):
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


class CldCode(enum.IntEnum):
    """``si_code`` of a SIGCHLD siginfo: what happened to the child.

    A code this version does not know decodes to a pseudo-member named ``CLD_<n>``.
    """

    CLD_EXITED = lib.CLD_EXITED
    CLD_KILLED = lib.CLD_KILLED
    CLD_DUMPED = lib.CLD_DUMPED
    CLD_TRAPPED = lib.CLD_TRAPPED
    CLD_STOPPED = lib.CLD_STOPPED
    CLD_CONTINUED = lib.CLD_CONTINUED

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


# What makes a result: members of the two structs in struct sysapi_waitid_out.
_unpack_info: Final = _struct.unpacker(
    "struct sysapi_siginfo", ["signo", "code", "pid", "uid", "status"]
)
_INFO_OFFSET: Final = ffi.offsetof("struct sysapi_waitid_out", "info")
_unpack_rusage: Final = _struct.unpacker(
    "struct sysapi_rusage", [name for name, _ in ffi.typeof("struct sysapi_rusage").fields]
)
_RU_OFFSET: Final = ffi.offsetof("struct sysapi_waitid_out", "ru")
# The times alone, for a result without rusage (the first four members).
_unpack_times: Final = _struct.unpacker(
    "struct sysapi_rusage", ["ru_utime_sec", "ru_utime_usec", "ru_stime_sec", "ru_stime_usec"]
)
_CLD_EXITED: Final = CldCode.CLD_EXITED
_WaitidResultBuilder: Final = _struct.builder(
    WaitidResult,
    ["si_signo", "si_code", "si_pid", "si_uid", "si_status", "si_utime", "si_stime", "rusage"],
)
_CLD_CODES: Final = {int(c): c for c in CldCode}


def _rusage(fields: tuple[int, ...]) -> resource.struct_rusage:
    utime_sec, utime_usec, stime_sec, stime_usec, *rest = fields
    return resource.struct_rusage(
        (utime_sec + utime_usec / 1e6, stime_sec + stime_usec / 1e6, *rest)
    )


def _ticks(seconds: int, microseconds: int) -> int:
    # As the kernel's nsec_to_clock_t: truncated to whole ticks.
    return (seconds * 1_000_000 + microseconds) * _CLK_TCK // 1_000_000


def _result(buffer: Any, rusage: bool) -> WaitidResult:
    """The WaitidResult in ``buffer`` (the bytes of a struct sysapi_waitid_out)."""
    signo, code, pid, uid, status = _unpack_info(buffer, _INFO_OFFSET)
    ru = _unpack_rusage(buffer, _RU_OFFSET) if rusage else _unpack_times(buffer, _RU_OFFSET)
    cld = _CLD_CODES.get(code)
    if cld is None:
        cld = CldCode(code)  # a pseudo-member for a code this version does not know
    result = _WaitidResultBuilder(
        _SIGNALS.get(signo, signo),
        cld,
        pid,
        uid,
        status if cld is _CLD_EXITED else _SIGNALS.get(status, status),
        _ticks(ru[0], ru[1]),
        _ticks(ru[2], ru[3]),
        _rusage(ru) if rusage else None,
    )
    result.__class__ = WaitidResult
    return result  # type: ignore[no-any-return]


# Free output buffers, taken off the list for the length of a call: list.pop/append are
# atomic, so threads share it, and a signal handler that calls waitid between the C call and
# the read gets another buffer. A forked child inherits the list.
_OUT_POOL: list[tuple[Any, Any]] = []


def _new_out() -> tuple[Any, Any]:
    """A struct sysapi_waitid_out and the buffer of its bytes."""
    out = ffi.new("struct sysapi_waitid_out *")
    return out, ffi.buffer(out)


_waitid: Final = lib.sysapi_waitid


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
    try:
        slot = _OUT_POOL.pop()
    except IndexError:
        slot = _new_out()
    out = slot[0]
    # The shim returns si_pid: 0 is WNOHANG's "no child to report", and out is then unread.
    pid = _waitid(idtype, id, options, out)
    if pid == 0:
        _OUT_POOL.append(slot)
        return None
    if pid < 0:
        pid = _syscall.retry(pid, WAITID_SPEC, _waitid, idtype, id, options, out)
        if pid == 0:
            _OUT_POOL.append(slot)
            return None
    result = _result(slot[1], rusage)
    _OUT_POOL.append(slot)
    return result
