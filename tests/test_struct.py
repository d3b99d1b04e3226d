"""The private helpers for result records (sysapi._record, sysapi._struct)."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
import subprocess
import sys
from typing import Any

import pytest

from sysapi import _record, _struct
from sysapi._sysapi import ffi


@_record.record
class _Pair:
    """A record for the tests."""

    a: int
    b: str = "x"

    @property
    def twice(self) -> int:
        return self.a * 2

    def __post_init__(self) -> None:
        if self.a < 0:
            raise ValueError("a < 0")


@dataclasses.dataclass(frozen=True, slots=True)
class _DataclassPair:
    a: int
    b: str = "x"


def test_record_behaves_as_a_frozen_slotted_dataclass() -> None:
    pair = _Pair(1, "y")
    twin = _DataclassPair(1, "y")
    assert pair == _Pair(a=1, b="y") and pair != _Pair(1)
    assert pair != twin  # type: ignore[comparison-overlap]
    assert hash(pair) == hash(twin)  # both hash the tuple of the fields
    assert repr(pair) == "_Pair(a=1, b='y')" and repr(_Pair(2)) == "_Pair(a=2, b='x')"
    assert pair.twice == 2 and _Pair.__doc__ == "A record for the tests."
    assert _record.fields(_Pair) == _Pair.__match_args__ == ("a", "b")
    assert not hasattr(pair, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        pair.a = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del pair.b
    with pytest.raises(ValueError):
        _Pair(-1)
    with pytest.raises(TypeError):
        _Pair()  # type: ignore[call-arg]
    match pair:
        case _Pair(a, b):
            assert (a, b) == (1, "y")
    assert pickle.loads(pickle.dumps(pair)) == pair
    assert copy.copy(pair) == pair == copy.deepcopy(pair)


def test_record_signature_is_the_fields_before_and_after_the_first_instance() -> None:
    @_record.record
    class Fresh:
        a: int
        b: str = "x"

    expected = inspect.signature(_DataclassPair)
    assert inspect.signature(Fresh) == expected  # __init__ not compiled yet
    assert Fresh(1) == Fresh(1, "x") and Fresh(b="y", a=2).b == "y"
    assert inspect.signature(Fresh) == expected
    with pytest.raises(TypeError):
        Fresh()  # type: ignore[call-arg]


def test_record_answers_dataclasses_questions() -> None:
    pair = _Pair(1, "y")
    assert dataclasses.is_dataclass(pair)
    assert [f.name for f in dataclasses.fields(_Pair)] == ["a", "b"]
    assert dataclasses.fields(_Pair)[1].default == "x"
    assert dataclasses.replace(pair, b="z") == _Pair(1, "z")
    assert dataclasses.asdict(pair) == {"a": 1, "b": "y"}
    assert pair.__replace__(a=3) == _Pair(3, "y")  # type: ignore[attr-defined]  # copy.replace
    with pytest.raises(TypeError):
        pair.__replace__(c=1)  # type: ignore[attr-defined]


def test_record_imports_neither_dataclasses_nor_inspect() -> None:
    code = (
        "import sys\n"
        "from sysapi._record import record\n"
        "@record\n"
        "class P:\n"
        "    a: int\n"
        "P(1) == P(1), hash(P(1)), repr(P(1))\n"
        "print('dataclasses' in sys.modules, 'inspect' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("cls", [_Pair, _DataclassPair])
def test_builder_makes_ordinary_frozen_instances(cls: Any) -> None:
    builder = _struct.builder(cls, ["b", "a"])  # any order of the field names
    obj = builder("y", 1)
    obj.__class__ = cls
    assert type(obj) is cls
    assert obj == cls(1, "y") and hash(obj) == hash(cls(1, "y"))
    assert repr(obj) == f"{cls.__name__}(a=1, b='y')"
    with pytest.raises(dataclasses.FrozenInstanceError):
        obj.a = 2


def test_builder_refuses_what_it_cannot_mirror() -> None:
    with pytest.raises(TypeError):
        _struct.builder(_Pair, ["a"])
    with pytest.raises(TypeError):
        _struct.builder(_Pair, ["a", "b", "c"])

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
