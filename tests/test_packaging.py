"""Packaging facts that a pip user relies on (the build itself: tests/downstream/check.sh)."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import sysapi

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_version_is_single_sourced() -> None:
    project = PYPROJECT["project"]
    assert "version" not in project
    assert "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "sysapi.__version__"}


def test_installed_metadata_matches_the_module_version() -> None:
    assert importlib.metadata.version("sysapi") == sysapi.__version__


def test_version_is_pep_440() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?", sysapi.__version__)


def test_sdist_manifest_ships_the_build_inputs() -> None:
    manifest = (ROOT / "MANIFEST.in").read_text().splitlines()
    assert any(line.split()[:1] == ["include"] and "build_ffi.py" in line for line in manifest)
    assert "recursive-include src/sysapi *.py *.pyi py.typed" in manifest
    assert PYPROJECT["tool"]["setuptools"]["package-data"]["sysapi"] == ["py.typed", "*.pyi"]
