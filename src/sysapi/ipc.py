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

import enum
import errno
import math
import mmap
import operator
import os
import struct
import time
import warnings
import weakref
from collections.abc import Iterable, Sequence

from sysapi import _record, _struct, _syscall
from sysapi._convert import fspath
from sysapi._record import record
from sysapi._sysapi import ffi, lib
from sysapi.errors import documents, man, spec
from sysapi.inotify import _read_limit

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
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


class IpcFlags(enum.IntFlag):
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


class ShmFlags(enum.IntFlag):
    """``shmat`` flags."""

    SHM_RDONLY = lib.SHM_RDONLY
    SHM_RND = lib.SHM_RND
    SHM_REMAP = lib.SHM_REMAP
    SHM_EXEC = lib.SHM_EXEC


SHM_RDONLY: Final = ShmFlags.SHM_RDONLY
SHM_RND: Final = ShmFlags.SHM_RND
SHM_REMAP: Final = ShmFlags.SHM_REMAP
SHM_EXEC: Final = ShmFlags.SHM_EXEC


class IpcCtl(enum.IntEnum):
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
_IpcPermBuilder: Final = _record.builder(IpcPerm, _PERM_FIELDS)
_ShmidDsBuilder: Final = _record.builder(ShmidDs, ["shm_perm", *_SHMID_DS_FIELDS])
_shmctl: Final = lib.sysapi_shmctl
# Stat buffers, one per concurrent caller (list.pop and append are atomic).
_stat_bufs: list[tuple[Any, Any]] = []


def _stat(shmid: int, cmd: int = lib.IPC_STAT) -> ShmidDs:
    try:
        buf, data = _stat_bufs.pop()
    except IndexError:
        buf = ffi.new("struct sysapi_shmid_ds *")
        data = ffi.buffer(buf)
    result = _shmctl(shmid, cmd, buf)
    if result < 0:
        _syscall.retry(result, SHMCTL_SPEC, _shmctl, shmid, cmd, buf)
    values = _unpack_shmid_ds(data)
    _stat_bufs.append((buf, data))
    perm = _IpcPermBuilder(*values[:7])
    perm.__class__ = IpcPerm
    ds = _ShmidDsBuilder(perm, *values[7:])
    ds.__class__ = ShmidDs
    return ds  # type: ignore[no-any-return]


#: Start address → the live attachment there, so that shmdt(address) cannot pull the memory
#: out from under a ShmAttachment.
_ATTACHED: weakref.WeakValueDictionary[int, ShmAttachment] = weakref.WeakValueDictionary()


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
        _ATTACHED[start] = self
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
            _ATTACHED.pop(self._address, None)

    def size(self) -> int:
        """The segment's size in bytes (``mmap.size`` would ask a file, and there is none)."""
        if self.closed:
            raise ValueError("the segment is detached")
        return len(self)

    def resize(self, newsize: int) -> None:
        """Refused: a segment's size is fixed at :func:`shmget`."""
        raise TypeError("a System V segment cannot be resized")

    def __del__(self) -> None:
        if not getattr(self, "closed", True):
            warnings.warn(f"undetached {self!r}", ResourceWarning, stacklevel=2, source=self)
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
    if shmaddr in _ATTACHED:
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
    fields not given being read first with IPC_STAT. :data:`IPC_RMID` marks the segment for
    removal once the last process detaches (its key becomes IPC_PRIVATE); :data:`SHM_LOCK` /
    :data:`SHM_UNLOCK` pin it in memory. Other commands go to the kernel as they are.
    """
    if cmd in _STAT_CMDS:
        return _stat(shmid, cmd)
    raw: Any = ffi.new("struct sysapi_shmid_ds *")
    if cmd == lib.IPC_SET:
        if buf is not None:
            if (uid, gid, mode) != (None, None, None):
                raise TypeError("give buf or the uid/gid/mode keywords, not both")
            uid, gid, mode = buf.shm_perm.uid, buf.shm_perm.gid, buf.shm_perm.mode
        elif uid is None or gid is None or mode is None:
            perm = _stat(shmid).shm_perm
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


class MsgFlags(enum.IntFlag):
    """``msgsnd``/``msgrcv`` flags (``IPC_NOWAIT`` is :data:`IPC_NOWAIT`)."""

    MSG_NOERROR = lib.MSG_NOERROR
    MSG_EXCEPT = lib.MSG_EXCEPT
    MSG_COPY = lib.MSG_COPY


MSG_NOERROR: Final = MsgFlags.MSG_NOERROR
MSG_EXCEPT: Final = MsgFlags.MSG_EXCEPT
MSG_COPY: Final = MsgFlags.MSG_COPY


class MsgCtl(enum.IntEnum):
    """``msgctl`` commands besides :data:`IPC_STAT`, :data:`IPC_SET`, :data:`IPC_RMID` and
    :data:`IPC_INFO`."""

    MSG_STAT = lib.MSG_STAT
    MSG_STAT_ANY = lib.MSG_STAT_ANY
    MSG_INFO = lib.MSG_INFO


MSG_STAT: Final = MsgCtl.MSG_STAT
MSG_STAT_ANY: Final = MsgCtl.MSG_STAT_ANY
MSG_INFO: Final = MsgCtl.MSG_INFO


class SemFlags(enum.IntFlag):
    """``SemBuf.sem_flg`` bits besides :data:`IPC_NOWAIT`."""

    SEM_UNDO = lib.SEM_UNDO


SEM_UNDO: Final = SemFlags.SEM_UNDO


class SemCtl(enum.IntEnum):
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
_SEMBUF_RANGES: Final = (
    ("sem_num", 0, 0xFFFF),
    ("sem_op", -0x8000, 0x7FFF),
    ("sem_flg", -0x8000, 0x7FFF),
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
    """A relative timeout in seconds as ns; ValueError when negative or NaN."""
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
    return min(math.ceil(seconds * 1e9), _MAX_WAIT_NS) if seconds < 1e10 else _MAX_WAIT_NS


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
            if not nowait or (ns > 0 and _monotonic_ns() >= deadline):
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
