"""Defects the reliability suite found, each pinned by the input that showed it."""

from __future__ import annotations

import os

import pytest

import sysapi


def test_vmsplice_refuses_a_non_contiguous_buffer_with_typeerror() -> None:
    """fs.vmsplice let cffi's BufferError escape for ``memoryview(...)[::2]`` (found by
    test_fuzz[fs.vmsplice]); every bad buffer must be a TypeError."""
    r, w = os.pipe()
    try:
        with pytest.raises(TypeError):
            sysapi.vmsplice(w, [memoryview(bytearray(b"abcd"))[::2]])
    finally:
        os.close(r)
        os.close(w)


@pytest.mark.parametrize("name", ["mlock", "mlock2", "munlock", "mincore", "mprotect"])
def test_memory_ranges_refuse_a_non_contiguous_buffer_with_typeerror(name: str) -> None:
    """memory's range calls let cffi's BufferError escape for ``memoryview(...)[::2]`` (found
    by test_fuzz[memory.mincore] and friends)."""
    func = getattr(sysapi, name)
    view = memoryview(bytearray(8192))[::2]
    with pytest.raises(TypeError):
        if name == "mprotect":
            func(view, None, 0)
        else:
            func(view)


@pytest.mark.parametrize("name", ["setxattr", "lsetxattr"])
def test_xattr_values_refuse_a_non_contiguous_buffer_with_typeerror(
    name: str, tmp_path: os.PathLike[str]
) -> None:
    """xattr's set calls let cffi's BufferError escape for ``memoryview(...)[::2]`` (found by
    test_fuzz[xattr.setxattr])."""
    path = os.path.join(tmp_path, "f")
    open(path, "wb").close()
    with pytest.raises(TypeError):
        getattr(sysapi, name)(path, "user.a", memoryview(bytearray(b"abcd"))[::2])


def test_event_path_refuses_a_non_event_with_typeerror() -> None:
    """Inotify.event_path(None) raised AttributeError (found by
    test_fuzz[inotify.Inotify.event_path])."""
    with sysapi.Inotify() as ino, pytest.raises(TypeError):
        ino.event_path(None)  # type: ignore[arg-type]


def test_pair_moves_refuses_non_events_with_typeerror() -> None:
    """pair_moves({1, 2}) raised AttributeError (found by test_fuzz[inotify.pair_moves])."""
    with pytest.raises(TypeError):
        sysapi.pair_moves({1, 2})  # type: ignore[arg-type]
