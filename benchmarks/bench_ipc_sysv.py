"""SysV message queue and semaphore benchmark, side by side in one run.

Run: python benchmarks/bench_ipc_sysv.py [--save]

Rows, timed interleaved (the median of the rounds): sysapi; the bare cffi ``lib`` calls of the
same shims, written ``lib.f(...)`` as in the other benchmarks, with their arguments made once
(the floor of any cffi binding; for msgrcv it also copies the message out of the buffer, as
any binding must); the same with the shims bound to local names (a lower floor, shown for
comparison); the ``sysv_ipc`` package (a C extension, ``pip install '.[bench]'``); a C loop of
the plain system calls. Goal (issue 16): each sysapi row at most 1.35x the bare cffi lib call;
the peer's ratio is printed beside it.

- message round trip: ``msgsnd`` of 16 bytes, then ``msgrcv`` of it (one process, one queue);
- semaphore op/release: ``semop`` -1 then +1 on a one-semaphore set (never blocks);
- two-semaphore op/release: the same with two operations per call.
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(__file__))

from harness import Table, c_loop_ns

import sysapi
from sysapi import ipc
from sysapi._sysapi import ffi, lib

try:
    import sysv_ipc
except ImportError:  # the optional peer: its rows are left out
    sysv_ipc = None

NUMBER = 20000
DATA = b"0123456789abcdef"
C_INCLUDES = "#include <sys/ipc.h>\n#include <sys/msg.h>\n#include <sys/sem.h>\n#include <string.h>"
PEER = "sysv_ipc"


BARE = "bare cffi lib call"
LOCAL = "bare cffi, shims bound to locals"


def table(
    title: str,
    rows: dict[str, Callable[[], object]],
    peer: Callable[[], object] | None,
    c_body: str,
    c_setup: str,
    c_args: list[str],
) -> bool:
    t = Table(title, BARE)
    if peer is not None:
        rows = {**rows, PEER: peer}
    t.measure(rows, NUMBER)
    t.add("C loop", c_loop_ns(c_body, includes=C_INCLUDES, setup=c_setup, args=c_args))
    t.goal("sysapi", BARE, 1.35)
    met = t.print()
    print(f"  sysapi is {t.ratio('sysapi', LOCAL):.2f}x {LOCAL}")
    if peer is not None:
        print(f"  peer: {PEER} is {t.ratio(PEER, BARE):.2f}x {BARE}")
    return met


def message_round_trip(key: int, msqid: int) -> bool:
    buf = ffi.new("char[]", 8 + 64)
    mtype, text = ffi.cast("long *", buf), ffi.buffer(buf)
    msgsnd, msgrcv = lib.sysapi_msgsnd, lib.sysapi_msgrcv

    def bare() -> object:
        lib.sysapi_msgsnd(msqid, 1, DATA, 16, 0)
        n = lib.sysapi_msgrcv(msqid, buf, 64, 0, 0)
        return mtype[0], text[8 : 8 + n]  # the least that hands the message over

    def local() -> object:
        msgsnd(msqid, 1, DATA, 16, 0)
        n = msgrcv(msqid, buf, 64, 0, 0)
        return mtype[0], text[8 : 8 + n]

    def ours() -> None:
        sysapi.msgsnd(msqid, 1, DATA)
        sysapi.msgrcv(msqid, 64)

    assert sysapi.msgsnd(msqid, 1, DATA) is None and sysapi.msgrcv(msqid, 64) == (1, DATA)
    peer = None
    if sysv_ipc is not None:
        mq = sysv_ipc.MessageQueue(key)

        def peer() -> None:
            mq.send(DATA, True, 1)
            mq.receive()

    return table(
        "SysV message round trip: msgsnd 16 bytes + msgrcv",
        {"sysapi": ours, BARE: bare, LOCAL: local},
        peer,
        "msgsnd(q, &m, 16, 0); msgrcv(q, &m, 64, 0, 0);",
        'int q = atoi(argv[3]); struct { long t; char d[64]; } m = {1, "0123456789abcdef"};',
        [str(msqid)],
    )


def semaphore_op_release(key: int, semid: int) -> bool:
    semop = lib.sysapi_semop
    down, up = [sysapi.SemBuf(0, -1)], [sysapi.SemBuf(0, 1)]
    c_down, c_up = ipc._sops_array(down)[0], ipc._sops_array(up)[0]  # the arrays made once

    def bare() -> None:
        lib.sysapi_semop(semid, c_down, 1)
        lib.sysapi_semop(semid, c_up, 1)

    def local() -> None:
        semop(semid, c_down, 1)
        semop(semid, c_up, 1)

    def ours() -> None:
        sysapi.semop(semid, down)
        sysapi.semop(semid, up)

    peer = None
    if sysv_ipc is not None:
        sem = sysv_ipc.Semaphore(key)

        def peer() -> None:
            sem.acquire()
            sem.release()

    return table(
        "SysV semaphore op/release: semop -1, semop +1",
        {"sysapi": ours, BARE: bare, LOCAL: local},
        peer,
        "semop(s, &down, 1); semop(s, &up, 1);",
        "int s = atoi(argv[3]); struct sembuf down = {0, -1, 0}, up = {0, 1, 0};",
        [str(semid)],
    )


def two_semaphores(semid: int) -> bool:
    semop = lib.sysapi_semop
    down = [sysapi.SemBuf(0, -1), sysapi.SemBuf(1, -1)]
    up = [sysapi.SemBuf(0, 1), sysapi.SemBuf(1, 1)]
    c_down, c_up = ipc._sops_array(down)[0], ipc._sops_array(up)[0]  # the arrays made once

    def bare() -> None:
        lib.sysapi_semop(semid, c_down, 2)
        lib.sysapi_semop(semid, c_up, 2)

    def local() -> None:
        semop(semid, c_down, 2)
        semop(semid, c_up, 2)

    def ours() -> None:
        sysapi.semop(semid, down)
        sysapi.semop(semid, up)

    return table(
        "SysV semaphore op/release of two semaphores per semop",
        {"sysapi": ours, BARE: bare, LOCAL: local},
        None,  # sysv_ipc has one-semaphore sets only (sysv_ipc#18)
        "semop(s, down, 2); semop(s, up, 2);",
        "int s = atoi(argv[3]); struct sembuf down[2] = {{0, -1, 0}, {1, -1, 0}},"
        " up[2] = {{0, 1, 0}, {1, 1, 0}};",
        [str(semid)],
    )


def _new(create: Callable[[int], int]) -> tuple[int, int]:
    """A new object under a key of its own (sysv_ipc opens objects by key, not by id)."""
    while True:
        key = random.randrange(1, 1 << 31)
        try:
            return key, create(key)
        except FileExistsError:
            continue


def main() -> int:
    flags = sysapi.IPC_CREAT | sysapi.IPC_EXCL | 0o600
    msg_key, msqid = _new(lambda key: sysapi.msgget(key, flags))
    sem_key, one = _new(lambda key: sysapi.semget(key, 1, flags))
    two = sysapi.semget(sysapi.IPC_PRIVATE, 2, flags)
    try:
        sysapi.semctl(one, 0, sysapi.SETVAL, 1)
        sysapi.semctl(two, 0, sysapi.SETALL, [1, 1])
        ok = message_round_trip(msg_key, msqid)
        ok &= semaphore_op_release(sem_key, one)
        ok &= two_semaphores(two)
    finally:
        sysapi.msgctl(msqid, sysapi.IPC_RMID)
        sysapi.semctl(one, 0, sysapi.IPC_RMID)
        sysapi.semctl(two, 0, sysapi.IPC_RMID)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
