"""plugins.funds: P10 earmarked funds, P5 training fund, P6 apprentice subsidies, findings."""
import datetime
import os
import re
from decimal import Decimal

import pytest

from plugins.asof import ENV
from plugins.funds import analyse, months_enrolled
from tests.conftest import load_ledger, messages

HEAD = '''
    option "title" "测试实训基地经营中心"
    option "operating_currency" "CNY"
    plugin "plugins.funds"
    2024-01-01 open Assets:1001-库存现金 CNY
    2024-01-01 open Assets:1002-银行存款:100201-农商银行基本户 CNY
    2024-01-01 open Assets:1012-其他货币资金 CNY
    2024-01-01 open Assets:1403-原材料 CNY
    2024-01-01 open Assets:1601-固定资产:160101-实训设备 CNY
    2024-01-01 open Liabilities:2211-应付职工薪酬:221104-职工教育经费 CNY
    2024-01-01 open Liabilities:2401-递延收益:240101-福建援疆资金 CNY
    2024-01-01 open Liabilities:2401-递延收益:240102-职业教育专项资金 CNY
    2024-01-01 open Income:5001-主营业务收入:500101-勤工俭学收入 CNY
    2024-01-01 open Income:5051-其他业务收入:505101-场地租赁收入 CNY
    2024-01-01 open Income:5301-营业外收入:530101-政府补助 CNY
    2024-01-01 open Expenses:5401-主营业务成本:540102-学徒补贴 CNY
    2024-01-01 open Expenses:5401-主营业务成本:540103-原材料耗用 CNY
    2024-01-01 open Expenses:5602-管理费用:560202-办公费 CNY
    2024-01-01 open Expenses:5602-管理费用:560204-职工教育经费 CNY
    2024-01-01 open Expenses:5711-营业外支出:571101-退还违规资金 CNY
'''

FJ = '''
    2024-03-01 custom "fund" "FJ-2024" 300000.00 CNY
      source: "福建援疆"
      purpose: "实训设备购置"
      allowed: "Assets:1601-固定资产,Expenses:5401-主营业务成本:540103-原材料耗用"
      expires: 2025-12-31
    2024-03-01 custom "fund" "ZJ-2025" 100000.00 CNY
      source: "职业教育专项"
      purpose: "耗材"
      allowed: "Expenses:5401-主营业务成本:540103-原材料耗用"
      expires: 2025-12-31
'''

BANK = "Assets:1002-银行存款:100201-农商银行基本户"


def run(body, head=HEAD + FJ, as_of=None):
    """Load with the date of judgement pinned to the ledger's last dated booking (the
    day its accountant last worked), unless `as_of` is given."""
    if as_of is None:
        dates = re.findall(r"^\s*(\d{4}-\d\d-\d\d) (?!custom)", head + body, re.M)
        as_of = max(dates)
    os.environ[ENV] = str(as_of)  # until the test ends (`analyse` calls judge on it too)
    return load_ledger(head + body)


@pytest.fixture(autouse=True)
def _unpin(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    yield
    os.environ.pop(ENV, None)


def p10(body, **kw):
    return messages(run(body, **kw)[1], "P10")


def receipt(date, fund, amount, account="Liabilities:2401-递延收益:240101-福建援疆资金"):
    return f'''
    {date} * "拨入专项资金"
      fund: "{fund}"
      {BANK}  {amount} CNY
      {account}
'''


# ---- receipt / use classification -----------------------------------------

def test_clean_fund_receipt_and_use():
    body = receipt("2024-03-05", "FJ-2024", "300000.00") + f'''
    2024-04-01 * "购置实训设备"
      fund: "FJ-2024"
      Assets:1601-固定资产:160101-实训设备  250000.00 CNY
      {BANK}
    2024-05-01 * "原材料"
      fund: "FJ-2024"
      Expenses:5401-主营业务成本:540103-原材料耗用  50000.00 CNY
      {BANK}
'''
    entries, errors, options = run(body)
    assert errors == []
    fund = analyse(entries, options).funds["FJ-2024"]
    assert fund.received == Decimal("300000.00")
    assert fund.used == Decimal("300000.00")


def test_monetary_accounts_are_neither_receipt_nor_use():
    # Bank, cash and other monetary funds carry the txn-level fund: but count as nothing.
    body = receipt("2024-03-05", "FJ-2024", "1000.00") + f'''
    2024-04-01 * "提现"
      fund: "FJ-2024"
      Assets:1001-库存现金  5000.00 CNY
      Assets:1012-其他货币资金  5000.00 CNY
      {BANK}
'''
    entries, errors, options = run(body)
    assert errors == []
    fund = analyse(entries, options).funds["FJ-2024"]
    assert (fund.received, fund.used) == (Decimal("1000.00"), Decimal("0"))


def test_income_credit_is_receipt_and_non_monetary_asset_debit_is_use():
    body = receipt("2024-03-05", "FJ-2024", "1000.00", "Income:5301-营业外收入:530101-政府补助") + f'''
    2024-04-01 * "原材料入库"
      fund: "FJ-2024"
      Assets:1403-原材料  1500.00 CNY
      {BANK}
'''
    errors = p10(body)
    assert len(errors) == 2  # 1403 not allowed, and 1500 > 1000 received
    assert any("不得用于 Assets:1403-原材料" in m for m in errors)
    assert any("超出到位资金" in m or "超过到位资金" in m for m in errors)


def test_liability_debit_and_expense_credit_are_neither():
    body = receipt("2024-03-05", "FJ-2024", "1000.00") + '''
    2024-04-01 * "递延收益转入政府补助"
      fund: "FJ-2024"
      Liabilities:2401-递延收益:240101-福建援疆资金  800.00 CNY
      Expenses:5602-管理费用:560202-办公费  -800.00 CNY
'''
    entries, errors, options = run(body)
    assert messages(errors, "P10") == []
    fund = analyse(entries, options).funds["FJ-2024"]
    assert (fund.received, fund.used) == (Decimal("1000.00"), Decimal("0"))


# ---- posting- vs transaction-level fund:, several funds ---------------------

def test_posting_level_fund_wins_over_transaction_level():
    body = receipt("2024-03-05", "FJ-2024", "1000.00") + receipt(
        "2024-03-05", "ZJ-2025", "1000.00", "Liabilities:2401-递延收益:240102-职业教育专项资金") + f'''
    2024-04-01 * "原材料"
      fund: "FJ-2024"
      Expenses:5401-主营业务成本:540103-原材料耗用  600.00 CNY
        fund: "ZJ-2025"
      Assets:1601-固定资产:160101-实训设备  300.00 CNY
      {BANK}
'''
    entries, errors, options = run(body)
    assert errors == []
    result = analyse(entries, options)
    assert result.funds["FJ-2024"].used == Decimal("300.00")
    assert result.funds["ZJ-2025"].used == Decimal("600.00")


def test_posting_level_fund_only():
    body = receipt("2024-03-05", "FJ-2024", "1000.00") + f'''
    2024-04-01 * "设备"
      Assets:1601-固定资产:160101-实训设备  700.00 CNY
        fund: "FJ-2024"
      Expenses:5602-管理费用:560202-办公费  50.00 CNY
      {BANK}
'''
    entries, errors, options = run(body)
    assert errors == []  # the office expense carries no fund: and is not a use
    assert analyse(entries, options).funds["FJ-2024"].used == Decimal("700.00")


def test_several_funds_in_one_transaction_checked_separately():
    body = receipt("2024-03-05", "FJ-2024", "1000.00") + receipt(
        "2024-03-05", "ZJ-2025", "100.00", "Liabilities:2401-递延收益:240102-职业教育专项资金") + f'''
    2024-04-01 * "设备与耗材"
      Assets:1601-固定资产:160101-实训设备  900.00 CNY
        fund: "FJ-2024"
      Expenses:5401-主营业务成本:540103-原材料耗用  150.00 CNY
        fund: "ZJ-2025"
      {BANK}
'''
    errors = p10(body)
    assert len(errors) == 1
    assert "ZJ-2025 支用超过到位资金" in errors[0]
    assert "超支 50.00 元" in errors[0]


def test_several_funds_in_one_receipt():
    body = f'''
    2024-03-05 * "两笔拨款同日到账"
      {BANK}  1500.00 CNY
      Liabilities:2401-递延收益:240101-福建援疆资金  -1000.00 CNY
        fund: "FJ-2024"
      Liabilities:2401-递延收益:240102-职业教育专项资金  -500.00 CNY
        fund: "ZJ-2025"
'''
    entries, errors, options = run(body)
    assert errors == []
    result = analyse(entries, options)
    assert result.funds["FJ-2024"].received == Decimal("1000.00")
    assert result.funds["ZJ-2025"].received == Decimal("500.00")


# ---- P10 rules ----------------------------------------------------------------

def test_use_outside_allowed_prefixes():
    body = receipt("2024-03-05", "FJ-2024", "10000.00") + f'''
    2024-04-01 * "办公费"
      fund: "FJ-2024"
      Expenses:5602-管理费用:560202-办公费  1200.00 CNY
      {BANK}
'''
    [error] = p10(body)
    assert "FJ-2024 不得用于 Expenses:5602-管理费用:560202-办公费" in error
    assert "1,200.00 元" in error
    assert "余额 8,800.00 元" in error


def test_use_after_expiry():
    body = receipt("2024-03-05", "FJ-2024", "10000.00") + f'''
    2026-01-05 * "设备"
      fund: "FJ-2024"
      Assets:1601-固定资产:160101-实训设备  2000.00 CNY
      {BANK}
'''
    [error] = p10(body)
    assert "FJ-2024 已于 2025-12-31 到期" in error
    assert "2,000.00 元" in error and "余额 8,000.00 元" in error


def test_use_on_expiry_day_is_fine():
    body = receipt("2024-03-05", "FJ-2024", "10000.00") + f'''
    2025-12-31 * "设备"
      fund: "FJ-2024"
      Assets:1601-固定资产:160101-实训设备  2000.00 CNY
      {BANK}
'''
    assert p10(body) == []


def test_cumulative_uses_beyond_receipts():
    body = receipt("2024-03-05", "FJ-2024", "1000.00") + f'''
    2024-04-01 * "设备"
      fund: "FJ-2024"
      Assets:1601-固定资产:160101-实训设备  800.00 CNY
      {BANK}
    2024-04-02 * "设备"
      fund: "FJ-2024"
      Assets:1601-固定资产:160101-实训设备  300.00 CNY
      {BANK}
''' + receipt("2024-05-01", "FJ-2024", "1000.00") + f'''
    2024-05-02 * "设备"
      fund: "FJ-2024"
      Assets:1601-固定资产:160101-实训设备  500.00 CNY
      {BANK}
'''
    [error] = p10(body)
    assert "2024-04-02" in error
    assert "累计支用 1,100.00 元 > 累计到位 1,000.00 元" in error
    assert "超支 100.00 元" in error and "可用余额 200.00 元" in error


def test_use_before_any_receipt():
    body = f'''
    2024-03-02 * "设备"
      fund: "FJ-2024"
      Assets:1601-固定资产:160101-实训设备  500.00 CNY
      {BANK}
'''
    [error] = p10(body)
    assert "累计到位 0.00 元" in error


def test_same_day_receipt_counts_before_use():
    use = f'''
    2024-03-05 * "设备"
      fund: "FJ-2024"
      Assets:1601-固定资产:160101-实训设备  500.00 CNY
      {BANK}
'''
    assert p10(use + receipt("2024-03-05", "FJ-2024", "500.00")) == []


def test_unknown_fund_is_an_error_once_per_transaction():
    body = f'''
    2024-04-01 * "设备"
      fund: "XX-9999"
      Assets:1601-固定资产:160101-实训设备  500.00 CNY
      {BANK}
'''
    [error] = p10(body)
    assert "fund: XX-9999 不是已申报的专项资金" in error


def test_error_points_at_the_transaction_line():
    body = receipt("2024-03-05", "FJ-2024", "1000.00") + f'''
    2024-04-01 * "办公费"
      fund: "FJ-2024"
      Expenses:5602-管理费用:560202-办公费  100.00 CNY
      {BANK}
'''
    _, errors, _ = run(body)
    [error] = errors
    text = HEAD + FJ + body
    line = text.splitlines()[error.source["lineno"] - 1]
    assert '"办公费"' in line


# ---- bad declarations -----------------------------------------------------------

GOOD_META = '''      source: "援疆"
      purpose: "设备"
      allowed: "Assets:1601-固定资产"
      expires: 2025-12-31
'''


@pytest.mark.parametrize("declaration, expected", [
    ('2024-03-01 custom "fund" "BAD" -100.00 CNY\n' + GOOD_META, "下达金额为负数"),
    ('2024-03-01 custom "fund" "BAD" 100.00 CNY\n      source: "援疆"\n      purpose: "设备"\n'
     '      allowed: ""\n      expires: 2025-12-31\n', "allowed: 为空"),
    ('2024-03-01 custom "fund" "BAD" 100.00 CNY\n      source: "援疆"\n      purpose: "设备"\n'
     '      expires: 2025-12-31\n', "allowed: 为空或缺失"),
    ('2024-03-01 custom "fund" "BAD" 100.00 CNY\n      source: "援疆"\n      purpose: "设备"\n'
     '      allowed: "Assets:1699-不存在"\n      expires: 2025-12-31\n', "Assets:1699-不存在 不对应任何已开设的科目"),
    ('2024-03-01 custom "fund" "BAD" 100.00 CNY\n      source: "援疆"\n      purpose: "设备"\n'
     '      allowed: "Assets:1601-固定资产"\n      expires: "明年"\n', "不是日期"),
    ('2024-03-01 custom "fund" "BAD" 100.00 CNY\n      source: "援疆"\n      purpose: "设备"\n'
     '      allowed: "Assets:1601-固定资产"\n', "缺少 expires"),
    ('2024-03-01 custom "fund" "BAD"\n' + GOOD_META, "下达金额缺失"),
    ('2024-03-01 custom "fund" "BAD" 100.00 CNY\n      allowed: "Assets:1601-固定资产"\n'
     '      expires: 2025-12-31\n', "缺少 source"),
])
def test_bad_declaration_is_an_error_on_it_and_the_rest_is_still_checked(declaration, expected):
    body = "\n    " + declaration.replace("\n      ", "\n      ") + receipt("2024-03-05", "FJ-2024", "100.00") + f'''
    2024-04-01 * "办公费"
      fund: "FJ-2024"
      Expenses:5602-管理费用:560202-办公费  50.00 CNY
      {BANK}
'''
    _, errors, _ = run(body)
    found = messages(errors, "P10")
    declared = [m for m in found if "BAD 申报有误" in m]
    assert len(declared) == 1 and expected in declared[0], found
    assert any("FJ-2024 不得用于" in m for m in found)  # the rest still checked
    text = (HEAD + FJ + body).splitlines()
    bad = next(e for e in errors if "BAD 申报有误" in e.message)
    assert 'custom "fund" "BAD"' in text[bad.source["lineno"] - 1]


def test_fund_declared_twice():
    body = '''
    2024-06-01 custom "fund" "FJ-2024" 999.00 CNY
      source: "again"
      purpose: "again"
      allowed: "Assets:1601-固定资产"
      expires: 2026-12-31
''' + receipt("2024-03-05", "FJ-2024", "100.00")
    entries, errors, options = run(body)
    [error] = messages(errors, "P10")
    assert "FJ-2024 重复申报" in error and "以首次申报为准" in error
    fund = analyse(entries, options).funds["FJ-2024"]
    assert fund.amount == Decimal("300000.00")


def test_uses_of_a_fund_with_unusable_allowed_skip_only_the_scope_check():
    head = HEAD + '''
    2024-03-01 custom "fund" "NA-1" 100.00 CNY
      source: "x"
      purpose: "y"
      allowed: "Assets:1699-不存在"
      expires: 2024-12-31
'''
    body = receipt("2024-03-05", "NA-1", "100.00") + f'''
    2024-04-01 * "办公费"
      fund: "NA-1"
      Expenses:5602-管理费用:560202-办公费  150.00 CNY
      {BANK}
'''
    found = p10(body, head=head)
    assert len(found) == 2
    assert any("申报有误" in m for m in found) and any("超过到位资金" in m for m in found)


# ---- findings ---------------------------------------------------------------

FINDING = '''
    2025-03-20 custom "finding" "SJ-2025-01" 4800.00 CNY
      clause: "P10"
      description: "援疆资金支付办公费"
      deadline: 2025-06-30
      fund: "FJ-2024"
'''


def ret(date, amount, finding="SJ-2025-01"):
    return f'''
    {date} * "退还违规资金"
      finding: "{finding}"
      Expenses:5711-营业外支出:571101-退还违规资金  {amount} CNY
      {BANK}
'''


def status(body):
    entries, errors, options = run(body)
    from reports.funds import findings_status
    return findings_status(entries, options), messages(errors, "P10")


def test_finding_returned_in_time():
    rows, errors = status(FINDING + ret("2025-05-20", "3000.00") + ret("2025-06-30", "1800.00")
                          + sale("2025-09-01", "10.00"))
    assert errors == []
    [row] = rows
    assert row["status"] == "returned" and row["status_label"] == "已退还"
    assert row["returned"] == Decimal("4800.00") and row["outstanding"] == Decimal("0.00")
    assert row["returned_on"] == datetime.date(2025, 6, 30) and row["late"] is False


def test_finding_open_before_deadline():
    rows, errors = status(FINDING + ret("2025-05-20", "1000.00"))
    assert errors == []
    assert rows[0]["status"] == "open" and rows[0]["outstanding"] == Decimal("3800.00")


def test_finding_overdue_is_an_error_on_the_finding():
    body = FINDING + ret("2025-05-20", "1000.00") + f'''
    2025-07-01 * "其他"
      {BANK}  1.00 CNY
      Income:5051-其他业务收入:505101-场地租赁收入
'''
    rows, errors = status(body)
    assert rows[0]["status"] == "overdue"
    [error] = errors
    assert "SJ-2025-01 逾期未退还" in error
    assert "应退 4,800.00 元" in error and "已退 1,000.00 元" in error and "尚欠 3,800.00 元" in error


def test_finding_returned_late_is_returned_and_marked_late():
    rows, errors = status(FINDING + ret("2025-08-01", "4800.00"))
    assert errors == []
    assert rows[0]["status"] == "returned" and rows[0]["late"] is True


def test_return_only_counts_credits_to_monetary_accounts():
    body = FINDING + '''
    2025-05-20 * "退还"
      finding: "SJ-2025-01"
      Expenses:5711-营业外支出:571101-退还违规资金  4800.00 CNY
      Assets:1001-库存现金  -800.00 CNY
      Liabilities:2211-应付职工薪酬:221104-职工教育经费  -4000.00 CNY
'''
    rows, _ = status(body)
    assert rows[0]["returned"] == Decimal("800.00")


def test_unknown_finding_and_over_return():
    rows, errors = status(FINDING + ret("2025-05-20", "5000.00") + ret("2025-05-21", "10.00", "SJ-X"))
    assert any("SJ-X 不是已登记的审计整改事项" in m for m in errors)
    assert any("多退 200.00 元" in m for m in errors)


@pytest.mark.parametrize("meta, expected", [
    ('      clause: "P10"\n      description: "d"\n', "deadline: 缺失"),
    ('      clause: "P10"\n      deadline: 2025-06-30\n', "缺少 description"),
    ('      description: "d"\n      deadline: 2025-06-30\n      fund: "NOPE"\n', "fund: NOPE 不是已申报"),
])
def test_bad_finding_declaration(meta, expected):
    body = '\n    2025-03-20 custom "finding" "SJ-BAD" 10.00 CNY\n' + meta.replace("      ", "      ")
    found = p10(body)
    assert len(found) == 1 and "SJ-BAD 登记有误" in found[0] and expected in found[0]


def test_misuse_recorded_as_a_finding_raises_no_second_error():
    body = receipt("2024-03-05", "FJ-2024", "10000.00") + f'''
    2024-04-01 * "办公费 (审计查出)"
      fund: "FJ-2024"
      Expenses:5602-管理费用:560202-办公费  4800.00 CNY
        finding: "SJ-2025-01"
      {BANK}
    2024-04-01 * "政府补助转入营业外收入"
      fund: "FJ-2024"
      Liabilities:2401-递延收益:240101-福建援疆资金  4800.00 CNY
      Income:5301-营业外收入:530101-政府补助
''' + FINDING + ret("2025-05-20", "4800.00")
    entries, errors, options = run(body)
    assert messages(errors, "P10") == []
    result = analyse(entries, options)
    [violation] = result.violations
    assert violation["finding"] == "SJ-2025-01" and violation["kind"] == "not-allowed"
    # the misuse's bank credit is not a return: posting-level finding: marks the misuse only
    assert result.findings["SJ-2025-01"]["returned"] == Decimal("4800.00")


# ---- P5 ---------------------------------------------------------------------

def sale(date, amount, account="Income:5001-主营业务收入:500101-勤工俭学收入"):
    return f'''
    {date} * "收入"
      {BANK}  {amount} CNY
      {account}
'''


def accrue(date, amount):
    return f'''
    {date} * "计提职工教育经费"
      Expenses:5602-管理费用:560204-职工教育经费  {amount} CNY
      Liabilities:2211-应付职工薪酬:221104-职工教育经费
'''


def train(date, amount, frontline=None):
    flag = "" if frontline is None else f"\n      frontline: {frontline}"
    return f'''
    {date} * "培训"{flag}
      Liabilities:2211-应付职工薪酬:221104-职工教育经费  {amount} CNY
      {BANK}
'''


YEAR_END = sale("2025-01-01", "0.00")  # the ledger (and so its as-of) reaches past 2024


def test_training_fund_enough():
    body = (sale("2024-03-01", "100000.00") + sale("2024-06-01", "50000.00", "Income:5051-其他业务收入:505101-场地租赁收入")
            + sale("2024-06-02", "99999.00", "Income:5301-营业外收入:530101-政府补助")  # not operating income
            + accrue("2024-06-28", "3000.00") + train("2024-07-01", "600.00", "TRUE")
            + train("2024-07-02", "400.00") + YEAR_END)
    assert messages(run(body)[1], "P5") == []


def test_training_fund_accrual_shortfall():
    body = (sale("2024-03-01", "100000.00") + sale("2024-06-01", "50000.00", "Income:5051-其他业务收入:505101-场地租赁收入")
            + accrue("2024-06-28", "2900.00") + YEAR_END)
    [error] = messages(run(body)[1], "P5")
    assert "2024 年职工教育经费计提不足" in error
    assert "营业收入 150,000.00 元 × 2% 应计提 3,000.00 元" in error
    assert "实际计提 2,900.00 元" in error and "少计提 100.00 元" in error


def test_training_fund_rate_is_effective_dated():
    body = ('\n    2024-07-01 custom "policy" "training-fund-rate" 0.025\n'
            + sale("2024-03-01", "100000.00") + sale("2024-09-01", "100000.00")
            + accrue("2024-12-31", "4500.00") + YEAR_END)
    assert messages(run(body)[1], "P5") == []
    body = body.replace("4500.00", "4499.99")
    assert len(messages(run(body)[1], "P5")) == 1


def test_training_frontline_share_shortfall():
    body = (accrue("2024-03-29", "1000.00") + train("2024-04-01", "500.00", "TRUE")
            + train("2024-04-02", "500.00", "FALSE") + YEAR_END)
    [error] = messages(run(body)[1], "P5")
    assert "一线职工的比例不足" in error
    assert "使用合计 1,000.00 元" in error and "一线职工 500.00 元 (50.00%)" in error
    assert "应不低于 60%" in error and "差 100.00 元" in error


def test_frontline_on_posting_and_bad_value():
    body = accrue("2024-03-29", "1000.00") + f'''
    2024-04-01 * "培训"
      frontline: FALSE
      Liabilities:2211-应付职工薪酬:221104-职工教育经费  700.00 CNY
        frontline: TRUE
      Liabilities:2211-应付职工薪酬:221104-职工教育经费  300.00 CNY
      {BANK}
''' + YEAR_END
    assert messages(run(body)[1], "P5") == []
    bad = train("2024-04-03", "1.00", '"是"')
    found = messages(run(body + bad)[1], "P5")
    assert any("frontline: 应为 TRUE 或 FALSE" in m for m in found)


def test_training_year_not_over_is_not_judged():
    body = sale("2024-03-01", "100000.00")
    assert messages(run(body)[1], "P5") == []


# ---- P6 ---------------------------------------------------------------------

APPRENTICE = '''
    2024-03-01 custom "apprentice" "AP-2024-01" "马晓东"
      start: 2024-03-01
'''


def subsidy(date, amount, who="AP-2024-01"):
    return f'''
    {date} * "学徒补贴"
      Expenses:5401-主营业务成本:540102-学徒补贴  {amount} CNY
        apprentice: "{who}"
      {BANK}
'''


def test_months_enrolled_whole_and_inclusive():
    D = datetime.date
    assert months_enrolled(D(2024, 3, 1), None, 2024) == 10
    assert months_enrolled(D(2024, 3, 31), None, 2024) == 10
    assert months_enrolled(D(2024, 3, 1), D(2025, 6, 15), 2025) == 6
    assert months_enrolled(D(2024, 3, 1), D(2025, 6, 15), 2026) == 0
    assert months_enrolled(D(2024, 3, 1), None, 2025) == 12


def test_apprentice_pro_rata_enough():
    body = APPRENTICE + subsidy("2024-06-28", "3333.33") + YEAR_END
    assert messages(run(body)[1], "P6") == []


def test_apprentice_pro_rata_shortfall():
    body = APPRENTICE + subsidy("2024-06-28", "3000.00") + YEAR_END
    [error] = messages(run(body)[1], "P6")
    assert "学徒 AP-2024-01 马晓东 2024 年补贴不足" in error
    assert "在册 10 个月" in error and "= 3,333.33 元" in error
    assert "实发 3,000.00 元" in error and "差 333.33 元" in error


def test_apprentice_with_end_date_and_full_year():
    body = '''
    2024-01-01 custom "apprentice" "AP-2" "李娜"
      start: 2024-01-01
      end: 2025-06-30
''' + subsidy("2024-12-20", "4000.00", "AP-2") + subsidy("2025-06-20", "1999.99", "AP-2") + sale("2026-01-01", "0.00")
    [error] = messages(run(body)[1], "P6")
    assert "2025 年补贴不足" in error and "在册 6 个月" in error and "2,000.00 元" in error


def test_apprentice_year_not_over_is_not_judged():
    body = APPRENTICE + subsidy("2024-06-28", "100.00")
    assert messages(run(body)[1], "P6") == []


def test_apprentice_min_policy():
    body = '\n    2024-01-01 custom "policy" "apprentice-subsidy-min" 6000\n' + APPRENTICE + subsidy(
        "2024-06-28", "4999.99") + YEAR_END
    [error] = messages(run(body)[1], "P6")
    assert "5,000.00 元" in error


def test_subsidy_without_or_with_unknown_apprentice():
    body = APPRENTICE + subsidy("2024-06-28", "3333.33") + subsidy("2024-06-29", "10.00", "AP-X") + f'''
    2024-06-30 * "补贴"
      Expenses:5401-主营业务成本:540102-学徒补贴  10.00 CNY
      {BANK}
'''
    found = messages(run(body)[1], "P6")
    assert len(found) == 2
    assert any("AP-X 不是已登记的学徒" in m for m in found)
    assert any("未注明 apprentice:" in m for m in found)


@pytest.mark.parametrize("declaration, expected", [
    ('2024-03-01 custom "apprentice" "AP-B" "张三"\n      start: "2024-03-01"', "start: 缺失或不是日期"),
    ('2024-03-01 custom "apprentice" "AP-B"\n      start: 2024-03-01', "缺少姓名"),
    ('2024-03-01 custom "apprentice" "AP-B" "张三"\n      start: 2024-03-01\n      end: 2024-01-01', "早于"),
    ('2024-03-01 custom "apprentice" "AP-2024-01" "重复"\n      start: 2024-03-01', "重复登记"),
])
def test_bad_apprentice_declaration(declaration, expected):
    body = APPRENTICE + "\n    " + declaration + "\n" + subsidy("2024-06-28", "3000.00") + YEAR_END
    found = messages(run(body)[1], "P6")
    assert any(expected in m for m in found), found
    assert any("AP-2024-01 马晓东 2024 年补贴不足" in m for m in found)  # the rest still checked


# ---- plugin hygiene ------------------------------------------------------------

def test_plugin_adds_nothing_and_config_renames_accounts():
    body = receipt("2024-03-05", "FJ-2024", "100.00")
    entries, errors, _ = run(body)
    bare, _, _ = load_ledger((HEAD + FJ + body).replace('plugin "plugins.funds"', ""))
    assert len(entries) == len(bare) and errors == []
    head = HEAD.replace('plugin "plugins.funds"',
                        'plugin "plugins.funds" "{\'operating_income\': [\'Income:5301-营业外收入\']}"')
    body = sale("2024-03-01", "100000.00", "Income:5301-营业外收入:530101-政府补助") + YEAR_END
    [error] = messages(run(body, head=head)[1], "P5")
    assert "营业收入 100,000.00 元" in error


def test_closing_entry_through_equity_is_not_income():
    head = HEAD + "    2024-01-01 open Equity:3104-利润分配:310415-未分配利润 CNY\n"
    body = sale("2024-03-01", "100000.00") + accrue("2024-03-29", "2000.00") + '''
    2024-12-31 * "结转收入"
      Income:5001-主营业务收入:500101-勤工俭学收入  100000.00 CNY
      Equity:3104-利润分配:310415-未分配利润
'''
    assert messages(run(body, head=head + FJ)[1], "P5") == []


# ---- P10 dates and the grant release (SPEC §2, §3) -------------------------------

def test_spending_before_the_fund_is_declared_is_an_error():
    body = receipt("2024-03-05", "FJ-2024", "1000.00") + f'''
    2024-02-20 * "原材料 (资金下达前)"
      fund: "FJ-2024"
      Assets:1601-固定资产:160101-实训设备  500.00 CNY
      {BANK}
'''
    early, overdrawn = p10(body)  # and, received only later, beyond what was received then
    assert "专项资金 FJ-2024 于 2024-03-01 下达, 2024-02-20 已支用" in early and "500.00 元" in early
    assert "超支 500.00 元" in overdrawn


def release(date, fund, amount):
    return f'''
    {date} * "政府补助转入营业外收入"
      fund: "{fund}"
      Liabilities:2401-递延收益:240101-福建援疆资金  {amount} CNY
      Income:5301-营业外收入:530101-政府补助
'''


EXPENSED = receipt("2024-03-05", "FJ-2024", "10000.00") + f'''
    2024-05-01 * "原材料"
      fund: "FJ-2024"
      Expenses:5401-主营业务成本:540103-原材料耗用  3000.00 CNY
      {BANK}
    2024-06-01 * "原材料"
      fund: "FJ-2024"
      Expenses:5401-主营业务成本:540103-原材料耗用  1200.50 CNY
      {BANK}
    2024-07-01 * "设备 (随折旧转入, 不在当年费用之内)"
      fund: "FJ-2024"
      Assets:1601-固定资产:160101-实训设备  5000.00 CNY
      {BANK}
'''


def test_grant_spent_on_expenses_is_released_in_the_same_year():
    """4,200.50 spent on expenses in 2024; 4,000.00 released → 200.50 not released, once 2024 is over."""
    body = EXPENSED + release("2024-12-31", "FJ-2024", "4000.00")
    assert p10(body, as_of="2024-12-31") == []  # the year is not over yet
    [message] = p10(body, as_of="2025-01-01")
    assert ("专项资金 FJ-2024 2024 年用于费用 4,200.50 元, 当年从递延收益转入营业外收入 4,000.00 元, "
            "未转 200.50 元") in message and "少计 2024 年净利润, 从而少计应上缴国库的利润" in message
    assert p10(EXPENSED + release("2024-12-31", "FJ-2024", "4200.50"), as_of="2025-01-01") == []


def test_a_release_is_neither_a_receipt_nor_a_use(monkeypatch):
    entries, errors, options = run(EXPENSED + release("2024-12-31", "FJ-2024", "4200.50"), as_of="2025-01-01")
    fund = analyse(entries, options).funds["FJ-2024"]
    assert fund.received == Decimal("10000.00") and fund.used == Decimal("9200.50")


def test_p5_points_at_the_same_accrual_alone_and_under_plugins_all():
    """Under plugins.all an earlier family's entries reach funds after the pass, on their
    own plugin lines in date order: an error blaming "the year's last accrual" names the
    same line either way (here the work-study accruals are made P5 accruals by config)."""
    payable = "Liabilities:2241-其他应付款:224101-学生劳动报酬"
    config = "{'training_fund_payable': '%s'}" % payable
    head = HEAD.replace('plugin "plugins.funds"', "PLUGINS") + f'''
    2024-01-01 open Expenses:5401-主营业务成本:540101-学生劳动报酬 CNY
    2024-01-01 open {payable} CNY
'''
    body = sale("2024-03-01", "1000.00") + f'''
    2024-06-30 * "手工计提"
      Expenses:5602-管理费用:560204-职工教育经费  100.00 CNY
      {payable}
''' + sale("2024-05-01", "100000.00", "Income:5051-其他业务收入:505101-场地租赁收入") + YEAR_END
    found = []
    for plugins in (f'plugin "plugins.work_study"\n    plugin "plugins.funds" "{config}"',
                    f'plugin "plugins.all" "{config}"\n    ;'):  # the same line numbers
        [error] = [e for e in run(body, head=head.replace("PLUGINS", plugins))[1] if e.message.startswith("[P5]")]
        found.append((error.source["lineno"], error.entry.date, error.message))
    assert found[0] == found[1]
    assert found[0][1] == datetime.date(2024, 6, 30) and "实际计提 300.00 元" in found[0][2]


def test_a_release_to_the_funds_declared_income_account():
    """The fund's `income:` names the 政府补助 account where its name does not say so (SPEC §2)."""
    special = "Income:5301-营业外收入:530103-专项补助"
    head = HEAD + f"    2024-01-01 open {special} CNY\n" + FJ.replace(
        "      expires: 2025-12-31\n", f'      expires: 2025-12-31\n      income: "{special}"\n', 1)
    body = EXPENSED + f'''
    2024-12-31 * "政府补助转入营业外收入"
      fund: "FJ-2024"
      Liabilities:2401-递延收益:240101-福建援疆资金  4200.50 CNY
      {special}
'''
    entries, errors, options = run(body, head=head, as_of="2025-01-01")
    assert messages(errors, "P10") == []
    fund = analyse(entries, options).funds["FJ-2024"]
    assert fund.received == Decimal("10000.00") and fund.unreleased == {}
