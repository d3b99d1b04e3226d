"""Cheap construction of the result records on hot paths.

A record's ``__init__`` stores each field through its slot descriptor (the class's own
``__setattr__`` refuses). Calls that build one per result use two helpers instead:

- :func:`builder` (from :mod:`sysapi._record`) makes a private *mutable* class with exactly the
  slots of a record, filled with ordinary (specialised, fast) slot stores and then turned into
  the public class by assigning ``__class__``.
- :func:`unpacker` reads chosen members of a C struct from a buffer in one
  ``struct.unpack_from``, instead of one cffi attribute access each.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from sysapi._record import builder
from sysapi._sysapi import ffi

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["builder", "unpacker"]


#: C type name → its struct format code: the areas' unpackers (about 100 members) are built at
#: import, from a dozen integer types.
_CODES: dict[str, str] = {}


def _code(ctype: Any) -> str:
    found = _CODES.get(ctype.cname)
    if found is not None:
        return found
    if ctype.kind != "primitive" or ctype.cname in ("float", "double", "long double"):
        raise TypeError(f"{ctype.cname} is not an integer type")
    size = ffi.sizeof(ctype)
    signed = int(ffi.cast(ctype, -1)) < 0
    code = {1: "b", 2: "h", 4: "i", 8: "q"}[size]
    return _CODES.setdefault(ctype.cname, code if signed else code.upper())


def unpacker(ctype: str, members: Sequence[str]) -> Any:
    """``unpack_from(buffer)``: a tuple of the integer ``members`` of ``ctype`` (a struct type),
    in the order given, which must be their order in the struct. The format is built from
    cffi's own offsets and sizes, never written by hand."""
    fields = dict(ffi.typeof(ctype).fields)
    fmt, pos = "=", 0
    for name in members:
        field = fields[name]
        if field.offset < pos:
            raise ValueError(f"{name} comes before the previous member in {ctype}")
        fmt += "x" * (field.offset - pos) + _code(field.type)
        pos = field.offset + ffi.sizeof(field.type)
    return struct.Struct(fmt).unpack_from
