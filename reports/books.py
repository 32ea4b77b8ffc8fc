"""What the statements and books read from the ledger: balances and turnovers per account.

One reader for 资产负债表, 利润表, 现金流量表, 科目余额表, 明细账 and 记账凭证, so their figures
tie out by construction:

- closing entries (`plugins.closing`) are left out, so every figure is the same whether
  the accountant booked 结转损益 or not (SPEC §2);
- a year starts with every P&L account at zero: earlier years' profit is shown in the
  未分配利润 account (`retained_account`), as if each year had been closed;
- amounts are Beancount's signs (debit positive), CNY only, Decimal throughout.

The non-closing transactions are listed once per loaded entries list (reports.memo);
a balance or turnover is a bisection plus one walk over the postings it needs.
"""
from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from decimal import Decimal

from beancount.core import data

from plugins import asof
from plugins.closing import is_closing_entry
from reports.memo import memo
from reports.query import unit_name
from reports.statement_lines import is_profit_and_loss

CURRENCY = "CNY"
RETAINED_DEFAULT = "Equity:3104-利润分配:310415-未分配利润"
ZERO = Decimal(0)


class BooksError(ValueError):
    """A statement or book asked for something the ledger cannot answer (one Chinese line)."""


def transactions(entries) -> list:
    """The ledger's transactions in date order, closing entries left out."""
    def compute():
        return [e for e in entries if isinstance(e, data.Transaction) and not is_closing_entry(e)]
    return memo(entries, None, "books.transactions", compute)


def opened_accounts(entries) -> dict[str, data.Open]:
    def compute():
        return {e.account: e for e in entries if isinstance(e, data.Open)}
    return memo(entries, None, "books.opened", compute)


def retained_account(entries) -> str:
    """The 未分配利润 account earlier years' profit is shown in (310415 or one so named)."""
    for account in opened_accounts(entries):
        leaf = account.rsplit(":", 1)[-1]
        if account.startswith("Equity:") and (leaf.startswith("310415") or "未分配利润" in leaf):
            return account
    return RETAINED_DEFAULT


def _dates(entries):
    return memo(entries, None, "books.dates", lambda: [t.date for t in transactions(entries)])


def between(entries, start=None, end=None) -> list:
    """Non-closing transactions dated in [start, end) (None = open)."""
    txns, dates = transactions(entries), _dates(entries)
    low = 0 if start is None else bisect.bisect_left(dates, start)
    high = len(txns) if end is None else bisect.bisect_left(dates, end)
    return txns[low:high]


def postings(txns):
    """(transaction, posting) for every CNY posting of the transactions."""
    for txn in txns:
        for posting in txn.postings:
            units = posting.units
            if units is not None and units.currency == CURRENCY and units.number is not None:
                yield txn, posting


def turnover(entries, start, end) -> dict[str, list[Decimal]]:
    """account → [debit, credit] (both positive) of the postings in [start, end)."""
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for _txn, posting in postings(between(entries, start, end)):
        number = posting.units.number
        if number >= 0:
            totals[posting.account][0] += number
        else:
            totals[posting.account][1] -= number
    return dict(totals)


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _snapshots(entries) -> tuple[list, list]:
    """Running balances at the start of every month with postings (one walk per load):
    (sorted month starts, balances before each), so any balance is a snapshot plus the
    postings of one month."""
    def compute():
        months, snaps, running = [], [], defaultdict(Decimal)
        current = None
        for txn in transactions(entries):
            if txn.date.month != getattr(current, "month", None) or txn.date.year != current.year:
                current = _month_start(txn.date)
                months.append(current)
                snaps.append(dict(running))
            for posting in txn.postings:
                units = posting.units
                if units is not None and units.currency == CURRENCY and units.number is not None:
                    running[posting.account] += units.number
        return months, snaps
    return memo(entries, None, "books.snapshots", compute)


def net_balances(entries, day: datetime.date) -> dict[str, Decimal]:
    """account → balance before `day`, every posting counted (P&L still in P&L accounts):
    what the balance sheet places (its line 51 takes every P&L balance)."""
    months, snaps = _snapshots(entries)
    index = bisect.bisect_right(months, day) - 1
    if index < 0:
        return {}
    out = defaultdict(Decimal, snaps[index])
    for _txn, posting in postings(between(entries, months[index], day)):
        out[posting.account] += posting.units.number
    return dict(out)


def balances(entries, day: datetime.date, year: int | None = None) -> dict[str, Decimal]:
    """account → balance before `day` within fiscal `year` (default: the year of `day`):
    P&L accounts hold only that year's postings, earlier years' P&L sits in the
    未分配利润 account. (A year's closing balances are `balances(entries, next 01-01, year)`.)"""
    out = net_balances(entries, day)
    earlier = net_balances(entries, datetime.date(day.year if year is None else year, 1, 1))
    profit = ZERO
    for account, number in earlier.items():
        if is_profit_and_loss(account) and number:
            out[account] -= number
            profit += number
    if profit:
        retained = retained_account(entries)
        out[retained] = out.get(retained, ZERO) + profit
    return out


# ---- accounts, codes, names ------------------------------------------------------------

def component_code(component: str) -> str:
    return component.split("-", 1)[0] if "-" in component and component[0].isdigit() else ""


def account_code(account: str) -> str:
    """The account's own code (its last component's): 100201 for …:100201-农商银行基本户."""
    parts = account.split(":")
    return component_code(parts[-1]) if len(parts) > 1 else ""


def account_title(account: str) -> str:
    """`Assets:1002-银行存款:100201-农商银行基本户` → 银行存款—农商银行基本户 (the 科目 as printed)."""
    names = [p.split("-", 1)[1] if component_code(p) else p for p in account.split(":")[1:]]
    return "—".join(names) or account


def chart_key(account: str):
    """Sort key in chart order: by the codes of the components, uncoded accounts last."""
    parts = account.split(":")[1:]
    return tuple((0, component_code(p)) if component_code(p) else (1, p) for p in parts)


def with_parents(accounts) -> list[str]:
    """The accounts and every parent below the root, in chart order."""
    found = set()
    for account in accounts:
        parts = account.split(":")
        for depth in range(2, len(parts) + 1):
            found.add(":".join(parts[:depth]))
    return sorted(found, key=chart_key)


def find_account(entries, code: str) -> str:
    """The account (or parent) whose own code is `code`; a Chinese error otherwise."""
    months, snaps = _snapshots(entries)
    final = net_balances(entries, datetime.date.max) if months else {}
    known = with_parents(set(opened_accounts(entries)) | set(final))
    for account in known:
        if account_code(account) == code:
            return account
    raise BooksError(f"科目表中没有代码为 {code} 的科目")


# ---- periods ---------------------------------------------------------------------------

def month_end(year: int, month: int) -> datetime.date:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def parse_date(text, what="日期") -> datetime.date:
    """A date, or its YYYY-MM-DD text read by the one date parser (plugins.asof)."""
    if isinstance(text, datetime.date):
        return text
    try:
        return asof.parse_date(text, what)
    except ValueError as exc:
        raise BooksError(str(exc)) from None


def parse_year(value) -> int:
    text = str(value)
    if not (text.isdigit() and len(text) == 4):
        raise BooksError(f"年度应为四位数字 (如 2025), 而不是 {value!r}")
    return int(text)


def _int_or_zero(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def parse_month(value) -> int:
    month = _int_or_zero(value)
    if not 1 <= month <= 12:
        raise BooksError(f"月份应为 1 到 12, 而不是 {value!r}")
    return month


def statement_period(year, month=None, quarter=None):
    """(first day, day after, key, label) of the 本期 column."""
    year = parse_year(year)
    if quarter is not None and month is not None:
        raise BooksError("--month 与 --quarter 只能指定一个")
    if quarter is not None:
        quarter = _int_or_zero(quarter)
        if not 1 <= quarter <= 4:
            raise BooksError(f"季度应为 1 到 4, 而不是 {quarter!r}")
        first = datetime.date(year, 3 * quarter - 2, 1)
        return first, month_end(year, 3 * quarter) + datetime.timedelta(days=1), "quarter", quarter
    month = 12 if month is None else parse_month(month)
    return (datetime.date(year, month, 1), month_end(year, month) + datetime.timedelta(days=1),
            "month", month)


def span_in_one_year(start, end) -> tuple[datetime.date, datetime.date]:
    """--from / --to of a book: both dates, in one fiscal year, in order."""
    start, end = parse_date(start, "起始日期"), parse_date(end, "截止日期")
    if end < start:
        raise BooksError(f"截止日期 {end} 早于起始日期 {start}")
    if start.year != end.year:
        raise BooksError(f"起止日期须在同一会计年度内 ({start} 至 {end} 跨年), 请按年度分别生成")
    return start, end


def unit(options_map) -> str:
    return unit_name(options_map)


def as_of_label(entries) -> str:
    """判断日期 … : printed on every statement (api.md)."""
    from plugins.asof import as_of

    return as_of(entries).label()


# ---- vouchers --------------------------------------------------------------------------

GENERATED_LABEL = "系统生成"


def _source_vouchers(entries) -> dict:
    """(filename, lineno) → 凭证号 of the accountant's transactions (what generated entries cite)."""
    def compute():
        out = {}
        for entry in entries:
            meta = entry.meta or {}
            if isinstance(entry, data.Transaction) and "generated" not in meta and meta.get("voucher"):
                out.setdefault((meta.get("filename"), meta.get("lineno")), str(meta["voucher"]))
        return out
    return memo(entries, None, "books.source_vouchers", compute)


def voucher_of(entries, txn) -> str:
    """The 凭证字号 printed for a transaction: its `voucher:`, or 系统生成 (with the voucher
    of the entry the plugin generated it from) for a plugin's entry, or （无凭证号）."""
    meta = txn.meta or {}
    if "generated" in meta:
        source = meta.get("voucher") or _source_vouchers(entries).get((meta.get("filename"), meta.get("lineno")))
        return f"{GENERATED_LABEL}（据 {source}）" if source else GENERATED_LABEL
    return str(meta["voucher"]) if meta.get("voucher") else "（无凭证号）"


def summary_of(txn, posting=None) -> str:
    """摘要: the posting's own `narration:`/`summary:` if any, else the transaction's narration
    (with the payee in front when there is one)."""
    meta = (posting.meta or {}) if posting is not None else {}
    for key in ("summary", "narration"):
        if meta.get(key):
            return str(meta[key])
    if txn.payee and txn.narration:
        return f"{txn.payee} {txn.narration}"
    return txn.narration or txn.payee or ""
