"""Importers: golden files for the sample statements and sheets, dedupe, errors, CLI.

Regenerate the golden files after an intended change of output with
    REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_import.py -q
and read the diff before committing it.
"""
import datetime
import decimal
import pathlib
import shutil

import openpyxl
import pytest
from beancount import loader
from beancount.core import data
from beancount.parser import parser

from importers import config as config_lib
from importers import run, table
from plugins.common import ledger_end
from importers.bank import BankStatementImporter
from importers.table import ImportFailure, parse_amount, parse_date
from importers.workhours import WorkHoursImporter
from scripts import cli
from tests.conftest import regen_golden

DATA = pathlib.Path(__file__).resolve().parent / "data" / "import"
LEDGER_DIR = DATA / "ledger"
LEDGER = LEDGER_DIR / "main.beancount"
EXPECTED = DATA / "expected"
SAMPLES = sorted(p.name for p in DATA.iterdir() if p.suffix in (".csv", ".xlsx"))
D = decimal.Decimal


def importers(config=None, roster=LEDGER_DIR / "students.csv"):
    cfg = config_lib.load_config(config or LEDGER_DIR / "import.toml")
    return run.make_importers(cfg, str(roster) if roster else None)


def extract(paths, existing=None, **kwargs):
    """(text, summary) with the data folder's path shown as DATA (stable golden files)."""
    text, summary = run.extract([str(p) for p in paths], list(existing or []), importers(**kwargs))
    return text.replace(str(DATA), "DATA"), summary


def entries_of(text):
    parsed, errors, _ = parser.parse_string(text)
    assert not errors, errors
    return parsed


def existing_ledger():
    entries, errors, _ = loader.load_file(str(LEDGER))
    assert not errors
    return entries


# ------------------------------------------------------------------ golden files

@pytest.mark.parametrize("name", SAMPLES)
def test_golden(name):
    text, _ = extract([DATA / name])
    golden = EXPECTED / (name + ".beancount")
    regen_golden(golden, text)
    assert text == golden.read_text(encoding="utf-8")


def test_samples_cover_the_layouts():
    """UTF-8, UTF-8 with BOM and GBK CSV, XLSX; preambles; split and signed amounts."""
    def read(name):
        return table.read_table(str(DATA / name), run.make_importers(config_lib.load_config(), None)[0].known)
    assert read("农商银行-2024-03-utf8.csv").encoding == "utf-8"
    assert read("建设银行-2024-03-bom.csv").encoding == "utf-8-sig"
    assert read("农商银行-2024-04-gbk.csv").encoding == "gb18030"
    assert read("工时表-电子商务-2024-03-gbk.csv").encoding == "gb18030"
    assert read("农商银行-2024-05.xlsx").sheet == "交易明细"


def test_split_columns_preamble_and_footer():
    text, summary = extract([DATA / "农商银行-2024-03-utf8.csv"])
    entries = entries_of(text)
    txns = [e for e in entries if isinstance(e, data.Transaction)]
    assert len(txns) == 7  # the 合计 footer is not a row
    first = txns[0]
    assert first.payee == "昌吉州天山食品有限公司"
    assert first.meta["serial"] == "NS20240304000101"
    assert first.postings[0].account == "Assets:1002-银行存款:100201-农商银行基本户"
    assert first.postings[0].units.number == D("11312.00")
    assert first.postings[1].account == "Assets:1122-应收账款"
    fund = txns[1]
    assert fund.postings[1].meta["fund"] == "FJ-2024"
    (balance,) = [e for e in entries if isinstance(e, data.Balance)]
    assert balance.date == datetime.date(2024, 3, 30)  # the day after the last row
    assert balance.amount.number == D("334306.00")
    suspense = txns[-1]
    assert suspense.flag == "!"
    assert suspense.postings[1].account == config_lib.SUSPENSE_ACCOUNT
    assert summary["warnings"] == []


def test_signed_amount_with_datetime_column():
    entries = entries_of(extract([DATA / "建设银行-2024-03-bom.csv"])[0])
    txns = [e for e in entries if isinstance(e, data.Transaction)]
    assert [t.postings[0].units.number for t in txns] == [D("5000.00"), D("-1200.00"),
                                                          D("-1200.00"), D("-2.00")]
    assert all(t.postings[0].account.endswith("100202-建设银行一般户") for t in txns)


def test_direction_column_and_synthetic_serial():
    entries = entries_of(extract([DATA / "建设银行-2024-04.xlsx"])[0])
    txns = [e for e in entries if isinstance(e, data.Transaction)]
    assert [t.postings[0].units.number for t in txns] == [D("3000.00"), D("-800.00")]
    assert all(t.meta["serial"].startswith("H") for t in txns)
    again = entries_of(extract([DATA / "建设银行-2024-04.xlsx"])[0])
    assert [t.meta["serial"] for t in again if isinstance(t, data.Transaction)] == \
        [t.meta["serial"] for t in txns]


def test_newest_first_export_is_put_in_date_order():
    entries = entries_of(extract([DATA / "农商银行-2024-04-gbk.csv"])[0])
    txns = [e for e in entries if isinstance(e, data.Transaction)]
    assert [t.meta["serial"] for t in txns] == [
        "NS20240402000011", "NS20240410000050", "NS20240410000051",
        "NS20240418000120", "NS20240428000005"]
    (balance,) = [e for e in entries if isinstance(e, data.Balance)]
    assert (balance.date, balance.amount.number) == (datetime.date(2024, 4, 29), D("351721.00"))


# ------------------------------------------------------------------ dedupe

def test_same_day_same_amount_payments_are_not_duplicates():
    text, summary = extract([DATA / "农商银行-2024-04-gbk.csv"], existing_ledger())
    freight = [e for e in entries_of(text)
               if isinstance(e, data.Transaction) and e.date == datetime.date(2024, 4, 10)]
    assert len(freight) == 2
    assert summary["duplicates"] == []


def test_dedupe_against_existing_ledger():
    text, summary = extract([DATA / "农商银行-2024-03-utf8.csv"], existing_ledger())
    serials = [e.meta["serial"] for e in entries_of(text) if isinstance(e, data.Transaction)]
    assert "NS20240304000101" not in serials
    assert len(serials) == 6
    assert [e.meta["serial"] for _, e in summary["duplicates"]] == ["NS20240304000101"]


def test_dedupe_within_a_run(tmp_path):
    copy = tmp_path / "同一对账单再次下载.csv"
    shutil.copy(DATA / "农商银行-2024-03-utf8.csv", copy)
    text, summary = extract([DATA / "农商银行-2024-03-utf8.csv", copy])
    txns = [e for e in entries_of(text) if isinstance(e, data.Transaction)]
    assert len(txns) == 7
    assert len(summary["duplicates"]) == 8  # 7 rows and the balance assertion


def test_reimport_after_append_yields_nothing(tmp_path):
    ledger = append_samples(tmp_path)
    entries, errors, _ = loader.load_file(str(ledger))
    assert not errors
    text, summary = extract([DATA / s for s in SAMPLES], entries)
    assert summary["entries"] == 0
    assert not [e for e in entries_of(text)]


def test_work_hours_dedupe_against_ledger(tmp_path):
    ledger = tmp_path / "main.beancount"
    ledger.write_text(LEDGER.read_text(encoding="utf-8") + '\n2024-03-31 custom "work-hours" "20240103" 7.5\n'
                      '  base: "电子商务"\n', encoding="utf-8")
    entries, errors, _ = loader.load_file(str(ledger))
    text, summary = extract([DATA / "工时表-电子商务-2024-03-gbk.csv"], entries)
    hours = [e for e in entries_of(text) if isinstance(e, data.Custom)]
    assert [(e.values[0].value, e.date) for e in hours] == [
        ("20240104", datetime.date(2024, 3, 31)), ("20240104", datetime.date(2024, 4, 30))]
    assert len(summary["duplicates"]) == 1


# ------------------------------------------------------------------ appended ledger stays clean

def append_samples(tmp_path):
    for item in LEDGER_DIR.iterdir():
        shutil.copy(item, tmp_path / item.name)
    ledger = tmp_path / "main.beancount"
    entries, errors, _ = loader.load_file(str(ledger))
    text, summary = run.extract([str(DATA / s) for s in SAMPLES], list(entries),
                                importers(config=tmp_path / "import.toml",
                                          roster=tmp_path / "students.csv"))
    assert summary["entries"] > 0
    with open(ledger, "a", encoding="utf-8") as out:
        out.write("\n" + text)
    return ledger


def test_extracted_samples_appended_keep_the_ledger_clean(tmp_path):
    ledger = append_samples(tmp_path)
    entries, errors, _ = loader.load_file(str(ledger))
    assert errors == []
    balances = [e for e in entries if isinstance(e, data.Balance)]
    assert len(balances) == 5  # one per statement with a balance column, all true
    hours = [e for e in entries if isinstance(e, data.Custom) and e.type == "work-hours"]
    assert len(hours) == 1 + 5


def test_bundled_ledger_takes_an_imported_statement(tmp_path):
    """A statement continuing the bundled ledger's basic account, appended to a copy of
    the bundled ledger (all plugins on), adds no error."""
    bundled = pathlib.Path(__file__).resolve().parent.parent / "ledger"
    copy = tmp_path / "ledger"
    shutil.copytree(bundled, copy)
    main = copy / "main.beancount"
    entries, before, _ = loader.load_file(str(main))
    account = "Assets:1002-银行存款:100201-农商银行基本户"
    assert any(isinstance(e, data.Open) and e.account == account for e in entries)
    last = ledger_end(entries)  # custom entries (a policy for 2028) may be dated ahead
    balance = sum((p.units.number for e in entries if isinstance(e, data.Transaction)
                   for p in e.postings if p.account == account), D(0))
    day = last + datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    statement = tmp_path / "statement.csv"
    statement.write_text(
        "账号:880101200000123456\n交易日期,摘要,对方户名,支出,收入,余额,流水号\n"
        f"{day},手续费,,10.00,,{balance - 10},T-0001\n", encoding="utf-8")
    cfg = config_lib.load_config(config_lib.find_config(None, str(main)))
    text, _ = run.extract([str(statement)], list(entries), run.make_importers(cfg, None))
    with open(main, "a", encoding="utf-8") as out:
        out.write("\n" + text)
    _, after, _ = loader.load_file(str(main))
    assert [str(e.message) for e in after] == [str(e.message) for e in before]


# ------------------------------------------------------------------ account mapping

def test_unmapped_number_is_an_error_naming_it():
    """No default account: a statement whose number is not configured is refused."""
    with pytest.raises(run.Refused) as refusal:
        extract([DATA / "other" / "未登记账号.csv"], config=config_lib.DEFAULT_CONFIG)
    (line,) = refusal.value.lines()
    assert "6222999988887777" in line and "[accounts]" in line


def test_statement_without_an_account_number_is_refused(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(STATEMENT_HEADER + "\n2024-03-01,货款,甲,,100.00,100.00,A0\n", encoding="utf-8")
    with pytest.raises(run.Refused) as refusal:
        extract([path])
    assert "未找到本方账号" in refusal.value.lines()[0]


def test_default_account_in_a_config_is_an_error(tmp_path):
    cfg = tmp_path / "import.toml"
    cfg.write_text('default_account = "Assets:1002-银行存款:100201-农商银行基本户"\n', encoding="utf-8")
    with pytest.raises(ImportFailure) as failure:
        config_lib.load_config(cfg)
    assert "default_account 已停用" in str(failure.value)


def test_masked_number_matches_the_one_configured_account():
    cfg = config_lib.load_config(config_lib.DEFAULT_CONFIG)
    assert cfg.bank_account("6505 **** **** **** 0123").endswith("100202-建设银行一般户")
    assert cfg.bank_account("9999****0000") is None


@pytest.mark.parametrize("text, message", [
    ('[[rule]]\naccount = "Expenses:X"\n', "至少要有"),
    ('[[rule]]\nsummary = "("\naccount = "Expenses:X"\n', "正则"),
    ('[[rule]]\nsummary = "a"\naccount = "费用:手续费"\n', "账户名"),
    ('[[rule]]\nsummary = "a"\naccount = "Expenses:X"\ndirection = "借"\n', "direction"),
    ('surprise = 1\n', "未知项"),
    ('not toml ===', "TOML"),
])
def test_config_errors_name_the_file(tmp_path, text, message):
    cfg = tmp_path / "import.toml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFailure) as failure:
        config_lib.load_config(cfg)
    assert message in str(failure.value) and str(cfg) in str(failure.value)


# ------------------------------------------------------------------ work hours

def write_hours(tmp_path, rows, name="hours.csv", header="学号,姓名,日期,工时,基地"):
    path = tmp_path / name
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_work_hours_aggregate_per_student_base_and_month():
    entries = entries_of(extract([DATA / "工时表-农产品精深加工-2024-03.xlsx"])[0])
    assert [(e.date, e.values[0].value, e.values[1].value, e.meta["base"]) for e in entries] == [
        (datetime.date(2024, 3, 31), "20240101", D("16.5"), "农产品精深加工"),
        (datetime.date(2024, 3, 31), "20240102", D("11.5"), "农产品精深加工")]


@pytest.mark.parametrize("row, message", [
    ("20249999,无名,2024-03-05,4,电子商务", "不在学生名册"),
    ("20240103,王小芳,2024-03-05,4,电子商务", "姓名应为 王芳"),
    ("20240103,王芳,2024-03-05,-1,电子商务", "负数"),
    ("20240103,王芳,2024-03-05,25,电子商务", "24"),
    ("20240103,王芳,2024-03-05,四小时,电子商务", "不是数字"),
    ("20240103,王芳,2024-02-30,4,电子商务", "日期不存在"),
    ("20240103,王芳,,4,电子商务", "日期为空"),
])
def test_bad_work_hour_rows_refuse_the_sheet(tmp_path, row, message):
    good = "20240104,张伟,2024-03-05,4,电子商务"
    path = write_hours(tmp_path, [good, row])
    with pytest.raises(run.Refused) as refusal:
        extract([path])
    (line,) = refusal.value.lines()
    assert message in line and "第 3 行" in line and str(path) in line


def test_more_than_24_hours_a_day_over_several_rows(tmp_path):
    path = write_hours(tmp_path, ["20240103,王芳,2024-03-05,12,电子商务",
                                  "20240103,王芳,2024-03-05,8,农产品精深加工",
                                  "20240103,王芳,2024-03-05,6,电子商务"])
    with pytest.raises(run.Refused) as refusal:
        extract([path])
    assert "第 4 行" in refusal.value.lines()[0] and "26" in refusal.value.lines()[0]


def test_every_bad_row_is_named(tmp_path):
    path = write_hours(tmp_path, ["20249999,无名,2024-03-05,4,电子商务",
                                  "20240103,王芳,2024-03-05,-1,电子商务"])
    with pytest.raises(run.Refused) as refusal:
        extract([path])
    assert [line.split(": ")[1] for line in refusal.value.lines()] == ["第 2 行", "第 3 行"]


def test_a_refused_file_refuses_the_run(tmp_path):
    bad = write_hours(tmp_path, ["20249999,无名,2024-03-05,4,电子商务"])
    with pytest.raises(run.Refused):
        extract([DATA / "农商银行-2024-03-utf8.csv", bad])


def test_work_hours_need_a_roster():
    with pytest.raises(run.Refused) as refusal:
        extract([DATA / "工时表-电子商务-2024-03-gbk.csv"], roster=None)
    assert "学生名册" in refusal.value.lines()[0]


# ------------------------------------------------------------------ bad statements

STATEMENT_HEADER = "交易日期,摘要,对方户名,借方发生额,贷方发生额,余额,交易流水号"


def write_statement(tmp_path, rows, name="s.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(("账号:880101200000123456\n" + STATEMENT_HEADER + "\n"
                      + "\n".join(rows) + "\n").encode(encoding))
    return path


@pytest.mark.parametrize("row, message", [
    ("2024-13-01,货款,甲,,100.00,100.00,A1", "交易日期"),
    ("2024-03-01,货款,甲,50.00,100.00,100.00,A1", "同时有值"),
    ("2024-03-01,货款,甲,,,100.00,A1", "都为空"),
    ("2024-03-01,货款,甲,,abc,100.00,A1", "收入金额不是数字"),
    ("2024-03-01,货款,甲,,1.001,100.00,A1", "两位小数"),
    ("2024-03-01,货款,甲,,100.00,,A1", "余额为空"),
    ("2024-03-01,货款,甲,,100.00", "列数不足"),
])
def test_bad_statement_rows_name_file_and_row(tmp_path, row, message):
    path = write_statement(tmp_path, ["2024-03-01,货款,甲,,100.00,100.00,A0", row])
    with pytest.raises(run.Refused) as refusal:
        extract([path])
    (line,) = refusal.value.lines()
    assert message in line and "第 4 行" in line and str(path) in line


@pytest.mark.parametrize("content, message", [
    (b"", "文件为空"),
    (b"\n\n  \n", "文件为空"),
    ("姓名,年龄\n张三,18\n".encode(), "未找到表头"),
    (("账号:1\n" + STATEMENT_HEADER + "\n").encode(), "没有交易记录"),
    (b"\x00\x01\x02binary\x00", "二进制"),
])
def test_unusable_files(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(run.Refused) as refusal:
        extract([path])
    assert message in refusal.value.lines()[0]


def test_corrupt_xlsx_and_xls(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes((DATA / "农商银行-2024-05.xlsx").read_bytes()[:2000])
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(run.Refused) as refusal:
        extract([broken, old])
    lines = refusal.value.lines()
    assert "Excel" in lines[0] and "broken.xlsx" in lines[0]
    assert "Excel" in lines[1] and "old.xls" in lines[1]


def test_foreign_currency_row_is_refused(tmp_path):
    path = tmp_path / "usd.csv"
    path.write_text("交易日期,币种,交易金额,余额,流水号\n2024-03-01,美元,10.00,10.00,U1\n",
                    encoding="utf-8")
    with pytest.raises(run.Refused) as refusal:
        extract([path])
    assert "外币" in refusal.value.lines()[0]


def test_zero_amount_row_is_skipped_with_a_warning(tmp_path):
    path = write_statement(tmp_path, ["2024-03-01,货款,甲,,100.00,100.00,A0",
                                      "2024-03-21,结息,,0.00,0.00,100.00,A1"])
    text, summary = extract([path])
    assert summary["entries"] == 2  # one transaction and the balance assertion
    assert any("第 4 行" in w and "金额为零" in w for w in summary["warnings"])


def test_broken_balance_chain_is_warned(tmp_path):
    path = write_statement(tmp_path, ["2024-03-01,货款,甲,,100.00,100.00,A0",
                                      "2024-03-02,货款,甲,,100.00,250.00,A1"])
    _, summary = extract([path])
    assert any("余额不连续" in w and "第 4 行" in w for w in summary["warnings"])


# ------------------------------------------------------------------ parsing helpers

@pytest.mark.parametrize("text, number", [
    ("1,234.50", D("1234.50")), ("¥1,234.5", D("1234.50")), ("-12.00", D("-12.00")),
    ("(12.00)", D("-12.00")), ("１２３.４５", D("123.45")), ("100元", D("100.00")),
    ("", None), ("--", None), (1234.5, D("1234.50")), (12, D("12.00")), ("12.00-", D("-12.00")),
])
def test_parse_amount(text, number):
    assert parse_amount(text) == number


@pytest.mark.parametrize("text, date, time", [
    ("2024-03-05", datetime.date(2024, 3, 5), ""),
    ("2024/3/5", datetime.date(2024, 3, 5), ""),
    ("2024.03.05", datetime.date(2024, 3, 5), ""),
    ("2024年3月5日", datetime.date(2024, 3, 5), ""),
    ("20240305", datetime.date(2024, 3, 5), ""),
    ("20240305 101112", datetime.date(2024, 3, 5), "10:11:12"),
    ("2024-03-05 10:11:12", datetime.date(2024, 3, 5), "10:11:12"),
    (datetime.datetime(2024, 3, 5, 9, 0), datetime.date(2024, 3, 5), "09:00:00"),
    ('="2024-03-05"', datetime.date(2024, 3, 5), ""),
])
def test_parse_date(text, date, time):
    assert parse_date(text) == (date, time)


# ------------------------------------------------------------------ command line

def test_cli_extract_prints_entries_and_progress(capsys):
    code = cli.main(["import", "extract", str(DATA / "农商银行-2024-03-utf8.csv"),
                     "--existing", str(LEDGER)])
    out, err = capsys.readouterr()
    assert code == 0
    assert "NS20240306000017" in out and "NS20240304000101" not in out
    assert "[1/1]" in err and "跳过重复" in err and "完成" in err
    entries_of(out)


def test_cli_failure_prints_nothing_on_stdout(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("", encoding="utf-8")
    code = cli.main(["import", "extract", str(DATA / "农商银行-2024-03-utf8.csv"), str(bad)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert f"错误: {bad}: 文件为空" in err
    assert "Traceback" not in err


def test_cli_missing_file_and_bad_config(tmp_path, capsys):
    assert cli.main(["import", "extract", str(tmp_path / "nope.csv")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "文件不存在" in err
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[[rule]]\nsummary='('\naccount='Expenses:X'\n", encoding="utf-8")
    assert cli.main(["import", "extract", str(DATA / "农商银行-2024-03-utf8.csv"),
                     "--config", str(cfg)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "正则" in err and len(err.strip().splitlines()) == 1


def test_cli_output_file(tmp_path, capsys):
    target = tmp_path / "new.beancount"
    assert cli.main(["import", "extract", str(DATA / "建设银行-2024-03-bom.csv"),
                     "-o", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert "CCB202403050001" in target.read_text(encoding="utf-8")


def test_cli_archive(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("农商银行-2024-03-utf8.csv", "工时表-电子商务-2024-03-gbk.csv"):
        shutil.copy(DATA / name, inbox / name)
    dest = tmp_path / "documents"
    args = ["import", "archive", str(inbox), "-d", str(dest), "--existing", str(LEDGER)]
    assert cli.main(args + ["--dry-run"]) == 0
    assert not dest.exists()
    assert cli.main(args) == 0
    out, err = capsys.readouterr()
    moved = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert moved == [
        "Assets/1002-银行存款/100201-农商银行基本户/2024-03-29.银行对账单-3456-20240304至20240329.csv",
        "Liabilities/2241-其他应付款/224101-学生劳动报酬/2024-04-30.工时表-电子商务-202403至202404.csv",
    ]
    assert not any(inbox.iterdir())
    assert "已归档 2 个文件" in err


def test_cli_archive_refuses_all_when_one_is_bad(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(DATA / "农商银行-2024-03-utf8.csv", inbox / "a.csv")
    (inbox / "b.csv").write_text("交易日期,交易金额\n2024-03-01,abc\n", encoding="utf-8")
    assert cli.main(["import", "archive", str(inbox), "-d", str(tmp_path / "docs")]) == 2
    out, err = capsys.readouterr()
    assert "b.csv" in err and "未归档" in err
    assert (inbox / "a.csv").exists() and not (tmp_path / "docs").exists()


def test_a_directory_skips_files_that_are_not_ours(tmp_path):
    shutil.copy(DATA / "建设银行-2024-03-bom.csv", tmp_path / "a.csv")
    shutil.copy(LEDGER_DIR / "students.csv", tmp_path / "students.csv")
    text, summary = extract([tmp_path])
    assert summary["files"] == 1 and summary["entries"] == 5
    assert any("students.csv" in w and "跳过" in w for w in summary["warnings"])
    with pytest.raises(run.Refused) as refusal:  # named explicitly, it is an error
        extract([tmp_path / "students.csv"])
    assert "无法识别" in refusal.value.lines()[0]


def test_importers_are_beangulp_importers():
    import beangulp

    bank, hours = importers()
    assert isinstance(bank, beangulp.Importer) and isinstance(hours, beangulp.Importer)
    assert isinstance(bank, BankStatementImporter) and isinstance(hours, WorkHoursImporter)
    assert bank.identify(str(DATA / "农商银行-2024-05.xlsx"))
    assert not bank.identify(str(DATA / "工时表-农产品精深加工-2024-03.xlsx"))
    assert hours.identify(str(DATA / "工时表-农产品精深加工-2024-03.xlsx"))


def test_xlsx_numbers_as_student_numbers(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["学号", "日期", "工时"])
    book.active.append([20240103.0, datetime.datetime(2024, 3, 5), 4])
    path = tmp_path / "h.xlsx"
    book.save(path)
    entries = entries_of(extract([path])[0])
    assert entries[0].values[0].value == "20240103" and entries[0].meta["base"] == "电子商务"


def test_default_config_accounts_are_in_the_bundled_chart():
    """Every account the shipped default config can post to is opened in the bundled chart."""
    accounts_file = pathlib.Path(__file__).resolve().parent.parent / "ledger" / "accounts.beancount"
    if not accounts_file.is_file():
        pytest.skip("bundled ledger not written yet")
    opened = {e.account for e in parser.parse_file(str(accounts_file))[0]
              if isinstance(e, data.Open)}
    cfg = config_lib.load_config(config_lib.DEFAULT_CONFIG)
    wanted = {cfg.suspense_account, *cfg.accounts.values(),
              *(rule.account for rule in cfg.rules)}
    assert wanted - opened == set()


# ------------------------------------------------------------------ corrected sheets, bases, roster

def test_a_corrected_sheet_in_the_same_run_is_an_error_naming_both_files(tmp_path):
    first = write_hours(tmp_path, ["20240103,王芳,2024-03-05,4,电子商务"], name="三月.csv")
    second = write_hours(tmp_path, ["20240103,王芳,2024-03-05,6,电子商务"], name="三月-更正.csv")
    with pytest.raises(run.Refused) as refusal:
        extract([first, second])
    (line,) = refusal.value.lines()
    assert str(first) in line and str(second) in line and "4" in line and "6" in line
    assert "20240103" in line and "2024-03" in line and "冲突" in line


def test_a_corrected_sheet_against_the_ledger_is_an_error(tmp_path):
    ledger = tmp_path / "main.beancount"
    ledger.write_text(LEDGER.read_text(encoding="utf-8") + '\n2024-03-31 custom "work-hours" "20240103" 8\n'
                      '  base: "电子商务"\n  source: "工时表-电子商务-2024-03.csv"\n', encoding="utf-8")
    entries, errors, _ = loader.load_file(str(ledger))
    with pytest.raises(run.Refused) as refusal:
        extract([DATA / "工时表-电子商务-2024-03-gbk.csv"], entries)
    (line,) = refusal.value.lines()
    assert "工时表-电子商务-2024-03.csv" in line and "那里是 8" in line and "本表是 7.5" in line
    assert "工时表-电子商务-2024-03-gbk.csv" in line


def test_the_same_sheet_twice_is_a_duplicate_not_a_conflict(tmp_path):
    copy = tmp_path / "again.csv"
    shutil.copy(DATA / "工时表-电子商务-2024-03-gbk.csv", copy)
    text, summary = extract([DATA / "工时表-电子商务-2024-03-gbk.csv", copy])
    assert len(entries_of(text)) == 3 and len(summary["duplicates"]) == 3


def test_a_base_the_roster_does_not_know_is_an_error(tmp_path):
    path = write_hours(tmp_path, ["20240103,王芳,2024-03-05,4,电子商务基地"])
    with pytest.raises(run.Refused) as refusal:
        extract([path])
    assert "基地 电子商务基地 不是学生名册中的基地" in refusal.value.lines()[0]


def test_a_duplicate_student_number_in_the_roster_is_an_error(tmp_path):
    roster = tmp_path / "students.csv"
    roster.write_text((LEDGER_DIR / "students.csv").read_text(encoding="utf-8")
                      + "20240103,王芳芳,2024级电子商务1班,电子商务\n", encoding="utf-8")
    with pytest.raises(run.Refused) as refusal:
        extract([DATA / "工时表-电子商务-2024-03-gbk.csv"], roster=roster)
    (line,) = refusal.value.lines()
    assert "20240103" in line and "重复" in line and str(roster) in line


@pytest.mark.parametrize("content, words", [
    ("学号,姓名,班级,基地\n20240103,王芳,2024级电子商务1班,电子商务\n".encode()
     + "20240104,赵六,2024级电子商务1班,电子商务\n".encode("gbk"), "第 3 行不是 UTF-8 编码"),
    ("学号,班级\n20240103,2024级电子商务1班\n".encode(), "缺少表头: 第 1 行缺少 姓名 列"),
], ids=["gbk-row-in-utf8", "header-lacks-name"])
def test_a_broken_roster_refuses_the_sheet_naming_the_roster_row(tmp_path, capsys, content, words):
    roster = tmp_path / "students.csv"
    roster.write_bytes(content)
    code = cli.main(["import", "extract", str(DATA / "工时表-电子商务-2024-03-gbk.csv"), "--roster", str(roster)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    [line] = [line for line in captured.err.splitlines() if line.startswith("错误:")]
    assert f"学生名册 {roster} {words}" in line, line
