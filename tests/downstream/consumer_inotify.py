"""Downstream use of sysapi.inotify (API.md names), type-checked against the installed wheel."""

from __future__ import annotations

import sysapi
from sysapi import inotify


def created(path: str) -> list[str]:
    with sysapi.Inotify() as ino:
        wd: int = ino.add_watch(path, sysapi.IN_CREATE | sysapi.IN_CLOSE_WRITE)
        events: list[sysapi.InotifyEvent] = ino.read(timeout=0.1)
        pending: int = ino.queued_bytes()
        ino.rm_watch(wd)
        closed: bool = ino.closed
        number: int = ino.fileno()
        names = [e.name for e in events if e.mask & sysapi.InotifyMask.IN_CREATE]
        return [*names, str(pending), str(closed), str(number)]


def each(ino: inotify.Inotify) -> list[int]:
    return [event.wd + event.cookie for event in ino]


async def watch(ino: sysapi.Inotify) -> list[str]:
    return [event.name async for event in ino]


def thin(path: str, data: bytes) -> list[sysapi.InotifyEvent]:
    fd: int = sysapi.inotify_init1(sysapi.IN_NONBLOCK | sysapi.IN_CLOEXEC)
    wd: int = sysapi.inotify_add_watch(fd, path, sysapi.IN_MOVED_FROM | sysapi.IN_Q_OVERFLOW)
    sysapi.inotify_rm_watch(fd, wd)
    return sysapi.parse_events(data)
