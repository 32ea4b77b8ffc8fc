"""What an official sees stays Chinese and honest: every page of both bureau views and
every workbook they download, for the bundled ledger and for one with a violation of
each clause; the finance page's figures are the CLI reports'; every workbook prints
(LibreOffice converts it to PDF and each page has its 第 N 页 共 M 页 footer)."""
import html
import io
import json
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from scripts.common import BUNDLED_LEDGER
from tests.violations_ledger import violations_ledger

# ASCII words a user may see: product names and file-name parts, shown as they are.
ALLOWED = {"Fava", "XLSX", "Nigrini", "PDF"}
HIDE = [re.compile(p) for p in (
    r"[\w./\-一-龥]+\.(?:beancount|pdf|csv)(?::\d+)?",  # file:line and document names (shown second)
    r"\b[A-Z]{2}-\d{4}(?:-\d+)?\b",                   # fund, apprentice and finding numbers (FJ-2024)
    r"<code>.*?</code>",                               # the seal digest
)]
WORD = re.compile(r"[A-Za-z][A-Za-z_\-]{1,}")
BAD = re.compile(r"(?<![A-Za-z])(None|nan|NaN)(?![A-Za-z])|计算出错")


def visible_text(page: str) -> str:
    match = re.search(r'<div class="shixun".*</div>', page, re.S)
    assert match, page[:500]
    text = re.sub(r"<style>.*?</style>", " ", match.group(0), flags=re.S)
    for pattern in HIDE[2:]:
        text = pattern.sub(" ", text)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def problems(text: str) -> list[str]:
    for pattern in HIDE[:2]:
        text = pattern.sub(" ", text)
    words = {w for w in WORD.findall(text) if w not in ALLOWED}
    return sorted(words) + BAD.findall(text)


def workbook_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content))
    return " ".join([ws.title for ws in book.worksheets] + [
        str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None])


def client_for(path):
    from fava.application import create_app

    app = create_app([str(path)], load=True)
    app.testing = True
    client = app.test_client()
    return client, client.get("/").headers["Location"].split("/")[1]


@pytest.fixture(scope="module", params=["bundled", "violations"])
def site(request, tmp_path_factory):
    path = BUNDLED_LEDGER if request.param == "bundled" else violations_ledger(tmp_path_factory.mktemp("v"))
    client, slug = client_for(path)
    return request.param, client, slug


def pages(client, slug):
    """Every page variant a user reaches by the pages' own links (tabs, clauses, tests, sample)."""
    out = {}
    for view in ("FinanceView", "AuditView"):
        first = client.get(f"/{slug}/extension/{view}/")
        assert first.status_code == 200, view
        out[f"/{slug}/extension/{view}/"] = first.get_data(as_text=True)
    audit = out[f"/{slug}/extension/AuditView/"]
    finance = out[f"/{slug}/extension/FinanceView/"]
    links = set(re.findall(r'href="(/[^"#]*extension/(?:AuditView|FinanceView)/\?[^"#]*)', audit + finance))
    links.add(f"/{slug}/extension/AuditView/?sample_size=30&seed=7")
    for link in sorted(links):
        link = html.unescape(link)
        response = client.get(link)
        assert response.status_code == 200, link
        out[link] = response.get_data(as_text=True)
    return out


def test_no_english_key_none_or_nan_on_any_page_or_workbook(site):
    name, client, slug = site
    seen = pages(client, slug)
    assert len(seen) > 5
    for url, page in seen.items():
        assert problems(visible_text(page)) == [], (name, url)
        assert "判断日期" in page, url
    downloads = set()
    for page in seen.values():
        downloads |= {html.unescape(u) for u in re.findall(r'<a download data-remote href="([^"]+)"', page)}
    assert len(downloads) >= 5
    for url in sorted(downloads):
        response = client.get(url)
        assert response.status_code == 200, url
        text = workbook_text(response.data)
        assert problems(text) == [], (name, url)
        assert "判断日期" in text, url


def test_violations_ledger_shows_each_clause_with_its_facts(tmp_path):
    client, slug = client_for(violations_ledger(tmp_path))
    page = client.get(f"/{slug}/extension/AuditView/").get_data(as_text=True)
    groups = re.search(r'<table id="violation-groups">.*?</table>', page, re.S).group(0)
    for code in ("P1", "P2", "P6", "P9", "P10", "封账", "其他"):
        assert f"<small>({code})</small>" in groups, code
    p10 = client.get(f"/{slug}/extension/AuditView/?clause=P10").get_data(as_text=True)
    table = re.search(r'<table id="violations-table">.*?</table>', p10, re.S).group(0)
    assert "记-2025-09-0901" in table and "县城饭店 职工聚餐" in table and "560202 办公费" in table
    assert "1,500.00" in table and "附件未上传" in table
    other = client.get(f"/{slug}/extension/AuditView/?clause=其他").get_data(as_text=True)
    table = re.search(r'<table id="violations-table">.*?</table>', other, re.S).group(0)
    assert "余额断言不符" in table and re.search(r"由此引起的 \d+ 条", table)  # one change, its cascade under it
    assert "Balance failed" not in table


def test_finance_page_figures_equal_the_cli_reports(tmp_path, capsys):
    from scripts.cli import main

    client, slug = client_for(BUNDLED_LEDGER)
    page = client.get(f"/{slug}/extension/FinanceView/?year=2024&time=2024").get_data(as_text=True)

    def cli(*args):
        assert main(["report", *args, str(BUNDLED_LEDGER), "--format", "json"]) == 0
        return json.loads(capsys.readouterr().out)

    def money(text):
        return f"{float(text):,.2f}"
    remittance = cli("remittance", "--year", "2024")
    row = re.search(r"<tr[^>]*>\s*<td>2024</td>.*?</tr>", page, re.S).group(0)
    assert money(remittance["net_profit"]) in row and money(remittance["owed"]) in row
    funds = cli("funds", "--year", "2024")
    table = re.search(r'<table class="funds-table".*?</table>', page, re.S).group(0)
    for key in ("allocation", "received", "used", "balance"):
        assert money(funds["totals"][key]) in table, key
    students = cli("students", "--from", "2024-01-01", "--to", "2024-12-31")
    summary = re.search(r'<table id="students-summary">.*?</table>', page, re.S).group(0)
    assert money(students["pool"]) in summary and money(students["paid_total"]) in summary


def test_every_workbook_prints_with_page_footers(tmp_path):
    """LibreOffice headless converts each workbook to PDF; every page carries 第 N 页 共 M 页."""
    from scripts.cli import main

    assert shutil.which("soffice") and shutil.which("pdftotext"), "需要 libreoffice-calc 与 poppler-utils"
    books = []
    for kind, args in (("remittance", ["--year", "2025"]), ("funds", ["--year", "2025"]),
                       ("students", ["--from", "2025-01-01", "--to", "2025-12-31"])):
        target = tmp_path / f"{kind}.xlsx"
        assert main(["report", kind, str(BUNDLED_LEDGER), *args, "--format", "xlsx", "-o", str(target)]) == 0
        books.append(target)
    target = tmp_path / "audit.xlsx"
    assert main(["audit", str(BUNDLED_LEDGER), "--year", "2025", "--sample", "20", "--format", "xlsx",
                 "-o", str(target)]) == 0
    books.append(target)
    client, slug = client_for(violations_ledger(tmp_path / "v"))
    target = tmp_path / "violations.xlsx"
    target.write_bytes(client.get(f"/{slug}/extension/AuditView/violations_xlsx").data)
    books.append(target)
    profile = tmp_path / "profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), *map(str, books)], check=True, capture_output=True, timeout=300)
    for book in books:
        pdf = book.with_suffix(".pdf")
        assert pdf.exists(), book
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                              text=True).stdout
        pages = [p for p in text.split("\f") if p.strip()]
        assert pages, book
        for number, content in enumerate(pages, start=1):
            footer = re.search(r"第\s*(\d+)\s*页\s*共\s*(\d+)\s*页", content)
            assert footer and footer.groups() == (str(number), str(len(pages))), (book.name, number)
