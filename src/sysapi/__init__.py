"""sysapi: typed bindings for the Linux system calls CPython's standard library lacks.

Every public name is importable from here and from its area module. Failing calls raise the
``sysapi.errors`` class named after the errno (also an instance of the matching builtin such as
``PermissionError``); ``sysapi.errors.REGISTRY`` holds each call's documented error list.
"""

from __future__ import annotations

from sysapi import clock, errors, fs, inotify, ipc, memory, process, sched, signals, timers, xattr
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

__version__ = "0.1.0"

__all__ = [
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
