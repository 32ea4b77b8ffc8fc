"""账簿报表 in a real browser: each role opens the page under `shixun serve`, sees the
statements with their tie-outs, follows Fava's time filter, and clicks each download as
a person would (Fava's router must not swallow the click); each file is the real workbook
(or the printable vouchers)."""
import base64
import io
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import pathlib

import pytest

from serving import users as users_mod
from tests.test_browser import ARGS, CHROMIUM, OUTPUT, free_port, password
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
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    root = tmp_path_factory.mktemp("books-browser")
    (root / "main.beancount").write_text(LEDGER, encoding="utf-8")
    users = root / "users.txt"
    for name, role in ROLES.items():
        users_mod.add_user(str(users), name, role, password(name))
    port = free_port()
    shixun = shutil.which("shixun") or str(pathlib.Path(sys.executable).parent / "shixun")
    log = open(root / "server.out", "wb")
    proc = subprocess.Popen([shixun, "serve", str(root / "main.beancount"), "--users", str(users),
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=2)
        except urllib.error.HTTPError:
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((root / "server.out").read_text("utf-8"))
            time.sleep(0.2)
    token = base64.b64encode(f"kuaiji:{password('kuaiji')}".encode()).decode()
    request = urllib.request.Request(base + "/", headers={"Authorization": f"Basic {token}"})
    opener = urllib.request.build_opener(type("NoRedirect", (urllib.request.HTTPRedirectHandler,),
                                              {"redirect_request": lambda *a, **k: None}))
    try:
        opener.open(request, timeout=10)
        raise RuntimeError("expected a redirect")
    except urllib.error.HTTPError as exc:
        slug = exc.headers["Location"].strip("/").split("/")[0]
    yield {"base": f"{base}/{slug}"}
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


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
