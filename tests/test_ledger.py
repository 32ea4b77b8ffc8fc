"""The bundled example ledger and gen-ledger: valid chart, continuous vouchers, clean, deterministic."""
import collections
import re

import pytest
from beancount.core import data

from scripts.cli import main
from scripts.common import BUNDLED_LEDGER, load
from devtools.ledger_gen import PLUGIN_ORDER

COMPONENT = re.compile(r"^[A-Z0-9]")


@pytest.fixture(scope="module")
def bundled():
    return load(str(BUNDLED_LEDGER))


def test_bundled_ledger_is_clean_with_every_plugin(bundled):
    entries, errors, options = bundled
    assert [f"{e.source['filename']}:{e.source['lineno']}: {e.message}" for e in errors] == []
    main_text = BUNDLED_LEDGER.read_text(encoding="utf-8")
    assert [f"plugins.{name}" for name in PLUGIN_ORDER] == re.findall(r'^plugin "([\w.]+)"', main_text, re.M)
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


def test_two_full_years_and_continuous_vouchers(bundled):
    entries, _, _ = bundled
    written = [e for e in entries if isinstance(e, data.Transaction) and "generated" not in e.meta]
    assert len(written) >= 600
    assert {e.date.year for e in written} == {2024, 2025}
    by_month = collections.defaultdict(list)
    for entry in written:
        voucher = entry.meta["voucher"]
        match = re.fullmatch(r"记-(\d{4})-(\d{2})-(\d{4})", voucher)
        assert match, voucher
        assert (int(match[1]), int(match[2])) == (entry.date.year, entry.date.month)
        by_month[match[1], match[2]].append(int(match[3]))
    assert len(by_month) == 24
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
    for name in PLUGIN_ORDER:
        assert f'plugin "plugins.{name}"' in text
    for marker in ('custom "fund"', 'custom "work-hours"', 'custom "apprentice"', 'custom "finding"',
                   "student:", "receipt:", "frontline:", "Expenses:5403", "fund:", 'custom "seal"'):
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
