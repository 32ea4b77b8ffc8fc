"""FinanceView (财政监管) and AuditView (审计): rendered by Fava's test client on small ledgers."""
import base64
import io
import re
import textwrap

import pytest

from reports import viewkit
from serving import users as users_mod

LEDGER = """\
option "title" "测试经营中心"
option "operating_currency" "CNY"
plugin "plugins.treasury"
2024-01-01 custom "fava-option" "language" "zh_CN"
2024-01-01 custom "fava-extension" "reports.views"

2024-01-01 open Assets:1002-银行存款:100201-农商银行基本户 CNY
2024-01-01 open Income:5001-主营业务收入:500101-勤工俭学收入 CNY
2024-01-01 open Expenses:5602-管理费用:560202-办公费 CNY
2024-01-01 open Liabilities:2232-应付利润:223201-上缴国库 CNY
2024-01-01 open Equity:3104-利润分配:310405-应付利润 CNY

2024-03-05 * "客户甲" "销售农产品"
  voucher: "记-2024-03-0001"
  Assets:1002-银行存款:100201-农商银行基本户  10000.00 CNY
  Income:5001-主营业务收入:500101-勤工俭学收入  -10000.00 CNY

2024-06-05 * "文具店" "办公用品"
  voucher: "记-2024-06-0001"
  document: "凭证/2024/记-2024-06-0001.pdf"
  Expenses:5602-管理费用:560202-办公费  2000.00 CNY
  Assets:1002-银行存款:100201-农商银行基本户

2025-03-10 * "县财政局" "上缴国库 (缺缴款书号)"
  voucher: "记-2025-03-0001"
  document: "凭证/2025/记-2025-03-0001.pdf"
  Liabilities:2232-应付利润:223201-上缴国库  1000.00 CNY
  Assets:1002-银行存款:100201-农商银行基本户

2025-07-01 * "客户乙" "销售农产品"
  voucher: "记-2025-07-0001"
  Assets:1002-银行存款:100201-农商银行基本户  500.00 CNY
  Income:5001-主营业务收入:500101-勤工俭学收入  -500.00 CNY
"""


def make_app(tmp_path, text=LEDGER, guard_users=None):
    from fava.application import create_app

    path = tmp_path / "main.beancount"
    path.write_text(text, encoding="utf-8")
    if guard_users:
        from serving.server import make_app as make_guarded

        users = tmp_path / "users.txt"
        for name, role in guard_users.items():
            users_mod.add_user(str(users), name, role, f"{name}-password")
        app, _ = make_guarded(str(path), str(users), None)
    else:
        app = create_app([str(path)], load=True)
    client = app.test_client()
    slug = client.get("/", headers=_auth("acc") if guard_users else {}).headers["Location"].split("/")[1]
    return client, slug


def _auth(name):
    token = base64.b64encode(f"{name}:{name}-password".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def text_of(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def section(page, element_id):
    match = re.search(rf'<table[^>]*id="{element_id}".*?</table>', page, re.S)
    assert match, element_id
    return match.group(0)


@pytest.fixture
def site(tmp_path):
    return make_app(tmp_path)


def test_finance_view_shows_treasury_with_arrears(site):
    client, slug = site
    page = text_of(client.get(f"/{slug}/extension/FinanceView/"))
    assert "财政监管" in page and "利润上缴国库" in page
    table = section(page, "treasury-table")
    row_2024 = re.search(r"<tr class=\"overdue\">.*?</tr>", table, re.S).group(0)
    assert "<td>2024</td>" in row_2024
    assert "8,000.00" in row_2024 and "1,000.00" in row_2024 and "7,000.00" in row_2024
    assert "欠缴 (已逾期)" in row_2024
    register = section(page, "treasury-register")  # 非税收入缴款书登记簿
    assert "（缺缴款书号）" in register and "2025-03-10" in register
    assert "按期缴纳" in register  # 2025-03-10 is before 2024's deadline 2025-05-31
    assert "<svg" in page and "利润上缴国库 (按年度)" in page  # the chart, with its title
    assert "城建税及教育费附加" in page and "surcharges-table" in page


def test_late_payment_is_shown_as_paid_late(tmp_path):
    late = textwrap.dedent("""
        2025-07-01 * "县财政局" "补缴 2024 年度利润"
          receipt: "非税-2025-0088"
          Liabilities:2232-应付利润:223201-上缴国库  7000.00 CNY
          Assets:1002-银行存款:100201-农商银行基本户
        """)
    client, slug = make_app(tmp_path, LEDGER + late)
    page = text_of(client.get(f"/{slug}/extension/FinanceView/?time=2024"))
    register = section(page, "treasury-register")
    assert "非税-2025-0088" in register and "逾期缴纳 31 天" in register  # deadline 2025-05-31
    row = re.search(r"<tr[^>]*>\s*<td>2024</td>.*?</tr>", section(page, "treasury-table"), re.S).group(0)
    assert "已缴清" in row and "逾期缴纳" in row and 'class="overdue"' not in row


def test_finance_view_follows_fava_time_filter(site):
    client, slug = site
    page = text_of(client.get(f"/{slug}/extension/FinanceView/?time=2025"))
    table = section(page, "treasury-table")
    assert "<td>2025</td>" in table and "<td>2024</td>" not in table
    page = text_of(client.get(f"/{slug}/extension/FinanceView/?time=2024"))
    assert "<td>2025</td>" not in section(page, "treasury-table")
    assert "2024-01-01 至 2024-12-31" in page  # students section uses the filtered span


def test_audit_view_groups_violations_with_drill_down(site):
    client, slug = site
    page = text_of(client.get(f"/{slug}/extension/AuditView/"))
    assert "审计" in page
    groups = section(page, "violation-groups")
    assert "纯利润上交国库" in groups and "<small>(P2)</small>" in groups
    assert "依据: 生产经营所获纯利润上交国库" in page
    table = section(page, "violations-table")
    assert "缺少缴款书号" in table and "欠缴" in table
    # drill-down: Fava's context modal, the document, the editor (no role = Fava alone)
    assert re.search(r'href="#context-[0-9a-f]{32,}"', table)
    assert "附件未上传" in table and "/document?entry_hash=" not in table  # no such file
    assert "记-2025-03-0001" in table and "上缴国库 (缺缴款书号)" in table and "223201 上缴国库" in table
    assert "main.beancount:" in table
    assert "/editor/?file_path=" in table
    # the audit analytics, seals, sample and exports are there
    for title in ("审计分析", "封账状态", "审计整改台账", "抽样", "导出"):
        assert title in page


def test_audit_view_time_filter_drops_violations_outside(site):
    client, slug = site
    everything = text_of(client.get(f"/{slug}/extension/AuditView/"))
    only_2024 = text_of(client.get(f"/{slug}/extension/AuditView/?time=2024"))
    assert "缺少缴款书号" in section(everything, "violations-table")
    assert "缺少缴款书号" not in only_2024  # the payment is dated 2025


def test_bureau_roles_get_no_editor_links(tmp_path):
    client, slug = make_app(tmp_path, guard_users={"acc": "accountant", "aud": "audit"})
    bureau = text_of(client.get(f"/{slug}/extension/AuditView/", headers=_auth("aud")))
    accountant = text_of(client.get(f"/{slug}/extension/AuditView/", headers=_auth("acc")))
    assert "/editor/?file_path=" not in section(bureau, "violations-table")
    assert "#context-" in section(bureau, "violations-table")
    assert "/editor/?file_path=" in section(accountant, "violations-table")
    assert "审计局 aud · 只读" in bureau and "会计 acc · 可编辑" in accountant  # the user bar
    assert "判断日期" in bureau
    # downloads are GET endpoints: bureaus may use them
    response = client.get(f"/{slug}/extension/AuditView/violations_xlsx", headers=_auth("aud"))
    assert response.status_code == 200
    assert client.post(f"/{slug}/extension/AuditView/violations_xlsx", headers=_auth("aud")).status_code == 403


def test_violations_are_paginated(tmp_path):
    payments = "".join(textwrap.dedent(f"""
        2025-03-{10 + i // 10:02d} * "县财政局" "上缴国库 {i}"
          Liabilities:2232-应付利润:223201-上缴国库  10.00 CNY
          Assets:1002-银行存款:100201-农商银行基本户
        """) for i in range(60))
    client, slug = make_app(tmp_path, LEDGER + payments)
    page = text_of(client.get(f"/{slug}/extension/AuditView/?clause=P2"))
    rows = section(page, "violations-table").count("<tr>") - 1
    assert rows == viewkit.PER_PAGE
    from beancount import loader

    from plugins import errors

    entries, found, options = loader.load_string(LEDGER + payments)
    expected = sum(1 for p in errors.group(found, entries, options) if p.clause == "P2")
    assert expected > viewkit.PER_PAGE
    assert "下一页" in page and f"共 {expected} 条" in page
    page2 = text_of(client.get(f"/{slug}/extension/AuditView/?clause=P2&violations_page=2"))
    assert section(page2, "violations-table").count("<tr>") - 1 == expected - viewkit.PER_PAGE
    assert "上一页" in page2


def test_a_failing_builder_is_an_error_page(tmp_path, monkeypatch):
    """An exception in a section is Fava's error page (500), never a normal-looking page."""
    from reports import funds

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    client, slug = make_app(tmp_path)
    monkeypatch.setattr(funds, "build", broken)
    assert client.get(f"/{slug}/extension/FinanceView/?year=2024").status_code == 500
    assert client.get(f"/{slug}/extension/AuditView/").status_code == 200


def test_document_link_only_when_the_file_exists(tmp_path):
    folder = tmp_path / "凭证" / "2025"
    folder.mkdir(parents=True)
    (folder / "记-2025-03-0001.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    client, slug = make_app(tmp_path)
    table = section(text_of(client.get(f"/{slug}/extension/AuditView/?clause=P2")), "violations-table")
    assert re.search(r'<a class="document" href="[^"]*/document\?entry_hash=[^"]*" target="_blank"', table)
    assert "记-2025-03-0001.pdf" in table
    link = re.search(r'<a class="document" href="([^"]*)"', table).group(1).replace("&amp;", "&")
    response = client.get(link)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    outside = link.replace("key=document", "key=narration")
    assert client.get(outside).status_code == 404


def test_xlsx_downloads_open(site):
    from openpyxl import load_workbook

    client, slug = site
    for url in (f"/{slug}/extension/FinanceView/remittance_xlsx?year=2024",
                f"/{slug}/extension/FinanceView/students_xlsx?time=2024",
                f"/{slug}/extension/FinanceView/funds_xlsx?year=2024",
                f"/{slug}/extension/AuditView/violations_xlsx",
                f"/{slug}/extension/AuditView/audit_xlsx?year=2024"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype.endswith("spreadsheetml.sheet"), url
        book = load_workbook(io.BytesIO(response.data))
        assert book.worksheets, url
    book = load_workbook(io.BytesIO(client.get(f"/{slug}/extension/AuditView/violations_xlsx").data))
    values = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c]
    assert any("缺少缴款书号" in str(v) for v in values)


def test_cache_is_cleared_on_reload(tmp_path):
    client, slug = make_app(tmp_path)
    assert "<td>2025</td>" in section(text_of(client.get(f"/{slug}/extension/FinanceView/")), "treasury-table")
    path = tmp_path / "main.beancount"
    path.write_text(LEDGER + textwrap.dedent("""
        2026-07-01 * "客户丙" "销售农产品"
          Assets:1002-银行存款:100201-农商银行基本户  700.00 CNY
          Income:5001-主营业务收入:500101-勤工俭学收入  -700.00 CNY
        """), encoding="utf-8")
    client.application.config["LEDGERS"].ledgers[0].load_file()  # what Fava's watcher triggers
    page = text_of(client.get(f"/{slug}/extension/FinanceView/"))
    assert "<td>2026</td>" in section(page, "treasury-table")


def test_sample_runs_on_request_and_is_reproducible(site):
    client, slug = site
    page = text_of(client.get(f"/{slug}/extension/AuditView/"))
    assert "点击「抽样」" in page  # nothing sampled until asked
    url = f"/{slug}/extension/AuditView/?year=2024&sample_size=5&seed=11"
    first, second = text_of(client.get(url)), text_of(client.get(url))
    assert "随机起点" in first and "种子 11" in first
    assert section(first, "sample-table") == section(second, "sample-table")


def test_year_tabs_choose_funds_and_indicators_year(site):
    client, slug = site
    page = text_of(client.get(f"/{slug}/extension/FinanceView/?year=2024"))
    assert re.search(r'<h3>2024 年度</h3>', page) and not re.search(r'<h3>2025 年度</h3>', page)
    page = text_of(client.get(f"/{slug}/extension/FinanceView/"))
    assert re.search(r'<h3>2025 年度</h3>', page)  # default: the last year


def test_month_time_filter_narrows_the_student_span(site):
    client, slug = site
    page = text_of(client.get(f"/{slug}/extension/FinanceView/?time=2024-03"))
    assert "2024-03-01 至 2024-03-31" in page
    assert "<td>2024</td>" in section(page, "treasury-table")
    page = text_of(client.get(f"/{slug}/extension/FinanceView/?time=not-a-date"))
    assert "treasury-table" in page  # a bad filter is Fava's to report; the view shows everything


# ---- the per-load memo under the per-year builders (reports.memo) ---------------------------

def test_builders_share_one_whole_ledger_pass_per_entries_list(monkeypatch):
    """Every year's builders read the one analysis of the loaded entries; a new list
    (a reload) is analysed afresh and the older list is no longer held."""
    import gc
    import weakref

    from beancount import loader

    import plugins.funds
    import plugins.taxes
    from reports import audit, funds, memo, remittance, taxes

    entries, _, options = loader.load_string(LEDGER)
    calls = {"funds": 0, "taxes": 0}

    def counting(name, real):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)
        return wrapper
    monkeypatch.setattr(funds, "analyse", counting("funds", plugins.funds.analyse))
    monkeypatch.setattr(taxes, "analyse", counting("taxes", plugins.taxes.analyse))
    memo.clear()
    first = [(funds.build(entries, options, y), taxes.indicators(entries, options, y),
              remittance.build(entries, options, y), audit.run_audit(entries, options, y))
             for y in (2024, 2025)]
    assert calls == {"funds": 1, "taxes": 1}
    class Entries(list):  # a list a weak reference can watch
        pass
    copy = Entries(entries)  # a new list (as after a reload): analysed again, same results
    again = [(funds.build(copy, options, y), taxes.indicators(copy, options, y),
              remittance.build(copy, options, y), audit.run_audit(copy, options, y))
             for y in (2024, 2025)]
    assert calls == {"funds": 2, "taxes": 2}
    watched = weakref.ref(copy)
    funds.build(list(entries), options, 2024)  # the next reload: the older list is let go
    del copy
    gc.collect()
    assert watched() is None
    assert again == first
    memo.clear()


def test_memo_notices_a_changed_list_and_unsorted_entries():
    import datetime

    from reports import memo

    class E:
        def __init__(self, day):
            self.date = datetime.date(2024, 1, day)
    items = [E(1), E(5), E(9)]
    memo.clear()
    assert memo.memo(items, None, "n", lambda: len(items)) == 3
    items.append(E(20))
    assert memo.memo(items, None, "n", lambda: len(items)) == 4  # the length is part of the key
    assert [e.date.day for e in memo.between(items, datetime.date(2024, 1, 2), datetime.date(2024, 1, 9))] == [5, 9]
    shuffled = [items[2], items[0], items[3], items[1]]
    assert memo.between(shuffled, datetime.date(2024, 1, 2), datetime.date(2024, 1, 9)) is shuffled
    assert memo.memo((1, 2), None, "t", lambda: "computed") == "computed"  # no list: no memo
    memo.clear()


def test_work_study_income_of_any_span_from_the_per_day_index():
    import datetime
    from decimal import Decimal

    from beancount import loader

    from reports import memo, students

    entries, _, options = loader.load_string(LEDGER)
    memo.clear()
    day = datetime.date
    assert students.work_study_income(entries, options, day(2024, 1, 1), day(2025, 12, 31)) == Decimal("10500.00")
    assert students.work_study_income(entries, options, day(2024, 3, 5), day(2024, 3, 5)) == Decimal("10000.00")
    assert students.work_study_income(entries, options, day(2024, 3, 6), day(2025, 6, 30)) == 0
    assert students.work_study_income(entries, options, day(2025, 7, 1), day(2026, 1, 1)) == Decimal("500.00")
    memo.clear()
