"""Closing entries (结转损益): the one definition every rule, report and view uses.

SPEC §2: the recommended practice is not to book them (the statements compute 本年利润
and 未分配利润 themselves), but an accountant may (a Chinese habit). A transaction that
moves the balances of P&L accounts to `Equity:3103-本年利润` or `Equity:3104-利润分配`
is a closing entry, and so is the follow-up transfer among 3103 and 3104 (本年利润 →
利润分配-未分配利润). Every figure leaves closing entries out of the year's income and
expenses, so results are the same with or without them.

The P2 accrual (Dr 310405 应付利润 / Cr 2232 应付利润) touches a liability, so it is
never a closing entry.
"""
from beancount.core import data

from plugins.common import account_code

CLOSING_EQUITY_CODES = ("3103", "3104")  # 本年利润, 利润分配


def is_profit_and_loss(account: str) -> bool:
    return account.startswith(("Income:", "Expenses:"))


def is_closing_equity(account: str) -> bool:
    return account.startswith("Equity:") and account_code(account) in CLOSING_EQUITY_CODES


def is_closing_entry(entry) -> bool:
    """True for a transaction whose postings are all on P&L accounts or on 3103/3104,
    with at least one on 3103/3104 (a 结转 of the year's income, expenses or profit)."""
    if not isinstance(entry, data.Transaction) or not entry.postings:
        return False
    reaches_equity = False
    for posting in entry.postings:
        account = posting.account
        if is_closing_equity(account):
            reaches_equity = True
        elif not is_profit_and_loss(account):
            return False
    return reaches_equity

