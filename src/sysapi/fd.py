"""File descriptors: borrowed (``FdLike``) and owned (:class:`Fd`)."""

from __future__ import annotations

import os
import warnings

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeAlias

    from sysapi._hasfileno import HasFileno
else:

    def __getattr__(name: str) -> object:
        if name == "HasFileno":
            from sysapi._hasfileno import HasFileno

            return HasFileno
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Fd", "FdLike", "HasFileno", "fileno"]

#: A borrowed descriptor, an ``int`` or any object with ``fileno()``.
FdLike: TypeAlias = "int | HasFileno"


def fileno(fd: FdLike) -> int:
    """The descriptor number of ``fd``. Range errors are left to cffi (OverflowError)."""
    if type(fd) is int:
        return fd
    if isinstance(fd, int):
        return int(fd)
    method = getattr(fd, "fileno", None)
    if method is None:
        raise TypeError(f"expected an int or an object with fileno(), not {type(fd).__name__}")
    number = method()
    if not isinstance(number, int):
        raise TypeError(f"{type(fd).__name__}.fileno() returned {type(number).__name__}, not int")
    return int(number)


class Fd:
    """An owned file descriptor: closed by :meth:`close`, on context exit, or (with a
    ``ResourceWarning``) when garbage-collected open.

    Subclasses wrap kernel objects that are descriptors (``Inotify``). The descriptor number is
    set to -1 *before* it is closed, so a concurrent user sees a closed object, never a number
    that the kernel may already have handed to someone else.
    """

    __slots__ = ("__weakref__", "_fd")

    _fd: int

    def __init__(self, fd: int) -> None:
        if not isinstance(fd, int) or fd < 0:
            raise ValueError(f"not a file descriptor: {fd!r}")
        self._fd = fd

    def fileno(self) -> int:
        fd = self._fd
        if fd < 0:
            raise ValueError(f"I/O operation on closed {type(self).__name__}")
        return fd

    @property
    def closed(self) -> bool:
        return self._fd < 0

    def close(self) -> None:
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)

    def detach(self) -> int:
        """Give up ownership: return the descriptor and leave this object closed."""
        fd = self.fileno()
        self._fd = -1
        return fd

    def __enter__(self) -> Fd:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_fd", -1) >= 0:
            warnings.warn(f"unclosed {self!r}", ResourceWarning, stacklevel=2, source=self)
            self.close()

    def __repr__(self) -> str:
        state = "closed" if self._fd < 0 else f"fd={self._fd}"
        return f"<{type(self).__name__} {state}>"
