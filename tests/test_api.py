"""Project-wide API conventions (DESIGN.md §4), checked for every area at once, and the one
list of areas (``sysapi._areas``) against everything derived from it."""

from __future__ import annotations

import argparse
import ast
import enum
import importlib
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import sysapi
from sysapi import _areas

AREAS = _areas.AREAS
SRC = Path(sysapi.__file__).parent


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"sysapi.{name}")


def _fresh(code: str) -> str:
    """What ``code`` prints, run in a fresh interpreter (what it imports is its own)."""
    return subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout


def _generated_tables() -> str:
    """The generated tables of ``sysapi/_areas.py``, as source, from the modules themselves."""
    lines = ["EXPORTS: Final[dict[str, str]] = {"]
    for area in AREAS:
        lines.append(f'    "{area}": """')
        line = ""
        for name in sorted(_module(area).__all__):
            if line and len(line) + len(name) > 90:
                lines.append(line)
                line = ""
            line = f"{line} {name}" if line else f"        {name}"
        lines += [line, '    """,']
    lines += ["}", "", "", "COMMANDS: Final[dict[str, str]] = {"]
    sub = argparse.ArgumentParser().add_subparsers()
    for module in _areas.submodules("_commands"):
        before = set(sub.choices)
        module.register(sub)
        area = module.__name__.rpartition(".")[2]
        lines += [f'    "{command}": "{area}",' for command in sorted(set(sub.choices) - before)]
    lines.append("}")
    return "\n".join(lines)


def test_generated_tables_are_current() -> None:
    source = (SRC / "_areas.py").read_text()
    start = source.index("EXPORTS: Final")
    end = source.index("\n\n# ---- end of the generated tables")
    expected = _generated_tables()
    assert source[start:end] == expected, f"paste into sysapi/_areas.py:\n{expected}"


def _type_checking_imports() -> tuple[set[str], set[str], set[str]]:
    """In ``__init__.pyi``: (modules imported, star-imported areas, names in ``__all__``)."""
    tree = ast.parse((SRC / "__init__.pyi").read_text())
    modules: set[str] = set()
    stars: set[str] = set()
    listed: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "sysapi":
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.names[0].name == "*":
            stars.add(str(node.module).removeprefix("sysapi."))
        elif (
            isinstance(node, ast.AugAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "__all__"
            and isinstance(node.value, ast.Attribute)
        ):
            assert isinstance(node.value.value, ast.Name)
            stars.add(node.value.value.id)  # __all__ += <area>.__all__
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "__all__"
            and isinstance(node.value, ast.List)
        ):
            listed |= {ast.literal_eval(e) for e in node.value.elts}
    return modules, stars, listed


def test_static_view_for_type_checkers_lists_every_area() -> None:
    modules, stars, listed = _type_checking_imports()
    assert modules == {*AREAS, "errors"}
    assert stars == set(AREAS)
    assert listed == {*AREAS, *_areas.CORE, "__version__"}


def test_c_areas_conformance_and_commands_derive_from_the_list() -> None:
    for kind in ("_ffi", "conformance", "_commands"):
        # Private helpers (`_support.py`) serve the areas; every public module is an area.
        files = {p.stem for p in (SRC / kind).glob("[!_]*.py")} - {"base"}
        assert files <= set(AREAS), f"{kind}/ has a module that is no area: {files - set(AREAS)}"
    assert set(_areas.COMMANDS.values()) <= set(AREAS)


def test_import_sysapi_loads_no_area_and_no_optional_stdlib() -> None:
    code = (
        "import sys, sysapi\n"
        "print(' '.join(sorted(sys.modules)))\n"
        "sysapi.getxattr\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    out = _fresh(code)
    first, second = (set(line.split()) for line in out.splitlines())
    loaded = {m for m in first if m.startswith("sysapi.")}
    assert loaded == {"sysapi._areas"}, loaded
    for heavy in ("asyncio", "dataclasses", "inspect", "typing", "_cffi_backend"):
        assert heavy not in first, heavy
    areas = {m for m in second if m.removeprefix("sysapi.") in AREAS}
    assert areas == {"sysapi.xattr"}, areas
    assert "asyncio" not in second and "dataclasses" not in second and "inspect" not in second


def test_touching_every_name_imports_no_optional_stdlib() -> None:
    # From threading on: modules that only some calls (or error notes) need, each imported at
    # module level once; those calls import them. math: none (_convert.ceil_ns).
    heavy = (
        "asyncio", "dataclasses", "inspect", "typing", "re", "cffi",
        "threading", "contextlib", "weakref", "warnings", "resource", "math",
    )  # fmt: skip
    code = (
        "import sys, sysapi\n"
        "[getattr(sysapi, name) for name in sysapi.__all__]\n"
        f"print(' '.join(m for m in {heavy!r} if m in sys.modules))\n"
    )
    out = _fresh(code)
    assert out.split() == []


def test_the_lazy_hook_goes_once_every_name_is_served() -> None:
    # CPython up to 3.14 specializes no `sysapi.<name>` lookup while the package has a
    # __getattr__: it stays only while some public name is still to load.
    code = (
        "import sysapi\n"
        "sysapi.mincore\n"
        "print('__getattr__' in vars(sysapi))\n"
        "names = sysapi.__all__\n"
        "print('__getattr__' in vars(sysapi))\n"
        "print(all(n in vars(sysapi) for n in names), set(dir(sysapi)) >= set(names))\n"
        "try:\n"
        "    sysapi.no_such_name\n"
        "except AttributeError as e:\n"
        "    print(type(e).__name__)\n"
        "from sysapi import cli\n"
        "print(cli.__name__)\n"
    )
    out = _fresh(code)
    assert out.split() == ["True", "False", "True", "True", "AttributeError", "sysapi.cli"]


def test_a_subcommand_imports_only_its_own_area() -> None:
    code = (
        "import sys\n"
        "from sysapi import cli\n"
        "status = cli.main(['fincore', '--help']) if False else None\n"
        "parser = cli.build_parser(['fincore', '/'])\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('sysapi.'))))\n"
    )
    out = _fresh(code)
    areas = {m.removeprefix("sysapi.") for m in out.split()} & set(AREAS)
    assert areas == {"memory"}, out


def test_an_area_is_imported_with_the_collector_paused_and_restored() -> None:
    code = (
        "import gc, sys, sysapi\n"
        "seen = []\n"
        "class Spy:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.startswith('sysapi.'):\n"
        "            seen.append((name, gc.isenabled()))\n"
        "sys.meta_path.insert(0, Spy())\n"
        "sysapi.getxattr\n"
        "after = gc.isenabled()\n"
        "gc.disable()\n"
        "sysapi.fincore\n"
        "print(seen[0], after, gc.isenabled(), all(not on for _, on in seen))\n"
    )
    out = _fresh(code)
    assert out.split() == ["('sysapi.xattr',", "False)", "True", "False", "True"]


def test_no_collection_walks_an_areas_objects_after_its_import() -> None:
    # They live as long as the area: _areas.load leaves them to no collection (gc.freeze then
    # unfreeze), except when the program froze objects itself, which stay frozen.
    code = (
        "import gc, sysapi\n"
        "runs = []\n"
        "gc.callbacks.append(lambda phase, info: runs.append(phase))\n"
        "sysapi.getxattr\n"
        "walked = len(runs)\n"
        "gc.freeze()\n"
        "frozen = gc.get_freeze_count()\n"
        "sysapi.fincore\n"
        "print(walked, gc.get_freeze_count() == frozen, gc.isenabled())\n"
    )
    out = _fresh(code)
    assert out.split() == ["0", "True", "True"]


def test_registry_answers_for_areas_not_loaded_yet() -> None:
    code = (
        "import sys\n"
        "from sysapi.errors import REGISTRY\n"
        "assert not any(m in sys.modules for m in ('sysapi.xattr', 'sysapi.sched'))\n"
        "print(REGISTRY['getxattr'].syscall, 'sched_setattr' in REGISTRY, len(REGISTRY) > 50)\n"
    )
    out = _fresh(code)
    assert out.split() == ["getxattr", "True", "True"]


def test_conformance_loads_every_area_before_any_child_drops_privileges() -> None:
    code = (
        "import sys\n"
        "from sysapi import conformance\n"
        "conformance.all_cases()\n"
        "print(' '.join(m for m in sys.modules if m.startswith('sysapi.')))\n"
    )
    out = _fresh(code)
    assert {f"sysapi.{area}" for area in AREAS} <= set(out.split())


def test_lazy_names_are_the_area_objects() -> None:
    assert sysapi.fs is _module("fs")
    assert sysapi.SysapiError is _module("errors").SysapiError
    assert set(dir(sysapi)) >= set(sysapi.__all__)
    with pytest.raises(AttributeError):
        sysapi.no_such_name  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(ImportError):
        from sysapi import no_such_name  # type: ignore[attr-defined]  # noqa: F401


@pytest.mark.parametrize("area", AREAS)
def test_every_public_name_is_importable_from_sysapi(area: str) -> None:
    module = _module(area)
    assert module.__all__, f"sysapi.{area} exports nothing"
    for name in module.__all__:
        assert getattr(sysapi, name) is getattr(module, name), name
        assert name in sysapi.__all__, name


@pytest.mark.parametrize("area", AREAS)
def test_every_enum_member_is_a_module_constant(area: str) -> None:
    module = _module(area)
    enums = [
        value
        for name in module.__all__
        if isinstance(value := getattr(module, name), type) and issubclass(value, enum.Enum)
    ]
    for enum_cls in enums:
        for member in enum_cls:
            assert member.name is not None
            if not member.name.isupper():
                continue  # pseudo-members for unknown kernel values (SCHED_7) are not constants
            assert getattr(module, member.name) is member, (enum_cls, member.name)
            assert member.name in module.__all__, (enum_cls, member.name)


def test_no_public_name_is_exported_by_two_areas() -> None:
    seen: dict[str, str] = {}
    for area in AREAS:
        for name in _module(area).__all__:
            assert name not in seen or getattr(sysapi, name) is getattr(
                _module(seen[name]), name
            ), f"{name} in {area} and {seen[name]}"
            seen.setdefault(name, area)


def test_docs_list_every_area_in_order() -> None:
    # The docs of the checkout these tests belong to (the package may be an installed wheel).
    index = (Path(__file__).resolve().parents[1] / "docs" / "api" / "index.rst").read_text()
    toctree = re.findall(r"^   (\w+)$", index.split(".. toctree::")[1], re.M)
    assert toctree == ["errors", "fd", *AREAS]
