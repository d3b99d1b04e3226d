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
