"""plugins.taxes: P9 surcharges per tax period, P8 credit, P4/P7 declarations."""
from decimal import Decimal

import pytest

from reports.taxes import indicators, integration_credits, surcharge_periods
from tests.conftest import load_ledger, messages

HEADER = """
plugin "plugins.taxes"
option "operating_currency" "CNY"
2023-01-01 open Assets:1002-银行存款:100201-农商银行基本户
2023-01-01 open Assets:1122-应收账款
2023-01-01 open Assets:1601-固定资产:160101-实训设备
2023-01-01 open Liabilities:2221-应交税费:222101-应交增值税
2023-01-01 open Liabilities:2221-应交税费:222104-应交城市维护建设税
2023-01-01 open Liabilities:2221-应交税费:222105-应交教育费附加
2023-01-01 open Liabilities:2221-应交税费:222106-应交地方教育附加
2023-01-01 open Income:5001-主营业务收入:500101-勤工俭学收入
2023-01-01 open Income:5051-其他业务收入:505101-场地租赁收入
2023-01-01 open Expenses:5403-税金及附加:540301-城市维护建设税
2023-01-01 open Expenses:5403-税金及附加:540302-教育费附加
2023-01-01 open Expenses:5403-税金及附加:540303-地方教育附加
2023-01-01 open Equity:3104-利润分配:310415-未分配利润
2023-01-01 open Income:5301-营业外收入:530101-政府补助
"""

D = Decimal


def sale(date, income, vat, account="Income:5001-主营业务收入:500101-勤工俭学收入"):
    total = D(income) + D(vat)
    return f"""
{date} * "销售"
  Assets:1122-应收账款  {total:.2f} CNY
  {account}  -{D(income):.2f} CNY
  Liabilities:2221-应交税费:222101-应交增值税  -{D(vat):.2f} CNY
"""


def booking(date, city, edu, local):
    return f"""
{date} * "计提城建税及附加"
  Expenses:5403-税金及附加:540301-城市维护建设税  {D(city):.2f} CNY
  Expenses:5403-税金及附加:540302-教育费附加  {D(edu):.2f} CNY
  Expenses:5403-税金及附加:540303-地方教育附加  {D(local):.2f} CNY
  Liabilities:2221-应交税费:222104-应交城市维护建设税  -{D(city):.2f} CNY
  Liabilities:2221-应交税费:222105-应交教育费附加  -{D(edu):.2f} CNY
  Liabilities:2221-应交税费:222106-应交地方教育附加  -{D(local):.2f} CNY
"""


def load(*parts):
    entries, errors, options = load_ledger(HEADER + "".join(parts))
    return entries, errors, options


def only_period(entries, options):
    rows = surcharge_periods(entries, options)
    assert len(rows) == 1
    return rows[0]


def expected(row):
    return {t["key"]: t["expected"] for t in row["taxes"]}


HALVING = '2023-01-01 custom "policy" "six-taxes-halving" TRUE\n'


# ---- quarterly and monthly periods ---------------------------------------------------

def test_quarter_booked_right_is_clean():
    entries, errors, options = load(
        HALVING,
        sale("2024-07-10", "250000.00", "2500.00"),
        sale("2024-08-10", "100000.00", "1000.00", "Income:5051-其他业务收入:505101-场地租赁收入"),
        sale("2024-09-10", "50000.00", "500.00"),
        booking("2024-09-30", "100.00", "60.00", "40.00"))
    assert errors == []
    row = only_period(entries, options)
    assert row["period"] == "2024Q3" and row["months"] == 3
    assert row["base"] == D("4000.00") and row["sales"] == D("400000.00")
    assert row["threshold"] == D("300000") and not row["exempt"] and row["halving"]
    assert expected(row) == {"city": D("100.00"), "edu": D("60.00"), "local_edu": D("40.00")}
    assert row["ok"] and row["difference_total"] == 0


def test_monthly_periods_each_checked_on_their_own():
    entries, errors, options = load(
        '2023-01-01 custom "policy" "tax-period" "month"\n',
        sale("2024-07-10", "150000.00", "1500.00"),
        booking("2024-07-31", "75.00", "45.00", "30.00"),
        sale("2024-08-12", "50000.00", "500.00"),          # ≤ 100,000: surcharges exempt
        booking("2024-08-30", "25.00", "0.00", "0.00"))
    assert errors == []
    rows = surcharge_periods(entries, options)
    assert [r["period"] for r in rows] == ["2024-07", "2024-08"]
    assert [r["exempt"] for r in rows] == [False, True]
    assert expected(rows[1]) == {"city": D("25.00"), "edu": D("0.00"), "local_edu": D("0.00")}


def test_monthly_wrong_booking_names_the_month():
    _, errors, _ = load(
        '2023-01-01 custom "policy" "tax-period" "month"\n',
        sale("2024-07-10", "150000.00", "1500.00"),
        booking("2024-07-31", "75.00", "45.00", "30.00"),
        sale("2024-08-12", "150000.00", "1500.00"),
        booking("2024-08-30", "75.00", "45.00", "3.00"))
    [message] = messages(errors, "P9")
    assert message.startswith("[P9] 2024-08 (2024-08-01~2024-08-31) 地方教育附加")
    assert "应计提 30.00" in message and "实际计提 3.00" in message and "少计提 27.00" in message


def test_switch_from_month_to_quarter_at_a_quarter_start():
    entries, errors, options = load(
        '2023-01-01 custom "policy" "tax-period" "month"\n',
        '2024-04-01 custom "policy" "tax-period" "quarter"\n',
        sale("2024-03-10", "50000.00", "500.00"),
        booking("2024-03-29", "25.00", "0.00", "0.00"),
        sale("2024-04-10", "150000.00", "1500.00"),
        sale("2024-05-10", "150000.01", "1500.00"),
        booking("2024-06-28", "150.00", "90.00", "60.00"))
    assert errors == []
    assert [r["period"] for r in surcharge_periods(entries, options)] == ["2024-03", "2024Q2"]


def test_quarter_policy_taking_effect_mid_quarter_starts_at_the_next_quarter():
    entries, errors, options = load(
        '2023-01-01 custom "policy" "tax-period" "month"\n',
        '2024-02-01 custom "policy" "tax-period" "quarter"\n',
        sale("2024-02-10", "50000.00", "500.00"),
        booking("2024-02-29", "25.00", "0.00", "0.00"),
        sale("2024-04-10", "50000.00", "500.00"),
        booking("2024-06-28", "25.00", "0.00", "0.00"))
    assert errors == []
    assert [r["period"] for r in surcharge_periods(entries, options)] == ["2024-02", "2024Q2"]


def test_nothing_taxable_and_nothing_booked_is_fine():
    entries, errors, options = load("""
2024-05-06 * "收到货款"
  Assets:1002-银行存款:100201-农商银行基本户  1000.00 CNY
  Assets:1122-应收账款  -1000.00 CNY
""")
    assert errors == [] and surcharge_periods(entries, options) == []


def test_sales_without_vat_and_nothing_booked_is_fine():
    entries, errors, options = load(sale("2024-05-06", "1000.00", "0.00"))
    assert errors == []
    row = only_period(entries, options)
    assert row["base"] == 0 and row["ok"]


def test_vat_with_no_booking_points_at_the_last_entry_of_the_period():
    _, errors, _ = load(sale("2024-05-06", "10000.00", "100.00"), sale("2024-06-03", "10000.00", "100.00"))
    p9 = [e for e in errors if e.message.startswith("[P9]")]
    assert len(p9) == 1  # only city tax: the surcharges are exempt
    assert "2024Q2" in p9[0].message and "城市维护建设税" in p9[0].message
    assert p9[0].entry.date.isoformat() == "2024-06-03"


# ---- the exemption boundary -----------------------------------------------------------

def test_sales_exactly_at_the_threshold_are_exempt():
    entries, errors, options = load(
        sale("2024-04-10", "300000.00", "3000.00"),
        booking("2024-06-28", "150.00", "0.00", "0.00"))
    assert errors == []
    row = only_period(entries, options)
    assert row["exempt"] and expected(row) == {"city": D("150.00"), "edu": D("0.00"), "local_edu": D("0.00")}


def test_sales_one_fen_over_the_threshold_are_not():
    entries, errors, options = load(
        sale("2024-04-10", "300000.01", "3000.00"),
        booking("2024-06-28", "150.00", "90.00", "60.00"))
    assert errors == []
    assert not only_period(entries, options)["exempt"]


def test_surcharges_booked_although_exempt_are_errors():
    _, errors, _ = load(
        sale("2024-04-10", "300000.00", "3000.00"),
        booking("2024-06-28", "150.00", "90.00", "60.00"))
    p9 = messages(errors, "P9")
    assert len(p9) == 2
    assert "教育费附加: 应计提 0.00, 实际计提 90.00" in p9[0]
    assert "应纳 90.00 (× 3%); 免征 90.00 (销售额 300,000.00 ≤ 免征标准 300,000.00); 减征额 0.00; 应补 0.00" in p9[0]
    assert "地方教育附加: 应计提 0.00, 实际计提 60.00" in p9[1]


def test_monthly_threshold_is_not_tripled():
    entries, errors, options = load(
        '2023-01-01 custom "policy" "tax-period" "month"\n',
        sale("2024-04-10", "100000.01", "1000.00"),
        booking("2024-04-30", "50.00", "30.00", "20.00"))
    assert errors == []
    assert only_period(entries, options)["threshold"] == D("100000")


def test_threshold_follows_the_policy():
    entries, errors, options = load(
        '2023-01-01 custom "policy" "surcharge-exempt-monthly-sales" 50000\n',
        sale("2024-04-10", "200000.00", "2000.00"),
        booking("2024-06-28", "100.00", "60.00", "40.00"))
    assert errors == []
    assert only_period(entries, options)["threshold"] == D("150000")


# ---- halving on/off and rounding order -----------------------------------------------

@pytest.mark.parametrize("halving, amounts", [
    (False, ("150.05", "90.03", "60.02")),
    # The 申报表: 减征额 = round(150.05 × 50%) = 75.03 (half-up), 应补 = 150.05 − 75.03 = 75.02.
    (True, ("75.02", "45.01", "30.01")),
])
def test_halving_on_and_off(halving, amounts):
    policy = f'2023-01-01 custom "policy" "six-taxes-halving" {"TRUE" if halving else "FALSE"}\n'
    entries, errors, options = load(
        policy,
        sale("2024-10-10", "400000.00", "3001.00"),
        booking("2024-12-31", *amounts))
    assert errors == []
    row = only_period(entries, options)
    assert row["halving"] is halving
    assert [t["expected"] for t in row["taxes"]] == [D(a) for a in amounts]


def test_halving_books_the_full_amount_is_an_error_showing_the_halving():
    _, errors, _ = load(HALVING, sale("2024-10-10", "400000.00", "3001.00"),
                        booking("2024-12-31", "150.05", "45.01", "30.01"))
    [message] = messages(errors, "P9")
    assert "城市维护建设税: 应计提 75.02, 实际计提 150.05" in message
    assert ("计税依据 3,001.00 (应交增值税贷方净额); 应纳 150.05 (× 5%); 免征 0.00 (城建税不适用小额免征); "
            "减征额 75.03 (六税两费减半") in message and "应补 75.02" in message
    assert "多计提 75.03" in message


def test_halving_odd_cents_as_the_form_does():
    """88.97 due: 减征额 round(44.485) = 44.49, 应补 88.97 − 44.49 = 44.48 (not 44.49)."""
    vat = "1779.40"  # × 5% = 88.97
    _, errors, _ = load(HALVING, sale("2024-10-10", "400000.00", vat),
                        booking("2024-12-31", "44.49", "26.69", "17.79"))
    [message] = messages(errors, "P9")
    assert "城市维护建设税: 应计提 44.48, 实际计提 44.49" in message and "减征额 44.49" in message


def test_the_running_period_is_not_checked(monkeypatch):
    """Mid-quarter nothing is booked yet: no 少计提 until the quarter is over (as-of)."""
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-06-30")
    _, errors, _ = load(sale("2024-04-10", "400000.00", "3000.00"))
    assert messages(errors, "P9") == []
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-07-01")
    _, errors, _ = load(sale("2024-04-10", "400000.00", "3000.00"))
    assert len(messages(errors, "P9")) == 3


def test_halving_switched_on_mid_year_applies_from_the_period_starting_after():
    entries, errors, options = load(
        '2024-07-01 custom "policy" "six-taxes-halving" TRUE\n',
        sale("2024-06-10", "400000.00", "4000.00"),
        booking("2024-06-28", "200.00", "120.00", "80.00"),
        sale("2024-07-10", "400000.00", "4000.00"),
        booking("2024-09-30", "100.00", "60.00", "40.00"))
    assert errors == []
    assert [r["halving"] for r in surcharge_periods(entries, options)] == [False, True]


# ---- reversals and payments -----------------------------------------------------------

def test_reversal_lowers_base_and_sales_payment_does_not():
    entries, errors, options = load(
        sale("2024-07-10", "400000.00", "4000.00"),
        """
2024-07-20 * "红字冲销部分销售"
  Assets:1122-应收账款  -101000.00 CNY
  Income:5001-主营业务收入:500101-勤工俭学收入  100000.00 CNY
  Liabilities:2221-应交税费:222101-应交增值税  1000.00 CNY

2024-08-15 * "缴纳增值税"
  Liabilities:2221-应交税费:222101-应交增值税  3000.00 CNY
  Assets:1002-银行存款:100201-农商银行基本户  -3000.00 CNY
""",
        booking("2024-09-30", "150.00", "0.00", "0.00"))
    assert errors == []
    row = only_period(entries, options)
    assert row["base"] == D("3000.00") and row["sales"] == D("300000.00") and row["exempt"]


def test_vat_reduction_without_money_counts_as_reversal():
    entries, errors, options = load(
        sale("2024-07-10", "400000.00", "4000.00"),
        """
2024-09-30 * "增值税减免"
  Liabilities:2221-应交税费:222101-应交增值税  2000.00 CNY
  Income:5301-营业外收入:530101-政府补助  -2000.00 CNY
""",
        booking("2024-09-30", "100.00", "60.00", "40.00"))
    assert errors == []
    assert only_period(entries, options)["base"] == D("2000.00")


def test_year_end_closing_entries_are_left_out():
    entries, errors, options = load(
        sale("2024-10-10", "400000.00", "4000.00"),
        booking("2024-12-31", "200.00", "120.00", "80.00"),
        """
2024-12-31 * "结转损益"
  Income:5001-主营业务收入:500101-勤工俭学收入  400000.00 CNY
  Expenses:5403-税金及附加:540301-城市维护建设税  -200.00 CNY
  Expenses:5403-税金及附加:540302-教育费附加  -120.00 CNY
  Expenses:5403-税金及附加:540303-地方教育附加  -80.00 CNY
  Equity:3104-利润分配:310415-未分配利润  -399600.00 CNY
""")
    assert errors == []
    assert only_period(entries, options)["sales"] == D("400000.00")


# ---- a wrong booking of each tax -------------------------------------------------------

@pytest.mark.parametrize("index, name", [(0, "城市维护建设税"), (1, "教育费附加"), (2, "地方教育附加")])
def test_wrong_booking_of_each_tax(index, name):
    amounts = [D("100.00"), D("60.00"), D("40.00")]
    amounts[index] += D("0.01")
    _, errors, _ = load(HALVING, sale("2024-07-10", "400000.00", "4000.00"),
                        booking("2024-09-30", *amounts))
    [message] = messages(errors, "P9")
    good = ["100.00", "60.00", "40.00"][index]
    assert message.startswith(f"[P9] 2024Q3 (2024-07-01~2024-09-30) {name}: 应计提 {good}, "
                              f"实际计提 {amounts[index]:.2f}")
    assert "多计提 0.01" in message and f"请将该期计提分录改为 {good}" in message
    assert "\n" not in message
    [error] = [e for e in errors if e.message == message]
    assert error.entry.narration == "计提城建税及附加"
    assert error.source["lineno"] > 0


def test_booking_in_two_entries_is_summed_and_a_reversal_of_a_booking_nets():
    entries, errors, options = load(
        HALVING, sale("2024-07-10", "400000.00", "4000.00"),
        booking("2024-09-27", "100.00", "60.00", "40.00"),
        booking("2024-09-30", "10.00", "0.00", "0.00"),
        """
2024-09-30 * "冲销多计提城建税"
  Expenses:5403-税金及附加:540301-城市维护建设税  -10.00 CNY
  Liabilities:2221-应交税费:222104-应交城市维护建设税  10.00 CNY
""")
    assert errors == []


def test_booking_dated_outside_the_period_is_an_error_in_both():
    _, errors, _ = load(HALVING, sale("2024-07-10", "400000.00", "4000.00"),
                        booking("2024-10-08", "100.00", "60.00", "40.00"))
    p9 = messages(errors, "P9")
    assert len(p9) == 6
    assert sum("2024Q3" in m for m in p9) == 3 and sum("2024Q4" in m for m in p9) == 3


# ---- P8 credit -----------------------------------------------------------------------

INVEST = """
2024-03-05 * "投资兴办职业教育实训设备"
  integration-investment: TRUE
  Assets:1601-固定资产:160101-实训设备  10000.00 CNY
  Assets:1002-银行存款:100201-农商银行基本户  -10000.00 CNY
"""


def big_quarter(edu, local, credits=""):
    # base 200,000 → 城建 10,000, 教育 6,000, 地方教育 4,000 (no halving)
    return (sale("2024-07-10", "20000000.00", "200000.00") + credits
            + booking("2024-09-30", "10000.00", edu, local))


def test_credit_within_cap_reduces_the_expected_surcharges():
    entries, errors, options = load(INVEST, big_quarter("4000.00", "3000.00", """
2024-09-30 custom "integration-credit" "教育费附加" 2000.00 CNY
2024-09-30 custom "integration-credit" "地方教育附加" 1000.00 CNY
"""))
    assert errors == []
    row = only_period(entries, options)
    assert [t["credit"] for t in row["taxes"]] == [D(0), D("2000.00"), D("1000.00")]
    summary = integration_credits(entries, options, 2024)
    assert summary["investment"] == D("10000.00") and summary["cap"] == D("3000.00")
    assert summary["claimed"] == D("3000.00") and summary["passed"]


def test_credit_over_the_yearly_cap_is_a_p8_error():
    _, errors, _ = load(INVEST, big_quarter("4000.00", "2999.99", """
2024-09-30 custom "integration-credit" "edu" 2000.00 CNY
2024-09-30 custom "integration-credit" "local-edu" 1000.01 CNY
"""))
    [message] = messages(errors, "P8")
    assert "2024 年产教融合投资抵免累计 3,000.01" in message
    assert "超过上限 3,000.00" in message and "投资额 10,000.00" in message
    assert messages(errors, "P9") == []  # the booking follows the claim; P8 says the claim is wrong


def test_credit_without_qualifying_investment_is_capped_at_zero():
    _, errors, _ = load(big_quarter("5999.00", "4000.00", """
2024-09-30 custom "integration-credit" "教育费附加" 1.00 CNY
"""))
    [message] = messages(errors, "P8")
    assert "超过上限 0.00" in message


def test_credit_over_the_surcharge_due_is_a_p8_error():
    entries, errors, options = load(
        INVEST, HALVING,
        sale("2024-07-10", "400000.00", "4000.00"),
        '2024-09-30 custom "integration-credit" "教育费附加" 100.00 CNY\n',
        booking("2024-09-30", "100.00", "0.00", "40.00"))
    [message] = messages(errors, "P8")
    assert "2024Q3 教育费附加产教融合投资抵免 100.00 超过该期应缴 60.00" in message
    assert messages(errors, "P9") == []
    row = only_period(entries, options)
    assert row["taxes"][1]["credit"] == D("60.00") and row["taxes"][1]["expected"] == 0


def test_investment_of_another_year_does_not_count():
    _, errors, _ = load(INVEST.replace("2024-03-05", "2023-03-06"), big_quarter("5000.00", "4000.00", """
2024-09-30 custom "integration-credit" "教育费附加" 1000.00 CNY
"""))
    assert len(messages(errors, "P8")) == 1


def test_txn_level_tag_counts_debits_and_a_tagged_credit_reverses():
    entries, errors, options = load("""
2024-03-05 * "预付款转设备"
  integration-investment: TRUE
  Assets:1601-固定资产:160101-实训设备  8000.00 CNY
  Assets:1122-应收账款  -8000.00 CNY

2024-06-05 * "部分退货"
  Assets:1601-固定资产:160101-实训设备  -1000.00 CNY
    integration-investment: TRUE
  Assets:1002-银行存款:100201-农商银行基本户  1000.00 CNY
""")
    assert errors == []
    assert integration_credits(entries, options, 2024)["investment"] == D("7000.00")


def test_posting_level_investment_tag_and_rate_policy():
    entries, errors, options = load(
        '2023-01-01 custom "policy" "integration-credit-rate" 0.10\n',
        """
2024-03-05 * "购置设备"
  Assets:1601-固定资产:160101-实训设备  10000.00 CNY
    integration-investment: TRUE
  Assets:1601-固定资产:160101-实训设备  5000.00 CNY
  Assets:1002-银行存款:100201-农商银行基本户  -15000.00 CNY
""")
    assert errors == []
    summary = integration_credits(entries, options, 2024)
    assert summary["investment"] == D("10000.00") and summary["cap"] == D("1000.00")


@pytest.mark.parametrize("line", [
    'custom "integration-credit" "城建税" 100.00 CNY',
    'custom "integration-credit" "教育费附加" -100.00 CNY',
    'custom "integration-credit" "教育费附加" 100.00',
    'custom "integration-credit" "教育费附加"',
])
def test_malformed_credit_is_a_p8_error_on_the_entry(line):
    _, errors, _ = load(f"2024-09-30 {line}\n")
    [error] = [e for e in errors if e.message.startswith("[P8]")]
    assert "custom \"integration-credit\" \"教育费附加\" 600.00 CNY" in error.message
    assert error.entry.type == "integration-credit"


def test_investment_tag_on_a_non_asset_is_an_error():
    _, errors, _ = load("""
2024-03-05 * "错误标注"
  Expenses:5403-税金及附加:540301-城市维护建设税  10.00 CNY
    integration-investment: TRUE
  Assets:1002-银行存款:100201-农商银行基本户  -10.00 CNY
""")
    assert any("只能标注在非货币资产" in m for m in messages(errors, "P8"))


def test_investment_tag_in_a_transaction_with_no_account_of_ours_is_an_error():
    # Neither a tax account nor a non-monetary asset: the tag alone brings it to P8.
    _, errors, _ = load("""
2024-03-05 * "错误标注"
  Expenses:5602-管理费用:560202-办公费  10.00 CNY
    integration-investment: TRUE
  Assets:1002-银行存款:100201-农商银行基本户  -10.00 CNY
2023-01-01 open Expenses:5602-管理费用:560202-办公费
""")
    [message] = messages(errors, "P8")
    assert "只能标注在非货币资产" in message and "560202-办公费" in message


# ---- bad policy values ---------------------------------------------------------------

def test_bad_policy_values_are_reported_and_the_rest_still_checked():
    entries, errors, options = load(
        '2024-01-01 custom "policy" "tax-period" "week"\n',
        '2024-01-01 custom "policy" "city-tax-rate" -0.05\n',
        sale("2024-07-10", "400000.00", "4000.00"),
        booking("2024-09-30", "200.00", "120.00", "79.00"))
    p9 = messages(errors, "P9")
    assert any('政策 tax-period 的值 "week" 无效' in m for m in p9)
    assert any("政策 city-tax-rate" in m and "无效" in m for m in p9)
    # The defaults apply (quarter, 5%) and the wrong booking is still found.
    assert any(m.startswith("[P9] 2024Q3") and "地方教育附加" in m for m in p9)
    assert len(p9) == 3


def test_bad_config_is_reported():
    text = HEADER.replace('plugin "plugins.taxes"', 'plugin "plugins.taxes" "{\'nope\': 1}"')
    _, errors, _ = load_ledger(text)
    assert any("未知项: nope" in m for m in messages(errors, "P9"))


def test_renamed_accounts_through_config():
    text = HEADER.replace(
        'plugin "plugins.taxes"',
        'plugin "plugins.taxes" "{\'city_tax_expense\': \'Expenses:5403-税金及附加:540309-城建税\'}"')
    text += "2023-01-01 open Expenses:5403-税金及附加:540309-城建税\n"
    text += sale("2024-07-10", "400000.00", "4000.00") + booking("2024-09-30", "200.00", "120.00", "80.00")
    entries, errors, options = load_ledger(text)
    p9 = messages(errors, "P9")
    assert len(p9) == 1 and "540309-城建税" in p9[0] and "实际计提 0.00" in p9[0]
    assert surcharge_periods(entries, options)[0]["taxes"][0]["account"].endswith("540309-城建税")


OTHER_SALE_AND_WRONG_BOOKING = (sale("2024-07-10", "200000.00", "2000.00")
                                + sale("2024-08-10", "200000.00", "2000.00", "Income:5051-其他业务收入:505101-场地租赁收入")
                                + booking("2024-09-30", "200.00", "120.00", "79.00"))


def all_line(config):
    return HEADER.replace('plugin "plugins.taxes"', f'plugin "plugins.all" "{config}"') + OTHER_SALE_AND_WRONG_BOOKING


def test_operating_income_as_a_list_on_the_plugins_all_line(monkeypatch):
    # plugins.funds takes operating_income as a list of accounts; on the same line taxes
    # takes it too (it crashed on a list), with the results of the default accounts.
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-12-31")
    listed = "{'operating_income': ['Income:5001-主营业务收入', 'Income:5051-其他业务收入']}"
    results = []
    for config in ("{}", listed):
        entries, errors, options = load_ledger(all_line(config))
        assert not [e for e in errors if "Traceback" in str(e.message)]
        results.append(([e.message for e in errors], surcharge_periods(entries, options)))
    assert results[0] == results[1]
    messages_, [period] = results[1]
    assert period["sales"] == D("400000.00") and not period["exempt"]
    assert [m for m in messages_ if m.startswith("[P9]")] == [
        m for m in messages_ if m.startswith("[P9] 2024Q3") and "地方教育附加" in m] != []


@pytest.mark.parametrize("config", [
    "{'operating_income': ('Income:5001-主营业务收入',), 'vat_payable': ['Liabilities:2221-应交税费:222101-应交增值税']}",
    "{'operating_income': 'Income:5001-主营业务收入'}",
])
def test_prefix_settings_take_one_account_or_several(config):
    text = HEADER.replace('plugin "plugins.taxes"', f'plugin "plugins.taxes" "{config}"')
    entries, errors, options = load_ledger(text + OTHER_SALE_AND_WRONG_BOOKING)
    [message] = messages(errors, "P9")
    assert message.startswith("[P9] 2024Q3") and "地方教育附加" in message
    assert only_period(entries, options)["sales"] == D("400000.00")


@pytest.mark.parametrize("config, key", [
    ("{'operating_income': 5001}", "operating_income"),
    ("{'vat_payable': ['Liabilities:2221-应交税费', 2221]}", "vat_payable"),
    ("{'city_tax_expense': None}", "city_tax_expense"),
])
def test_a_setting_of_the_wrong_type_is_reported_and_the_default_used(config, key):
    text = HEADER.replace('plugin "plugins.taxes"', f'plugin "plugins.taxes" "{config}"')
    entries, errors, options = load_ledger(text + OTHER_SALE_AND_WRONG_BOOKING)
    p9 = messages(errors, "P9")
    assert any(f"插件配置 {key} 应为科目名" in m and "已改用默认值" in m for m in p9)
    assert any(m.startswith("[P9] 2024Q3") and "地方教育附加" in m for m in p9)
    # The config problem points at the plugin line (a string ledger has no file to read: line 0).
    [problem] = [e for e in errors if f"插件配置 {key}" in e.message]
    assert problem.entry is None and problem.source["filename"] == "<string>"
    assert only_period(entries, options)["sales"] == D("400000.00")


# ---- P4 / P7 indicators ------------------------------------------------------------------

DECLARATIONS = """
2025-01-20 custom "local-edu-surcharge-revenue" "2024" 2000000.00 CNY
2024-06-30 custom "vocational-allocation" "2024" 300000.00 CNY
2024-12-20 custom "vocational-allocation" "2024" 350000.00 CNY
2024-09-01 custom "enrolled-students" "2024" 1000
2024-12-31 custom "enrolled-students" "2024" 1200
2024-03-01 custom "per-student-funds" "2024" 1200000.00 CNY
2024-09-01 custom "per-student-funds" "2024" 1200000.00 CNY
"""


def test_indicators_from_declarations():
    entries, errors, options = load(DECLARATIONS)
    assert errors == []
    result = indicators(entries, options, 2024)
    p4, p7 = result["P4"], result["P7"]
    assert p4["revenue"] == D("2000000.00") and p4["allocations"] == D("650000.00")
    assert p4["value"] == D("32.50") and p4["value_text"] == "32.50%" and p4["passed"] and p4["status"] == "达标"
    assert p7["students"] == 1200 and p7["funds"] == D("2400000.00")
    assert p7["value"] == D("2000.00") and p7["passed"]  # exactly at the minimum passes


def test_indicators_fail_and_undeclared():
    entries, errors, options = load(
        DECLARATIONS,
        '2024-01-01 custom "policy" "surcharge-vocational-share-min" 0.40\n',
        '2024-12-31 custom "per-student-funds" "2024" -1.00 CNY\n')
    assert errors == []
    result = indicators(entries, options, 2024)
    assert result["P4"]["passed"] is False and result["P4"]["status"] == "未达标"
    assert result["P7"]["value"] == D("1999.99") and result["P7"]["passed"] is False
    empty = indicators(entries, options, 2025)
    assert empty["P4"]["status"] == "未申报" and empty["P7"]["passed"] is None


def test_indicators_are_not_errors_even_when_failing():
    _, errors, _ = load('2024-12-31 custom "vocational-allocation" "2024" 1.00 CNY\n'
                        '2024-12-31 custom "local-edu-surcharge-revenue" "2024" 1000000.00 CNY\n')
    assert errors == []


@pytest.mark.parametrize("line, clause", [
    ('custom "local-edu-surcharge-revenue" "24" 1.00 CNY', "P4"),
    ('custom "vocational-allocation" "2024" 100', "P4"),
    ('custom "enrolled-students" "2024" 12.5', "P7"),
    ('custom "enrolled-students" "2024" 0', "P7"),
    ('custom "per-student-funds" "2024"', "P7"),
])
def test_malformed_declaration_is_an_error(line, clause):
    entries, errors, options = load(f"2024-12-31 {line}\n")
    [message] = messages(errors, clause)
    assert "应写作 custom" in message
    assert indicators(entries, options, 2024)[clause]["status"] == "未申报"


def test_year_may_be_a_number():
    entries, errors, options = load('2024-12-31 custom "enrolled-students" 2024 800\n')
    assert errors == [] and indicators(entries, options, 2024)["P7"]["students"] == 800


# ---- properties and the report seam -----------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from plugins.money import to_fen  # noqa: E402
from reports.render import to_json  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(vat_fen=st.integers(min_value=1, max_value=10_000_000),
       sales_offset=st.integers(min_value=-2, max_value=2),
       halving=st.booleans())
def test_booking_the_formula_is_always_clean(vat_fen, sales_offset, halving):
    vat = D(vat_fen) / 100
    sales = D("300000.00") + D(sales_offset) / 100
    def due(rate, exemptible):
        x = D(0) if exemptible and sales <= D("300000") else to_fen(vat * D(rate))
        return x - to_fen(x / 2) if halving else x  # 应纳 − 减征额, as the 申报表
    amounts = (due("0.05", False), due("0.03", True), due("0.02", True))
    policy = f'2023-01-01 custom "policy" "six-taxes-halving" {"TRUE" if halving else "FALSE"}\n'
    entries, errors, options = load(policy, sale("2024-04-10", sales, vat), booking("2024-06-28", *amounts))
    assert errors == []
    assert [t["expected"] for t in only_period(entries, options)["taxes"]] == list(amounts)


def test_the_plugin_adds_and_changes_nothing():
    from beancount.parser import parser
    from plugins.taxes import taxes
    text = HEADER + sale("2024-04-10", "400000.00", "4000.00") + booking("2024-06-28", "1", "2", "3")
    entries, _, options = parser.parse_string(text)
    out, errors = taxes(entries, options)
    # The same entries in the same order (a plain list: the loader re-sorts it).
    assert len(out) == len(entries) and all(a is b for a, b in zip(out, entries, strict=True))
    assert len(errors) == 3


def test_report_seam_serialises_and_filters_by_year():
    entries, _, options = load(INVEST, HALVING, DECLARATIONS,
                               sale("2024-07-10", "400000.00", "4000.00"),
                               booking("2024-09-30", "100.00", "60.00", "40.00"),
                               sale("2025-01-10", "100.00", "1.00"),
                               booking("2025-03-31", "0.03", "0.00", "0.00"))
    assert [r["period"] for r in surcharge_periods(entries, options, year=2025)] == ["2025Q1"]
    text = to_json({"periods": surcharge_periods(entries, options),
                    "credits": integration_credits(entries, options, 2024),
                    "indicators": indicators(entries, options, 2024)})
    assert '"period": "2024Q3"' in text and '"expected": "60.00"' in text and '"status": "达标"' in text


WORK_STUDY_AS_CITY_TAX = """
option "operating_currency" "CNY"
{plugins}
2024-01-01 open Assets:1002-银行存款:100201-农商银行基本户 CNY
2024-01-01 open Income:5001-主营业务收入:500101-勤工俭学收入 CNY
2024-01-01 open Liabilities:2221-应交税费:222101-应交增值税 CNY
2024-01-01 open Expenses:5401-主营业务成本:540101-学生劳动报酬 CNY
2024-01-01 open Liabilities:2241-其他应付款:224101-学生劳动报酬 CNY
2024-03-05 * "销售"
  Assets:1002-银行存款:100201-农商银行基本户  1010.00 CNY
  Income:5001-主营业务收入:500101-勤工俭学收入  -1000.00 CNY
  Liabilities:2221-应交税费:222101-应交增值税  -10.00 CNY
2024-03-05 * "手工计提"
  Expenses:5401-主营业务成本:540101-学生劳动报酬  1.00 CNY
  Liabilities:2241-其他应付款:224101-学生劳动报酬
"""


def test_a_generated_booking_points_alike_in_plugins_all_and_on_own_lines(monkeypatch):
    # City tax booked to P1's expense (a config no one should write): P1's accrual of
    # 03-05 (the sale's line) counts as a booking; the error points at the period's last
    # booking in the ledger's order, the accountant's, whether the accrual reached taxes
    # in the pass (own plugin lines) or after it (plugins.all).
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-12-31")
    config = "{'city_tax_expense': 'Expenses:5401-主营业务成本:540101-学生劳动报酬'}"
    found = []
    for plugins in (f'plugin "plugins.work_study"\nplugin "plugins.taxes" "{config}"',
                    f'plugin "plugins.all" "{config}"\n'):
        _, errors, _ = load_ledger(WORK_STUDY_AS_CITY_TAX.replace("{plugins}", plugins))
        [error] = [e for e in errors if "城市维护建设税" in e.message]
        found.append((error.source["lineno"], error.entry.narration, error.message))
    assert found[0] == found[1]
    assert found[0][1] == "手工计提" and "实际计提 201.00" in found[0][2]
