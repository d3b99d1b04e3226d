"""The one place where a failed call becomes an exception.

Every C function sysapi calls is a ``sysapi_<name>`` shim (see ``_ffi/base.py``) that returns a
non-negative result or ``-errno``. errno is therefore captured in C, in the calling thread, the
instant the call returns: nothing that runs afterwards (a Python signal handler, another cffi
call) can overwrite it, which reading ``ffi.errno`` later could not guarantee.
"""

from __future__ import annotations

import errno as _errno
import os
from collections.abc import Callable

from sysapi import _areas, _stamp, _sysapi
from sysapi._sysapi import lib
from sysapi.errors import ErrorSpec, SysapiError, from_errno

# Every area imports this module before it uses the extension: refuse a stale one here.
_stamp.check(lib.SYSAPI_FFI_STAMP, _areas.AREAS, extension=_sysapi.__file__)

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn

__all__ = ["call", "check", "error", "raise_errno", "retry", "retry_native"]


def error(err: int, spec: ErrorSpec, filename: object = None) -> SysapiError:
    """Build the exception for ``err`` raised by the call ``spec`` documents, with its hints."""
    cls = from_errno(err)
    strerror = os.strerror(err)
    if err == _errno.ENOSYS and spec.libc is not None and not _libc_has(spec.syscall):
        strerror = f"{spec.syscall} needs {spec.libc}, and this process runs {running_libc()}"
    exc = cls(err, strerror) if filename is None else cls(err, strerror, filename)
    exc.syscall = spec.syscall
    exc.documented = err in spec
    hint = spec.hints.get(err)
    if hint is not None:
        exc.add_note(hint())
    return exc


def _libc_has(function: str) -> bool:
    return bool(lib.sysapi_libc_has(function.encode()))


def running_libc() -> str:
    """The C library of this process, e.g. ``"glibc 2.36"``."""
    try:
        version = os.confstr("CS_GNU_LIBC_VERSION")
    except (ValueError, OSError):  # a C library other than glibc has no such name
        version = None
    return version or "a C library other than glibc (musl?)"


def raise_errno(err: int, spec: ErrorSpec, filename: object = None) -> NoReturn:
    raise error(err, spec, filename)


def check(result: int, spec: ErrorSpec, filename: object = None) -> int:
    """Return ``result``, or raise for a negative (``-errno``) shim result. No retry."""
    if result < 0:
        raise error(-result, spec, filename)
    return result


def call(spec: ErrorSpec, func: Callable[..., int], *args: Any, filename: object = None) -> int:
    """Call a shim, retrying EINTR as PEP 475 does, and raise on failure.

    After EINTR, CPython has already run the Python signal handlers when ``func`` returned
    (the eval loop checks for pending signals after every C call): a handler that raised has
    propagated out of here; one that returned lets us retry. Calls with a timeout must not use
    this loop: they recompute the remaining time themselves.
    """
    while True:
        result = func(*args)
        if result >= 0:
            return result
        if result != -_errno.EINTR:
            raise error(-result, spec, filename)


def retry(
    result: int, spec: ErrorSpec, func: Callable[..., int], *args: Any, filename: object = None
) -> int:
    """The slow path of a call made inline: ``result`` is the negative result of a first call of
    ``func(*args)``; retry on EINTR (PEP 475) and raise on anything else.

    Hot calls use ``r = lib.f(...); if r < 0: r = retry(r, SPEC, lib.f, ...)`` so that success
    costs one comparison rather than a Python-level call of :func:`call`.
    """
    while result < 0:
        if result != -_errno.EINTR:
            raise error(-result, spec, filename)
        result = func(*args)
    return result


def retry_native(
    err: int, spec: ErrorSpec, func: Callable[..., object], *args: Any, filename: object = None
) -> Any:
    """The slow path of a native function (:mod:`sysapi._native`) that returned the errno
    ``err`` instead of its result: retry ``func(*args)`` on EINTR (PEP 475) and raise on
    anything else. Returns the first result that is not an errno."""
    while True:
        if err != _errno.EINTR:
            raise error(err, spec, filename)
        result = func(*args)
        if result.__class__ is not int:
            return result
        err = result
