"""The filesystem cases of the reference report (``check --dir``) on ext4, XFS and btrfs, each
made fresh on a loop device: nothing unexpected on any of them.

About ten seconds, so only with ``SYSAPI_TEST_FILESYSTEMS=1``: ``.ci/run`` stays fast, and
tools/filesystem-matrix.sh records the same runs as data. tmpfs (``--dir`` on /dev/shm) is
covered in test_conformance.py on every run."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from sysapi import conformance
from sysapi.conformance import Verdict

pytestmark = [pytest.mark.requires_root, pytest.mark.slow]


def _run(*argv: str) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(params=["ext4", "xfs", "btrfs"])
def mounted(request: pytest.FixtureRequest) -> Iterator[tuple[str, Path]]:
    fstype: str = request.param
    if os.environ.get("SYSAPI_TEST_FILESYSTEMS") != "1":
        pytest.skip("set SYSAPI_TEST_FILESYSTEMS=1 to make ext4, XFS and btrfs on loop devices")
    for tool in (f"mkfs.{fstype}", "losetup", "mount", "umount"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (Debian: e2fsprogs, xfsprogs, btrfs-progs)")
    work = Path(tempfile.mkdtemp(prefix="sysapi-fs-"))
    work.chmod(0o755)  # the report's unprivileged children must reach the mount
    image, mnt = work / "image", work / "mnt"
    mnt.mkdir()
    with image.open("wb") as f:
        f.truncate(512 << 20)
    loop = ""
    try:
        try:
            loop = _run("losetup", "--find", "--show", str(image))
        except subprocess.CalledProcessError as exc:
            pytest.skip(f"no loop device: {exc.stderr.strip()}")
        _run(f"mkfs.{fstype}", "-q", loop)
        _run("mount", loop, str(mnt))
        try:
            mnt.chmod(0o755)
            yield fstype, mnt
        finally:
            _run("umount", str(mnt))
    finally:
        if loop:
            _run("losetup", "-d", loop)
        shutil.rmtree(work)


def test_filesystem_cases_find_nothing_unexpected(mounted: tuple[str, Path]) -> None:
    fstype, mnt = mounted
    cases = [c for c in conformance.all_cases() if c.on_filesystem]
    results = conformance.run(cases=cases, directory=mnt)
    assert {r.filesystem for r in results} == {fstype}
    unexpected = [r.as_dict() for r in results if r.verdict is Verdict.UNEXPECTED]
    assert not unexpected, unexpected
    # Every scratch directory was removed (ext4's mkfs leaves lost+found).
    assert not set(os.listdir(mnt)) - {"lost+found"}
