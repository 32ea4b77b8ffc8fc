"""学生劳动报酬发放表 (reports/students.py) and `shixun report students`."""
import datetime
import io
import json
from decimal import Decimal

import pytest
from beancount import loader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugins.money import to_fen
from reports.students import build as build_students, html as students_html, xlsx as students_xlsx
from scripts.cli import main
from tests.conftest import load_ledger
from tests.test_work_study import BANK, EXPENSE, HEADER, INCOME, PAYABLE, PLUGIN_LINE, ROSTER, accruals

D = datetime.date

BODY = f'''
option "title" "呼图壁县生产性实训基地经营中心"
2024-01-10 * "sale 1"
  voucher: "记-2024-01-0001"
  {BANK}  1000.00 CNY
  {INCOME}  -1000.00 CNY
2024-01-20 * "sale 2"
  {BANK}  500.05 CNY
  {INCOME}  -500.05 CNY
2024-01-31 custom "work-hours" "20240101" 40
  base: "农产品精深加工"
2024-01-31 custom "work-hours" "20240102" 20
  base: "电子商务"
2024-01-31 custom "work-hours" "20240103" 0
  base: "电子商务"
2024-02-05 * "发放 1 月学生劳动报酬"
  {PAYABLE}  200.01 CNY
    student: "20240101"
  {PAYABLE}  100.00 CNY
    student: "20240102"
  {BANK}  -300.01 CNY
2024-02-10 * "sale 3"
  {BANK}  100.00 CNY
  {INCOME}  -100.00 CNY
'''



@pytest.fixture(autouse=True)
def judged_in_spring_2024(monkeypatch):
    """The sheets below are judged on 2024-03-31 (plugins.asof): every accrual is inside its pay-days."""
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-03-31")

ROSTER3 = ROSTER + "20240103,李娜,2024级电子商务1班,电子商务\n"


def write(tmp_path, body=BODY, roster=ROSTER3):
    main_file = tmp_path / "main.beancount"
    main_file.write_text(HEADER + body, encoding="utf-8")
    if roster is not None:
        (tmp_path / "students.csv").write_text(roster, encoding="utf-8")
    return main_file


def sheet_of(tmp_path, start=D(2024, 1, 1), end=D(2024, 2, 29), expect=(), **kwargs):
    entries, errors, options = loader.load_file(str(write(tmp_path, **kwargs)))
    assert [e.message.split(" ")[1] for e in errors] == list(expect)
    return build_students(entries, options, start, end)


def test_pool_split_by_hours_against_payouts(tmp_path):
    """Pool Jan = 200.00 + 100.01 = 300.01; 40:20:0 hours → 200.01 (larger remainder), 100.00, 0."""
    sheet = sheet_of(tmp_path, end=D(2024, 1, 31))
    assert sheet["unit"] == "呼图壁县生产性实训基地经营中心"
    assert sheet["pool"] == Decimal("300.01")
    assert sheet["hours_total"] == Decimal("60")
    rows = {s["student"]: s for s in sheet["students"]}
    assert [s["student"] for s in sheet["students"]] == ["20240101", "20240102", "20240103"]
    assert rows["20240101"]["allocated"] == Decimal("200.01")
    assert rows["20240102"]["allocated"] == Decimal("100.00")
    assert rows["20240103"]["allocated"] == Decimal("0")
    assert rows["20240101"]["name"] == "阿依古丽" and rows["20240101"]["class"] == "2024级农产品加工1班"
    assert rows["20240101"]["base"] == "农产品精深加工"
    assert rows["20240103"]["name"] == "李娜"  # zero hours: listed, nothing allocated
    assert sheet["allocated_total"] == sheet["pool"]
    assert sheet["paid_total"] == 0  # paid in February, outside the period
    assert rows["20240101"]["difference"] == Decimal("200.01")
    assert sheet["pool_capital"] == "叁佰元零壹分"


def test_paid_in_the_period_side_by_side(tmp_path):
    sheet = sheet_of(tmp_path, start=D(2024, 2, 1), end=D(2024, 2, 29))
    assert sheet["pool"] == Decimal("20.00")
    assert sheet["hours_total"] == 0
    assert sheet["paid_total"] == Decimal("300.01")
    assert sheet["unallocated"] == Decimal("20.00")
    rows = {s["student"]: s for s in sheet["students"]}
    assert rows["20240101"]["paid"] == Decimal("200.01")
    assert rows["20240101"]["difference"] == Decimal("-200.01")


def test_returns_net_the_pool(tmp_path):
    body = BODY + f'''
2024-01-25 * "退货"
  {INCOME}  100.00 CNY
  {BANK}  -100.00 CNY
'''
    # 300.01 was paid on 02-05 against 280.01 accrued by then: the plugin says so.
    sheet = sheet_of(tmp_path, end=D(2024, 1, 31), body=body, expect=["2024-02-05"])
    assert sheet["pool"] == Decimal("280.01")
    assert sum(s["allocated"] for s in sheet["students"]) == Decimal("280.01")


def test_works_without_the_plugin_line(tmp_path):
    main_file = tmp_path / "main.beancount"
    main_file.write_text(HEADER.replace(PLUGIN_LINE, "") + BODY, encoding="utf-8")
    entries, _, options = loader.load_file(str(main_file))
    assert build_students(entries, options, D(2024, 1, 1), D(2024, 1, 31))["pool"] == Decimal("300.01")


def test_json_keys_and_renderers(tmp_path):
    from reports.render import to_json
    sheet = sheet_of(tmp_path, end=D(2024, 1, 31))
    data = json.loads(to_json(sheet))
    for key in ("unit", "from", "to", "pool", "hours_total", "students", "allocated_total",
                "paid_total", "pool_capital"):
        assert key in data
    assert data["from"] == "2024-01-01" and data["pool"] == "300.01"
    assert set(data["students"][0]) >= {"student", "name", "class", "base", "hours", "allocated",
                                        "paid", "difference"}
    html = students_html(sheet)
    for words in ("学生劳动报酬发放表", "学生签字", "叁佰元零壹分", "制表", "复核", "阿依古丽", "300.01"):
        assert words in html
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(students_xlsx(sheet)))
    ws = book.active
    assert ws["A1"].value == "学生劳动报酬发放表"
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "学生签字" in values and any("叁佰元零壹分" in str(v) for v in values)
    assert ws.page_setup.orientation == "landscape"


def test_start_after_end_is_refused(tmp_path):
    entries, _, options = loader.load_file(str(write(tmp_path)))
    with pytest.raises(ValueError):
        build_students(entries, options, D(2024, 2, 1), D(2024, 1, 1))


# ---- property: accruals and allocations are exact ----------------------------

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
shares = st.sampled_from([None, Decimal("0"), Decimal("0.05"), Decimal("0.1"), Decimal("0.125"),
                          Decimal("0.15"), Decimal("0.2")])
hours = st.decimals(min_value=Decimal("0"), max_value=Decimal("200"), places=1)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sales=st.lists(st.tuples(money, shares, st.booleans()), min_size=1, max_size=8),
       work=st.lists(hours, min_size=1, max_size=6))
def test_accruals_are_rounded_shares_and_allocations_sum_to_the_pool(sales, work):
    lines = []
    expected = []
    for index, (amount, share, is_return) in enumerate(sales):
        sign = 1 if is_return else -1
        lines.append(f'2024-03-{index + 1:02d} * "sale {index}"')
        if share is not None:
            lines.append(f"  student-share: {share}")
        lines.append(f"  {INCOME}  {sign * amount} CNY")
        lines.append(f"  {BANK}  {-sign * amount} CNY")
        value = to_fen((share if share is not None else Decimal("0.20")) * amount)
        if value:
            expected.append(-sign * value)
    for index, value in enumerate(work):
        lines.append(f'2024-03-31 custom "work-hours" "2024{index:04d}" {value}')
        lines.append('  base: "农产品精深加工"')
    entries, errors, options = load_ledger(HEADER + "\n".join(lines) + "\n")
    # unpaid shares, and returns beyond what was accrued (P1's invariant), are the plugin's to report
    assert [e for e in errors if "未发放" not in e.message and "超过累计计提" not in e.message] == []
    assert accruals(entries) == expected
    sheet = build_students(entries, options, D(2024, 3, 1), D(2024, 3, 31))
    assert sheet["pool"] == sum(expected, Decimal(0))
    allocated = [s["allocated"] for s in sheet["students"]]
    if sum(work) > 0:
        assert sum(allocated) == sheet["pool"] == sheet["allocated_total"]
        assert all(a == to_fen(a) for a in allocated)
    else:
        assert sum(allocated) == 0 and sheet["unallocated"] == sheet["pool"]
    # The expense side mirrors the payable side to the fen.
    expense = sum((p.units.number for e in entries if e.meta.get("generated") == "work_study"
                   for p in e.postings if p.account == EXPENSE), Decimal(0))
    assert expense == sheet["pool"]


# ---- the command line --------------------------------------------------------

def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_to_stdout(tmp_path, capsys):
    path = write(tmp_path)
    code, out, _ = run_cli(capsys, "report", "students", str(path), "--from", "2024-01-01",
                           "--to", "2024-01-31", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["pool"] == "300.01" and data["students"][0]["allocated"] == "200.01"


@pytest.mark.parametrize("fmt, check", [
    ("html", lambda b: "学生劳动报酬发放表" in b.decode("utf-8")),
    ("xlsx", lambda b: b[:2] == b"PK"),
    ("json", lambda b: json.loads(b)["to"] == "2024-02-29"),
])
def test_cli_writes_files(tmp_path, capsys, fmt, check):
    path = write(tmp_path)
    target = tmp_path / f"out.{fmt}"
    code, _, _ = run_cli(capsys, "report", "students", str(path), "--from", "2024-01-01",
                         "--to", "2024-02-29", "--format", fmt, "-o", str(target))
    assert code == 0 and check(target.read_bytes())


@pytest.mark.parametrize("args, words", [
    (["--from", "2024-13-01", "--to", "2024-12-31"], "--from 日期应为 YYYY-MM-DD 格式的有效日期: 2024-13-01 的月份 13"),
    (["--from", "2024-02-01", "--to", "2024-01-01"], "晚于"),
    (["--from", "2024-01-01", "--to", "2024-01-31", "--format", "xlsx"], "必须用 -o"),
])
def test_cli_bad_arguments(tmp_path, capsys, args, words):
    path = write(tmp_path)
    code, out, err = run_cli(capsys, "report", "students", str(path), *args)
    assert code != 0 and words in err and out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.beancount", "students.csv"]


def test_cli_missing_ledger(tmp_path, capsys):
    code, _, err = run_cli(capsys, "report", "students", str(tmp_path / "nope.beancount"),
                           "--from", "2024-01-01", "--to", "2024-01-31")
    assert code != 0 and "账本文件不存在" in err


def test_cli_broken_ledger_writes_nothing(tmp_path, capsys):
    path = write(tmp_path, body=BODY + "2024-03-01 * \"broken\"\n  Assets:Nowhere 1 CNY\n")
    target = tmp_path / "out.html"
    code, _, err = run_cli(capsys, "report", "students", str(path), "--from", "2024-01-01",
                           "--to", "2024-01-31", "--format", "html", "-o", str(target))
    assert code != 0 and "格式或平衡错误" in err and "main.beancount" in err
    assert len([line for line in err.splitlines() if line.startswith("错误")]) == 1
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_cli_missing_output_directory(tmp_path, capsys):
    path = write(tmp_path)
    code, _, err = run_cli(capsys, "report", "students", str(path), "--from", "2024-01-01",
                           "--to", "2024-01-31", "--format", "html", "-o", str(tmp_path / "no" / "x.html"))
    assert code != 0 and f"所在的文件夹 {tmp_path / 'no'} 不存在" in err


def test_cli_rule_errors_warn_but_report(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-12-31")  # the February accrual is past its pay-days
    body = BODY + f'''
2024-12-31 * "much later"
  {BANK}  1.00 CNY
  Equity:3104-利润分配:310415-未分配利润  -1.00 CNY
'''
    path = write(tmp_path, body=body)
    code, out, err = run_cli(capsys, "report", "students", str(path), "--from", "2024-01-01",
                             "--to", "2024-01-31")
    assert code == 0 and json.loads(out)["pool"] == "300.01"
    assert "规则错误" in err


def test_paid_period_may_follow_the_pool_period(tmp_path):
    """January's pool is paid on 02-05: a January sheet with the February payouts matches."""
    entries, _, options = loader.load_file(str(write(tmp_path)))
    sheet = build_students(entries, options, D(2024, 1, 1), D(2024, 1, 31),
                           paid_from=D(2024, 2, 1), paid_to=D(2024, 2, 29))
    assert sheet["pool"] == Decimal("300.01") and sheet["paid_total"] == Decimal("300.01")
    assert [s["difference"] for s in sheet["students"]] == [0, 0, 0]
    assert "实发期间" in students_html(sheet)
    with pytest.raises(ValueError):
        build_students(entries, options, D(2024, 1, 1), D(2024, 1, 31),
                       paid_from=D(2024, 3, 1), paid_to=D(2024, 2, 1))


def test_cli_paid_period(tmp_path, capsys):
    path = write(tmp_path)
    code, out, _ = run_cli(capsys, "report", "students", str(path), "--from", "2024-01-01",
                           "--to", "2024-01-31", "--paid-from", "2024-02-01", "--paid-to", "2024-02-29")
    assert code == 0
    data = json.loads(out)
    assert data["paid_total"] == "300.01" and data["paid_from"] == "2024-02-01"
    code, _, err = run_cli(capsys, "report", "students", str(path), "--from", "2024-01-01",
                           "--to", "2024-01-31", "--paid-from", "2024-03-01", "--paid-to", "2024-02-01")
    assert code != 0 and "晚于" in err


def test_a_longer_period_sums_the_monthly_splits(tmp_path):
    """Jan pool 300.01 over 40:20 hours; Feb pool 20.00 over 10:30 hours. The two-month sheet
    is the sum of the monthly ones (payouts follow the monthly split), not one split of 320.01."""
    body = BODY + '''
2024-02-29 custom "work-hours" "20240101" 10
  base: "农产品精深加工"
2024-02-29 custom "work-hours" "20240102" 30
  base: "电子商务"
'''
    entries, _, options = loader.load_file(str(write(tmp_path, body=body)))
    jan = build_students(entries, options, D(2024, 1, 1), D(2024, 1, 31))
    feb = build_students(entries, options, D(2024, 2, 1), D(2024, 2, 29))
    both = build_students(entries, options, D(2024, 1, 1), D(2024, 2, 29))
    by = lambda sheet: {s["student"]: s["allocated"] for s in sheet["students"]}  # noqa: E731
    assert by(feb) == {"20240101": Decimal("5.00"), "20240102": Decimal("15.00")}
    assert by(both) == {k: by(jan).get(k, 0) + by(feb).get(k, 0) for k in by(both)}
    assert both["allocated_total"] == both["pool"] == Decimal("320.01")
    assert both["hours_total"] == Decimal("100")


def test_printed_signatures_stay_with_the_table_end(tmp_path):
    """A block after a table was split from it by Chromium (signatures alone on the last
    page); as the table's last row, kept with 合计, it moves with the table's end."""
    html = students_html(sheet_of(tmp_path, end=D(2024, 1, 31)))
    table = html[html.index("<table"):html.index("</table>")]
    assert "单位负责人：" in table and "（盖章）" in table and "（大写）" in table
    assert table.index("合计") < table.index('class="closing-row"') < table.index("单位负责人：")
    assert "tr.total, tr.closing-row { break-before: avoid" in html


def test_workbook_figures_fit_their_columns(tmp_path):
    """工时合计 printed as ### (a 9-wide column, a bold serif total); the sheet's lines carry
    thousands separators and the 大写 its 小写, like the HTML."""
    from openpyxl import load_workbook
    sheet = sheet_of(tmp_path, end=D(2024, 1, 31))
    sheet = {**sheet, "hours_total": Decimal("17826.5")}
    ws = load_workbook(io.BytesIO(students_xlsx(sheet))).active
    header = next(r for r in ws.iter_rows() if r[0].value == "序号")[0].row
    for row in ws.iter_rows(min_row=header + 1):
        for cell in row:
            if isinstance(cell.value, (int, float)):
                shown = f"{cell.value:,.2f}" if "0.00" in cell.number_format else f"{cell.value:,.0f}"
                assert ws.column_dimensions[cell.column_letter].width >= len(shown) + 2, (cell.coordinate, shown)
                assert cell.font.name, cell.coordinate  # bold totals keep the sheet's font
    lines = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("（大写）" in v and "（小写）¥300.01" in v for v in lines)
    assert any(v.startswith("编制单位：") and "单位：元" in v for v in lines)
