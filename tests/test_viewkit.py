"""reports.viewkit: the bureau views' pure helpers, tested without Flask."""
import datetime
import re
import textwrap
from decimal import Decimal

from beancount import loader

from reports import viewkit

LEDGER = textwrap.dedent("""\
    option "operating_currency" "CNY"
    2024-01-01 open Assets:1002-银行存款:100201-农商银行基本户 CNY
    2024-01-01 open Expenses:5602-管理费用:560202-办公费 CNY

    2024-06-05 * "文具店" "办公用品"
      voucher: "记-2024-06-0001"
      document: "凭证/记-2024-06-0001.pdf"
      Expenses:5602-管理费用:560202-办公费  2000.00 CNY
      Assets:1002-银行存款:100201-农商银行基本户

    2024-06-30 balance Assets:1002-银行存款:100201-农商银行基本户  5.00 CNY
    2024-07-31 balance Assets:1002-银行存款:100201-农商银行基本户  6.00 CNY
    """)


def test_page_clamps_and_links():
    page = viewkit.Page(range(120), "9", per_page=50, link=lambda n: f"?p={n}")
    assert (page.page, page.pages, page.first, page.last, page.rows[0]) == (3, 3, 101, 120, 100)
    assert viewkit.Page(range(5), "abc").page == 1 and viewkit.Page([], 1).first == 0
    assert page.url(2) == "?p=2"


def test_filter_bounds_from_fava_time_filter():
    from fava.core.fava_options import FavaOptions

    options = {"fiscal_year_end": None}
    assert viewkit.filter_bounds("2024-03", options, FavaOptions()) == (datetime.date(2024, 3, 1),
                                                                      datetime.date(2024, 3, 31))
    assert viewkit.filter_bounds("", options, FavaOptions()) is None
    assert viewkit.filter_bounds("not-a-date", options, FavaOptions()) is None
    assert viewkit.years_in([2023, 2024, 2025], (datetime.date(2024, 5, 1), datetime.date(2025, 1, 1))) == [2024, 2025]


def test_entry_facts_and_account_label():
    entries, _, _ = loader.load_string(LEDGER)
    txn = next(e for e in entries if hasattr(e, "postings"))
    facts = viewkit.entry_facts(txn)
    assert facts == {"date": datetime.date(2024, 6, 5), "voucher": "记-2024-06-0001", "narration": "文具店 办公用品",
                     "account": "560202 办公费", "amount": Decimal("2000.00")}
    assert viewkit.account_label("Income:5001-主营业务收入") == "5001 主营业务收入"
    assert viewkit.account_label(None) == "—"


def test_locations_index_and_documents(tmp_path):
    path = tmp_path / "main.beancount"
    path.write_text(LEDGER, encoding="utf-8")
    entries, _, _ = loader.load_file(str(path))
    locations = viewkit.Locations(entries, str(path))
    txn = next(e for e in entries if hasattr(e, "postings"))
    assert locations.of(txn) == f"main.beancount:{txn.meta['lineno']}"
    assert locations.entry_at(locations.of(txn)) is txn
    assert locations.entry_at(f"{path}:{txn.meta['lineno']}") is txn  # as plugins give it
    assert locations.document_path(txn, txn.meta["document"]) is None  # not uploaded
    (tmp_path / "凭证").mkdir()
    (tmp_path / "凭证" / "记-2024-06-0001.pdf").write_bytes(b"%PDF")
    assert locations.document_path(txn, txn.meta["document"]).endswith("记-2024-06-0001.pdf")
    assert locations.document_path(txn, "../../etc/passwd") is None  # never outside the ledger's folder


def test_balance_failures_in_chinese_and_grouped():
    _, errors, _ = loader.load_string(LEDGER)
    groups = viewkit.error_groups(errors)
    assert len(groups) == 2 and all(g["clause"] == "其他" for g in groups)
    for group in groups:  # Chinese (plugins.errors), the account without its English root
        assert "Balance" not in group["message"] and "Assets:" not in group["message"]
        assert "100201" in group["message"]


def test_plain_messages():
    text = viewkit.plain("[P10] 不得用于 Expenses:5602-管理费用:560202-办公费: 超过 student-pay-days 规定 (receipt:) 应发 ≥ 4,000")
    assert text == "不得用于 560202 办公费: 超过 「学生劳动报酬发放期限 (天)」 规定 (缴款书号) 应发 不低于 4,000"


def test_lru_is_bounded():
    cache = viewkit.LRU(3)
    calls = []
    for seed in range(10):
        cache.get(seed, lambda: calls.append(1) or [0] * 1000)
    assert len(cache) == 3
    cache.get(9, lambda: calls.append(1))
    assert len(calls) == 10  # the most recent is kept
    cache.get(0, lambda: calls.append(1))
    assert len(calls) == 11  # the oldest was dropped


def test_charts_have_axes_value_labels_and_legend():
    svg = viewkit.treasury_chart([{"year": 2024, "owed": Decimal("8000"), "paid": Decimal("1000"),
                                   "outstanding": Decimal("7000")}])
    assert svg.startswith("<svg") and "利润上缴国库" in svg
    assert "8,000.00" in svg and "7,000.00" in svg and "2024年" in svg  # value labels, category axis
    assert "10,000.00" in svg  # the y axis' top tick (a round number above the peak)
    assert re.search(r'<line x1="70"', svg)
    digits = [{"digit": d, "observed": 0.1, "expected": 0.3 if d == 1 else 0.05} for d in range(1, 10)]
    svg = viewkit.benford_chart(digits)
    assert "理论占比" in svg and "实际占比" in svg and "30.0%" in svg


def test_user_bar_from_the_guard_environ():
    assert viewkit.user_bar({"REMOTE_USER": "caizheng", "shixun.role": "finance"}) == "财政局 caizheng · 只读"
    assert viewkit.user_bar({"REMOTE_USER": "kuaiji", "shixun.role": "accountant"}) == "会计 kuaiji · 可编辑"
    assert viewkit.user_bar({}) == ""
    assert viewkit.can_edit({}) and not viewkit.can_edit({"shixun.role": "audit"})


def test_clause_title_and_basis():
    assert viewkit.clause_title("P1") == "勤工俭学收入提取学生劳动报酬"
    assert viewkit.clause_basis("P1").startswith("学校开展生产服务性实习实训取得的勤工俭学收入，可提取20%")


def test_plain_names_directives_in_chinese():
    """A sealed record's text (封账) shows directives as Beancount writes them; officials read Chinese."""
    from reports.viewkit import plain
    text = plain('新增: 「2025-01-01 custom "apprentice" "AP-1"」 | 2025-06-30 balance Assets:1002-银行存款 1.00 CNY')
    assert "〔学徒登记〕" in text and "余额断言" in text and "1.00 元" in text
    assert "custom" not in text and "balance" not in text and "Assets" not in text
