from __future__ import annotations

import dataclasses
import errno
import gc
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import sysv_ids, sysv_left_behind
from hypothesis import given, settings
from hypothesis import strategies as st

import sysapi
from sysapi import errors, ipc
from sysapi.ipc import IPC_CREAT, IPC_EXCL, IPC_PRIVATE, IPC_RMID, IPC_SET, IPC_STAT, SHM_RDONLY

QEMU_SHM_STAT_ANY = pytest.mark.emulator(
    "qemu-user does not know SHM_STAT_ANY (EINVAL), with which sysapi reads the owner and "
    "mode that IPC_STAT refuses"
)


@pytest.fixture(autouse=True)
def no_segment_left_behind() -> Iterator[None]:
    yield from sysv_left_behind("shm")


@pytest.fixture
def shmid() -> Iterator[int]:
    sid = ipc.shmget(IPC_PRIVATE, 10000, IPC_CREAT | IPC_EXCL | 0o600)
    try:
        yield sid
    finally:
        ipc.shmctl(sid, IPC_RMID)


def test_ipcs_sees_the_segment(shmid: int) -> None:
    out = subprocess.run(["ipcs", "-m"], capture_output=True, text=True, check=True).stdout
    assert any(line.split()[1:2] == [str(shmid)] for line in out.splitlines())


def test_new_segment_is_zero_filled_and_writable(shmid: int) -> None:
    with ipc.shmat(shmid) as att:
        assert len(att) == 10000
        assert bytes(att) == bytes(10000)
        att[:5] = b"hello"
        view = memoryview(att)
        assert not view.readonly and bytes(view[:5]) == b"hello"
        view.release()


def test_two_attachments_share_the_memory(shmid: int) -> None:
    with ipc.shmat(shmid) as a, ipc.shmat(shmid) as b:
        assert a.address != b.address
        a[100:103] = b"abc"
        assert b[100:103] == b"abc"
        assert ipc.shmctl(shmid, IPC_STAT).shm_nattch == 2  # type: ignore[union-attr]
    assert ipc.shmctl(shmid, IPC_STAT).shm_nattch == 0  # type: ignore[union-attr]


def test_a_child_process_writes_what_the_parent_reads(shmid: int) -> None:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            with ipc.shmat(shmid) as att:
                att[:6] = b"child!"
            code = 0
        finally:
            os._exit(code)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    with ipc.shmat(shmid, SHM_RDONLY) as att:
        assert att[:6] == b"child!"
    assert ipc.shmctl(shmid, IPC_STAT).shm_lpid == os.getpid()  # type: ignore[union-attr]


def test_read_only_attachment(shmid: int) -> None:
    with ipc.shmat(shmid, SHM_RDONLY) as att:
        assert att.readonly
        view = memoryview(att)
        assert view.readonly
        with pytest.raises(TypeError):
            view[0] = 1
        view.release()
        with pytest.raises(TypeError):
            att[0] = 1


def test_detach_refuses_while_a_view_is_exported(shmid: int) -> None:
    att = ipc.shmat(shmid)
    view = memoryview(att)[10:20]
    with pytest.raises(BufferError):
        att.detach()
    assert ipc.shmctl(shmid, IPC_STAT).shm_nattch == 1  # type: ignore[union-attr]
    view[0] = 7  # still attached: the view is valid
    view.release()
    att.detach()
    assert att.closed
    assert ipc.shmctl(shmid, IPC_STAT).shm_nattch == 0  # type: ignore[union-attr]


def test_use_after_detach_raises_value_error(shmid: int) -> None:
    att = ipc.shmat(shmid)
    att.detach()
    att.detach()  # a no-op, like close()
    for use in (lambda: att[0], lambda: memoryview(att), lambda: att.read(1), lambda: att.address):
        with pytest.raises(ValueError):
            use()
    with pytest.raises(ValueError):
        ipc.shmdt(att)
    assert "detached" in repr(att)


def test_shmdt(shmid: int) -> None:
    att = ipc.shmat(shmid)
    with pytest.raises(ValueError):
        ipc.shmdt(att.address)  # would leave att dangling
    ipc.shmdt(att)
    assert att.closed
    with pytest.raises(errors.EINVAL) as info:
        ipc.shmdt(0x1000)
    assert info.value.syscall == "shmdt" and info.value.documented
    with pytest.raises(TypeError):
        ipc.shmdt("0x1000")  # type: ignore[arg-type]


def test_size_is_the_segment_size(shmid: int) -> None:
    att = ipc.shmat(shmid)
    ds = ipc.shmctl(shmid, ipc.IPC_STAT)
    assert ds is not None
    assert att.size() == len(att) == ds.shm_segsz >= 10000
    att.detach()
    with pytest.raises(ValueError):
        att.size()


def test_resize_is_refused(shmid: int) -> None:
    with ipc.shmat(shmid) as att, pytest.raises(TypeError):
        att.resize(20000)


def test_find_at_the_last_page_reads_nothing_past_it() -> None:
    # CPython before 3.11.5 (gh-105235): mmap.find reads a byte past the mapping, and nothing
    # is mapped after a whole-page segment: a miss at the end died of SIGSEGV. In a child, so
    # that a crash fails this test only.
    code = (
        "import mmap\n"
        "from sysapi import ipc\n"
        "sid = ipc.shmget(ipc.IPC_PRIVATE, 4 * mmap.PAGESIZE, 0o600)\n"
        "try:\n"
        "    with ipc.shmat(sid) as att:\n"
        "        print(att.find(b'ab', -mmap.PAGESIZE), att.find(b'ab\\0\\0' * 9))\n"
        "finally:\n"
        "    ipc.shmctl(sid, ipc.IPC_RMID)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (out.returncode, out.stdout) == (0, "-1 -1\n"), out.stderr


def test_the_find_that_searches_a_copy_is_bytes_find(shmid: int) -> None:
    # ShmAttachment.find before 3.11.5, compared with bytes.find of the contents, whose reading
    # of start and end mmap.find documents (releases differ on an empty needle past the end).
    with ipc.shmat(shmid) as att:
        for at in (0, 7, 4090, 9998):
            att[at : at + 2] = b"ab"
        att.seek(5)
        data = att[:]
        for sub in (b"", b"a", b"ab", b"ba", b"zz", bytearray(b"b"), memoryview(b"ab")):
            for start in (None, 0, 1, 8, -1, -3, 9999, 10000, 20000, -20000):
                for end in (None, 0, 3, 9, -1, 10000, 20000, -20000):
                    args = (
                        (sub,)
                        if start is None
                        else (sub, start)
                        if end is None
                        else (sub, start, end)
                    )
                    # The position (5) where start is omitted, as mmap.find starts there.
                    expected = data.find(sub, *((5,) if start is None else args[1:]))
                    assert ipc.ShmAttachment._find_in_copy(att, *args) == expected, args
        with pytest.raises(TypeError):
            ipc.ShmAttachment._find_in_copy(att, b"a", 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ipc.ShmAttachment._find_in_copy(att, b"a")


def test_an_undetached_attachment_warns(shmid: int) -> None:
    att = ipc.shmat(shmid)
    with pytest.warns(ResourceWarning):
        del att
        gc.collect()
    assert ipc.shmctl(shmid, IPC_STAT).shm_nattch == 0  # type: ignore[union-attr]


def test_ipc_stat(tmp_path: Path) -> None:
    key = ipc.ftok(tmp_path, "z")
    sid = ipc.shmget(key, 5000, IPC_CREAT | IPC_EXCL | 0o640)
    try:
        assert ipc.shmget(key, 0) == sid
        ds = ipc.shmctl(sid, IPC_STAT)
        assert ds is not None
        assert ds.shm_perm.key == key
        assert (ds.shm_perm.uid, ds.shm_perm.cuid) == (os.geteuid(), os.geteuid())
        assert ds.shm_perm.mode & 0o777 == 0o640
        assert (ds.shm_segsz, ds.shm_cpid, ds.shm_nattch, ds.shm_atime) == (5000, os.getpid(), 0, 0)
        with pytest.raises(dataclasses.FrozenInstanceError):
            ds.shm_segsz = 1  # type: ignore[misc]
        with ipc.shmat(sid):
            # Removal is deferred while attached; the key is released at once.
            ipc.shmctl(sid, IPC_RMID)
            marked = ipc.shmctl(sid, IPC_STAT)
            assert marked is not None
            assert marked.shm_perm.mode & ipc.SHM_DEST
            assert marked.shm_perm.key == IPC_PRIVATE
            ipc.shmctl(sid, IPC_RMID)  # may be repeated
    finally:
        if sid in sysv_ids("shm"):
            ipc.shmctl(sid, IPC_RMID)
    with pytest.raises(errors.EINVAL):
        ipc.shmctl(sid, IPC_STAT)


def test_ipc_set(shmid: int) -> None:
    ds = ipc.shmctl(shmid, IPC_STAT)
    assert ds is not None
    perm = dataclasses.replace(ds.shm_perm, mode=0o604)
    assert ipc.shmctl(shmid, IPC_SET, dataclasses.replace(ds, shm_perm=perm)) is None
    assert ipc.shmctl(shmid, IPC_STAT).shm_perm.mode & 0o777 == 0o604  # type: ignore[union-attr]
    ipc.shmctl(shmid, IPC_SET, mode=0o600, gid=12)
    after = ipc.shmctl(shmid, IPC_STAT)
    assert after is not None
    assert (after.shm_perm.mode & 0o777, after.shm_perm.gid) == (0o600, 12)
    assert after.shm_perm.uid == ds.shm_perm.uid
    with pytest.raises(TypeError):
        ipc.shmctl(shmid, IPC_SET, ds, mode=0o600)
    with pytest.raises(TypeError):
        ipc.shmctl(shmid, IPC_SET, object())  # type: ignore[arg-type]


def _as_nobody(func: Callable[[], object]) -> int:
    """Run ``func`` in a forked child as uid 65534: the errno it raised, or 0."""
    pid = os.fork()
    if pid == 0:
        code = 255
        try:
            os.setgroups([])
            os.setresgid(65534, 65534, 65534)
            os.setresuid(65534, 65534, 65534)
            try:
                func()
                code = 0
            except OSError as exc:
                code = exc.errno or 255
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.mark.requires_root
@QEMU_SHM_STAT_ANY
def test_ipc_set_by_a_non_owner_is_the_kernels_eperm(shmid: int) -> None:
    # The mode alone is given: sysapi reads uid and gid without IPC_STAT's read check, which
    # would answer EACCES for this 0600 segment, so IPC_SET's own owner check speaks.
    assert _as_nobody(lambda: ipc.shmctl(shmid, IPC_SET, mode=0o666)) == errno.EPERM
    assert ipc.shmctl(shmid, IPC_STAT).shm_perm.mode & 0o777 == 0o600  # type: ignore[union-attr]


@pytest.mark.requires_root
@QEMU_SHM_STAT_ANY
def test_the_owner_of_a_mode_0_segment_may_change_its_mode(shmid: int) -> None:
    ipc.shmctl(shmid, IPC_SET, uid=65534, gid=65534, mode=0)
    assert _as_nobody(lambda: ipc.shmctl(shmid, IPC_STAT)) == errno.EACCES
    assert _as_nobody(lambda: ipc.shmctl(shmid, IPC_SET, mode=0o640)) == 0
    after = ipc.shmctl(shmid, IPC_STAT)
    assert after is not None
    perm = after.shm_perm
    assert (perm.uid, perm.gid, perm.mode & 0o777) == (65534, 65534, 0o640)


def test_ftok(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"")
    key = ipc.ftok(path, "a")
    assert key == ipc.ftok(str(path), 97) == ipc.ftok(os.fsencode(path), ord("a"))
    assert key != ipc.ftok(path, "b")
    assert (key >> 24) & 0xFF == 97
    assert ipc.ftok(path, 200) & 0xFFFFFFFF == (ipc.ftok(path, 0) | 200 << 24) & 0xFFFFFFFF
    for bad in (256, -1, "ab", ""):
        with pytest.raises(ValueError):
            ipc.ftok(path, bad)
    with pytest.raises(FileNotFoundError) as info:
        ipc.ftok(tmp_path / "missing", 1)
    assert info.value.filename == tmp_path / "missing"


def test_constants_are_exported() -> None:
    for name in ipc.__all__:
        assert getattr(sysapi, name) is getattr(ipc, name)
    assert sysapi.IPC_PRIVATE == 0


@settings(max_examples=100, deadline=None)
@given(shmid=st.integers(min_value=-(2**31), max_value=-1), cmd=st.integers(0, 2**16))
def test_arbitrary_shmctl_on_a_bad_id(shmid: int, cmd: int) -> None:
    try:
        ipc.shmctl(shmid, cmd)
    except errors.SysapiError as exc:
        assert exc.documented and exc.errno == errno.EINVAL
    else:  # IPC_INFO and SHM_INFO ignore the id
        assert cmd in (ipc.IPC_INFO, ipc.SHM_INFO)


@settings(max_examples=100, deadline=None)
@given(size=st.integers(min_value=0, max_value=2**64 - 1), flags=st.integers(0, 0o777))
def test_arbitrary_shmget_without_create(size: int, flags: int) -> None:
    # A fresh IPC_PRIVATE-less key: no segment, no IPC_CREAT: never creates anything.
    with pytest.raises(errors.SysapiError) as info:
        ipc.shmget(0x5A5A0000 | (flags & 0xFF), size, flags)
    assert info.value.errno in (errno.ENOENT, errno.EINVAL, errno.EACCES)


@settings(max_examples=100, deadline=None)
@given(shmid=st.integers(min_value=-(2**31), max_value=-1), flags=st.integers(0, 2**31 - 1))
def test_arbitrary_shmat_on_a_bad_id(shmid: int, flags: int) -> None:
    with pytest.raises(errors.SysapiError) as info:
        ipc.shmat(shmid, flags)
    assert info.value.documented and info.value.errno == errno.EINVAL


@settings(max_examples=100, deadline=None)
@given(proj_id=st.one_of(st.integers(-(2**40), 2**40), st.text(max_size=3)))
def test_arbitrary_ftok_proj_id(
    tmp_path_factory: pytest.TempPathFactory, proj_id: int | str
) -> None:
    path = tmp_path_factory.getbasetemp()
    one_char = isinstance(proj_id, str) and len(proj_id) == 1
    low = proj_id if isinstance(proj_id, int) else ord(proj_id) if one_char else -1
    if 0 <= low <= 255:
        assert (ipc.ftok(path, proj_id) >> 24) & 0xFF == low
    else:
        with pytest.raises(ValueError):
            ipc.ftok(path, proj_id)
