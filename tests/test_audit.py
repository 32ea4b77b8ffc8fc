"""Audit analytics (reports.audit): each test fires where it must and stays quiet where it must."""
import json
import math
import pathlib
import textwrap

import openpyxl
import pytest

from reports.audit import TESTS, run_audit, sample
from scripts.cli import main
from scripts.common import load
from tests.conftest import load_ledger

DEMO = pathlib.Path(__file__).parent / "data" / "audit" / "demo" / "main.beancount"

HEADER = """
option "operating_currency" "CNY"
2020-01-01 open Assets:1001-库存现金 CNY
2020-01-01 open Assets:1002-银行存款:100201-农商银行基本户 CNY
2020-01-01 open Assets:1002-银行存款:100202-建设银行一般户 CNY
2020-01-01 open Assets:1601-固定资产:160101-实训设备 CNY
2020-01-01 open Equity:3001-实收资本 CNY
2020-01-01 open Income:5001-主营业务收入:500101-勤工俭学收入 CNY
2020-01-01 open Expenses:5602-管理费用:560202-办公费 CNY
"""
BANK = "Assets:1002-银行存款:100201-农商银行基本户"
CASH = "Assets:1001-库存现金"
OFFICE = "Expenses:5602-管理费用:560202-办公费"
EQUIP = "Assets:1601-固定资产:160101-实训设备"


def pay(date, payee, amount, voucher=None, debit=OFFICE, credit=BANK, meta=(), posting_meta=()):
    """A payment transaction as ledger text."""
    head = f'{date} * "{payee}" "付款"' if payee else f'{date} * "付款"'
    lines = [head]
    lines += [f"  {m}" for m in meta]
    if voucher:
        lines.append(f'  voucher: "{voucher}"')
    lines.append(f"  {debit}  {amount} CNY")
    lines += [f"    {m}" for m in posting_meta]
    lines.append(f"  {credit}  -{amount} CNY")
    return "\n".join(lines) + "\n"


def audit(body, year=2024, **options):
    entries, errors, options_map = load_ledger(HEADER + textwrap.dedent(body))
    assert errors == []
    return run_audit(entries, options_map, year, **options)


def found(result, test):
    return [f for f in result["findings"] if f["test"] == test]


DOC = ['document: "凭证/x.pdf"']


# ---- the demo ledger: every test fires exactly once ----------------------------

def test_demo_ledger_every_test_fires_once():
    entries, errors, options_map = load(str(DEMO))
    assert errors == []
    result = run_audit(entries, options_map, 2024)
    assert {t["test"]: t["count"] for t in result["tests"]} == {t: 1 for t in TESTS}
    by_test = {f["test"]: f for f in result["findings"]}
    assert set(by_test) == set(TESTS)
    for finding in result["findings"]:
        assert set(finding) == {"test", "date", "location", "amount", "detail", "voucher", "narration", "account"}
        assert finding["location"].startswith(("2024.beancount:", "main.beancount:"))
    assert "仅供参考" in by_test["benford"]["detail"] and "首位数字 9" in by_test["benford"]["detail"]
    assert str(by_test["weekend-holiday"]["date"]) == "2024-10-03"
    assert "国庆节" in by_test["weekend-holiday"]["detail"]
    assert "记-2024-05-0003" in by_test["voucher-gap"]["detail"]
    assert str(by_test["split-threshold"]["amount"]) == "19471.00"
    assert result["base"] == str(DEMO.parent)


# ---- each test: fires, and does not fire ----------------------------------------

def test_benford_conforming_large_population_is_quiet():
    amounts = [10 ** (2 + 3 * (i + 0.5) / 900) for i in range(900)]
    body = "".join(pay(f"2024-03-{1 + i % 28:02d}", None, f"{a:.2f}") for i, a in enumerate(amounts))
    result = audit(body)
    assert result["benford"]["n"] == 900 and not result["benford"]["indicative"]
    assert result["benford"]["band"] == "高度符合"
    assert found(result, "benford") == []


def test_benford_nonconforming_population_fires_without_caveat():
    amounts = [10 ** (2 + 3 * (i + 0.5) / 600) for i in range(600)] + [5000 + i * 3.17 for i in range(120)]
    body = "".join(pay(f"2024-03-{1 + i % 28:02d}", None, f"{a:.2f}") for i, a in enumerate(amounts))
    result = audit(body)
    hits = found(result, "benford")
    assert len(hits) == 1 and "首位数字 5" in hits[0]["detail"]
    assert "仅供参考" not in hits[0]["detail"]
    assert result["benford"]["band"] == "不符合"


def test_benford_floor_and_expected_table():
    result = audit(pay("2024-03-04", None, "9.50"))
    assert result["benford"]["n"] == 0 and found(result, "benford") == []
    expected = [d["expected"] for d in result["benford"]["digits"]]
    assert math.isclose(sum(expected), 1.0, abs_tol=1e-3)


def test_duplicate_invoice_fires_across_postings_and_years():
    body = (pay("2023-12-04", "甲公司", "100.00", meta=['invoice: "A1"'])
            + pay("2024-03-04", "乙公司", "200.00", meta=['invoice: "A1"'])
            + pay("2024-03-05", "丙公司", "300.00", posting_meta=['invoice: "B2"'])
            + pay("2024-03-06", "丁公司", "400.00", meta=['invoice: "B2"'])
            + pay("2024-03-07", "戊公司", "500.00", meta=['invoice: "C3"'])
            + pay("2025-01-06", "己公司", "600.00", meta=['invoice: "C3"']))
    hits = found(audit(body), "duplicate-invoice")
    assert [(str(h["date"]), h["detail"].split()[1]) for h in hits] == [("2024-03-04", "A1"), ("2024-03-06", "B2")]
    assert found(audit(pay("2024-03-04", "甲", "1.00", meta=['invoice: "X"'])
                       + pay("2024-03-05", "甲", "1.00", meta=['invoice: "Y"']), duplicate_days=0), "duplicate-invoice") == []


def test_duplicate_payment_window_payee_and_amount():
    body = (pay("2024-03-04", "甲公司", "3186.40", meta=DOC) + pay("2024-03-07", "甲公司", "3186.40", meta=DOC)
            + pay("2024-04-01", "乙公司", "500.00") + pay("2024-04-11", "乙公司", "500.00")
            + pay("2024-05-06", "丙公司", "700.00") + pay("2024-05-07", "丁公司", "700.00")
            + pay("2024-06-03", "戊公司", "700.00") + pay("2024-06-04", "戊公司", "700.01"))
    result = audit(body)
    hits = found(result, "duplicate-payment")
    assert len(hits) == 1 and str(hits[0]["date"]) == "2024-03-07" and "相隔 3 天" in hits[0]["detail"]
    assert len(found(audit(body, duplicate_days=14), "duplicate-payment")) == 2


def test_duplicate_payment_ignores_transfers_between_own_accounts():
    body = (pay("2024-03-04", "农商银行", "800.00", debit="Assets:1002-银行存款:100202-建设银行一般户")
            + pay("2024-03-05", "农商银行", "800.00", debit="Assets:1002-银行存款:100202-建设银行一般户"))
    assert found(audit(body), "duplicate-payment") == []


def test_voucher_gap_and_repeat():
    body = (pay("2024-03-04", "甲", "1.00", "记-2024-03-0001") + pay("2024-03-05", "乙", "2.00", "记-2024-03-0002")
            + pay("2024-03-06", "丙", "3.00", "记-2024-03-0005") + pay("2024-03-07", "丁", "4.00", "记-2024-03-0005")
            + pay("2024-04-01", "戊", "5.00", "记-2024-04-0001") + pay("2024-04-02", "己", "6.00", "记-2024-04-0002")
            + pay("2023-12-04", "庚", "7.00", "记-2023-12-0003"))
    hits = found(audit(body), "voucher-gap")
    assert len(hits) == 2
    assert any("缺 记-2024-03-0003 至 记-2024-03-0004 (共 2 个)" in h["detail"] for h in hits)
    assert any("记-2024-03-0005 重号" in h["detail"] for h in hits)


def test_voucher_gap_quiet_on_continuous_numbering():
    body = "".join(pay(f"2024-03-{4 + i:02d}", "甲", f"{i + 1}.00", f"记-2024-03-{i + 1:04d}") for i in range(5))
    assert found(audit(body), "voucher-gap") == []


def test_weekend_holiday_respects_make_up_days_and_year_end_closing():
    body = (pay("2024-03-09", "甲", "1.00")          # Saturday
            + pay("2024-02-04", "乙", "2.00")        # Sunday, but a make-up working day (调休)
            + pay("2024-10-01", "丙", "3.00")        # National Day
            + pay("2024-03-11", "丁", "4.00"))       # Monday
    hits = found(audit(body), "weekend-holiday")
    assert [str(h["date"]) for h in hits] == ["2024-03-09", "2024-10-01"]
    assert "周末 (星期六)" in hits[0]["detail"] and "国庆节" in hits[1]["detail"]
    closing = textwrap.dedent("""
    2023-12-31 * "结转本年利润"
      Equity:3001-实收资本  100.00 CNY
      Income:5001-主营业务收入:500101-勤工俭学收入  -100.00 CNY
    """) + pay("2023-12-31", "甲", "9.00")  # 2023-12-31 is a Sunday: the payment is flagged
    hits = found(audit(closing, year=2023), "weekend-holiday")
    assert len(hits) == 1 and hits[0]["amount"] is not None and "付款" in hits[0]["detail"]


def test_weekend_holiday_ignores_generated_entries():
    body = """
    2024-03-09 * "计提"
      generated: "work_study"
      Expenses:5602-管理费用:560202-办公费  1.00 CNY
      Assets:1002-银行存款:100201-农商银行基本户  -1.00 CNY
    """
    assert found(audit(body), "weekend-holiday") == []


def test_round_amount():
    body = (pay("2024-03-04", "甲", "20000.00", meta=DOC) + pay("2024-03-05", "乙", "6000.00", meta=DOC)
            + pay("2024-03-06", "丙", "4000.00", meta=DOC) + pay("2024-03-07", "丁", "6000.50", meta=DOC))
    hits = found(audit(body), "round-amount")
    assert [(str(h["amount"]), "万元" in h["detail"]) for h in hits] == [("20000.00", True), ("6000.00", False)]
    assert len(found(audit(body, round_floor=3000), "round-amount")) == 3


def test_split_threshold():
    split = pay("2024-03-04", "甲", "9600.00", meta=DOC) + pay("2024-03-07", "甲", "9700.00", meta=DOC)
    hits = found(audit(split), "split-threshold")
    assert len(hits) == 1 and str(hits[0]["amount"]) == "19300.00" and str(hits[0]["date"]) == "2024-03-07"
    apart = pay("2024-03-04", "甲", "9600.00", meta=DOC) + pay("2024-03-25", "甲", "9700.00", meta=DOC)
    assert found(audit(apart), "split-threshold") == []
    low = pay("2024-03-04", "甲", "9000.00", meta=DOC) + pay("2024-03-05", "甲", "9700.00", meta=DOC)
    assert found(audit(low), "split-threshold") == []
    two_payees = pay("2024-03-04", "甲", "9600.00", meta=DOC) + pay("2024-03-05", "乙", "9700.00", meta=DOC)
    assert found(audit(two_payees), "split-threshold") == []
    raised = '2024-01-01 custom "policy" "approval-threshold" 20000\n' + split
    assert found(audit(raised), "split-threshold") == []


def test_cash_limit_uses_policy_and_ignores_deposits():
    body = (pay("2024-03-04", "甲", "1500.00", credit=CASH, meta=DOC) + pay("2024-03-05", "乙", "900.00", credit=CASH)
            + pay("2024-03-06", "银行", "1500.00", debit=BANK, credit=CASH))
    hits = found(audit(body), "cash-limit")
    assert len(hits) == 1 and str(hits[0]["amount"]) == "1500.00" and "1,000.00" in hits[0]["detail"]
    raised = '2024-01-01 custom "policy" "cash-limit" 2000\n' + body
    assert found(audit(raised), "cash-limit") == []


def test_missing_document():
    body = (pay("2024-03-04", "甲", "1200.00")
            + pay("2024-03-05", "乙", "1200.00", meta=DOC)
            + pay("2024-03-06", "丙", "1300.00", posting_meta=['document: "凭证/y.pdf"'])
            + pay("2024-03-07", "丁", "999.99")
            + pay("2024-03-08", "戊", "5000.00", debit=EQUIP)
            + pay("2024-03-11", "己", "1500.00", debit=BANK, credit="Assets:1002-银行存款:100202-建设银行一般户"))
    hits = found(audit(body), "missing-document")
    assert [(str(h["date"]), h["detail"][:4]) for h in hits] == [("2024-03-04", "费用 1"), ("2024-03-08", "资产购置")]
    exempt = textwrap.dedent("""
    2024-12-31 * "结转本年费用"
      Equity:3001-实收资本  5000.00 CNY
      Expenses:5602-管理费用:560202-办公费  -5000.00 CNY
    """) + pay("2024-03-12", "甲", "1200.00", meta=['corrects: "记-2024-03-0001"'])
    assert found(audit(exempt), "missing-document") == []


def test_related_party():
    body = textwrap.dedent("""
    2024-01-01 custom "related-party" "呼图壁县职业技术学校后勤服务部"
      relation: "举办学校的内设后勤部门"
    """) + pay("2024-03-04", "呼图壁县职业技术学校后勤服务部", "800.00") + pay("2024-03-05", "甲", "800.00")
    hits = found(audit(body), "related-party")
    assert len(hits) == 1 and "举办学校的内设后勤部门" in hits[0]["detail"]
    assert found(audit(pay("2024-03-04", "呼图壁县职业技术学校后勤服务部", "800.00")), "related-party") == []


# ---- sampling -----------------------------------------------------------------

def test_monetary_unit_sample_is_reproducible_and_hits_big_items():
    entries, errors, options_map = load(str(DEMO))
    first = sample(entries, options_map, 2024, size=10, seed=42)
    again = sample(entries, options_map, 2024, size=10, seed=42)
    other = sample(entries, options_map, 2024, size=10, seed=43)
    assert first == again and first["items"] != other["items"]
    assert sum(i["hits"] for i in first["items"]) == 10
    big = [i for i in first["items"] if i["amount"] >= first["interval"]]
    assert any(str(i["amount"]) == "20000.00" for i in big)
    assert sample(entries, options_map, 2024, size=10)["seed"] == 2024


# ---- CLI ----------------------------------------------------------------------

def test_cli_json(capsys):
    assert main(["audit", str(DEMO), "--year", "2024", "--sample", "5"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert len(result["findings"]) == 10
    assert {f["test"] for f in result["findings"]} == set(TESTS)
    finding = result["findings"][0]
    assert set(finding) == {"test", "date", "location", "amount", "detail", "voucher", "narration", "account"}
    assert isinstance(finding["amount"], str) and finding["amount"].count(".") == 1
    assert len(result["sample"]["items"]) <= 5


def test_cli_xlsx(tmp_path, capsys):
    out = tmp_path / "audit.xlsx"
    assert main(["audit", str(DEMO), "--year", "2024", "--format", "xlsx", "-o", str(out), "--sample", "5"]) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "汇总" and len(book.sheetnames) == 1 + len(TESTS) + 2
    sheet = book[TESTS["cash-limit"]]
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "2024.beancount:72" in values
    assert all(book[name]["A2"].value.startswith(("编制单位：", "被审计单位：")) for name in book.sheetnames)
    summary = book["汇总"]
    assert summary["A1"].value == "2024 年度审计分析汇总"  # the unit is in 编制单位, not a two-line title
    signs = [c.value for row in summary.iter_rows() for c in row if "__________" in str(c.value)]
    assert "单位负责人：" in signs[0] and "制表：" in signs[-1] and len(signs) == 2  # the narrow sheet signs on two lines


def test_cli_errors(tmp_path, capsys):
    assert main(["audit", str(DEMO), "--year", "24"]) == 2
    assert "四位数字" in capsys.readouterr().err
    assert main(["audit", str(DEMO), "--year", "2024", "--format", "xlsx"]) == 2
    assert "-o" in capsys.readouterr().err
    assert main(["audit", str(tmp_path / "none.beancount"), "--year", "2024"]) == 2


BUNDLED = pathlib.Path(__file__).parent.parent / "ledger" / "main.beancount"


@pytest.mark.skipif(not BUNDLED.exists(), reason="no bundled ledger")
@pytest.mark.parametrize("year", [2024, 2025])
def test_bundled_ledger_normal_traffic(year):
    """The bundled ledger follows the conventions: only the documented signals appear
    (docs/guide/07: benford indicative, one round contract price, related-party purchases,
    accruals without a calculation sheet)."""
    entries, errors, options_map = load(str(BUNDLED))
    result = run_audit(entries, options_map, year)
    counts = {t["test"]: t["count"] for t in result["tests"]}
    for test in ("duplicate-invoice", "duplicate-payment", "voucher-gap", "weekend-holiday",
                 "split-threshold", "cash-limit"):
        assert counts[test] == 0, [f for f in result["findings"] if f["test"] == test]
    assert result["benford"]["indicative"]
    assert counts["round-amount"] <= 1
    for finding in found(result, "missing-document"):
        assert "计提" in finding["detail"], finding
