"""The private fast-construction helpers (sysapi._struct)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from sysapi import _struct
from sysapi._sysapi import ffi


@dataclasses.dataclass(frozen=True, slots=True)
class _Pair:
    a: int
    b: str = "x"


def test_builder_makes_ordinary_frozen_instances() -> None:
    builder = _struct.builder(_Pair, ["b", "a"])  # any order of the field names
    obj = builder("y", 1)
    obj.__class__ = _Pair
    assert type(obj) is _Pair
    assert obj == _Pair(1, "y") and hash(obj) == hash(_Pair(1, "y"))
    assert repr(obj) == "_Pair(a=1, b='y')"
    with pytest.raises(dataclasses.FrozenInstanceError):
        obj.a = 2  # type: ignore[misc]


def test_builder_refuses_what_it_cannot_mirror() -> None:
    with pytest.raises(TypeError):
        _struct.builder(_Pair, ["a"])

    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    with pytest.raises(TypeError):
        _struct.builder(NoSlots, ["a"])


def test_unpacker_follows_cffi_offsets() -> None:
    info: Any = ffi.new("struct sysapi_siginfo *")
    info.signo, info.code, info.value_ptr, info.overrun = 34, -1, 2**64 - 1, -5
    unpack = _struct.unpacker("struct sysapi_siginfo", ["signo", "code", "value_ptr", "overrun"])
    assert unpack(ffi.buffer(info)) == (34, -1, 2**64 - 1, -5)
    with pytest.raises(ValueError):
        _struct.unpacker("struct sysapi_siginfo", ["code", "signo"])
