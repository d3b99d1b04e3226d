"""``sysapi._convert``: the argument conversions the areas share."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sysapi._convert import ceil_ns


@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**12), 10**12))
def test_ceil_ns_is_math_ceil_of_the_nanoseconds(seconds: float) -> None:
    try:
        expected = math.ceil(seconds * 1e9)
    except OverflowError:
        with pytest.raises(OverflowError):
            ceil_ns(seconds)
        return
    got = ceil_ns(seconds)
    assert got == expected and type(got) is int


@pytest.mark.parametrize(
    ("seconds", "ns"), [(0.0, 0), (-0.0, 0), (1e-10, 1), (-1e-10, 0), (1.5e-9, 2), (2, 2 * 10**9)]
)
def test_ceil_ns_rounds_up(seconds: float, ns: int) -> None:
    assert ceil_ns(seconds) == ns


def test_ceil_ns_refuses_what_math_ceil_refuses() -> None:
    with pytest.raises(OverflowError):
        ceil_ns(math.inf)
    with pytest.raises(OverflowError):
        ceil_ns(-math.inf)
    with pytest.raises(ValueError):
        ceil_ns(math.nan)
