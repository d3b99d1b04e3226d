"""Project-wide API conventions (DESIGN.md §4), checked for every area at once."""

from __future__ import annotations

import enum
import importlib
from types import ModuleType

import pytest

import sysapi

#: The area modules, as the package itself re-exports them (``errors`` is not an area).
AREAS = [
    name
    for name in sysapi.__all__
    if isinstance(getattr(sysapi, name), ModuleType) and name != "errors"
]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"sysapi.{name}")


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
