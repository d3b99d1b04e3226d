"""The bases of sysapi's enum classes: ``class ProtFlags(_enum.IntFlag)`` makes an ordinary
:class:`enum.IntFlag` subclass in half the time of ``class ProtFlags(enum.IntFlag)``.

A class statement on an enum base runs :class:`enum.EnumType`'s whole per-member protocol
(``_EnumDict.__setitem__``, then ``__set_name__`` creating each member): about 90 µs a class,
3.4 ms for sysapi's 34 classes, the largest part of importing every area. The standard library
makes its own enums (``re.RegexFlag``, ``http.HTTPStatus``, ``ssl``'s, ``pstats.SortKey``) with
``enum._simple_enum``, which builds the same class from a plain one without that protocol, and
keeps it equal to the class statement's result (``enum._test_simple_enum``, which
``tests/test_enum.py`` runs on every sysapi enum). The bases here do the same:

- type checkers read ``enum.IntEnum``, ``enum.IntFlag`` and ``enum.Enum`` themselves;
- at run time they are placeholders whose metaclass passes the class body to
  ``enum._simple_enum`` and returns the enum class it makes (a subclass of the real base:
  ``isinstance``, ``repr``, pickling, ``_missing_`` and the docs are the class statement's);
- on Python 3.11 :func:`_convert` makes what 3.11's ``_simple_enum`` makes, in half its time
  again (it still made 34 classes in 2.3 ms, mostly on steps that a body of plain members
  does not need);
- a body using anything beyond members, a docstring, ``_missing_``, ``__reduce_ex__`` and
  plain methods (e.g. ``auto()``, ``__new__``, ``super()``), or a Python without
  ``enum._simple_enum`` (a private helper: a later version may drop it), takes the class
  statement's own path, ``EnumType.__prepare__`` and ``EnumType(...)``: the same class, at the
  usual cost.
"""

from __future__ import annotations

import enum
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from enum import Enum as Enum
    from enum import IntEnum as IntEnum
    from enum import IntFlag as IntFlag
    from typing import Any

_simple_enum = getattr(enum, "_simple_enum", None)
# Besides members, what the fast path passes on as the class statement would: the rest
# (auto(), _ignore_, __new__, __init_subclass__, __classcell__, ...) takes the usual path.
_PLAIN = frozenset(
    ("__module__", "__qualname__", "__doc__", "__firstlineno__", "__static_attributes__")
)
_METHODS = (type(lambda: None), property, classmethod, staticmethod)  # function: a method
# The Python whose _simple_enum _convert() follows; another uses _simple_enum itself. Within
# 3.11, the releases whose Flag has _singles_mask_ (gh-105497; 3.11.7 here): earlier ones
# (3.11.2: Debian 12's, and the platforms' Debian 11 root's) count only single bits in
# _flag_mask_, and their Flag._missing_ raises AttributeError for a value _convert()'s class
# holds (AdjMode(0x8000): bit 0x8000 is only in the multi-bit ADJ_OFFSET_SINGLESHOT).
_CONVERT = sys.version_info[:2] == (3, 11) and "_singles_mask_" in vars(enum.Flag)
# The properties of the bases: the class statement reaches a member named so through a
# redirecting enum.property (Color.name.name is then "name"), which make() does not.
_PROPERTIES = frozenset(("name", "value"))


def reduce_by_value(member: Any, proto: object) -> tuple[Any, ...]:
    """``__reduce_ex__`` of an enum class whose ``_missing_`` makes pseudo-members: pickled by
    value, as Python 3.12 and later 3.11 releases pickle every member. Early 3.11 releases (Debian
    12's 3.11.2) pickle by name, and a pseudo-member's made-up name (``SCHED_99``) does not load."""
    return type(member), (member._value_,)


# The private names a fast body may hold, with the type of their value.
_SPECIAL = frozenset((("_missing_", classmethod), ("__reduce_ex__", type(reduce_by_value))))


def _fast(base: type[enum.Enum], namespace: dict[str, Any]) -> bool:
    """Whether ``_simple_enum`` makes the class a class statement would of ``namespace``."""
    members = (int,) if issubclass(base, int) else (int, str)
    for key, value in namespace.items():
        if key in _PLAIN:
            continue
        if key.startswith("_"):
            if (key, type(value)) not in _SPECIAL:
                return False
        elif type(value) not in members and type(value) not in _METHODS:
            return False  # auto(), member(), nonmember(), a nested class, ...
        elif key in _PROPERTIES:
            return False
    return True


_MIXIN_METHODS = ("__repr__", "__str__", "__format__", "__reduce_ex__")
_FLAG_OPERATORS = ("__or__", "__xor__", "__and__", "__ror__", "__rxor__", "__rand__", "__invert__")


def _convert(base: type[enum.Enum], name: str, namespace: dict[str, Any]) -> type[enum.Enum]:
    """What Python 3.11's ``_simple_enum(base)`` makes of ``namespace`` (a body :func:`_fast`
    accepts), with each member stored in the class as the class statement stores it, in half
    the time: no intermediate plain class, no ``enum.property`` made then replaced for each
    member, no Python-level ``EnumType.__setattr__``. Only for the Python whose ``_simple_enum``
    it follows: ``tests/test_enum.py`` compares it with the class statement member by member."""
    etype: Any = base  # the private attributes below are typeshed's
    member_type = etype._member_type_
    new_member = member_type.__new__
    use_args = etype._use_args_
    names: list[str] = []
    members: dict[str, Any] = {}
    by_value: dict[Any, Any] = {}
    body: dict[str, Any] = {
        "_new_member_": new_member,
        "_use_args_": use_args,
        "_generate_next_value_": etype._generate_next_value_,
        "_member_names_": names,
        "_member_map_": members,
        "_value2member_map_": by_value,
        "_unhashable_values_": [],
        "_member_type_": member_type,
        "_value_repr_": etype._value_repr_,
    }
    flag = issubclass(base, enum.Flag)
    if flag:
        body.update(
            _boundary_=etype._boundary_,
            _flag_mask_=None,
            _all_bits_=None,
            _singles_mask_=None,
            _inverted_=None,
        )
        for operator in _FLAG_OPERATORS:
            body[operator] = getattr(enum.Flag, operator)
    values: dict[str, Any] = {}
    for key, value in namespace.items():
        if key.startswith("_") or type(value) not in (int, str):
            body[key] = value  # the docstring, _missing_, methods
        else:
            values[key] = value
    cls: Any = type(name, (base,), body, boundary=None, _simple=True)
    for method in _MIXIN_METHODS:
        if method not in body and getattr(cls, method) in (
            getattr(member_type, method),
            getattr(object, method),
        ):
            type.__setattr__(cls, method, getattr(base, method))
    init = None if cls.__init__ is enum.Enum.__init__ else cls.__init__
    singles = multiple = 0
    for key, value in values.items():
        member = by_value.get(value)
        if member is None:
            member = new_member(cls, value) if use_args else new_member(cls)
            member._value_ = value
            member._name_ = key
            member.__objclass__ = cls
            if init is not None:
                init(member, value)
            member._sort_order_ = len(names)
            by_value[value] = member
            if not flag:
                names.append(key)
            elif value and not value & (value - 1):
                names.append(key)
                singles |= value
            else:
                multiple |= value  # a multi-bit alias (or 0): not iterated
        members[key] = member  # an alias is the member of its value
        type.__setattr__(cls, key, member)
    if flag:
        cls._flag_mask_ = singles | multiple
        cls._singles_mask_ = singles
        cls._all_bits_ = 2 ** ((singles | multiple).bit_length()) - 1
        order = [members[n]._value_ for n in names]
        if order != sorted(order):
            cls._iter_member_ = cls._iter_member_by_def_
    cls.__new__ = enum.Enum.__new__
    return cls  # type: ignore[no-any-return]


def make(base: type[enum.Enum], name: str, namespace: dict[str, Any]) -> type[enum.Enum]:
    """The enum class ``class <name>(<base>): <namespace>`` defines."""
    if _simple_enum is None or not _fast(base, namespace):
        meta: Any = type(base)
        classdict = meta.__prepare__(name, (base,))
        for key, value in namespace.items():
            classdict[key] = value
        made: type[enum.Enum] = meta(name, (base,), classdict)
        return made
    if _CONVERT:
        return _convert(base, name, namespace)
    cls: Any = _simple_enum(base)(type(name, (), namespace))
    # Where _simple_enum and the class statement differ, the class statement's way:
    # - no docstring is None, not "An enumeration.";
    if namespace.get("__doc__") is None:
        type.__setattr__(cls, "__doc__", None)
    # - the qualified name (type() kept it on the plain class only);
    type.__setattr__(cls, "__qualname__", namespace.get("__qualname__", name))
    # - Python 3.11's _simple_enum reaches each member through an enum.property in the
    #   class; the class statement stores the member itself (3.12 on, both do).
    if sys.version_info < (3, 12):
        for key, member in cls.__members__.items():
            if isinstance(cls.__dict__.get(key), enum.property):
                type.__setattr__(cls, key, member)
    return cls  # type: ignore[no-any-return]


if not TYPE_CHECKING:  # type checkers read the enum classes themselves, imported above

    class _Maker(type):
        """The metaclass of the placeholders: a class statement on one returns ``make``'s
        enum class instead of a subclass of the placeholder."""

        def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> Any:
            if "_enum_base" in namespace:  # a placeholder itself
                return super().__new__(mcls, name, bases, namespace)
            if len(bases) != 1:
                raise TypeError(f"{name}: an enum here has exactly one base")
            return make(bases[0]._enum_base, name, namespace)

        # Type checkers read the placeholders as the enum classes: so do these two.
        def __instancecheck__(cls, obj: object) -> bool:
            return isinstance(obj, cls._enum_base)

        def __subclasscheck__(cls, sub: type) -> bool:
            return issubclass(sub, cls._enum_base)

    class Enum(metaclass=_Maker):
        _enum_base = enum.Enum

    class IntEnum(metaclass=_Maker):
        _enum_base = enum.IntEnum

    class IntFlag(metaclass=_Maker):
        _enum_base = enum.IntFlag


__all__ = ["Enum", "IntEnum", "IntFlag"]
