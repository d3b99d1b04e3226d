"""The subcommands of ``python -m sysapi``, one module per area, each with
``register(subparsers)`` that adds its parsers and sets ``func`` to a handler returning the
exit status."""

from __future__ import annotations

import re


def plain(doc: str | None) -> str:
    """A docstring as ``--help`` shows it: the reStructuredText markup (double backquotes,
    ``:role:`target``` references) dropped."""
    text = re.sub(r":[a-z]+:`~?([^`]*)`", r"\1", doc or "")
    return text.replace("``", "")
