"""``python -m sysapi timex [--json]``: the kernel's clock discipline, as ``adjtimex --print``."""

from __future__ import annotations

import argparse
import sys

from sysapi import clock
from sysapi._commands import dumps

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _report(result: clock.AdjtimexResult) -> dict[str, Any]:
    tx = result.timex
    sec, sub_ns = divmod(tx.time_ns, 1_000_000_000)
    return {
        "mode": int(tx.modes),
        "offset": tx.offset,
        "frequency": tx.freq,
        "maxerror": tx.maxerror,
        "esterror": tx.esterror,
        "status": int(tx.status),
        "status_flags": [flag.name for flag in clock.TimexStatus if flag in tx.status],
        "time_constant": tx.constant,
        "precision": tx.precision,
        "tolerance": tx.tolerance,
        "tick": tx.tick,
        "raw_time": {"sec": sec, "usec": sub_ns // 1000, "ns": tx.time_ns},
        "return_value": int(result.state),
        "state": result.state.name,
        "tai": tx.tai,
    }


def _timex(args: argparse.Namespace) -> int:
    try:
        result = clock.adjtimex()
    except OSError as exc:
        # adjtimex(8): perror("adjtimex"), exit status 1.
        print(f"sysapi timex: adjtimex: {exc.strerror}", file=sys.stderr)
        return 1
    report = _report(result)
    if args.json:
        print(dumps(report, indent=2))
        return 0
    raw = report["raw_time"]
    flags = " | ".join(report["status_flags"]) or "none"
    print(f"         mode: {report['mode']}")
    print(f"       offset: {report['offset']}")
    print(f"    frequency: {report['frequency']}")
    print(f"     maxerror: {report['maxerror']}")
    print(f"     esterror: {report['esterror']}")
    print(f"       status: {report['status']} ({flags})")
    print(f"time_constant: {report['time_constant']}")
    print(f"    precision: {report['precision']}")
    print(f"    tolerance: {report['tolerance']}")
    print(f"         tick: {report['tick']}")
    print(f"     raw time:  {raw['sec']}s {raw['usec']}us = {raw['sec']}.{raw['usec']:06d}")
    print(f" return value = {report['return_value']} ({report['state']})")
    return 0


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    p = subparsers.add_parser(
        "timex", help="the kernel clock discipline state (like adjtimex --print); reads only"
    )
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(func=_timex)
