"""P2 (plugins.treasury): net profit owed to the treasury, losses carried forward,
欠缴 after the deadline, 多缴, payments without a 缴款书号."""
import datetime
from decimal import Decimal

from beancount.core import data

from plugins.treasury import treasury_years
from tests.conftest import load_judged_on_last_booking, load_ledger, messages

PAYABLE = "Liabilities:2232-应付利润:223201-上缴国库"
APPROPRIATION = "Equity:3104-利润分配:310405-应付利润"

HEAD = """
    option "title" "呼图壁县生产性实训基地经营管理中心"
    plugin "plugins.treasury"
    2023-01-01 open Assets:1002-银行存款:100201-农商银行基本户 CNY
    2023-01-01 open Income:5001-主营业务收入:500101-勤工俭学收入 CNY
    2023-01-01 open Income:5301-营业外收入:530101-政府补助 CNY
    2023-01-01 open Expenses:5602-管理费用:560202-办公费 CNY
    2023-01-01 open Expenses:5801-所得税费用 CNY
    2023-01-01 open Liabilities:2221-应交税费:222103-应交所得税 CNY
    2023-01-01 open Liabilities:2232-应付利润:223201-上缴国库 CNY
    2023-01-01 open Equity:3104-利润分配:310405-应付利润 CNY
    2023-01-01 open Equity:3104-利润分配:310415-未分配利润 CNY
"""


def sale(date, amount):
    return f"""
    {date} * "勤工俭学产品销售"
      voucher: "记-{date[:7]}-0001"
      Assets:1002-银行存款:100201-农商银行基本户  {amount} CNY
      Income:5001-主营业务收入:500101-勤工俭学收入
"""


def expense(date, amount):
    return f"""
    {date} * "办公用品"
      Expenses:5602-管理费用:560202-办公费  {amount} CNY
      Assets:1002-银行存款:100201-农商银行基本户
"""


def payment(date, amount, receipt='"(2025)新财缴 0012345"'):
    meta = f"\n      receipt: {receipt}" if receipt else ""
    return f"""
    {date} * "上缴国库利润"{meta}
      Liabilities:2232-应付利润:223201-上缴国库  {amount} CNY
      Assets:1002-银行存款:100201-农商银行基本户
"""


def load(*parts):
    return load_judged_on_last_booking(HEAD + "".join(parts))


def generated(entries):
    return [e for e in entries if isinstance(e, data.Transaction) and (e.meta or {}).get("generated") == "treasury"]


def test_profit_year_books_owed_on_12_31_and_paid_in_time_is_clean():
    entries, errors, _ = load(
        sale("2024-03-01", "10000.00"),
        expense("2024-04-01", "1000.00"),
        payment("2025-03-12", "9000.00"),
        expense("2025-06-02", "100.00"),
    )
    assert messages(errors) == []
    (entry,) = [e for e in generated(entries) if e.date.year == 2024]
    assert entry.date == datetime.date(2024, 12, 31)
    assert entry.links == frozenset({"treasury-2024"})
    assert entry.meta["net-profit"] == Decimal("9000.00")
    assert entry.meta["losses-absorbed"] == Decimal("0.00")
    assert entry.meta["owed"] == Decimal("9000.00")
    assert entry.meta["filename"] and entry.meta["lineno"] > 0
    legs = {p.account: p.units.number for p in entry.postings}
    assert legs == {APPROPRIATION: Decimal("9000.00"), PAYABLE: Decimal("-9000.00")}
    # 2025 made a loss (−100): nothing owed, no entry.
    assert [e.date.year for e in generated(entries)] == [2024]


def test_loss_year_owes_nothing_and_carries_the_loss():
    entries, errors, _ = load(sale("2024-03-01", "1000.00"), expense("2024-04-01", "4000.00"))
    assert messages(errors) == []
    assert generated(entries) == []
    row = treasury_years(entries).row(2024)
    assert row.net_profit == Decimal("-3000.00")
    assert row.owed == 0 and row.loss_carried == Decimal("3000.00")


def test_loss_absorbed_by_later_profit_first():
    entries, errors, _ = load(
        sale("2023-03-01", "1000.00"), expense("2023-04-03", "4000.00"),   # 2023: −3000
        sale("2024-03-01", "2000.00"),                                       # 2024: +2000, all absorbed
        sale("2025-03-03", "5000.00"),                                       # 2025: +5000, 1000 absorbed
        payment("2026-03-02", "4000.00", '"(2026)新财缴 0000001"'),
    )
    assert messages(errors) == []
    result = treasury_years(entries)
    r23, r24, r25 = (result.row(y) for y in (2023, 2024, 2025))
    assert (r23.owed, r23.loss_carried) == (0, Decimal("3000.00"))
    assert (r24.losses_absorbed, r24.owed, r24.loss_carried) == (Decimal("2000.00"), 0, Decimal("1000.00"))
    assert (r25.losses_absorbed, r25.owed, r25.loss_carried) == (Decimal("1000.00"), Decimal("4000.00"), 0)
    (entry,) = generated(entries)
    assert entry.date == datetime.date(2025, 12, 31) and entry.meta["losses-absorbed"] == Decimal("1000.00")


def test_without_loss_carryforward_each_year_stands_alone():
    entries, errors, _ = load(
        '\n    2023-01-01 custom "policy" "loss-carryforward" FALSE\n',
        sale("2023-03-01", "1000.00"), expense("2023-04-03", "4000.00"),
        sale("2024-03-01", "2000.00"),
        payment("2025-03-03", "2000.00"),
    )
    assert messages(errors) == []
    (entry,) = generated(entries)
    assert entry.meta["owed"] == Decimal("2000.00") and entry.meta["losses-absorbed"] == 0


def test_partial_payment_is_arrears_only_after_the_deadline():
    parts = [sale("2024-03-01", "10000.00"), expense("2024-04-01", "1000.00"),
             payment("2025-03-12", "5000.00")]
    # The ledger ends on the deadline: nothing overdue yet.
    _, errors, _ = load(*parts, expense("2025-05-30", "1.00"))
    assert messages(errors, "P2") == []
    # The ledger runs past 2025-05-31 with 4000 still unpaid: 欠缴.
    entries, errors, _ = load(*parts, expense("2025-06-03", "1.00"))
    (message,) = messages(errors, "P2")
    assert "欠缴" in message and "2024" in message and "4000.00" in message and "9000.00" in message
    assert "2025-05-31" in message
    (error,) = [e for e in errors if e.message.startswith("[P2]")]
    assert error.source["lineno"] > 0 and error.source["filename"]
    row = treasury_years(entries).row(2024)
    assert row.overdue and row.paid == Decimal("5000.00") and row.outstanding == Decimal("4000.00")


def test_paying_the_rest_late_clears_the_arrears():
    _, errors, _ = load(sale("2024-03-01", "10000.00"), payment("2025-03-12", "5000.00"),
                        payment("2025-07-01", "5000.00"))
    assert messages(errors, "P2") == []


def test_deadline_policy_moves_the_deadline():
    _, errors, _ = load('\n    2024-01-01 custom "policy" "treasury-deadline" "06-30"\n',
                        sale("2024-03-01", "10000.00"), expense("2025-06-03", "1.00"))
    assert messages(errors, "P2") == []


def test_overpayment_is_an_error_on_the_payment():
    _, errors, _ = load(sale("2024-03-01", "10000.00"), expense("2024-04-01", "1000.00"),
                        payment("2025-03-12", "6000.00"), payment("2025-04-01", "4000.00"))
    (message,) = messages(errors, "P2")
    assert "多缴" in message and "1000.00" in message and "10000.00" in message and "9000.00" in message
    (error,) = [e for e in errors if e.message.startswith("[P2]")]
    assert error.entry.date == datetime.date(2025, 4, 1)


def test_paying_before_the_year_is_closed_is_overpayment():
    _, errors, _ = load(sale("2024-03-01", "10000.00"), payment("2024-11-01", "100.00"))
    (message,) = messages(errors, "P2")
    assert "多缴" in message


def test_payment_without_receipt_is_an_error():
    _, errors, _ = load(sale("2024-03-01", "10000.00"), payment("2025-03-12", "10000.00", receipt=None))
    (message,) = messages(errors, "P2")
    assert "缴款书号" in message and "receipt" in message and "10000.00" in message


def test_receipt_on_the_posting_counts():
    text = """
    2025-03-12 * "上缴国库利润"
      Liabilities:2232-应付利润:223201-上缴国库  10000.00 CNY
        receipt: "(2025)新财缴 0012345"
      Assets:1002-银行存款:100201-农商银行基本户
"""
    _, errors, _ = load(sale("2024-03-01", "10000.00"), text)
    assert messages(errors, "P2") == []


def test_share_below_one_rounds_half_up():
    entries, errors, _ = load('\n    2020-01-01 custom "policy" "treasury-share" 0.50\n'
                              '      authority: "呼县政发〔2020〕3号"\n',
                              sale("2024-03-01", "1000.05"),
                              payment("2025-03-12", "500.03"))
    assert messages(errors) == []
    (entry,) = generated(entries)
    assert entry.meta["treasury-share"] == Decimal("0.50")
    assert entry.meta["owed"] == Decimal("500.03")  # 500.025 half-up


def test_net_profit_counts_income_tax_and_non_operating_items(monkeypatch):
    monkeypatch.setenv("SHIXUN_AS_OF", "2025-01-02")  # 2024 is over
    income_tax = """
    2024-12-31 * "计提所得税"
      Expenses:5801-所得税费用  250.00 CNY
      Liabilities:2221-应交税费:222103-应交所得税
    2024-05-06 * "政府补助"
      Assets:1002-银行存款:100201-农商银行基本户  500.00 CNY
      Income:5301-营业外收入:530101-政府补助
"""
    entries, _, _ = load(sale("2024-03-01", "10000.00"), income_tax)
    (entry,) = generated(entries)
    assert entry.meta["net-profit"] == Decimal("10250.00")


def test_hand_written_closing_entry_does_not_hide_the_profit(monkeypatch):
    monkeypatch.setenv("SHIXUN_AS_OF", "2025-01-02")  # 2024 is over
    closing = """
    2024-12-31 * "结转本年利润"
      Income:5001-主营业务收入:500101-勤工俭学收入  10000.00 CNY
      Equity:3104-利润分配:310415-未分配利润
"""
    entries, _, _ = load(sale("2024-03-01", "10000.00"), closing)
    (entry,) = generated(entries)
    assert entry.meta["owed"] == Decimal("10000.00")


def test_open_year_is_not_booked_but_computed_provisionally():
    entries, _, _ = load(sale("2024-03-01", "10000.00"))
    row = treasury_years(entries, today=datetime.date(2024, 12, 1)).row(2024)
    assert not row.closed and row.owed == Decimal("10000.00")
    # A year is closed once the ledger holds an entry after it, whatever the clock says.
    entries, _, _ = load(sale("2024-03-01", "10000.00"), expense("2025-01-02", "1.00"))
    assert treasury_years(entries, today=datetime.date(2025, 1, 5)).row(2024).closed


def test_config_renames_the_accounts(monkeypatch):
    monkeypatch.setenv("SHIXUN_AS_OF", "2025-01-02")  # 2024 is over
    text = HEAD.replace('plugin "plugins.treasury"',
                        "plugin \"plugins.treasury\" \"{'treasury_payable': 'Liabilities:2232-应付利润:223299-其他'}\"")
    text += "    2023-01-01 open Liabilities:2232-应付利润:223299-其他 CNY\n" + sale("2024-03-01", "10.00")
    entries, errors, _ = load_ledger(text)
    assert messages(errors) == []
    (entry,) = generated(entries)  # judged 2025-01-02: 2024 is over, its 10.00 not yet due
    assert {p.account for p in entry.postings} == {APPROPRIATION, "Liabilities:2232-应付利润:223299-其他"}


def test_bad_config_is_a_p2_error():
    text = HEAD.replace('plugin "plugins.treasury"', "plugin \"plugins.treasury\" \"{'nope': 1}\"")
    _, errors, _ = load_ledger(text + sale("2024-03-01", "10.00"))
    assert any("未知项" in m for m in messages(errors, "P2"))


def test_generated_entries_are_marked_and_the_ledger_balances():
    entries, errors, _ = load(sale("2024-03-01", "10000.00"), payment("2025-03-12", "10000.00"))
    assert errors == []
    assert all(e.meta.get("generated") == "treasury" for e in generated(entries))
    # The accountant's entries are untouched: same count plus the generated one.
    plain, _, _ = load_ledger((HEAD + sale("2024-03-01", "10000.00") + payment("2025-03-12", "10000.00"))
                              .replace('plugin "plugins.treasury"', ""))
    assert len(entries) == len(plain) + 1


def test_a_policy_scheduled_in_the_future_does_not_make_a_year_overdue():
    _, errors, _ = load('\n    2028-01-01 custom "policy" "six-taxes-halving" FALSE\n',
                        sale("2024-03-01", "10000.00"), payment("2025-03-12", "10000.00"),
                        sale("2025-06-02", "100.00"))
    assert messages(errors, "P2") == []  # 2025's 100.00 is due only by 2026-05-31


def test_a_payment_spanning_two_years_is_split_fifo():
    entries, errors, _ = load(sale("2023-03-01", "100.00"), sale("2024-03-01", "200.00"),
                              payment("2024-03-04", "60.00"), payment("2025-03-03", "240.00"))
    assert messages(errors) == []
    result = treasury_years(entries)
    r23, r24 = result.row(2023), result.row(2024)
    assert [(p.date.isoformat(), part) for p, part in r23.applied] == [
        ("2024-03-04", Decimal("60.00")), ("2025-03-03", Decimal("40.00"))]
    assert [(p.date.isoformat(), part) for p, part in r24.applied] == [("2025-03-03", Decimal("200.00"))]
    assert r23.outstanding == r24.outstanding == 0


def test_accounts_not_opened_is_one_chinese_error_and_nothing_generated(monkeypatch):
    monkeypatch.setenv("SHIXUN_AS_OF", "2025-01-02")  # 2024 is over, its profit not yet due
    text = HEAD.replace("    2023-01-01 open Equity:3104-利润分配:310405-应付利润 CNY\n", "")
    entries, errors, _ = load_ledger(text + sale("2024-03-01", "10.00"))
    (message,) = messages(errors)
    assert message.startswith("[P2] 科目未开设") and "310405" in message and "2024" in message
    assert generated(entries) == []


def test_a_hand_written_accrual_is_a_duplicate_not_a_doubled_debt(monkeypatch):
    """2024 profit 130,000.00, paid in full by 2025-05-20; the accountant also booked
    Dr 利润分配 / Cr 223201 130,000.00 (a 用友 habit): one 重复计提 error at it, and the
    year is neither doubled nor in arrears (期限内已缴 130,000.00)."""
    monkeypatch.setenv("SHIXUN_AS_OF", "2025-06-30")
    entries, errors, _ = load(sale("2024-03-01", "130000.00"), """
    2024-12-31 * "计提应付利润"
      Equity:3104-利润分配:310405-应付利润  130000.00 CNY
      Liabilities:2232-应付利润:223201-上缴国库
""", payment("2025-05-20", "130000.00"))
    [message] = messages(errors, "P2")
    assert message.startswith("[P2] 重复计提: 2024-12-31 手工贷记上缴国库 130000.00 元")
    row = treasury_years(entries).row(2024)
    assert row.owed == Decimal("130000.00") and row.outstanding == Decimal("0.00")


def test_arrears_are_judged_on_as_of_and_point_at_the_years_accrual(monkeypatch):
    """2024 owes 10,000.00, 4,000.00 paid by the deadline: on 2026-12-02 (as-of, though the
    books end in 2025) 6,000.00 is 欠缴, at the generated 2024-12-31 accrual."""
    monkeypatch.setenv("SHIXUN_AS_OF", "2026-12-02")
    entries, errors, _ = load(sale("2024-03-01", "10000.00"), payment("2025-05-30", "4000.00"))
    [message] = messages(errors, "P2")
    assert "期限内已缴 4000.00 元, 至判断日期 2026-12-02 仍欠缴 6000.00 元" in message
    [accrual] = generated(entries)
    assert errors[0].entry is accrual
