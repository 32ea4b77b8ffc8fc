"""The one policy reader: effective dates, defaults, bad values."""
import datetime
from decimal import Decimal

import pytest

from plugins.policy import POLICIES, PolicyError, read_policies
from tests.conftest import load_ledger

D = datetime.date


def policies(text):
    entries, errors, _ = load_ledger(text)
    assert not errors
    return read_policies(entries)


def test_default_applies_without_entries():
    p = policies("")
    for name, (default, _kind, _clause) in POLICIES.items():
        assert p.value(name, D(2025, 1, 1)) == default
    assert p.value("work-study-share", D(2025, 1, 1)) == Decimal("0.20")


def test_latest_on_or_before_date_wins():
    p = policies('''
        2021-01-01 custom "policy" "work-study-share" 0.20
        2024-07-01 custom "policy" "work-study-share" 0.15
        2026-01-01 custom "policy" "work-study-share" 0.18
    ''')
    assert p.value("work-study-share", D(2020, 12, 31)) == Decimal("0.20")  # default before any entry
    assert p.value("work-study-share", D(2024, 6, 30)) == Decimal("0.20")
    assert p.value("work-study-share", D(2024, 7, 1)) == Decimal("0.15")
    assert p.value("work-study-share", D(2025, 12, 31)) == Decimal("0.15")
    assert p.value("work-study-share", D(2026, 1, 1)) == Decimal("0.18")
    assert [d for d, _ in p.changes("work-study-share")] == [D(2021, 1, 1), D(2024, 7, 1), D(2026, 1, 1)]


def test_typed_values():
    p = policies('''
        2024-01-01 custom "policy" "loss-carryforward" FALSE
        2024-01-01 custom "policy" "student-pay-days" 60
        2024-01-01 custom "policy" "treasury-deadline" "06-30"
        2024-01-01 custom "policy" "tax-period" "month"
        2024-01-01 custom "policy" "cash-limit" 2000 CNY
    ''')
    day = D(2024, 5, 1)
    assert p.value("loss-carryforward", day) is False
    assert p.value("student-pay-days", day) == 60
    assert p.value("treasury-deadline", day) == "06-30"
    assert p.value("tax-period", day) == "month"
    assert p.value("cash-limit", day) == Decimal("2000")


@pytest.mark.parametrize("line, clause", [
    ('custom "policy" "tax-period" "week"', "P9"),
    ('custom "policy" "city-tax-rate" -0.05', "P9"),
    ('custom "policy" "work-study-share" 1.5', "P1"),
    ('custom "policy" "work-study-share" "20%"', "P1"),
    ('custom "policy" "student-pay-days" 12.5', "P1"),
    ('custom "policy" "treasury-deadline" "02-30"', "P2"),
    ('custom "policy" "loss-carryforward" 1', "P2"),
    ('custom "policy" "no-such-policy" 1', "政策"),
    ('custom "policy" "work-study-share"', "政策"),
])
def test_bad_value_is_a_chinese_error_on_the_entry_and_ignored(line, clause):
    entries, errors, _ = load_ledger(f"2021-01-01 custom \"policy\" \"tax-period\" \"month\"\n2024-01-01 {line}\n")
    p = read_policies(entries)
    assert len(p.errors) == 1
    error = p.errors[0]
    assert error.message.startswith(f"[{clause}]")
    assert error.source["lineno"] == 2
    assert p.value("tax-period", D(2025, 1, 1)) == "month"  # the bad entry is not in force


def test_each_bad_entry_reported_once_per_load():
    entries, _, _ = load_ledger('2024-01-01 custom "policy" "tax-period" "week"\n')
    assert len(read_policies(entries).errors) == 1
    assert read_policies(entries).errors == []  # a second plugin reading the same entries


def test_unknown_name_asked_by_code_is_a_programming_error():
    with pytest.raises(PolicyError):
        policies("").value("no-such-policy", D(2025, 1, 1))
