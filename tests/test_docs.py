"""The documentation's data: the coverage table against the spec, and the generated docstrings."""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import inspect
import os
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import sysapi
from sysapi import _areas, errors

ROOT = Path(__file__).resolve().parents[1]


def _load_coverage_module() -> ModuleType:
    path = ROOT / "docs" / "_ext" / "sysapi_coverage.py"
    spec = importlib.util.spec_from_file_location("sysapi_coverage", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look the module up in sys.modules while the class bodies run.
    import sys

    sys.modules["sysapi_coverage"] = module
    spec.loader.exec_module(module)
    return module


cov_module = _load_coverage_module()
COVERAGE: Any = cov_module.load_coverage(ROOT / "docs" / "coverage.toml")


def _shared(*parts: str) -> Path | None:
    """shared/<parts> beside the checkout (or SYSAPI_SHARED), as CI and the worktrees have it."""
    env = os.environ.get("SYSAPI_SHARED")
    candidates = [Path(env)] if env else []
    candidates += [parent / "shared" for parent in ROOT.parents]
    for base in candidates:
        path = base.joinpath(*parts)
        if path.exists():
            return path
    return None


def _resolve(dotted: str) -> object:
    """The object a dotted stdlib name refers to (``os.readv``, ``bytes.find``)."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        rest = parts[i:]
        break
    else:
        obj, rest = builtins, parts
    for name in rest:
        obj = getattr(obj, name)
    return obj


def test_coverage_has_one_entry_per_row_of_the_spec_tables() -> None:
    spec_dir = _shared("spec")
    if spec_dir is None:
        pytest.skip("shared/spec is not beside this checkout (set SYSAPI_SHARED)")
    problems = cov_module.check_against_spec(COVERAGE, spec_dir)
    assert problems == []
    rows = sum(len(cov_module.spec_rows(p)) for p in spec_dir.glob("notes-*.md"))
    assert len(COVERAGE.apis) == rows


def test_every_entry_is_bound_covered_or_explained() -> None:
    for api in COVERAGE.apis:
        assert api.name, api.row
        if not api.sysapi and not api.stdlib:
            assert api.note.startswith("Not "), f"{api.name}: say why it is not bound"


def test_stdlib_names_exist() -> None:
    for api in COVERAGE.apis:
        for name in api.stdlib:
            try:
                _resolve(name)
            except AttributeError as exc:  # pragma: no cover - the message is the point
                raise AssertionError(f"{api.name}: {name} is not in this Python") from exc


def test_sysapi_names_are_exported_or_promised() -> None:
    exported = set(sysapi.__all__)
    api_md = _shared("API.md")
    promised = set(re.findall(r"\w+", api_md.read_text())) if api_md else set()
    for api in COVERAGE.apis:
        for name in api.sysapi:
            if name in exported:
                assert callable(getattr(sysapi, name)), name
            elif api_md is None:
                pytest.skip("shared/API.md is not beside this checkout (set SYSAPI_SHARED)")
            else:
                assert name in promised, (
                    f"{api.name}: sysapi.{name} is neither exported nor in API.md"
                )


def test_every_area_module_has_an_api_page() -> None:
    pages = {p.stem for p in (ROOT / "docs" / "api").glob("*.rst")}
    for area in _areas.AREAS:
        assert area in pages
        assert f"automodule:: sysapi.{area}" in (ROOT / "docs" / "api" / f"{area}.rst").read_text()


def _documented_functions() -> list[tuple[str, Any]]:
    found = []
    for area in _areas.AREAS:
        module = importlib.import_module(f"sysapi.{area}")
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) and "Raises:" in (obj.__doc__ or ""):
                found.append((f"sysapi.{area}.{name}", obj))
    return found


def test_generated_raises_sections_parse_as_napoleon_raises() -> None:
    napoleon = pytest.importorskip("sphinx.ext.napoleon")
    config = napoleon.Config(napoleon_use_rtype=False)
    functions = _documented_functions()
    assert functions, "no public function carries a generated Raises section"
    for qualname, func in functions:
        lines = napoleon.GoogleDocstring(
            inspect.getdoc(func) or "", config, what="function"
        ).lines()
        raised = {line.split(":")[1].split()[1] for line in lines if line.startswith(":raises ")}
        for spec in errors.REGISTRY.values():
            if f"from ``{spec.syscall}``" not in (func.__doc__ or ""):
                continue
            for entry in spec.entries:
                assert entry.name in raised, f"{qualname}: {entry.name} is not a :raises: field"
                assert inspect.isclass(getattr(errors, entry.name)), entry.name


def _api_md_sections(text: str) -> list[tuple[list[str], set[str]]]:
    """(area modules named in the heading, words of the section) for each ``##`` of API.md."""
    sections = []
    for chunk in re.split(r"^## ", text, flags=re.M)[1:]:
        heading, _, body = chunk.partition("\n")
        areas = re.findall(r"`sysapi\.(\w+)`", heading)
        if areas:
            sections.append((areas, set(re.findall(r"\w+", body))))
    return sections


def test_landed_areas_export_the_names_the_coverage_table_uses() -> None:
    """Once every area of an API.md section has landed, the coverage table's names from that
    section must be exported (a renamed call would otherwise stay "in progress" for good)."""
    api_md = _shared("API.md")
    if api_md is None:
        pytest.skip("shared/API.md is not beside this checkout (set SYSAPI_SHARED)")
    used = {name for api in COVERAGE.apis for name in api.sysapi}
    exported = set(sysapi.__all__)
    checked = 0
    for areas, words in _api_md_sections(api_md.read_text()):
        modules = [importlib.import_module(f"sysapi.{area}") for area in areas]
        if not all(module.__all__ for module in modules):
            continue
        for name in sorted(used & words):
            checked += 1
            assert name in exported, f"sysapi.{name} (API.md, {areas}) is not exported"
    assert checked > 0, "fs has landed: its names must have been checked"


def test_errno_meanings_are_valid_restructuredtext() -> None:
    """The meanings go into docstrings and the errno tables as rst: ``IN_*`` unquoted would be a
    hyperlink reference and break the docs build, so every text must parse cleanly."""
    core = pytest.importorskip("docutils.core")
    docutils_nodes = pytest.importorskip("docutils.nodes")
    settings = {"report_level": 5, "halt_level": 5, "warning_stream": False}
    texts = []
    for spec in errors.REGISTRY.values():
        for entry in spec.entries:
            texts += [(spec.syscall, entry.meaning), (spec.syscall, entry.notes_claim or "")]
        texts += [(spec.syscall, why) for why in spec.notes_only.values()]
    assert texts
    for syscall, text in texts:
        tree = core.publish_doctree(text, settings_overrides=settings)
        problems = [
            m.astext()
            for m in tree.findall(docutils_nodes.system_message)
            if m["level"] >= 2  # warnings and errors; info is harmless
        ]
        # A dangling reference (``notes_``) leaves a problematic node, not a message.
        problems += [p.astext() for p in tree.findall(docutils_nodes.problematic)]
        assert not problems, f"{syscall}: {text!r}: {problems}"
