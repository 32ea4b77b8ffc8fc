"""What a person types that can be wrong: output paths (a folder, a missing or unwritable
folder), a ledger path that is a folder, dates, and `shixun serve`'s numbers. Each is one
Chinese line and exit 2, before any work, and nothing is written."""
import errno
import math
import os
import pathlib
import re
import stat

import pytest

from plugins import files
from plugins.asof import parse_date
from reports import books
from scripts import cli, cmd_serve
from serving import users as users_mod
from tests.test_cli_ledger import CLEAN as LEDGER

DATA = pathlib.Path(__file__).resolve().parent / "data"
SHEET = DATA / "import" / "工时表-电子商务-2024-03-gbk.csv"
ENGLISH = re.compile(r"Traceback|Error\b|Exception|Is a directory|No such file|Permission denied|内部错误")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    monkeypatch.delenv("SHIXUN_AS_OF", raising=False)
    monkeypatch.delenv("SHIXUN_LEDGER", raising=False)


@pytest.fixture
def site(tmp_path):
    """A ledger, a users file with one login, and a spy: the work a command does after its
    checks (loading the ledger, generating, benchmarking, serving) must not start."""
    ledger = tmp_path / "main.beancount"
    ledger.write_text(LEDGER, encoding="utf-8")
    users = tmp_path / "users.txt"
    users_mod.add_user(str(users), "zhang", "audit", "long-enough-pw")
    return tmp_path, ledger, users


@pytest.fixture
def no_work(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the command started its work before checking its output path")

    import devtools.bench
    import devtools.ledger_gen
    import serving.server
    from scripts import common

    cli.build_parser()  # every command module imported before `load` is replaced, not bound to the spy
    monkeypatch.setattr(common, "load", refuse)
    for module, name in ((devtools.ledger_gen, "generate"), (devtools.bench, "run"),
                         (serving.server, "make_app")):
        monkeypatch.setattr(module, name, refuse)
    import scripts.cmd_seal
    import scripts.cmd_import
    monkeypatch.setattr(scripts.cmd_seal, "load", refuse)
    monkeypatch.setattr(scripts.cmd_import, "_setup", refuse)


def run(capsys, monkeypatch, argv, stdin=""):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    assert not ENGLISH.search(captured.err), captured.err
    return code, captured.out, captured.err


def writers(ledger, users, out):
    """Every command that writes a file, with `out` as the file it writes."""
    return {
        "gen-ledger": ["gen-ledger", "--transactions", "100", "-o", out],
        "report": ["report", "remittance", ledger, "--year", "2024", "-o", out],
        "statement": ["report", "balance-sheet", ledger, "--date", "2024-12-31", "-o", out],
        "audit": ["audit", ledger, "--year", "2024", "-o", out],
        "import": ["import", "extract", SHEET, "-o", out],
        "bench": ["bench", "--sizes", "100", "-o", out],
        "bench-json": ["bench", "--sizes", "100", "--json", out],
        "user": ["user", "add", "li", "--role", "finance", "--users", out],
        "serve": ["serve", ledger, "--users", users, "--access-log", out],
    }


KINDS = list(writers("L", "U", "O"))


def _listing(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("where", ["folder", "missing-folder"])
@pytest.mark.parametrize("kind", KINDS)
def test_an_output_path_that_cannot_be_a_file_is_refused_before_the_work(site, no_work, capsys, monkeypatch,
                                                                         kind, where):
    root, ledger, users = site
    if where == "folder":
        target, words = root / "out", f"{root / 'out'} 是一个文件夹, 不是文件: 请给出"
        target.mkdir()
    else:
        target, words = root / "no" / "x.out", f"所在的文件夹 {root / 'no'} 不存在"
    before = _listing(root)
    code, out, err = run(capsys, monkeypatch, writers(ledger, users, target)[kind], "long-enough-pw\n")
    assert code == 2 and out == ""
    assert words in err and err.count("\n") == 1, err
    assert _listing(root) == before


@pytest.mark.parametrize("kind", KINDS)
def test_an_output_path_in_an_unwritable_folder_is_refused_before_the_work(site, no_work, capsys, monkeypatch, kind):
    root, ledger, users = site
    target = root / "sub" / "x.out"
    target.parent.mkdir()
    real = os.access
    monkeypatch.setattr(files.os, "access", lambda p, m: False if pathlib.Path(p) == target.parent else real(p, m))
    code, _, err = run(capsys, monkeypatch, writers(ledger, users, target)[kind], "long-enough-pw\n")
    assert code == 2 and f"没有在文件夹 {target.parent} 中写文件的权限" in err, err
    assert not target.exists()


def test_seal_checks_that_the_ledger_can_be_rewritten_before_loading(site, no_work, capsys, monkeypatch):
    root, ledger, _ = site
    before = ledger.read_bytes()
    real = os.access
    monkeypatch.setattr(files.os, "access", lambda p, m: False if pathlib.Path(p) == root else real(p, m))
    code, _, err = run(capsys, monkeypatch, ["seal", "--year", "2024", ledger])
    assert code == 2 and f"无法写入账本文件 {ledger}: 没有在文件夹 {root} 中写文件的权限" in err, err
    assert ledger.read_bytes() == before


def test_a_failing_write_is_chinese_and_leaves_the_old_file_whole(site, capsys, monkeypatch):
    root, ledger, _ = site
    target = root / "r.json"
    target.write_text("old", encoding="utf-8")

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "replace", full)
    code, _, err = run(capsys, monkeypatch, ["report", "remittance", ledger, "--year", "2024", "-o", target])
    assert code == 2 and f"无法写入输出文件 {target}: 磁盘空间不足" in err
    assert target.read_text(encoding="utf-8") == "old"
    assert not [p for p in root.iterdir() if p.name.endswith(".tmp")]


def test_the_one_writer_keeps_a_files_mode_and_gives_new_files_the_usual_one(tmp_path):
    mask = os.umask(0o022)
    os.umask(mask)
    new = tmp_path / "new.txt"
    files.write_atomic(new, "甲")
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~mask and new.read_text(encoding="utf-8") == "甲"
    new.chmod(0o640)
    files.write_atomic(new, b"x")
    assert stat.S_IMODE(new.stat().st_mode) == 0o640 and new.read_bytes() == b"x"
    users = tmp_path / "users.txt"
    users_mod.add_user(str(users), "zhang", "audit", "long-enough-pw")
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.txt", "users.txt"]


def test_gen_ledger_writes_through_the_one_writer(tmp_path, capsys, monkeypatch):
    target = tmp_path / "bench.beancount"
    code, out, _ = run(capsys, monkeypatch, ["gen-ledger", "--transactions", "100", "-o", target])
    assert code == 0 and "已生成" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench.beancount", "bench.students.csv"]


# -- a ledger path that is a folder -------------------------------------------------------

def ledger_readers(ledger, users):
    return {
        "check": ["check", ledger],
        "report": ["report", "remittance", ledger, "--year", "2024"],
        "audit": ["audit", ledger, "--year", "2024"],
        "seal": ["seal", "--year", "2024", ledger],
        "serve": ["serve", ledger, "--users", users],
        "import": ["import", "extract", SHEET, "--existing", ledger],
        "profiles": ["import", "profiles", "--existing", ledger],
    }


@pytest.mark.parametrize("kind", list(ledger_readers("L", "U")))
def test_a_ledger_folder_names_its_main_file(site, capsys, monkeypatch, kind):
    root, _, users = site
    code, out, err = run(capsys, monkeypatch, ledger_readers(root, users)[kind])
    assert code == 2 and out == ""
    assert f"账本文件 {root} 是一个文件夹, 不是文件: 请给出账本主文件, 如 {root / 'main.beancount'}" in err, err
    assert "不存在" not in err and err.count("\n") == 1


def test_a_ledger_folder_without_main_beancount_lists_what_it_holds(tmp_path, capsys, monkeypatch):
    (tmp_path / "2024.beancount").write_text("", encoding="utf-8")
    code, _, err = run(capsys, monkeypatch, ["check", tmp_path])
    assert code == 2 and "请给出账本主文件" in err and "该文件夹中有 2024.beancount" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, monkeypatch, ["check", empty])
    assert code == 2 and "该文件夹中没有 .beancount 文件" in err


def test_shixun_ledger_naming_a_folder_says_so(site, capsys, monkeypatch):
    root, _, _ = site
    monkeypatch.setenv("SHIXUN_LEDGER", str(root))
    code, _, err = run(capsys, monkeypatch, ["check"])
    assert code == 2 and f"环境变量 SHIXUN_LEDGER 指向的账本文件 {root} 是一个文件夹" in err


@pytest.mark.parametrize("flag", ["--roster", "--config", "--rules"])
def test_import_files_that_are_folders_say_so(tmp_path, capsys, monkeypatch, flag):
    code, _, err = run(capsys, monkeypatch, ["import", "extract", SHEET, flag, tmp_path])
    assert code == 2 and f"{tmp_path} 是一个文件夹, 不是文件" in err


# -- dates: one parser ------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    ("2025-02-30", "2025-02-30 的日 30 不在 1 到 28 之间 (2025 年 2 月有 28 天)"),
    ("2024-13-01", "2024-13-01 的月份 13 不在 1 到 12 之间"),
    ("0000-01-01", "年份 0 无效"),
    ("20250101", "应为 YYYY-MM-DD 格式的有效日期 (如 2024-01-31), 而不是 '20250101'"),
    ("2025-1-3", "而不是 '2025-1-3'"),
])
def test_the_one_date_parser_says_what_is_wrong(text, words):
    with pytest.raises(ValueError, match=re.escape("截止日期应为 YYYY-MM-DD 格式的有效日期")) as bad:
        parse_date(text, "截止日期")
    assert words in str(bad.value)
    with pytest.raises(books.BooksError) as same:  # the statements read dates with it too
        books.parse_date(text, "截止日期")
    assert str(same.value) == str(bad.value)
    assert parse_date(" 2024-02-29 ") == books.parse_date("2024-02-29")


@pytest.mark.parametrize("argv, words", [
    (["report", "balance-sheet", "{L}", "--date", "2024-02-30"], "--date 日期应为 YYYY-MM-DD 格式的有效日期: 2024-02-30 的日 30"),
    (["report", "students", "{L}", "--from", "20240101", "--to", "2024-12-31"], "--from 日期应为 YYYY-MM-DD"),
    (["seal", "--year", "2024", "--date", "2025-02-29", "{L}"], "--date 封账日期应为 YYYY-MM-DD 格式的有效日期: 2025-02-29"),
    (["seal", "--year", "2024", "--date", "20250102", "{L}"], "--date 封账日期应为 YYYY-MM-DD"),
    (["check", "{L}", "--as-of", "2025-04-31"], "判断日期应为 YYYY-MM-DD 格式的有效日期: 2025-04-31 的日 31"),
])
def test_date_flags_share_the_parser(site, no_work, capsys, monkeypatch, argv, words):
    _, ledger, _ = site
    before = ledger.read_bytes()
    code, _, err = run(capsys, monkeypatch, [str(ledger) if a == "{L}" else a for a in argv])
    assert code == 2 and words in err and err.count("\n") == 1, err
    assert ledger.read_bytes() == before


# -- shixun serve: its numbers are limits ----------------------------------------------------

@pytest.mark.parametrize("flag, value", [
    ("--query-memory", "0"), ("--query-memory", "-5"), ("--query-seconds", "0"), ("--query-seconds", "100000"),
    ("--threads", "0"), ("--threads", "-1"), ("--max-failures", "0"), ("--lockout", "0"), ("--lockout", "nan"),
    ("--lockout", "inf"), ("--header-seconds", "0"), ("--header-seconds", "nan"), ("--port", "0"),
    ("--port", "70000"),
])
def test_serve_refuses_numbers_outside_their_limits(site, no_work, capsys, monkeypatch, flag, value):
    _, ledger, users = site
    code, out, err = run(capsys, monkeypatch, ["serve", ledger, "--users", users, flag, value])
    assert code == 2 and out == ""
    low, high = next((lo, hi) for f, _, _, lo, hi, _ in cmd_serve.NUMBERS if f == flag)
    assert f"{flag} 应在 {low:g} 到 {high:g} 之间, 而不是" in err and err.count("\n") == 1, err


def test_serve_numbers_become_the_limits(site, capsys, monkeypatch):
    import serving.server
    from serving.query import QueryLimits

    _, ledger, users = site
    seen = {}

    def capture(path, users_path, access_log, **options):
        seen.update(options)
        raise KeyboardInterrupt  # stop before serving

    monkeypatch.setattr(serving.server, "make_app", capture)
    run(capsys, monkeypatch, ["serve", ledger, "--users", users, "--threads", "16", "--query-seconds", "3",
                              "--query-memory", "64", "--lockout", "60", "--max-failures", "3"])
    limits = seen["query_limits"]
    assert (limits.cpu_seconds, limits.wall_seconds, limits.memory_mb) == (3, 3 * cmd_serve.WALL_PER_CPU, 64)
    assert limits.waiting == 16 - QueryLimits.parallel - cmd_serve.PAGE_WORKERS
    assert (seen["lockout"], seen["max_failures"]) == (60, 3)
    assert all(math.isfinite(d) for _, _, d, _, _, _ in cmd_serve.NUMBERS)


def test_serve_defaults_are_the_servers_own():
    """The defaults are written in the option table (importing the server for them would
    slow every command), so they must not drift from the limits' own defaults."""
    import inspect

    from serving.guard import Guard
    from serving.query import QueryLimits
    from serving.server import ServerLimits

    defaults = {flag: default for flag, _, default, _, _, _ in cmd_serve.NUMBERS}
    guard = inspect.signature(Guard).parameters
    assert defaults["--threads"] == ServerLimits.threads
    assert defaults["--header-seconds"] == ServerLimits.header_seconds
    assert defaults["--query-seconds"] == QueryLimits.cpu_seconds
    assert defaults["--query-seconds"] * cmd_serve.WALL_PER_CPU == QueryLimits.wall_seconds
    assert defaults["--query-memory"] == QueryLimits.memory_mb
    assert defaults["--threads"] - QueryLimits.parallel - cmd_serve.PAGE_WORKERS == QueryLimits.waiting
    assert (defaults["--max-failures"], defaults["--lockout"]) == (guard["max_failures"].default, guard["lockout"].default)


def test_a_seal_whose_ledger_cannot_be_written_leaves_no_record_list(tmp_path, capsys, monkeypatch):
    ledger = tmp_path / "main.beancount"
    ledger.write_text(LEDGER, encoding="utf-8")
    before = ledger.read_bytes()
    real = files.os.replace

    def no_ledger(src, dst):
        if pathlib.Path(dst) == ledger:
            raise OSError(errno.EROFS, "Read-only file system")
        real(src, dst)

    monkeypatch.setattr(files.os, "replace", no_ledger)
    code, _, err = run(capsys, monkeypatch, ["seal", "--year", "2024", ledger, "--as-of", "2025-06-30"])
    assert code == 2 and f"无法写入账本文件 {ledger}: 所在的磁盘是只读的" in err, err
    assert ledger.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["main.beancount"]
