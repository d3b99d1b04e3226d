"""Every reference case runs here as in ``python -m sysapi check``, and every documented
errno has a case or a written reason."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

import sysapi
from sysapi import conformance
from sysapi.conformance import Case, Verdict
from sysapi.errors import REGISTRY, errno_name

CASES = conformance.all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_reference_case(case: Case) -> None:
    result = conformance.run_case(case)
    if result.verdict is Verdict.NOT_PROVOKED:
        pytest.skip(f"{case.id}: {result.detail}")
    assert result.verdict.ok, result.as_dict()


def test_every_documented_errno_has_a_case_or_a_reason() -> None:
    assert sysapi.__version__  # the whole API is imported, so REGISTRY is complete
    covered = {(c.syscall, c.errno) for c in CASES}
    missing = [
        f"{name} {errno_name(err)}"
        for name, spec in REGISTRY.items()
        for err in [*spec.errors, *spec.notes_only]
        if (name, err) not in covered
    ]
    assert not missing, missing


def test_every_case_names_a_documented_errno() -> None:
    for case in CASES:
        spec = REGISTRY[case.syscall]
        assert case.errno in spec.errors or case.errno in spec.notes_only, case.id


def test_reasons_are_written() -> None:
    for case in CASES:
        if case.provoke is None:
            assert case.reason and len(case.reason) > 10, case.id


def test_a_case_that_gets_the_wrong_errno_is_unexpected() -> None:
    wrong = Case(
        "fs",
        "readahead",
        22,
        "closed fd, expecting EINVAL",
        lambda ctx: sysapi.readahead(ctx.closed_fd(), 0, 1),
    )
    result = conformance.run_case(wrong)
    assert result.verdict is Verdict.UNEXPECTED
    assert result.observed == 9


def test_a_case_that_succeeds_is_unexpected() -> None:
    import os

    def provoke(ctx: conformance.Context) -> None:
        sysapi.readahead(ctx.open(ctx.file("f", b"x")), 0, 1)

    result = conformance.run_case(Case("fs", "readahead", 9, "no error", provoke))
    assert result.verdict is Verdict.UNEXPECTED and result.observed == 0
    assert os.path.exists("/")


def test_forked_case_reports_through_the_pipe() -> None:
    def provoke(ctx: conformance.Context) -> None:
        ctx.drop_privileges()
        sysapi.readahead(ctx.closed_fd(), 0, 1)

    result = conformance.run_case(Case("fs", "readahead", 9, "child", provoke, unprivileged=True))
    assert result.verdict is Verdict.AS_DOCUMENTED, result.detail


def test_check_output_into_a_closed_pipe_is_quiet() -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        f"{sys.executable} -m sysapi check --area fs | head -1",
        shell=True,
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("area", ["fs", "xattr"])
def test_check_writes_through_no_planted_symlink(area: str, tmp_path: Path) -> None:
    """0.1.0 opened /dev/shm/sysapi-check-<pid> without O_EXCL|O_NOFOLLOW: a local user who
    planted symlinks under the next pids made root truncate (fs) or empty and decorate with
    attributes (xattr) any file."""
    import os
    import subprocess
    import sys

    if not os.path.isdir("/dev/shm"):
        pytest.skip("no /dev/shm")
    target = tmp_path / "victim"
    target.write_bytes(b"precious")
    first = int(Path("/proc/sys/kernel/ns_last_pid").read_text()) + 1
    links = [Path(f"/dev/shm/sysapi-check-{pid}") for pid in range(first, first + 1000)]
    planted = []
    try:
        for link in links:
            with contextlib.suppress(FileExistsError):
                link.symlink_to(target)
                planted.append(link)
        proc = subprocess.run(
            [sys.executable, "-m", "sysapi", "check", "--area", area],
            capture_output=True,
            text=True,
        )
    finally:
        for link in planted:
            with contextlib.suppress(FileNotFoundError):
                link.unlink()
    assert target.read_bytes() == b"precious"
    assert os.listxattr(target) == []
    assert not [link for link in planted if link.exists() and not link.is_symlink()]
    assert proc.returncode == 0, proc.stdout + proc.stderr
