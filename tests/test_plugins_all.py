"""`plugin "plugins.all"`: the same entries and errors as the five family lines, a plain
list, and Beancount's own re-sort kept (foreign plugins after ours still check clean)."""
import re

import pytest
from beancount import loader
from beancount.core import data
from beancount.parser import cmptest, printer

from tests.conftest import load_ledger

from devtools import ledger_gen

FIVE = "\n".join(f'plugin "plugins.{name}"' for name in ("work_study", "treasury", "taxes", "funds", "seal"))


def summary(entries, errors):
    """Every entry as Beancount text (without the file positions) and every error message."""
    texts = [re.sub(r"\n\s+(filename|lineno): .*", "", printer.format_entry(e)) for e in entries]
    return texts, sorted((e.source or {}).get("lineno", 0).__str__() + str(e.message) for e in errors)


def with_plugin_lines(text, lines):
    body = re.sub(r'^plugin "plugins\.[a-z_]+".*\n', "", text, flags=re.M)
    return lines + "\n" + body


@pytest.fixture(scope="module")
def generated_10k(tmp_path_factory):
    folder = tmp_path_factory.mktemp("g10k")
    books = ledger_gen.generate(seed=7, start_year=2024, scale=(5000 - 167) / 193, last_month=(2025, 12))
    path = folder / "g.beancount"
    ledger_gen.write_single(path, books, ledger_gen.available_plugins())
    return path


def _compare(path, monkeypatch, roster=None):
    monkeypatch.setenv("SHIXUN_AS_OF", "2026-01-05")
    text = path.read_text(encoding="utf-8")
    config = f" \"{{'roster': '{roster}'}}\"" if roster else ""
    five = FIVE.replace('plugin "plugins.work_study"', f'plugin "plugins.work_study"{config}')
    results = []
    # The same file name and line numbers for both: only the plugin lines differ.
    for lines in (five, f'plugin "plugins.all"{config}' + "\n;" * FIVE.count("\n")):
        variant = path.with_name("variant.beancount")
        variant.write_text(with_plugin_lines(text, lines), encoding="utf-8")
        entries, errors, _ = loader.load_file(str(variant))
        results.append(summary(entries, errors))
    assert results[0] == results[1]
    return results[1]


def test_all_equals_the_five_lines_on_the_bundled_ledger(tmp_path, monkeypatch):
    import shutil
    import pathlib
    source = pathlib.Path(__file__).parent.parent / "ledger"
    shutil.copytree(source, tmp_path / "ledger")
    texts, errors = _compare(tmp_path / "ledger" / "main.beancount", monkeypatch)
    assert len(texts) > 2000


def test_all_equals_the_five_lines_on_a_generated_10k_ledger(generated_10k, monkeypatch):
    texts, _ = _compare(generated_10k, monkeypatch, roster=f"{generated_10k.stem}.students.csv")
    assert sum(t.count(" * ") for t in texts) > 9000


LEDGER = '''
option "operating_currency" "CNY"
plugin "plugins.all"
{foreign}
2024-01-01 open Assets:1002-银行存款:100201-农商银行基本户 CNY
2024-01-01 open Income:5001-主营业务收入:500101-勤工俭学收入 CNY
2024-01-01 open Expenses:5401-主营业务成本:540101-学生劳动报酬 CNY
2024-01-01 open Liabilities:2241-其他应付款:224101-学生劳动报酬 CNY
2024-01-01 open Liabilities:2232-应付利润:223201-上缴国库 CNY
2024-01-01 open Equity:3104-利润分配:310405-应付利润 CNY
2024-03-05 * "食堂订购馕"
  voucher: "记-2024-03-0001"
  Assets:1002-银行存款:100201-农商银行基本户  1000.00 CNY
  Income:5001-主营业务收入:500101-勤工俭学收入
2024-03-20 * "发放学生劳动报酬"
  Liabilities:2241-其他应付款:224101-学生劳动报酬  200.00 CNY
    student: "20240101"
  Assets:1002-银行存款:100201-农商银行基本户
'''


@pytest.mark.parametrize("foreign", [
    'plugin "beancount.plugins.auto_accounts"',
    'plugin "tests.appending_plugin"',
    'plugin "tests.appending_plugin"\nplugin "beancount.plugins.auto_accounts"',
])
def test_foreign_plugins_after_ours_see_a_sorted_list_and_check_clean(foreign, monkeypatch):
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-04-01")
    entries, errors, _ = load_ledger(LEDGER.replace("{foreign}", foreign))
    assert errors == []
    assert entries == sorted(entries, key=data.entry_sortkey)
    assert type(entries) is list


def test_generated_entries_as_beancount_text(monkeypatch):
    """P1's accrual and P2's year-end entry, as the accountant would read them in Fava."""
    monkeypatch.setenv("SHIXUN_AS_OF", "2025-01-02")
    entries, errors, _ = load_ledger(LEDGER.replace("{foreign}", ""))
    assert [e.message[:4] for e in errors] == ["[P5]"]  # no 职工教育经费 accrued in this small ledger
    made = [e for e in entries if (e.meta or {}).get("generated")]
    cmptest.TestCase().assertEqualEntries('''
    2024-03-05 * "计提学生劳动报酬: 当日 1 笔勤工俭学收入 (逐笔四舍五入到分)"
      generated: "work_study"
      source: "<string>:9"
      sources: 1
      source-vouchers: "记-2024-03-0001"
      Expenses:5401-主营业务成本:540101-学生劳动报酬  200.00 CNY
      Liabilities:2241-其他应付款:224101-学生劳动报酬  -200.00 CNY
    2024-12-31 * "2024年度净利润上缴国库: 计提应付利润 (净利润 800.00 元, 弥补以前年度亏损 0.00 元)" ^treasury-2024
      generated: "treasury"
      net-profit: 800.00
      losses-absorbed: 0.00
      treasury-share: 1.00
      owed: 800.00
      Equity:3104-利润分配:310405-应付利润  800.00 CNY
      Liabilities:2232-应付利润:223201-上缴国库  -800.00 CNY
    ''', made)


def test_generated_entries_never_move_the_date_of_judgement(monkeypatch):
    """With as-of 2024-12-31 the year is not over: P2 generates nothing, and a later
    entry of ours could not make it over (only the accountant's pin or SHIXUN_AS_OF)."""
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-12-31")
    entries, errors, _ = load_ledger(LEDGER.replace("{foreign}", ""))
    assert errors == [] and not [e for e in entries if (e.meta or {}).get("generated") == "treasury"]


def test_unknown_config_key_of_plugins_all_is_an_error():
    _, errors, _ = load_ledger(LEDGER.replace('plugin "plugins.all"', "plugin \"plugins.all\" \"{'rooster': 1}\"")
                               .replace("{foreign}", ""))
    assert any("plugins.all 的配置含未知项: rooster" in e.message for e in errors)


def test_a_ledger_ending_on_12_31_is_judged_alike_by_every_family(monkeypatch):
    """The books end on 2024-12-31. Judged that day, 2024 is not over for any family
    (no P2 accrual, no P5 verdict); judged on 2025-01-01 it is over for all of them."""
    ledger = LEDGER.replace("{foreign}", "") + '''
2024-01-01 open Liabilities:2211-应付职工薪酬:221104-职工教育经费 CNY
2024-12-31 * "年末销售"
  Assets:1002-银行存款:100201-农商银行基本户  0.00 CNY
  Income:5001-主营业务收入:500101-勤工俭学收入  0.00 CNY
'''
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-12-31")
    entries, errors, _ = load_ledger(ledger)
    assert errors == [] and not [e for e in entries if (e.meta or {}).get("generated") == "treasury"]
    monkeypatch.setenv("SHIXUN_AS_OF", "2025-01-01")
    entries, errors, _ = load_ledger(ledger)
    assert [e for e in entries if (e.meta or {}).get("generated") == "treasury"]
    assert [e.message[:4] for e in errors] == ["[P5]"]  # 2024's training fund, judged now


def test_config_problems_point_at_the_plugin_line(tmp_path, monkeypatch):
    """Beancount keeps no line for a plugin directive: the error still names the line to fix."""
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-04-01")
    path = tmp_path / "main.beancount"
    path.write_text(LEDGER.replace('plugin "plugins.all"', "plugin \"plugins.all\" \"{'rooster': 1}\"")
                    .replace("{foreign}", ""), encoding="utf-8")
    _, errors, _ = loader.load_file(str(path))
    wrong = [e for e in errors if "rooster" in e.message]
    assert [(e.source["filename"], e.source["lineno"]) for e in wrong] == [(str(path), 3)]


def test_a_missing_roster_named_in_the_config_points_at_the_plugin_line(tmp_path, monkeypatch):
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-04-01")
    path = tmp_path / "main.beancount"
    path.write_text(LEDGER.replace('plugin "plugins.all"', "plugin \"plugins.all\" \"{'roster': 'nobody.csv'}\"")
                    .replace("{foreign}", ""), encoding="utf-8")
    _, errors, _ = loader.load_file(str(path))
    missing = [e for e in errors if "学生名册不存在" in e.message]
    assert [e.source["lineno"] for e in missing] == [3] and missing[0].message.startswith("[P1]")


def test_an_unusable_as_of_pin_is_said_at_the_pin(monkeypatch):
    monkeypatch.delenv("SHIXUN_AS_OF", raising=False)
    entries, errors, _ = load_ledger(LEDGER.replace("{foreign}", "")
                                     + '2024-01-01 custom "shixun-option" "as-of" "2024-02-30"\n')
    [said] = [e for e in errors if "判断日期:" in e.message]
    pin = next(e for e in entries if isinstance(e, data.Custom) and e.type == "shixun-option")
    assert said.source["lineno"] == pin.meta["lineno"] and "2024 年 2 月有 29 天" in said.message


@pytest.mark.parametrize("config", ["{'roster': 5}", "{'roster': ['a.csv']}", "{'roster': True}",
                                    "{'granularity': 7}", "{'student_payable': 2241}", "[1, 2]"])
def test_a_mistyped_setting_is_an_error_not_a_crash(config, monkeypatch):
    """One family's bad setting never takes the others' rules down with it."""
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-04-01")
    entries, errors, _ = load_ledger(LEDGER.replace('plugin "plugins.all"', f'plugin "plugins.all" "{config}"')
                                     .replace("{foreign}", ""))
    assert not [e for e in errors if "Traceback" in str(e.message)]
    assert any("插件配置" in e.message for e in errors)
    assert [e for e in entries if (e.meta or {}).get("generated") == "work_study"]  # P1 still accrues


def test_config_on_the_seal_line_is_said(tmp_path, monkeypatch):
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-04-01")
    _, errors, _ = load_ledger(LEDGER.replace('plugin "plugins.all"', "plugin \"plugins.seal\" \"{'zzz': 1}\"")
                               .replace("{foreign}", ""))
    assert [e.message for e in errors] == ["[封账] plugins.seal 插件配置含未知项: zzz"]


def test_the_report_analyses_take_any_order(monkeypatch):
    """A caller may hand the analyses an unsorted list: the same years, payments and seals."""
    from plugins import seal, treasury
    monkeypatch.setenv("SHIXUN_AS_OF", "2026-12-02")
    import pathlib
    entries, _, options = loader.load_file(str(pathlib.Path(__file__).parent.parent / "ledger" / "main.beancount"))
    backwards = entries[::-1]
    assert treasury.treasury_years(backwards, options).rows == treasury.treasury_years(entries, options).rows
    assert seal.year_digests(backwards, [2025]) == seal.year_digests(entries, [2025])


def test_a_ledger_sealed_with_a_foreign_plugin_after_ours_checks_clean(tmp_path, monkeypatch):
    """auto_accounts opens an account after our line: its `open` (no line of the ledger's)
    is outside the seal, as it is outside what plugins.seal digests inside plugins.all."""
    from plugins import seal
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-04-01")
    text = LEDGER.replace("{foreign}", 'plugin "beancount.plugins.auto_accounts"') + (
        '2024-03-21 * "杂费"\n  Expenses:5602-管理费用:560299-其他  5.00 CNY\n  Assets:1002-银行存款:100201-农商银行基本户\n')
    entries, errors, _ = load_ledger(text)
    made = next(e for e in entries if isinstance(e, data.Open) and e.account.endswith("560299-其他"))
    assert errors == [] and not seal.sealable(made)


def test_unopened_student_accounts_are_said_once_in_chinese(monkeypatch):
    """P1 would book to them: one P1 error instead of Beancount's English per entry."""
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-04-01")
    text = LEDGER.replace("{foreign}", "").replace(
        "2024-01-01 open Liabilities:2241-其他应付款:224101-学生劳动报酬 CNY\n", "")
    entries, errors, _ = load_ledger(text)
    p1 = [e.message for e in errors if e.message.startswith("[P1] 科目未开设")]
    assert p1 == ["[P1] 科目未开设: Liabilities:2241-其他应付款:224101-学生劳动报酬; 无法计提学生劳动报酬 "
                  "(1 笔, 自 2024-03-05 起), 请在科目表中 open 这些科目"]
    # Beancount still names the accountant's own payout to the unopened account, and only that.
    unknown = [e for e in errors if "Invalid reference" in str(e.message)]
    assert unknown and not [e for e in unknown if (e.entry.meta or {}).get("generated")]
