"""reports.query: the shared query seam the P2 plugin, the reports and the Fava views use."""
import datetime
from decimal import Decimal

from plugins.common import ledger_end
from reports.query import (account_totals, entries_of_year, is_closing,
                           pnl_totals_by_year, postings_between, scan_years, sum_under,
                           unit_name, year_bounds, years_with_entries)
from tests.conftest import load_ledger

TEXT = """
option "title" "测试中心"
2023-01-01 open Assets:1002-银行存款:100201-农商银行基本户 CNY
2023-01-01 open Income:5001-主营业务收入:500101-勤工俭学收入 CNY
2023-01-01 open Income:5051-其他业务收入:505101-场地租赁收入 CNY
2023-01-01 open Expenses:5602-管理费用:560202-办公费 CNY
2023-01-01 open Liabilities:2232-应付利润:223201-上缴国库 CNY
2023-01-01 open Equity:3104-利润分配:310415-未分配利润 CNY
2023-12-29 * "销售"
  Assets:1002-银行存款:100201-农商银行基本户  100.00 CNY
  Income:5001-主营业务收入:500101-勤工俭学收入
2024-01-02 * "销售"
  Assets:1002-银行存款:100201-农商银行基本户  300.00 CNY
  Income:5001-主营业务收入:500101-勤工俭学收入  -250.00 CNY
  Income:5051-其他业务收入:505101-场地租赁收入  -50.00 CNY
2024-06-03 * "办公费"
  Expenses:5602-管理费用:560202-办公费  40.00 CNY
  Assets:1002-银行存款:100201-农商银行基本户
2024-12-31 * "结转"
  Income:5001-主营业务收入:500101-勤工俭学收入  250.00 CNY
  Equity:3104-利润分配:310415-未分配利润
2025-03-03 * "上缴"
  Liabilities:2232-应付利润:223201-上缴国库  10.00 CNY
  Assets:1002-银行存款:100201-农商银行基本户
2027-01-01 custom "policy" "treasury-share" 0.50
"""


def loaded():
    entries, errors, options = load_ledger(TEXT)
    assert errors == []
    return entries, options


def test_years_and_bounds():
    entries, _ = loaded()
    assert year_bounds(2024) == (datetime.date(2024, 1, 1), datetime.date(2025, 1, 1))
    assert years_with_entries(entries) == [2023, 2024, 2025]
    assert [e.date.year for e in entries_of_year(entries, 2024)] == [2024] * 3
    assert entries_of_year(entries, 2019) == []
    assert ledger_end(entries) == datetime.date(2025, 3, 3)  # the 2027 policy is not "today"


def test_totals_leave_out_closing_entries():
    entries, _ = loaded()
    start, end = year_bounds(2024)
    totals = account_totals(entries, start, end)
    assert totals == {"Income:5001-主营业务收入:500101-勤工俭学收入": Decimal("-250.00"),
                      "Income:5051-其他业务收入:505101-场地租赁收入": Decimal("-50.00"),
                      "Expenses:5602-管理费用:560202-办公费": Decimal("40.00")}
    assert sum_under(totals, "Income") == Decimal("-300.00")
    assert sum_under(totals, "Income:5001-主营业务收入", "Expenses") == Decimal("-210.00")
    assert pnl_totals_by_year(entries)[2024] == totals
    closing = [e for e in entries_of_year(entries, 2024) if getattr(e, "narration", "") == "结转"]
    assert is_closing(closing[0])
    # Without skipping, the closing entry is counted (what a raw query would see).
    assert account_totals(entries, start, end, skip_closing=False)[
        "Income:5001-主营业务收入:500101-勤工俭学收入"] == 0


def test_scan_years_in_one_pass():
    entries, _ = loaded()
    scan = scan_years(entries, collect=("Liabilities:2232-应付利润",))
    assert sorted(scan.pnl) == [2023, 2024]
    assert [(t.date, p.units.number) for t, p in scan.collected["Liabilities:2232-应付利润"]] == [
        (datetime.date(2025, 3, 3), Decimal("10.00"))]
    assert scan.last[2024].narration == "结转"


def test_postings_between_and_unit():
    entries, options = loaded()
    found = list(postings_between(entries, "Income:5001-主营业务收入", *year_bounds(2024)))
    assert [p.units.number for _, p in found] == [Decimal("-250.00"), Decimal("250.00")]
    assert unit_name(options) == "测试中心"
    assert "title" in unit_name({"title": "Beancount"})


SCAN_TEXT = """
2023-01-01 open Assets:1002-银行存款:100201-农商银行基本户
2023-01-01 open Income:5001-主营业务收入:500101-勤工俭学收入
2023-01-01 open Expenses:5602-管理费用:560202-办公费
2023-01-01 open Equity:3104-利润分配:310415-未分配利润
2024-01-02 * "结转在先 (本年首笔收入出现在结转分录中)"
  Income:5001-主营业务收入:500101-勤工俭学收入  5.00 CNY
  Equity:3104-利润分配:310415-未分配利润
2024-01-03 * "销售"
  Assets:1002-银行存款:100201-农商银行基本户  300.0 CNY
  Income:5001-主营业务收入:500101-勤工俭学收入
2024-02-03 * "外币办公费"
  Expenses:5602-管理费用:560202-办公费  7.00 USD
  Assets:1002-银行存款:100201-农商银行基本户
2024-03-03 * "办公费"
  Expenses:5602-管理费用:560202-办公费  40 CNY
  Expenses:5602-管理费用:560202-办公费  2.125 CNY
  Assets:1002-银行存款:100201-农商银行基本户
2024-12-31 * "结转"
  Income:5001-主营业务收入:500101-勤工俭学收入  300.00 CNY
  Expenses:5602-管理费用:560202-办公费  -42.125 CNY
  Equity:3104-利润分配:310415-未分配利润
2025-01-05 * "仅外币"
  Expenses:5602-管理费用:560202-办公费  3.00 USD
  Assets:1002-银行存款:100201-农商银行基本户
2026-01-05 * "仅结转"
  Income:5001-主营业务收入:500101-勤工俭学收入  1.00 CNY
  Equity:3104-利润分配:310415-未分配利润
2026-02-01 custom "policy" "treasury-share" 0.50
"""


def test_scan_years_matches_account_totals():
    """The one-pass sums (closing entries taken back, other currencies left out, a
    P&L account that is also collected) equal `account_totals` year by year, to the
    Decimal's exponent; `end`, `policies` and `opened` come from the same pass."""
    entries, errors, _ = load_ledger(SCAN_TEXT)
    assert not errors
    office = "Expenses:5602-管理费用:560202-办公费"
    for collect in ((), ("Expenses:5602-管理费用",)):
        scan = scan_years(entries, collect=collect)
        assert sorted(scan.pnl) == [2024, 2025]  # 2026: only a closing entry
        assert scan.pnl[2025] == {}               # P&L postings, none in CNY
        for year in (2024, 2025):
            expected = account_totals(entries, *year_bounds(year))
            assert repr(scan.pnl[year]) == repr(expected)
        assert repr(scan.pnl[2024][office]) == "Decimal('42.125')"
        assert scan.end == ledger_end(entries) == datetime.date(2026, 1, 5)
        assert [e.values[0].value for e in scan.policies] == ["treasury-share"]
        assert "Equity:3104-利润分配:310415-未分配利润" in scan.opened
        assert scan.last[2024].narration == "结转"
        if collect:
            assert [t.narration for t, _ in scan.collected["Expenses:5602-管理费用"]] == [
                "外币办公费", "办公费", "办公费", "结转", "仅外币"]
