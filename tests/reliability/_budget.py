"""The suite's budget (CI or long run) and the figures it records.

``SYSAPI_RELIABILITY=long`` selects the long run (``python -m tests.reliability --long`` sets
it); anything else is the bounded CI budget. ``SYSAPI_RELIABILITY_FIGURES=path`` makes every
test append its figures to that JSON file (the runner prints them as the docs' table).
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any

__all__ = ["LONG", "record", "scaled"]

LONG = os.environ.get("SYSAPI_RELIABILITY", "") == "long"


def scaled(ci: int | float, long: int | float) -> Any:
    """``ci`` in the bounded run, ``long`` in the long one."""
    return long if LONG else ci


def record(test: str, **figures: object) -> None:
    """Add ``figures`` under ``test`` to the figures file, when one is configured."""
    target = os.environ.get("SYSAPI_RELIABILITY_FIGURES")
    if not target:
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        text = f.read()
        data: dict[str, dict[str, object]] = json.loads(text) if text.strip() else {}
        data.setdefault(test, {}).update(figures)
        f.seek(0)
        f.truncate()
        json.dump(data, f, indent=1, sort_keys=True)
