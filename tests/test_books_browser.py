"""账簿报表 in a real browser: each role opens the page under `shixun serve`, sees the
statements with their tie-outs, follows Fava's time filter, and clicks each download as
a person would (Fava's router must not swallow the click); each file is the real workbook
(or the printable vouchers)."""
import io

import pytest

from tests.test_browser import OUTPUT, browser, password, serving  # noqa: F401 (browser: the fixture)
from tests.test_statements import BOOKS

pytestmark = pytest.mark.browser

ROLES = {"caizheng": "finance", "kuaiji": "accountant"}
LEDGER = BOOKS + ('\n1900-01-01 custom "fava-extension" "reports.views"'
                  '\n1900-01-01 custom "fava-extension" "reports.books_view"\n')
DOWNLOADS = {  # tab → (file ending, a text the file holds)
    "balance-sheet": ("xlsx", "资产负债表"),
    "income-statement": ("xlsx", "利润表"),
    "cash-flow": ("xlsx", "现金流量表"),
    "account-balances": ("xlsx", "科目余额表"),
    "account-book": ("xlsx", "银行存款日记账"),
    "vouchers": ("html", "记账凭证"),
    "tax-return": ("xlsx", "城市维护建设税 教育费附加 地方教育附加申报表"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("books-browser"), LEDGER, ROLES) as site:
        yield {"base": f"{site['base']}/{site['slug']}"}


def cells(content: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    return " ".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None)


@pytest.mark.parametrize("name", list(ROLES))
def test_each_role_clicks_every_download(server, browser, name, tmp_path):
    context = browser.new_context(http_credentials={"username": name, "password": password(name)},
                                  locale="zh-CN", viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    try:
        response = page.goto(f"{server['base']}/extension/FinanceView/?time=2024")
        assert response.status == 200
        page.locator("#books-link").click()  # the finance page links to 账簿报表, time filter kept
        page.wait_for_selector("#shixun-books")
        assert "/extension/BooksView/" in page.url and "time=2024" in page.url
        assert "账簿报表" in page.locator("aside").inner_text()
        page.wait_for_selector("#tie-outs")
        assert "✓ 资产总计(30) = 负债和所有者权益总计(53)" in page.locator("#tie-outs").inner_text()
        assert "81,500.00" in page.locator("table.sheet").inner_text()
        page.screenshot(path=str(OUTPUT / f"browser-{ROLES[name]}-books.png"), full_page=True)
        for kind, (ending, needle) in DOWNLOADS.items():
            page.locator(".tabs a", has_text={"balance-sheet": "资产负债表", "income-statement": "利润表",
                                               "cash-flow": "现金流量表", "account-balances": "科目余额表",
                                               "account-book": "明细账", "vouchers": "记账凭证",
                                               "tax-return": "附加税费申报表"}[kind]).click()
            link = page.locator(f"#download-{kind}")
            link.wait_for()
            with page.expect_download() as info:
                link.click()
            download = info.value
            assert download.suggested_filename.endswith(f".{ending}")
            path = tmp_path / download.suggested_filename
            download.save_as(path)
            content = path.read_bytes()
            if ending == "xlsx":
                assert content[:2] == b"PK"
                text = cells(content)
            else:
                text = content.decode("utf-8")
            assert needle in text, kind
        # the time filter follows into the page: a month's statements
        page.goto(f"{server['base']}/extension/BooksView/?kind=cash-flow&time=2024-04")
        page.wait_for_selector("#tie-outs")
        shown = page.inner_text("#shixun-books")
        assert "2024年4月" in shown and "-2,800.00" in shown and "✗" not in shown
    finally:
        context.close()
