"""The one policy reader: `custom "policy" "<name>" <value>` entries, effective-dated.

A change of policy is itself an auditable ledger entry (SPEC §2): the value in
force on a date is the latest one dated on or before it; with none, the SPEC
default applies. Every plugin and report asks this module, never the ledger.
"""
import bisect
import datetime
import re
from decimal import Decimal

from beancount.core import amount as amount_mod
from beancount.core import data

from plugins.common import rule_error

# name → (default, kind, clause). Kinds: ratio (0..1), money (≥ 0), days (int > 0),
# flag (TRUE/FALSE), monthday ("MM-DD"), period ("month" / "quarter").
# The clause is the rule the policy parameterises (SPEC §2 policy table).
POLICIES = {
    "work-study-share": (Decimal("0.20"), "ratio", "P1"),
    "student-pay-days": (90, "days", "P1"),
    "treasury-share": (Decimal("1.00"), "ratio", "P2"),
    "treasury-deadline": ("05-31", "monthday", "P2"),
    "loss-carryforward": (True, "flag", "P2"),
    "tax-period": ("quarter", "period", "P9"),
    "city-tax-rate": (Decimal("0.05"), "ratio", "P9"),
    "edu-surcharge-rate": (Decimal("0.03"), "ratio", "P9"),
    "local-edu-surcharge-rate": (Decimal("0.02"), "ratio", "P9"),
    "surcharge-exempt-monthly-sales": (Decimal("100000"), "money", "P9"),
    "six-taxes-halving": (False, "flag", "P9"),
    "integration-credit-rate": (Decimal("0.30"), "ratio", "P8"),
    "training-fund-rate": (Decimal("0.02"), "ratio", "P5"),
    "training-frontline-share": (Decimal("0.60"), "ratio", "P5"),
    "apprentice-subsidy-min": (Decimal("4000"), "money", "P6"),
    "per-student-funds-min": (Decimal("2000"), "money", "P7"),
    "surcharge-vocational-share-min": (Decimal("0.30"), "ratio", "P4"),
    "cash-limit": (Decimal("1000"), "money", "审计"),
    "approval-threshold": (Decimal("10000"), "money", "审计"),
}

KIND_NAMES = {
    "ratio": "0 到 1 之间的小数",
    "money": "不小于 0 的金额",
    "days": "正整数天数",
    "flag": "TRUE 或 FALSE",
    "monthday": '"MM-DD" 形式的月日',
    "period": '"month" 或 "quarter"',
}

# Marks a policy entry whose problems were already reported in this load, so
# that five plugins reading one bad entry raise one error, not five.
_REPORTED = "__policy_reported__"


class PolicyError(ValueError):
    """A policy asked for by a name SPEC does not define (a programming error)."""


def _convert(kind: str, raw):
    """The typed value of a raw custom value, or raise ValueError."""
    if isinstance(raw, amount_mod.Amount):
        raw = raw.number
    if kind == "flag":
        if isinstance(raw, bool):
            return raw
        raise ValueError
    if kind == "days":
        if isinstance(raw, Decimal) and raw == raw.to_integral_value() and raw > 0:
            return int(raw)
        raise ValueError
    if kind in ("ratio", "money"):
        if not isinstance(raw, Decimal) or isinstance(raw, bool) or raw < 0:
            raise ValueError
        if kind == "ratio" and raw > 1:
            raise ValueError
        return raw
    if kind == "monthday":
        if isinstance(raw, str) and re.fullmatch(r"\d\d-\d\d", raw):
            datetime.date(2024, int(raw[:2]), int(raw[3:]))  # 2024: a leap year admits 02-29
            return raw
        raise ValueError
    if kind == "period":
        if raw in ("month", "quarter"):
            return raw
        raise ValueError
    raise ValueError


class Policies:
    """Policy values in force by date, read once from a list of entries."""

    def __init__(self, entries):
        self._dates: dict[str, list[datetime.date]] = {}
        self._values: dict[str, list] = {}
        self.errors = []
        for entry in entries:
            if not (isinstance(entry, data.Custom) and entry.type == "policy"):
                continue
            problem, name, value = self._read(entry)
            if problem:
                clause, message = problem
                if not entry.meta.get(_REPORTED):
                    self.errors.append(rule_error(clause, entry, message))
                    entry.meta[_REPORTED] = True
                continue
            dates = self._dates.setdefault(name, [])
            index = bisect.bisect_right(dates, entry.date)
            dates.insert(index, entry.date)
            self._values.setdefault(name, []).insert(index, value)

    @staticmethod
    def _read(entry):
        values = [v.value for v in entry.values]
        if len(values) != 2 or not isinstance(values[0], str):
            return ("政策", '政策条目应写作 custom "policy" "<名称>" <值>'), None, None
        name, raw = values
        if name not in POLICIES:
            return ("政策", f"未知的政策名称 {name!r}; 可用: {', '.join(POLICIES)}"), None, None
        default, kind, clause = POLICIES[name]
        try:
            return None, name, _convert(kind, raw)
        except ValueError:
            message = f"政策 {name} 的值 {raw!r} 无效, 应为{KIND_NAMES[kind]}; 该条目不生效, 沿用此前的值"
            return (clause, message), None, None

    def value(self, name: str, date: datetime.date):
        """The value of policy `name` in force on `date`."""
        if name not in POLICIES:
            raise PolicyError(f"未知的政策名称 {name!r}")
        dates = self._dates.get(name)
        if dates:
            index = bisect.bisect_right(dates, date)
            if index:
                return self._values[name][index - 1]
        return POLICIES[name][0]

    def changes(self, name: str) -> list[tuple[datetime.date, object]]:
        """Every dated value of `name`, oldest first (for reports that show the history)."""
        return list(zip(self._dates.get(name, []), self._values.get(name, [])))


def read_policies(entries) -> Policies:
    return Policies(entries)
