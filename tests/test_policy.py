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


def test_reading_twice_gives_the_same_errors_and_leaves_the_entries_alone():
    entries, _, _ = load_ledger('2024-01-01 custom "policy" "tax-period" "week"\n')
    metas = [dict(e.meta) for e in entries]
    first, second = read_policies(entries), read_policies(entries)
    assert len(first.errors) == 1 and [e.message for e in second.errors] == [e.message for e in first.errors]
    assert [dict(e.meta) for e in entries] == metas


@pytest.mark.parametrize("name, value, clause", [
    ("work-study-share", "0.25", "P1"),
    ("treasury-share", "0.80", "P2"),
    ("city-tax-rate", "0.04", "P9"),
    ("edu-surcharge-rate", "0.02", "P9"),
    ("local-edu-surcharge-rate", "0.01", "P9"),
    ("surcharge-vocational-share-min", "0.20", "P4"),
    ("per-student-funds-min", "1500", "P7"),
    ("apprentice-subsidy-min", "3000", "P6"),
    ("training-fund-rate", "0.015", "P5"),
    ("training-frontline-share", "0.50", "P5"),
])
def test_departure_from_the_seed_needs_authority(name, value, clause):
    line = f'2024-01-01 custom "policy" "{name}" {value}\n'
    entries, _, _ = load_ledger(line)
    p = read_policies(entries)
    [error] = p.errors
    assert error.message.startswith(f"[{clause}]") and "authority:" in error.message
    assert p.value(name, D(2024, 6, 1)) == POLICIES[name][0]  # not in force
    assert p.departures() == []
    entries, _, _ = load_ledger(line + '  authority: "呼县政发〔2024〕12号"\n')
    p = read_policies(entries)
    assert p.errors == [] and p.value(name, D(2024, 6, 1)) == Decimal(value)
    [changed] = p.departures()
    assert (changed["name"], changed["value"], changed["authority"]) == (name, Decimal(value), "呼县政发〔2024〕12号")


@pytest.mark.parametrize("name, value", [
    ("work-study-share", "0.15"), ("treasury-share", "1.00"), ("city-tax-rate", "0.07"),
    ("city-tax-rate", "0.01"), ("apprentice-subsidy-min", "5000"), ("training-frontline-share", "0.70"),
])
def test_values_the_seed_allows_need_no_authority(name, value):
    entries, _, _ = load_ledger(f'2024-01-01 custom "policy" "{name}" {value}\n')
    p = read_policies(entries)
    assert p.errors == [] and p.departures() == [] and p.value(name, D(2024, 6, 1)) == Decimal(value)


def test_unknown_name_asked_by_code_is_a_programming_error():
    with pytest.raises(PolicyError):
        policies("").value("no-such-policy", D(2025, 1, 1))
