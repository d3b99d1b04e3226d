"""What can be checked here of the release: the cibuildwheel configuration and workflow (they run
only on a CI service) and the compiled module's stub (stubtest)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CIBW = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["cibuildwheel"]


def test_cibuildwheel_builds_abi3_and_free_threaded_on_four_platforms() -> None:
    pytest.importorskip("cibuildwheel", reason="cibuildwheel comes from the release extra")
    cmd = [sys.executable, "-m", "cibuildwheel", "--print-build-identifiers"]
    cmd += ["--platform", "linux", "--archs", "x86_64,aarch64", str(ROOT)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
    assert sorted(out) == sorted(
        f"{py}-{libc}_{arch}"
        for py in ("cp311", "cp314t")
        for libc in ("manylinux", "musllinux")
        for arch in ("x86_64", "aarch64")
    )
    assert CIBW["manylinux-x86_64-image"] == CIBW["manylinux-aarch64-image"] == "manylinux_2_28"


def test_cibuildwheel_tests_each_wheel_with_the_check_and_the_suite() -> None:
    assert "python -m sysapi check" in CIBW["test-command"]
    assert "pytest" in CIBW["test-command"]
    assert CIBW["test-extras"] == ["test"]
    for source in CIBW["test-sources"]:  # what the suite reads besides the installed wheel
        assert (ROOT / source).exists(), source


def test_the_wheels_workflow_is_valid_and_covers_the_matrix() -> None:
    yaml = pytest.importorskip("yaml", reason="pyyaml comes from the release extra")
    workflow: Any = yaml.safe_load((ROOT / ".github" / "workflows" / "wheels.yml").read_text())
    jobs = workflow["jobs"]
    matrix = jobs["wheels"]["strategy"]["matrix"]["include"]
    assert {(m["arch"], m["libc"]) for m in matrix} == {
        (arch, libc) for arch in ("x86_64", "aarch64") for libc in ("manylinux", "musllinux")
    }
    steps = jobs["wheels"]["steps"]
    assert any(s.get("uses", "").startswith("pypa/cibuildwheel@") for s in steps)
    assert jobs["publish"]["needs"] == ["wheels", "sdist"]


def test_stubtest_finds_the_stub_in_step_with_the_module() -> None:
    pytest.importorskip("mypy.stubtest", reason="mypy comes from the test extra")
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "stubtest.py")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
