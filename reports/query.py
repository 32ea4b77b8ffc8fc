"""The shared query seam: small, pure functions over loaded entries.

Every report (remittance, students, funds) and every Fava view asks the ledger
through these functions, so that "the income of 2024" means the same thing
everywhere. Each walks the entries at most once, never calls the clock, and
returns plain data (dicts of account → Decimal). `entries` are the loader's
output: sorted by date, plugins' generated entries included.

- `year_bounds(year)` → [YYYY-01-01, (YYYY+1)-01-01); `entries_of_year(entries, year)`
  (a slice, by bisection); `years_with_entries(entries)`. The ledger's "today" is
  `plugins.common.ledger_end` (custom entries dated ahead do not count).
- `account_totals(entries, start, end, prefixes)` → {account: sum} for a date range
  and account prefixes; `sum_under(totals, *prefixes)` adds them up.
- `scan_years(entries, collect)` → per-year P&L totals, postings of chosen accounts,
  each year's last transaction, the ledger's end, the policy entries and the opened
  accounts, in one pass (what the P2 plugin runs on).
- `postings_between(entries, prefix, start, end)`; `unit_name(options_map)`.

Signs are Beancount's: Income and Liabilities are negative when credited. The
caller flips them for display (`-totals["Income:…"]` is the income earned).

Transfer entries that close profit-and-loss accounts into Equity (结转分录: one
transaction posting both to Income/Expenses and to Equity) are not part of a
year's result; `is_closing` names them and the P&L totals leave them out, so a
ledger whose accountant closed the year by hand still shows the year's profit.
"""
import bisect
import collections
import datetime
import operator
from collections import defaultdict
from decimal import Decimal

from beancount.core import data

from plugins.common import iter_postings, under

PNL_ROOTS = ("Income", "Expenses")
CURRENCY = "CNY"


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    """[start, end) of a calendar (fiscal) year: (YYYY-01-01, (YYYY+1)-01-01)."""
    return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)


def entries_of_year(entries, year: int) -> list:
    """The entries dated in `year`, in ledger order (a slice: the loader sorts by date)."""
    start, end = year_bounds(year)
    date_of = lambda e: e.date  # noqa: E731
    return entries[bisect.bisect_left(entries, start, key=date_of):
                   bisect.bisect_left(entries, end, key=date_of)]


def years_with_entries(entries) -> list[int]:
    """The calendar years in which the ledger holds at least one transaction."""
    return sorted({e.date.year for e in entries if isinstance(e, data.Transaction)})


def is_pnl(account: str) -> bool:
    return account.split(":", 1)[0] in PNL_ROOTS


def is_closing(txn) -> bool:
    """A closing/transfer entry: it posts to a profit-and-loss account and to Equity."""
    roots = {p.account.split(":", 1)[0] for p in txn.postings}
    return "Equity" in roots and bool(roots & set(PNL_ROOTS))


def account_totals(entries, start=None, end=None, prefixes=PNL_ROOTS,
                   currency=CURRENCY, skip_closing=True) -> dict[str, Decimal]:
    """Per-account sum of posting units in [start, end) for accounts under any of
    `prefixes` (e.g. "Income", "Expenses:5602-管理费用"), in `currency` only.

    With `skip_closing` (the default for P&L), closing entries (`is_closing`) are left out.
    """
    totals: dict[str, Decimal] = defaultdict(Decimal)
    closing_checked = {}
    for txn, posting in iter_postings(entries):
        if (start and txn.date < start) or (end and txn.date >= end):
            continue
        if posting.units is None or posting.units.currency != currency:
            continue
        if not any(under(posting.account, p) for p in prefixes):
            continue
        if skip_closing and is_pnl(posting.account):
            key = id(txn)
            if key not in closing_checked:
                closing_checked[key] = is_closing(txn)
            if closing_checked[key]:
                continue
        totals[posting.account] += posting.units.number
    return dict(totals)


YearScan = collections.namedtuple("YearScan", "pnl collected last end policies opened",
                                  defaults=(None, (), frozenset()))

# An account's kind in `scan_years`, as bits; a plain P&L account's kind is instead
# the list of its postings in the year being scanned.
_PNL, _EQUITY, _COLLECT = 1, 2, 4
_units_of = operator.attrgetter("units")
_number_of = operator.attrgetter("number")
_currency_of = operator.attrgetter("currency")


def _sum_units(postings, currency):
    """The sum of the postings' units in `currency` (None if there are none), added
    in posting order from Decimal(0), as `defaultdict(Decimal)` would."""
    units = list(map(_units_of, postings))
    if None in units or set(map(_currency_of, units)) != {currency}:
        units = [u for u in units if u is not None and u.currency == currency]
        if not units:
            return None
    return sum(map(_number_of, units), Decimal(0))


def scan_years(entries, collect=(), currency=CURRENCY) -> YearScan:
    """One pass over the entries, for plugins that must not walk twice:

    - `pnl`: {year: {account: sum}} of every Income/Expenses account (closing
      entries left out, as in `account_totals`);
    - `collected`: {prefix: [(txn, posting), …]} for each prefix in `collect`
      (any currency; e.g. every posting to the treasury payable);
    - `last`: {year: the last transaction dated in that year} (a source for the
      file/line of an entry generated for the year);
    - `end`: the ledger's "today", as `plugins.common.ledger_end` (the last date of
      an entry that is not a `custom` directive; None for no such entry);
    - `policies`: the `custom "policy"` entries, in order (for `read_policies`);
    - `opened`: the set of accounts an `open` directive opens.

    The fast path is one dict lookup per posting: each account name is classified
    once per year (a P&L account's postings are listed and summed in C at the end;
    a closing entry's are taken back off the lists) and the date-dependent work runs
    only when the date changes (the loader sorts by date).
    """
    collected = {prefix: [] for prefix in collect}
    targets = {}  # account → the `collect` prefixes it falls under
    bits = {}     # account → its kind as bits (0: nothing to do), once per account
    last = {}
    policies = []
    opened = set()
    years = {}    # year → {account: a P&L account's postings of the year, or bits}
    special = {}  # year → {account: postings} for P&L accounts that are also collected

    def kind_of(account):
        kind = bits.get(account)
        if kind is None:
            targets[account] = found = tuple(p for p in collect if under(account, p))
            kind = ((_PNL if is_pnl(account) else 0) | (_EQUITY if account.startswith("Equity:") else 0)
                    | (_COLLECT if found else 0))
            bits[account] = kind
        year_kinds[account] = kind = [] if kind == _PNL else kind
        return kind

    transaction, custom, open_ = data.Transaction, data.Custom, data.Open
    end = None
    prev_date = None
    year = None        # the year of the current run of transactions
    year_kinds = {}    # years[year]
    kinds_get = year_kinds.get
    last_txn = None    # the last transaction of the current run (→ last[year])
    for entry in entries:
        entry_type = type(entry)
        if entry_type is not transaction:
            if entry_type is custom or isinstance(entry, custom):
                if entry.type == "policy":
                    policies.append(entry)
                continue
            if end is None or entry.date > end:
                end = entry.date
            if entry_type is open_:
                opened.add(entry.account)
            continue
        date = entry.date
        if date != prev_date:
            prev_date = date
            if end is None or date > end:
                end = date
            if date.year != year:
                if last_txn is not None:
                    last[year] = last_txn
                year = date.year
                year_kinds = years.get(year)
                if year_kinds is None:
                    year_kinds = years[year] = {}
                kinds_get = year_kinds.get
        last_txn = entry
        postings = entry.postings
        mask = 0
        for posting in postings:
            kind = kinds_get(posting.account)
            if kind is None:
                kind = kind_of(posting.account)
            if kind.__class__ is list:
                kind.append(posting)
            else:
                mask |= kind
        if not mask:
            continue
        if mask & _EQUITY:  # a closing entry (`is_closing`): take its P&L postings back
            for posting in reversed(postings):
                kind = year_kinds[posting.account]
                if kind.__class__ is list:
                    kind.pop()
        elif mask & _PNL:   # P&L accounts that are also collected
            lists = special.setdefault(year, {})
            for posting in postings:
                if year_kinds[posting.account].__class__ is not list and bits[posting.account] & _PNL:
                    lists.setdefault(posting.account, []).append(posting)
        if mask & _COLLECT:
            for posting in postings:
                for prefix in targets[posting.account]:
                    collected[prefix].append((entry, posting))
    if last_txn is not None:
        last[year] = last_txn

    pnl: dict[int, dict[str, Decimal]] = {}
    for year, year_kinds in years.items():
        lists = [(a, k) for a, k in year_kinds.items() if k.__class__ is list and k]
        lists += special.get(year, {}).items()
        if not lists:
            continue   # no P&L posting outside closing entries: the year has no P&L
        totals = pnl[year] = {}
        for account, postings in lists:
            total = _sum_units(postings, currency)
            if total is not None:
                totals[account] = total
    return YearScan(pnl, collected, last, end, policies, opened)


def pnl_totals_by_year(entries, currency=CURRENCY) -> dict[int, dict[str, Decimal]]:
    """{year: {account: sum}} of every Income/Expenses account (see `scan_years`)."""
    return scan_years(entries, currency=currency).pnl


def sum_under(totals: dict[str, Decimal], *prefixes: str) -> Decimal:
    """The sum of `totals` over accounts under any of `prefixes`."""
    return sum((v for a, v in totals.items() if any(under(a, p) for p in prefixes)), Decimal(0))


def postings_between(entries, prefix: str, start=None, end=None, currency=CURRENCY):
    """(transaction, posting) pairs on accounts under `prefix` dated in [start, end)."""
    for txn, posting in iter_postings(entries):
        if (start and txn.date < start) or (end and txn.date >= end):
            continue
        if posting.units is None or posting.units.currency != currency:
            continue
        if under(posting.account, prefix):
            yield txn, posting


def unit_name(options_map) -> str:
    """The reporting unit's name: the ledger's `option "title"`."""
    title = (options_map or {}).get("title")
    if not title or title == "Beancount":  # Beancount's default: the ledger names no unit
        return '（未设置单位名称: 请在主文件写 option "title"）'
    return title
