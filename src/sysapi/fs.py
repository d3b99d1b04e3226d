"""Advanced file I/O: readahead, the FIBMAP/FIGETBSZ ioctls, sync_file_range, tee, vmsplice.

The notes' 高级文件 I/O chapter; the calls CPython's ``os`` module lacks.
"""

from __future__ import annotations

import enum
import errno
import os
from collections.abc import Sequence
from typing import Final

from sysapi import _syscall
from sysapi._sysapi import ffi, lib
from sysapi.errors import documents, kernel, man, notes, spec
from sysapi.fd import FdLike, fileno

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
]


class SyncFileRangeFlags(enum.IntFlag):
    SYNC_FILE_RANGE_WAIT_BEFORE = lib.SYNC_FILE_RANGE_WAIT_BEFORE
    SYNC_FILE_RANGE_WRITE = lib.SYNC_FILE_RANGE_WRITE
    SYNC_FILE_RANGE_WAIT_AFTER = lib.SYNC_FILE_RANGE_WAIT_AFTER


SYNC_FILE_RANGE_WAIT_BEFORE: Final = SyncFileRangeFlags.SYNC_FILE_RANGE_WAIT_BEFORE
SYNC_FILE_RANGE_WRITE: Final = SyncFileRangeFlags.SYNC_FILE_RANGE_WRITE
SYNC_FILE_RANGE_WAIT_AFTER: Final = SyncFileRangeFlags.SYNC_FILE_RANGE_WAIT_AFTER


class SpliceFlags(enum.IntFlag):
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

VMSPLICE_SPEC: Final = spec(
    "vmsplice",
    [
        man(errno.EAGAIN, "SPLICE_F_NONBLOCK was given and the pipe is full"),
        man(errno.EBADF, "fd is not valid, or is not a pipe open for writing"),
        man(errno.EINVAL, "more than IOV_MAX (1024) buffers, or fd is not a pipe"),
        man(errno.ENOMEM, "out of memory"),
    ],
)


# The hot shims as module globals: one dictionary lookup instead of two per call.
_readahead = lib.sysapi_readahead
_fibmap = lib.sysapi_fibmap


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


@documents(VMSPLICE_SPEC)
def vmsplice(fd: FdLike, buffers: Sequence[bytes | bytearray | memoryview], flags: int = 0) -> int:
    """Splice the bytes of ``buffers`` into pipe ``fd``; return the number of bytes spliced.

    The pipe keeps *references* to the buffers' pages, not copies (checked on Linux 6.18):
    until the bytes have been read from the pipe, the buffers must stay alive and unchanged,
    or the reader sees whatever the memory holds by then. Use ``os.write`` when that cannot
    be promised. Each buffer takes one of the pipe's slots (16 by default), so the count may
    be short of the total: write the rest with another call. Blocks while the pipe is full
    unless ``SPLICE_F_NONBLOCK`` is given.
    """
    number = fileno(fd)
    # Keep the exported buffers alive (and unresizable) for the duration of the call.
    try:
        views = [ffi.from_buffer(b) for b in buffers]
    except BufferError as exc:  # a non-contiguous view: the wrong kind of buffer
        raise TypeError(f"vmsplice needs C-contiguous buffers: {exc}") from exc
    count = len(views)
    bases = ffi.new("const char *[]", views) if count else ffi.NULL
    lens = ffi.new("size_t[]", [len(v) for v in views]) if count else ffi.NULL
    return _syscall.call(VMSPLICE_SPEC, lib.sysapi_vmsplice, number, bases, lens, count, flags)
