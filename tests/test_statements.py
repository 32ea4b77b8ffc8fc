"""The statements and books (SPEC §8) on a small ledger whose every line is computed by
hand below; the same ledger with 结转损益 booked gives the same statements; the tie-outs
on the bundled ledger and on a generated 10k ledger; the commands' JSON and errors."""
import datetime
import json
import pathlib
import subprocess
import sys
import textwrap
from decimal import Decimal

import pytest

from reports import (account_balances, account_book, balance_sheet, cash_flow, income_statement,
                     tax_return, vouchers)
from reports.render import to_json
from reports.statement_lines import unplaced_accounts
from scripts.cli import main
from tests.conftest import load_ledger

ROOT = pathlib.Path(__file__).resolve().parent.parent

CHART = """
option "title" "测试实训基地经营中心"
option "operating_currency" "CNY"
2024-01-01 open Assets:1001-库存现金 CNY
2024-01-01 open Assets:1002-银行存款:100201-基本户 CNY
2024-01-01 open Assets:1403-原材料 CNY
2024-01-01 open Assets:1601-固定资产 CNY
2024-01-01 open Assets:1602-累计折旧 CNY
2024-01-01 open Liabilities:2211-应付职工薪酬:221101-工资 CNY
2024-01-01 open Liabilities:2221-应交税费:222101-应交增值税 CNY
2024-01-01 open Liabilities:2221-应交税费:222104-应交城市维护建设税 CNY
2024-01-01 open Equity:3001-实收资本 CNY
2024-01-01 open Equity:3103-本年利润 CNY
2024-01-01 open Equity:3104-利润分配:310415-未分配利润 CNY
2024-01-01 open Income:5001-主营业务收入:500102-技术服务收入 CNY
2024-01-01 open Income:5301-营业外收入:530101-政府补助 CNY
2024-01-01 open Expenses:5401-主营业务成本:540103-原材料耗用 CNY
2024-01-01 open Expenses:5403-税金及附加:540301-城市维护建设税 CNY
2024-01-01 open Expenses:5602-管理费用:560201-管理人员工资 CNY
2024-01-01 open Expenses:5602-管理费用:560205-折旧费 CNY
"""

BOOKS = CHART + """
2024-01-02 * "收到投资款"
  voucher: "记-2024-01-0001"
  Assets:1002-银行存款:100201-基本户  100000.00 CNY
  Equity:3001-实收资本  -100000.00 CNY

2024-02-10 * "购入实训设备"
  voucher: "记-2024-02-0001"
  Assets:1601-固定资产  24000.00 CNY
  Assets:1002-银行存款:100201-基本户  -24000.00 CNY

2024-03-05 * "某公司" "提供技术服务"
  voucher: "记-2024-03-0001"
  document: "凭证/发票.pdf, 凭证/合同.pdf"
  Assets:1002-银行存款:100201-基本户  10300.00 CNY
  Income:5001-主营业务收入:500102-技术服务收入  -10000.00 CNY
  Liabilities:2221-应交税费:222101-应交增值税  -300.00 CNY

2024-03-20 * "购买原材料"
  voucher: "记-2024-03-0002"
  Assets:1403-原材料  2000.00 CNY
  Assets:1002-银行存款:100201-基本户  -2000.00 CNY

2024-03-25 * "领用原材料"
  voucher: "记-2024-03-0003"
  Expenses:5401-主营业务成本:540103-原材料耗用  1500.00 CNY
  Assets:1403-原材料  -1500.00 CNY

2024-03-31 * "计提3月工资"
  voucher: "记-2024-03-0004"
  Expenses:5602-管理费用:560201-管理人员工资  3000.00 CNY
  Liabilities:2211-应付职工薪酬:221101-工资  -3000.00 CNY

2024-04-05 * "发放3月工资"
  voucher: "记-2024-04-0001"
  Liabilities:2211-应付职工薪酬:221101-工资  3000.00 CNY
  Assets:1002-银行存款:100201-基本户  -3000.00 CNY

2024-04-10 * "缴纳增值税"
  voucher: "记-2024-04-0002"
  Liabilities:2221-应交税费:222101-应交增值税  300.00 CNY
  Assets:1002-银行存款:100201-基本户  -300.00 CNY

2024-04-10 * "计提城市维护建设税"
  voucher: "记-2024-04-0003"
  Expenses:5403-税金及附加:540301-城市维护建设税  15.00 CNY
  Liabilities:2221-应交税费:222104-应交城市维护建设税  -15.00 CNY

2024-04-30 * "收到政府补助"
  voucher: "记-2024-04-0004"
  Assets:1002-银行存款:100201-基本户  500.00 CNY
  Income:5301-营业外收入:530101-政府补助  -500.00 CNY

2024-04-30 * "计提折旧"
  voucher: "记-2024-04-0005"
  Expenses:5602-管理费用:560205-折旧费  400.00 CNY
  Assets:1602-累计折旧  -400.00 CNY

2024-05-06 * "提取备用金"
  voucher: "记-2024-05-0001"
  Assets:1001-库存现金  1000.00 CNY
  Assets:1002-银行存款:100201-基本户  -1000.00 CNY

2025-01-15 * "某公司" "提供技术服务"
  voucher: "记-2025-01-0001"
  Assets:1002-银行存款:100201-基本户  2060.00 CNY
  Income:5001-主营业务收入:500102-技术服务收入  -2000.00 CNY
  Liabilities:2221-应交税费:222101-应交增值税  -60.00 CNY
"""

CLOSING = """
2024-12-31 * "结转损益"
  voucher: "记-2024-12-0001"
  Income:5001-主营业务收入:500102-技术服务收入  10000.00 CNY
  Income:5301-营业外收入:530101-政府补助  500.00 CNY
  Expenses:5401-主营业务成本:540103-原材料耗用  -1500.00 CNY
  Expenses:5403-税金及附加:540301-城市维护建设税  -15.00 CNY
  Expenses:5602-管理费用:560201-管理人员工资  -3000.00 CNY
  Expenses:5602-管理费用:560205-折旧费  -400.00 CNY
  Equity:3103-本年利润  -5585.00 CNY

2024-12-31 * "结转本年利润"
  voucher: "记-2024-12-0002"
  Equity:3103-本年利润  5585.00 CNY
  Equity:3104-利润分配:310415-未分配利润  -5585.00 CNY
"""


def D(text):
    return Decimal(text)


@pytest.fixture(scope="module")
def plain():
    entries, errors, options = load_ledger(BOOKS)
    assert not errors
    return entries, options


@pytest.fixture(scope="module")
def closed():
    entries, errors, options = load_ledger(BOOKS + CLOSING)
    assert not errors
    return entries, options


def lines(report, key):
    return {row["line"]: row[key] for row in report["lines"]}


def test_balance_sheet_lines_by_hand(plain):
    r = balance_sheet.build(*plain, date="2024-12-31")
    end = lines(r, "end")
    # bank 100000 − 24000 + 10300 − 2000 − 3000 − 300 + 500 − 1000 = 80500; cash 1000
    assert end[1] == D("81500.00")
    assert end[9] == end[10] == D("500.00")          # 原材料 2000 − 1500
    assert end[15] == D("82000.00")
    assert (end[18], end[19], end[20]) == (D("24000.00"), D("400.00"), D("23600.00"))
    assert end[29] == D("23600.00") and end[30] == D("105600.00")
    assert end[35] == 0 and end[36] == D("15.00") and end[47] == D("15.00")
    assert end[48] == D("100000.00")
    assert end[51] == D("5585.00")                  # the year's profit, not closed
    assert end[52] == D("105585.00") and end[53] == D("105600.00")
    assert all(v == 0 for v in lines(r, "begin").values())
    assert [row["line"] for row in r["lines"]] == list(range(1, 54))
    assert all(c["ok"] for c in balance_sheet.checks(r))
    # a year later: 年初 is 2024-12-31, 未分配利润 holds 2024's and 2025's profit
    r = balance_sheet.build(*plain, year=2025)
    assert lines(r, "begin")[51] == D("5585.00") and lines(r, "end")[51] == D("7585.00")
    assert lines(r, "end")[36] == D("75.00")


def test_income_statement_lines_by_hand(plain):
    r = income_statement.build(*plain, 2024)
    ytd = lines(r, "year_to_date")
    assert (ytd[1], ytd[2], ytd[3], ytd[6]) == (D("10000.00"), D("1500.00"), D("15.00"), D("15.00"))
    assert ytd[10] == 0 and ytd[14] == D("3400.00")
    assert ytd[21] == D("5085.00")
    assert (ytd[22], ytd[23]) == (D("500.00"), D("500.00"))
    assert (ytd[30], ytd[31], ytd[32]) == (D("5585.00"), 0, D("5585.00"))
    assert [row["line"] for row in r["lines"]] == list(range(1, 33))
    assert all(c["ok"] for c in income_statement.checks(r))  # = the remittance report's net profit
    april = income_statement.build(*plain, 2024, month=4)
    assert lines(april, "month")[14] == D("400.00") and lines(april, "month")[22] == D("500.00")
    assert lines(april, "year_to_date")[32] == D("5585.00")
    quarter = income_statement.build(*plain, 2024, quarter=1)
    assert lines(quarter, "quarter")[1] == D("10000.00") and lines(quarter, "quarter")[14] == D("3000.00")


def test_cash_flow_lines_by_hand(plain):
    r = cash_flow.build(*plain, 2024)
    ytd = lines(r, "year_to_date")
    assert ytd[1] == D("10300.00")   # the sale with its 销项税
    assert ytd[2] == D("500.00")     # 政府补助
    assert ytd[3] == D("2000.00") and ytd[4] == D("3000.00") and ytd[5] == D("300.00")
    assert ytd[7] == D("5500.00")
    assert ytd[12] == D("24000.00") and ytd[13] == D("-24000.00")
    assert ytd[15] == D("100000.00") and ytd[19] == D("100000.00")
    assert (ytd[20], ytd[21], ytd[22]) == (D("81500.00"), 0, D("81500.00"))  # 备用金: no flow
    april = lines(cash_flow.build(*plain, 2024, month=4), "month")
    assert (april[2], april[4], april[5], april[20]) == (D("500.00"), D("3000.00"), D("300.00"), D("-2800.00"))
    assert (april[21], april[22]) == (D("84300.00"), D("81500.00"))
    assert all(c["ok"] for c in cash_flow.checks(r))


def test_account_balances_by_hand(plain):
    r = account_balances.build(*plain, "2024-03-01", "2024-03-31")
    rows = {row["code"]: row for row in r["accounts"]}
    bank = rows["100201"]
    assert (bank["opening_debit"], bank["period_debit"], bank["period_credit"]) == (
        D("76000.00"), D("10300.00"), D("2000.00"))
    assert (bank["ytd_debit"], bank["ytd_credit"], bank["closing_debit"]) == (
        D("110300.00"), D("26000.00"), D("84300.00"))
    assert rows["1002"]["closing_debit"] == D("84300.00") and rows["1002"]["level"] == 1
    assert bank["level"] == 2 and bank["name"] == "基本户"
    assert (rows["1403"]["period_debit"], rows["1403"]["period_credit"], rows["1403"]["closing_debit"]) == (
        D("2000.00"), D("1500.00"), D("500.00"))
    assert rows["3001"]["opening_credit"] == D("100000.00")
    codes = [row["code"] for row in r["accounts"]]
    assert codes.index("1001") < codes.index("1002") < codes.index("100201") < codes.index("1403") < codes.index("5001")
    assert set(r["totals"]) == set(account_balances.AMOUNT_KEYS)
    assert all(c["ok"] for c in account_balances.checks(r))
    # the next year opens its P&L at zero with 2024's profit in 未分配利润
    r = account_balances.build(*plain, "2025-01-01", "2025-01-31")
    rows = {row["code"]: row for row in r["accounts"]}
    assert rows["310415"]["opening_credit"] == D("5585.00")
    assert rows["500102"]["opening_credit"] == 0 and rows["500102"]["period_credit"] == D("2000.00")
    assert all(c["ok"] for c in account_balances.checks(r))


def test_bank_journal_by_hand(plain):
    r = account_book.build(*plain, "1002", "2024-03-01", "2024-04-30")
    assert r["title"] == "银行存款日记账" and r["name"] == "银行存款"
    kinds = [row["kind"] for row in r["rows"]]
    assert kinds == ["opening", "entry", "entry", "month_total", "year_total",
                     "entry", "entry", "entry", "month_total", "year_total"]
    opening, sale = r["rows"][0], r["rows"][1]
    assert (opening["direction"], opening["balance"]) == ("借", D("76000.00"))
    assert (sale["voucher"], sale["debit"], sale["balance"]) == ("记-2024-03-0001", D("10300.00"), D("86300.00"))
    assert sale["summary"] == "某公司 提供技术服务"
    assert sale["counterpart"] == "主营业务收入—技术服务收入、应交税费—应交增值税"
    march, march_ytd = r["rows"][3], r["rows"][4]
    assert (march["debit"], march["credit"], march["balance"]) == (D("10300.00"), D("2000.00"), D("84300.00"))
    assert (march_ytd["debit"], march_ytd["credit"]) == (D("110300.00"), D("26000.00"))
    april, april_ytd = r["rows"][8], r["rows"][9]
    assert (april["debit"], april["credit"], april["balance"]) == (D("500.00"), D("3300.00"), D("81500.00"))
    assert (april_ytd["debit"], april_ytd["credit"]) == (D("110800.00"), D("29300.00"))
    assert all(c["ok"] for c in account_book.checks(r))
    wages = account_book.build(*plain, "221101", "2024-01-01", "2024-12-31")
    assert "counterpart" not in wages["rows"][1]
    assert [(row["kind"], row["direction"]) for row in wages["rows"] if row["kind"] == "entry"] == [
        ("entry", "贷"), ("entry", "平")]


def test_vouchers(plain):
    r = vouchers.build(*plain, "2024-03-01", "2024-03-31")
    assert [v["voucher"] for v in r["vouchers"]] == [f"记-2024-03-000{n}" for n in (1, 2, 3, 4)]
    first = r["vouchers"][0]
    assert first["attachments"] == 2
    assert [(line["code"], line["account"], line["debit"], line["credit"]) for line in first["lines"]] == [
        ("100201", "银行存款—基本户", D("10300.00"), 0), ("500102", "主营业务收入—技术服务收入", 0, D("10000.00")),
        ("222101", "应交税费—应交增值税", 0, D("300.00"))]
    assert first["total_debit"] == first["total_credit"] == D("10300.00")
    assert first["total_capital"] == "壹万零叁佰元整"
    one = vouchers.build(*plain, "2024-01-01", "2024-12-31", number="记-2024-04-0003")
    assert [v["voucher"] for v in one["vouchers"]] == ["记-2024-04-0003"]
    page = vouchers.html(r)
    assert page.count('class="voucher"') == 4 and "会计主管" in page and "制单" in page


def test_generated_entries_print_as_system_generated():
    entries, errors, options = load_ledger("""
        option "operating_currency" "CNY"
        plugin "plugins.work_study"
        2024-01-01 open Assets:1002-银行存款 CNY
        2024-01-01 open Income:5001-主营业务收入:500101-勤工俭学收入 CNY
        2024-01-01 open Expenses:5401-主营业务成本:540101-学生劳动报酬 CNY
        2024-01-01 open Liabilities:2241-其他应付款:224101-学生劳动报酬 CNY
        2024-03-01 * "销售"
          voucher: "记-2024-03-0001"
          Assets:1002-银行存款  1000.00 CNY
          Income:5001-主营业务收入:500101-勤工俭学收入  -1000.00 CNY
    """)
    r = vouchers.build(entries, options, "2024-03-01", "2024-03-31")
    labels = [v["voucher"] for v in r["vouchers"]]
    assert "记-2024-03-0001" in labels
    assert any(label.startswith("系统生成") and "记-2024-03-0001" in label for label in labels)


def test_closing_entries_change_no_statement(plain, closed):
    def everything(ledger):
        return [to_json(balance_sheet.build(*ledger, date=d)) for d in ("2024-06-30", "2024-12-31", "2025-12-31")] + [
            to_json(income_statement.build(*ledger, y)) for y in (2024, 2025)] + [
            to_json(cash_flow.build(*ledger, y)) for y in (2024, 2025)] + [
            to_json(account_balances.build(*ledger, f"{y}-01-01", f"{y}-12-31")) for y in (2024, 2025)] + [
            to_json(account_book.build(*ledger, code, "2024-01-01", "2024-12-31")) for code in ("3104", "5001", "1002")]
    assert everything(plain) == everything(closed)
    # the booked closing entries are still vouchers
    assert len(vouchers.build(*closed, "2024-12-31", "2024-12-31")["vouchers"]) == 2


def test_every_balance_sheet_account_has_a_cash_flow_line():
    """So the cash-flow tie-out can only fail on an account the chart does not code."""
    from reports.statement_lines import BALANCE_SHEET, INCOME_STATEMENT, MONETARY, cash_flow_line

    codes = {c for row in BALANCE_SHEET for c in row[2]} | {c for row in INCOME_STATEMENT for c in row[2]}
    missing = [c for c in sorted(codes - set(MONETARY)) for received in (True, False)
               if cash_flow_line(f"Assets:{c}-科目", received) is None]
    assert missing == []


def test_an_unplaced_account_is_reported_not_dropped():
    entries, errors, options = load_ledger(CHART + textwrap.dedent("""
        2024-01-01 open Assets:Cash CNY
        2024-01-01 open Expenses:9999-杂项 CNY
        2024-02-01 * "投资"
          Assets:Cash  500.00 CNY
          Equity:3001-实收资本  -500.00 CNY
        2024-02-02 * "杂项"
          Expenses:9999-杂项  20.00 CNY
          Assets:1001-库存现金  -20.00 CNY
    """))
    assert not errors
    assert unplaced_accounts(["Assets:Cash", "Assets:1001-库存现金"]) == ["Assets:Cash"]
    bs = balance_sheet.build(entries, options, date="2024-12-31")
    assert bs["unplaced"] == ["Assets:Cash"]
    assert not balance_sheet.checks(bs)[0]["ok"]
    assert "Assets:Cash" in balance_sheet.html(bs)
    inc = income_statement.build(entries, options, 2024)
    assert inc["unplaced"] == ["Expenses:9999-杂项"]
    cf = cash_flow.build(entries, options, 2024)
    assert cf["unplaced"] == [{"account": "Expenses:9999-杂项", "amount": D("-20.00")}]
    assert not all(c["ok"] for c in cash_flow.checks(cf))


def test_tax_return_worksheet():
    entries, errors, options = load_ledger(CHART + textwrap.dedent("""
        2025-01-15 * "技术服务"
          Assets:1002-银行存款:100201-基本户  2060.00 CNY
          Income:5001-主营业务收入:500102-技术服务收入  -2000.00 CNY
          Liabilities:2221-应交税费:222101-应交增值税  -60.00 CNY
        2025-03-31 * "计提城建税"
          Expenses:5403-税金及附加:540301-城市维护建设税  3.00 CNY
          Liabilities:2221-应交税费:222104-应交城市维护建设税  -3.00 CNY
    """))
    r = tax_return.build(entries, options, 2025)
    q1 = r["periods"][0]
    assert (q1["start"], q1["end"], q1["exempt"]) == (datetime.date(2025, 1, 1), datetime.date(2025, 3, 31), True)
    city, edu, local = q1["rows"]
    assert (city["tax"], city["base"], city["due"], city["relief"], city["payable"], city["booked"]) == (
        "城市维护建设税", D("60.00"), D("3.00"), 0, D("3.00"), D("3.00"))
    assert (edu["due"], edu["relief"], edu["payable"]) == (D("1.80"), D("1.80"), 0)
    assert (local["due"], local["relief"], local["payable"]) == (D("1.20"), D("1.20"), 0)
    assert q1["total"]["payable"] == D("3.00")
    for row in q1["rows"]:
        assert row["payable"] == row["due"] - row["relief"] - row["halving_amount"] - row["credit"] - row["paid"]


def test_the_commands_print_spec_json(tmp_path, capsys):
    ledger = tmp_path / "main.beancount"
    ledger.write_text(BOOKS, encoding="utf-8")
    runs = {
        "balance-sheet": (["--date", "2024-12-31"], {"date", "unit", "lines"}, {"line", "label", "end", "begin"}),
        "income-statement": (["--year", "2024", "--month", "4"], {"year", "month", "unit", "lines"},
                             {"line", "label", "year_to_date", "month"}),
        "cash-flow": (["--year", "2024"], {"year", "month", "unit", "lines"}, {"line", "label", "year_to_date", "month"}),
        "account-balances": (["--from", "2024-01-01", "--to", "2024-12-31"], {"from", "to", "unit", "accounts", "totals"},
                             {"code", "name", "account", "level", *account_balances.AMOUNT_KEYS}),
        "account-book": (["--account", "1002", "--from", "2024-01-01", "--to", "2024-12-31"],
                         {"account", "code", "name", "rows"},
                         {"date", "voucher", "summary", "debit", "credit", "direction", "balance", "kind"}),
        "vouchers": (["--from", "2024-03-01", "--to", "2024-03-31"], {"vouchers"},
                     {"voucher", "date", "attachments", "lines", "total_debit", "total_credit", "total_capital"}),
    }
    for kind, (args, keys, item_keys) in runs.items():
        assert main(["report", kind, str(ledger), *args, "--format", "json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert keys <= set(out), kind
        items = out.get("lines") or out.get("accounts") or out.get("rows") or out.get("vouchers")
        assert items and item_keys <= set(items[0]), kind
        if kind == "balance-sheet":
            assert items[0] == {"line": 1, "label": "货币资金", "end": "81500.00", "begin": "0.00"}
    for kind, args in (("balance-sheet", ["--date", "2024-12-31"]), ("account-book", ["--account", "1002",
                       "--from", "2024-01-01", "--to", "2024-12-31"])):
        out = tmp_path / f"{kind}.xlsx"
        assert main(["report", kind, str(ledger), *args, "--format", "xlsx", "-o", str(out)]) == 0
        assert out.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize("args, message", [
    (["account-balances", "--from", "2024-06-01", "--to", "2025-01-31"], "同一会计年度"),
    (["account-balances", "--from", "2024-13-01", "--to", "2024-12-31"], "YYYY-MM-DD"),
    (["account-book", "--account", "8888", "--from", "2024-01-01", "--to", "2024-12-31"], "8888"),
    (["income-statement", "--year", "2024", "--month", "13"], "1 到 12"),
    (["cash-flow", "--year", "2024", "--month", "3", "--quarter", "1"], "只能指定一个"),
    (["balance-sheet"], "--date"),
    (["vouchers", "--from", "2024-01-01", "--to", "2024-12-31", "--voucher", "记-0"], "记-0"),
])
def test_bad_requests_get_one_chinese_line(tmp_path, capsys, args, message):
    ledger = tmp_path / "main.beancount"
    ledger.write_text(BOOKS, encoding="utf-8")
    assert main(["report", args[0], str(ledger), *args[1:], "--format", "json"]) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("错误")]
    assert len(errors) == 1 and message in errors[0] and "Traceback" not in err


# ---- tie-outs on real-sized ledgers (figures not checked: the ledgers change) --------------

def tie_outs(entries, options, years):
    for year in years:
        bs = balance_sheet.build(entries, options, year=year)
        inc = income_statement.build(entries, options, year)
        cf = cash_flow.build(entries, options, year)
        ab = account_balances.build(entries, options, f"{year}-01-01", f"{year}-12-31")
        book = account_book.build(entries, options, "1002", f"{year}-01-01", f"{year}-12-31")
        checks = (balance_sheet.checks(bs) + income_statement.checks(inc) + cash_flow.checks(cf)
                  + account_balances.checks(ab) + account_book.checks(book))
        assert checks and all(c["ok"] for c in checks), [c for c in checks if not c["ok"]]
        assert not bs["unplaced"] and not inc["unplaced"] and not cf["unplaced"]
        assert lines(cf, "year_to_date")[22] == lines(bs, "end")[1]
        assert lines(cf, "year_to_date")[20] == lines(bs, "end")[1] - lines(bs, "begin")[1]
        for row in ab["accounts"]:
            assert (row["opening_debit"] - row["opening_credit"] + row["period_debit"] - row["period_credit"]
                    == row["closing_debit"] - row["closing_credit"]), row["account"]


def load_file(path):
    from scripts.common import load

    entries, errors, options = load(str(path))
    assert not [e for e in errors if not str(e.message).startswith("[")]
    return entries, options


def years_of(entries):
    from beancount.core import data

    return sorted({e.date.year for e in entries if isinstance(e, data.Transaction)})


def test_tie_outs_on_the_bundled_ledger():
    entries, options = load_file(ROOT / "ledger" / "main.beancount")
    tie_outs(entries, options, years_of(entries))


def test_tie_outs_on_a_generated_10k_ledger(tmp_path):
    path = tmp_path / "g10k.beancount"
    shixun = pathlib.Path(sys.executable).parent / "shixun"
    subprocess.run([str(shixun), "gen-ledger", "--transactions", "10000", "--seed", "7", "-o", str(path)],
                   check=True, capture_output=True)
    entries, options = load_file(path)
    tie_outs(entries, options, years_of(entries))


def test_the_guide_prints_the_mapping_table():
    from reports.statement_lines import guide_tables

    guide = (ROOT / "docs" / "guide" / "10-账簿与报表.md").read_text(encoding="utf-8")
    begin, end = "<!-- statement-lines:begin -->\n", "<!-- statement-lines:end -->"
    assert guide.split(begin, 1)[1].split(end, 1)[0] == guide_tables()
