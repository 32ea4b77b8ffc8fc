"""The date of judgement's precedence and the closing-entry definition (SPEC §2)."""
import datetime
import textwrap

import pytest
from beancount import loader

from plugins import asof, closing


def load(text):
    entries, errors, _ = loader.load_string(textwrap.dedent(text))
    assert not errors, errors
    return entries


PINNED = """
2024-01-01 open Assets:1002-银行存款
2024-01-01 open Income:5001-主营业务收入
2026-01-05 custom "shixun-option" "as-of" 2026-06-30
2026-03-01 * "销售"
  Assets:1002-银行存款  100.00 CNY
  Income:5001-主营业务收入
"""


def test_environment_wins_over_the_pin(monkeypatch):
    monkeypatch.setenv(asof.ENV, "2027-01-02")
    judged = asof.as_of(load(PINNED))
    assert (judged.date, judged.source) == (datetime.date(2027, 1, 2), "env")
    assert judged.label() == "判断日期 2027-01-02 (指定)"


def test_the_pin_wins_over_today_and_says_where_it_is(monkeypatch):
    monkeypatch.delenv(asof.ENV, raising=False)
    judged = asof.as_of(load(PINNED))
    assert (judged.date, judged.source) == (datetime.date(2026, 6, 30), "ledger")
    assert judged.label().startswith("判断日期 2026-06-30 (账本设定, ")


def test_today_in_shanghai_without_either(monkeypatch):
    monkeypatch.delenv(asof.ENV, raising=False)
    judged = asof.as_of([])
    assert judged.source == "today" and judged.date == asof.today()
    assert judged.problem is None


def test_a_bad_environment_value_is_reported_and_the_pin_used(monkeypatch):
    monkeypatch.setenv(asof.ENV, "2026-02-30")
    judged = asof.as_of(load(PINNED))
    assert judged.source == "ledger"
    assert "SHIXUN_AS_OF" in judged.problem and "2026-02-30" in judged.problem


def test_a_period_is_over_only_after_its_last_day():
    assert not asof.year_over(2025, datetime.date(2025, 12, 31))
    assert asof.year_over(2025, datetime.date(2026, 1, 1))


CLOSING = """
2024-01-01 open Assets:1002-银行存款
2024-01-01 open Income:5001-主营业务收入
2024-01-01 open Expenses:5602-管理费用
2024-01-01 open Equity:3103-本年利润
2024-01-01 open Equity:3104-利润分配:310405-应付利润
2024-01-01 open Equity:3104-利润分配:310415-未分配利润
2024-01-01 open Liabilities:2232-应付利润:223201-上缴国库
2025-12-31 * "结转收入"
  Income:5001-主营业务收入  1000.00 CNY
  Equity:3103-本年利润
2025-12-31 * "结转本年利润"
  Equity:3103-本年利润  1000.00 CNY
  Equity:3104-利润分配:310415-未分配利润
2025-12-31 * "计提应付利润"
  Equity:3104-利润分配:310405-应付利润  1000.00 CNY
  Liabilities:2232-应付利润:223201-上缴国库
2025-12-31 * "费用"
  Expenses:5602-管理费用  10.00 CNY
  Assets:1002-银行存款
"""


def test_closing_entries_are_the_transfers_to_3103_and_3104():
    kinds = {e.narration: closing.is_closing_entry(e) for e in load(CLOSING) if hasattr(e, "narration")}
    assert kinds == {"结转收入": True, "结转本年利润": True, "计提应付利润": False, "费用": False}


@pytest.mark.parametrize("account", ["Equity:3101-盈余公积", "Assets:1002-银行存款"])
def test_a_posting_outside_pl_and_3103_3104_makes_it_no_closing_entry(account):
    txn = [e for e in load(CLOSING) if getattr(e, "narration", "") == "结转收入"][0]
    changed = txn._replace(postings=[txn.postings[0], txn.postings[1]._replace(account=account)])
    assert not closing.is_closing_entry(changed)
