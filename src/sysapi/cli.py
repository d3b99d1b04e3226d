"""``python -m sysapi``: the conformance report and the everyday tools."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from sysapi import _areas

# argparse (with re, gettext and locale) is imported only when a command line needs it: see
# _quick_args.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from types import SimpleNamespace
    from typing import Any

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
        if row["condition"]:
            print(f"  {'':<13} ({row['condition']})")
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
    if args.dir is not None and not (
        os.path.isdir(args.dir) and os.access(args.dir, os.W_OK | os.X_OK)
    ):
        print(f"sysapi check: --dir {args.dir}: not a writable directory", file=sys.stderr)
        return 2
    results = conformance.run(args.area, directory=args.dir)
    if args.json:
        print(json.dumps([r.as_dict() for r in results], indent=2))
    else:
        _print_table(results)
        print()
        print(conformance.environment(args.dir).describe())
        print(_summary(results))
    return 0 if all(r.verdict.ok for r in results) else 1


def _columns() -> int:
    """The terminal width as ``shutil.get_terminal_size`` finds it (COLUMNS, the terminal of
    stdout, else 80)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 80
    return columns


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand; with the command line ``argv`` that names one, only the
    parser of that one, so that the command imports its own area and nothing else."""
    import argparse

    from sysapi._commands import plain

    class _Parser(argparse.ArgumentParser):
        """An ArgumentParser whose help formatters get their width from here: argparse would
        otherwise import shutil for it (and with it zlib, bz2 and lzma) on the first add_argument,
        a good part of the start-up of a short command."""

        def _get_formatter(self, *args: Any, **kwargs: Any) -> argparse.HelpFormatter:
            # Python 3.14 passes file= to colour the help for that stream: the help stays plain
            # text here (the formatter's own default), so the arguments are not needed.
            # Every argparse formatter takes width; typeshed's protocol for the class omits it.
            make: Any = self.formatter_class
            formatter: argparse.HelpFormatter = make(prog=self.prog, width=_columns() - 2)
            return formatter

    parser = _Parser(prog="python -m sysapi", description=plain(__doc__))
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="provoke every documented errno on this kernel")
    check.add_argument("--json", action="store_true", help="one object per case")
    check.add_argument("--area", help="only this area (fs, xattr, inotify, memory, ...)")
    check.add_argument(
        "--dir",
        metavar="PATH",
        help="run the filesystem cases (fs, xattr, inotify, fincore) in a private scratch "
        "directory made in PATH, on the filesystem that holds it",
    )
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


def _quick_args(argv: Sequence[str]) -> SimpleNamespace | None:
    """The parsed arguments of a command line in one of the common forms of a command whose
    start-up is most of its run (``fincore FILE...``), without argparse; None otherwise."""
    if argv[:1] == ["fincore"]:
        _areas.load("_commands.memory")  # imported as areas are, with the collector paused
        from sysapi._commands import memory

        return memory.quick_args(argv[1:])
    return None


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    args = _quick_args(argv) or build_parser(argv).parse_args(argv)
    try:
        status: int = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as the coreutils do.
        import signal  # here: its enums cost a short command half a millisecond

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    return status
