"""Reference cases of this area (see ``sysapi.conformance``)."""

from __future__ import annotations

from sysapi.conformance import Case

CASES: list[Case] = []
