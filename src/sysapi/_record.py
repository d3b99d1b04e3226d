"""``@record``: immutable, slotted result classes without importing ``dataclasses``.

A record behaves as ``@dataclass(frozen=True, slots=True)`` does for everything sysapi promises:
``__slots__`` with the C field names, an ``__init__`` with the fields in order (defaults allowed,
``__post_init__`` called when the class has one), ``__eq__``/``__hash__`` over the fields,
``__repr__``, ``__match_args__``, pickling, copying and ``copy.replace``, and
``dataclasses.FrozenInstanceError`` on assignment. Type checkers see it as a frozen dataclass
(:func:`typing.dataclass_transform`). The ``__init__`` is compiled at the first instance.

``dataclasses`` and ``inspect`` together cost several milliseconds to import, which a library
that other tools import must not. They are imported only by whoever asks a record a
``dataclasses`` question: ``dataclasses.fields``, ``replace``, ``asdict`` and ``is_dataclass`` keep
working because ``__dataclass_fields__`` is built on first access.

Converting a class is one line: ``@dataclass(frozen=True, slots=True)`` becomes ``@record``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn, TypeVar, dataclass_transform

    _T = TypeVar("_T")
else:
    # At run time typing.dataclass_transform only marks the decorator for type checkers.
    def dataclass_transform(**kwargs: object) -> object:
        return lambda decorator: decorator


__all__ = ["builder", "fields", "record"]


def fields(cls: type) -> tuple[str, ...]:
    """The field names of a record class (or of a slotted dataclass), in order."""
    names = getattr(cls, "__match_args__", None)
    if not isinstance(names, tuple) or tuple(getattr(cls, "__slots__", ())) != names:
        raise TypeError(f"{cls.__name__} is not a record")
    return names


class _DataclassFields:
    """``__dataclass_fields__``, built (importing ``dataclasses``) the first time it is read."""

    def __get__(self, obj: object, owner: Any) -> dict[str, Any]:
        import dataclasses

        spec = [
            (name, owner.__annotations__[name], dataclasses.field(default=default))
            if default is not _NO_DEFAULT
            else (name, owner.__annotations__[name])
            for name, default in zip(fields(owner), owner.__record_defaults__, strict=True)
        ]
        made = dataclasses.make_dataclass(owner.__name__, spec)
        built = {f.name: f for f in dataclasses.fields(made)}
        type.__setattr__(owner, "__dataclass_fields__", built)
        return built


_NO_DEFAULT: Any = object()


def _frozen(self: object, name: str, value: object = None) -> NoReturn:
    message = f"cannot assign to field {name!r}"
    try:
        from dataclasses import FrozenInstanceError
    except ImportError:  # say, in a child that dropped the privileges to read the stdlib
        raise AttributeError(message) from None
    raise FrozenInstanceError(message)


def _methods(names: tuple[str, ...]) -> dict[str, Callable[..., Any]]:
    """``__eq__``, ``__hash__``, ``__repr__``, ``__reduce__`` and ``__replace__`` over the
    fields ``names``."""
    if len(names) == 1:
        one = operator.attrgetter(names[0])

        def values(obj: object) -> tuple[Any, ...]:
            return (one(obj),)

    else:
        values = operator.attrgetter(*names)  # type: ignore[assignment]

    def __eq__(self: object, other: object) -> bool:
        if other.__class__ is self.__class__:
            return bool(values(self) == values(other))
        return NotImplemented

    def __hash__(self: object) -> int:
        return hash(values(self))

    def __repr__(self: object) -> str:
        inner = ", ".join(f"{n}={v!r}" for n, v in zip(names, values(self), strict=True))
        return f"{self.__class__.__qualname__}({inner})"

    def __reduce__(self: object) -> tuple[type, tuple[Any, ...]]:
        return self.__class__, values(self)

    def __replace__(self: object, **changes: Any) -> object:
        # copy.replace (Python 3.13), as dataclasses.replace does it.
        return self.__class__(
            **{
                n: changes.pop(n) if n in changes else v
                for n, v in zip(names, values(self), strict=True)
            },
            **changes,
        )

    return {
        "__eq__": __eq__,
        "__hash__": __hash__,
        "__repr__": __repr__,
        "__reduce__": __reduce__,
        "__replace__": __replace__,
    }


def _compile(qualname: str, params: list[str], body: list[str], scope: dict[str, Any]) -> Any:
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body)
    exec(source, scope)  # generated from identifiers only, as dataclasses does
    init = scope["__init__"]
    init.__qualname__ = f"{qualname}.__init__"
    return init


def _init(cls: type, names: tuple[str, ...], defaults: tuple[Any, ...]) -> Callable[..., None]:
    """An ``__init__`` with the signature of the fields, storing through the slot descriptors
    (the class's own ``__setattr__`` refuses)."""
    scope: dict[str, Any] = {f"_set_{n}": getattr(cls, n).__set__ for n in names}
    params = []
    for n, default in zip(names, defaults, strict=True):
        if default is _NO_DEFAULT:
            params.append(n)
        else:
            scope[f"_default_{n}"] = default
            params.append(f"{n}=_default_{n}")
    body = [f"    _set_{n}(self, {n})" for n in names]
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    init: Callable[..., None] = _compile(cls.__qualname__, params, body, scope)
    init.__annotations__ = _annotations(cls, names)
    return init


def _annotations(cls: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The fields' annotations, as a dataclass's ``__init__`` carries them."""
    annotations: dict[str, Any] = cls.__annotations__
    return {**{n: annotations[n] for n in names}, "return": None}


def _shape() -> None:
    """The code whose signature the lazy ``__init__`` shows: see :func:`_lazy_init`."""


def _lazy_init(cls: Any, names: tuple[str, ...], defaults: tuple[Any, ...]) -> Callable[..., None]:
    """An ``__init__`` that compiles the real one (:func:`_init`) at the first call: compiling
    costs about 0.1 ms a class at import, and most records are only built by calls a program
    may never make. Until then ``inspect.signature`` (help, the docs) reads the signature of
    the fields through ``__wrapped__``: a function without a body whose code is ``_shape``'s,
    renamed, which needs no compiling."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init = _init(cls, names, defaults)
        cls.__init__ = init
        init(self, *args, **kwargs)

    code = _shape.__code__.replace(
        co_argcount=len(names) + 1, co_nlocals=len(names) + 1, co_varnames=("self", *names)
    )
    kept = tuple(d for d in defaults if d is not _NO_DEFAULT)
    function_type: Any = type(_shape)
    shape = function_type(code, {}, "__init__", kept or None)
    shape.__doc__ = None  # not _shape's
    shape.__qualname__ = __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    shape.__annotations__ = _annotations(cls, names)
    __init__.__wrapped__ = shape  # type: ignore[attr-defined]
    return __init__


def _own_field_names(cls: type) -> tuple[str, ...]:
    """The names the class body annotates, in order (inspect.get_annotations would import
    inspect). Python 3.14 evaluates annotations lazily (PEP 649, 749): a body compiled without
    ``from __future__ import annotations`` has no ``__annotations__`` entry, only a function
    that annotationlib calls; FORWARDREF reads names not defined yet without failing."""
    if "__annotations__" in cls.__dict__:
        return tuple(cls.__dict__["__annotations__"])  # noqa: RUF063
    try:
        annotationlib: Any = __import__("annotationlib")
    except ImportError:  # Python < 3.14: no annotations at all
        return ()
    return tuple(annotationlib.get_annotations(cls, format=annotationlib.Format.FORWARDREF))


@dataclass_transform(frozen_default=True)
def record(cls: type[_T]) -> type[_T]:
    """Make ``cls`` (a class body of annotated fields, with defaults, properties and methods)
    an immutable slotted record; see the module docstring."""
    if cls.__bases__ != (object,):
        raise TypeError(f"record {cls.__name__} cannot have base classes")
    names = _own_field_names(cls)
    defaults = tuple(cls.__dict__.get(n, _NO_DEFAULT) for n in names)
    namespace = {
        k: v
        for k, v in cls.__dict__.items()
        if k not in names and k not in ("__dict__", "__weakref__")
    }
    namespace.update(
        __slots__=names,
        __match_args__=names,
        __record_defaults__=defaults,
        __setattr__=_frozen,
        __delattr__=_frozen,
        __dataclass_fields__=_DataclassFields(),
        **_methods(names),
    )
    new: Any = type(cls.__name__, (), namespace)
    new.__qualname__ = cls.__qualname__
    new.__init__ = _lazy_init(new, names, defaults)
    for method in ("__eq__", "__hash__", "__repr__", "__reduce__", "__replace__"):
        getattr(new, method).__qualname__ = f"{cls.__qualname__}.{method}"
    result: type[_T] = new
    return result


def builder(cls: type, names: Sequence[str]) -> Any:
    """A mutable class with the slot layout of the record (or frozen slotted dataclass) ``cls``,
    for hot paths: its ``__init__`` stores every field positionally, in the order of ``names``
    (any order of all of ``cls``'s fields), with plain slot stores. Use::

        obj = Builder(*values)
        obj.__class__ = cls

    or, faster still (no ``__init__`` frame; each store is a specialised slot store)::

        obj = object.__new__(Builder)
        obj.field = value  # every field
        obj.__class__ = cls

    CPython allows assigning ``__class__`` between heap types of the same layout; the result is
    an ordinary instance of ``cls`` (``__post_init__`` does not run: only values straight from
    the kernel go this way). Raises TypeError at once when the layouts differ.
    """
    if sorted(names) != sorted(fields(cls)):
        raise TypeError(f"{cls.__name__} is not a slotted record with fields {names}")

    def __init__(self: Any, *values: Any) -> None:
        # Compiled at the first call, not at import: compiling costs about 0.1 ms a class, and
        # some builders are only used by calls a program never makes.
        body = [f"    self.{n} = {n}" for n in names]
        twin.__init__ = _compile(twin.__qualname__, list(names), body, {})
        twin.__init__(self, *values)

    twin: Any = type(f"_{cls.__name__}Builder", (), {"__slots__": tuple(names)})
    twin.__init__ = __init__
    probe = object.__new__(twin)
    for n in names:
        setattr(probe, n, n)
    probe.__class__ = cls  # TypeError here if CPython finds the layouts different
    if any(getattr(probe, n) != n for n in names):
        raise TypeError(f"the builder of {cls.__name__} does not fill its fields")
    return twin
