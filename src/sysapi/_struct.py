"""Cheap construction of the frozen result dataclasses on hot paths.

A frozen dataclass's ``__init__`` stores each field through ``object.__setattr__`` (the class's
own ``__setattr__`` refuses), about 0.1 µs a field. Calls that build one per result use two
helpers instead:

- :func:`builder` makes a private *mutable* class with exactly the slots of a frozen slotted
  dataclass. An instance is filled with ordinary (specialised, fast) slot stores, then turned
  into the public class by assigning ``__class__``, which CPython allows between heap types of
  the same layout. The result is an ordinary instance of the public class: frozen, equal,
  hashed and printed as if ``__init__`` had built it (``__post_init__`` does not run: only
  values the caller knows to be valid, straight from the kernel, go this way).
- :func:`unpacker` reads chosen members of a C struct from a buffer in one
  ``struct.unpack_from``, instead of one cffi attribute access each.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Sequence
from typing import Any

from sysapi._sysapi import ffi

__all__ = ["builder", "unpacker"]


def builder(cls: type, names: Sequence[str]) -> Any:
    """A mutable class with the slot layout of the frozen slotted dataclass ``cls``.

    Its constructor takes every field positionally, in the order of ``names`` (any order of
    all of ``cls``'s field names). Use::

        obj = Builder(*values)
        obj.__class__ = cls

    Raises TypeError at once (at import of the caller) when the layouts differ.
    """
    fields = [f.name for f in dataclasses.fields(cls)]
    if sorted(names) != sorted(fields) or not hasattr(cls, "__slots__"):
        raise TypeError(f"{cls.__name__} is not a slotted dataclass with fields {names}")
    twin: Any = dataclasses.make_dataclass(
        f"_{cls.__name__}Builder", list(names), slots=True, eq=False, repr=False
    )
    probe = twin(*names)
    probe.__class__ = cls  # TypeError here if CPython finds the layouts different
    if any(getattr(probe, n) != n for n in names):
        raise TypeError(f"the builder of {cls.__name__} does not fill its fields")
    return twin


def _code(ctype: Any) -> str:
    if ctype.kind != "primitive" or ctype.cname in ("float", "double", "long double"):
        raise TypeError(f"{ctype.cname} is not an integer type")
    size = ffi.sizeof(ctype)
    signed = int(ffi.cast(ctype, -1)) < 0
    code = {1: "b", 2: "h", 4: "i", 8: "q"}[size]
    return code if signed else code.upper()


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
