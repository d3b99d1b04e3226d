"""Reference cases of the SysV message queues and semaphore sets and the POSIX message queues
and semaphores (the SysV shared memory cases are in ``process.py``)."""

from __future__ import annotations

from sysapi.conformance import Case

IPC = "ipc"

CASES: list[Case] = []
