"""``python -m sysapi fincore FILE... [--json] [-b] [-n] [-o LIST]``: page-cache residency of
files, printed as util-linux ``fincore`` prints it (same columns, sizes and widths)."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Sequence
from types import SimpleNamespace

from sysapi import memory
from sysapi._commands import dumps

# typing costs milliseconds to import, argparse (with re, gettext and locale) a third of the
# start-up of `fincore FILE`, which quick_args parses without it: only type checkers read these.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

# Column name -> (width hint, right-aligned), as util-linux fincore declares its columns for
# libsmartcols; the hint is what makes "1.2K" print in a 5-wide SIZE column.
_COLUMNS: dict[str, tuple[int, bool]] = {
    "PAGES": (1, True),
    "SIZE": (5, True),
    "FILE": (4, False),
    "RES": (5, True),
}
_DEFAULT = ("RES", "PAGES", "SIZE", "FILE")


def human_size(size: int) -> str:
    """A size the way util-linux prints it with one-letter suffixes: ``0B``, ``3B``, ``1.2K``,
    ``3M`` (powers of 1024, one decimal rounded half up, a trailing ``.0`` dropped)."""
    exp = 0
    while exp < 60 and size >= 1 << (exp + 10):
        exp += 10
    letter = "BKMGTPE"[exp // 10]
    whole, frac = size >> exp, size & ((1 << exp) - 1)
    tenths = 0
    if frac:
        if frac >= (2**64 - 1) // 1000:  # util-linux avoids a 64-bit overflow this way
            thousandths = (frac // 1024 * 1000) >> (exp - 10)
        else:
            thousandths = frac * 1000 >> exp  # three digits, truncated
        tenths = (thousandths + 50) // 100
        if tenths == 10:
            whole, tenths = whole + 1, 0
    return f"{whole}.{tenths}{letter}" if tenths else f"{whole}{letter}"


def _cell(column: str, name: str, res: memory.FileResidency, in_bytes: bool) -> str | int:
    if column == "PAGES":
        return res.resident_pages
    if column == "FILE":
        return name
    value = res.resident_bytes if column == "RES" else res.size
    return value if in_bytes else human_size(value)


def format_table(rows: Sequence[Sequence[str]], columns: Sequence[str], headings: bool) -> str:
    """Align ``rows`` as libsmartcols does for fincore: a column is as wide as its widest
    cell, at least its heading, and widened to its hint when its cells are narrower than the
    hint but no narrower than the heading. The last column is not padded."""
    if not rows:
        return ""
    widths = []
    for i, column in enumerate(columns):
        hint, _ = _COLUMNS[column]
        width = max(len(row[i]) for row in rows)
        if width < len(column):
            width = len(column)
        elif width < hint and len(column) < hint:
            width = hint
        widths.append(width)
    lines = []
    for cells in ([list(columns)] if headings else []) + [list(r) for r in rows]:
        parts = []
        for i, (column, text) in enumerate(zip(columns, cells, strict=True)):
            if _COLUMNS[column][1]:
                parts.append(text.rjust(widths[i]))
            elif i == len(columns) - 1:
                parts.append(text)
            else:
                parts.append(text.ljust(widths[i]))
        lines.append(" ".join(parts))
    return "\n".join(lines) + "\n"


def _columns(spec: str | None) -> list[str]:
    if spec is None:
        return list(_DEFAULT)
    names = [c.strip().upper() for c in spec.split(",") if c.strip()]
    unknown = [c for c in names if c not in _COLUMNS]
    if unknown or not names:
        raise ValueError(f"unknown column: {', '.join(unknown) or spec!r}")
    return names


def _measure(name: str) -> memory.FileResidency | None:
    """Residency of ``name``; None for a directory (fincore skips them silently)."""
    fd = os.open(name, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY)
    try:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            return None
        return memory.fincore(fd)
    finally:
        os.close(fd)


def _fincore(args: argparse.Namespace | SimpleNamespace) -> int:
    try:
        columns = _columns(args.output)
    except ValueError as exc:
        print(f"sysapi fincore: {exc}", file=sys.stderr)
        return 2
    status = 0
    results: list[tuple[str, memory.FileResidency]] = []
    for name in args.files:
        try:
            res = _measure(name)
        except OSError as exc:
            print(f"sysapi fincore: failed to open: {name}: {exc.strerror}", file=sys.stderr)
            status = 1
            continue
        if res is not None:
            results.append((name, res))
    if args.json:
        rows = [
            {c.lower(): _cell(c, name, res, args.bytes) for c in columns} for name, res in results
        ]
        print(dumps({"fincore": rows}, indent=3))
    else:
        table = [[str(_cell(c, name, res, args.bytes)) for c in columns] for name, res in results]
        sys.stdout.write(format_table(table, columns, not args.noheadings))
    return status


# The flags quick_args takes, each the exact spelling argparse would take for it.
_QUICK_FLAGS = {
    "-J": "json",
    "--json": "json",
    "-b": "bytes",
    "--bytes": "bytes",
    "-n": "noheadings",
    "--noheadings": "noheadings",
}


def quick_args(argv: Sequence[str]) -> SimpleNamespace | None:
    """The arguments of ``fincore`` as ``register``'s parser would parse them, for the common
    forms only (files and the on/off flags, spelled out in full); None for anything else
    (``--help``, ``-o``, bundled or abbreviated options, no file, a name starting with ``-``),
    which goes to argparse with its messages and exit statuses."""
    args = SimpleNamespace(
        command="fincore",
        files=[],
        json=False,
        bytes=False,
        noheadings=False,
        output=None,
        func=_fincore,
    )
    for arg in argv:
        if arg.startswith("-"):
            flag = _QUICK_FLAGS.get(arg)
            if flag is None:
                return None
            setattr(args, flag, True)
        else:
            args.files.append(arg)
    return args if args.files else None


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    p = subparsers.add_parser(
        "fincore", help="page-cache residency of files (like util-linux fincore)"
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("-J", "--json", action="store_true", help="use JSON output format")
    p.add_argument(
        "-b", "--bytes", action="store_true", help="print sizes in bytes, not human-readable"
    )
    p.add_argument("-n", "--noheadings", action="store_true", help="don't print headings")
    p.add_argument("-o", "--output", metavar="LIST", help="output columns: RES, PAGES, SIZE, FILE")
    p.set_defaults(func=_fincore)
