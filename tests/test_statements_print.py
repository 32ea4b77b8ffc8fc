"""The statements print: XLSX with A4, fit to width, repeated header rows, page-number
footer, amounts as numbers in #,##0.00 and 行次 in #,##0, merged titles; LibreOffice
(Debian's libreoffice-calc, installed by .ci/run) converts every workbook to PDF without
an error; the HTML carries 编制单位, 表号, 单位：元 and CSS page numbers."""
import io
import os
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from reports import (account_balances, account_book, balance_sheet, cash_flow, income_statement,
                     tax_return, vouchers)
from tests.conftest import load_ledger
from tests.test_statements import BOOKS

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"


@pytest.fixture(scope="module")
def reports():
    entries, errors, options = load_ledger(BOOKS)
    assert not errors
    return {
        "balance-sheet": (balance_sheet, balance_sheet.build(entries, options, date="2024-12-31")),
        "income-statement": (income_statement, income_statement.build(entries, options, 2024)),
        "cash-flow": (cash_flow, cash_flow.build(entries, options, 2024, quarter=2)),
        "account-balances": (account_balances, account_balances.build(entries, options, "2024-01-01", "2024-12-31")),
        "account-book": (account_book, account_book.build(entries, options, "1002", "2024-01-01", "2024-12-31")),
        "tax-return": (tax_return, tax_return.build(entries, options, 2024)),
    }


def test_workbooks_are_set_up_for_printing(reports):
    for kind, (module, report) in reports.items():
        book = load_workbook(io.BytesIO(module.xlsx(report)))
        for sheet in book:
            assert int(sheet.page_setup.paperSize) == 9, kind  # A4
            assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage, kind
            assert sheet.print_title_rows, kind
            assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页", kind
            title = sheet["A1"].value
            assert title and any(str(r).startswith("A1:") for r in sheet.merged_cells.ranges), kind
            assert "编制单位：测试实训基地经营中心" in sheet["A2"].value and "单位：元" in sheet["A2"].value
            header_row = int(sheet.print_title_rows.split(":")[0].lstrip("$"))
            headers = [c.value for c in sheet[header_row]]
            numbers = [(headers[c.column - 1], c) for row in sheet.iter_rows(min_row=header_row + 1) for c in row
                       if isinstance(c.value, (int, float))]
            assert any(c.number_format == "#,##0.00" for _h, c in numbers), kind
            for header, c in numbers:  # 行次 a whole number, every other figure an amount
                assert c.number_format == ("#,##0" if header == "行次" else "#,##0.00"), (kind, header)
    sheet = load_workbook(io.BytesIO(balance_sheet.xlsx(reports["balance-sheet"][1]))).active
    assert "会小企01表" in sheet["A2"].value
    values = {row[0].strip(): row[2] for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]}
    assert values["货币资金"] == 81500.0 and values["资产总计"] == 105600.0


def test_libreoffice_prints_every_workbook(reports, tmp_path):
    if not os.path.exists(SOFFICE):
        pytest.fail("soffice is missing: apt-get install -y libreoffice-calc (.ci/run does)")
    names = []
    for kind, (module, report) in reports.items():
        path = tmp_path / f"{kind}.xlsx"
        path.write_bytes(module.xlsx(report))
        names.append(path)
    out = tmp_path / "pdf"
    result = subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                             "--convert-to", "pdf", "--outdir", str(out), *map(str, names)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Error" not in result.stderr, result.stderr
    for path in names:
        pdf = out / f"{path.stem}.pdf"
        content = pdf.read_bytes()
        assert content.startswith(b"%PDF") and b"/Type /Page" in content.replace(b"/Type/Page", b"/Type /Page"), path


def test_html_prints_on_a4_with_page_numbers(reports):
    for kind, (module, report) in reports.items():
        page = module.html(report)
        for needle in ("@page", "A4", 'counter(page)', "counter(pages)", "编制单位：测试实训基地经营中心", "单位：元",
                       "break-inside: avoid", "table-layout: fixed",
                       '@top-center { content: ""; }'):  # no browser header: "12/2/26, 4:46 AM"
            assert needle in page, (kind, needle)
    assert "会小企01表" in balance_sheet.html(reports["balance-sheet"][1])
    assert "会小企02表" in income_statement.html(reports["income-statement"][1])
    assert "会小企03表" in cash_flow.html(reports["cash-flow"][1])
    assert "landscape" in account_balances.html(reports["account-balances"][1])


def test_vouchers_print_two_to_a_page(reports):
    entries, errors, options = load_ledger(BOOKS)
    page = vouchers.html(vouchers.build(entries, options, "2024-01-01", "2024-12-31"))
    assert page.count('<section class="voucher">') == 12
    assert ".voucher:nth-of-type(2n) { break-after: page" in page and "height: 128mm" in page


def test_html_columns_share_the_page_width(reports):
    """Widths in ch added up past A4 and cut the balance sheet off at the right."""
    import re
    for kind, (module, report) in reports.items():
        page = module.html(report)
        widths = re.findall(r'<col style="width: ([0-9.]+)(%|ch)">', page)
        assert widths, kind
        assert {unit for _w, unit in widths} == {"%"}, kind
        for table in page.split("<colgroup>")[1:]:
            shares = [float(w) for w in re.findall(r'width: ([0-9.]+)%', table.split("</colgroup>")[0])]
            assert 99.5 <= sum(shares) <= 100.5, (kind, shares)


def test_a_long_voucher_goes_on_over_numbered_sheets():
    """A 45-line payroll voucher was cut off at half a page (no 合计, no signatures)."""
    import datetime
    from decimal import Decimal
    lines = [{"summary": f"发放上月学生劳动报酬 第{i}人", "code": "224101", "account": "其他应付款—学生劳动报酬",
              "debit": Decimal("100.00"), "credit": Decimal(0)} for i in range(44)]
    lines.append({"summary": "发放上月学生劳动报酬", "code": "100201", "account": "银行存款—农商银行基本户",
                  "debit": Decimal(0), "credit": Decimal("4400.00")})
    v = {"voucher": "记-2025-01-0008", "date": datetime.date(2025, 1, 10), "attachments": 1, "lines": lines,
         "total_debit": Decimal("4400.00"), "total_credit": Decimal("4400.00"), "total_capital": "肆仟肆佰元整",
         "generated": False}
    page = vouchers.html({"from": v["date"], "to": v["date"], "unit": "测试实训基地经营中心", "as_of": "", "vouchers": [v]})
    sections = page.split('<section class="voucher">')[1:]
    n = len(sections)
    assert 3 <= n <= 6
    for i, section in enumerate(sections, start=1):
        assert f"凭证字号：记-2025-01-0008（{i}/{n}）" in section
        assert section.count("<tr><td>") <= 16
        assert all(f"{role}：" in section for role in vouchers.ROLES)
    assert sum(s.count("<tr><td>") for s in sections) == 45
    assert page.count("合计：肆仟肆佰元整") == 1 and "合计：肆仟肆佰元整" in sections[-1]
    one = vouchers.html({"from": v["date"], "to": v["date"], "unit": "测试", "as_of": "",
                         "vouchers": [{**v, "lines": lines[:3]}]})
    assert one.count('<section class="voucher">') == 1 and "（1/" not in one


def test_each_workbook_sheet_has_one_signature_line(reports):
    """明细账 (会计主管/记账/审核) and the tax return (纳税人/经办人/受理人) also got the
    default 单位负责人 line appended: two signature blocks."""
    for kind, (module, report) in reports.items():
        for sheet in load_workbook(io.BytesIO(module.xlsx(report))):
            lines = [c.value for row in sheet.iter_rows() for c in row
                     if isinstance(c.value, str) and "：__________" in c.value]
            roles = [part.split("：")[0] for line in lines for part in line.split() if "：__________" in part]
            assert roles and len(roles) == len(set(roles)) and len(roles) <= 4, (kind, sheet.title, lines)
            assert ("单位负责人" in roles) == (kind not in ("account-book", "tax-return")), (kind, roles)
    book = load_workbook(io.BytesIO(account_book.xlsx(reports["account-book"][1])))
    assert any("会计主管：" in str(c.value) and "单位负责人" not in str(c.value)
               for row in book.active.iter_rows() for c in row)


def test_workbook_totals_print_bold_as_in_the_html(reports):
    """合计 / 小计 rows (营业利润, 资产总计 …) were bold in the HTML but plain in the XLSX."""
    book = load_workbook(io.BytesIO(income_statement.xlsx(reports["income-statement"][1])))
    rows = {row[0].value.strip(): row for row in book.active.iter_rows() if isinstance(row[0].value, str)}
    net = next(r for name, r in rows.items() if name.startswith("四、净利润"))
    assert all(c.font.bold for c in net)
    assert not rows["减：营业成本"][2].font.bold
    sheet = load_workbook(io.BytesIO(balance_sheet.xlsx(reports["balance-sheet"][1]))).active
    total = next(r for r in sheet.iter_rows() if str(r[0].value).strip() == "资产总计")
    assert total[0].font.bold and total[2].font.bold and total[0].font.name


def test_short_headers_fit_their_columns_on_one_line(reports):
    """行次 printed as 行/次 and 借或贷 as 借或/贷: a column too narrow for its one-word header."""
    import re
    for kind, (module, report) in reports.items():
        page = module.html(report)
        paper = 273 if "landscape" in page.split("</style>")[0] else 186
        size = float(re.search(r"table\.sheet \{ table-layout: fixed; font-size: ([0-9.]+)pt", page).group(1))
        shares = [float(w) for w in re.findall(r'<col style="width: ([0-9.]+)%">', page.split("</colgroup>")[0])]
        headers = re.findall(r"<th>([^<]*)</th>", page.split("</thead>")[0])
        side = re.search(r"table\.sheet th \{ padding: [0-9]+px ([0-9]+)px; \}", page)
        padding = 2 * int(side.group(1) if side else 5) * 0.2646 + 0.3  # mm: both sides and the border
        for header, share in zip(headers, shares):
            if len(header) <= 3:
                assert share / 100 * paper >= len(header) * size * 0.3528 + padding, (kind, header, share)
