"""``python -m sysapi``: the conformance report and the everyday tools."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sysapi import _areas

if TYPE_CHECKING:
    from sysapi.conformance import Result


def _print_table(results: list[Result]) -> None:
    current = None
    for result in results:
        row = result.as_dict()
        if row["call"] != current:
            current = row["call"]
            spec = result.case.spec
            print(f"\n{current}  ({row['area']}, {len(spec.entries)} documented errnos)")
        priv = " [uid 65534]" if row["unprivileged"] else ""
        print(f"  {row['errno']:<13} {row['meaning']}")
        print(f"  {'':<13} source: {row['source']}; provoked by: {row['how']}{priv}")
        if row["notes_claim"]:
            print(f"  {'':<13} the notes claim: {row['notes_claim']}")
        observed = row["observed"] or "-"
        line = f"expected {row['expected']}, observed {observed}: {row['verdict']}"
        print(f"  {'':<13} {line}")
        if row["detail"]:
            print(f"  {'':<13} ({row['detail']})")


def _summary(results: list[Result]) -> str:
    from sysapi.conformance import Verdict

    counts = {v: sum(r.verdict is v for r in results) for v in Verdict}
    return (
        f"{len(results)} cases: {counts[Verdict.AS_DOCUMENTED]} as documented, "
        f"{counts[Verdict.KNOWN_DIFFERENCE]} differ from the documentation as known, "
        f"{counts[Verdict.UNEXPECTED]} unexpected, "
        f"{counts[Verdict.NOT_PROVOKED]} could not be provoked here"
    )


def _check(args: argparse.Namespace) -> int:
    import json

    from sysapi import conformance

    if args.area is not None and args.area not in conformance.areas():
        print(
            f"sysapi check: unknown area {args.area!r}; areas: {', '.join(conformance.areas())}",
            file=sys.stderr,
        )
        return 2
    results = conformance.run(args.area)
    if args.json:
        print(json.dumps([r.as_dict() for r in results], indent=2))
    else:
        _print_table(results)
        print()
        print(_summary(results))
    return 0 if all(r.verdict.ok for r in results) else 1


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand; with the command line ``argv`` that names one, only the
    parser of that one, so that the command imports its own area and nothing else."""
    parser = argparse.ArgumentParser(prog="python -m sysapi", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="provoke every documented errno on this kernel")
    check.add_argument("--json", action="store_true", help="one object per case")
    check.add_argument("--area", help="only this area (fs, xattr, inotify, memory, ...)")
    check.set_defaults(func=_check)
    command = next((arg for arg in argv or () if not arg.startswith("-")), None)
    if command == "check":
        return parser
    if command in _areas.COMMANDS:
        _areas.load(f"_commands.{_areas.COMMANDS[command]}").register(sub)
        return parser
    for module in _areas.submodules("_commands"):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    args = build_parser(argv).parse_args(argv)
    try:
        status: int = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as the coreutils do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    return status
