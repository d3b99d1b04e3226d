"""Shared fixtures; the markers of pyproject.toml turn into visible, justified skips here."""

from __future__ import annotations

import functools
import gc
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from sysapi import errors
from sysapi.conformance import user_mode_emulator

F = TypeVar("F", bound=Callable[..., Any])


def _user_xattrs_supported() -> bool:
    with tempfile.NamedTemporaryFile(dir=os.environ.get("TMPDIR", "/tmp")) as f:
        try:
            os.setxattr(f.name, "user.sysapi.probe", b"1")
        except OSError:
            return False
    return True


#: Not "" when a user-mode emulator runs this suite (the kernel's own architecture differs).
EMULATOR = user_mode_emulator()


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("requires_root") and os.geteuid() != 0:
        pytest.skip("needs uid 0")
    for marker in item.iter_markers("requires_tool"):
        (tool,) = marker.args
        if shutil.which(tool) is None:
            pytest.skip(f"needs the {tool} command, which is not installed here")
    if item.get_closest_marker("requires_xattr_fs") and not _user_xattrs_supported():
        pytest.skip("the temporary directory's filesystem has no user.* xattrs")
    emulated = item.get_closest_marker("emulator")
    if emulated and EMULATOR:
        pytest.skip(f"{EMULATOR}: {emulated.args[0]}")


def glibc_version() -> tuple[int, int] | None:
    """This process's glibc as (major, minor); None on another C library (musl)."""
    try:
        libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError):
        return None
    major, minor = libc.split()[1].split(".")[:2] if libc.startswith("glibc ") else ("", "")
    return (int(major), int(minor)) if major else None


def needs_glibc(major: int, minor: int, call: str) -> Callable[[F], F]:
    """For a test of ``call``, a function glibc added in major.minor (looked up at run time): on
    an older glibc the test expects, instead of passing, the ENOSYS whose message names the
    glibc needed and the one running; on glibc major.minor and later it runs as written."""

    def decorate(test: F) -> F:
        version = glibc_version()
        if version is None or version >= (major, minor):
            return test
        message = rf"{call} needs glibc {major}\.{minor} or later, and this process runs glibc "
        message += re.escape(f"{version[0]}.{version[1]}")

        @functools.wraps(test)
        def expects_enosys(*args: Any, **kwargs: Any) -> None:
            with pytest.raises(errors.ENOSYS, match=message):
                test(*args, **kwargs)

        return expects_enosys  # type: ignore[return-value]

    return decorate


# ---- SysV message queues and semaphore sets: no test leaves one behind -----------------------


def sysv_ids(kind: str) -> set[int]:
    """The ids of the SysV objects of ``kind`` (``"msg"``, ``"sem"``, ``"shm"``) that exist now."""
    with open(f"/proc/sysvipc/{kind}") as f:
        return {int(line.split()[1]) for line in list(f)[1:]}


def sysv_left_behind(*kinds: str) -> Iterator[None]:
    """Fail the test that leaves a SysV object of ``kinds`` behind.

    The machine is shared: an object another process made meanwhile is one that goes away
    again, so a new id only counts as left behind when it is still there 2 s later.
    """
    before = {kind: sysv_ids(kind) for kind in kinds}
    yield
    gc.collect()
    left = {kind: sysv_ids(kind) - before[kind] for kind in before}
    deadline = time.monotonic() + 2.0
    while any(left.values()) and time.monotonic() < deadline:
        time.sleep(0.1)
        left = {kind: ids & sysv_ids(kind) for kind, ids in left.items()}
    assert not any(left.values()), f"left behind: {left}"


@pytest.fixture
def no_sysv_msg_sem_left_behind() -> Iterator[None]:
    yield from sysv_left_behind("msg", "sem")
