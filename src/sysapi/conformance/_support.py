"""Helpers of the case modules: bad-pointer calls, and the order of a module's cases.

Bad pointers: a ``sysapi_<name>`` shim is called as a C program would, in a forked child.

No argument of sysapi's Python API becomes a bad pointer, so EFAULT is provoked one layer down:
the shim itself gets ``(void *)-1`` (the LTP idiom: an address no user mapping can hold). Where
the shim hands that pointer to the kernel, the kernel answers EFAULT. Where the shim (or glibc)
copies through a structure of its own in user space, the copy faults first and the process dies
of SIGSEGV; the call runs in a forked child so that the crash is contained and reported, with
the reason, as "not provoked here".
"""

from __future__ import annotations

import faulthandler
import os
import resource
import signal
from collections.abc import Callable
from typing import Any, NoReturn

from sysapi import _syscall
from sysapi._sysapi import ffi
from sysapi.conformance import Case, NotProvokable
from sysapi.errors import ErrorSpec

__all__ = ["WRITES_AFTER", "bad", "by_call", "shim_in_child"]

#: Why a bad output pointer never reaches the kernel through most shims: they pass a
#: structure of their own and copy the result out once the call succeeded.
WRITES_AFTER = "the shim writes the result through the pointer after the call succeeded"
#: The child's exit status when the call raised in Python instead of returning (a slip in the
#: case itself, never an errno: Linux errnos stay below 134).
_RAISED = 255


def bad(ctype: str = "void *") -> Any:
    """``(ctype)-1``: a pointer into the kernel half of the address space."""
    return ffi.cast(ctype, -1)


def _child(call: Callable[[], int]) -> NoReturn:
    status = _RAISED
    try:
        # A fault must end the child quietly: no core file in the working directory, no
        # traceback dump from faulthandler (pytest enables it), no Python handler.
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        faulthandler.disable()
        signal.signal(signal.SIGSEGV, signal.SIG_DFL)
        signal.signal(signal.SIGBUS, signal.SIG_DFL)
        result = call()
        status = -result if result < 0 else 0
    finally:
        os._exit(status)


def shim_in_child(spec: ErrorSpec, call: Callable[[], int], *, crashes: str | None = None) -> None:
    """Run ``call()`` (a shim given a bad pointer, returning ``-errno``) in a forked child, and
    raise the errno it returned as ``spec``'s call would.

    ``crashes`` is the reason why the child is expected to die of a signal (the shim or glibc
    dereferences the pointer in user space): that death is then reported as not provokable
    here. Without it, a death is unexpected.
    """
    pid = os.fork()
    if pid == 0:
        _child(call)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        if crashes is None:
            raise AssertionError(f"the child died of {name} instead of returning an errno")
        raise NotProvokable(
            f"{crashes}: the forked child died of {name} in user space, the kernel never saw "
            "the bad pointer"
        )
    code = os.WEXITSTATUS(status)
    if code == _RAISED:
        raise RuntimeError("the call raised in the child (a wrong argument type?)")
    if code:
        _syscall.raise_errno(code, spec)


def by_call(cases: list[Case]) -> list[Case]:
    """``cases`` with each call's cases together, calls in the order they first appear (the
    report prints one heading per run of a call)."""
    order = {call: i for i, call in enumerate(dict.fromkeys(c.syscall for c in cases))}
    return sorted(cases, key=lambda c: order[c.syscall])
