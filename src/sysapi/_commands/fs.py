"""``python -m sysapi fibmap FILE [--json]``: the physical block map of a file."""

from __future__ import annotations

import argparse
import errno
import os
import sys

from sysapi import fs
from sysapi._commands import dumps

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def extents(blocks: list[int]) -> list[tuple[int, int, int]]:
    """Runs of physically contiguous blocks as (logical start, physical start, length),
    the way ``filefrag -v`` lists extents. Holes (physical 0) form no extent."""
    runs: list[tuple[int, int, int]] = []
    for logical, physical in enumerate(blocks):
        if physical == 0:
            continue
        if runs:
            lstart, pstart, length = runs[-1]
            if lstart + length == logical and pstart + length == physical:
                runs[-1] = (lstart, pstart, length + 1)
                continue
        runs.append((logical, physical, 1))
    return runs


def _failure(name: str, exc: OSError) -> int:
    """Report a failed FIGETBSZ/FIBMAP on stderr as filefrag words it; return the exit status
    filefrag gives it (the errno; ENOTTY for a filesystem without FIBMAP)."""
    status = exc.errno or 1
    if status == errno.EPERM:
        message = "FIBMAP requires root privileges"
    elif status in (errno.EINVAL, errno.ENOTTY, errno.EOPNOTSUPP):
        message, status = "FIBMAP unsupported", errno.ENOTTY
    else:
        message = exc.strerror or str(exc)
    print(f"sysapi fibmap: {name}: {message}", file=sys.stderr)
    return status


def _fibmap(args: argparse.Namespace) -> int:
    # As filefrag: every file is reported, and the exit status is the errno of the first
    # failure (0 when none failed).
    status = 0
    reports = []
    for name in args.files:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            print(f"sysapi fibmap: open: {exc.strerror}", file=sys.stderr)
            status = status or exc.errno or 1
            continue
        try:
            size = fs.figetbsz(fd)
            blocks = fs.block_map(fd)
        except OSError as exc:
            failed = _failure(name, exc)
            status = status or failed
            continue
        finally:
            os.close(fd)
        reports.append((name, size, blocks))
    if args.json:
        print(
            dumps(
                [
                    {
                        "file": name,
                        "block_size": size,
                        "blocks": blocks,
                        "extents": [
                            {"logical": lo, "physical": ph, "length": n}
                            for lo, ph, n in extents(blocks)
                        ],
                    }
                    for name, size, blocks in reports
                ],
                indent=2,
            )
        )
        return status
    for name, size, blocks in reports:
        runs = extents(blocks)
        print(f"File size of {name} is {len(blocks)} blocks of {size} bytes")
        print(" ext:     logical_offset:        physical_offset: length:")
        for i, (lo, ph, n) in enumerate(runs):
            print(f"{i:4d}: {lo:10d}..{lo + n - 1:10d}: {ph:10d}..{ph + n - 1:10d}: {n:6d}")
        print(f"{name}: {len(runs)} extent{'s' if len(runs) != 1 else ''} found")
    return status


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    p = subparsers.add_parser("fibmap", help="physical block map of files (like filefrag -v)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="one object per file")
    p.set_defaults(func=_fibmap)
