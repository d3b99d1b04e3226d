"""Downstream use of sysapi.ipc (API.md names), type-checked against the installed wheel."""

from __future__ import annotations

import sysapi
from sysapi import ipc


def shared_page(path: str) -> int:
    key: int = sysapi.ftok(path, 1)
    shmid: int = sysapi.shmget(sysapi.IPC_PRIVATE, 4096, sysapi.IPC_CREAT | sysapi.IPC_EXCL | 0o600)
    with sysapi.shmat(shmid) as segment:
        memoryview(segment)[0] = 1
    reader = ipc.shmat(shmid, sysapi.SHM_RDONLY)
    first = memoryview(reader)[0]
    reader.detach()
    sysapi.shmdt(sysapi.shmat(shmid))
    status = sysapi.shmctl(shmid, sysapi.IPC_STAT)
    sysapi.shmctl(shmid, sysapi.IPC_RMID)
    described: ipc.ShmidDs | None = status
    return key + first + (0 if described is None else 1)
