"""sysapi.memory: locking, residency, protection, fincore and the allocator controls.

Whatever locks memory runs in a forked child (``in_child``); an autouse fixture checks that
the test process itself never has a page locked after a test.
"""

from __future__ import annotations

import errno
import json
import mmap
import os
import pickle
import re
import resource
import select
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from conftest import glibc_version, needs_glibc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sysapi import errors, memory
from sysapi._commands.memory import format_table, human_size
from sysapi._sysapi import ffi

QEMU_MLOCK2 = pytest.mark.emulator(
    "qemu-user has no mlock2 (ENOSYS), which glibc turns into EINVAL when flags are given"
)

P = memory.PAGE_SIZE
T = TypeVar("T")


def vm_locked() -> int:
    """VmLck of this process, in kB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmLck:"):
                return int(line.split()[1])
    raise AssertionError("no VmLck in /proc/self/status")


@pytest.fixture(autouse=True)
def never_locked() -> Iterator[None]:
    yield
    assert vm_locked() == 0, "the test process was left with locked memory"


def in_child(func: Callable[[], T], timeout: float = 60.0) -> T:
    """Run ``func`` in a forked child and return its result (pickled back through a pipe).
    The child's locks, protections and lowered limits die with it."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            try:
                payload = pickle.dumps(("ok", func()))
            except BaseException as exc:
                payload = pickle.dumps(("raised", f"{type(exc).__name__}: {exc}"))
            os.write(w, payload)
        finally:
            os._exit(0)
    os.close(w)
    data = b""
    try:
        while select.select([r], [], [], timeout)[0]:
            chunk = os.read(r, 1 << 16)
            if not chunk:
                break
            data += chunk
    finally:
        os.close(r)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0 and data, f"child died (status {status:#x})"
    kind, value = pickle.loads(data)
    if kind == "raised":
        raise AssertionError(f"in the child: {value}")
    result: T = value
    return result


def drop(memlock: int) -> None:
    """In a child: lower RLIMIT_MEMLOCK and become uid 65534 (root ignores the limit)."""
    resource.setrlimit(resource.RLIMIT_MEMLOCK, (memlock, memlock))
    if os.geteuid() == 0:
        os.setgroups([])
        os.setresgid(65534, 65534, 65534)
        os.setresuid(65534, 65534, 65534)


@pytest.fixture
def anon() -> Iterator[int]:
    """Four fresh, untouched anonymous pages."""
    addr = memory._mmap(4 * P)
    yield addr
    memory._munmap(addr, 4 * P)


@pytest.fixture
def hole() -> Iterator[int]:
    addr = memory._hole()
    yield addr
    memory._release_hole(addr)


def address_of(buf: Any) -> int:
    return int(ffi.cast("uintptr_t", ffi.from_buffer(buf)))


# ---- constants ----


def test_constants_come_from_the_headers() -> None:
    assert (memory.MCL_CURRENT, memory.MCL_FUTURE, memory.MCL_ONFAULT) == (1, 2, 4)
    assert int(memory.MLOCK_ONFAULT) == 1
    assert memory.PROT_READ == mmap.PROT_READ and memory.PROT_WRITE == mmap.PROT_WRITE
    assert memory.PROT_EXEC == mmap.PROT_EXEC and int(memory.PROT_NONE) == 0
    assert (int(memory.M_MMAP_THRESHOLD), int(memory.M_ARENA_MAX)) == (-3, -8)
    assert memory.PAGE_SIZE == mmap.PAGESIZE


def test_unknown_flag_bits_survive() -> None:
    flags = memory.MlockallFlags(memory.MCL_CURRENT | 0x40)
    assert int(flags) == 0x41
    assert memory.ProtFlags(0x100 | memory.PROT_READ) & memory.PROT_READ


def test_docstrings_carry_the_raises_section() -> None:
    for func in (memory.mlock, memory.mlock2, memory.munlock, memory.mincore, memory.mprotect):
        assert func.__doc__ and "Raises:" in func.__doc__
    assert "EPERM" in (memory.mlock.__doc__ or "")
    assert "fincore" in errors.REGISTRY and "munlockall" in errors.REGISTRY


# ---- argument handling ----


def test_explicit_address_needs_a_length(anon: int) -> None:
    with pytest.raises(TypeError):
        memory.mincore(anon)


def test_buffer_with_a_length_is_refused() -> None:
    with pytest.raises(TypeError):
        memory.mincore(bytearray(10), 10)


def test_non_buffer_is_refused() -> None:
    with pytest.raises(TypeError):
        memory.mincore("not a buffer")  # type: ignore[arg-type]


@pytest.mark.parametrize(("addr", "length"), [(-4096, 4096), (0, -1), (2**64, 1), (0, 2**64)])
def test_out_of_range_integers_never_wrap(addr: int, length: int) -> None:
    with pytest.raises(OverflowError):
        memory.mincore(addr, length)
    with pytest.raises(OverflowError):
        memory.munlock(addr, length)


def test_negative_mlock2_flags_never_wrap(anon: int) -> None:
    with pytest.raises(OverflowError):
        memory.mlock2(anon, P, -1)


def test_buffer_is_widened_to_pages() -> None:
    m = mmap.mmap(-1, 3 * P)
    view = memoryview(m)[P + 10 : P + 20]
    try:
        assert len(memory.mincore(view)) == 1
        assert len(memory.mincore(memoryview(m)[P - 1 : P + 1])) == 2
        assert len(memory.mincore(m)) == 3
    finally:
        view.release()
        m.close()


def test_bytearray_spanning_pages_is_widened() -> None:
    buf = bytearray(3 * P)
    start = address_of(buf)
    expected = (start + len(buf) - 1) // P - start // P + 1
    vec = memory.mincore(buf)
    assert len(vec) == expected
    assert all(b & 1 for b in vec)  # a zero-filled bytearray has been written: resident


def test_buffer_is_released_after_the_call(anon: int) -> None:
    buf = bytearray(100)
    memory.mincore(buf)
    buf.extend(b"x")  # no longer exported: resizing works
    m = mmap.mmap(-1, P)
    with pytest.raises(errors.EINVAL) as info:
        memory.mprotect(m, None, 0x100)
    m.close()  # released even though the traceback (in info) keeps mprotect's frame alive
    assert info.value.syscall == "mprotect"


def test_empty_buffer() -> None:
    assert memory.mincore(bytearray()) == b""


# ---- mincore ----


def test_mincore_sees_touched_anonymous_pages(anon: int) -> None:
    assert memory.mincore(anon, 4 * P) == b"\0\0\0\0"
    ffi.cast("char *", anon)[2 * P] = b"x"
    assert memory.mincore(anon, 4 * P) == b"\0\0\1\0"
    assert memory.mincore(anon, 2 * P + 1) == b"\0\0\1"  # length need not be aligned


def test_mincore_unaligned_address(anon: int) -> None:
    with pytest.raises(errors.EINVAL) as info:
        memory.mincore(anon + 1, P)
    assert info.value.syscall == "mincore" and info.value.documented


def test_mincore_unmapped_range(hole: int) -> None:
    with pytest.raises(errors.ENOMEM) as info:
        memory.mincore(hole, P)
    assert info.value.documented


def test_mincore_huge_range_fails_before_allocating(anon: int) -> None:
    # 2**46 bytes would need a 16 GiB vector: the range is walked first and found unmapped.
    with pytest.raises(errors.ENOMEM):
        memory.mincore(anon, 1 << 46)
    with pytest.raises(errors.ENOMEM):
        memory.mincore(anon, 2**64 - P)


def test_mincore_of_a_file_mapping(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(os.urandom(4 * P))
    with path.open("rb") as f:
        os.fsync(f.fileno())
        os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        m = mmap.mmap(f.fileno(), 4 * P, access=mmap.ACCESS_READ)
        try:
            assert memory.mincore(m) == b"\0\0\0\0"
            m[P]  # fault in page 1
            assert memory.mincore(m)[1] & 1
        finally:
            m.close()


# ---- mprotect ----


def protection(addr: int) -> str:
    with open("/proc/self/maps") as f:
        for line in f:
            span, perms = line.split()[:2]
            lo, hi = (int(x, 16) for x in span.split("-"))
            if lo <= addr < hi:
                return perms[:3]
    raise AssertionError(f"{addr:#x} is not mapped")


def test_mprotect_changes_the_protection(anon: int) -> None:
    memory.mprotect(anon, P, memory.PROT_READ)
    assert protection(anon) == "r--"
    assert protection(anon + P) == "rw-"
    memory.mprotect(anon, P, memory.PROT_NONE)
    assert protection(anon) == "---"
    memory.mprotect(anon, P, memory.PROT_READ | memory.PROT_WRITE)
    assert protection(anon) == "rw-"


def test_mprotect_a_buffer() -> None:
    m = mmap.mmap(-1, 2 * P)
    try:
        start = address_of(m)
        memory.mprotect(m, None, memory.PROT_READ)
        assert protection(start) == "r--" and protection(start + P) == "r--"
        memory.mprotect(m, None, memory.PROT_READ | memory.PROT_WRITE)
        m[0] = 1
    finally:
        m.close()


def test_mprotect_write_on_a_read_only_shared_file(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * P)
    fd = os.open(path, os.O_RDONLY)
    try:
        m = mmap.mmap(fd, P, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)
        with pytest.raises(errors.EACCES) as info:
            memory.mprotect(m, None, memory.PROT_READ | memory.PROT_WRITE)
        assert isinstance(info.value, PermissionError) and info.value.documented
        m.close()
    finally:
        os.close(fd)


@pytest.mark.parametrize(
    ("offset", "prot", "err"),
    [(1, 1, errors.EINVAL), (0, 0x100, errors.EINVAL), (0, -1, errors.EINVAL)],
)
def test_mprotect_invalid(anon: int, offset: int, prot: int, err: type[Exception]) -> None:
    with pytest.raises(err):
        memory.mprotect(anon + offset, P, prot)


def test_mprotect_unmapped(hole: int) -> None:
    with pytest.raises(errors.ENOMEM):
        memory.mprotect(hole, P, memory.PROT_READ)


# ---- locking (children only) ----


def test_mlock_faults_in_and_munlock_releases() -> None:
    def child() -> tuple[int, bytes, int, int]:
        addr = memory._mmap(8 * P)
        memory.mlock(addr, 8 * P)
        locked = vm_locked()
        vec = memory.mincore(addr, 8 * P)
        memory.munlock(addr, 8 * P)
        memory.mlock(addr + 3, 1)  # Linux rounds an unaligned address down
        one = vm_locked()
        memory.munlock(addr, 8 * P)
        return locked, vec, one, vm_locked()

    assert in_child(child) == (8 * P // 1024, b"\1" * 8, P // 1024, 0)


def test_mlock_a_buffer_locks_its_pages() -> None:
    def child() -> tuple[int, int]:
        m = mmap.mmap(-1, 4 * P)
        memory.mlock(m)
        locked = vm_locked()
        memory.munlock(m)
        return locked, vm_locked()

    assert in_child(child) == (4 * P // 1024, 0)


@QEMU_MLOCK2
def test_mlock2_onfault_leaves_pages_out_until_touched() -> None:
    def child() -> tuple[bytes, bytes, int]:
        addr = memory._mmap(4 * P)
        memory.mlock2(addr, 4 * P, memory.MLOCK_ONFAULT)
        before = memory.mincore(addr, 4 * P)
        ffi.cast("char *", addr)[P] = b"x"
        after = memory.mincore(addr, 4 * P)
        memory.munlock(addr, 4 * P)
        return before, after, vm_locked()

    assert in_child(child) == (b"\0\0\0\0", b"\0\1\0\0", 0)


def test_mlockall_and_munlockall() -> None:
    def child() -> tuple[int, int]:
        # MCL_ONFAULT: lock without faulting in every reserved page of the interpreter.
        memory.mlockall(memory.MCL_CURRENT | memory.MCL_ONFAULT)
        locked = vm_locked()
        memory.munlockall()
        return locked, vm_locked()

    locked, after = in_child(child)
    assert locked > 0 and after == 0


def test_locks_do_not_nest() -> None:
    def child() -> int:
        addr = memory._mmap(P)
        memory.mlock(addr, P)
        memory.mlock(addr, P)
        memory.munlock(addr, P)
        return vm_locked()

    assert in_child(child) == 0


@pytest.mark.requires_root
def test_limit_errors_carry_the_live_rlimit() -> None:
    def child() -> list[tuple[str, int, list[str]]]:
        addr = memory._mmap(1 << 20)
        out = []
        drop(64 * 1024)
        calls: list[Callable[[], None]] = [
            lambda: memory.mlock(addr, 1 << 20),
            lambda: memory.mlock2(addr, 1 << 20),
            lambda: memory.mlockall(memory.MCL_CURRENT),
        ]
        for call in calls:
            try:
                call()
            except errors.SysapiError as exc:
                out.append((exc.syscall, exc.errno or 0, list(getattr(exc, "__notes__", []))))
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, 0))
        try:
            memory.mlock(addr, P)
        except errors.EPERM as exc:
            out.append((exc.syscall, exc.errno or 0, list(getattr(exc, "__notes__", []))))
        memory.munlock(addr, P)  # no privilege needed to unlock
        memory.munlockall()
        return out

    results = in_child(child)
    assert [(s, e) for s, e, _ in results] == [
        ("mlock", errno.ENOMEM),
        ("mlock2", errno.ENOMEM),
        ("mlockall", errno.ENOMEM),
        ("mlock", errno.EPERM),
    ]
    for _, err, notes in results:
        limit = "65536 bytes" if err == errno.ENOMEM else "0 bytes"
        assert len(notes) == 1 and f"RLIMIT_MEMLOCK is {limit}" in notes[0], notes
        assert "Without CAP_IPC_LOCK" in notes[0]


@pytest.mark.requires_root
def test_root_ignores_the_memlock_limit() -> None:
    def child() -> int:
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, 0))
        addr = memory._mmap(1 << 20)
        memory.mlock(addr, 1 << 20)
        locked = vm_locked()
        memory.munlock(addr, 1 << 20)
        return locked

    assert in_child(child) == 1024


def test_lock_errors() -> None:
    def child() -> list[int]:
        addr = memory._mmap(P)
        hole = memory._hole()
        seen: list[int] = []
        calls: list[Callable[[], None]] = [
            lambda: memory.mlock(hole, P),
            lambda: memory.munlock(hole, P),
            lambda: memory.mlock2(addr, P, 0x2),
            lambda: memory.munlock(addr, 2**64 - 2 * P),
            lambda: memory.mlockall(0),
            lambda: memory.mlockall(memory.MCL_ONFAULT),
        ]
        for call in calls:
            try:
                call()
                seen.append(0)
            except errors.SysapiError as exc:
                assert exc.documented, exc
                seen.append(exc.errno or 0)
        return seen

    assert in_child(child) == [
        errno.ENOMEM,
        errno.ENOMEM,
        errno.EINVAL,
        errno.EINVAL,
        errno.EINVAL,
        errno.EINVAL,
    ]


# ---- fincore ----


def evict(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def read_pages(path: Path, pages: list[int]) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        # No readahead, so exactly the pages read become resident.
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
        for page in pages:
            os.pread(fd, 1, page * P)
    finally:
        os.close(fd)


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A 64-page file with pages 0, 5, 6 and 63 in the page cache."""
    path = tmp_path / "mixed"
    path.write_bytes(os.urandom(64 * P - 100))
    evict(path)
    read_pages(path, [0, 5, 6, 63])
    return path


def test_fincore_mixed_residency(mixed: Path) -> None:
    res = memory.fincore(mixed)
    assert res.size == 64 * P - 100 and res.pages == 64
    assert len(res.vector) == 64
    resident = [i for i, b in enumerate(res.vector) if b & 1]
    assert {0, 5, 6, 63} <= set(resident)
    assert res.resident_pages == len(resident)
    assert res.resident_bytes == res.resident_pages * P


def test_fincore_accepts_fds_and_file_objects(mixed: Path) -> None:
    by_path = memory.fincore(str(mixed))
    with mixed.open("rb") as f:
        assert memory.fincore(f) == by_path
        assert memory.fincore(f.fileno()) == by_path
    assert memory.fincore(os.fsencode(mixed)) == by_path


def test_fincore_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.touch()
    assert memory.fincore(path) == memory.FileResidency(0, 0, 0, b"")


def test_fincore_fifo_does_not_block(tmp_path: Path) -> None:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    assert memory.fincore(path).pages == 0


def test_fincore_windows_line_up(tmp_path: Path) -> None:
    # 300 MiB spans three 128 MiB windows: a page written in the third must land at its index.
    path = tmp_path / "sparse"
    with path.open("wb") as f:
        f.truncate(300 << 20)
        f.seek(260 << 20)
        f.write(b"x" * P)
    res = memory.fincore(path)
    assert res.pages == (300 << 20) // P
    assert res.vector[(260 << 20) // P] & 1
    assert res.resident_pages == sum(b & 1 for b in res.vector)


def test_fincore_file_larger_than_memory(tmp_path: Path) -> None:
    with open("/proc/meminfo") as f:
        total = int(f.readline().split()[1]) * 1024
    size = total + (8 << 30)
    path = tmp_path / "huge"
    with path.open("wb") as f:
        f.truncate(size)
    res = memory.fincore(path)
    assert res.size == size and res.pages == -(-size // P) and res.resident_pages == 0


@pytest.mark.requires_root
def test_fincore_hides_residency_from_non_writers(tmp_path: Path) -> None:
    # Linux 5.0+: a process that could not write the file sees every page as resident.
    path = tmp_path / "f"
    path.write_bytes(os.urandom(8 * P))
    path.chmod(0o644)
    evict(path)
    fd = os.open(path, os.O_RDONLY)
    try:

        def child() -> int:
            drop(0)
            return memory.fincore(fd).resident_pages

        assert memory.fincore(fd).resident_pages == 0
        assert in_child(child) == 8
    finally:
        os.close(fd)


def test_fincore_errors(tmp_path: Path) -> None:
    with pytest.raises(errors.ENOENT) as info:
        memory.fincore(tmp_path / "missing")
    assert info.value.filename == tmp_path / "missing" and info.value.documented
    with pytest.raises(errors.ENODEV):
        memory.fincore(tmp_path)
    path = tmp_path / "f"
    path.write_bytes(b"x")
    fd = os.open(path, os.O_WRONLY)
    try:
        with pytest.raises(errors.EACCES):
            memory.fincore(fd)
    finally:
        os.close(fd)
    with pytest.raises(errors.EBADF):
        memory.fincore(0x7FFFFFF0)


# ---- the fincore command against util-linux ----


def run(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*map(str, argv)], capture_output=True, text=True, check=False)


def sysapi_fincore(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    return run(sys.executable, "-m", "sysapi", "fincore", *argv)


@pytest.fixture
def assorted(tmp_path: Path, mixed: Path) -> list[Path]:
    files = [mixed]
    for size, pages in [(0, []), (3, [0]), (1221, [0]), (5 * P, [1, 3]), ((3 << 20) + 7, [0, 9])]:
        path = tmp_path / f"f{size}"
        path.write_bytes(os.urandom(size))
        evict(path)
        read_pages(path, pages)
        files.append(path)
    return files


@pytest.mark.requires_tool("fincore")
@pytest.mark.parametrize("options", [[], ["-b"], ["-n"], ["-o", "FILE,RES"], ["-b", "-o", "pages"]])
def test_fincore_command_matches_util_linux(assorted: list[Path], options: list[str]) -> None:
    theirs = run("fincore", *options, *assorted)
    ours = sysapi_fincore(*options, *assorted)
    assert theirs.returncode == ours.returncode == 0
    assert ours.stdout == theirs.stdout
    assert len(ours.stdout.splitlines()) == len(assorted) + ("-n" not in options)


@pytest.mark.requires_tool("fincore")
def test_fincore_json_matches_util_linux(assorted: list[Path]) -> None:
    for options in ([], ["-b"]):
        theirs = json.loads(run("fincore", "-J", *options, *assorted).stdout)
        ours = json.loads(sysapi_fincore("--json", *options, *assorted).stdout)
        assert ours == theirs


@pytest.mark.requires_tool("fincore")
def test_fincore_command_errors_and_directories(tmp_path: Path, mixed: Path) -> None:
    missing = tmp_path / "missing"
    theirs = run("fincore", missing, tmp_path, mixed)
    ours = sysapi_fincore(missing, tmp_path, mixed)
    assert ours.returncode == theirs.returncode == 1
    assert ours.stdout == theirs.stdout  # the directory is skipped silently, as fincore does
    assert f"failed to open: {missing}: No such file or directory" in ours.stderr
    assert sysapi_fincore(tmp_path).stdout == ""


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0B"),
        (3, "3B"),
        (1023, "1023B"),
        (1024, "1K"),
        (1100, "1.1K"),
        (1126, "1.1K"),
        (1127, "1.1K"),
        (1152, "1.1K"),
        (1178, "1.2K"),
        (1221, "1.2K"),
        (2047, "2K"),
        (1048575, "1024K"),
        (3 << 20, "3M"),
        (1073741824, "1G"),
        (1181116006, "1.1G"),
        (2**60, "1E"),
        (2**64 - 1, "16E"),
    ],
)
def test_human_size(size: int, text: str) -> None:
    assert human_size(size) == text


@given(st.integers(0, 2**64 - 1))
def test_human_size_is_close(size: int) -> None:
    text = human_size(size)
    m = re.fullmatch(r"(\d+)(?:\.(\d))?([BKMGTPE])", text)
    assert m is not None, text
    unit = 1 << (10 * "BKMGTPE".index(m.group(3)))
    value = (int(m.group(1)) + int(m.group(2) or 0) / 10) * unit
    assert abs(value - size) <= unit * 0.051 + 1


def test_format_table_widths() -> None:
    rows = [["4K", "1", "1.2K", "a"], ["3M", "768", "3M", "longer-name"]]
    assert format_table(rows, ["RES", "PAGES", "SIZE", "FILE"], True) == (
        "RES PAGES  SIZE FILE\n 4K     1  1.2K a\n 3M   768    3M longer-name\n"
    )
    assert format_table([], ["RES"], True) == ""


# ---- the allocator ----

# glibc's own calls: another C library (musl) has none of them and raises ENOSYS instead.
try:
    GLIBC = os.confstr("CS_GNU_LIBC_VERSION")
except (ValueError, OSError):
    GLIBC = None
requires_glibc = pytest.mark.skipif(GLIBC is None, reason="glibc's allocator calls")


@pytest.mark.skipif(GLIBC is not None, reason="runs on a C library other than glibc")
def test_allocator_calls_name_glibc_elsewhere() -> None:
    for call in (memory.mallinfo2, memory.malloc_trim, lambda: memory.mallopt(1, 1)):
        with pytest.raises(errors.ENOSYS, match="needs glibc"):
            call()


@requires_glibc
@needs_glibc(2, 33, "mallinfo2")
def test_mallinfo2_sees_a_large_allocation() -> None:
    before = memory.mallinfo2()
    assert isinstance(before, memory.Mallinfo2) and before.usmblks == 0
    block = bytearray(64 << 20)  # above any mmap threshold glibc adapts to (32 MiB max)
    after = memory.mallinfo2()
    assert after.hblks >= before.hblks + 1
    assert after.hblkhd >= before.hblkhd + (64 << 20)
    del block


@requires_glibc
@needs_glibc(2, 33, "mallinfo2")
def test_mallinfo2_is_frozen() -> None:
    info = memory.mallinfo2()
    with pytest.raises(AttributeError):
        info.arena = 0  # type: ignore[misc]


@requires_glibc
def test_malloc_trim_releases_a_freed_heap_top() -> None:
    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * memory.PAGE_SIZE

    def heap() -> int:
        # The main arena's size: mallinfo2's arena (glibc 2.33 and later), else the [heap]
        # mapping (which qemu-user does not label: its guest heap is a mapping of its own).
        if (glibc_version() or (0, 0)) >= (2, 33):
            return memory.mallinfo2().arena
        with open("/proc/self/maps") as f:
            for line in f:
                if line.rstrip().endswith("[heap]"):
                    start, end = line.split()[0].split("-")
                    return int(end, 16) - int(start, 16)
        return 0

    def child() -> tuple[bool, int, int]:
        memory.mallopt(memory.M_TRIM_THRESHOLD, 1 << 30)  # no automatic trimming
        memory.mallopt(memory.M_MMAP_THRESHOLD, 32 << 20)  # 16 MiB comes from the heap
        block = bytearray(16 << 20)
        block[:: memory.PAGE_SIZE] = b"x" * len(range(0, len(block), memory.PAGE_SIZE))
        arena, resident = heap(), rss()
        del block
        released = memory.malloc_trim(0)
        # glibc gives the pages back by shrinking the heap top (the arena shrinks) or, when
        # something was allocated above the block meanwhile, by MADV_DONTNEED (RSS drops).
        return released, arena - heap(), resident - rss()

    released, arena_drop, rss_drop = in_child(child)
    assert released is True
    assert max(arena_drop, rss_drop) >= 15 << 20, (arena_drop, rss_drop)
    assert isinstance(memory.malloc_trim(1 << 40), bool)


@requires_glibc
def test_mallopt_rejects_and_ignores() -> None:
    # Measured: glibc 2.36 and 2.41 reject an M_MXFAST above 160; 2.43 accepts and ignores it.
    assert GLIBC is not None
    version = tuple(int(part) for part in GLIBC.split()[1].split(".")[:2])
    if version < (2, 42):
        with pytest.raises(ValueError):
            memory.mallopt(memory.M_MXFAST, 1000)
    elif version >= (2, 43):
        memory.mallopt(memory.M_MXFAST, 1000)

    def child() -> bool:
        memory.mallopt(memory.M_ARENA_MAX, 2)
        memory.mallopt(12345, 1)  # glibc ignores parameters it does not know
        return True

    assert in_child(child)
    with pytest.raises(OverflowError):
        memory.mallopt(memory.M_ARENA_MAX, 2**31)


# ---- arbitrary input, in forked children ----

# A reservation of 80 pages: holes of 16 pages at both ends, 48 mapped read-write pages in the
# middle. Scratch-relative addresses stay inside it, so whatever mprotect or mlock does there
# cannot touch the memory the child itself runs on.
_GUARD, _MAPPED = 16, 48

_OPS = ["mlock", "mlock2", "munlock", "mincore", "mprotect", "mlockall", "munlockall"]
_LOCKING = {"mlock", "mlock2", "mlockall"}
_SIGNED = (-(2**31), 2**31)
_UNSIGNED = (0, 2**32)


@pytest.fixture(scope="module")
def scratch() -> Iterator[int]:
    total = (2 * _GUARD + _MAPPED) * P
    base = memory._mmap(total)
    memory._munmap(base, _GUARD * P)
    memory._munmap(base + (_GUARD + _MAPPED) * P, _GUARD * P)
    yield base + _GUARD * P
    # Only the middle is ours now: something else may have been mapped into the holes since.
    memory._munmap(base + _GUARD * P, _MAPPED * P)


def _call(op: str, addr: Any, length: int | None, flags: int) -> None:
    if op == "mlock":
        memory.mlock(addr, length)
    elif op == "mlock2":
        memory.mlock2(addr, length, flags)
    elif op == "munlock":
        memory.munlock(addr, length)
    elif op == "mincore":
        memory.mincore(addr, length)
    elif op == "mprotect":
        memory.mprotect(addr, length, flags)
    elif op == "mlockall":
        memory.mlockall(flags)
    else:
        memory.munlockall()


def _input_error(op: str, addr: Any, length: int | None, flags: int) -> type[Exception] | None:
    """The Python-level error the arguments must raise before any syscall, or None."""
    if op in ("mlockall", "munlockall"):
        return OverflowError if op == "mlockall" and not _SIGNED[0] <= flags < _SIGNED[1] else None
    if isinstance(addr, int):
        if length is None:
            return TypeError
        if not (0 <= addr < 2**64 and 0 <= length < 2**64):
            return OverflowError
    elif length is not None:
        return TypeError
    low, high = _UNSIGNED if op == "mlock2" else _SIGNED
    if op in ("mlock2", "mprotect") and not low <= flags < high:
        return OverflowError
    return None


_address = st.one_of(
    # scratch-relative: (page, byte offset) inside the reservation
    st.tuples(st.integers(-_GUARD, _GUARD + _MAPPED - 1), st.sampled_from([0, 0, 0, 1, 8, P - 1])),
    st.integers(-(2**65), 2**65),
    st.sampled_from([0, 4096, 2**47 - P, 2**64 - P]),
    st.sampled_from(["bytearray", "bytes", "mmap", "memoryview"]),
)
_length = st.one_of(
    st.integers(0, (_GUARD + _MAPPED) * P),
    st.integers(-(2**65), 2**65),
    st.sampled_from([None, 2**64 - P, 2**64 - 1, 1 << 46]),
)
_flags = st.one_of(st.integers(-1, 15), st.integers(-(2**33), 2**33))


def _outcome(op: str, addr: Any, length: int | None, flags: int, base: int) -> tuple[Any, ...]:
    """In the child: build the real arguments, maybe drop privileges, call, classify."""
    if isinstance(addr, tuple):
        addr = base + addr[0] * P + addr[1]
        near = True
    elif isinstance(addr, str):
        makers: dict[str, Callable[[], Any]] = {
            "bytearray": lambda: bytearray(3 * P),
            "bytes": lambda: b"x" * 100,
            "mmap": lambda: mmap.mmap(-1, 2 * P),
            "memoryview": lambda: memoryview(bytearray(5000))[10:4000],
        }
        addr = makers[addr]()
        if op == "mprotect":  # protecting a heap buffer would protect the heap around it
            addr = mmap.mmap(-1, 2 * P)
        near = True
    else:
        near = False
    if op == "mprotect" and not near and isinstance(addr, int) and 2**16 <= addr < 2**47:
        # An arbitrary user address may be the child's own stack or heap: protecting it would
        # kill the child by its own hand. Aim below mmap_min_addr instead.
        addr %= 2**16
    if op in _LOCKING and (not near or (length or 0) > _MAPPED * P):
        # Root would lock and fault in whatever the range covers: run limited and unprivileged.
        drop(1 << 20)
    try:
        _call(op, addr, length, flags)
    except errors.SysapiError as exc:
        return ("errno", type(exc).__name__, exc.syscall, exc.errno, exc.documented)
    except (TypeError, OverflowError, ValueError) as exc:
        return ("input", type(exc).__name__)
    return ("ok",)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.sampled_from(_OPS), _address, _length, _flags)
def test_arbitrary_ranges_return_or_raise_documented(
    scratch: int, op: str, addr: Any, length: int | None, flags: int
) -> None:
    outcome = in_child(lambda: _outcome(op, addr, length, flags, scratch), timeout=30)
    if isinstance(addr, str):
        expected = _input_error(op, b"a buffer", length, flags)
    elif isinstance(addr, tuple):
        expected = _input_error(op, 0, length, flags)
    else:
        expected = _input_error(op, addr, length, flags)
    if expected is not None:
        assert outcome == ("input", expected.__name__)
        return
    assert outcome[0] in ("ok", "errno"), outcome
    if outcome[0] == "errno":
        _, cls, syscall, err, documented = outcome
        assert syscall == op and documented, outcome
        assert err in errors.REGISTRY[op].errors
        assert cls == errors.from_errno(err).__name__
