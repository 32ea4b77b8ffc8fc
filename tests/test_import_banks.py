"""Bank profiles: a golden file per shipped profile on a sample in that bank's real
layout (tests/data/import/banks, made by make_bank_samples.py), the layouts' hard
parts one by one, lossless dedupe (a hypothesis property), Fava's import page and
beangulp's own CLI.

Regenerate the golden files after an intended change of output with
    REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_import_banks.py -q
"""
import datetime
import decimal
import os
import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest
from beancount.core import data
from beancount.parser import parser
from hypothesis import given, settings
from hypothesis import strategies as st

from importers import config as config_lib
from importers import profiles, run
from importers.table import ImportFailure
from scripts import cli
from tests.conftest import regen_golden

DATA = pathlib.Path(__file__).resolve().parent / "data" / "import"
BANKS = DATA / "banks"
EXPECTED = BANKS / "expected"
CONFIG = BANKS / "import.toml"
SAMPLES = sorted(p.name for p in BANKS.iterdir() if p.is_file() and p.suffix != ".toml")
NOT_BANK = {"微信支付.csv", "支付宝.csv"}
D = decimal.Decimal


def importers(config=CONFIG, ledger_dir=None):
    return run.make_importers(config_lib.load_config(config), None, ledger_dir)


def extract(paths, existing=None, **kwargs):
    text, summary = run.extract([str(p) for p in paths], list(existing or []), importers(**kwargs))
    return text.replace(str(DATA), "DATA"), summary


def transactions(text):
    entries, errors, _ = parser.parse_string(text)
    assert not errors
    return [e for e in entries if isinstance(e, data.Transaction)]


def amounts(name):
    return [t.postings[0].units.number for t in transactions(extract([BANKS / name])[0])]


def refusal(paths, **kwargs):
    with pytest.raises(run.Refused) as caught:
        extract(paths, **kwargs)
    return caught.value.lines()


# ------------------------------------------------------------------ one golden file per profile

@pytest.mark.parametrize("name", sorted(set(SAMPLES) - NOT_BANK))
def test_golden(name):
    text, _ = extract([BANKS / name])
    golden = EXPECTED / (name + ".beancount")
    regen_golden(golden, text)
    assert text == golden.read_text(encoding="utf-8")


def test_every_shipped_profile_has_a_sample_read_by_it():
    imp = importers()[0]
    used = set()
    for name in SAMPLES:
        path = str(BANKS / name)
        if name in NOT_BANK:
            continue
        used.add(imp.statement(path).profile)
    shipped = {p.name for p in profiles.load_profiles() if p.kind != "not-bank"}
    assert shipped - used == set()


@pytest.mark.parametrize("name, bank", [("微信支付.csv", "微信支付"), ("支付宝.csv", "支付宝")])
def test_merchant_bills_are_refused_as_not_bank_statements(name, bank):
    (line,) = refusal([BANKS / name])
    assert "不是银行流水" in line and bank in line and name in line


# ------------------------------------------------------------------ the layouts' hard parts

def test_reversals_keep_their_sign():
    # ICBC: -200.00 in 支出; rural bank: -1,000.00 in 贷方; BOCOM: 借 Dr with -300.00.
    assert amounts("工商银行-个人.xls") == [D("5000.00"), D("-200.00"), D("200.00"), D("-3000.00")]
    assert amounts("农商银行.csv")[2:] == [D("1000.00"), D("-1000.00")]
    assert amounts("交通银行.xls") == [D("1200.00"), D("-300.00"), D("300.00")]


def test_footers_end_the_table():
    assert len(amounts("工商银行-个人.xls")) == 4        # 人民币合计
    assert len(amounts("建设银行-个人.xls")) == 3        # 以上数据仅供参考…
    assert len(amounts("兴业银行.xlsx")) == 2            # 说明：…
    assert len(amounts("招商银行-个人.csv")) == 2        # # 收入合计


def test_ccb_preamble_with_ideographic_spaces_names_the_account():
    txns = transactions(extract([BANKS / "建设银行-个人.xls"])[0])
    assert {t.postings[0].account for t in txns} == {"Assets:1002-银行存款:100205-建设银行卡"}


def test_trailing_cells_left_out_are_empty_not_truncation():
    assert amounts("农业银行-个人.csv") == [D("1000.00"), D("-20.00"), D("1.50")]


def test_merged_two_row_header_and_a_wrong_dimension_tag():
    with zipfile.ZipFile(BANKS / "兴业银行.xlsx") as z:
        assert b'<dimension ref="A1"' in z.read("xl/worksheets/sheet1.xml")
    assert amounts("兴业银行.xlsx") == [D("2500.00"), D("-1000.00")]


def test_excel_serial_dates():
    txns = transactions(extract([BANKS / "邮储银行.xls"])[0])
    assert [t.date for t in txns] == [datetime.date(2024, 6, 3), datetime.date(2024, 6, 20)]


def test_sequence_numbers_are_not_serials():
    for name in ("建设银行-个人.xls", "交通银行.xls"):
        assert all(t.meta["serial"].startswith("H") for t in transactions(extract([BANKS / name])[0]))


def test_a_serial_shared_by_a_fee_and_its_transfer_keeps_both():
    txns = transactions(extract([BANKS / "农商银行.csv"])[0])
    shared = [t for t in txns if t.meta["serial"] == "NS20240603000088"]
    assert [t.postings[0].units.number for t in shared] == [D("-3000.00"), D("-5.00")]
    again, summary = extract([BANKS / "农商银行.csv"], transactions(extract([BANKS / "农商银行.csv"])[0]))
    assert transactions(again) == [] and len(summary["duplicates"]) == 4


def test_credit_card_signs_and_refusal_when_mapped_to_an_asset(tmp_path):
    txns = transactions(extract([BANKS / "招商银行-信用卡.csv"])[0])
    assert [t.postings[0].units.number for t in txns] == [D("-360.00"), D("1000.00")]
    assert txns[0].postings[0].account.startswith("Liabilities:")
    cfg = tmp_path / "import.toml"
    cfg.write_text('[accounts]\n"5187100000006789" = "Assets:1002-银行存款:100209-招商银行卡"\n',
                   encoding="utf-8")
    (line,) = refusal([BANKS / "招商银行-信用卡.csv"], config=cfg)
    assert "信用卡" in line and "Liabilities" in line


def test_masked_number_in_the_preamble():
    txns = transactions(extract([BANKS / "招商银行-个人.csv"])[0])
    assert txns[0].postings[0].account.endswith("100209-招商银行卡")


def test_foreign_currency_in_the_preamble_is_refused(tmp_path):
    path = tmp_path / "hkd.csv"
    path.write_text("账号:880101200000123456\n币种:港币\n交易日期,摘要,借方发生额,贷方发生额,余额,交易流水号\n"
                    "2024-06-03,转账,,100.00,100.00,A1\n", encoding="utf-8")
    (line,) = refusal([path])
    assert "外币" in line and "港币" in line


def test_a_balance_that_does_not_chain_names_the_first_row_and_drops_none(tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text("账号:880101200000123456\n交易日期,摘要,借方发生额,贷方发生额,余额,交易流水号\n"
                    "2024-06-01,转账,,100.00,100.00,A1\n2024-06-02,转账,,100.00,250.00,A2\n"
                    "2024-06-03,转账,,100.00,350.00,A3\n", encoding="utf-8")
    text, summary = extract([path])
    txns = transactions(text)
    assert len(txns) == 3
    (warning,) = [w for w in summary["warnings"] if "余额不连续" in w]
    assert "第 4 行" in warning and "第 3 行" in warning
    assert txns[1].flag == "!" and "余额不连续" in txns[1].meta["warning"]


def test_a_serial_seen_with_other_content_is_kept_and_reported(tmp_path):
    first = tmp_path / "a.csv"
    first.write_text("账号:880101200000123456\n交易日期,摘要,借方发生额,贷方发生额,余额,交易流水号\n"
                     "2024-06-01,转账,,100.00,100.00,S1\n", encoding="utf-8")
    second = tmp_path / "b.csv"
    second.write_text("账号:880101200000123456\n交易日期,摘要,借方发生额,贷方发生额,余额,交易流水号\n"
                      "2024-07-01,转账,,300.00,400.00,S1\n", encoding="utf-8")
    text, summary = extract([first, second])
    assert len(transactions(text)) == 2
    assert any("流水号 S1 已在账本中" in w and "b.csv" in w for w in summary["warnings"])


# ------------------------------------------------------------------ lossless dedupe (property)

HEADER = "账号:880101200000123456\n交易日期,交易时间,摘要,对方户名,借方发生额,贷方发生额,余额,{serial}\n"
ROW = st.tuples(st.integers(0, 3),                                # days after the previous row
                st.sampled_from(["", "09:00:00", "10:30:00"]),
                st.sampled_from(["货款", "手续费", "转账"]),
                st.sampled_from(["", "甲公司", "乙公司"]),
                st.sampled_from([D("-5.00"), D("-100.00"), D("100.00"), D("2500.50"), D("-2.00")]),
                st.sampled_from(["S1", "S2", "S3", "S4"]))        # serials shared on purpose


def statement_text(rows, start, day, balance, serial_kind):
    """(text, next day, closing balance) of rows in the rural bank's layout; serial_kind
    "serial" (a bank serial, often shared), "sequence" (交易序号 1, 2 …) or "none"."""
    column = {"serial": "交易流水号", "sequence": "交易序号", "none": "附言"}[serial_kind]
    lines = [HEADER.format(serial=column)]
    for number, (gap, time, summary, payee, amount, serial) in enumerate(rows, 1):
        day += datetime.timedelta(days=gap)
        balance += amount
        debit, credit = ("", f"{amount}") if amount > 0 else (f"{-amount}", "")
        mark = {"serial": serial, "sequence": str(number), "none": ""}[serial_kind]
        lines.append(f"{day},{time},{summary},{payee},{debit},{credit},{balance},{mark}\n")
    return "".join(lines), day, balance


def imported(text):
    return sorted((t.date, t.postings[0].units.number, t.narration) for t in transactions(text))


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(rows=st.lists(ROW, min_size=1, max_size=12), kind=st.sampled_from(["serial", "sequence", "none"]))
def test_importing_a_statement_twice_loses_and_duplicates_nothing(tmp_path_factory, rows, kind):
    folder = tmp_path_factory.mktemp("twice")
    text, _, _ = statement_text(rows, 0, datetime.date(2024, 6, 1), D("1000.00"), kind)
    path = folder / "s.csv"
    path.write_text(text, encoding="utf-8")
    first, summary = extract([path])
    assert len(transactions(first)) == len(rows) and summary["duplicates"] == []
    again, summary = extract([path], parser.parse_string(first)[0])
    assert transactions(again) == [] and len(summary["duplicates"]) == len(rows) + 1
    copy = folder / "copy.csv"
    shutil.copy(path, copy)
    both, _ = extract([path, copy])
    assert imported(both) == imported(first)


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(rows=st.lists(ROW, min_size=2, max_size=14), cut=st.integers(1, 13))
def test_consecutive_statements_numbered_per_file_lose_nothing(tmp_path_factory, rows, cut):
    cut = min(cut, len(rows) - 1)
    folder = tmp_path_factory.mktemp("months")
    one, day, balance = statement_text(rows[:cut], 0, datetime.date(2024, 6, 1), D("1000.00"), "sequence")
    two, _, _ = statement_text(rows[cut:], 0, day, balance, "sequence")
    (folder / "1.csv").write_text(one, encoding="utf-8")
    (folder / "2.csv").write_text(two, encoding="utf-8")
    whole, _, _ = statement_text(rows, 0, datetime.date(2024, 6, 1), D("1000.00"), "sequence")
    (folder / "whole.csv").write_text(whole, encoding="utf-8")
    first, _ = extract([folder / "1.csv"])
    second, summary = extract([folder / "2.csv"], parser.parse_string(first)[0])
    assert summary["duplicates"] == []
    assert sorted(imported(first) + imported(second)) == imported(extract([folder / "whole.csv"])[0])


# ------------------------------------------------------------------ profiles from the ledger folder

def test_a_bank_added_beside_the_ledger_without_code(tmp_path):
    statement = tmp_path / "某县信用社.csv"
    statement.write_text("账号:880101200000123456\n记账日,金额(收入),金额(支出),结余,业务编号\n"
                         "2024-06-03,100.00,,100.00,X1\n", encoding="utf-8")
    (line,) = refusal([statement])
    assert "无法识别的银行对账单格式" in line and "最接近" in line and "bank-profiles" in line
    (tmp_path / "bank-profiles").mkdir()
    (tmp_path / "bank-profiles" / "信用社.toml").write_text(
        'name = "某县信用社"\nsignature = ["金额(收入)", "结余"]\n[columns]\ndate = "记账日"\n'
        'credit = "金额(收入)"\ndebit = "金额(支出)"\nbalance = "结余"\nserial = "业务编号"\n',
        encoding="utf-8")
    txns = transactions(extract([statement], ledger_dir=str(tmp_path))[0])
    assert [(t.meta["serial"], t.postings[0].units.number) for t in txns] == [("X1", D("100.00"))]


def test_an_unknown_layout_names_the_closest_profiles(tmp_path):
    path = tmp_path / "icbc-renamed.csv"
    path.write_text("卡号: 6222020200001234567\n交易日期,摘要,交易金额(收入),交易金额(支出),记账金额(收),余额\n"
                    "2024-06-03,转账,1.00,,1.00,1.00\n", encoding="utf-8")
    (line,) = refusal([path])
    assert "工商银行-个人" in line and "记账金额(收入)" in line


@pytest.mark.parametrize("text, message", [
    ('signature = ["a"]\n[columns]\ndate = "日期"\namount = "金额"\n', "缺少 name"),
    ('name = "x"\n[columns]\ndate = "日期"\namount = "金额"\n', "signature"),
    ('name = "x"\nsignature = ["a"]\n[columns]\ndate = "日期"\n', "credit 与 debit"),
    ('name = "x"\nsignature = ["a"]\n[columns]\ndate = "日期"\namount = "金额"\nwhen = "交易日"\n', "when"),
    ('name = "x"\nsignature = ["a"]\nfooter = ["("]\n[columns]\ndate = "日期"\namount = "金额"\n', "正则"),
    ('name = "x"\nkind = "not-bank"\nsignature = ["a"]\n', "refusal"),
])
def test_a_wrong_profile_is_an_error_naming_its_file(tmp_path, text, message):
    (tmp_path / "bank-profiles").mkdir()
    path = tmp_path / "bank-profiles" / "x.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFailure) as failure:
        profiles.load_profiles(str(tmp_path))
    assert message in str(failure.value) and str(path) in str(failure.value)


def test_cli_lists_the_profiles(capsys, tmp_path):
    assert cli.main(["import", "profiles"]) == 0
    out, err = capsys.readouterr()
    for name in ("工商银行-个人", "建设银行-对公", "农商银行", "招商银行-信用卡", "微信支付账单", "通用格式"):
        assert name in out
    assert "借方发生额(支取)" in out or "借方发生额（支取）" in out
    assert "bank-profiles" in err


# ------------------------------------------------------------------ Fava's import page, beangulp's CLI

def fava_ledger(tmp_path):
    """A copy of the importer tests' ledger with the import.py the guide prescribes and
    an import folder holding good files and bad ones."""
    ledger = tmp_path / "ledger"
    shutil.copytree(DATA / "ledger", ledger)
    shutil.copy(pathlib.Path(__file__).resolve().parent.parent / "ledger" / "import.py", ledger)
    main = ledger / "main.beancount"
    main.write_text(main.read_text(encoding="utf-8")
                    + '\n1900-01-01 custom "fava-option" "import-config" "import.py"\n'
                      '1900-01-01 custom "fava-option" "import-dirs" "待导入"\n', encoding="utf-8")
    inbox = ledger / "待导入"
    inbox.mkdir()
    shutil.copy(DATA / "农商银行-2024-03-utf8.csv", inbox / "good.csv")
    shutil.copy(DATA / "工时表-电子商务-2024-03-gbk.csv", inbox / "hours.csv")
    (inbox / "bad.csv").write_text("账号:880101200000123456\n交易日期,摘要,借方发生额,贷方发生额,余额,交易流水号\n"
                                   "2024-03-01,货款,,abc,100.00,A1\n", encoding="utf-8")
    shutil.copy(BANKS / "微信支付.csv", inbox / "wechat.csv")
    (inbox / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    return main, inbox


def test_fava_import_page_shows_each_files_error_and_imports_the_others(tmp_path):
    from fava.application import create_app

    main, inbox = fava_ledger(tmp_path)
    app = create_app([str(main)], load=True)
    app.testing = True
    client = app.test_client()
    slug = client.get("/").headers["Location"].split("/")[1]
    response = client.get(f"/{slug}/api/imports")
    assert response.status_code == 200, response.text
    assert "Traceback" not in response.text
    files = {pathlib.Path(f["name"]).name: f["importers"] for f in response.json["data"]}
    assert set(files) == {"good.csv", "hours.csv", "bad.csv", "wechat.csv", "broken.xlsx"}
    (good,) = files["good.csv"]
    assert good["account"].endswith("100201-农商银行基本户") and not good["name"].startswith("无法导入")
    (bad,) = files["bad.csv"]
    assert bad["name"].startswith("无法导入") and "第 3 行" in bad["name"] and "收入金额不是数字" in bad["name"]
    assert "不是银行流水" in files["wechat.csv"][0]["name"]
    assert "Excel" in files["broken.xlsx"][0]["name"]

    entries = client.get(f"/{slug}/api/extract", query_string={"filename": str(inbox / "good.csv"),
                                                           "importer": good["importer_name"]})
    assert entries.status_code == 200
    assert len([e for e in entries.json["data"] if e["t"] == "Transaction"]) == 7
    refused = client.get(f"/{slug}/api/extract", query_string={"filename": str(inbox / "bad.csv"),
                                                           "importer": bad["importer_name"]})
    assert refused.status_code == 200 and "Traceback" not in refused.text
    (note,) = refused.json["data"]
    assert "收入金额不是数字" in note["comment"] and note["meta"]["__duplicate__"] is True
    hours = files["hours.csv"][0]
    extracted = client.get(f"/{slug}/api/extract", query_string={"filename": str(inbox / "hours.csv"),
                                                             "importer": hours["importer_name"]})
    assert extracted.status_code == 200 and len(extracted.json["data"]) == 3


def test_beangulp_cli_prints_the_same_chinese_messages(tmp_path):
    main, inbox = fava_ledger(tmp_path)
    done = subprocess.run([sys.executable, str(main.parent / "import.py"), "extract", str(inbox),
                           "-e", str(main)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "BEANCOUNT_DISABLE_LOAD_CACHE": "1"})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "第 3 行: 收入金额不是数字: abc" in done.stderr
    assert "不是银行流水" in done.stderr
    assert "broken.xlsx: 无法读取 Excel 文件" in done.stderr
    assert "NS20240306000017" in done.stdout  # the good statement still extracted


# ------------------------------------------------------------------ archive is all or nothing

def test_archive_puts_back_what_it_moved_when_a_move_fails(tmp_path, monkeypatch, capsys):
    from beangulp import archive as bg_archive

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(DATA / "农商银行-2024-03-utf8.csv", inbox / "a.csv")
    shutil.copy(DATA / "建设银行-2024-03-bom.csv", inbox / "b.csv")
    real_move = bg_archive.move

    def move(source, target):
        if source.endswith("b.csv"):
            raise PermissionError(13, "权限不足")
        real_move(source, target)

    monkeypatch.setattr(bg_archive, "move", move)
    dest = tmp_path / "documents"
    code = cli.main(["import", "archive", str(inbox), "-d", str(dest), "--config",
                     str(DATA / "ledger" / "import.toml")])
    out, err = capsys.readouterr()
    assert code == 2
    assert sorted(p.name for p in inbox.iterdir()) == ["a.csv", "b.csv"]
    assert not [p for p in dest.rglob("*") if p.is_file()]
    assert "b.csv" in err and "已移回原处" in err and "Traceback" not in err


def test_the_import_benchmark_runs(capsys):
    """The benchmark (devtools/import_bench.py) on a small statement: it runs and counts
    right (its timings are its own business, not a test's)."""
    from devtools import import_bench

    assert import_bench.main(["--rows", "400", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "新记录 201 条, 跳过重复 200 条" in out  # 200 rows and the balance assertion and "xlsx" in out


GUIDE = pathlib.Path(__file__).resolve().parent.parent / "docs" / "guide" / "06-导入银行流水与工时表.md"


def test_the_guide_prints_every_shipped_profile_with_its_header_row():
    guide = GUIDE.read_text(encoding="utf-8")
    for profile in profiles.load_profiles():
        assert profile.name in guide or profile.kind == "not-bank"
        if profile.kind != "not-bank":
            assert f"| {profile.name} | {profile.bank} | `{profile.header}` |" in guide \
                or f"`{profile.header}`(两行表头)" in guide, profile.name


def test_the_guides_example_profile_works(tmp_path):
    guide = GUIDE.read_text(encoding="utf-8")
    start = guide.index("# bank-profiles/某县农信社.toml")
    example = guide[start:guide.index("```", start)]
    (tmp_path / "bank-profiles").mkdir()
    (tmp_path / "bank-profiles" / "某县农信社.toml").write_text(example, encoding="utf-8")
    statement = tmp_path / "农信社.csv"
    statement.write_text("账号:880101200000123456\n记账日,金额(收入),金额(支出),结余,业务编号\n"
                         "2024-06-03,100.00,,100.00,X1\n2024-06-04,,30.00,70.00,X2\n合计,100.00,30.00,,\n",
                         encoding="utf-8")
    txns = transactions(extract([statement], ledger_dir=str(tmp_path))[0])
    assert [t.postings[0].units.number for t in txns] == [D("100.00"), D("-30.00")]


def test_a_two_row_header_of_an_unknown_bank_is_read_by_the_generic_layout(tmp_path):
    path = tmp_path / "two-rows.csv"
    path.write_text("账号:880101200000123456\n交易日期,摘要,发生额,,余额,流水号\n,,借方,贷方,,\n"
                    "2024-06-03,货款,,500.00,500.00,G1\n2024-06-04,运费,20.00,,480.00,G2\n",
                    encoding="utf-8")
    txns = transactions(extract([path])[0])
    assert [(t.meta["serial"], t.postings[0].units.number) for t in txns] == [
        ("G1", D("500.00")), ("G2", D("-20.00"))]


def test_a_bank_that_writes_every_debit_negative_is_told_from_a_reversal_by_its_balance(tmp_path):
    path = tmp_path / "neg.csv"
    path.write_text("账号:880101200000123456\n交易日期,摘要,借方发生额,贷方发生额,余额,交易流水号\n"
                    "2024-06-01,转账,,100.00,100.00,A1\n2024-06-02,付款,-30.00,,70.00,A2\n"
                    "2024-06-03,付款,-20.00,,50.00,A3\n", encoding="utf-8")
    assert [t.postings[0].units.number for t in transactions(extract([path])[0])] == [
        D("100.00"), D("-30.00"), D("-20.00")]


def test_the_bundled_ledgers_import_page_answers(tmp_path):
    """ledger/main.beancount names import.py and 待导入/: the page is there, and a
    statement dropped into the folder is offered for its account."""
    from fava.application import create_app

    bundled = pathlib.Path(__file__).resolve().parent.parent / "ledger"
    copy = tmp_path / "ledger"
    shutil.copytree(bundled, copy)
    shutil.copy(DATA / "农商银行-2024-03-utf8.csv", copy / "待导入" / "march.csv")
    app = create_app([str(copy / "main.beancount")], load=True)
    app.testing = True
    client = app.test_client()
    slug = client.get("/").headers["Location"].split("/")[1]
    response = client.get(f"/{slug}/api/imports")
    assert response.status_code == 200
    offered = {pathlib.Path(f["name"]).name: f["importers"] for f in response.json["data"]}
    (march,) = offered["march.csv"]
    assert march["account"] == "Assets:1002-银行存款:100201-农商银行基本户"
