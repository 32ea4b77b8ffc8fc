"""P1 work-study split (plugins.work_study): accruals, returns, the cap, payouts, age, hours."""
import datetime
import textwrap
from decimal import Decimal

import pytest
from beancount import loader

from plugins.common import GENERATED
from tests.conftest import load_judged_on_last_booking, messages

BANK = "Assets:1002-银行存款:100201-农商银行基本户"
INCOME = "Income:5001-主营业务收入:500101-勤工俭学收入"
VAT = "Liabilities:2221-应交税费:222101-应交增值税"
EXPENSE = "Expenses:5401-主营业务成本:540101-学生劳动报酬"
PAYABLE = "Liabilities:2241-其他应付款:224101-学生劳动报酬"

# Most tests look at one accrual per sale; the default (one per day) has its own tests.
PLUGIN_LINE = 'plugin "plugins.work_study" "{\'granularity\': \'transaction\'}"'
HEADER = f'''
{PLUGIN_LINE}
2024-01-01 open {BANK} CNY
2024-01-01 open {INCOME} CNY
2024-01-01 open {VAT} CNY
2024-01-01 open {EXPENSE} CNY
2024-01-01 open {PAYABLE} CNY
2024-01-01 open Equity:3104-利润分配:310415-未分配利润 CNY
'''


def load(body: str, header: str = HEADER):
    return load_judged_on_last_booking(header + textwrap.dedent(body))


def accruals(entries):
    """Generated accrual amounts (Cr payable → positive), in date order."""
    out = []
    for entry in entries:
        if entry.meta.get(GENERATED) == "work_study":
            [payable] = [p for p in entry.postings if p.account == PAYABLE]
            out.append(-payable.units.number)
    return out


def generated(entries):
    return [e for e in entries if e.meta.get(GENERATED) == "work_study"]


def test_sale_accrues_twenty_percent_as_a_marked_linked_entry():
    entries, errors, _ = load(f'''
        2024-03-05 * "县一中" "食堂订购馕 500 个" ^sale-0007
          voucher: "记-2024-03-0007"
          invoice: "24652000000000000007"
          {BANK}  1010.10 CNY
          {INCOME}  -1000.10 CNY
          {VAT}  -10.00 CNY
    ''')
    assert errors == []
    [entry] = generated(entries)
    assert entry.date == datetime.date(2024, 3, 5)
    assert entry.meta["source"].endswith(":10")
    assert entry.meta["source-voucher"] == "记-2024-03-0007"
    assert entry.meta["lineno"] == 10  # sorted and shown next to the sale
    assert entry.links == {"sale-0007"}
    assert [(p.account, p.units.number) for p in entry.postings] == [
        (EXPENSE, Decimal("200.02")), (PAYABLE, Decimal("-200.02"))]
    assert "voucher" not in entry.meta  # never mistaken for the accountant's voucher
    # The accountant's entry is untouched.
    sale = [e for e in entries if e.meta.get("voucher") == "记-2024-03-0007"][0]
    assert len(sale.postings) == 3 and GENERATED not in sale.meta


def test_rounding_is_half_up_per_transaction():
    """0.05 × 300.50 = 15.025 → 15.03 (half-up, not banker's 15.02); two sales round
    separately: 30.06, not to_fen(30.05)."""
    entries, errors, _ = load(f'''
        2024-03-05 * "sale 1"
          student-share: 0.05
          {BANK}  300.50 CNY
          {INCOME}  -300.50 CNY
        2024-03-06 * "sale 2"
          student-share: 0.05
          {BANK}  300.50 CNY
          {INCOME}  -300.50 CNY
    ''')
    assert errors == []
    assert accruals(entries) == [Decimal("15.03"), Decimal("15.03")]


def test_return_reverses_its_share():
    entries, errors, _ = load(f'''
        2024-03-05 * "sale"
          {BANK}  1000.00 CNY
          {INCOME}  -1000.00 CNY
        2024-03-08 * "退货"
          voucher: "记-2024-03-0009"
          {INCOME}  250.05 CNY
          {BANK}  -250.05 CNY
    ''')
    assert errors == []
    assert accruals(entries) == [Decimal("200.00"), Decimal("-50.01")]
    reverse = generated(entries)[1]
    assert dict((p.account, p.units.number) for p in reverse.postings) == {
        EXPENSE: Decimal("-50.01"), PAYABLE: Decimal("50.01")}
    assert reverse.narration.startswith("冲回")


def test_policy_in_force_on_the_date_is_the_share():
    entries, errors, _ = load(f'''
        2024-07-01 custom "policy" "work-study-share" 0.15
        2024-06-30 * "before"
          {BANK}  100.00 CNY
          {INCOME}  -100.00 CNY
        2024-07-01 * "after"
          {BANK}  100.00 CNY
          {INCOME}  -100.00 CNY
    ''')
    assert errors == []
    assert accruals(entries) == [Decimal("20.00"), Decimal("15.00")]


def test_lower_student_share_is_used_and_posting_meta_wins():
    entries, errors, _ = load(f'''
        2024-03-05 * "lower on txn"
          student-share: 0.10
          {BANK}  100.00 CNY
          {INCOME}  -100.00 CNY
        2024-03-06 * "posting wins"
          student-share: 0.10
          {BANK}  100.00 CNY
          {INCOME}  -100.00 CNY
            student-share: 0.05
        2024-03-07 * "zero share: nothing to accrue"
          student-share: 0
          {BANK}  100.00 CNY
          {INCOME}  -100.00 CNY
    ''')
    assert errors == []
    assert accruals(entries) == [Decimal("10.00"), Decimal("5.00")]


@pytest.mark.parametrize("value, words", [
    ("0.25", "超过政策 work-study-share 的上限 0.20"),
    ('"0.1"', "不是数字"),
    ('"20%"', "不是数字"),
    ("TRUE", "不是数字"),
    ("-0.05", "负数"),
])
def test_bad_student_share_is_an_error_and_nothing_is_generated(value, words):
    entries, errors, _ = load(f'''
        2024-03-05 * "bad share"
          voucher: "记-2024-03-0001"
          student-share: {value}
          {BANK}  100.00 CNY
          {INCOME}  -100.00 CNY
        2024-03-06 * "fine"
          {BANK}  100.00 CNY
          {INCOME}  -100.00 CNY
    ''')
    [message] = messages(errors, "P1")
    assert words in message and "本笔勤工俭学收入 100.00 元未计提学生劳动报酬" in message
    assert errors[0].source["lineno"] == 10
    assert accruals(entries) == [Decimal("20.00")]  # only the good one


def test_cap_follows_the_policy():
    _, errors, _ = load(f'''
        2024-01-01 custom "policy" "work-study-share" 0.10
        2024-03-05 * "above the lowered cap"
          student-share: 0.15
          {BANK}  100.00 CNY
          {INCOME}  -100.00 CNY
    ''')
    assert "上限 0.10" in messages(errors, "P1")[0]


def test_payouts_up_to_accruals_are_fine_beyond_is_an_error():
    entries, errors, _ = load(f'''
        2024-01-15 * "sale"
          {BANK}  1000.00 CNY
          {INCOME}  -1000.00 CNY
        2024-02-05 * "发放 1 月学生劳动报酬"
          {PAYABLE}  120.00 CNY
            student: "20240101"
          {PAYABLE}  80.00 CNY
            student: "20240102"
          {BANK}  -200.00 CNY
    ''')
    assert errors == []
    _, errors, _ = load(f'''
        2024-01-15 * "sale"
          {BANK}  1000.00 CNY
          {INCOME}  -1000.00 CNY
        2024-02-05 * "发放"
          voucher: "记-2024-02-0003"
          {PAYABLE}  150.00 CNY
            student: "20240101"
          {PAYABLE}  80.00 CNY
            student: "20240102"
          {BANK}  -230.00 CNY
    ''')
    [message] = messages(errors, "P1")
    assert "累计发放学生劳动报酬 230.00 元超过累计计提 200.00 元" in message and "超出 30.00 元" in message
    assert errors[0].source["lineno"] == 13


def test_a_return_lowers_what_may_be_paid():
    _, errors, _ = load(f'''
        2024-01-15 * "sale"
          {BANK}  1000.00 CNY
          {INCOME}  -1000.00 CNY
        2024-01-20 * "return"
          {INCOME}  500.00 CNY
          {BANK}  -500.00 CNY
        2024-02-05 * "发放"
          {PAYABLE}  150.00 CNY
            student: "20240101"
          {BANK}  -150.00 CNY
    ''')
    assert "超过累计计提 100.00 元" in messages(errors, "P1")[0]


def test_payout_without_student_is_an_error():
    _, errors, _ = load(f'''
        2024-01-15 * "sale"
          {BANK}  1000.00 CNY
          {INCOME}  -1000.00 CNY
        2024-02-05 * "发放"
          {PAYABLE}  100.00 CNY
          {PAYABLE}  50.00 CNY
            student: 20240101
          {PAYABLE}  50.00 CNY
            student: "20240102"
          {BANK}  -200.00 CNY
    ''')
    found = messages(errors, "P1")
    assert len(found) == 2
    assert "缺少 student: (学号)" in found[0] and "100.00" in found[0]
    assert "应为带引号的学号字符串" in found[1]


def test_student_on_the_transaction_counts():
    _, errors, _ = load(f'''
        2024-01-15 * "sale"
          {BANK}  1000.00 CNY
          {INCOME}  -1000.00 CNY
        2024-02-05 * "发放"
          student: "20240101"
          {PAYABLE}  100.00 CNY
          {BANK}  -100.00 CNY
    ''')
    assert errors == []


def test_unpaid_accrual_older_than_the_deadline_is_flagged_fifo():
    """Accrued 200 on 01-15 and 100 on 03-01; 150 paid on 02-05 settles the oldest first,
    so 50 of January's accrual is left; the ledger ends 04-15: 91 days > 90."""
    _, errors, _ = load(f'''
        2024-01-15 * "sale 1"
          voucher: "记-2024-01-0003"
          {BANK}  1000.00 CNY
          {INCOME}  -1000.00 CNY
        2024-02-05 * "发放"
          {PAYABLE}  150.00 CNY
            student: "20240101"
          {BANK}  -150.00 CNY
        2024-03-01 * "sale 2"
          {BANK}  500.00 CNY
          {INCOME}  -500.00 CNY
        2024-04-15 * "ledger end"
          {BANK}  1.00 CNY
          Equity:3104-利润分配:310415-未分配利润  -1.00 CNY
    ''')
    [message] = messages(errors, "P1")
    assert "2024-01-15 计提的学生劳动报酬尚有 50.00 元未发放" in message
    assert "已 91 天" in message and "90 天" in message
    assert errors[0].source["lineno"] == 10


def test_unpaid_exactly_at_the_deadline_is_fine_and_policy_extends_it():
    body = f'''
        2024-01-15 * "sale"
          {BANK}  1000.00 CNY
          {INCOME}  -1000.00 CNY
        2024-04-14 * "day 90"
          {BANK}  1.00 CNY
          Equity:3104-利润分配:310415-未分配利润  -1.00 CNY
    '''
    assert load(body)[1] == []
    later = body + f'''
        2024-05-01 * "day 107"
          {BANK}  1.00 CNY
          Equity:3104-利润分配:310415-未分配利润  -1.00 CNY
    '''
    assert "已 107 天" in messages(load(later)[1], "P1")[0]
    assert load(later + '\n        2024-01-01 custom "policy" "student-pay-days" 120\n')[1] == []


def test_fully_paid_accruals_are_not_flagged():
    _, errors, _ = load(f'''
        2024-01-15 * "sale"
          {BANK}  1000.00 CNY
          {INCOME}  -1000.00 CNY
        2024-02-05 * "发放"
          {PAYABLE}  200.00 CNY
            student: "20240101"
          {BANK}  -200.00 CNY
        2024-12-31 * "far later"
          {BANK}  1.00 CNY
          Equity:3104-利润分配:310415-未分配利润  -1.00 CNY
    ''')
    assert errors == []


def test_closing_entries_through_equity_are_not_returns():
    entries, errors, _ = load(f'''
        2024-01-15 * "sale"
          {BANK}  1000.00 CNY
          {INCOME}  -1000.00 CNY
        2024-12-31 * "结转勤工俭学收入"
          {INCOME}  1000.00 CNY
          Equity:3104-利润分配:310415-未分配利润  -1000.00 CNY
        2024-01-20 * "发放"
          {PAYABLE}  200.00 CNY
            student: "20240101"
          {BANK}  -200.00 CNY
    ''')
    assert errors == []
    assert accruals(entries) == [Decimal("200.00")]


def test_accountant_credit_to_payable_counts_as_accrual():
    _, errors, _ = load(f'''
        2024-01-01 * "期初余额: 上年未发放的学生劳动报酬"
          Equity:3104-利润分配:310415-未分配利润  300.00 CNY
          {PAYABLE}  -300.00 CNY
        2024-01-10 * "发放上年余额"
          {PAYABLE}  300.00 CNY
            student: "20230101"
          {BANK}  -300.00 CNY
    ''')
    assert errors == []


def test_config_renames_accounts():
    header = '''
    plugin "plugins.work_study" "{'work_study_income': 'Income:WS', 'student_expense': 'Expenses:Stu', 'student_payable': 'Liabilities:Stu'}"
    2024-01-01 open Assets:Bank CNY
    2024-01-01 open Income:WS CNY
    2024-01-01 open Expenses:Stu CNY
    2024-01-01 open Liabilities:Stu CNY
    '''
    entries, errors, _ = load('''
        2024-01-15 * "sale"
          Assets:Bank  50.00 CNY
          Income:WS:Sub  -50.00 CNY
        2024-02-01 * "pay"
          Liabilities:Stu  10.00 CNY
            student: "1"
          Assets:Bank  -10.00 CNY
    ''', header=textwrap.dedent(header) + "2024-01-01 open Income:WS:Sub CNY\n")
    assert errors == []
    [entry] = generated(entries)
    assert [(p.account, p.units.number) for p in entry.postings] == [
        ("Expenses:Stu", Decimal("10.00")), ("Liabilities:Stu", Decimal("-10.00"))]


def test_bad_config_is_a_p1_error():
    _, errors, _ = load("", header='plugin "plugins.work_study" "{\'payble\': \'x\'}"\n')
    assert "插件配置含未知项: payble" in messages(errors, "P1")[0]


# ---- work hours and the roster ---------------------------------------------

@pytest.mark.parametrize("line, words", [
    ('2024-01-31 custom "work-hours" "20240101" -3\n  base: "农产品精深加工"', "为负数"),
    ('2024-01-31 custom "work-hours" "20240101" "八小时"\n  base: "农产品精深加工"', "不是数字"),
    ('2024-01-31 custom "work-hours" "20240101" 3 CNY\n  base: "农产品精深加工"', "不是数字"),
    ('2024-01-31 custom "work-hours" 20240101 3\n  base: "农产品精深加工"', "带引号的字符串"),
    ('2024-01-31 custom "work-hours" "20240101" 3', "缺少 base:"),
    ('2024-01-31 custom "work-hours" "20240101"\n  base: "农产品精深加工"', "应写作"),
])
def test_bad_work_hours_are_errors(line, words):
    _, errors, _ = load(line + "\n")
    [message] = messages(errors, "P1")
    assert message.startswith("[P1] 工时记录有误") and words in message
    assert errors[0].source["lineno"] == 9


def test_good_work_hours_without_roster_pass():
    _, errors, _ = load('2024-01-31 custom "work-hours" "20240101" 42.5\n  base: "农产品精深加工"\n')
    assert errors == []


def write_ledger(tmp_path, body, roster=None, plugin_line='plugin "plugins.work_study"'):
    main = tmp_path / "main.beancount"
    main.write_text(HEADER.replace(PLUGIN_LINE, plugin_line)
                    + textwrap.dedent(body), encoding="utf-8")
    if roster is not None:
        (tmp_path / "students.csv").write_text(roster, encoding="utf-8")
    return main


ROSTER = "学号,姓名,班级,基地\n20240101,阿依古丽,2024级农产品加工1班,农产品精深加工\n20240102,马晓东,2024级电子商务1班,电子商务\n"


def test_roster_next_to_the_top_file_knows_students(tmp_path, monkeypatch):
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-02-05")
    main = write_ledger(tmp_path, f'''
        2024-01-15 * "sale"
          {BANK}  1000.00 CNY
          {INCOME}  -1000.00 CNY
        2024-01-31 custom "work-hours" "20240101" 40
          base: "农产品精深加工"
        2024-01-31 custom "work-hours" "20249999" 8
          base: "农产品精深加工"
        2024-02-05 * "发放"
          {PAYABLE}  100.00 CNY
            student: "20240102"
          {PAYABLE}  50.00 CNY
            student: "20248888"
          {BANK}  -150.00 CNY
    ''', roster=ROSTER)
    _, errors, _ = loader.load_file(str(main))
    found = messages(errors, "P1")
    assert len(found) == 2
    assert "学号 20249999 不在学生名册中" in found[0]
    assert "学号 20248888, 该学号不在学生名册中" in found[1]


def test_no_roster_file_skips_the_check(tmp_path):
    main = write_ledger(tmp_path, '2024-01-31 custom "work-hours" "20249999" 8\n  base: "x"\n')
    assert loader.load_file(str(main))[1] == []


def test_configured_roster_path_relative_to_ledger_and_missing_is_an_error(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "名册.csv").write_text(ROSTER, encoding="utf-8")
    body = '2024-01-31 custom "work-hours" "20249999" 8\n  base: "x"\n'
    main = write_ledger(tmp_path, body, plugin_line='plugin "plugins.work_study" "{\'roster\': \'data/名册.csv\'}"')
    assert "20249999 不在学生名册中" in messages(loader.load_file(str(main))[1], "P1")[0]
    main = write_ledger(tmp_path, body, plugin_line='plugin "plugins.work_study" "{\'roster\': \'nope.csv\'}"')
    assert "插件配置指定的学生名册不存在" in messages(loader.load_file(str(main))[1], "P1")[0]


@pytest.mark.parametrize("content, words", [
    ("学号,班级\n1,a\n", "缺少表头"),
    ("", "为空"),
    (ROSTER + "20240101,重名,x,y\n", "学号 20240101 重复"),
])
def test_broken_roster_is_an_error_naming_file_and_row(tmp_path, content, words):
    main = write_ledger(tmp_path, "", roster=content)
    _, errors, _ = loader.load_file(str(main))
    [message] = messages(errors, "P1")
    assert words in message and "students.csv" in errors[0].source["filename"]


HOURS_OF_UNKNOWN_AND_KNOWN = '''
    2024-01-31 custom "work-hours" "20240101" 40
      base: "农产品精深加工"
    2024-01-31 custom "work-hours" "20249999" 8
      base: "农产品精深加工"
'''


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_gbk_and_bom_rosters_read_as_utf8(tmp_path, encoding):
    main = write_ledger(tmp_path, HOURS_OF_UNKNOWN_AND_KNOWN)
    (tmp_path / "students.csv").write_bytes(ROSTER.encode(encoding))
    [message] = messages(loader.load_file(str(main))[1], "P1")
    assert "学号 20249999 不在学生名册中" in message


def test_undecodable_roster_is_one_error_and_skips_the_check(tmp_path):
    main = write_ledger(tmp_path, HOURS_OF_UNKNOWN_AND_KNOWN)
    (tmp_path / "students.csv").write_bytes(b"\x81\xff\xfe\x00" * 50)
    [message] = messages(loader.load_file(str(main))[1], "P1")
    assert "学生名册" in message and "不在学生名册中" not in message


def test_bad_policy_is_reported_once_by_the_plugin():
    _, errors, _ = load('2024-01-01 custom "policy" "work-study-share" 1.5\n')
    assert len(messages(errors, "P1")) == 1


def test_age_is_measured_against_ledger_end_not_custom_entries_dated_ahead():
    """A policy or work-hours entry dated in the future is no evidence that time passed."""
    from plugins.common import ledger_end
    entries, errors, _ = load(f'''
        2024-01-15 * "sale"
          {BANK}  1000.00 CNY
          {INCOME}  -1000.00 CNY
        2028-01-01 custom "policy" "work-study-share" 0.15
    ''')
    assert errors == []
    assert ledger_end(entries) == datetime.date(2024, 1, 15)


def test_daily_granularity_one_entry_per_day_rounded_per_sale():
    header = HEADER.replace(PLUGIN_LINE, 'plugin "plugins.work_study"')  # the default
    entries, errors, _ = load(f'''
        2024-03-05 * "sale 1" ^s1
          voucher: "记-2024-03-0001"
          student-share: 0.05
          {BANK}  300.50 CNY
          {INCOME}  -300.50 CNY
        2024-03-05 * "sale 2"
          voucher: "记-2024-03-0002"
          student-share: 0.05
          {BANK}  300.50 CNY
          {INCOME}  -300.50 CNY
        2024-03-06 * "sale 3"
          {BANK}  100.00 CNY
          {INCOME}  -100.00 CNY
    ''', header=header)
    assert errors == []
    day1, day2 = generated(entries)
    assert accruals(entries) == [Decimal("30.06"), Decimal("20.00")]  # 15.03 + 15.03, not 30.05
    assert day1.meta["sources"] == 2 and day1.meta["source-vouchers"] == "记-2024-03-0001, 记-2024-03-0002"
    assert day1.links == {"s1"} and day1.meta["lineno"] == 10
    assert day2.meta["sources"] == 1


def test_bad_granularity_is_a_config_error():
    _, errors, _ = load("", header='plugin "plugins.work_study" "{\'granularity\': \'week\'}"\n')
    assert "granularity" in messages(errors, "P1")[0]


# ---- SPEC §3 P1 as it now reads -------------------------------------------------

def test_a_return_after_the_payout_breaks_the_invariant_at_its_date():
    """Sale 1,000.00 → 200.00 accrued; 200.00 paid; the whole sale returned → accruals
    0.00 against payouts 200.00: an error at the return, not at some later payout."""
    _, errors, _ = load(f'''
        2024-03-01 * "sale"
          {BANK}  1000.00 CNY
          {INCOME}  -1000.00 CNY
        2024-03-10 * "发放"
          {PAYABLE}  200.00 CNY
            student: "20240101"
          {BANK}  -200.00 CNY
        2024-03-20 * "整单退货"
          {INCOME}  1000.00 CNY
          {BANK}  -1000.00 CNY
    ''')
    [message] = messages(errors, "P1")
    assert "2024-03-20 冲回勤工俭学收入 (退货) 后: 累计发放学生劳动报酬 200.00 元超过累计计提 0.00 元 (超出 200.00 元)" in message
    assert errors[0].source["lineno"] == 17  # the return


def test_a_hand_written_accrual_counts_against_the_cap():
    """Sale 25,000.00: the cap is 5,000.00, all accrued by the plugin; a hand-written
    Dr 540101 / Cr 224101 of 5,000.00 takes the year to 10,000.00, 5,000.00 over."""
    _, errors, _ = load(f'''
        2024-03-01 * "sale"
          {BANK}  25000.00 CNY
          {INCOME}  -25000.00 CNY
        2024-03-31 * "手工计提学生劳动报酬"
          {EXPENSE}  5000.00 CNY
          {PAYABLE}  -5000.00 CNY
    ''')
    [message] = messages(errors, "P1")
    assert "2024 年记入" in message and "合计 10000.00 元 (其中手工记入 5000.00 元)" in message
    assert "上限 5000.00 元, 超出 5000.00 元" in message
    assert errors[0].source["lineno"] == 13  # the hand-written accrual


def test_unpaid_share_is_blamed_on_the_sale_whose_share_is_unpaid():
    """Two sales on one day (one generated entry): 100.00 and 60.00 accrued; 100.00
    paid; 90 days later the 60.00 still unpaid belongs to the second sale."""
    header = HEADER.replace(PLUGIN_LINE, 'plugin "plugins.work_study"')
    _, errors, _ = load(f'''
        2024-03-01 * "first sale"
          voucher: "记-2024-03-0001"
          {BANK}  500.00 CNY
          {INCOME}  -500.00 CNY
        2024-03-01 * "second sale"
          voucher: "记-2024-03-0002"
          {BANK}  300.00 CNY
          {INCOME}  -300.00 CNY
        2024-03-10 * "发放"
          {PAYABLE}  100.00 CNY
            student: "20240101"
          {BANK}  -100.00 CNY
        2024-06-01 * "later"
          {BANK}  0.00 CNY
          {INCOME}  0.00 CNY
    ''', header)
    [message] = messages(errors, "P1")
    assert "尚有 60.00 元未发放 (自 2024-03-01 记-2024-03-0002 这笔销售的提成起)" in message
    assert errors[0].source["lineno"] == 14  # the second sale
