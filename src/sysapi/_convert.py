"""Argument conversion shared by the areas: bad Python input stops here, before any syscall."""

from __future__ import annotations

import os

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeAlias

__all__ = ["PathLike", "ceil_ns", "fspath", "name_bytes"]

#: A path: ``str``, ``bytes`` or ``os.PathLike``.
PathLike: TypeAlias = "str | bytes | os.PathLike[str] | os.PathLike[bytes]"


def fspath(path: PathLike) -> bytes:
    """Encode a path as the kernel sees it; TypeError for a non-path, ValueError for a NUL."""
    encoded = os.fsencode(path)
    if b"\0" in encoded:
        raise ValueError("embedded null byte in path")
    return encoded


def name_bytes(name: str | bytes, what: str = "name") -> bytes:
    """Encode a ``str | bytes`` name (xattr names, ...) as the filesystem encoding does."""
    if isinstance(name, str):
        encoded = os.fsencode(name)
    elif isinstance(name, bytes):
        encoded = name
    else:
        raise TypeError(f"{what} must be str or bytes, not {type(name).__name__}")
    if b"\0" in encoded:
        raise ValueError(f"embedded null byte in {what}")
    return encoded


def ceil_ns(seconds: float) -> int:
    """``seconds`` in nanoseconds, rounded up: ``math.ceil(seconds * 1e9)``, without importing
    ``math`` (a shared library: 0.2 ms of an import)."""
    ns = seconds * 1e9
    whole = int(ns)  # toward zero; OverflowError for an infinity, ValueError for NaN, as ceil
    return whole + (whole < ns)  # an int compares with a float exactly
