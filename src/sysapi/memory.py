"""sysapi.memory (being built: see the open issue for this area)."""

from __future__ import annotations

__all__: list[str] = []
