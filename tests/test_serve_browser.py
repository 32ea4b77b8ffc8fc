"""Issue 14 in Debian's chromium: a bureau keeps Fava's query page, ordinary queries answer,
shell commands get the Chinese refusal, and nothing is written."""
import hashlib
import os
from urllib.parse import quote

import pytest

from serving import users as users_mod
from serving.query import REFUSED
from tests.test_serve_attacks import LEDGER, SLUG
from tests.test_serve_server import serve

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "caizheng-口令-14"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    root = tmp_path_factory.mktemp("query-browser")
    (root / "main.beancount").write_text(LEDGER, encoding="utf-8")
    users = root / "users.txt"
    users_mod.add_user(str(users), "caizheng", "finance", PASSWORD)
    proc, port = serve(root, users)
    yield {"base": f"http://127.0.0.1:{port}/{quote(SLUG)}", "root": root}
    proc.terminate()
    proc.wait(timeout=30)


def digest(root):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.iterdir() if p.is_file() and p.name != "access.log"}


def test_bureau_runs_queries_on_favas_query_page(server):
    from playwright.sync_api import sync_playwright

    before = digest(server["root"])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = browser.new_context(http_credentials={"username": "caizheng", "password": PASSWORD},
                                          locale="zh-CN")
            page = context.new_page()
            ordinary = quote("SELECT account, sum(position) GROUP BY account")
            assert page.goto(f"{server['base']}/query/?query_string={ordinary}").status == 200
            page.wait_for_selector("text=Expenses:5401-主营业务成本", timeout=30000)
            evil = quote(f".output {server['root'] / 'main.beancount'}")
            page.goto(f"{server['base']}/query/?query_string={evil}")
            page.wait_for_selector(f"text={REFUSED[:12]}", timeout=30000)
        finally:
            browser.close()
    assert digest(server["root"]) == before
