from __future__ import annotations

import mmap
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sysapi
from sysapi import errors, fs
from sysapi._commands.fs import extents
from sysapi._sysapi import lib


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.write_bytes(os.urandom(1 << 20))
    with path.open("rb+") as f:
        os.fsync(f.fileno())
    return path


@pytest.mark.requires_tool("fincore")
def test_readahead_loads_the_page_cache(data_file: Path) -> None:
    def resident_after_readahead(fd: int) -> int:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        fs.readahead(fd, 0, 1 << 20)
        out = subprocess.run(
            ["fincore", "-b", "-n", "-o", "RES", str(data_file)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return int(out.split()[0])

    # Readahead I/O is best effort: a congested device may drop it (REQ_RAHEAD), which a
    # machine under heavy load does now and then. One complete load in five tries shows
    # the call works; a binding that never reached the kernel fails all five.
    fd = os.open(data_file, os.O_RDONLY)
    try:
        seen = [resident_after_readahead(fd) for _ in range(5)]
        assert 1 << 20 in seen, seen
    finally:
        os.close(fd)


def test_readahead_accepts_objects_with_fileno(data_file: Path) -> None:
    """The descriptor read ahead is the one the object's fileno() returns."""

    class Spy:
        def __init__(self, fd: int) -> None:
            self.fd, self.calls = fd, 0

        def fileno(self) -> int:
            self.calls += 1
            return self.fd

    with data_file.open("rb") as f:
        spy = Spy(f.fileno())
        assert fs.readahead(spy, 0, 4096) is None
        assert spy.calls == 1
    with pytest.raises(errors.EBADF):
        fs.readahead(Spy(0x7FFFFFF0), 0, 4096)  # not open: the kernel saw this number
    with data_file.open("wb") as w, pytest.raises(errors.EBADF):
        fs.readahead(Spy(w.fileno()), 0, 4096)  # open for writing only: readahead's EBADF


@pytest.mark.requires_root
@pytest.mark.requires_tool("filefrag")
def test_block_map_agrees_with_filefrag(data_file: Path) -> None:
    with data_file.open("rb") as f:
        blocks = fs.block_map(f)
        assert fs.figetbsz(f) * len(blocks) >= 1 << 20
        assert fs.fibmap(f, 0) == blocks[0] != 0
    out = subprocess.run(
        ["filefrag", "-v", str(data_file)], capture_output=True, text=True, check=True
    ).stdout
    rows = re.findall(r"^\s*\d+:\s+(\d+)\.\.\s*(\d+):\s+(\d+)\.\.\s*(\d+):\s+(\d+)", out, re.M)
    expected = [(int(lo), int(ph), int(n)) for lo, _, ph, _, n in rows]
    assert extents(blocks) == expected


def test_fibmap_command_json(data_file: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("FIBMAP needs CAP_SYS_RAWIO")
    import json

    out = subprocess.run(
        [sys.executable, "-m", "sysapi", "fibmap", "--json", str(data_file)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (report,) = json.loads(out)
    assert len(report["blocks"]) == 256 and report["extents"]


def test_extents_skip_holes() -> None:
    assert extents([10, 11, 0, 0, 20, 21, 22]) == [(0, 10, 2), (4, 20, 3)]
    assert extents([]) == []


def test_tee_duplicates_without_consuming() -> None:
    r1, w1 = os.pipe()
    r2, w2 = os.pipe()
    try:
        os.write(w1, b"hello")
        assert fs.tee(r1, w2, 100) == 5
        assert os.read(r2, 100) == b"hello"
        assert os.read(r1, 100) == b"hello"
    finally:
        for fd in (r1, w1, r2, w2):
            os.close(fd)


def test_vmsplice_gathers_buffers() -> None:
    r, w = os.pipe()
    try:
        buffers: list[bytes | bytearray | memoryview] = [b"ab", bytearray(b"cd"), memoryview(b"ef")]
        n = fs.vmsplice(w, buffers)
        assert n == 6 and os.read(r, 10) == b"abcdef"
        assert fs.vmsplice(w, []) == 0
    finally:
        os.close(r)
        os.close(w)


def _splice_and_forget(w: int) -> None:
    """vmsplice buffers that are freed as soon as this returns (the issue's example)."""
    assert fs.vmsplice(w, [b"ab", bytearray(b"cd"), memoryview(b"xef")[1:]]) == 6


def test_vmsplice_reader_gets_the_bytes_after_the_buffers_are_freed_and_reused() -> None:
    """0.1.0 gave the pipe the pages of the caller's buffers: after Python freed them, a reader
    in another process saw whatever the allocator put there next (b'ab\xb0\\ef')."""
    pipes = [os.pipe() for _ in range(20)]
    try:
        for _, w in pipes:
            _splice_and_forget(w)
            # Overwrite the freed memory with objects of the same sizes.
            junk = [bytearray(b"\xff" * n) for n in (2, 2, 3, 33, 34, 35) for _ in range(200)]
            del junk
        readers = [r for r, _ in pipes]
        reader = subprocess.run(
            [
                sys.executable,
                "-c",
                "import os, sys\n"
                "for fd in sys.argv[1:]: sys.stdout.buffer.write(os.read(int(fd), 100))",
                *map(str, readers),
            ],
            pass_fds=readers,
            capture_output=True,
            check=True,
        )
        assert reader.stdout == b"abcdef" * len(pipes)
    finally:
        for fds in pipes:
            for fd in fds:
                os.close(fd)


def test_vmsplice_copies_at_most_what_the_pipe_holds() -> None:
    import fcntl

    r, w = os.pipe()
    try:
        size = fcntl.fcntl(w, fcntl.F_GETPIPE_SZ)
        data = os.urandom(size * 3 + 5)
        n = fs.vmsplice(w, [data])
        assert n == size
        assert os.read(r, size + 1) == data[:size]
    finally:
        os.close(r)
        os.close(w)


def test_vmsplice_refuses_a_read_end() -> None:
    """On a pipe's read end the kernel's vmsplice reads, into the caller's buffers: 0.1.0 wrote
    the pipe's bytes into an immutable bytes object."""
    r, w = os.pipe()
    try:
        os.write(w, b"XYZ")
        data = b"abcabc"
        for splice in (fs.vmsplice, fs.vmsplice_zero_copy):
            buffer = data if splice is fs.vmsplice else mmap.mmap(-1, 6)
            with pytest.raises(errors.EBADF) as info:
                splice(r, [cast(Any, buffer)])
            assert info.value.documented
        assert data == b"abcabc" and os.read(r, 10) == b"XYZ"
    finally:
        os.close(r)
        os.close(w)


def test_vmsplice_zero_copy_splices_the_pages_themselves() -> None:
    r, w = os.pipe()
    m = mmap.mmap(-1, mmap.PAGESIZE)
    try:
        m[:5] = b"hello"
        assert fs.vmsplice_zero_copy(w, [memoryview(m)[:5]]) == 5
        m[:5] = b"HELLO"  # the hazard the name warns about: the reader sees this write
        assert os.read(r, 10) == b"HELLO"
        assert sysapi.vmsplice_zero_copy is fs.vmsplice_zero_copy
    finally:
        m.close()
        os.close(r)
        os.close(w)


@pytest.mark.parametrize("buffer", [b"x", bytearray(b"x"), memoryview(b"x")])
def test_vmsplice_zero_copy_takes_only_memory_the_caller_controls(buffer: Any) -> None:
    r, w = os.pipe()
    try:
        with pytest.raises(TypeError, match="use vmsplice"):
            fs.vmsplice_zero_copy(w, [buffer])
    finally:
        os.close(r)
        os.close(w)


def _vmsplice_many_buffers() -> None:
    _, w = os.pipe()
    buffers = [b"x"] * 500_000
    for splice in (fs.vmsplice, fs.vmsplice_zero_copy):
        chunk = buffers if splice is fs.vmsplice else [mmap.mmap(-1, 1)] * 500_000
        with pytest.raises(errors.EINVAL) as info:
            splice(w, cast(Any, chunk))
        assert info.value.documented and "IOV_MAX" in info.value.__notes__[0]


def test_vmsplice_refuses_more_than_iov_max_buffers() -> None:
    """0.1.0 declared its iovec array on the C stack before checking the count: 500,000
    buffers overflowed the stack and killed the process. Run in a child, so that a crash is a
    failure and not the end of the test run."""
    pid = os.fork()
    if pid == 0:
        passed: list[bool] = []

        def body() -> None:
            _vmsplice_many_buffers()
            passed.append(True)

        try:
            # A thread with a 1 MiB stack: 500,000 iovecs (8 MB) overflow it whatever ulimit -s.
            threading.stack_size(1 << 20)
            thread = threading.Thread(target=body)
            thread.start()
            thread.join()
        finally:
            os._exit(0 if passed else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert fs.VMSPLICE_SPEC.syscall == "vmsplice" and lib.IOV_MAX >= 16


def test_sync_file_range_leaves_the_file_clean(tmp_path: Path) -> None:
    """After WAIT_BEFORE|WRITE|WAIT_AFTER no page is dirty or under writeback, so
    POSIX_FADV_DONTNEED drops them all. Without the sync the dirty pages stay resident:
    fadvise only starts their writeback, and skips them. (The whole file: ext4's large folios
    span ranges, and fadvise drops only folios wholly inside its range.)"""
    from sysapi import memory

    fd = os.open(tmp_path / "dirty", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, os.urandom(128 * memory.PAGE_SIZE))  # every page dirty
        everything = (
            fs.SYNC_FILE_RANGE_WAIT_BEFORE
            | fs.SYNC_FILE_RANGE_WRITE
            | fs.SYNC_FILE_RANGE_WAIT_AFTER
        )
        fs.sync_file_range(fd, 0, 0, everything)  # nbytes 0: to the end of the file
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        assert memory.fincore(fd).resident_pages == 0
    finally:
        os.close(fd)


def test_constants_are_exported_everywhere() -> None:
    assert sysapi.SPLICE_F_NONBLOCK is fs.SpliceFlags.SPLICE_F_NONBLOCK
    assert int(sysapi.SYNC_FILE_RANGE_WRITE) == 2


@pytest.mark.parametrize(
    ("call", "exc"),
    [
        (lambda: fs.readahead(cast(Any, "0"), 0, 1), TypeError),
        (lambda: fs.readahead(cast(Any, None), 0, 1), TypeError),
        (lambda: fs.readahead(0, cast(Any, 0.5), 1), TypeError),
        (lambda: fs.readahead(0, 0, -1), OverflowError),
        (lambda: fs.readahead(0, 1 << 63, 1), OverflowError),
        (lambda: fs.readahead(1 << 40, 0, 1), OverflowError),
        (lambda: fs.fibmap(0, 1 << 31), OverflowError),
        (lambda: fs.tee(0, 1, -5), OverflowError),
        (lambda: fs.vmsplice(1, cast(Any, ["str"])), TypeError),
        (lambda: fs.sync_file_range(0, 0, 0, -1), OverflowError),
    ],
)
def test_bad_input_is_refused_before_the_syscall(call: object, exc: type[Exception]) -> None:
    assert callable(call)
    with pytest.raises(exc):
        call()


def test_closed_fd_gives_ebadf() -> None:
    r, w = os.pipe()
    os.close(r)
    os.close(w)
    with pytest.raises(errors.EBADF) as info:
        fs.readahead(r, 0, 1)
    assert info.value.syscall == "readahead" and info.value.documented


_ints = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64]),
)
_any = st.one_of(_ints, st.none(), st.binary(max_size=8), st.text(max_size=8), st.floats())


@settings(max_examples=300, deadline=None)
@given(fd=_any, offset=_any, count=_any)
def test_readahead_on_arbitrary_input_returns_or_raises_cleanly(
    fd: object, offset: object, count: object
) -> None:
    """Not an int: TypeError; an int out of its C type's range: OverflowError; otherwise the
    kernel's answer, which is None or a documented error of readahead."""
    ints = all(isinstance(v, int) for v in (fd, offset, count))
    in_range = (
        ints
        and -(2**31) <= cast(int, fd) < 2**31
        and -(2**63) <= cast(int, offset) < 2**63
        and 0 <= cast(int, count) < 2**64
    )
    try:
        result = fs.readahead(cast(Any, fd), cast(Any, offset), cast(Any, count))
    except TypeError:
        assert not ints
    except OverflowError:
        assert not in_range  # arguments are converted in order: one may overflow first
    except errors.SysapiError as exc:
        assert in_range and exc.syscall == "readahead" and exc.documented, exc
    else:
        assert in_range and result is None


@settings(max_examples=300, deadline=None)
@given(block=_any)
def test_fibmap_on_arbitrary_blocks(block: object) -> None:
    fd = os.open("/proc/self/exe", os.O_RDONLY)
    try:
        result = fs.fibmap(fd, cast(Any, block))
        assert isinstance(result, int) and result >= 0
    except (TypeError, OverflowError):
        assert not isinstance(block, int) or not -(2**31) <= block < 2**31
    except errors.SysapiError as exc:
        assert exc.errno in fs.FIBMAP_SPEC.errors, exc
    finally:
        os.close(fd)


@settings(max_examples=200, deadline=None)
@given(buffers=st.lists(st.binary(max_size=64), max_size=20))
def test_vmsplice_then_read_round_trips(buffers: list[bytes]) -> None:
    r, w = os.pipe()
    try:
        n = fs.vmsplice(w, buffers)
        # A copy in whole pages: everything fits the pipe's 64 KiB in one call.
        assert n == len(b"".join(buffers))
        assert (os.read(r, n) if n else b"") == b"".join(buffers)
    finally:
        os.close(r)
        os.close(w)
