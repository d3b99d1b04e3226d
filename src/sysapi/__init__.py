"""sysapi: typed bindings for the Linux system calls CPython's standard library lacks.

Every public name is importable from here and from its area module. Failing calls raise the
``sysapi.errors`` class named after the errno (also an instance of the matching builtin such as
``PermissionError``); ``sysapi.errors.REGISTRY`` holds each call's documented error list.

``import sysapi`` loads no area: ``sysapi.<name>`` imports the one area that defines the name
the first time it is used (PEP 562), so a tool pays only for the calls it makes.
"""

from __future__ import annotations

from sysapi import _areas

# Type checkers read __init__.pyi, the static view of every area; tests/test_api.py checks that
# it lists every area of _areas.AREAS.

__version__ = "0.1.0"


def _public_all() -> list[str]:
    names = [*sorted(_areas.CORE), "__version__", *sorted(_areas.AREAS)]
    for module in _areas.load_all():
        names += module.__all__
    return names


def _is_submodule(name: str) -> bool:
    import os

    base = os.path.join(os.path.dirname(__file__), name)
    return os.path.exists(base + ".py") or os.path.isdir(base)


def _load(name: str) -> object:
    """The value of the public ``sysapi.<name>``, importing the module that defines it; an
    area's other names are served from the namespace from now on."""
    module_name = _areas.owner(name)
    if module_name is None:
        # A private name, or a submodule being imported (``from sysapi import cli`` asks here
        # first): not ours. Otherwise a name newer than _areas.EXPORTS.
        if name.startswith("_") or _is_submodule(name):
            raise AttributeError(f"module 'sysapi' has no attribute {name!r}")
        module_name = next((m.__name__[7:] for m in _areas.load_all() if name in m.__all__), None)
        if module_name is None:
            raise AttributeError(f"module 'sysapi' has no attribute {name!r}")
    module = _areas.load(module_name)
    value = module if name == module_name else getattr(module, name)
    namespace = globals()
    if module_name in _areas.AREAS:
        namespace.update({n: getattr(module, n) for n in module.__all__})
        namespace[module_name] = module
    namespace[name] = value
    return value


def __getattr__(name: str) -> object:
    namespace = globals()
    if name == "__all__":
        value: object = _public_all()
        for public in _areas.owner_table():  # every area is loaded now: cheap
            if public not in namespace:
                _load(public)
        namespace[name] = value
    else:
        value = _load(name)
    # Once every public name is served from the namespace, this function goes: CPython up to
    # 3.14 specializes no attribute lookup on a module that has a __getattr__, and each
    # sysapi.<name> costs 15 to 45 ns more (benchmarks/bench_import.py measures it).
    if "__all__" in namespace and all(n in namespace for n in _areas.owner_table()):
        namespace.pop("__getattr__", None)  # another thread may have been first
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_public_all()))
