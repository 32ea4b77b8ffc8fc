"""The bundled example ledger and gen-ledger: valid chart, continuous vouchers, clean on the
date of judgement, tied out, grants released as spent, deterministic."""
import collections
import datetime
import re
from decimal import Decimal

import pytest
from beancount.core import data

from devtools.ledger_gen import LAST_MONTH
from plugins.money import to_fen
from scripts.cli import main
from scripts.common import BUNDLED_LEDGER, load

COMPONENT = re.compile(r"^[A-Z0-9]")


@pytest.fixture(scope="module")
def bundled():
    return load(str(BUNDLED_LEDGER))


def located(errors):
    return [f"{e.source['filename']}:{e.source['lineno']}: {e.message}" for e in errors]


@pytest.mark.parametrize("as_of", ["2026-12-02", "2026-12-31", None])
def test_bundled_ledger_is_clean_on_the_date_of_judgement(monkeypatch, as_of):
    """Clean on the demo's date, at the end of its year, and today (no pin in the ledger)."""
    if as_of is None:
        monkeypatch.delenv("SHIXUN_AS_OF", raising=False)
    else:
        monkeypatch.setenv("SHIXUN_AS_OF", as_of)
    entries, errors, _ = load(str(BUNDLED_LEDGER))
    assert located(errors) == []
    assert not any(isinstance(e, data.Custom) and e.type == "shixun-option" for e in entries)


def test_bundled_ledger_is_clean_with_every_plugin(bundled):
    entries, errors, options = bundled
    assert located(errors) == []
    main_text = BUNDLED_LEDGER.read_text(encoding="utf-8")
    assert re.findall(r'^plugin "([\w.]+)"', main_text, re.M) == ["plugins.all"]  # SPEC §2: one line
    assert options["operating_currency"] == ["CNY"]
    assert 'custom "fava-option" "language" "zh_CN"' in main_text


def test_every_account_has_its_code(bundled):
    entries, _, _ = bundled
    opens = [e for e in entries if isinstance(e, data.Open)]
    assert len(opens) > 40
    for entry in opens:
        parts = entry.account.split(":")
        assert all(COMPONENT.match(p) for p in parts[1:]), entry.account
        code = entry.meta["code"]
        assert parts[-1].startswith(code + "-"), (entry.account, code)
        if len(parts) > 2:  # a sub-account's code extends its parent's
            assert code.startswith(parts[-2].split("-")[0])


def test_books_up_to_the_month_before_the_demo_date_and_continuous_vouchers(bundled):
    entries, _, _ = bundled
    written = [e for e in entries if isinstance(e, data.Transaction) and "generated" not in e.meta]
    assert len(written) >= 900
    assert {e.date.year for e in written} == {2023, 2024, 2025, 2026}
    assert [e.narration for e in written if e.date.year == 2023] == [
        "建账: 2023年12月31日货币资金余额 (期初余额)", "建账: 2023年12月31日其他科目余额 (期初余额)"]
    assert max(e.date for e in written).timetuple()[:2] == LAST_MONTH == (2026, 11)
    by_month = collections.defaultdict(list)
    for entry in written:
        voucher = entry.meta["voucher"]
        match = re.fullmatch(r"记-(\d{4})-(\d{2})-(\d{4})", voucher)
        assert match, voucher
        assert (int(match[1]), int(match[2])) == (entry.date.year, entry.date.month)
        by_month[match[1], match[2]].append(int(match[3]))
    assert len(by_month) == 36  # the opening entry's month and 35 months booked
    for month, numbers in by_month.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), month


def test_sales_carry_invoices_and_large_expenses_documents(bundled):
    entries, _, _ = bundled
    invoices = []
    for entry in entries:
        if not isinstance(entry, data.Transaction) or "generated" in entry.meta:
            continue
        accounts = [p.account for p in entry.postings]
        if any(a.startswith("Income:5001") for a in accounts):
            invoices.append(entry.meta["invoice"])
        big_expense = any(p.account.startswith("Expenses:") and p.units.number >= 1000 for p in entry.postings
                          if not p.account.startswith("Expenses:5403"))
        if big_expense and "计提" not in entry.narration:
            assert "document" in entry.meta, entry.meta["voucher"]
    assert len(invoices) == len(set(invoices)) > 200


def test_gen_ledger_is_deterministic(tmp_path, capsys):
    paths = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        path = tmp_path / name / "ledger.beancount"
        path.parent.mkdir()
        assert main(["gen-ledger", "--transactions", "800", "--seed", str(seed), "-o", str(path)]) == 0
        paths.append(path.read_text(encoding="utf-8"))
    assert paths[0] == paths[1]
    assert paths[0] != paths[2]
    assert "生成" in capsys.readouterr().out


def test_gen_ledger_is_clean_and_exercises_every_family(tmp_path):
    path = tmp_path / "ledger.beancount"
    assert main(["gen-ledger", "--transactions", "1500", "--seed", "3", "-o", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    assert re.findall(r'^plugin "([\w.]+)" "(.*)"$', text, re.M) == [("plugins.all", "{'roster': 'ledger.students.csv'}")]
    for marker in ('custom "fund"', 'custom "work-hours"', 'custom "apprentice"', 'custom "finding"',
                   "student:", "receipt:", "frontline:", "Expenses:5403", "fund:", 'custom "seal"',
                   "530102-政府补助", "汇算清缴", "(预缴)", "222107-应交个人所得税", "期初余额"):
        assert marker in text, marker
    entries, errors, _ = load(str(path))
    assert [e.message for e in errors] == []
    count = sum(1 for e in entries if isinstance(e, data.Transaction) and "generated" not in e.meta)
    assert 1300 <= count <= 1700


def test_gen_ledger_bad_arguments(tmp_path, capsys):
    assert main(["gen-ledger", "--transactions", "10", "-o", str(tmp_path / "x.beancount")]) == 2
    assert main(["gen-ledger", "--transactions", "500", "-o", str(tmp_path / "no" / "x.beancount")]) == 2
    err = capsys.readouterr().err
    assert "错误" in err and "Traceback" not in err


def transactions(entries):
    return [e for e in entries if isinstance(e, data.Transaction)]


def test_opening_balances_give_every_statement_content(bundled):
    entries, _, _ = bundled
    money, others = transactions(entries)[:2]  # 建账 on 2023-12-31: the money, then the rest
    assert [(t.date, t.meta["voucher"]) for t in (money, others)] == [
        (datetime.date(2023, 12, 31), "记-2023-12-0001"), (datetime.date(2023, 12, 31), "记-2023-12-0002")]
    codes = [{p.account.split(":")[1][:4] for p in t.postings} for t in (money, others)]
    assert codes[0] == {"1001", "1002", "3001"}
    assert codes[1] == {"1122", "1403", "1405", "1601", "1602", "2202", "2211", "2221", "2241", "3001"}
    assert sum(p.units.number for t in (money, others) for p in t.postings if p.account == "Equity:3001-实收资本") \
        == Decimal("-1500000.00")
    year_end = collections.defaultdict(Decimal)
    for txn in transactions(entries):
        if txn.date <= datetime.date(2025, 12, 31):
            for posting in txn.postings:
                year_end[posting.account.split(":")[1][:4]] += posting.units.number
    for code in ("1001", "1002", "1122", "1601", "1602", "2211", "2221", "2401", "3001"):
        assert year_end[code], code


def test_trial_balance_is_zero_every_month(bundled):
    """Debits equal credits over each month, and the accounts sum to zero at each month end."""
    entries, _, _ = bundled
    debit, credit, running = collections.Counter(), collections.Counter(), Decimal(0)
    for txn in transactions(entries):
        for posting in txn.postings:
            number = posting.units.number
            (debit if number > 0 else credit)[txn.date.year, txn.date.month] += abs(number)
            running += number
    assert running == 0
    assert len(debit) == 36 and debit == credit


def fund_of(txn, posting):
    return (posting.meta or {}).get("fund", txn.meta.get("fund"))


def test_grants_are_released_as_spent(bundled):
    """SPEC §2: a fund spent on expenses is released that year (Dr 2401 / Cr 530102, with
    fund:); spent on equipment, released with the equipment's monthly depreciation
    (ten years, from the month after the purchase)."""
    entries, _, _ = bundled
    expected, released, received = collections.Counter(), collections.Counter(), collections.Counter()
    last = datetime.date(*LAST_MONTH, 1)
    for txn in transactions(entries):
        grant = any(p.account == "Income:5301-营业外收入:530102-政府补助" for p in txn.postings)
        for posting in txn.postings:
            fund, number = fund_of(txn, posting), posting.units.number
            if fund is None:
                continue
            if posting.account.startswith("Liabilities:2401") and number < 0:
                received[fund] -= number
            elif posting.account.startswith("Liabilities:2401") and grant:
                released[fund, txn.date.year] += number
            elif posting.account.startswith("Expenses:") and "finding" not in txn.meta:
                expected[fund, txn.date.year] += number
            elif posting.account.startswith("Assets:1601"):
                month = txn.date.replace(day=1)
                while month < last:
                    month = (month + datetime.timedelta(days=32)).replace(day=1)
                    expected[fund, month.year] += to_fen(number / 120)
    assert set(received) == {"FJ-2024", "ZJ-2025"}
    assert released == expected
    assert released["FJ-2024", 2024] == Decimal("36480.50") + 8 * Decimal("1400.00")
    deferred = sum((p.units.number for t in transactions(entries) for p in t.postings
                    if p.account.startswith("Liabilities:2401")), Decimal(0))
    assert -deferred == sum(received.values()) - sum(released.values()) < Decimal(400000)


def test_each_year_profit_is_owed_and_paid_by_05_31_with_receipt(bundled):
    entries, _, _ = bundled
    profit, owed, paid = collections.Counter(), {}, collections.Counter()
    for txn in transactions(entries):
        for posting in txn.postings:
            if posting.account.startswith(("Income:", "Expenses:")):
                profit[txn.date.year] -= posting.units.number
            elif posting.account == "Liabilities:2232-应付利润:223201-上缴国库":
                if "generated" in txn.meta:
                    owed[txn.date.year] = -posting.units.number
                else:
                    assert txn.meta["receipt"] and txn.date <= datetime.date(txn.date.year, 5, 31)
                    paid[txn.date.year - 1] += posting.units.number
    assert set(owed) == {2024, 2025}  # 2026 is not over on the demo's date
    assert all(profit[year] > 0 for year in (2024, 2025, 2026))
    assert owed == {year: profit[year] for year in (2024, 2025)} == dict(paid)


def balance_on(entries, account_prefix, day):
    """The balance of the accounts under a prefix at the start of `day`."""
    return sum((p.units.number for t in transactions(entries) if t.date < day for p in t.postings
                if p.account.startswith(account_prefix)), Decimal(0))


def test_income_tax_is_prepaid_per_quarter_and_settled_by_05_31(bundled):
    """小型微利企业 5% of the taxable income (profit + 40% of 业务招待费, 汇算清缴's 纳税调增),
    prepaid each quarter, the difference accrued on 12-31 and paid by 05-31 of the next year."""
    entries, _, _ = bundled
    for year in (2024, 2025):
        booked = collections.Counter()
        for txn in transactions(entries):
            if txn.date.year == year:
                for posting in txn.postings:
                    if posting.account.startswith(("Income:", "Expenses:")):
                        booked[posting.account] += posting.units.number
        tax = booked.pop("Expenses:5801-所得税费用")
        entertainment = booked["Expenses:5602-管理费用:560207-业务招待费"]
        before_tax = -sum(booked.values())
        assert tax == to_fen((before_tax + to_fen(entertainment * Decimal("0.4"))) * Decimal("0.05")), year
        prepaid = [t for t in transactions(entries)
                   if t.date.year == year and t.narration.startswith("计提") and "(预缴)" in t.narration]
        assert len(prepaid) == 4
        assert balance_on(entries, "Liabilities:2221-应交税费:222103", datetime.date(year + 1, 6, 1)) == 0
    assert balance_on(entries, "Liabilities:2221-应交税费:222103", datetime.date(2026, 12, 1)) == 0


def test_wages_withhold_social_insurance_and_income_tax(bundled):
    """发放: Dr 221101 the gross wage; Cr 224102 the employee's 10.5% and 222107 个税; the rest
    paid. Each month's both shares and the 个税 are paid the next month."""
    entries, _, _ = bundled
    payouts = [t for t in transactions(entries) if t.narration.startswith("发放") and "工资" in t.narration]
    assert len(payouts) == 35
    for txn in payouts:
        by = {p.account.split(":")[-1][:6]: p.units.number for p in txn.postings}
        gross = by["221101"]
        assert by["224102"] == -to_fen(gross * Decimal("0.105"))
        assert -by["222107"] < gross * Decimal("0.02")
        assert sum(by.values()) == 0
    for day in (datetime.date(2025, 1, 1), datetime.date(2026, 1, 1)):
        assert balance_on(entries, "Liabilities:2211-应付职工薪酬:221101", day) == 0
        assert balance_on(entries, "Liabilities:2211-应付职工薪酬:221102", day) < 0  # December's, paid in January
    november = next(t for t in payouts if t.date.timetuple()[:2] == (2025, 11))
    withheld = sum(p.units.number for p in november.postings if p.account.endswith("224102-代扣社会保险费"))
    assert balance_on(entries, "Liabilities:2241-其他应付款:224102", datetime.date(2025, 12, 1)) == withheld


def test_the_bundled_ledger_is_what_the_generator_writes(tmp_path, capsys):
    """ledger/ is generated text: regenerating it changes nothing (a hand edit there is lost
    the next time it is generated, so it belongs in devtools/ledger_gen.py)."""
    assert main(["gen-ledger", "--example", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert {"main.beancount", "opening.beancount", "2026.beancount", "students.csv",
            "seal-2024.records.tsv", "seal-2025.records.tsv"} <= set(written)
    for name in written:
        assert (tmp_path / name).read_bytes() == (BUNDLED_LEDGER.parent / name).read_bytes(), name
