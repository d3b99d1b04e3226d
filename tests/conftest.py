"""Shared fixtures; the markers of pyproject.toml turn into visible, justified skips here."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest


def _user_xattrs_supported() -> bool:
    with tempfile.NamedTemporaryFile(dir=os.environ.get("TMPDIR", "/tmp")) as f:
        try:
            os.setxattr(f.name, "user.sysapi.probe", b"1")
        except OSError:
            return False
    return True


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("requires_root") and os.geteuid() != 0:
        pytest.skip("needs uid 0")
    for marker in item.iter_markers("requires_tool"):
        (tool,) = marker.args
        if shutil.which(tool) is None:
            pytest.skip(f"needs the {tool} command, which is not installed here")
    if item.get_closest_marker("requires_xattr_fs") and not _user_xattrs_supported():
        pytest.skip("the temporary directory's filesystem has no user.* xattrs")
