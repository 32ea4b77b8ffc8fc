"""P2: the year's net profit is owed to the treasury (纯利润上交国库).

Seed (县产教融合实施方案 三(三)五): "经营中心具有独立法人资格,自负盈亏性质。……
生产经营所获纯利润上交国库,用于改善办学条件。" and 三(五)二: "财政、审计部门对中职校
生产性实训基地经营中心账务进行监督、审计。"

What this plugin does (SPEC §3 P2):

- For every closed calendar year — the date of judgement (`plugins.asof`) is after
  its 12-31 — it generates, on 12-31, a marked entry
  (`generated: "treasury"`, link `^treasury-YYYY`):
  Dr `Equity:3104-利润分配:310405-应付利润`, Cr `Liabilities:2232-应付利润:223201-上缴国库`
  for `treasury-share` × (the year's net profit − losses carried forward it absorbs).
  Net profit = −(all Income and Expenses postings of the year), i.e. after every
  expense including the generated student remuneration (P1 runs first), surcharges
  and income tax. A loss year owes nothing; with `loss-carryforward` TRUE its loss
  is carried forward (without a time limit) and absorbed by the next profits first.
- Errors (`[P2] …`, Chinese, naming year and amounts):
  欠缴 — what is owed for year Y and still unpaid when the date of judgement is
  after the `treasury-deadline` (MM-DD) of Y+1, pointing at the year's accrual;
  多缴 — a payment that brings the cumulative amount paid above the cumulative
  amount owed at its date; a payment (debit to the treasury payable) without
  `receipt:` (缴款书号); 重复计提 — a hand-written credit to the treasury payable
  from 利润分配 (a 用友 habit) beside the plugin's accrual: it is reported and not
  counted, so the amount owed is never doubled. Any other credit (the treasury
  refunding, an opening balance of profit still owed, Dr 3001) counts as a negative
  payment, which the next payment settles.

Payments are applied to the oldest year still owed first (FIFO, on cumulative sums).
The one calculation is `treasury_years`; the remittance report and the Fava views
call it too (through `reports.remittance`), so the plugin and the reports never
disagree. Config (a dict literal) may rename the two accounts:
`plugin "plugins.treasury" "{'treasury_payable': '…', 'profit_appropriation': '…'}"`.
"""
import collections
import dataclasses
import datetime
from decimal import Decimal

from beancount.core import data
from beancount.core.amount import Amount

from plugins import engine
from plugins.asof import is_over, year_over
from plugins.closing import is_closing_entry
from plugins.common import ACCOUNTS, ALL, account_code, config_error, generated_meta, meta_value, read_settings, rule_error
from plugins.money import ZERO, fmt, to_fen
from plugins.roles import CLOSING_EQUITY, PROFIT_AND_LOSS

CURRENCY = "CNY"
CLAUSES = ("P2",)

__plugins__ = ("treasury",)

PLUGIN = "treasury"
MODULE = "plugins.treasury"
DEFAULTS = {
    "treasury_payable": ACCOUNTS["treasury_payable"],
    "profit_appropriation": ACCOUNTS["profit_appropriation"],
}


@dataclasses.dataclass
class YearRow:
    """One fiscal year of the treasury account. Amounts are Decimal, to the fen."""
    year: int
    closed: bool            # the year is over on the date of judgement
    net_profit: Decimal     # −(Income + Expenses) of the year
    losses_absorbed: Decimal
    loss_carried: Decimal   # losses still to absorb after this year
    share: Decimal          # treasury-share in force on 12-31
    owed: Decimal           # what the year owes (provisional while not closed)
    deadline: datetime.date
    paid: Decimal = ZERO    # payments applied to this year (FIFO, up to the ledger's end)
    outstanding: Decimal = ZERO
    overdue: bool = False   # outstanding and the date of judgement is after the deadline
    applied: list = dataclasses.field(default_factory=list)  # [(Payment, amount applied to this year)]
    source: object = None   # the year's last transaction (file/line for generated entries)


@dataclasses.dataclass
class Payment:
    date: datetime.date
    receipt: str | None
    amount: Decimal         # debit to the payable (a refund by the treasury is negative)
    txn: object


@dataclasses.dataclass
class Treasury:
    """Everything P2 knows about a ledger: years, payments, and the problems found."""
    rows: list[YearRow]
    payments: list[Payment]
    problems: list           # (entry, message) pairs, message without the [P2] prefix
    settings: dict
    end: datetime.date | None  # the ledger's last booking (`plugins.common.ledger_end`), for display
    pnl: dict               # {year: {account: sum}}: the postings the profit was computed from
    accruals: list = dataclasses.field(default_factory=list)  # (txn, amount): hand-written accruals (重复计提)
    judged: datetime.date | None = None  # the date of judgement the years were judged on

    def row(self, year: int) -> YearRow | None:
        return next((r for r in self.rows if r.year == year), None)


APPROPRIATION_CODE = "3104"  # 利润分配: the debit side of a hand-written accrual


def settings_of(options_map, config=None) -> tuple[dict, list[str]]:
    """The plugin's settings: from `config`, else from the ledger's plugin line."""
    return read_settings(options_map, (MODULE, PLUGIN), DEFAULTS, config)


class ProfitYears:
    """P2 as an accumulator of `plugins.engine`: each year's profit and loss (closing
    entries left out) and the postings to the treasury payable; `finish` judges the
    years (`result`) and makes the year-end entries."""

    customs = ()
    keys = frozenset()

    def __init__(self, settings, problems, policies, judged, roles, options_map=None):
        self.settings, self.problems, self.policies, self.judged = settings, problems, policies, judged
        self.options_map = options_map
        self.payable = roles.claim_under(settings["treasury_payable"])
        self.wants = PROFIT_AND_LOSS | self.payable
        self.roles_of = roles.bits
        self.pnl = {}        # year → {account: sum of its CNY postings}
        self.collected = []  # (txn, posting) to the treasury payable
        self.result = None

    def transaction(self, entry, mask):
        roles_of, payable = self.roles_of, self.payable
        if mask & payable:
            self.collected.extend((entry, p) for p in entry.postings if roles_of[p.account] & payable)
        if not mask & PROFIT_AND_LOSS or (mask & CLOSING_EQUITY and is_closing_entry(entry)):
            return
        year = entry.date.year
        totals = self.pnl.get(year)
        if totals is None:
            totals = self.pnl[year] = {}
        for posting in entry.postings:
            account = posting.account
            if roles_of[account] & PROFIT_AND_LOSS:
                units = posting.units
                if units is not None and units.currency == CURRENCY:
                    totals[account] = totals.get(account, ZERO) + units.number

    def finish(self, facts):
        self.result = _treasury_years(self, facts, self.settings, self.judged, self.policies)
        return _year_end_entries(self.result, facts, self.settings, self.problems, self.policies,
                                 self.options_map)


def accumulator(config, options_map, policies, judged, roles):
    """P2's accumulator for `plugins.engine`."""
    settings, problems = settings_of(options_map, config)
    return ProfitYears(settings, problems, policies, judged, roles, options_map)


def _deadline(year: int, monthday: str) -> datetime.date:
    month, day = int(monthday[:2]), int(monthday[3:])
    try:
        return datetime.date(year + 1, month, day)
    except ValueError:  # 02-29 in a common year
        return datetime.date(year + 1, month, day - 1)


def treasury_years(entries, options_map=None, config=None, today=None, policies=None) -> Treasury:
    """THE P2 calculation: net profit, losses absorbed, owed, paid and outstanding per year.

    `entries` may or may not already hold this plugin's generated entries: they
    are recognised by their `generated` mark and never counted. `today` is the date
    of judgement (default: `plugins.asof.as_of(entries)`): it decides which years are
    closed and which are overdue.
    """
    return engine.accumulated(accumulator, entries, options_map, config, policies, today).result


def _read_payable(scan, problems):
    """(payments, hand-written accruals) from the accountant's postings to the payable."""
    payments, accruals = [], []
    for txn, posting in scan.collected:
        if (txn.meta or {}).get("generated") or posting.units is None:
            continue
        if posting.units.currency != CURRENCY:
            problems.append((txn, f"上缴国库款项币种应为 {CURRENCY}: {posting.units}"))
            continue
        amount = posting.units.number
        if amount < 0 and any(account_code(p.account) == APPROPRIATION_CODE for p in txn.postings):
            accruals.append((txn, -amount))
            problems.append((txn, f"重复计提: {txn.date} 手工贷记上缴国库 {fmt(-amount)} 元 (借 利润分配); "
                                  f"应上缴国库利润由系统于年末自动计提 (^treasury-{txn.date.year}), "
                                  "本笔不重复计入应缴 (系统只计提其余部分), 请删除这笔手工计提"))
            continue
        receipt = meta_value(txn, posting, "receipt")
        payments.append(Payment(txn.date, str(receipt) if receipt else None, amount, txn))
        if amount > 0 and not receipt:
            problems.append((txn, f"{txn.date} 上缴国库 {fmt(amount)} 元缺少缴款书号 (receipt:), "
                                  "请按非税收入缴款书填写"))
    return payments, accruals


def _treasury_years(scan, facts, settings, judged, policies) -> Treasury:
    """`treasury_years` from what the pass accumulated (`ProfitYears`) and its `Facts`."""
    problems = []
    payments, accruals = _read_payable(scan, problems)
    rows = []
    if scan.pnl:
        carried = ZERO
        for year in range(min(scan.pnl), max(scan.pnl) + 1):
            closed = year_over(year, judged)
            year_end = datetime.date(year, 12, 31)
            net = -to_fen(sum(scan.pnl.get(year, {}).values(), Decimal(0)))
            share = policies.value("treasury-share", year_end)
            carry = policies.value("loss-carryforward", year_end)
            absorbed = ZERO
            if net > 0:
                if carry:
                    absorbed = min(carried, net)
                owed = to_fen(share * (net - absorbed))
            else:
                owed = ZERO
            row = YearRow(year, closed, net, absorbed, ZERO, share, owed,
                          _deadline(year, policies.value("treasury-deadline", year_end)),
                          source=facts.last_of_year.get(year))
            if closed:  # an open year's result is provisional: nothing is carried from it
                carried -= absorbed
                if net < 0 and carry:
                    carried += -net
            row.loss_carried = carried
            rows.append(row)

    _apply_payments(rows, payments, problems, judged)
    return Treasury(rows, payments, problems, settings, facts.end, scan.pnl, accruals, judged)


def _apply_payments(rows, payments, problems, end):
    """FIFO on cumulative sums: year Y's share of the payments is what the cumulative
    amount paid exceeds the owed of earlier years, capped at Y's owed."""
    closed = [r for r in rows if r.closed]
    # Overpayment: at each payment, cumulative paid against cumulative owed of the
    # years closed by then (a year's owed arises on its 12-31).
    paid_cum = ZERO
    for payment in payments:
        paid_cum += payment.amount
        owed_then = sum((r.owed for r in closed if datetime.date(r.year, 12, 31) <= payment.date), ZERO)
        if payment.amount > 0 and paid_cum > owed_then:
            problems.append((payment.txn,
                             f"上缴国库超过应缴 (多缴): {payment.date} 缴款 {fmt(payment.amount)} 元后"
                             f"累计已缴 {fmt(paid_cum)} 元, 累计应缴 {fmt(owed_then)} 元, "
                             f"多缴 {fmt(paid_cum - owed_then)} 元"))
    total_paid = sum((p.amount for p in payments), ZERO)
    # Which payment paid which year: payment k covers the cumulative interval
    # (paid before it, paid after it]; year Y covers (owed before Y, owed up to Y].
    cum = ZERO
    spans = []
    for payment in payments:
        spans.append((payment, cum, cum + payment.amount))
        cum += payment.amount
    before = ZERO
    for row in closed:
        low, high = before, before + row.owed
        for payment, start, stop in spans:
            if stop > start:
                part = min(stop, high) - max(start, low)
                if part > 0:
                    row.applied.append((payment, part))
        before = high
    before = ZERO
    for row in closed:
        row.paid = min(max(total_paid - before, ZERO), row.owed)
        row.outstanding = row.owed - row.paid
        row.overdue = bool(row.outstanding > 0 and is_over(row.deadline, end))
        before += row.owed
        if row.overdue:
            paid_by_deadline = sum((p.amount for p in payments if p.date <= row.deadline), ZERO)
            on_time = min(max(paid_by_deadline - (before - row.owed), ZERO), row.owed)
            problems.append((row, f"欠缴: {row.year} 年度应上缴国库利润 {fmt(row.owed)} 元 (计提见 ^treasury-{row.year}), "
                                  f"缴款期限 {row.deadline}, 期限内已缴 {fmt(on_time)} 元, "
                                  f"至判断日期 {end} 仍欠缴 {fmt(row.outstanding)} 元"))


def year_end_entry(row: YearRow, settings: dict, fallback_source=None, by_hand=ZERO) -> data.Transaction | None:
    """The generated Dr appropriation / Cr treasury payable entry of a closed year: what
    is owed, less what the accountant accrued by hand (重复计提), so the payable holds the
    amount owed once; None when the hand-written accrual covers it."""
    extra = {"net-profit": row.net_profit, "losses-absorbed": row.losses_absorbed,
             "treasury-share": row.share, "owed": row.owed}
    narration = (f"{row.year}年度净利润上缴国库: 计提应付利润 (净利润 {fmt(row.net_profit)} 元, "
                 f"弥补以前年度亏损 {fmt(row.losses_absorbed)} 元)")
    if by_hand:
        if by_hand >= row.owed:
            return None
        extra["booked-by-hand"] = by_hand
        narration += f"; 手工已计提 {fmt(by_hand)} 元, 本分录计提其余 {fmt(row.owed - by_hand)} 元"
    meta = generated_meta(row.source or fallback_source, PLUGIN, **extra)
    units = Amount(row.owed - by_hand, CURRENCY)
    return data.Transaction(
        meta, datetime.date(row.year, 12, 31), "*", None, narration,
        data.EMPTY_SET, frozenset({f"treasury-{row.year}"}),
        [data.Posting(settings["profit_appropriation"], units, None, None, None, None),
         data.Posting(settings["treasury_payable"], -units, None, None, None, None)])


def _year_end_entries(result, facts, settings, config_problems, policies, options_map):
    """(the closed years' generated entries, the P2 errors)."""
    errors = policies.errors_of(CLAUSES)
    fallback = facts.first
    for problem in config_problems:
        errors.append(config_error("P2", options_map, (MODULE, PLUGIN, ALL), problem))
    generated = {}
    due = [row for row in result.rows if row.closed and row.owed > 0]
    if due:
        problem = engine.unopened("P2", due[0].source or fallback,
                                  (settings["profit_appropriation"], settings["treasury_payable"]), facts,
                                  f" {', '.join(str(r.year) for r in due)} 年度应上缴国库利润")
        if problem:
            errors.append(problem)
            due = []
    hand_accrual, by_hand = {}, collections.defaultdict(Decimal)
    for txn, amount in result.accruals:
        hand_accrual.setdefault(txn.date.year, txn)
        by_hand[txn.date.year] += amount
    for row in due:
        entry = year_end_entry(row, settings, fallback, by_hand.get(row.year, ZERO))
        if entry is not None:
            generated[row.year] = entry
    for subject, message in result.problems:
        if isinstance(subject, YearRow):  # at the year's accrual: the hand-written one, else ours
            entry = hand_accrual.get(subject.year) or generated.get(subject.year) or subject.source
        else:
            entry = subject
        errors.append(rule_error("P2", entry or fallback, message))
    return list(generated.values()), errors


def treasury(entries, options_map, config=None):
    """Beancount plugin `plugins.treasury` (P2) on its own; Beancount re-sorts the result."""
    return engine.alone(accumulator, entries, options_map, config)

