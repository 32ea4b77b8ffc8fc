"""专项资金使用情况表: build_funds, findings_status, renderers and `shixun report funds`."""
import datetime
import io
import json
import re
import textwrap
from decimal import Decimal

import openpyxl
import pytest

from reports.funds import build as build_funds, findings_status, html, json_text, xlsx
from scripts.cli import main
from tests.conftest import load_ledger, messages

BANK = "Assets:1002-银行存款:100201-农商银行基本户"

LEDGER = f'''
option "title" "呼图壁县职业技术学校生产性实训基地经营中心"
option "operating_currency" "CNY"
plugin "plugins.funds"
2024-01-01 custom "shixun-option" "as-of" 2025-06-10
2024-01-01 open {BANK} CNY
2024-01-01 open Assets:1601-固定资产:160101-实训设备 CNY
2024-01-01 open Liabilities:2211-应付职工薪酬:221104-职工教育经费 CNY
2024-01-01 open Liabilities:2401-递延收益:240101-福建援疆资金 CNY
2024-01-01 open Liabilities:2401-递延收益:240102-职业教育专项资金 CNY
2024-01-01 open Income:5001-主营业务收入:500101-勤工俭学收入 CNY
2024-01-01 open Income:5051-其他业务收入:505101-场地租赁收入 CNY
2024-01-01 open Expenses:5401-主营业务成本:540102-学徒补贴 CNY
2024-01-01 open Expenses:5401-主营业务成本:540103-原材料耗用 CNY
2024-01-01 open Expenses:5602-管理费用:560202-办公费 CNY
2024-01-01 open Expenses:5602-管理费用:560204-职工教育经费 CNY
2024-01-01 open Expenses:5711-营业外支出:571101-退还违规资金 CNY
2024-01-01 open Income:5301-营业外收入:530102-政府补助 CNY

2024-01-01 custom "policy" "training-fund-rate" 0.025

2024-03-01 custom "fund" "FJ-2024" 300000.00 CNY
  source: "福建省援疆资金"
  purpose: "实训设备购置及原材料"
  allowed: "Assets:1601-固定资产,Expenses:5401-主营业务成本:540103-原材料耗用"
  expires: 2025-12-31
2025-01-02 custom "fund" "ZJ-2025" 100000.00 CNY
  source: "职业教育专项资金"
  purpose: "实训耗材"
  allowed: "Expenses:5401-主营业务成本:540103-原材料耗用"
  expires: 2026-12-31
2024-03-01 custom "apprentice" "AP-2024-01" "马晓东"
  start: 2024-03-01
2024-07-01 custom "apprentice" "AP-2024-02" "古丽娜"
  start: 2024-07-01
  end: 2025-06-30

2024-03-05 * "福建援疆资金到账"
  voucher: "记-2024-03-0001"
  fund: "FJ-2024"
  {BANK}  300000.00 CNY
  Liabilities:2401-递延收益:240101-福建援疆资金
2024-03-06 * "勤工俭学收入"
  voucher: "记-2024-03-0002"
  {BANK}  100000.00 CNY
  Income:5001-主营业务收入:500101-勤工俭学收入
2024-03-29 * "计提职工教育经费"
  voucher: "记-2024-03-0003"
  Expenses:5602-管理费用:560204-职工教育经费  2500.00 CNY
  Liabilities:2211-应付职工薪酬:221104-职工教育经费
2024-04-08 * "购置实训设备"
  voucher: "记-2024-04-0001"
  fund: "FJ-2024"
  Assets:1601-固定资产:160101-实训设备  200000.00 CNY
  {BANK}
2024-04-09 * "援疆资金支付办公费 (审计查出)"
  voucher: "记-2024-04-0002"
  Expenses:5602-管理费用:560202-办公费  4800.00 CNY
    fund: "FJ-2024"
    finding: "SJ-2025-01"
  {BANK}
2024-05-10 * "一线职工技能培训"
  voucher: "记-2024-05-0001"
  frontline: TRUE
  Liabilities:2211-应付职工薪酬:221104-职工教育经费  1500.00 CNY
  {BANK}
2024-05-11 * "管理人员培训"
  voucher: "记-2024-05-0002"
  Liabilities:2211-应付职工薪酬:221104-职工教育经费  500.00 CNY
  {BANK}
2024-12-20 * "学徒补贴"
  voucher: "记-2024-12-0001"
  Expenses:5401-主营业务成本:540102-学徒补贴  3333.33 CNY
    apprentice: "AP-2024-01"
  Expenses:5401-主营业务成本:540102-学徒补贴  2000.00 CNY
    apprentice: "AP-2024-02"
  {BANK}
2024-12-30 * "援疆资金结转当年费用 (递延收益转入)"
  voucher: "记-2024-12-0003"
  fund: "FJ-2024"
  Liabilities:2401-递延收益:240101-福建援疆资金  4800.00 CNY
  Income:5301-营业外收入:530102-政府补助
2024-12-31 * "年末"
  voucher: "记-2024-12-0002"
  {BANK}  0.00 CNY
  Income:5051-其他业务收入:505101-场地租赁收入  0.00 CNY
2025-01-06 * "职业教育专项资金到账, 援疆原材料"
  voucher: "记-2025-01-0001"
  {BANK}  100000.00 CNY
  Liabilities:2401-递延收益:240102-职业教育专项资金  -100000.00 CNY
    fund: "ZJ-2025"
  Expenses:5401-主营业务成本:540103-原材料耗用  30000.00 CNY
    fund: "FJ-2024"
  {BANK}  -30000.00 CNY
2025-03-20 custom "finding" "SJ-2025-01" 4800.00 CNY
  clause: "P10"
  description: "2024年援疆资金支付办公费, 责令退还"
  deadline: 2025-06-30
  fund: "FJ-2024"
2025-03-21 custom "finding" "SJ-2025-02" 1000.00 CNY
  clause: "P5"
  description: "职工教育经费列支招待费"
  deadline: 2025-09-30
2025-05-20 * "退还违规资金"
  voucher: "记-2025-05-0001"
  finding: "SJ-2025-01"
  Expenses:5711-营业外支出:571101-退还违规资金  4800.00 CNY
  {BANK}
2025-06-09 * "援疆资金结转当年费用 (递延收益转入)"
  voucher: "记-2025-06-0002"
  fund: "FJ-2024"
  Liabilities:2401-递延收益:240101-福建援疆资金  30000.00 CNY
  Income:5301-营业外收入:530102-政府补助
2025-06-10 * "学徒补贴"
  voucher: "记-2025-06-0001"
  Expenses:5401-主营业务成本:540102-学徒补贴  2000.00 CNY
    apprentice: "AP-2024-02"
  {BANK}
2028-01-01 custom "policy" "training-fund-rate" 0.02
'''


@pytest.fixture(scope="module")
def loaded():
    entries, errors, options = load_ledger(LEDGER)
    return entries, errors, options


def test_the_sample_ledger_is_clean(loaded):
    assert loaded[1] == []


def test_funds_of_a_year(loaded):
    entries, _, options = loaded
    report = build_funds(entries, options, 2024)
    assert report["year"] == 2024 and report["unit"].startswith("呼图壁县")
    assert [f["id"] for f in report["funds"]] == ["FJ-2024"]  # ZJ-2025 not yet declared
    [fj] = report["funds"]
    assert fj["allocation"] == Decimal("300000.00")
    assert fj["received"] == Decimal("300000.00") and fj["used"] == Decimal("204800.00")
    assert fj["balance"] == Decimal("95200.00") and fj["expires"] == datetime.date(2025, 12, 31)
    assert [(c["label"], c["amount"]) for c in fj["used_by_category"]] == [
        ("1601-固定资产", Decimal("200000.00")), ("540103-原材料耗用", Decimal("0.00")),
        ("不在允许范围", Decimal("4800.00"))]
    [violation] = fj["violations"]
    assert violation["finding"] == "SJ-2025-01" and violation["kind"] == "not-allowed"

    report = build_funds(entries, options, 2025)
    fj, zj = report["funds"]
    assert fj["opening_balance"] == Decimal("95200.00") and fj["used"] == Decimal("30000.00")
    assert fj["balance"] == Decimal("65200.00") and fj["violations"] == []
    assert zj["received"] == Decimal("100000.00") and zj["balance"] == Decimal("100000.00")


def test_training_and_apprentice_tables(loaded):
    entries, _, options = loaded
    report = build_funds(entries, options, 2024)
    t = report["training_fund"]
    assert t["operating_income"] == Decimal("100000.00") and t["rate"] == Decimal("0.025")
    assert t["required"] == Decimal("2500.00") and t["accrued"] == Decimal("2500.00")
    assert t["frontline_share"] == Decimal("0.75") and t["ok"] and t["complete"]
    rows = {a["id"]: a for a in report["apprentices"]}
    assert rows["AP-2024-01"]["months"] == 10 and rows["AP-2024-01"]["required"] == Decimal("3333.33")
    assert rows["AP-2024-02"]["months"] == 6 and rows["AP-2024-02"]["required"] == Decimal("2000.00")
    assert all(a["ok"] for a in report["apprentices"])
    report = build_funds(entries, options, 2025)
    assert report["training_fund"]["complete"] is False  # ledger ends 2025-06-10 (custom entries ignored)
    assert {a["id"]: a["months"] for a in report["apprentices"]} == {"AP-2024-01": 12, "AP-2024-02": 6}


def test_findings_status_for_the_audit_view(loaded):
    entries, _, options = loaded
    rows = {r["id"]: r for r in findings_status(entries, options)}
    assert rows["SJ-2025-01"]["status"] == "returned" and rows["SJ-2025-01"]["returned"] == Decimal("4800.00")
    assert rows["SJ-2025-01"]["returns"][0]["voucher"] == "记-2025-05-0001"
    assert rows["SJ-2025-02"]["status"] == "open" and rows["SJ-2025-02"]["status_label"] == "整改中"
    assert rows["SJ-2025-02"]["outstanding"] == Decimal("1000.00")


def test_json_keys_and_renderers(loaded):
    entries, _, options = loaded
    report = build_funds(entries, options, 2025)
    data = json.loads(json_text(report))
    for key in ("year", "unit", "funds", "training_fund", "apprentices", "findings"):
        assert key in data
    assert data["funds"][0]["balance"] == "65200.00"
    assert data["training_fund"]["rate"] == "0.025"
    assert [f["status"] for f in data["findings"]] == ["returned", "open"]
    page = html(report)
    assert "2025 年度专项资金使用情况表" in page and "FJ-2024" in page and "审计整改台账" in page
    assert "单位负责人" in page and "（盖章）" in page
    assert data["judged"] == "2025-06-10" and "状态按判断日期 2025-06-10 判断" in page  # the ledger's as-of pin
    book = openpyxl.load_workbook(io.BytesIO(xlsx(report)))
    assert book.sheetnames == ["专项资金", "支用明细", "违规支用", "职工教育经费", "学徒补贴", "审计整改台账"]
    assert book["专项资金"]["A1"].value == "2025 年度专项资金使用情况表"
    for sheet in book:  # printed heads and signatures as on paper: 编制单位：… 单位：元, 制表：____
        lines = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
        assert sheet["A2"].value.startswith("编制单位：") and "单位：元" in sheet["A2"].value, sheet.title
        signs = "    ".join(v for v in lines if "__________" in v)
        assert signs.startswith("单位负责人：") and "制表：__________" in signs, sheet.title


def test_overdue_finding_status_when_the_date_of_judgement_moves_on():
    text = LEDGER + f'''
2025-10-09 custom "shixun-option" "as-of" 2025-10-09
2025-10-09 * "收入"
  voucher: "记-2025-10-0001"
  {BANK}  100.00 CNY
  Income:5051-其他业务收入:505101-场地租赁收入
'''
    entries, errors, options = load_ledger(text)
    rows = {r["id"]: r for r in findings_status(entries, options)}
    assert rows["SJ-2025-02"]["status"] == "overdue"
    assert any("SJ-2025-02 逾期未退还" in m for m in messages(errors, "P10"))


# ---- CLI ---------------------------------------------------------------------

@pytest.fixture
def ledger_file(tmp_path):
    path = tmp_path / "main.beancount"
    path.write_text(textwrap.dedent(LEDGER), encoding="utf-8")
    return path


def cli(*argv):
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:  # argparse usage errors exit from inside main
        return exc.code


def test_cli_json_to_stdout(ledger_file, capsys):
    assert cli("report", "funds", ledger_file, "--year", "2024") == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["funds"][0]["id"] == "FJ-2024"
    assert not [line for line in out.err.splitlines() if line.startswith(("错误", "注意"))]


@pytest.mark.parametrize("fmt, check", [
    ("html", lambda b: "专项资金使用情况表" in b.decode("utf-8")),
    ("xlsx", lambda b: b[:2] == b"PK"),
    ("json", lambda b: json.loads(b)["year"] == 2025),
])
def test_cli_writes_files(ledger_file, tmp_path, capsys, fmt, check):
    target = tmp_path / f"funds.{fmt}"
    assert cli("report", "funds", ledger_file, "--year", "2025", "--format", fmt, "-o", target) == 0
    assert check(target.read_bytes())


def _one_chinese_line(err):
    lines = [line for line in err.strip().splitlines() if not line.startswith("账本: ")]  # the CLI's heading line
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lines[0])


@pytest.mark.parametrize("args", [
    ("--year", "24"),
    ("--year", "2019"),
    ("--year", "2024", "--format", "xlsx"),
    ("--year", "2024", "--format", "pdf"),
])
def test_cli_bad_arguments(ledger_file, tmp_path, capsys, args):
    target = tmp_path / "out.json"
    extra = () if "xlsx" in args else ("-o", target)
    assert cli("report", "funds", ledger_file, *args, *extra) != 0
    _one_chinese_line(capsys.readouterr().err)
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["main.beancount"]


def test_cli_missing_ledger(tmp_path, capsys):
    assert cli("report", "funds", tmp_path / "nope.beancount", "--year", "2024") != 0
    _one_chinese_line(capsys.readouterr().err)


def test_cli_broken_ledger_writes_nothing(tmp_path, capsys):
    path = tmp_path / "main.beancount"
    path.write_text(textwrap.dedent(LEDGER) + "\n2025-06-11 * \"不平\"\n  "
                    f"{BANK}  1.00 CNY\n  Income:5001-主营业务收入:500101-勤工俭学收入  -2.00 CNY\n",
                    encoding="utf-8")
    target = tmp_path / "out.html"
    assert cli("report", "funds", path, "--year", "2024", "--format", "html", "-o", target) != 0
    _one_chinese_line(capsys.readouterr().err)
    assert not target.exists()


def test_cli_missing_output_directory(ledger_file, tmp_path, capsys):
    target = tmp_path / "nope" / "out.html"
    assert cli("report", "funds", ledger_file, "--year", "2024", "--format", "html", "-o", target) != 0
    _one_chinese_line(capsys.readouterr().err)
    assert not target.parent.exists()


def test_cli_rule_errors_warn_but_report(tmp_path, capsys):
    path = tmp_path / "main.beancount"
    path.write_text(textwrap.dedent(LEDGER).replace('    finding: "SJ-2025-01"\n', ""), encoding="utf-8")
    assert cli("report", "funds", path, "--year", "2024") == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["violation_count"] == 1
    assert "规则错误" in out.err


def test_fund_indicators_for_the_finance_view(loaded):
    from reports.funds import fund_indicators
    entries, _, options = loaded
    ind = fund_indicators(entries, options, 2024)
    assert ind["P5"]["value"] == Decimal("2.50") and ind["P5"]["passed"] is True
    assert ind["P5"]["threshold_text"] == "不低于 2.5%"
    assert ind["P5-frontline"]["value_text"] == "75.00%" and ind["P5-frontline"]["status"] == "达标"
    assert ind["P6"]["value_text"] == "2/2 人" and ind["P6"]["passed"] is True
    ind = fund_indicators(entries, options, 2025)
    assert ind["P5"]["status"] == "年度未结束" and ind["P6"]["passed"] is None
    from reports.taxes import indicators
    merged = indicators(entries, options, 2024)
    assert merged["P5"]["clause"] == "P5" and merged["P6"]["clause"] == "P6"


def test_findings_rows_drill_down_to_their_entry(loaded):
    entries, _, options = loaded
    from beancount.core import compare
    hashes = {compare.hash_entry(e) for e in entries}
    assert all(r["entry_hash"] in hashes for r in findings_status(entries, options))


def test_printed_capital_lines_carry_the_figure(tmp_path):
    """The 大写 of 本年支用合计 is followed by its （小写）figure in the workbook as in the HTML,
    and the 在册期间 (a period, not an amount) is not right-aligned as a number."""
    entries, errors, options = load_ledger(LEDGER)
    report = build_funds(entries, options, 2025)
    book = openpyxl.load_workbook(io.BytesIO(xlsx(report)))
    lines = [c.value for row in book["专项资金"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(v.startswith("本年支用合计（大写）：") and "（小写）¥" in v for v in lines)
    assert "至 今</td>" in html(report) and not re.search(r'<td class="num">[^<]*至', html(report))
