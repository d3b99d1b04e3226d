"""Memory: locking (mlock family), residency (mincore, fincore), protection (mprotect) and the
glibc allocator controls (malloc_trim, mallinfo2, mallopt).

The notes' 内存管理 chapter, plus mprotect from 高级文件 I/O.

A memory range is either a buffer object (``bytearray``, ``mmap.mmap``, ``memoryview``, ...)
with ``length`` omitted, or an explicit ``addr: int`` with ``length: int``. A buffer is widened
to page boundaries and stays exported for the whole call, so it cannot be resized or freed
under the kernel. Explicit addresses and lengths go to the kernel unchanged, so alignment and
unmapped-range errors are the kernel's.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable

from sysapi import _enum, _native, _syscall
from sysapi._record import record
from sysapi._sysapi import ffi, lib
from sysapi.errors import documents, kernel, man, notes, spec
from sysapi.fd import FdLike, fileno

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

    from _typeshed import ReadableBuffer, StrOrBytesPath

__all__ = [
    "MCL_CURRENT",
    "MCL_FUTURE",
    "MCL_ONFAULT",
    "MLOCK_ONFAULT",
    "M_ARENA_MAX",
    "M_ARENA_TEST",
    "M_CHECK_ACTION",
    "M_MMAP_MAX",
    "M_MMAP_THRESHOLD",
    "M_MXFAST",
    "M_PERTURB",
    "M_TOP_PAD",
    "M_TRIM_THRESHOLD",
    "PAGE_SIZE",
    "PROT_EXEC",
    "PROT_GROWSDOWN",
    "PROT_GROWSUP",
    "PROT_NONE",
    "PROT_READ",
    "PROT_WRITE",
    "FileResidency",
    "Mallinfo2",
    "MallocParam",
    "Mlock2Flags",
    "MlockallFlags",
    "ProtFlags",
    "fincore",
    "mallinfo2",
    "malloc_trim",
    "mallopt",
    "mincore",
    "mlock",
    "mlock2",
    "mlockall",
    "mprotect",
    "munlock",
    "munlockall",
]

#: The size of a page, the unit of every range here (``mmap.PAGESIZE``; read as mmap reads it,
#: without importing mmap for it).
PAGE_SIZE: Final = os.sysconf("SC_PAGESIZE")


class Mlock2Flags(_enum.IntFlag):
    MLOCK_ONFAULT = lib.MLOCK_ONFAULT


MLOCK_ONFAULT: Final = Mlock2Flags.MLOCK_ONFAULT


class MlockallFlags(_enum.IntFlag):
    MCL_CURRENT = lib.MCL_CURRENT
    MCL_FUTURE = lib.MCL_FUTURE
    MCL_ONFAULT = lib.MCL_ONFAULT


MCL_CURRENT: Final = MlockallFlags.MCL_CURRENT
MCL_FUTURE: Final = MlockallFlags.MCL_FUTURE
MCL_ONFAULT: Final = MlockallFlags.MCL_ONFAULT


class ProtFlags(_enum.IntFlag):
    PROT_NONE = lib.PROT_NONE
    PROT_READ = lib.PROT_READ
    PROT_WRITE = lib.PROT_WRITE
    PROT_EXEC = lib.PROT_EXEC
    #: mprotect only: extend the change down to the start of a grows-down (stack) mapping.
    PROT_GROWSDOWN = lib.PROT_GROWSDOWN
    #: mprotect only: extend the change up to the end of a grows-up mapping (none on x86).
    PROT_GROWSUP = lib.PROT_GROWSUP


PROT_NONE: Final = ProtFlags.PROT_NONE
PROT_READ: Final = ProtFlags.PROT_READ
PROT_WRITE: Final = ProtFlags.PROT_WRITE
PROT_EXEC: Final = ProtFlags.PROT_EXEC
PROT_GROWSDOWN: Final = ProtFlags.PROT_GROWSDOWN
PROT_GROWSUP: Final = ProtFlags.PROT_GROWSUP


class MallocParam(_enum.IntEnum):
    """The ``mallopt`` parameters glibc acts on (``M_NLBLKS``, ``M_GRAIN`` and ``M_KEEP`` exist
    in ``<malloc.h>`` but are ignored; pass them as plain ints if you must)."""

    M_MXFAST = lib.M_MXFAST
    M_TRIM_THRESHOLD = lib.M_TRIM_THRESHOLD
    M_TOP_PAD = lib.M_TOP_PAD
    M_MMAP_THRESHOLD = lib.M_MMAP_THRESHOLD
    M_MMAP_MAX = lib.M_MMAP_MAX
    M_CHECK_ACTION = lib.M_CHECK_ACTION
    M_PERTURB = lib.M_PERTURB
    M_ARENA_TEST = lib.M_ARENA_TEST
    M_ARENA_MAX = lib.M_ARENA_MAX


M_MXFAST: Final = MallocParam.M_MXFAST
M_TRIM_THRESHOLD: Final = MallocParam.M_TRIM_THRESHOLD
M_TOP_PAD: Final = MallocParam.M_TOP_PAD
M_MMAP_THRESHOLD: Final = MallocParam.M_MMAP_THRESHOLD
M_MMAP_MAX: Final = MallocParam.M_MMAP_MAX
M_CHECK_ACTION: Final = MallocParam.M_CHECK_ACTION
M_PERTURB: Final = MallocParam.M_PERTURB
M_ARENA_TEST: Final = MallocParam.M_ARENA_TEST
M_ARENA_MAX: Final = MallocParam.M_ARENA_MAX


def _limit(value: int) -> str:

    import resource  # here: only an error's note needs it

    return "unlimited" if value == resource.RLIM_INFINITY else f"{value} bytes"


def _status(field: bytes) -> str | None:
    # /proc/self/status may be unreadable after a set*uid() made the process non-dumpable.
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(field + b":"):
                    return line.split(b":", 1)[1].decode().strip()
    except OSError:
        pass
    return None


_CAP_IPC_LOCK: Final = 14


def _memlock_note() -> str:
    """The PEP 678 note on RLIMIT_MEMLOCK errors: the live limit that explains them."""

    import resource  # here: only an error's note needs it

    soft, hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    note = (
        f"RLIMIT_MEMLOCK is {_limit(soft)} (hard limit {_limit(hard)}); "
        f"locked by this process now: {_status(b'VmLck') or 'unknown'}."
    )
    caps = _status(b"CapEff")
    if caps is not None and int(caps, 16) >> _CAP_IPC_LOCK & 1:
        return note + " This process has CAP_IPC_LOCK, so the limit does not apply here."
    return note + (
        " Without CAP_IPC_LOCK the limit applies (0 gives EPERM); raise it with "
        "resource.setrlimit(resource.RLIMIT_MEMLOCK, ...), ulimit -l or systemd's LimitMEMLOCK=."
    )


_MEMLOCK_HINTS: Final = {errno.ENOMEM: _memlock_note, errno.EPERM: _memlock_note}
_OVERFLOW: Final = "addr + len wraps past the end of the address space"
# The meanings mlock, mlock2 and mlockall share (their sources differ: notes or man page).
_LOCK_ENOMEM: Final = (
    "the range would lock more than a non-zero RLIMIT_MEMLOCK allows (without CAP_IPC_LOCK), "
    "or it contains unmapped pages"
)
_LOCK_EPERM: Final = "RLIMIT_MEMLOCK is 0 and the caller lacks CAP_IPC_LOCK"
_LOCK_EAGAIN: Final = "some of the range could not be locked (out of memory faulting it in)"

MLOCK_SPEC: Final = spec(
    "mlock",
    [
        kernel(errno.EINVAL, _OVERFLOW, "len is negative (len is a size_t)"),
        notes(errno.ENOMEM, _LOCK_ENOMEM),
        notes(errno.EPERM, _LOCK_EPERM),
        man(errno.EAGAIN, _LOCK_EAGAIN),
    ],
    hints=_MEMLOCK_HINTS,
)

MLOCK2_SPEC: Final = spec(
    "mlock2",
    [
        man(errno.EINVAL, f"flags has a bit other than MLOCK_ONFAULT, or {_OVERFLOW}"),
        man(errno.ENOMEM, _LOCK_ENOMEM),
        man(errno.EPERM, _LOCK_EPERM),
        man(errno.EAGAIN, _LOCK_EAGAIN),
    ],
    hints=_MEMLOCK_HINTS,
)

MUNLOCK_SPEC: Final = spec(
    "munlock",
    [
        kernel(errno.EINVAL, _OVERFLOW, "len is negative (len is a size_t)"),
        notes(errno.ENOMEM, "the range contains unmapped pages"),
    ],
    notes_only={
        errno.EPERM: "since Linux 2.6.9 unlocking needs no privilege: it succeeds with "
        "RLIMIT_MEMLOCK 0 and no CAP_IPC_LOCK",
    },
)

MLOCKALL_SPEC: Final = spec(
    "mlockall",
    [
        kernel(
            errno.EINVAL,
            "flags is 0, has an unknown bit, or is MCL_ONFAULT without MCL_CURRENT or MCL_FUTURE",
            "len is negative (copied from mlock: mlockall has no len)",
        ),
        notes(
            errno.ENOMEM,
            "MCL_CURRENT and the process maps more than a non-zero RLIMIT_MEMLOCK allows "
            "(without CAP_IPC_LOCK)",
        ),
        notes(errno.EPERM, _LOCK_EPERM),
    ],
    hints=_MEMLOCK_HINTS,
)

MUNLOCKALL_SPEC: Final = spec(
    "munlockall",
    [],
    notes_only={
        errno.ENOMEM: "munlockall takes no range, so no page can be invalid: it never fails",
        errno.EPERM: "since Linux 2.6.9 unlocking needs no privilege: it succeeds with "
        "RLIMIT_MEMLOCK 0 and no CAP_IPC_LOCK",
    },
)

MINCORE_SPEC: Final = spec(
    "mincore",
    [
        notes(errno.EAGAIN, "the kernel could not allocate its temporary page"),
        notes(errno.EFAULT, "vec points to an invalid address"),
        notes(errno.EINVAL, "addr is not page-aligned"),
        kernel(
            errno.ENOMEM,
            "the range contains unmapped pages or runs past the end of the address space",
            "the memory is not in a file-backed mapping (mincore works on anonymous memory too)",
        ),
    ],
)

MPROTECT_SPEC: Final = spec(
    "mprotect",
    [
        notes(
            errno.EACCES,
            "the mapping cannot take prot, e.g. PROT_WRITE on a MAP_SHARED mapping of a file "
            "opened read-only",
        ),
        notes(errno.EINVAL, "addr is not page-aligned, or prot has an unknown bit"),
        notes(errno.ENOMEM, "the range contains unmapped pages, or the kernel is out of memory"),
    ],
)

FINCORE_SPEC: Final = spec(
    "fincore",
    [
        man(errno.ENOENT, "the path does not exist (open)"),
        man(
            errno.EACCES,
            "the path cannot be opened for reading (open), or fd is not open for reading (mmap)",
        ),
        man(errno.EBADF, "fd is not an open descriptor (fstat)"),
        man(errno.ENODEV, "the file cannot be mapped: a directory (mmap)"),
        man(errno.ENOMEM, "no address space or memory left to map a window of the file (mmap)"),
    ],
)

# mmap and munmap back the private helpers below (the tests' and reference cases' mappings):
# their errors are SysapiErrors like any other, so they are documented like any other.
MMAP_SPEC: Final = spec(
    "mmap",
    [
        notes(
            errno.EACCES,
            "fd is not open for reading, or prot asks PROT_WRITE of a MAP_SHARED mapping of a "
            "file not open for writing",
        ),
        kernel(
            errno.EAGAIN,
            "MAP_LOCKED and the mapping would lock more than RLIMIT_MEMLOCK allows",
            "the file is locked (mandatory locking, removed in Linux 5.15)",
        ),
        notes(errno.EBADF, "fd is not an open descriptor and MAP_ANONYMOUS is not set"),
        notes(
            errno.EINVAL,
            "len is 0, offset is not page-aligned, or flags has neither MAP_SHARED nor MAP_PRIVATE",
        ),
        notes(errno.ENFILE, "the system-wide limit of open files (fs.file-max) is reached"),
        notes(errno.ENODEV, "the file cannot be mapped: a directory or a pipe"),
        notes(errno.ENOMEM, "no address space or memory left for a mapping of len bytes"),
        kernel(
            errno.EOVERFLOW,
            "offset + len passes the largest file offset",
            "addr + len exceeds the address space",
        ),
        notes(
            errno.EPERM,
            "PROT_EXEC on a noexec mount, or a writable MAP_SHARED mapping of a memfd sealed "
            "with F_SEAL_WRITE",
        ),
    ],
)

MUNMAP_SPEC: Final = spec(
    "munmap",
    [notes(errno.EINVAL, "addr is not page-aligned, or len is 0")],
)

# glibc's allocator calls have no errno: malloc_trim and mallinfo2 cannot fail, mallopt
# answers 0 for a rejected value. Their specs are registered (empty) so REGISTRY lists them.
# They are glibc's own (mallinfo2 since 2.33): on another C library they raise ENOSYS.
MALLOC_TRIM_SPEC: Final = spec("malloc_trim", [], libc="glibc")
MALLINFO2_SPEC: Final = spec("mallinfo2", [], libc="glibc 2.33 or later")
MALLOPT_SPEC: Final = spec("mallopt", [], libc="glibc")


_UINTPTR_MAX: Final = (1 << (8 * ffi.sizeof("uintptr_t"))) - 1


def _resolve(addr: int | ReadableBuffer, length: int | None, call: str) -> tuple[int, int, object]:
    """(start, length, keep-alive) for a range. A buffer is widened to page boundaries; the
    third item is its exported ``ffi.from_buffer`` view, to hold until the call returns."""
    if isinstance(addr, int):
        if length is None:
            raise TypeError(f"{call}: an explicit address needs a length")
        if not isinstance(length, int):
            raise TypeError(f"{call}: length must be an int, not {type(length).__name__}")
        # Checked here, not left to cffi: mincore sizes its vector from length first.
        if not 0 <= addr <= _UINTPTR_MAX:
            raise OverflowError(f"{call}: addr {addr} is not a valid address")
        if not 0 <= length <= _UINTPTR_MAX:
            raise OverflowError(f"{call}: length {length} does not fit in size_t")
        return addr, length, None
    if length is not None:
        raise TypeError(f"{call}: give a buffer without length, or an int address with one")
    try:
        view = ffi.from_buffer(addr)
    except BufferError as exc:  # a non-contiguous view: the wrong kind of buffer
        raise TypeError(f"{call}: the buffer must be C-contiguous: {exc}") from exc
    start = int(ffi.cast("uintptr_t", view))
    size = len(view)
    low = start & ~(PAGE_SIZE - 1)
    if size == 0:
        return low, 0, view
    high = (start + size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
    return low, high - low, view


def _release(view: Any) -> None:
    """End the export of a buffer as soon as the call returns, even when it raised: a
    traceback that keeps this frame alive must not keep the buffer locked against resizing
    or closing."""
    if view is not None:
        ffi.release(view)


@documents(MLOCK_SPEC)
def mlock(addr: int | ReadableBuffer, length: int | None = None) -> None:
    """Lock the pages of a range into RAM (``mlock(2)``), faulting them in now.

    Locks do not nest: one :func:`munlock` releases a page however often it was locked. Without
    CAP_IPC_LOCK a process may lock RLIMIT_MEMLOCK bytes (8 MiB by default since Linux 5.16).
    A fork child does not inherit locks.
    """
    start, size, view = _resolve(addr, length, "mlock")
    try:
        _syscall.call(MLOCK_SPEC, lib.sysapi_mlock, start, size)
    finally:
        _release(view)


@documents(MLOCK2_SPEC)
def mlock2(addr: int | ReadableBuffer, length: int | None = None, flags: int = 0) -> None:
    """Lock a range like :func:`mlock`; with ``MLOCK_ONFAULT`` pages are locked as they are
    first touched instead of being faulted in now (``mlock2(2)``, Linux 4.4)."""
    start, size, view = _resolve(addr, length, "mlock2")
    try:
        _syscall.call(MLOCK2_SPEC, lib.sysapi_mlock2, start, size, flags)
    finally:
        _release(view)


@documents(MUNLOCK_SPEC)
def munlock(addr: int | ReadableBuffer, length: int | None = None) -> None:
    """Unlock the pages of a range (``munlock(2)``); needs no privilege."""
    start, size, view = _resolve(addr, length, "munlock")
    try:
        _syscall.call(MUNLOCK_SPEC, lib.sysapi_munlock, start, size)
    finally:
        _release(view)


@documents(MLOCKALL_SPEC)
def mlockall(flags: int) -> None:
    """Lock every page of the process (``MCL_CURRENT``), every future mapping
    (``MCL_FUTURE``), or either only as pages are touched (``| MCL_ONFAULT``).

    For a Python process ``MCL_CURRENT`` means every mapping of the interpreter, its libraries
    and its heaps: usually more than RLIMIT_MEMLOCK allows without CAP_IPC_LOCK.
    """
    _syscall.call(MLOCKALL_SPEC, lib.sysapi_mlockall, flags)


@documents(MUNLOCKALL_SPEC)
def munlockall() -> None:
    """Unlock every page of the process and undo ``MCL_FUTURE`` (``munlockall(2)``)."""
    _syscall.call(MUNLOCKALL_SPEC, lib.sysapi_munlockall)


# Below this many pages the vector is allocated at once; above, the range is first walked
# with a fixed-size vector so an unmapped or absurd range fails before a huge allocation.
_DIRECT_PAGES: Final = 1 << 22
_native_mincore: Final = _native.mincore
_native_fincore: Final[Callable[[int], FileResidency | int | None]] = _native.fincore
_fincore: Final = lib.sysapi_fincore


@documents(MINCORE_SPEC)
def mincore(addr: int | ReadableBuffer, length: int | None = None) -> bytes:
    """Residency of the pages of a range (``mincore(2)``): one byte per page, bit 0 set when
    the page is in RAM (the other bits are reserved).

    Works on any mapping, anonymous ones included. For a file mapping Linux 5.0+ reports
    page-cache residency only to a caller that could write the file (or owns it); others see
    every page as resident.
    """
    # Explicit ranges up to a cap go native (None for anything else, checked below).
    residency = _native_mincore(addr, length)
    if type(residency) is bytes:
        return residency
    if isinstance(residency, int):
        retried: bytes = _syscall.retry_native(
            residency, MINCORE_SPEC, _native_mincore, addr, length
        )
        return retried
    start, size, view = _resolve(addr, length, "mincore")
    try:
        pages = size // PAGE_SIZE + (size % PAGE_SIZE != 0)
        if pages > _DIRECT_PAGES:
            _syscall.call(MINCORE_SPEC, lib.sysapi_mincore_probe, start, size)
        vec = ffi.new("unsigned char[]", pages)
        _syscall.call(MINCORE_SPEC, lib.sysapi_mincore, start, size, vec)
    finally:
        _release(view)
    return bytes(ffi.buffer(vec, pages))


@documents(MPROTECT_SPEC)
def mprotect(addr: int | ReadableBuffer, length: int | None, prot: int) -> None:
    """Set the protection of a range to ``prot`` (``mprotect(2)``): it replaces the old one.

    A buffer is widened to whole pages, so anything else sharing those pages (other objects
    on the heap, for a ``bytearray``) changes protection too: protect page-aligned memory such
    as an ``mmap.mmap``. Touching memory against its protection kills the process (SIGSEGV).
    """
    start, size, view = _resolve(addr, length, "mprotect")
    try:
        _syscall.call(MPROTECT_SPEC, lib.sysapi_mprotect, start, size, prot)
    finally:
        _release(view)


@record
class FileResidency:
    """Page-cache residency of a file, as :func:`fincore` measures it."""

    #: The file size in bytes (``st_size``).
    size: int
    #: The number of pages the file spans.
    pages: int
    #: How many of them are in the page cache.
    resident_pages: int
    #: One byte per page, bit 0 set when resident (``mincore``'s vector).
    vector: bytes

    @property
    def resident_bytes(self) -> int:
        """What util-linux ``fincore`` prints as RES: resident pages times the page size."""
        return self.resident_pages * PAGE_SIZE


def _open_for_fincore(path: StrOrBytesPath) -> int:
    # O_NONBLOCK: opening a FIFO must not wait for a writer (its size is 0: nothing to map).
    try:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        raise _syscall.error(exc.errno or errno.EIO, FINCORE_SPEC, path) from None


@documents(FINCORE_SPEC)
def fincore(file: FdLike | StrOrBytesPath) -> FileResidency:
    """Page-cache residency of a file (a path, or a descriptor open for reading), measured as
    util-linux ``fincore`` does: the file is mapped in windows of 128 MiB and each window is
    passed to ``mincore``; the resident pages are counted in C.

    An empty file gives ``pages == 0``. Files larger than RAM or than the free address space
    work: only one window is mapped at a time. Unless the caller could write the file (or owns
    it), Linux reports every page as resident (see :func:`mincore`).
    """
    if file.__class__ is int:  # a descriptor number: nothing to check or convert
        fd, owned, name = file, False, None
    elif isinstance(file, (str, bytes, os.PathLike)):
        fd, owned, name = _open_for_fincore(file), True, file
    else:
        fd, owned, name = fileno(file), False, None
    try:
        # A small file: stat, mapped, measured and built into a FileResidency in C (None: a
        # larger file, or a number no C int holds).
        residency = _native_fincore(fd)
        if residency.__class__ is int:
            residency = _syscall.retry_native(
                residency, FINCORE_SPEC, _native_fincore, fd, filename=name
            )
        if residency is not None:
            return residency  # type: ignore[return-value]
        try:
            size = os.fstat(fd).st_size
        except OSError as exc:
            raise _syscall.error(exc.errno or errno.EIO, FINCORE_SPEC, name) from None
        pages = size // PAGE_SIZE + (size % PAGE_SIZE != 0)
        vec = ffi.new("unsigned char[]", pages)
        resident = _fincore(fd, size, vec, pages)
        if resident < 0:
            resident = _syscall.retry(
                resident, FINCORE_SPEC, _fincore, fd, size, vec, pages, filename=name
            )
    finally:
        if owned:
            os.close(fd)
    return FileResidency(size, pages, resident, ffi.buffer(vec)[:])


def malloc_trim(pad: int = 0) -> bool:
    """Give free heap memory back to the kernel, keeping ``pad`` bytes at the top of the main
    heap (``malloc_trim(3)``); True when any memory was released.

    glibc trims every arena and releases free whole pages inside them too (``MADV_DONTNEED``),
    not only the top of the heap: useful in a long-running service after a burst of allocations.
    It never fails.
    """
    return _syscall.call(MALLOC_TRIM_SPEC, lib.sysapi_malloc_trim, pad) != 0


@record
class Mallinfo2:
    """glibc's allocator statistics (``struct mallinfo2``); every field is a byte or block count
    of the main arena plus the mmap'd chunks, as ``mallinfo2(3)`` describes."""

    #: Bytes obtained from the kernel with brk/sbrk (non-mmap'd space).
    arena: int
    #: The number of free chunks.
    ordblks: int
    #: The number of free fastbin blocks.
    smblks: int
    #: The number of blocks allocated with mmap.
    hblks: int
    #: Bytes in blocks allocated with mmap.
    hblkhd: int
    #: Unused; always 0.
    usmblks: int
    #: Bytes in free fastbin blocks.
    fsmblks: int
    #: Bytes in use by allocations.
    uordblks: int
    #: Bytes in free chunks.
    fordblks: int
    #: Bytes malloc_trim could release at the top of the heap.
    keepcost: int


_native.memory_bind(FileResidency, Mallinfo2)
_mallinfo2: Final[Callable[[], Mallinfo2 | int]] = _native.mallinfo2


def mallinfo2() -> Mallinfo2:
    """Allocator statistics of the main arena (``mallinfo2(3)``, glibc 2.33; the deprecated
    ``mallinfo`` overflows its ``int`` fields past 2 GiB). It never fails on glibc 2.33 and
    later; elsewhere it raises :class:`~sysapi.errors.ENOSYS` naming the glibc it needs."""
    info = _mallinfo2()  # built in C (sysapi._native)
    if type(info) is int:  # ENOSYS: a C library without mallinfo2
        _syscall.raise_errno(info, MALLINFO2_SPEC)
    # type() rules the int out (isinstance, which mypy would follow, costs a lookup more).
    return info  # type: ignore[return-value]


def mallopt(param: int, value: int) -> None:
    """Set a glibc allocator parameter (``mallopt(3)``), e.g. ``mallopt(M_ARENA_MAX, 2)`` or
    ``mallopt(M_TRIM_THRESHOLD, 128 * 1024)``. It affects the whole process.

    glibc answers only success or failure and never sets errno, so a rejected value (say
    ``M_MXFAST`` above 160 on 64-bit, up to glibc 2.41 at least; glibc 2.43 accepts and ignores
    it) raises :class:`ValueError`. glibc ignores parameters it does not know. The notes' rule
    "call it before the first malloc" cannot hold in Python, which has long since allocated;
    glibc applies most parameters from then on.

    Raises:
        ValueError: glibc rejected ``value`` for ``param``.
    """
    if _syscall.call(MALLOPT_SPEC, lib.sysapi_mallopt, param, value) == 0:
        raise ValueError(f"mallopt rejected {value!r} for parameter {param!r}")


# Private helpers for the tests and reference cases: real addresses to provoke alignment,
# unmapped-range and protection errors with. Not part of the API.
@documents(MMAP_SPEC)
def _mmap(
    length: int,
    prot: int = lib.PROT_READ | lib.PROT_WRITE,
    flags: int = lib.MAP_PRIVATE | lib.MAP_ANONYMOUS,
    fd: int = -1,
    offset: int = 0,
) -> int:
    out = ffi.new("uintptr_t *")
    _syscall.call(MMAP_SPEC, lib.sysapi_mmap, 0, length, prot, flags, fd, offset, out)
    return int(out[0])


@documents(MUNMAP_SPEC)
def _munmap(addr: int, length: int) -> None:
    _syscall.call(MUNMAP_SPEC, lib.sysapi_munmap, addr, length)


def _hole(pages: int = 1) -> int:
    """The address of ``pages`` unmapped pages between two mapped PROT_NONE guard pages, so
    nothing else is likely to be mapped there soon. Release with :func:`_release_hole`."""
    size = (pages + 2) * PAGE_SIZE
    base = _mmap(size, lib.PROT_NONE)
    _munmap(base + PAGE_SIZE, pages * PAGE_SIZE)
    return base + PAGE_SIZE


def _release_hole(addr: int, pages: int = 1) -> None:
    # Unmap the guards one by one: whatever got mapped into the hole meanwhile is not ours.
    _munmap(addr - PAGE_SIZE, PAGE_SIZE)
    _munmap(addr + pages * PAGE_SIZE, PAGE_SIZE)
