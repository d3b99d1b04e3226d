"""POSIX IPC benchmark: message queue send + receive and named semaphore acquire + release,
side by side with posix_ipc (run: python benchmarks/bench_ipc_posix.py [--save]; the peer
comes with the `bench` extra, its rows are left out without it).

Rows, timed interleaved (round-robin, best round each) in one run: sysapi's owned objects
(``MessageQueue.send``/``receive``, ``NamedSemaphore.acquire``/``release``), the bare cffi
``lib`` shims called from the same Python loop with preallocated buffers, as ``lib.f(...)``
like the other benchmarks (the floor of any cffi binding; the receive also builds the
``(bytes, priority)`` result), the same with the shims bound to local names (no attribute
lookup on ``lib``: a lower floor, shown for comparison), posix_ipc (a C extension), and a C
loop of the same calls.
Goal (issue 16): each sysapi row at most 1.35x the bare cffi call; the peer's ratio to the
bare call is printed beside it.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from harness import Table, c_loop_ns

import sysapi
from sysapi._sysapi import ffi, lib

try:
    import posix_ipc  # type: ignore[import-untyped,import-not-found,unused-ignore]
except ImportError:  # the optional peer (`pip install '.[bench]'`): its rows are left out
    posix_ipc = None

MESSAGE = b"x" * 16
NUMBER = 20000
GOAL = 1.35
C_INCLUDES = "#include <fcntl.h>\n#include <mqueue.h>\n#include <semaphore.h>\n"


def _peer_line(t: Table, sysapi_row: str, peer_row: str, bare_row: str) -> None:
    print(
        f"  peer: {peer_row} is {t.ratio(peer_row, bare_row):.2f}x {bare_row}; "
        f"{sysapi_row} is {t.ratio(sysapi_row, peer_row):.2f}x {peer_row}"
    )


def _mq_table() -> bool:
    name, peer_name = f"/sysapi-bench-{os.getpid()}", f"/sysapi-bench-peer-{os.getpid()}"
    attr = sysapi.MqAttr(mq_maxmsg=8, mq_msgsize=64)
    q = sysapi.mq_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600, attr)
    peer = posix_ipc.MessageQueue(peer_name, posix_ipc.O_CREX, max_messages=8, max_message_size=64)
    try:
        fd = q.fileno()
        buf, prio = ffi.new("char[]", 64), ffi.new("unsigned int *")
        send, receive, unpack = lib.sysapi_mq_send, lib.sysapi_mq_receive, ffi.unpack

        def sysapi_round_trip() -> None:
            q.send(MESSAGE)
            q.receive()

        def bare_round_trip() -> None:
            lib.sysapi_mq_send(fd, MESSAGE, 16, 0)
            n = lib.sysapi_mq_receive(fd, buf, 64, prio)
            (ffi.unpack(buf, n), prio[0])

        def bare_local_round_trip() -> None:
            send(fd, MESSAGE, 16, 0)
            n = receive(fd, buf, 64, prio)
            (unpack(buf, n), prio[0])

        def peer_round_trip() -> None:
            assert peer is not None
            peer.send(MESSAGE)
            peer.receive()

        t = Table("POSIX mq: send + receive of 16 bytes", "bare cffi lib call")
        rows = {
            "sysapi MessageQueue.send + receive": sysapi_round_trip,
            "bare cffi lib call": bare_round_trip,
            "bare cffi, shims bound to locals": bare_local_round_trip,
        }
        if peer is not None:
            rows["posix_ipc MessageQueue.send + receive"] = peer_round_trip
        t.measure(rows, NUMBER)
        t.add(
            "C loop (mq_send + mq_receive)",
            c_loop_ns(
                'mq_send(q, "xxxxxxxxxxxxxxxx", 16, 0); mq_receive(q, buf, 64, &prio);',
                includes=C_INCLUDES,
                setup="mqd_t q = mq_open(argv[3], O_RDWR); char buf[64]; unsigned prio;",
                args=[name],
                number=NUMBER,
            ),
        )
        t.goal("sysapi MessageQueue.send + receive", "bare cffi lib call", GOAL)
        met = t.print()
        if peer is not None:
            _peer_line(
                t,
                "sysapi MessageQueue.send + receive",
                "posix_ipc MessageQueue.send + receive",
                "bare cffi lib call",
            )
        return met
    finally:
        q.close()
        sysapi.mq_unlink(name)
        if peer is not None:
            peer.unlink()
            peer.close()


def _sem_table() -> bool:
    name, peer_name = f"/sysapi-bench-{os.getpid()}", f"/sysapi-bench-peer-{os.getpid()}"
    s = sysapi.sem_open(name, os.O_CREAT | os.O_EXCL, 0o600, 1)
    peer = None
    if posix_ipc is not None:
        peer = posix_ipc.Semaphore(peer_name, posix_ipc.O_CREX, initial_value=1)
    try:
        h = s._h
        wait, post = lib.sysapi_sem_wait, lib.sysapi_sem_post

        def sysapi_pair() -> None:
            s.acquire()
            s.release()

        def bare_pair() -> None:
            lib.sysapi_sem_wait(h)
            lib.sysapi_sem_post(h)

        def bare_local_pair() -> None:
            wait(h)
            post(h)

        def peer_pair() -> None:
            assert peer is not None
            peer.acquire()
            peer.release()

        t = Table("named semaphore: acquire + release", "bare cffi lib call")
        rows = {
            "sysapi NamedSemaphore.acquire + release": sysapi_pair,
            "bare cffi lib call": bare_pair,
            "bare cffi, shims bound to locals": bare_local_pair,
        }
        if peer is not None:
            rows["posix_ipc Semaphore.acquire + release"] = peer_pair
        t.measure(rows, NUMBER * 5)
        t.add(
            "C loop (sem_wait + sem_post)",
            c_loop_ns(
                "sem_wait(s); sem_post(s);",
                includes=C_INCLUDES,
                setup="sem_t *s = sem_open(argv[3], 0);",
                args=[name],
                number=NUMBER * 5,
            ),
        )
        t.goal("sysapi NamedSemaphore.acquire + release", "bare cffi lib call", GOAL)
        met = t.print()
        if peer is not None:
            _peer_line(
                t,
                "sysapi NamedSemaphore.acquire + release",
                "posix_ipc Semaphore.acquire + release",
                "bare cffi lib call",
            )
        return met
    finally:
        s.close()
        sysapi.sem_unlink(name)
        if peer is not None:
            peer.unlink()
            peer.close()


def main() -> int:
    met = _mq_table()
    met &= _sem_table()
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
