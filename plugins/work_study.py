"""P1 work-study split: accrue the students' share of work-study income, check payouts.

Seed (县政府关于生产性实训基地的文件, 第五条):
    "学校开展生产服务性实习实训取得的勤工俭学收入,可提取20%支付学生劳动报酬。"

SPEC §3 P1: accrue the student share of each work-study income posting, rounded
half-up to 0.01 per transaction; a per-transaction `student-share:` may lower it,
never exceed the cap; payouts never exceed accruals — an invariant at every date, so
a return after a payout breaks it too; everything booked to the student remuneration
expense in a year, by the plugin or by hand, stays within the cap of that year's
work-study income; accruals left unpaid past a deadline (as-of) are flagged, blaming
the sale whose share is unpaid.

What this plugin does, in one pass over the entries:

- For each accountant-written transaction with postings to the work-study income
  account, it accrues `to_fen(share × income)` (rounded per sale): Dr student
  remuneration expense, Cr student payable, dated as the sale. By default one
  marked transaction per day carries the day's accruals (metadata
  `generated: "work_study"`, `source:` file:line of the first sale, `sources:` how
  many, `source-vouchers:` their vouchers): a generated entry per sale made
  Beancount's own validation cost 20% more on a 100k-transaction ledger (see
  docs/PERFORMANCE.md). `'granularity': 'transaction'` generates one per sale
  (`source-voucher:`). A return (a net debit to that income) reverses its share.
  share = policy `work-study-share` in force on the date, or a lower
  `student-share:` (posting meta wins over transaction meta). A `student-share:`
  above the cap, negative or not a number is a P1 error and nothing is generated
  for that transaction. A closing entry (结转损益, `plugins.closing`) is not a sale
  or return and is skipped; any other transaction that also posts to Equity still is.
- Debits to the student payable written by the accountant are payouts; each needs
  `student:` (学号, a quoted string) on the posting or transaction. Credits to it
  written by the accountant (e.g. an opening balance carried over) count as
  accruals. Debits to the expense written by the accountant count against the cap.
- Cumulative payouts may never exceed cumulative accruals, checked at every payout
  and every return (`_settle`).
- Payouts settle accruals oldest first (FIFO); an accrual still unpaid longer than
  `student-pay-days` (policy in force on the accrual's date) on the date of
  judgement (`plugins.asof`) is flagged at the first sale of its day whose share
  is unpaid, with its amount and age.
- `custom "work-hours" "<学号>" <hours>` entries need `base:`, hours a number
  ≥ 0, and a 学号 present in the roster (`students.csv` next to the top ledger
  file, columns 学号,姓名,班级,基地). Without a roster file the roster check is
  skipped (unless the config names one explicitly: then a missing file is an error).

Config (a Python dict literal, every key optional):
    plugin "plugins.work_study" "{'work_study_income': 'Income:…', 'student_expense': 'Expenses:…',
                                  'student_payable': 'Liabilities:…', 'roster': 'students.csv',
                                  'granularity': 'day'}"
"""
import collections
import datetime
import os
from decimal import ROUND_HALF_UP, Decimal

from beancount.core import data
from beancount.core.amount import Amount

from plugins import engine
from plugins.asof import is_over
from plugins.closing import is_closing_entry
from plugins.common import ACCOUNTS, ALL, GENERATED, config_error, as_written, file_error, generated_meta, read_settings, rule_error, where
from plugins.money import FEN, ZERO, fmt
from plugins.roles import CLOSING_EQUITY
from plugins.roster import ROSTER_FILE, read_roster

__plugins__ = ("work_study",)

PLUGIN = "work_study"
CLAUSE = "P1"
CLAUSES = ("P1",)  # the policy clauses whose problems this family reports

DEFAULTS = {
    "work_study_income": ACCOUNTS["work_study_income"],
    "student_expense": ACCOUNTS["student_expense"],
    "student_payable": ACCOUNTS["student_payable"],
    "roster": None,  # None: students.csv next to the top ledger file, optional
    # "day" (default): one generated entry per day and currency, amounts still rounded
    # per sale; "transaction": one per sale (costlier for Beancount to validate).
    "granularity": "day",
}


MODULES = ("plugins.work_study", "work_study", ALL)  # the plugin lines its config is on


def settings_from(options_map, config=None):
    """The plugin's settings: from `config`, else from the ledger's plugin line."""
    return read_settings(options_map, MODULES[:2], DEFAULTS, config)


def roster_path(options_map, settings) -> tuple[str | None, bool]:
    """(path of the roster, whether it was named explicitly in the config)."""
    top = (options_map or {}).get("filename") or ""
    base = os.path.dirname(top) if top and os.path.isfile(top) else None
    named = settings.get("roster")
    if named:
        if os.path.isabs(named) or base is None:
            return named, True
        return os.path.join(base, named), True
    if base is None:
        return None, False
    return os.path.join(base, ROSTER_FILE), False


def load_roster(options_map, settings) -> tuple[dict | None, list]:
    """The roster (学号 → Student), or None when there is none to check against (no
    file, not configured, or a roster so broken it is one error)."""
    path, explicit = roster_path(options_map, settings)
    if path is None:
        return None, []
    if not os.path.exists(path):  # a folder: read_roster says so, with the file to give instead
        if explicit:
            return None, [config_error(CLAUSE, options_map, MODULES, f"插件配置指定的学生名册不存在: {path}")]
        return None, []
    roster = read_roster(path)
    errors = [file_error(CLAUSE, e.file, e.row, e.message) for e in roster.errors]
    return (None if roster.broken else roster.students), errors


def read_hours(entry):
    """(学号, hours, base, problem) of a work-hours entry; problem is a Chinese message or None."""
    values = [v.value for v in entry.values]
    if len(values) != 2:
        return None, None, None, '工时条目应写作 custom "work-hours" "<学号>" <工时>'
    sid, hours = values
    if not isinstance(sid, str) or not sid.strip():
        return None, None, None, f"工时条目的学号应为带引号的字符串, 实为 {as_written(sid)}"
    if isinstance(hours, bool) or not isinstance(hours, Decimal):
        return sid, None, None, f"学号 {sid} 的工时 {as_written(hours)} 不是数字"
    if hours < 0:
        return sid, None, None, f"学号 {sid} 的工时 {hours} 为负数"
    base = (entry.meta or {}).get("base")
    if not isinstance(base, str) or not base.strip():
        return sid, None, None, f"学号 {sid} 的工时条目缺少 base: (实训基地)"
    return sid.strip(), hours, base.strip(), None


def _share_problem(raw, cap):
    """None if `raw` is an acceptable student-share under `cap`, else a Chinese message."""
    if isinstance(raw, bool) or not isinstance(raw, Decimal):
        return f"student-share 的值 {as_written(raw)} 不是数字 (应写作 0.15 这样的小数)"
    if raw < 0:
        return f"student-share {raw} 为负数"
    if raw > cap:
        return f"student-share {raw} 超过政策 work-study-share 的上限 {cap}"
    return None


def accumulator(config, options_map, policies, judged, roles):
    """P1's accumulator for `plugins.engine`, with its config problems and roster read."""
    settings, problems = settings_from(options_map, config)
    if settings["roster"] is not None and not (isinstance(settings["roster"], str) and settings["roster"].strip()):
        problems.append(f"插件配置 roster 应为学生名册文件名 (如 'students.csv'), 而不是 {settings['roster']!r}; "
                        "已改用主文件旁的 students.csv")
        settings["roster"] = None
    if settings["granularity"] not in ("transaction", "day"):
        problems.append(f"插件配置 granularity 应为 'transaction' 或 'day', 而不是 {settings['granularity']!r}")
        settings["granularity"] = "day"
    errors = [config_error(CLAUSE, options_map, MODULES, p) for p in problems]
    roster, roster_errors = load_roster(options_map or {}, settings)
    return Accruals(settings, roster, policies, judged, roles, errors + roster_errors)


def work_study(entries, options_map, config=None):
    """Beancount plugin `plugins.work_study` (P1) on its own; Beancount re-sorts the result."""
    return engine.alone(accumulator, entries, options_map, config)


def _daily_entry(date, currency, total, count, first, vouchers, links, expense_acc, payable_acc):
    """One generated entry for a day's accruals (each already rounded per transaction)."""
    extra = {"source": where(first), "sources": Decimal(count)}  # the printer takes no int
    if vouchers:
        extra["source-vouchers"] = ", ".join(vouchers)
    meta = generated_meta(first, PLUGIN, **extra)
    verb = "计提" if total > 0 else "冲回"
    narration = f"{verb}学生劳动报酬: 当日 {count} 笔勤工俭学收入 (逐笔四舍五入到分)"
    postings = [
        data.Posting(expense_acc, Amount(total, currency), None, None, None, None),
        data.Posting(payable_acc, Amount(-total, currency), None, None, None, None),
    ]
    return data.Transaction(meta, date, "*", None, narration, data.EMPTY_SET,
                            links or data.EMPTY_SET, postings)


def _settle(events, policies, judged) -> list:
    """P1 payouts against accruals, in date order (accruals before payouts on a day).

    The invariant holds at every date: cumulative payouts never exceed cumulative
    accruals, so a return after a payout breaks it too. Payouts settle accruals oldest
    first (FIFO); an accrual still unpaid past `student-pay-days` on the date of
    judgement is blamed on the sale whose share is unpaid.
    """
    errors = []
    queue = []      # [date, remaining, source entry, (its sales, their accruals), amount]
    head = 0
    advance = ZERO  # paid (or reversed) beyond what was outstanding
    accrued_total = paid_total = ZERO
    for date, rank, entry, amount, sales in events:
        if amount > 0:
            accrued_total += amount
            used = min(advance, amount)
            advance -= used
            if amount - used > 0:
                queue.append([date, amount - used, entry, sales, amount])
            continue
        amount = -amount
        if rank == 1:
            paid_total += amount
        else:  # a return reverses part of what was accrued
            accrued_total -= amount
        while amount > 0 and head < len(queue):
            item = queue[head]
            used = min(item[1], amount)
            item[1] -= used
            amount -= used
            if item[1] == 0:
                head += 1
        advance += amount
        if paid_total > accrued_total:
            what = ("发放" if rank == 1 else "冲回勤工俭学收入 (退货) 后")
            errors.append(rule_error(CLAUSE, entry,
                f"{date} {what}: 累计发放学生劳动报酬 {fmt(paid_total)} 元超过累计计提 {fmt(accrued_total)} 元 "
                f"(超出 {fmt(paid_total - accrued_total)} 元)"))
    for date, remaining, entry, sales, amount in queue[head:]:
        limit = policies.value("student-pay-days", date)
        if remaining > 0 and is_over(date + datetime.timedelta(days=limit), judged):
            sale = _unpaid_sale(sales, amount - remaining) or entry
            voucher = (sale.meta or {}).get("voucher")
            errors.append(rule_error(CLAUSE, sale,
                f"{date} 计提的学生劳动报酬尚有 {fmt(remaining)} 元未发放 (自 {date} "
                f"{voucher or where(sale)} 这笔销售的提成起), 至判断日期 {judged} 已 {(judged - date).days} 天, "
                f"超过 student-pay-days 规定的 {limit} 天"))
    return errors


def _unpaid_sale(sales, settled):
    """The first sale of a day (or accrual) whose share is not fully paid, when
    `settled` of the day's accruals were paid oldest first. `sales`: (sales, accruals)."""
    total = ZERO
    for sale, accrual in zip(*sales, strict=True):
        total += accrual
        if total > settled:
            return sale
    return None


def _cap_errors(expense_acc, income, cap, generated, by_hand, last_by_hand) -> list:
    """P1 cap over everything booked to the student remuneration expense in a year, by
    the plugin or by hand: never above the policy share of that year's work-study income."""
    errors = []
    for year in sorted(set(generated) | set(by_hand)):
        booked = generated.get(year, ZERO) + by_hand.get(year, ZERO)
        limit = cap.get(year, ZERO)
        if booked > limit and by_hand.get(year, ZERO):
            errors.append(rule_error(CLAUSE, last_by_hand[year],
                f"{year} 年记入 {expense_acc} 的学生劳动报酬合计 {fmt(booked)} 元 (其中手工记入 "
                f"{fmt(by_hand[year])} 元), 超过当年勤工俭学收入 {fmt(income.get(year, ZERO))} 元按 "
                f"work-study-share 计的上限 {fmt(limit)} 元, 超出 {fmt(booked - limit)} 元; "
                "学生劳动报酬由系统按勤工俭学收入逐笔计提, 不应手工记入该费用"))
    return errors


class Accruals:
    """P1 as an accumulator of `plugins.engine`: the sales, payouts and hand bookings
    of the pass, then `finish` → (the generated accruals, errors)."""

    customs = ("work-hours",)
    keys = frozenset()

    def __init__(self, settings, roster, policies, judged, roles, errors=()):
        self.expense_acc, self.payable_acc = settings["student_expense"], settings["student_payable"]
        self.income = roles.claim_under(settings["work_study_income"])
        self.payable = roles.claim_under(self.payable_acc)
        self.expense = roles.claim_under(self.expense_acc)
        self.wants = self.income | self.payable | self.expense
        self.roles_of = roles.bits
        self.daily = settings["granularity"] == "day"
        self.roster, self.policies, self.judged = roster, policies, judged
        self.errors = list(errors)
        self.sale_errors = []  # the sales' student-share problems, reported after the policies' own
        self.cap_date = self.cap = None
        self.payouts = []  # (txn, amount): accountant debits (+) and credits (−) to the payable
        self.cap_of_year = collections.defaultdict(Decimal)  # year → the cap on the year's sales (CNY)
        self.income_of_year = collections.defaultdict(Decimal)
        self.booked_by_hand = collections.defaultdict(Decimal)  # year → accountant's debits to the expense
        self.last_by_hand = {}
        self.new_entries = []
        # (date, currency) → [total, count, first sale, vouchers, links, sales, their accruals]
        self.days = {}
        self.events = []  # (date, rank, entry, amount, (sales, accruals)): accruals before payouts

    def transaction(self, entry, mask):
        meta = entry.meta
        if meta and meta.get(GENERATED) == PLUGIN:
            return
        closing = mask & CLOSING_EQUITY and is_closing_entry(entry)  # a 结转: no sale, no booking
        roles_of, income_role, payable_role, expense_role = self.roles_of, self.income, self.payable, self.expense
        incomes = paid = by_hand = None
        for posting in entry.postings:
            role = roles_of[posting.account]
            if role & income_role:
                if closing:
                    continue
                pmeta = posting.meta
                units = posting.units
                income = (-units.number, pmeta.get("student-share") if pmeta else None, units.currency)
                if incomes is None:
                    incomes = [income]
                else:
                    incomes.append(income)
            elif role & payable_role:
                number = posting.units.number
                if number > 0:
                    self._payout(entry, posting, number)
                paid = number if paid is None else paid + number
            elif role & expense_role and not closing:
                number = posting.units.number
                by_hand = number if by_hand is None else by_hand + number
        if incomes is not None:
            self._sale(entry, incomes)
        if paid is not None:
            self.payouts.append((entry, paid))
        if by_hand is not None:
            self.booked_by_hand[entry.date.year] += by_hand
            self.last_by_hand[entry.date.year] = entry

    def _payout(self, entry, posting, number):
        """A debit to the student payable needs `student:` (a 学号 on the roster)."""
        student = posting.meta.get("student") if posting.meta else None
        if student is None and entry.meta:
            student = entry.meta.get("student")
        if student is None:
            self.errors.append(rule_error(CLAUSE, entry,
                f"学生劳动报酬发放 {fmt(number)} 元 (账户 {posting.account}) 缺少 student: (学号)"))
        elif not isinstance(student, str):
            self.errors.append(rule_error(CLAUSE, entry,
                f"学生劳动报酬发放的 student: 应为带引号的学号字符串, 实为 {as_written(student)}"))
        elif self.roster is not None and student not in self.roster:
            self.errors.append(rule_error(CLAUSE, entry,
                f"学生劳动报酬发放 {fmt(number)} 元给学号 {student}, 该学号不在学生名册中"))

    def _sale(self, txn, incomes):
        """A sale (or return): its accrual per currency, rounded to the fen per sale; the
        year's work-study income and the cap on it (the policy share of each sale)."""
        date = txn.date
        if date != self.cap_date:
            self.cap_date, self.cap = date, self.policies.value("work-study-share", date)
        cap = self.cap
        txn_share = txn.meta.get("student-share") if txn.meta else None
        exact, shares = {}, []  # currency → the exact accrual; the shares used
        for number, share, currency in incomes:
            if share is None:
                share = txn_share
            if share is None:
                share = cap
            elif problem := _share_problem(share, cap):
                total = sum((n for n, _, _ in incomes), ZERO)
                self.sale_errors.append(rule_error(CLAUSE, txn,
                    f"{problem}; 本笔勤工俭学收入 {fmt(total)} 元未计提学生劳动报酬"))
                return
            shares.append(share)
            exact[currency] = exact.get(currency, ZERO) + share * number
        for number, _, currency in incomes:
            if currency == "CNY":
                self.income_of_year[date.year] += number
                self.cap_of_year[date.year] += (cap * number).quantize(FEN, rounding=ROUND_HALF_UP)
        voucher = txn.meta.get("voucher") if txn.meta else None
        for currency, amount in exact.items():
            accrual = amount.quantize(FEN, rounding=ROUND_HALF_UP)  # = to_fen, per sale
            if not accrual:
                continue
            if self.daily:
                self._to_day(txn, currency, accrual, voucher)
                continue
            income = sum((n for n, _, c in incomes if c == currency), ZERO)
            share_text = "/".join(str(s) for s in sorted(set(shares)))
            self.events.append((date, 0, txn, accrual, ((txn,), (accrual,))))
            self.new_entries.append(self._sale_entry(txn, currency, accrual, income, share_text, voucher))

    def _to_day(self, txn, currency, accrual, voucher):
        """Per-day mode: one running total per day, hence one generated entry and one
        FIFO event per day; each sale's share is rounded before it is added."""
        group = self.days.get((txn.date, currency))
        if group is None:
            self.days[(txn.date, currency)] = [accrual, 1, txn, [voucher] if voucher else [], txn.links,
                                               [txn], [accrual]]
            return
        group[0] += accrual
        group[1] += 1
        group[5].append(txn)
        group[6].append(accrual)
        if voucher:
            group[3].append(voucher)
        if txn.links:
            group[4] = (group[4] or data.EMPTY_SET) | txn.links

    def _sale_entry(self, txn, currency, accrual, income, share_text, voucher):
        """Per-transaction mode: the generated accrual (or reversal) of one sale."""
        if accrual > 0:
            narration = f"计提学生劳动报酬: 勤工俭学收入 {income:.2f} × {share_text}"
        else:
            narration = f"冲回学生劳动报酬: 勤工俭学收入冲减 {-income:.2f} × {share_text}"
        extra = {"source": where(txn), "share": share_text}
        if voucher:
            extra["source-voucher"] = voucher
        postings = [
            data.Posting(self.expense_acc, Amount(accrual, currency), None, None, None, None),
            data.Posting(self.payable_acc, Amount(-accrual, currency), None, None, None, None),
        ]
        return data.Transaction(generated_meta(txn, PLUGIN, **extra), txn.date, "*", None, narration,
                                data.EMPTY_SET, txn.links or data.EMPTY_SET, postings)

    def custom(self, entry):
        if entry.type != "work-hours":
            return
        sid, _hours, _base, problem = read_hours(entry)
        if problem is None and self.roster is not None and sid not in self.roster:
            problem = f"学号 {sid} 不在学生名册中"
        if problem:
            self.errors.append(rule_error(CLAUSE, entry, f"工时记录有误: {problem}"))

    def finish(self, facts):
        errors = self.errors + self.policies.errors_of(CLAUSES) + self.sale_errors
        events = self.events
        for (date, currency), (total, count, first, vouchers, links, sales, amounts) in self.days.items():
            if total:
                events.append((date, 0, first, total, (sales, amounts)))
                self.new_entries.append(_daily_entry(date, currency, total, count, first, vouchers, links,
                                                     self.expense_acc, self.payable_acc))
        for txn, paid in self.payouts:
            if paid > 0:
                events.append((txn.date, 1, txn, -paid, None))
            elif paid < 0:  # an accountant's credit to the payable: a manual accrual
                events.append((txn.date, 0, txn, -paid, ((txn,), (-paid,))))
        events.sort(key=lambda e: (e[0], e[1]))
        errors.extend(_settle(events, self.policies, self.judged))
        generated_of_year = collections.defaultdict(Decimal)
        for entry in self.new_entries:
            if entry.postings[0].units.currency == "CNY":
                generated_of_year[entry.date.year] += entry.postings[0].units.number
        errors.extend(_cap_errors(self.expense_acc, self.income_of_year, self.cap_of_year, generated_of_year,
                                  self.booked_by_hand, self.last_by_hand))
        if self.new_entries:
            first = min(self.new_entries, key=lambda e: e.date)
            problem = engine.unopened(CLAUSE, first, (self.expense_acc, self.payable_acc), facts,
                                      f"学生劳动报酬 ({len(self.new_entries)} 笔, 自 {first.date} 起)")
            if problem:
                return [], errors + [problem]
        return self.new_entries, errors
