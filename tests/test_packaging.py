"""Packaging facts that a pip user relies on (the build itself: tests/downstream/check.sh)."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest

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


def test_a_stale_extension_is_refused_at_import(tmp_path: Path) -> None:
    """0.1.0 imported an extension built from older declarations and called its shims with
    the new signatures; now the build stamp (a digest of _ffi/) is checked at import."""
    import shutil
    import subprocess
    import sys

    import sysapi
    from sysapi import _stamp
    from sysapi._sysapi import lib

    copy = tmp_path / "sysapi"
    shutil.copytree(Path(sysapi.__file__).parent, copy)
    assert _stamp.digest(str(copy / "_ffi"), sysapi._areas.AREAS) == lib.SYSAPI_FFI_STAMP
    code = "import sysapi.fs"
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    fresh = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert fresh.returncode == 0, fresh.stderr
    with (copy / "_ffi" / "fs.py").open("a") as f:
        f.write("# a declaration changed since the build\n")
    stale = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert stale.returncode != 0
    assert "ImportError" in stale.stderr and "rebuild it" in stale.stderr


def test_the_extension_builds_with_every_warning_as_an_error(tmp_path: Path) -> None:
    """-Wall -Wextra clean, and an undeclared function is an error (build_ffi.py's flags)."""
    import runpy
    import shutil
    import subprocess
    import sysconfig

    if shutil.which("gcc") is None:
        pytest.skip("no gcc to compile with")
    script = (ROOT / "build_ffi.py").read_text()
    assert '"-Werror=implicit-function-declaration"' in script and '"-Wextra"' in script
    c_file = tmp_path / "_sysapi.c"
    runpy.run_path(str(ROOT / "build_ffi.py"))["ffibuilder"].emit_c_code(str(c_file))
    include = sysconfig.get_paths()["include"]
    subprocess.run(
        ["gcc", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-Wno-unused-function", "-I",
         include, str(c_file)],
        check=True,
    )  # fmt: skip
