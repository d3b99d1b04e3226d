"""SysV message queues and semaphore sets (``sysapi.ipc``)."""

from __future__ import annotations

import ctypes
import dataclasses
import errno
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sysapi
from sysapi import errors, ipc
from sysapi.ipc import (
    GETALL,
    GETNCNT,
    GETPID,
    GETVAL,
    GETZCNT,
    IPC_CREAT,
    IPC_EXCL,
    IPC_NOWAIT,
    IPC_PRIVATE,
    IPC_RMID,
    IPC_SET,
    IPC_STAT,
    MSG_COPY,
    MSG_EXCEPT,
    MSG_NOERROR,
    MSG_STAT,
    MSG_STAT_ANY,
    SEM_STAT,
    SEM_STAT_ANY,
    SEM_UNDO,
    SETALL,
    SETVAL,
    SemBuf,
)

QEMU_MSQID_DS = pytest.mark.emulator(
    "qemu-user 7.2 copies msg_lspid and msg_lrpid as 8-byte fields where aarch64's "
    "msqid64_ds has 4-byte ones: msg_lspid reads 0"
)

QEMU_STAT_ANY = pytest.mark.emulator(
    "qemu-user does not know MSG_STAT_ANY and SEM_STAT_ANY (EINVAL)"
)

pytestmark = pytest.mark.usefixtures("no_sysv_msg_sem_left_behind")


def _exists(kind: str, ident: int) -> bool:
    with open(f"/proc/sysvipc/{kind}") as f:
        return any(int(line.split()[1]) == ident for line in list(f)[1:])


@pytest.fixture
def msqid() -> Iterator[int]:
    q = ipc.msgget(IPC_PRIVATE, IPC_CREAT | 0o600)
    try:
        yield q
    finally:
        if _exists("msg", q):
            ipc.msgctl(q, IPC_RMID)


@pytest.fixture
def semid() -> Iterator[int]:
    s = ipc.semget(IPC_PRIVATE, 3, IPC_CREAT | 0o600)
    try:
        yield s
    finally:
        if _exists("sem", s):
            ipc.semctl(s, 0, IPC_RMID)


def _later(seconds: float, action: Callable[[], object]) -> threading.Thread:
    """Run ``action`` on a thread after ``seconds``."""

    def run() -> None:
        time.sleep(seconds)
        action()

    t = threading.Thread(target=run)
    t.start()
    return t


def _in_child(body: Callable[[], object]) -> int:
    """Run ``body`` in a forked child; its exit code (0 when it returned, 1 when it raised, with
    the traceback on stderr: pytest shows it under the failure)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            body()
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


# ---- message queues ----------------------------------------------------------------------------


def test_round_trip_in_order(msqid: int) -> None:
    ipc.msgsnd(msqid, 1, b"first")
    ipc.msgsnd(msqid, 2, bytearray(b"second"))
    ipc.msgsnd(msqid, 1, memoryview(b"xthirdx")[1:-1])
    assert ipc.msgrcv(msqid, 100) == (1, b"first")
    assert ipc.msgrcv(msqid, 100) == (2, b"second")
    assert ipc.msgrcv(msqid, 100) == (1, b"third")


def test_empty_message(msqid: int) -> None:
    ipc.msgsnd(msqid, 9, b"")
    assert ipc.msgrcv(msqid, 0) == (9, b"")


def test_message_type_selection(msqid: int) -> None:
    for mtype, data in ((5, b"five"), (3, b"three"), (7, b"seven"), (3, b"three again")):
        ipc.msgsnd(msqid, mtype, data)
    assert ipc.msgrcv(msqid, 100, 7) == (7, b"seven")
    assert ipc.msgrcv(msqid, 100, 3, MSG_EXCEPT) == (5, b"five")
    ipc.msgsnd(msqid, 4, b"four")
    assert ipc.msgrcv(msqid, 100, -4) == (3, b"three")  # lowest type <= 4
    assert ipc.msgrcv(msqid, 100, -4) == (3, b"three again")
    assert ipc.msgrcv(msqid, 100, -4) == (4, b"four")
    with pytest.raises(errors.ENOMSG):
        ipc.msgrcv(msqid, 100, -2, IPC_NOWAIT)


def test_msg_copy_leaves_the_message(msqid: int) -> None:
    ipc.msgsnd(msqid, 1, b"a")
    ipc.msgsnd(msqid, 2, b"b")
    assert ipc.msgrcv(msqid, 10, 1, MSG_COPY | IPC_NOWAIT) == (2, b"b")
    assert ipc.msgrcv(msqid, 10, 0, MSG_COPY | IPC_NOWAIT) == (1, b"a")
    with pytest.raises(errors.ENOMSG):
        ipc.msgrcv(msqid, 10, 2, MSG_COPY | IPC_NOWAIT)
    with pytest.raises(errors.EINVAL):
        ipc.msgrcv(msqid, 10, 0, MSG_COPY)  # MSG_COPY needs IPC_NOWAIT
    assert ipc.msgctl(msqid, IPC_STAT).msg_qnum == 2  # type: ignore[union-attr]


def test_too_long_message_stays_unless_noerror(msqid: int) -> None:
    ipc.msgsnd(msqid, 1, b"0123456789")
    with pytest.raises(errors.E2BIG) as info:
        ipc.msgrcv(msqid, 4)
    assert info.value.syscall == "msgrcv" and info.value.documented
    assert ipc.msgrcv(msqid, 4, 0, MSG_NOERROR) == (1, b"0123")
    assert ipc.msgctl(msqid, IPC_STAT).msg_qnum == 0  # type: ignore[union-attr]


def test_large_receive_buffer(msqid: int) -> None:
    data = os.urandom(8000)
    ipc.msgsnd(msqid, 3, data)
    assert ipc.msgrcv(msqid, 1 << 20) == (3, data)  # a buffer beyond the reused ones
    ipc.msgsnd(msqid, 4, data)
    assert ipc.msgrcv(msqid, 1 << 50) == (4, data)  # no buffer of a petabyte


def test_nowait(msqid: int) -> None:
    with pytest.raises(errors.ENOMSG) as info:
        ipc.msgrcv(msqid, 10, 0, IPC_NOWAIT)
    assert info.value.syscall == "msgrcv"
    ipc.msgctl(msqid, IPC_SET, msg_qbytes=8)
    ipc.msgsnd(msqid, 1, b"12345678")
    with pytest.raises(errors.EAGAIN) as again:
        ipc.msgsnd(msqid, 1, b"x", IPC_NOWAIT)
    assert isinstance(again.value, BlockingIOError) and again.value.documented
    assert "msgmnb" in "".join(again.value.__notes__)


def test_invalid_arguments_reach_the_kernel(msqid: int) -> None:
    for mtype in (0, -5):
        with pytest.raises(errors.EINVAL) as info:
            ipc.msgsnd(msqid, mtype, b"x")
        assert info.value.syscall == "msgsnd" and info.value.documented
    with pytest.raises(errors.EINVAL):
        ipc.msgrcv(msqid, -1)
    with pytest.raises(errors.EINVAL):
        ipc.msgsnd(-1, 1, b"x")
    with pytest.raises(errors.EINVAL) as too_long:
        ipc.msgsnd(msqid, 1, bytes(int(Path("/proc/sys/kernel/msgmax").read_text()) + 1))
    assert "kernel.msgmax" in "".join(too_long.value.__notes__)


def test_bad_python_input(msqid: int) -> None:
    with pytest.raises(TypeError):
        ipc.msgsnd(msqid, 1, "text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ipc.msgsnd(msqid, 1, memoryview(b"abcdef")[::2])  # not contiguous
    with pytest.raises(OverflowError):
        ipc.msgsnd(msqid, 1 << 64, b"x")
    with pytest.raises(OverflowError):
        ipc.msgrcv(msqid, -(1 << 70))
    with pytest.raises(TypeError):
        ipc.msgrcv(msqid, 10.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ipc.msgctl(msqid, IPC_SET, ipc.msgctl(msqid, IPC_STAT), mode=0o600)
    assert ipc.msgctl(msqid, IPC_STAT).msg_qnum == 0  # type: ignore[union-attr]


def test_msgget_keys(tmp_path: Path) -> None:
    key = ipc.ftok(tmp_path, "q")
    with pytest.raises(errors.ENOENT):
        ipc.msgget(key)
    q = ipc.msgget(key, IPC_CREAT | IPC_EXCL | 0o640)
    try:
        assert ipc.msgget(key) == q
        assert ipc.msgget(key, IPC_CREAT) == q
        with pytest.raises(errors.EEXIST):
            ipc.msgget(key, IPC_CREAT | IPC_EXCL | 0o640)
        ds = ipc.msgctl(q, IPC_STAT)
        assert ds is not None
        assert ds.msg_perm.key == key and ds.msg_perm.mode & 0o777 == 0o640
        assert (ds.msg_perm.uid, ds.msg_perm.cuid) == (os.geteuid(), os.geteuid())
    finally:
        ipc.msgctl(q, IPC_RMID)
    with pytest.raises(errors.EINVAL):
        ipc.msgctl(q, IPC_STAT)


@QEMU_MSQID_DS
def test_msqid_ds(msqid: int) -> None:
    ds = ipc.msgctl(msqid, IPC_STAT)
    assert ds is not None
    assert (ds.msg_qnum, ds.msg_cbytes, ds.msg_stime, ds.msg_rtime, ds.msg_lspid) == (0, 0, 0, 0, 0)
    assert ds.msg_qbytes == int(Path("/proc/sys/kernel/msgmnb").read_text())
    assert abs(ds.msg_ctime - time.time()) < 60
    ipc.msgsnd(msqid, 1, b"abc")
    ipc.msgsnd(msqid, 1, b"defgh")
    ds = ipc.msgctl(msqid, IPC_STAT)
    assert ds is not None
    assert (ds.msg_qnum, ds.msg_cbytes, ds.msg_lspid) == (2, 8, os.getpid())
    assert ds.msg_stime > 0 and ds.msg_rtime == 0
    ipc.msgrcv(msqid, 10)
    ds = ipc.msgctl(msqid, IPC_STAT)
    assert ds is not None
    assert (ds.msg_qnum, ds.msg_lrpid) == (1, os.getpid()) and ds.msg_rtime > 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.msg_qnum = 0  # type: ignore[misc]


def test_msg_ipc_set(msqid: int) -> None:
    ds = ipc.msgctl(msqid, IPC_STAT)
    assert ds is not None
    changed = dataclasses.replace(
        ds, msg_perm=dataclasses.replace(ds.msg_perm, mode=0o604), msg_qbytes=1000
    )
    assert ipc.msgctl(msqid, IPC_SET, changed) is None
    after = ipc.msgctl(msqid, IPC_STAT)
    assert after is not None
    assert (after.msg_perm.mode & 0o777, after.msg_qbytes) == (0o604, 1000)
    ipc.msgctl(msqid, IPC_SET, gid=12)  # the rest is read first
    after = ipc.msgctl(msqid, IPC_STAT)
    assert after is not None
    assert (after.msg_perm.gid, after.msg_perm.mode & 0o777, after.msg_qbytes) == (12, 0o604, 1000)


# A SysV id is index + seq * IPCMNI (32768 without ipcmni_extend); MSG_STAT and SEM_STAT take
# the index, and the kernel keeps only its low 15 bits.
IPCMNI = 32768


@QEMU_STAT_ANY
def test_msg_stat_by_index(msqid: int) -> None:
    ipc.msgsnd(msqid, 1, b"abc")
    ds = ipc.msgctl(msqid % IPCMNI, MSG_STAT)
    assert ds is not None and ds == ipc.msgctl(msqid, IPC_STAT)
    assert ds.msg_qnum == 1
    assert ipc.msgctl(msqid % IPCMNI, MSG_STAT_ANY) == ds
    with pytest.raises(errors.EINVAL):
        ipc.msgctl(IPCMNI - 1, MSG_STAT)  # the last slot: used only by the 32768th queue


def test_rmid_wakes_a_blocked_receiver_with_eidrm(msqid: int) -> None:
    t = _later(0.2, lambda: ipc.msgctl(msqid, IPC_RMID))
    with pytest.raises(errors.EIDRM) as info:
        ipc.msgrcv(msqid, 10)
    t.join()
    assert info.value.syscall == "msgrcv" and info.value.documented


def test_blocked_receive_gets_a_later_message(msqid: int) -> None:
    t = _later(0.1, lambda: ipc.msgsnd(msqid, 4, b"late"))
    assert ipc.msgrcv(msqid, 10, 4) == (4, b"late")  # the GIL is released while it waits
    t.join()


def test_blocked_send_proceeds_once_there_is_room(msqid: int) -> None:
    ipc.msgctl(msqid, IPC_SET, msg_qbytes=4)
    ipc.msgsnd(msqid, 1, b"full")
    t = _later(0.1, lambda: ipc.msgrcv(msqid, 10))
    ipc.msgsnd(msqid, 2, b"next")
    t.join()
    assert ipc.msgrcv(msqid, 10) == (2, b"next")


def test_a_child_receives_what_the_parent_sent(msqid: int) -> None:
    def child() -> None:
        _, data = ipc.msgrcv(msqid, 100, 2)
        ipc.msgsnd(msqid, 3, data.upper())

    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            child()
            code = 0
        finally:
            os._exit(code)
    ipc.msgsnd(msqid, 2, b"ping")
    assert ipc.msgrcv(msqid, 100, 3) == (3, b"PING")
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


@settings(max_examples=60, deadline=None)
@given(
    messages=st.lists(
        st.tuples(st.integers(1, (1 << 63) - 1), st.binary(max_size=300)), min_size=1, max_size=8
    )
)
def test_any_messages_round_trip(messages: list[tuple[int, bytes]]) -> None:
    q = ipc.msgget(IPC_PRIVATE, IPC_CREAT | 0o600)
    try:
        for mtype, data in messages:
            ipc.msgsnd(q, mtype, data)
        assert [ipc.msgrcv(q, 300) for _ in messages] == messages
    finally:
        ipc.msgctl(q, IPC_RMID)


def _private_ipc_namespace() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x08000000) != 0:  # CLONE_NEWIPC: limits changed below are this child's
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWIPC)")


@pytest.mark.requires_root
def test_messages_above_the_reused_buffers() -> None:
    """With kernel.msgmax raised (in a private IPC namespace), messages larger than the
    buffers reused on the hot path travel through the heap path intact."""

    def body() -> None:
        _private_ipc_namespace()
        Path("/proc/sys/kernel/msgmax").write_text("200000\n")
        Path("/proc/sys/kernel/msgmnb").write_text("400000\n")
        q = ipc.msgget(IPC_PRIVATE, IPC_CREAT | 0o600)
        data = os.urandom(150000)
        ipc.msgsnd(q, 5, data)
        ipc.msgsnd(q, 6, bytearray(data[:9000]))
        assert ipc.msgrcv(q, 150000) == (5, data)
        assert ipc.msgrcv(q, 9000) == (6, data[:9000])
        ipc.msgsnd(q, 7, data)
        assert ipc.msgrcv(q, 100, 0, MSG_NOERROR) == (7, data[:100])

    assert _in_child(body) == 0


@pytest.mark.requires_root
def test_msgmni_enospc_has_the_limit_in_a_note() -> None:
    def body() -> None:
        _private_ipc_namespace()
        Path("/proc/sys/kernel/msgmni").write_text("0\n")
        try:
            ipc.msgget(IPC_PRIVATE, IPC_CREAT | 0o600)
        except errors.ENOSPC as exc:
            assert "kernel.msgmni = 0" in "".join(exc.__notes__)
            return
        raise AssertionError("no ENOSPC")

    assert _in_child(body) == 0


# ---- semaphore sets ----------------------------------------------------------------------------


def test_semget_makes_a_set_of_zeros(semid: int) -> None:
    assert ipc.semctl(semid, 0, GETALL) == [0, 0, 0]
    ds = ipc.semctl(semid, 0, IPC_STAT)
    assert isinstance(ds, ipc.SemidDs)
    assert ds.sem_nsems == 3 and ds.sem_otime == 0 and ds.sem_perm.mode & 0o777 == 0o600
    assert ds.sem_perm.uid == os.geteuid()


def test_semop_is_atomic(semid: int) -> None:
    ipc.semop(semid, [SemBuf(0, 2), SemBuf(1, 5), SemBuf(2, 1)])
    assert ipc.semctl(semid, 0, GETALL) == [2, 5, 1]
    # The second operation cannot proceed: none is applied.
    with pytest.raises(errors.EAGAIN) as info:
        ipc.semop(semid, [SemBuf(0, -1), SemBuf(2, -2, IPC_NOWAIT)])
    assert info.value.syscall == "semop" and info.value.documented
    assert ipc.semctl(semid, 0, GETALL) == [2, 5, 1]
    ipc.semop(semid, (SemBuf(0, -2), SemBuf(1, -5)))
    ipc.semop(semid, iter([SemBuf(2, -1)]))
    assert ipc.semctl(semid, 0, GETALL) == [0, 0, 0]
    assert ipc.semctl(semid, 1, GETPID) == os.getpid()
    assert ipc.semctl(semid, 0, IPC_STAT).sem_otime > 0  # type: ignore[union-attr]


def test_semop_many_operations(semid: int) -> None:
    sops = [SemBuf(i % 3, 1) for i in range(30)]
    ipc.semop(semid, sops)
    assert ipc.semctl(semid, 0, GETALL) == [10, 10, 10]
    semopm = int(Path("/proc/sys/kernel/sem").read_text().split()[2])
    with pytest.raises(errors.E2BIG) as info:
        ipc.semop(semid, [SemBuf(0, 0)] * (semopm + 1))
    assert "kernel.sem" in "".join(info.value.__notes__)
    with pytest.raises(errors.EINVAL):
        ipc.semop(semid, [])


def test_semop_errors(semid: int) -> None:
    with pytest.raises(errors.EFBIG):
        ipc.semop(semid, [SemBuf(3, 1)])
    ipc.semctl(semid, 0, SETVAL, 32767)
    with pytest.raises(errors.ERANGE):
        ipc.semop(semid, [SemBuf(0, 1)])
    with pytest.raises(errors.EINVAL):
        ipc.semop(-1, [SemBuf(0, 1)])
    with pytest.raises(TypeError):
        ipc.semop(semid, [(0, 1, 0)])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        ipc.semop(semid, [SemBuf(0, 1), (0, 1, 0)])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        ipc.semop(semid, SemBuf(0, 1))  # type: ignore[arg-type]
    for bad in (
        (-1, 1, 0),
        (1 << 16, 1, 0),
        (0, 1 << 15, 0),
        (0, -(1 << 15) - 1, 0),
        (0, 1, 1 << 15),
    ):
        with pytest.raises(OverflowError):
            SemBuf(*bad)
    for wrong in ((0.0, 1, 0), (0, "1", 0), (0, 1, None)):
        with pytest.raises(TypeError):
            SemBuf(*wrong)
    # The extremes of the C types are accepted (and the kernel judges them).
    assert SemBuf(0xFFFF, -0x8000, 0x7FFF) == SemBuf(0xFFFF, -0x8000, 0x7FFF)
    assert dataclasses.replace(SemBuf(0, 1), sem_op=2) == SemBuf(0, 2)
    assert ipc.semctl(semid, 0, GETALL) == [32767, 0, 0]
    ipc.semop(semid, [SemBuf(1, 1), SemBuf(2, 1)])
    assert ipc.semctl(semid, 0, GETALL) == [32767, 1, 1]


def test_semop_waits_for_another_thread(semid: int) -> None:
    t = _later(0.1, lambda: ipc.semop(semid, [SemBuf(1, 1)]))
    ipc.semop(semid, [SemBuf(1, -1)])
    t.join()


def test_waiter_counts(semid: int) -> None:
    done = threading.Event()

    def wait_decrease() -> None:
        ipc.semop(semid, [SemBuf(0, -1)])
        done.set()

    ipc.semctl(semid, 0, SETVAL, 0)
    ipc.semctl(semid, 1, SETVAL, 1)
    t1 = threading.Thread(target=wait_decrease)
    t1.start()
    t2 = threading.Thread(target=lambda: ipc.semop(semid, [SemBuf(1, 0)]))
    t2.start()
    deadline = time.monotonic() + 10
    while (ipc.semctl(semid, 0, GETNCNT), ipc.semctl(semid, 1, GETZCNT)) != (1, 1):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    ipc.semop(semid, [SemBuf(0, 1), SemBuf(1, -1)])
    t1.join()
    t2.join()
    assert done.is_set()
    assert ipc.semctl(semid, 0, GETNCNT) == ipc.semctl(semid, 1, GETZCNT) == 0


def test_semtimedop(semid: int) -> None:
    assert ipc.semtimedop(semid, [SemBuf(0, -1)], 0) is False
    assert ipc.semtimedop(semid, [SemBuf(0, -1)], 0.05) is False
    assert ipc.semtimedop(semid, [SemBuf(0, 1)], 0) is True
    assert ipc.semtimedop(semid, [SemBuf(0, -1)], None) is True
    ipc.semctl(semid, 1, SETVAL, 1)
    assert ipc.semtimedop(semid, [SemBuf(1, -1), SemBuf(2, 1)], 5) is True
    assert ipc.semctl(semid, 0, GETALL) == [0, 0, 1]
    # IPC_NOWAIT is not a timeout: EAGAIN, with or without time to wait.
    for timeout in (0, 0.5, None):
        with pytest.raises(errors.EAGAIN) as info:
            ipc.semtimedop(semid, [SemBuf(0, -1, IPC_NOWAIT)], timeout)
        assert info.value.syscall == "semtimedop" and info.value.documented


def test_semtimedop_gets_a_later_post(semid: int) -> None:
    t = _later(0.1, lambda: ipc.semop(semid, [SemBuf(2, 1)]))
    assert ipc.semtimedop(semid, [SemBuf(2, -1)], 30) is True
    t.join()


def test_semtimedop_timeouts(semid: int) -> None:
    for bad in (-1, -0.5, math.nan, -math.inf):
        with pytest.raises(ValueError):
            ipc.semtimedop(semid, [SemBuf(0, 1)], bad)
    with pytest.raises(TypeError):
        ipc.semtimedop(semid, [SemBuf(0, 1)], "1")  # type: ignore[arg-type]
    # Enormous timeouts are waits without end, not overflows.
    for huge in (1 << 80, math.inf, 1e300):
        assert ipc.semtimedop(semid, [SemBuf(0, 1)], huge) is True
    assert ipc.semctl(semid, 0, GETVAL) == 3


def test_sem_undo_is_undone_when_the_process_exits(semid: int) -> None:
    assert _in_child(lambda: ipc.semop(semid, [SemBuf(0, 4, SEM_UNDO), SemBuf(1, 2)])) == 0
    assert ipc.semctl(semid, 0, GETALL) == [0, 2, 0]


def test_rmid_wakes_a_blocked_semop_with_eidrm(semid: int) -> None:
    t = _later(0.2, lambda: ipc.semctl(semid, 0, IPC_RMID))
    with pytest.raises(errors.EIDRM) as info:
        ipc.semop(semid, [SemBuf(0, -1)])
    t.join()
    assert info.value.syscall == "semop"


def test_setall_and_setval(semid: int) -> None:
    assert ipc.semctl(semid, 0, SETALL, [1, 2, 32767]) is None
    assert ipc.semctl(semid, 0, GETALL) == [1, 2, 32767]
    assert ipc.semctl(semid, 1, SETVAL, 9) is None
    assert [ipc.semctl(semid, i, GETVAL) for i in range(3)] == [1, 9, 32767]
    for bad in (-1, 32768, 65536 + 5, 1 << 40, -(1 << 40)):
        with pytest.raises(errors.ERANGE) as info:
            ipc.semctl(semid, 0, SETVAL, bad)
        assert info.value.syscall == "semctl" and info.value.documented
        with pytest.raises(errors.ERANGE):
            ipc.semctl(semid, 0, SETALL, [0, bad, 0])
    assert ipc.semctl(semid, 0, GETALL) == [1, 9, 32767]  # never wrapped into range
    with pytest.raises(ValueError):
        ipc.semctl(semid, 0, SETALL, [1, 2])
    with pytest.raises(TypeError):
        ipc.semctl(semid, 0, SETALL, 5)
    with pytest.raises(TypeError):
        ipc.semctl(semid, 0, SETALL, [1, 2.0, 3])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        ipc.semctl(semid, 0, SETVAL, "1")  # type: ignore[arg-type]
    with pytest.raises(errors.EINVAL):
        ipc.semctl(semid, 3, GETVAL)


@QEMU_STAT_ANY
def test_sem_ipc_set_and_stat_by_index(semid: int) -> None:
    ds = ipc.semctl(semid, 0, IPC_STAT)
    assert isinstance(ds, ipc.SemidDs)
    changed = dataclasses.replace(ds, sem_perm=dataclasses.replace(ds.sem_perm, mode=0o640))
    assert ipc.semctl(semid, 0, IPC_SET, changed) is None
    ipc.semctl(semid, 0, IPC_SET, gid=7)
    after = ipc.semctl(semid, 0, IPC_STAT)
    assert isinstance(after, ipc.SemidDs)
    assert (after.sem_perm.mode & 0o777, after.sem_perm.gid) == (0o640, 7)
    with pytest.raises(TypeError):
        ipc.semctl(semid, 0, IPC_SET, changed, mode=0o600)
    with pytest.raises(TypeError):
        ipc.semctl(semid, 0, IPC_SET, [1])
    assert ipc.semctl(semid % IPCMNI, 0, SEM_STAT) == after
    assert ipc.semctl(semid % IPCMNI, 0, SEM_STAT_ANY) == after
    with pytest.raises(errors.EINVAL):
        ipc.semctl(IPCMNI - 1, 0, SEM_STAT)


def test_semget_errors(tmp_path: Path) -> None:
    with pytest.raises(errors.EINVAL):
        ipc.semget(IPC_PRIVATE, 0, IPC_CREAT | 0o600)
    with pytest.raises(errors.EINVAL):
        ipc.semget(IPC_PRIVATE, -1, IPC_CREAT | 0o600)
    key = ipc.ftok(tmp_path, "s")
    with pytest.raises(errors.ENOENT):
        ipc.semget(key, 1)
    s = ipc.semget(key, 2, IPC_CREAT | IPC_EXCL | 0o600)
    try:
        assert ipc.semget(key, 0) == ipc.semget(key, 2) == s
        with pytest.raises(errors.EINVAL):
            ipc.semget(key, 3)
        with pytest.raises(errors.EEXIST):
            ipc.semget(key, 2, IPC_CREAT | IPC_EXCL)
    finally:
        ipc.semctl(s, 0, IPC_RMID)


def test_every_name_is_exported() -> None:
    for name in ipc.__all__:
        assert getattr(sysapi, name) is getattr(ipc, name)
    assert (int(ipc.SEM_UNDO), int(ipc.MSG_NOERROR)) == (0x1000, 0o10000)  # the Linux values
    for call in ("msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop", "semctl"):
        assert errors.REGISTRY[call].syscall == call
        assert "Raises:" in (getattr(ipc, call).__doc__ or "")


def test_raw_eintr_and_the_pep_475_retry(msqid: int) -> None:
    """A handler that returns restarts msgrcv; the message sent by the handler arrives."""
    hits: list[int] = []

    def handler(signum: int, frame: object) -> None:
        hits.append(signum)
        if len(hits) == 1:
            return
        ipc.msgsnd(msqid, 1, b"after the signal")

    old = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05)
        assert ipc.msgrcv(msqid, 100) == (1, b"after the signal")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert len(hits) >= 2
    assert errno.EINTR in errors.REGISTRY["msgrcv"]


# ---- python -m sysapi ipcs -----------------------------------------------------------------


def _run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 0, (args, done.stderr[-3000:])
    return done.stdout


def _ipcs_texts() -> tuple[str, str]:
    """util-linux ``ipcs`` and ours, retried a few times: other processes of this machine
    create and remove objects at any moment, between the two runs too. A real difference
    shows in every try."""
    for _ in range(10):
        real = _run("ipcs")
        ours = _run(sys.executable, "-m", "sysapi", "ipcs")
        if ours[: len(real)] == real:
            break
    return real, ours


@pytest.mark.skipif(shutil.which("ipcs") is None, reason="util-linux ipcs is not installed")
def test_ipcs_prints_what_util_linux_prints(tmp_path: Path) -> None:
    # IPC_EXCL: a set another user created first under the fixed key is never used.
    q = ipc.msgget(ipc.ftok(tmp_path, "q"), IPC_CREAT | IPC_EXCL | 0o640)
    q2 = ipc.msgget(IPC_PRIVATE, IPC_CREAT | 0o600)
    s = ipc.semget(-5 & 0x7FFF_FFFF, 3, IPC_CREAT | IPC_EXCL | 0o604)
    m = ipc.shmget(IPC_PRIVATE, 5000, IPC_CREAT | 0o644)
    try:
        ipc.msgctl(q2, IPC_SET, uid=54321)  # no user name: the uid is printed
        ipc.msgsnd(q, 1, b"hello world")
        with ipc.shmat(m):
            ipc.shmctl(m, IPC_RMID)  # attached and removed: "dest"
            real, ours = _ipcs_texts()
        # util-linux's sections first, byte for byte; then the POSIX ones.
        assert ours[: len(real)] == real
        assert ours[len(real) :].startswith("------ POSIX Message Queues --------\n")
        rows = [line.split() for line in ours.splitlines()]
        assert [f"0x{ipc.ftok(tmp_path, 'q'):08x}", str(q), "root", "640", "11", "1"] in rows
        assert ["0x00000000", str(q2), "54321", "600", "0", "0"] in rows
        assert ["0x00000000", str(m), "root", "644", "5000", "1", "dest"] in rows
        assert [f"0x{-5 & 0x7FFF_FFFF:08x}", str(s), "root", "604", "3"] in rows
    finally:
        ipc.msgctl(q, IPC_RMID)
        ipc.msgctl(q2, IPC_RMID)
        ipc.semctl(s, 0, IPC_RMID)


def test_ipcs_json(msqid: int, semid: int) -> None:
    ipc.msgsnd(msqid, 1, b"abc")
    ipc.msgctl(msqid, IPC_SET, mode=0o640)
    report = json.loads(_run(sys.executable, "-m", "sysapi", "ipcs", "--json"))
    assert set(report) == {"msg", "shm", "sem", "posix_mq", "posix_sem"}
    (mine,) = [row for row in report["msg"] if row["msqid"] == msqid]
    assert mine == {
        "key": 0,
        "msqid": msqid,
        "owner": "root" if os.geteuid() == 0 else mine["owner"],
        "uid": os.geteuid(),
        "perms": 0o640,
        "used_bytes": 3,
        "messages": 1,
    }
    (sem,) = [row for row in report["sem"] if row["semid"] == semid]
    assert (sem["nsems"], sem["perms"], sem["key"]) == (3, 0o600, 0)
    for row in report["shm"]:
        assert set(row) == {"key", "shmid", "owner", "uid", "perms", "bytes", "nattch", "status"}
        assert set(row["status"]) <= {"dest", "locked"}


def test_ipcs_only_reads(msqid: int, semid: int) -> None:
    ipc.msgsnd(msqid, 1, b"stays")
    msg_before, sem_before = ipc.msgctl(msqid, IPC_STAT), ipc.semctl(semid, 0, IPC_STAT)
    _run(sys.executable, "-m", "sysapi", "ipcs")
    _run(sys.executable, "-m", "sysapi", "ipcs", "--json")
    # Nothing received, changed or operated on: every time and count is as it was.
    assert ipc.msgctl(msqid, IPC_STAT) == msg_before
    assert ipc.semctl(semid, 0, IPC_STAT) == sem_before


def test_fork_does_not_inherit_sem_undo(semid: int) -> None:
    """semop(2): a child does not inherit its parent's undo adjustments — the parent's
    SEM_UNDO is undone when the parent exits, not when a child does."""
    ipc.semop(semid, [SemBuf(0, 2, SEM_UNDO)])
    assert _in_child(lambda: ipc.semop(semid, [SemBuf(1, 1)])) == 0
    assert ipc.semctl(semid, 0, GETALL) == [2, 1, 0]
    # A child that exits while the parent waits: the parent's own undo stays pending.
    assert _in_child(lambda: ipc.semop(semid, [SemBuf(0, -1, SEM_UNDO)])) == 0
    assert ipc.semctl(semid, 0, GETVAL) == 2
    ipc.semop(semid, [SemBuf(0, -2, SEM_UNDO)])  # the parent's net adjustment back to 0


def test_a_child_forked_while_buffers_are_pooled_receives(msqid: int) -> None:
    """The reused receive buffers are per process after fork: parent and child both receive."""
    ipc.msgsnd(msqid, 1, b"warm")
    assert ipc.msgrcv(msqid, 10) == (1, b"warm")  # a buffer is in the pool now
    ipc.msgsnd(msqid, 2, b"for the child")
    assert _in_child(lambda: ipc.msgrcv(msqid, 100, 2) == (2, b"for the child") or os._exit(1)) == 0
    assert ipc.msgctl(msqid, IPC_STAT).msg_qnum == 0  # type: ignore[union-attr]
    ipc.msgsnd(msqid, 3, b"for the parent")
    assert ipc.msgrcv(msqid, 100) == (3, b"for the parent")


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


@pytest.mark.requires_root
def test_ipcs_posix_message_queues(tmp_path: Path) -> None:
    """A private mount namespace with the mqueue filesystem at tmp_path: the queue made there is
    listed with its bytes and messages."""
    from sysapi._commands import ipc as ipcs

    def body() -> None:
        libc = _libc()
        if libc.unshare(0x00020000 | 0x08000000) != 0:  # CLONE_NEWNS | CLONE_NEWIPC
            raise OSError(ctypes.get_errno(), "unshare")
        subprocess.run(["mount", "--make-rprivate", "/"], check=True)
        # An mqueue mount inherited from the parent (systemd's /dev/mqueue, or the one
        # tools/platforms.sh makes in its roots) shows the parent's IPC namespace, not the new
        # one, and would be listed first: unmount it in this private mount namespace.
        while (inherited := ipcs.mqueue_mount()) is not None:
            subprocess.run(["umount", inherited], check=True)
        subprocess.run(["mount", "-t", "mqueue", "none", str(tmp_path)], check=True)
        assert ipcs.mqueue_mount() == str(tmp_path)
        # glibc before 2.34 keeps the mq_* functions in librt.
        rt = libc if hasattr(libc, "mq_open") else ctypes.CDLL("librt.so.1", use_errno=True)
        rt.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p]
        mqd = rt.mq_open(b"/jobs", os.O_CREAT | os.O_RDWR, 0o640, None)
        assert mqd >= 0
        assert rt.mq_send(mqd, b"hello", 5, 0) == 0
        assert rt.mq_send(mqd, b"world!", 6, 0) == 0
        (row,) = ipcs.posix_queues(ipcs.mqueue_mount())
        messages = 2
        assert row == {
            "name": "/jobs",
            "owner": "root",
            "uid": 0,
            "perms": 0o640,
            "used_bytes": 11,
            "messages": messages,
        }
        text = ipcs.posix_text([row], [])
        assert f"/jobs                root       640        11           {messages}" in text

    assert _in_child(body) == 0


def test_ipcs_posix_semaphores() -> None:
    from sysapi._commands import ipc as ipcs

    name = f"/sysapi-test-{os.getpid()}"
    libc = _libc()
    libc.sem_open.restype = ctypes.c_void_p
    libc.sem_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_uint]
    sem = libc.sem_open(name.encode(), os.O_CREAT | os.O_EXCL, 0o600, 3)
    assert sem not in (None, 0, ctypes.c_void_p(-1).value)
    try:
        (row,) = [r for r in ipcs.posix_semaphores() if r["name"] == name]
        value = 3
        assert row == {
            "name": name,
            "owner": ipcs.owner(os.geteuid()),
            "uid": os.geteuid(),
            "perms": 0o600,
            "value": value,
        }
        report = json.loads(_run(sys.executable, "-m", "sysapi", "ipcs", "--json"))
        assert row in report["posix_sem"]
    finally:
        libc.sem_close(ctypes.c_void_p(sem))
        libc.sem_unlink(name.encode())


def test_ipcs_survives_a_short_sem_file() -> None:
    """A file named like a semaphore but shorter than a sem_t is listed without a value (its
    mapping would raise SIGBUS on the read)."""
    from sysapi._commands import ipc as ipcs

    path = Path(ipcs.SEM_DIR) / f"{ipcs.SEM_PREFIX}sysapi-short-{os.getpid()}"
    path.write_bytes(b"")
    try:
        (row,) = [r for r in ipcs.posix_semaphores() if r["name"] == "/" + path.name[4:]]
        assert row["value"] is None
        _run(sys.executable, "-m", "sysapi", "ipcs")
    finally:
        path.unlink()
