"""The command line as a person uses it: which ledger (SPEC §2), `--as-of` on every command,
Chinese on stderr, exit codes, and never a traceback or a Python exception name."""
import os
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

from scripts import cli
from scripts.common import BUNDLED_LEDGER

SHIXUN = pathlib.Path(sys.executable).parent / "shixun"
CLEAN = """\
option "operating_currency" "CNY"
plugin "plugins.seal"
2024-01-01 open Assets:1001-库存现金 CNY
2024-01-01 open Income:5001-主营业务收入 CNY
2024-03-01 * "收款"
  Assets:1001-库存现金  10.00 CNY
  Income:5001-主营业务收入
"""
# English a person must never read: Beancount's words and Python's.
ENGLISH = re.compile(r"Traceback|Error\b|Exception|Invalid |does not|Balance failed|syntax error|"
                     r"unexpected|Duplicate |File glob|argument|usage:|required")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    monkeypatch.delenv("SHIXUN_AS_OF", raising=False)
    monkeypatch.delenv("SHIXUN_LEDGER", raising=False)


def write(path, text):
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run(*argv, cwd=None, env=None):
    """`shixun …` in a subprocess, as a person runs it."""
    full = dict(os.environ, BEANCOUNT_DISABLE_LOAD_CACHE="1", **(env or {}))
    full.pop("SHIXUN_AS_OF", None) if "SHIXUN_AS_OF" not in (env or {}) else None
    done = subprocess.run([str(SHIXUN), *argv], cwd=cwd, env=full, capture_output=True, text=True, timeout=300)
    assert not ENGLISH.search(done.stderr), done.stderr
    return done


def test_main_beancount_in_the_current_folder_is_the_default(tmp_path, monkeypatch, capsys):
    write(tmp_path / "main.beancount", CLEAN)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check"]) == 0
    captured = capsys.readouterr()
    assert "检查通过: main.beancount 共" in captured.out
    assert "示例账本" not in captured.err
    assert re.search(r"账本: main\.beancount  判断日期 \d{4}-\d{2}-\d{2} \(今日\)", captured.err)


def test_shixun_ledger_wins_over_the_current_folder(tmp_path, monkeypatch, capsys):
    write(tmp_path / "main.beancount", "2024-01-01 open Assets:现金\n")  # broken: must not be read
    chosen = write(tmp_path / "books.beancount", CLEAN)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHIXUN_LEDGER", str(chosen))
    assert cli.main(["check"]) == 0
    assert f"账本: {chosen}" in capsys.readouterr().err


def test_shixun_ledger_naming_no_file_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHIXUN_LEDGER", str(tmp_path / "gone.beancount"))
    assert cli.main(["check"]) == 2
    assert "环境变量 SHIXUN_LEDGER 指向的账本文件不存在" in capsys.readouterr().err


def test_bundled_example_is_said_loudly(tmp_path, monkeypatch, capsys):
    write(tmp_path / "2024.beancount", CLEAN)  # the accountant's file, but not named main.beancount
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check"]) == 0
    captured = capsys.readouterr()
    assert "随附的示例账本" in captured.out
    assert "正在使用随附的【示例账本】" in captured.err and "!!!!" in captured.err
    assert "当前文件夹有 2024.beancount, 但没有 main.beancount" in captured.err
    assert f"账本: {BUNDLED_LEDGER} (随附的示例账本)" in captured.err


def test_as_of_sets_the_date_of_judgement_for_the_load(tmp_path, capsys):
    path = write(tmp_path / "main.beancount", CLEAN)
    assert cli.main(["check", str(path), "--as-of", "2025-06-30"]) == 0
    assert "判断日期 2025-06-30 (指定)" in capsys.readouterr().err
    assert "SHIXUN_AS_OF" not in os.environ  # in-process: the environment is left as it was


def test_as_of_before_the_command_works_too(tmp_path, capsys):
    path = write(tmp_path / "main.beancount", CLEAN)
    assert cli.main(["--as-of", "2025-01-31", "check", str(path)]) == 0
    assert "判断日期 2025-01-31 (指定)" in capsys.readouterr().err


def test_ledger_pin_is_shown_as_such(tmp_path, capsys):
    path = write(tmp_path / "main.beancount", CLEAN + '2024-12-31 custom "shixun-option" "as-of" 2024-12-31\n')
    assert cli.main(["check", str(path)]) == 0
    assert "判断日期 2024-12-31 (账本设定, main.beancount:8)" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["2025-02-30", "tomorrow", "2025-1-32", ""])
def test_bad_as_of_is_one_chinese_line_and_exit_2(tmp_path, capsys, value):
    path = write(tmp_path / "main.beancount", CLEAN)
    assert cli.main(["check", str(path), "--as-of", value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "判断日期应为 YYYY-MM-DD" in err


def test_bad_shixun_as_of_in_the_environment_is_refused(tmp_path, monkeypatch, capsys):
    path = write(tmp_path / "main.beancount", CLEAN)
    monkeypatch.setenv("SHIXUN_AS_OF", "2025-13-01")
    assert cli.main(["check", str(path)]) == 2
    assert "环境变量 SHIXUN_AS_OF" in capsys.readouterr().err


# Every command, with what it needs to parse; `--as-of` must be accepted after each.
COMMANDS = [
    ["check"], ["audit", "--year", "2024"], ["report", "remittance", "--year", "2024"],
    ["report", "funds", "--year", "2024"], ["report", "students", "--from", "2024-01-01", "--to", "2024-12-31"],
    ["seal", "--year", "2024"], ["serve", "--users", "u.txt"], ["user", "list", "--users", "u.txt"],
    ["user", "add", "x", "--role", "audit", "--users", "u.txt"], ["import", "extract", "a.csv"],
    ["import", "archive", "a.csv"], ["gen-ledger"], ["bench"], ["report"], ["import"], ["user"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_every_command_takes_as_of(argv):
    args = cli.build_parser().parse_args([*argv, "--as-of", "2025-06-30"])
    assert args.as_of == "2025-06-30"


def test_report_on_a_broken_ledger_is_refused_in_chinese(tmp_path, capsys):
    path = write(tmp_path / "main.beancount", CLEAN.replace("  Income:5001-主营业务收入\n",
                                                             "  Income:5001-主营业务收入  -9.00 CNY\n"))
    assert cli.main(["report", "remittance", str(path), "--year", "2024"]) == 2
    err = capsys.readouterr().err
    assert "报表不能生成" in err and f"{path}:5: 分录借贷不平衡: 借方多于贷方 1.00 CNY" in err
    assert not ENGLISH.search(err), err


def test_internal_error_is_one_chinese_line_without_the_exception_name(tmp_path, monkeypatch, capsys):
    path = write(tmp_path / "main.beancount", CLEAN)

    def explode(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("scripts.cmd_check.group", explode)
    assert cli.main(["check", str(path)]) == 3
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("内部错误:") and "维护人员" in err
    assert "ZeroDivision" not in err and "division" not in err


def test_usage_errors_are_chinese(capsys):
    for argv in (["report", "remittance"], ["audit", "--year", "2024", "--sample", "many"],
                 ["report", "funds", "--year", "2024", "--format", "pdf"], ["check", "--bogus"]):
        with pytest.raises(SystemExit) as stopped:
            cli.main(argv)
        assert stopped.value.code == 2
        err = capsys.readouterr().err
        assert "参数错误" in err and not ENGLISH.search(err), err


def test_help_is_chinese(capsys):
    with pytest.raises(SystemExit):
        cli.main(["check", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("用法: shixun check") and "--as-of DATE" in out and "显示本帮助并退出" in out


def test_gbk_ledger_through_the_console_script(tmp_path):
    (tmp_path / "main.beancount").write_bytes(CLEAN.encode("gbk"))
    done = run("check", cwd=tmp_path)
    assert done.returncode == 1
    [line] = [x for x in done.stdout.splitlines() if not x.startswith("==")]
    assert "main.beancount 不是 UTF-8 编码" in line and "iconv -f GBK -t UTF-8" in line
    assert "账本: main.beancount  判断日期" in done.stderr


def test_report_command_through_the_console_script_says_ledger_and_as_of(tmp_path):
    path = write(tmp_path / "main.beancount", CLEAN)
    done = run("report", "remittance", str(path), "--year", "2024", "--as-of", "2025-06-01")
    assert done.returncode == 0, done.stderr
    assert f"账本: {path}  判断日期 2025-06-01 (指定)" in done.stderr
    assert '"year"' in done.stdout


def test_refused_report_on_a_ledger_with_rule_errors_is_one_line(tmp_path, capsys):
    path = write(tmp_path / "main.beancount", 'plugin "plugins.treasury"\n' + CLEAN
                 + '2024-01-01 custom "policy" "treasury-share" 2\n')
    assert cli.main(["report", "remittance", str(path), "--year", "2019"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "2019" in err[0], err


def test_report_on_a_ledger_with_rule_errors_notes_them_when_done(tmp_path, capsys):
    path = write(tmp_path / "main.beancount", 'plugin "plugins.treasury"\n' + CLEAN
                 + '2024-01-01 custom "policy" "treasury-share" 2\n')
    assert cli.main(["report", "remittance", str(path), "--year", "2024"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("注意: 账本有") and "规则错误" in err[0] and err[-1].startswith("账本: ")


def test_bookings_dated_after_the_date_of_judgement_are_pointed_out(tmp_path, capsys):
    """A mistyped year (2062) is otherwise seen only as a balance failure, if at all."""
    path = write(tmp_path / "main.beancount", CLEAN + '2062-03-01 * "收款"\n  Assets:1001-库存现金  5.00 CNY\n'
                 '  Income:5001-主营业务收入\n')
    assert cli.main(["check", str(path), "--as-of", "2025-06-30"]) == 0
    err = capsys.readouterr().err
    assert "注意: 1 条记录的日期晚于判断日期 2025-06-30 (指定), 最晚一条 2062-03-01 (" in err
    assert "main.beancount:8)" in err
    assert cli.main(["check", str(path), "--as-of", "2062-03-02"]) == 0
    assert "晚于判断日期" not in capsys.readouterr().err
