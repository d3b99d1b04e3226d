"""mypy's stubtest for the compiled module's stub, ``src/sysapi/_sysapi.pyi``.

stubtest alone sees nothing inside cffi's ``lib``: it is an instance of ``_cffi_backend.Lib``,
whose members have no signatures. So stubtest runs here against a stand-in for
``sysapi._sysapi`` built from the real module: ``_Lib`` is a class with one member per name in
``dir(lib)``, each constant its int value and each function a Python function with as many
positional-only parameters as its C prototype (``ffi.typeof``), named as the stub names them (C
keeps no parameter names to compare). A shim added without its stub line, a stub line without
its shim, or a wrong parameter count fails. (``ffi`` is a
``cffi.FFI``, as the stub says; cffi's own stubs describe its methods.) The native functions
(module functions that ``sysapi._native`` installs) join the stand-in as they are: built-in
functions whose signatures stubtest reads from their ``__text_signature__``.

Usage: ``python tools/stubtest.py`` with sysapi installed; exits as stubtest does.
"""

from __future__ import annotations

import ast
import sys
import types
from pathlib import Path
from typing import Any

import cffi
from mypy import stubtest

from sysapi import _native, _sysapi


def _stub_parameter_names() -> dict[str, list[str]]:
    tree = ast.parse(Path(_sysapi.__file__).with_name("_sysapi.pyi").read_text())
    lib_class = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "_Lib")
    return {
        f.name: [a.arg for a in f.args.posonlyargs[1:]]
        for f in lib_class.body
        if isinstance(f, ast.FunctionDef)
    }


def _function(name: str, nargs: int, names: list[str]) -> Any:
    names = (names + [f"arg{i}" for i in range(len(names), nargs)])[:nargs]
    params = ", ".join(["self", *names, "/"])
    namespace: dict[str, Any] = {}
    exec(f"def {name}({params}): ...", namespace)
    return namespace[name]


def stand_in() -> types.ModuleType:
    members: dict[str, Any] = {}
    stub_names = _stub_parameter_names()
    for name in dir(_sysapi.lib):
        value = getattr(_sysapi.lib, name)
        if isinstance(value, int):
            members[name] = value
        else:
            nargs = len(_sysapi.ffi.typeof(value).args)
            members[name] = _function(name, nargs, stub_names.get(name, []))
    lib_class = type("_Lib", (), members)
    module = types.ModuleType(_sysapi.__name__)
    module.__file__ = _sysapi.__file__
    module.ffi = cffi.FFI()  # type: ignore[attr-defined]
    module._Lib = lib_class  # type: ignore[attr-defined]
    module.lib = lib_class()  # type: ignore[attr-defined]
    for name in _native.__all__:  # importing sysapi._native installed them
        setattr(module, name, getattr(_sysapi, name))
    return module


def main() -> int:
    sys.modules[_sysapi.__name__] = stand_in()
    return stubtest.test_stubs(stubtest.parse_options([_sysapi.__name__]))


if __name__ == "__main__":
    sys.exit(main())
