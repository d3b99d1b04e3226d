"""Check that a compiled sysapi module loads on the oldest C library its wheel claims.

``python tools/symbols.py --libc glibc-2.28 _sysapi.abi3.so`` lists, with ``objdump -T``, every
symbol the module imports. The interpreter provides the ``Py*``/``_Py*`` ones; each other one
must be

- for glibc: bound to a version no newer than the floor (``GLIBC_2.28``). An unversioned import
  is a function the floor's libc lacks (zig's glibc 2.28 stubs do not define it): the dynamic
  loader would refuse the module on that glibc, so such a call must be looked up at run time
  (``SYSAPI_LIBC_BIND`` in ``src/sysapi/_ffi/base.py``);
- for musl: a function musl exports (the list zig ships, ``lib/libc/musl/libc.S``).

It prints the offenders and exits 1, or prints a one-line summary.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

_INTERPRETER = re.compile(r"_?Py")
_GLIBC = re.compile(r"GLIBC_(\d+)\.(\d+)(?:\.\d+)?")


def imports(path: Path) -> list[tuple[str, str]]:
    """The (name, version) pairs ``path`` needs; version is "" when unversioned. Weak imports
    (``w``), which the loader leaves null when absent, are left out."""
    out = subprocess.run(
        ["objdump", "-T", str(path)], check=True, capture_output=True, text=True
    ).stdout
    found = []
    for line in out.splitlines():
        flags, und, rest = line.partition("*UND*")
        if not und or " w " in flags:
            continue
        fields = rest.split()  # size, [version], name
        version = fields[1] if len(fields) == 3 else ""
        found.append((fields[-1], version.strip("()")))
    return found


def glibc_offenders(path: Path, floor: tuple[int, int]) -> list[str]:
    bad = []
    for name, version in imports(path):
        if _INTERPRETER.match(name):
            continue
        m = _GLIBC.fullmatch(version)
        if m is None:
            bad.append(f"{name}: not in glibc {floor[0]}.{floor[1]} (unversioned {version!r})")
        elif (int(m[1]), int(m[2])) > floor:
            bad.append(f"{name}: needs {version}")
    return bad


def musl_exports(zig_lib: Path) -> set[str]:
    text = (zig_lib / "libc" / "musl" / "libc.S").read_text()
    return set(re.findall(r"^([A-Za-z_][A-Za-z0-9_]*):$", text, re.MULTILINE))


def musl_offenders(path: Path, zig_lib: Path) -> list[str]:
    exported = musl_exports(zig_lib)
    return [
        f"{name}: not in musl"
        for name, _ in imports(path)
        if not _INTERPRETER.match(name) and name not in exported
    ]


def zig_lib_dir() -> Path:
    import ziglang  # the PyPI package of zig: a test extra

    return Path(ziglang.__file__).parent / "lib"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--libc", required=True, help="glibc-2.28 or musl")
    parser.add_argument("modules", nargs="+", type=Path)
    args = parser.parse_args(argv)
    status = 0
    for path in args.modules:
        if args.libc == "musl":
            bad = musl_offenders(path, zig_lib_dir())
        else:
            m = re.fullmatch(r"glibc-(\d+)\.(\d+)", args.libc)
            if m is None:
                parser.error(f"--libc: expected glibc-X.Y or musl, not {args.libc!r}")
            bad = glibc_offenders(path, (int(m[1]), int(m[2])))
        for line in bad:
            print(f"{path.name}: {line}")
        if bad:
            status = 1
        else:
            print(f"{path.name}: every imported symbol is in {args.libc}")
    return status


if __name__ == "__main__":
    sys.exit(main())
