"""The one money helper: Decimal amounts to the fen, half-up, and exact splits.

Every amount the system computes goes through `to_fen`; every split of a sum
(student pool by hours, a fund across categories) goes through `allocate`, so
the parts always add back to the whole to the fen.
"""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from beancount.core.number import D

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_decimal(value) -> Decimal:
    """A Decimal from a Decimal, int or numeric string (never a float: floats are inexact)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("金额不得使用浮点数")
    try:
        return D(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"不是有效金额: {value!r}") from exc


def to_fen(value) -> Decimal:
    """Round to 0.01 half-up (四舍五入到分)."""
    return to_decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def fmt(value) -> str:
    """An amount as the reports and JSON print it: two decimals, no separators."""
    return f"{to_fen(value):.2f}"


def fmt_thousands(value) -> str:
    """An amount with thousands separators, for printed reports (1,234.50)."""
    return f"{to_fen(value):,.2f}"


def fmt_percent(rate) -> str:
    """A rate as the 申报表 prints it: 0.05 → "5%", 0.015 → "1.5%"."""
    text = f"{Decimal(rate) * 100:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "%"


def allocate(total, weights) -> list[Decimal]:
    """Split `total` in proportion to `weights`, exact to the fen (largest remainder).

    Each part gets the floor of its exact share in fen; the fen left over go one
    each to the largest remainders, ties to the earlier weight. The parts sum to
    `to_fen(total)` exactly. A negative total is split as its absolute value and
    negated, so a reversal mirrors its original.
    """
    weights = [to_decimal(w) for w in weights]
    if any(w < 0 for w in weights):
        raise ValueError("分配权重不得为负数")
    weight_sum = sum(weights, Decimal(0))
    if not weights or weight_sum == 0:
        raise ValueError("分配权重之和为零, 无法分配")
    total = to_fen(total)
    sign = -1 if total < 0 else 1
    fen_total = int(abs(total) * 100)
    exact = [Decimal(fen_total) * w / weight_sum for w in weights]
    floors = [int(e) for e in exact]
    left = fen_total - sum(floors)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in by_remainder[:left]:
        floors[i] += 1
    return [sign * Decimal(f) / 100 for f in floors]
