"""plugins.funds fast path (speed work): the per-date income runs, the general path for
transactions carrying `fund:`/`finding:` themselves, closing entries and several income
postings in one transaction must give the same figures and anchors as one by one."""
from decimal import Decimal

from plugins.funds import analyse
from tests.conftest import messages
from tests.test_funds import BANK, FJ, HEAD, YEAR_END, receipt, run, sale

LEASE = "Income:5051-其他业务收入:505101-场地租赁收入"
EQUITY = "    2024-01-01 open Equity:3104-利润分配:310415-未分配利润 CNY\n"


def _p5(body):
    entries, errors, options = run(body, head=HEAD + EQUITY + FJ)
    return analyse(entries, options), messages(errors, "P5")


def test_income_runs_across_dates_and_general_path_transactions():
    body = (sale("2024-03-01", "100.00") + sale("2024-03-01", "200.00", LEASE)
            + receipt("2024-03-01", "FJ-2024", "1000.00")  # general path in the middle of the run
            + f'''
    2024-03-01 * "收入, 注明专项资金 (不是营业收入的例外)"
      fund: "FJ-2024"
      {BANK}  50.00 CNY
      Income:5001-主营业务收入:500101-勤工俭学收入
''' + sale("2024-03-01", "300.00") + sale("2024-03-04", "400.00")
            + f'''
    2024-03-05 * "一笔两项收入"
      {BANK}  1000.00 CNY
      Income:5001-主营业务收入:500101-勤工俭学收入  -600.00 CNY
      {LEASE}  -400.00 CNY
''' + YEAR_END)
    analysis, errors = _p5(body)
    by_date = {str(d): v for d, v in analysis._income_by_date.items()}
    assert by_date["2024-03-01"] == Decimal("650.00")
    assert by_date["2024-03-04"] == Decimal("400.00")
    assert by_date["2024-03-05"] == Decimal("1000.00")
    assert analysis.training[2024]["operating_income"] == Decimal("2050.00")
    [error] = errors  # nothing accrued: anchored on the year's last income transaction
    assert "营业收入 2,050.00 元" in error and "应计提 41.00 元" in error


def test_shortfall_is_anchored_on_the_last_income_transaction():
    body = sale("2024-03-01", "100.00") + sale("2024-03-01", "200.00") + f'''
    2024-03-01 * "最后一笔收入, 注明专项资金"
      fund: "FJ-2024"
      {BANK}  50.00 CNY
      Income:5001-主营业务收入:500101-勤工俭学收入
''' + sale("2024-02-01", "1.00")
    entries, errors, options = run(body + YEAR_END, head=HEAD + EQUITY + FJ)
    [error] = [e for e in errors if str(e.message).startswith("[P5]")]
    last = analyse(entries, options)._tf[2024]["last_income"]  # YEAR_END has no income posting
    assert last.narration == "最后一笔收入, 注明专项资金"
    assert error.source["lineno"] == last.meta["lineno"]


def test_closing_entry_with_income_in_a_run_is_left_out():
    body = sale("2024-12-31", "100.00") + '''
    2024-12-31 * "结转收入"
      Income:5001-主营业务收入:500101-勤工俭学收入  100.00 CNY
      Equity:3104-利润分配:310415-未分配利润
''' + sale("2024-12-31", "300.00", LEASE)
    analysis, _ = _p5(body)
    assert analysis.training[2024]["operating_income"] == Decimal("400.00")
    assert analysis._tf[2024]["last_income"].narration == "收入"
