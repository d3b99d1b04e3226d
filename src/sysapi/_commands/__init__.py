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


def plain(doc: str | None) -> str:
    """A docstring as ``--help`` shows it: the reStructuredText markup (double backquotes,
    ``:role:`target``` references) dropped. Written without ``re``, which every command would
    otherwise import at start-up."""
    text = (doc or "").replace("``", "")
    out = []
    for i, part in enumerate(text.split("`")):
        if i % 2 == 0:
            # Text outside a reference: drop the ``:role:`` that introduces the next one.
            head, colon, role = part.rpartition(":")
            start = head.rfind(":")
            if colon and role == "" and start >= 0 and head[start + 1 :].isalpha():
                part = head[:start]
            out.append(part)
        else:
            out.append(part.removeprefix("~"))
    return "".join(out)
