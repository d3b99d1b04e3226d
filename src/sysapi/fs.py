"""Advanced file I/O: readahead, the FIBMAP/FIGETBSZ ioctls, sync_file_range, tee, vmsplice.

The notes' 高级文件 I/O chapter; the calls CPython's ``os`` module lacks.
"""

from __future__ import annotations

import errno
import mmap
import os
from collections.abc import Sequence

from sysapi import _enum, _syscall
from sysapi._sysapi import ffi, lib
from sysapi.errors import documents, kernel, man, notes, spec
from sysapi.fd import FdLike, fileno

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

    from _typeshed import ReadableBuffer

__all__ = [
    "SPLICE_F_GIFT",
    "SPLICE_F_MORE",
    "SPLICE_F_MOVE",
    "SPLICE_F_NONBLOCK",
    "SYNC_FILE_RANGE_WAIT_AFTER",
    "SYNC_FILE_RANGE_WAIT_BEFORE",
    "SYNC_FILE_RANGE_WRITE",
    "SpliceFlags",
    "SyncFileRangeFlags",
    "block_map",
    "fibmap",
    "figetbsz",
    "readahead",
    "sync_file_range",
    "tee",
    "vmsplice",
    "vmsplice_zero_copy",
]


class SyncFileRangeFlags(_enum.IntFlag):
    SYNC_FILE_RANGE_WAIT_BEFORE = lib.SYNC_FILE_RANGE_WAIT_BEFORE
    SYNC_FILE_RANGE_WRITE = lib.SYNC_FILE_RANGE_WRITE
    SYNC_FILE_RANGE_WAIT_AFTER = lib.SYNC_FILE_RANGE_WAIT_AFTER


SYNC_FILE_RANGE_WAIT_BEFORE: Final = SyncFileRangeFlags.SYNC_FILE_RANGE_WAIT_BEFORE
SYNC_FILE_RANGE_WRITE: Final = SyncFileRangeFlags.SYNC_FILE_RANGE_WRITE
SYNC_FILE_RANGE_WAIT_AFTER: Final = SyncFileRangeFlags.SYNC_FILE_RANGE_WAIT_AFTER


class SpliceFlags(_enum.IntFlag):
    SPLICE_F_MOVE = lib.SPLICE_F_MOVE
    SPLICE_F_NONBLOCK = lib.SPLICE_F_NONBLOCK
    SPLICE_F_MORE = lib.SPLICE_F_MORE
    SPLICE_F_GIFT = lib.SPLICE_F_GIFT


SPLICE_F_MOVE: Final = SpliceFlags.SPLICE_F_MOVE
SPLICE_F_NONBLOCK: Final = SpliceFlags.SPLICE_F_NONBLOCK
SPLICE_F_MORE: Final = SpliceFlags.SPLICE_F_MORE
SPLICE_F_GIFT: Final = SpliceFlags.SPLICE_F_GIFT

READAHEAD_SPEC: Final = spec(
    "readahead",
    [
        notes(errno.EBADF, "fd is not a valid descriptor or is not open for reading"),
        notes(
            errno.EINVAL,
            "fd does not refer to a file that supports readahead (a pipe, a directory)",
        ),
    ],
)

FIBMAP_SPEC: Final = spec(
    "ioctl(FIBMAP)",
    [
        notes(
            errno.EINVAL, "the filesystem does not support FIBMAP (tmpfs), or the block is negative"
        ),
        kernel(
            errno.EPERM,
            "the caller lacks CAP_SYS_RAWIO",
            "CAP_SYS_RAWIO is required but give no errno for its absence",
        ),
        man(errno.EBADF, "fd is not a valid descriptor"),
        man(errno.ENOTTY, "fd is not a regular file (a directory, a pipe)"),
        man(errno.ERANGE, "the physical block number does not fit in an int (Linux 5.7+)"),
        man(errno.EFAULT, "the block argument points outside the address space"),
    ],
)

FIGETBSZ_SPEC: Final = spec(
    "ioctl(FIGETBSZ)",
    [
        man(errno.EBADF, "fd is not a valid descriptor"),
    ],
)

SYNC_FILE_RANGE_SPEC: Final = spec(
    "sync_file_range",
    [
        man(errno.EBADF, "fd is not a valid descriptor"),
        man(errno.EINVAL, "flags has an unknown bit, or offset or nbytes is negative"),
        man(errno.EIO, "an I/O error occurred"),
        man(errno.ENOMEM, "out of memory"),
        man(errno.ENOSPC, "out of disk space"),
        man(errno.ESPIPE, "fd refers to something other than a regular file or directory (a pipe)"),
    ],
)

TEE_SPEC: Final = spec(
    "tee",
    [
        man(errno.EAGAIN, "SPLICE_F_NONBLOCK was given and the pipe has nothing to duplicate"),
        man(
            errno.EBADF, "an fd is invalid, or fd_in is not open for reading or fd_out for writing"
        ),
        man(errno.EINVAL, "fd_in or fd_out is not a pipe, or both refer to the same pipe"),
        man(errno.ENOMEM, "out of memory"),
    ],
)

_IOV_MAX: Final = lib.IOV_MAX

VMSPLICE_SPEC: Final = spec(
    "vmsplice",
    [
        man(errno.EAGAIN, "SPLICE_F_NONBLOCK was given and the pipe is full"),
        man(
            errno.EBADF,
            "fd is not valid, or is not a pipe open for writing (also a pipe's read end)",
        ),
        man(
            errno.EINVAL,
            f"more than IOV_MAX ({_IOV_MAX}) buffers, lengths past SSIZE_MAX in total, an "
            "unknown flag, or fd is not a pipe",
        ),
        man(errno.ENOMEM, "out of memory (also: no pages for vmsplice's copy)"),
        kernel(
            errno.EFAULT,
            "a buffer of iov lies outside the address space",
            "nothing: neither the notes nor vmsplice(2) list it",
        ),
    ],
)


# The hot shims as module globals: one dictionary lookup instead of two per call.
_readahead = lib.sysapi_readahead
_fibmap = lib.sysapi_fibmap
_vmsplice_copy = lib.sysapi_vmsplice_copy


@documents(READAHEAD_SPEC)
def readahead(fd: FdLike, offset: int, count: int) -> None:
    """Read ``count`` bytes of ``fd`` from ``offset`` into the page cache, without copying them.

    Blocks until the pages are read (the GIL is released). Linux-only.
    """
    number = fd if type(fd) is int else fileno(fd)
    r = _readahead(number, offset, count)
    if r < 0:
        _syscall.retry(r, READAHEAD_SPEC, _readahead, number, offset, count)


@documents(FIBMAP_SPEC)
def fibmap(fd: FdLike, block: int) -> int:
    """The physical block number of logical ``block`` of ``fd``; 0 for a hole.

    Needs CAP_SYS_RAWIO. Blocks are of :func:`figetbsz` bytes.
    """
    number = fd if type(fd) is int else fileno(fd)
    r = _fibmap(number, block)
    if r < 0:
        r = _syscall.retry(r, FIBMAP_SPEC, _fibmap, number, block)
    return r


@documents(FIGETBSZ_SPEC)
def figetbsz(fd: FdLike) -> int:
    """The block size, in bytes, of the filesystem that holds ``fd``: the unit of FIBMAP."""
    return _syscall.call(FIGETBSZ_SPEC, lib.sysapi_figetbsz, fileno(fd))


@documents(FIGETBSZ_SPEC, FIBMAP_SPEC)
def block_map(fd: FdLike) -> list[int]:
    """The physical block of every logical block of ``fd``, in order (0 for a hole).

    The notes' example of sorting files by their first physical block uses ``block_map(f)[0]``.
    The FIBMAP calls run in one C loop.
    """
    number = fileno(fd)
    size = figetbsz(number)
    count = -(-os.fstat(number).st_size // size)
    if count > 0x7FFFFFFF:
        raise OverflowError("file has more blocks than FIBMAP can address")
    blocks = ffi.new("int[]", list(range(count)))
    _syscall.call(FIBMAP_SPEC, lib.sysapi_block_map, number, blocks, count)
    return list(blocks)


@documents(SYNC_FILE_RANGE_SPEC)
def sync_file_range(
    fd: FdLike, offset: int, nbytes: int, flags: int = SYNC_FILE_RANGE_WRITE
) -> None:
    """Start (and with the WAIT flags, wait for) writeback of ``[offset, offset+nbytes)``.

    ``nbytes == 0`` means to the end of the file. It writes no metadata and is no substitute for
    ``os.fsync``. May block (the GIL is released).
    """
    _syscall.call(
        SYNC_FILE_RANGE_SPEC, lib.sysapi_sync_file_range, fileno(fd), offset, nbytes, flags
    )


@documents(TEE_SPEC)
def tee(fd_in: FdLike, fd_out: FdLike, length: int, flags: int = 0) -> int:
    """Duplicate up to ``length`` bytes from pipe ``fd_in`` to pipe ``fd_out`` without
    consuming them; return the number of bytes duplicated (0: ``fd_in`` has no writers).

    Blocks while ``fd_in`` is empty unless ``SPLICE_F_NONBLOCK`` is given.
    """
    return _syscall.call(TEE_SPEC, lib.sysapi_tee, fileno(fd_in), fileno(fd_out), length, flags)


def _iovecs(buffers: Sequence[ReadableBuffer]) -> tuple[list[Any], Any, Any, int]:
    """(the exported views, to keep alive during the call; bases; lengths; count)."""
    count = len(buffers)
    if count > _IOV_MAX:
        # Refused before anything is allocated for them, with the kernel's own answer.
        exc = _syscall.error(errno.EINVAL, VMSPLICE_SPEC)
        exc.add_note(f"{count} buffers: vmsplice takes at most IOV_MAX = {_IOV_MAX}")
        raise exc
    try:
        views = [ffi.from_buffer(b) for b in buffers]
    except BufferError as exc:  # a non-contiguous view: the wrong kind of buffer
        raise TypeError(f"vmsplice needs C-contiguous buffers: {exc}") from exc
    if not count:
        return views, ffi.NULL, ffi.NULL, 0
    return (
        views,
        ffi.new("const char *[]", views),
        ffi.new("size_t[]", [len(v) for v in views]),
        count,
    )


@documents(VMSPLICE_SPEC)
def vmsplice(fd: FdLike, buffers: Sequence[ReadableBuffer], flags: int = 0) -> int:
    """Splice a copy of the bytes of ``buffers`` into pipe ``fd``; return the number of bytes
    spliced.

    The reader gets exactly these bytes, whatever happens to the buffers after the call
    returns: sysapi copies them into pages of its own, gifts those to the pipe
    (``SPLICE_F_GIFT``) and unmaps them, so the pipe holds the only reference. One call splices
    at most what the pipe can hold (``F_GETPIPE_SZ``, 64 KiB by default), so the count may be
    short of the total: write the rest with another call. Blocks while the pipe is full unless
    ``SPLICE_F_NONBLOCK`` is given. ``fd`` must be a pipe's write end (EBADF otherwise: on a
    read end, vmsplice would read into the buffers). For zero-copy splicing of memory whose
    lifetime you control, see :func:`vmsplice_zero_copy`.
    """
    number = fileno(fd)
    views, bases, lens, count = _iovecs(buffers)
    result = _syscall.call(VMSPLICE_SPEC, _vmsplice_copy, number, bases, lens, count, flags)
    del views  # the exported buffers stay locked until the call has returned
    return result


@documents(VMSPLICE_SPEC)
def vmsplice_zero_copy(
    fd: FdLike, buffers: Sequence[mmap.mmap | memoryview], flags: int = 0
) -> int:
    """Splice the pages of ``buffers`` themselves into pipe ``fd``, without copying them;
    return the number of bytes spliced.

    **The pipe holds references to the buffers' pages, not their bytes.** Until a reader has
    consumed the data, whatever is written into those pages is what the reader gets, and
    that reader may be another process. So only memory whose lifetime the caller controls is
    accepted: an :class:`mmap.mmap` (a :class:`~sysapi.ipc.ShmAttachment` is one), or a
    ``memoryview`` of one. Other Python buffers (``bytes``, ``bytearray``) live in pages the
    allocator shares with other objects and reuses when they are freed; a zero-copy splice
    of them would hand the reader unrelated memory, so they raise :class:`TypeError`: use
    :func:`vmsplice`. Leave the mapping unchanged until the bytes are read; unmapping it is
    safe (the pipe keeps the pages). Each page takes one of the pipe's slots, so the count may
    be short of the total. Blocks while the pipe is full unless ``SPLICE_F_NONBLOCK`` is given.
    """
    for b in buffers:
        owner = b.obj if isinstance(b, memoryview) else b
        if not isinstance(owner, mmap.mmap):
            raise TypeError(
                "vmsplice_zero_copy splices only an mmap.mmap (or a memoryview of one), whose "
                f"pages the caller controls, not {type(owner).__name__}: use vmsplice"
            )
    number = fileno(fd)
    views, bases, lens, count = _iovecs(buffers)
    result = _syscall.call(VMSPLICE_SPEC, lib.sysapi_vmsplice, number, bases, lens, count, flags)
    del views  # the exported buffers stay locked until the call has returned
    return result
