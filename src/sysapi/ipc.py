"""System V IPC: shared memory (``ftok``, ``shmget``, ``shmat``, ``shmdt``, ``shmctl``), message
queues (``msgget``, ``msgsnd``, ``msgrcv``, ``msgctl``) and semaphore sets (``semget``, ``semop``,
``semtimedop``, ``semctl``).

The notes' steps: :func:`shmget` creates (or finds) a segment, :func:`shmat` attaches it as a
:class:`ShmAttachment` (a buffer: ``memoryview(att)``, slicing, ``att[:5] = b"hello"``), the
processes use it, :meth:`ShmAttachment.detach` detaches it, and ``shmctl(shmid, IPC_RMID)``
removes it once nobody is attached. A segment outlives its creator until it is removed:
remove it in a ``finally``. ``multiprocessing.shared_memory`` is the POSIX ``shm_open`` API,
not this one.
"""

from __future__ import annotations

import _warnings  # warnings.warn is _warnings.warn; importing warnings costs 0.2 ms
import errno
import mmap
import operator
import os
import stat
import struct
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence

from sysapi import _enum, _native, _struct, _syscall
from sysapi._convert import ceil_ns, fspath, name_bytes
from sysapi._record import record
from sysapi._sysapi import ffi, lib
from sysapi.errors import EACCES, ErrorSpec, documents, kernel, man, spec
from sysapi.fd import Fd, FdLike, fileno
from sysapi.inotify import _read_limit

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import weakref
    from typing import Any, Final

    from _typeshed import ReadableBuffer

__all__ = [
    "GETALL",
    "GETNCNT",
    "GETPID",
    "GETVAL",
    "GETZCNT",
    "IPC_CREAT",
    "IPC_EXCL",
    "IPC_INFO",
    "IPC_NOWAIT",
    "IPC_PRIVATE",
    "IPC_RMID",
    "IPC_SET",
    "IPC_STAT",
    "MSG_COPY",
    "MSG_EXCEPT",
    "MSG_INFO",
    "MSG_NOERROR",
    "MSG_STAT",
    "MSG_STAT_ANY",
    "SEM_INFO",
    "SEM_STAT",
    "SEM_STAT_ANY",
    "SEM_UNDO",
    "SETALL",
    "SETVAL",
    "SHM_DEST",
    "SHM_EXEC",
    "SHM_HUGETLB",
    "SHM_INFO",
    "SHM_LOCK",
    "SHM_LOCKED",
    "SHM_NORESERVE",
    "SHM_RDONLY",
    "SHM_REMAP",
    "SHM_RND",
    "SHM_STAT",
    "SHM_STAT_ANY",
    "SHM_UNLOCK",
    "IpcCtl",
    "IpcFlags",
    "IpcPerm",
    "MsgCtl",
    "MsgFlags",
    "MsqidDs",
    "SemBuf",
    "SemCtl",
    "SemFlags",
    "SemidDs",
    "ShmAttachment",
    "ShmFlags",
    "ShmidDs",
    "ftok",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
]

#: The key that always creates a new segment (``shmget(IPC_PRIVATE, size, 0o600)``).
IPC_PRIVATE: Final[int] = lib.IPC_PRIVATE


class IpcFlags(_enum.IntFlag):
    """``shmget``, ``msgget`` and ``semget`` flag bits besides the permission bits (``0o600``)
    they are combined with; :data:`IPC_NOWAIT` is also a flag of ``msgsnd``, ``msgrcv`` and
    ``SemBuf.sem_flg``.

    ``SHM_DEST`` and ``SHM_LOCKED`` are status bits read back in :attr:`IpcPerm.mode`.
    """

    IPC_CREAT = lib.IPC_CREAT
    IPC_EXCL = lib.IPC_EXCL
    IPC_NOWAIT = lib.IPC_NOWAIT
    SHM_HUGETLB = lib.SHM_HUGETLB
    SHM_NORESERVE = lib.SHM_NORESERVE
    SHM_DEST = lib.SHM_DEST
    SHM_LOCKED = lib.SHM_LOCKED


IPC_CREAT: Final = IpcFlags.IPC_CREAT
IPC_EXCL: Final = IpcFlags.IPC_EXCL
IPC_NOWAIT: Final = IpcFlags.IPC_NOWAIT
SHM_HUGETLB: Final = IpcFlags.SHM_HUGETLB
SHM_NORESERVE: Final = IpcFlags.SHM_NORESERVE
SHM_DEST: Final = IpcFlags.SHM_DEST
SHM_LOCKED: Final = IpcFlags.SHM_LOCKED


class ShmFlags(_enum.IntFlag):
    """``shmat`` flags."""

    SHM_RDONLY = lib.SHM_RDONLY
    SHM_RND = lib.SHM_RND
    SHM_REMAP = lib.SHM_REMAP
    SHM_EXEC = lib.SHM_EXEC


SHM_RDONLY: Final = ShmFlags.SHM_RDONLY
SHM_RND: Final = ShmFlags.SHM_RND
SHM_REMAP: Final = ShmFlags.SHM_REMAP
SHM_EXEC: Final = ShmFlags.SHM_EXEC


class IpcCtl(_enum.IntEnum):
    """``shmctl`` commands."""

    IPC_RMID = lib.IPC_RMID
    IPC_SET = lib.IPC_SET
    IPC_STAT = lib.IPC_STAT
    IPC_INFO = lib.IPC_INFO
    SHM_LOCK = lib.SHM_LOCK
    SHM_UNLOCK = lib.SHM_UNLOCK
    SHM_STAT = lib.SHM_STAT
    SHM_INFO = lib.SHM_INFO
    SHM_STAT_ANY = lib.SHM_STAT_ANY


IPC_RMID: Final = IpcCtl.IPC_RMID
IPC_SET: Final = IpcCtl.IPC_SET
IPC_STAT: Final = IpcCtl.IPC_STAT
IPC_INFO: Final = IpcCtl.IPC_INFO
SHM_LOCK: Final = IpcCtl.SHM_LOCK
SHM_UNLOCK: Final = IpcCtl.SHM_UNLOCK
SHM_STAT: Final = IpcCtl.SHM_STAT
SHM_INFO: Final = IpcCtl.SHM_INFO
SHM_STAT_ANY: Final = IpcCtl.SHM_STAT_ANY

_STAT_CMDS: Final = frozenset({lib.IPC_STAT, lib.SHM_STAT, lib.SHM_STAT_ANY})


@record
class IpcPerm:
    """``struct ipc_perm``: owner and permissions of an IPC object.

    ``key`` and ``seq`` are glibc's ``__key`` and ``__seq``. ``mode`` holds the permission
    bits and the status bits :data:`SHM_DEST` (removal requested) and :data:`SHM_LOCKED`.
    """

    key: int
    uid: int
    gid: int
    cuid: int
    cgid: int
    mode: int
    seq: int = 0


@record
class ShmidDs:
    """``struct shmid_ds``, as ``shmctl(IPC_STAT)`` reads it. Times in seconds since the
    epoch (0: never)."""

    shm_perm: IpcPerm
    shm_segsz: int
    shm_atime: int
    shm_dtime: int
    shm_ctime: int
    shm_cpid: int
    shm_lpid: int
    shm_nattch: int


FTOK_SPEC: Final = spec(
    "ftok",
    [
        man(errno.ENOENT, "path does not exist (ftok fails as stat(2) does)"),
        man(errno.ENOTDIR, "a component of path is not a directory"),
        man(errno.EACCES, "search permission is denied on a directory of path"),
        man(errno.ELOOP, "too many symbolic links in path"),
        man(errno.ENAMETOOLONG, "path is too long"),
        man(errno.EFAULT, "path points outside the address space (ftok fails as stat(2) does)"),
    ],
)

SHMGET_SPEC: Final = spec(
    "shmget",
    [
        man(errno.EACCES, "the segment of key exists and the caller may not access it"),
        man(errno.EEXIST, "IPC_CREAT | IPC_EXCL and a segment of key exists"),
        man(
            errno.EINVAL,
            "a new segment's size is 0 or above SHMMAX, or the existing segment of key is "
            "smaller than size",
        ),
        man(errno.ENFILE, "the system-wide limit of open files is reached"),
        man(errno.ENOENT, "no segment has key and IPC_CREAT is not given"),
        man(errno.ENOMEM, "no memory for the segment (size beyond what can be committed)"),
        man(errno.ENOSPC, "all ids are taken (SHMMNI), or size would exceed SHMALL"),
        man(errno.EPERM, "SHM_HUGETLB without CAP_IPC_LOCK (nor the hugetlb_shm_group)"),
    ],
)

SHMAT_SPEC: Final = spec(
    "shmat",
    [
        man(errno.EACCES, "the caller lacks the permission asked for (read, or read and write)"),
        man(errno.EIDRM, "shmid names a removed segment"),
        man(errno.EINVAL, "shmid is not a valid segment id (never was, or it is destroyed)"),
        man(errno.ENOMEM, "no memory or address space for the attachment (RLIMIT_AS)"),
    ],
)

SHMDT_SPEC: Final = spec(
    "shmdt",
    [
        man(errno.EINVAL, "no segment is attached at that address, or it is not page aligned"),
    ],
)

SHMCTL_SPEC: Final = spec(
    "shmctl",
    [
        man(errno.EACCES, "IPC_STAT or SHM_STAT without read permission on the segment"),
        man(errno.EFAULT, "buf points outside the address space"),
        man(errno.EIDRM, "shmid names a removed segment"),
        man(errno.EINVAL, "shmid is not a valid segment id, or cmd is not a valid command"),
        man(errno.ENOMEM, "SHM_LOCK would exceed the caller's RLIMIT_MEMLOCK"),
        man(errno.EOVERFLOW, "IPC_STAT: a uid or gid is too large for the structure"),
        man(
            errno.EPERM,
            "IPC_SET or IPC_RMID by neither the owner nor the creator, or SHM_LOCK/SHM_UNLOCK "
            "without CAP_IPC_LOCK (RLIMIT_MEMLOCK 0, or not the owner)",
        ),
    ],
)


@documents(FTOK_SPEC)
def ftok(path: str | bytes | os.PathLike[str] | os.PathLike[bytes], proj_id: int | str) -> int:
    """A System V IPC key from an existing ``path`` and ``proj_id``, as ``ftok(3)``.

    ``proj_id`` is ``0``..``255`` or one character (``"a"``, as in the notes): only its low
    8 bits enter the key, so larger values would silently alias and are refused with
    ValueError. The key also uses the low bits of the file's inode and device numbers:
    two paths can share a key.
    """
    if isinstance(proj_id, str):
        if len(proj_id) != 1:
            raise ValueError("proj_id must be one character or an int")
        proj_id = ord(proj_id)
    if not 0 <= proj_id <= 255:
        raise ValueError(f"proj_id must be in 0..255, got {proj_id}")
    encoded = fspath(path)
    key = ffi.new("int *")
    _syscall.call(FTOK_SPEC, lib.sysapi_ftok, encoded, proj_id, key, filename=path)
    return int(key[0])


@documents(SHMGET_SPEC)
def shmget(key: int, size: int, flags: int = 0) -> int:
    """The id of the segment of ``key``, creating it (zero-filled) with ``IPC_CREAT``.

    ``flags`` combines the permission bits (``0o600``) with :data:`IPC_CREAT`,
    :data:`IPC_EXCL` (fail with EEXIST if it exists), :data:`SHM_HUGETLB`,
    :data:`SHM_NORESERVE`. ``key`` :data:`IPC_PRIVATE` always creates a new segment. The id
    may be 0. ``size`` may be 0 to look up an existing segment.
    """
    return _syscall.call(SHMGET_SPEC, lib.sysapi_shmget, key, size, flags)


_PERM_FIELDS: Final = ("key", "uid", "gid", "cuid", "cgid", "mode", "seq")
_SHMID_DS_FIELDS: Final = (
    "shm_segsz",
    "shm_atime",
    "shm_dtime",
    "shm_ctime",
    "shm_cpid",
    "shm_lpid",
    "shm_nattch",
)
_unpack_shmid_ds: Final = _struct.unpacker(
    "struct sysapi_shmid_ds", [*_PERM_FIELDS, *_SHMID_DS_FIELDS]
)
_shmctl: Final = lib.sysapi_shmctl
_native.shm_bind(IpcPerm, ShmidDs)
_shm_stat: Final[Callable[[int, int], ShmidDs | int]] = _native.shm_stat


def _stat(shmid: int, cmd: int = lib.IPC_STAT) -> ShmidDs:
    ds = _shm_stat(shmid, cmd)  # built in C (sysapi._native)
    if type(ds) is int:
        return _stat_failed(ds, shmid, cmd)
    # type() rules the int out (isinstance, which mypy would follow, costs a lookup more).
    return ds  # type: ignore[return-value]


def _stat_failed(err: int, shmid: int, cmd: int) -> ShmidDs:
    """After the errno ``err``: again on EINTR (PEP 475), else raise."""
    retried: ShmidDs = _syscall.retry_native(err, SHMCTL_SPEC, _shm_stat, shmid, cmd)
    return retried


def _perm_for_set(shmid: int) -> IpcPerm:
    """The owner and mode of segment ``shmid``, to fill in what an IPC_SET leaves out.

    IPC_STAT needs read permission, IPC_SET ownership: the owner of a mode-0 segment may change
    it without reading it, and a caller who is not the owner must get IPC_SET's own EPERM, not
    IPC_STAT's EACCES. Where IPC_STAT is refused, the segment is looked up with SHM_STAT_ANY
    (Linux 4.17), which checks no permission, as /proc/sysvipc/shm shows every segment.
    """
    try:
        return _stat(shmid).shm_perm
    except EACCES:
        buf: Any = ffi.new("struct sysapi_shmid_ds *")
        highest = _shmctl(0, lib.SHM_INFO, buf)  # the highest index in use
        for index in range(highest + 1):
            if _shmctl(index, lib.SHM_STAT_ANY, buf) == shmid:
                return IpcPerm(*_unpack_shmid_ds(ffi.buffer(buf))[: len(_PERM_FIELDS)])
        raise  # SHM_STAT_ANY unknown (before 4.17), or the segment is gone


#: Start address → the live attachment there, so that shmdt(address) cannot pull the memory
#: out from under a ShmAttachment: a weakref.WeakValueDictionary, made by the first attachment
#: (importing weakref costs 0.5 ms), under the key "made".
_ATTACHED: dict[str, weakref.WeakValueDictionary[int, ShmAttachment]] = {}


def _attached() -> weakref.WeakValueDictionary[int, ShmAttachment]:
    found = _ATTACHED.get("made")
    if found is None:
        import weakref

        found = _ATTACHED.setdefault("made", weakref.WeakValueDictionary())  # one, whoever is first
    return found


def _attach(shmid: int, shmflg: int, address: int) -> int:
    out = ffi.new("uintptr_t *")
    _syscall.call(SHMAT_SPEC, lib.sysapi_shmat, shmid, address, shmflg, out)
    return int(out[0])


def _shmdt(address: int) -> None:
    _syscall.call(SHMDT_SPEC, lib.sysapi_shmdt, address)


class ShmAttachment(mmap.mmap):
    """A System V segment attached to this process: a buffer of ``shm_segsz`` bytes.

    It is an :class:`mmap.mmap` over the segment (indexing, slicing, ``memoryview``,
    ``read``/``write``/``find``), writable unless attached with :data:`SHM_RDONLY`.
    :meth:`detach` (also ``close()`` and the end of a ``with`` block) detaches it; after that
    every use raises ValueError. While a ``memoryview`` (or any other export) of it is alive,
    :meth:`detach` raises BufferError, as ``mmap.close`` does, so that no view outlives the
    memory it points into. A forked child inherits the attachment.

    Create it with :func:`shmat` (or ``ShmAttachment(shmid, shmflg)``).
    """

    shmid: int
    readonly: bool
    _address: int

    def __new__(cls, shmid: int, shmflg: int = 0) -> ShmAttachment:
        # mmap.mmap cannot map a SysV segment, but it can own an address range and count the
        # buffers it exported. So: attach once to learn the size and run the permission checks
        # of shmat itself, reserve a range of that size with mmap, attach again over it with
        # SHM_REMAP, and drop the first attachment. Detaching is then mmap's munmap, which
        # is what shmdt does on Linux (shm_nattch, shm_dtime, shm_lpid are updated alike).
        first = _attach(shmid, shmflg, 0)
        try:
            size = _stat(shmid).shm_segsz
            readonly = bool(shmflg & lib.SHM_RDONLY)
            access = mmap.ACCESS_READ if readonly else mmap.ACCESS_WRITE
            try:
                self = super().__new__(cls, -1, size, access=access)
            except OSError as exc:  # no address space for the range: shmat's ENOMEM
                raise _syscall.error(exc.errno or errno.ENOMEM, SHMAT_SPEC) from exc
            try:
                with ffi.from_buffer(self) as view:
                    start = int(ffi.cast("uintptr_t", view))
                _attach(shmid, shmflg | lib.SHM_REMAP, start)
            except BaseException:
                mmap.mmap.close(self)
                raise
        finally:
            _shmdt(first)
        self.shmid = shmid
        self.readonly = readonly
        self._address = start
        _attached()[start] = self
        return self

    @property
    def address(self) -> int:
        """The address the segment is attached at."""
        if self.closed:
            raise ValueError("the segment is detached")
        return self._address

    def detach(self) -> None:
        """Detach the segment (a no-op when detached already).

        Raises BufferError while exported buffers (``memoryview``) of it are alive: release
        them first.
        """
        self.close()

    def close(self) -> None:
        """Same as :meth:`detach`."""
        if not self.closed:
            super().close()
            _attached().pop(self._address, None)

    def size(self) -> int:
        """The segment's size in bytes (``mmap.size`` would ask a file, and there is none)."""
        if self.closed:
            raise ValueError("the segment is detached")
        return len(self)

    def resize(self, newsize: int) -> None:
        """Refused: a segment's size is fixed at :func:`shmget`."""
        raise TypeError("a System V segment cannot be resized")

    def _find_in_copy(self, sub: Any, start: int | None = None, end: int | None = None, /) -> int:
        """mmap.find, searching a copy of ``[start:end]`` (``start`` is the current position
        when omitted): the lowest index of ``sub`` there, or -1. ``start`` and ``end`` are read
        as ``bytes.find`` reads them (as mmap.find documents; releases differ on an empty
        ``sub`` past the end: 3.11.7 answers the size, 3.15 -1 as bytes does)."""
        size = len(self)
        first = self.tell() if start is None else operator.index(start)
        last = size if end is None else operator.index(end)
        first, last = (max(i + size, 0) if i < 0 else i for i in (first, last))
        last = min(last, size)
        if first > last:  # a start past the end included
            return -1
        found = self[first:last].find(sub)
        return found if found < 0 else first + found

    if sys.version_info < (3, 11, 5):
        # CPython before 3.11.5 (gh-105235): mmap.find of a needle of two bytes or more reads
        # one byte past the mapping, and nothing is mapped after a segment's last page, so a
        # miss there died of SIGSEGV (found on 3.11.2, Debian 11's and 12's).
        find = _find_in_copy

    def __del__(self) -> None:
        if not getattr(self, "closed", True):
            _warnings.warn(f"undetached {self!r}", ResourceWarning, stacklevel=2, source=self)
            self.close()

    def __repr__(self) -> str:
        if self.closed:
            return f"<ShmAttachment shmid={self.shmid} detached>"
        mode = "read-only" if self.readonly else "read-write"
        return f"<ShmAttachment shmid={self.shmid} size={len(self)} {mode} at {self._address:#x}>"


@documents(SHMAT_SPEC, SHMCTL_SPEC)
def shmat(shmid: int, flags: int = 0) -> ShmAttachment:
    """Attach segment ``shmid`` at an address the kernel chooses; see :class:`ShmAttachment`.

    ``flags``: :data:`SHM_RDONLY` (read permission suffices; the buffer is read-only),
    :data:`SHM_EXEC`. Linux lets a process attach a segment already marked for removal while
    others are still attached to it.
    """
    return ShmAttachment(shmid, flags)


@documents(SHMDT_SPEC)
def shmdt(shmaddr: ShmAttachment | int) -> None:
    """Detach ``shmaddr``: a :class:`ShmAttachment` (as its :meth:`~ShmAttachment.detach`),
    or the address (``int``) of a segment attached by other code.

    Raises ValueError for an attachment detached already, or for the address of a live
    :class:`ShmAttachment` (detach that instead: its buffer would dangle).
    """
    if isinstance(shmaddr, ShmAttachment):
        if shmaddr.closed:
            raise ValueError("the segment is detached already")
        shmaddr.detach()
        return
    if not isinstance(shmaddr, int):
        raise TypeError(f"shmdt() takes a ShmAttachment or an int, not {type(shmaddr).__name__}")
    if shmaddr in _ATTACHED.get("made", ()):
        raise ValueError(f"{shmaddr:#x} belongs to a live ShmAttachment: call its detach()")
    _shmdt(shmaddr)


@documents(SHMCTL_SPEC)
def shmctl(
    shmid: int,
    cmd: int,
    buf: ShmidDs | None = None,
    *,
    uid: int | None = None,
    gid: int | None = None,
    mode: int | None = None,
) -> ShmidDs | None:
    """Control segment ``shmid``: returns a :class:`ShmidDs` for :data:`IPC_STAT`,
    :data:`SHM_STAT` and :data:`SHM_STAT_ANY` (``shmid`` is then a kernel index), else
    ``None``.

    :data:`IPC_SET` sets ``shm_perm.uid``, ``gid`` and the permission bits of ``mode``: from
    ``buf`` (a :class:`ShmidDs`, say a modified IPC_STAT result) or from the keywords, the
    fields not given being read first: with IPC_STAT, or, where the caller may not read the
    segment, with SHM_STAT_ANY, so that the owner of a mode-0 segment can change it and
    anyone else gets the kernel's EPERM. :data:`IPC_RMID` marks the segment for removal once
    the last process detaches (its key becomes IPC_PRIVATE); :data:`SHM_LOCK` /
    :data:`SHM_UNLOCK` pin it in memory. Other commands go to the kernel as they are.
    """
    if cmd in _STAT_CMDS:  # _stat() written out: a Python call is a tenth of the whole
        ds = _shm_stat(shmid, cmd)
        if type(ds) is int:
            return _stat_failed(ds, shmid, cmd)
        return ds  # type: ignore[return-value]
    raw: Any = ffi.new("struct sysapi_shmid_ds *")
    if cmd == lib.IPC_SET:
        if buf is not None:
            if (uid, gid, mode) != (None, None, None):
                raise TypeError("give buf or the uid/gid/mode keywords, not both")
            if not isinstance(buf, ShmidDs):
                raise TypeError(f"buf must be a ShmidDs, not {type(buf).__name__}")
            uid, gid, mode = buf.shm_perm.uid, buf.shm_perm.gid, buf.shm_perm.mode
        elif uid is None or gid is None or mode is None:
            perm = _perm_for_set(shmid)
            uid = perm.uid if uid is None else uid
            gid = perm.gid if gid is None else gid
            mode = perm.mode if mode is None else mode
        raw.uid, raw.gid, raw.mode = uid, gid, mode
    _syscall.call(SHMCTL_SPEC, lib.sysapi_shmctl, shmid, cmd, raw)
    return None


# ==== SysV message queues and semaphore sets =====================================================
# msgget/msgsnd/msgrcv/msgctl and semget/semop/semtimedop/semctl. The hot calls (msgsnd, msgrcv,
# semop, semtimedop) are written out without helper calls and reuse their C buffers: each Python
# call costs a noticeable part of the system call, and the goal is 1.35x the bare cffi call.


class MsgFlags(_enum.IntFlag):
    """``msgsnd``/``msgrcv`` flags (``IPC_NOWAIT`` is :data:`IPC_NOWAIT`)."""

    MSG_NOERROR = lib.MSG_NOERROR
    MSG_EXCEPT = lib.MSG_EXCEPT
    MSG_COPY = lib.MSG_COPY


MSG_NOERROR: Final = MsgFlags.MSG_NOERROR
MSG_EXCEPT: Final = MsgFlags.MSG_EXCEPT
MSG_COPY: Final = MsgFlags.MSG_COPY


class MsgCtl(_enum.IntEnum):
    """``msgctl`` commands besides :data:`IPC_STAT`, :data:`IPC_SET`, :data:`IPC_RMID` and
    :data:`IPC_INFO`."""

    MSG_STAT = lib.MSG_STAT
    MSG_STAT_ANY = lib.MSG_STAT_ANY
    MSG_INFO = lib.MSG_INFO


MSG_STAT: Final = MsgCtl.MSG_STAT
MSG_STAT_ANY: Final = MsgCtl.MSG_STAT_ANY
MSG_INFO: Final = MsgCtl.MSG_INFO


class SemFlags(_enum.IntFlag):
    """``SemBuf.sem_flg`` bits besides :data:`IPC_NOWAIT`."""

    SEM_UNDO = lib.SEM_UNDO


SEM_UNDO: Final = SemFlags.SEM_UNDO


class SemCtl(_enum.IntEnum):
    """``semctl`` commands besides :data:`IPC_STAT`, :data:`IPC_SET`, :data:`IPC_RMID` and
    :data:`IPC_INFO`."""

    GETPID = lib.GETPID
    GETVAL = lib.GETVAL
    GETALL = lib.GETALL
    GETNCNT = lib.GETNCNT
    GETZCNT = lib.GETZCNT
    SETVAL = lib.SETVAL
    SETALL = lib.SETALL
    SEM_STAT = lib.SEM_STAT
    SEM_STAT_ANY = lib.SEM_STAT_ANY
    SEM_INFO = lib.SEM_INFO


GETPID: Final = SemCtl.GETPID
GETVAL: Final = SemCtl.GETVAL
GETALL: Final = SemCtl.GETALL
GETNCNT: Final = SemCtl.GETNCNT
GETZCNT: Final = SemCtl.GETZCNT
SETVAL: Final = SemCtl.SETVAL
SETALL: Final = SemCtl.SETALL
SEM_STAT: Final = SemCtl.SEM_STAT
SEM_STAT_ANY: Final = SemCtl.SEM_STAT_ANY
SEM_INFO: Final = SemCtl.SEM_INFO


@record
class MsqidDs:
    """``struct msqid_ds``, as ``msgctl(IPC_STAT)`` reads it. Times in seconds since the epoch
    (0: never); ``msg_cbytes`` is the number of bytes queued (glibc's ``__msg_cbytes``)."""

    msg_perm: IpcPerm
    msg_stime: int
    msg_rtime: int
    msg_ctime: int
    msg_cbytes: int
    msg_qnum: int
    msg_qbytes: int
    msg_lspid: int
    msg_lrpid: int


@record
class SemidDs:
    """``struct semid_ds``, as ``semctl(IPC_STAT)`` reads it. Times in seconds since the epoch
    (0: never)."""

    sem_perm: IpcPerm
    sem_otime: int
    sem_ctime: int
    sem_nsems: int


# struct sembuf as the kernel reads it: unsigned short sem_num, short sem_op, short sem_flg.
_SEMBUF: Final = struct.Struct("=Hhh")
if ffi.sizeof("struct sembuf") != _SEMBUF.size or (
    ffi.offsetof("struct sembuf", "sem_op"),
    ffi.offsetof("struct sembuf", "sem_flg"),
) != (2, 4):
    raise ImportError("struct sembuf is not the Linux layout (unsigned short, short, short)")
_SEMBUF_SIZE: Final = _SEMBUF.size
_SHORT_BITS: Final = 8 * ffi.sizeof("short")
_SEMBUF_RANGES: Final = (
    ("sem_num", 0, (1 << _SHORT_BITS) - 1),
    ("sem_op", -(1 << (_SHORT_BITS - 1)), (1 << (_SHORT_BITS - 1)) - 1),
    ("sem_flg", -(1 << (_SHORT_BITS - 1)), (1 << (_SHORT_BITS - 1)) - 1),
)


@record
class SemBuf:
    """One operation of :func:`semop`: add ``sem_op`` to semaphore ``sem_num`` (a negative
    ``sem_op`` waits until the value is large enough, 0 waits until it is zero).

    ``sem_flg`` combines :data:`IPC_NOWAIT` and :data:`SEM_UNDO`. The fields are C
    ``unsigned short``, ``short``, ``short``: a value outside raises OverflowError (a
    non-integer TypeError) when the SemBuf is made. An operation list that is used again
    (the same list or tuple, unchanged) is converted to C once.
    """

    sem_num: int
    sem_op: int
    sem_flg: int = 0

    def __post_init__(self) -> None:
        for name, low, high in _SEMBUF_RANGES:
            value = operator.index(getattr(self, name))
            if not low <= value <= high:
                raise OverflowError(f"{name} {value} is outside the C range {low}..{high}")


# ---- limits, for the notes on resource errors --------------------------------------------------


def _msgmni_hint() -> str:
    return (
        f"kernel.msgmni = {_read_limit('/proc/sys/kernel/msgmni')} message queues (in this IPC "
        "namespace) exist already: remove unused ones (ipcs -q, msgctl(IPC_RMID)) or raise it "
        "as root: sysctl kernel.msgmni=N"
    )


def _msgmax_hint() -> str:
    return (
        f"a message may hold at most kernel.msgmax = {_read_limit('/proc/sys/kernel/msgmax')} "
        "bytes; mtype must be >= 1"
    )


def _msgmnb_hint() -> str:
    return (
        "the queue holds msg_qbytes bytes already (new queues get kernel.msgmnb = "
        f"{_read_limit('/proc/sys/kernel/msgmnb')}; msgctl(IPC_SET, msg_qbytes=N) changes it)"
    )


def _msgctl_eperm_hint() -> str:
    return (
        "IPC_SET and IPC_RMID need the owner, the creator or CAP_SYS_ADMIN; raising msg_qbytes "
        f"above kernel.msgmnb = {_read_limit('/proc/sys/kernel/msgmnb')} needs CAP_SYS_RESOURCE"
    )


def _sem_hint() -> str:
    return (
        "kernel.sem = SEMMSL SEMMNS SEMOPM SEMMNI = "
        f"{' '.join(_read_limit('/proc/sys/kernel/sem').split())} (per set, semaphores in all, "
        "operations per semop, sets; in this IPC namespace)"
    )


# ---- error specs -------------------------------------------------------------------------------

_SYSV_RACE: Final = (
    "Linux returns EIDRM from this call only while the object is destroyed between the id lookup "
    "and the permission check (a race inside the kernel); a removed id gives EINVAL"
)

MSGGET_SPEC: Final = spec(
    "msgget",
    [
        man(errno.EACCES, "the queue of key exists and the caller may not access it"),
        man(errno.EEXIST, "IPC_CREAT | IPC_EXCL and a queue of key exists"),
        man(errno.ENOENT, "no queue has key and IPC_CREAT is not given"),
        man(errno.ENOMEM, "no memory for the new queue"),
        man(errno.ENOSPC, "the limit of queues (kernel.msgmni) is reached"),
    ],
    hints={errno.ENOSPC: _msgmni_hint},
)

MSGSND_SPEC: Final = spec(
    "msgsnd",
    [
        man(errno.EACCES, "the caller has no write permission on the queue"),
        man(
            errno.EAGAIN,
            "IPC_NOWAIT and the queue is full (msg_qbytes bytes or as many messages queued)",
        ),
        man(errno.EFAULT, "msgp points outside the address space"),
        man(errno.EIDRM, "the queue was removed while the caller waited"),
        man(errno.EINTR, "a signal arrived while waiting (retried: PEP 475)"),
        man(
            errno.EINVAL,
            "msqid is not a queue, mtype < 1, or the message is longer than kernel.msgmax",
        ),
        man(errno.ENOMEM, "no memory for a copy of the message"),
    ],
    hints={errno.EINVAL: _msgmax_hint, errno.EAGAIN: _msgmnb_hint},
)

MSGRCV_SPEC: Final = spec(
    "msgrcv",
    [
        man(errno.E2BIG, "the message is longer than msgsz and MSG_NOERROR is not given"),
        man(errno.EACCES, "the caller has no read permission on the queue"),
        man(errno.EFAULT, "msgp points outside the address space"),
        man(errno.EIDRM, "the queue was removed while the caller waited"),
        man(errno.EINTR, "a signal arrived while waiting (retried: PEP 475)"),
        man(
            errno.EINVAL,
            "msqid is not a queue, msgsz < 0, or MSG_COPY without IPC_NOWAIT or with MSG_EXCEPT",
        ),
        man(
            errno.ENOMSG,
            "IPC_NOWAIT and no message of the type asked for; with MSG_COPY, fewer than "
            "msgtyp + 1 messages queued",
        ),
        man(errno.ENOSYS, "MSG_COPY on a kernel without CONFIG_CHECKPOINT_RESTORE"),
    ],
)

MSGCTL_SPEC: Final = spec(
    "msgctl",
    [
        man(errno.EACCES, "IPC_STAT or MSG_STAT without read permission on the queue"),
        man(errno.EFAULT, "buf points outside the address space"),
        man(errno.EIDRM, "the queue is being removed"),
        man(
            errno.EINVAL,
            "msqid is not a queue, cmd is not a command, or MSG_STAT/MSG_STAT_ANY of an index "
            "that holds no queue",
        ),
        man(
            errno.EPERM,
            "IPC_SET or IPC_RMID by neither the owner nor the creator (without CAP_SYS_ADMIN), "
            "or IPC_SET of msg_qbytes above kernel.msgmnb without CAP_SYS_RESOURCE",
        ),
    ],
    hints={errno.EPERM: _msgctl_eperm_hint},
)

SEMGET_SPEC: Final = spec(
    "semget",
    [
        man(errno.EACCES, "the set of key exists and the caller may not access it"),
        man(errno.EEXIST, "IPC_CREAT | IPC_EXCL and a set of key exists"),
        man(
            errno.EINVAL,
            "nsems < 0 or above SEMMSL (0 for a new set), or the existing set of key has fewer "
            "than nsems semaphores",
        ),
        man(errno.ENOENT, "no set has key and IPC_CREAT is not given"),
        man(errno.ENOMEM, "no memory for the new set"),
        man(
            errno.ENOSPC,
            "the limit of sets (SEMMNI) or of semaphores in all sets (SEMMNS) is reached",
        ),
    ],
    hints={errno.ENOSPC: _sem_hint, errno.EINVAL: _sem_hint},
)

_SEMOP_ERRORS: Final = [
    man(errno.E2BIG, "more operations than SEMOPM"),
    man(errno.EACCES, "the caller lacks the permission an operation needs (read or alter)"),
    man(errno.EFAULT, "sops or timeout points outside the address space"),
    man(errno.EFBIG, "an operation's sem_num is not below the set's sem_nsems"),
    man(errno.EIDRM, "the set was removed while the caller waited"),
    man(errno.EINTR, "a signal arrived while waiting (retried: PEP 475)"),
    man(errno.ENOMEM, "SEM_UNDO and no memory for the undo structure"),
    man(errno.ERANGE, "an operation would take a semaphore above SEMVMX (32767)"),
]

SEMOP_SPEC: Final = spec(
    "semop",
    [
        *_SEMOP_ERRORS,
        man(errno.EAGAIN, "an operation with IPC_NOWAIT could not proceed at once"),
        man(errno.EINVAL, "semid is not a set, or sops is empty"),
    ],
    hints={errno.E2BIG: _sem_hint},
)

SEMTIMEDOP_SPEC: Final = spec(
    "semtimedop",
    [
        *_SEMOP_ERRORS,
        man(
            errno.EAGAIN,
            "an operation with IPC_NOWAIT could not proceed at once, or the timeout ran out "
            "(returned as False)",
        ),
        man(errno.EINVAL, "semid is not a set, sops is empty, or the timeout is not valid"),
    ],
    hints={errno.E2BIG: _sem_hint},
)

SEMCTL_SPEC: Final = spec(
    "semctl",
    [
        man(
            errno.EACCES,
            "the caller lacks the permission cmd needs (read for GET*, IPC_STAT, SEM_STAT; alter "
            "for SETVAL, SETALL)",
        ),
        man(errno.EFAULT, "arg.buf or arg.array points outside the address space"),
        man(errno.EIDRM, "the set is being removed"),
        man(
            errno.EINVAL,
            "semid is not a set, cmd is not a command, semnum is out of range, or SEM_STAT/"
            "SEM_STAT_ANY of an index that holds no set",
        ),
        man(
            errno.EPERM,
            "IPC_SET or IPC_RMID by neither the owner nor the creator (without CAP_SYS_ADMIN)",
        ),
        man(errno.ERANGE, "SETVAL or SETALL of a value below 0 or above SEMVMX (32767)"),
    ],
)


# ---- message queues ----------------------------------------------------------------------------

_msgsnd: Final = lib.sysapi_msgsnd
_msgrcv: Final = lib.sysapi_msgrcv
_semop: Final = lib.sysapi_semop
_semtimedop: Final = lib.sysapi_semtimedop
_retry: Final = _syscall.retry
_from_buffer: Final = ffi.from_buffer
_monotonic_ns: Final = time.monotonic_ns
_EINTR: Final = -errno.EINTR
_EAGAIN: Final = -errno.EAGAIN
_MSG_POOL: Final[int] = lib.SYSAPI_MSG_POOL
_LONG: Final[int] = ffi.sizeof("long")
_SIZE_T_BITS: Final[int] = 8 * ffi.sizeof("size_t")
_LONG_MIN: Final[int] = -(1 << (8 * _LONG - 1))
_INT_MIN: Final[int] = -(1 << (8 * ffi.sizeof("int") - 1))
_INT_MAX: Final[int] = (1 << (8 * ffi.sizeof("int") - 1)) - 1
_MAX_WAIT_NS: Final = 1 << 62  # 146 years: a wait this long is a wait without end
# Large receive buffers are not zeroed: the kernel writes what is read, and untouched pages of a
# big buffer then cost nothing.
_raw_alloc: Final = ffi.new_allocator(should_clear_after_alloc=False)

# Receive buffers of _MSG_POOL bytes (after the type), reused: a list is a thread-safe pool
# under the GIL and without it; a buffer in use is out of the pool, so another thread or a
# signal handler that receives meanwhile takes another. Each entry is (buffer, the type as a
# long *, an ffi.buffer view to slice the text out of), all made once.
_MSG_BUFFERS: list[tuple[Any, Any, Any]] = []


def _new_msg_buffer(msgsz: int) -> tuple[Any, Any, Any]:
    buf = _raw_alloc("char[]", _LONG + msgsz)
    return buf, ffi.cast("long *", buf), ffi.buffer(buf)


@documents(MSGGET_SPEC)
def msgget(key: int, msgflg: int = 0) -> int:
    """The id of the message queue of ``key``, creating it with :data:`IPC_CREAT`.

    ``msgflg`` combines the permission bits (``0o600``) with :data:`IPC_CREAT` and
    :data:`IPC_EXCL` (EEXIST if it exists). ``key`` :data:`IPC_PRIVATE` always creates a new
    queue. A queue outlives its creator until ``msgctl(msqid, IPC_RMID)`` removes it.
    """
    return _syscall.call(MSGGET_SPEC, lib.sysapi_msgget, key, msgflg)


@documents(MSGSND_SPEC)
def msgsnd(msqid: int, mtype: int, data: ReadableBuffer, msgflg: int = 0) -> None:
    """Queue ``data`` (any bytes-like object) as a message of type ``mtype`` (>= 1).

    Blocks while the queue is full (the GIL is released), unless ``msgflg`` has
    :data:`IPC_NOWAIT` (then EAGAIN). A handler that returns restarts the wait (PEP 475).
    """
    if type(data) is not bytes:
        try:
            view = _from_buffer(data)
        except BufferError as exc:  # a non-contiguous view: the wrong kind of buffer
            raise TypeError(f"msgsnd needs a C-contiguous buffer: {exc}") from exc
        with view:
            r = _msgsnd(msqid, mtype, view, len(view), msgflg)
            if r < 0:
                _retry(r, MSGSND_SPEC, _msgsnd, msqid, mtype, view, len(view), msgflg)
        return
    r = _msgsnd(msqid, mtype, data, len(data), msgflg)
    if r < 0:
        _retry(r, MSGSND_SPEC, _msgsnd, msqid, mtype, data, len(data), msgflg)


@documents(MSGRCV_SPEC)
def msgrcv(msqid: int, msgsz: int, msgtyp: int = 0, msgflg: int = 0) -> tuple[int, bytes]:
    """Take a message of at most ``msgsz`` bytes off the queue: ``(mtype, data)``.

    ``msgtyp`` 0 takes the first message, > 0 the first of that type (of any other type with
    :data:`MSG_EXCEPT`), < 0 the first of the lowest type <= ``-msgtyp``. With
    :data:`MSG_COPY` (which needs :data:`IPC_NOWAIT`) it returns a copy of message number
    ``msgtyp`` (0: the oldest) and leaves it queued. A longer message raises E2BIG and stays
    queued, unless :data:`MSG_NOERROR` truncates it. Blocks until a message comes (the GIL is
    released), unless :data:`IPC_NOWAIT` (then ENOMSG). A handler that returns restarts the
    wait (PEP 475). A negative ``msgsz`` goes to the kernel (EINVAL).
    """
    if 0 <= msgsz <= _MSG_POOL:
        try:
            entry = _MSG_BUFFERS.pop()
        except IndexError:
            entry = _new_msg_buffer(_MSG_POOL)
        buf = entry[0]
        r = _msgrcv(msqid, buf, msgsz, msgtyp, msgflg)
        if r < 0:
            try:
                r = _retry(r, MSGRCV_SPEC, _msgrcv, msqid, buf, msgsz, msgtyp, msgflg)
            except BaseException:
                _MSG_BUFFERS.append(entry)
                raise
        result = (entry[1][0], entry[2][_LONG : _LONG + r])
        _MSG_BUFFERS.append(entry)
        return result
    if msgsz < 0:
        # The kernel reads msgsz as a signed long and refuses a negative one: pass it through.
        if msgsz < _LONG_MIN:
            raise OverflowError(f"msgsz {msgsz} is out of range")
        msgsz += 1 << _SIZE_T_BITS
        entry = _new_msg_buffer(0)
    else:
        msgsz = min(msgsz, _longest_message(msqid))
        entry = _new_msg_buffer(msgsz)
    r = _syscall.call(MSGRCV_SPEC, _msgrcv, msqid, entry[0], msgsz, msgtyp, msgflg)
    return entry[1][0], entry[2][_LONG : _LONG + r]


def _longest_message(msqid: int) -> int:
    """The most bytes a message of queue ``msqid`` can hold: the larger of kernel.msgmax (the
    limit at msgsnd) and the bytes queued now (a message sent before msgmax was lowered). A
    ``msgsz`` beyond it asks for a buffer no message can fill: ``msgrcv(q, 1 << 40)`` must not
    allocate a terabyte."""
    try:
        with open("/proc/sys/kernel/msgmax") as f:
            longest = int(f.read())
    except (OSError, ValueError):
        return _INT_MAX  # msgmax itself is at most INT_MAX
    try:
        return max(longest, _msg_stat(msqid).msg_cbytes)
    except OSError:
        return longest  # the kernel's error comes from msgrcv itself


def _msg_stat(msqid: int, cmd: int = lib.IPC_STAT) -> MsqidDs:
    buf: Any = ffi.new("struct sysapi_msqid_ds *")
    _syscall.call(MSGCTL_SPEC, lib.sysapi_msgctl, msqid, cmd, buf)
    return MsqidDs(
        msg_perm=IpcPerm(buf.key, buf.uid, buf.gid, buf.cuid, buf.cgid, buf.mode, buf.seq),
        msg_stime=buf.msg_stime,
        msg_rtime=buf.msg_rtime,
        msg_ctime=buf.msg_ctime,
        msg_cbytes=buf.msg_cbytes,
        msg_qnum=buf.msg_qnum,
        msg_qbytes=buf.msg_qbytes,
        msg_lspid=buf.msg_lspid,
        msg_lrpid=buf.msg_lrpid,
    )


_MSG_STAT_CMDS: Final = frozenset({lib.IPC_STAT, lib.MSG_STAT, lib.MSG_STAT_ANY})


@documents(MSGCTL_SPEC)
def msgctl(
    msqid: int,
    cmd: int,
    buf: MsqidDs | None = None,
    *,
    uid: int | None = None,
    gid: int | None = None,
    mode: int | None = None,
    msg_qbytes: int | None = None,
) -> MsqidDs | None:
    """Control queue ``msqid``: a :class:`MsqidDs` for :data:`IPC_STAT`, :data:`MSG_STAT` and
    :data:`MSG_STAT_ANY` (``msqid`` is then a kernel index, as in ``/proc/sysvipc/msg``),
    else ``None``.

    :data:`IPC_SET` sets ``msg_perm.uid``, ``gid``, the permission bits of ``mode`` and
    ``msg_qbytes`` (the queue's capacity in bytes): from ``buf`` (a :class:`MsqidDs`, say a
    modified IPC_STAT result) or from the keywords, the fields not given being read first with
    IPC_STAT. :data:`IPC_RMID` removes the queue at once and wakes its waiters with EIDRM.
    Other commands go to the kernel as they are.
    """
    if cmd in _MSG_STAT_CMDS:
        return _msg_stat(msqid, cmd)
    raw: Any = ffi.new("struct sysapi_msqid_ds *")
    if cmd == lib.IPC_SET:
        if buf is not None:
            if (uid, gid, mode, msg_qbytes) != (None, None, None, None):
                raise TypeError("give buf or the uid/gid/mode/msg_qbytes keywords, not both")
            perm, msg_qbytes = buf.msg_perm, buf.msg_qbytes
            uid, gid, mode = perm.uid, perm.gid, perm.mode
        elif uid is None or gid is None or mode is None or msg_qbytes is None:
            old = _msg_stat(msqid)
            uid = old.msg_perm.uid if uid is None else uid
            gid = old.msg_perm.gid if gid is None else gid
            mode = old.msg_perm.mode if mode is None else mode
            msg_qbytes = old.msg_qbytes if msg_qbytes is None else msg_qbytes
        raw.uid, raw.gid, raw.mode, raw.msg_qbytes = uid, gid, mode, msg_qbytes
    _syscall.call(MSGCTL_SPEC, lib.sysapi_msgctl, msqid, cmd, raw)
    return None


# ---- semaphore sets ----------------------------------------------------------------------------


@documents(SEMGET_SPEC)
def semget(key: int, nsems: int, semflg: int = 0) -> int:
    """The id of the semaphore set of ``key``, creating it (``nsems`` semaphores at 0) with
    :data:`IPC_CREAT`.

    ``semflg`` combines the permission bits with :data:`IPC_CREAT` and :data:`IPC_EXCL`.
    ``nsems`` 0 looks up an existing set; a negative one goes to the kernel (EINVAL). A set
    outlives its creator until ``semctl(semid, 0, IPC_RMID)`` removes it.
    """
    return _syscall.call(SEMGET_SPEC, lib.sysapi_semget, key, nsems, semflg)


# Operation lists converted to C: id(sops) → (sops itself for a tuple, a copy for a list; the
# C array). A hit needs the list to still hold equal SemBufs (list == compares identity
# first), so a list changed in place, or another list at a reused address, converts afresh.
_SOPS: dict[int, tuple[Sequence[SemBuf], bytes, int]] = {}
_SOPS_MAX: Final = 1024
_sops_get: Final = _SOPS.get
_id: Final = id


def _sops_array(sops: Iterable[SemBuf]) -> tuple[bytes, int]:
    """``sops`` as the C array of struct sembuf and its length, remembered in :data:`_SOPS`
    for a list or a tuple; TypeError for an item that is not a SemBuf."""
    if isinstance(sops, SemBuf):
        raise TypeError("sops must be a sequence of SemBuf: wrap one operation in a list")
    kind = type(sops)
    items = tuple(sops)
    for i, s in enumerate(items):
        if type(s) is not SemBuf:
            raise TypeError(f"sops[{i}] must be a SemBuf, not {type(s).__name__}")
    packed = b"".join([_SEMBUF.pack(s.sem_num, s.sem_op, s.sem_flg) for s in items])
    if kind is tuple or kind is list:
        if len(_SOPS) >= _SOPS_MAX:
            _SOPS.clear()
        _SOPS[id(sops)] = (items if kind is tuple else list(items), packed, len(items))
    return packed, len(items)


@documents(SEMOP_SPEC)
def semop(semid: int, sops: Iterable[SemBuf]) -> None:
    """Apply the operations ``sops`` (:class:`SemBuf`) to set ``semid`` atomically: all of
    them or none.

    Blocks until they can all be applied (the GIL is released), unless an operation that would
    wait has :data:`IPC_NOWAIT` (then EAGAIN). A handler that returns restarts the wait
    (PEP 475). An empty ``sops``, or more than SEMOPM operations, goes to the kernel (EINVAL,
    E2BIG).
    """
    hit = _sops_get(_id(sops))
    if hit is not None and hit[0] == sops:
        packed, n = hit[1], hit[2]
    else:
        packed, n = _sops_array(sops)
    r = _semop(semid, packed, n)
    if r < 0:
        _retry(r, SEMOP_SPEC, _semop, semid, packed, n)


def _timeout_ns(timeout: float) -> int:
    """A relative timeout in seconds as ns: TypeError for a non-number, ValueError when
    negative or NaN; waits beyond _MAX_WAIT_NS (or inf) are capped there, an int64 ns
    deadline still holds them."""
    if type(timeout) is int:
        if timeout < 0:
            raise ValueError(f"timeout must be >= 0 or None, not {timeout!r}")
        return min(timeout * 1_000_000_000, _MAX_WAIT_NS)
    if not isinstance(timeout, (int, float)):
        raise TypeError(
            f"timeout must be a number of seconds or None, not {type(timeout).__name__}"
        )
    seconds = float(timeout)
    if not seconds >= 0:  # also NaN
        raise ValueError(f"timeout must be >= 0 or None, not {timeout!r}")
    return min(ceil_ns(seconds), _MAX_WAIT_NS) if seconds < 1e10 else _MAX_WAIT_NS


@documents(SEMTIMEDOP_SPEC)
def semtimedop(semid: int, sops: Iterable[SemBuf], timeout: float | None) -> bool:
    """As :func:`semop`, waiting at most ``timeout`` seconds (CLOCK_MONOTONIC, relative):
    ``True`` when the operations were applied, ``False`` when the time ran out first.

    ``None`` waits without limit, ``0`` does not wait. After a handler that returned, the wait
    restarts with the time that is left (PEP 475). An operation with :data:`IPC_NOWAIT` that
    cannot proceed still raises EAGAIN (whatever the timeout, even 0).
    """
    ns = -1 if timeout is None else _timeout_ns(timeout)
    hit = _sops_get(_id(sops))
    if hit is not None and hit[0] == sops:
        packed, n = hit[1], hit[2]
    else:
        packed, n = _sops_array(sops)
    deadline = _monotonic_ns() + ns if ns > 0 else 0
    while True:
        r = _semtimedop(semid, packed, n, ns)
        if r >= 0:
            return True
        if r == _EINTR:
            # Python handlers have run by now (a raising one propagated): wait for the rest.
            if ns > 0:
                ns = max(0, deadline - _monotonic_ns())
            continue
        # EAGAIN is both the timeout and IPC_NOWAIT: before the deadline (or with IPC_NOWAIT
        # asked for at timeout 0) it can only be IPC_NOWAIT.
        if r == _EAGAIN and ns >= 0:
            nowait = any(flg & lib.IPC_NOWAIT for _, _, flg in _SEMBUF.iter_unpack(packed))
            if not nowait or (deadline and _monotonic_ns() >= deadline):
                return False
        _syscall.raise_errno(-r, SEMTIMEDOP_SPEC)


def _sem_stat(semid: int, cmd: int = lib.IPC_STAT) -> SemidDs:
    buf: Any = ffi.new("struct sysapi_semid_ds *")
    _syscall.call(SEMCTL_SPEC, lib.sysapi_semctl, semid, 0, cmd, 0, ffi.NULL, buf)
    return SemidDs(
        sem_perm=IpcPerm(buf.key, buf.uid, buf.gid, buf.cuid, buf.cgid, buf.mode, buf.seq),
        sem_otime=buf.sem_otime,
        sem_ctime=buf.sem_ctime,
        sem_nsems=buf.sem_nsems,
    )


_SEM_STAT_CMDS: Final = frozenset({lib.IPC_STAT, lib.SEM_STAT, lib.SEM_STAT_ANY})
_SEM_INT_CMDS: Final = frozenset({lib.GETVAL, lib.GETPID, lib.GETNCNT, lib.GETZCNT})
_USHRT_MAX: Final[int] = lib.USHRT_MAX


def _semval(value: object, what: str) -> int:
    """A semaphore value for SETVAL/SETALL: an ``int`` (TypeError otherwise). The callers
    replace one their C type cannot hold by one it can that is still out of 0..SEMVMX, so that
    the kernel answers ERANGE as for any other such value: never a wrap-around into range."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    return value


@documents(SEMCTL_SPEC)
def semctl(
    semid: int,
    semnum: int,
    cmd: int,
    arg: int | Sequence[int] | SemidDs | None = None,
    *,
    uid: int | None = None,
    gid: int | None = None,
    mode: int | None = None,
) -> int | list[int] | SemidDs | None:
    """Control set ``semid`` (``semnum`` names a semaphore for the commands on one).

    - :data:`GETVAL`, :data:`GETPID` (the last process to operate on it), :data:`GETNCNT`
      (processes waiting for an increase), :data:`GETZCNT` (waiting for zero) → ``int``;
    - :data:`GETALL` → ``list[int]``; :data:`SETVAL` (``arg`` an ``int``) and :data:`SETALL`
      (``arg`` a sequence of exactly ``sem_nsems`` ints, else ValueError) → ``None``; values
      outside 0..32767 get the kernel's ERANGE;
    - :data:`IPC_STAT`, :data:`SEM_STAT`, :data:`SEM_STAT_ANY` (``semid`` is then a kernel
      index) → :class:`SemidDs`;
    - :data:`IPC_SET` (``arg`` a :class:`SemidDs` or the keywords ``uid``, ``gid``, ``mode``;
      the fields not given are read first with IPC_STAT) and :data:`IPC_RMID` (removes the
      set at once, waking its waiters with EIDRM) → ``None``.

    Other commands go to the kernel as they are (``None``).
    """
    if cmd in _SEM_INT_CMDS:
        return _syscall.call(
            SEMCTL_SPEC, lib.sysapi_semctl, semid, semnum, cmd, 0, ffi.NULL, ffi.NULL
        )
    if cmd in _SEM_STAT_CMDS:
        return _sem_stat(semid, cmd)
    if cmd == lib.GETALL:
        nsems = _sem_stat(semid).sem_nsems
        values = ffi.new("unsigned short[]", max(nsems, 1))
        _syscall.call(SEMCTL_SPEC, lib.sysapi_semctl, semid, 0, cmd, 0, values, ffi.NULL)
        return list(values[0:nsems])
    if cmd == lib.SETVAL:
        value = _semval(arg, "SETVAL's arg")
        if not _INT_MIN <= value <= _INT_MAX:
            value = -1
        _syscall.call(SEMCTL_SPEC, lib.sysapi_semctl, semid, semnum, cmd, value, ffi.NULL, ffi.NULL)
        return None
    if cmd == lib.SETALL:
        if not isinstance(arg, Sequence) or isinstance(arg, (str, bytes, SemidDs)):
            raise TypeError("SETALL's arg must be a sequence of ints")
        nsems = _sem_stat(semid).sem_nsems
        if len(arg) != nsems:
            raise ValueError(f"SETALL needs {nsems} values (sem_nsems), got {len(arg)}")
        values = ffi.new("unsigned short[]", max(nsems, 1))
        for i, v in enumerate(arg):
            v = _semval(v, f"SETALL's arg[{i}]")
            values[i] = v if 0 <= v <= _USHRT_MAX else _USHRT_MAX
        _syscall.call(SEMCTL_SPEC, lib.sysapi_semctl, semid, 0, cmd, 0, values, ffi.NULL)
        return None
    raw: Any = ffi.new("struct sysapi_semid_ds *")
    if cmd == lib.IPC_SET:
        if arg is not None:
            if not isinstance(arg, SemidDs):
                raise TypeError(f"IPC_SET's arg must be a SemidDs, not {type(arg).__name__}")
            if (uid, gid, mode) != (None, None, None):
                raise TypeError("give arg or the uid/gid/mode keywords, not both")
            uid, gid, mode = arg.sem_perm.uid, arg.sem_perm.gid, arg.sem_perm.mode
        elif uid is None or gid is None or mode is None:
            perm = _sem_stat(semid).sem_perm
            uid = perm.uid if uid is None else uid
            gid = perm.gid if gid is None else gid
            mode = perm.mode if mode is None else mode
        raw.uid, raw.gid, raw.mode = uid, gid, mode
    _syscall.call(SEMCTL_SPEC, lib.sysapi_semctl, semid, semnum, cmd, 0, ffi.NULL, raw)
    return None


# ==== POSIX message queues and semaphores ===================================================
#
# mq_open → MessageQueue (an Fd), sem_open → NamedSemaphore, the unnamed process-shared
# Semaphore, and the thin mq_* calls. Timeouts are relative seconds measured on
# CLOCK_MONOTONIC; an expired wait returns False/None.

__all__ += [
    "MQ_PRIO_MAX",
    "SEM_SIZE",
    "SEM_VALUE_MAX",
    "MessageQueue",
    "MqAttr",
    "NamedSemaphore",
    "Semaphore",
    "mq_getattr",
    "mq_notify",
    "mq_open",
    "mq_receive",
    "mq_send",
    "mq_setattr",
    "mq_timedreceive",
    "mq_timedsend",
    "mq_unlink",
    "sem_open",
    "sem_unlink",
]

#: Priorities run from 0 to ``MQ_PRIO_MAX - 1`` (32767 on Linux).
MQ_PRIO_MAX: Final[int] = lib.MQ_PRIO_MAX
#: The largest value of a POSIX semaphore.
SEM_VALUE_MAX: Final[int] = lib.SEM_VALUE_MAX
#: ``sizeof(sem_t)``: the bytes an unnamed :class:`Semaphore` takes in its buffer.
SEM_SIZE: Final[int] = ffi.sizeof("sem_t")


@record
class MqAttr:
    """``struct mq_attr``: ``mq_flags`` (0 or ``os.O_NONBLOCK``), ``mq_maxmsg`` (messages the
    queue holds), ``mq_msgsize`` (bytes a message may have), ``mq_curmsgs`` (messages queued
    now)."""

    mq_flags: int = 0
    mq_maxmsg: int = 0
    mq_msgsize: int = 0
    mq_curmsgs: int = 0


def _rlimit(which: int, name: str) -> str:
    import resource  # here: only an error's note needs it

    soft, hard = (
        "unlimited" if v == resource.RLIM_INFINITY else str(v) for v in resource.getrlimit(which)
    )
    return f"{name} is {soft} (hard {hard})"


def _mq_emfile_hint() -> str:
    import resource  # here: only an error's note needs it

    return (
        f"{_rlimit(resource.RLIMIT_MSGQUEUE, 'RLIMIT_MSGQUEUE (bytes of POSIX queues per user)')}"
        f"; {_rlimit(resource.RLIMIT_NOFILE, 'RLIMIT_NOFILE (open descriptors)')}. The kernel "
        "answers EMFILE for both"
    )


def _mq_enospc_hint() -> str:
    return (
        f"/proc/sys/fs/mqueue/queues_max is {_read_limit('/proc/sys/fs/mqueue/queues_max')} "
        "(queues in this IPC namespace; CAP_SYS_RESOURCE is exempt)"
    )


def _mq_einval_hint() -> str:
    return (
        "without CAP_SYS_RESOURCE mq_maxmsg must be 1.."
        f"{_read_limit('/proc/sys/fs/mqueue/msg_max')} (/proc/sys/fs/mqueue/msg_max) and "
        f"mq_msgsize 1..{_read_limit('/proc/sys/fs/mqueue/msgsize_max')} "
        "(/proc/sys/fs/mqueue/msgsize_max); the name must be '/' and a name without '/'"
    )


def _nofile_hint() -> str:
    import resource  # here: only an error's note needs it

    return _rlimit(resource.RLIMIT_NOFILE, "RLIMIT_NOFILE (open descriptors)")


_EINTR_RETRIED = "a signal handler interrupted the wait (sysapi retries, PEP 475)"
_EINTR_TIMED = "a signal handler interrupted the wait (sysapi retries with the time left, PEP 475)"
_TIMEOUT_INVALID = (
    "abs_timeout is invalid (tv_sec < 0); Linux checks it first, even when the call would not "
    "block (the man page: only when it would)"
)

MQ_OPEN_SPEC: Final = spec(
    "mq_open",
    [
        man(
            errno.EACCES,
            "the queue exists and the caller may not open it in oflag's mode, or the name "
            "has a second '/'",
        ),
        man(errno.EEXIST, "O_CREAT | O_EXCL and the queue exists"),
        man(
            errno.EINVAL,
            "the name does not start with '/' (glibc), or O_CREAT with an attr whose "
            "mq_maxmsg or mq_msgsize is <= 0 or above the limit",
        ),
        kernel(
            errno.EMFILE,
            "the process's descriptor limit is reached, or the queue would take the user's "
            "bytes in POSIX queues above RLIMIT_MSGQUEUE (ipc/mqueue.c; the man page omits it)",
            "ENOMEM for RLIMIT_MSGQUEUE",
        ),
        man(errno.ENAMETOOLONG, "the name is longer than NAME_MAX (255)"),
        man(errno.ENFILE, "the system-wide limit of open files is reached"),
        man(errno.ENOENT, "no queue has that name and O_CREAT is not given, or the name is '/'"),
        man(errno.ENOMEM, "not enough memory"),
        man(
            errno.ENOSPC,
            "the IPC namespace has queues_max queues (/proc/sys/fs/mqueue/queues_max)",
        ),
    ],
    hints={
        errno.EMFILE: _mq_emfile_hint,
        errno.ENOSPC: _mq_enospc_hint,
        errno.EINVAL: _mq_einval_hint,
    },
)

MQ_UNLINK_SPEC: Final = spec(
    "mq_unlink",
    [
        man(
            errno.EACCES,
            "the caller may not remove the queue (glibc turns the kernel's EPERM into EACCES)",
        ),
        man(errno.ENAMETOOLONG, "the name is longer than NAME_MAX (255)"),
        man(errno.ENOENT, "no queue has that name"),
    ],
)


def _send_spec(syscall: str) -> ErrorSpec:
    entries = [
        man(errno.EAGAIN, "the queue is full and the descriptor is O_NONBLOCK"),
        man(errno.EBADF, "the descriptor is not a queue open for writing"),
        man(errno.EINTR, _EINTR_RETRIED if syscall == "mq_send" else _EINTR_TIMED),
        kernel(
            errno.EINVAL,
            "msg_prio is MQ_PRIO_MAX or above"
            + ("" if syscall == "mq_send" else f"; or {_TIMEOUT_INVALID}"),
            "EINVAL only for an invalid abs_timeout of a call that would block",
        ),
        man(errno.EMSGSIZE, "the message is longer than the queue's mq_msgsize"),
        kernel(
            errno.EFAULT,
            "msg_ptr points outside the address space",
            f"nothing: neither the notes nor {syscall}(3) list it",
        ),
    ]
    if syscall == "mq_timedsend":
        entries.append(
            man(errno.ETIMEDOUT, "the queue stayed full until the deadline (sysapi: False)")
        )
    return spec(syscall, entries)


def _receive_spec(syscall: str) -> ErrorSpec:
    entries = [
        man(errno.EAGAIN, "the queue is empty and the descriptor is O_NONBLOCK"),
        man(errno.EBADF, "the descriptor is not a queue open for reading"),
        man(errno.EINTR, _EINTR_RETRIED if syscall == "mq_receive" else _EINTR_TIMED),
        man(errno.EMSGSIZE, "msg_len is smaller than the queue's mq_msgsize"),
        kernel(
            errno.EFAULT,
            "msg_ptr (or msg_prio) points outside the address space",
            f"nothing: neither the notes nor {syscall}(3) list it",
        ),
    ]
    if syscall == "mq_timedreceive":
        entries.append(man(errno.EINVAL, _TIMEOUT_INVALID))
        entries.append(man(errno.ETIMEDOUT, "no message came before the deadline (sysapi: None)"))
    return spec(syscall, entries)


MQ_SEND_SPEC: Final = _send_spec("mq_send")
MQ_TIMEDSEND_SPEC: Final = _send_spec("mq_timedsend")
MQ_RECEIVE_SPEC: Final = _receive_spec("mq_receive")
MQ_TIMEDRECEIVE_SPEC: Final = _receive_spec("mq_timedreceive")

MQ_GETATTR_SPEC: Final = spec(
    "mq_getattr", [man(errno.EBADF, "the descriptor is not a message queue")]
)

MQ_SETATTR_SPEC: Final = spec(
    "mq_setattr",
    [
        man(errno.EBADF, "the descriptor is not a message queue"),
        man(errno.EINVAL, "newattr.mq_flags has a bit other than O_NONBLOCK"),
    ],
)

MQ_NOTIFY_SPEC: Final = spec(
    "mq_notify",
    [
        man(errno.EBADF, "the descriptor is not a message queue"),
        man(
            errno.EBUSY,
            "another process is registered for the queue (or this one, to remove the "
            "registration of another)",
        ),
        man(errno.EINVAL, "signo is not a valid signal number"),
        man(errno.ENOMEM, "not enough memory"),
    ],
)

_SEM_INVALID = "the semaphore is not valid"

SEM_OPEN_SPEC: Final = spec(
    "sem_open",
    [
        man(errno.EACCES, "the semaphore exists and the caller may not open it"),
        man(errno.EEXIST, "O_CREAT | O_EXCL and the semaphore exists"),
        kernel(
            errno.EINVAL,
            "value is above SEM_VALUE_MAX, the name is '/' alone, has a '/' after its first "
            "character ('/a/b'), or is 256 characters or longer (glibc's own check); or "
            "(sysapi's check) the semaphore's file is shorter than a sem_t: glibc maps it all "
            "the same, and the first use would die of SIGBUS",
            "ENOENT for a name with a second '/'",
        ),
        man(errno.EMFILE, "the process's descriptor limit is reached"),
        kernel(
            errno.ENAMETOOLONG,
            "the name is 252 to 255 characters: /dev/shm/sem.NAME is then longer than "
            "NAME_MAX (longer names get glibc's EINVAL)",
            "ENAMETOOLONG for any name longer than NAME_MAX",
        ),
        man(errno.ENFILE, "the system-wide limit of open files is reached"),
        man(
            errno.ENOENT,
            "no semaphore has that name and O_CREAT is not given (or, for sysapi's size check, "
            "it was removed as it was opened)",
        ),
        man(errno.ENOMEM, "not enough memory"),
    ],
    hints={errno.EMFILE: _nofile_hint},
)

SEM_UNLINK_SPEC: Final = spec(
    "sem_unlink",
    [
        man(errno.EACCES, "the caller may not remove the semaphore"),
        man(errno.ENAMETOOLONG, "the name is too long"),
        man(errno.ENOENT, "no semaphore has that name"),
    ],
)

SEM_WAIT_SPEC: Final = spec(
    "sem_wait",
    [man(errno.EINTR, _EINTR_RETRIED), man(errno.EINVAL, _SEM_INVALID)],
)

SEM_TRYWAIT_SPEC: Final = spec(
    "sem_trywait",
    [
        man(errno.EAGAIN, "the value is 0 (sysapi: False)"),
        man(errno.EINTR, _EINTR_RETRIED),
        man(errno.EINVAL, _SEM_INVALID),
    ],
)


def _timedwait_spec(syscall: str) -> ErrorSpec:
    return spec(
        syscall,
        [
            man(errno.EINTR, _EINTR_TIMED),
            man(errno.EINVAL, _SEM_INVALID + ", or the deadline's tv_nsec is out of range"),
            man(errno.ETIMEDOUT, "the value stayed 0 until the deadline (sysapi: False)"),
        ],
    )


SEM_TIMEDWAIT_SPEC: Final = _timedwait_spec("sem_timedwait")
SEM_CLOCKWAIT_SPEC: Final = _timedwait_spec("sem_clockwait")

SEM_POST_SPEC: Final = spec(
    "sem_post",
    [
        man(errno.EINVAL, _SEM_INVALID),
        man(errno.EOVERFLOW, "the value is SEM_VALUE_MAX already"),
    ],
)

SEM_GETVALUE_SPEC: Final = spec("sem_getvalue", [man(errno.EINVAL, _SEM_INVALID)])

SEM_INIT_SPEC: Final = spec(
    "sem_init",
    [
        man(errno.EINVAL, "value is above SEM_VALUE_MAX"),
        man(errno.ENOSYS, "pshared is nonzero and process-shared semaphores are unsupported"),
    ],
)

SEM_CLOSE_SPEC: Final = spec("sem_close", [man(errno.EINVAL, _SEM_INVALID)])
SEM_DESTROY_SPEC: Final = spec("sem_destroy", [man(errno.EINVAL, _SEM_INVALID)])

_ETIMEDOUT: Final = -errno.ETIMEDOUT
_mq_send: Final = lib.sysapi_mq_send
_mq_receive: Final = lib.sysapi_mq_receive
_mq_send_until: Final = lib.sysapi_mq_send_until
_mq_receive_until: Final = lib.sysapi_mq_receive_until
#: ffi.unpack of a char[] is bytes.
_unpack: Final[Callable[[Any, int], bytes]] = ffi.unpack  # type: ignore[assignment]


def _deadline(timeout: float) -> int:
    """The CLOCK_MONOTONIC deadline (ns) of a wait of ``timeout`` seconds (validated and
    capped as for semtimedop)."""
    return _monotonic_ns() + _timeout_ns(timeout)


def _abs_timespec(abs_timeout: float) -> tuple[int, int]:
    """A CLOCK_REALTIME time in seconds as (tv_sec, tv_nsec); negative seconds are left for
    the kernel to refuse."""
    seconds = float(abs_timeout)
    if seconds != seconds:
        raise ValueError("abs_timeout is NaN")
    return divmod(ceil_ns(seconds), 1_000_000_000)


def _message(data: object) -> Any:
    """``data`` as cffi passes it to a ``const char *``: bytes as they are, other buffers
    through ``ffi.from_buffer`` (TypeError for objects that are not contiguous buffers)."""
    if type(data) is bytes:
        return data
    if isinstance(data, str):
        raise TypeError("a message is bytes-like, not str")
    try:
        return ffi.from_buffer(data)  # type: ignore[call-overload]
    except BufferError as exc:
        raise TypeError(f"a message must be a contiguous buffer: {exc}") from exc


def _mq_attr(attr: object) -> Any:
    if attr is None:
        return ffi.NULL
    if not isinstance(attr, MqAttr):
        raise TypeError(f"attr must be an MqAttr or None, not {type(attr).__name__}")
    return ffi.new(
        "struct mq_attr *",
        {"mq_flags": attr.mq_flags, "mq_maxmsg": attr.mq_maxmsg, "mq_msgsize": attr.mq_msgsize},
    )


def _attr_of(box: Any) -> MqAttr:
    return MqAttr(box.mq_flags, box.mq_maxmsg, box.mq_msgsize, box.mq_curmsgs)


def _getattr_fd(fd: int) -> MqAttr:
    box = ffi.new("struct mq_attr *")
    _syscall.call(MQ_GETATTR_SPEC, lib.sysapi_mq_getattr, fd, box)
    return _attr_of(box)


def _name_str(name: str | bytes) -> str:
    return name if isinstance(name, str) else os.fsdecode(name)


class MessageQueue(Fd):
    """An open POSIX message queue (an owned, close-on-exec descriptor): see :func:`mq_open`.

    ``send``/``receive`` block (the GIL released) unless given a ``timeout`` in seconds,
    measured on CLOCK_MONOTONIC: they then wait in ``ppoll`` on the descriptor and try the
    operation without sleeping each time it is ready (the kernel's own ``mq_timed*`` deadline is
    a CLOCK_REALTIME time, which a clock step would shorten or stretch). With a ``timeout``,
    O_NONBLOCK does not matter; without one, an O_NONBLOCK queue raises ``errors.EAGAIN`` where
    the call would block. A signal handler that returns lets the wait go on with the time left
    (PEP 475); one that raises interrupts it.

    ``close()`` closes this descriptor only (``mq_unlink`` removes the queue). It wakes a task
    waiting in :meth:`areceive` (which then raises ValueError), but not a thread blocked in
    ``receive`` or ``send``.
    """

    __slots__ = ("_closing_fd", "_msgsize", "_slots", "_waiter", "name")

    name: str
    _msgsize: int

    @documents(MQ_OPEN_SPEC, MQ_GETATTR_SPEC)
    def __init__(
        self,
        name: str | bytes,
        oflag: int = os.O_RDWR,
        mode: int = 0o600,
        attr: MqAttr | None = None,
    ) -> None:
        """Open (or with ``os.O_CREAT`` create) queue ``name``: see :func:`mq_open`."""
        encoded = name_bytes(name)
        fd = _syscall.call(
            MQ_OPEN_SPEC, lib.sysapi_mq_open, encoded, oflag, mode, _mq_attr(attr), filename=name
        )
        try:
            msgsize = _getattr_fd(fd).mq_msgsize
        except BaseException:
            os.close(fd)
            raise
        self._msgsize = msgsize
        self._slots: list[tuple[Any, Any]] = []
        self._waiter: tuple[Any, Any] | None = None  # (loop, future) of an areceive
        self._closing_fd = -1
        self.name = _name_str(name)
        super().__init__(fd)

    def __enter__(self) -> MessageQueue:
        return self

    def __repr__(self) -> str:
        state = "closed" if self._fd < 0 else f"fd={self._fd}"
        return f"<MessageQueue {self.name!r} {state}>"

    def _slot(self) -> tuple[Any, Any]:
        try:
            return self._slots.pop()
        except IndexError:
            return ffi.new("char[]", self._msgsize), ffi.new("unsigned int *")

    def _closed_check(self) -> None:
        if self._fd < 0:
            raise ValueError("I/O operation on closed MessageQueue")

    @documents(MQ_SEND_SPEC, MQ_TIMEDSEND_SPEC)
    def send(self, data: Any, priority: int = 0, timeout: float | None = None) -> bool:
        """Queue ``data`` (bytes-like) with ``priority`` (0 .. ``MQ_PRIO_MAX - 1``).

        Returns True, or False when ``timeout`` seconds ran out with the queue full. Without a
        timeout it blocks while the queue is full (``errors.EAGAIN`` on an O_NONBLOCK queue).
        """
        msg = data if type(data) is bytes else _message(data)
        if timeout is None:
            result = _mq_send(self._fd, msg, len(msg), priority)
            if result < 0:
                self._closed_check()
                _syscall.retry(result, MQ_SEND_SPEC, _mq_send, self._fd, msg, len(msg), priority)
            return True
        deadline = _deadline(timeout)
        while True:
            result = _mq_send_until(self._fd, msg, len(msg), priority, deadline)
            if result >= 0:
                return True
            if result == _ETIMEDOUT:
                return False
            if result != _EINTR:
                self._closed_check()
                _syscall.raise_errno(-result, MQ_TIMEDSEND_SPEC)

    @documents(MQ_RECEIVE_SPEC, MQ_TIMEDRECEIVE_SPEC)
    def receive(self, timeout: float | None = None) -> tuple[bytes, int] | None:
        """The oldest message of the highest priority, as ``(data, priority)``.

        Returns None when ``timeout`` seconds ran out with the queue empty (``timeout=0``: do
        not wait). Without a timeout it blocks while the queue is empty (``errors.EAGAIN`` on
        an O_NONBLOCK queue).
        """
        slot = self._slot()
        buf, prio = slot
        if timeout is None:
            n = _mq_receive(self._fd, buf, self._msgsize, prio)
            if n < 0:
                self._closed_check()
                n = _syscall.retry(
                    n, MQ_RECEIVE_SPEC, _mq_receive, self._fd, buf, self._msgsize, prio
                )
        else:
            deadline = _deadline(timeout)
            while True:
                n = _mq_receive_until(self._fd, buf, self._msgsize, prio, deadline)
                if n >= 0:
                    break
                if n == _ETIMEDOUT:
                    self._slots.append(slot)
                    return None
                if n != _EINTR:
                    self._closed_check()
                    _syscall.raise_errno(-n, MQ_TIMEDRECEIVE_SPEC)
        message = (_unpack(buf, n), prio[0])
        self._slots.append(slot)
        return message

    @property
    @documents(MQ_GETATTR_SPEC)
    def attr(self) -> MqAttr:
        """The queue's attributes, read with ``mq_getattr`` at each access."""
        return _getattr_fd(self.fileno())

    @documents(MQ_NOTIFY_SPEC)
    def notify(self, signo: int | None = None, value: int = 0) -> None:
        """Register this process for one notification: see :func:`mq_notify`."""
        mq_notify(self, signo, value)

    def __iter__(self) -> Iterator[tuple[bytes, int]]:
        return self

    def __next__(self) -> tuple[bytes, int]:
        """The next message (blocking, see :meth:`receive`)."""
        message = self.receive()
        assert message is not None  # no timeout: a message, or an exception
        return message

    async def areceive(self) -> tuple[bytes, int]:
        """Wait on the running asyncio loop (``loop.add_reader``, no thread) for a message and
        return it as ``(data, priority)``.

        Cancellation-safe: a message is taken off the queue only after the wait, never across
        an ``await``, so a cancelled wait has received nothing. RuntimeError when another task
        already waits on this object (one reader per descriptor and loop).
        """
        import asyncio  # only for the async methods: importing sysapi does not load asyncio

        loop = asyncio.get_running_loop()
        if self._waiter is not None:
            raise RuntimeError("another task is already waiting on this MessageQueue")
        while True:
            message = self.receive(0)  # ValueError once closed
            if message is not None:
                return message
            fd = self.fileno()
            ready = loop.create_future()
            self._waiter = (loop, ready)
            loop.add_reader(fd, _set_ready, ready)
            try:
                await ready
            finally:
                loop.remove_reader(fd)
                self._waiter = None
                # Closed meanwhile: the descriptor was left open for remove_reader.
                closing, self._closing_fd = self._closing_fd, -1
                if closing >= 0:
                    os.close(closing)

    def close(self) -> None:
        """Close the descriptor. A task waiting in :meth:`areceive` wakes up and raises
        ValueError (the descriptor is closed once it has removed its reader)."""
        waiter = self._waiter
        if waiter is None:
            super().close()
            return
        fd, self._fd = self._fd, -1
        if fd < 0:
            return
        self._closing_fd = fd
        loop, ready = waiter
        try:
            loop.call_soon_threadsafe(_set_ready, ready)
        except RuntimeError:  # the loop is closed: no task will come back for it
            self._closing_fd = -1
            os.close(fd)

    def detach(self) -> int:
        """Give up ownership: return the descriptor and leave this object closed."""
        if self._waiter is not None:
            raise RuntimeError("detach() while a task waits on this MessageQueue")
        return super().detach()

    def __aiter__(self) -> AsyncIterator[tuple[bytes, int]]:
        return self

    async def __anext__(self) -> tuple[bytes, int]:
        """The next message (see :meth:`areceive`)."""
        return await self.areceive()


def _set_ready(future: Any) -> None:
    if not future.done():
        future.set_result(None)


@documents(MQ_OPEN_SPEC)
def mq_open(
    name: str | bytes, oflag: int, mode: int = 0o600, attr: MqAttr | None = None
) -> MessageQueue:
    """Open (or create) POSIX message queue ``name`` (``"/name"``: one slash, first).

    ``oflag`` is ``os.O_RDONLY``, ``os.O_WRONLY`` or ``os.O_RDWR``, with ``os.O_CREAT``,
    ``os.O_EXCL``, ``os.O_NONBLOCK``. A new queue gets the permission bits of ``mode`` (less
    the umask) and, when ``attr`` is given, its ``mq_maxmsg`` and ``mq_msgsize`` (else the
    defaults of /proc/sys/fs/mqueue/msg_default and msgsize_default). The descriptor is
    close-on-exec. The queue lives until :func:`mq_unlink` and the last close.
    """
    return MessageQueue(name, oflag, mode, attr)


@documents(MQ_UNLINK_SPEC)
def mq_unlink(name: str | bytes) -> None:
    """Remove queue ``name``; it goes away when the last descriptor is closed."""
    _syscall.call(MQ_UNLINK_SPEC, lib.sysapi_mq_unlink, name_bytes(name), filename=name)


@documents(MQ_SEND_SPEC)
def mq_send(mqdes: MessageQueue | FdLike, msg: Any, msg_prio: int = 0) -> None:
    """Queue ``msg`` with priority ``msg_prio``, blocking while the queue is full (unless it is
    O_NONBLOCK: ``errors.EAGAIN``)."""
    fd = fileno(mqdes)
    data = _message(msg)
    _syscall.call(MQ_SEND_SPEC, _mq_send, fd, data, len(data), msg_prio)


@documents(MQ_TIMEDSEND_SPEC)
def mq_timedsend(mqdes: MessageQueue | FdLike, msg: Any, msg_prio: int, abs_timeout: float) -> bool:
    """As :func:`mq_send`, waiting at most until ``abs_timeout`` (CLOCK_REALTIME seconds, as
    ``time.time()``): True when queued, False when the deadline passed first.

    A signal handler that returns lets the wait go on until the same deadline (PEP 475).
    """
    fd = fileno(mqdes)
    data = _message(msg)
    sec, nsec = _abs_timespec(abs_timeout)
    while True:
        result = lib.sysapi_mq_timedsend(fd, data, len(data), msg_prio, sec, nsec)
        if result >= 0:
            return True
        if result == _ETIMEDOUT:
            return False
        if result != _EINTR:
            _syscall.raise_errno(-result, MQ_TIMEDSEND_SPEC)


def _receive_buffer(fd: int, msg_len: int | None) -> tuple[Any, int]:
    """A buffer for a message and the msg_len to pass: mq_msgsize when ``msg_len`` is None.
    A large ``msg_len`` becomes mq_msgsize (fixed when the queue was made; no message is
    longer), so that no allocation follows the caller's number; the kernel's EMSGSIZE check
    (msg_len below mq_msgsize) answers the same, and it is told the buffer's true size (a
    user-mode emulator such as qemu-user checks the whole range it is given)."""
    if msg_len is None:
        msg_len = _getattr_fd(fd).mq_msgsize
    elif not isinstance(msg_len, int):
        raise TypeError(f"msg_len must be an int or None, not {type(msg_len).__name__}")
    elif msg_len >> _SIZE_T_BITS:
        raise OverflowError(f"msg_len {msg_len} does not fit in a size_t")
    size = msg_len
    if msg_len > 65536:
        size = min(msg_len, _getattr_fd(fd).mq_msgsize)
    return ffi.new("char[]", max(size, 1)), size


@documents(MQ_RECEIVE_SPEC)
def mq_receive(mqdes: MessageQueue | FdLike, msg_len: int | None = None) -> tuple[bytes, int]:
    """Take the oldest message of the highest priority: ``(data, priority)``. Blocks while the
    queue is empty (unless it is O_NONBLOCK: ``errors.EAGAIN``). ``msg_len`` (default: the
    queue's ``mq_msgsize``) below ``mq_msgsize`` is the kernel's ``errors.EMSGSIZE``."""
    fd = fileno(mqdes)
    buf, length = _receive_buffer(fd, msg_len)
    prio = ffi.new("unsigned int *")
    n = _syscall.call(MQ_RECEIVE_SPEC, _mq_receive, fd, buf, length, prio)
    return _unpack(buf, n), prio[0]


@documents(MQ_TIMEDRECEIVE_SPEC)
def mq_timedreceive(
    mqdes: MessageQueue | FdLike, msg_len: int | None, abs_timeout: float
) -> tuple[bytes, int] | None:
    """As :func:`mq_receive`, waiting at most until ``abs_timeout`` (CLOCK_REALTIME seconds);
    None when the deadline passed with the queue empty."""
    fd = fileno(mqdes)
    buf, length = _receive_buffer(fd, msg_len)
    prio = ffi.new("unsigned int *")
    sec, nsec = _abs_timespec(abs_timeout)
    while True:
        n = lib.sysapi_mq_timedreceive(fd, buf, length, prio, sec, nsec)
        if n >= 0:
            return _unpack(buf, n), prio[0]
        if n == _ETIMEDOUT:
            return None
        if n != _EINTR:
            _syscall.raise_errno(-n, MQ_TIMEDRECEIVE_SPEC)


@documents(MQ_GETATTR_SPEC)
def mq_getattr(mqdes: MessageQueue | FdLike) -> MqAttr:
    """The queue's attributes (``mq_curmsgs``: messages queued now)."""
    return _getattr_fd(fileno(mqdes))


@documents(MQ_SETATTR_SPEC)
def mq_setattr(mqdes: MessageQueue | FdLike, newattr: MqAttr) -> MqAttr:
    """Set the descriptor's ``mq_flags`` (0 or ``os.O_NONBLOCK``; the other fields are
    ignored) and return the previous attributes."""
    fd = fileno(mqdes)
    if not isinstance(newattr, MqAttr):
        raise TypeError(f"newattr must be an MqAttr, not {type(newattr).__name__}")
    new = ffi.new("struct mq_attr *", {"mq_flags": newattr.mq_flags})
    old = ffi.new("struct mq_attr *")
    _syscall.call(MQ_SETATTR_SPEC, lib.sysapi_mq_setattr, fd, new, old)
    return _attr_of(old)


@documents(MQ_NOTIFY_SPEC)
def mq_notify(mqdes: MessageQueue | FdLike, signo: int | None = None, value: int = 0) -> None:
    """Ask for signal ``signo`` when a message arrives on the empty queue and no receiver is
    waiting (``SIGEV_SIGNAL``); ``None`` removes this process's registration.

    The signal comes once, with ``si_code == SI_MESGQ``, ``si_value == value`` (a C ``int``)
    and the sender's ``si_pid``/``si_uid`` (take it with :func:`sysapi.sigwaitinfo` or a
    signalfd to read those); then the registration is gone: call again to re-arm. One process
    per queue: another one gets ``errors.EBUSY``.
    """
    fd = fileno(mqdes)
    if signo is None:
        _syscall.call(MQ_NOTIFY_SPEC, lib.sysapi_mq_notify, fd, 1, 0, 0)
        return
    _syscall.call(MQ_NOTIFY_SPEC, lib.sysapi_mq_notify, fd, 0, signo, value)


# ---- semaphores ------------------------------------------------------------------------------

_SEM_CLOSED: Final = lib.SYSAPI_SEM_CLOSED
_SEM_RELEASED: Final = lib.SYSAPI_SEM_RELEASED
#: The state of a holder whose semaphore is not (or no longer) usable.
_SEM_DONE: Final = 2
_sem_wait: Final = lib.sysapi_sem_wait
_sem_trywait: Final = lib.sysapi_sem_trywait
_sem_clockwait: Final = lib.sysapi_sem_clockwait
_sem_post: Final = lib.sysapi_sem_post
_sem_getvalue: Final = lib.sysapi_sem_getvalue


def _timed_spec() -> ErrorSpec:
    """The spec of the call a timed wait used: sem_clockwait (glibc 2.30) is looked up at run
    time, sem_timedwait is the fallback without it (see the C shim)."""
    return SEM_CLOCKWAIT_SPEC if lib.sysapi_sem_clockwait_available() else SEM_TIMEDWAIT_SPEC


class _SemaphoreBase:
    """What :class:`NamedSemaphore` and :class:`Semaphore` share: the waits, the value, and a
    close that waits for the threads inside a call (it never unmaps or destroys a semaphore
    another thread is waiting on: the last one out finishes the close)."""

    __slots__ = ("__weakref__", "_h")

    _h: Any

    def _new_holder(self) -> Any:
        h: Any = ffi.new("struct sysapi_sem *")
        h.state = _SEM_DONE  # unusable until the open or init succeeds
        self._h = h
        return h

    def _released(self) -> None:
        """The semaphore was released (by close, or by the last thread out of a call)."""

    def _result(self, result: int) -> int:
        """The plain result of a call, after the closed and released markers."""
        if result == _SEM_CLOSED:
            raise ValueError(f"operation on closed {type(self).__name__}")
        if result >= _SEM_RELEASED // 2:
            self._released()
            result -= _SEM_RELEASED
        return result

    @property
    def closed(self) -> bool:
        return bool(self._h.state != 0)

    @documents(SEM_WAIT_SPEC, SEM_TRYWAIT_SPEC, SEM_CLOCKWAIT_SPEC, SEM_TIMEDWAIT_SPEC)
    def acquire(self, timeout: float | None = None) -> bool:
        """Decrement the value, waiting while it is 0: True, or False when ``timeout`` seconds
        ran out first (``0``: do not wait, ``sem_trywait``).

        Timed waits are measured on CLOCK_MONOTONIC (``sem_clockwait``, glibc 2.30; with an
        older glibc, ``sem_timedwait`` against the monotonic time left). A signal handler that
        returns lets the wait go on with the time left (PEP 475); one that raises interrupts
        it. Blocks with the GIL released.
        """
        if timeout is None:
            result = _sem_wait(self._h)
            while result:
                result = self._result(result)
                if result == _EINTR:
                    result = _sem_wait(self._h)
                elif result:
                    _syscall.raise_errno(-result, SEM_WAIT_SPEC)
            return True
        deadline = _deadline(timeout)
        if timeout == 0:
            while True:
                result = self._result(_sem_trywait(self._h))
                if result == 0:
                    return True
                if result == _EAGAIN:
                    return False
                if result != _EINTR:
                    _syscall.raise_errno(-result, SEM_TRYWAIT_SPEC)
        while True:
            result = self._result(_sem_clockwait(self._h, deadline))
            if result == 0:
                return True
            if result == _ETIMEDOUT:
                # Always true after sem_clockwait; the fallback's realtime deadline can pass
                # early after a clock step: then wait for the rest.
                if _monotonic_ns() >= deadline:
                    return False
            elif result != _EINTR:
                _syscall.raise_errno(-result, _timed_spec())

    @documents(SEM_POST_SPEC)
    def release(self) -> None:
        """Increment the value (``sem_post``), waking one waiter; ``errors.EOVERFLOW`` at
        :data:`SEM_VALUE_MAX`."""
        result = _sem_post(self._h)
        if result:
            result = self._result(result)
            if result:
                _syscall.raise_errno(-result, SEM_POST_SPEC)

    @property
    @documents(SEM_GETVALUE_SPEC)
    def value(self) -> int:
        """The current value (``sem_getvalue``; never negative on Linux)."""
        result = _sem_getvalue(self._h)
        if result < 0 or result >= _SEM_RELEASED // 2:
            result = self._result(result)
            if result < 0:
                _syscall.raise_errno(-result, SEM_GETVALUE_SPEC)
        return int(result)

    def _close(self, spec: ErrorSpec) -> None:
        result = lib.sysapi_sem_close(self._h)
        if result == _SEM_CLOSED:
            return
        result = self._result(result)
        if result < 0:
            _syscall.raise_errno(-result, spec)

    @documents(SEM_CLOSE_SPEC)
    def close(self) -> None:
        """Close it (a no-op when closed already). A thread waiting in :meth:`acquire` at that
        moment keeps waiting; the close completes when it returns."""
        self._close(SEM_CLOSE_SPEC)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close (a semaphore context does not acquire: use ``acquire``/``release``)."""
        self.close()

    def __del__(self) -> None:
        h = getattr(self, "_h", None)
        if h is not None and h.state == 0:
            _warnings.warn(f"unclosed {self!r}", ResourceWarning, stacklevel=2, source=self)
            self.close()


# glibc's named semaphores: sem_open("/NAME") maps the file /dev/shm/sem.NAME.
_SEM_FILE_PREFIX: Final = b"/dev/shm/sem."


def _mapped_file(address: int) -> tuple[int, int] | None:
    """(st_dev, st_ino) of the file mapped at ``address`` (a mapping's start), from
    /proc/self/maps; None when /proc is not there or no mapping starts there."""
    start = b"%08x-" % address
    try:
        # Binary: a child that dropped privileges may not be able to import a codec.
        with open("/proc/self/maps", "rb") as f:
            for line in f:
                if line.startswith(start):
                    # start-end perms offset major:minor inode path
                    fields = line.split()
                    major, minor = fields[3].split(b":")
                    return os.makedev(int(major, 16), int(minor, 16)), int(fields[4])
    except OSError:
        pass
    return None


def _sem_file_size(name: bytes, address: int) -> int:
    """The size of the file ``sem_open(name)`` mapped at ``address`` (glibc closed its
    descriptor); OSError when the name is gone, or is not that file any more.

    glibc maps ``sizeof(sem_t)`` bytes of /dev/shm/sem.NAME whatever the file's size, and a
    use of a mapping past the end of the file is SIGBUS. This catches a file that was short
    when opened (planted by another user, or truncated), and, where /proc is mounted, a file
    swapped in under the name after glibc's open (its device and inode are not the mapping's).
    What remains: whoever may write the file can still truncate it after this check; guarding
    that would need every use to survive SIGBUS, and they can corrupt the semaphore anyway.
    """
    path = _SEM_FILE_PREFIX + name.lstrip(b"/")  # glibc strips the leading slashes too
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
    finally:
        os.close(fd)
    mapped = _mapped_file(address)
    if not stat.S_ISREG(st.st_mode) or mapped not in (None, (st.st_dev, st.st_ino)):
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
    return st.st_size


class NamedSemaphore(_SemaphoreBase):
    """A named POSIX semaphore (glibc's /dev/shm/sem.NAME): see :func:`sem_open`.

    ``close()`` (``sem_close``) leaves the semaphore in place until :func:`sem_unlink`. A
    forked child inherits it open and may use it; another process opens it by name.
    """

    __slots__ = ("name",)

    name: str

    @documents(SEM_OPEN_SPEC)
    def __init__(
        self, name: str | bytes, oflag: int = 0, mode: int = 0o600, value: int = 0
    ) -> None:
        """Open (or with ``os.O_CREAT`` create) semaphore ``name``: see :func:`sem_open`."""
        encoded = name_bytes(name)
        self.name = _name_str(name)
        h = self._new_holder()
        _syscall.call(
            SEM_OPEN_SPEC, lib.sysapi_sem_open, h, encoded, oflag, mode, value, filename=name
        )
        try:
            size = _sem_file_size(encoded, int(ffi.cast("uintptr_t", h.sem)))
        except OSError as exc:
            self.close()
            _syscall.raise_errno(exc.errno or errno.ENOENT, SEM_OPEN_SPEC, filename=name)
        if size < SEM_SIZE:
            # sem_close only unmaps: nothing has read the semaphore yet.
            self.close()
            _syscall.raise_errno(errno.EINVAL, SEM_OPEN_SPEC, filename=name)

    def __enter__(self) -> NamedSemaphore:
        return self

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<NamedSemaphore {getattr(self, 'name', '?')!r} {state}>"


class Semaphore(_SemaphoreBase):
    """An unnamed process-shared POSIX semaphore in the :data:`SEM_SIZE` bytes of ``buffer``
    at ``offset`` (``sem_init(sem, 1, value)``).

    ``buffer`` is writable memory the other processes share: a :class:`ShmAttachment`, or an
    ``mmap.mmap`` mapped ``MAP_SHARED`` before ``fork``. While open the semaphore holds an
    export of ``buffer`` (``ShmAttachment.detach()`` and ``mmap.close()`` raise BufferError);
    ``close()`` lets it go, after ``sem_destroy`` when this object initialized it. Use
    :meth:`from_buffer` for one that another process (or attachment) initialized.

    A read-only buffer raises TypeError; an ``offset`` that is not a multiple of 8, or that
    leaves fewer than :data:`SEM_SIZE` bytes, ValueError.
    """

    __slots__ = ("_view",)

    _view: Any

    @documents(SEM_INIT_SPEC)
    def __init__(self, buffer: Any, value: int = 0, *, offset: int = 0) -> None:
        h = self._attach(buffer, offset)
        try:
            _syscall.check(lib.sysapi_sem_init(h, h.sem, value), SEM_INIT_SPEC)
        except BaseException:
            self._released()
            raise

    @classmethod
    def from_buffer(cls, buffer: Any, *, offset: int = 0) -> Semaphore:
        """The semaphore another process (or another attachment of the same memory) already
        initialized in ``buffer`` at ``offset``; no ``sem_init``, and close does not destroy
        it."""
        self = cls.__new__(cls)
        h = self._attach(buffer, offset)
        h.state = 0
        return self

    def _attach(self, buffer: Any, offset: int) -> Any:
        if not isinstance(offset, int):
            raise TypeError(f"offset must be an int, not {type(offset).__name__}")
        h = self._new_holder()
        self._view = None
        try:
            view = ffi.from_buffer(buffer, require_writable=True)
        except BufferError as exc:
            raise TypeError(f"the semaphore needs a writable contiguous buffer: {exc}") from exc
        address = int(ffi.cast("uintptr_t", view)) + offset
        if offset < 0 or offset + SEM_SIZE > len(view) or address % 8:
            ffi.release(view)
            raise ValueError(
                f"offset {offset} must be a multiple of 8 with {SEM_SIZE} bytes after it in a "
                f"buffer of {len(view)} bytes (and the buffer 8-byte aligned)"
            )
        self._view = view
        h.sem = ffi.cast("sem_t *", address)
        return h

    def _released(self) -> None:
        view, self._view = self._view, None
        if view is not None:
            ffi.release(view)

    @documents(SEM_DESTROY_SPEC)
    def close(self) -> None:
        """Close it (a no-op when closed already): ``sem_destroy`` when this object initialized
        it, then the buffer is let go. A thread waiting in ``acquire`` at that moment keeps
        waiting; the close completes when it returns."""
        self._close(SEM_DESTROY_SPEC)

    def __enter__(self) -> Semaphore:
        return self

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<Semaphore {state}>"


@documents(SEM_OPEN_SPEC)
def sem_open(
    name: str | bytes, oflag: int = 0, mode: int = 0o600, value: int = 0
) -> NamedSemaphore:
    """Open (or with ``os.O_CREAT`` create, ``os.O_EXCL`` too to insist on a new one) named
    semaphore ``name`` (``"/name"``).

    A new semaphore gets the permission bits of ``mode`` (less the umask) and ``value``
    (above :data:`SEM_VALUE_MAX`: glibc's ``errors.EINVAL``; negative: OverflowError). The
    semaphore lives until :func:`sem_unlink`.
    """
    return NamedSemaphore(name, oflag, mode, value)


@documents(SEM_UNLINK_SPEC)
def sem_unlink(name: str | bytes) -> None:
    """Remove named semaphore ``name``; processes that have it open keep using it."""
    _syscall.call(SEM_UNLINK_SPEC, lib.sysapi_sem_unlink, name_bytes(name), filename=name)
