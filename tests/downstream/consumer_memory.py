"""Downstream use of sysapi.memory (API.md names), type-checked against the installed wheel."""

from __future__ import annotations

import mmap

import sysapi
from sysapi import memory


def lock_and_inspect(path: str) -> tuple[bytes, int, bool]:
    buf = bytearray(mmap.PAGESIZE)
    sysapi.mlock(buf)
    sysapi.munlock(buf)
    sysapi.mlock2(buf, flags=sysapi.MLOCK_ONFAULT)
    sysapi.munlock(buf)
    with mmap.mmap(-1, mmap.PAGESIZE) as mm:
        resident: bytes = sysapi.mincore(mm)
        sysapi.mprotect(mm, None, sysapi.PROT_READ | sysapi.PROT_WRITE)
    address, length = 0x10000, mmap.PAGESIZE
    sysapi.mlock(address, length)
    sysapi.munlock(address, length)
    sysapi.mprotect(address, length, sysapi.PROT_NONE)
    sysapi.mlockall(sysapi.MCL_CURRENT | sysapi.MCL_FUTURE | sysapi.MCL_ONFAULT)
    sysapi.munlockall()
    cache = sysapi.fincore(path)
    pages: int = cache.pages + cache.resident_pages + cache.size
    trimmed: bool = sysapi.malloc_trim(0)
    info = memory.mallinfo2()
    sysapi.mallopt(sysapi.M_MMAP_THRESHOLD, 1 << 20)
    sysapi.mallopt(sysapi.M_TRIM_THRESHOLD, 1 << 20)
    sysapi.mallopt(sysapi.M_ARENA_MAX, 2)
    return resident, pages + info.arena + info.uordblks + sysapi.PROT_EXEC, trimmed
