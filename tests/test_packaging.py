"""Packaging facts that a pip user relies on (the build itself: tests/downstream/check.sh)."""

from __future__ import annotations

import importlib.metadata
import json
import re
import tomllib
from pathlib import Path

import pytest

import sysapi

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
#: The distribution name: "sysapi" on the package index is an unrelated project.
DISTRIBUTION = "linux-sysapi"


def test_version_is_single_sourced() -> None:
    project = PYPROJECT["project"]
    assert "version" not in project
    assert "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "sysapi.__version__"}


def test_installed_metadata_matches_the_module_version() -> None:
    assert importlib.metadata.version(DISTRIBUTION) == sysapi.__version__


def test_version_is_pep_440() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?", sysapi.__version__)


def test_sdist_manifest_ships_the_build_inputs() -> None:
    manifest = (ROOT / "MANIFEST.in").read_text().splitlines()
    assert any(line.split()[:1] == ["include"] and "build_ffi.py" in line for line in manifest)
    assert "recursive-include src/sysapi *.py *.pyi py.typed" in manifest
    assert PYPROJECT["tool"]["setuptools"]["package-data"]["sysapi"] == ["py.typed", "*.pyi"]


def test_the_distribution_has_a_name_of_its_own() -> None:
    assert PYPROJECT["project"]["name"] == DISTRIBUTION
    assert importlib.metadata.metadata(DISTRIBUTION)["Name"] == DISTRIBUTION


def _install_lines() -> dict[str, list[str]]:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.rst"))]
    found = {}
    for page in pages:
        # What follows "pip install" up to the end of that shell command.
        text = page.read_text()
        lines = [m[1].strip() for m in re.finditer(r"pip install ([^\n`&;|#]*)", text)]
        if lines:
            found[str(page.relative_to(ROOT))] = lines
    return found


def test_the_docs_install_lines_name_the_distribution() -> None:
    lines = _install_lines()
    # The install-from-the-index lines of the README and the quick start use our name ...
    assert any(
        f"pip install {DISTRIBUTION}" in f"pip install {line}" for line in lines["README.md"]
    )
    assert any(line.startswith(DISTRIBUTION) for line in lines["docs/quickstart.rst"])
    # ... and none installs the stranger's package: a bare "sysapi" requirement.
    for page, page_lines in lines.items():
        for line in page_lines:
            for token in line.split():
                assert not re.fullmatch(r"['\"]?sysapi([\[=<>~!].*)?['\"]?", token), (page, line)


def test_wheels_are_tagged_abi3_for_3_11() -> None:
    setup_py = (ROOT / "setup.py").read_text()
    assert '{"py_limited_api": "cp311"}' in setup_py
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"


def test_the_platform_table_rows_are_complete() -> None:
    # docs/platforms.json is data (tools/platforms.sh writes it, the docs show it): every run
    # says what ran where and on which commit; what could not run says why.
    data = json.loads((ROOT / "docs" / "platforms.json").read_text())
    for run in data["runs"]:
        assert run["result"] in ("passed", "failed", "incomplete")
        for key in ("platform", "python", "libc", "arch", "kernel", "tests", "commit", "date"):
            assert run[key], (run, key)
    assert {r["python"] for r in data["not_run"] if r["why"]} >= {"3.14t"}
    assert any(r["libc"] == "musl" and r["why"] for r in data["not_run"])


def _script_table(name: str) -> list[list[str]]:
    """The rows of a table (``NAME="..."``) of tools/platforms.sh, split at ``|``."""
    script = (ROOT / "tools" / "platforms.sh").read_text()
    table = re.search(rf'^{name}="\n(.*?)^"$', script, re.M | re.S)
    assert table, name
    return [row.split("|") for row in table.group(1).splitlines()]


def test_the_platform_table_and_the_script_name_the_same_platforms() -> None:
    # Every platform the script builds has its run in the docs' table, and every run there
    # (besides this machine's) is one the script can redo.
    platforms = {row[0]: row for row in _script_table("PLATFORMS")}
    data = json.loads((ROOT / "docs" / "platforms.json").read_text())
    assert {run["platform"] for run in data["runs"]} == set(platforms) | {"host"}
    # A Python built from Debian's source is one of its platform's Pythons, checked by a digest.
    for name, path, sha256 in _script_table("SOURCES"):
        python = Path(path).name.split("_")[0]
        assert python in platforms[name][3].split(), (name, python)
        assert re.fullmatch(r"[0-9a-f]{64}", sha256), name
        ran = {".".join(r["python"].split(".")[:2]) for r in data["runs"] if r["platform"] == name}
        assert python.removeprefix("python") in ran, (name, ran)


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


def test_the_stamp_check_reads_the_declarations_only_when_one_is_newer(tmp_path: Path) -> None:
    """The digest is skipped when every declaration module is older than the extension file
    (it was built after their last change) and computed as soon as one is newer."""
    import os

    from sysapi import _stamp

    ffi_dir = tmp_path / "_ffi"
    ffi_dir.mkdir()
    (ffi_dir / "base.py").write_text("BASE = 1\n")
    (ffi_dir / "fs.py").write_text("FS = 1\n")
    extension = tmp_path / "_sysapi.so"
    extension.write_bytes(b"")
    right = _stamp.digest(str(ffi_dir), ["fs"])
    for path, when in ((ffi_dir / "base.py", 1_000), (ffi_dir / "fs.py", 1_000)):
        os.utime(path, (when, when))
    os.utime(extension, (2_000, 2_000))
    # Older declarations: trusted without reading, even against a wrong stamp.
    _stamp.check(right ^ 1, ["fs"], str(ffi_dir), extension=str(extension))
    os.utime(ffi_dir / "fs.py", (3_000, 3_000))
    _stamp.check(right, ["fs"], str(ffi_dir), extension=str(extension))
    with pytest.raises(ImportError, match="rebuild it"):
        _stamp.check(right ^ 1, ["fs"], str(ffi_dir), extension=str(extension))
    with pytest.raises(ImportError, match="rebuild it"):
        _stamp.check(right ^ 1, ["fs"], str(ffi_dir), extension=str(tmp_path / "missing.so"))


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
    build = runpy.run_path(str(ROOT / "build_ffi.py"))
    build["ffibuilder"].emit_c_code(str(c_file))
    include = sysconfig.get_paths()["include"]
    # The limited API's version, as the build defines it for the native functions.
    macros = [f"-D{name}={value}" for name, value in build["_limited_api"]()]
    subprocess.run(
        ["gcc", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-Wno-unused-function", *macros,
         "-I", include, str(c_file)],
        check=True,
    )  # fmt: skip
