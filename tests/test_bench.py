"""`shixun bench` on small ledgers with one round, so the benchmark cannot rot (issue 10).

Timings are not asserted (that is the benchmark's job, on 100k transactions): only that
every row of docs/PERFORMANCE.md is produced and nothing measured failed.
"""
import contextlib
import io
import json

import pytest

from devtools import bench, ledger_gen
from scripts.cli import main


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    out, raw = folder / "PERFORMANCE.md", folder / "raw.json"
    out.write_text("# 旧的数字\n\n" + bench.NOTES_MARKER + "\n\n## 分析\n\n人工写的结论\n", encoding="utf-8")
    code = main(["bench", "--sizes", "500,2000", "--repeat", "1", "--seed", "3",
                 "-o", str(out), "--json", str(raw)])
    assert code == 0
    return out.read_text(encoding="utf-8"), json.loads(raw.read_text(encoding="utf-8"))


def test_header_names_machine_versions_and_command(result):
    text, _ = result
    for needle in ("`nproc` = ", "CPU ", "内存 ", "Python ", "beancount ", "fava ", "日期: ",
                   "shixun bench --sizes 500,2000 --repeat 1 --seed 3 -o "):
        assert needle in text


def test_hand_written_analysis_is_kept_below_the_new_figures(result):
    text, _ = result
    assert "# 旧的数字" not in text
    assert text.index("## 目标") < text.index(bench.NOTES_MARKER) < text.index("人工写的结论")
    assert text.count(bench.NOTES_MARKER) == 1


def test_every_load_variant_is_a_row_at_every_size(result):
    text, raw = result
    plugins = ledger_gen.available_plugins()
    assert plugins, "no plugin module exists"
    assert [s["requested"] for s in raw["sizes"]] == [500, 2000]
    for size in raw["sizes"]:
        assert set(size["loads"]) == {"bare", "all", bench.ALT, *plugins}
        bare, every = size["loads"]["bare"], size["loads"]["all"]
        assert bare["wall"] > 0 and bare["cpu"] > 0 and bare["rss_mib"] > 0
        assert every["entries"] >= bare["entries"]
        assert not any(k.startswith("plugins.") for k in bare["stages"]), "bare copy kept a plugin line"
        assert set(k for k in every["stages"] if k.startswith("plugins.")) == {"plugins.all"}
        for name in plugins:
            assert f"plugins.{name}" in size["loads"][bench.ALT]["stages"]  # the five lines
            assert set(k for k in size["loads"][name]["stages"] if k.startswith("plugins.")) == {f"plugins.{name}"}
    assert text.count("| 裸 Beancount (去掉 plugin 行) |") == 2
    assert text.count('| 全部插件 (plugin "plugins.all") |') == 2  # the load table, per size
    assert text.count("| 全部插件 |") == 2  # the overhead breakdown, per size  # the load table and the overhead breakdown, per size
    assert text.count("插件开销的构成") == 2
    for name in plugins:
        assert text.count(f"| 仅 plugins.{name} |") == 2


def test_every_report_and_view_is_a_row_and_none_failed(result):
    text, raw = result
    for size in raw["sizes"]:
        assert [r["name"] for r in size["reports"]["rows"]] == [r[0] for r in bench.REPORTS]
        views = {r["name"] for r in size["views"]["rows"]}
        assert views == set(bench.VIEW_CLASSES)
    for label, *_ in bench.REPORTS:
        assert f"| {label} (载入之后首次调用, CPU) |" in text
    for name in bench.VIEW_CLASSES:
        assert f"视图 {name}" in text
    assert "失败" not in text, "a report builder or view raised during the benchmark"


def test_targets_and_growth_tables(result):
    text, raw = result
    rows = bench.targets(raw["sizes"][-1])
    day = 2 if bench.ALT in raw["sizes"][-1]["loads"] else 0
    assert len(rows) == 2 + day + len(bench.REPORTS) + len(bench.VIEW_CLASSES)
    assert "全部插件 / 裸 Beancount 载入时间 (CPU)" in text
    assert "全部插件 / 裸 Beancount 峰值内存" in text
    assert "## 增长: " in text
    assert "## 各插件耗时分布 (" in text
    assert [p["plugin"] for p in raw["sizes"][-1]["profile"]][0] == "plugins.all"
    assert {p["plugin"] for p in raw["sizes"][-1]["profile"]} == {
        "plugins.all", *(f"plugins.{n}" for n in ledger_gen.available_plugins())}
    assert "| 裸 载入 CPU s |" in text and "| 全部插件 载入 CPU s |" in text


def test_missing_builder_is_a_row_not_a_crash(monkeypatch, tmp_path):
    monkeypatch.setattr(bench, "REPORTS", [("report nothing", "reports.no_such_module", "build", "year", None)])
    path = bench.generate(tmp_path, 500, 1)
    # the child body in-process (a subprocess would import the unpatched module)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        bench.child_reports(str(path), "1")
    rows = json.loads(buffer.getvalue().splitlines()[-1])["rows"]
    assert [(r["name"], r["status"], r["build"]) for r in rows] == [("report nothing", bench.NOT_IMPLEMENTED, [])]


def test_bad_sizes_are_a_user_error(capsys):
    assert main(["bench", "--sizes", "ten"]) == 2
    assert "--sizes" in capsys.readouterr().err


def test_missing_views_are_rows_and_the_markdown_still_renders(result, monkeypatch, tmp_path):
    _, raw = result
    monkeypatch.setattr(bench, "_extension_modules", lambda: {})
    path = bench.generate(tmp_path, 500, 1)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        bench.child_views(str(path), "1")
    views = json.loads(buffer.getvalue().splitlines()[-1])
    assert [(r["name"], r["status"]) for r in views["rows"]] == [(n, bench.NOT_IMPLEMENTED) for n in bench.VIEW_CLASSES]
    size = dict(raw["sizes"][-1], views=views)
    size["reports"] = dict(size["reports"], rows=[{"name": label, "status": bench.NOT_IMPLEMENTED, "build": [],
                                                   "render": [], "wall": []} for label, *_ in bench.REPORTS])
    text = bench.markdown(dict(raw, sizes=[raw["sizes"][0], size]), "shixun bench")
    assert text.count(bench.NOT_IMPLEMENTED) >= len(bench.REPORTS) + len(bench.VIEW_CLASSES)
