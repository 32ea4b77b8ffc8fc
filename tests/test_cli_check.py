"""`shixun check`: grouped Chinese errors, exit codes, never a traceback."""
from scripts.cli import main


def test_clean_ledger_passes(tmp_path, capsys):
    path = tmp_path / "main.beancount"
    path.write_text('plugin "plugins.all"\n2024-01-01 open Assets:1001-库存现金 CNY\n  code: "1001"\n',
                    encoding="utf-8")
    assert main(["check", str(path), "--as-of", "2024-06-30"]) == 0
    assert "检查通过" in capsys.readouterr().out


def test_a_ledger_without_the_rule_plugin_does_not_pass(tmp_path, capsys):
    """No plugin line (or one only in an included file): no rule ran, so nothing was checked."""
    path = tmp_path / "main.beancount"
    path.write_text('2024-01-01 open Assets:1001-库存现金 CNY\n  code: "1001"\n', encoding="utf-8")
    assert main(["check", str(path)]) == 1
    captured = capsys.readouterr()
    assert "检查通过" not in captured.out and 'plugin "plugins.all"' in captured.err


def test_a_family_line_beside_plugins_all_is_an_error(tmp_path, capsys):
    path = tmp_path / "main.beancount"
    path.write_text('plugin "plugins.all"\nplugin "plugins.work_study"\n'
                    '2024-01-01 open Assets:1001-库存现金 CNY\n', encoding="utf-8")
    assert main(["check", str(path), "--as-of", "2024-06-30"]) == 1
    assert "执行两次" in capsys.readouterr().out


def test_missing_file_is_one_chinese_line(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.beancount")]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "账本文件不存在" in err


def test_gbk_file_is_one_line_with_its_encoding(tmp_path, capsys):
    path = tmp_path / "gbk.beancount"
    path.write_bytes('; ok\n2024-01-01 open Assets:1001-库存现金 CNY\n'.encode("gbk"))
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    problems = [line for line in out.splitlines() if not line.startswith("==")]
    assert len(problems) == 1, out
    assert f"{path}:2:" in out and "UTF-8" in out and "GBK" in out and "iconv -f GBK -t UTF-8" in out


def test_unparsable_ledger_lists_errors_in_chinese_and_exits_1(tmp_path, capsys):
    path = tmp_path / "bad.beancount"
    path.write_text('2024-01-01 open Assets:现金\n2024-01-02 * "x"\n  Assets:A  1 CNY\n', encoding="utf-8")
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "无效的科目名称" in out and "分录借贷不平衡" in out
    assert f"{path}:1" in out


def test_rule_errors_are_grouped_by_clause(tmp_path, capsys):
    path = tmp_path / "main.beancount"
    path.write_text('plugin "plugins.treasury"\n2024-01-01 custom "policy" "tax-period" "week"\n'
                    '2024-01-01 custom "policy" "treasury-share" 2\n', encoding="utf-8")
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "== P2 纯利润上交国库" in out
    assert "treasury-share" in out


def test_usage_error_is_chinese(capsys):
    try:
        main(["check", "--bogus"])
    except SystemExit as exit:
        assert exit.code == 2
    assert "参数错误" in capsys.readouterr().err
