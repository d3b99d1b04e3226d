"""The static view of ``sysapi`` for type checkers: every area re-exported, as ``__init__.py``
provides it lazily at run time. It must list every area of ``sysapi._areas.AREAS``
(tests/test_api.py checks it)."""

from sysapi import (
    clock,
    errors,
    fs,
    inotify,
    ipc,
    memory,
    process,
    sched,
    signals,
    timers,
    xattr,
)
from sysapi.clock import *  # noqa: F403
from sysapi.errors import ErrorSpec, SysapiError
from sysapi.fd import Fd, FdLike
from sysapi.fs import *  # noqa: F403
from sysapi.inotify import *  # noqa: F403
from sysapi.ipc import *  # noqa: F403
from sysapi.memory import *  # noqa: F403
from sysapi.process import *  # noqa: F403
from sysapi.sched import *  # noqa: F403
from sysapi.signals import *  # noqa: F403
from sysapi.timers import *  # noqa: F403
from sysapi.xattr import *  # noqa: F403

__version__: str

__all__: list[str] = [
    "ErrorSpec",
    "Fd",
    "FdLike",
    "SysapiError",
    "__version__",
    "clock",
    "errors",
    "fs",
    "inotify",
    "ipc",
    "memory",
    "process",
    "sched",
    "signals",
    "timers",
    "xattr",
]
__all__ += fs.__all__
__all__ += xattr.__all__
__all__ += inotify.__all__
__all__ += memory.__all__
__all__ += sched.__all__
__all__ += timers.__all__
__all__ += clock.__all__
__all__ += process.__all__
__all__ += signals.__all__
__all__ += ipc.__all__
