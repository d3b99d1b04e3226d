"""Reference cases of the memory area.

Everything that can lock memory runs in a forked child (``fork=True`` or ``unprivileged=True``),
so neither ``python -m sysapi check`` nor the test suite is ever left with locked pages. The
RLIMIT_MEMLOCK cases lower the limit in the child, then drop to uid 65534 (root's
CAP_IPC_LOCK ignores the limit).
"""

from __future__ import annotations

import errno
import fcntl
import mmap
import os
import resource

from sysapi import memory
from sysapi._sysapi import lib
from sysapi.conformance import Case, Context
from sysapi.conformance._support import bad, shim_in_child

AREA = "memory"
P = memory.PAGE_SIZE
#: Over a 64 KiB limit: 1 MiB.
_LIMIT = 64 * 1024
_OVER = 1 << 20
#: A length that makes addr + len wrap: Linux answers EINVAL (the notes' "negative len").
_WRAP = 2**64 - 2 * P
_ENFILE = "needs the whole system's file table full; not provokable without harming it"
_OOM = "needs the kernel to run out of memory while faulting pages in"
_QEMU_MLOCK2 = (
    "qemu-user has no mlock2 (ENOSYS), which glibc turns into EINVAL when flags are given"
)


def _mapping(ctx: Context, size: int = 4 * P) -> int:
    addr = memory._mmap(size)
    ctx.defer(memory._munmap, addr, size)
    return addr


def _hole(ctx: Context) -> int:
    addr = memory._hole()
    ctx.defer(memory._release_hole, addr)
    return addr


def _limited(ctx: Context, limit: int) -> int:
    """Map 1 MiB, then lower RLIMIT_MEMLOCK to ``limit`` and become uid 65534."""
    addr = _mapping(ctx, _OVER)
    ctx.drop_privileges({resource.RLIMIT_MEMLOCK: limit})
    return addr


def _shared_readonly(ctx: Context) -> mmap.mmap:
    """A MAP_SHARED, PROT_READ mapping of a file opened O_RDONLY."""
    fd = ctx.open(ctx.file("data", b"x" * P))
    m = mmap.mmap(fd, P, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)
    ctx.defer(m.close)
    return m


def _mprotect_readonly_file(ctx: Context, unprivileged: bool) -> None:
    m = _shared_readonly(ctx)
    if unprivileged:
        ctx.drop_privileges()
    memory.mprotect(m, None, memory.PROT_READ | memory.PROT_WRITE)


def _fincore_unreadable(ctx: Context) -> None:
    path = ctx.file("secret", b"x", mode=0o600)
    ctx.drop_privileges()
    memory.fincore(path)


def _fincore_directory(ctx: Context) -> None:
    # With an entry: an empty btrfs directory has st_size 0, so there would be nothing to map.
    ctx.file("entry")
    memory.fincore(ctx.tmp)


def _fincore_no_address_space(ctx: Context) -> None:
    path = ctx.file("sparse")
    os.truncate(path, 1 << 30)
    ctx.limit_address_space(32 << 20)
    memory.fincore(path)


def _mincore_fault(ctx: Context) -> None:
    addr = _mapping(ctx, P)
    vec = bad("unsigned char *")
    shim_in_child(memory.MINCORE_SPEC, lambda: lib.sysapi_mincore(addr, P, vec))


def _map_file(ctx: Context, flags: int, prot: int, **kw: int) -> None:
    """memory._mmap of one page of a file opened with ``flags``."""
    fd = ctx.open(ctx.file("data", b"x" * P), flags)
    _map(ctx, P, prot, lib.MAP_SHARED, fd, **kw)


def _map(ctx: Context, length: int, prot: int, flags: int, fd: int = -1, offset: int = 0) -> None:
    addr = memory._mmap(length, prot, flags, fd, offset)
    ctx.defer(memory._munmap, addr, length)


def _map_locked_over_limit(ctx: Context) -> None:
    ctx.drop_privileges({resource.RLIMIT_MEMLOCK: _LIMIT})
    _map(ctx, _OVER, memory.PROT_READ, _ANON | lib.MAP_LOCKED)


def _map_sealed_memfd(ctx: Context) -> None:
    fd = os.memfd_create("sysapi-check", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    ctx.defer(os.close, fd)
    os.ftruncate(fd, P)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_WRITE)
    _map(ctx, P, memory.PROT_READ | memory.PROT_WRITE, lib.MAP_SHARED, fd)


_ANON = lib.MAP_PRIVATE | lib.MAP_ANONYMOUS
_RW = memory.PROT_READ | memory.PROT_WRITE


CASES: list[Case] = [
    # mlock
    Case(
        AREA,
        "mlock",
        errno.EINVAL,
        "addr + len wraps the address space",
        lambda ctx: memory.mlock(_mapping(ctx), _WRAP),
        fork=True,
        root=True,  # unprivileged, the RLIMIT_MEMLOCK check comes first (ENOMEM)
    ),
    Case(
        AREA,
        "mlock",
        errno.ENOMEM,
        "unmapped range",
        lambda ctx: memory.mlock(_hole(ctx), P),
        fork=True,
    ),
    Case(
        AREA,
        "mlock",
        errno.ENOMEM,
        "1 MiB over RLIMIT_MEMLOCK 64 KiB",
        lambda ctx: memory.mlock(_limited(ctx, _LIMIT), _OVER),
        unprivileged=True,
    ),
    Case(
        AREA,
        "mlock",
        errno.EPERM,
        "RLIMIT_MEMLOCK 0",
        lambda ctx: memory.mlock(_limited(ctx, 0), P),
        unprivileged=True,
    ),
    Case(AREA, "mlock", errno.EAGAIN, "out of memory", reason=_OOM),
    # mlock2
    Case(
        AREA,
        "mlock2",
        errno.EINVAL,
        "unknown flag bit",
        lambda ctx: memory.mlock2(_mapping(ctx), P, 0x2),
        fork=True,
    ),
    Case(
        AREA,
        "mlock2",
        errno.EINVAL,
        "addr + len wraps the address space",
        lambda ctx: memory.mlock2(_mapping(ctx), _WRAP, memory.MLOCK_ONFAULT),
        fork=True,
        root=True,
    ),
    Case(
        AREA,
        "mlock2",
        errno.ENOMEM,
        "unmapped range",
        lambda ctx: memory.mlock2(_hole(ctx), P, memory.MLOCK_ONFAULT),
        fork=True,
        emulator=_QEMU_MLOCK2,
    ),
    Case(
        AREA,
        "mlock2",
        errno.ENOMEM,
        "1 MiB over RLIMIT_MEMLOCK 64 KiB",
        lambda ctx: memory.mlock2(_limited(ctx, _LIMIT), _OVER, memory.MLOCK_ONFAULT),
        unprivileged=True,
        emulator=_QEMU_MLOCK2,
    ),
    Case(
        AREA,
        "mlock2",
        errno.EPERM,
        "RLIMIT_MEMLOCK 0",
        lambda ctx: memory.mlock2(_limited(ctx, 0), P),
        unprivileged=True,
    ),
    Case(AREA, "mlock2", errno.EAGAIN, "out of memory", reason=_OOM),
    # munlock
    Case(
        AREA,
        "munlock",
        errno.EINVAL,
        "addr + len wraps the address space",
        lambda ctx: memory.munlock(_mapping(ctx), _WRAP),
        fork=True,
    ),
    Case(
        AREA,
        "munlock",
        errno.ENOMEM,
        "unmapped range",
        lambda ctx: memory.munlock(_hole(ctx), P),
        fork=True,
    ),
    Case(
        AREA,
        "munlock",
        errno.EPERM,
        "RLIMIT_MEMLOCK 0 (the notes' condition)",
        lambda ctx: memory.munlock(_limited(ctx, 0), P),
        expect=0,
        unprivileged=True,
    ),
    # mlockall
    Case(AREA, "mlockall", errno.EINVAL, "flags 0", lambda ctx: memory.mlockall(0), fork=True),
    Case(
        AREA,
        "mlockall",
        errno.EINVAL,
        "MCL_ONFAULT alone",
        lambda ctx: memory.mlockall(memory.MCL_ONFAULT),
        fork=True,
    ),
    Case(
        AREA,
        "mlockall",
        errno.EINVAL,
        "unknown flag bit",
        lambda ctx: memory.mlockall(memory.MCL_FUTURE | 0x8),
        fork=True,
        emulator="qemu-user passes on only the MCL_* bits it knows: the unknown bit never "
        "reaches the kernel",
    ),
    Case(
        AREA,
        "mlockall",
        errno.ENOMEM,
        "MCL_CURRENT over RLIMIT_MEMLOCK 64 KiB",
        lambda ctx: (_limited(ctx, _LIMIT), memory.mlockall(memory.MCL_CURRENT)),
        unprivileged=True,
    ),
    Case(
        AREA,
        "mlockall",
        errno.EPERM,
        "RLIMIT_MEMLOCK 0",
        lambda ctx: (_limited(ctx, 0), memory.mlockall(memory.MCL_CURRENT)),
        unprivileged=True,
    ),
    # munlockall
    Case(
        AREA,
        "munlockall",
        errno.ENOMEM,
        "an unmapped hole in the address space (the notes' invalid pages)",
        lambda ctx: (_hole(ctx), memory.munlockall()),
        expect=0,
        fork=True,
    ),
    Case(
        AREA,
        "munlockall",
        errno.EPERM,
        "RLIMIT_MEMLOCK 0 (the notes' condition)",
        lambda ctx: (_limited(ctx, 0), memory.munlockall()),
        expect=0,
        unprivileged=True,
    ),
    # mincore
    Case(
        AREA,
        "mincore",
        errno.EAGAIN,
        "no free page in the kernel",
        reason="needs the kernel to fail allocating one page for the call",
    ),
    Case(
        AREA,
        "mincore",
        errno.EFAULT,
        "vec (unsigned char *)-1, to the shim in a forked child",
        _mincore_fault,
    ),
    Case(
        AREA,
        "mincore",
        errno.EINVAL,
        "unaligned addr",
        lambda ctx: memory.mincore(_mapping(ctx) + 1, P),
    ),
    Case(
        AREA, "mincore", errno.ENOMEM, "unmapped range", lambda ctx: memory.mincore(_hole(ctx), P)
    ),
    Case(
        AREA,
        "mincore",
        errno.ENOMEM,
        "addr + len past the end of the address space",
        lambda ctx: memory.mincore(_mapping(ctx), _WRAP),
    ),
    Case(
        AREA,
        "mincore",
        errno.ENOMEM,
        "anonymous mapping (the notes: file mappings only)",
        lambda ctx: memory.mincore(_mapping(ctx), 4 * P),
        expect=0,
    ),
    # mprotect
    Case(
        AREA,
        "mprotect",
        errno.EACCES,
        "PROT_WRITE on MAP_SHARED of an O_RDONLY file",
        lambda ctx: _mprotect_readonly_file(ctx, unprivileged=False),
    ),
    Case(
        AREA,
        "mprotect",
        errno.EACCES,
        "PROT_WRITE on MAP_SHARED of an O_RDONLY file",
        lambda ctx: _mprotect_readonly_file(ctx, unprivileged=True),
        unprivileged=True,
    ),
    Case(
        AREA,
        "mprotect",
        errno.EINVAL,
        "unaligned addr",
        lambda ctx: memory.mprotect(_mapping(ctx) + 1, P, memory.PROT_READ),
    ),
    Case(
        AREA,
        "mprotect",
        errno.EINVAL,
        "unknown prot bit",
        lambda ctx: memory.mprotect(_mapping(ctx), P, 0x100),
    ),
    Case(
        AREA,
        "mprotect",
        errno.ENOMEM,
        "unmapped range",
        lambda ctx: memory.mprotect(_hole(ctx), P, memory.PROT_READ),
    ),
    # fincore
    Case(
        AREA,
        "fincore",
        errno.ENOENT,
        "missing path",
        lambda ctx: memory.fincore(ctx.tmp / "missing"),
    ),
    Case(
        AREA,
        "fincore",
        errno.EACCES,
        "mode 0600 file of root",
        _fincore_unreadable,
        unprivileged=True,
    ),
    Case(
        AREA,
        "fincore",
        errno.EACCES,
        "fd open O_WRONLY",
        lambda ctx: memory.fincore(ctx.open(ctx.file("data", b"x"), os.O_WRONLY)),
    ),
    Case(AREA, "fincore", errno.EBADF, "closed fd", lambda ctx: memory.fincore(ctx.closed_fd())),
    Case(AREA, "fincore", errno.ENODEV, "directory with an entry", _fincore_directory),
    Case(
        AREA,
        "fincore",
        errno.ENOMEM,
        "RLIMIT_AS leaves less than one 128 MiB window",
        _fincore_no_address_space,
        fork=True,
    ),
    # mmap, munmap (the private helpers behind the tests' and cases' mappings)
    Case(
        AREA,
        "mmap",
        errno.EACCES,
        "PROT_WRITE, MAP_SHARED of a file open O_RDONLY",
        lambda ctx: _map_file(ctx, os.O_RDONLY, _RW),
    ),
    Case(
        AREA,
        "mmap",
        errno.EACCES,
        "a file open O_WRONLY",
        lambda ctx: _map_file(ctx, os.O_WRONLY, memory.PROT_WRITE),
    ),
    Case(
        AREA,
        "mmap",
        errno.EAGAIN,
        "MAP_LOCKED over a 64 KiB RLIMIT_MEMLOCK",
        _map_locked_over_limit,
        unprivileged=True,
    ),
    Case(
        AREA,
        "mmap",
        errno.EBADF,
        "closed fd",
        lambda ctx: _map(ctx, P, memory.PROT_READ, lib.MAP_PRIVATE, ctx.closed_fd()),
    ),
    Case(AREA, "mmap", errno.EINVAL, "len 0", lambda ctx: _map(ctx, 0, _RW, _ANON)),
    Case(
        AREA,
        "mmap",
        errno.EINVAL,
        "offset not page-aligned",
        lambda ctx: _map_file(ctx, os.O_RDONLY, memory.PROT_READ, offset=1000),
    ),
    Case(
        AREA,
        "mmap",
        errno.EINVAL,
        "neither MAP_SHARED nor MAP_PRIVATE",
        lambda ctx: _map(ctx, P, _RW, lib.MAP_ANONYMOUS),
    ),
    Case(AREA, "mmap", errno.ENFILE, "system file table full", reason=_ENFILE),
    Case(
        AREA,
        "mmap",
        errno.ENODEV,
        "directory",
        lambda ctx: _map(ctx, P, memory.PROT_READ, lib.MAP_SHARED, ctx.open(ctx.tmp)),
    ),
    Case(
        AREA,
        "mmap",
        errno.ENOMEM,
        "2^47 bytes of anonymous memory",
        lambda ctx: _map(ctx, 1 << 47, _RW, _ANON),
    ),
    Case(
        AREA,
        "mmap",
        errno.EOVERFLOW,
        "offset 2^63 - one page, 1 MiB",
        lambda ctx: _map_file(ctx, os.O_RDONLY, memory.PROT_READ, offset=2**63 - P),
    ),
    Case(
        AREA,
        "mmap",
        errno.EPERM,
        "writable shared mapping of a memfd sealed with F_SEAL_WRITE",
        _map_sealed_memfd,
    ),
    Case(
        AREA,
        "munmap",
        errno.EINVAL,
        "address not page-aligned",
        lambda ctx: memory._munmap(_mapping(ctx) + 1, P),
    ),
    Case(AREA, "munmap", errno.EINVAL, "len 0", lambda ctx: memory._munmap(_mapping(ctx), 0)),
]
