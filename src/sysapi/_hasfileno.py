"""``HasFileno``, the protocol of objects with ``fileno()``. A module of its own because a
``typing.Protocol`` needs ``typing`` at run time: ``sysapi.fd`` loads it only when asked."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class HasFileno(Protocol):
    def fileno(self) -> int: ...
