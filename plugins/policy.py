"""The one policy reader: `custom "policy" "<name>" <value>` entries, effective-dated.

A change of policy is itself an auditable ledger entry (SPEC §2): the value in
force on a date is the latest one dated on or before it; with none, the SPEC
default applies. Every plugin and report asks this module, never the ledger.

The seed fixes some figures itself ("可提取20%支付学生劳动报酬", "纯利润上交国库",
"不低于30%用于职业教育", "每生每年2000元", "不低于4000元", "按收入2%比例足额提取
教育培训经费,60%以上用于一线职工") and national rules fix the surcharge rates. A policy
entry that departs from them in the direction the seed forbids (SPEC §3) is an error
of its clause and not in force, unless it carries `authority:` (the 文号 of the county
decision that changed it); with one it is in force and listed by `departures()`, for
the bureaus to see as a changed parameter.
"""
import bisect
import datetime
import re
from decimal import Decimal

from beancount.core import amount as amount_mod
from beancount.core import data

from plugins.common import as_written, clause_of, rule_error

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

# The seed's own figures: name → (test that a value departs from it, what the seed says).
SEED = {
    "work-study-share": (lambda v: v > Decimal("0.20"), "勤工俭学收入可提取 20% 支付学生劳动报酬"),
    "treasury-share": (lambda v: v < Decimal("1.00"), "生产经营所获纯利润上交国库 (全额)"),
    "city-tax-rate": (lambda v: v not in (Decimal("0.07"), Decimal("0.05"), Decimal("0.01")),
                      "城市维护建设税税率 7%、5%、1% (县城、镇为 5%)"),
    "edu-surcharge-rate": (lambda v: v != Decimal("0.03"), "教育费附加征收率 3%"),
    "local-edu-surcharge-rate": (lambda v: v != Decimal("0.02"), "地方教育附加征收率 2%"),
    "surcharge-vocational-share-min": (lambda v: v < Decimal("0.30"), "地方教育附加不低于 30% 用于职业教育"),
    "per-student-funds-min": (lambda v: v < Decimal("2000"), "每生每年 2000 元生均公用经费"),
    "apprentice-subsidy-min": (lambda v: v < Decimal("4000"), "学徒每人每年补贴不低于 4000 元"),
    "training-fund-rate": (lambda v: v < Decimal("0.02"), "按收入 2% 比例足额提取教育培训经费"),
    "training-frontline-share": (lambda v: v < Decimal("0.60"), "教育培训经费 60% 以上用于一线职工"),
}
AUTHORITY = "authority"


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
    """Policy values in force by date, read once from a list of entries (never
    writing into them). `errors` holds every bad entry's error; a rule family
    reports `errors_of(its clauses)`, so each problem is reported once."""

    def __init__(self, entries):
        self._dates: dict[str, list[datetime.date]] = {}
        self._values: dict[str, list] = {}
        self.errors = []
        self._departures = []
        for entry in entries:
            if not (isinstance(entry, data.Custom) and entry.type == "policy"):
                continue
            problem, name, value = self._read(entry)
            if problem is None and name in SEED and SEED[name][0](value):
                authority = (entry.meta or {}).get(AUTHORITY)
                if not authority:
                    problem = (POLICIES[name][2],
                               f"政策 {name} 的值 {value} 偏离县政策文件的规定 ({SEED[name][1]}), "
                               "须在该条目注明县政府决定的文号 (authority:), 否则不生效, 沿用此前的值")
                else:
                    self._departures.append({"name": name, "date": entry.date, "value": value,
                                             "authority": str(authority), "seed": SEED[name][1],
                                             "entry": entry})
            if problem:
                clause, message = problem
                self.errors.append(rule_error(clause, entry, message))
                continue
            dates = self._dates.setdefault(name, [])
            index = bisect.bisect_right(dates, entry.date)
            dates.insert(index, entry.date)
            self._values.setdefault(name, []).insert(index, value)

    def errors_of(self, clauses) -> list:
        """The errors of bad policy entries whose clause is one of `clauses`."""
        return [e for e in self.errors if clause_of(e.message) in clauses]

    def departures(self) -> list[dict]:
        """Policy entries in force that depart from the seed, each with its `authority:`
        (name, date, value, authority, seed, entry), oldest first: the changed
        parameters the bureaus are shown."""
        return list(self._departures)

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
            message = f"政策 {name} 的值 {as_written(raw)} 无效, 应为{KIND_NAMES[kind]}; 该条目不生效, 沿用此前的值"
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
        return list(zip(self._dates.get(name, []), self._values.get(name, []), strict=True))


def read_policies(entries) -> Policies:
    return Policies(entries)
