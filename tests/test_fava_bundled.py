"""The bundled ledger in Fava: Chinese interface, both bureau views with its real figures."""
import html
import json
import re

import pytest

from scripts.common import BUNDLED_LEDGER


@pytest.fixture(scope="module")
def site():
    from fava.application import create_app

    app = create_app([str(BUNDLED_LEDGER)], load=True)
    app.testing = True
    client = app.test_client()
    slug = client.get("/").headers["Location"].split("/")[1]
    return client, slug


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_fava_speaks_chinese(site):
    """`custom "fava-option" "language" "zh_CN"`: Fava ships its interface strings in Chinese."""
    client, slug = site
    page = client.get(f"/{slug}/income_statement/").get_data(as_text=True)
    match = re.search(r'id="translations"[^>]*>(.*?)</script>', page, re.S)
    translations = json.loads(match.group(1))
    assert translations["Account"] == "账户"


def test_finance_view_shows_the_treasury_of_each_year(site):
    from reports.remittance import build as build_remittance
    from scripts.common import load

    entries, _, options = load(str(BUNDLED_LEDGER))
    owed_2024 = build_remittance(entries, options, 2024)["owed"]
    client, slug = site
    page = text(client.get(f"/{slug}/extension/FinanceView/"))
    assert "财政监管" in page
    assert f"{owed_2024:,.2f}" in page
    assert "新财缴" in page  # the 2024 profit paid in 2025, with its 缴款书号


def test_audit_view_shows_the_sealed_year_and_no_violation(site):
    client, slug = site
    page = text(client.get(f"/{slug}/extension/AuditView/"))
    assert "审计" in page and "2024" in page
    assert "封账" in page


def test_roster_errors_show_in_the_audit_view(tmp_path):
    """An error in a file with no directive (the roster CSV) has no entry: the view lists it."""
    import shutil

    from fava.application import create_app

    copy = tmp_path / "ledger"
    shutil.copytree(BUNDLED_LEDGER.parent, copy)
    roster = copy / "students.csv"
    lines = roster.read_text(encoding="utf-8").splitlines()
    roster.write_text("\n".join(lines + [lines[1]]) + "\n", encoding="utf-8")  # a 学号 twice
    app = create_app([str(copy / "main.beancount")], load=True)
    client = app.test_client()
    slug = client.get("/").headers["Location"].split("/")[1]
    page = text(client.get(f"/{slug}/extension/AuditView/"))
    assert "学生名册" in page and "重复" in page


def test_generated_entries_print_as_beancount():
    from beancount.parser import printer

    from scripts.common import load

    entries, _, _ = load(str(BUNDLED_LEDGER))
    generated = [e for e in entries if "generated" in (e.meta or {})]
    assert {e.meta["generated"] for e in generated} >= {"work_study", "treasury"}
    for entry in generated:
        assert printer.format_entry(entry)
