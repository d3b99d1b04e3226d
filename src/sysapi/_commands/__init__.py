"""The subcommands of ``python -m sysapi``, one module per area, each with
``register(subparsers)`` that adds its parsers and sets ``func`` to a handler returning the
exit status."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def dumps(obj: object, **kwargs: Any) -> str:
    """``json.dumps``, importing json (and re) only for the ``--json`` output that uses it: a
    command is a whole process, and its start-up is most of its cost."""
    import json

    return json.dumps(obj, **kwargs)
