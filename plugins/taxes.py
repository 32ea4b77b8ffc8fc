"""P8/P9 surcharges per tax period and the P4/P7 county indicators: `plugins.taxes`.

Seed clauses enforced or reported here (seed/000_29b82b44901a2ddd.txt, 三(五)二、三):

- P4 "严格落实地方教育附加不低于30%用于职业教育" — an indicator (not an error):
  allocations to vocational education ÷ the county's local-education-surcharge revenue.
- P7 "按照每生每年2000元标准安排中职校生均公用经费" — an indicator: per-student public
  funds received ÷ enrolled students.
- P8 "对于认证通过的产教融合型企业,试点企业兴办职业教育投资符合条件的,可按规定投资额30%的比例,
  抵免当年应缴教育附加和地方教育附加" — a credit claimed never exceeds
  `integration-credit-rate` × the qualifying investment recorded that year, nor the
  surcharge due in the period it is claimed against. No carry-forward (no policy allows it).
- P9 教育费附加 / 地方教育附加 / 城市维护建设税 (the national rules the seed relies on) —
  per tax period the amount booked equals the expected amount.

Per tax period (`tax-period` in force at the period's start; a quarter starts only on
01-01/04-01/07-01/10-01, so months before the next quarter start stay monthly):

    base  = credits to the VAT payable (and consumption-tax payable) dated in the period,
            net of reversals; a debit is a *payment* (excluded) when its transaction
            credits a monetary account (1001/1002/1012) and touches no operating income,
            otherwise it is a reversal/reduction (it lowers the base).
    sales = operating income of the period (credits to Income:5001 + Income:5051).
    城建税           = to_fen(base × city-tax-rate)
    教育费附加        = to_fen(base × edu-surcharge-rate),       0 if sales ≤ threshold
    地方教育附加      = to_fen(base × local-edu-surcharge-rate), 0 if sales ≤ threshold
                      (threshold = surcharge-exempt-monthly-sales × months in the period)
    the 申报表's columns: 应纳 = to_fen(base × rate); 免征 = 应纳 when exempt;
    减征额 (six-taxes-halving on) = to_fen((应纳 − 免征) × 50%); 应补 = 应纳 − 免征 −
    减征额 − the P8 credit claimed for that tax in that period (88.97 due, halved:
    减征额 44.49, 应补 44.48, as the form computes it).
    booked = debits net of credits to each surcharge expense account dated in the period.

A period is checked once it is over (`plugins.asof`: the date of judgement is after
its last day), never while it runs: the accountant books the quarter's surcharges
when the quarter ends.

Closing entries (结转损益, `plugins.closing`) are left out of sales, base and booked:
they close accounts, they are not taxable events.

Config (a Python dict literal, every key optional): the accounts of `DEFAULTS`; the VAT
payables and the operating income may each be one account or a list of them, e.g.
`{'operating_income': ['Income:5001-主营业务收入', 'Income:5051-其他业务收入']}` (the form
plugins.funds takes on the same `plugins.all` line).

Conventions (docs/guide/04-税金及附加.md):

- P8 credit: `2024-09-30 custom "integration-credit" "教育费附加" 600.00 CNY` (or
  "地方教育附加"; "edu"/"local-edu" also accepted), dated inside the tax period it reduces.
- Qualifying investment: `integration-investment: TRUE` on a debit to a non-monetary
  Asset (posting meta, counted with its sign; or txn meta, covering the debits to
  non-monetary Assets of that transaction).
- P4/P7 declarations by the finance bureau, per year ("2024" as a string):
  `custom "local-edu-surcharge-revenue" "2024" 2000000.00 CNY`,
  `custom "vocational-allocation" "2024" 650000.00 CNY` (may repeat; summed),
  `custom "enrolled-students" "2024" 1150` (the latest for a year wins),
  `custom "per-student-funds" "2024" 2400000.00 CNY` (may repeat; summed).
  Money declarations of a year add up (a negative one corrects an earlier one).
"""
import collections
import dataclasses
import datetime
from decimal import Decimal

from beancount.core import amount as amount_mod

from plugins import engine
from plugins.asof import is_over
from plugins.closing import is_closing_entry
from plugins.common import ACCOUNTS, ALL, as_written, config_error, read_settings, rule_error
from plugins.money import ZERO, fmt_percent, fmt_thousands, to_fen
from plugins.roles import CLOSING_EQUITY, KEYED, MONETARY, NON_MONETARY_ASSET

__plugins__ = ("taxes",)

CLAUSES = ("P8", "P9")
HALF = Decimal("0.5")

DEFAULTS = {
    "vat_payable": ACCOUNTS["vat_payable"],
    "consumption_tax_payable": "Liabilities:2221-应交税费:222102-应交消费税",
    "city_tax_expense": ACCOUNTS["city_tax_expense"],
    "edu_surcharge_expense": ACCOUNTS["edu_surcharge_expense"],
    "local_edu_surcharge_expense": ACCOUNTS["local_edu_surcharge_expense"],
    "operating_income": ACCOUNTS["operating_income"],
    "other_operating_income": ACCOUNTS["other_operating_income"],
}
# The settings that may name several accounts (funds takes operating_income as a list).
PREFIX_LISTS = ("vat_payable", "consumption_tax_payable", "operating_income", "other_operating_income")

# The three taxes: (key, Chinese name, rate policy, exemptible, creditable, expense config key).
TAXES = (
    ("city", "城市维护建设税", "city-tax-rate", False, False, "city_tax_expense"),
    ("edu", "教育费附加", "edu-surcharge-rate", True, True, "edu_surcharge_expense"),
    ("local_edu", "地方教育附加", "local-edu-surcharge-rate", True, True, "local_edu_surcharge_expense"),
)
CREDIT_TAXES = {"教育费附加": 1, "edu": 1, "地方教育附加": 2, "local-edu": 2}

CREDIT = "integration-credit"
INVESTMENT = "integration-investment"
DECLARATIONS = {
    # type → (clause, field, kind, Chinese name)
    "local-edu-surcharge-revenue": ("P4", "revenue", "money", "地方教育附加收入"),
    "vocational-allocation": ("P4", "allocations", "money", "地方教育附加用于职业教育的安排"),
    "enrolled-students": ("P7", "students", "count", "在校生人数"),
    "per-student-funds": ("P7", "funds", "money", "生均公用经费拨付"),
}


@dataclasses.dataclass
class Month:
    """What one calendar month contributes to its tax period."""
    base: Decimal = ZERO
    sales: Decimal = ZERO
    booked: list = dataclasses.field(default_factory=lambda: [ZERO, ZERO, ZERO])
    last_booking: list = dataclasses.field(default_factory=lambda: [None, None, None])
    last_entry: object = None
    credits: list = dataclasses.field(default_factory=list)  # (entry, tax index, amount)


@dataclasses.dataclass
class TaxLine:
    key: str
    name: str
    account: str
    rate: Decimal
    due: Decimal          # base × rate
    after_exemption: Decimal
    after_halving: Decimal  # 应纳 − 免征 − 减征额
    credit: Decimal       # credit applied (never more than after_halving)
    credit_claimed: Decimal
    expected: Decimal
    booked: Decimal
    difference: Decimal   # booked − expected
    entry: object         # where an error points


@dataclasses.dataclass
class Period:
    label: str
    start: datetime.date
    end: datetime.date
    months: int
    base: Decimal
    sales: Decimal
    threshold: Decimal
    exempt: bool
    halving: bool
    taxes: list
    over: bool = True     # the period is over on the date of judgement (checked)


@dataclasses.dataclass
class Result:
    periods: list
    investment: dict      # year → qualifying investment
    credit_cap: dict      # year → rate × investment
    credits: dict         # year → credits claimed
    declarations: dict    # year → {"revenue", "allocations", "students", "funds"}
    policies: object
    errors: list


def _month_index(date):
    return date.year * 12 + date.month - 1


def _month_start(index):
    return datetime.date(index // 12, index % 12 + 1, 1)


def _period_label(start, months):
    if months == 3:
        return f"{start.year}Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def _year_of(value):
    """The year a declaration names: "2024" (string) or 2024 (number); None if neither."""
    if isinstance(value, str) and len(value) == 4 and value.isdigit():
        return int(value)
    if isinstance(value, Decimal) and not isinstance(value, bool) and value == value.to_integral_value():
        if 1900 <= value <= 2999:
            return int(value)
    return None


def settings_from(options_map, config=None) -> tuple[dict, list[str]]:
    """The family's settings (PREFIX_LISTS as tuples of accounts) and config problems."""
    return read_settings(options_map, ("plugins.taxes", "taxes"), DEFAULTS, config, PREFIX_LISTS)


def accumulator(config, options_map, policies, judged, roles):
    """P8/P9's accumulator for `plugins.engine`."""
    settings, problems = settings_from(options_map, config)
    problems = [config_error("P9", options_map, ("plugins.taxes", "taxes", ALL), f"plugins.taxes {p}")
                for p in problems]
    currency = ((options_map or {}).get("operating_currency") or ["CNY"])[0]
    return Surcharges(settings, problems, currency, policies, judged, roles)


def analyse(entries, options_map=None, config=None, policies=None, judged=None) -> Result:
    """Every tax period, the P8 credits and the P4/P7 declarations, with the errors: the
    plugin's own pass, so its errors and the reports built on this never disagree."""
    return engine.accumulated(accumulator, entries, options_map, config, policies, judged).result


def taxes(entries, options_map, config=None):
    """Beancount plugin `plugins.taxes`: errors only; it adds and changes no entries."""
    return engine.alone(accumulator, entries, options_map, config)


def _declaration():
    return {"revenue": None, "allocations": None, "students": None, "funds": None, "entries": []}


class Surcharges:
    """P8/P9 as an accumulator of `plugins.engine`: each month's VAT base, sales and
    surcharge bookings, the qualifying investments, the credits and the declarations
    of the pass; `finish` makes the tax periods (`result`) and the errors."""

    keys = frozenset((INVESTMENT,))
    customs = (CREDIT, *DECLARATIONS)

    def __init__(self, settings, problems, currency, policies, judged, roles):
        self.vat = roles.claim_under(*settings["vat_payable"], *settings["consumption_tax_payable"])
        self.sales = roles.claim_under(*settings["operating_income"], *settings["other_operating_income"])
        self.expenses = tuple(roles.claim_under(settings[t[5]]) for t in TAXES)
        self.monthly = self.vat | self.sales | sum(self.expenses)   # what a tax period adds up
        self.wants = self.monthly | NON_MONETARY_ASSET               # and P8's investments
        self.roles_of = roles.bits
        self.settings, self.problems, self.currency = settings, problems, currency
        self.policies, self.judged = policies, judged
        self.errors = []
        self.months = collections.defaultdict(Month)   # month index → Month
        self.investments = []                          # (date, amount)
        self.declarations = collections.defaultdict(_declaration)
        self.date = self.month = None                  # the Month of the last date met
        self.result = None

    def transaction(self, entry, mask):
        """A transaction with a posting of ours or an `integration-investment:` tag (then
        its mask has KEYED: without it, no posting can be tagged)."""
        month = None
        if mask & self.monthly and not (mask & CLOSING_EQUITY and is_closing_entry(entry)):
            if entry.date != self.date:       # (a 结转 closes accounts: it is no taxable event)
                self.date, self.month = entry.date, self.months[_month_index(entry.date)]
            month = self.month
        keyed = mask & KEYED
        if month is None and not keyed:
            return
        roles_of, monthly, vat, sales, currency = self.roles_of, self.monthly, self.vat, self.sales, self.currency
        payment = None   # whether a debit to the VAT payable pays it (asked once)
        touched = False  # a VAT or sales posting: the period's errors may point here
        for posting in entry.postings:
            role = roles_of[posting.account]
            if role & NON_MONETARY_ASSET and not role & monthly:
                if keyed:
                    self._investment(entry, posting)
                continue
            if keyed and posting.meta and INVESTMENT in posting.meta:
                self._misplaced(entry, posting)
            units = posting.units
            if month is None or not role & monthly or units is None or units.currency != currency:
                continue
            number = units.number
            if role & vat:
                if number >= 0 and payment is None:
                    payment = self._is_payment(entry, mask)
                if number < 0 or not payment:   # a reversal or reduction lowers the base
                    month.base -= number
                touched = True
            elif role & sales:
                month.sales -= number
                touched = True
            else:
                self._booking(month, entry, role, number)
        if touched:
            month.last_entry = engine.latest(month.last_entry, entry)

    def _misplaced(self, entry, posting):
        self.errors.append(rule_error("P8", entry, (
            f"{INVESTMENT} 只能标注在非货币资产 (如 Assets:1601-固定资产) 的借方分录上, "
            f"不能标注在 {posting.account}")))

    def _is_payment(self, entry, mask) -> bool:
        """A debit to the VAT payable is its payment when the transaction credits money
        and touches no operating income; otherwise it reverses or reduces the tax."""
        roles_of = self.roles_of
        return not mask & self.sales and any(
            roles_of[p.account] & MONETARY and p.units is not None and p.units.number < 0
            for p in entry.postings)

    def _booking(self, month, entry, role, number):
        """A posting to a surcharge expense account: booked to its tax."""
        index = next(i for i, bit in enumerate(self.expenses) if role & bit)
        month.booked[index] += number
        month.last_booking[index] = engine.latest(month.last_booking[index], entry)

    def _investment(self, entry, posting):
        """P8's qualifying investment: a non-monetary asset posting tagged TRUE (or in a
        transaction tagged TRUE, its debits); a tagged credit reverses or disposes of one."""
        meta = posting.meta
        on_posting = bool(meta) and INVESTMENT in meta
        flag = meta[INVESTMENT] if on_posting else (entry.meta.get(INVESTMENT) if entry.meta else None)
        if flag is None or flag is False:
            return
        if flag is not True:
            self.errors.append(rule_error("P8", entry, (
                f"{posting.account} 的 {INVESTMENT}: {as_written(flag)} 无效, 应为 TRUE 或 FALSE")))
            return
        units = posting.units
        if units is not None and units.currency == self.currency and (on_posting or units.number > 0):
            self.investments.append((entry.date, units.number))

    def custom(self, entry):
        """A P8 credit claimed, or a P4/P7 declaration of the finance bureau."""
        if entry.type == CREDIT:
            credit = _read_credit(entry, self.currency, self.errors)
            if credit:
                self.months[_month_index(entry.date)].credits.append(credit)
        else:
            _read_declaration(entry, self.currency, self.declarations, self.errors)

    def finish(self, facts):
        """The tax periods from the months, the P8 caps from the investments: (no entries, errors)."""
        policies = self.policies
        errors = policies.errors_of(CLAUSES) + self.errors
        errors += self.problems  # the config's, as errors at the plugin line
        periods, credits_by_year = _periods(self.months, policies, self.settings, errors, self.judged)
        investment, cap = _credit_caps(self.investments, policies)
        claimed = _claims(credits_by_year, investment, cap, errors)
        self.result = Result(periods, investment, cap, claimed, dict(self.declarations), policies, errors)
        return [], errors


def _credit_caps(investments, policies):
    """(year → qualifying investment, year → its cap: Σ integration-credit-rate × amount)."""
    investment, cap = {}, {}
    for date, amount in investments:
        rate = policies.value("integration-credit-rate", date)
        investment[date.year] = investment.get(date.year, ZERO) + amount
        cap[date.year] = cap.get(date.year, Decimal(0)) + rate * amount
    return investment, {year: to_fen(value) for year, value in cap.items()}


def _claims(credits_by_year, investment, cap, errors) -> dict:
    """year → credits claimed; the first claim that takes a year's total past its cap is
    an error (no carry-forward: no policy allows one)."""
    claimed = {}
    for year, claims in sorted(credits_by_year.items()):
        total = ZERO
        for entry, index, amount in claims:
            total += amount
            if total > cap.get(year, ZERO):
                name = TAXES[index][1]
                errors.append(rule_error("P8", entry, (
                    f"{year} 年产教融合投资抵免累计 {fmt_thousands(total)} (含本条 {name} "
                    f"{fmt_thousands(amount)}) 超过上限 {fmt_thousands(cap.get(year, ZERO))}: "
                    f"上限 = 当年符合条件的投资额 {fmt_thousands(investment.get(year, ZERO))} × "
                    f"integration-credit-rate (投资须在非货币资产借方标注 {INVESTMENT}: TRUE); "
                    f"抵免不得结转以后年度, 请减少抵免额并相应调整计提")))
                break
        claimed[year] = sum((c[2] for c in claims), ZERO)
    return claimed


def _read_credit(entry, currency, errors):
    values = [v.value for v in entry.values]
    usage = (f'应写作 custom "{CREDIT}" "教育费附加" 600.00 {currency} '
             f'(或 "地方教育附加"), 日期落在所抵免的纳税期内')
    if len(values) != 2 or values[0] not in CREDIT_TAXES or not isinstance(values[1], amount_mod.Amount):
        errors.append(rule_error("P8", entry, f"产教融合投资抵免条目格式错误: {usage}"))
        return None
    amount = values[1]
    if amount.currency != currency or amount.number is None or amount.number <= 0:
        errors.append(rule_error("P8", entry, (
            f"产教融合投资抵免金额应为正数的 {currency} 金额, 实为 {amount}: {usage}")))
        return None
    return (entry, CREDIT_TAXES[values[0]], amount.number)


def _read_declaration(entry, currency, declarations, errors):
    clause, field, kind, name = DECLARATIONS[entry.type]
    values = [v.value for v in entry.values]
    example = "1150" if kind == "count" else f"2000000.00 {currency}"
    usage = f'应写作 custom "{entry.type}" "2024" {example} ({name})'
    year = _year_of(values[0]) if values else None
    if len(values) != 2 or year is None:
        errors.append(rule_error(clause, entry, f"{name}申报格式错误: {usage}"))
        return
    raw = values[1]
    if kind == "count":
        if (isinstance(raw, Decimal) and not isinstance(raw, bool)
                and raw == raw.to_integral_value() and raw > 0):
            record = declarations[year]
            record["students"] = int(raw)
            record["entries"].append(entry)
            return
        errors.append(rule_error(clause, entry, f"{name}应为正整数, 实为 {as_written(raw)}: {usage}"))
        return
    if not isinstance(raw, amount_mod.Amount) or raw.currency != currency or raw.number is None:
        errors.append(rule_error(clause, entry, f"{name}应为 {currency} 金额, 实为 {as_written(raw)}: {usage}"))
        return
    record = declarations[year]
    record[field] = (record[field] or ZERO) + raw.number
    record["entries"].append(entry)


def _periods(months, policies, settings, errors, judged):
    """Group the months into tax periods, compute expected vs booked, collect credits."""
    credits_by_year = collections.defaultdict(list)
    periods = []
    if not months:
        return periods, credits_by_year
    first, last = min(months), max(months)
    index = first - first % 3          # the quarter start at or before the first month
    while index <= last:
        start = _month_start(index)
        length = 3 if (policies.value("tax-period", start) == "quarter" and index % 3 == 0) else 1
        span = [months[i] for i in range(index, index + length) if i in months]
        end = _month_start(index + length) - datetime.timedelta(days=1)
        index += length
        if not span:
            continue
        over = is_over(end, judged)
        period = _period(start, end, length, span, policies, settings, credits_by_year,
                         errors if over else [])
        if period:
            period.over = over
            periods.append(period)
    return periods, credits_by_year


def _period(start, end, length, span, policies, settings, credits_by_year, errors):
    base = sum((m.base for m in span), ZERO)
    sales = sum((m.sales for m in span), ZERO)
    booked = [sum((m.booked[i] for m in span), ZERO) for i in range(3)]
    claims = [c for m in span for c in m.credits]
    if base == 0 and sales == 0 and not any(booked) and not claims:
        return None
    label = _period_label(start, length)
    threshold = policies.value("surcharge-exempt-monthly-sales", start) * length
    exempt = sales <= threshold
    halving = policies.value("six-taxes-halving", start)
    last_entry = None
    for m in span:
        last_entry = m.last_entry or last_entry
    claimed = [ZERO, ZERO, ZERO]
    for entry, index, amount in claims:
        claimed[index] += amount
        credits_by_year[entry.date.year].append((entry, index, amount))
    lines = []
    for i, (key, name, rate_policy, exemptible, _creditable, account_key) in enumerate(TAXES):
        rate = policies.value(rate_policy, start)
        due = to_fen(base * rate)
        after_exemption = ZERO if (exemptible and exempt) else due
        reduction = to_fen(after_exemption * HALF) if halving else ZERO  # 减征额
        after_halving = after_exemption - reduction
        credit = min(claimed[i], max(after_halving, ZERO))
        booking = None
        for m in span:
            booking = m.last_booking[i] or booking
        if claimed[i] > credit:
            entry = [c[0] for c in claims if c[1] == i][-1]
            errors.append(rule_error("P8", entry, (
                f"{label} {name}产教融合投资抵免 {fmt_thousands(claimed[i])} 超过该期应缴 "
                f"{fmt_thousands(after_halving)} (计税依据 {fmt_thousands(base)} × {fmt_percent(rate)}"
                f"{', 小额免征' if after_exemption == 0 and due else ''}"
                f"{', 减半' if halving else ''}); 抵免以当期应缴为限, 多出的 "
                f"{fmt_thousands(claimed[i] - credit)} 不得抵免")))
        expected = after_halving - credit
        line = TaxLine(key, name, settings[account_key], rate, due, after_exemption, after_halving,
                       credit, claimed[i], expected, booked[i], booked[i] - expected,
                       booking or last_entry or (claims[-1][0] if claims else None))
        lines.append(line)
        if line.difference and line.entry is not None:
            errors.append(rule_error("P9", line.entry, _message(label, start, end, line, base, sales,
                                                                threshold, exempt, halving)))
    return Period(label, start, end, length, base, sales, threshold, exempt, halving, lines)


def _message(label, start, end, line, base, sales, threshold, exempt, halving):
    """The error in the 申报表's columns: 计税依据, 应纳, 免征, 减征额, 抵免, 应补."""
    exempted = line.due - line.after_exemption
    reduction = line.after_exemption - line.after_halving
    if line.key == "city":
        why = "城建税不适用小额免征"
    elif exempt:
        why = f"销售额 {fmt_thousands(sales)} ≤ 免征标准 {fmt_thousands(threshold)}"
    else:
        why = f"销售额 {fmt_thousands(sales)} > 免征标准 {fmt_thousands(threshold)}"
    columns = [f"计税依据 {fmt_thousands(base)} (应交增值税贷方净额)",
               f"应纳 {fmt_thousands(line.due)} (× {fmt_percent(line.rate)})",
               f"免征 {fmt_thousands(exempted)} ({why})",
               f"减征额 {fmt_thousands(reduction)}" + (" (六税两费减半, (应纳 − 免征) × 50% 四舍五入)" if halving else ""),
               ]
    if line.credit_claimed:
        columns.append(f"产教融合抵免 {fmt_thousands(line.credit)}")
    columns.append(f"应补 {fmt_thousands(line.expected)}")
    verb = "多计提" if line.difference > 0 else "少计提"
    return (f"{label} ({start}~{end}) {line.name}: 应计提 {fmt_thousands(line.expected)}, "
            f"实际计提 {fmt_thousands(line.booked)} ({line.account}), {verb} "
            f"{fmt_thousands(abs(line.difference))}; 申报表: {'; '.join(columns)}; "
            f"请将该期计提分录改为 {fmt_thousands(line.expected)}")
