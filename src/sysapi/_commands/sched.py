"""``python -m sysapi sched`` and ``python -m sysapi ioprio``: what ``chrt -p`` and
``ionice -p`` (util-linux) report, in their words, and the same changes they make."""

from __future__ import annotations

import argparse
import os
import sys

from sysapi import sched
from sysapi._commands import dumps
from sysapi.sched import (
    IOPRIO_CLASS_BE,
    IOPRIO_CLASS_IDLE,
    IOPRIO_CLASS_NONE,
    IOPRIO_CLASS_RT,
    IOPRIO_WHO_PROCESS,
    SCHED_DEADLINE,
    SCHED_FLAG_RESET_ON_FORK,
    SCHED_RR,
    IoPrio,
    SchedAttr,
    SchedPolicy,
)

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# ionice's names for the I/O classes.
IOCLASS_NAMES: dict[int, str] = {
    IOPRIO_CLASS_NONE: "none",
    IOPRIO_CLASS_RT: "realtime",
    IOPRIO_CLASS_BE: "best-effort",
    IOPRIO_CLASS_IDLE: "idle",
}
# The level ionice uses when -n is not given, and the one it sets for the idle class.
DEFAULT_LEVEL = 4
IDLE_LEVEL = 7
_KNOWN_POLICIES = frozenset(int(p) for p in SchedPolicy)


def policy_name(policy: int) -> str:
    """chrt's name for ``policy``: the C name, "unknown" for a policy it does not know."""
    return SchedPolicy(policy).name if policy in _KNOWN_POLICIES else "unknown"


def chrt_lines(pid: int, attr: SchedAttr) -> list[str]:
    """The lines ``chrt -p PID`` prints for a thread with ``attr``."""
    name = policy_name(attr.sched_policy)
    if attr.sched_flags & SCHED_FLAG_RESET_ON_FORK:
        name += "|SCHED_RESET_ON_FORK"
    lines = [
        f"pid {pid}'s current scheduling policy: {name}",
        f"pid {pid}'s current scheduling priority: {attr.sched_priority}",
    ]
    if attr.sched_policy == SCHED_DEADLINE:
        lines.append(
            f"pid {pid}'s current runtime/deadline/period parameters: "
            f"{attr.sched_runtime}/{attr.sched_deadline}/{attr.sched_period}"
        )
    return lines


def sched_json(pid: int, attr: SchedAttr) -> dict[str, Any]:
    return {
        "pid": pid,
        "policy": policy_name(attr.sched_policy),
        "policy_value": int(attr.sched_policy),
        "reset_on_fork": bool(attr.sched_flags & SCHED_FLAG_RESET_ON_FORK),
        "flags": int(attr.sched_flags),
        "priority": attr.sched_priority,
        "nice": attr.sched_nice,
        "runtime": attr.sched_runtime,
        "deadline": attr.sched_deadline,
        "period": attr.sched_period,
        "util_min": attr.sched_util_min,
        "util_max": attr.sched_util_max,
    }


def ionice_line(prio: IoPrio) -> str:
    """The line ``ionice -p PID`` prints for ``prio``."""
    if prio.ioclass == IOPRIO_CLASS_IDLE:
        return "idle"
    return f"{IOCLASS_NAMES.get(prio.ioclass, 'unknown')}: prio {prio.level}"


def _parse_policy(text: str) -> int:
    key = text.upper()
    for candidate in (key, f"SCHED_{key}"):
        if candidate in SchedPolicy.__members__:
            return SchedPolicy[candidate]
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"unknown policy {text!r}") from None


def _parse_deadline(text: str) -> tuple[int, int, int]:
    parts = text.split(",")
    try:
        runtime, deadline, period = (int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError("expected RUNTIME,DEADLINE,PERIOD in ns") from None
    return runtime, deadline, period


def _parse_ioclass(text: str) -> int:
    for number, name in IOCLASS_NAMES.items():
        if text.lower() == name:
            return number
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"unknown prio class {text!r}") from None


def _err(cmd: str, message: str) -> None:
    print(f"sysapi {cmd}: {message}", file=sys.stderr)


def _sched(args: argparse.Namespace) -> int:
    pid = args.pid
    shown = os.getpid() if pid == 0 else pid
    if args.policy is None and args.priority is not None:
        args.policy = SCHED_RR  # chrt's default policy when only a priority is given
    if args.policy is not None or args.deadline is not None:
        if args.deadline is not None:
            runtime, deadline, period = args.deadline
            new = SchedAttr(
                SCHED_DEADLINE,
                sched_runtime=runtime,
                sched_deadline=deadline,
                sched_period=period,
            )
        else:
            try:
                # sched_setattr also sets the nice value: keep the current one, as chrt does.
                nice = sched.sched_getattr(pid).sched_nice
            except OSError as exc:
                _err("sched", f"failed to get pid {shown}'s policy: {exc.strerror}")
                return 1
            new = SchedAttr(args.policy, sched_nice=nice, sched_priority=args.priority or 0)
        if args.reset_on_fork:
            new = SchedAttr(
                new.sched_policy,
                new.sched_flags | SCHED_FLAG_RESET_ON_FORK,
                new.sched_nice,
                new.sched_priority,
                new.sched_runtime,
                new.sched_deadline,
                new.sched_period,
            )
        try:
            sched.sched_setattr(pid, new)
        except OSError as exc:
            _err("sched", f"failed to set pid {shown}'s policy: {exc.strerror}")
            return 1
        if not args.json:
            return 0
    try:
        attr = sched.sched_getattr(pid)
    except OSError as exc:
        _err("sched", f"failed to get pid {shown}'s policy: {exc.strerror}")
        return 1
    if args.json:
        print(dumps(sched_json(shown, attr), indent=2))
    else:
        print("\n".join(chrt_lines(shown, attr)))
    return 0


def _ioprio(args: argparse.Namespace) -> int:
    pids: list[int] = args.pid or [0]
    if args.ioclass is not None or args.level is not None:
        ioclass = IOPRIO_CLASS_BE if args.ioclass is None else args.ioclass
        level = DEFAULT_LEVEL if args.level is None else args.level
        if ioclass == IOPRIO_CLASS_NONE:
            if args.level is not None:
                _err("ioprio", "ignoring given class data for none class")
            level = 0
        elif ioclass == IOPRIO_CLASS_IDLE:
            if args.level is not None:
                _err("ioprio", "ignoring given class data for idle class")
            level = IDLE_LEVEL
        try:
            prio = IoPrio(ioclass, level)
        except ValueError as exc:
            _err("ioprio", str(exc))
            return 1
        for pid in pids:
            try:
                sched.ioprio_set(IOPRIO_WHO_PROCESS, pid, prio)
            except OSError as exc:
                _err("ioprio", f"ioprio_set failed: {exc.strerror}")
                return 1
        if not args.json:
            return 0
    reports = []
    for pid in pids:
        try:
            prio = sched.ioprio_get(IOPRIO_WHO_PROCESS, pid)
        except OSError as exc:
            _err("ioprio", f"ioprio_get failed: {exc.strerror}")
            return 1
        reports.append((os.getpid() if pid == 0 else pid, prio))
    if args.json:
        print(
            dumps(
                [
                    {
                        "pid": pid,
                        "class": IOCLASS_NAMES.get(prio.ioclass, "unknown"),
                        "ioclass": int(prio.ioclass),
                        "level": prio.level,
                        "value": prio.value,
                    }
                    for pid, prio in reports
                ],
                indent=2,
            )
        )
    else:
        for _, prio in reports:
            print(ionice_line(prio))
    return 0


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    p = subparsers.add_parser(
        "sched", help="show or set a thread's scheduling policy (like chrt -p)"
    )
    p.add_argument("-p", "--pid", type=int, default=0, help="thread ID (default: this process)")
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--policy",
        type=_parse_policy,
        metavar="P",
        help="other, fifo, rr, batch, idle (or SCHED_* or a number)",
    )
    group.add_argument(
        "--deadline",
        type=_parse_deadline,
        metavar="RUNTIME,DEADLINE,PERIOD",
        help="SCHED_DEADLINE with these parameters in ns",
    )
    p.add_argument(
        "--priority",
        type=int,
        metavar="N",
        help="static priority (default 0; alone it means SCHED_RR, as with chrt)",
    )
    p.add_argument(
        "-R", "--reset-on-fork", action="store_true", help="set SCHED_FLAG_RESET_ON_FORK"
    )
    p.add_argument("--json", action="store_true", help="one object, every sched_attr field")
    p.set_defaults(func=_sched)

    q = subparsers.add_parser("ioprio", help="show or set I/O priorities (like ionice -p)")
    q.add_argument("-p", "--pid", type=int, nargs="+", help="process IDs (default: this one)")
    q.add_argument(
        "-c",
        "--class",
        dest="ioclass",
        type=_parse_ioclass,
        metavar="CLASS",
        help="0/none, 1/realtime, 2/best-effort, 3/idle",
    )
    q.add_argument("-n", "--classdata", dest="level", type=int, metavar="LEVEL", help="0..7")
    q.add_argument("--json", action="store_true", help="one object per process")
    q.set_defaults(func=_ioprio)
