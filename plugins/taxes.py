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
from beancount.core import data

from plugins.asof import as_of, is_over
from plugins.closing import is_closing_entry, is_closing_equity
from plugins.common import ACCOUNTS, as_written, is_monetary, read_settings, rule_error, under
from plugins.money import ZERO, fmt_percent, fmt_thousands, to_fen
from plugins.policy import read_policies

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

# Roles of an account, computed once per distinct account name.
VAT, SALES, EXPENSE, EQUITY, OTHER = "vat", "sales", "expense", "equity", "other"
BORING = frozenset((OTHER, "money", EQUITY))
# The same roles as bits, OR-ed over a transaction's postings (never 0: `bits.get(a) or …`).
_VAT, _SALES, _EQUITY, _ASSET, _MONEY, _OTHER = 1, 2, 4, 8, 16, 32
_EXPENSE_BITS = (64, 128, 256)           # by tax index
_EXPENSE_INDEX = {bit: i for i, bit in enumerate(_EXPENSE_BITS)}
_ROLE_BITS = {VAT: _VAT, SALES: _SALES, EQUITY: _EQUITY, "asset": _ASSET, "money": _MONEY, OTHER: _OTHER}
_MONTHLY = _VAT | _SALES | sum(_EXPENSE_BITS)   # what a tax period adds up
_WALK = _MONTHLY | _ASSET                        # not BORING: the transaction is walked


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


class _Roles:
    """The role of an account for this plugin, cached per account name."""

    def __init__(self, settings):
        self.settings = settings
        self.expense_index = {settings[t[5]]: i for i, t in enumerate(TAXES)}
        self.cache = {}
        self.bits = {}

    def __call__(self, account):
        role = self.cache.get(account)
        if role is None:
            role = self.cache[account] = self._role(account)
        return role

    def bit(self, account):
        """The role as one bit (`bits` caches it: one dict lookup per posting)."""
        role, index = self(account)
        self.bits[account] = bit = _EXPENSE_BITS[index] if role == EXPENSE else _ROLE_BITS[role]
        return bit

    def _role(self, account):
        s = self.settings
        if under(account, s["vat_payable"]) or (
                s["consumption_tax_payable"] and under(account, s["consumption_tax_payable"])):
            return (VAT, None)
        if under(account, s["operating_income"]) or under(account, s["other_operating_income"]):
            return (SALES, None)
        for name, index in self.expense_index.items():
            if under(account, name):
                return (EXPENSE, index)
        if is_closing_equity(account):  # 3103/3104: the transaction may be a closing entry
            return (EQUITY, None)
        if account.startswith("Assets:") and not is_monetary(account):
            return ("asset", None)
        if is_monetary(account):
            return ("money", None)
        return (OTHER, None)


def analyse(entries, options_map=None, config=None, policies=None, judged=None) -> Result:
    """One pass over the entries: every tax period, the P8 credits and the P4/P7
    declarations, with the errors. The plugin and the report builders share it."""
    settings, config_problems = read_settings(options_map, ("plugins.taxes", "taxes"), DEFAULTS, config)
    judged = judged if judged is not None else as_of(entries).date
    currency = ((options_map or {}).get("operating_currency") or ["CNY"])[0]
    roles = _Roles(settings)
    bits = roles.bits
    bits_get = bits.get
    bit_of = roles.bit
    errors = []
    months = collections.defaultdict(Month)
    policy_entries = []
    investments = []      # (date, amount)
    declarations = collections.defaultdict(
        lambda: {"revenue": None, "allocations": None, "students": None, "funds": None,
                 "entries": []})

    transaction, custom = data.Transaction, data.Custom
    month_date = month = None   # the Month of the last date seen (the loader sorts by date)
    base = sales = last_entry = None   # month.base, .sales, .last_entry while `month` is current
    for entry in entries:
        if type(entry) is transaction or isinstance(entry, transaction):
            # Fast path: one dict lookup per posting; most transactions touch no
            # account of ours and carry no tag.
            postings = entry.postings
            mask = 0
            for posting in postings:
                mask |= bits_get(posting.account) or bit_of(posting.account)
            if not mask & _WALK:
                meta = entry.meta
                if not meta or INVESTMENT not in meta:
                    continue
            # The transaction's own walk (formerly `_walk_transaction`), inlined.
            target = None
            if mask & _MONTHLY and not (mask & _EQUITY and is_closing_entry(entry)):
                date = entry.date
                if date != month_date:
                    month_date = date
                    current = months[_month_index(date)]
                    if current is not month:
                        if month is not None:
                            month.base, month.sales, month.last_entry = base, sales, last_entry
                        month = current
                        base, sales, last_entry = month.base, month.sales, month.last_entry
                target = month
            is_payment = None
            for posting in postings:
                role = bits[posting.account]
                posting_meta = posting.meta
                if role == _ASSET:
                    on_posting = bool(posting_meta) and INVESTMENT in posting_meta
                    flag = posting_meta[INVESTMENT] if on_posting else (
                        entry.meta.get(INVESTMENT) if entry.meta else None)
                    if flag is None or flag is False:
                        continue
                    units = posting.units
                    if flag is not True:
                        errors.append(rule_error("P8", entry, (
                            f"{posting.account} 的 {INVESTMENT}: {as_written(flag)} 无效, 应为 TRUE 或 FALSE")))
                    elif units is not None and units.currency == currency and (on_posting or units.number > 0):
                        # A txn-level tag covers the debits; a tagged posting counts with its sign
                        # (a credit there reverses or disposes of a qualifying investment).
                        investments.append((entry.date, units.number))
                    continue
                if posting_meta and INVESTMENT in posting_meta:
                    errors.append(rule_error("P8", entry, (
                        f"{INVESTMENT} 只能标注在非货币资产 (如 Assets:1601-固定资产) 的借方分录上, "
                        f"不能标注在 {posting.account}")))
                if target is None or not role & _MONTHLY:
                    continue
                units = posting.units
                if units is None or units.currency != currency:
                    continue
                number = units.number
                if role == _VAT:
                    if number < 0:
                        base -= number
                    else:
                        if is_payment is None:
                            is_payment = not mask & _SALES and any(
                                bits[p.account] == _MONEY and p.units is not None and p.units.number < 0
                                for p in postings)
                        if not is_payment:
                            base -= number   # a reversal or reduction lowers the base
                    last_entry = entry
                elif role == _SALES:
                    sales -= number
                    last_entry = entry
                else:
                    index = _EXPENSE_INDEX[role]
                    target.booked[index] += number
                    target.last_booking[index] = entry
        elif isinstance(entry, custom):
            if entry.type == "policy":
                policy_entries.append(entry)
            elif entry.type == CREDIT:
                credit = _read_credit(entry, currency, errors)
                if credit:
                    months[_month_index(entry.date)].credits.append(credit)
            elif entry.type in DECLARATIONS:
                _read_declaration(entry, currency, declarations, errors)

    if month is not None:
        month.base, month.sales, month.last_entry = base, sales, last_entry

    if config_problems:
        first_entry = next((e for e in entries if getattr(e, "meta", None)), None)
    for problem in config_problems:
        errors.append(rule_error("P9", first_entry, f"plugins.taxes {problem}"))
    policies = policies if policies is not None else read_policies(policy_entries)
    errors[:0] = policies.errors_of(CLAUSES)

    periods, credits_by_year = _periods(months, policies, settings, errors, judged)
    investment, cap = {}, {}
    for date, amount in investments:
        rate = policies.value("integration-credit-rate", date)
        investment[date.year] = investment.get(date.year, ZERO) + amount
        cap[date.year] = cap.get(date.year, Decimal(0)) + rate * amount
    cap = {year: to_fen(value) for year, value in cap.items()}
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
    return Result(periods, investment, cap, claimed, dict(declarations), policies, errors)


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


def run(entries, options_map, config=None, policies=None, judged=None):
    """(generated entries (none), errors): P8/P9 on `entries`."""
    return [], analyse(entries, options_map, config, policies, judged).errors


def taxes(entries, options_map, config=None):
    """Beancount plugin `plugins.taxes`: errors only; it adds and changes no entries."""
    return entries, analyse(entries, options_map, config).errors


def accumulator(config, options_map, policies, judged, roles):
    """TEMPORARY adapter to `plugins.engine` until this family is an accumulator."""
    from plugins import engine
    return engine.Legacy(run, config, options_map, policies, judged)
