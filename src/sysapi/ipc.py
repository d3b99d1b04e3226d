"""System V shared memory: ``ftok``, ``shmget``, ``shmat``, ``shmdt``, ``shmctl``.

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
import mmap
import os
import warnings
import weakref
from typing import Any, Final

from sysapi import _record, _struct, _syscall
from sysapi._convert import fspath
from sysapi._record import record
from sysapi._sysapi import ffi, lib
from sysapi.errors import documents, man, spec

__all__ = [
    "IPC_CREAT",
    "IPC_EXCL",
    "IPC_INFO",
    "IPC_NOWAIT",
    "IPC_PRIVATE",
    "IPC_RMID",
    "IPC_SET",
    "IPC_STAT",
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
    "ShmAttachment",
    "ShmFlags",
    "ShmidDs",
    "ftok",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
]

#: The key that always creates a new segment (``shmget(IPC_PRIVATE, size, 0o600)``).
IPC_PRIVATE: Final[int] = lib.IPC_PRIVATE


class IpcFlags(enum.IntFlag):
    """``shmget`` flag bits besides the permission bits (``0o600``) they are combined with.

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
