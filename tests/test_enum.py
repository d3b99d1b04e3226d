"""``sysapi._enum``: every sysapi enum class is the class the ``class X(enum.IntFlag)`` statement
would make, member for member, whichever way ``_enum`` built it."""

from __future__ import annotations

import enum
import pickle
import subprocess
import sys
import types
from typing import Any

import pytest

from sysapi import _areas, _enum, errors

BASES = (enum.IntFlag, enum.IntEnum, enum.Enum)


def _sysapi_enums() -> list[type[enum.Enum]]:
    """Every enum class a sysapi module defines, public or not."""
    found: list[type[enum.Enum]] = []
    for module in [errors, *_areas.load_all()]:
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, enum.Enum)
                and obj.__module__ == module.__name__
                and obj not in found
            ):
                found.append(obj)
    return found


ENUMS = _sysapi_enums()


def _base(cls: type[enum.Enum]) -> type[enum.Enum]:
    (base,) = cls.__bases__
    assert base in BASES, cls
    return base


def _body(cls: type[enum.Enum]) -> dict[str, Any]:
    """What the class body of ``cls`` held: its members' values, docstring, methods."""
    body: dict[str, Any] = {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
    if cls.__doc__ is not None:
        body["__doc__"] = cls.__doc__
    for name, member in cls.__members__.items():
        body[name] = member._value_
    # __firstlineno__ and __static_attributes__: Python 3.13 and later.
    for key in ("_missing_", "__reduce_ex__", "__firstlineno__", "__static_attributes__"):
        if key in cls.__dict__:
            body[key] = cls.__dict__[key]
    return body


def _statement(cls: type[enum.Enum]) -> type[enum.Enum]:
    """``cls`` made again by the class statement's own path."""
    base = _base(cls)
    meta: Any = type(base)
    classdict = meta.__prepare__(cls.__name__, (base,))
    for key, value in _body(cls).items():
        classdict[key] = value
    made: type[enum.Enum] = meta(cls.__name__, (base,), classdict)
    return made


def _probes(cls: type[enum.Enum]) -> list[object]:
    """Values to look up: every member's, and for flags their union and an unknown bit."""
    values: list[object] = [m._value_ for m in cls.__members__.values()]
    if issubclass(cls, enum.Flag):
        every = 0
        for v in values:
            every |= int(v)  # type: ignore[call-overload]
        values += [every, 1 << max(every.bit_length(), 1) + 3, every | 1 << 40]
    elif issubclass(cls, int):
        values += [-12345, 1 << 20]
    return values


def _shape(cls: type[enum.Enum]) -> list[object]:
    """What a user can observe of ``cls`` itself."""
    return [
        cls.__name__,
        cls.__qualname__,
        cls.__module__,
        cls.__doc__,
        [b.__name__ for b in cls.__mro__],
        [(m.name, m.value) for m in cls],
        [(name, m.name, m.value) for name, m in cls.__members__.items()],
        sorted(dir(cls)),
        sorted(k for k in cls.__dict__ if k not in cls.__members__),
        [(name, type(cls.__dict__.get(name)).__name__) for name in cls.__members__],
        len(cls),
    ]


def _behaviour(cls: type[enum.Enum]) -> list[object]:
    """What a user can observe of ``cls`` and of its members and pseudo-members. (Python 3.11
    caches each pseudo-member a lookup makes, and iterating some composite flags shows that
    cache: compare classes that met the same lookups.)"""
    seen = _shape(cls)
    for value in _probes(cls):
        try:
            member = cls(value)
        except ValueError as exc:
            seen.append(("ValueError", str(exc)))
            continue
        seen.append(
            (
                repr(member),
                str(member),
                format(member),
                f"{member:>8}",
                member.name,
                member.value,
                hash(member),
                repr(list(member)) if isinstance(member, enum.Flag) else None,
                repr(~member) if isinstance(member, enum.Flag) else None,
            )
        )
    return seen


@pytest.mark.parametrize("cls", ENUMS, ids=lambda c: c.__name__)
def test_each_enum_is_what_the_class_statement_makes(cls: type[enum.Enum]) -> None:
    twin = _statement(cls)
    assert _shape(cls) == _shape(twin)
    assert _behaviour(_enum.make(_base(cls), cls.__name__, _body(cls))) == _behaviour(twin)
    assert isinstance(cls, enum.EnumType)
    assert all(isinstance(m, _base(cls)) for m in cls)
    for name, member in cls.__members__.items():
        assert getattr(cls, name) is member
        assert cls[name] is member
        assert pickle.loads(pickle.dumps(member)) is member
    for value in _probes(cls):  # pseudo-members too
        try:
            member = cls(value)
        except ValueError:
            continue
        assert pickle.loads(pickle.dumps(member)) == member
    check = getattr(enum, "_test_simple_enum", None)  # the stdlib's own comparison
    if check is not None:
        check(twin, cls)


def test_without_simple_enum_the_class_statement_path_makes_the_same_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_enum, "_simple_enum", None)
    for cls in ENUMS:
        body = _body(cls)
        made = _enum.make(_base(cls), cls.__name__, body)
        assert _behaviour(made) == _behaviour(_statement(cls))


def test_the_simple_enum_path_makes_the_same_class(monkeypatch: pytest.MonkeyPatch) -> None:
    """The path of the Pythons _enum._convert does not follow (3.11 takes _convert)."""
    if getattr(enum, "_simple_enum", None) is None:
        pytest.skip("this Python has no enum._simple_enum: the class statement path is used")
    monkeypatch.setattr(_enum, "_CONVERT", False)
    for cls in ENUMS:
        made = _enum.make(_base(cls), cls.__name__, _body(cls))
        twin = _statement(cls)
        assert _behaviour(made) == _behaviour(twin)
        check = getattr(enum, "_test_simple_enum", None)  # the stdlib's own comparison
        if check is not None:
            check(twin, made)


def test_a_member_named_as_a_property_of_its_base_takes_the_class_statement_path() -> None:
    for base in BASES:
        properties = {
            key
            for cls in base.__mro__
            for key, value in vars(cls).items()
            if isinstance(value, (property, types.DynamicClassAttribute))
        }
        assert properties <= _enum._PROPERTIES, base
    body = {"__module__": __name__, "__qualname__": "Named", "name": 1, "value": 2, "other": 3}
    made: Any = _enum.make(enum.IntEnum, "Named", body)
    assert made.other.name == "other" and made.other.value == 3
    assert made["name"].name == "name" and made["value"].value == 2


def test_a_body_beyond_the_fast_path_takes_the_class_statement_path() -> None:
    class Auto(_enum.IntEnum):
        A = enum.auto()
        B = enum.auto()

    class WithSuper(_enum.IntFlag):
        X = 1
        Y = 2

        def describe(self) -> str:
            return f"<{super().__repr__()}>"

    class Plain(_enum.IntFlag):
        X = 1

    assert [(m.name, m.value) for m in Auto] == [("A", 1), ("B", 2)]
    assert isinstance(Auto.A, enum.IntEnum)
    assert WithSuper.X.describe() == "<<WithSuper.X: 1>>"
    assert Plain.__doc__ is None and repr(Plain.X) == "<Plain.X: 1>"
    assert Plain.__qualname__.endswith("<locals>.Plain")
    with pytest.raises(TypeError):
        maker: Any = type(_enum.IntEnum)
        maker("Bad", (_enum.IntEnum, _enum.IntFlag), {})
    assert isinstance(Plain.X, _enum.IntFlag) and issubclass(Plain, _enum.IntFlag)
    assert not isinstance(Plain.X, _enum.IntEnum) and not issubclass(Auto, _enum.IntFlag)
    assert isinstance(errors.Source.MAN, _enum.Enum)


def test_the_enums_are_made_without_the_class_statement_path() -> None:
    """The point of _enum: where the Python has _simple_enum, no sysapi enum runs the per-member
    protocol of EnumType (counted in a fresh interpreter)."""
    if getattr(enum, "_simple_enum", None) is None:
        pytest.skip("this Python has no enum._simple_enum: the class statement path is used")
    code = (
        "import enum\n"
        "calls = []\n"
        "new = enum.EnumType.__new__\n"
        "def counting(*args, _simple=False, **kwargs):\n"
        "    made = new(*args, _simple=_simple, **kwargs)\n"
        "    if made.__module__.startswith('sysapi.'):\n"
        "        calls.append(_simple)\n"
        "    return made\n"
        "enum.EnumType.__new__ = counting\n"
        "import sysapi\n"
        "[getattr(sysapi, n) for n in sysapi.__all__]\n"
        "print(len(calls), calls.count(True))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    total, simple = map(int, out.stdout.split())
    assert total == simple == len(ENUMS)
