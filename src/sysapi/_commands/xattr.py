"""``python -m sysapi xattr get|set|list|rm``: getfattr/setfattr habits on sysapi's xattr calls.

Values are printed in the encodings of ``getfattr -e``: ``"text"`` in double quotes with
``\\ooo`` octal escapes, ``0x`` hex or ``0s`` base64; ``-v`` takes any of the three back (or a
bare literal), and ``set --restore`` reads a ``get --dump`` listing, so every value survives a
round trip byte for byte (unlike getfattr, a trailing NUL is never dropped).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import os
import re
import sys
from collections.abc import Callable, Iterable

from sysapi import xattr
from sysapi._commands import dumps, plain

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ENCODINGS = ("text", "hex", "base64")
# Bytes that the text encoding shows as themselves: printable ASCII except the two escapes.
_PLAIN = frozenset(range(0x20, 0x7F)) - {ord("\\"), ord('"')}


def escape(data: bytes, also: bytes = b"") -> str:
    """``data`` with every byte outside printable ASCII, ``\\``, ``"`` and the bytes of
    ``also`` as ``\\ooo``."""
    return "".join(chr(b) if b in _PLAIN and b not in also else f"\\{b:03o}" for b in data)


def unescape(text: str) -> bytes:
    """The inverse of :func:`escape`; also accepts ``\\\\`` and ``\\"``, as setfattr does."""
    out = bytearray()
    raw = os.fsencode(text)
    i = 0
    while i < len(raw):
        b = raw[i]
        if b != 0x5C:  # backslash
            out.append(b)
            i += 1
            continue
        octal = raw[i + 1 : i + 4]
        if len(octal) == 3 and all(0x30 <= c <= 0x37 for c in octal):
            value = int(octal, 8)
            if value > 0xFF:
                raise ValueError(f"octal escape \\{octal.decode()} is larger than a byte")
            out.append(value)
            i += 4
        elif i + 1 < len(raw):
            out.append(raw[i + 1])  # \\ and \" (and any other escaped byte) stand for themselves
            i += 2
        else:
            raise ValueError("a value cannot end with a lone backslash")
    return bytes(out)


def encode(value: bytes, encoding: str | None) -> str:
    """A value as ``getfattr -e`` prints it; ``None`` picks text when all of it is printable."""
    if encoding is None:
        encoding = "text" if all(b in _PLAIN or b in b'\\"' for b in value) else "base64"
    if encoding == "hex":
        return "0x" + value.hex()
    if encoding == "base64":
        return "0s" + base64.b64encode(value).decode("ascii")
    return '"' + escape(value) + '"'


def decode(text: str) -> bytes:
    """A ``setfattr -v`` value: ``0x`` hex, ``0s`` base64, ``"quoted"`` text, or a literal."""
    try:
        if text[:2] in ("0x", "0X"):
            return bytes.fromhex(text[2:])
        if text[:2] in ("0s", "0S"):
            return base64.b64decode(text[2:], validate=True)
    except (ValueError, binascii.Error) as exc:
        raise ValueError(f"bad encoded value {text[:20]!r}: {exc}") from None
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return unescape(text[1:-1])
    return os.fsencode(text)


def _err(message: str) -> None:
    print(f"sysapi xattr: {message}", file=sys.stderr)


def _describe(exc: OSError) -> str:
    text = exc.strerror or str(exc)
    notes = getattr(exc, "__notes__", None)
    return f"{text} ({'; '.join(notes)})" if notes else text


def _calls(args: argparse.Namespace) -> tuple[Callable[..., Any], ...]:
    if args.no_dereference:
        return xattr.lgetxattr, xattr.lsetxattr, xattr.llistxattr, xattr.lremovexattr
    return xattr.getxattr, xattr.setxattr, xattr.listxattr, xattr.removexattr


def _selected(names: Iterable[str], pattern: str) -> list[str]:
    matcher = re.compile("" if pattern == "-" else pattern)  # getfattr's "-m -": all
    return [n for n in names if matcher.search(n)]


def _get(args: argparse.Namespace) -> int:
    get, _, listing, _ = _calls(args)
    status = 0
    reports: list[dict[str, Any]] = []
    for path in args.paths:
        attrs: list[tuple[str, bytes]] = []
        try:
            names = [args.name] if args.name is not None else _selected(listing(path), args.match)
        except OSError as exc:
            _err(f"{path}: {_describe(exc)}")
            status = 1
            continue
        for name in names:
            try:
                attrs.append((name, get(path, name)))
            except OSError as exc:
                _err(f"{path}: {name}: {_describe(exc)}")
                status = 1
        if args.only_values:
            for _, value in attrs:
                sys.stdout.buffer.write(value)
            sys.stdout.buffer.flush()
            continue
        encoding = args.encoding
        if args.json:
            reports.append(
                {
                    "file": path,
                    "attributes": [
                        {"name": n, "value": encode(v, encoding or "base64")} for n, v in attrs
                    ],
                }
            )
            continue
        if attrs:
            print(f"# file: {escape(os.fsencode(path))}")
            for name, value in attrs:
                print(f"{escape(os.fsencode(name), b'=')}={encode(value, encoding)}")
            print()
    if args.json:
        print(dumps(reports, indent=2))
    return status


def _list(args: argparse.Namespace) -> int:
    _, _, listing, _ = _calls(args)
    status = 0
    reports: list[dict[str, Any]] = []
    for path in args.paths:
        try:
            names = _selected(listing(path), args.match)
        except OSError as exc:
            _err(f"{path}: {_describe(exc)}")
            status = 1
            continue
        if args.json:
            reports.append({"file": path, "names": names})
        elif names:
            print(f"# file: {escape(os.fsencode(path))}")
            for name in names:
                print(escape(os.fsencode(name)))
            print()
    if args.json:
        print(dumps(reports, indent=2))
    return status


def _parse_dump(lines: Iterable[str]) -> list[tuple[str, str, bytes]]:
    """(file, name, value) triples of a ``get --dump`` listing."""
    entries: list[tuple[str, str, bytes]] = []
    current: str | None = None
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        if line.startswith("# file: "):
            current = os.fsdecode(unescape(line[len("# file: ") :]))
            continue
        if line.startswith("#"):
            continue
        name, eq, value = line.partition("=")
        if current is None or not eq:
            raise ValueError(f"line {number}: expected '# file: PATH' or 'name=value'")
        entries.append((current, os.fsdecode(unescape(name)), decode(value)))
    return entries


def _set(args: argparse.Namespace) -> int:
    _, put, _, _ = _calls(args)
    flags = 0
    if args.create:
        flags |= xattr.XATTR_CREATE
    if args.replace:
        flags |= xattr.XATTR_REPLACE
    try:
        if args.restore is not None:
            if args.paths or args.name is not None:
                _err("--restore takes its files and names from the listing")
                return 2
            if args.restore == "-":
                entries = _parse_dump(sys.stdin)
            else:
                with open(args.restore, encoding="utf-8", errors="surrogateescape") as f:
                    entries = _parse_dump(f)
        else:
            if args.name is None or not args.paths:
                _err("set needs -n NAME and at least one PATH (or --restore FILE)")
                return 2
            value = decode(args.value) if args.value is not None else b""
            entries = [(path, args.name, value) for path in args.paths]
    except (OSError, ValueError) as exc:
        _err(str(exc))
        return 2
    status = 0
    for path, name, value in entries:
        try:
            put(path, name, value, flags)
        except OSError as exc:
            _err(f"{path}: {name}: {_describe(exc)}")
            status = 1
    return status


def _rm(args: argparse.Namespace) -> int:
    _, _, _, remove = _calls(args)
    status = 0
    for path in args.paths:
        try:
            remove(path, args.name)
        except OSError as exc:
            _err(f"{path}: {args.name}: {_describe(exc)}")
            status = 1
    return status


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    # -h is getfattr's --no-dereference, so argparse's own -h is left out (--help stays).
    p = subparsers.add_parser(
        "xattr",
        help="extended attributes (like getfattr/setfattr)",
        description=plain(__doc__),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="xattr_command", required=True)

    def common(name: str, help: str) -> argparse.ArgumentParser:
        q: argparse.ArgumentParser = sub.add_parser(name, help=help, add_help=False)
        q.add_argument("--help", action="help", help="show this help and exit")
        q.add_argument(
            "-h",
            "--no-dereference",
            action="store_true",
            help="act on a symbolic link itself (lgetxattr, ...)",
        )
        return q

    g = common("get", "print attribute values (getfattr)")
    g.add_argument("-n", "--name", help="only this attribute")
    g.add_argument(
        "-d", "--dump", action="store_true", help="every attribute matching -m (the default)"
    )
    g.add_argument(
        "-m",
        "--match",
        default=r"^user\.",
        metavar="PATTERN",
        help=r"names matching this regular expression (default: '^user\.'; '-' or '' for all)",
    )
    g.add_argument("-e", "--encoding", choices=ENCODINGS, help="value encoding (getfattr -e)")
    g.add_argument("--only-values", action="store_true", help="write the raw values, nothing else")
    g.add_argument("--json", action="store_true", help="one object per file")
    g.add_argument("paths", nargs="+", metavar="PATH")
    g.set_defaults(func=_get)

    s = common("set", "set attribute values (setfattr)")
    s.add_argument("-n", "--name", help="the attribute to set")
    s.add_argument(
        "-v", "--value", help='the value: "text" with \\ooo escapes, 0x hex, 0s base64, or literal'
    )
    s.add_argument("--create", action="store_true", help="fail if it exists (XATTR_CREATE)")
    s.add_argument("--replace", action="store_true", help="fail if missing (XATTR_REPLACE)")
    s.add_argument(
        "--restore", metavar="FILE", help="set what a 'get --dump' listing says ('-': stdin)"
    )
    s.add_argument("paths", nargs="*", metavar="PATH")
    s.set_defaults(func=_set)

    ls = common("list", "list attribute names")
    ls.add_argument(
        "-m",
        "--match",
        default="",
        metavar="PATTERN",
        help="names matching this regular expression (default: all)",
    )
    ls.add_argument("--json", action="store_true", help="one object per file")
    ls.add_argument("paths", nargs="+", metavar="PATH")
    ls.set_defaults(func=_list)

    r = common("rm", "remove an attribute (setfattr -x)")
    r.add_argument("-n", "-x", "--name", required=True, help="the attribute to remove")
    r.add_argument("paths", nargs="+", metavar="PATH")
    r.set_defaults(func=_rm)
