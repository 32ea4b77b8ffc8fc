"""Real headless Chromium against the real `shixun serve` (cheroot + Guard + Fava).

Debian's `chromium` (installed by .ci/run) driven by Playwright for Python with
`executable_path` — never `playwright install`. Each role logs in (HTTP Basic),
opens both bureau views, sees the treasury table and the violations; a bureau user
tries to save in the editor and is refused. Screenshots go to test-output/.
"""
import base64
import contextlib
import os
import re
import pathlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from serving import users as users_mod
from tests.test_views import LEDGER

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "test-output"
AS_OF = "2026-03-01"
ROLES = {"caizheng": "finance", "shenji": "audit", "kuaiji": "accountant"}


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def password(name):
    return f"{name}-口令-2025"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(root, ledger: str, roles=ROLES):
    """`shixun serve` on `ledger` (written to root/main.beancount) with a login per role;
    yields {"base", "slug", "root"} once the server answers."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    (root / "main.beancount").write_text(ledger, encoding="utf-8")
    # one of the ledger's two documents is uploaded; the other is shown as 附件未上传
    (root / "凭证" / "2025").mkdir(parents=True, exist_ok=True)
    (root / "凭证" / "2025" / "记-2025-03-0001.pdf").write_bytes(PDF)
    users = root / "users.txt"
    for name, role in roles.items():
        users_mod.add_user(str(users), name, role, password(name))
    port = free_port()
    shixun = shutil.which("shixun") or str(pathlib.Path(sys.executable).parent / "shixun")
    log = open(root / "server.out", "wb")
    proc = subprocess.Popen([shixun, "serve", str(root / "main.beancount"), "--users", str(users),
                             "--port", str(port), "--access-log", str(root / "access.log")],
                            stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "SHIXUN_AS_OF": AS_OF})  # 2024 overdue, 2025 not yet due
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=2)
        except urllib.error.HTTPError:
            break  # 401: the server is up
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((root / "server.out").read_text("utf-8")) from None
            time.sleep(0.2)
    login_name = "kuaiji" if "kuaiji" in roles else next(iter(roles))
    token = base64.b64encode(f"{login_name}:{password(login_name)}".encode()).decode()
    request = urllib.request.Request(base + "/", headers={"Authorization": f"Basic {token}"})
    opener = urllib.request.build_opener(type("NoRedirect", (urllib.request.HTTPRedirectHandler,),
                                              {"redirect_request": lambda *a, **k: None}))
    try:
        opener.open(request, timeout=10)
        raise RuntimeError("expected a redirect")
    except urllib.error.HTTPError as exc:
        slug = exc.headers["Location"].strip("/").split("/")[0]
    try:
        yield {"base": base, "slug": slug, "root": root}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("browser"), LEDGER) as site:
        yield site


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def login(browser, name):
    context = browser.new_context(http_credentials={"username": name, "password": password(name)},
                                  locale="zh-CN", viewport={"width": 1280, "height": 1000})
    return context, context.new_page()


@pytest.mark.parametrize("name", list(ROLES))
def test_each_role_sees_both_views(server, browser, name):
    context, page = login(browser, name)
    try:
        base = f"{server['base']}/{server['slug']}"
        response = page.goto(f"{base}/extension/FinanceView/")
        assert response.status == 200
        page.wait_for_selector("#treasury-table")
        table = page.locator("#treasury-table")
        assert table.is_visible()
        assert "7,000.00" in table.inner_text() and "欠缴" in table.inner_text()
        assert page.locator("#treasury-table tr.overdue").count() == 1
        page.screenshot(path=str(OUTPUT / f"browser-{ROLES[name]}-finance.png"), full_page=True)

        response = page.goto(f"{base}/extension/AuditView/")
        assert response.status == 200
        page.wait_for_selector("#violations-table")
        violations = page.locator("#violations-table").inner_text()
        assert "缺少缴款书号" in violations and "欠缴" in violations
        page.screenshot(path=str(OUTPUT / f"browser-{ROLES[name]}-audit.png"), full_page=True)

        # drill-down: Fava's own context modal opens on the entry
        page.locator("#violations-table a[href^='#context-']").first.click()
        assert "#context-" in page.url
        # the modal shows the entry's source (GET /api/context and /api/source_slice)
        page.wait_for_selector(".cm-editor >> text=Liabilities:2232", timeout=15000)
        assert page.locator("text=failed with error").count() == 0
        save = page.locator("form:has(> div.editor) button[type=submit]")
        if ROLES[name] != "accountant":  # the modal's entry editor offers no save to bureaus
            page.wait_for_timeout(500)
            assert save.count() == 0 or not save.first.is_visible()
        page.screenshot(path=str(OUTPUT / f"browser-{ROLES[name]}-context.png"))

        # the sidebar lists both views under their Chinese titles
        sidebar = page.locator("aside").inner_text()
        assert "财政监管" in sidebar and "审计" in sidebar
        editor_links = page.locator("aside a[href*='/editor/']")
        if ROLES[name] == "accountant":
            assert editor_links.first.is_visible()
        else:
            assert editor_links.count() == 0 or not editor_links.first.is_visible()
            assert "只读访问" in page.locator("#shixun-banner").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("name", ["caizheng", "shenji"])
def test_bureau_cannot_save_in_the_editor(server, browser, name):
    ledger = server["root"] / "main.beancount"
    before = ledger.read_text(encoding="utf-8")
    context, page = login(browser, name)
    try:
        base = f"{server['base']}/{server['slug']}"
        response = page.goto(f"{base}/editor/")
        assert response.status == 403
        assert "只读" in page.inner_text("body")
        page.screenshot(path=str(OUTPUT / f"browser-{ROLES[name]}-editor-refused.png"))
        # what the editor's save button sends (PUT /api/source), sent from the page itself
        page.goto(f"{base}/income_statement/")
        status = page.evaluate("""async ([url, path, source]) => {
            const r = await fetch(url, {method: "PUT", headers: {"Content-Type": "application/json"},
              body: JSON.stringify({file_path: path, source: source, sha256sum: ""})});
            return r.status; }""", [f"{base}/api/source", str(ledger), before + "\n; 篡改\n"])
        assert status == 403
        status = page.evaluate("""async (url) => (await fetch(url, {method: "PUT",
            headers: {"Content-Type": "application/json"}, body: JSON.stringify({entries: []})})).status""",
                               f"{base}/api/add_entries")
        assert status == 403
        # the add-entry button is hidden for bureaus
        assert not page.locator("a[href='#add-transaction']").first.is_visible()
    finally:
        context.close()
    assert ledger.read_text(encoding="utf-8") == before


def test_accountant_opens_the_editor(server, browser):
    context, page = login(browser, "kuaiji")
    try:
        response = page.goto(f"{server['base']}/{server['slug']}/editor/")
        assert response.status == 200
        page.wait_for_selector(".cm-editor", timeout=20000)
        page.screenshot(path=str(OUTPUT / "browser-accountant-editor.png"))
        # a same-origin write from Fava's page passes the guard (Origin check) for the accountant
        status = page.evaluate("""async (url) => (await fetch(url, {method: "PUT",
            headers: {"Content-Type": "application/json"}, body: JSON.stringify({entries: []})})).status""",
                               f"{server['base']}/{server['slug']}/api/add_entries")
        assert status == 200
    finally:
        context.close()


def test_wrong_password_is_refused(server, browser):
    context = browser.new_context(http_credentials={"username": "caizheng", "password": "wrong-pass"})
    page = context.new_page()
    try:
        response = page.goto(f"{server['base']}/{server['slug']}/extension/FinanceView/")
        assert response.status == 401
    finally:
        context.close()


@pytest.mark.parametrize("name", ["caizheng", "kuaiji"])
def test_every_download_and_document_link_works_on_a_click(server, browser, name, tmp_path):
    """A normal click on each XLSX link downloads a workbook (Fava's router would fetch it
    with ?partial=true and pour it into the page); each document link opens the file in
    a new tab; a missing document is text, not a link."""
    from openpyxl import load_workbook

    context = browser.new_context(http_credentials={"username": name, "password": password(name)},
                                  locale="zh-CN", viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    base = f"{server['base']}/{server['slug']}"
    try:
        for view, count in (("FinanceView", 5), ("AuditView", 3)):
            page.goto(f"{base}/extension/{view}/")
            page.wait_for_selector("#shixun-userbar")
            assert ROLES[name] == "accountant" or "只读" in page.inner_text("#shixun-user")
            assert name in page.inner_text("#shixun-user")
            assert "判断日期" in page.inner_text("#shixun-asof")
            links = page.locator("a[download]")
            assert links.count() == count, view
            for i in range(links.count()):
                with page.expect_download() as info:
                    links.nth(i).click()
                download = info.value
                target = tmp_path / f"{view}-{i}.xlsx"
                download.save_as(str(target))
                assert download.suggested_filename.endswith(".xlsx")
                book = load_workbook(target)
                assert book.worksheets and book.worksheets[0]["A1"].value
                assert "ERROR" not in page.inner_text("article")
        page.goto(f"{base}/extension/AuditView/?clause=P2")
        page.wait_for_selector("#violations-table")
        documents = page.locator("#violations-table a.document")
        assert documents.count() == 1
        with context.expect_page() as info:
            documents.first.click()
        tab = info.value
        tab.wait_for_load_state()
        response = tab.request.get(tab.url)
        assert response.status == 200 and response.body().startswith(b"%PDF")
        tab.close()
        page.screenshot(path=str(OUTPUT / f"browser-{ROLES[name]}-downloads.png"), full_page=True)
    finally:
        context.close()


def test_finance_page_prints_as_one_document(server, browser, tmp_path):
    """Chromium's print of 财政监管: no sidebar or download list, page numbers, the signature block."""
    context, page = login(browser, "caizheng")
    try:
        page.goto(f"{server['base']}/{server['slug']}/extension/FinanceView/")
        page.wait_for_selector("#treasury-table")
        target = tmp_path / "finance.pdf"
        page.pdf(path=str(target), prefer_css_page_size=True, print_background=True)
        text = subprocess.run(["pdftotext", "-layout", str(target), "-"], check=True, capture_output=True,
                              text=True).stdout
        pages = [p for p in text.split("\f") if p.strip()]
        assert "财政监管情况表" in pages[0] and "利润上缴国库" in pages[0]
        assert "单位负责人" in pages[-1] and "判断日期" in text
        assert "报表下载" not in text and "打印本页" not in text  # the screen-only parts
        assert "损益表" not in text and "资产负债表" not in text  # nor Fava's sidebar
        for number, content in enumerate(pages, start=1):
            footer = re.search(r"第\s*(\d+)\s*页\s*共\s*(\d+)\s*页", content)
            assert footer and footer.groups() == (str(number), str(len(pages))), number
    finally:
        context.close()
