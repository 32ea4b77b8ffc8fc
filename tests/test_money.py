"""The money helper: half-up rounding to the fen and exact largest-remainder splits."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugins.money import allocate, fmt, to_decimal, to_fen

amounts = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2, allow_nan=False)
weights = st.lists(st.decimals(min_value=0, max_value=Decimal("1e6"), places=3, allow_nan=False),
                   min_size=1, max_size=40).filter(lambda ws: sum(ws) > 0)


def test_half_up_not_bankers():
    assert to_fen("0.125") == Decimal("0.13")
    assert to_fen("0.135") == Decimal("0.14")
    assert to_fen("-0.125") == Decimal("-0.13")
    assert to_fen("2.004999") == Decimal("2.00")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        to_decimal(0.1)


def test_fmt_two_decimals():
    assert fmt(Decimal("1409.5")) == "1409.50"
    assert fmt(3) == "3.00"


def test_allocate_known_split():
    # 100.00 in thirds: the odd fen goes to the first of the tied remainders.
    assert allocate("100.00", [1, 1, 1]) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert allocate("0.05", [3, 1]) == [Decimal("0.04"), Decimal("0.01")]


def test_allocate_zero_weights_refused():
    with pytest.raises(ValueError):
        allocate("10", [0, 0])
    with pytest.raises(ValueError):
        allocate("10", [1, -1])


@given(amounts, weights)
def test_allocation_sums_exactly(total, ws):
    parts = allocate(total, ws)
    assert sum(parts) == to_fen(total)
    assert all(p == p.quantize(Decimal("0.01")) for p in parts)


@given(amounts, weights)
def test_allocation_is_within_a_fen_of_exact(total, ws):
    parts = allocate(total, ws)
    for part, w in zip(parts, ws):
        exact = to_fen(total) * w / sum(ws)
        assert abs(part - exact) < Decimal("0.01")


@given(st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=3, allow_nan=False))
def test_to_fen_is_half_up(value):
    rounded = to_fen(value)
    assert abs(rounded - value) <= Decimal("0.005")
    # half-up: an exact half fen rounds away from zero
    if abs(value * 1000) % 10 == 5:
        assert abs(rounded) > abs(value)
