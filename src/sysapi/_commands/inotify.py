"""``python -m sysapi watch PATH... [-r] [-e EVENT,...] [--timeout S] [--json]``.

Like ``inotifywait -m``: one line per event with the watched path, the event names and the file
name (``/tmp/dir/ CREATE,ISDIR sub``); ``--json`` prints one JSON object per line instead.
"Setting up watches." and "Watches established." go to stderr, as inotifywait writes them.
Exit status: 0 when every watch is gone, 1 on an error, 2 when ``--timeout`` seconds pass
without an event (inotifywait's codes), 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys

from sysapi import inotify
from sysapi._commands import dumps
from sysapi.inotify import Inotify, InotifyEvent

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# inotifywait's event names, in the order it prints them.
EVENT_NAMES: dict[str, int] = {
    "ACCESS": inotify.IN_ACCESS,
    "MODIFY": inotify.IN_MODIFY,
    "ATTRIB": inotify.IN_ATTRIB,
    "CLOSE_WRITE": inotify.IN_CLOSE_WRITE,
    "CLOSE_NOWRITE": inotify.IN_CLOSE_NOWRITE,
    "OPEN": inotify.IN_OPEN,
    "MOVED_FROM": inotify.IN_MOVED_FROM,
    "MOVED_TO": inotify.IN_MOVED_TO,
    "CREATE": inotify.IN_CREATE,
    "DELETE": inotify.IN_DELETE,
    "DELETE_SELF": inotify.IN_DELETE_SELF,
    "MOVE_SELF": inotify.IN_MOVE_SELF,
    "UNMOUNT": inotify.IN_UNMOUNT,
    "Q_OVERFLOW": inotify.IN_Q_OVERFLOW,
    "IGNORED": inotify.IN_IGNORED,
    "ISDIR": inotify.IN_ISDIR,
}
# Accepted by -e besides the single events, as inotifywait accepts them.
GROUPS: dict[str, int] = {"CLOSE": inotify.IN_CLOSE, "MOVE": inotify.IN_MOVE}
# Reported whatever -e says; not selectable.
_NOT_SELECTABLE = ("Q_OVERFLOW", "IGNORED", "ISDIR")
SELECTABLE: list[str] = [n for n in [*EVENT_NAMES, *GROUPS] if n not in _NOT_SELECTABLE]
_ALWAYS = inotify.IN_Q_OVERFLOW | inotify.IN_UNMOUNT | inotify.IN_IGNORED


def event_names(mask: int) -> list[str]:
    """The inotifywait names of the bits of ``mask``; unknown bits as hex."""
    names = [name for name, bit in EVENT_NAMES.items() if mask & bit]
    rest = mask & ~sum(EVENT_NAMES.values())
    if rest:
        names.append(f"{rest:#x}")
    return names


def parse_event_list(text: str) -> int:
    """``"create,close_write"`` → the mask; ValueError naming an unknown event."""
    mask = 0
    for word in text.split(","):
        key = word.strip().upper().removeprefix("IN_")
        bit = EVENT_NAMES.get(key, GROUPS.get(key))
        if bit is None or key in _NOT_SELECTABLE:
            known = ", ".join(SELECTABLE).lower()
            raise ValueError(f"unknown event {word!r}; events: {known}")
        mask |= bit
    return mask


def _watched(ino: Inotify, event: InotifyEvent) -> str:
    path = ino.path(event.wd)
    if path is None:
        return ""
    if os.path.isdir(path) and not path.endswith("/"):
        return path + "/"
    return path


def format_event(ino: Inotify, event: InotifyEvent, as_json: bool) -> str:
    names = event_names(event.mask)
    if as_json:
        return dumps(
            {
                "path": ino.path(event.wd),
                "events": names,
                "name": event.name,
                "wd": event.wd,
                "mask": int(event.mask),
                "cookie": event.cookie,
            }
        )
    return f"{_watched(ino, event)} {','.join(names)} {event.name}".rstrip(" ")


def _watch(args: argparse.Namespace) -> int:
    try:
        wanted = inotify.IN_ALL_EVENTS if args.event is None else parse_event_list(args.event)
    except ValueError as exc:
        print(f"sysapi watch: {exc}", file=sys.stderr)
        return 1
    show = wanted | _ALWAYS
    with Inotify() as ino:
        print(
            "Setting up watches." + ("  Beware: this may take a while!" if args.recursive else ""),
            file=sys.stderr,
        )
        for path in args.paths:
            try:
                if args.recursive and os.path.isdir(path):
                    ino.add_tree(path, wanted)
                else:
                    ino.add_watch(path, wanted)
            except OSError as exc:
                # inotifywait's wording and status.
                print(f"sysapi watch: Couldn't watch {path}: {exc.strerror}", file=sys.stderr)
                for note in getattr(exc, "__notes__", []):
                    print(f"sysapi watch: {note}", file=sys.stderr)
                return 1
        print("Watches established.", file=sys.stderr, flush=True)
        try:
            while ino.watches:
                try:
                    events = ino.read(args.timeout)
                except OSError as exc:
                    print(f"sysapi watch: {exc}", file=sys.stderr)
                    return 1
                if not events:
                    return 2
                lines = [format_event(ino, e, args.json) for e in events if e.mask & show]
                if lines:
                    print("\n".join(lines), flush=True)
        except KeyboardInterrupt:
            return 130
    return 0


def _event_list(text: str) -> str:
    try:
        parse_event_list(text)  # reject unknown names while parsing the command line
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    p = subparsers.add_parser(
        "watch", help="print file-system events as they happen (like inotifywait -m)"
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("-r", "--recursive", action="store_true", help="watch directories as trees")
    p.add_argument(
        "-e",
        "--event",
        type=_event_list,
        metavar="EVENT,...",
        help="only these events (" + ", ".join(SELECTABLE).lower() + ")",
    )
    p.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        help="exit with status 2 when S seconds pass without an event",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=_watch)
