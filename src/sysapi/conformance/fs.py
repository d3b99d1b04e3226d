"""Reference cases of the fs area."""

from __future__ import annotations

import errno
import mmap
import os

from sysapi import fs
from sysapi._sysapi import ffi, lib
from sysapi.conformance import Case, Context, NotProvokable, setup
from sysapi.conformance._support import bad, shim_in_child
from sysapi.errors import EINVAL

AREA = "fs"
_EXHAUSTION = "needs the kernel to run out of memory, disk space or hit a device error"


def _data_file(ctx: Context, flags: int = os.O_RDONLY) -> int:
    path = ctx.file("data", b"x" * 65536)
    return ctx.open(path, flags)


@setup("a tmpfs file")
def _tmpfs_file(ctx: Context) -> int:
    return ctx.open(ctx.file("data", b"x", dir=ctx.private_dir("/dev/shm")), os.O_RDWR)


@setup("a full pipe")
def _full_pipe(ctx: Context) -> int:
    _, w = ctx.pipe()
    os.set_blocking(w, False)
    try:
        while True:
            os.write(w, b"x" * 65536)
    except BlockingIOError:
        pass
    return w


def _page(ctx: Context) -> mmap.mmap:
    page = mmap.mmap(-1, mmap.PAGESIZE)
    ctx.defer(page.close)
    return page


def _vmsplice_no_address_space(ctx: Context) -> None:
    w = ctx.pipe()[1]
    buffers = [b"x" * 65536]
    ctx.limit_address_space(16384)
    fs.vmsplice(w, buffers)


def _fibmap_unprivileged(ctx: Context) -> None:
    fd = _data_file(ctx)
    ctx.drop_privileges()
    fs.fibmap(fd, 0)


# ---- bad pointers, through the shims --------------------------------------------------------


def _fibmap_fault(ctx: Context) -> None:
    fd = _data_file(ctx)
    try:
        shim_in_child(fs.FIBMAP_SPEC, lambda: lib.sysapi_block_map(fd, bad("int *"), 1))
    except EINVAL:
        raise NotProvokable(
            "the scratch filesystem has no FIBMAP (tmpfs, btrfs), and this kernel says so "
            "before it reads the block"
        ) from None


def _vmsplice_fault(ctx: Context) -> None:
    w = ctx.pipe()[1]
    bases, lens = ffi.new("char *[1]", [bad("char *")]), ffi.new("size_t[1]", [1])
    shim_in_child(fs.VMSPLICE_SPEC, lambda: lib.sysapi_vmsplice(w, bases, lens, 1, 0))


CASES: list[Case] = [
    # readahead
    Case(
        AREA,
        "readahead",
        errno.EBADF,
        "closed fd",
        lambda ctx: fs.readahead(ctx.closed_fd(), 0, 4096),
    ),
    Case(
        AREA,
        "readahead",
        errno.EBADF,
        "fd open O_WRONLY",
        lambda ctx: fs.readahead(_data_file(ctx, os.O_WRONLY), 0, 4096),
    ),
    Case(AREA, "readahead", errno.EINVAL, "pipe", lambda ctx: fs.readahead(ctx.pipe()[0], 0, 4096)),
    Case(
        AREA,
        "readahead",
        errno.EINVAL,
        "directory",
        lambda ctx: fs.readahead(ctx.open(ctx.tmp), 0, 4096),
    ),
    # ioctl(FIBMAP)
    Case(
        AREA,
        "ioctl(FIBMAP)",
        errno.EINVAL,
        "tmpfs file",
        lambda ctx: fs.fibmap(_tmpfs_file(ctx), 0),
    ),
    Case(
        AREA,
        "ioctl(FIBMAP)",
        errno.EINVAL,
        "negative block",
        lambda ctx: fs.fibmap(_data_file(ctx), -1),
    ),
    Case(
        AREA,
        "ioctl(FIBMAP)",
        errno.EPERM,
        "uid 65534 without CAP_SYS_RAWIO",
        _fibmap_unprivileged,
        unprivileged=True,
    ),
    Case(
        AREA, "ioctl(FIBMAP)", errno.EBADF, "closed fd", lambda ctx: fs.fibmap(ctx.closed_fd(), 0)
    ),
    Case(
        AREA,
        "ioctl(FIBMAP)",
        errno.ENOTTY,
        "directory",
        lambda ctx: fs.fibmap(ctx.open(ctx.tmp), 0),
    ),
    Case(
        AREA,
        "ioctl(FIBMAP)",
        errno.ERANGE,
        "block beyond 2**31 on the device",
        reason="needs a filesystem larger than 8 TiB (4 KiB blocks) with data placed past 2**31 "
        "blocks",
    ),
    Case(
        AREA,
        "ioctl(FIBMAP)",
        errno.EFAULT,
        "block pointer (int *)-1, to the shim in a forked child",
        _fibmap_fault,
        root=True,
    ),
    # ioctl(FIGETBSZ)
    Case(
        AREA, "ioctl(FIGETBSZ)", errno.EBADF, "closed fd", lambda ctx: fs.figetbsz(ctx.closed_fd())
    ),
    # sync_file_range
    Case(
        AREA,
        "sync_file_range",
        errno.EBADF,
        "closed fd",
        lambda ctx: fs.sync_file_range(ctx.closed_fd(), 0, 0),
    ),
    Case(
        AREA,
        "sync_file_range",
        errno.EINVAL,
        "unknown flag bit",
        lambda ctx: fs.sync_file_range(_data_file(ctx), 0, 0, 0x40),
    ),
    Case(
        AREA,
        "sync_file_range",
        errno.EINVAL,
        "negative offset",
        lambda ctx: fs.sync_file_range(_data_file(ctx), -1, 0),
    ),
    Case(
        AREA,
        "sync_file_range",
        errno.ESPIPE,
        "pipe",
        lambda ctx: fs.sync_file_range(ctx.pipe()[1], 0, 0),
    ),
    Case(AREA, "sync_file_range", errno.EIO, "device error", reason=_EXHAUSTION),
    Case(AREA, "sync_file_range", errno.ENOMEM, "out of memory", reason=_EXHAUSTION),
    Case(AREA, "sync_file_range", errno.ENOSPC, "disk full", reason=_EXHAUSTION),
    # tee
    Case(
        AREA,
        "tee",
        errno.EAGAIN,
        "empty pipe with SPLICE_F_NONBLOCK",
        lambda ctx: fs.tee(ctx.pipe()[0], ctx.pipe()[1], 16, fs.SPLICE_F_NONBLOCK),
    ),
    Case(
        AREA,
        "tee",
        errno.EBADF,
        "closed fd_in",
        lambda ctx: fs.tee(ctx.closed_fd(), ctx.pipe()[1], 16),
    ),
    Case(
        AREA,
        "tee",
        errno.EBADF,
        "fd_in is a write end",
        lambda ctx: fs.tee(ctx.pipe()[1], ctx.pipe()[1], 16, fs.SPLICE_F_NONBLOCK),
    ),
    Case(
        AREA,
        "tee",
        errno.EINVAL,
        "fd_in is a regular file",
        lambda ctx: fs.tee(_data_file(ctx), ctx.pipe()[1], 16),
    ),
    Case(
        AREA,
        "tee",
        errno.EINVAL,
        "both ends of one pipe",
        lambda ctx: (p := ctx.pipe(), fs.tee(p[0], p[1], 16)),
    ),
    Case(AREA, "tee", errno.ENOMEM, "out of memory", reason=_EXHAUSTION),
    # vmsplice
    Case(
        AREA,
        "vmsplice",
        errno.EAGAIN,
        "full pipe with SPLICE_F_NONBLOCK",
        lambda ctx: fs.vmsplice(_full_pipe(ctx), [b"x"], fs.SPLICE_F_NONBLOCK),
    ),
    Case(
        AREA, "vmsplice", errno.EBADF, "closed fd", lambda ctx: fs.vmsplice(ctx.closed_fd(), [b"x"])
    ),
    Case(
        AREA,
        "vmsplice",
        errno.EBADF,
        "regular file",
        lambda ctx: fs.vmsplice(_data_file(ctx), [b"x"]),
    ),
    Case(
        AREA,
        "vmsplice",
        errno.EINVAL,
        "1025 buffers (IOV_MAX is 1024)",
        lambda ctx: fs.vmsplice(ctx.pipe()[1], [b"x"] * 1025),
    ),
    Case(
        AREA,
        "vmsplice",
        errno.EBADF,
        "read end of a pipe (the kernel would read into the buffers)",
        lambda ctx: fs.vmsplice(ctx.pipe()[0], [b"x"]),
    ),
    Case(
        AREA,
        "vmsplice",
        errno.EINVAL,
        "IOV_MAX + 1 mmap buffers, zero-copy",
        lambda ctx: fs.vmsplice_zero_copy(ctx.pipe()[1], [_page(ctx)] * (lib.IOV_MAX + 1)),
    ),
    Case(AREA, "vmsplice", errno.ENOMEM, "out of memory", reason=_EXHAUSTION),
    Case(
        AREA,
        "vmsplice",
        errno.ENOMEM,
        "RLIMIT_AS leaves no room for the copy's pages",
        _vmsplice_no_address_space,
        fork=True,
    ),
    Case(
        AREA,
        "vmsplice",
        errno.EFAULT,
        "iov_base (char *)-1, to the shim in a forked child",
        _vmsplice_fault,
    ),
]
