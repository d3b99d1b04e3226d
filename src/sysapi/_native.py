"""The extension's native functions: the few hot calls whose results are built in C.

Most of sysapi calls C through cffi shims and builds results in Python. A cffi call costs a
floor (argument conversion, releasing and taking back the GIL) and so does every object built
in Python afterwards; for the hottest calls that returns a structure, C builds the result
itself, against CPython's limited API (the module stays abi3). Each area's C source
(``_ffi/<area>.py``) defines its functions in a ``PyMethodDef`` table; importing this module
attaches them all to ``sysapi._sysapi`` (``sysapi_native_install``, once), and the areas import
them from here.

Conventions: a native function whose system call can block (``waitid``, ``sigwait``,
``fincore``'s fstat) releases the GIL around that call alone, touching only C locals meanwhile;
the others keep it. A failed call returns its errno as an ``int`` (``-errno`` where the result
itself is an int), EINTR included, which the area retries (PEP 475: the handlers have run when
the function returns) or raises through :mod:`sysapi._syscall` with the call's ``ErrorSpec``.
Bad Python input raises TypeError/OverflowError in C as the argument conversion does. Record
classes are bound once by the area (``<area>_bind``) right after it defines them.
"""

from __future__ import annotations

from sysapi import _syscall  # noqa: F401  (refuses a stale extension before its use here)
from sysapi._sysapi import lib

if lib.sysapi_native_install() < 0:
    raise ImportError("sysapi._sysapi: out of memory installing the native functions")

from sysapi._sysapi import (  # installed just above
    fincore,
    inotify_bind,
    inotify_events,
    mallinfo2,
    memory_bind,
    mincore,
    shm_bind,
    shm_stat,
    signals_bind,
    sigwait,
    timer_getoverrun,
    timer_gettime,
    timers_bind,
    timex_bind,
    timex_result,
    waitid,
    waitid_bind,
    waitid_result,
)

__all__ = [
    "fincore",
    "inotify_bind",
    "inotify_events",
    "mallinfo2",
    "memory_bind",
    "mincore",
    "shm_bind",
    "shm_stat",
    "signals_bind",
    "sigwait",
    "timer_getoverrun",
    "timer_gettime",
    "timers_bind",
    "timex_bind",
    "timex_result",
    "waitid",
    "waitid_bind",
    "waitid_result",
]
